"""The kiosk's tables of its role file: `[printer]` (the driver's reader), `[screen]` and `[kiosk]`.

Nothing here imports pygame or python-escpos: checking a file must work on any machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onewindow.configfile import ConfigFile, Table, show
from onewindow.drivers.printer import PrinterSettings, read_printer
from onewindow.rolefile import optional_table

ORIENTATIONS = ("portrait", "landscape")
ROTATIONS = (0, 90, 180, 270)
DEFAULT_TICKET_URL = "{core}/t/{id}"


@dataclass(frozen=True)
class ScreenSettings:
    """Where the kiosk draws: the whole panel (fullscreen) or a window of `size` pixels."""

    enabled: bool = True
    fullscreen: bool = True
    size: tuple[int, int] | None = None  # width, height; None: the panel's own mode (or 1080 x 1920 in a window)


@dataclass(frozen=True)
class KioskOptions:
    """How the kiosk behaves with citizens."""

    orientation: str = "portrait"  # the layout citizens see: portrait (a tall stand) or landscape
    rotate: int | None = None  # degrees clockwise the picture is turned for the panel; None: as needed
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


def read_screen(t: Table) -> ScreenSettings | None:
    enabled = t.bool("enabled", True)
    fullscreen = t.bool("fullscreen", True)
    size = t.get("size", None, kind=list, kind_name="[width, height] in pixels", check=_size_problem)
    t.finish()
    if not t.ok or enabled is None or fullscreen is None:
        return None
    return ScreenSettings(enabled=enabled, fullscreen=fullscreen, size=(size[0], size[1]) if size else None)


def _size_problem(value: list) -> str | None:
    if (
        len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not all(240 <= v <= 7680 for v in value)
    ):
        return f"{show(value)} is not allowed ([width, height], each 240 to 7680 pixels, e.g. [1080, 1920])"
    return None


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
    rotate = t.get(
        "rotate",
        None,
        kind=int,
        kind_name="a whole number of degrees",
        check=lambda v: None if v in ROTATIONS else f"{v} is not allowed (allowed: 0, 90, 180, 270)",
    )
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
        rotate=rotate,
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
