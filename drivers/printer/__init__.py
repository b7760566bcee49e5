"""Ticket printers: one backend per `[printer]` type (usb, serial, network, file, fake), raster or GB18030.

From a role process:

    settings = read_printer(role_file.table("printer", required=True))
    printer = open_printer(settings)          # opens nothing yet
    printer.status()                          # PrinterStatus(online, paper, message), never raises
    printer.print(layout)                     # raises PrinterError with a message for a person
"""

from .layout import QR, Cut, Feed, Rule, Text, TicketLayout
from .printer import Printer, PrinterError, PrinterStatus, open_printer
from .settings import PrinterSettings, read_printer

__all__ = [
    "QR",
    "Cut",
    "Feed",
    "Rule",
    "Text",
    "TicketLayout",
    "Printer",
    "PrinterError",
    "PrinterStatus",
    "open_printer",
    "PrinterSettings",
    "read_printer",
]
