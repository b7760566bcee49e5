"""The [printer] table as a technician writes it: every type's keys, and errors that point at the line."""

from __future__ import annotations

from onewindow.configfile import ConfigFile
from onewindow.drivers.printer import PrinterSettings, read_printer
from onewindow.drivers.printer.fake import FakeOptions
from onewindow.drivers.printer.file import FileOptions
from onewindow.drivers.printer.network import NetworkOptions
from onewindow.drivers.printer.serial import SerialOptions
from onewindow.drivers.printer.usb import UsbOptions


def read(text: str) -> tuple[PrinterSettings | None, list[str]]:
    file = ConfigFile("/etc/onewindow/kiosk.toml", text)
    table = file.table("printer", required=True)
    settings = read_printer(table) if table is not None else None
    return settings, file.errors


def test_network_printer_from_the_spec_example():
    settings, errors = read("""\
core = "http://10.0.0.2:8080"
[printer]
type = "network"
host = "10.0.0.31"
port = 9100
mode = "raster"
dots = 576
""")
    assert errors == []
    assert settings == PrinterSettings(
        type="network",
        connection=NetworkOptions("10.0.0.31", 9100),
        mode="raster",
        dots=576,
        cut="full",
        timeout_s=5.0,
        status_timeout_s=0.5,
        band_pause_ms=0,
    )


def test_defaults_for_a_bare_network_printer():
    settings, errors = read('[printer]\ntype = "network"\nhost = "printer.hall.lan"\n')
    assert errors == []
    assert settings is not None
    assert settings.connection == NetworkOptions("printer.hall.lan", 9100)
    assert (settings.mode, settings.dots, settings.cut) == ("raster", 576, "full")


def test_usb_ids_as_lsusb_shows_them_or_as_numbers():
    settings, errors = read("""\
[printer]
type = "usb"
vendor = "0416"
product = 0x5011
out_ep = 0x03
in_ep = 0x81
mode = "gb18030"
dots = 384
cut = "partial"
timeout_s = 5
""")
    assert errors == []
    assert settings is not None
    assert settings.connection == UsbOptions(vendor=0x0416, product=0x5011, in_ep=0x81, out_ep=0x03)
    assert (settings.mode, settings.dots, settings.cut, settings.timeout_s) == ("gb18030", 384, "partial", 5.0)
    # cheap USB printers overrun when raster bands come back to back
    assert settings.band_pause_ms == 20


def test_usb_endpoints_are_optional():
    settings, errors = read('[printer]\ntype = "usb"\nvendor = 0x0416\nproduct = "0x5011"\n')
    assert errors == []
    assert settings is not None and settings.connection == UsbOptions(0x0416, 0x5011, None, None)


def test_serial_file_and_fake_printers():
    serial, errors = read(
        '[printer]\ntype = "serial"\ndevice = "/dev/hall-printer"\nbaudrate = 115200\nflow = "rtscts"\n'
    )
    assert errors == []
    assert serial is not None and serial.connection == SerialOptions("/dev/hall-printer", 115200, "rtscts")
    file, errors = read('[printer]\ntype = "file"\npath = "/dev/usb/lp0"\n')
    assert errors == []
    assert file is not None and file.connection == FileOptions("/dev/usb/lp0")
    fake, errors = read('[printer]\ntype = "fake"\nfolder = "var/printer"\npaper = "near_end"\n')
    assert errors == []
    assert fake is not None and fake.connection == FakeOptions("var/printer", "near_end")


def test_unknown_type_names_the_allowed_ones_and_nothing_else():
    settings, errors = read('[printer]\ntype = "netwrok"\nhost = "10.0.0.31"\n')
    assert settings is None
    assert errors == [
        'kiosk.toml:2 [printer]: type: "netwrok" is not allowed (allowed: usb, serial, network, file, fake)'
    ]


