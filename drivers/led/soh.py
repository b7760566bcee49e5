"""LED board protocol `soh`: one frame `01 <address> <text in GB2312> 07` per board update."""

from __future__ import annotations

START = 0x01
END = 0x07
# A white square is in GB2312 (A1 F5) and every board font we know of; it reads as "a character is
# missing here" rather than passing for content the way "?" would.
REPLACEMENT = "□"


def encode(address: int, text: str) -> bytes:
    """The frame that makes the board at `address` show `text`, e.g. (3, "A001") -> 01 03 41 30 30 31 07."""
    if not 0 <= address <= 255:
        raise ValueError(f"LED board address {address} is not a byte (0 to 255)")
    return bytes([START, address]) + text_bytes(text) + bytes([END])


def text_bytes(text: str) -> bytes:
    """`text` in GB2312; characters GB2312 lacks become REPLACEMENT, control characters a space."""
    out = bytearray()
    for ch in text:
        # a 01 or 07 inside the text would start or end a frame early, so no control byte gets through
        if ch < " " or ch == "\x7f":
            ch = " "
        try:
            out += ch.encode("gb2312")
        except UnicodeEncodeError:
            out += REPLACEMENT.encode("gb2312")
    return bytes(out)
