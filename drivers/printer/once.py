"""One ticket on a printer opened for it alone, and in plain words whether it came out (for `print-test`)."""

from __future__ import annotations

from .layout import TicketLayout
from .printer import PrinterError, open_printer
from .settings import PrinterSettings


def print_once(settings: PrinterSettings, layout: TicketLayout) -> tuple[int, str]:
    """(0, "printed") or (1, what is wrong: "printer away (no answer from 10.0.0.31:9100)", "out of paper",
    "offline (cover open?)", …). A printer that cannot answer status queries is trusted to have printed,
    and the message says so."""
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
