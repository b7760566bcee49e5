"""The `[printer]` types: each names the backend module that reads its own keys and makes its link.

A backend module is imported only when a file names its type, and imports its hardware library only when the
printer is opened, so checking a file never needs escpos or pyusb.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from onewindow.configfile import Table

from .link import Link

# type -> the module of this package that declares it (as BACKEND)
MODULES = {"usb": "usb", "serial": "serial", "network": "network", "file": "file", "fake": "fake"}
TYPES = tuple(MODULES)


class Common(Protocol):
    """The common `[printer]` keys a link is made with (PrinterSettings has them)."""

    @property
    def timeout_s(self) -> float: ...

    @property
    def dots(self) -> int: ...


@dataclass(frozen=True)
class Backend:
    """What one type declares: the reader of its own keys and how to make its link from what that read."""

    read_options: Callable[[Table], Any]  # the type's options, or None when the table has errors
    link: Callable[[Any, Common], Link]  # (its options, the common keys) -> a link, opening nothing yet
    band_pause_ms: int = 0  # the default pause between raster bands, for printers whose buffer overruns


def backend(kind: str) -> Backend:
    """The backend of a known `type` (one of TYPES)."""
    declared: Backend = importlib.import_module(f"{__package__}.{MODULES[kind]}").BACKEND
    return declared
