"""Backend `serial`: an RS-232 or USB-serial printer (or anything pyserial opens, e.g. socket://host:port).

pyserial is imported when the printer is opened, so reading a config never needs it.
"""

from __future__ import annotations

import contextlib
import termios
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .backends import Backend, Common
from .link import LinkAway, LinkLost

if TYPE_CHECKING:
    from onewindow.configfile import Table


BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
FLOW = ("none", "rtscts")
# what a port that went away raises: SerialException is an OSError; tcflush raises termios.error
_PORT_ERRORS = (OSError, ValueError, termios.error)


@dataclass(frozen=True)
class SerialOptions:
    device: str
    baudrate: int = 9600
    flow: str = "none"


def read_options(t: Table) -> SerialOptions | None:
    device = t.str("device", max_length=300)
    baudrate = t.get(
        "baudrate",
        9600,
        kind=int,
        kind_name="a whole number",
        check=lambda v: None if v in BAUDRATES else f"{v} is not allowed (allowed: {', '.join(map(str, BAUDRATES))})",
    )
    # XON/XOFF is not offered: raster bytes contain 0x11 and 0x13 and would be eaten as flow control
    flow = t.str("flow", "none", choices=FLOW)
    if None in (device, baudrate, flow):
        return None
    return SerialOptions(device=device, baudrate=baudrate, flow=flow)


class SerialLink:
    """A serial port; writes go in pieces small enough to finish within the write timeout at this baud rate."""

    answers = True

    def __init__(self, options: SerialOptions, settings: Common):
        self.options = options
        self.timeout_s = settings.timeout_s
        self.where = options.device
        # bytes the line carries in half the timeout (10 bits a byte on the wire)
        self.piece = max(64, int(options.baudrate / 10 * settings.timeout_s / 2))
        self._port: Any = None

    def open(self) -> None:
        try:
            import serial
        except ImportError as exc:
            raise LinkAway("pyserial is not installed") from exc
        try:
            self._port = serial.serial_for_url(
                self.options.device,
                baudrate=self.options.baudrate,
                timeout=self.timeout_s,
                write_timeout=self.timeout_s,
                rtscts=self.options.flow == "rtscts",
                exclusive=True,
            )
        except _PORT_ERRORS as exc:
            raise LinkAway(f"cannot open {self.where}: {exc}") from exc

    def _opened(self) -> Any:
        if self._port is None:
            raise LinkLost("not open")
        return self._port

    def write(self, data: bytes) -> None:
        import serial

        port = self._opened()
        try:
            for start in range(0, len(data), self.piece):
                port.write(data[start : start + self.piece])
        except serial.SerialTimeoutException as exc:
            raise LinkLost(f"{self.where} took no data for {self.timeout_s:g} s") from exc
        except _PORT_ERRORS as exc:
            raise LinkLost(f"{self.where} lost: {exc}") from exc

    def read(self, size: int, timeout_s: float) -> bytes:
        port = self._opened()
        try:
            port.timeout = timeout_s
            return bytes(port.read(size))
        except _PORT_ERRORS as exc:
            raise LinkLost(f"{self.where} lost: {exc}") from exc

    def discard_input(self) -> None:
        port = self._opened()
        try:
            port.reset_input_buffer()
        except _PORT_ERRORS as exc:
            raise LinkLost(f"{self.where} lost: {exc}") from exc

    def end_job(self) -> None:
        pass

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*_PORT_ERRORS):
                port.close()


BACKEND = Backend(read_options=read_options, link=SerialLink)
