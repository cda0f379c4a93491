"""The libVLC player on real clips from the simulator's media generator (dummy video output offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from vms_desk.sim.media import render_video
from vms_desk.ui.player.player import INSTALL_HELP, Player, clock_text, load_vlc

# The offscreen platform warns whenever a top-level window's size constraints change; a real desktop
# does not. Only that message is ignored: every other Qt warning still fails the test.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

START = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)


def vlc_reason() -> str:
    loaded = load_vlc(["--quiet", "--vout=dummy", "--aout=dummy"])
    return loaded if isinstance(loaded, str) else ""


_REASON = vlc_reason()  # once: starting libVLC takes a few tenths of a second
needs_vlc = pytest.mark.skipif(bool(_REASON), reason=f"libVLC cannot load here: {_REASON}")


@pytest.fixture
def player(qtbot: QtBot) -> Iterator[Player]:
    widget = Player()
    qtbot.addWidget(widget)
    widget.resize(640, 420)
    widget.show()
    yield widget
    widget.release()


def clip(tmp_path: Path, container: str, seconds: int = 10) -> Path:
    path = tmp_path / f"clip.{container}"
    render_video(
        path, camera_name="Entrance", start=START, end=START + timedelta(seconds=seconds), container=container
    )  # type: ignore[arg-type]
    return path


@needs_vlc
@pytest.mark.parametrize("container", ["mkv", "mp4"])
def test_opens_a_real_clip_and_reports_its_length(
    player: Player, qtbot: QtBot, tmp_path: Path, container: str
) -> None:
    assert player.objectName() == "player"
    assert player.available
    assert player.open(clip(tmp_path, container))
    qtbot.waitUntil(lambda: player.length_ms() > 0, timeout=5000)
    assert player.length_ms() == pytest.approx(10_000, abs=500)
    qtbot.waitUntil(lambda: player.time_ms() > 300, timeout=5000)
    qtbot.waitUntil(lambda: player.timeLabel.text().endswith(clock_text(player.length_ms())), timeout=2000)


@needs_vlc
def test_play_pause_seek_speed_and_snapshot(player: Player, qtbot: QtBot, tmp_path: Path) -> None:
    player.open(clip(tmp_path, "mkv"))
    qtbot.waitUntil(lambda: player.time_ms() > 300, timeout=5000)
    assert player.playButton.text() == "Pause"
    qtbot.mouseClick(player.playButton, Qt.MouseButton.LeftButton)  # pause
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3000)
    assert player.playButton.text() == "Play"
    paused_at = player.time_ms()
    qtbot.wait(600)
    assert abs(player.time_ms() - paused_at) < 300  # get_time() is coarse; it must not run on

    player.seek(6000)
    qtbot.waitUntil(lambda: abs(player.time_ms() - 6000) < 800, timeout=3000)
    qtbot.waitUntil(lambda: player.seekSlider.value() > 500, timeout=2000)

    player.speedCombo.setCurrentIndex(player.speedCombo.findData(2.0))
    assert player.rate() == pytest.approx(2.0)

    player.next_frame()
    assert not player.is_playing()

    shots = tmp_path / "snapshots"
    with qtbot.waitSignal(player.snapshotTaken) as blocker:
        path = player.take_snapshot(shots)
    assert path is not None
    assert blocker.args == [path]
    assert path.parent == shots
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    player.play()
    qtbot.waitUntil(player.is_playing, timeout=3000)


def test_without_libvlc_the_player_explains_how_to_install_it(qtbot: QtBot, tmp_path: Path) -> None:
    widget = Player(loader=lambda args: "python-vlc could not load libVLC (no libvlc.so.5).")
    qtbot.addWidget(widget)
    assert not widget.available
    assert not widget.open(tmp_path / "clip.mkv")
    text = widget.message.text()
    assert "no libvlc.so.5" in text
    assert "apt install libvlc5 vlc-plugin-base vlc-plugin-video-output" in text
    assert "PYTHON_VLC_LIB_PATH" in text
    assert INSTALL_HELP in text
    assert not widget.playButton.isEnabled()
    assert widget.take_snapshot(tmp_path) is None


def test_a_libvlc_path_that_does_not_load_is_a_reason_not_an_exit() -> None:
    # python-vlc calls sys.exit(1) on a bad PYTHON_VLC_LIB_PATH; vlc is imported once per process, so
    # this runs in a fresh one.
    code = "from vms_desk.ui.player.player import load_vlc; print(load_vlc([]))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON_VLC_LIB_PATH": os.devnull},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "python-vlc could not load libVLC (PYTHON_VLC_LIB_PATH names no usable libVLC)."
    )


def test_clock_text() -> None:
    assert clock_text(3_723_456) == "1:02:03.4"
    assert clock_text(-1) == "-:--:--"
