"""A stand-in for an RS-485 line of ff68 pads: a port object a PadBus can open, that presses keys like a pad
and keeps what the host sent, for tests and the demo."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from . import ff68
from .ff68 import FrameParser


class FakePadLine:
    """The far end of a pad line. Give `opener` to PadBus(open_port=…); then `press()`, `score()` or
    `noise()` send what pads would, and `acks`, `displays`, `beeps` show what the host answered.

    `unplug()` makes the open port fail and reopening it fail, as with a USB adapter pulled out;
    `plug()` lets it open again.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inbound = bytearray()
        self._parser = FrameParser()
        self.plugged = True
        self.opened = 0
        self.sent = bytearray()  # every byte the host wrote
        self.acks: list[bytes] = []  # frames the host echoed
        self.displays: dict[int, tuple[str, str]] = {}  # address -> (waiting, current) as the pad shows
        self.beeps: list[int] = []

    # --- the pads' side -----------------------------------------------------------------------
    def press(self, address: int, key: str, digits: str = "") -> None:
        self.noise(ff68.key_frame(address, key, digits))

    def score(self, address: int, score: int) -> None:
        self.noise(ff68.score_frame(address, score))

    def noise(self, raw: bytes) -> None:
        """Put bytes on the line as they are (a frame, a broken frame, garbage)."""
        with self._cond:
            self._inbound += raw
            self._cond.notify_all()

    def unplug(self) -> None:
        with self._cond:
            self.plugged = False
            self._cond.notify_all()

    def plug(self) -> None:
        with self._cond:
            self.plugged = True

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> bool:
        """Wait until `predicate()` holds (checked whenever the host writes); for tests."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    # --- the host's side: what PadBus opens ---------------------------------------------------
    def opener(self, url: str, baudrate: int, timeout: float) -> _FakePort:
        with self._cond:
            if not self.plugged:
                raise FileNotFoundError(2, "No such file or directory", url)
            self.opened += 1
            return _FakePort(self, timeout)

    def _read(self, size: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._inbound and self.plugged:
                left = deadline - time.monotonic()
                if left <= 0:
                    return b""
                self._cond.wait(left)
            if not self.plugged:
                raise OSError(5, "Input/output error")
            out = bytes(self._inbound[:size])
            del self._inbound[:size]
            return out

    def _write(self, data: bytes) -> int:
        with self._cond:
            if not self.plugged:
                raise OSError(5, "Input/output error")
            self.sent += data
            for frame in self._parser.feed(data):
                if frame.function == ff68.DISPLAY:
                    shown = "".join(" " if d == ff68.BLANK else str(d) for d in frame.data)
                    self.displays[frame.address] = (shown[:3], shown[3:])
                elif frame.function == ff68.BEEP:
                    self.beeps.append(frame.address)
                else:
                    self.acks.append(frame.to_bytes())
            self._cond.notify_all()
            return len(data)


class _FakePort:
    def __init__(self, line: FakePadLine, timeout: float):
        self._line = line
        self._timeout = timeout
        self._open = True

    def read(self, size: int = 1) -> bytes:
        if not self._open:
            raise OSError(9, "port closed")
        return self._line._read(size, self._timeout) if size else b""

    def write(self, data: bytes, /) -> int:
        if not self._open:
            raise OSError(9, "port closed")
        return self._line._write(data)

    @property
    def in_waiting(self) -> int:
        with self._line._cond:
            return len(self._line._inbound)

    def close(self) -> None:
        self._open = False
