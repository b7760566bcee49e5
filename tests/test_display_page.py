"""The TV page drawn from real halls: quiet, busy (26 windows past A1000), a paused window, the core away, in
zh-Hans, zh-Hant and en, at 1920x1080, 1280x720, 3840x2160 and portrait 1080x1920.

Every picture is saved in tests/artifacts/display/ for a person to look at. The assertions check what a
picture cannot be trusted to show by itself: nothing was shrunk to fit, every window has its own tile inside
the page, the newest call is large enough to read from 15 metres, the flash starts and stops, an idle page
redraws nothing, and a TV turned to portrait shows the same page turned.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from onewindow.client import CoreClient  # noqa: E402
from onewindow.credentials import token_sha256  # noqa: E402
from onewindow.display.page import AWAY, FLASH, PANEL, Page, type_heights  # noqa: E402
from onewindow.display.palette import NUMBER, PAUSED, PRIORITY, TEXT  # noqa: E402
from onewindow.display.screen import Screen, physical_rect  # noqa: E402
from onewindow.display.settings import PageOptions, ScreenSettings  # noqa: E402
from onewindow.display.state import HallState, HoursShown, Scene, parse_time, with_calls  # noqa: E402
from onewindow.hallfile import load_hall  # noqa: E402
from tests.support.hall import EXAMPLES, PINS, hall_toml, serve, token  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "display"
NOTICE = {
    "zh-Hans": "温馨提示：请携带本人身份证或社会保障卡，按叫号顺序到对应窗口办理业务；代办请携带双方身份证及委托书。",
    "zh-Hant": "溫馨提示：請攜帶本人身分證或社會保障卡，按叫號順序到對應窗口辦理業務。",
    "en": "Please bring your ID card or social security card and go to your window when your number is called.",
}
PIXEL_MM_55 = 684.9 / 1080  # a 55-inch 16:9 TV is 684.9 mm tall


def save(surface, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pygame.image.save(surface, str(path))
    return path


def english(text: str) -> str:
    """A hall file with the same windows and services, for an English-speaking hall."""
    names = {
        "测试大厅": "Test Hall",
        "某县人力资源和社会保障服务大厅": "County Employment and Social Insurance Hall",
        "通办业务": "All-in-one services",
        "社保卡业务": "Social security card",
        "工伤认定": "Work injury",
        "养老待遇核定": "Pension review",
        "异地就医与医保报销": "Medical care elsewhere",
    }
    text = text.replace('locale = "zh-Hans"', 'locale = "en"')
    for zh, en in names.items():
        text = text.replace(f'"{zh}"', f'"{en}"')
    return re.sub(r'name = "(\d+)号窗口"', r'name = "Window \1"', text)


def example_hall(folder: Path, locale: str) -> Path:
    """The example hall (26 windows), with a display token the tests know."""
    text = (EXAMPLES / "hall.toml").read_text(encoding="utf-8")
    text = re.sub(r"\n\[\[device\]\]\n(?:[^\[\n][^\n]*\n?)*", "\n", text)
    text += f'\n[[device]]\nid = "display-1"\nkind = "display"\ntoken_sha256 = "{token_sha256(token("display-1"))}"\n'
    if locale == "en":
        text = english(text)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot_of(url: str) -> dict:
    with CoreClient(url, token("display-1")) as client:
        return client.hall()


def scene_of(snapshot: dict, **options) -> Scene:
    """The scene a display shows for `snapshot`, connected, on a clock that stands at the snapshot's time."""
    now = parse_time(snapshot["now"])
    state = HallState(clock=lambda: now, **options)
    state.load(snapshot)
    state.set_connected(True)
    return state.scene()


