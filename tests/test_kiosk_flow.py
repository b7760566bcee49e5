"""The kiosk's screens and taps without a screen: one tap one ticket, faults in front, idle home; touch geometry."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from onewindow.client import CoreRefused
from onewindow.drivers.printer import PrinterStatus, Text, TicketLayout
from onewindow.kiosk import flow
from onewindow.kiosk.flow import Flow, NotIssued, Printed, PrintFailed, Reprint, Take, cards
from onewindow.kiosk.issuing import Dispenser
from onewindow.kiosk.texts import clock_text, closed_texts, locale_of, short_wait
from onewindow.kiosk.touch import drawn_size, rotation_for, taps, to_drawn

READY = PrinterStatus(online=True, paper="ok", message="ready")
OUT = PrinterStatus(online=True, paper="out", message="out of paper")
AWAY = PrinterStatus(online=False, paper="unknown", message="printer away", reachable=False)
TICKET = {"id": "x" * 32, "number": "A001", "window": 3, "window_name": "3号窗口", "ahead": 2, "estimated_wait_s": 600}
LAYOUT = TicketLayout([Text("A001")])


def hall(priority: bool = True, **changes) -> dict:
    snapshot = {
        "name": "测试大厅",
        "locale": "zh-Hans",
        "priority": priority,
        "services": [
            {"id": "general", "name": "通办业务", "waiting": 3, "estimated_wait_s": 900, "available": True},
            {"id": "injury", "name": "工伤认定", "waiting": 0, "estimated_wait_s": None, "available": False},
        ],
        "windows": [
            {"number": 1, "services": ["general"], "state": "open", "pause_reason": None},
            {"number": 5, "services": ["injury"], "state": "paused", "pause_reason": "午休"},
        ],
    }
    snapshot.update(changes)
    return snapshot


def ready_flow(**changes) -> Flow:
    f = Flow(started_at=100.0, **changes)
    f.snapshot, f.connected, f.was_connected, f.printer = hall(), True, True, READY
    return f


def test_one_tap_takes_one_ticket_and_a_second_tap_does_nothing():
    f = ready_flow()
    command = f.tap("service", "general", 101.0)
    assert isinstance(command, Take) and command.service == "general" and not command.priority
    assert len(command.key) == 32
    assert f.view(101.0).screen == flow.PRINTING
    # the other half of a double tap lands on the printing screen, which has nothing to tap
    assert f.tap("service", "general", 101.1) is None
    assert f.tap("service", "general", 103.0) is None
    f.done(Printed(TICKET, LAYOUT), 104.0)
    assert f.view(104.0).screen == flow.RESULT and f.view(104.0).ticket == TICKET
    assert f.issued == 1


def test_every_tap_has_its_own_idempotency_key():
    f = ready_flow()
    first = f.tap("service", "general", 101.0)
    f.done(Printed(TICKET, LAYOUT), 102.0)
    f.tap("done", None, 103.0)
    second = f.tap("service", "general", 104.0)
    assert isinstance(first, Take) and isinstance(second, Take) and first.key != second.key


def test_a_tap_just_after_the_screen_changed_is_ignored():
    f = ready_flow()
    f.tap("service", "general", 101.0)
    f.done(Printed(TICKET, LAYOUT), 102.0)
    f.tap("done", None, 103.0)
    # the finger that pressed "done" is still on the glass where a service button now is
    assert f.tap("service", "general", 103.1) is None and f.view(103.1).screen == flow.HOME
    assert isinstance(f.tap("service", "general", 103.5), Take)


def test_an_unavailable_service_cannot_be_taken_and_says_why():
    f = ready_flow()
    assert f.tap("service", "injury", 101.0) is None
    assert f.view(101.0).screen == flow.HOME
    injury = next(c for c in cards(f.snapshot) if c.id == "injury")
    assert (injury.available, injury.why_not, injury.pause_reason) == (False, "paused", "午休")
    closed = hall(windows=[{"number": 5, "services": ["injury"], "state": "closed", "pause_reason": None}])
    assert next(c for c in cards(closed) if c.id == "injury").why_not == "closed"


@pytest.mark.parametrize(
    ("change", "screen"),
    [
        (dict(connected=False), flow.CORE_AWAY),
        (dict(printer=OUT), flow.PAPER_OUT),
        (dict(printer=AWAY), flow.PRINTER_FAULT),
    ],
)
def test_faults_stand_in_front_of_the_choosing_screens_and_take_no_taps(change, screen):
    f = ready_flow()
    for key, value in change.items():
        setattr(f, key, value)
    assert f.view(101.0).screen == screen
    assert f.tap("service", "general", 101.0) is None
    for key, value in dict(connected=True, printer=READY).items():
        setattr(f, key, value)
    assert f.view(102.0).screen == flow.HOME
    assert isinstance(f.tap("service", "general", 102.0), Take)


def test_before_the_core_first_answers_it_says_connecting_then_connection_lost():
    f = Flow(started_at=100.0)
    assert f.view(101.0).screen == flow.STARTING
    assert f.view(100.0 + flow.STARTING_GRACE_S).screen == flow.CORE_AWAY
    # the hall fetched, the event stream not yet up: still connecting, not "connection lost"
    f.snapshot = hall()
    assert f.view(101.0).screen == flow.STARTING
    f.connected = f.was_connected = True
    assert f.view(101.0).screen == flow.HOME
    f.connected = False
    assert f.view(101.5).screen == flow.CORE_AWAY


def test_a_fault_does_not_hide_a_ticket_being_printed_or_its_number():
    f = ready_flow()
    f.tap("service", "general", 101.0)
    f.printer = OUT  # the paper ran out with this very ticket
    assert f.view(101.5).screen == flow.PRINTING
    f.done(PrintFailed(TICKET, LAYOUT, "out of paper; the ticket may be incomplete"), 102.0)
    assert f.view(102.0).screen == flow.PRINT_FAILED and f.view(102.0).ticket == TICKET


def test_reprint_prints_the_same_ticket_and_counts_it_once():
    f = ready_flow()
    f.tap("service", "general", 101.0)
    f.done(PrintFailed(TICKET, LAYOUT, "printer lost mid-ticket"), 102.0)
    command = f.tap("reprint", None, 103.0)
    assert command == Reprint(TICKET, LAYOUT)
    assert f.view(103.0).screen == flow.PRINTING and f.view(103.0).reprinting
    f.done(Printed(TICKET, LAYOUT), 104.0)
    assert f.view(104.0).screen == flow.RESULT and f.issued == 1


def test_paper_found_out_at_the_tap_shows_the_paper_screen():
    f = ready_flow()
    f.tap("service", "general", 101.0)
    f.done(NotIssued("paper_out", "out of paper", OUT), 102.0)
    assert f.view(102.0).screen == flow.PAPER_OUT and f.issued == 0


@pytest.mark.parametrize("reason", ["unavailable", "refused", "core_away"])
def test_a_ticket_the_core_did_not_issue_is_explained_then_home(reason):
    f = ready_flow(result_s=10.0)
    f.tap("service", "general", 101.0)
    f.done(NotIssued(reason, "no window can take this service now"), 102.0)
    view = f.view(102.0)
    assert (view.screen, view.notice) == (flow.NOTICE, reason)
    f.tick(111.9)
    assert f.view(111.9).screen == flow.NOTICE
    f.tick(112.0)
    assert f.view(112.0).screen == flow.HOME


def test_screens_nobody_touches_go_home():
    f = ready_flow(idle_s=30.0, result_s=15.0)
    f.tap("guide", "general", 101.0)
    assert f.view(101.0).screen == flow.GUIDE
    f.tick(130.9)
    assert f.screen == flow.GUIDE
    f.tick(131.0)
    assert f.screen == flow.HOME
    f.tap("service", "general", 140.0)
    f.tick(500.0)
    assert f.screen == flow.PRINTING  # never leaves a ticket half taken
    f.done(Printed(TICKET, LAYOUT), 500.0)
    f.tick(514.9)
    assert f.screen == flow.RESULT
    f.tick(515.0)
    assert f.screen == flow.HOME and f.ticket is None


def test_the_guide_takes_a_ticket_for_its_service_in_its_lane():
    f = ready_flow()
    f.tap("priority", None, 101.0)
    assert f.view(101.0).screen == flow.PRIORITY
    f.tap("guide", "general", 102.0)
    view = f.view(102.0)
    assert (view.screen, view.service, view.priority) == (flow.GUIDE, "general", True)
    f.tap("back", None, 103.0)
    assert f.view(103.0).screen == flow.PRIORITY
    f.tap("guide", "general", 104.0)
    command = f.tap("take", None, 105.0)
    assert command is not None and isinstance(command, Take) and command.priority


def test_no_priority_lane_when_the_hall_offers_none():
    f = ready_flow()
    f.snapshot = hall(priority=False)
    assert f.tap("priority", None, 101.0) is None and f.screen == flow.HOME
    f.snapshot = hall(priority=True)
    f.tap("priority", None, 102.0)
    f.snapshot = hall(priority=False)
    f.tick(103.0)
    assert f.screen == flow.HOME


# --- words ------------------------------------------------------------------------------------------------


def test_waits_on_the_buttons_in_each_language():
    from datetime import datetime

    assert short_wait(900, "zh-Hans") == "约 15 分钟"
    assert short_wait(900, "zh-Hant") == "約 15 分鐘"
    assert short_wait(900, "en") == "about 15 min"
    assert short_wait(0, "zh-Hans") == "无需等候"
    assert short_wait(5400, "zh-Hans") == "约 1 小时 30 分"
    assert short_wait(None, "en") == ""
    friday = datetime(2026, 11, 27, 9, 5)
    assert clock_text(friday, "zh-Hans") == "2026年11月27日 星期五 09:05"
    assert clock_text(friday, "en") == "Fri 27 Nov 2026  09:05"
    assert locale_of({"locale": "zh-Hant"}) == "zh-Hant" and locale_of(None) == "zh-Hans"


# --- touch ------------------------------------------------------------------------------------------------


class Ev:
    def __init__(self, type_: int, **attrs):
        self.type = type_
        self.__dict__.update(attrs)


def test_one_touch_is_one_tap_and_a_mouse_click_is_one_too():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    touch = [
        pygame.event.Event(pygame.FINGERDOWN, x=0.5, y=0.25, dx=0.0, dy=0.0, touch_id=1, finger_id=0, pressure=1.0),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(540, 480), button=1, touch=True),
        pygame.event.Event(pygame.FINGERUP, x=0.5, y=0.25, dx=0.0, dy=0.0, touch_id=1, finger_id=0, pressure=0.0),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(540, 480), button=1, touch=True),
    ]
    assert taps(touch, (1080, 1920)) == [(540, 480)]
    mouse = [
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=1, touch=False),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=3, touch=False),
    ]
    assert taps(mouse, (1080, 1920)) == [(10, 20)]
    assert taps([Ev(pygame.FINGERDOWN, x=1.0, y=1.0)], (1080, 1920)) == [(1079, 1919)]


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_a_tap_on_a_turned_panel_lands_where_the_picture_shows_it(rotate):
    """Draw a dot on the upright picture, turn it as the kiosk does, find the dot on the panel, map it back."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    panel = (64, 36)
    picture = pygame.Surface(drawn_size(panel, rotate))
    picture.fill((0, 0, 0))
    dot = (5, 30) if rotate in (90, 270) else (50, 7)
    picture.set_at(dot, (255, 0, 0))
    shown = pygame.transform.rotate(picture, -rotate)
    assert shown.get_size() == panel
    found = [(x, y) for x in range(panel[0]) for y in range(panel[1]) if shown.get_at((x, y))[0] == 255]
    assert len(found) == 1
    assert to_drawn(found[0], panel, rotate) == dot


