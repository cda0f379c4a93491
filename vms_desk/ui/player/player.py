"""The embedded video player (libVLC through python-vlc); optional: without VLC it explains itself.

libVLC reports events on its own threads, and Qt widgets may only be touched from the GUI thread, so this
player registers no VLC callbacks at all: a QTimer polls position, length and state instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QHideEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
POLL_MS = 200
SEEK_STEPS = 1000  # slider resolution: a tenth of a percent of the clip
# Snapshots go into this subfolder of the played file's folder: an evidence folder's manifest lists the
# exported files and their hashes, and a snapshot is not one of them (verify ignores files it does not list).
SNAPSHOT_FOLDER = "snapshots"
# Without --quiet libavcodec floods stderr; the title overlay would cover evidence with a file name.
BASE_ARGS = ("--quiet", "--no-video-title-show", "--no-snapshot-preview")
HEADLESS_ARGS = ("--vout=dummy", "--aout=dummy")
INSTALL_HELP = (
    "The built-in player needs VLC 3 (libVLC).\n"
    "Windows: install VLC 3 (64-bit) from videolan.org, or set PYTHON_VLC_LIB_PATH to the libvlc.dll "
    "of a VLC installation.\n"
    "Debian/Ubuntu: sudo apt install libvlc5 vlc-plugin-base vlc-plugin-video-output\n"
    "Everything else in vms_desk works without it; open the evidence folder to play the file elsewhere."
)

VlcLoader = Callable[[list[str]], "tuple[Any, Any] | str"]


def load_vlc(args: list[str]) -> tuple[Any, Any] | str:
    """(vlc module, vlc.Instance), or the reason libVLC cannot be used."""
    try:
        import vlc
    # ImportError, OSError, NameError: python-vlc fails in several ways; and it calls sys.exit(1) when
    # PYTHON_VLC_LIB_PATH names a library that does not load, which must not end the whole app.
    except (Exception, SystemExit) as exc:
        reason = str(exc) if not isinstance(exc, SystemExit) else "PYTHON_VLC_LIB_PATH names no usable libVLC"
        return f"python-vlc could not load libVLC ({reason})."
    try:
        instance = vlc.Instance(args)
    except Exception as exc:  # a broken install can raise from inside ctypes
        return f"libVLC failed to start ({exc})."
    if instance is None:
        return "libVLC was found but could not start: its plugins are missing or incomplete."
    return vlc, instance


def headless() -> bool:
    """True on platforms without real windows (tests, CI): VLC then renders to a dummy output."""
    return QGuiApplication.platformName() in ("offscreen", "minimal")


def clock_text(ms: int) -> str:
    """H:MM:SS.t for a position in milliseconds (negative: unknown)."""
    if ms < 0:
        return "-:--:--"
    seconds, tenths = divmod(ms // 100, 10)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}.{tenths}"


class Player(QWidget):
    """Video surface with play/pause, seek, frame step, speed, snapshot and a position/length display.

    Signals:
        positionChanged(int, int): position and length in ms, at every poll while a file is open.
        snapshotTaken(object): the Path of a snapshot just written.
        errorOccurred(str): VLC could not play the file (a sentence for the user).
    """

    positionChanged = Signal(int, int)  # noqa: N815 - Qt signal naming
    snapshotTaken = Signal(object)  # noqa: N815 - Qt signal naming
    errorOccurred = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, *, loader: VlcLoader = load_vlc) -> None:
        super().__init__(parent)
        self.setObjectName("player")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._path: Path | None = None
        self._snapshot_dir: Path | None = None  # chosen with set_snapshot_folder; else beside the file
        self._failed = False
        self._wants_play = False
        self._cueing = False
        args = [*BASE_ARGS, *(HEADLESS_ARGS if headless() else ())]
        loaded = loader(args)
        self.unavailable_reason = loaded if isinstance(loaded, str) else ""
        self._vlc: Any = None if isinstance(loaded, str) else loaded[0]
        self._instance: Any = None if isinstance(loaded, str) else loaded[1]
        self._mp: Any = self._instance.media_player_new() if self._instance is not None else None
        self.surface = QFrame(objectName="videoSurface")
        self.surface.setMinimumSize(320, 180)
        palette = self.surface.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
        self.surface.setPalette(palette)
        self.surface.setAutoFillBackground(True)
        self.message = QLabel(objectName="playerMessage", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_controls()
        layout = QVBoxLayout(self)
        layout.addWidget(self.surface, 1)
        layout.addWidget(self.message)
        layout.addLayout(self._controls)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        if self._mp is None:
            log.warning("player unavailable: %s", self.unavailable_reason)
            self.surface.hide()
            self.message.setText(f"{self.unavailable_reason}\n\n{INSTALL_HELP}")
        else:
            self.message.hide()
        self._enable(False)

    def _build_controls(self) -> None:
        style = self.style()
        self.playButton = QToolButton(objectName="playButton", text="Play")
        self.playButton.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.playButton.setToolTip("Play / pause (Space)")
        self.playButton.clicked.connect(self.toggle)
        self.frameButton = QToolButton(objectName="frameButton", text="Next frame")
        self.frameButton.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.frameButton.setToolTip("Pause and show the next frame (.)")
        # An icon alone reads as "fast forward": name the step.
        self.frameButton.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.frameButton.clicked.connect(self.next_frame)
        self.seekSlider = QSlider(Qt.Orientation.Horizontal, objectName="seekSlider")
        self.seekSlider.setRange(0, SEEK_STEPS)
        self.seekSlider.setAccessibleName("Position")
        self.seekSlider.sliderMoved.connect(self._slider_moved)
        self.seekSlider.actionTriggered.connect(self._slider_action)
        self.timeLabel = QLabel(clock_text(-1) + " / " + clock_text(-1), objectName="timeLabel")
        self.speedCombo = QComboBox(objectName="speedCombo")
        for speed in SPEEDS:
            self.speedCombo.addItem(f"{speed:g}×", speed)
        self.speedCombo.setCurrentIndex(SPEEDS.index(1.0))
        self.speedCombo.setToolTip("Playback speed")
        self.speedCombo.currentIndexChanged.connect(
            lambda _: self.set_rate(float(self.speedCombo.currentData()))
        )
        self.snapshotButton = QToolButton(objectName="snapshotButton", text="Snapshot")
        self.snapshotButton.setToolTip(
            f"Save the frame shown as a PNG in the {SNAPSHOT_FOLDER}/ subfolder beside the file: it is "
            "kept apart from the exported files, and the evidence manifest is not changed"
        )
        self.snapshotButton.clicked.connect(lambda: self.take_snapshot())  # noqa: PLW0108 - not the bool
        self._controls = QHBoxLayout()
        self._controls.addWidget(self.playButton)
        self._controls.addWidget(self.frameButton)
        self._controls.addWidget(self.seekSlider, 1)
        for control in (self.timeLabel, self.speedCombo, self.snapshotButton):
            self._controls.addWidget(control)

    def _enable(self, on: bool) -> None:
        for widget in (
            self.playButton,
            self.frameButton,
            self.seekSlider,
            self.speedCombo,
            self.snapshotButton,
        ):
            widget.setEnabled(on and self._mp is not None)

    @property
    def available(self) -> bool:
        """True when libVLC loaded."""
        return self._mp is not None

    # --- media --------------------------------------------------------------------------------------
    def open(self, path: Path, *, autoplay: bool = True, cue: bool = False) -> bool:
        """Load a video file and play it (`autoplay`), or show its first frame paused (`cue`);
        False when the player is unavailable."""
        if self._mp is None or self._instance is None:
            return False
        self._path = Path(path)
        self._failed = False
        self._cueing = False
        self._mp.set_media(self._instance.media_new_path(str(self._path)))
        self._embed()
        self._enable(True)
        self._show_playing(False)
        self._set_note("")
        self._timer.start()
        if autoplay:
            self.play()
        elif cue:
            # VLC shows nothing until it plays: play silently and pause at the first poll that finds it
            # playing, which leaves the first frame on the surface.
            self._cueing = True
            self._mp.play()
        return True

    def path(self) -> Path | None:
        """The file loaded, or None."""
        return self._path

    def cueing(self) -> bool:
        """True while a cued clip has not reached its first frame yet."""
        return self._cueing

    def _embed(self) -> None:
        """Hand VLC the surface's native window; headless there is none (dummy output)."""
        platform = QGuiApplication.platformName()
        if headless():
            return
        self.surface.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.surface.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        handle = int(self.surface.winId())
        if sys.platform.startswith("win"):
            self._mp.set_hwnd(handle)
        elif sys.platform == "darwin":
            self._mp.set_nsobject(handle)
        elif platform == "xcb":
            self._mp.set_xwindow(handle)
        else:
            # Wayland has no foreign-window embedding: VLC opens its own window (run with -platform xcb).
            log.info("cannot embed VLC on the %s platform", platform)

    def play(self) -> None:
        """Start or resume playback (from the start again once the clip has ended)."""
        self._cueing = False
        if self._mp is not None and self._path is not None:
            if self._vlc is not None and self._mp.get_state() == self._vlc.State.Ended:
                self._mp.stop()
            self._mp.play()
            self._show_playing(True)

    def pause(self) -> None:
        """Pause (no effect when not playing)."""
        self._cueing = False
        if self._mp is not None:
            self._mp.set_pause(1)
            self._show_playing(False)

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self._wants_play:
            self.pause()
        else:
            self.play()

    def wants_play(self) -> bool:
        """True between Play and Pause (what the button shows)."""
        return self._wants_play

    def is_playing(self) -> bool:
        """True while VLC is playing."""
        return bool(self._mp is not None and self._mp.is_playing())

    def length_ms(self) -> int:
        """The clip's length in ms (-1 until VLC knows it)."""
        return int(self._mp.get_length()) if self._mp is not None else -1

    def time_ms(self) -> int:
        """The position in ms (-1 when unknown)."""
        return int(self._mp.get_time()) if self._mp is not None else -1

    def seek(self, ms: int) -> None:
        """Jump to a position in ms."""
        if self._mp is not None:
            self._mp.set_time(max(0, int(ms)))

    def next_frame(self) -> None:
        """Pause and step one frame forward."""
        self._cueing = False
        if self._mp is not None:
            self._mp.next_frame()
            self._show_playing(False)

    def set_rate(self, rate: float) -> None:
        """Playback speed, 0.25 to 4."""
        if self._mp is not None:
            self._mp.set_rate(min(max(rate, SPEEDS[0]), SPEEDS[-1]))

    def rate(self) -> float:
        """The playback speed VLC uses."""
        return float(self._mp.get_rate()) if self._mp is not None else 1.0

    def set_snapshot_folder(self, folder: Path | None) -> None:
        """Where snapshots go (None: the `snapshots` subfolder beside the file played)."""
        self._snapshot_dir = Path(folder) if folder is not None else None

    def snapshot_folder(self) -> Path | None:
        """Where the next snapshot goes (None while no file is open)."""
        if self._snapshot_dir is not None:
            return self._snapshot_dir
        return self._path.parent / SNAPSHOT_FOLDER if self._path is not None else None

    def take_snapshot(self, folder: Path | None = None) -> Path | None:
        """Write the frame shown as PNG into `folder` (default: snapshot_folder()); its path, or None
        when VLC could not. The note under the video says where it went."""
        target_dir = Path(folder) if folder is not None else self.snapshot_folder()
        if self._mp is None or self._path is None or target_dir is None:
            return None
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._set_note(f"The snapshot could not be saved: vms_desk cannot write to {target_dir} ({exc}).")
            return None
        stem = f"{self._path.stem}_snapshot_{max(0, self.time_ms()):09d}ms"
        target = target_dir / f"{stem}.png"
        for n in range(2, 100):  # never overwrite an earlier snapshot of the same instant
            if not target.exists():
                break
            target = target_dir / f"{stem}_{n}.png"
        if self._mp.video_take_snapshot(0, str(target), 0, 0) != 0 or not target.exists():
            log.warning("snapshot of %s failed", self._path)
            self._set_note("VLC could not take a snapshot of this frame: play or step to a frame first.")
            return None
        where = f"{SNAPSHOT_FOLDER}/{target.name}" if target_dir.name == SNAPSHOT_FOLDER else str(target)
        self._set_note(
            f"Snapshot saved as {where} — kept apart from the exported files; the manifest is unchanged."
        )
        self.snapshotTaken.emit(target)
        return target

    def note(self) -> str:
        """The line under the video (e.g. where the last snapshot went); '' when none."""
        return self.message.text() if self.available else ""

    def _set_note(self, text: str) -> None:
        if self._mp is None:
            return  # the message label holds the install help then
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def release(self) -> None:
        """Stop and free libVLC's player (call before the surface's window goes away)."""
        self._timer.stop()
        if self._mp is not None:
            self._mp.stop()
            self._mp.release()
            self._mp = None
        if self._instance is not None:
            self._instance.release()
            self._instance = None
        self._enable(False)

    # --- polling --------------------------------------------------------------------------------------
    def _poll(self) -> None:
        if self._mp is None:
            return
        length, now = self.length_ms(), self.time_ms()
        if length > 0 and not self.seekSlider.isSliderDown():
            self.seekSlider.blockSignals(True)
            self.seekSlider.setValue(round(SEEK_STEPS * max(0, now) / length))
            self.seekSlider.blockSignals(False)
        self.timeLabel.setText(f"{clock_text(now)} / {clock_text(length)}")
        state = self._mp.get_state()
        if self._cueing and self._vlc is not None and state == self._vlc.State.Playing and now >= 0:
            self._cueing = False
            self._mp.set_pause(1)
        # The button shows what the user asked for; VLC's state lags a command by a poll or two, so it
        # only overrides that when the clip ended or failed.
        if self._vlc is not None and state in (self._vlc.State.Ended, self._vlc.State.Error):
            self._show_playing(False)
        if self._vlc is not None and state == self._vlc.State.Error and not self._failed:
            self._failed = True
            self.errorOccurred.emit(
                f"VLC could not play {self._path}: the file may be damaged or not a video."
            )
        self.positionChanged.emit(now, length)

    def _show_playing(self, playing: bool) -> None:
        self._wants_play = playing
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.playButton.setIcon(self.style().standardIcon(icon))
        self.playButton.setText("Pause" if playing else "Play")

    def _slider_moved(self, value: int) -> None:
        length = self.length_ms()
        if length > 0:
            self.seek(round(length * value / SEEK_STEPS))

    def _slider_action(self, _action: int) -> None:
        # Page clicks and keys on the slider: seek to where the slider will land.
        QTimer.singleShot(0, self, lambda: self._slider_moved(self.seekSlider.value()))

    # --- events -------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.toggle()
        elif event.text() == ".":
            self.next_frame()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.seek(self.time_ms() + (5000 if key == Qt.Key.Key_Right else -5000))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self.pause()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.release()
        super().closeEvent(event)


def open_player(path: Path, parent: QWidget | None = None) -> Player:
    """A Player playing `path` (with its install help instead when libVLC is missing)."""
    player = Player(parent)
    player.open(Path(path))
    player.setWindowTitle(f"{Path(path).name} — vms_desk")
    return player
