"""What a printed slip looks like, as plain data: blocks of text, a QR code, rules, feeds and cuts.

Printers get a `TicketLayout` and turn it into bytes (raster or GB18030 text); they know nothing of tickets,
windows or queues beyond these blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Size = Literal["normal", "large", "huge"]
Align = Literal["left", "center", "right"]

SIZES: tuple[Size, ...] = ("normal", "large", "huge")
ALIGNS: tuple[Align, ...] = ("left", "center", "right")
# Glyph forms differ between Simplified and Traditional Chinese (and Japanese) for the same code point,
# so a layout says which written language its text is in.
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


@dataclass(frozen=True)
class Text:
    """One paragraph; the encoder wraps it to the paper width. A newline starts a new line."""

    text: str
    size: Size = "normal"
    align: Align = "center"
    bold: bool = False

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size {self.size!r} is not one of {SIZES}")
        if self.align not in ALIGNS:
            raise ValueError(f"align {self.align!r} is not one of {ALIGNS}")


@dataclass(frozen=True)
class QR:
    """A QR code (model 2, error correction M) holding `url`, centred."""

    url: str

    def __post_init__(self) -> None:
        if not self.url or len(self.url.encode("utf-8")) > 600:
            raise ValueError("a QR code needs 1 to 600 bytes of text")


@dataclass(frozen=True)
class Rule:
    """A thin horizontal line across the paper."""


@dataclass(frozen=True)
class Feed:
    """`lines` empty lines of the normal text height."""

    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 20:
            raise ValueError("feed 0 to 20 lines")


@dataclass(frozen=True)
class Cut:
    """Feed the printed part past the cutter and cut (full or partial, as the printer is configured)."""


Block = Text | QR | Rule | Feed | Cut


@dataclass(frozen=True)
class TicketLayout:
    """The blocks of one or more slips, top to bottom, and the language their text is written in.

    Encoders always end with a cut, so a layout need not end with `Cut()`.
    """

    blocks: tuple[Block, ...]
    language: str = "zh-Hans"

    def __init__(self, blocks: Iterable[Block], language: str = "zh-Hans"):
        object.__setattr__(self, "blocks", tuple(blocks))
        object.__setattr__(self, "language", language)
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not one of {LANGUAGES}")
        for block in self.blocks:
            if not isinstance(block, Text | QR | Rule | Feed | Cut):
                raise TypeError(f"{block!r} is not a layout block")

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    def __len__(self) -> int:
        return len(self.blocks)

    def slips(self) -> list[list[Block]]:
        """The blocks between cuts, one list per slip; a trailing cut is implied, empty slips are dropped."""
        out: list[list[Block]] = [[]]
        for block in self.blocks:
            if isinstance(block, Cut):
                out.append([])
            else:
                out[-1].append(block)
        return [slip for slip in out if slip]

    def texts(self) -> list[str]:
        """Every text block's text, in order: what a person should be able to read on the slip."""
        return [b.text for b in self.blocks if isinstance(b, Text)]
