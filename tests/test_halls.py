"""Several halls: one PostgreSQL schema per hall on one server, each core seeing only its own hall, and the city
report over the halls' databases (SQLite files or PostgreSQL schemas) with each row's hall first."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from onewindow.cli import main
from onewindow.dispatch.store import Store, StoreError
from onewindow.hallfile import load_hall
from tests.support.hall import Clock, basic, raw_request, serve, write_hall
from tests.support.postgres import throwaway_cluster
from tests.support.workload import D1, D3, EXPECTED, START, row, three_days

EAST, WEST = "东城大厅", "西城大厅"


@pytest.fixture
def postgres():
    with throwaway_cluster() as url:
        yield url


def hall_file(folder: Path, name: str) -> Path:
    folder.mkdir()
    path = write_hall(folder)
    path.write_text(path.read_text(encoding="utf-8").replace('name = "测试大厅"', f'name = "{name}"', 1), "utf-8")
    return path


def two_halls(tmp_path: Path, east_db: str, west_db: str) -> None:
    """The east hall lives the three known days; the west hall issues one ticket and calls nobody."""
    for name, db in ((EAST, east_db), (WEST, west_db)):
        path = hall_file(tmp_path / name, name)
        with serve(tmp_path / name, clock=Clock(START), db=db, config=load_hall(path)) as hall:
            hall.core.store.claim(name, str(path))
            if name == EAST:
                three_days(hall)
            else:
                with hall.client("kiosk-1") as kiosk:
                    kiosk.issue("card")


def city(tmp_path: Path, kind: str, out_format: str, *databases: str) -> bytes:
    out = tmp_path / f"city.{out_format}"
    args = ["report", "--kind", kind, "--from", D1, "--to", D3, "--format", out_format, "--out", str(out)]
    assert main([*args, *databases]) == 0
    return out.read_bytes()


# west: E001 issued at 08:50 on the first day with nobody signed in (so for no window), still waiting
WEST_SERVICES = [{"hall": WEST, **row(("service", "card"), ("name", "社保卡业务"), issued=1)}]


def test_the_city_report_over_two_sqlite_halls_gives_their_rows_with_the_hall_first(tmp_path):
    east, west = str(tmp_path / "east.sqlite"), str(tmp_path / "west.sqlite")
    two_halls(tmp_path, east, west)
    for kind, expected in EXPECTED.items():
        report = json.loads(city(tmp_path, kind, "json", east, west))
        east_rows = [{"hall": EAST, **r} for r in expected]
        assert report["columns"] == ["hall", *expected[0]]
        assert report["rows"][: len(east_rows)] == east_rows
        assert all(r["hall"] == WEST for r in report["rows"][len(east_rows) :])
    rows = json.loads(city(tmp_path, "services", "json", east, west))["rows"]
    assert rows[2:] == WEST_SERVICES
    assert json.loads(city(tmp_path, "windows", "json", east, west))["rows"][2:] == []

    columns = ["hall", *EXPECTED["services"][0]]
    lines = list(csv.reader(io.StringIO(city(tmp_path, "services", "csv", east, west).decode("utf-8-sig"))))
    assert lines == [columns, *[["" if r[c] is None else str(r[c]) for c in columns] for r in rows]]
    sheet = load_workbook(io.BytesIO(city(tmp_path, "services", "xlsx", east, west)), read_only=True).worksheets[0]
    # read_only leaves out a row's empty cells at its end: read as wide as the header
    cells = [list(v) for v in sheet.iter_rows(values_only=True, max_col=len(columns))]
    assert cells == [columns, *[[r[c] for c in columns] for r in rows]]


def test_without_the_hall_file_clerks_are_shown_by_id_and_a_missing_database_is_refused(tmp_path, capsys):
    east, west = str(tmp_path / "east.sqlite"), str(tmp_path / "west.sqlite")
    two_halls(tmp_path, east, west)
    (tmp_path / EAST / "hall.toml").unlink()
    rows = json.loads(city(tmp_path, "clerks", "json", east))["rows"]
    assert [(r["hall"], r["clerk"], r["name"]) for r in rows] == [(EAST, "c01", "c01"), (EAST, "c02", "c02")]
    assert main(["report", "--kind", "hours", "--from", D1, "--to", D3, east, str(tmp_path / "typo.sqlite")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.sqlite").exists()
    assert main(["report", "--kind", "nonsense", "--from", D1, "--to", D3, east]) == 1
    assert main(["report", "--kind", "hours", "--from", D3, "--to", D1, east]) == 1
    assert "after" in capsys.readouterr().err


def test_two_halls_on_two_schemas_of_one_postgresql_database_each_see_only_their_own(tmp_path, postgres):
    east, west = f"{postgres}?schema=hall_east", f"{postgres}?schema=hall_west"
    two_halls(tmp_path, east, west)
    engine = create_engine("postgresql+psycopg://" + postgres.split("://", 1)[1])
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT table_schema, count(*) FROM information_schema.tables WHERE table_name IN "
                "('meta', 'tickets', 'calls', 'ratings') GROUP BY table_schema ORDER BY table_schema"
            )
        ).all()
        numbers = conn.execute(text("SELECT number FROM hall_west.tickets")).scalars().all()
    engine.dispose()
    assert tables == [("hall_east", 4), ("hall_west", 4)]  # nothing in public
    assert numbers == ["E001"]

    # both cores at once on one database: each answers for its own hall only
    east_path, west_path = tmp_path / EAST / "hall.toml", tmp_path / WEST / "hall.toml"
    with (
        serve(tmp_path / EAST, clock=Clock(START), db=east, config=load_hall(east_path)) as east_hall,
        serve(tmp_path / WEST, clock=Clock(START), db=west, config=load_hall(west_path)) as west_hall,
    ):
        assert east_hall.core.store.meta_value("hall_name") == EAST
        assert west_hall.core.store.meta_value("hall_name") == WEST
        assert len(list(east_hall.core.store.tickets_between(D1, D3))) == 8
        assert [t.number for t in west_hall.core.store.tickets_between(D1, D3)] == ["E001"]
        query = f"/api/v1/reports/services?from={D1}&to={D3}"
        assert raw_request(east_hall.url, "GET", query, headers=basic("manager"))[1]["rows"] == EXPECTED["services"]
        assert raw_request(west_hall.url, "GET", query, headers=basic("manager"))[1]["rows"] == [
            {k: v for k, v in WEST_SERVICES[0].items() if k != "hall"}
        ]
        with west_hall.client("kiosk-1") as kiosk:
            assert kiosk.issue("general")["number"] == "A001"  # the east hall's A001 of that day is not the west's
        assert len(list(east_hall.core.store.tickets_between(D1, D3))) == 8
        assert len(list(west_hall.core.store.tickets_between(D1, D3))) == 2
    for kind, expected in EXPECTED.items():
        rows = json.loads(city(tmp_path, kind, "json", east, west))["rows"]
        assert rows[: len(expected)] == [{"hall": EAST, **r} for r in expected]
    west_rows = json.loads(city(tmp_path, "services", "json", east, west))["rows"][2:]
    assert west_rows[0] == WEST_SERVICES[0] and (west_rows[1]["service"], west_rows[1]["issued"]) == ("general", 1)


def test_a_schema_is_named_plainly_and_only_for_postgresql(tmp_path):
    with pytest.raises(StoreError, match="one PostgreSQL schema per hall"):
        Store(f"sqlite:///{tmp_path}/hall.sqlite?schema=hall_a")
    with pytest.raises(StoreError, match="lower-case letters"):
        Store("postgresql://hall@127.0.0.1:1/city?schema=Hall-A")
