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
