"""The managers' page in headless Chromium against a real core: sign in, watch, close a window, follow up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.hall import PINS, bearer, raw_request, serve

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

        page.fill("#ratings input", "已回访，补充了材料清单")
        page.click("#ratings form button")
        page.wait_for_selector("#ratings:has-text('已整改')")

        # the page follows the stream: a call elsewhere appears without a reload
        act(hall, "/api/v1/windows/3/sign-in", {"clerk": "c03", "pin": PINS["c03"]}, "caller-1")
        act(hall, "/api/v1/windows/3/call", {}, "caller-1")
        page.wait_for_selector("[data-window='3'] .current:has-text('A00')")
        page.screenshot(path=str(ARTIFACTS / "manage-after.png"), full_page=True)


def test_a_manager_ends_the_day_after_a_confirm_once_nobody_is_at_a_counter(tmp_path, browser):
    from tests.support.hall import basic
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
