"""Copies of the core's SQLite database taken while the core runs (SQLite's online backup), kept N days, put back."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

NAME = "core-{:%Y%m%d-%H%M%S}.sqlite"
TAKEN = re.compile(r"^core-(\d{8}-\d{6})\.sqlite$")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the technician."""


def sqlite_file(db: str) -> Path:
    """The file behind `db`, which must be SQLite."""
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///"))
    if "://" in db:
        raise BackupError(
            "only a SQLite database is backed up by onewindow: back PostgreSQL up with its own pg_dump "
            "(see docs/deployment.md)"
        )
    return Path(db)


def copy(source: Path, target: Path) -> None:
    """A consistent copy, page by page, even while the core writes (its WAL included); checked before it counts."""
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the core's WAL mode: a copy to carry away
            problem = dst.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source} to {target}: {exc}") from exc
    if problem != "ok":
        raise BackupError(f"the copy of {source} is damaged: {problem}")


def taken_at(path: Path) -> datetime | None:
    match = TAKEN.match(path.name)
    return datetime.strptime(match[1], "%Y%m%d-%H%M%S") if match else None


def back_up(db: str, folder: Path, keep_days: int, now: datetime) -> tuple[Path, list[Path]]:
    """Copy the database into `folder` as core-DATE-TIME.sqlite and remove the copies older than `keep_days`;
    returns the new copy and the removed ones. Other files in the folder are left alone."""
    source = sqlite_file(db)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / NAME.format(now)
    partial = target.with_name(target.name + ".partial")  # never mistaken for a backup if the copy stops half-way
    partial.unlink(missing_ok=True)
    copy(source, partial)
    partial.replace(target)
    oldest = now - timedelta(days=keep_days)
    removed = sorted(p for p in folder.iterdir() if (taken := taken_at(p)) is not None and taken < oldest)
    for path in removed:
        path.unlink()
    return target, removed


def restore(backup: Path, db: str, now: datetime) -> Path | None:
    """Put `backup` in place of the database (the core stopped); the database it replaces is kept beside it,
    and that copy's path returned."""
    target = sqlite_file(db)
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    try:
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as conn:
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"{backup} is not a onewindow database: {exc}") from exc
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        copy(target, kept)
    copy(backup, target)
    return kept
