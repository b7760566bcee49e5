"""The caller role file: [caller], [caller.clerks], keypads and pad lines together, good and bad, and the examples."""

from __future__ import annotations

import subprocess
import sys

import pytest

from onewindow.caller.settings import CallerSettings, read_settings
from onewindow.configfile import ConfigError, ConfigFile
from onewindow.drivers.keypad import NUMPAD, KeypadSettings
from onewindow.drivers.pads import BusSettings, PadSettings
from onewindow.rolefile import load_role
from tests.support.hall import EXAMPLES

HEAD = 'core = "http://10.0.0.2:8080"\ndevice = "caller-1"\ntoken = "caller-1-token-0123456789abcdefghij"\n'

GOOD = (
    HEAD
    + """
[caller]
clerk_prefix = "c"
clerk_digits = 2
transfer_to = "window"
notice_s = 6

[caller.clerks]
"8001" = "zhang.wei"
"007" = "c99"

[[keypad]]
path = "/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.2:1.0-event-kbd"
window = 3

[[bus]]
port = "/dev/hall-caller485"
pads = [{ address = 14, window = 14 }, { address = 15, window = 15 }]
"""
)


def read(text: str, name: str = "caller.toml") -> tuple[CallerSettings | None, list[str]]:
    file = ConfigFile(name, text)
    settings = read_settings(file)
    file.finish(allowed_top_keys=("core", "device", "token"))
    return settings, file.errors


def test_a_file_with_every_table():
    settings, errors = read(GOOD)
    assert errors == []
    assert settings is not None
    assert settings.keypads == (
        KeypadSettings(path="/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.2:1.0-event-kbd", window=3),
    )
    assert settings.buses == (BusSettings(port="/dev/hall-caller485", pads=(PadSettings(14, 14), PadSettings(15, 15))),)
    assert settings.keymaps["numpad"] is NUMPAD
    assert (settings.clerk_prefix, settings.clerk_digits, settings.transfer_to, settings.notice_s) == (
        "c",
        2,
        "window",
        6.0,
    )
    assert settings.windows == [3, 14, 15]


def test_defaults_without_a_caller_table():
    settings, errors = read(HEAD + '[[keypad]]\npath = "/dev/input/event3"\nwindow = 1\n')
    assert errors == [] and settings is not None
    assert (settings.clerk_prefix, settings.clerk_digits, settings.transfer_to, settings.notice_s) == (
        "",
        0,
        "hall",
        10.0,
    )
    assert settings.clerk_id("1001") == "1001"  # numeric clerk ids are typed as they are


@pytest.mark.parametrize(
    ("typed", "clerk"),
    [("7", "c07"), ("07", "c07"), ("12", "c12"), ("123", "c123"), ("8001", "zhang.wei"), ("007", "c99")],
)
def test_staff_numbers_become_clerk_ids(typed, clerk):
    settings, _ = read(GOOD)
    assert settings is not None and settings.clerk_id(typed) == clerk


def test_a_file_without_keypads_or_pads_is_refused():
    settings, errors = read(HEAD + "[caller]\nclerk_prefix = 'c'\n")
    assert settings is None
    assert errors == [
        "caller.toml: no keypad and no pad: add a [[keypad]] (a USB keypad) or a [[bus]] (RS-485 pads) for each window"
    ]


@pytest.mark.parametrize(
    ("table", "error"),
    [
        (
            'clerk_prefix = "c 1"',
            'caller.toml:6 [caller]: clerk_prefix: "c 1" is not allowed '
            '(letters, digits, _ . - (at most 16), e.g. "c")',
        ),
        ("clerk_digits = 9", "caller.toml:6 [caller]: clerk_digits: 9 is too large (allowed: 0 to 8)"),
        (
            'transfer_to = "windows"',
            'caller.toml:6 [caller]: transfer_to: "windows" is not allowed (allowed: hall, window)',
        ),
        ("notice_s = 1", "caller.toml:6 [caller]: notice_s: 1 is too small (allowed: 2.0 to 120.0)"),
        (
            "beep = true",
            "caller.toml:6 [caller]: beep: unknown key (allowed here: clerk_digits, clerk_prefix, clerks, "
            "notice_s, transfer_to)",
        ),
    ],
)
def test_bad_caller_keys_are_named(table, error):
    settings, errors = read(HEAD + f"\n[caller]\n{table}\n\n[[keypad]]\npath = '/dev/input/event3'\nwindow = 1\n")
    assert settings is None
    assert errors == [error]


