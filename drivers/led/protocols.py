"""Which LED board protocols exist; each is a module of this package with `encode(address, text) -> bytes`.

A new vendor's board is one new module here (`<name>.py` with its `encode`) and its name in PROTOCOLS.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

Encoder = Callable[[int, str], bytes]

PROTOCOLS: tuple[str, ...] = ("soh",)


def encoder(name: str) -> Encoder:
    """The frame builder of protocol `name`; ValueError for a name nobody wrote a module for."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown LED board protocol {name!r} (known: {', '.join(PROTOCOLS)})")
    module = importlib.import_module(f"{__package__}.{name}")
    encode: Encoder = module.encode
    return encode
