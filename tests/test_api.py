"""HTTP interface v1 (SPEC §4) through a real server on loopback: every route, status code and credential."""

from __future__ import annotations

import json

import pytest

from onewindow.client import CoreRefused
from tests.support.hall import PINS, basic, bearer, raw_request, serve, token


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield running


def post(hall, path, body=None, device=None, headers=None):
    sent = dict(bearer(device) if device else {"Content-Type": "application/json"})
    sent.update(headers or {})
    data = None if body is None else json.dumps(body).encode()
    return raw_request(hall.url, "POST", path, data, sent)


def get(hall, path, headers=None):
    return raw_request(hall.url, "GET", path, None, headers or {})


def sign_in(hall, window, clerk=None, device="caller-1"):
    clerk = clerk or f"c0{window}"
    status, body = post(hall, f"/api/v1/windows/{window}/sign-in", {"clerk": clerk, "pin": PINS[clerk]}, device)
    assert status == 200, body
    return body


def issue(hall, service="general", **extra):
    status, body = post(hall, "/api/v1/tickets", {"service": service, **extra}, "kiosk-1")
    assert status == 201, body
    return body


# --- a morning in the hall ---------------------------------------------------------------------------


def test_a_morning_kiosk_issues_clerk_calls_citizen_moves_and_rates(hall):
    status, body = get(hall, "/healthz")
    assert (status, body) == (200, {"ok": True})
    for n in (1, 2, 3):
        sign_in(hall, n)
    tickets = [issue(hall) for _ in range(3)]
    assert [t["number"] for t in tickets] == ["A001", "A002", "A003"]
    assert [t["window"] for t in tickets] == [1, 2, 3]
    for t in tickets:
        assert set(t) >= {
            "id",
            "number",
            "service",
            "window",
            "status",
            "priority",
            "ahead",
            "estimated_wait_s",
            "issued_at",
            "called_at",
        }
        assert t["issued_at"].endswith("+08:00") and t["status"] == "waiting" and t["called_at"] is None

    status, called = post(hall, "/api/v1/windows/1/call", None, "caller-1")
    assert status == 200 and called["number"] == "A001" and called["status"] == "called"
    hall.clock.advance(5)
    status, recalled = post(hall, "/api/v1/windows/1/recall", {}, "caller-1")
    assert status == 200 and recalled["recalls"] == 1
    status, started = post(hall, "/api/v1/windows/1/start", {}, "caller-1")
    assert started["status"] == "serving"

    # A003's holder would rather go to window 1 (it serves general too)
    status, moved = post(hall, f"/api/v1/tickets/{tickets[2]['id']}/move", {"window": 1})
    assert status == 200 and moved["window"] == 1 and moved["ahead"] == 0
    status, seen = get(hall, f"/api/v1/tickets/{tickets[2]['id']}")
    assert seen["window"] == 1 and seen["status"] == "waiting"

    status, finished = post(hall, "/api/v1/windows/1/finish", {}, "caller-1")
    assert finished["status"] == "done"
    status, rating = post(hall, "/api/v1/windows/1/rating", {"score": 4}, "eval-1")
    assert status == 201 and rating["score"] == 4 and rating["label"] == "满意"
    status, again = post(hall, "/api/v1/windows/1/rating", {"score": 5}, "eval-1")
    assert status == 409 and again["error"]["code"] == "already_rated"

    status, state = get(hall, "/api/v1/hall")
    general = next(s for s in state["services"] if s["id"] == "general")
    assert general["waiting"] == 2 and general["available"] is True
    w1 = next(w for w in state["windows"] if w["number"] == 1)
    assert w1["clerk"] == {"id": "c01", "name": "职员1", "photo": None} and w1["waiting"] == 1 and w1["current"] is None
    assert "pin_hash" not in json.dumps(state) and token("kiosk-1") not in json.dumps(state)


def test_call_answers_204_when_nobody_waits(hall):
    sign_in(hall, 1)
    status, body = post(hall, "/api/v1/windows/1/call", None, "caller-1")
    assert status == 204 and body is None


