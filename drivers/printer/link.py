"""The physical side of a printer: what each backend (USB, serial, network, file, fake) must do, and its faults."""

from __future__ import annotations

from typing import Protocol


class LinkAway(Exception):
    """The printer cannot be opened: unplugged, switched off, refused, no such device."""


class LinkLost(Exception):
    """The printer went away while in use: peer closed, EIO, a write that did not finish in time."""


class Link(Protocol):
    """Bytes to and from one printer. Every call returns or raises within its timeout.

    Only `Printer` calls these, one at a time under its lock; a link never retries or reconnects by itself.
    """

    where: str  # how a person names this printer: "10.0.0.31:9100", "/dev/hall-printer", "USB 0416:5011"
    answers: bool  # False when the link cannot read (a write-only file): status is then unknown

    def open(self) -> None:
        """Open the device; raises LinkAway."""

    def write(self, data: bytes) -> None:
        """Write all of data; raises LinkLost."""

    def read(self, size: int, timeout_s: float) -> bytes:
        """Up to size bytes; b"" when nothing came within timeout_s; raises LinkLost."""
        ...

    def discard_input(self) -> None:
        """Drop bytes that arrived unasked (late answers), so the next answer is the one asked for."""

    def end_job(self) -> None:
        """One ticket's bytes are all written (the fake saves the ticket here)."""

    def close(self) -> None:
        """Close; never raises."""
