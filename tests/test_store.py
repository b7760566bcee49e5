"""Storage: a real SQLite file (and PostgreSQL by URL), restarts, power cuts, old databases, database faults."""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable
from onewindow.dispatch.core import Core
from onewindow.dispatch.model import MARKS
from onewindow.dispatch.reports import Legend, report
from onewindow.dispatch.store import SCHEMA_VERSION, Store, StoreError, verify_audit
from onewindow.hallfile import load_hall
from tests.support.cases import case_hall_toml
from tests.support.hall import PINS, TZ, Clock, basic, bearer, raw_request, serve, token, write_hall
from tests.support.postgres import throwaway_cluster
from tests.support.process import CoreProcess

DATA = Path(__file__).parent / "data"


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    store = Store(str(tmp_path / "hall.sqlite"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


def test_restart_restores_queues_current_tickets_clerks_and_armed_ratings(tmp_path):
    clock = Clock()
    with serve(tmp_path, clock=clock) as hall:
        kiosk, caller = hall.client("kiosk-1"), hall.client("caller-1")
        tickets = [kiosk.issue("general") for _ in range(5)]
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        caller.act(1, "call")
        caller.act(2, "pause", {"reason": "培训"})
        caller.act(3, "sign-in", {"clerk": "c03", "pin": PINS["c03"]})
        caller.act(3, "call")
        caller.act(3, "finish")
        before = raw_request(hall.url, "GET", "/api/v1/hall")[1]
        kiosk.close()
        caller.close()
    with serve(tmp_path, clock=clock, db=str(tmp_path / "hall.sqlite")) as hall:
        after = raw_request(hall.url, "GET", "/api/v1/hall")[1]
        assert after["windows"] == before["windows"]
        assert after["services"] == before["services"]
        for t in tickets:
            status, seen = raw_request(hall.url, "GET", f"/api/v1/tickets/{t['id']}")
            assert status == 200 and seen["number"] == t["number"]
        # the armed evaluator of window 3 survived too
        status, rating = raw_request(hall.url, "POST", "/api/v1/windows/3/rating", b'{"score": 5}', bearer("eval-1"))
        assert status == 201
        with hall.client("kiosk-1") as kiosk:
            assert kiosk.issue("general")["number"] == "A006"


def test_calls_are_kept_and_the_one_in_progress_ends_after_a_restart(tmp_path):
    clock = Clock()
    db = str(tmp_path / "hall.sqlite")
    with serve(tmp_path, clock=clock, db=db) as hall, hall.client("caller-1") as caller:
        for _ in range(2):
            raw_request(hall.url, "POST", "/api/v1/tickets", b'{"service": "general"}', bearer("kiosk-1"))
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        caller.act(1, "call")
        caller.act(1, "call")  # finishes the first, calls the second: still at the window at the restart
    with serve(tmp_path, clock=clock, db=db) as hall:
        with hall.client("caller-1") as caller:
            caller.act(1, "no-show")
        status, stats = raw_request(hall.url, "GET", "/api/v1/stats", headers=basic("manager"))
        c01 = next(c for c in stats["clerks"] if c["clerk"] == "c01")
        assert (c01["calls"], c01["finished"], c01["no_shows"]) == (2, 1, 1)
        day = hall.core.read(lambda h: h.day)
        assert [c.outcome for c in hall.core.store.calls_of(day)] == ["finished", "no_show"]


def test_a_database_from_release_0_1_still_opens_and_continues(tmp_path):
    """tests/data/schema-1.sqlite was written by onewindow 0.1 (schema 1); every later release must open it."""
    db = tmp_path / "hall.sqlite"
    shutil.copy(DATA / "schema-1.sqlite", db)
    config = load_hall(write_hall(tmp_path))
    clock = Clock(datetime(2026, 11, 27, 11, 0, tzinfo=TZ))
    store = Store(str(db))
    assert verify_audit(store)[0]
    core = Core(config, store, clock=clock)
    numbers = sorted(t.number for t in store.tickets_of("2026-11-27"))
    assert numbers == ["A001", "A002", "A003", "A004", "E001"]
    t, _ = core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    assert t.number == "A005"
    assert core.broker.last_seq > 10 and verify_audit(store)[0]
    assert store.schema_version() == SCHEMA_VERSION  # the calls table came with the migration
    assert core.execute(lambda hall: hall.call(1, "device:caller-1")) is not None
    assert [c.window for c in store.calls_of("2026-11-27")] == [1]
    assert all(r.reasons == () for r in store.ratings_of())
    assert core.read(lambda hall: hall.windows[1].clerk) == "c01"
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=TZ))
    t, _ = core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    assert t.number == "A001" and t.day == "2026-11-28"
    core.close()


