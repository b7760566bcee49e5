"""The [[keypad]] and [keymap.NAME] tables of caller and evaluator role files, good and bad."""

from __future__ import annotations

from onewindow.configfile import ConfigFile
from onewindow.drivers.keypad import NUMPAD, Keymap, KeypadSettings, read_keymaps, read_keypad, read_keypads

GOOD = """\
core = "http://10.0.0.2:8080"
device = "caller-3"

[[keypad]]
path = "/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.2:1.0-event-kbd"
window = 3
keymap = "numpad"

[[keypad]]
path = "/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.3:1.0-event-kbd"
window = 4
keymap = "bigkeys"

[keymap.bigkeys]
F1 = "call"
F2 = "recall"
KEY_F3 = "finish"
KP1 = "1"
KPENTER = "enter"
"""


def read(text: str):
    file = ConfigFile("caller.toml", text)
    maps = read_keymaps(file)
    pads = read_keypads(file, maps or ())
    return maps, pads, file.errors


def test_two_keypads_one_with_a_map_of_its_own():
    maps, pads, errors = read(GOOD)
    assert errors == []
    assert pads == [
        KeypadSettings(path="/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.2:1.0-event-kbd", window=3),
        KeypadSettings(
            path="/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.3:1.0-event-kbd", window=4, keymap="bigkeys"
        ),
    ]
    assert maps is not None and maps["numpad"] is NUMPAD
    assert maps["bigkeys"] == Keymap(
        "bigkeys", {"F1": "call", "F2": "recall", "F3": "finish", "KP1": "1", "KPENTER": "enter"}
    )


def test_a_map_can_start_from_numpad():
    maps, _, errors = read('[keymap.pad]\nextends = "numpad"\nF1 = "call"\nKPPLUS = "clear"\n')
    assert errors == [] and maps is not None
    assert maps["pad"].action("F1") == "call" and maps["pad"].action("KPPLUS") == "clear"
    assert maps["pad"].action("KP7") == "7" and maps["pad"].action("KPENTER") == "enter"


def test_one_keypad_read_alone_defaults_to_numpad():
    file = ConfigFile("evaluator.toml", '[[keypad]]\npath = "/dev/input/event3"\nwindow = 3\n')
    assert read_keypad(file.tables("keypad")[0]) == KeypadSettings("/dev/input/event3", 3, "numpad")
    assert file.errors == []


def test_keypad_errors_name_line_table_key_value_and_what_is_allowed():
    _, _, errors = read("""\
[[keypad]]
path = "event3"
window = 0
keymap = "numpd"
grab = true
""")
    assert errors == [
        'caller.toml:2 [[keypad]] window=0: path: "event3" is not allowed (an absolute path, e.g. '
        "/dev/input/by-path/…-event-kbd)",
        "caller.toml:3 [[keypad]] window=0: window: 0 is too small (allowed: 1 to 999)",
        'caller.toml:4 [[keypad]] window=0: keymap: "numpd" is neither a built-in key map nor a [keymap.NAME] '
        "table of this file (known: numpad)",
        "caller.toml:5 [[keypad]] window=0: grab: unknown key (allowed here: keymap, path, window)",
    ]


def test_one_keypad_is_read_by_one_entry():
    _, _, errors = read(
        '[[keypad]]\npath = "/dev/input/event3"\nwindow = 3\n\n[[keypad]]\npath = "/dev/input/event3"\nwindow = 4\n'
    )
    assert errors == [
        'caller.toml:6 [[keypad]] window=4: path: "/dev/input/event3" is used twice (first at line 2): '
        "one keypad is read by one entry"
    ]


def test_keymap_errors_name_the_key():
    maps, _, errors = read("""\
[keymap.pad]
KPPLUS = "call_next"
kp1 = "1"
KPPLUSS = "call"
F1 = 1
KEY_F2 = "recall"
F2 = "finish"
extends = "qwerty"
""")
    assert maps is None
    assert errors == [
        'caller.toml:2 [keymap.pad]: KPPLUS: "call_next" is not allowed (allowed: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '
        "call, recall, start, finish, no_show, transfer, pause, enter, clear, sign_out)",
        "caller.toml:3 [keymap.pad]: kp1: is not a key name: use evdev's name without KEY_, in capitals, "
        "e.g. KPPLUS, KPENTER, KP1, F1",
        "caller.toml:4 [keymap.pad]: KPPLUSS: is not a key this machine knows (e.g. KP0, KP1, KP2, KP3, …)",
        "caller.toml:5 [keymap.pad]: F1: 1 is not a string",
        "caller.toml:7 [keymap.pad]: F2: names the same key as KEY_F2",
        'caller.toml:8 [keymap.pad]: extends: "qwerty" is not allowed (allowed: numpad)',
    ]


def test_numpad_is_built_in_and_cannot_be_redefined():
    _, _, errors = read('[keymap.numpad]\nKPPLUS = "recall"\n')
    assert errors == ['caller.toml:1 [keymap.numpad]: "numpad" is a built-in key map; give yours another name']


def test_a_keymap_must_be_a_table():
    _, _, errors = read('keymap = "numpad"\n')
    assert errors == ["caller.toml:1: keymap: must be written as [keymap.NAME] tables"]
