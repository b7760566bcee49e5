"""Talking to systemd: READY=1 once a process works, WATCHDOG=1 from its main loop, log lines at their priority."""

from __future__ import annotations

import logging
import os
import socket
from typing import TextIO


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1") to systemd's notify socket; False when not run by systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def watchdog_interval_s() -> float | None:
    """How often to send WATCHDOG=1: half of what the unit's WatchdogSec= asks for, or None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


# syslog priorities, read by journald from a "<N>" at the start of a line (the units' SyslogLevelPrefix, on by default)
PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def to_journal(stream: TextIO) -> bool:
    """Whether `stream` goes to journald: systemd sets JOURNAL_STREAM to that stream's device:inode."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return os.environ.get("JOURNAL_STREAM") == f"{status.st_dev}:{status.st_ino}"


class JournalFormatter(logging.Formatter):
    """Lines that journald files at their own priority (an error as an error), without a time it adds itself."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)}>"
        # journald takes each line apart: every line of a traceback keeps the error's priority
        return "\n".join(prefix + line for line in super().format(record).splitlines())
