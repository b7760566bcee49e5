"""A serial line that can be reopened: opens, reports ok/offline, and logs each change once, not every retry.

Shared by the LED line and the RS-485 pad bus, whose DeviceThread does the reopening. Anything
`serial.serial_for_url` opens works: `/dev/hall-led485`, `socket://10.0.0.40:4196` (an RS-485-to-Ethernet
converter), `loop://`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from onewindow.drivers.reconnect import DeviceState, Presence

WRITE_TIMEOUT_S = 2.0


class SerialLike(Protocol):
    """The part of a pyserial port the drivers use; tests and fakes provide the same."""

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def close(self) -> None: ...

    @property
    def in_waiting(self) -> int: ...


# (url, baudrate, read timeout in seconds) -> an open port
Opener = Callable[[str, int, float], SerialLike]


def open_serial(url: str, baudrate: int, timeout: float) -> SerialLike:
    """Open a real port with pyserial, imported here so that reading a config never needs it."""
    import serial

    # exclusive: a second process on the same line would interleave frames; better it fails to open
    port: SerialLike = serial.serial_for_url(
        url, baudrate=baudrate, timeout=timeout, write_timeout=WRITE_TIMEOUT_S, exclusive=True
    )
    return port


class SerialPort:
    """One line's open port (or None while it is away) and its state."""

    def __init__(
        self,
        url: str,
        baudrate: int,
        *,
        timeout: float,
        what: str,
        open_port: Opener | None = None,
        log: logging.Logger | None = None,
    ):
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.what = what
        self.port: SerialLike | None = None
        self._open_port = open_port or open_serial
        self._presence = Presence(
            DeviceState("unknown", f"{what} {url} not opened yet"),
            log or logging.getLogger(__name__),
            away="%s; retrying quietly",
        )

    @property
    def state(self) -> DeviceState:
        return self._presence.state

    @property
    def is_open(self) -> bool:
        return self.port is not None

    def open(self) -> bool:
        """Try once; True when the port is open."""
        if self.port is not None:
            return True
        try:
            self.port = self._open_port(self.url, self.baudrate, self.timeout)
        # a driver thread must outlive whatever pyserial or a URL handler raises (SerialException is an
        # OSError, a bad URL a ValueError, termios errors neither): the line is simply offline
        except Exception as exc:
            self._presence.set("offline", f"{self.what} {self.url} cannot be opened: {exc}")
            return False
        self._presence.set("ok", f"{self.what} {self.url} open")
        return True

    def lost(self, exc: BaseException) -> None:
        """The port failed mid-use (unplugged adapter, converter gone): close it and go offline."""
        self._close_port()
        self._presence.set("offline", f"{self.what} {self.url} lost: {exc}")

    def close(self) -> None:
        self._close_port()
        self._presence.set("offline", f"{self.what} {self.url} closed", quiet=True)

    def _close_port(self) -> None:
        port, self.port = self.port, None
        if port is not None:
            # closing a dead port may fail in any way; it is gone either way
            with contextlib.suppress(Exception):
                port.close()
