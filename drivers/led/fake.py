"""A stand-in for a line of LED boards: records each frame it would send, for tests and the demo."""

from __future__ import annotations

import threading

from onewindow.drivers.reconnect import DeviceState

from .protocols import encoder


class FakeLedLine:
    """Same calls as LedLine; `frames` holds every frame in order, `boards` what each board shows.

    `unplug()` and `plug()` switch it offline and back, so a display's heartbeat can be tested.
    """

    def __init__(self, port: str = "fake", baudrate: int = 9600, protocol: str = "soh"):
        self.port = port
        self._encode = encoder(protocol)
        self._lock = threading.Lock()
        self.frames: list[bytes] = []
        self.boards: dict[int, str] = {}
        self._state = DeviceState("ok", f"LED line {port} (fake) open")

    def start(self) -> FakeLedLine:
        return self

    def show(self, address: int, text: str) -> None:
        frame = self._encode(address, text)
        with self._lock:
            self.boards[address] = text
            if self._state.ok:
                self.frames.append(frame)

    @property
    def state(self) -> DeviceState:
        return self._state

    def unplug(self) -> None:
        self._state = DeviceState("offline", f"LED line {self.port} (fake) unplugged")

    def plug(self) -> None:
        """Back online; like the real line, every board's text goes out again."""
        with self._lock:
            self._state = DeviceState("ok", f"LED line {self.port} (fake) open")
            self.frames.extend(self._encode(a, t) for a, t in self.boards.items())

    def close(self) -> None:
        self._state = DeviceState("offline", f"LED line {self.port} (fake) closed")