@pytest.fixture(scope="module")
def busy_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict]]:
    """The example hall late on a busy day, in zh-Hans and en: every universal window past A1000, the
    specialist windows serving, window 20 paused, window 25 closed, the last calls a few seconds apart."""
    snapshots = {}
    for locale in ("zh-Hans", "en"):
        folder = tmp_path_factory.mktemp(f"busy-{locale}")
        with serve(folder, config=load_hall(example_hall(folder, locale))) as hall:
            core = hall.core

            def morning(h):
                for n in range(1, 27):
                    h.sign_in(n, f"c{n:02d}", "test")
                for _ in range(1030):
                    h.issue("general", False, "test")
                for service, count in (("pension-review", 4), ("injury", 3), ("medical-remote", 5), ("card", 9)):
                    for _ in range(count):
                        h.issue(service, False, "test")
                for i in range(1100):
                    h.call(1 + i % 18, "test")
                    if all(h.windows[w].current and int(h.windows[w].current.number[1:]) >= 1000 for w in range(1, 19)):
                        break
                for n in (19, 21, 22, 23, 24, 26):
                    h.call(n, "test")
                for n in range(1, 27, 2):
                    if h.windows[n].current is not None:
                        h.start(n, "test")
                h.pause(20, "test", "lunch")
                h.close(25, "test")

            core.execute(morning)
            for n in (3, 22, 12, 26, 8, 1):  # the last calls of the morning, twenty seconds apart
                hall.clock.advance(20)
                core.execute(lambda h, n=n: h.call(n, "test"))
            for _ in range(40):
                core.execute(lambda h: h.issue("general", False, "test"))
            snapshots[locale] = snapshot_of(hall.url)
    yield snapshots


@pytest.fixture(scope="module")
def busy(busy_snapshots: dict[str, dict]) -> dict[str, Scene]:
    return {locale: scene_of(snapshot) for locale, snapshot in busy_snapshots.items()}


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scene]:
    """The five-window test hall at opening time: clerks signed in, three people waiting, nobody called."""
    scenes = {}
    for locale in ("zh-Hans", "en"):
        folder = tmp_path_factory.mktemp(f"quiet-{locale}")
        text = hall_toml() if locale == "zh-Hans" else english(hall_toml())
        (folder / "hall.toml").write_text(text, encoding="utf-8")
        with (
            serve(folder, config=load_hall(folder / "hall.toml")) as hall,
            hall.client("caller-1") as caller,
            hall.client("kiosk-1") as kiosk,
        ):
            for n in (1, 2, 3):
                caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
            for service in ("general", "general", "card"):
                kiosk.issue(service)
            scenes[f"{locale}-quiet"] = scene_of(snapshot_of(hall.url))
            caller.act(1, "call")
            hall.clock.advance(15)
            caller.act(3, "call")
            caller.act(2, "pause", {"reason": "lunch"})
            scenes[f"{locale}-paused"] = scene_of(snapshot_of(hall.url))
    return scenes


def least_letter_px(size: tuple[int, int]) -> float:
    """50 mm in pixels on a 55-inch 16:9 TV of this resolution (its shorter side is 684.9 mm, landscape or not)."""
    return 50.0 / (684.9 / min(size))


def ink_height(surface, box, color) -> int:
    """The height of the letters of `color` inside `box` on the rendered page: the bounding box of the pixels
    within 60 of that colour in every channel (the strokes, not their anti-aliased edges)."""
    mask = pygame.mask.from_threshold(surface.subsurface(box), color, (60, 60, 60, 255))
    rects = mask.get_bounding_rects()
    if not rects:
        return 0
    return rects[0].unionall(rects[1:]).height


def pair_heights(surface, page: Page) -> list[tuple[str, int, int]]:
    """(ticket number, its height, its window name's lowest run's height) of every pair on the page, measured on
    the pixels in the spans the page says it drew them in."""
    heights = []
    for pair in page.pairs():
        number = ink_height(surface, pair.number_box, NUMBER if pair.row.called else TEXT)
        name = min(ink_height(surface, part, TEXT) for part in pair.name_parts)
        heights.append((pair.row.number, number, name))
    return heights


