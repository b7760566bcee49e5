"""The kiosk's tables of its role file: `[printer]` and `[screen]` (the drivers' readers) and `[kiosk]`.

Nothing here imports pygame or python-escpos: checking a file must work on any machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onewindow.configfile import ConfigFile, Table, show
from onewindow.drivers.printer import PrinterSettings, read_printer
from onewindow.drivers.screen import ScreenSettings, read_screen
from onewindow.rolefile import optional_table

ORIENTATIONS = ("portrait", "landscape")
DEFAULT_TICKET_URL = "{core}/t/{id}"


@dataclass(frozen=True)
class KioskOptions:
    """How the kiosk behaves with citizens."""

    orientation: str = "portrait"  # the layout citizens see: portrait (a tall stand) or landscape
    idle_s: float = 30.0  # untouched for this long, any screen goes back to the list of services
    result_s: float = 15.0  # the number and window stay on screen this long after a ticket came out
    ticket_url: str = DEFAULT_TICKET_URL  # what the QR code holds: the ticket's status page
    printer_check_s: float = 10.0  # how often the printer is asked about paper while nobody takes a ticket
    issue_timeout_s: float = 8.0  # how long one tap keeps trying to reach the core (same Idempotency-Key)


@dataclass(frozen=True)
class Settings:
    printer: PrinterSettings
    screen: ScreenSettings
    kiosk: KioskOptions


def _ticket_url_problem(value: str) -> str | None:
    if not re.fullmatch(r"(\{core\}|https?://[^\s{}]+)[^\s{}]*\{id\}[^\s{}]*", value):
        return (
            f"{show(value)} is not allowed (the status page's address with {{id}} where the ticket's id goes, "
            'e.g. "https://shebao.example.gov.cn/t/{id}"; {core} stands for the core\'s address)'
        )
    if len(value.replace("{id}", "x" * 32).replace("{core}", "x" * 60)) > 400:
        return f"{show(value[:40] + '…')} is too long for the QR code on a ticket"
    return None


def read_kiosk(t: Table) -> KioskOptions | None:
    orientation = t.str("orientation", "portrait", choices=ORIENTATIONS)
    idle_s = t.float("idle_s", 30.0, minval=5, maxval=600)
    result_s = t.float("result_s", 15.0, minval=3, maxval=120)
    ticket_url = t.get("ticket_url", DEFAULT_TICKET_URL, kind=str, kind_name="a string", check=_ticket_url_problem)
    printer_check_s = t.float("printer_check_s", 10.0, minval=2, maxval=300)
    issue_timeout_s = t.float("issue_timeout_s", 8.0, minval=2, maxval=30)
    t.finish()
    values = (orientation, idle_s, result_s, ticket_url, printer_check_s, issue_timeout_s)
    if not t.ok or None in values:
        return None
    return KioskOptions(
        orientation=orientation,
        idle_s=idle_s,
        result_s=result_s,
        ticket_url=ticket_url,
        printer_check_s=printer_check_s,
        issue_timeout_s=issue_timeout_s,
    )


def read_settings(file: ConfigFile) -> Settings | None:
    """The kiosk's own tables; errors collect on `file`, None when any was found."""
    table = file.table("printer", required=True)
    printer = read_printer(table) if table is not None else None
    screen = optional_table(file, "screen", read_screen, ScreenSettings())
    kiosk = optional_table(file, "kiosk", read_kiosk, KioskOptions())
    if printer is None or screen is None or kiosk is None:
        return None
    return Settings(printer=printer, screen=screen, kiosk=kiosk)


def ticket_url(template: str, core: str, ticket_id: str) -> str:
    """The address the ticket's QR code holds."""
    return template.replace("{core}", core.rstrip("/")).replace("{id}", ticket_id)
