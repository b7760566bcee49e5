"""A pseudo-terminal standing in for a USB serial adapter: the driver opens a stable port name, the test
reads and writes the far end, pulls the adapter out and plugs it back in."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.01) -> bool:
    """Poll `predicate` until it holds; the timeout only keeps a broken test from hanging."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class PtyPair:
    """`port` is a symlink in `folder` (like /dev/hall-led485) to the slave side of a pty.

    Everything the driver writes is kept in `chunks` as (arrival time, bytes), read as it comes by a
    thread. `unplug()` closes the master (the driver's next read or write fails with EIO) and removes the
    link; `plug()` makes a new pty and points the same link at it, as udev would for a re-plugged adapter.
    """

    def __init__(self, folder: Path, name: str = "hall-line"):
        self.port = str(Path(folder) / name)
        self.chunks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self.plug()

    # --- the far end ------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        assert self._master is not None, "unplugged"
        os.write(self._master, data)

    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(chunk for _, chunk in self.chunks)

    def clear(self) -> None:
        with self._lock:
            self.chunks.clear()

    def wait_for(self, predicate: Callable[[bytes], object], timeout: float = 10.0) -> bool:
        return wait_until(lambda: predicate(self.received), timeout)

    # --- the adapter ------------------------------------------------------------------------
    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(master)
        self._master, self._slave = master, slave
        link = Path(self.port)
        fresh = link.with_name(link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        fresh.symlink_to(os.ttyname(slave))
        os.replace(fresh, link)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(master, self._stop), daemon=True)
        self._reader.start()

    def unplug(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._reader.join(5)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.port)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def close(self) -> None:
        if self._master is not None:
            self.unplug()

    def _read(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # nobody has the slave open at this moment
                time.sleep(0.01)
                continue
            with self._lock:
                self.chunks.append((time.monotonic(), chunk))
