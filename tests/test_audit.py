"""The operation log (内控稽核): every change with who and when, chained with a keyed hash, anchored outside the
database, and `onewindow audit verify` finding what was altered, removed or added, even on a read-only copy."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from onewindow.dispatch.audit import keyed_hash, legacy_hash
from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store, StoreError, verify_audit
from onewindow.hallfile import load_hall
from tests.support.hall import PINS, basic, raw_request, serve, write_hall


def audit(db: str, *extra: str, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "onewindow.cli", "audit", "verify", "--db", db, *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )


def key_of(db: str) -> bytes:
    return bytes.fromhex(Path(db + ".audit-key").read_text().strip())


def assert_reported_plainly(result: subprocess.CompletedProcess[str]) -> None:
    """A finding is a sentence for the auditor: exit 1, no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


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


def rehash_from(db: str, first: int, link) -> None:
    """What someone who can write the database does after an edit: recompute every hash from `first` on."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT seq, at, actor, action, data FROM audit WHERE seq >= ? ORDER BY seq", (first,))
        prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", (first - 1,)).fetchone()[0]
        for seq, at, actor, action, data in rows.fetchall():
            digest = link(prev, seq, at, actor, action, data)
            conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
        total = conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{total}:{prev}",))


def test_an_entry_edited_and_the_chain_rehashed_without_the_key_is_found(day_db):
    """Issue 12: an edit plus a re-hash of the unkeyed chain passed as "chain intact"."""
    with sqlite3.connect(day_db) as conn:
        conn.execute("UPDATE audit SET data = replace(data, 'A003', 'A999') WHERE seq = 3")
    rehash_from(day_db, 3, legacy_hash)
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "ALTERED: entry 3 was altered" in result.stdout
    # nor does a guessed key help
    rehash_from(day_db, 3, lambda *link: keyed_hash(b"guess" * 7, *link))
    store = Store(day_db)
    ok, message = verify_audit(store)
    store.close()
    assert not ok and message.startswith("entry 3 was altered")


def test_an_entry_added_at_the_end_without_the_key_is_found(day_db):
    with sqlite3.connect(day_db) as conn:
        seq, head = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        data = json.dumps({"number": "A004", "window": 1})
        forged = legacy_hash(head, seq + 1, 1.0, "clerk:c01", "ticket.finished", data)
        conn.execute(
            "INSERT INTO audit VALUES (?, 1.0, 'clerk:c01', 'ticket.finished', ?, ?, ?)", (seq + 1, data, head, forged)
        )
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq + 1}:{forged}",))
    result = audit(day_db)
    assert_reported_plainly(result)
    assert f"entry {seq + 1} was altered or added" in result.stdout


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


def test_newest_entries_removed_and_the_head_record_rewritten_are_found_by_the_anchor(day_db):
    """Issue 12: deleting the newest entries and fixing the database's own head record passed."""
    total = len(rows(day_db))
    with sqlite3.connect(day_db) as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (total - 2,))
        head = conn.execute("SELECT hash FROM audit WHERE seq = ?", (total - 2,)).fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{total - 2}:{head}",))
    result = audit(day_db)
    assert_reported_plainly(result)
    assert f"entries after {total - 2} were removed: the anchor file says the log reached entry {total}" in (
        result.stdout
    )


def test_the_whole_log_deleted_is_found(day_db):
    """Issue 12: `DELETE FROM audit` and its head record left "0 entries, chain intact"."""
    total = len(rows(day_db))
    with sqlite3.connect(day_db) as conn:
        conn.execute("DELETE FROM audit")
        conn.execute("DELETE FROM meta WHERE key IN ('audit_head', 'audit_start')")
    result = audit(day_db)
    assert_reported_plainly(result)
    assert f"the whole log was removed: the anchor file says the log reached entry {total}" in result.stdout


def test_a_log_cut_while_the_core_was_stopped_is_recorded_at_its_next_start(day_db, tmp_path):
    """The core keeps serving the hall, writes what it found as a keyed entry and keeps the old anchor aside."""
    total = len(rows(day_db))
    with sqlite3.connect(day_db) as conn:
        conn.execute("DELETE FROM audit WHERE seq > 3")
        head = conn.execute("SELECT hash FROM audit WHERE seq = 3").fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"3:{head}",))
    with serve(tmp_path, db=day_db) as hall, hall.client("kiosk-1") as kiosk:
        kiosk.issue("general")
    entries = rows(day_db)
    assert [e[2] for e in entries][3:] == ["audit.mismatch", "ticket.issued"]
    found = json.loads(entries[3][3])
    assert found["problem"] == f"entries after 3 were removed: the anchor says the log reached entry {total}"
    assert Path(found["anchor"]).read_text().splitlines()[-1].startswith(f"{total} ")
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "entry 4: at its start the core found the log cut or rewritten: entries after 3 were removed" in (
        result.stdout
    )


