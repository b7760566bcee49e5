"""A player that records what the hall would hear and when, for tests and for a demo without speakers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .pcm import Pcm


class VirtualClock:
    """Seconds that pass only when a fake player speaks or rests, so timing in tests is exact."""

    def __init__(self, start: float = 0.0):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@dataclass(frozen=True)
class Played:
    start: float
    end: float
    clips: tuple[str, ...]
    volume: float
    pcm: Pcm


class RecordingPlayer:
    """Keeps every sound it is asked to play. With a VirtualClock, playing advances that clock by the
    sound's length; without one it returns at once (or, with `real_time`, after the sound's length)."""

    def __init__(self, clock: VirtualClock | None = None, *, online: bool = True, real_time: bool = False):
        self.clock = clock
        self.online = online
        self.real_time = real_time
        self.played: list[Played] = []
        self.rests: list[float] = []
        self.attempts = 0

    def _now(self) -> float:
        return self.clock() if self.clock is not None else time.monotonic()

    def play(self, pcm: Pcm, volume: float) -> bool:
        self.attempts += 1
        if not self.online:
            return False
        start = self._now()
        self._pass(pcm.duration)
        self.played.append(Played(start, start + pcm.duration, pcm.clips, volume, pcm))
        return True

    def rest(self, seconds: float) -> None:
        self.rests.append(seconds)
        self._pass(seconds)

    def _pass(self, seconds: float) -> None:
        if self.clock is not None:
            self.clock.advance(seconds)
        elif self.real_time:
            time.sleep(seconds)