def test_bad_staff_numbers_and_clerk_ids():
    text = (
        HEAD + '\n[caller.clerks]\n"80a1" = "c01"\n"9001" = "c 01"\n\n[[keypad]]\npath = "/dev/input/e"\nwindow = 1\n'
    )
    settings, errors = read(text)
    assert settings is None
    assert errors == [
        'caller.toml:6 [caller.clerks]: 80a1: "80a1" is not a staff number: 1 to 8 digits, quoted, e.g. "8001"',
        'caller.toml:7 [caller.clerks]: 9001: "c 01" is not allowed (a clerk id as the hall file writes it)',
    ]


def test_keypad_and_bus_errors_come_from_their_readers():
    text = (
        HEAD
        + '\n[[keypad]]\npath = "event3"\nwindow = 1\nkeymap = "bigkeys"\n'
        + '\n[[bus]]\nport = "/dev/hall-caller485"\npads = [{ address = 3, window = 3 }, { address = 3, window = 4 }]\n'
    )
    settings, errors = read(text)
    assert settings is None
    assert len(errors) == 3
    assert errors[0].startswith('caller.toml:6 [[keypad]] window=1: path: "event3" is not allowed')
    assert errors[1].startswith('caller.toml:8 [[keypad]] window=1: keymap: "bigkeys" is neither a built-in key map')
    assert "address: 3 is used twice on this line" in errors[2]


def test_a_broken_keymap_is_reported_once_not_again_by_its_keypad():
    text = (
        HEAD
        + '\n[keymap.faces]\nF1 = "7"\nF2 = "smile"\n'
        + '\n[[keypad]]\npath = "/dev/input/e"\nwindow = 1\nkeymap = "faces"\n'
    )
    settings, errors = read(text)
    assert settings is None
    assert len(errors) == 1 and errors[0].startswith('caller.toml:7 [keymap.faces]: F2: "smile" is not allowed')


def test_load_role_refuses_with_every_error(tmp_path):
    path = tmp_path / "caller.toml"
    path.write_text(HEAD + "\n[caller]\nclerk_digits = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_role(path, "caller", read_settings)
    assert caught.value.errors == [
        "caller.toml: no keypad and no pad: add a [[keypad]] (a USB keypad) or a [[bus]] (RS-485 pads) for each window",
        "caller.toml:6 [caller]: clerk_digits: -1 is too small (allowed: 0 to 8)",
    ]


@pytest.mark.parametrize("name", ["caller-keypads", "caller-bus", "evaluator-keypads", "evaluator-bus"])
def test_the_examples_load_and_check_against_the_example_hall(name):
    role = load_role(EXAMPLES / f"{name}.toml", "caller", read_settings)
    settings = role.settings
    assert isinstance(settings, CallerSettings)
    expected = list(range(1, 14)) if name.endswith("keypads") else list(range(14, 27))
    assert settings.windows == expected
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "onewindow.cli",
            "check-config",
            str(EXAMPLES / "hall.toml"),
            str(EXAMPLES / f"{name}.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_evaluator_example_gives_the_five_big_keys_their_scores():
    settings = load_role(EXAMPLES / "evaluator-keypads.toml", "caller", read_settings).settings
    assert dict(settings.keymaps["faces"].keys) == {"F1": "5", "F2": "4", "F3": "3", "F4": "2", "F5": "1"}
    assert settings.clerk_id("7") == "7"
