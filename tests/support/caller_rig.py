"""What the caller tests share: keypad events as a USB keypad sends them, and how each press ended."""

from __future__ import annotations

import threading

from evdev import InputEvent, ecodes

from onewindow.caller.station import Press

from .pty_pair import wait_until


def strokes(*names: str, held: bool = False) -> list[InputEvent]:
    """What a USB keypad sends for each key: down, SYN, (a repeat while `held`: not a press), up, SYN."""
    events = []
    for i, name in enumerate(names):
        code = ecodes.ecodes["KEY_" + name]
        events += [InputEvent(1700000000, i, ecodes.EV_KEY, code, 1), InputEvent(1700000000, i, ecodes.EV_SYN, 0, 0)]
        if held:
            events.append(InputEvent(1700000000, i, ecodes.EV_KEY, code, 2))
        events += [InputEvent(1700000000, i, ecodes.EV_KEY, code, 0), InputEvent(1700000000, i, ecodes.EV_SYN, 0, 0)]
    return events


class Outcomes:
    """How each press ended, as the station reports it."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, press: Press, outcome: str) -> None:
        with self.lock:
            self.seen.append((press.window, press.command.name, outcome))

    def wait(self, count: int, timeout: float = 10.0) -> list[tuple[int, str, str]]:
        assert wait_until(lambda: len(self.seen) >= count, timeout), self.seen
        return self.seen[:count]
