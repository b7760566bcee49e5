"""Copies of the core's database taken while the core runs, kept N days, put back: SQLite's online backup for a
SQLite file, pg_dump of the hall's own schema for PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .store import StoreError, engine_for, hall_schema

NAME = "core-{:%Y%m%d-%H%M%S}.sqlite"
DUMP_NAME = "core-{:%Y%m%d-%H%M%S}.pgdump"
TAKEN = re.compile(r"^core-(\d{8}-\d{6})\.(sqlite|pgdump)$")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the technician."""


def sqlite_file(db: str) -> Path:
    """The file behind `db`, which must be SQLite."""
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///"))
    if "://" in db:
        raise BackupError(f"onewindow backs up SQLite files and PostgreSQL databases, not {db.split(':', 1)[0]}")
    return Path(db)


def on_postgresql(db: str) -> bool:
    return db.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


@dataclass(frozen=True)
class Server:
    """A hall on a PostgreSQL server as pg_dump and pg_restore reach it: libpq's URL (its password given apart, so
    that no process list shows it) and the hall's schema (`public` when the URL names none)."""

    db: str
    url: str
    password: str | None
    schema: str

    @classmethod
    def of(cls, db: str) -> Server:
        try:
            plain, schema = hall_schema(db)
            url = make_url(plain)
        except (StoreError, ValueError) as exc:
            raise BackupError(str(exc)) from exc
        libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        return cls(db, libpq, url.password if isinstance(url.password, str) else None, schema or "public")

    def run(self, tool: str, *args: str) -> str:
        """Run pg_dump or pg_restore against the hall's database; its output, or BackupError with its complaint."""
        env = {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}
        try:
            done = subprocess.run(
                [_program(tool), *args, f"--dbname={self.url}"], env=env, capture_output=True, text=True, timeout=3600
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackupError(f"{tool} could not run: {exc}") from exc
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if "error:" in line] or done.stderr.splitlines()
            raise BackupError(f"{tool} failed: {said[0].strip() if said else f'exit status {done.returncode}'}")
        return done.stdout


def _program(tool: str) -> str:
    """Debian's wrapper on the PATH (postgresql-client), else the newest server's own."""
    found = shutil.which(tool) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))[::-1]), None)
    if found is None:
        raise BackupError(f"{tool} is not installed: install Debian's postgresql-client")
    return str(found)


def dumped_schemas(dump: Path) -> set[str]:
    """The schemas whose tables a pg_dump archive holds; BackupError when it is none of onewindow's."""
    try:
        listing = subprocess.run([_program("pg_restore"), "--list", str(dump)], capture_output=True, text=True)
    except OSError as exc:
        raise BackupError(f"pg_restore could not run: {exc}") from exc
    # a table's line: "215; 1259 16390 TABLE hall_a meta hall"
    tables = re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", listing.stdout, re.MULTILINE)
    if listing.returncode != 0 or not any(name == "meta" for _, name in tables):
        raise BackupError(f"{dump} is not a backup of a onewindow database")
    return {schema for schema, _ in tables}


def dump(db: str, target: Path) -> None:
    """pg_dump of the hall's own schema alone (the other halls on the server are theirs to back up), in pg_dump's
    custom format, checked to list the hall's tables before it counts."""
    server = Server.of(db)
    server.run("pg_dump", "--format=custom", f"--schema={server.schema}", "--no-owner", f"--file={target}")
    if dumped_schemas(target) != {server.schema}:
        raise BackupError(f"the dump of {db} does not hold the schema {server.schema}")


def restore_dump(dump: Path, db: str, now: datetime) -> str | None:
    """Put a pg_dump archive in place of the hall's schema (the core stopped): the schema it replaces is renamed
    and kept, and its new name returned; the restore is one transaction, so a failure leaves the kept one."""
    server = Server.of(db)
    schemas = dumped_schemas(dump)
    if schemas != {server.schema}:
        raise BackupError(f"{dump} holds the schema {', '.join(sorted(schemas))}, not {server.schema} of {db}")
    kept = f"{server.schema}_before_restore_{now:%Y%m%d_%H%M%S}"[:63]
    engine = engine_for(db)
    try:
        with engine.begin() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": server.schema}).first()
            if found is not None:
                conn.execute(text(f'ALTER SCHEMA "{server.schema}" RENAME TO "{kept}"'))
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot set the schema {server.schema} aside: {exc}") from exc
    finally:
        engine.dispose()
    try:
        server.run("pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", str(dump))
    except BackupError:
        _put_back(db, server.schema, kept if found is not None else None)
        raise
    return f"the schema {kept}" if found is not None else None


def _put_back(db: str, schema: str, kept: str | None) -> None:
    """After a failed restore: the hall's schema as it was."""
    engine = engine_for(db)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if kept is not None:
                conn.execute(text(f'ALTER SCHEMA "{kept}" RENAME TO "{schema}"'))
    finally:
        engine.dispose()


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
    returns the new copy and the removed ones. Other files in the folder are left alone. A PostgreSQL hall is
    dumped (pg_dump, its own schema) as core-DATE-TIME.pgdump, kept the same way."""
    folder.mkdir(parents=True, exist_ok=True)
    if on_postgresql(db):
        target = folder / DUMP_NAME.format(now)
        partial = target.with_name(target.name + ".partial")  # never mistaken for a backup if it stops half-way
        partial.unlink(missing_ok=True)
        dump(db, partial)
    else:
        source = sqlite_file(db)
        if not source.is_file():
            raise BackupError(f"no database at {source}")
        target = folder / NAME.format(now)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        copy(source, partial)
    partial.replace(target)
    oldest = now - timedelta(days=keep_days)
    removed = sorted(p for p in folder.iterdir() if (taken := taken_at(p)) is not None and taken < oldest)
    for path in removed:
        path.unlink()
    return target, removed


def restore(backup: Path, db: str, now: datetime) -> Path | str | None:
    """Put `backup` in place of the database (the core stopped); the database it replaces is kept beside it (a
    PostgreSQL hall's schema under another name), and what it is kept as returned."""
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    if on_postgresql(db):
        return restore_dump(backup, db, now)
    target = sqlite_file(db)
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
