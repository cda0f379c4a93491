"""With a GUI, download worker threads run below the priority of the thread that starts them."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from vms_desk.jobs.priority import NICE_STEP, worker_thread, yield_to_gui, yielding


def _nice_of_a_worker() -> int:
    seen: list[int] = []
    thread = worker_thread(
        lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())), name="t"
    )
    thread.start()
    thread.join()
    assert thread.daemon
    return seen[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_with_a_gui_worker_threads_are_nicer_than_their_starter_which_is_unchanged() -> None:
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    was = yielding()  # a window built by an earlier test in this process has asked already
    try:
        yield_to_gui(False)
        assert _nice_of_a_worker() == before  # no GUI (the CLI): the process's own priority
        yield_to_gui()
        assert _nice_of_a_worker() == min(19, before + NICE_STEP)
    finally:
        yield_to_gui(was)
    assert os.getpriority(os.PRIO_PROCESS, me) == before
