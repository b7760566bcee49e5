"""A serial ticket printer on a pty, reached through a udev-style symlink: status, tickets, unplug, replug."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow.configfile import ConfigFile
from onewindow.drivers.printer import QR, PrinterError, Text, TicketLayout, open_printer, read_printer
from onewindow.drivers.printer.preview import render
from tests.support.fake_printer import NEAR_END, OFFLINE, OUT, SerialPrinter, finishes, wait_for

URL = "https://hall.example/t/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TICKET = TicketLayout([Text("A001", size="huge", bold=True), Text("请到 3号窗口", size="large"), QR(URL)])


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[SerialPrinter]:
    printer = SerialPrinter(tmp_path)
    yield printer
    printer.close()


def serial_printer(fake: SerialPrinter, mode: str = "gb18030", status_timeout_s: float = 5):
    file = ConfigFile(
        "kiosk.toml",
        f"""\
[printer]
type = "serial"
device = "{fake.path}"
baudrate = 115200
mode = "{mode}"
timeout_s = 3
status_timeout_s = {status_timeout_s}
""",
    )
    settings = read_printer(file.table("printer", required=True))
    assert file.errors == [] and settings is not None
    return open_printer(settings)


def test_status_over_the_serial_line(fake):
    printer = serial_printer(fake)
    assert printer.status().message == "ready"
    fake.status.paper = NEAR_END
    assert printer.status().paper == "near_end"
    fake.status.paper = OUT
    assert printer.status().message == "out of paper"
    fake.status.paper = 0x12
    fake.status.printer = OFFLINE
    assert printer.status().message == "offline (cover open?)"
    printer.close()


def test_silent_serial_printer_is_unknown(fake):
    printer = serial_printer(fake, status_timeout_s=0.2)
    fake.status.printer = None
    status = finishes(printer.status)
    assert (status.online, status.paper) == (None, "unknown")
    printer.close()


def test_gb18030_ticket_over_serial_reads_back(fake):
    printer = serial_printer(fake)
    finishes(lambda: printer.print(TICKET))
    assert fake.received == b"".join(printer.encode(TICKET))
    paper = render(fake.received, 576)
    assert paper.lines == ["A001", "请到 3号窗口"] and paper.qr_codes == [URL]
    printer.close()


def test_raster_ticket_over_serial(fake):
    printer = serial_printer(fake, mode="raster")
    finishes(lambda: printer.print(TICKET))
    wait_for(lambda: len(fake.received) == len(b"".join(printer.encode(TICKET))))
    assert fake.received == b"".join(printer.encode(TICKET))
    printer.close()


def test_out_of_paper_refuses_before_sending(fake):
    printer = serial_printer(fake)
    fake.status.paper = OUT
    with pytest.raises(PrinterError, match="^out of paper$"):
        finishes(lambda: printer.print(TICKET))
    assert fake.received == b""
    printer.close()


def test_adapter_pulled_mid_ticket_then_plugged_back(fake):
    printer = serial_printer(fake, mode="raster")
    fake.close_after = 2000  # the pty goes away after 2000 bytes of the ticket: writes fail with EIO
    with pytest.raises(PrinterError, match="may be incomplete"):
        finishes(lambda: printer.print(TICKET))
    status = finishes(printer.status)
    assert status.state == "away"
    assert status.message == f"printer away (no answer from {fake.path})"
    fake.plug_in()  # a new pty behind the same symlink, as udev does on replug
    before = len(fake.received)
    finishes(lambda: printer.print(TICKET))
    wait_for(lambda: len(fake.received) - before == len(b"".join(printer.encode(TICKET))))
    assert fake.received[before:] == b"".join(printer.encode(TICKET))
    printer.close()