def test_a_database_from_the_release_before_cases_upgrades_and_keeps_its_cases(tmp_path):
    """tests/data/schema-2.sqlite (with its operation log's key and anchor) was written by the release before
    cases (schema 2, tests/data/make_schema2.py); it upgrades, and a case made on it survives a restart."""
    db = tmp_path / "hall.sqlite"
    for suffix in ("", ".audit-key", ".audit-key.anchor"):
        shutil.copy(DATA / f"schema-2.sqlite{suffix}", tmp_path / f"hall.sqlite{suffix}")
    config = load_hall(write_cases_hall(tmp_path))
    clock = Clock(datetime(2026, 11, 27, 11, 0, tzinfo=TZ))
    store = Store(str(db))
    assert store.schema_version() == SCHEMA_VERSION and verify_audit(store)[0]
    core = Core(config, store, clock=clock)
    assert sorted(t.number for t in store.tickets_of("2026-11-27")) == ["A001", "A002", "C001", "E001"]
    assert [r.reasons for r in store.ratings_of()] == [("等候太久",)]
    assert core.read(lambda hall: hall.open_cases()) == []  # finished before cases existed: none opened
    t, _ = core.execute(lambda hall: hall.issue("injury", False, "device:kiosk-1"))
    core.execute(lambda hall: hall.call(5, "device:caller-5"))
    core.execute(lambda hall: hall.finish(5, "device:caller-5"))
    case = core.read(lambda hall: hall.case_of(t.id))
    core.execute(lambda hall: hall.decide(case.id, "review", "r1", "return", "缺材料", "clerk:r1"))
    core.execute(lambda hall: hall.resubmit(case.id, 5, "clerk:c05@5"))
    core.execute(lambda hall: hall.decide(case.id, "review", "r1", "pass", "", "clerk:r1"))
    core.close()
    core = Core(config, Store(str(db)), clock=clock)
    again = core.read(lambda hall: hall.case_of(t.id))
    assert again is not None and again.id == case.id and again.status == "in_approval" and again.returns == 1
    assert [(s.action, s.decision, s.note) for s in again.steps] == [
        ("opened", None, ""),
        ("reviewed", "return", "缺材料"),
        ("resubmitted", None, ""),
        ("reviewed", "pass", ""),
    ]
    core.execute(lambda hall: hall.decide(case.id, "approve", "r2", "pass", "", "clerk:r2"))
    assert core.read(lambda hall: hall.case_of(t.id).status) == "done" and verify_audit(core.store)[0]
    core.close()


