"""The tables of a caller or evaluator role file: `[caller]`, `[caller.clerks]`, `[keymap.NAME]`, `[[keypad]]`
and `[[bus]]`.

    [caller]                    # optional; every key has a default
    clerk_prefix = "c"          # a typed staff number (工号) 7 becomes the hall file's clerk "c07" …
    clerk_digits = 2            # … padded with zeros to this many digits (0: as typed)
    transfer_to = "hall"        # a transfer digit n names the hall's n-th service ("window": the window's n-th)
    notice_s = 10               # how long a refusal stays in the device status for the window's LED board

    [caller.clerks]             # optional: staff numbers that do not follow the rule above
    "8001" = "zhang.wei"

The same file serves a caller and an evaluator: the hall file's [[device]] says which the device is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from onewindow.configfile import ConfigFile, Table, show
from onewindow.drivers.keypad import BUILTIN, Keymap, KeypadSettings, read_keymaps, read_keypads
from onewindow.drivers.pads import BusSettings, read_buses

TRANSFER_LISTS = ("hall", "window")
CLERK_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"  # as the hall file allows
STAFF_NUMBER = r"[0-9]{1,8}"


@dataclass(frozen=True)
class CallerSettings:
    keypads: tuple[KeypadSettings, ...] = ()
    buses: tuple[BusSettings, ...] = ()
    keymaps: Mapping[str, Keymap] = field(default_factory=dict)
    clerk_prefix: str = ""
    clerk_digits: int = 0
    clerks: Mapping[str, str] = field(default_factory=dict)  # staff number as typed -> clerk id
    transfer_to: str = "hall"
    notice_s: float = 10.0

    def clerk_id(self, typed: str) -> str:
        """The hall file's clerk id for a staff number typed on a keypad: "7" -> "c07" with prefix "c" and
        two digits; an entry of `[caller.clerks]` wins, leading zeros and all ("007" and "7" differ there)."""
        if typed in self.clerks:
            return self.clerks[typed]
        if not self.clerk_digits:
            return self.clerk_prefix + typed
        return self.clerk_prefix + str(int(typed)).zfill(self.clerk_digits)

    @property
    def windows(self) -> list[int]:
        """Every window a keypad or pad of this file acts for, in order."""
        found = {k.window for k in self.keypads} | {p.window for b in self.buses for p in b.pads}
        return sorted(found)


def read_caller_table(table: Table, settings: dict[str, object]) -> None:
    settings["clerk_prefix"] = table.str(
        "clerk_prefix",
        "",
        pattern=r"[A-Za-z0-9_.-]{0,16}",
        pattern_help='letters, digits, _ . - (at most 16), e.g. "c"',
    )
    settings["clerk_digits"] = table.int("clerk_digits", 0, minval=0, maxval=8)
    settings["transfer_to"] = table.str("transfer_to", "hall", choices=TRANSFER_LISTS)
    settings["notice_s"] = table.float("notice_s", 10.0, minval=2.0, maxval=120.0)
    clerks: dict[str, str] = {}
    sub = table.subtable("clerks")
    if sub is not None:
        for number in list(sub.data):
            clerk = sub.str(number, pattern=CLERK_ID, pattern_help="a clerk id as the hall file writes it")
            if not re.fullmatch(STAFF_NUMBER, number):
                sub.error(number, f'{show(number)} is not a staff number: 1 to 8 digits, quoted, e.g. "8001"')
            elif clerk is not None:
                clerks[number] = clerk
        sub.finish()
        if not sub.ok:
            table.ok = False
    settings["clerks"] = clerks
    table.finish()


def read_settings(file: ConfigFile) -> CallerSettings | None:
    """The caller role's own tables; None when any has errors (they collect on `file`)."""
    values: dict[str, object] = {}
    ok = True
    table = file.table("caller")
    if table is not None:
        read_caller_table(table, values)
        ok = table.ok
    keymaps = read_keymaps(file)
    # a broken [keymap.NAME] is reported once, by its own table, not again by every keypad naming it
    group = file.data.get("keymap")
    names = keymaps if keymaps is not None else [*BUILTIN, *(group if isinstance(group, dict) else ())]
    keypads = read_keypads(file, names)
    buses = read_buses(file)
    if keypads == [] and buses == []:
        file.error(
            None,
            "",
            "no keypad and no pad: add a [[keypad]] (a USB keypad) or a [[bus]] (RS-485 pads) for each window",
        )
        return None
    if keymaps is None or keypads is None or buses is None or not ok:
        return None
    return CallerSettings(
        keypads=tuple(keypads),
        buses=tuple(buses),
        keymaps=keymaps,
        **values,  # type: ignore[arg-type]
    )
