"""Key names and key maps: what each key of a USB keypad is for.

A key's name is its evdev name without `KEY_` ("KP1", "KPENTER", "KPPLUS", "F1"). A key map binds names
to actions; the caller's key sequencer (onewindow.caller.keys) turns actions into commands. `numpad`
is built in; a role file may define its own as `[keymap.NAME]`, e.g.

    [keymap.bigkeys]
    extends = "numpad"     # optional: start from a built-in map
    F1 = "call"
    F2 = "recall"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from onewindow.configfile import ConfigFile, Table, known, show

DIGITS = tuple("0123456789")
# What a key can be bound to. Digits are typed (a PIN, a transfer target) or, on an evaluator, a score.
COMMANDS = ("call", "recall", "start", "finish", "no_show", "transfer", "pause", "enter", "clear", "sign_out")
ACTIONS = DIGITS + COMMANDS

# Codes from linux/input-event-codes.h for the keys keypads have, so that naming them needs no evdev;
# other codes are named through evdev when it is there.
KEY_CODES: dict[str, int] = {
    "ESC": 1,
    "1": 2,
    "2": 3,
    "3": 4,
    "4": 5,
    "5": 6,
    "6": 7,
    "7": 8,
    "8": 9,
    "9": 10,
    "0": 11,
    "MINUS": 12,
    "EQUAL": 13,
    "BACKSPACE": 14,
    "TAB": 15,
    "ENTER": 28,
    "KPASTERISK": 55,
    "SPACE": 57,
    "F1": 59,
    "F2": 60,
    "F3": 61,
    "F4": 62,
    "F5": 63,
    "F6": 64,
    "F7": 65,
    "F8": 66,
    "F9": 67,
    "F10": 68,
    "NUMLOCK": 69,
    "KP7": 71,
    "KP8": 72,
    "KP9": 73,
    "KPMINUS": 74,
    "KP4": 75,
    "KP5": 76,
    "KP6": 77,
    "KPPLUS": 78,
    "KP1": 79,
    "KP2": 80,
    "KP3": 81,
    "KP0": 82,
    "KPDOT": 83,
    "F11": 87,
    "F12": 88,
    "KPENTER": 96,
    "KPSLASH": 98,
    "HOME": 102,
    "UP": 103,
    "PAGEUP": 104,
    "LEFT": 105,
    "RIGHT": 106,
    "END": 107,
    "DOWN": 108,
    "PAGEDOWN": 109,
    "INSERT": 110,
    "DELETE": 111,
    "KPEQUAL": 117,
    "KPCOMMA": 121,
}
_NAMES = {code: name for name, code in KEY_CODES.items()}


def key_name(code: int) -> str:
    """The name of evdev key code `code`, e.g. 79 -> "KP1"; "CODE_<n>" for a code nobody named."""
    if code in _NAMES:
        return _NAMES[code]
    try:
        from evdev import ecodes
    except ImportError:
        return f"CODE_{code}"
    found = ecodes.KEY.get(code) or ecodes.BTN.get(code) or ()
    # several names for one code come sorted; KEY_MIN_INTERESTING and KEY_MAX are bounds, not keys
    names = [n for n in ([found] if isinstance(found, str) else found) if n not in ("KEY_MIN_INTERESTING", "KEY_MAX")]
    return names[0].removeprefix("KEY_") if names else f"CODE_{code}"


def key_code(name: str) -> int | None:
    """The evdev code of key `name` (with or without `KEY_`); None for a name nobody knows."""
    name = name.removeprefix("KEY_")
    if name in KEY_CODES:
        return KEY_CODES[name]
    try:
        from evdev import ecodes
    except ImportError:
        return None
    code = ecodes.ecodes.get("KEY_" + name, ecodes.ecodes.get(name))
    return code if isinstance(code, int) else None


@dataclass(frozen=True)
class Keymap:
    """Key name -> action."""

    name: str
    keys: Mapping[str, str] = field(default_factory=dict)

    def action(self, key: str) -> str | None:
        return self.keys.get(key)


_NUMBERS = {f"KP{d}": d for d in DIGITS}
# Keypads with a NumLock of their own send the navigation keys when it is off (End for 1, Down for 2, …);
# they mean the same digits, so an accidental NumLock never leaves the clerk with a dead keypad.
_NUMLOCK_OFF = {
    "INSERT": "0",
    "END": "1",
    "DOWN": "2",
    "PAGEDOWN": "3",
    "LEFT": "4",
    "RIGHT": "6",
    "HOME": "7",
    "UP": "8",
    "PAGEUP": "9",
    "DELETE": "no_show",
}

# The layout is explained for clerks in onewindow.caller.keys.
NUMPAD = Keymap(
    "numpad",
    {
        **_NUMBERS,
        **_NUMLOCK_OFF,
        "KPPLUS": "call",
        "KPMINUS": "recall",
        "KPENTER": "enter",
        "ENTER": "enter",
        "KPASTERISK": "transfer",
        "KPSLASH": "pause",
        "KPDOT": "no_show",
        "NUMLOCK": "start",
        "BACKSPACE": "clear",
        "ESC": "clear",
    },
)

BUILTIN: dict[str, Keymap] = {NUMPAD.name: NUMPAD}

_KEY_NAME = re.compile(r"[A-Z0-9_]{1,32}")


def _evdev_names() -> set[str] | None:
    """Every key name evdev knows, to catch typos; None where evdev is not installed (then any
    well-formed name is accepted, and a misspelt key simply never fires)."""
    try:
        from evdev import ecodes
    except ImportError:
        return None
    return {n.removeprefix("KEY_") for n in ecodes.ecodes if n.startswith(("KEY_", "BTN_"))}


def read_keymap(table: Table) -> Keymap | None:
    """Read one `[keymap.NAME]` table: key names to actions. None when it has errors (they collect on
    the file)."""
    name = table.path[-1]
    if name in BUILTIN:
        table.error(None, f"{show(name)} is a built-in key map; give yours another name")
    keys: dict[str, str] = {}
    base = table.str("extends", None, choices=tuple(BUILTIN))
    if base is not None:
        keys.update(BUILTIN[base].keys)
    names = _evdev_names()
    first_at: dict[str, str] = {}
    for raw in [k for k in table.data if k != "extends"]:
        action = table.str(raw, choices=ACTIONS)
        key = raw.removeprefix("KEY_")
        if not _KEY_NAME.fullmatch(key):
            table.error(
                raw, "is not a key name: use evdev's name without KEY_, in capitals, e.g. KPPLUS, KPENTER, KP1, F1"
            )
            continue
        if names is not None and key not in names and key not in KEY_CODES:
            table.error(raw, f"is not a key this machine knows (e.g. {known(sorted(_NUMBERS) + ['KPENTER'], 4)})")
            continue
        if key in first_at:
            table.error(raw, f"names the same key as {first_at[key]}")
            continue
        first_at[key] = raw
        if action is not None:
            keys[key] = action
    table.finish()
    if not table.ok:
        return None
    return Keymap(name, keys)


def read_keymaps(file: ConfigFile) -> dict[str, Keymap] | None:
    """The built-in maps and every `[keymap.NAME]` of the file; None when any has errors."""
    maps = dict(BUILTIN)
    failed = False
    for name, table in file.table_group("keymap").items():
        keymap = read_keymap(table)
        if keymap is None:
            failed = True
        else:
            maps[name] = keymap
    return None if failed else maps