def check_page(page: Page, scene: Scene, surface=None) -> None:
    """Every row inside its list and apart from the others, nothing shrunk to fit, and every pair on the
    rendered page at least 50 mm tall on a 55-inch TV."""
    layout = page.layout(scene)
    slots = [(s, "calls") for s in layout.call_slots] + [(s, "windows") for s in layout.window_slots]
    for i, (slot, region) in enumerate(slots):
        assert layout.regions[region].contains(slot), (slot, region)
        assert slot.collidelist([s for s, _ in slots[i + 1 :]]) == -1
    assert page.overflows == set()
    width, height = page.size
    for name, box in layout.regions.items():
        assert box.width == 0 or pygame.Rect(0, 0, width, height).contains(box), name
    if surface is not None:
        least = least_letter_px(page.size)
        for number, number_h, name_h in pair_heights(surface, page):
            assert number_h >= least and name_h >= least, (number, number_h, name_h, least)


@pytest.mark.parametrize("locale", ["zh-Hans", "en"])
def test_a_quiet_hall(quiet, locale):
    scene = quiet[f"{locale}-quiet"]
    assert scene.calls == () and [w.state for w in scene.windows] == ["idle"] * 3 + ["unstaffed"] * 2
    page = Page((1920, 1080), PageOptions(notice=NOTICE[locale]))
    surface = page.render(scene)
    save(surface, f"quiet-{locale}-1920x1080")
    check_page(page, scene, surface)
    assert page.pairs() == []  # nobody called yet: the welcome, no rows
    states = page.layout(scene).regions["states"]
    assert ink_height(surface, states, PAUSED) > 0  # 暂停服务 4、5号窗口: nobody signed in there


@pytest.mark.parametrize("locale", ["zh-Hans", "en"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (3840, 2160), (1080, 1920)])
def test_a_busy_hall_fits_26_windows_with_long_numbers(busy, locale, size):
    scene = busy[locale]
    assert len(scene.windows) == 26
    numbers = [w.ticket for w in scene.windows[:18]]
    # the universal windows are past A1000 (one may be serving a card ticket, E007)
    assert sum(n is not None and n.startswith("A1") and len(n) == 5 for n in numbers) >= 15, numbers
    assert [c.number for c in scene.calls[:2]] == [scene.window(1).ticket, scene.window(8).ticket]
    assert (scene.window(20).state, scene.window(25).state) == ("paused", "closed")
    page = Page(size, PageOptions(notice=NOTICE[locale]))
    surface = page.render(scene)
    save(surface, f"busy-{locale}-{size[0]}x{size[1]}")
    # "Window 26" is 60 % wider than 26号窗口: upright, an English row of 50 mm letters is wider than the TV
    narrow = locale == "en" and size[1] > size[0]
    check_page(page, scene, None if narrow else surface)
    layout = page.layout(scene)
    if narrow:
        assert least_letter_px(size) * 0.85 <= min(min(h[1:]) for h in pair_heights(surface, page))
    # the last calls and a page of windows, each row a pair: ten on a landscape TV, nine upright; "Window 26"
    # is wider than 26号窗口, and English lists stack, fewer rows a page on a landscape TV
    assert len(page.pairs()) == len(layout.call_slots) + len(layout.window_slots)
    assert len(page.pairs()) >= (9 if locale == "zh-Hans" or size[1] > size[0] else 4)
    assert layout.band_lines == (2 if size[1] > size[0] else 1)  # a portrait page breaks the call in two


def test_traditional_characters_and_a_zone_display(busy, busy_snapshots):
    # a zh-Hant page of the same hall showing only the specialist windows 19 to 26
    scene = busy["zh-Hans"]
    zone = scene_of(busy_snapshots["zh-Hans"], locale="zh-Hant", windows=range(19, 27))
    assert [w.number for w in zone.windows] == list(range(19, 27))
    assert {c.window for c in zone.calls} <= set(range(19, 27)) and zone.calls
    page = Page((1920, 1080), PageOptions(notice=NOTICE["zh-Hant"]))
    surface = page.render(zone)
    save(surface, "zone-zh-Hant-1920x1080")
    check_page(page, zone, surface)
    assert {p.row.window for p in page.pairs()} <= set(range(19, 27))
    assert len(page.window_pages(zone)) < len(Page((1920, 1080)).window_pages(scene))  # fewer pages to turn


