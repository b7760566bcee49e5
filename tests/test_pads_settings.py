"""The [[bus]] tables of a caller role file, good and bad, with the errors a technician would read."""

from __future__ import annotations

from onewindow.configfile import ConfigFile
from onewindow.drivers.pads import BusSettings, PadSettings, read_bus, read_buses


def buses(text: str) -> tuple[list[BusSettings] | None, list[str]]:
    file = ConfigFile("caller.toml", text)
    return read_buses(file), file.errors


def test_one_line_with_pads_for_three_windows():
    found, errors = buses("""\
core = "http://10.0.0.2:8080"

[[bus]]
port = "/dev/hall-caller485"
baudrate = 9600
protocol = "ff68"
pads = [{ address = 3, window = 3 }, { address = 4, window = 4 },
        { address = 5, window = 5 }]
""")
    assert errors == []
    assert found == [
        BusSettings(
            port="/dev/hall-caller485",
            baudrate=9600,
            protocol="ff68",
            pads=(PadSettings(3, 3), PadSettings(4, 4), PadSettings(5, 5)),
        )
    ]
    assert found[0].window_of(4) == 4 and found[0].window_of(9) is None and found[0].address_of(5) == [5]


def test_defaults_and_one_entry_read_alone():
    file = ConfigFile(
        "caller.toml", '[[bus]]\nport = "socket://10.0.0.41:4196"\npads = [{ address = 33, window = 3 }]\n'
    )
    assert read_bus(file.tables("bus")[0]) == BusSettings(port="socket://10.0.0.41:4196", pads=(PadSettings(33, 3),))
    assert file.errors == []


def test_addresses_are_unique_on_a_line():
    _, errors = buses("""\
[[bus]]
port = "/dev/hall-caller485"
pads = [
  { address = 3, window = 3 },
  { address = 4, window = 4 },
  { address = 3, window = 5 },
]
""")
    assert errors == [
        'caller.toml:6 [[bus]] port="/dev/hall-caller485" pads[3]: address: 3 is used twice on this '
        "line (first in pads[1]); every pad on one line needs its own address"
    ]


def test_wrong_values_in_pads_name_the_pad_and_its_line():
    _, errors = buses("""\
[[bus]]
port = "/dev/hall-caller485"
baudrate = 100
protocol = "modbus"
pads = [{ address = 300, window = 3 },
        { address = 4, window = 0, button = 1 },
        "5"]
""")
    assert errors == [
        'caller.toml:3 [[bus]] port="/dev/hall-caller485": baudrate: 100 is too small (allowed: 1200 to 115200)',
        'caller.toml:4 [[bus]] port="/dev/hall-caller485": protocol: "modbus" is not allowed (allowed: ff68)',
        'caller.toml:5 [[bus]] port="/dev/hall-caller485": pads: "5" is not an inline table { … }',
        'caller.toml:5 [[bus]] port="/dev/hall-caller485" pads[1]: address: 300 is too large (allowed: 0 to 255)',
        'caller.toml:6 [[bus]] port="/dev/hall-caller485" pads[2]: window: 0 is too small (allowed: 1 to 999)',
        'caller.toml:6 [[bus]] port="/dev/hall-caller485" pads[2]: button: unknown key (allowed here: address, window)',
    ]


def test_pads_are_required_and_not_empty():
    _, errors = buses('[[bus]]\nport = "/dev/hall-caller485"\n')
    assert errors == [
        'caller.toml:1 [[bus]] port="/dev/hall-caller485": pads: is required: the pads on this line, '
        "e.g. pads = [{ address = 3, window = 3 }]"
    ]
    _, errors = buses('[[bus]]\nport = "/dev/hall-caller485"\npads = []\n')
    assert errors == [
        'caller.toml:3 [[bus]] port="/dev/hall-caller485": pads: must not be empty: list the pads on '
        "this line, e.g. [{ address = 3, window = 3 }]"
    ]


def test_missing_port_and_unknown_keys():
    _, errors = buses("[[bus]]\npads = [{ address = 3, window = 3 }]\nspeed = 9600\n")
    assert errors == [
        "caller.toml:1 [[bus]]: port: is required",
        "caller.toml:3 [[bus]]: speed: unknown key (allowed here: baudrate, pads, port, protocol)",
    ]


def test_one_port_is_one_bus():
    _, errors = buses(
        '[[bus]]\nport = "/dev/x"\npads = [{ address = 3, window = 3 }]\n\n'
        '[[bus]]\nport = "/dev/x"\npads = [{ address = 4, window = 4 }]\n'
    )
    assert errors == [
        'caller.toml:6 [[bus]] port="/dev/x": port: "/dev/x" is used twice (first at line 2): list '
        "every pad of one line in one [[bus]]"
    ]
