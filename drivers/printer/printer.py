"""A ticket printer as the kiosk sees it: status, print, close; reconnects by itself after any fault."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from onewindow.drivers.reconnect import DeviceState, Presence

from . import commands
from .backends import backend
from .commands import Paper
from .fonts import FontMissing
from .gb18030 import encode_gb18030
from .layout import TicketLayout
from .link import Link, LinkAway, LinkLost
from .raster import encode_raster
from .settings import PrinterSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said, or that it said nothing.

    online: True, False (offline, or cannot be reached), None (it did not answer, or cannot answer).
    paper: "ok", "near_end", "out", or "unknown" whenever the printer did not say: never assumed fine.
    reachable: False when the device could not even be opened (unplugged, switched off, wrong address).
    """

    online: bool | None
    paper: Paper
    message: str
    reachable: bool = True

    @property
    def state(self) -> str:
        """One word for a health report: away, offline, out, near_end, ok or unknown."""
        if not self.reachable:
            return "away"
        if self.paper == "out":
            return "out"
        if self.online is False:
            return "offline"
        if self.online is None:
            return "unknown"
        return self.paper

    @property
    def can_print(self) -> bool:
        """False when a ticket sent now would certainly not come out; True when it may."""
        return self.reachable and self.online is not False and self.paper != "out"