@pytest.mark.parametrize("locale", ["zh-Hans", "en"])
def test_a_paused_window(quiet, locale):
    scene = quiet[f"{locale}-paused"]
    assert [(w.number, w.state, w.ticket) for w in scene.windows[:3]] == [
        (1, "called", "A001"),
        (2, "paused", None),
        (3, "called", "E001"),
    ]
    page = Page((1920, 1080), PageOptions(notice=NOTICE[locale]))
    surface = page.render(scene)
    save(surface, f"paused-{locale}-1920x1080")
    check_page(page, scene, surface)
    # a small hall: its two numbers on one page that does not turn, the paused window on the line below
    assert [p.row.window for p in page.drawn["windows"]] == [1, 3]
    assert len(page.window_pages(scene)) == 1
    first = [p.row for p in page.pairs()]
    page.render(scene, 61.0)  # ten pages' time later: the same rows
    assert [p.row for p in page.pairs()] == first


TODAY = "08:30-12:00 14:00-17:30"


@pytest.mark.parametrize(
    ("locale", "open_line", "closed_line"),
    [
        ("zh-Hans", f"今日办公时间 {TODAY}", f"今日办公时间 {TODAY} · 星期一 08:30 开始取号"),
        ("en", f"Open today {TODAY}", f"Open today {TODAY} · tickets from Monday 08:30"),
    ],
)
def test_the_notice_line_shows_todays_hours_and_after_closing_the_next_opening(quiet, locale, open_line, closed_line):
    scene = quiet[f"{locale}-quiet"]  # windows 4 and 5 with nobody signed in: 暂停服务, never 空闲
    assert [w.state for w in scene.windows[3:]] == ["unstaffed", "unstaffed"]
    page = Page((1920, 1080), PageOptions())  # no notice in the role file: the hours alone make the line
    assert page.layout(scene).regions["notice"].height == 0  # a hall without hours: no line, as before
    assert page.notice_text(replace(scene, hours=HoursShown(True, True, TODAY, None))) == open_line
    friday_evening = parse_time("2026-11-27T17:10:00+08:00")
    monday = parse_time("2026-11-30T08:30:00+08:00")
    evening = replace(scene, hours=HoursShown(True, False, TODAY, monday), hall_now=friday_evening)
    assert page.notice_text(evening) == closed_line
    surface = page.render(evening)
    save(surface, f"hours-closed-{locale}-1920x1080")
    check_page(page, evening, surface)
    assert page.layout(evening).regions["notice"].height > 0
    with_notice = Page((1920, 1080), PageOptions(notice=NOTICE[locale]))
    assert with_notice.notice_text(evening) == f"{closed_line}    {NOTICE[locale]}"
    save(with_notice.render(evening), f"hours-closed-notice-{locale}-1920x1080")
    holiday = replace(evening, hours=HoursShown(False, False, "", monday))
    assert page.notice_text(holiday).startswith("今日休息 · " if locale == "zh-Hans" else "Closed today · ")


@pytest.mark.parametrize("locale", ["zh-Hans", "en"])
def test_the_core_away_keeps_the_last_state_with_a_red_marker(busy, locale):
    scene = replace(busy[locale], connected=False, away_since=busy[locale].hall_now - 95)
    page = Page((1920, 1080), PageOptions(notice=NOTICE[locale]))
    surface = page.render(scene)
    save(surface, f"away-{locale}-1920x1080")
    check_page(page, scene, surface)
    header = page.layout(scene).regions["header"]
    assert surface.get_at((header.centerx, header.y + 2))[:3] == AWAY
    assert surface.get_at((1, 540))[:3] == AWAY and surface.get_at((1918, 1078))[:3] == AWAY  # the frame
    connected = Page((1920, 1080), PageOptions(notice=NOTICE[locale])).render(busy[locale])
    assert connected.get_at((1, 540))[:3] != AWAY


