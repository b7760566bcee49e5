"""One browser, two pages (issue 12): a clerk at /caller and a manager at /manage in the same Chromium context keep
working side by side; the manager's session ended on the core (from another tab) sends /manage back to its
sign-in form saying why, while /caller goes on. Written against behaviour (the forms, the words shown), not the
pages' layout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onewindow.client import CoreClient
from tests.support.hall import PASSWORDS, PINS, ROOT, serve, token

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SESSION_LOST = "登录已失效，请重新登录"  # /manage's words for a session the core no longer knows (zh-Hans)


@pytest.fixture
def context() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        context.set_default_timeout(10_000)
        yield context
        context.close()
        browser.close()


def watch_errors(page: Any, errors: list[str]) -> Any:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def test_caller_and_manage_in_one_browser_and_a_manager_signed_out_elsewhere(tmp_path, context):
    errors: list[str] = []
    with serve(tmp_path) as hall, CoreClient(hall.url, token("kiosk-1")) as kiosk:
        caller = watch_errors(context.new_page(), errors)
        caller.goto(hall.url + "/caller")
        caller.select_option("#window", "1")
        caller.fill("#clerk", "c01")
        caller.fill("#pin", PINS["c01"])
        caller.click("#sign-in-button")
        expect(caller.locator("#desk-window")).to_have_text("1号窗口")

        manage = watch_errors(context.new_page(), errors)
        manage.goto(hall.url + "/manage")
        manage.fill("input[name=user]", "manager")
        manage.fill("input[name=password]", PASSWORDS["manager"])
        manage.press("input[name=password]", "Enter")
        expect(manage.locator("input[name=password]")).to_be_hidden()  # signed in: the form is gone
        expect(manage.get_by_text("1号窗口").first).to_be_visible()
        cookies = {c["name"] for c in context.cookies()}
        assert {"onewindow-clerk", "onewindow-user"} <= cookies  # one cookie per page kind, side by side

        # both keep working: a ticket comes, the clerk calls it, the manager's page shows it
        kiosk.issue("general")
        expect(caller.locator("#waiting")).to_have_text("1 人等候")
        caller.keyboard.press("c")
        expect(caller.locator("#current-number")).to_have_text("A001")
        expect(manage.get_by_text("A001").first).to_be_visible()
        caller.reload()  # the clerk's page keeps its session across a reload, the manager's is untouched
        expect(caller.locator("#desk-window")).to_have_text("1号窗口")
        expect(manage.locator("input[name=password]")).to_be_hidden()

        # the manager signs out in another tab: the session ends on the core, for every copy of the cookie
        other = watch_errors(context.new_page(), errors)
        other.goto(hall.url + "/manage")
        status = other.evaluate(
            """async () => (await fetch('/api/v1/session',
                  {method: 'DELETE', headers: {'X-Onewindow-Session': 'user'}})).status"""
        )
        assert status == 204
        other.close()

        kiosk.issue("general")  # the hall moves on: the first /manage tab asks the core again and is refused
        expect(manage.locator("input[name=password]")).to_be_visible()
        expect(manage.get_by_text(SESSION_LOST)).to_be_visible()
        # and it no longer claims a signed-in manager or a live hall (issue 12: it kept showing 实时)
        expect(manage.get_by_text("manager (manager)")).to_have_count(0)
        expect(manage.get_by_text("实时", exact=True)).to_have_count(0)
        expect(manage.locator("input[name=password]")).to_have_value("")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        manage.screenshot(path=str(ARTIFACTS / "manage-session-lost.png"))

        # the clerk goes on at /caller with its own session
        expect(caller.locator("#waiting")).to_have_text("1 人等候")
        caller.keyboard.press("NumpadEnter")  # finish A001
        expect(caller.locator("#current-number")).to_have_text("当前无人办理")
        caller.keyboard.press("c")
        expect(caller.locator("#current-number")).to_have_text("A002")
        caller.screenshot(path=str(ARTIFACTS / "caller-beside-manage.png"))
    assert errors == []