def test_the_picture_is_turned_only_when_the_panel_does_not_have_the_asked_shape():
    assert rotation_for("portrait", (1080, 1920), None) == 0
    assert rotation_for("portrait", (1920, 1080), None) == 90
    assert rotation_for("landscape", (1920, 1080), None) == 0
    assert rotation_for("landscape", (1080, 1920), None) == 90
    assert rotation_for("portrait", (1920, 1080), 270) == 270


def test_a_service_nobody_is_staffed_for_still_takes_tickets_and_says_watch_for_your_number():
    """The core's `available` alone greys a button: a service whose only window paused for lunch issues into its
    shared queue, and its button says 请留意叫号 instead of a wait."""
    lunch = hall(
        services=[
            {
                "id": "injury",
                "name": "工伤认定",
                "waiting": 2,
                "estimated_wait_s": None,
                "available": True,
                "staffed": 0,
            }
        ]
    )
    [injury] = cards(lunch)
    assert injury.available and injury.unstaffed and injury.why_not is None
    f = ready_flow()
    f.snapshot = lunch
    assert isinstance(f.tap("service", "injury", 101.0), Take)
    # an older core that does not count staffed windows: no 请留意叫号, the estimate as it says
    [old] = cards(hall(services=[{"id": "general", "name": "通办业务", "waiting": 3, "available": True}]))
    assert old.staffed is None and not old.unstaffed


