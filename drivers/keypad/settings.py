"""The `[[keypad]]` tables of a caller or evaluator role file: which USB keypad, which window, which key map."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from onewindow.configfile import ConfigFile, Table, known, show

from .keymap import BUILTIN


@dataclass(frozen=True)
class KeypadSettings:
    path: str
    window: int
    keymap: str = "numpad"


def read_keypad(table: Table, keymaps: Collection[str] = tuple(BUILTIN)) -> KeypadSettings | None:
    """Read one `[[keypad]]` entry; `keymaps` are the names a `keymap` key may use (the built-in maps and
    the file's `[keymap.NAME]` tables). Errors collect on the file; None when any was found."""
    table.name_by("window")
    path = table.str(
        "path", pattern=r"/.+", max_length=400, pattern_help="an absolute path, e.g. /dev/input/by-path/…-event-kbd"
    )
    window = table.int("window", minval=1, maxval=999)
    keymap = table.str("keymap", "numpad")
    if keymap is not None and keymap not in keymaps:
        table.error(
            "keymap",
            f"{show(keymap)} is neither a built-in key map nor a [keymap.NAME] table of "
            f"this file (known: {known(sorted(keymaps))})",
        )
    table.finish()
    if not table.ok or None in (path, window, keymap):
        return None
    return KeypadSettings(path=path, window=window, keymap=keymap)


def read_keypads(file: ConfigFile, keymaps: Collection[str] = tuple(BUILTIN)) -> list[KeypadSettings] | None:
    """Every `[[keypad]]` entry, each device once; None when any error was found (they collect on `file`)."""
    keypads: list[KeypadSettings] = []
    first_at: dict[str, int | None] = {}
    failed = False
    for table in file.tables("keypad"):
        keypad = read_keypad(table, keymaps)
        if keypad is None:
            failed = True
            continue
        if keypad.path in first_at:
            table.error(
                "path",
                f"{show(keypad.path)} is used twice (first at line {first_at[keypad.path]}): "
                "one keypad is read by one entry",
            )
            failed = True
            continue
        first_at[keypad.path] = table.line("path")
        keypads.append(keypad)
    return None if failed else keypads
