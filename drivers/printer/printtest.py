"""`onewindow print-test`: print a sample ticket and say in plain words whether it worked."""

from __future__ import annotations

from .layout import TicketLayout
from .printer import PrinterError, open_printer
from .settings import PrinterSettings


def print_test(
    settings: PrinterSettings, hall_name: str, locale: str, layout: TicketLayout | None = None
) -> tuple[int, str]:
    """(0, "printed") or (1, what is wrong: "printer away (no answer from 10.0.0.31:9100)", "out of paper",
    "offline (cover open?)", …). A printer that cannot answer status queries is trusted to have printed,
    and the message says so."""
    if layout is None:
        # the kiosk owns what a ticket says; imported here so the driver package does not depend on it
        from onewindow.kiosk.ticket import sample_layout

        layout = sample_layout(locale, hall_name)
    printer = open_printer(settings)
    try:
        printer.print(layout)
        after = printer.last_status
    except PrinterError as exc:
        return 1, exc.message
    finally:
        printer.close()
    if after is not None and after.paper == "unknown":
        return 0, f"printed (sent; {after.message})"
    if after is not None and after.paper == "near_end":
        return 0, "printed (paper near end)"
    return 0, "printed"
