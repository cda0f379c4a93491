"""Retry and polling pace: capped exponential backoff for transient errors, easing status polls."""

from __future__ import annotations

import asyncio
import logging
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
    """Status polls start every `first` seconds and ease off by `factor` up to `maximum`."""

    first: float = 1.0
    maximum: float = 5.0
    factor: float = 1.5

    def delays(self) -> Iterator[float]:
        """The successive waits between polls (endless)."""
        delay = self.first
        while True:
            yield delay
            delay = min(self.maximum, delay * self.factor)


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