class PrinterError(Exception):
    """A ticket did not (or may not have) come out; the message is for a person."""

    def __init__(self, message: str, status: PrinterStatus | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class Printer:
    """One `[printer]` table's printer, alive as long as the kiosk. Thread-safe; every call ends within its
    timeouts. After any fault the device is closed and opened again on the next call, so an unplugged and
    replugged printer works again without a new object."""

    def __init__(self, settings: PrinterSettings, link: Link):
        self.settings = settings
        self.link = link
        self._lock = threading.Lock()
        self._open = False
        # only the log is told: callers see the richer PrinterStatus
        self._presence = Presence(
            DeviceState("unknown", f"printer {link.where} not opened yet"),
            log,
            away="%s (not logged again until it answers)",
            log_first_ok=False,
        )
        self.last_status: PrinterStatus | None = None
        self.tickets_printed = 0
        self._printing = False

    @property
    def where(self) -> str:
        return self.link.where

    # --- the device -----------------------------------------------------------------------------------

    def _ensure_open(self) -> bool:
        """Open the link if it is closed; True when it was freshly opened. Raises LinkAway."""
        if self._open:
            return False
        try:
            self.link.open()
        except LinkAway as exc:
            self._presence.set("away", f"printer {self.where} is away: {exc}")
            raise
        except Exception as exc:
            # a backend library failing in a way we did not foresee must not take the kiosk down
            if self._presence.state.status != "away":
                log.exception("printer %s: unexpected error opening it", self.where)
            away = LinkAway(f"unexpected error: {exc}")
            self._presence.set("away", f"printer {self.where} is away: {away}")
            raise away from exc
        self._presence.set("ok", f"printer {self.where} is back")
        self._open = True
        return True

    def _drop(self, reason: object) -> None:
        if self._open:
            log.warning("printer %s: %s; will reopen on next use", self.where, reason)
        self._open = False
        self.link.close()

    def _ask(self, query: bytes) -> int | None:
        """One DLE EOT query: the answer byte, or None when nothing came within the status timeout."""
        self.link.discard_input()
        self.link.write(query)
        answer = self.link.read(1, self.settings.status_timeout_s)
        return answer[0] if answer else None

    # --- status -----------------------------------------------------------------------------------------

    def _away(self) -> PrinterStatus:
        return PrinterStatus(
            online=False, paper="unknown", reachable=False, message=f"printer away (no answer from {self.where})"
        )

    def _query_status(self) -> PrinterStatus:
        """Ask the open link; raises LinkLost."""
        if not self.link.answers:
            return PrinterStatus(
                online=None, paper="unknown", message=f"status unknown ({self.where} cannot answer status queries)"
            )
        first = self._ask(commands.QUERY_PRINTER)
        if first is None:
            return PrinterStatus(
                online=None, paper="unknown", message=f"status unknown (no answer to a status query from {self.where})"
            )
        online = commands.printer_online(first)
        if online is None:
            return PrinterStatus(
                online=None, paper="unknown", message=f"status unknown ({self.where} answered {first:#04x})"
            )
        paper_byte = self._ask(commands.QUERY_PAPER)
        paper: Paper = commands.paper_state(paper_byte) if paper_byte is not None else "unknown"
        if paper == "out":
            return PrinterStatus(online=online, paper=paper, message="out of paper")
        if not online:
            cause_byte = self._ask(commands.QUERY_OFFLINE_CAUSE)
            cause = commands.offline_cause(cause_byte) if cause_byte is not None else None
            if cause is not None and cause.cover_open:
                message = "offline (cover open)"
            elif cause is not None and cause.stopped_for_paper:
                message = "offline (out of paper)"
            elif cause is not None and cause.error:
                message = "offline (printer error: cutter jam or overheating?)"
            else:
                message = "offline (cover open?)"
            return PrinterStatus(online=False, paper=paper, message=message)
        if paper == "near_end":
            return PrinterStatus(online=True, paper=paper, message="paper near end")
        if paper == "unknown":
            return PrinterStatus(online=True, paper=paper, message="online, paper unknown (no answer)")
        return PrinterStatus(online=True, paper=paper, message="ready")

    def _status_locked(self) -> PrinterStatus:
        try:
            fresh = self._ensure_open()
        except LinkAway:
            status = self._away()
        else:
            try:
                status = self._query_status()
            except Exception as exc:
                if not isinstance(exc, LinkLost):
                    log.exception("printer %s: unexpected error asking its status", self.where)
                self._drop(exc)
                # a connection that died while idle (printer restarted): try once on a new one
                status = self._away() if fresh else self._status_locked()
        self.last_status = status
        return status

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 4, and 2 when offline). Never raises; no answer is "unknown".

        Takes up to timeout_s when the printer must be reopened and does not answer; call it off the UI thread.
        While another thread is printing it returns the last status instead of waiting for the ticket.
        """
        # while a ticket is going out (a minute of raster at 9600 baud) the answer from just before it stands
        while not self._lock.acquire(timeout=0.05):
            if self._printing:
                return self.last_status or PrinterStatus(online=None, paper="unknown", message="busy printing")
        try:
            return self._status_locked()
        finally:
            self._lock.release()

    # --- printing ---------------------------------------------------------------------------------------

    def encode(self, layout: TicketLayout) -> list[bytes]:
        """The bytes this printer would receive for the layout, in the pieces it would be sent in."""
        encoder: Callable[[TicketLayout, int, str], list[bytes]] = (
            encode_raster if self.settings.mode == "raster" else encode_gb18030
        )
        return encoder(layout, self.settings.dots, self.settings.cut)

    def print(self, layout: TicketLayout) -> None:
        """Print the layout, or raise PrinterError with a message for a person.

        Refuses (nothing sent) when the printer is away, offline or out of paper; raises when the printer
        goes away mid-ticket or reports a problem right after it (the ticket may be incomplete).
        """
        try:
            pieces = self.encode(layout)
        except (FontMissing, OSError) as exc:
            raise PrinterError(f"cannot draw the ticket: {exc}") from exc
        pause = self.settings.band_pause_ms / 1000
        with self._lock:
            self._printing = True
            try:
                self._print_locked(pieces, pause)
            finally:
                self._printing = False

    def _print_locked(self, pieces: list[bytes], pause: float) -> None:
        before = self._status_locked()
        if not before.can_print:
            raise PrinterError(before.message, before)
        try:
            for i, piece in enumerate(pieces):
                if pause and i:
                    time.sleep(pause)
                self.link.write(piece)
            self.link.end_job()
        except Exception as exc:
            if not isinstance(exc, LinkLost):
                log.exception("printer %s: unexpected error while printing", self.where)
            self._drop(exc)
            status = PrinterStatus(
                online=False, paper="unknown", reachable=False, message=f"printer lost mid-ticket ({exc})"
            )
            self.last_status = status
            raise PrinterError(f"printer lost mid-ticket, the ticket may be incomplete ({exc})", status) from exc
        after = self._after_ticket()
        if not after.can_print:
            raise PrinterError(f"{after.message}; the ticket may be incomplete", after)
        self.tickets_printed += 1

    def _after_ticket(self) -> PrinterStatus:
        """Status right after a ticket, on the same connection: a peer that closed is a lost ticket."""
        try:
            status = self._query_status()
        except Exception as exc:
            if not isinstance(exc, LinkLost):
                log.exception("printer %s: unexpected error asking its status", self.where)
            self._drop(exc)
            status = PrinterStatus(
                online=False, paper="unknown", reachable=False, message=f"printer lost at the end of the ticket ({exc})"
            )
        self.last_status = status
        return status

    def close(self) -> None:
        with self._lock:
            self._open = False
            self.link.close()


def make_link(settings: PrinterSettings) -> Link:
    return backend(settings.type).link(settings.connection, settings)


def open_printer(settings: PrinterSettings) -> Printer:
    """The printer of a `[printer]` table. Nothing is opened yet: the first status() or print() does that."""
    return Printer(settings, make_link(settings))