def test_the_newest_call_flashes_for_flash_s_then_stays(busy):
    scene = busy["zh-Hans"]
    # the newest call (A1027 to window 1) as the display learns of it live, at its monotonic time 100
    live = replace(scene.calls[0], seen=100.0, fresh=True)
    fresh = with_calls(scene, [live, *scene.calls[1:]])
    page = Page((1920, 1080), PageOptions(flash_s=6.0, notice=NOTICE["zh-Hans"]))
    band = page.layout(fresh).regions["call"]
    inside = (band.x + page.layout(fresh).margin * 2, band.bottom - page.layout(fresh).margin * 2)
    surface = pygame.Surface((1920, 1080))
    page.draw(surface, fresh, 100.1)
    assert surface.get_at(inside)[:3] == FLASH
    save(surface, "flash-zh-Hans-lit")
    page.draw(surface, fresh, 100.6)
    assert surface.get_at(inside)[:3] == PANEL
    page.draw(surface, fresh, 101.2)
    assert surface.get_at(inside)[:3] == FLASH
    page.draw(surface, fresh, 106.1)  # six seconds on: it stays, without flashing
    assert surface.get_at(inside)[:3] == PANEL
    still = Page((1920, 1080), PageOptions(flash_s=6.0))  # no notice: only the flash needs frames
    assert not still.animating(fresh, 106.1) and still.animating(fresh, 103.0)
    # a recall flashes again, with 再次呼叫 in the corner
    recall = with_calls(scene, [replace(live, kind="recall", seen=200.0), *scene.calls[1:]])
    page.draw(surface, recall, 200.1)
    assert surface.get_at(inside)[:3] == FLASH
    save(surface, "recall-zh-Hans-lit")
    # a call the display caught up on after a reconnect does not flash at all
    old = with_calls(scene, [replace(live, fresh=False), *scene.calls[1:]])
    page.draw(surface, old, 100.1)
    assert surface.get_at(inside)[:3] == PANEL


def test_an_idle_page_redraws_nothing_and_a_change_redraws_its_region(busy):
    scene = busy["zh-Hans"]
    page = Page((1920, 1080), PageOptions(notice=""))
    surface = pygame.Surface((1920, 1080))
    assert page.draw(surface, scene, 10.0) == [surface.get_rect()]
    assert page.draw(surface, scene, 10.5) == []
    assert not page.animating(scene, 10.5)
    regions = page.layout(scene).regions
    # window 5 (on the first page of windows, not among the last calls) pauses: its row leaves the page, and
    # the line of windows without a number gains it
    assert 5 not in {c.window for c in scene.calls[:6]}
    windows = list(scene.windows)
    windows[4] = replace(windows[4], state="paused", ticket=None)
    changed = replace(scene, windows=tuple(windows), version=scene.version + 1)
    assert page.draw(surface, changed, 11.0) == [regions["windows"], regions["states"]]
    # the next page of windows: that list alone
    assert page.draw(surface, changed, 12.0) == [regions["windows"]]
    # a scrolling notice moves every frame, and only its strip is redrawn
    scrolling = Page((1920, 1080), PageOptions(notice=NOTICE["zh-Hans"] * 2))
    scrolling.draw(surface, scene, 10.0)
    assert scrolling.animating(scene, 10.0)
    assert scrolling.draw(surface, scene, 10.1) == [scrolling.layout(scene).regions["notice"]]


