"""The file, fake and USB backends: bytes written, status answered (or not), device gone and back."""

from __future__ import annotations

import array
import fcntl
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from onewindow.drivers.printer import QR, PrinterError, PrinterSettings, Text, TicketLayout, open_printer
from onewindow.drivers.printer.fake import FakeOptions
from onewindow.drivers.printer.file import FileOptions
from onewindow.drivers.printer.preview import render
from onewindow.drivers.printer.usb import UsbOptions
from tests.support.fake_printer import OUT, Receiver, StatusScript, finishes

URL = "https://hall.example/t/00112233445566778899aabbccddeeff"
TICKET = TicketLayout([Text("A001", size="huge", bold=True), Text("请到 3号窗口"), QR(URL)])


def qr_texts(image) -> list[str]:
    import zxingcpp

    return [c.text for c in zxingcpp.read_barcodes(image.convert("L"))]


# --- file ------------------------------------------------------------------------------------------------


def file_printer(path: Path, **changes):
    return open_printer(PrinterSettings(type="file", connection=FileOptions(str(path)), **changes))


def test_file_printer_writes_the_ticket_and_cannot_say_its_status(tmp_path):
    lp = tmp_path / "lp0"
    lp.write_bytes(b"")
    printer = file_printer(lp)
    status = printer.status()
    assert (status.online, status.paper, status.reachable) == (None, "unknown", True)
    assert status.message == f"status unknown ({lp} cannot answer status queries)"
    printer.print(TICKET)
    printer.print(TICKET)
    assert lp.read_bytes() == b"".join(printer.encode(TICKET)) * 2
    printer.close()


def test_file_printer_away_until_its_device_appears(tmp_path):
    lp = tmp_path / "lp0"
    printer = file_printer(lp)
    assert printer.status().message == f"printer away (no answer from {lp})"
    with pytest.raises(PrinterError, match="^printer away"):
        printer.print(TICKET)
    assert not lp.exists()  # never creates a file where the device should be
    lp.write_bytes(b"")  # plugged in
    printer.print(TICKET)
    assert lp.read_bytes() == b"".join(printer.encode(TICKET))
    printer.close()


def test_stalled_device_file_times_out_instead_of_hanging(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    # nobody reading: opening for writing fails at once, as a device with no printer behind it
    printer = file_printer(fifo, timeout_s=0.5)
    assert printer.status().state == "away"
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
        # a reader that never reads: the ticket fills the pipe and the write must give up
        with pytest.raises(PrinterError, match="may be incomplete"):
            finishes(lambda: printer.print(TICKET))
    finally:
        os.close(reader)
        printer.close()


# --- fake ------------------------------------------------------------------------------------------------


def fake_printer(folder: Path, paper: str = "ok", **changes):
    return open_printer(PrinterSettings(type="fake", connection=FakeOptions(str(folder), paper), **changes))


def test_fake_printer_saves_each_ticket_as_bytes_and_png(tmp_path):
    folder = tmp_path / "printer"
    printer = fake_printer(folder)
    assert printer.status().message == "ready"
    printer.print(TICKET)
    printer.print(TICKET)
    assert sorted(p.name for p in folder.iterdir()) == ["1.bin", "1.png", "2.bin", "2.png"]
    assert (folder / "1.bin").read_bytes() == b"".join(printer.encode(TICKET))
    from PIL import Image

    with Image.open(folder / "2.png") as png:
        assert qr_texts(png) == [URL]
    # a new process continues the numbering rather than overwriting
    again = fake_printer(folder, mode="gb18030")
    again.print(TICKET)
    assert (folder / "3.bin").exists()
    assert render((folder / "3.bin").read_bytes()).lines == ["A001", "请到 3号窗口"]


def test_fake_printer_paper_and_presence_are_scriptable_with_files(tmp_path):
    folder = tmp_path / "printer"
    printer = fake_printer(folder)
    printer.status()
    (folder / "paper").write_text("near_end\n")
    assert printer.status().paper == "near_end"
    (folder / "paper").write_text("out")
    assert printer.status().message == "out of paper"
    with pytest.raises(PrinterError, match="^out of paper$"):
        printer.print(TICKET)
    assert not list(folder.glob("*.bin"))
    (folder / "paper").write_text("ok")
    (folder / "online").write_text("no")
    assert printer.status().message == "offline (cover open)"
    (folder / "online").unlink()
    (folder / "away").touch()
    assert printer.status().message == f"printer away (no answer from {folder})"
    (folder / "away").unlink()
    printer.print(TICKET)
    assert (folder / "1.png").exists()


def test_fake_printer_paper_from_the_constructor(tmp_path):
    printer = fake_printer(tmp_path, paper="out")
    assert printer.status().state == "out"
    printer.link.paper = "ok"  # a test can script it on the object too
    assert printer.status().state == "ok"


# --- usb -------------------------------------------------------------------------------------------------


class Endpoint:
    def __init__(self, address: int):
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk


class NotLibusb1:
    """python-escpos detaches kernel drivers only on the libusb1 backend; this one is not it."""


class UsbPrinterDevice:
    """What pyusb's usb.core.find returns, for a printer with bulk IN 0x81 and OUT 0x03 speaking ESC/POS."""

    backend = NotLibusb1()
    _ctx = SimpleNamespace(dispose=lambda device: None)

    def __init__(self, script: StatusScript, receiver: Receiver):
        self.script = script
        self.receiver = receiver
        self.answers = bytearray()
        self.unplugged = False
        self.pull_after: int | None = None  # bytes of ticket after which the cable comes out

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        pass

    def get_active_configuration(self):
        return {(0, 0): [Endpoint(0x81), Endpoint(0x03)]}

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        import usb.core

        if self.unplugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)
        assert endpoint == 0x03 and timeout == 3000
        if self.pull_after is not None and len(self.receiver.received) >= self.pull_after:
            self.unplugged = True
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)
        self.answers += self.receiver.feed(bytes(data))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int):
        import usb.core

        if self.unplugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)
        assert endpoint == 0x81
        if not self.answers:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        out, self.answers = self.answers[:size], self.answers[size:]
        return array.array("B", out)


