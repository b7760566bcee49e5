"""Backend `network`: a printer on the LAN taking raw ESC/POS on a TCP port (usually 9100)."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .backends import Backend, Common
from .link import LinkAway, LinkLost

if TYPE_CHECKING:
    from onewindow.configfile import Table


@dataclass(frozen=True)
class NetworkOptions:
    host: str
    port: int = 9100


def read_options(t: Table) -> NetworkOptions | None:
    host = t.str("host", pattern=r"[A-Za-z0-9_.:\-]{1,253}", pattern_help='a host name or IP address, e.g. "10.0.0.31"')
    port = t.int("port", 9100, minval=1, maxval=65535)
    if host is None or port is None:
        return None
    return NetworkOptions(host=host, port=port)


class NetworkLink:
    """One TCP connection, kept open between tickets; every send and receive has a timeout."""

    answers = True

    def __init__(self, options: NetworkOptions, settings: Common):
        self.host, self.port = options.host, options.port
        self.timeout_s = settings.timeout_s
        self.where = f"{self.host}:{self.port}"
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise LinkAway(f"no answer from {self.where}: {exc.strerror or exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # a printer switched off mid-day leaves a dead connection; keepalive lets the kernel notice
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock = sock

    def _open_sock(self) -> socket.socket:
        if self._sock is None:
            raise LinkLost("not connected")
        return self._sock

    def write(self, data: bytes) -> None:
        sock = self._open_sock()
        try:
            sock.settimeout(self.timeout_s)
            sock.sendall(data)
        except TimeoutError as exc:
            raise LinkLost(f"{self.where} took no data for {self.timeout_s:g} s") from exc
        except OSError as exc:
            raise LinkLost(f"connection to {self.where} lost: {exc.strerror or exc}") from exc

    def read(self, size: int, timeout_s: float) -> bytes:
        sock = self._open_sock()
        try:
            sock.settimeout(timeout_s)
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkLost(f"connection to {self.where} lost: {exc.strerror or exc}") from exc
        if not data:
            raise LinkLost(f"{self.where} closed the connection")
        return data

    def discard_input(self) -> None:
        sock = self._open_sock()
        try:
            sock.setblocking(False)
            while True:
                try:
                    if not sock.recv(4096):
                        raise LinkLost(f"{self.where} closed the connection")
                except BlockingIOError:
                    return
        except OSError as exc:
            raise LinkLost(f"connection to {self.where} lost: {exc.strerror or exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                sock.settimeout(self.timeout_s)

    def end_job(self) -> None:
        pass

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


BACKEND = Backend(read_options=read_options, link=NetworkLink)