def test_the_newest_call_is_legible_from_15_metres_on_a_55_inch_tv(busy):
    # ISO 9241-3: letters of 20 to 22 minutes of arc are preferred, 16 the minimum; a letter of height h is
    # seen under 20' up to a distance of h / tan(20') = 172 h, under 16' up to 215 h
    page = Page((1920, 1080), PageOptions(notice=NOTICE["zh-Hans"]))
    heights = {h.what: h for h in type_heights(page, busy["zh-Hans"])}
    number = heights["newest call: ticket and window number"].millimetres(PIXEL_MM_55)
    words = heights["newest call: words (请, 号到, 号窗口)"].millimetres(PIXEL_MM_55)
    assert number / 1000 * 172 >= 15.0, number  # the number and the window: comfortably, from 15 m
    assert words / 1000 * 215 >= 15.0, words  # the words around them: at least legibly, from 15 m
    for part in ("pair: ticket number", "pair: window name, digits", "pair: window name, characters"):
        assert heights[part].millimetres(PIXEL_MM_55) >= 50.0, heights[part]  # from 10 m: 17' of arc


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_turned_tv_shows_the_page_turned(busy, rotate):
    scene = busy["zh-Hans"]
    physical = (1920, 1080) if rotate != 180 else (1080, 1920)
    settings = ScreenSettings(fullscreen=False, size=physical, rotate=rotate)
    screen = Screen(settings, PageOptions(notice=NOTICE["zh-Hans"])).open()
    try:
        assert screen.size == (physical[1], physical[0]) if rotate != 180 else physical
        screen.frame(scene, 50.0)
        expected = pygame.transform.rotate(
            Page(screen.size, PageOptions(notice=NOTICE["zh-Hans"])).render(scene, 50.0), -rotate
        )
        assert pygame.image.tobytes(screen.surface, "RGB") == pygame.image.tobytes(expected, "RGB")
        # and each redrawn region lands where the turned page has it
        r = pygame.Rect(10, 20, 300, 40)
        turned = pygame.Surface(screen.size)
        turned.fill((0, 0, 0))
        turned.fill((255, 255, 255), r)
        turned = pygame.transform.rotate(turned, -rotate)
        turned.set_colorkey((0, 0, 0))
        target = physical_rect(r, screen.size, rotate)
        assert turned.get_bounding_rect() == target
    finally:
        screen.close()


def test_chinese_is_drawn_in_its_own_glyph_forms_not_the_japanese_ones():
    import pygame.freetype

    from onewindow.display.page import Typeface
    from onewindow.drivers.fonts import face

    def drawn(typeface: Typeface | None, index: int = 0) -> bytes:
        surface = pygame.Surface((300, 120))
        surface.fill((0, 0, 0))
        if typeface is not None:
            typeface.draw(surface, "直骨", 10, 100, 100, (255, 255, 255), bold=True)
        else:
            font = pygame.freetype.Font(str(face("zh-Hans", True).path), 100, font_index=index)
            font.origin = True
            font.render_to(surface, (10, 100), "直骨", (255, 255, 255))
        return pygame.image.tobytes(surface, "RGB")

    simplified, traditional = drawn(Typeface("zh-Hans")), drawn(Typeface("zh-Hant"))
    assert simplified == drawn(None, 2) and traditional == drawn(None, 3)
    assert drawn(None, 0) not in (simplified, traditional)  # index 0 is the Japanese face


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_the_pages_turn_through_every_window_with_a_number(busy, size):
    scene = busy["zh-Hans"]
    with_number = [w.number for w in scene.windows if w.state in ("called", "serving")]
    assert len(with_number) >= 20  # the busy hall: every window but 20 (paused) and 25 (closed)
    page = Page(size, PageOptions(page_s=6.0, notice=NOTICE["zh-Hans"]))
    layout = page.layout(scene)
    per = len(layout.window_slots)
    pages = math.ceil(len(with_number) / per)
    assert pages > 1
    surface = pygame.Surface(size)
    shown: list[int] = []
    for k in range(pages):  # one page every six seconds, in the hall's order
        page.draw(surface, scene, k * 6.0 + 0.5)
        rows = [p.row.window for p in page.drawn["windows"]]
        assert rows == with_number[k * per : (k + 1) * per], k
        shown += rows
        save(surface, f"pages-{size[0]}x{size[1]}-{k + 1}-of-{pages}")
        for number, number_h, name_h in pair_heights(surface, page):
            assert min(number_h, name_h) >= least_letter_px(size), (number, number_h, name_h)
    assert shown == with_number  # every window with a number, once a cycle
    # then the first page again; the turn redraws that list alone, the last calls stay put
    calls = [p.row for p in page.drawn["calls"]]
    changed = page.draw(surface, scene, pages * 6.0 + 0.5)
    assert [r for r in changed if r != layout.regions["notice"]] == [layout.regions["windows"]]  # it scrolls
    assert [p.row.window for p in page.drawn["windows"]] == with_number[:per]
    assert [p.row for p in page.drawn["calls"]] == calls and len(calls) == len(layout.call_slots)


