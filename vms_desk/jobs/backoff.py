"""Retry and polling pace: capped exponential backoff for transient errors, easing status polls."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from vms_desk.core.errors import VmsDeskError

log = logging.getLogger(__name__)
T = TypeVar("T")

# Called before each wait: (the error, the attempt that failed (1-based), the delay in seconds).
RetryHook = Callable[[VmsDeskError, int, float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries in all; the wait doubles from `first_delay` up to `max_delay`."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, failed_attempt: int) -> float:
        """Seconds to wait after the `failed_attempt`-th try (1-based)."""
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, failed_attempt - 1)))


@dataclass(frozen=True)
class PollPolicy:
    """How often a job asks the server about its export.

    Once the server's progress has moved, the next poll is timed for the moment the export should end
    (ETA from the progress rate), within `minimum`..`maximum` seconds, so that a finished export is
    noticed about a second after it ends rather than up to `maximum` seconds later. Until then the
    waits start at `first` and ease off by `factor`. Whatever the ETA says, polls of one job start
    at least `interval` seconds apart (at most one status request a second by default); the bounds
    never exceed `maximum`, so tests may make every wait short.
    """

    first: float = 1.0
    maximum: float = 5.0
    factor: float = 1.5
    minimum: float = 0.2
    interval: float = 1.0

    def delays(self) -> Iterator[float]:
        """The successive waits between polls when the progress tells nothing (endless)."""
        delay = self.first
        while True:
            yield delay
            delay = min(self.maximum, delay * self.factor)

    def pacer(self, clock: Callable[[], float] = time.monotonic) -> PollPacer:
        """A pacer for one job's polls."""
        return PollPacer(self, clock)


class PollPacer:
    """One job's poll timing: call `polled()` as each status request starts and `observed(progress)`
    with its answer; `wait()` is then how long to sleep before the next request."""

    def __init__(self, policy: PollPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self._easing = policy.delays()
        self._started = -math.inf  # when the last status request went out
        self._first: tuple[float, float] | None = None  # (time, progress) of the first answer
        self._last: tuple[float, float] | None = None

    def polled(self) -> None:
        """A status request starts now."""
        self._started = self.clock()

    def observed(self, progress: float) -> None:
        """The server answered with this progress (0..1)."""
        sample = (self.clock(), progress)
        if self._first is None:
            self._first = sample
        self._last = sample

    def eta(self) -> float | None:
        """Seconds until the export should end, from the progress rate since the first answer; None
        while the progress has not moved (or has gone back)."""
        if self._first is None or self._last is None:
            return None
        (t0, p0), (t1, p1) = self._first, self._last
        if t1 <= t0 or p1 <= p0:
            return None
        return max(0.0, (1.0 - p1) * (t1 - t0) / (p1 - p0))

    def wait(self) -> float:
        """Seconds to sleep before the next status request."""
        policy = self.policy
        eta = self.eta()
        wait = next(self._easing) if eta is None else eta
        wait = min(policy.maximum, max(min(policy.minimum, policy.first), wait))
        return max(wait, self.hold())

    def hold(self) -> float:
        """Seconds before another status request may start: `interval` after the last one started
        (the request's own time counts, and so does a retry's)."""
        return max(0.0, self._started + min(self.policy.interval, self.policy.maximum) - self.clock())


async def retrying[T](
    operation: Callable[[], Awaitable[T]], policy: RetryPolicy, *, on_retry: RetryHook | None = None
) -> T:
    """Run `operation`, retrying transient vms_desk errors with backoff; re-raises the last error."""
    attempt = 1
    while True:
        try:
            return await operation()
        except VmsDeskError as err:
            if not err.transient or attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt)
            log.info(
                "transient error (try %d of %d), retrying in %.1f s: %s | %s",
                attempt,
                policy.attempts,
                delay,
                err,
                err.detail,
            )
            if on_retry is not None:
                on_retry(err, attempt, delay)
            await asyncio.sleep(delay)
            attempt += 1
