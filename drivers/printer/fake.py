"""Backend `fake`: a printer in a folder, for the demo and tests. Each ticket is saved as `<n>.bin` (the exact
bytes) and `<n>.png` (drawn from those bytes by the preview renderer).

It answers status queries like a real printer, from small files a person or a test can write:
`paper` (ok, near_end or out), `online` (yes or no: offline with the cover open), and `away` (present: the
printer is unplugged). Without them it is online with paper, or as the constructor says.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import commands
from .backends import Backend, Common
from .link import LinkAway, LinkLost

if TYPE_CHECKING:
    from onewindow.configfile import Table


log = logging.getLogger(__name__)

# what a real printer answers to DLE EOT 1, 2 and 4
PRINTER_ONLINE, PRINTER_OFFLINE = 0x12, 0x1A
CAUSE_NONE, CAUSE_COVER_OPEN = 0x12, 0x16
PAPER_BYTES = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}
PAPER_STATES = tuple(PAPER_BYTES)


@dataclass(frozen=True)
class FakeOptions:
    folder: str
    paper: str = "ok"


def read_options(t: Table) -> FakeOptions | None:
    folder = t.str("folder", max_length=300)
    paper = t.str("paper", "ok", choices=PAPER_STATES)
    if folder is None or paper is None:
        return None
    return FakeOptions(folder=folder, paper=paper)


class FakeLink:
    """Keeps the bytes of the current ticket; `end_job` saves them and their picture."""

    answers = True

    def __init__(self, options: FakeOptions, settings: Common):
        self.folder = Path(options.folder)
        self.paper = options.paper
        self.online = True
        self.dots = settings.dots
        self.where = str(self.folder)
        self._open = False
        self._job = bytearray()
        self._answers = bytearray()
        self.saved: list[Path] = []

    def _state(self, name: str) -> str | None:
        try:
            return (self.folder / name).read_text(encoding="utf-8").strip().lower() or None
        except OSError:
            return None

    def paper_now(self) -> str:
        state = self._state("paper")
        return state if state in PAPER_STATES else self.paper

    def online_now(self) -> bool:
        state = self._state("online")
        return self.online if state is None else state not in ("no", "false", "offline", "0")

    def open(self) -> None:
        if (self.folder / "away").exists():
            raise LinkAway(f"{self.folder}/away says the printer is unplugged")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LinkAway(f"cannot use {self.folder}: {exc.strerror}") from exc
        self._open = True

    def _check(self) -> None:
        if not self._open:
            raise LinkLost("not open")
        if (self.folder / "away").exists():
            self._open = False
            raise LinkLost(f"{self.folder}/away says the printer was unplugged")

    def write(self, data: bytes) -> None:
        self._check()
        # status queries come as writes of their own, never inside a ticket
        if data == commands.QUERY_PRINTER:
            self._answers.append(PRINTER_ONLINE if self.online_now() else PRINTER_OFFLINE)
        elif data == commands.QUERY_OFFLINE_CAUSE:
            self._answers.append(CAUSE_NONE if self.online_now() else CAUSE_COVER_OPEN)
        elif data == commands.QUERY_PAPER:
            self._answers.append(PAPER_BYTES[self.paper_now()])
        else:
            self._job += data

    def read(self, size: int, timeout_s: float) -> bytes:
        self._check()
        answer = bytes(self._answers[:size])
        del self._answers[:size]
        return answer

    def discard_input(self) -> None:
        self._check()
        self._answers.clear()

    def next_number(self) -> int:
        numbers = [int(m.group(1)) for p in self.folder.glob("*.bin") if (m := re.fullmatch(r"(\d+)\.bin", p.name))]
        return max(numbers, default=0) + 1

    def end_job(self) -> None:
        from .preview import render

        self._check()
        data, self._job = bytes(self._job), bytearray()
        n = self.next_number()
        raw = self.folder / f"{n}.bin"
        try:
            raw.write_bytes(data)
            render(data, self.dots).image.save(self.folder / f"{n}.png")
        except OSError as exc:
            raise LinkLost(f"cannot save the ticket in {self.folder}: {exc.strerror}") from exc
        self.saved.append(raw)
        log.info("fake printer saved %s", raw)

    def close(self) -> None:
        self._open = False
        self._job.clear()
        self._answers.clear()


BACKEND = Backend(read_options=read_options, link=FakeLink)
