"""The appraisal pages in headless Chromium against a real core: a manager records marks and feedback on
/manage/appraisal, and the clerk sees their own sheet, and only theirs, from the soft caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.appraisal import D1, D2, SHEET, Scene, two_days
from tests.support.hall import PINS, serving
from tests.test_manage_page import CHROMIUM_ARGS

ARTIFACTS = Path(__file__).parent / "artifacts" / "appraisal"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_a_manager_records_marks_and_feedback_and_the_clerk_sees_their_own_sheet(tmp_path, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    scene = Scene(str(tmp_path / "hall.sqlite"))
    two_days(scene)
    try:
        with serving(scene.core) as (url, _):
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(f"{url}/manage/appraisal?from={D1}&to={D2}")
            page.fill("input[name=user]", "manager")
            page.fill("input[name=password]", "manager-pw")
            page.click("#login-form button")
            page.wait_for_selector("#sheet tr[data-clerk='c01']")
            assert [r.get_attribute("data-clerk") for r in page.query_selector_all("#sheet tr[data-clerk]")] == [
                r["clerk"] for r in SHEET
            ]
            assert "82.2" in page.inner_text("#sheet tr[data-clerk='c01']")
            page.click("#sheet tr[data-clerk='c02']")
            page.wait_for_selector("#clerk-title:has-text('职员2（c02）的考核')")
            assert "权重：工作数量 40 · 工作效率 10 · 服务态度 30 · 定性评价 20" in page.inner_text("#weights")
            for name, value in (
                ("morals", 95),
                ("ability", 85),
                ("dedication", 90),
                ("integrity", 100),
                ("learning", 80),
            ):
                page.fill(f"#marks-form input[name={name}]", str(value))
            page.click("#marks-form button[type=submit]")
            page.wait_for_selector("#marks-note:has-text('评分已保存')")
            # marks 90 now count: (40*66.67 + 10*100 + 30*0 + 20*90) / 100 = 54.7
            page.wait_for_selector("#sheet tr[data-clerk='c02'] td.total:has-text('54.7')")
            page.wait_for_selector("#marks-history td:has-text('manager')")
            page.fill("#feedback-form textarea", "差评要及时回访，注意说明材料要求")
            page.click("#feedback-form button[type=submit]")
            page.wait_for_selector("#feedback-history:has-text('差评要及时回访')")
            page.screenshot(path=str(ARTIFACTS / "manager-1440.png"), full_page=True)
            for width, height in ((1024, 768), (390, 844)):  # the sheet scrolls in its box, never the page
                page.set_viewport_size({"width": width, "height": height})
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(ARTIFACTS / f"manager-{width}.png"), full_page=True)

            logged = [e for e in scene.core.store.audit_entries() if e["data"].find('"c02"') >= 0]
            assert [(e["actor"], e["action"]) for e in logged if e["action"].startswith("appraisal.")] == [
                ("user:manager", "appraisal.marked"),
                ("user:manager", "appraisal.feedback"),
            ]

            phone = browser.new_context(viewport={"width": 390, "height": 844})
            desk = phone.new_page()
            desk.goto(f"{url}/caller")
            desk.select_option("#window", "3")
            desk.fill("#clerk", "c02")
            desk.fill("#pin", PINS["c02"])
            desk.click("#sign-in-button")
            desk.wait_for_selector("#my-sheet:has-text('我的考核')")
            with phone.expect_page() as opened:  # a tab of its own: the desk keeps calling
                desk.click("#my-sheet")
            clerk = opened.value
            clerk.wait_for_url(f"{url}/caller/sheet")
            clerk.fill("#from", D1)
            clerk.fill("#to", D2)
            clerk.dispatch_event("#to", "change")
            clerk.wait_for_selector("#total:has-text('54.7')")
            assert clerk.inner_text("#who") == "职员2（c02）"
            assert clerk.inner_text("#rank") == "第 4 名，共 7 人"
            assert "差评要及时回访，注意说明材料要求" in clerk.inner_text("#feedback")
            marks = clerk.inner_text("#marks")
            assert "品德" in marks and "95" in marks and "90" in marks
            assert clerk.evaluate("document.documentElement.scrollWidth") <= 390
            clerk.screenshot(path=str(ARTIFACTS / "clerk-390.png"), full_page=True)
            # only theirs: the manager's pages and other clerks' sheets stay closed to the clerk's session
            other = clerk.evaluate(
                f"""fetch('/api/v1/appraisal/c01?from={D1}&to={D2}',
                    {{headers: {{'X-Onewindow-Session': 'clerk'}}}}).then(r => r.status)"""
            )
            assert other == 403
    finally:
        scene.close()
