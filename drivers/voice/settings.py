"""The `[voice]` table of a display's role file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from onewindow.config import ROOT as SHIPPED_ROOT
from onewindow.configfile import Table, show


@dataclass(frozen=True)
class VoiceSettings:
    enabled: bool = True
    clips: Path | None = None  # None: the shipped set for the hall's locale
    repeat: int = 1  # times each call is spoken; halls often use 2
    volume: float = 1.0
    chime: bool = True  # a ding-dong before each announcement
    max_age_s: float = 10.0  # calls older than this when their turn comes are not spoken


def read_voice(table: Table | None) -> VoiceSettings | None:
    """Settings from `[voice]`, or None when the table has errors (they are collected on its file).
    A role file without `[voice]` announces nothing: a Pi without a speaker needs no table."""
    if table is None:
        return VoiceSettings(enabled=False)
    enabled = table.bool("enabled", True)
    clips_text = table.str("clips", None)
    repeat = table.int("repeat", 1, minval=1, maxval=3)
    volume = table.float("volume", 1.0, minval=0.0, maxval=1.0)
    chime = table.bool("chime", True)
    max_age_s = table.float("max_age_s", 10.0, minval=1.0, maxval=600.0)
    table.finish()
    clips = _clip_folder(table, clips_text) if clips_text is not None else None
    if not table.ok:
        return None
    return VoiceSettings(enabled=enabled, clips=clips, repeat=repeat, volume=volume, chime=chime, max_age_s=max_age_s)


def _clip_folder(table: Table, text: str) -> Path | None:
    """A relative folder is looked for beside the role file, then among onewindow's shipped files, so that
    `clips = "config/voice/zh-Hans"` works from any role file, in a checkout as in an installed package."""
    given = Path(text).expanduser()
    candidates = [given] if given.is_absolute() else [table.file.path.parent / given, SHIPPED_ROOT / given]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
        if candidate.exists():
            table.error("clips", f"{show(text)} is not a folder (a folder of .wav clips, see config/voice/README.md)")
            return None
    looked = " or ".join(str(c) for c in candidates)
    table.error(
        "clips",
        f"folder {show(text)} not found (looked for {looked}; allowed: a folder of .wav "
        f"clips, relative to the role file or to onewindow's shipped files)",
    )
    return None
