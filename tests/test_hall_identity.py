"""A database knows its hall: the core started with another hall's file refuses at once, in plain words, instead of
answering 500 later; a renamed hall says so once with `onewindow rename-hall`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from onewindow.cli import main
from onewindow.dispatch.store import OtherHall, Store
from tests.support.hall import write_hall
from tests.support.process import CoreProcess, free_port


def _hall(folder: Path, name: str) -> Path:
    folder.mkdir()
    path = write_hall(folder)
    path.write_text(path.read_text(encoding="utf-8").replace('name = "测试大厅"', f'name = "{name}"', 1), "utf-8")
    return path


def _core(hall: Path, db: Path) -> int:
    return main(["core", "--config", str(hall), "--db", str(db), "--host", "127.0.0.1", "--port", str(free_port())])


def test_a_second_halls_core_refuses_the_first_halls_database(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    east, west = _hall(tmp_path / "east", "东城大厅"), _hall(tmp_path / "west", "西城大厅")
    db = tmp_path / "core.sqlite"
    with CoreProcess(tmp_path / "east", db=str(db), hall=east) as core:
        core.issue()
    hall_id = Store(str(db)).meta_value("hall_id")

    assert _core(west, db) == 1
    message = capsys.readouterr().err
    assert message.startswith(f'onewindow core: the database {db} belongs to the hall "东城大厅" (id {hall_id}, ')
    assert f'not to "西城大厅" of {west}' in message
    assert f"onewindow rename-hall --config {west} --db {db}" in message
    assert "Traceback" not in message
    # nothing was written for the other hall: the first hall's core starts on its database as before
    with CoreProcess(tmp_path / "east", db=str(db), hall=east) as core:
        assert core.issue()["number"] == "A002"


def test_the_hall_is_recorded_at_the_first_start_and_keeps_its_id(tmp_path: Path) -> None:
    db = str(tmp_path / "core.sqlite")
    store = Store(db)
    created = store.meta_value("hall_id")
    assert created and store.meta_value("hall_name") is None
    assert store.claim("东城大厅", "/etc/onewindow/hall.toml") == created
    again = Store(db)
    assert again.claim("东城大厅", "/somewhere/else/hall.toml") == created
    with pytest.raises(OtherHall):
        again.claim("西城大厅", "/etc/onewindow/hall.toml")


def test_a_database_from_before_halls_were_recorded_is_adopted_by_its_first_core(tmp_path: Path) -> None:
    db = tmp_path / "core.sqlite"
    Store(str(db))
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'hall_%'")
    hall_id = Store(str(db)).claim("东城大厅", "hall.toml")
    assert hall_id and Store(str(db)).meta_value("hall_name") == "东城大厅"
    with pytest.raises(OtherHall):
        Store(str(db)).claim("西城大厅", "hall.toml")


def test_a_renamed_hall_records_its_new_name_once(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "core.sqlite"
    old = Store(str(db))
    hall_id = old.claim("某县人社服务大厅", "hall.toml")
    renamed = _hall(tmp_path / "renamed", "某县政务服务中心人社分厅")

    assert main(["rename-hall", "--config", str(renamed), "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == (
        f'the database {db} now belongs to the hall "某县政务服务中心人社分厅" (it was "某县人社服务大厅")'
    )
    assert Store(str(db)).claim("某县政务服务中心人社分厅", str(renamed)) == hall_id
    assert main(["rename-hall", "--config", str(renamed), "--db", str(tmp_path / "none.sqlite")]) == 1
