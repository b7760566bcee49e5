"""What the manager's page asks of the core, through a real server on loopback: alerts and their acknowledgement,
the operation log searched and downloaded in the hall's words, its check going on from the last entry it found
intact, and every follow-up of a poor rating kept."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from tests.support.hall import PINS, basic, bearer, raw_request, serve


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield running


def act(hall, path, body=None, device="caller-1"):
    status, answer = raw_request(hall.url, "POST", path, json.dumps(body or {}).encode(), bearer(device))
    assert status in (200, 201), answer
    return answer


def as_user(hall, method, path, body=None, user="manager"):
    headers = {**basic(user), "Content-Type": "application/json"}
    return raw_request(hall.url, method, path, None if body is None else json.dumps(body).encode(), headers)


def sign_in(hall, window, device="caller-1"):
    clerk = f"c0{window}"
    act(hall, f"/api/v1/windows/{window}/sign-in", {"clerk": clerk, "pin": PINS[clerk]}, device)


def test_an_idle_window_is_raised_acknowledged_by_a_manager_logged_and_stays_quiet(hall):
    sign_in(hall, 4, "caller-4")
    act(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1")
    assert as_user(hall, "GET", "/api/v1/alerts")[1] == {"alerts": []}
    hall.clock.advance(120)
    status, answer = as_user(hall, "GET", "/api/v1/alerts", user="auditor")
    assert status == 200
    [alert] = answer["alerts"]
    assert {k: alert[k] for k in ("kind", "window", "window_name", "clerk_name", "waiting", "for_s")} == {
        "kind": "idle_window",
        "window": 4,
        "window_name": "4号窗口",
        "clerk_name": "职员4",
        "waiting": 1,
        "for_s": 120,
    }
    assert alert["acknowledged"] is False
    ack = {"key": alert["key"], "cause": alert["cause"]}
    assert as_user(hall, "POST", "/api/v1/alerts/acknowledge", ack, user="auditor")[0] == 403
    assert raw_request(hall.url, "GET", "/api/v1/alerts")[0] in (401, 403)
    status, refused = as_user(hall, "POST", "/api/v1/alerts/acknowledge", {**ack, "cause": "1.000"})
    assert (status, refused["error"]["code"]) == (409, "alert_changed")
    status, refused = as_user(hall, "POST", "/api/v1/alerts/acknowledge", {**ack, "key": "paper_out:device:kiosk-1"})
    assert (status, refused["error"]["code"]) == (404, "unknown_alert")
    status, done = as_user(hall, "POST", "/api/v1/alerts/acknowledge", ack)
    assert status == 200 and done["acknowledged"] is True
    hall.clock.advance(60)
    [still] = as_user(hall, "GET", "/api/v1/alerts")[1]["alerts"]
    assert (still["key"], still["acknowledged"], still["for_s"]) == (alert["key"], True, 180)
    status, found = as_user(hall, "GET", "/api/v1/audit/search?action=alert")
    [entry] = found["entries"]
    assert (entry["actor"], entry["who"], entry["what"]) == ("user:manager", "manager", "确认提醒")
    assert entry["details"] == "4号窗口 · 提醒 窗口空闲而有人等候"


def test_a_kiosk_out_of_paper_is_an_alert_of_its_own_in_words(hall):
    report = {"ok": False, "message": "printer: out of paper", "parts": {"printer": {"state": "fault", "paper": "out"}}}
    act(hall, "/api/v1/devices/kiosk-1/status", report, "kiosk-1")
    [alert] = as_user(hall, "GET", "/api/v1/alerts")[1]["alerts"]
    assert (alert["kind"], alert["device"], alert["device_kind"]) == ("paper_out", "kiosk-1", "kiosk")
    [entry] = as_user(hall, "GET", "/api/v1/audit/search?device=kiosk-1")[1]["entries"]
    assert (entry["what"], entry["details"]) == ("设备状态", "设备 kiosk-1 · 状态 缺纸")
    assert "out of paper" not in json.dumps([entry["who"], entry["what"], entry["details"]])


def morning(hall):
    """Windows 1 and 3 signed in, three tickets, each window calls and finishes one."""
    sign_in(hall, 1)
    sign_in(hall, 3)
    for _ in range(3):
        act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
    for window in (1, 3):
        act(hall, f"/api/v1/windows/{window}/call")
        act(hall, f"/api/v1/windows/{window}/finish")


def search(hall, query):
    status, found = as_user(hall, "GET", f"/api/v1/audit/search?{query}")
    assert status == 200, found
    return [(e["what"], e["details"]) for e in reversed(found["entries"])]  # oldest first


def test_the_log_is_searched_by_window_clerk_device_action_and_date(hall):
    morning(hall)
    assert search(hall, "window=3") == [
        ("签到", "3号窗口 · 人员 职员3"),
        ("取号", "3号窗口 · 号码 A002 · 业务 通办业务"),
        ("叫号", "3号窗口 · 号码 A002 · 业务 通办业务 · 人员 职员3"),
        ("办结", "3号窗口 · 号码 A002 · 业务 通办业务 · 人员 职员3"),
    ]
    assert [what for what, _ in search(hall, "clerk=c01")] == ["签到", "叫号", "办结"]
    assert [what for what, _ in search(hall, "window=1")] == ["签到", "取号", "取号", "叫号", "办结"]  # A001, A003
    assert [what for what, _ in search(hall, "device=kiosk-1")] == ["取号"] * 3
    assert [what for what, _ in search(hall, "action=window")] == ["签到", "签到"]
    assert [what for what, _ in search(hall, "action=ticket.finished&window=1")] == ["办结"]
    assert search(hall, "date=2026-11-26") == []
    everything = as_user(hall, "GET", "/api/v1/audit/search")[1]
    newest = as_user(hall, "GET", "/api/v1/audit?limit=1000")[1]["entries"]
    assert everything["count"] == len(newest) == 9  # two sign-ins, three issues, two calls, two finishes
    assert [e["seq"] for e in everything["entries"]] == [e["seq"] for e in newest]
    status, found = as_user(hall, "GET", "/api/v1/audit/search?clerk=c01", user="auditor")
    assert status == 200 and {e["who"] for e in found["entries"]} == {"设备 caller-1、职员1"}
    for bad in ("date=2026-13-01", "date=yesterday", "window=x", "format=pdf"):
        assert as_user(hall, "GET", f"/api/v1/audit/search?{bad}")[0] == 400, bad
    assert raw_request(hall.url, "GET", "/api/v1/audit/search")[0] in (401, 403)


def test_the_log_downloads_as_csv_with_the_same_entries_in_words(hall):
    morning(hall)
    status, found = as_user(hall, "GET", "/api/v1/audit/search?window=1")
    import http.client

    conn = http.client.HTTPConnection(hall.url.removeprefix("http://"), timeout=10)
    conn.request("GET", "/api/v1/audit/search?window=1&format=csv", headers=basic("manager"))
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/csv")
    assert 'filename="oplog-2026-11-27.csv"' in response.getheader("Content-Disposition")
    assert body.startswith(b"\xef\xbb\xbf")  # so that Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "时间", "操作人", "操作", "内容"]
    expected = [[str(e["seq"]), e["at"], e["who"], e["what"], e["details"]] for e in reversed(found["entries"])]
    assert rows[1:] == expected and len(expected) == 5


def test_the_check_goes_on_from_the_last_entry_found_intact(hall):
    morning(hall)
    status, first = as_user(hall, "GET", "/api/v1/audit/verify")
    assert status == 200 and first["ok"] and first["count"] == first["checked"] > 5
    act(hall, "/api/v1/windows/3/sign-out")  # one entry: nobody waits there to move
    second = as_user(hall, "GET", "/api/v1/audit/verify")[1]
    assert (second["ok"], second["count"], second["checked"]) == (True, first["count"] + 1, 1)
    with sqlite3.connect(hall.db) as db:  # someone rewrites an entry the check has already read
        db.execute("UPDATE audit SET data = replace(data, 'A001', 'A009') WHERE seq = 3")
    assert as_user(hall, "GET", "/api/v1/audit/verify")[1]["ok"] is True  # not read again
    full = as_user(hall, "GET", "/api/v1/audit/verify?full=1")[1]
    assert full["ok"] is False and "entry 3 was altered" in full["message"]
    act(hall, "/api/v1/windows/1/sign-out")
    newest = as_user(hall, "GET", "/api/v1/audit/search?action=window.signed_out&window=1")[1]["entries"][0]
    with sqlite3.connect(hall.db) as db:  # and one the check has not read yet
        db.execute("UPDATE audit SET actor = 'user:manager' WHERE seq = ?", (newest["seq"],))
    fresh = as_user(hall, "GET", "/api/v1/audit/verify")[1]
    assert fresh["ok"] is False and "entry 3 was altered" in fresh["message"]  # a failure walks from the start


def test_every_follow_up_of_a_poor_rating_is_kept_in_order(hall):
    sign_in(hall, 1)
    act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
    act(hall, "/api/v1/windows/1/call")
    act(hall, "/api/v1/windows/1/finish")
    act(hall, "/api/v1/windows/1/rating", {"score": 1}, "eval-1")
    [rating] = as_user(hall, "GET", "/api/v1/ratings?flagged=1")[1]["ratings"]
    path = f"/api/v1/ratings/{rating['id']}/follow-up"
    assert as_user(hall, "POST", path, {"note": "已电话回访"})[0] == 200
    hall.clock.advance(3600)
    status, latest = as_user(hall, "POST", path, {"note": "窗口补充了材料清单"})
    assert status == 200 and latest["follow_up"] == "窗口补充了材料清单"
    status, history = as_user(hall, "GET", f"/api/v1/ratings/{rating['id']}/follow-ups", user="auditor")
    assert status == 200
    assert [(h["note"], h["by"], h["at"]) for h in history["follow_ups"]] == [
        ("已电话回访", "manager", "2026-11-27T08:30:00+08:00"),
        ("窗口补充了材料清单", "manager", "2026-11-27T09:30:00+08:00"),
    ]
    assert as_user(hall, "GET", "/api/v1/ratings/999/follow-ups")[0] == 404


def test_the_days_figures_for_the_strip_and_the_charts(hall):
    sign_in(hall, 1)
    for _ in range(3):
        act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
        hall.clock.advance(60)
    act(hall, "/api/v1/windows/1/call")  # A001 waited 180 s
    act(hall, "/api/v1/windows/1/finish")
    act(hall, "/api/v1/windows/1/rating", {"score": 5}, "eval-1")
    hall.clock.advance(3600)  # into the 09:00 hour
    act(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1")
    act(hall, "/api/v1/windows/1/call")  # A002, issued at 08:31, waited 3720 s
    act(hall, "/api/v1/windows/1/finish")
    act(hall, "/api/v1/windows/1/rating", {"score": 2}, "eval-1")
    status, figures = as_user(hall, "GET", "/api/v1/figures", user="auditor")
    assert status == 200
    assert {k: figures[k] for k in ("issued", "waiting", "longest_wait_s", "rated", "open_poor", "overdue_cases")} == {
        "issued": 4,
        "waiting": 2,  # A003 since 08:32, E001 since 09:33
        "longest_wait_s": 3600 + 180 - 120,
        "rated": 2,
        "open_poor": 1,
        "overdue_cases": 0,
    }
    assert figures["mean_wait_s"] == (180 + 3720) / 2
    assert figures["satisfaction"] == 0.5 and figures["ratings"] == {"5": 1, "4": 0, "3": 0, "2": 1, "1": 0}
    assert figures["hours"] == [
        {"hour": 8, "issued": 3, "mean_wait_s": (180 + 3720) / 2},
        {"hour": 9, "issued": 1, "mean_wait_s": None},
    ]
    assert raw_request(hall.url, "GET", "/api/v1/figures")[0] in (401, 403)


def test_the_index_links_every_page(hall):
    import http.client

    conn = http.client.HTTPConnection(hall.url.removeprefix("http://"), timeout=10)
    conn.request("GET", "/")
    html = conn.getresponse().read().decode()
    conn.close()
    for page in ("/caller", "/caller/keys", "/evaluator", "/review", "/manage", "/manage/appraisal", "/api/v1/hall"):
        assert f'href="{page}"' in html, page


def test_an_acknowledgement_outlives_a_restart_of_the_core(tmp_path):
    from tests.support.hall import Clock

    clock = Clock()
    with serve(tmp_path, clock=clock) as hall:
        sign_in(hall, 4, "caller-4")
        act(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1")
        act(hall, "/api/v1/windows/4/call", device="caller-4")
        clock.advance(200)  # E001 called and not come
        [alert] = as_user(hall, "GET", "/api/v1/alerts")[1]["alerts"]
        assert alert["kind"] == "not_arrived"
        ack = {"key": alert["key"], "cause": alert["cause"]}
        assert as_user(hall, "POST", "/api/v1/alerts/acknowledge", ack)[0] == 200
    with serve(tmp_path, clock=clock) as hall:
        [again] = as_user(hall, "GET", "/api/v1/alerts")[1]["alerts"]
        assert (again["key"], again["cause"], again["acknowledged"]) == (alert["key"], alert["cause"], True)
