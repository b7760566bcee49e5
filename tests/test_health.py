"""/healthz tells whether the core can write, and reads answer while writes cannot: a real full disk (a small
tmpfs filled up, so SQLite itself answers SQLITE_FULL) and another program holding the database's write lock."""

from __future__ import annotations

import errno
import http.client
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.hall import basic, bearer, raw_request, serve

ISSUE = b'{"service":"general"}'


@contextmanager
def small_disk(folder: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder`: a disk that really fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(disk: Path) -> Path:
    """Take every free byte of `disk` with one file; delete it to make room again."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with open(filler, "ab", buffering=0) as out:  # the last bytes of the last block
        try:
            while True:
                out.write(b"\0")
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_fails_issues_with_a_plain_503_healthz_says_so_and_both_recover(tmp_path):
    with small_disk(tmp_path / "disk") as disk, serve(tmp_path, db=str(disk / "hall.sqlite")) as hall:
        acknowledged = [raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))[1] for _ in "abc"]
        assert raw_request(hall.url, "GET", "/healthz")[0] == 200
        filler = fill(disk)
        refusal = None
        for _ in range(3000):  # what the journal had spare is used up within a few hundred tickets
            status, answer = raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))
            if status != 201:
                refusal = (status, answer)
                break
            acknowledged.append(answer)
        assert refusal is not None, "the full disk never refused a ticket"
        status, answer = refusal
        assert (status, answer["error"]["code"]) == (503, "storage_unavailable")
        assert answer["error"]["message"].startswith("the core's disk is full: nothing was written")
        status, health = raw_request(hall.url, "GET", "/healthz")
        assert (status, health["ok"]) == (503, False)
        assert "full" in health["error"]
        # a second look probes again and still finds no room
        assert raw_request(hall.url, "GET", "/healthz")[0] == 503
        assert raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))[0] == 503
        assert raw_request(hall.url, "GET", "/api/v1/hall")[0] == 200  # reads go on

        filler.unlink()  # the technician makes room
        assert raw_request(hall.url, "GET", "/healthz") == (200, {"ok": True})
        status, after = raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))
        assert status == 201
        acknowledged.append(after)
        for ticket in acknowledged:
            assert raw_request(hall.url, "GET", f"/api/v1/tickets/{ticket['id']}")[1]["number"] == ticket["number"]
        db = hall.db
        numbers = [t["number"] for t in acknowledged]
        assert numbers == [f"A{n:03d}" for n in range(1, len(numbers) + 1)]  # none repeated, none skipped
        hall.core.close()
        with sqlite3.connect(db) as conn:
            on_disk = {row[0] for row in conn.execute("SELECT id FROM tickets")}
        assert {t["id"] for t in acknowledged} <= on_disk  # nothing acknowledged was lost


def first_bytes(url: str, path: str) -> bytes:
    """The start of an answer that never ends (the event stream)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200
        return response.read1(64)
    finally:
        conn.close()


def test_reads_answer_while_another_program_holds_the_write_lock_and_writes_answer_503(tmp_path):
    with serve(tmp_path) as hall:
        first = raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))[1]
        before = raw_request(hall.url, "GET", "/api/v1/hall")
        blocker = sqlite3.connect(hall.db, timeout=1, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        blocked: list[tuple[int, object]] = []
        try:
            write = threading.Thread(
                target=lambda: blocked.append(
                    raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"), timeout=60)
                )
            )
            write.start()
            while hall.core.writer.writing_since is None:  # the ticket's write is waiting for the lock
                time.sleep(0.01)
            answers = {
                "hall": raw_request(hall.url, "GET", "/api/v1/hall"),
                "ticket": raw_request(hall.url, "GET", f"/api/v1/tickets/{first['id']}"),
                "stats": raw_request(hall.url, "GET", "/api/v1/stats", headers=basic("manager")),
                "page": raw_request(hall.url, "GET", f"/t/{first['id']}"),
            }
            stream = first_bytes(hall.url, "/api/v1/events?after=0")
            assert write.is_alive(), "the reads were answered only after the blocked write gave up"
            write.join(timeout=60)  # its busy timeout, still behind the lock
        finally:
            blocker.rollback()
            blocker.close()
        assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(answers, 200)
        assert answers["hall"] == before  # the ticket being written is not shown: it may yet fail
        assert answers["ticket"][1]["number"] == "A001"
        assert stream.startswith(b"retry:")
        [(status, answer)] = blocked
        assert (status, answer["error"]["code"]) == (503, "storage_unavailable")
        assert answer["error"]["message"].startswith("another program holds the core's database")
        second = raw_request(hall.url, "POST", "/api/v1/tickets", ISSUE, bearer("kiosk-1"))[1]
        assert second["number"] == "A002"  # the refused one took no number