def test_a_database_from_the_release_before_the_appraisal_upgrades_and_keeps_its_marks(tmp_path):
    """tests/data/schema-3.sqlite (with its operation log's key and anchor) was written by the release before the
    appraisal (schema 3, tests/data/make_schema3.py): it upgrades, its day reports as before, and marks and
    feedback given on it survive a restart."""
    db = tmp_path / "hall.sqlite"
    for suffix in ("", ".audit-key", ".audit-key.anchor"):
        shutil.copy(DATA / f"schema-3.sqlite{suffix}", tmp_path / f"hall.sqlite{suffix}")
    config = load_hall(write_cases_hall(tmp_path))
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    store = Store(str(db))
    assert store.schema_version() == SCHEMA_VERSION == 4 and verify_audit(store)[0]
    day = "2026-11-30"
    legend = Legend.of(config, clock())
    units = report("units", store.period(day, day), legend)
    assert [(r["unit"], r["cases"], r["reviewed"], r["done"], r["mean_review_s"]) for r in units] == [
        ("injury", 1, 1, 0, 300.0)
    ]
    core = Core(config, store, clock=clock)
    core.execute(lambda hall: hall.give_marks("c01", day, day, dict.fromkeys(MARKS, 88), "user:manager"))
    core.execute(lambda hall: hall.give_feedback("c01", day, day, "保持", "user:manager"))
    core.close()
    store = Store(str(db))
    sheet = report("appraisal", store.period(day, day), legend)
    c01 = next(r for r in sheet if r["clerk"] == "c01")
    assert (c01["calls"], c01["finished"], c01["rated_5"], c01["morals"], c01["marks_score"]) == (1, 1, 1, 88, 88.0)
    assert c01["feedback"] == "2026-12-01 保持" and verify_audit(store)[0]
    store.close()


def write_cases_hall(folder: Path) -> Path:
    path = folder / "hall.toml"
    path.write_text(case_hall_toml(), encoding="utf-8")
    return path


def test_a_database_from_a_newer_release_is_refused_plainly(tmp_path):
    db = tmp_path / "hall.sqlite"
    Store(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer onewindow"):
        Store(str(db))


def test_an_operation_log_that_cannot_be_read_is_a_storage_error(tmp_path):
    db = tmp_path / "hall.sqlite"
    store = Store(str(db))
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE audit")
    with pytest.raises(StoreError, match="no such table"):
        verify_audit(store)
    store.close()


def test_a_database_that_cannot_be_written_answers_503_and_the_hall_recovers(tmp_path):
    with serve(tmp_path) as hall, hall.client("kiosk-1") as kiosk:
        first = kiosk.issue("general")
        blocker = sqlite3.connect(hall.db, timeout=1)
        blocker.execute("BEGIN EXCLUSIVE")  # another program holds the database: writes time out
        try:
            status, answer = raw_request(
                hall.url, "POST", "/api/v1/tickets", b'{"service":"general"}', bearer("kiosk-1"), timeout=30
            )
            assert (status, answer["error"]["code"]) == (503, "storage_unavailable")
            assert raw_request(hall.url, "GET", "/healthz", timeout=30)[0] == 503
        finally:
            blocker.rollback()
            blocker.close()
        second = kiosk.issue("general")
        assert (first["number"], second["number"]) == ("A001", "A002")  # nothing half-done remained
        assert raw_request(hall.url, "GET", "/healthz")[0] == 200


def test_killed_at_random_moments_it_loses_no_acknowledged_ticket_and_repeats_no_number(tmp_path):
    acknowledged: list[dict] = []
    stop = threading.Event()
    errors: list[str] = []

    with CoreProcess(tmp_path) as core:
        caller = CoreClient(core.url, token("caller-1"))
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})

        def kiosk(name: str) -> None:
            client = CoreClient(core.url, token(name))
            while not stop.is_set():
                try:
                    acknowledged.append(client.issue(random.choice(["general", "card"]), deadline_s=20))
                except CoreUnreachable:
                    pass
                except CoreRefused as exc:
                    errors.append(str(exc))
            client.close()

        def clerk() -> None:
            client = CoreClient(core.url, token("caller-1"))
            while not stop.is_set():
                with contextlib.suppress(CoreUnreachable, CoreRefused):
                    client.act(random.choice([1, 2, 3]), "call")
                time.sleep(0.01)
            client.close()

        workers = [threading.Thread(target=kiosk, args=(n,)) for n in ("kiosk-1", "kiosk-2")]
        workers.append(threading.Thread(target=clerk))
        for w in workers:
            w.start()
        rng = random.Random(7)
        try:
            for _ in range(5):
                time.sleep(rng.uniform(0.3, 1.2))
                core.stop("SIGKILL")
                core.start()
            time.sleep(0.5)
        finally:
            stop.set()
            for w in workers:
                w.join(timeout=60)
        assert not errors
        assert len(acknowledged) > 20
        check = CoreClient(core.url)
        for t in acknowledged:
            seen = check.ticket(t["id"])
            assert seen["number"] == t["number"] and seen["service"] == t["service"]
        check.close()
        caller.close()
    with sqlite3.connect(tmp_path / "core.sqlite") as conn:
        rows = conn.execute("SELECT day, number FROM tickets").fetchall()
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert len(rows) == len(set(rows))  # no number twice on one day
    assert seqs == list(range(1, len(seqs) + 1))  # no event id twice or lost
    assert len({t["id"] for t in acknowledged}) == len(acknowledged)
    store = Store(str(tmp_path / "core.sqlite"))
    assert verify_audit(store)[0]
    store.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------


