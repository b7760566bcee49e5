"""The kiosk's role file as a technician writes it: [printer], [screen], [kiosk], and errors that point at the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onewindow.configfile import ConfigFile
from onewindow.drivers.printer.network import NetworkOptions
from onewindow.kiosk.settings import KioskOptions, ScreenSettings, read_settings, ticket_url
from onewindow.rolefile import read_role

EXAMPLES = Path(__file__).resolve().parents[1] / "config" / "examples"
HEAD = """\
core = "http://10.0.0.2:8080"
device = "kiosk-1"
token = "dDUwjGnjiEsMJgD70O03rCuSHUpIjMrgabK9ud8NoCU"

[printer]
type = "network"
host = "10.0.0.31"
"""


def read(text: str):
    file = ConfigFile("/etc/onewindow/kiosk.toml", text)
    role = read_role(file, "kiosk", read_settings)
    return (role.settings if role else None), file.errors


def test_a_bare_kiosk_takes_every_default():
    settings, errors = read(HEAD)
    assert errors == []
    assert settings.printer.connection == NetworkOptions("10.0.0.31", 9100)
    assert settings.screen == ScreenSettings(enabled=True, fullscreen=True, size=None, rotate=None)
    assert settings.kiosk == KioskOptions()
    assert settings.kiosk.orientation == "portrait" and settings.screen.rotate is None
    assert settings.kiosk.ticket_url == "{core}/t/{id}"


def test_every_key_written_out():
    settings, errors = read(
        HEAD
        + """
[screen]
enabled = true
fullscreen = false
size = "1920x1080"
rotate = 180
fps = 25

[kiosk]
orientation = "landscape"
idle_s = 45
result_s = 10.5
ticket_url = "https://shebao.example.gov.cn/q/{id}?from=kiosk"
printer_check_s = 20
issue_timeout_s = 12
"""
    )
    assert errors == []
    assert settings.screen == ScreenSettings(enabled=True, fullscreen=False, size=(1920, 1080), rotate=180, fps=25)
    assert settings.kiosk == KioskOptions(
        orientation="landscape",
        idle_s=45.0,
        result_s=10.5,
        ticket_url="https://shebao.example.gov.cn/q/{id}?from=kiosk",
        printer_check_s=20.0,
        issue_timeout_s=12.0,
    )


def test_the_qr_code_holds_the_status_page_of_the_ticket():
    assert ticket_url("{core}/t/{id}", "http://10.0.0.2:8080/", "ab12") == "http://10.0.0.2:8080/t/ab12"
    assert ticket_url("https://x.example/t/{id}", "http://10.0.0.2:8080", "ab12") == "https://x.example/t/ab12"


def test_mistakes_are_named_with_line_table_key_and_what_is_allowed():
    _, errors = read(
        HEAD
        + """
[screen]
enabled = "yes"
size = "1080"
colour = "blue"
rotate = 45

[kiosk]
orientation = "upright"
idle_s = 2
ticket_url = "https://shebao.example.gov.cn/t/"
"""
    )
    assert errors == [
        'kiosk.toml:10 [screen]: enabled: "yes" is not true or false',
        'kiosk.toml:11 [screen]: size: "1080" is not allowed (width x height, e.g. "1920x1080")',
        "kiosk.toml:12 [screen]: colour: unknown key (allowed here: enabled, fps, fullscreen, rotate, size)",
        "kiosk.toml:13 [screen]: rotate: 45 is not allowed (allowed: 0, 90, 180, 270)",
        'kiosk.toml:16 [kiosk]: orientation: "upright" is not allowed (allowed: portrait, landscape)',
        "kiosk.toml:17 [kiosk]: idle_s: 2 is too small (allowed: 5 to 600)",
        'kiosk.toml:18 [kiosk]: ticket_url: "https://shebao.example.gov.cn/t/" is not allowed (the status '
        "page's address with {id} where the ticket's id goes, e.g. \"https://shebao.example.gov.cn/t/{id}\"; "
        "{core} stands for the core's address)",
    ]


def test_a_kiosk_needs_its_printer_and_printer_errors_come_from_the_driver():
    _, errors = read('core = "http://10.0.0.2:8080"\ndevice = "kiosk-1"\ntoken = "' + "a" * 43 + '"\n[kiosk]\n')
    assert errors == ["kiosk.toml [printer]: this table is required"]
    _, errors = read(HEAD.replace('host = "10.0.0.31"', 'host = "10.0.0.31"\ndots = 500\nstatus_timeout_s = 9'))
    assert errors == [
        "kiosk.toml:8 [printer]: dots: 500 is not allowed (a multiple of 8: 576 for 80 mm paper, 384 for 58 mm)",
        "kiosk.toml:9 [printer]: status_timeout_s: 9 is too large (allowed: 0.05 to 5)",
    ]


def test_wrong_types_and_unknown_tables():
    _, errors = read(HEAD + '\n[kiosk]\nidle_s = "30"\nresult_s = true\n\n[display]\nx = 1\n')
    assert 'kiosk.toml:10 [kiosk]: idle_s: "30" is not a number' in errors
    assert "kiosk.toml:11 [kiosk]: result_s: true is not a number" in errors
    assert any("display" in e for e in errors)


def test_the_example_kiosk_files_are_valid_and_match_the_example_hall():
    files = sorted(EXAMPLES.glob("kiosk-*.toml"))
    assert [f.name for f in files] == ["kiosk-1.toml", "kiosk-2.toml", "kiosk-3.toml"]
    for f in files:
        settings, errors = read(f.read_text(encoding="utf-8"))
        assert errors == [] and settings is not None, f
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "check-config", str(EXAMPLES / "hall.toml"), *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_reading_a_kiosk_file_needs_no_pygame_nor_escpos():
    code = (
        "import sys\n"
        "from onewindow.configfile import ConfigFile\n"
        "from onewindow.roles import read_any_role\n"
        f"assert read_any_role(ConfigFile({str(EXAMPLES / 'kiosk-2.toml')!r})) is not None\n"
        "assert 'pygame' not in sys.modules and 'escpos' not in sys.modules and 'usb' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_read_settings_alone_collects_errors_on_the_file():
    file = ConfigFile("kiosk.toml", '[printer]\ntype = "fax"\n')
    assert read_settings(file) is None
    assert file.errors == [
        'kiosk.toml:2 [printer]: type: "fax" is not allowed (allowed: usb, serial, network, file, fake)'
    ]
