"""The case book over a real job store: numbers, statuses, the audit entries each change writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from vms_desk.cases.rules import CaseStatus, check_number
from vms_desk.core.errors import InputError
from vms_desk.workstation.root import Workstation


@pytest.fixture
def workstation(tmp_path: Path) -> Workstation:
    return Workstation.open(tmp_path / "home")


@pytest.mark.parametrize("number", ["../x", "a/b", "C:1", "a\\b", "x" * 300, "", "..", "a*b"])
def test_a_number_that_cannot_name_a_folder_is_one_sentence(number: str) -> None:
    with pytest.raises(InputError) as caught:
        check_number(number)
    text = str(caught.value)
    assert text.count(". ") == 0 or text.endswith(".")
    assert "\n" not in text


def test_a_plain_number_is_kept() -> None:
    assert check_number(" 2026-0412 ") == "2026-0412"
    assert check_number("Case 17") == "Case 17"
    assert check_number("x" * 64) == "x" * 64


@pytest.mark.asyncio
async def test_new_close_reopen_each_write_one_audit_entry(workstation: Workstation) -> None:
    book = workstation.cases
    case = book.new("2026-0412", title="Shop lifting", by="alice")
    assert (case.status, case.title, case.created_by) == (CaseStatus.OPEN, "Shop lifting", "alice")
    assert case.created.tzinfo is not None
    book.set_status("2026-0412", CaseStatus.CLOSED, by="bob")
    book.set_status("2026-0412", CaseStatus.CLOSED, by="bob")  # no change, no entry
    book.set_status("2026-0412", CaseStatus.OPEN, by="carol")
    book.add_note("2026-0412", "Tape handed to PC 42.", by="carol")
    entries = [e for e in workstation.audit.entries() if e["action"] in ("case", "annotate")]
    assert [(e["action"], e["outcome"], e["by"]) for e in entries] == [
        ("case", "created", "alice"),
        ("case", "closed", "bob"),
        ("case", "reopened", "carol"),
        ("annotate", "noted", "carol"),
    ]
    assert "Tape handed to PC 42." in book.get("2026-0412").notes
    assert workstation.audit.verify().ok
    await workstation.aclose()


@pytest.mark.asyncio
async def test_a_closed_case_takes_no_export_until_reopened(workstation: Workstation) -> None:
    case, created = workstation.case_for_export("7")
    assert created
    assert workstation.case_for_export("7") == (case, False)
    workstation.cases.set_status("7", CaseStatus.CLOSED, by="x")
    with pytest.raises(InputError, match=r"closed .* `vms-desk case reopen 7`"):
        workstation.case_for_export("7")
    workstation.cases.set_status("7", CaseStatus.ON_HOLD, by="x")
    with pytest.raises(InputError, match="on hold"):
        workstation.case_for_export("7")
    workstation.cases.set_status("7", CaseStatus.OPEN, by="x")
    assert workstation.case_for_export("7")[0].status is CaseStatus.OPEN
    await workstation.aclose()


@pytest.mark.asyncio
async def test_a_taken_number_and_an_unknown_case_are_sentences(workstation: Workstation) -> None:
    workstation.cases.new("A-1", by="x")
    with pytest.raises(InputError, match="exists already"):
        workstation.cases.new("A-1", by="x")
    with pytest.raises(InputError, match="There is no case B-2: create it with `vms-desk case new B-2`"):
        workstation.cases.get("B-2")
    assert [c.number for c in workstation.cases.cases()] == ["A-1"]
    await workstation.aclose()
