"""The job state machine allows exactly the moves the engine needs."""

from __future__ import annotations

import itertools

import pytest

from vms_desk.core.jobstate import JobState, TransitionError, can_move, check_move

HAPPY_PATH = [
    JobState.QUEUED,
    JobState.SUBMITTING,
    JobState.PROCESSING,
    JobState.DOWNLOADING,
    JobState.VERIFYING,
    JobState.DONE,
]


def test_happy_path() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        check_move(current, target)


def test_done_is_final() -> None:
    assert not any(can_move(JobState.DONE, target) for target in JobState)


@pytest.mark.parametrize(
    "state",
    [JobState.QUEUED, JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING],
)
def test_unfinished_can_be_interrupted_and_resumed(state: JobState) -> None:
    assert can_move(state, JobState.INTERRUPTED)
    assert can_move(JobState.INTERRUPTED, state)


@pytest.mark.parametrize("state", [JobState.FAILED, JobState.CANCELLED])
def test_retry_requeues(state: JobState) -> None:
    assert can_move(state, JobState.QUEUED)
    assert not can_move(state, JobState.DOWNLOADING)


def test_forbidden_move_raises() -> None:
    with pytest.raises(TransitionError, match="queued to done"):
        check_move(JobState.QUEUED, JobState.DONE)


def test_flags() -> None:
    assert {s for s in JobState if s.finished} == {JobState.DONE, JobState.FAILED, JobState.CANCELLED}
    assert JobState.DOWNLOADING.active
    assert not JobState.INTERRUPTED.active
