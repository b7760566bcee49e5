"""The review station and the clerk's side of cases in headless Chromium against a real core on the example hall:
a reviewer and an approver deciding live while a clerk works at the soft caller, a return reaching the clerk with
its note and resubmitted, duties kept apart on the page, overdue cases standing out; and the soft caller's fixes of
issue 15 (the pause warning, the transfer dialog's windows, no toast over a dialog, narrow screens, the day's
figures, the pad's key order) and the key card in the hall's words. Screenshots go to tests/artifacts/review/."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from onewindow.client import CoreClient
from onewindow.dispatch.api import create_app
from onewindow.dispatch.api.signins import CookieRules
from onewindow.hallfile import load_hall
from tests.support.hall import EXAMPLES, ROOT, TZ, Clock, RunningCore, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = ROOT / "tests" / "artifacts" / "review"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PIN = "1234"  # every example clerk's
PC = {"width": 1440, "height": 900}


def example_token(role: str) -> str:
    with open(EXAMPLES / f"{role}.toml", "rb") as f:
        return str(tomllib.load(f)["token"])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[RunningCore]:
    clock = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))  # a Friday morning: the hall is open
    with serve(tmp_path, clock=clock, config=load_hall(EXAMPLES / "hall.toml")) as running:
        yield running


@pytest.fixture
def kiosk(hall: RunningCore) -> Iterator[CoreClient]:
    with CoreClient(hall.url, example_token("kiosk-1")) as client:
        yield client


@pytest.fixture
def pads(hall: RunningCore) -> Iterator[CoreClient]:
    """The RS-485 caller pads of windows 14-26."""
    with CoreClient(hall.url, example_token("caller-bus")) as client:
        yield client


class Pages:
    """Pages, each in its own browser context (its own cookies: one person per PC); a script error fails the test."""

    def __init__(self, browser: Any, url: str):
        self.browser, self.url = browser, url
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def open(self, path: str, viewport: dict[str, int] = PC) -> Any:
        context = self.browser.new_context(viewport=viewport, device_scale_factor=1)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{path}: {exc}"))
        page.goto(self.url + path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, hall: RunningCore) -> Iterator[Pages]:
    opened = Pages(browser, hall.url)
    yield opened
    opened.close()
    assert opened.errors == []


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def at_review_station(pages: Pages, clerk: str, viewport: dict[str, int] = PC) -> Any:
    page = pages.open("/review", viewport)
    expect(page.locator("[data-view=sign-in] h2")).to_have_text("审核审批登录")
    page.fill("#clerk", clerk)
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    expect(page.locator("[data-view=station]")).to_be_visible()
    return page


def at_caller(pages: Pages, window: int, viewport: dict[str, int] = PC) -> Any:
    page = pages.open("/caller", viewport)
    page.select_option("#window", str(window))
    page.fill("#clerk", f"c{window:02d}")
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    expect(page.locator("#desk-window")).to_have_text(f"{window}号窗口")
    return page


def case_row(page: Any, number: str) -> Any:
    return page.locator("#cases li.case", has=page.locator(".number", has_text=number))


# --- the review station ---------------------------------------------------------------------------------------------
def test_a_reviewer_and_an_approver_decide_live_while_a_clerk_works(pages, kiosk, hall):
    clerk = at_caller(pages, 19)  # 养老待遇核定: approve business of 社会保险事业管理中心
    reviewer = at_review_station(pages, "r01")  # 赵敏 reviews it
    approver = at_review_station(pages, "r02")  # 孙强 approves it
    expect(reviewer.locator("#me")).to_have_text("赵敏")
    expect(reviewer.locator("#duties")).to_have_text("审核 · 社会保险事业管理中心、机关事业单位养老保险中心")
    expect(reviewer.locator("#cases li.empty")).to_have_text("暂无待审核、审批的业务")

    ticket = kiosk.issue("pension-review")
    clerk.keyboard.press("NumpadAdd")
    expect(clerk.locator("#current-number")).to_have_text(ticket["number"])
    hall.clock.advance(15 * 60)
    clerk.keyboard.press("NumpadEnter")  # the window's finish opens the case
    row = case_row(reviewer, ticket["number"])
    expect(row.locator(".stage")).to_have_text("待审核")  # live, by case.opened
    expect(row.locator(".what strong")).to_have_text("养老待遇核定")
    expect(row.locator(".who")).to_have_text("19号窗口 · 杜鹏 经办".replace("杜鹏", clerk_name(hall, "c19")))
    expect(row.locator(".time small")).to_have_text("时限 60 分钟")
    expect(reviewer.locator("#open-count")).to_have_text("待处理 1 件")
    expect(case_row(approver, ticket["number"]).locator(".stage")).to_have_text("待审核")
    expect(case_row(approver, ticket["number"]).locator(".decide button.pass")).to_be_disabled()  # not yet theirs
    expect(approver.locator("#open-count")).to_have_text("待处理 0 件")
    shot(reviewer, "review-opened")

    reviewer.keyboard.press("r")  # return: a note is required
    expect(reviewer.locator("#decide-title")).to_have_text(f"退回 {ticket['number']} 至 19号窗口 补正")
    reviewer.keyboard.press("Enter")
    expect(reviewer.locator("#decide-error")).to_have_text("请写明退回原因")
    reviewer.fill("#note", "缺少单位出具的退休审批表")
    reviewer.keyboard.press("Enter")
    expect(reviewer.locator("#toast")).to_have_text(f"{ticket['number']} 已退回 19号窗口")
    expect(row.locator(".stage")).to_have_text("已退回 19号窗口 补正")
    expect(row.locator(".decide button.pass")).to_be_disabled()

    # the clerk sees the return with the reviewer's note, live
    returned = clerk.locator("#returned li")
    expect(returned.locator(".number")).to_have_text(ticket["number"])
    expect(returned.locator(".note")).to_have_text("缺少单位出具的退休审批表")
    expect(returned.locator(".from")).to_contain_text("审核退回 · 赵敏")
    shot(clerk, "caller-returned")
    clerk.keyboard.press("b")
    expect(clerk.locator("#resubmit-title")).to_have_text(f"重新提交 {ticket['number']}")
    clerk.fill("#resubmit-note", "已补审批表")
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#toast")).to_have_text(f"{ticket['number']} 已重新提交审核")
    expect(clerk.locator("#returned")).to_be_hidden()
    expect(clerk.locator("#in-flow")).to_have_text("本窗口在审 1 件")

    expect(row.locator(".stage")).to_have_text("待审核")  # back at the reviewer, live, the same case
    expect(row.locator(".who")).to_contain_text("第 2 次提交")
    expect(row.locator(".steps li")).to_have_count(3)
    reviewer.keyboard.press("p")
    expect(reviewer.locator("#decide-title")).to_have_text(f"审核通过 {ticket['number']}")
    reviewer.keyboard.press("Enter")  # a note is optional for a pass
    expect(reviewer.locator("#toast")).to_have_text(f"{ticket['number']} 审核通过")

    approving = case_row(approver, ticket["number"])
    expect(approving.locator(".stage")).to_have_text("待审批")
    expect(approver.locator("#open-count")).to_have_text("待处理 1 件")
    approver.click(f"#cases li.case[data-case] >> text={ticket['number']}")
    approving.locator(".decide button.pass").click()
    approver.locator("#decide-yes").click()
    expect(approver.locator("#toast")).to_have_text(f"{ticket['number']} 审批通过")
    expect(approver.locator("#cases li.empty")).to_be_visible()
    expect(reviewer.locator("#cases li.empty")).to_be_visible()
    expect(clerk.locator("#in-flow")).to_be_hidden()
    with CoreClient(hall.url) as citizen:
        assert citizen.ticket(ticket["id"])["case"]["status"] == "done"


def clerk_name(hall: RunningCore, clerk: str) -> str:
    return next(c.name for c in hall.config.clerks if c.id == clerk)


def test_nobody_reviews_their_own_case_and_overdue_ones_stand_out(pages, kiosk, pads, hall):
    for n in (23, 24):
        pads.act(n, "sign-in", {"clerk": f"c{n}", "pin": PIN})
    first = kiosk.issue("medical-remote")  # review business of 医疗保障服务中心, 30 minutes' limit
    pads.act(23, "call")
    pads.act(23, "finish")
    reviewer = at_review_station(pages, "c28")  # 邓辉: a window clerk who also reviews the medical centre's cases
    expect(case_row(reviewer, first["number"]).locator(".stage")).to_have_text("待审核")
    expect(case_row(reviewer, first["number"]).locator(".time > span")).to_have_text(re.compile(r"已用 "))

    hall.clock.advance(31 * 60)
    pads.act(24, "sign-out")
    pads.act(24, "sign-in", {"clerk": "c28", "pin": PIN})  # 邓辉 takes window 24 and handles one himself
    second = kiosk.issue("medical-remote")
    pads.act(24, "call")
    pads.act(24, "finish")
    own = case_row(reviewer, second["number"])
    expect(own).to_be_visible()  # live; the oldest first
    expect(reviewer.locator("#cases li.case .number")).to_have_text([first["number"], second["number"]])
    late = case_row(reviewer, first["number"])
    expect(late).to_have_class(re.compile(r"\boverdue\b"))
    expect(late.locator(".late")).to_have_text("超时 1 分钟")
    expect(reviewer.locator("#overdue-count")).to_have_text("超时 1 件")
    expect(own).not_to_have_class(re.compile(r"\boverdue\b"))

    reviewer.keyboard.press("ArrowDown")
    expect(own.locator(".blocked-why")).to_have_text("本人经办，须由他人审核")
    expect(own.locator(".decide button.pass")).to_be_disabled()
    reviewer.keyboard.press("p")
    expect(reviewer.locator("#toast")).to_have_text("本人经办，须由他人审核")
    expect(reviewer.locator("#decide")).to_be_hidden()
    shot(reviewer, "review-own-and-overdue")
    # the core refuses it all the same, if asked by hand
    refused = reviewer.evaluate(
        """async (id) => (await fetch(`/api/v1/cases/${id}/review`, {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-Onewindow-Session': 'clerk'},
              body: JSON.stringify({decision: 'pass'})})).json()""",
        own.get_attribute("data-case"),
    )
    assert refused["error"]["code"] == "same_person"

    reviewer.keyboard.press("ArrowUp")
    reviewer.keyboard.press("Enter")
    reviewer.keyboard.press("Enter")
    expect(reviewer.locator("#toast")).to_have_text(f"{first['number']} 审核通过")
    expect(reviewer.locator("#cases li.case .number")).to_have_text([second["number"]])
    expect(reviewer.locator("#overdue-count")).to_be_hidden()


def test_the_review_station_refuses_a_clerk_without_the_duty_and_fits_a_phone(pages, kiosk, pads):
    page = pages.open("/review", {"width": 390, "height": 844})
    page.fill("#clerk", "c01")
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    expect(page.locator("#sign-in-error")).to_have_text("此工号没有审核或审批职责")
    page.fill("#pin", "0000")
    page.click("#sign-in-button")
    expect(page.locator("#sign-in-error")).to_have_text("工号或密码错误")
    pads.act(23, "sign-in", {"clerk": "c23", "pin": PIN})
    kiosk.issue("medical-remote")
    pads.act(23, "call")
    pads.act(23, "finish")
    page.fill("#clerk", "r03")
    page.fill("#pin", PIN)
    page.click("#sign-in-button")
    expect(page.locator("#cases li.case")).to_have_count(1)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing stretches the page sideways
    page.reload()  # still signed in, with the same list
    expect(page.locator("#me")).to_have_text("周婷")
    expect(page.locator("#cases li.case")).to_have_count(1)


# --- the soft caller (issue 15) ---------------------------------------------------------------------------------------
def test_pausing_with_a_citizen_called_warns_first(pages, kiosk, hall):
    page = at_caller(pages, 1)
    ticket = kiosk.issue("general")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.keyboard.press("NumpadDivide")
    expect(page.locator("#pause-warning-text")).to_have_text(
        f"{ticket['number']} 已呼叫，市民可能正在赶来。暂停前须先处理此号。"
    )
    expect(page.locator("#pause")).to_be_hidden()
    shot(page, "caller-pause-warning")
    page.keyboard.press("Escape")
    expect(page.locator("#pause-warning")).to_be_hidden()
    expect(page.locator("#desk-state")).to_have_text("服务中")
    page.keyboard.press("NumpadDivide")
    page.keyboard.press("NumpadDecimal")  # the no-show key: 过号并暂停
    expect(page.locator("#pause")).to_be_visible()  # then the pause's reasons
    page.keyboard.press("2")
    expect(page.locator("#desk-state")).to_have_text("暂停服务 · 会议")
    with CoreClient(hall.url) as citizen:
        assert citizen.ticket(ticket["id"])["status"] == "no_show"

    page.keyboard.press("p")  # resume, then serve someone: the warning offers no no-show to one being served
    expect(page.locator("#desk-state")).to_have_text("服务中")
    other = kiosk.issue("general")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text(other["number"])
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("办理中")
    page.keyboard.press("NumpadDivide")
    expect(page.locator("#pause-warning-text")).to_have_text(f"正在办理 {other['number']}：请先办结或转移，再暂停。")
    expect(page.locator("#pause-warning-no-show")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("#pause-warning")).to_be_hidden()
    expect(page.locator("#current-number")).to_have_text(other["number"])


def test_the_transfer_dialog_shows_each_windows_state_and_queue(pages, kiosk, hall):
    with CoreClient(hall.url, example_token("caller-keypads")) as keypads:
        for n in (2, 3, 4):
            keypads.act(n, "sign-in", {"clerk": f"c{n:02d}", "pin": PIN})
        keypads.act(3, "pause", {"reason": "午休"})
    page = at_caller(pages, 1)
    tickets = [kiosk.issue("general") for _ in range(5)]
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#toast")).to_be_visible()
    # the call is answered before the page knows its ticket: * transfers only a ticket the page shows
    expect(page.locator("#current-number")).to_have_text(re.compile(r"^A\d{3}$"))
    page.keyboard.press("NumpadMultiply")
    expect(page.locator("#transfer")).to_be_visible()
    expect(page.locator("#toast")).to_be_hidden()  # an earlier message never lies over the dialog
    choice = page.locator("#transfer-windows .window-choice[data-window='2']")
    expect(choice).to_have_text(re.compile(r"2号窗口\s*服务中\s*\d+ 人等候"))
    expect(choice).to_be_enabled()
    paused = page.locator("#transfer-windows .window-choice[data-window='3']")
    expect(paused).to_have_text(re.compile(r"3号窗口\s*暂停服务\s*0 人等候"))
    expect(paused).to_be_disabled()
    nobody = page.locator("#transfer-windows .window-choice[data-window='5']")
    expect(nobody).to_have_text(re.compile(r"5号窗口\s*暂无人员"))
    expect(nobody).to_be_disabled()
    style = nobody.evaluate("b => [getComputedStyle(b).opacity, getComputedStyle(b).borderStyle]")
    assert style == ["1", "dashed"]  # plainly off: grey and dashed, not a faded live button
    expect(page.locator("#transfer-services li").first).to_contain_text("人等候")
    page.evaluate("() => toast('消息')")  # a message while the dialog is open shows above it
    toast_box = page.locator("#toast").bounding_box()
    dialog_box = page.locator("#transfer > div").bounding_box()
    assert toast_box["y"] + toast_box["height"] <= dialog_box["y"]
    shot(page, "caller-transfer-states")
    choice.click()
    expect(page.locator("#toast")).to_contain_text("已转至 2号窗口")
    assert len(tickets) == 5


def test_the_soft_caller_takes_the_pads_order_a_number_then_star(pages, kiosk, hall):
    page = at_caller(pages, 1)
    first = kiosk.issue("general")
    second = kiosk.issue("general")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text(first["number"])
    page.keyboard.press("Numpad3")  # a stray digit before call is a slip: cleared, nothing sent
    expect(page.locator("#typed")).to_have_text("已输入 3")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#toast")).to_have_text("已清除输入的数字")
    expect(page.locator("#current-number")).to_have_text(first["number"])
    services = [s.id for s in load_hall(EXAMPLES / "hall.toml").services]
    page.keyboard.press("Numpad4")  # 4 then *: the hall's 4th service, as on the pad and the key card
    page.keyboard.press("NumpadMultiply")
    expect(page.locator("#toast")).to_contain_text(f"{first['number']} 已转至")
    with CoreClient(hall.url) as citizen:
        assert citizen.ticket(first["id"])["service"] == services[3] == "medical-remote"
    expect(page.locator("#today-calls")).to_have_text("呼叫 1")
    expect(page.locator("#today-finished")).to_have_text("办结 0")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text(second["number"])
    hall.clock.advance(6 * 60)
    page.keyboard.press("NumpadEnter")
    expect(page.locator("#today-finished")).to_have_text("办结 1")
    expect(page.locator("#today-handling")).to_have_text("平均办理 6 分钟")


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1024, "height": 768}])
def test_on_a_narrow_screen_nothing_covers_the_buttons_or_cuts_the_number(pages, kiosk, size):
    page = at_caller(pages, 1, size)
    for _ in range(6):
        kiosk.issue("general")
    page.keyboard.press("NumpadAdd")
    expect(page.locator("#current-number")).to_have_text("A001")
    queue = page.locator(".queue").bounding_box()
    for button in ("#do-finish", "#do-pause", "#do-call"):
        box = page.locator(button).bounding_box()
        apart = box["y"] + box["height"] <= queue["y"] or box["x"] + box["width"] <= queue["x"]
        assert apart, (button, box, queue)
    number = page.locator("#current-number")
    assert number.evaluate("n => n.scrollWidth <= n.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= size["width"]
    shot(page, f"caller-{size['width']}")


def test_the_key_card_speaks_the_halls_language_only(pages):
    page = pages.open("/caller/keys", {"width": 1100, "height": 640})
    expect(page.locator("#services li")).to_have_count(5)
    expect(page.locator("h1")).to_have_text("呼叫器按键说明")
    words = page.evaluate("() => document.body.innerText")
    legends = {"NumLock", "Enter", "Backspace", "RS"}  # printed on the keys themselves
    english = set(re.findall(r"[A-Za-z]{2,}", words)) - legends
    assert english == set(), english
    expect(page.locator(".key", has_text="*")).to_contain_text("先按数字")
    shot(page, "caller-keys")


def test_a_clerk_at_a_window_reads_only_their_own_figures(hall, kiosk):
    client = create_app(hall.core, cookies=CookieRules()).test_client()
    with CoreClient(hall.url, example_token("caller-keypads")) as keypads:
        keypads.act(2, "sign-in", {"clerk": "c02", "pin": PIN})
        kiosk.issue("general")
        keypads.act(2, "call")
    assert client.post("/api/v1/session", json={"clerk": "c01", "pin": PIN, "window": 1}).status_code == 200
    kiosk.issue("general")
    assert client.post("/api/v1/windows/1/call", json={}).status_code == 200
    answer = client.get("/api/v1/stats")
    assert answer.status_code == 200
    assert [(r["clerk"], r["calls"]) for r in answer.json["clerks"]] == [("c01", 1)]
    assert set(answer.json) == {"date", "clerks"}  # no colleague's row, no hall totals
