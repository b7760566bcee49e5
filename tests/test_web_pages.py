"""The pages in headless Chromium against a real core: the soft caller (sign in, a wrong PIN, too many PINs, every
action by key and by mouse, live queue, a session ended elsewhere), the web evaluator (set-up, five faces when the
core arms the window, one rating, a second tap refused kindly, a closed rating), and the citizen's ticket page
(live status, move with the other windows' waits, cancel, no other ticket's id anywhere). Screenshots go to
tests/artifacts/web/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onewindow.client import CoreClient
from onewindow.hallfile import load_hall
from tests.support.hall import PASSWORDS, ROOT, RunningCore, hall_toml, serve, token

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Pages:
    """New pages in a fresh browser context; a script error on any of them fails the test."""

    def __init__(self, browser: Any, url: str):
        self.browser, self.url = browser, url
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def open(self, path: str, viewport: dict[str, int] = DESKTOP) -> Any:
        context = self.browser.new_context(viewport=viewport, device_scale_factor=1)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{path}: {exc}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"{path}: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.goto(self.url + path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


class Api:
    def __init__(self, url: str):
        self.url = url
        self.clients: dict[str | None, CoreClient] = {}

    def __call__(self, device: str | None = None) -> CoreClient:
        if device not in self.clients:
            self.clients[device] = CoreClient(self.url, token(device) if device else None)
        return self.clients[device]

    def ratings(self) -> list[dict[str, Any]]:
        import base64

        secret = base64.b64encode(f"manager:{PASSWORDS['manager']}".encode()).decode()
        _, body, _ = self().request("GET", "/api/v1/ratings", headers={"Authorization": f"Basic {secret}"})
        return body["ratings"]  # type: ignore[no-any-return]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[RunningCore]:
    with serve(tmp_path) as running:
        yield running


@pytest.fixture
def api(hall: RunningCore) -> Iterator[Api]:
    clients = Api(hall.url)
    yield clients
    clients.close()


@pytest.fixture
def pages(browser: Any, hall: RunningCore) -> Iterator[Pages]:
    opened = Pages(browser, hall.url)
    yield opened
    opened.close()
    assert opened.errors == []


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# --- the soft caller -----------------------------------------------------------------------------------------------
def sign_in(page: Any, window: int, clerk: str, pin: str) -> None:
    page.select_option("#window", str(window))
    page.fill("#clerk", clerk)
    page.fill("#pin", pin)
    page.click("#sign-in-button")


def test_soft_caller_a_clerks_morning(pages, api):
    kiosk = api("kiosk-1")
    page = pages.open("/caller")
    expect(page.locator("[data-view=sign-in] h2")).to_have_text("窗口登录")
    sign_in(page, 1, "c01", "9999")
    expect(page.locator("#sign-in-error")).to_have_text("工号或密码错误")
    expect(page.locator("#pin")).to_have_value("")
    sign_in(page, 1, "nobody", "1111")
    expect(page.locator("#sign-in-error")).to_have_text(
        "工号或密码错误"
    )  # an unknown id answers as a wrong PIN (issue 12)
    sign_in(page, 1, "c01", "1111")
    expect(page.locator("#desk-window")).to_have_text("1号窗口")
    expect(page.locator("#desk-clerk")).to_have_text("职员1")
    expect(page.locator("#desk-state")).to_have_text("服务中")
    expect(page.locator("#current-number")).to_have_text("当前无人办理")
    shot(page, "caller-empty")

    for n in (2, 3):  # the colleagues at windows 2 and 3 are in too: tickets go to staffed windows only
        api("caller-1").act(n, "sign-in", {"clerk": f"c0{n}", "pin": str(n) * 4})
    tickets = [kiosk.issue("general") for _ in range(4)]  # the assignment rule: windows 1, 2, 3, 1
    tickets.append(kiosk.issue("general", priority=True))  # window 2: nobody priority is ahead anywhere
    expect(page.locator("#waiting")).to_have_text("2 人等候")  # the queue came in by the event stream
    expect(page.locator("#queue li .number")).to_have_text(["A001", "A004"])

    page.keyboard.press("NumpadAdd")  # +: call; a priority ticket anywhere it can serve comes first
    expect(page.locator("#current-number")).to_have_text("A005")
    expect(page.locator("#current-status")).to_contain_text("已呼叫")
    expect(page.locator("#toast")).to_have_text("已呼叫 A005")
    page.click("#do-recall")
    expect(page.locator("#current-status")).to_contain_text("已重呼 1/2 次")
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("办理中")
    expect(page.locator("#do-recall")).to_be_disabled()
    page.keyboard.press("NumpadEnter")  # finish
    expect(page.locator("#current-number")).to_have_text("当前无人办理")
    expect(page.locator("#toast")).to_have_text("A005 已办结，请市民评价")

    page.keyboard.press("c")
    expect(page.locator("#current-number")).to_have_text("A001")
    expect(page.locator("#waiting")).to_have_text("1 人等候")
    shot(page, "caller-serving")
    page.keyboard.press("NumpadMultiply")  # transfer: the hall's services, by digit
    expect(page.locator("#transfer")).to_be_visible()
    expect(page.locator("#transfer-services li")).to_have_text(
        [re.compile("1.*通办业务"), re.compile("2.*社保卡业务"), re.compile("3.*工伤认定")]
    )
    shot(page, "caller-transfer")
    page.keyboard.press("2")
    expect(page.locator("#transfer")).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("A001 已转至")
    moved = api().ticket(tickets[0]["id"])
    assert (moved["service"], moved["status"]) == ("card", "waiting") and moved["window"] in (3, 4)

    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text("A004")
    page.keyboard.press("NumpadDecimal")  # no-show asks first …
    expect(page.locator("#confirm-text")).to_have_text("确认 A004 过号？")
    page.keyboard.press("NumpadDecimal")  # … and the dot again confirms, as on the keypad
    expect(page.locator("#toast")).to_have_text("A004 已过号")
    assert api().ticket(tickets[3]["id"])["status"] == "no_show"

    page.keyboard.press("NumpadDivide")  # pause: a reason by digit
    expect(page.locator("#pause")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#desk-state")).to_have_text("暂停服务 · 午休")
    expect(page.locator("#pause-label")).to_have_text("恢复")
    expect(page.locator("#do-call")).to_be_disabled()
    assert api().window(1)["pause_reason"] == "午休"
    shot(page, "caller-paused")
    page.keyboard.press("p")  # resume at once
    expect(page.locator("#desk-state")).to_have_text("服务中")

    page.keyboard.press("NumpadAdd")  # its own queue is empty: it takes the earliest one it can serve elsewhere
    expect(page.locator("#current-number")).to_have_text("A002")
    page.click("#sign-out")
    page.keyboard.press("Enter")  # not while a citizen stands at the window
    expect(page.locator("#toast")).to_have_text("请先办结、过号或转移当前号")
    page.keyboard.press("NumpadEnter")
    expect(page.locator("#current-number")).to_have_text("当前无人办理")
    page.click("#sign-out")
    page.keyboard.press("Enter")
    expect(page.locator("[data-view=sign-in]")).to_be_visible()
    assert api().window(1)["clerk"] is None


def test_soft_caller_refusals_are_shown(pages, api):
    api("caller-1").act(2, "sign-in", {"clerk": "c02", "pin": "2222"})
    page = pages.open("/caller")
    sign_in(page, 3, "c03", "3333")
    expect(page.locator("#desk-window")).to_have_text("3号窗口")
    page.keyboard.press("r")  # recall, with nobody called: the button is off, the key asks the core
    expect(page.locator("#toast")).to_have_text("当前没有号")
    api("kiosk-1").issue("card")  # goes to window 4 (card only) or 3
    api("caller-1").act(3, "pause")
    expect(page.locator("#desk-state")).to_have_text("暂停服务")  # paused elsewhere: the page follows
    page.keyboard.press("c")
    expect(page.locator("#toast")).to_have_text("窗口已暂停，请先恢复")

    page5 = pages.open("/caller")
    sign_in(page5, 5, "c05", "5555")
    expect(page5.locator("#desk-window")).to_have_text("5号窗口")
    page5.keyboard.press("NumpadAdd")  # nobody waits for injury
    expect(page5.locator("#toast")).to_have_text("无人等候")


def test_soft_caller_pin_attempts_are_rate_limited(pages, api):
    page = pages.open("/caller")
    for _ in range(5):
        sign_in(page, 2, "c02", "0000")
        expect(page.locator("#sign-in-error")).to_have_text("工号或密码错误")
    sign_in(page, 2, "c02", "2222")  # the right PIN, too late: the core answers 429
    expect(page.locator("#sign-in-error")).to_have_text(re.compile(r"尝试次数过多，请 \d+ 秒后再试"))
    expect(page.locator("#sign-in-button")).to_be_disabled()
    shot(page, "caller-too-many-pins")
    assert api().window(2)["clerk"] is None


def test_soft_caller_session_is_bound_to_its_window_and_ends_with_the_sign_in(pages, api):
    page = pages.open("/caller")
    sign_in(page, 2, "c02", "2222")
    expect(page.locator("#desk-window")).to_have_text("2号窗口")
    status = page.evaluate(
        """async () => (await fetch('/api/v1/windows/1/pause',
              {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})).status"""
    )
    assert status == 403  # the cookie acts for window 2 only
    assert api().window(1)["state"] == "open"
    page.reload()
    expect(page.locator("#desk-window")).to_have_text("2号窗口")  # still signed in after a reload
    api("caller-1").act(2, "sign-in", {"clerk": "c05", "pin": "5555"})  # another clerk signs in at the keypad
    expect(page.locator("#sign-in-error")).to_have_text("您已在别处签退，请重新登录")
    expect(page.locator("#clerk")).to_have_value("c02")  # remembered on this PC, the PIN never


def test_the_key_card_lists_the_halls_services_as_transfer_digits(pages):
    page = pages.open("/caller/keys", {"width": 1100, "height": 640})
    expect(page.locator("#services li")).to_have_text(["通办业务", "社保卡业务", "工伤认定"])
    expect(page.locator("#hall-name")).to_have_text("测试大厅")
    shot(page, "caller-keys")


# --- the web evaluator ---------------------------------------------------------------------------------------------
def set_up_evaluator(page: Any, device: str = "eval-1") -> None:
    expect(page.locator("[data-view=setup] h1")).to_have_text("评价器设置")
    page.fill("#device", device)
    page.fill("#token", token(device))
    page.click("[data-view=setup] button")


def finish_one(api: Api, window: int) -> dict[str, Any]:
    caller = api("caller-1")
    ticket = api("kiosk-1").issue("general")
    if api().window(window)["clerk"] is None:
        caller.act(window, "sign-in", {"clerk": f"c0{window}", "pin": str(window) * 4})
    called = caller.act(window, "call")
    caller.act(window, "finish")
    assert called is not None
    return ticket


def test_web_evaluator_five_faces_one_rating(pages, api):
    page = pages.open("/evaluator", TABLET)
    page.fill("#device", "eval-1")
    page.fill("#token", "not-the-token-0123456789")
    page.click("[data-view=setup] button")
    expect(page.locator("#setup-error")).to_have_text("设备编号或令牌错误")
    set_up_evaluator(page)
    expect(page.locator("[data-view=pick] h1")).to_have_text("本评价器放在哪个窗口？")
    expect(page.locator("#windows button")).to_have_text(["1号窗口", "2号窗口", "3号窗口"])
    page.click("#windows button[data-window='1']")
    expect(page.locator("[data-view=idle] h1")).to_have_text("欢迎光临")
    # nothing to rate and nobody at the window: no prompt to rate, the window says so
    expect(page.locator("#idle-clerk")).to_have_text("本窗口暂无工作人员")
    expect(page.locator("[data-view=rate]")).to_be_hidden()
    expect(page.locator("[data-view=idle]")).not_to_contain_text("评价")
    shot(page, "evaluator-idle")

    finish_one(api, 1)
    expect(page.locator("[data-view=rate]")).to_be_visible()
    expect(page.locator("#rate-for")).to_have_text(re.compile(r"A\d{3} 号 · 1号窗口"))
    expect(page.locator(".face .label")).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    expect(page.locator("#countdown")).to_have_text(re.compile(r"\d+ 秒"))
    shot(page, "evaluator-faces")
    # a citizen taps 满意 twice, quickly: the first counts, the second is refused by the core and shown kindly
    page.evaluate("() => { const b = document.querySelector('.face[data-score=\"4\"]'); b.click(); b.click(); }")
    expect(page.locator("#thanks-title")).to_have_text("感谢您的评价！")
    expect(page.locator("#thanks-sub")).to_have_text("您已经评价过了，谢谢！")
    shot(page, "evaluator-thanks")
    assert [(r["window"], r["score"]) for r in api.ratings()] == [(1, 4)]
    expect(page.locator("[data-view=idle]")).to_be_visible(timeout=15_000)  # thanks, then idle

    # idle again: who serves here (亮明身份), still no prompt to rate
    expect(page.locator("#idle-clerk .name")).to_have_text("职员1")
    expect(page.locator("#idle-clerk .id")).to_have_text("工号 c01")
    expect(page.locator("#idle-clerk .photo")).to_have_text("职")  # no photo in the hall file: the name's first
    expect(page.locator("[data-view=idle]")).not_to_contain_text("评价")

    page.reload()  # the tablet keeps its device and window
    expect(page.locator("[data-view=idle] .window-name")).to_have_text("1号窗口")
    api("caller-1").act(1, "pause", {"reason": "午休"})
    expect(page.locator("#idle-clerk")).to_have_text("本窗口暂停服务")  # a paused window shows nobody to rate


def test_web_evaluator_a_poor_rating_and_a_closed_one(pages, api, hall):
    page = pages.open("/evaluator?window=2", TABLET)
    set_up_evaluator(page)
    expect(page.locator("[data-view=idle] .window-name")).to_have_text("2号窗口")
    finish_one(api, 2)
    expect(page.locator("#rate-clerk")).to_have_text("职职员2 · 工号 c02")  # the initial, then name and 工号
    page.click(".face[data-score='1']")
    # the press counts at once; then what went wrong, as chips (the test hall has no [rating]: the page's own)
    expect(page.locator("#reasons-sub")).to_contain_text("已收到您的评价：非常不满意")
    assert [(r["window"], r["score"], r["reasons"]) for r in api.ratings()] == [(2, 1, [])]
    expect(page.locator("#reason-chips .reason")).to_have_count(6)
    page.click("#reason-chips .reason:text-is('等候时间太长')")
    page.click("#reason-chips .reason:text-is('业务不熟练')")
    page.click("#reason-chips .reason:text-is('等候时间太长')")  # changed their mind
    page.click("#reason-chips .reason:text-is('服务态度不好')")
    shot(page, "evaluator-reasons")
    page.click("#send-reasons")
    expect(page.locator("#thanks-sub")).to_have_text("我们会认真改进，感谢您的反馈")
    assert [(r["window"], r["score"], r["flagged"], r["reasons"]) for r in api.ratings()] == [
        (2, 1, True, ["业务不熟练", "服务态度不好"])
    ]

    finish_one(api, 2)
    expect(page.locator("[data-view=rate]")).to_be_visible()
    hall.clock.advance(61)  # the rating window (60 s in this hall) closed on the core's clock
    page.click(".face[data-score='5']")
    expect(page.locator("#thanks-title")).to_have_text("评价时间已过，感谢您的支持")
    assert len(api.ratings()) == 1


def test_web_evaluator_follows_the_cores_arming_when_the_next_citizen_comes(pages, api):
    page = pages.open("/evaluator?window=1", TABLET)
    set_up_evaluator(page)
    expect(page.locator("[data-view=idle]")).to_be_visible()
    caller = api("caller-1")
    finish_one(api, 1)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"(5\d|60) 秒"))  # rating_window_s = 60
    following = api("kiosk-1").issue("general")
    api().move(following["id"], 1)
    caller.act(1, "call")  # the next citizen is called: the one before has the grace left (rating_grace_s = 20)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"(1\d|20) 秒"))
    caller.act(1, "start")  # and is at the counter: the faces go at once
    expect(page.locator("[data-view=idle]")).to_be_visible()

    caller.act(1, "finish")
    expect(page.locator("[data-view=rate]")).to_be_visible()
    status, _, _ = api().request("POST", f"/api/v1/tickets/{following['id']}/rating", {"score": 5})
    assert status == 201
    expect(page.locator("[data-view=idle]")).to_be_visible()  # rated from the citizen's phone: the tablet goes idle
    assert [r["score"] for r in api.ratings()] == [5]


def test_web_evaluator_refuses_a_caller_token(pages):
    page = pages.open("/evaluator", TABLET)
    set_up_evaluator(page, "caller-4")
    expect(page.locator("#setup-error")).to_have_text("此设备不是评价器")


def test_web_evaluator_shows_faces_when_it_opens_on_an_armed_window(pages, api):
    finish_one(api, 3)
    page = pages.open("/evaluator?window=3", TABLET)
    set_up_evaluator(page)
    expect(page.locator("[data-view=rate]")).to_be_visible()
    expect(page.locator("#rate-for")).to_have_text("3号窗口")
    page.click(".face[data-score='5']")
    expect(page.locator("#thanks-sub")).to_have_text("您的评价：非常满意")


# --- the citizen's ticket page -------------------------------------------------------------------------------------
def test_ticket_page_live_status_move_and_cancel(pages, api):
    kiosk = api("kiosk-1")
    caller = api("caller-1")
    for n in (1, 2, 3):
        caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": str(n) * 4})
    others = [kiosk.issue("general") for _ in range(5)]  # windows 1, 2, 3, 1, 2
    mine = kiosk.issue("general")  # window 3, two ahead of it there
    assert mine["window"] == 3
    seen: list[str] = []
    page = pages.open(f"/t/{mine['id']}", PHONE)
    page.on("response", lambda r: seen.append(r.text()) if r.request.resource_type in ("fetch", "xhr") else None)
    expect(page.locator("#number")).to_have_text(mine["number"])
    expect(page.locator("#service")).to_have_text("通办业务")
    expect(page.locator("#status")).to_have_text("等候中 · 排在 3号窗口")
    expect(page.locator("#ahead")).to_have_text("1 人")
    expect(page.locator("#open-move")).to_have_text("换个窗口（2）")  # one button, not a row per window
    expect(page.locator("#windows")).to_be_hidden()
    shot(page, "ticket-waiting")
    page.click("#open-move")
    expect(page.locator("#windows li .name")).to_have_text(["3号窗口", "1号窗口", "2号窗口"])  # its own first
    expect(page.locator("#windows li[data-window='3'] .here")).to_have_text("当前")

    caller.act(1, "call")  # window 1 calls its first: the page follows live
    expect(page.locator("#windows li[data-window='1'] .facts")).to_contain_text("前面还有 1 人")
    page.click("#windows li[data-window='1'] button")
    expect(page.locator("#confirm-text")).to_have_text(re.compile(r"改到 1号窗口？前面 1 人，预计等候 约 \d+ 分钟。"))
    shot(page, "ticket-move")
    page.click("#confirm-yes")
    expect(page.locator("#move-sheet")).to_be_hidden()
    expect(page.locator("#status")).to_have_text("等候中 · 排在 1号窗口")
    page.click("#open-move")
    page.mouse.click(195, 40)  # beside the sheet: it closes
    expect(page.locator("#move-sheet")).to_be_hidden()
    assert api().ticket(mine["id"])["window"] == 1

    caller.act(1, "call")
    caller.act(1, "call")  # window 1 reaches this ticket
    expect(page.locator("#status")).to_have_text("请到 1号窗口 办理")
    expect(page.locator("#cancel")).to_be_hidden()
    shot(page, "ticket-called")

    other = kiosk.issue("card")
    page2 = pages.open(f"/t/{other['id']}", PHONE)
    page2.on("response", lambda r: seen.append(r.text()) if r.request.resource_type in ("fetch", "xhr") else None)
    expect(page2.locator("#status")).to_contain_text("等候中")
    page2.click("#cancel")
    expect(page2.locator("#confirm-text")).to_have_text(f"确定取消 {other['number']}？取消后如需办理要重新取号。")
    page2.click("#confirm-yes")
    expect(page2.locator("#status")).to_have_text("已取消")
    assert api().ticket(other["id"])["status"] == "cancelled"

    for ticket in others:  # the pages showed numbers, never another ticket's id
        assert all(ticket["id"] not in body for body in seen)
        assert ticket["id"] not in page.content() and ticket["id"] not in page2.content()


def test_ticket_page_for_an_unknown_ticket(pages):
    page = pages.open("/t/no-such-ticket-0000", PHONE)
    expect(page.locator("[data-view=unknown]")).to_have_text("没有找到这张号票，它可能已过期")


def test_ticket_page_in_english(browser, tmp_path):
    config_path = tmp_path / "hall.toml"
    config_path.write_text(hall_toml().replace('locale = "zh-Hans"', 'locale = "en"'), encoding="utf-8")
    with serve(tmp_path, config=load_hall(config_path)) as running:
        api = Api(running.url)
        opened = Pages(browser, running.url)
        try:
            for n in (1, 2):
                api("caller-1").act(n, "sign-in", {"clerk": f"c0{n}", "pin": str(n) * 4})
            api("kiosk-1").issue("general")
            ticket = api("kiosk-1").issue("general")
            page = opened.open(f"/t/{ticket['id']}", PHONE)
            expect(page.locator("#status")).to_have_text("Waiting · Queued at Window 2")
            expect(page.locator("[data-t=your_number]")).to_have_text("Your number")
            shot(page, "ticket-en")
            caller_page = opened.open("/caller")
            expect(caller_page.locator("[data-view=sign-in] h2")).to_have_text("Sign in at a window")
        finally:
            opened.close()
            api.close()
        assert opened.errors == []


def reviewer(url: str) -> Any:
    """A reviewer's browser-less session at the review station (r1 of the case hall), through the real API."""
    import http.cookiejar
    import json
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def send(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Onewindow-Session": "clerk"}
        with opener.open(urllib.request.Request(url + path, data=data, method=method, headers=headers)) as answer:
            return json.loads(answer.read() or b"null")

    send("POST", "/api/v1/session", {"clerk": "r1", "pin": "7001", "station": "review"})
    return send


def test_ticket_page_from_waiting_to_called_to_reviewed_and_rated_once(browser, tmp_path):
    from tests.support.cases import case_hall_toml

    (tmp_path / "hall.toml").write_text(case_hall_toml(), encoding="utf-8")
    with serve(tmp_path, config=load_hall(tmp_path / "hall.toml")) as running:
        api, opened = Api(running.url), Pages(browser, running.url)
        try:
            caller = api("caller-4")
            caller.act(4, "sign-in", {"clerk": "c04", "pin": "4444"})  # 社保卡 (review by the card unit) at 4 only
            api("kiosk-1").issue("card")
            caller.act(4, "call")  # the citizen before is at the counter
            mine = api("kiosk-1").issue("card")
            page = opened.open(f"/t/{mine['id']}", PHONE)
            expect(page.locator("#status")).to_have_text("等候中 · 排在 4号窗口")
            # nobody ahead, and still a wait: the page says why, in the kiosk's rounding
            expect(page.locator("#ahead")).to_have_text("0 人")
            expect(page.locator("#wait")).to_have_text(re.compile(r"^约 [1-9] 分钟$"))
            expect(page.locator("#why")).to_have_text("您前面没有人等候；窗口正在为前一位市民办理，办完就叫您的号。")
            expect(page.locator("#open-move")).to_be_hidden()  # no other staffed window serves 社保卡
            expect(page.locator("#cancel")).to_be_in_viewport()
            expect(page.locator("#guide")).to_have_attribute("open", "")
            expect(page.locator("#guide-called")).to_have_text(re.compile("最多呼叫 3 次"))  # recall_limit 2, +1
            shot(page, "ticket-nobody-ahead")

            caller.act(4, "call")
            expect(page.locator("#status")).to_have_text("请到 4号窗口 办理")
            expect(page.locator("#cancel")).to_be_hidden()
            expect(page.locator("#rating")).to_be_hidden()
            caller.act(4, "finish")  # handled at the window: the card unit reviews it
            expect(page.locator("#status")).to_have_text("审核中")
            expect(page.locator("#steps li")).to_have_text(["窗口受理", "审核", "办结"])
            expect(page.locator("#steps li.now")).to_have_text("审核")
            expect(page.locator("#stage-text")).to_have_text("窗口已受理，社会保障卡服务中心正在审核，请在大厅稍候。")

            expect(page.locator("#rating-title")).to_have_text("请为本次服务评价")
            page.click(".score[data-score='2']")
            expect(page.locator("#reasons .chip")).to_have_count(6)
            page.click("#reasons .chip:text-is('等候时间太长')")
            shot(page, "ticket-rating")
            page.click("#send-rating")
            expect(page.locator("#rated")).to_have_text("您已评价：不满意，感谢您的反馈（等候时间太长）")
            assert [(r["number"], r["score"], r["reasons"]) for r in api.ratings()] == [
                (mine["number"], 2, ["等候时间太长"])
            ]
            # the window's evaluator is still armed for this ticket: the core refuses a second rating
            status, answer, _ = api("eval-4").request("POST", "/api/v1/windows/4/rating", {"score": 5})
            assert (status, answer["error"]["code"]) == (409, "already_rated")

            send = reviewer(running.url)
            case = next(c for c in send("GET", "/api/v1/cases?unit=card")["cases"] if c["number"] == mine["number"])
            send("POST", f"/api/v1/cases/{case['id']}/review", {"decision": "pass", "note": ""})
            expect(page.locator("#status")).to_have_text("已办结，感谢您的光临")  # live, from the case's event
            expect(page.locator("#steps li.now")).to_have_text("办结")
            expect(page.locator("#rated")).to_be_visible()
            shot(page, "ticket-done")
        finally:
            opened.close()
            api.close()
        assert opened.errors == []


def test_a_ticket_rated_on_the_evaluator_shows_that_rating_on_the_phone(pages, api):
    ticket = finish_one(api, 1)
    page = pages.open(f"/t/{ticket['id']}", PHONE)
    expect(page.locator("#rating-title")).to_have_text("请为本次服务评价")
    assert api("eval-1").request("POST", "/api/v1/windows/1/rating", {"score": 4})[0] == 201
    expect(page.locator("#rated")).to_have_text("您已评价：满意，感谢您的反馈")  # live, from rating.recorded
    expect(page.locator("#scores .score")).to_have_count(0)


def test_the_pages_round_and_word_waits_as_the_kiosk_prints_them(pages):
    from onewindow.kiosk.ticket import wait_minutes

    page = pages.open("/t/no-such-ticket-0000", PHONE)
    expect(page.locator("[data-view=unknown]")).to_be_visible()
    seconds = [0, 29, 30, 89, 90, 299, 569, 570, 599, 600, 749, 750, 1799, 3299, 3300, 3599, 3600, 5399, 5400, 9000]
    assert page.evaluate("all => all.map(waitMinutes)", seconds) == [wait_minutes(s) for s in seconds]
    facts = page.evaluate(
        "cases => cases.map(([ahead, s, busy]) => waitFacts(ahead, s, busy))",
        [[2, 180, False], [0, 180, True], [0, 180, False], [0, 0, False], [3, None, False], [1, 5400, False]],
    )
    assert facts == [
        {"ahead": "2 人", "wait": "约 3 分钟", "why": ""},
        {"ahead": "0 人", "wait": "约 3 分钟", "why": "窗口正在办理"},  # nobody ahead, a wait: say why
        {"ahead": "0 人", "wait": "—", "why": ""},  # nobody ahead, a wait, no reason known: show none
        {"ahead": "0 人", "wait": "无需等候", "why": ""},
        {"ahead": "3 人", "wait": "—", "why": ""},  # nobody staffed for the service: no estimate
        {"ahead": "1 人", "wait": "约 1 小时 30 分钟", "why": ""},
    ]


def test_web_evaluator_shows_the_clerks_photo_and_sends_ticked_reasons_when_the_next_citizen_starts(browser, tmp_path):
    from tests.test_ratings import png

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "c01.png").write_bytes(png(30, 40))
    text = hall_toml(extra='\n[rating]\nreasons = ["排队太久", "态度生硬"]\n')
    (tmp_path / "hall.toml").write_text(text.replace('name = "职员1"\n', 'name = "职员1"\nphoto = "photos/c01.png"\n'))
    with serve(tmp_path, config=load_hall(tmp_path / "hall.toml")) as running:
        api, opened = Api(running.url), Pages(browser, running.url)
        try:
            page = opened.open("/evaluator?window=1", TABLET)
            set_up_evaluator(page)
            first = finish_one(api, 1)
            expect(page.locator("#rate-clerk img.photo")).to_have_attribute("src", "/clerks/c01/photo")
            page.click(".face[data-score='2']")
            expect(page.locator("#reason-chips .reason")).to_have_text(["排队太久", "态度生硬"])  # the hall's own
            page.click("#reason-chips .reason:text-is('态度生硬')")
            following = api("kiosk-1").issue("general")
            api().move(following["id"], 1)
            api("caller-1").act(1, "call")
            api("caller-1").act(1, "start")  # the next citizen at the counter: the screen ends, sending what was ticked
            expect(page.locator("#thanks-sub")).to_have_text("我们会认真改进，感谢您的反馈")
            assert [(r["number"], r["reasons"]) for r in api.ratings()] == [(first["number"], ["态度生硬"])]
            expect(page.locator("[data-view=idle]")).to_be_visible(timeout=15_000)
            photo = page.locator("#idle-clerk img.photo")
            expect(photo).to_be_visible()
            assert photo.evaluate("img => img.complete && img.naturalWidth") == 30  # served by the core, loaded
            shot(page, "evaluator-photo")
        finally:
            opened.close()
            api.close()
        assert opened.errors == []