@pytest.fixture
def usb_bus(monkeypatch):
    """A USB bus with one printer, 0416:5011, that can be pulled out and put back."""
    import usb.core

    script = StatusScript()
    receiver = Receiver(script)
    bus = SimpleNamespace(device=UsbPrinterDevice(script, receiver), script=script, receiver=receiver, finds=0)

    def find(**match):
        bus.finds += 1
        assert match == {"idVendor": 0x0416, "idProduct": 0x5011}
        return bus.device

    monkeypatch.setattr(usb.core, "find", find)
    return bus


def usb_printer():
    return open_printer(
        PrinterSettings(
            type="usb", connection=UsbOptions(0x0416, 0x5011), timeout_s=3.0, status_timeout_s=0.2, band_pause_ms=0
        )
    )


def test_usb_printer_finds_its_endpoints_answers_status_and_prints(usb_bus):
    printer = usb_printer()
    assert printer.status().message == "ready"
    assert (printer.link.in_ep, printer.link.out_ep) == (0x81, 0x03)
    usb_bus.script.paper = OUT
    assert printer.status().state == "out"
    usb_bus.script.paper = 0x12
    printer.print(TICKET)
    assert bytes(usb_bus.receiver.received) == b"".join(printer.encode(TICKET))
    usb_bus.script.printer = None
    assert finishes(printer.status).state == "unknown"
    printer.close()


def test_usb_printer_unplugged_and_replugged(usb_bus):
    printer = usb_printer()
    printer.print(TICKET)
    usb_bus.device.unplugged = True
    usb_bus.device = None  # gone from the bus
    status = finishes(printer.status)
    assert status.message == "printer away (no answer from USB 0416:5011)"
    with pytest.raises(PrinterError, match="^printer away"):
        printer.print(TICKET)
    usb_bus.device = UsbPrinterDevice(usb_bus.script, usb_bus.receiver)  # plugged back in
    before = len(usb_bus.receiver.received)
    printer.print(TICKET)
    assert bytes(usb_bus.receiver.received[before:]) == b"".join(printer.encode(TICKET))
    printer.close()


def test_usb_printer_pulled_mid_ticket(usb_bus):
    printer = usb_printer()
    usb_bus.device.pull_after = 1000
    with pytest.raises(PrinterError, match="may be incomplete"):
        printer.print(TICKET)
    assert 1000 <= len(usb_bus.receiver.received) < len(b"".join(printer.encode(TICKET)))
    assert printer.status().state == "away"