def test_a_database_deleted_and_made_anew_beside_its_anchor_is_recorded(day_db, tmp_path):
    os.remove(day_db)
    with serve(tmp_path, db=day_db) as hall, hall.client("kiosk-1") as kiosk:
        kiosk.issue("general")
    assert [e[2] for e in rows(day_db)] == ["audit.mismatch", "ticket.issued"]
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "the whole log was removed" in result.stdout


def test_the_key_is_made_at_first_start_for_the_core_alone_and_each_commit_is_anchored(day_db):
    key = Path(day_db + ".audit-key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key_of(day_db)) == 32
    anchor = Path(day_db + ".audit-key.anchor").read_text().splitlines()
    assert anchor[0].startswith("onewindow-audit-anchor 1 keyed_after=0 ")
    seq, digest = rows_with_hash(day_db)[-1]
    assert anchor[-1] == f"{seq} {digest}"
    assert stat.S_IMODE(Path(day_db + ".audit-key.anchor").stat().st_mode) == 0o600


def rows_with_hash(db: str) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()


def test_a_missing_or_wrong_key_stops_the_core_with_a_plain_message(day_db, tmp_path):
    key = Path(day_db + ".audit-key")
    saved = key.read_text()
    key.unlink()
    with pytest.raises(StoreError, match=r"key file .*hall.sqlite.audit-key is missing"):
        Store(day_db)
    key.write_text("ab" * 32 + "\n")
    with pytest.raises(StoreError, match="is not the key this database's operation log was written with"):
        Store(day_db)
    key.write_text(saved)
    Store(day_db).close()


def test_a_database_url_needs_a_key_file(tmp_path):
    with pytest.raises(StoreError, match="--audit-key FILE"):
        Store("postgresql://hall@127.0.0.1:1/none")


def test_the_key_can_live_elsewhere(day_db, tmp_path):
    moved = tmp_path / "keys" / "log.key"
    moved.parent.mkdir()
    shutil.move(day_db + ".audit-key", moved)
    shutil.move(day_db + ".audit-key.anchor", str(moved) + ".anchor")
    assert audit(day_db).returncode == 1  # no key beside it: the keyed entries cannot be checked
    result = audit(day_db, "--audit-key", str(moved))
    assert result.returncode == 0 and result.stdout.startswith("ok:"), result.stdout + result.stderr


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
        assert check == {"ok": True, "message": "3 entries, chain intact", "count": 3, "checked": 3}
        assert raw_request(hall.url, "GET", "/api/v1/audit", headers=basic("technician"))[0] == 403
        assert raw_request(hall.url, "GET", "/api/v1/audit")[0] == 401


def test_garbage_in_audit_rows_is_reported_never_a_traceback_or_500(tmp_path):
    """Issue 12: garbage in the audit rows crashed `audit verify` with a traceback and /api/v1/audit* with 500."""
    with serve(tmp_path) as hall, hall.client("kiosk-1") as kiosk:
        for _ in range(4):
            kiosk.issue("general")
        with sqlite3.connect(hall.db) as conn:
            conn.execute("UPDATE audit SET at = 'yesterday', actor = x'00ff' WHERE seq = 2")
            conn.execute("UPDATE audit SET data = '{not json', hash = 42 WHERE seq = 3")
        status, page = raw_request(hall.url, "GET", "/api/v1/audit", headers=basic("auditor"))
        assert status == 200
        damaged = {e["seq"]: e for e in page["entries"]}
        assert damaged[3]["damaged"] and damaged[3]["data"] is None and damaged[2]["actor"] is None
        status, check = raw_request(hall.url, "GET", "/api/v1/audit/verify", headers=basic("auditor"))
        said = "entry 2 cannot be read: its time is 'yesterday'"
        assert status == 200 and check == {"ok": False, "message": said, "count": 1, "checked": 1}
    result = audit(hall.db)
    assert_reported_plainly(result)
    assert "ALTERED: entry 2 cannot be read: its time is 'yesterday'" in result.stdout


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(os.urandom(8192)),
        lambda path: path.write_bytes(path.read_bytes()[:5000]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["random bytes", "cut short", "empty"],
)
def test_a_damaged_database_file_is_reported_plainly(day_db, damage):
    damage(Path(day_db))
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "onewindow audit: cannot read the operation log" in result.stderr


def test_a_damaged_anchor_or_key_file_is_reported_plainly(day_db):
    Path(day_db + ".audit-key.anchor").write_bytes(b"\x00\xff garbage\n")
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "is not an operation-log anchor" in result.stdout
    Path(day_db + ".audit-key").write_text("not a key")
    result = audit(day_db)
    assert_reported_plainly(result)
    assert "is not an operation-log key" in result.stdout


def test_verify_works_on_a_read_only_copy_and_changes_nothing(day_db, tmp_path):
    """Issue 12: `audit verify` could not open a read-only copy (it migrated and wrote the database)."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("hall.sqlite", "hall.sqlite.audit-key", "hall.sqlite.audit-key.anchor"):
        shutil.copy(Path(day_db).parent / name, copy / name)
        (copy / name).chmod(0o444)
    copy.chmod(0o555)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    read_only: list[str] = []
    if os.geteuid() == 0 and shutil.which("unshare"):
        # root writes through file modes: mount the copy read-only in a mount namespace of the command's own
        read_only = ["unshare", "-m", "sh", "-c", f'mount --bind -o ro "{copy}" "{copy}" && exec "$0" "$@"']
    try:
        result = audit(str(copy / "hall.sqlite"), user=read_only)
        assert result.returncode == 0 and result.stdout.startswith("ok:"), result.stdout + result.stderr
        assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    finally:
        copy.chmod(0o755)


def test_a_database_from_release_0_1_keeps_its_unkeyed_entries_and_is_keyed_from_there(tmp_path):
    """The landed release's chain is checked by its own rule up to where this release took over."""
    db = tmp_path / "hall.sqlite"
    shutil.copy(Path(__file__).parent / "data" / "schema-1.sqlite", db)
    old = len(rows(str(db)))
    core = Core(load_hall(write_hall(tmp_path)), Store(str(db)))
    core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    ok, message = verify_audit(core.store)
    core.close()
    total = len(rows(str(db)))
    assert total > old and ok, message
    assert message == f"{total} entries, chain intact ({old} of them from before the log was keyed)"
    anchor = Path(str(db) + ".audit-key.anchor").read_text().splitlines()
    assert anchor[0].startswith(f"onewindow-audit-anchor 1 keyed_after={old} ")
    # the unkeyed part can be re-hashed by anyone, but the first keyed entry names what came before it
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit SET actor = 'device:kiosk-2' WHERE seq = 2")
    rehash_from(str(db), 2, legacy_hash)
    result = audit(str(db))
    assert_reported_plainly(result)
    assert f"entry {old} was altered: the last entry before the log was keyed no longer matches" in result.stdout


def test_a_backup_put_back_starts_the_anchor_again_and_keeps_the_old_one(tmp_path, capsys):
    from onewindow.cli import main

    with serve(tmp_path) as hall, hall.client("kiosk-1") as kiosk:
        kiosk.issue("general")
        assert main(["backup", "--db", hall.db, "--to", str(tmp_path / "backups")]) == 0
        kiosk.issue("general")  # after the backup: lost when it is put back
    made = next((tmp_path / "backups").glob("core-*.sqlite"))
    assert main(["restore", str(made), "--db", hall.db]) == 0
    assert "the operation log's anchor starts again from the backup" in capsys.readouterr().out
    old = next(tmp_path.glob("hall.sqlite.audit-key.anchor.before-restore-*"))
    assert int(old.read_text().splitlines()[-1].split()[0]) > len(rows(hall.db))
    assert audit(hall.db).returncode == 0
    with serve(tmp_path, db=hall.db):
        pass
    assert "audit.mismatch" not in [e[2] for e in rows(hall.db)]


def test_killed_at_random_moments_the_anchor_never_runs_ahead_of_the_log(tmp_path):
    """SIGKILL between a commit and its anchor line, or while the anchor is rewritten at start: never a false
    alarm. ONEWINDOW_KILLS raises the number of kills for a longer run (docs/reliability.md)."""
    import contextlib
    import random
    import threading
    import time

    from onewindow.client import CoreClient, CoreRefused, CoreUnreachable
    from tests.support.hall import token
    from tests.support.process import CoreProcess

    kills = int(os.environ.get("ONEWINDOW_KILLS", "5"))
    stop, issued = threading.Event(), []
    with CoreProcess(tmp_path) as core:

        def kiosk() -> None:
            client = CoreClient(core.url, token("kiosk-1"))
            while not stop.is_set():
                with contextlib.suppress(CoreUnreachable, CoreRefused):
                    issued.append(client.issue("general", deadline_s=20))
            client.close()

        worker = threading.Thread(target=kiosk)
        worker.start()
        rng = random.Random(12)
        try:
            for _ in range(kills):
                time.sleep(rng.uniform(0.05, 0.6))
                core.stop("SIGKILL")
                core.start()
        finally:
            stop.set()
            worker.join(timeout=60)
    db = str(tmp_path / "core.sqlite")
    assert len(issued) > kills
    assert "audit.mismatch" not in [e[2] for e in rows(db)]
    result = audit(db)
    assert result.returncode == 0 and result.stdout.startswith("ok:"), result.stdout + result.stderr
