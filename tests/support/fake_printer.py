"""Stand-in ESC/POS printers that speak the real wire protocol: on a TCP port and on a pty.

They record what they are sent, answer `DLE EOT n` with scripted status bytes (or stay silent), can drop the
connection mid-ticket, and can be unplugged and plugged back in at the same address.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Any

FINE = 0x12  # DLE EOT 1: online; DLE EOT 4: paper fine
OFFLINE = 0x1A  # DLE EOT 1 with bit 3: offline
NEAR_END = 0x1E  # DLE EOT 4 with bits 2-3
OUT = 0x72  # DLE EOT 4 with bits 5-6
COVER_OPEN = 0x16  # DLE EOT 2 with bit 2


class StatusScript:
    """What the printer answers to DLE EOT 1, 2 and 4; None means it says nothing."""

    def __init__(self) -> None:
        self.printer: int | None = FINE
        self.offline_cause: int | None = FINE
        self.paper: int | None = FINE

    def answer(self, n: int) -> int | None:
        return {1: self.printer, 2: self.offline_cause, 4: self.paper}.get(n)


class Receiver:
    """Splits the incoming stream like a printer's parser: real-time DLE EOT queries are answered, everything
    else is recorded; raster and QR payloads are skipped whole, so image bytes are never taken as queries."""

    def __init__(self, script: StatusScript):
        self.script = script
        self.received = bytearray()
        self.queries: list[int] = []
        self._pending = bytearray()

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return the bytes to answer."""
        buf = self._pending + data
        answers = bytearray()
        i = 0
        while i < len(buf):
            if buf[i] in (0x10, 0x1D) and i + 3 > len(buf):
                break  # a command cut short at the end of this read: wait for the rest
            head = bytes(buf[i : i + 3])
            if head[:2] == b"\x10\x04":
                self.queries.append(head[2])
                answer = self.script.answer(head[2])
                if answer is not None:
                    answers.append(answer)
                i += 3
                continue
            if head in (b"\x1dv0", b"\x1d(k"):
                if i + 8 > len(buf):
                    break
                if head == b"\x1dv0":
                    width, rows = struct.unpack_from("<HH", buf, i + 4)
                    end = i + 8 + width * rows
                else:
                    end = i + 5 + struct.unpack_from("<H", buf, i + 3)[0]
                if end > len(buf):
                    break
                self.received += buf[i:end]
                i = end
                continue
            self.received.append(buf[i])
            i += 1
        self._pending = bytearray(buf[i:])
        return bytes(answers)

    def flush(self) -> None:
        self.received += self._pending
        self._pending.clear()


class NetworkPrinter:
    """A printer on 127.0.0.1:<port>, served by a thread. One connection at a time, like most LAN printers.

    `close_after`: drop the connection once that many ticket bytes have arrived (a printer switched off
    mid-ticket). `unplug()` closes the port and every connection; `plug_in()` listens on the same port again.
    """

    def __init__(self) -> None:
        self.status = StatusScript()
        self.receiver = Receiver(self.status)
        self.close_after: int | None = None
        self.connections = 0
        self.port = 0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plug_in()

    @property
    def received(self) -> bytes:
        return bytes(self.receiver.received)

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def plug_in(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(4)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(listener, self._stop), daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def _serve(self, listener: socket.socket, stop: threading.Event) -> None:
        conn: socket.socket | None = None
        try:
            while not stop.is_set():
                watch = [listener] + ([conn] if conn else [])
                readable, _, _ = select.select(watch, [], [], 0.02)
                if listener in readable:
                    new, _ = listener.accept()
                    if conn is not None:
                        conn.close()  # the old connection is dead to the printer once a new one comes
                    conn = new
                    self.connections += 1
                if conn is not None and conn in readable:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        conn.close()
                        conn = None
                        self.receiver.flush()
                        continue
                    if self.close_after is not None:
                        room = self.close_after - len(self.receiver.received)
                        if len(data) >= room:
                            self.receiver.feed(data[: max(room, 0)])
                            self.receiver.flush()
                            self.close_after = None
                            _reset(conn)
                            conn = None
                            continue
                    answer = self.receiver.feed(data)
                    if answer:
                        conn.sendall(answer)
        finally:
            if conn is not None:
                _reset(conn)
            listener.close()
            self.receiver.flush()

    def close(self) -> None:
        self.unplug()


def _reset(conn: socket.socket) -> None:
    """Close with RST, as a printer losing power or rebooting does to the host."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class SerialPrinter:
    """A serial printer on a pty, reached through a symlink like udev's /dev/hall-printer.

    `unplug()` closes the pty (the host's next write fails with EIO); `plug_in()` makes a new pty and points the
    same symlink at it, as replugging a USB-serial adapter does.
    """

    def __init__(self, folder: Path):
        self.path = folder / "hall-printer"
        self.status = StatusScript()
        self.receiver = Receiver(self.status)
        self.close_after: int | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plug_in()

    @property
    def received(self) -> bytes:
        return bytes(self.receiver.received)

    def plug_in(self) -> None:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self._master, self._slave = master, slave
        link = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(os.ttyname(slave))
        os.replace(link, self.path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(master, self._stop), daemon=True)
        self._thread.start()

    def _serve(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                readable, _, _ = select.select([master], [], [], 0.02)
                if not readable:
                    continue
                data = os.read(master, 65536)
            except OSError:
                return
            if self.close_after is not None and len(self.receiver.received) + len(data) >= self.close_after:
                self.receiver.feed(data[: max(self.close_after - len(self.receiver.received), 0)])
                self.receiver.flush()
                self.close_after = None
                threading.Thread(target=self.unplug, daemon=True).start()
                return
            answer = self.receiver.feed(data)
            if answer:
                with contextlib.suppress(OSError):
                    os.write(master, answer)

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None

    def close(self) -> None:
        self.unplug()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def finishes(action: Callable[[], Any], seconds: float = 30) -> Any:
    """Run `action` on a thread; fail instead of hanging the test run when it never returns."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = action()
        except BaseException as exc:  # handed back to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{action} did not return within {seconds} s"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the fake printer never got there"
        time.sleep(0.01)
