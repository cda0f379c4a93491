"""Poll pacing: waits aimed at the predicted end, within bounds, never two requests within a second."""

from __future__ import annotations

import pytest

from vms_desk.jobs.backoff import PollPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_progress_the_waits_ease_off_to_the_maximum() -> None:
    clock = Clock()
    pacer = PollPolicy().pacer(clock)
    waits = []
    for _ in range(6):
        pacer.polled()
        pacer.observed(0.0)
        waits.append(pacer.wait())
        clock.now += waits[-1]
    assert waits == [1.0, 1.5, 2.25, 3.375, 5.0, 5.0]


def test_the_next_poll_is_timed_for_the_predicted_end() -> None:
    clock = Clock()
    pacer = PollPolicy().pacer(clock)
    pacer.polled()
    pacer.observed(0.0)
    clock.now += 1.0
    pacer.polled()
    pacer.observed(0.25)  # a quarter in one second: three seconds to go
    assert pacer.eta() == pytest.approx(3.0)
    assert pacer.wait() == pytest.approx(3.0)
    clock.now += 3.0
    pacer.polled()
    pacer.observed(0.99)  # late: the prediction has passed, poll again soon but not within a second
    clock.now += 0.1  # the answer took 0.1 s
    assert pacer.wait() == pytest.approx(0.9)


def test_a_long_export_is_polled_at_the_maximum_and_a_short_one_at_the_minimum() -> None:
    clock = Clock()
    policy = PollPolicy(interval=0.0)
    pacer = policy.pacer(clock)
    pacer.observed(0.0)
    clock.now += 10.0
    pacer.observed(0.01)
    assert pacer.wait() == 5.0
    pacer = policy.pacer(clock)
    pacer.observed(0.0)
    clock.now += 1.0
    pacer.observed(0.999)
    assert pacer.wait() == 0.2


def test_a_retry_waits_until_a_second_after_the_last_request_started() -> None:
    clock = Clock()
    pacer = PollPolicy().pacer(clock)
    assert pacer.hold() == 0.0
    pacer.polled()
    clock.now += 0.3
    assert pacer.hold() == pytest.approx(0.7)
    clock.now += 1.0
    assert pacer.hold() == 0.0


def test_short_test_policies_keep_every_bound_short() -> None:
    clock = Clock()
    pacer = PollPolicy(first=0.05, maximum=0.1).pacer(clock)
    pacer.polled()
    pacer.observed(0.0)
    assert pacer.wait() == pytest.approx(0.1)  # the one-second spacing never exceeds the maximum wait
