"""The export dialogs' case field completes the open cases' numbers (closed ones are not offered)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit

from vms_desk.cases.rules import CaseStatus


@pytest.mark.asyncio
async def test_the_case_field_offers_the_open_cases(gui: Any, qtbot: Any) -> None:
    cases = gui.workstation.cases
    cases.new("2026-0412", by="alice")
    cases.new("2026-0413", by="alice")
    cases.new("2025-0001", by="bob")
    cases.set_status("2025-0001", CaseStatus.CLOSED, by="bob")
    edit = QLineEdit()
    qtbot.addWidget(edit)
    gui.window.export_flow._offer_cases(edit)
    model = edit.completer().model()
    offered = sorted(model.data(model.index(i, 0)) for i in range(model.rowCount()))
    assert offered == ["2026-0412", "2026-0413"]
