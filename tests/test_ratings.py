"""好差评 over the real HTTP interface: the reasons a citizen ticks after a poor rating on the window's evaluator,
what the ticket page learns of its rating, the clerk's photo and name on the evaluator, and the hall file's reasons."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from onewindow.configfile import ConfigFile
from onewindow.hallfile import read_hall
from tests.support.hall import PINS, basic, bearer, hall_toml, raw_request, serve

REASONS = ["等候时间太长", "服务态度不好", "业务不熟练"]


def png(width: int, height: int) -> bytes:
    """A small grey PNG, as a clerk's photo file would be on disk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x90\x90\x90" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PHOTO_HALL = f"\n[rating]\nreasons = {json.dumps(REASONS, ensure_ascii=False)}\n"


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path, extra=PHOTO_HALL) as running:
        yield running


def post(hall, path, body=None, device=None):
    headers = dict(bearer(device) if device else {"Content-Type": "application/json"})
    return raw_request(hall.url, "POST", path, None if body is None else json.dumps(body).encode(), headers)


def get(hall, path, headers=None):
    return raw_request(hall.url, "GET", path, None, headers or {})


def finished_at_window_1(hall) -> dict:
    """A citizen served at window 1 by 职员1, finished: the window's evaluator is armed for them."""
    assert post(hall, "/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": PINS["c01"]}, "caller-1")[0] == 200
    status, ticket = post(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
    assert status == 201
    assert post(hall, f"/api/v1/tickets/{ticket['id']}/move", {"window": 1})[0] == 200
    assert post(hall, "/api/v1/windows/1/call", {}, "caller-1")[0] == 200
    assert post(hall, "/api/v1/windows/1/finish", {}, "caller-1")[0] == 200
    return ticket


def test_reasons_ticked_after_a_poor_press_on_the_evaluator_are_stored_with_it(hall):
    ticket = finished_at_window_1(hall)
    assert post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[:1]}, "eval-1")[1]["error"]["code"] == (
        "not_rated"
    )
    status, rating = post(hall, "/api/v1/windows/1/rating", {"score": 1}, "eval-1")
    assert status == 201 and rating["reasons"] == []  # the press counts at once, even if the citizen walks away
    assert post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[:2]}, "eval-4")[0] == 403
    assert post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": []}, "eval-1")[0] == 400
    status, rating = post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[:2]}, "eval-1")
    assert status == 200 and rating["reasons"] == ["等候时间太长", "服务态度不好"] and rating["flagged"]
    status, again = post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[2:]}, "eval-1")
    assert (status, again["error"]["code"]) == (409, "reasons_given")
    listed = get(hall, "/api/v1/ratings", basic("auditor"))[1]["ratings"]
    assert [(r["number"], r["score"], r["reasons"]) for r in listed] == [(ticket["number"], 1, REASONS[:2])]
    shown = get(hall, f"/api/v1/tickets/{ticket['id']}")[1]
    assert shown["rating"] == {"score": 1, "reasons": REASONS[:2]} and shown["ratable"] is False
    assert any(
        e["action"] == "rating.reasons" for e in get(hall, "/api/v1/audit?limit=5", basic("auditor"))[1]["entries"]
    )


def test_reasons_only_follow_a_two_or_a_one_and_only_while_its_time_lasts(hall):
    finished_at_window_1(hall)
    assert post(hall, "/api/v1/windows/1/rating", {"score": 4}, "eval-1")[0] == 201
    status, answer = post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[:1]}, "eval-1")
    assert (status, answer["error"]["code"]) == (409, "not_flagged")
    finished_at_window_1(hall)
    assert post(hall, "/api/v1/windows/1/rating", {"score": 2}, "eval-1")[0] == 201
    hall.clock.advance(hall.config.rating_window_s)
    status, answer = post(hall, "/api/v1/windows/1/rating/reasons", {"reasons": REASONS[:1]}, "eval-1")
    assert (status, answer["error"]["code"]) == (409, "rating_closed")


def test_the_ticket_page_learns_whether_it_may_rate(hall):
    ticket = finished_at_window_1(hall)
    shown = get(hall, f"/api/v1/tickets/{ticket['id']}")[1]
    assert (shown["status"], shown["rating"], shown["ratable"]) == ("done", None, True)
    assert post(hall, f"/api/v1/tickets/{ticket['id']}/rating", {"score": 5})[0] == 201
    shown = get(hall, f"/api/v1/tickets/{ticket['id']}")[1]
    assert (shown["rating"], shown["ratable"]) == ({"score": 5, "reasons": []}, False)


def test_the_hall_gives_its_rating_reasons_and_the_clerks_photo(tmp_path):
    (tmp_path / "photos").mkdir()
    photo = png(4, 5)
    (tmp_path / "photos" / "c01.png").write_bytes(photo)
    text = hall_toml(extra=PHOTO_HALL).replace('name = "职员1"\n', 'name = "职员1"\nphoto = "photos/c01.png"\n', 1)
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    config = read_hall(ConfigFile(tmp_path / "hall.toml"))
    assert config is not None
    with serve(tmp_path, config=config) as hall:
        assert get(hall, "/api/v1/hall")[1]["rating_reasons"] == REASONS
        post(hall, "/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": PINS["c01"]}, "caller-1")
        post(hall, "/api/v1/windows/2/sign-in", {"clerk": "c02", "pin": PINS["c02"]}, "caller-1")
        windows = {w["number"]: w for w in get(hall, "/api/v1/hall")[1]["windows"]}
        assert windows[1]["clerk"] == {"id": "c01", "name": "职员1", "photo": "/clerks/c01/photo"}
        assert windows[2]["clerk"] == {"id": "c02", "name": "职员2", "photo": None}
        status, body = raw_request(hall.url, "GET", "/clerks/c01/photo", None, {})
        assert status == 200 and body == photo
        assert get(hall, "/clerks/c02/photo")[0] == 404
        assert get(hall, "/clerks/nobody/photo")[0] == 404


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('photo = "photos/c01.gif"', "is not a picture file"),
        ('photo = "photos/missing.png"', "there is no file"),
    ],
)
def test_a_clerks_photo_must_be_a_picture_file_beside_the_hall_file(tmp_path: Path, entry: str, message: str):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "c01.gif").write_bytes(b"GIF89a")
    text = hall_toml().replace('name = "职员1"\n', f'name = "职员1"\n{entry}\n', 1)
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    file = ConfigFile(tmp_path / "hall.toml")
    assert read_hall(file) is None
    assert any("photo" in e and message in e for e in file.errors), file.errors


@pytest.mark.parametrize(
    ("reasons", "message"),
    [('[""]', "1-20 characters"), (json.dumps(["太慢"] * 9, ensure_ascii=False), "at most 8"), ("[3]", "strings")],
)
def test_the_rating_reasons_are_a_few_short_texts(tmp_path: Path, reasons: str, message: str):
    (tmp_path / "hall.toml").write_text(hall_toml(extra=f"\n[rating]\nreasons = {reasons}\n"), encoding="utf-8")
    file = ConfigFile(tmp_path / "hall.toml")
    assert read_hall(file) is None
    assert any("reasons" in e and message in e for e in file.errors), file.errors