@pytest.fixture
def postgres():
    with throwaway_cluster() as url:
        yield url


def test_postgresql_by_url_runs_the_same_hall_and_survives_a_restart(tmp_path, postgres):
    with serve(tmp_path, db=postgres) as hall, hall.client("kiosk-1") as kiosk, hall.client("caller-1") as caller:
        first = kiosk.issue("general")
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        assert caller.act(1, "call")["number"] == first["number"]
        caller.act(1, "finish")
        assert (
            raw_request(
                hall.url, "POST", "/api/v1/windows/1/rating", json.dumps({"score": 4}).encode(), bearer("eval-1")
            )[0]
            == 201
        )
        seq = hall.core.broker.last_seq
    with serve(tmp_path, db=postgres) as hall, hall.client("kiosk-1") as kiosk:
        assert kiosk.issue("general")["number"] == "A002"
        assert hall.core.broker.last_seq == seq + 1
        assert verify_audit(hall.core.store)[0]


def test_a_failed_write_fails_every_change_staged_with_it_and_the_hall_is_rebuilt(tmp_path):
    """Group commit: changes staged behind a write that fails were built on it, so they fail too, nobody is told
    of them, and the hall goes on from what is on disk: no number skipped or repeated, no event number lost."""
    config = load_hall(write_hall(tmp_path))
    core = Core(config, Store(str(tmp_path / "hall.sqlite")), clock=Clock())
    writing, release = threading.Event(), threading.Event()
    write = core.store.write

    def failing(batches):
        writing.set()
        release.wait(10)
        raise StoreError("cannot write to the database: disk I/O error")

    core.store.write = failing  # type: ignore[method-assign]
    outcomes: list[object] = []

    def issue() -> None:
        try:
            outcomes.append(core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))[0].number)
        except StoreError as exc:
            outcomes.append(exc)

    first = threading.Thread(target=issue)
    first.start()
    assert writing.wait(10)  # the first ticket is being written
    second = threading.Thread(target=issue)
    second.start()
    while not core.writer.pending:  # the second is staged behind it
        time.sleep(0.01)
    core.store.write = write  # type: ignore[method-assign]
    release.set()
    first.join(10)
    second.join(10)
    assert len(outcomes) == 2 and all(isinstance(o, StoreError) for o in outcomes)
    t, _ = core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    assert t.number == "A001"  # neither failed ticket was kept or told of
    assert core.read(lambda hall: [x.number for x in hall.tickets.values()]) == ["A001"]
    day = core.read(lambda hall: hall.day)
    assert [x.number for x in core.store.tickets_of(day)] == ["A001"]
    assert [e.seq for e in core.store.events_after(0)] == list(range(1, core.broker.last_seq + 1))
    assert core.seq == core.broker.last_seq and verify_audit(core.store)[0]
    core.close()