def test_idempotent_issue_returns_the_same_ticket(hall):
    headers = {"Idempotency-Key": "tap-7f3a"}
    first = post(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1", headers)
    second = post(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1", headers)
    assert first[0] == second[0] == 201
    assert first[1]["id"] == second[1]["id"] and first[1]["number"] == "E001"
    other = post(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-2", headers)
    assert other[1]["number"] == "E002"  # keys belong to one kiosk
    status, body = post(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1", headers)
    assert status == 409 and body["error"]["code"] == "idempotency_key_reused"
    status, body = post(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1", {"Idempotency-Key": "x" * 300})
    assert status == 400


# --- status codes ------------------------------------------------------------------------------------


def test_400_for_bad_requests_with_codes(hall):
    cases = [
        ({"service": "nonsense"}, "unknown_service"),
        ({}, "missing_field"),
        ({"service": "general", "extra": 1}, "unknown_field"),
        ({"service": 7}, "bad_field"),
        ({"service": "general", "priority": "yes"}, "bad_field"),
    ]
    for body, code in cases:
        status, answer = post(hall, "/api/v1/tickets", body, "kiosk-1")
        assert (status, answer["error"]["code"]) == (400, code), body
        assert answer["error"]["message"]
    ticket = issue(hall)
    status, answer = post(hall, f"/api/v1/tickets/{ticket['id']}/move", {"window": 77})
    assert (status, answer["error"]["code"]) == (400, "unknown_window")
    sign_in(hall, 1)
    post(hall, "/api/v1/windows/1/call", None, "caller-1")
    status, answer = post(hall, "/api/v1/windows/1/transfer", {}, "caller-1")
    assert status == 400
    status, answer = post(hall, "/api/v1/windows/1/transfer", {"service": "nope"}, "caller-1")
    assert (status, answer["error"]["code"]) == (400, "unknown_service")
    status, answer = post(hall, "/api/v1/windows/1/sign-in", {"clerk": "zz", "pin": "1"}, "caller-1")
    assert (status, answer["error"]["code"]) == (401, "wrong_pin")  # as for a known id: ids are not told apart
    status, answer = get(hall, "/api/v1/stats?date=2026-13-40", basic("manager"))
    assert (status, answer["error"]["code"]) == (400, "bad_date")


def test_401_for_missing_or_bad_credentials_and_a_wrong_pin(hall):
    status, answer = raw_request(hall.url, "POST", "/api/v1/tickets", b'{"service":"general"}', {})
    assert (status, answer["error"]["code"]) == (401, "unauthenticated")
    status, answer = raw_request(
        hall.url,
        "POST",
        "/api/v1/tickets",
        b'{"service":"general"}',
        {"Authorization": "Bearer not-a-real-token-1234567890"},
    )
    assert (status, answer["error"]["code"]) == (401, "bad_token")
    status, answer = post(hall, "/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": "0000"}, "caller-1")
    assert (status, answer["error"]["code"]) == (401, "wrong_pin")
    status, answer = get(hall, "/api/v1/stats", basic("manager", "wrong"))
    assert status == 401
    status, answer = get(hall, "/api/v1/stats")
    assert status == 401


def test_403_for_credentials_not_allowed_here(hall):
    sign_in(hall, 4, "c04", device="caller-4")
    checks = [
        ("caller-1", "/api/v1/tickets", {"service": "general"}),  # only kiosks issue
        ("display-1", "/api/v1/tickets", {"service": "general"}),
        ("caller-1", "/api/v1/windows/4/call", {}),  # not its window
        ("caller-4", "/api/v1/windows/1/call", {}),
        ("eval-1", "/api/v1/windows/1/call", {}),  # evaluators only rate
        ("eval-1", "/api/v1/windows/4/rating", {"score": 5}),  # ... their own windows
        ("caller-1", "/api/v1/windows/1/rating", {"score": 5}),  # a caller never rates
        ("kiosk-1", "/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": "1111"}),
        ("caller-1", "/api/v1/windows/1/close", {}),  # managers close windows
        ("kiosk-1", "/api/v1/devices/kiosk-2/status", {}),  # a device reports for itself
    ]
    for device, path, body in checks:
        status, answer = post(hall, path, body, device)
        assert (status, answer["error"]["code"]) == (403, "forbidden"), (device, path, answer)
    status, _ = get(hall, "/api/v1/stats", bearer("kiosk-1"))
    assert status == 403
    status, _ = raw_request(hall.url, "POST", "/api/v1/windows/1/close", b"{}", basic("auditor"))
    assert status == 403


def test_404_for_unknown_resources_in_the_path(hall):
    assert get(hall, "/api/v1/tickets/unknown-id")[0] == 404
    assert post(hall, "/api/v1/tickets/unknown-id/cancel", {})[0] == 404
    assert post(hall, "/api/v1/windows/99/call", {}, "caller-1")[0] == 404
    assert post(hall, "/api/v1/windows/1/dance", {}, "caller-1")[0] == 404
    assert post(hall, "/api/v1/devices/nobody/status", {}, "kiosk-1")[0] == 404
    assert get(hall, "/api/v1/windows/99")[0] == 404
    status, answer = get(hall, "/nothing/here")
    assert status == 404 and answer["error"]["code"] == "not_found"
    status, answer = raw_request(hall.url, "DELETE", "/api/v1/hall")
    assert status == 405 and answer["error"]["code"] == "method_not_allowed"


def test_409_when_the_state_does_not_allow_it(hall):
    t = issue(hall)
    status, answer = post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    assert (status, answer["error"]["code"]) == (409, "not_signed_in")
    sign_in(hall, 1)
    for action in ("recall", "finish", "no-show", "start"):
        status, answer = post(hall, f"/api/v1/windows/1/{action}", {}, "caller-1")
        assert (status, answer["error"]["code"]) == (409, "no_current_ticket")
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    for _ in range(2):
        assert post(hall, "/api/v1/windows/1/recall", {}, "caller-1")[0] == 200
    status, answer = post(hall, "/api/v1/windows/1/recall", {}, "caller-1")
    assert (status, answer["error"]["code"]) == (409, "recall_limit")
    status, answer = post(hall, f"/api/v1/tickets/{t['id']}/cancel", {})
    assert (status, answer["error"]["code"]) == (409, "not_waiting")
    assert post(hall, "/api/v1/windows/2/pause", {"reason": "会议"}, "caller-1")[0] == 200
    assert post(hall, "/api/v1/windows/2/pause", {}, "caller-1")[0] == 409
    assert post(hall, "/api/v1/windows/3/resume", {}, "caller-1")[0] == 409
    assert post(hall, "/api/v1/windows/3/sign-out", {}, "caller-1")[0] == 409
    status, answer = post(hall, "/api/v1/windows/1/rating", {"score": 5}, "eval-1")
    assert (status, answer["error"]["code"]) == (409, "not_armed")
    assert post(hall, "/api/v1/windows/5/close", {}, headers=basic("manager"))[0] == 200
    status, answer = post(hall, "/api/v1/tickets", {"service": "injury"}, "kiosk-1")
    assert (status, answer["error"]["code"]) == (409, "service_unavailable")  # paused would be the shared queue


def test_413_for_a_body_too_large(hall):
    big = json.dumps({"service": "general", "pad": "x" * 40000}).encode()
    status, answer = raw_request(hall.url, "POST", "/api/v1/tickets", big, bearer("kiosk-1"))
    assert (status, answer["error"]["code"]) == (413, "body_too_large")
    status, answer = post(
        hall,
        "/api/v1/devices/kiosk-1/status",
        {
            "ok": True,
            "message": "y" * 490,
            "parts": {f"p{i}": {"state": "ok", "message": "z" * 190} for i in range(30)},
        },
        "kiosk-1",
    )
    assert status == 413


def test_429_after_too_many_wrong_pins_even_with_the_right_one(hall):
    for _ in range(5):
        assert post(hall, "/api/v1/windows/2/sign-in", {"clerk": "c02", "pin": "9999"}, "caller-1")[0] == 401
    status, answer = post(hall, "/api/v1/windows/2/sign-in", {"clerk": "c02", "pin": PINS["c02"]}, "caller-1")
    assert (status, answer["error"]["code"]) == (429, "too_many_attempts")


def test_wrong_pins_lock_that_window_and_that_clerk_never_the_device_or_the_pc(hall):
    for _ in range(5):  # a clerk at window 3 of the caller Pi that also serves windows 1 and 2
        assert post(hall, "/api/v1/windows/3/sign-in", {"clerk": "c03", "pin": "9999"}, "caller-1")[0] == 401
    for clerk, window in (("c03", 3), ("c01", 3), ("c03", 1)):  # window 3 is locked, and so is clerk c03
        body = {"clerk": clerk, "pin": PINS[clerk]}
        status, answer = post(hall, f"/api/v1/windows/{window}/sign-in", body, "caller-1")
        assert (status, answer["error"]["code"]) == (429, "too_many_attempts"), (clerk, window)
    sign_in(hall, 2)  # another window of the same caller Pi
    sign_in(hall, 4, device="caller-4")  # another caller from the same address
    status, session = post(hall, "/api/v1/session", {"clerk": "c05", "pin": PINS["c05"], "window": 5})
    assert status == 200 and session["window"]["clerk"]["id"] == "c05"  # the soft caller on the same PC
    status, log = get(hall, "/api/v1/audit?limit=50", basic("auditor"))
    refused = [e for e in log["entries"] if e["action"] == "window.sign_in_refused"]
    assert len(refused) == 5 and {e["actor"] for e in refused} == {"device:caller-1"}
    assert [e["data"]["locked"] for e in reversed(refused)] == [False] * 4 + [True]
    # the keyed hashes are random hex, which may hold any four digits
    assert "9999" not in json.dumps([{k: v for k, v in e.items() if k != "hash"} for e in log["entries"]])


def test_a_keypad_action_names_the_clerk_signed_in_at_its_window(hall):
    issue(hall)
    sign_in(hall, 1)
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    assert (
        post(hall, "/api/v1/windows/1/finish", {}, "caller-1")[0] == 200
    )  # a clerk signs out with nobody at the counter
    assert post(hall, "/api/v1/windows/1/sign-out", {}, "caller-1")[0] == 200
    status, log = get(hall, "/api/v1/audit?limit=10", basic("auditor"))
    actors = {e["action"]: e["actor"] for e in log["entries"]}
    assert actors["window.signed_in"] == "device:caller-1 clerk:c01"
    assert actors["ticket.called"] == "device:caller-1 clerk:c01"
    assert actors["window.signed_out"] == "device:caller-1 clerk:c01"
    assert actors["ticket.issued"] == "device:kiosk-1"


def test_the_phone_rates_a_finished_ticket_once_across_every_channel(hall):
    first, second = issue(hall), issue(hall)
    sign_in(hall, 1)
    post(hall, f"/api/v1/tickets/{second['id']}/move", {"window": 1})
    rate = f"/api/v1/tickets/{first['id']}/rating"
    assert post(hall, rate, {"score": 4})[1]["error"]["code"] == "not_finished"
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")  # finishes the first
    for reasons in ("慢", [""], [3], ["x"] * 9):
        assert post(hall, rate, {"score": 4, "reasons": reasons})[0] == 400, reasons
    assert post(hall, rate, {"score": 6})[0] == 400
    status, rating = post(hall, rate, {"score": 2, "reasons": ["等候时间长"]})
    assert status == 201 and rating["window"] == 1 and rating["flagged"] and rating["reasons"] == ["等候时间长"]
    assert post(hall, rate, {"score": 5})[1]["error"]["code"] == "already_rated"
    status, answer = post(hall, "/api/v1/windows/1/rating", {"score": 5}, "eval-1")
    assert (status, answer["error"]["code"]) == (409, "already_rated")
    post(hall, "/api/v1/windows/1/finish", {}, "caller-1")
    assert post(hall, "/api/v1/windows/1/rating", {"score": 5}, "eval-1")[0] == 201
    assert post(hall, f"/api/v1/tickets/{second['id']}/rating", {"score": 1})[1]["error"]["code"] == "already_rated"
    assert post(hall, "/api/v1/tickets/" + "x" * 22 + "/rating", {"score": 1})[0] == 404
    status, listed = get(hall, "/api/v1/ratings", basic("auditor"))
    assert [(r["number"], r["score"]) for r in listed["ratings"]] == [(first["number"], 2), (second["number"], 5)]


def test_close_and_open_by_a_manager_over_basic_auth(hall):
    status, answer = raw_request(hall.url, "POST", "/api/v1/windows/2/close", b"", basic("manager"))
    assert status == 200 and answer["state"] == "closed"
    status, answer = raw_request(hall.url, "POST", "/api/v1/windows/2/open", b"", basic("manager"))
    assert status == 200 and answer["state"] == "open"


def test_device_status_is_recorded_and_listed_for_users(hall):
    report = {"ok": True, "message": "纸将用尽", "parts": {"printer": {"state": "warning", "paper": "near_end"}}}
    status, answer = post(hall, "/api/v1/devices/kiosk-1/status", report, "kiosk-1")
    assert status == 200 and answer["online"] is True
    status, listing = get(hall, "/api/v1/devices", basic("technician"))
    kiosk = next(d for d in listing["devices"] if d["id"] == "kiosk-1")
    assert kiosk["status"] == report and kiosk["online"] is True
    for bad in (
        [1, 2],
        {"ok": "yes"},
        {"ok": True, "parts": {"printer": {"state": "fine"}}},
        {"ok": True, "parts": {"printer": {"state": "ok", "nested": {"a": 1}}}},
        {"ok": True, "token": "x"},
    ):
        assert post(hall, "/api/v1/devices/kiosk-1/status", bad, "kiosk-1")[0] == 400, bad


def test_stats_for_users(hall):
    sign_in(hall, 1)
    issue(hall)
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    hall.clock.advance(300)
    post(hall, "/api/v1/windows/1/finish", {}, "caller-1")
    post(hall, "/api/v1/windows/1/rating", {"score": 2}, "eval-1")
    status, stats = get(hall, "/api/v1/stats?date=2026-11-27", basic("auditor"))
    assert status == 200 and stats["date"] == "2026-11-27"
    assert stats["clerks"][0]["clerk"] == "c01" and stats["clerks"][0]["finished"] == 1
    assert stats["clerks"][0]["mean_handling_s"] == 300.0
    assert stats["hall"]["ratings"]["flagged"] == 1
    status, ratings = get(hall, "/api/v1/ratings?flagged=1", basic("manager"))
    assert len(ratings["ratings"]) == 1 and ratings["ratings"][0]["follow_up"] is None
    rating_id = ratings["ratings"][0]["id"]
    status, answer = raw_request(
        hall.url,
        "POST",
        f"/api/v1/ratings/{rating_id}/follow-up",
        json.dumps({"note": "已回访，材料清单已补充到指南"}).encode(),
        basic("manager"),
    )
    assert status == 200 and answer["follow_up_by"] == "user:manager"
    status, _ = raw_request(
        hall.url, "POST", f"/api/v1/ratings/{rating_id}/follow-up", json.dumps({"note": "x"}).encode(), basic("auditor")
    )
    assert status == 403


# --- wrong credentials on every write route ------------------------------------------------------------

WRITE_ROUTES = [
    ("/api/v1/tickets", {"service": "general"}),
    ("/api/v1/windows/1/call", {}),
    ("/api/v1/windows/1/recall", {}),
    ("/api/v1/windows/1/start", {}),
    ("/api/v1/windows/1/finish", {}),
    ("/api/v1/windows/1/no-show", {}),
    ("/api/v1/windows/1/transfer", {"window": 2}),
    ("/api/v1/windows/1/pause", {}),
    ("/api/v1/windows/1/resume", {}),
    ("/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": "1111"}),
    ("/api/v1/windows/1/sign-out", {}),
    ("/api/v1/windows/1/close", {}),
    ("/api/v1/windows/1/open", {}),
    ("/api/v1/windows/1/rating", {"score": 5}),
    ("/api/v1/devices/kiosk-1/status", {"ok": True}),
    ("/api/v1/ratings/1/follow-up", {"note": "done"}),
]

BAD_CREDENTIALS = {
    "none": {},
    "unknown token": {"Authorization": "Bearer " + "z" * 43},
    "token of another hall": {"Authorization": "Bearer kiosk-1-token-0123456789abcdefghiX"},
    "empty bearer": {"Authorization": "Bearer "},
    "wrong scheme": {"Authorization": "Token " + token("kiosk-1")},
    "basic wrong password": basic("manager", "nope"),
    "basic garbage": {"Authorization": "Basic !!!"},
    "forged session cookie": {"Cookie": "onewindow=eyJjbGVyayI6ImMwMSJ9.forged.sig"},
}


@pytest.mark.parametrize("path,body", WRITE_ROUTES, ids=[p for p, _ in WRITE_ROUTES])
def test_every_write_route_refuses_wrong_credentials(hall, path, body):
    for name, headers in BAD_CREDENTIALS.items():
        status, answer = raw_request(
            hall.url, "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
        )
        assert status == 401, (name, status, answer)
        assert answer["error"]["code"] in ("unauthenticated", "bad_token", "bad_credentials"), answer
    status, state = get(hall, "/api/v1/hall")
    assert all(s["waiting"] == 0 for s in state["services"])  # nothing happened
    assert all(w["clerk"] is None and w["state"] == "open" for w in state["windows"])


def test_ticket_routes_refuse_a_bad_token_but_serve_the_id_holder(hall):
    sign_in(hall, 2)
    t = issue(hall)
    for path, body in (
        (f"/api/v1/tickets/{t['id']}/move", {"window": 2}),
        (f"/api/v1/tickets/{t['id']}/cancel", {}),
        (f"/api/v1/tickets/{t['id']}/rating", {"score": 5}),
    ):
        status, _ = raw_request(
            hall.url, "POST", path, json.dumps(body).encode(), {"Authorization": "Bearer " + "z" * 43}
        )
        assert status == 401
    status, moved = raw_request(hall.url, "POST", f"/api/v1/tickets/{t['id']}/move", b'{"window": 2}', {})
    assert status == 200 and moved["window"] == 2


# --- malformed bodies of many shapes -----------------------------------------------------------------

MALFORMED = {
    "not json": b"service=general",
    "truncated": b'{"service": "gen',
    "array": b'["general"]',
    "string": b'"general"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "NaN": b'{"service": NaN}',
    "Infinity": b'{"score": Infinity}',
    "bad utf-8": b'{"service": "\xff\xfe"}',
    "utf-16": '{"service": "general"}'.encode("utf-16"),
    "deep nesting": b"[" * 100000 + b"]" * 100000,
    "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "huge integer": b'{"score": ' + b"9" * 5000 + b"}",
    "nul bytes": b'{"service": "gen\x00eral"}',
    "wrong types": b'{"service": ["general"], "window": "2", "score": 4.5, "pin": 1234, "clerk": {"id": 1}}',
    "unknown field": b'{"hack": true}',
    "control characters": b'{"service": "\x01\x02"}',
    "lone surrogate": b'{"service": "\\ud800"}',
    "duplicate keys": b'{"score": 5, "score": 9}',
}

MALFORMED_ROUTES = [
    ("/api/v1/tickets", "kiosk-1"),
    ("/api/v1/windows/1/call", "caller-1"),
    ("/api/v1/windows/1/transfer", "caller-1"),
    ("/api/v1/windows/1/pause", "caller-1"),
    ("/api/v1/windows/1/sign-in", "caller-1"),
    ("/api/v1/windows/1/rating", "eval-1"),
    ("/api/v1/devices/kiosk-1/status", "kiosk-1"),
    ("TICKET/move", None),
    ("TICKET/cancel", None),
    ("TICKET/rating", None),
]


@pytest.mark.parametrize("path,device", MALFORMED_ROUTES, ids=[p for p, _ in MALFORMED_ROUTES])
def test_malformed_bodies_get_a_4xx_never_a_500(hall, path, device):
    sign_in(hall, 1)
    t = issue(hall)
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    post(hall, "/api/v1/windows/1/finish", {}, "caller-1")
    path = path.replace("TICKET", f"/api/v1/tickets/{t['id']}")
    for name, data in MALFORMED.items():
        headers = {"Content-Type": "application/json", **(bearer(device) if device else {})}
        status, answer = raw_request(hall.url, "POST", path, data, headers)
        assert 400 <= status < 500, (name, status, answer)
        if status != 409:  # a device status is any object; a call ignores nothing but refuses fields
            assert isinstance(answer, dict) and "error" in answer, (name, answer)
    assert get(hall, "/healthz")[0] == 200


def test_client_refusals_carry_the_code(hall):
    with hall.client("caller-1") as client, pytest.raises(CoreRefused) as err:
        client.act(1, "call")
    assert err.value.status == 409 and err.value.code == "not_signed_in"


def test_a_tablet_signs_in_once_with_its_evaluator_token_and_then_only_rates(hall):
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def send(method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            hall.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with opener.open(req) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    assert send("POST", "/api/v1/session", {"device": "eval-1", "token": "wrong"})[0] == 401
    status, who = send("POST", "/api/v1/session", {"device": "eval-1", "token": token("eval-1")})
    assert status == 200 and who == {"device": "eval-1", "kind": "evaluator", "windows": [1, 2, 3]}
    assert send("GET", "/api/v1/session")[1]["device_kind"] == "evaluator"
    sign_in(hall, 1)
    issue(hall)
    post(hall, "/api/v1/windows/1/call", {}, "caller-1")
    assert send("POST", "/api/v1/windows/1/call", {})[0] == 403
    post(hall, "/api/v1/windows/1/finish", {}, "caller-1")
    assert send("POST", "/api/v1/windows/1/rating", {"score": 5})[0] == 201


def test_every_device_keeps_its_connection_alive(hall):
    """A hall has dozens of devices; none should pay a new connection for every press."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(hall.url)
    conns = [http.client.HTTPConnection(parts.hostname, parts.port, timeout=10) for _ in range(40)]
    try:
        for _ in range(2):
            for conn in conns:
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                assert response.status == 200 and response.getheader("Connection") != "close"
    finally:
        for conn in conns:
            conn.close()
