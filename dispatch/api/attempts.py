"""Limits on guessing: PIN, password and device-token attempts, reserved before they are checked, in a capped table."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError


@dataclass(frozen=True)
class Reservation:
    """One attempt counted against its keys before the slow check; given back if it was right."""

    keys: tuple[str, ...]
    at: float
    locked: bool  # this attempt was the one that reached a key's limit


class Attempts:
    """Attempts within a while, per key (a window, a clerk, a user from an address, an address); at the limit, 429
    until the oldest has passed.

    An attempt is counted when it starts, not when its scrypt check ends: 60 guesses sent at once cannot all be
    checked before the first is counted. The table holds at most `capacity` keys; a new key past that evicts the
    key touched longest ago, so made-up names cannot grow memory without bound.
    """

    def __init__(
        self,
        limit: int = 5,
        period_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = 10_000,
        limits: dict[str, int] | None = None,
    ):
        self.limit, self.period_s, self.clock, self.capacity = limit, period_s, clock, capacity
        # a key's kind ("addr" in "addr:10.0.0.7") may have its own limit
        self.limits = limits if limits is not None else {"addr": 30}
        self.attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.attempts)

    def _limit(self, key: str) -> int:
        return self.limits.get(key.partition(":")[0], self.limit)

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self.attempts.get(key)
        if stamps is None:
            self._make_room()
            stamps = self.attempts[key] = deque()
        else:
            self.attempts.move_to_end(key)
        while stamps and now - stamps[0] > self.period_s:
            stamps.popleft()
        return stamps

    def _make_room(self) -> None:
        # the key touched longest ago goes first: most often one whose attempts have all expired
        while len(self.attempts) >= self.capacity:
            self.attempts.popitem(last=False)

    def reserve(self, *keys: str) -> Reservation:
        """Count an attempt against every key, or refuse with 429 (counting nothing) if any is at its limit."""
        with self.lock:
            now = self.clock()
            found = [(key, self._recent(key, now)) for key in keys]
            for key, stamps in found:
                if len(stamps) >= self._limit(key):
                    wait = int(self.period_s - (now - stamps[0])) + 1
                    raise ApiError(
                        429, "too_many_attempts", f"too many wrong attempts: try again in {wait} s", retry_after_s=wait
                    )
            locked = False
            for key, stamps in found:
                stamps.append(now)
                locked = locked or len(stamps) == self._limit(key)
            return Reservation(tuple(keys), now, locked)

    def give_back(self, reservation: Reservation, *, clear: tuple[str, ...] = ()) -> None:
        """The attempt was right: it counts no more, and the keys in `clear` start afresh."""
        with self.lock:
            for key in reservation.keys:
                stamps = self.attempts.get(key)
                if stamps is not None and reservation.at in stamps:
                    stamps.remove(reservation.at)
            for key in clear:
                self.attempts.pop(key, None)
