"""The managers' page in headless Chromium against a real core: sign in, watch, close a window, follow up a poor
rating with its history, acknowledge alerts, search and download the log, download a report, end the day; and
nothing stretches the page from 1440 px down to a phone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.hall import PINS, basic, bearer, raw_request, serve

ARTIFACTS = Path(__file__).parent / "artifacts" / "manage"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def act(hall, path, body, device):
    status, answer = raw_request(hall.url, "POST", path, json.dumps(body).encode(), bearer(device))
    assert status in (200, 201), answer
    return answer


def test_a_manager_signs_in_sees_the_hall_closes_a_window_and_follows_up_a_poor_rating(tmp_path, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(tmp_path) as hall:
        for _ in range(3):
            act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
        act(hall, "/api/v1/windows/1/sign-in", {"clerk": "c01", "pin": PINS["c01"]}, "caller-1")
        act(hall, "/api/v1/windows/1/call", {}, "caller-1")
        act(hall, "/api/v1/windows/1/finish", {}, "caller-1")
        act(hall, "/api/v1/windows/1/rating", {"score": 1}, "eval-1")
        act(hall, "/api/v1/windows/1/call", {}, "caller-1")

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(hall.url + "/manage")
        page.fill("input[name=user]", "manager")
        page.fill("input[name=password]", "wrong")
        page.click("#login-form button")
        page.wait_for_selector("#login-error:has-text('用户名或密码错误')")
        page.fill("input[name=password]", "manager-pw")
        page.click("#login-form button")
        page.wait_for_selector("[data-window='1'] .current:has-text('A002')")
        assert "职员1" in page.inner_text("[data-window='1']")
        page.wait_for_selector("#live:has-text('实时')")
        stats = page.inner_text("#stats")
        assert "∑" in stats
        page.wait_for_selector("#ratings:has-text('非常不满意')")
        page.wait_for_selector("#audit-check:has-text('校验通过')")
        page.screenshot(path=str(ARTIFACTS / "manage-zh-Hans.png"), full_page=True)

        page.click("[data-window='2'] button")
        page.wait_for_selector("[data-window='2'].closed")
        assert raw_request(hall.url, "GET", "/api/v1/windows/2")[1]["state"] == "closed"

        page.fill("#ratings input", "已电话回访")
        page.click("#ratings form button")
        page.wait_for_selector("#ratings:has-text('已整改')")
        hall.clock.advance(600)
        page.fill("#ratings input", "窗口补充了材料清单")
        page.click("#ratings form button")
        page.wait_for_selector("#ratings .history li:nth-child(2)")
        assert page.locator("#ratings .history li").all_inner_texts() == [
            "2026-11-27 08:30:00 manager：已电话回访",
            "2026-11-27 08:40:00 manager：窗口补充了材料清单",
        ]

        # the page follows the stream: a call elsewhere appears without a reload
        act(hall, "/api/v1/windows/3/sign-in", {"clerk": "c03", "pin": PINS["c03"]}, "caller-1")
        act(hall, "/api/v1/windows/3/call", {}, "caller-1")
        page.wait_for_selector("[data-window='3'] .current:has-text('A00')")
        page.screenshot(path=str(ARTIFACTS / "manage-after.png"), full_page=True)


def test_a_manager_ends_the_day_after_a_confirm_once_nobody_is_at_a_counter(tmp_path, browser):
    from tests.test_hall_day import HOURS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(tmp_path, extra=HOURS) as hall:  # Friday 2026-11-27, 08:30
        tickets = [act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1") for _ in range(3)]
        for n in (1, 2):
            act(hall, f"/api/v1/windows/{n}/sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]}, "caller-1")
        act(hall, "/api/v1/windows/1/call", {}, "caller-1")

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(hall.url + "/manage")
        page.fill("input[name=user]", "manager")
        page.fill("input[name=password]", "manager-pw")
        page.click("#login-form button")
        page.wait_for_selector("[data-window='1'] .current:has-text('A001')")
        assert page.inner_text("#today") == "2026-11-27 · 办理时间 08:30-12:00 14:00-17:30"

        def status(ticket):
            return raw_request(hall.url, "GET", f"/api/v1/tickets/{ticket['id']}")[1]["status"]

        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click("#end-day:has-text('结束今日')")
        assert status(tickets[1]) == "waiting"  # not confirmed: nothing asked of the core
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#end-day")
        page.wait_for_selector("#end-day-note.bad:has-text('以下窗口仍在办理，请先办结: 1号窗口 A001')")
        assert status(tickets[1]) == "waiting"

        act(hall, "/api/v1/windows/1/finish", {}, "caller-1")
        page.wait_for_selector("[data-window='1'] .current:empty")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#end-day")
        page.wait_for_selector("#end-day-note.ok:has-text('今日已结束：取消 2 个号，2 个窗口签退')")
        assert [status(t) for t in tickets] == ["done", "cancelled", "cancelled"]
        page.wait_for_selector("[data-window='2'] .meta:has-text('未登录')")
        page.screenshot(path=str(ARTIFACTS / "manage-day-ended.png"), full_page=True)
        newest = raw_request(hall.url, "GET", "/api/v1/audit?limit=1", headers=basic("manager"))[1]["entries"][0]
        assert (newest["action"], newest["actor"]) == ("day.ended", "user:manager")


def sign_in_page(page, hall):
    page.goto(hall.url + "/manage")
    page.fill("input[name=user]", "manager")
    page.fill("input[name=password]", "manager-pw")
    page.click("#login-form button")
    page.wait_for_selector("#live:has-text('实时')")


PAPER_OUT = {
    "ok": False,
    "message": "printer: out of paper",
    "parts": {"printer": {"state": "fault", "paper": "out", "message": "out of paper"}},
}


def test_alerts_are_raised_live_stand_out_and_are_acknowledged(tmp_path, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(tmp_path) as hall:
        act(hall, "/api/v1/windows/4/sign-in", {"clerk": "c04", "pin": PINS["c04"]}, "caller-4")
        act(hall, "/api/v1/tickets", {"service": "card"}, "kiosk-1")
        hall.clock.advance(125)  # window 4 has stood idle for two minutes while E001 waits
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        sign_in_page(page, hall)
        idle = page.wait_for_selector("#alerts .alert.idle_window:not(.seen)")
        assert idle.inner_text().startswith("4号窗口空闲，1 人等候（职员4）")
        assert page.inner_text("#alerts-count") == "1 条待确认"
        page.wait_for_selector("[data-window='4'].alarm")  # the window stands out too
        assert page.inner_text("[data-figure='waiting'] .value") == "1人"

        act(hall, "/api/v1/devices/kiosk-1/status", PAPER_OUT, "kiosk-1")  # the stream brings it
        paper = page.wait_for_selector("#alerts .alert.paper_out:not(.seen)")
        assert paper.inner_text().startswith("取号机 kiosk-1 缺纸")
        page.wait_for_selector("#devices td:has-text('缺纸')")
        assert "out of paper" not in page.inner_text("body")
        # every word in the hall's locale: what is Latin is a name (devices, the user) or a file format
        latin = set(re.findall(r"[A-Za-z]{2,}", page.inner_text("body")))
        assert latin <= {"manager", "kiosk", "caller", "eval", "display", "CSV", "Excel"}, latin
        page.screenshot(path=str(ARTIFACTS / "manage-alerts.png"), full_page=True)

        page.click("#alerts .alert.paper_out button")
        page.wait_for_selector("#alerts .alert.paper_out.seen:has-text('已确认')")
        page.click("#alerts .alert.idle_window button")
        page.wait_for_selector("#alerts .alert.idle_window.seen")
        assert page.locator("[data-window='4'].alarm").count() == 0
        assert page.inner_text("#alerts-count") == ""
        status, answer = raw_request(hall.url, "GET", "/api/v1/alerts", headers=basic("manager"))
        assert [(a["kind"], a["acknowledged"]) for a in answer["alerts"]] == [
            ("idle_window", True),
            ("paper_out", True),
        ]
        # the acknowledgements are in the log, by the manager's name, in words
        page.select_option("#audit-form select[name=action]", "alert.acknowledged")
        page.click("#audit-form button[type=submit]")
        page.wait_for_selector("#audit-count:has-text('共 2 条')")
        rows = page.locator("#audit tr").all_inner_texts()[1:]
        assert [r.split("\t")[2:4] for r in rows] == [["manager", "确认提醒"], ["manager", "确认提醒"]]

        act(hall, "/api/v1/windows/4/call", {}, "caller-4")  # the cause ends: the alert goes
        page.wait_for_selector("#alerts .alert.idle_window", state="detached")


def traffic(hall):
    """Windows 1 and 3 staffed; five citizens, each window serving two; one rated poorly."""
    for n in (1, 3):
        act(hall, f"/api/v1/windows/{n}/sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]}, "caller-1")
    for _ in range(5):
        act(hall, "/api/v1/tickets", {"service": "general"}, "kiosk-1")
        hall.clock.advance(60)
    for n in (1, 3, 1, 3):
        act(hall, f"/api/v1/windows/{n}/call", {}, "caller-1")
        hall.clock.advance(240)
        act(hall, f"/api/v1/windows/{n}/finish", {}, "caller-1")
    act(hall, "/api/v1/windows/3/rating", {"score": 2}, "eval-1")


def test_the_log_is_searched_and_downloaded_and_a_report_downloaded(tmp_path, browser):
    import csv
    import io

    from openpyxl import load_workbook

    with serve(tmp_path) as hall:
        traffic(hall)
        page = browser.new_page(viewport={"width": 1024, "height": 768}, accept_downloads=True)
        sign_in_page(page, hall)
        page.wait_for_selector("#audit-check:has-text('校验通过')")
        page.select_option("#audit-form select[name=window]", "3")
        page.select_option("#audit-form select[name=action]", "ticket.called")
        page.click("#audit-form button[type=submit]")
        page.wait_for_selector("#audit-count:has-text('共 2 条')")
        rows = [r.split("\t") for r in page.locator("#audit tr").all_inner_texts()[1:]]
        assert [(r[2], r[3]) for r in rows] == [("设备 caller-1、职员3", "叫号")] * 2
        assert [r[4].split(" · ")[:2] for r in rows] == [["3号窗口", "号码 A004"], ["3号窗口", "号码 A002"]]

        with page.expect_download() as done:
            page.click("#audit-export")
        path = done.value.path()
        assert done.value.suggested_filename == "oplog-2026-11-27.csv"
        text = Path(path).read_text(encoding="utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0] == ["序号", "时间", "操作人", "操作", "内容"]
        assert [(line[2], line[3]) for line in lines[1:]] == [("设备 caller-1、职员3", "叫号")] * 2

        page.select_option("#report-form select[name=kind]", "windows")
        with page.expect_download() as done:
            page.click("#report-form button[value=xlsx]")
        assert done.value.suggested_filename == "report-windows-2026-11-27-2026-11-27.xlsx"
        book = load_workbook(io.BytesIO(Path(done.value.path()).read_bytes()))
        sheet = book.worksheets[0]
        got = [list(r) for r in sheet.iter_rows(values_only=True)]
        status, report = raw_request(
            hall.url, "GET", "/api/v1/reports/windows?from=2026-11-27&to=2026-11-27", headers=basic("manager")
        )
        assert got[0] == report["columns"]
        assert got[1:] == [[row[c] for c in report["columns"]] for row in report["rows"]]
        assert page.inner_text("#report-note").startswith("已下载")


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768), (390, 844)], ids=["wide", "1024", "phone"])
def test_nothing_stretches_the_page_from_wide_down_to_a_phone(tmp_path, browser, size):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(tmp_path) as hall:
        traffic(hall)
        width, height = size
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_page(page, hall)
        page.wait_for_selector("#audit tr:nth-child(5)")
        page.wait_for_selector("#ratings:has-text('不满意')")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # the wide tables scroll inside their own box instead
        stats_box = page.locator("#stats").evaluate("t => [t.parentElement.clientWidth, t.scrollWidth]")
        assert stats_box[0] <= width
        page.screenshot(path=str(ARTIFACTS / f"manage-{width}.png"), full_page=True)