def test_missing_type_and_missing_table():
    settings, errors = read('core = "http://10.0.0.2:8080"\n\n[printer]\nmode = "raster"\n')
    assert settings is None
    assert errors == ["kiosk.toml:3 [printer]: type: is required"]
    settings, errors = read('core = "http://10.0.0.2:8080"\n')
    assert settings is None
    assert errors == ["kiosk.toml [printer]: this table is required"]


def test_every_bad_common_key_is_reported_with_its_line():
    settings, errors = read("""\
[printer]
type = "network"
host = "10.0.0.31"
port = 70000
dots = 500
mode = "gbk"
baudrate = 9600
cut = "half"
timeout_s = 0
status_timeout_s = "fast"
""")
    assert settings is None
    assert errors == [
        "kiosk.toml:4 [printer]: port: 70000 is too large (allowed: 1 to 65535)",
        "kiosk.toml:5 [printer]: dots: 500 is not allowed (a multiple of 8: 576 for 80 mm paper, 384 for 58 mm)",
        'kiosk.toml:6 [printer]: mode: "gbk" is not allowed (allowed: raster, gb18030)',
        "kiosk.toml:7 [printer]: baudrate: unknown key (allowed here: band_pause_ms, cut, dots, host, mode, port, "
        "status_timeout_s, timeout_s, type)",
        'kiosk.toml:8 [printer]: cut: "half" is not allowed (allowed: full, partial)',
        "kiosk.toml:9 [printer]: timeout_s: 0 is too small (allowed: 0.5 to 60)",
        'kiosk.toml:10 [printer]: status_timeout_s: "fast" is not a number',
    ]


def test_dots_bounds():
    settings, errors = read('[printer]\ntype = "fake"\nfolder = "x"\ndots = 1024\n')
    assert settings is None
    assert errors == ["kiosk.toml:4 [printer]: dots: 1024 is too large (allowed: 128 to 832)"]


def test_bad_usb_ids_and_endpoints():
    settings, errors = read("""\
[printer]
type = "usb"
vendor = "xyz"
product = 0
in_ep = 0x01
out_ep = 0x82
""")
    assert settings is None
    assert errors == [
        'kiosk.toml:3 [printer]: vendor: "xyz" is not a USB id (write it as lsusb shows it, e.g. 0x0416 or "0416")',
        "kiosk.toml:4 [printer]: product: 0x0 is not a USB id (0x0001 to 0xffff)",
        "kiosk.toml:5 [printer]: in_ep: 0x1 is not an IN endpoint (0x81 to 0x8f)",
        "kiosk.toml:6 [printer]: out_ep: 0x82 is not an OUT endpoint (0x01 to 0x0f)",
    ]


def test_bad_serial_file_and_fake_keys():
    _, errors = read('[printer]\ntype = "serial"\ndevice = "/dev/hall-printer"\nbaudrate = 9601\nflow = "xonxoff"\n')
    assert errors == [
        "kiosk.toml:4 [printer]: baudrate: 9601 is not allowed "
        "(allowed: 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)",
        'kiosk.toml:5 [printer]: flow: "xonxoff" is not allowed (allowed: none, rtscts)',
    ]
    _, errors = read('[printer]\ntype = "file"\npath = "lp0"\n')
    assert errors == ['kiosk.toml:3 [printer]: path: "lp0" is not allowed (an absolute path, e.g. "/dev/usb/lp0")']
    _, errors = read('[printer]\ntype = "fake"\n')
    assert errors == ["kiosk.toml:1 [printer]: folder: is required"]
    _, errors = read('[printer]\ntype = "fake"\nfolder = "var/printer"\npaper = "low"\n')
    assert errors == ['kiosk.toml:4 [printer]: paper: "low" is not allowed (allowed: ok, near_end, out)']


def test_keys_of_another_type_are_unknown():
    _, errors = read('[printer]\ntype = "usb"\nvendor = 0x0416\nproduct = 0x5011\nhost = "10.0.0.31"\n')
    assert errors == [
        "kiosk.toml:5 [printer]: host: unknown key (allowed here: band_pause_ms, cut, dots, in_ep, "
        "mode, out_ep, product, status_timeout_s, timeout_s, type, vendor)"
    ]
