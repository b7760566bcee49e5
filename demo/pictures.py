"""The demo's pictures: the TV page, the kiosk's home screen, and one picture of the hall with the newest ticket.

The TV page comes from `onewindow display --snapshot` (the display's own renderer, run as a command); the kiosk's
home screen is drawn by the kiosk's own drawing code from the live hall, the way the kiosk process draws it
when nobody touches it; the hall picture puts both beside the newest printed ticket and the LED boards.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

KIOSK_SIZE = (1080, 1920)  # a portrait kiosk stand
TV_SIZE = (1920, 1080)
SNAPSHOT_TIMEOUT_S = 30.0

BACKDROP = (32, 36, 44)
LABEL = (196, 202, 212)
LED_OFF = (24, 10, 10)
LED_ON = (255, 64, 40)


def tv_snapshot(role: Path, out: Path, env: Mapping[str, str], log_to: Path) -> subprocess.Popen[bytes]:
    """Start `onewindow display --snapshot` for `role`; the caller waits (and may kill it when stopping)."""
    command = [sys.executable, "-m", "onewindow.cli", "display", "--config", str(role), "--snapshot", str(out)]
    command += ["--size", f"{TV_SIZE[0]}x{TV_SIZE[1]}"]
    with open(log_to, "ab") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=dict(env))


class KioskPicture:
    """The kiosk's home screen for a hall snapshot, drawn with the kiosk's own code on an off-screen surface."""

    def __init__(self, size: tuple[int, int] = KIOSK_SIZE):
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame  # here: the demo needs pygame only once it draws

        from onewindow.kiosk import draw

        self.pygame = pygame
        self.draw = draw
        self.type = draw.Type()
        self.surface = pygame.Surface(size)

    def save(self, snapshot: dict[str, Any], out: Path) -> None:
        from onewindow.kiosk import flow
        from onewindow.kiosk.texts import locale_of

        try:
            now = datetime.now(ZoneInfo(snapshot.get("timezone") or "Asia/Shanghai"))
        except (KeyError, ValueError):
            now = datetime.now().astimezone()
        scene = self.draw.Scene(
            view=flow.View(flow.HOME),
            hall_name=snapshot.get("name", ""),
            cards=flow.cards(snapshot),
            priority_offered=bool(snapshot.get("priority")),
            now=now,
        )
        self.draw.draw(self.surface, self.type, locale_of(snapshot), scene)
        self.pygame.image.save(self.surface, str(out))


def newest_ticket(folders: list[Path]) -> Path | None:
    """The PNG of the ticket printed last by any of the fake printers."""
    tickets = [p for folder in folders for p in folder.glob("*.png")]
    return max(tickets, key=lambda p: p.stat().st_mtime, default=None)


def hall_picture(
    tv: Path | None,
    kiosk: Path | None,
    ticket: Path | None,
    boards: Mapping[int, str],
    board_names: Mapping[int, str],
    out: Path,
    height: int = 720,
) -> None:
    """TV, kiosk and the newest ticket side by side, the LED boards underneath, labelled; written to `out`."""
    from PIL import Image, ImageDraw

    from onewindow.drivers.fonts import face

    gap = 24
    label_h = 40
    panels: list[tuple[str, Image.Image]] = []
    for title, path in (("TV display", tv), ("kiosk", kiosk), ("newest ticket", ticket)):
        if path is None or not path.exists():
            continue
        with Image.open(path) as image:
            picture = image.convert("RGB")
        width = round(picture.width * height / picture.height)
        panels.append((title, picture.resize((width, height), Image.Resampling.LANCZOS)))
    if not panels:
        return
    regular = face("zh-Hans")
    width = gap + sum(p.width + gap for _, p in panels)
    board_rows = _board_rows(boards, board_names, width - 2 * gap)
    led_h = (label_h + sum(row_h for row_h, _ in board_rows) + gap) if board_rows else 0
    canvas = Image.new("RGB", (width, gap + label_h + height + gap + led_h), BACKDROP)
    pen = ImageDraw.Draw(canvas)
    label_font = _font(regular.path, regular.index, 26)
    x = gap
    for title, picture in panels:
        pen.text((x, gap + 4), title, font=label_font, fill=LABEL)
        canvas.paste(picture, (x, gap + label_h))
        x += picture.width + gap
    if board_rows:
        y = gap + label_h + height + gap
        pen.text((gap, y + 4), "LED boards (what the display sent down the line)", font=label_font, fill=LABEL)
        y += label_h
        for row_h, cells in board_rows:
            for cell_x, cell_w, name, text in cells:
                _draw_board(pen, (gap + cell_x, y, cell_w, row_h - 12), name, text, regular.path, regular.index)
            y += row_h
    tmp = out.with_name(out.stem + ".tmp.png")
    canvas.save(tmp, compress_level=3)
    tmp.replace(out)


def _board_rows(
    boards: Mapping[int, str], names: Mapping[int, str], width: int
) -> list[tuple[int, list[tuple[int, int, str, str]]]]:
    """The boards laid out in rows: the main board across a row of its own, window boards in a grid."""
    if not boards:
        return []
    rows: list[tuple[int, list[tuple[int, int, str, str]]]] = []
    main = [a for a in boards if names.get(a) == "main board"]
    windows = sorted(a for a in boards if a not in main)
    for a in main:
        rows.append((92, [(0, width, names[a], boards[a])]))
    per_row = 13
    cell = (width - (per_row - 1) * 10) // per_row
    for start in range(0, len(windows), per_row):
        row = windows[start : start + per_row]
        cells = [(i * (cell + 10), cell, names.get(a, str(a)), boards[a]) for i, a in enumerate(row)]
        rows.append((84, cells))
    return rows


def _draw_board(pen: Any, box: tuple[int, int, int, int], name: str, text: str, font_path: Path, index: int) -> None:
    x, y, w, h = box
    pen.rectangle((x, y, x + w, y + h), fill=LED_OFF, outline=(70, 70, 76), width=2)
    small = _font(font_path, index, 16)
    pen.text((x + 6, y + 3), name.replace("window ", "#"), font=small, fill=(150, 150, 160))
    size = 34 if h > 70 else 28
    font = _font(font_path, index, size)
    while size > 12 and pen.textlength(text, font=font) > w - 12:
        size -= 2
        font = _font(font_path, index, size)
    pen.text((x + w / 2, y + h / 2 + 8), text, font=font, fill=LED_ON, anchor="mm")


_fonts: dict[tuple[str, int, int], Any] = {}


def _font(path: Path, index: int, size: int) -> Any:
    from PIL import ImageFont

    key = (str(path), index, size)
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(str(path), size, index=index)
    return _fonts[key]
