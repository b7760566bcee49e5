"""Backups as the hall's timer takes them: a copy while the core serves, kept N days, restored after a bad day
and checked with `onewindow audit verify`."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from onewindow.cli import main
from onewindow.dispatch.backup import back_up
from tests.support.hall import serve
from tests.support.postgres import throwaway_cluster
from tests.support.process import CoreProcess


def _tickets(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT number FROM tickets ORDER BY number")]


def test_a_backup_taken_while_the_core_serves_restores_and_its_log_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db, backups = tmp_path / "core.sqlite", tmp_path / "backups"
    with CoreProcess(tmp_path, db=str(db)) as core:
        core.issue()
        core.issue()
        assert main(["backup", "--db", str(db), "--to", str(backups), "--keep-days", "7"]) == 0
        core.issue()  # after the backup: lost when the backup is put back
    made = capsys.readouterr().out.split(" to ")[-1].strip()
    assert Path(made).parent == backups and Path(made).name.startswith("core-")

    assert main(["restore", made, "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert f"restored {db} from {made}; the database it replaced is kept as {db}.before-restore-" in said
    assert _tickets(db) == ["A001", "A002"]
    kept = next(tmp_path.glob("core.sqlite.before-restore-*"))
    assert _tickets(kept) == ["A001", "A002", "A003"]
    assert main(["audit", "verify", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    with CoreProcess(tmp_path, db=str(db)) as core:  # the hall goes on from the backup
        assert core.issue()["number"] == "A003"


def test_copies_older_than_the_days_kept_are_removed_and_nothing_else(tmp_path: Path) -> None:
    db, backups = tmp_path / "core.sqlite", tmp_path / "backups"
    with CoreProcess(tmp_path, db=str(db)) as core:
        core.issue()
    backups.mkdir()
    for name in ["core-20260101-023000.sqlite", "core-20260110-023000.sqlite", "notes.txt", "core-old.sqlite"]:
        (backups / name).write_text("")
    made, removed = back_up(str(db), backups, keep_days=7, now=datetime(2026, 1, 15, 2, 30))
    assert made.name == "core-20260115-023000.sqlite" and _tickets(made) == ["A001"]
    assert [p.name for p in removed] == ["core-20260101-023000.sqlite"]
    assert sorted(p.name for p in backups.iterdir()) == [
        "core-20260110-023000.sqlite",
        "core-20260115-023000.sqlite",
        "core-old.sqlite",
        "notes.txt",
    ]


def test_what_cannot_be_backed_up_or_restored_is_said_plainly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["backup", "--db", "mysql://hall@localhost/hall", "--to", str(tmp_path)]) == 1
    assert "SQLite files and PostgreSQL databases, not mysql" in capsys.readouterr().err
    assert main(["backup", "--db", str(tmp_path / "none.sqlite"), "--to", str(tmp_path)]) == 1
    assert f"no database at {tmp_path / 'none.sqlite'}" in capsys.readouterr().err
    (tmp_path / "photo.sqlite").write_bytes(b"not a database at all")
    (tmp_path / "core.sqlite").write_bytes(b"the hall's")
    assert main(["restore", str(tmp_path / "photo.sqlite"), "--db", str(tmp_path / "core.sqlite")]) == 1
    assert "is not a onewindow database" in capsys.readouterr().err
    assert (tmp_path / "core.sqlite").read_bytes() == b"the hall's"


def _numbers(server: str, schema: str) -> list[str]:
    engine = create_engine(server)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(f"SELECT number FROM {schema}.tickets ORDER BY number")).scalars())
    finally:
        engine.dispose()


def _schemas(server: str) -> set[str]:
    engine = create_engine(server)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hall%'")).scalars())
    finally:
        engine.dispose()


def test_a_postgresql_hall_is_dumped_while_it_serves_damaged_restored_and_its_log_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    backups, key = tmp_path / "backups", tmp_path / "hall.audit-key"  # serve keeps a URL's key in its folder
    with throwaway_cluster() as server:
        east, west = f"{server}?schema=hall_east", f"{server}?schema=hall_west"
        (tmp_path / "west").mkdir()
        with serve(tmp_path / "west", db=west) as hall, hall.client("kiosk-1") as kiosk:
            kiosk.issue("general")  # another hall on the same server: not in this hall's dump, not touched
        with serve(tmp_path, db=east) as hall, hall.client("kiosk-1") as kiosk:
            kiosk.issue("general")
            kiosk.issue("general")
            assert main(["backup", "--db", east, "--to", str(backups), "--keep-days", "7"]) == 0
            kiosk.issue("general")  # after the backup: lost when it is put back
        made = capsys.readouterr().out.split(" to ")[-1].strip()
        assert Path(made).parent == backups and Path(made).suffix == ".pgdump"
        assert b"hall_west" not in Path(made).read_bytes()

        engine = create_engine(server)  # a bad day: the log edited, a table dropped
        with engine.begin() as conn:
            conn.execute(text("UPDATE hall_east.audit SET data = '{}' WHERE seq = 2"))
            conn.execute(text("DROP TABLE hall_east.ratings"))
        engine.dispose()
        assert main(["audit", "verify", "--db", east, "--audit-key", str(key)]) == 1
        capsys.readouterr()

        # a dump whose tables' data is spoilt lists its tables but fails half-way: the schema is left as it was
        spoilt = tmp_path / "core-spoilt.pgdump"
        whole = bytearray(Path(made).read_bytes())
        near_end = len(whole) * 97 // 100  # the tables' data, compressed, after the list of contents
        whole[near_end : near_end + 16] = bytes(16)
        spoilt.write_bytes(bytes(whole))
        assert main(["restore", str(spoilt), "--db", east, "--audit-key", str(key)]) == 1
        assert "pg_restore failed" in capsys.readouterr().err
        assert _numbers(server, "hall_east") == ["A001", "A002", "A003"]
        assert _schemas(server) == {"hall_east", "hall_west"}

        assert main(["restore", made, "--db", east, "--audit-key", str(key)]) == 0
        said = capsys.readouterr().out
        assert "the database it replaced is kept as the schema hall_east_before_restore_" in said
        assert _numbers(server, "hall_east") == ["A001", "A002"]
        kept = re.search(r"hall_east_before_restore_\d{8}_\d{6}", said)
        assert kept is not None and _numbers(server, kept[0]) == ["A001", "A002", "A003"]
        assert _numbers(server, "hall_west") == ["A001"]
        assert main(["audit", "verify", "--db", east, "--audit-key", str(key)]) == 0
        assert capsys.readouterr().out.startswith("ok: ")
        with serve(tmp_path, db=east) as hall, hall.client("kiosk-1") as kiosk:  # the hall goes on from the backup
            assert kiosk.issue("general")["number"] == "A003"

        (backups / "core-20200101-023000.pgdump").write_bytes(b"")  # older than the days kept
        assert main(["backup", "--db", east, "--to", str(backups), "--keep-days", "7"]) == 0
        assert "removed 1 older than 7 days" in capsys.readouterr().out
        assert main(["restore", str(backups / "notes.txt"), "--db", east]) == 1
        (backups / "notes.txt").write_text("not a dump")
        assert main(["restore", str(backups / "notes.txt"), "--db", east, "--audit-key", str(key)]) == 1
        assert "is not a backup of a onewindow database" in capsys.readouterr().err
        assert _numbers(server, "hall_east") == ["A001", "A002", "A003"]
