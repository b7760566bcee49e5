"""The `[printer]` table of a kiosk's role file: common keys here, each `type`'s own keys in its module."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.configfile import Table

from .backends import TYPES, backend

MODES = ("raster", "gb18030")
CUTS = ("full", "partial")


@dataclass(frozen=True)
class PrinterSettings:
    """How to reach one ticket printer and how to print on it."""

    type: str
    connection: object  # the options of this type's backend (UsbOptions, NetworkOptions, …), read by its module
    mode: str = "raster"  # raster: drawn with a CJK font; gb18030: the printer's own Chinese font
    dots: int = 576  # printable width: 576 for 80 mm paper, 384 for 58 mm
    cut: str = "full"
    timeout_s: float = 5.0  # opening the printer and writing to it
    status_timeout_s: float = 0.5  # waiting for the answer to one status query
    band_pause_ms: int = 0  # pause between raster bands, for printers whose buffer overruns (USB default 20)


def read_printer(t: Table) -> PrinterSettings | None:
    """Read a `[printer]` table; errors collect on its file, None when any was found."""
    kind = t.str("type", choices=TYPES)
    mode = t.str("mode", "raster", choices=MODES)
    dots = t.int("dots", 576, minval=128, maxval=832)
    if dots is not None and dots % 8:
        t.error("dots", f"{dots} is not allowed (a multiple of 8: 576 for 80 mm paper, 384 for 58 mm)")
        dots = None
    cut = t.str("cut", "full", choices=CUTS)
    timeout_s = t.float("timeout_s", 5.0, minval=0.5, maxval=60)
    status_timeout_s = t.float("status_timeout_s", 0.5, minval=0.05, maxval=5)
    chosen = backend(kind) if kind is not None else None
    band_pause_ms = t.int("band_pause_ms", chosen.band_pause_ms if chosen is not None else 0, minval=0, maxval=500)
    connection = chosen.read_options(t) if chosen is not None else None
    if kind is None:
        # without a known type the other keys cannot be judged; do not also call them unknown
        t.finish(ignore=t.data.keys())
    else:
        t.finish()
    if connection is None or not t.ok or None in (mode, dots, cut, timeout_s, status_timeout_s, band_pause_ms):
        return None
    return PrinterSettings(
        type=kind,
        connection=connection,
        mode=mode,
        dots=dots,
        cut=cut,
        timeout_s=timeout_s,
        status_timeout_s=status_timeout_s,
        band_pause_ms=band_pause_ms,
    )
