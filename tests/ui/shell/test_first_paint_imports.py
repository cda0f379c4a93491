"""What the window's first paint imports: none of the heavy parts that wait for the Workstation.

The window is shown before the engine, the store, the HTTP client and the pydantic models are imported
(vms_desk.app); one careless import in a panel would put them back on the start-up path unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("pydantic", "httpx", "vms_desk.jobs.engine", "vms_desk.workstation.root", "av", "vlc", "keyring")

PROBE = """
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from vms_desk.ui.shell.main_window import MainWindow
window = MainWindow(settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
window.show()
app.processEvents()
print(json.dumps([m for m in json.loads(sys.argv[1]) if m in sys.modules]))
"""


def loaded(probe: str, modules: list[str], *args: str, **env: str) -> list[str]:
    """Which of `modules` a fresh interpreter running `probe` (given the list as JSON, then `args`) has
    loaded, as the probe prints them."""
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(modules), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_the_skeleton_window_imports_none_of_the_heavy_parts(tmp_path: Path) -> None:
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    home = str(tmp_path)
    assert (
        loaded(PROBE, list(HEAVY), str(tmp_path / "gui.ini"), QT_QPA_PLATFORM=platform, VMS_DESK_HOME=home)
        == []
    )


def test_the_command_line_entry_loads_no_command_before_the_window() -> None:
    """`vms-desk` and `vms-desk gui` start from vms_desk.cli: importing it must not import the commands."""
    probe = (
        "import json, sys; import vms_desk.cli; "
        "print(json.dumps([m for m in json.loads(sys.argv[1]) if m in sys.modules]))"
    )
    assert loaded(probe, [*HEAVY, "vms_desk.cli.export", "vms_desk.cli.common"]) == []
