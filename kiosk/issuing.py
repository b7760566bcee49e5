"""Taking a ticket off the UI thread: paper checked, the ticket issued once, printed; and the paper watched.

One worker thread owns every slow step (printer status, the core, drawing and sending the ticket), so the
touchscreen never waits on the network or the printer. The UI hands it commands and gets outcomes back.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable
from onewindow.drivers.printer import Printer, PrinterError, PrinterStatus, TicketLayout

from .flow import Command, NotIssued, Outcome, Printed, PrintFailed, Reprint, Take, shown_window
from .settings import ticket_url
from .texts import locale_of
from .ticket import ticket_layout

log = logging.getLogger(__name__)

FAULT_CHECK_S = 2.0  # while the printer cannot print, ask it this often, so the kiosk is back soon after


def layout_for(ticket: dict[str, Any], snapshot: dict[str, Any] | None, status_url: str) -> TicketLayout:
    """The printed ticket for a ticket object from the core, in the hall's language."""
    hall = snapshot or {}
    service: dict[str, Any] = next((s for s in hall.get("services", []) if s.get("id") == ticket.get("service")), {})
    try:
        issued_at = datetime.fromisoformat(ticket["issued_at"])
    except (KeyError, TypeError, ValueError):
        issued_at = datetime.now().astimezone()
    estimate = ticket.get("estimated_wait_s")
    return ticket_layout(
        hall_name=hall.get("name") or "",
        number=ticket["number"],
        service_name=ticket.get("service_name") or service.get("name") or ticket.get("service", ""),
        window_name=shown_window(ticket),
        ahead=int(ticket.get("ahead") or 0),
        estimated_wait_s=None if estimate is None else float(estimate),
        issued_at=issued_at,
        status_url=status_url,
        locale=locale_of(snapshot),
        guide=service.get("guide") or "",
        priority=bool(ticket.get("priority")),
        missed_rule=str(hall.get("missed_rule") or ""),
        hotline=str(hall.get("hotline") or ""),
    )


class Dispenser:
    """The kiosk's worker: one command at a time, and between commands a look at the printer."""

    def __init__(
        self,
        client: CoreClient,
        printer: Printer,
        *,
        core_url: str,
        ticket_url_template: str,
        hall: Callable[[], dict[str, Any] | None],
        on_outcome: Callable[[Outcome], None],
        on_printer: Callable[[PrinterStatus], None],
        issue_timeout_s: float = 8.0,
        check_every_s: float = 10.0,
    ):
        self.client = client
        self.printer = printer
        self.core_url = core_url
        self.ticket_url_template = ticket_url_template
        self.hall = hall
        self.on_outcome = on_outcome
        self.on_printer = on_printer
        self.issue_timeout_s = issue_timeout_s
        self.check_every_s = check_every_s
        self.status: PrinterStatus | None = None
        self.busy = False
        self._commands: queue.Queue[Command | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Dispenser:
        self._thread = threading.Thread(target=self._run, name="dispenser", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._commands.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def submit(self, command: Command) -> None:
        self.busy = True
        self._commands.put(command)

    # --- the thread ---------------------------------------------------------------------------------

    def _run(self) -> None:
        self.check_printer()
        while not self._stop.is_set():
            fine = self.status is None or self.status.can_print
            wait = self.check_every_s if fine else min(FAULT_CHECK_S, self.check_every_s)
            try:
                command = self._commands.get(timeout=wait)
            except queue.Empty:
                self.check_printer()
                continue
            if command is None:
                continue
            try:
                outcome = self.take(command) if isinstance(command, Take) else self.reprint(command)
            except Exception as exc:  # never leave the citizen on the printing screen
                log.exception("taking a ticket failed unexpectedly")
                outcome = NotIssued("refused", f"unexpected error: {exc}")
            self.busy = False
            self.on_outcome(outcome)

    def _note(self, status: PrinterStatus) -> None:
        before, self.status = self.status, status
        if before is None or (before.state, before.message) != (status.state, status.message):
            log.info("printer %s: %s", self.printer.where, status.message)
            self.on_printer(status)

    def check_printer(self) -> PrinterStatus:
        status = self.printer.status()
        self._note(status)
        return status

    # --- commands -----------------------------------------------------------------------------------

    def take(self, command: Take) -> Outcome:
        """Paper first (nothing is issued when it is out), then one ticket for this tap, then print it."""
        status = self.check_printer()
        if not status.can_print:
            reason = "paper_out" if status.paper == "out" else "printer"
            return NotIssued(reason, status.message, status)
        try:
            ticket = self.client.issue(
                command.service, command.priority, key=command.key, deadline_s=self.issue_timeout_s
            )
        except CoreUnreachable as exc:
            return NotIssued("core_away", str(exc))
        except CoreRefused as exc:
            log.warning("the core refused a ticket for %s: %s", command.service, exc)
            if exc.code == "hall_closed":
                return NotIssued("hall_closed", exc.message, next_opening=exc.details.get("next_opening"))
            return NotIssued("unavailable" if exc.code == "service_unavailable" else "refused", exc.message)
        url = ticket_url(self.ticket_url_template, self.core_url, ticket["id"])
        layout = layout_for(ticket, self.hall(), url)
        log.info("issued %s for %s", ticket.get("number"), shown_window(ticket) or "the shared queue")
        return self._print(ticket, layout)

    def reprint(self, command: Reprint) -> Outcome:
        return self._print(command.ticket, command.layout)

    def _print(self, ticket: dict[str, Any], layout: TicketLayout) -> Outcome:
        try:
            self.printer.print(layout)
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", ticket.get("number"), exc.message)
            if exc.status is not None:
                self._note(exc.status)
            return PrintFailed(ticket, layout, exc.message)
        except Exception as exc:  # the ticket exists: whatever went wrong, the citizen must see its number
            log.exception("ticket %s not printed", ticket.get("number"))
            return PrintFailed(ticket, layout, f"unexpected error: {exc}")
        if self.printer.last_status is not None:
            self._note(self.printer.last_status)
        return Printed(ticket, layout)
