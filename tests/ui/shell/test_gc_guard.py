"""The GUI-thread collector: freezes what exists after start-up, still collects cycles made after."""

from __future__ import annotations

import gc
import weakref

from vms_desk.ui.shell.gc_guard import FREEZE_AFTER_TICKS, GuiThreadGc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_first_tick_freezes_the_survivors_and_later_cycles_are_still_collected() -> None:
    guard = GuiThreadGc()
    guard.start()
    try:
        assert not gc.isenabled()
        for _ in range(FREEZE_AFTER_TICKS):  # the start-up ticks: then collect once, freeze the rest
            guard.check()
        assert gc.get_freeze_count() > 0
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        keep: list[Node] = []
        for _ in range(40):  # ticks until the cycle's generation passes its threshold
            keep.extend(Node() for _ in range(800))  # live allocations move the counts, as in the app
            guard.check()
            if gone() is None:
                break
        assert gone() is None
    finally:
        guard.stop()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_settle_does_the_start_up_pass_at_once_and_only_once() -> None:
    guard = GuiThreadGc()
    guard.start()
    try:
        guard.settle()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        Node()  # something new, not frozen
        for _ in range(FREEZE_AFTER_TICKS):  # the ticks that would have frozen: nothing more is frozen
            guard.check()
        assert guard.settle() == 0
        assert gc.get_freeze_count() == frozen
    finally:
        guard.stop()
