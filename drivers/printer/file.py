"""Backend `file`: a device file such as /dev/usb/lp0 (the kernel's usblp driver). It only takes bytes:
it cannot answer status queries, so its paper state is always "unknown"."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .backends import Backend, Common
from .link import LinkAway, LinkLost

if TYPE_CHECKING:
    from onewindow.configfile import Table


@dataclass(frozen=True)
class FileOptions:
    path: str


def read_options(t: Table) -> FileOptions | None:
    path = t.str("path", pattern=r"/.*", pattern_help='an absolute path, e.g. "/dev/usb/lp0"', max_length=300)
    return FileOptions(path=path) if path is not None else None


class FileLink:
    """Non-blocking writes with a deadline: a usblp device whose printer stalls must not hang the kiosk."""

    answers = False

    def __init__(self, options: FileOptions, settings: Common):
        self.path = options.path
        self.where = options.path
        self.timeout_s = settings.timeout_s
        self._fd: int | None = None

    def open(self) -> None:
        # never O_CREAT: a missing /dev/usb/lp0 means the printer is unplugged, not "make a file there"
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            raise LinkAway(f"cannot open {self.path}: {exc.strerror}") from exc

    def write(self, data: bytes) -> None:
        if self._fd is None:
            raise LinkLost("not open")
        deadline = time.monotonic() + self.timeout_s
        view = memoryview(data)
        poller = select.poll()
        poller.register(self._fd, select.POLLOUT)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkLost(f"{self.path} took no data for {self.timeout_s:g} s")
            try:
                events = poller.poll(left * 1000)
                if not events:
                    continue
                if any(ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _, ev in events):
                    raise LinkLost(f"{self.path} went away")
                written = os.write(self._fd, view)
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise LinkLost(f"{self.path} lost: {exc.strerror}") from exc
            view = view[written:]
            if written:
                deadline = time.monotonic() + self.timeout_s

    def read(self, size: int, timeout_s: float) -> bytes:
        return b""

    def discard_input(self) -> None:
        pass

    def end_job(self) -> None:
        pass

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


BACKEND = Backend(read_options=read_options, link=FileLink)
