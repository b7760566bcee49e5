"""A LAN ticket printer through its faults, against a stand-in that speaks ESC/POS on a TCP port."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from onewindow.drivers.printer import QR, PrinterError, PrinterSettings, Text, TicketLayout, open_printer
from onewindow.drivers.printer.network import NetworkOptions
from onewindow.drivers.printer.preview import render
from tests.support.fake_printer import COVER_OPEN, FINE, NEAR_END, OFFLINE, OUT, NetworkPrinter, finishes, wait_for

URL = "https://hall.example/t/3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6"
TICKET = TicketLayout(
    [
        Text("某某县社保服务大厅", bold=True),
        Text("A001", size="huge", bold=True),
        Text("请到 3号窗口", size="large"),
        QR(URL),
    ]
)


def settings_for(fake: NetworkPrinter, **changes: Any) -> PrinterSettings:
    # a generous wait for answers that do come (the machine is shared); silent printers get a short one
    base = dict(type="network", connection=NetworkOptions(*fake.address), timeout_s=5.0, status_timeout_s=5.0)
    base.update(changes)
    return PrinterSettings(**base)


@pytest.fixture
def fake() -> Iterator[NetworkPrinter]:
    printer = NetworkPrinter()
    yield printer
    printer.close()


@pytest.fixture
def printer(fake: NetworkPrinter):
    p = open_printer(settings_for(fake))
    yield p
    p.close()


def test_ready_printer_answers_dle_eot_1_and_4(fake, printer):
    status = printer.status()
    assert (status.online, status.paper, status.message, status.state) == (True, "ok", "ready", "ok")
    assert fake.receiver.queries == [1, 4]
    assert fake.received == b""  # a status query prints nothing


def test_a_ticket_arrives_byte_for_byte_and_reads_back(fake, printer):
    printer.print(TICKET)
    assert fake.received == b"".join(printer.encode(TICKET))
    import zxingcpp

    paper = render(fake.received, 576)
    assert [c.text for c in zxingcpp.read_barcodes(paper.image.convert("L"))] == [URL]
    assert paper.cuts == ["full"]
    # asked before the ticket (paper out?) and after it (did it go through?)
    assert fake.receiver.queries == [1, 4, 1, 4]
    assert printer.tickets_printed == 1


def test_gb18030_mode_sends_text_and_a_native_qr(fake):
    p = open_printer(settings_for(fake, mode="gb18030", dots=384, cut="partial"))
    p.print(TICKET)
    p.close()
    assert b"\x1c\x26" + "请到 3号窗口".encode("gb18030") + b"\x1c\x2e" in fake.received
    assert b"\x1d\x28\x6b" in fake.received and b"\x1dv0" not in fake.received
    paper = render(fake.received, 384)
    assert paper.lines == ["某某县社保服务大厅", "A001", "请到 3号窗口"]
    assert paper.qr_codes == [URL] and paper.cuts == ["partial"]


def test_paper_near_end_still_prints(fake, printer):
    fake.status.paper = NEAR_END
    status = printer.status()
    assert (status.paper, status.message, status.can_print) == ("near_end", "paper near end", True)
    printer.print(TICKET)
    assert fake.received == b"".join(printer.encode(TICKET))


def test_paper_out_sends_nothing_and_says_so(fake, printer):
    fake.status.paper = OUT
    status = printer.status()
    assert (status.paper, status.message, status.state, status.can_print) == ("out", "out of paper", "out", False)
    with pytest.raises(PrinterError) as raised:
        printer.print(TICKET)
    assert raised.value.message == "out of paper"
    assert raised.value.status is not None and raised.value.status.paper == "out"
    # a printer out of paper would buffer the ticket and print it later for nobody: nothing was sent
    assert fake.received == b""
    fake.status.paper = FINE
    printer.print(TICKET)
    assert fake.received == b"".join(printer.encode(TICKET))


def test_offline_printer_and_its_cause(fake, printer):
    fake.status.printer = OFFLINE
    status = printer.status()
    assert (status.online, status.message, status.state) == (False, "offline (cover open?)", "offline")
    assert fake.receiver.queries[-1] == 2  # asked why
    fake.status.offline_cause = COVER_OPEN
    assert printer.status().message == "offline (cover open)"
    with pytest.raises(PrinterError, match=r"^offline \(cover open\)$"):
        printer.print(TICKET)
    assert fake.received == b""


def test_printer_that_answers_nothing_is_unknown_never_fine(fake):
    printer = open_printer(settings_for(fake, status_timeout_s=0.2))
    fake.status.printer = None
    fake.status.paper = None
    status = finishes(printer.status)
    assert (status.online, status.paper, status.state) == (None, "unknown", "unknown")
    assert "no answer" in status.message
    # silence is not a refusal: the ticket is still sent
    finishes(lambda: printer.print(TICKET))
    wait_for(lambda: len(fake.received) == len(b"".join(printer.encode(TICKET))))
    printer.close()


def test_paper_sensor_silent_gives_unknown_paper(fake):
    printer = open_printer(settings_for(fake, status_timeout_s=0.2))
    fake.status.paper = None
    status = finishes(printer.status)
    assert (status.online, status.paper) == (True, "unknown")
    printer.close()


def test_a_byte_that_is_no_status_is_not_trusted(fake, printer):
    fake.status.printer = 0x00
    status = printer.status()
    assert (status.online, status.paper) == (None, "unknown")
    assert "answered 0x00" in status.message


def test_printer_switched_off_mid_ticket_then_back(fake, printer):
    fake.close_after = 3000
    with pytest.raises(PrinterError, match="may be incomplete"):
        finishes(lambda: printer.print(TICKET))
    assert 0 < len(fake.received) <= 3000
    # same object, no restart: the next ticket goes out on a new connection
    before = len(fake.received)
    finishes(lambda: printer.print(TICKET))
    assert fake.received[before:] == b"".join(printer.encode(TICKET))
    assert fake.connections == 2


def test_unplugged_printer_is_away_and_replugged_works_without_a_new_object(fake, printer):
    printer.print(TICKET)
    fake.unplug()
    status = finishes(printer.status)
    assert (status.reachable, status.online, status.paper, status.state) == (False, False, "unknown", "away")
    assert status.message == f"printer away (no answer from 127.0.0.1:{fake.port})"
    with pytest.raises(PrinterError, match=r"^printer away \(no answer from 127\.0\.0\.1:\d+\)$"):
        finishes(lambda: printer.print(TICKET))
    fake.plug_in()
    assert printer.status().message == "ready"
    finishes(lambda: printer.print(TICKET))
    assert printer.tickets_printed == 2


def test_printer_restarted_while_idle_is_reconnected_before_the_next_ticket(fake, printer):
    printer.print(TICKET)
    fake.unplug()
    fake.plug_in()  # the kiosk's connection is now dead, and it does not know yet
    before = len(fake.received)
    finishes(lambda: printer.print(TICKET))
    assert fake.received[before:] == b"".join(printer.encode(TICKET))


def test_a_missing_printer_is_logged_once_not_every_poll(fake, printer, caplog):
    fake.unplug()
    with caplog.at_level(logging.INFO, logger="onewindow.drivers.printer"):
        for _ in range(5):
            assert printer.status().state == "away"
        fake.plug_in()
        assert printer.status().state == "ok"
    away = [r for r in caplog.records if "is away" in r.getMessage()]
    back = [r for r in caplog.records if "is back" in r.getMessage()]
    assert len(away) == 1 and len(back) == 1


def test_last_status_is_kept_for_the_screen(fake, printer):
    assert printer.last_status is None
    fake.status.paper = NEAR_END
    printer.print(TICKET)
    assert printer.last_status is not None and printer.last_status.paper == "near_end"


def test_status_while_a_ticket_is_going_out_does_not_wait_for_it(fake, printer):
    """A health poll during a long ticket (a minute of raster at 9600 baud) gets the answer from just before."""
    import threading

    real_write = printer.link.write
    gate = threading.Event()
    writing = threading.Event()

    def slow_write(data: bytes) -> None:
        if not data.startswith(b"\x10\x04"):
            writing.set()
            gate.wait(30)
        real_write(data)

    printer.link.write = slow_write
    job = threading.Thread(target=printer.print, args=(TICKET,), daemon=True)
    job.start()
    assert writing.wait(30)
    fake.status.paper = NEAR_END  # not asked now: the printer is busy with the ticket
    status = finishes(printer.status)
    assert (status.paper, status.message) == ("ok", "ready")
    gate.set()
    job.join(30)
    assert not job.is_alive()
    assert printer.status().paper == "near_end"
