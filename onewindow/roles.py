"""The device roles by name, for the commands that read any role file: the tables that tell a file's role, and
where each role's reader lives."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .configfile import ConfigFile
from .rolefile import RoleConfig, read_role

# Each role's own tables are read by `read_settings(file: ConfigFile) -> settings | None` in its package,
# imported only when needed so that checking a file never needs pygame, escpos or evdev.
ROLE_READERS = {
    "kiosk": "onewindow.kiosk.settings",
    "display": "onewindow.display.settings",
    "caller": "onewindow.caller.settings",
}
# The tables that tell which role a file is for, when a technician checks it on its own.
ROLE_TABLES = {
    "kiosk": ("printer", "kiosk"),
    "display": ("led", "voice", "display"),
    "caller": ("keypad", "bus", "keymap", "caller"),
}


def reader_of(role: str) -> Callable[[ConfigFile], Any]:
    """The `read_settings` of a role's package, imported now."""
    reader: Callable[[ConfigFile], Any] = importlib.import_module(ROLE_READERS[role]).read_settings
    return reader


def guess_role(file: ConfigFile) -> str | None:
    found = [role for role, tables in ROLE_TABLES.items() if any(t in file.data for t in tables)]
    return found[0] if len(found) == 1 else None


def read_any_role(file: ConfigFile) -> RoleConfig | None:
    """Read a role file of whichever role its tables tell (`check-config`); errors collect on `file`."""
    if not file.valid_toml:
        return None
    role = guess_role(file)
    if role is None:
        present = [r for r, tables in ROLE_TABLES.items() if any(t in file.data for t in tables)]
        if present:
            file.error(None, "", f"mixes the tables of the {' and '.join(present)} roles: one process, one role file")
        else:
            file.error(
                None,
                "",
                "cannot tell which role this file is for: a kiosk has [printer], a display "
                "[[led]] or [voice] or [display], a caller [[keypad]] or [[bus]]",
            )
        return None
    return read_role(file, role, reader_of(role))
