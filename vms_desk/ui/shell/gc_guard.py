"""Python's cyclic garbage collector, run on the GUI thread only.

A Qt object caught in a reference cycle is destroyed by whichever thread happens to run the collector;
with worker threads about (the demo simulators, `asyncio.to_thread` hashing and verification) that can
be a thread that must never touch Qt ("Timers cannot be stopped from another thread", or a crash).
So automatic collection is switched off and a GUI-thread timer collects instead, generation by
generation, as often as Python would have.

A full collection walks every tracked object: with the app loaded that took 40-250 ms of the GUI
thread, a visible stall each time. A few ticks after it starts (the window is built and painted by
then, so the one long pass does not delay the first paint) the guard collects once and freezes the
survivors (`gc.freeze`): modules, classes and the session's window live as long as the process, and
later full passes walk only what came after them.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
FREEZE_AFTER_TICKS = 4  # two seconds after start-up


class GuiThreadGc(QObject):
    """Disables automatic GC and collects from a QTimer on the thread that created it."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._ticks_to_freeze = FREEZE_AFTER_TICKS

    def start(self) -> None:
        """Switch automatic collection off and start collecting here."""
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more and give collection back to Python."""
        self._timer.stop()
        gc.unfreeze()
        self._ticks_to_freeze = FREEZE_AFTER_TICKS
        gc.collect()
        gc.enable()

    def settle(self) -> int:
        """Do the start-up pass now (one full collection, survivors frozen) if it is still to come;
        objects found. For automation that measures the steady state after start-up."""
        if self._ticks_to_freeze <= 0:
            return 0
        self._ticks_to_freeze = 0
        return self._freeze()

    @staticmethod
    def _freeze() -> int:
        found = gc.collect()
        gc.freeze()
        return found

    def check(self) -> int:
        """Collect the oldest generation whose count passed Python's threshold; objects found."""
        if self._ticks_to_freeze > 0:
            self._ticks_to_freeze -= 1
            if self._ticks_to_freeze == 0:
                return self._freeze()
        counts = gc.get_count()
        generation = -1
        for index, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if count > threshold:
                generation = index
        return gc.collect(generation) if generation >= 0 else 0