def test_priority_tickets_and_citizens_awaited_too_long_are_marked(tmp_path):
    """Window 1 calls a priority ticket (绿色通道) whose citizen does not come for 100 s; window 2 calls A001,
    whose citizen comes; window 3 calls E001 5 s ago. Only window 1's row is boxed (请尽快), and it alone has
    the green stripe and the 优先 tag; a priority call as the newest shows 优先 in the band."""
    (tmp_path / "hall.toml").write_text(hall_toml(), encoding="utf-8")
    with (
        serve(tmp_path, config=load_hall(tmp_path / "hall.toml")) as hall,
        hall.client("caller-1") as caller,
        hall.client("kiosk-1") as kiosk,
    ):
        for n in (1, 2, 3):
            caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
        kiosk.issue("general")
        kiosk.issue("card")
        first = kiosk.issue("general", priority=True)
        caller.act(1, "call")  # the priority ticket comes first
        hall.clock.advance(30)
        caller.act(2, "call")
        caller.act(2, "start")
        hall.clock.advance(65)
        caller.act(3, "call")
        hall.clock.advance(5)
        scene = scene_of(snapshot_of(hall.url))
    assert [(w.number, w.ticket, w.state, w.priority) for w in scene.windows[:3]] == [
        (1, first["number"], "called", True),
        (2, "A001", "serving", False),
        (3, "E001", "called", False),
    ]
    page = Page((1920, 1080), PageOptions(notice=NOTICE["zh-Hans"], overdue_s=90))
    surface = page.render(scene)
    save(surface, "marks-zh-Hans-1920x1080")
    check_page(page, scene, surface)
    rows = {p.row.window: p for p in page.drawn["windows"]}
    assert [(n, r.row.priority, r.row.overdue) for n, r in sorted(rows.items())] == [
        (1, True, True),
        (2, False, False),
        (3, False, False),
    ]

    def count(box, color) -> int:
        return pygame.mask.from_threshold(surface.subsurface(box), color, (8, 8, 8, 255)).count()

    for n, pair in rows.items():
        slot = pair.slot
        middle = pygame.Rect(pair.number_box.right, slot.y, pair.name_parts[0].x - pair.number_box.right, slot.h)
        top_edge = pygame.Rect(slot.x + slot.w // 3, slot.y, slot.w // 3, 2)
        if n == 1:
            sizes = page.layout(scene).pair  # the green stripe, inside the gold box
            assert surface.get_at((slot.x + (sizes.frame + sizes.stripe) // 2, slot.centery))[:3] == PRIORITY
            assert count(middle, PRIORITY) > 500 and count(middle, TEXT) > 100  # the 优先 tag, white on green
            assert count(middle, NUMBER) > 100 and count(top_edge, NUMBER) == top_edge.w * 2  # 请尽快 and the box
        else:
            assert count(slot, PRIORITY) == 0 and count(top_edge, NUMBER) == 0
    band = page.layout(scene).regions["call"]
    assert scene.calls[0].window == 3 and count(band, PRIORITY) == 0
    newest = next(c for c in scene.calls if c.window == 1)
    assert newest.priority
    surface = page.render(with_calls(scene, [replace(newest, seen=0.0), *scene.calls]), 0.1)
    save(surface, "marks-priority-call-zh-Hans-1920x1080")
    assert count(band, PRIORITY) > 500


def test_the_windows_without_a_number_are_listed_in_runs():
    from onewindow.display.texts import window_numbers

    assert window_numbers([15, 16, 17, 18, 20, 21, 22, 24, 26], "zh-Hans") == "15-18、20-22、24、26号窗口"
    assert window_numbers([4, 5], "zh-Hant") == "4、5號窗口"  # two in a row are two, not a run
    assert window_numbers([20], "en") == "Window 20" and window_numbers([20, 25], "en") == "Windows 20, 25"
