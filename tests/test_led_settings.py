"""The [[led]] tables of a display role file, good and bad, with the errors a technician would read."""

from __future__ import annotations

from onewindow.configfile import ConfigFile
from onewindow.drivers.led import LedSettings, read_led, read_leds

GOOD = """\
core = "http://10.0.0.2:8080"

[[led]]
port = "/dev/hall-led485"
baudrate = 9600
protocol = "soh"
address = 3
window = 3

[[led]]
port = "/dev/hall-led485"
address = 4
window = 4

[[led]]
port = "socket://10.0.0.40:4196"
address = 1
main = true
width = 32
"""


def leds(text: str) -> tuple[list[LedSettings] | None, list[str]]:
    file = ConfigFile("display.toml", text)
    return read_leds(file), file.errors


def test_boards_over_windows_and_a_main_board():
    boards, errors = leds(GOOD)
    assert errors == []
    assert boards == [
        LedSettings(port="/dev/hall-led485", address=3, baudrate=9600, protocol="soh", window=3),
        LedSettings(port="/dev/hall-led485", address=4, window=4),
        LedSettings(port="socket://10.0.0.40:4196", address=1, main=True, width=32),
    ]


def test_one_entry_read_alone():
    file = ConfigFile("display.toml", '[[led]]\nport = "/dev/ttyUSB0"\naddress = 0\nmain = true\n')
    assert read_led(file.tables("led")[0]) == LedSettings(port="/dev/ttyUSB0", address=0, main=True)
    assert file.errors == []


def test_wrong_values_name_file_line_table_key_value_and_what_is_allowed():
    _, errors = leds("""\
[[led]]
port = "/dev/hall-led485"
baudrate = 960000
protocol = "sohx"
address = 256
window = 3
""")
    assert errors == [
        "display.toml:3 [[led]] address=256: baudrate: 960000 is too large (allowed: 1200 to 115200)",
        'display.toml:4 [[led]] address=256: protocol: "sohx" is not allowed (allowed: soh)',
        "display.toml:5 [[led]] address=256: address: 256 is too large (allowed: 0 to 255)",
    ]


def test_a_board_is_either_over_a_window_or_the_main_board():
    _, errors = leds('[[led]]\nport = "/dev/x"\naddress = 3\nwindow = 3\nmain = true\n')
    assert errors == [
        "display.toml:5 [[led]] address=3: main: a board shows one window (window = N) or is the "
        "hall's main board (main = true), not both"
    ]
    _, errors = leds('[[led]]\nport = "/dev/x"\naddress = 3\n')
    assert errors == [
        "display.toml:1 [[led]] address=3: say which board this is: window = N for the board over "
        "window N, or main = true for the hall's main board"
    ]
    _, errors = leds('[[led]]\nport = "/dev/x"\naddress = 3\nmain = false\n')
    assert len(errors) == 1 and "say which board" in errors[0]


def test_missing_and_unknown_keys():
    _, errors = leds("[[led]]\naddress = 3\nwindow = 3\nspeed = 9600\n")
    assert errors == [
        "display.toml:1 [[led]] address=3: port: is required",
        "display.toml:4 [[led]] address=3: speed: unknown key (allowed here: address, baudrate, main, port, "
        "protocol, width, window)",
    ]


def test_wrong_types_are_named():
    _, errors = leds('[[led]]\nport = 3\naddress = "3"\nwindow = 3\n')
    assert errors == [
        'display.toml:2 [[led]] address="3": port: 3 is not a string',
        'display.toml:3 [[led]] address="3": address: "3" is not a whole number',
    ]


def test_boards_on_one_line_need_their_own_addresses_and_the_same_speed():
    _, errors = leds("""\
[[led]]
port = "/dev/hall-led485"
address = 3
window = 3

[[led]]
port = "/dev/hall-led485"
baudrate = 19200
address = 3
window = 4
""")
    assert errors == [
        "display.toml:8 [[led]] address=3: baudrate: 19200 differs from the board at line 2 on the same port "
        '"/dev/hall-led485" (9600): boards on one line share its speed and protocol',
        'display.toml:9 [[led]] address=3: address: 3 is used twice on port "/dev/hall-led485" (first at line 3)',
    ]


def test_same_address_on_different_lines_is_fine():
    boards, errors = leds(
        '[[led]]\nport = "/dev/a"\naddress = 3\nwindow = 3\n[[led]]\nport = "/dev/b"\naddress = 3\nwindow = 4\n'
    )
    assert errors == [] and boards is not None and len(boards) == 2