BEIJING = ZoneInfo("Asia/Shanghai")
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 10, tzinfo=BEIJING)
HOURS = "08:30-12:00 14:00-17:30"


def closed_hall(issuing: bool = False, next_opening: str | None = "2026-11-30T08:30:00+08:00", **more) -> dict:
    hours = {"open": True, "issuing": issuing, "today": HOURS, "next_opening": next_opening, "last_ticket": None}
    return hall(hours={**hours, **more})


def test_outside_the_hours_the_kiosk_issues_nothing_and_says_when_to_come_back():
    f = ready_flow()
    f.snapshot, f.hall_now = closed_hall(), FRIDAY_EVENING
    view = f.view(101.0)
    assert view.screen == flow.CLOSED
    assert view.closed == flow.Closed(datetime(2026, 11, 30, 8, 30, tzinfo=BEIJING), HOURS)
    assert f.tap("service", "general", 101.0) is None
    # Monday 08:30 comes before the next snapshot (nothing happens in a closed hall): the core decides at the tap
    f.hall_now = datetime(2026, 11, 30, 8, 30, tzinfo=BEIJING)
    assert f.view(102.0).screen == flow.HOME
    # the day's last ticket time passes with the snapshot still saying "issuing": closed at once
    f.snapshot = closed_hall(True, "2026-11-27T14:00:00+08:00", last_ticket="2026-11-27T11:30:00+08:00")
    f.hall_now = datetime(2026, 11, 27, 11, 30, tzinfo=BEIJING)
    assert f.view(103.0).closed == flow.Closed(datetime(2026, 11, 27, 14, 0, tzinfo=BEIJING), HOURS)
    # a hall without [hours], or a core that does not say: never closed
    f.snapshot = hall(hours=None)
    assert f.view(104.0).screen == flow.HOME
    f.snapshot = hall()
    assert f.view(104.0).screen == flow.HOME


