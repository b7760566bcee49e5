"""The operation log (内控稽核): every change with who and when, hash-chained, and `onewindow audit verify`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from onewindow.dispatch.store import Store, verify_audit
from tests.support.hall import PINS, serve


def audit(db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "audit", "verify", "--db", db],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def day_db(tmp_path):
    """A database holding a short morning of the hall."""
    with serve(tmp_path) as hall, hall.client("kiosk-1") as kiosk, hall.client("caller-1") as caller:
        for _ in range(4):
            kiosk.issue("general")
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        caller.act(1, "call")
        caller.act(1, "finish")
        caller.act(2, "pause", {"reason": "会议"})
        return hall.db


def rows(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT seq, actor, action, data FROM audit ORDER BY seq").fetchall()


def test_every_change_names_who_did_it_and_when(day_db):
    entries = rows(day_db)
    assert [e[2] for e in entries][:5] == ["ticket.issued"] * 4 + ["window.signed_in"]
    assert {e[1] for e in entries} >= {"device:kiosk-1", "device:caller-1"}
    for _, _, _, data in entries:
        assert json.loads(data)["at"].endswith("+08:00")
    result = audit(day_db)
    assert result.returncode == 0 and result.stdout.startswith("ok:"), result.stdout + result.stderr


def test_an_altered_entry_is_reported_by_its_number(day_db):
    with sqlite3.connect(day_db) as conn:
        conn.execute("UPDATE audit SET actor = 'device:caller-9' WHERE seq = 6")
    result = audit(day_db)
    assert result.returncode == 1
    assert "entry 6 was altered" in result.stdout


def test_an_entry_rewritten_with_a_new_hash_breaks_the_chain_after_it(day_db):
    from onewindow.dispatch.store import chain_hash

    with sqlite3.connect(day_db) as conn:
        seq, at, actor, action, data, prev = conn.execute(
            "SELECT seq, at, actor, action, data, prev FROM audit WHERE seq = 3"
        ).fetchone()
        forged = data.replace("A003", "A999")
        conn.execute(
            "UPDATE audit SET data = ?, hash = ? WHERE seq = 3",
            (forged, chain_hash(prev, seq, at, actor, action, forged)),
        )
    ok, message = verify_audit(Store(day_db))
    assert not ok and "entry 4 does not follow entry 3" in message


def test_a_removed_entry_in_the_middle_is_reported(day_db):
    with sqlite3.connect(day_db) as conn:
        conn.execute("DELETE FROM audit WHERE seq = 2")
    result = audit(day_db)
    assert result.returncode == 1 and "entry 2 is missing" in result.stdout


def test_removed_entries_at_the_end_are_reported(day_db):
    total = len(rows(day_db))
    with sqlite3.connect(day_db) as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (total - 2,))
    result = audit(day_db)
    assert result.returncode == 1 and f"entries after {total - 2} were removed" in result.stdout


def test_audit_verify_on_a_missing_database_says_so(tmp_path):
    result = audit(str(tmp_path / "nothing.sqlite"))
    assert result.returncode == 1 and "no database" in result.stderr


def test_auditors_read_the_log_and_its_check_over_http(tmp_path):
    from tests.support.hall import basic, raw_request

    with serve(tmp_path) as hall, hall.client("kiosk-1") as kiosk:
        for _ in range(3):
            kiosk.issue("general")
        status, page = raw_request(hall.url, "GET", "/api/v1/audit?limit=2", headers=basic("auditor"))
        assert status == 200 and [e["seq"] for e in page["entries"]] == [3, 2]
        assert page["entries"][0]["actor"] == "device:kiosk-1" and page["entries"][0]["data"]["number"] == "A003"
        status, older = raw_request(hall.url, "GET", "/api/v1/audit?before=2", headers=basic("auditor"))
        assert [e["seq"] for e in older["entries"]] == [1]
        status, check = raw_request(hall.url, "GET", "/api/v1/audit/verify", headers=basic("auditor"))
        assert check == {"ok": True, "message": "3 entries, chain intact"}
        assert raw_request(hall.url, "GET", "/api/v1/audit", headers=basic("technician"))[0] == 403
        assert raw_request(hall.url, "GET", "/api/v1/audit")[0] == 401
