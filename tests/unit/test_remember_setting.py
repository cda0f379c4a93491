"""One setting remembered from the window: the rest of settings.json stays as the user wrote it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vms_desk.settings import load_settings, remember_setting


def test_one_key_is_set_and_the_others_are_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"overall": 4, "my_note": "kept"}), encoding="utf-8")
    remember_setting(path, "exports_on_close", "keep")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "overall": 4,
        "my_note": "kept",
        "exports_on_close": "keep",
    }
    assert load_settings(path).exports_on_close == "keep"


def test_a_value_the_settings_refuse_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"overall": 4}', encoding="utf-8")
    with pytest.raises(ValueError, match="exports_on_close"):
        remember_setting(path, "exports_on_close", "sometimes")
    assert path.read_text(encoding="utf-8") == '{"overall": 4}'
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
