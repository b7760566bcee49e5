"""ESC/POS commands and status bytes as pure functions, the only place that knows their byte values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Paper = Literal["ok", "near_end", "out", "unknown"]

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
LF = b"\n"

INITIALIZE = b"\x1b\x40"  # ESC @
CHINESE_ON = b"\x1c\x26"  # FS &
CHINESE_OFF = b"\x1c\x2e"  # FS .

# DLE EOT n: 1 printer, 2 offline cause, 4 paper roll sensor.
QUERY_PRINTER = b"\x10\x04\x01"
QUERY_OFFLINE_CAUSE = b"\x10\x04\x02"
QUERY_PAPER = b"\x10\x04\x04"

_ALIGN = {"left": 0, "center": 1, "right": 2}
_CUT = {"full": 0, "partial": 1}


def align(where: str) -> bytes:
    """ESC a n: justify the following lines (and native QR codes)."""
    return bytes((ESC, 0x61, _ALIGN[where]))


def bold(on: bool) -> bytes:
    """ESC E n."""
    return bytes((ESC, 0x45, 1 if on else 0))


def char_size(width: int, height: int) -> bytes:
    """GS ! n: character width and height multipliers, 1 to 8 each."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("character multipliers are 1 to 8")
    return bytes((GS, 0x21, ((width - 1) << 4) | (height - 1)))


def feed_lines(n: int) -> bytes:
    """ESC d n: print the buffer and feed n lines."""
    if not 0 <= n <= 255:
        raise ValueError("ESC d feeds 0 to 255 lines")
    return bytes((ESC, 0x64, n))


def feed_dots(n: int) -> bytes:
    """ESC J n: print the buffer and feed n dots (one motion unit is one dot on 203 dpi printers)."""
    if not 0 <= n <= 255:
        raise ValueError("ESC J feeds 0 to 255 dots")
    return bytes((ESC, 0x4A, n))


def cut(kind: str = "full") -> bytes:
    """GS V m: cut at the current position, m = 0 full, 1 partial (one point left uncut)."""
    return bytes((GS, 0x56, _CUT[kind]))


def feed_and_cut(kind: str = "full", dots: int = 0) -> bytes:
    """GS V m n (function B): feed the paper to the cutter plus `dots`, then cut (m 65 full, 66 partial).

    The printer knows how far its own cutter is from the head, so the ticket ends right under its last line:
    a fixed feed (ESC d) long enough for every model leaves a blank tail on most of them."""
    if not 0 <= dots <= 255:
        raise ValueError("GS V feeds 0 to 255 dots before the cut")
    return bytes((GS, 0x56, 65 + _CUT[kind], dots))


def raster(width_bytes: int, rows: bytes) -> bytes:
    """GS v 0 m=0: one raster band, `rows` packed 8 dots a byte, most significant bit left, 1 = black."""
    if width_bytes <= 0 or len(rows) % width_bytes:
        raise ValueError("raster rows must be whole rows of width_bytes bytes")
    height = len(rows) // width_bytes
    if not (1 <= width_bytes <= 0xFFFF and 1 <= height <= 0xFFFF):
        raise ValueError("raster band out of range")
    return bytes((GS, 0x76, 0x30, 0, width_bytes & 0xFF, width_bytes >> 8, height & 0xFF, height >> 8)) + rows


def _qr_function(fn: int, payload: bytes) -> bytes:
    """GS ( k pL pH cn=49 fn …: one QR code function; p counts cn, fn and the payload."""
    size = len(payload) + 2
    return bytes((GS, 0x28, 0x6B, size & 0xFF, size >> 8, 0x31, fn)) + payload


QR_ERROR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}


def qr_native(text: str, module_dots: int = 6, error: str = "M") -> bytes:
    """GS ( k model 2: select the model, module size and error level, store the text, then print it."""
    data = text.encode("utf-8")
    if not 1 <= module_dots <= 16:
        raise ValueError("QR module size is 1 to 16 dots")
    if not 1 <= len(data) <= 7089:
        raise ValueError("QR text too long")
    return (
        _qr_function(0x41, b"\x32\x00")  # fn 65: model 2
        + _qr_function(0x43, bytes((module_dots,)))  # fn 67: module size
        + _qr_function(0x45, bytes((QR_ERROR_LEVELS[error],)))  # fn 69: error correction
        + _qr_function(0x50, b"\x30" + data)  # fn 80: store
        + _qr_function(0x51, b"\x30")  # fn 81: print
    )


# --- status answers --------------------------------------------------------------------------------------


def is_status_byte(b: int) -> bool:
    """Real-time status bytes have bit 1 and bit 4 set and bits 0 and 7 clear (Epson ESC/POS manual).

    Anything else is not an answer to DLE EOT (a stale byte, an automatic status, noise) and is not trusted.
    """
    return b & 0x93 == 0x12


def printer_online(b: int) -> bool | None:
    """DLE EOT 1: bit 3 set means offline; None when the byte is not a status byte."""
    if not is_status_byte(b):
        return None
    return not b & 0x08


@dataclass(frozen=True)
class OfflineCause:
    """DLE EOT 2: why the printer went offline."""

    cover_open: bool
    feed_button: bool
    stopped_for_paper: bool
    error: bool


def offline_cause(b: int) -> OfflineCause | None:
    if not is_status_byte(b):
        return None
    return OfflineCause(
        cover_open=bool(b & 0x04), feed_button=bool(b & 0x08), stopped_for_paper=bool(b & 0x20), error=bool(b & 0x40)
    )


def paper_state(b: int) -> Paper:
    """DLE EOT 4: bits 5-6 paper out, bits 2-3 near end; e.g. 0x12 ok, 0x1E near end, 0x72 out."""
    if not is_status_byte(b):
        return "unknown"
    if b & 0x60:
        return "out"
    if b & 0x0C:
        return "near_end"
    return "ok"
