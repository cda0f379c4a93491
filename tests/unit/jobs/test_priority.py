"""Download worker threads run below the priority of the thread that starts them (the GUI's)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from vms_desk.jobs.priority import NICE_STEP, worker_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_a_worker_thread_is_nicer_than_its_starter_and_the_starter_is_unchanged() -> None:
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    seen: list[int] = []
    thread = worker_thread(
        lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())), name="t"
    )
    thread.start()
    thread.join()
    assert thread.daemon
    assert seen == [min(19, before + NICE_STEP)]
    assert os.getpriority(os.PRIO_PROCESS, me) == before
