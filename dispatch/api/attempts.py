"""Limits on guessing: failed PIN, password and device-token attempts, counted per window, person or address."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from .errors import ApiError


class Attempts:
    """Failed PIN and password attempts; too many in a while answer 429 until it has passed."""

    def __init__(self, limit: int = 5, period_s: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.period_s, self.clock = limit, period_s, clock
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        failures = self.failures.setdefault(key, deque())
        while failures and now - failures[0] > self.period_s:
            failures.popleft()
        return failures

    def check(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                failures = self._recent(key)
                if len(failures) >= self.limit:
                    wait = int(self.period_s - (self.clock() - failures[0])) + 1
                    raise ApiError(
                        429, "too_many_attempts", f"too many wrong attempts: try again in {wait} s", retry_after_s=wait
                    )

    def fail(self, *keys: str) -> bool:
        """Count a failure against each key; True when this one locked any of them."""
        locked = False
        with self.lock:
            for key in keys:
                failures = self._recent(key)
                failures.append(self.clock())
                locked = locked or len(failures) == self.limit
        return locked

    def clear(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)