def test_a_hall_closed_answer_closes_the_kiosk_until_the_hours_say_otherwise():
    f = ready_flow()
    f.hall_now = FRIDAY_EVENING
    f.tap("service", "general", 101.0)
    f.done(NotIssued("hall_closed", "the hall is closed", next_opening="2026-11-30T08:30:00+08:00"), 102.0)
    view = f.view(102.0)
    assert view.screen == flow.CLOSED and view.closed.next_opening == datetime(2026, 11, 30, 8, 30, tzinfo=BEIJING)
    assert f.issued == 0
    f.tick(103.0)
    assert f.view(103.0).screen == flow.CLOSED  # the snapshot it was refused under still says nothing new
    f.snapshot = closed_hall(issuing=True)  # fetched since: the core issues again (its hours were changed)
    f.tick(104.0)
    assert f.view(104.0).screen == flow.HOME and f.refusal is None
    # a core that names no hours in its snapshot: the refusal holds until the opening it named
    f.done(NotIssued("hall_closed", "closed", next_opening="2026-11-30T08:30:00+08:00"), 105.0)
    f.snapshot = hall()
    assert f.view(106.0).screen == flow.CLOSED
    f.hall_now = datetime(2026, 11, 30, 8, 30, 1, tzinfo=BEIJING)
    f.tick(107.0)
    assert f.view(107.0).screen == flow.HOME


