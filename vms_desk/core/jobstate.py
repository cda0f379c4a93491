"""Job states and the transitions the engine may make between them."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where an export job is: see DESIGN.md (Jobs and the store)."""

    QUEUED = "queued"
    SUBMITTING = "submitting"
    PROCESSING = "processing"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        """True for states the job never leaves by itself (retry starts it again)."""
        return self in _FINAL

    @property
    def active(self) -> bool:
        """True while a worker is (or should be) busy with the job."""
        return self in _ACTIVE


_FINAL = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})
_ACTIVE = frozenset({JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING})

_ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.SUBMITTING, JobState.CANCELLED, JobState.FAILED}),
    JobState.SUBMITTING: frozenset(
        {JobState.PROCESSING, JobState.DOWNLOADING, JobState.FAILED, JobState.CANCELLED}
    ),
    JobState.PROCESSING: frozenset(
        {JobState.DOWNLOADING, JobState.FAILED, JobState.CANCELLED, JobState.SUBMITTING}
    ),
    JobState.DOWNLOADING: frozenset(
        {JobState.VERIFYING, JobState.FAILED, JobState.CANCELLED, JobState.SUBMITTING}
    ),
    JobState.VERIFYING: frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED}),
    # Retry puts a finished job back in the queue; done jobs are never re-run.
    JobState.FAILED: frozenset({JobState.QUEUED}),
    JobState.CANCELLED: frozenset({JobState.QUEUED}),
    JobState.DONE: frozenset(),
    # Found unfinished at start-up: resumes where it was, or restarts, or gives up.
    JobState.INTERRUPTED: frozenset(
        {
            JobState.QUEUED,
            JobState.SUBMITTING,
            JobState.PROCESSING,
            JobState.DOWNLOADING,
            JobState.VERIFYING,
            JobState.FAILED,
            JobState.CANCELLED,
        }
    ),
}
# Any unfinished state may become INTERRUPTED when the process dies.
for _state in (JobState.QUEUED, *_ACTIVE):
    _ALLOWED[_state] = _ALLOWED[_state] | {JobState.INTERRUPTED}


def can_move(current: JobState, target: JobState) -> bool:
    """True when the engine may move a job from `current` to `target`."""
    return target in _ALLOWED[current]


class TransitionError(RuntimeError):
    """A programming error: the engine tried a transition the state machine forbids."""


def check_move(current: JobState, target: JobState) -> None:
    """Raise TransitionError unless the move is allowed."""
    if not can_move(current, target):
        raise TransitionError(f"a job cannot move from {current} to {target}")
