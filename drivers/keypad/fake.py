"""A stand-in USB keypad that replays key presses as real evdev events, for tests and the demo."""

from __future__ import annotations

import errno
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from .keymap import key_code
from .reader import EV_KEY

EV_SYN = 0
_UNPLUGGED = object()


class FakeKeypad:
    """Give `opener` to KeypadReader(open_device=…); then `press("KP1", "KPENTER")`, `unplug()`, `plug()`.

    Presses become evdev InputEvents (down, SYN, up, SYN) as a real keypad sends them. Unplugging makes
    the open device's read loop raise OSError(ENODEV) and opening fail with ENOENT until `plug()`.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: deque[Any] = deque()
        self.plugged = True
        self.opened = 0
        self.grabbed = False

    def opener(self, path: str) -> _FakeDevice:
        with self._cond:
            if not self.plugged:
                raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
            self.opened += 1
            self._cond.notify_all()
            return _FakeDevice(self)

    def press(self, *names: str) -> None:
        from evdev import InputEvent

        for name in names:
            code = key_code(name)
            if code is None:
                raise ValueError(f"no key is called {name!r}")
            sec, usec = divmod(time.time_ns() // 1000, 1_000_000)
            self.send(
                InputEvent(sec, usec, EV_KEY, code, 1),
                InputEvent(sec, usec, EV_SYN, 0, 0),
                InputEvent(sec, usec, EV_KEY, code, 0),
                InputEvent(sec, usec, EV_SYN, 0, 0),
            )

    def send(self, *events: Any) -> None:
        """Events as they are, e.g. an auto-repeat (value 2) or a non-key event."""
        with self._cond:
            self._events.extend(events)
            self._cond.notify_all()

    def unplug(self) -> None:
        with self._cond:
            self.plugged = False
            self._events.append(_UNPLUGGED)
            self._cond.notify_all()

    def plug(self) -> None:
        with self._cond:
            self.plugged = True
            self._events.clear()

    def wait_opened(self, times: int, timeout: float = 5.0) -> bool:
        """Wait until the keypad has been opened `times` times in all; for tests."""
        with self._cond:
            return self._cond.wait_for(lambda: self.opened >= times, timeout)


class _FakeDevice:
    def __init__(self, keypad: FakeKeypad):
        self._keypad = keypad
        self._closed = False

    def grab(self) -> None:
        self._keypad.grabbed = True

    def read_loop(self) -> Iterator[Any]:
        cond = self._keypad._cond
        while True:
            with cond:
                cond.wait_for(lambda: self._keypad._events or self._closed)
                if self._closed:
                    return
                event = self._keypad._events.popleft()
            if event is _UNPLUGGED:
                raise OSError(errno.ENODEV, "No such device")
            yield event

    def close(self) -> None:
        with self._keypad._cond:
            self._closed = True
            self._keypad.grabbed = False
            self._keypad._cond.notify_all()