@pytest.mark.parametrize(
    ("now", "next_opening", "today", "expected"),
    [
        (FRIDAY_EVENING, (2026, 11, 30, 8, 30), HOURS, ("今日取号已结束", "星期一 08:30 开始取号")),
        ((2026, 11, 26, 17, 10), (2026, 11, 27, 8, 30), HOURS, ("今日取号已结束", "明天 08:30 开始取号")),
        ((2026, 11, 27, 12, 5), (2026, 11, 27, 14, 0), HOURS, ("暂停取号", "今天 14:00 开始取号")),
        ((2026, 11, 27, 7, 45), (2026, 11, 27, 8, 30), HOURS, ("尚未开始取号", "今天 08:30 开始取号")),
        ((2026, 10, 1, 9, 0), (2026, 10, 9, 8, 30), "", ("今日休息", "10月9日 星期五 08:30 开始取号")),
        ((2026, 10, 1, 9, 0), None, "", ("今日休息", "请咨询工作人员")),
    ],
)
def test_when_to_come_back_in_the_halls_words(now, next_opening, today, expected):
    at = now if isinstance(now, datetime) else datetime(*now, tzinfo=BEIJING)
    when = datetime(*next_opening, tzinfo=BEIJING) if next_opening else None
    title, back, hours = closed_texts(flow.Closed(when, today), at, "zh-Hans")
    assert (title, back) == expected
    assert hours == (f"今日办公时间 {today}" if today else "")


def test_when_to_come_back_in_traditional_chinese_and_english():
    closed = flow.Closed(datetime(2026, 11, 30, 8, 30, tzinfo=BEIJING), HOURS)
    assert closed_texts(closed, FRIDAY_EVENING, "zh-Hant") == (
        "今日取號已結束",
        "星期一 08:30 開始取號",
        "今日辦公時間 08:30-12:00 14:00-17:30",
    )
    assert closed_texts(closed, FRIDAY_EVENING, "en") == (
        "No more tickets today",
        "Tickets from Mon 08:30",
        "Today's hours: 08:30-12:00 14:00-17:30",
    )
    tomorrow = flow.Closed(datetime(2026, 11, 28, 8, 30, tzinfo=BEIJING), HOURS)
    assert closed_texts(tomorrow, FRIDAY_EVENING, "en")[1] == "Tickets from 08:30 tomorrow"


class RefusingClient:
    """The core's answer outside the hall's hours, as the client raises it."""

    def issue(self, *args, **kwargs):
        raise CoreRefused(409, "hall_closed", "the hall is closed", {"next_opening": "2026-11-30T08:30:00+08:00"})


class ReadyPrinter:
    where = "test"
    last_status = READY

    def status(self):
        return READY


def test_the_worker_passes_on_when_the_closed_hall_opens_again():
    dispenser = Dispenser(
        RefusingClient(),
        ReadyPrinter(),
        core_url="http://core",
        ticket_url_template="",
        hall=lambda: None,
        on_outcome=lambda _: None,
        on_printer=lambda _: None,
    )
    outcome = dispenser.take(Take("general", False, "k" * 32))
    assert outcome == NotIssued("hall_closed", "the hall is closed", next_opening="2026-11-30T08:30:00+08:00")
