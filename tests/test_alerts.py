"""The manager's alerts (dispatch/alerts.py) on the plain-Python hall with a clock the tests turn: when each one is
raised, that paper out, a fault and silence are told apart, and that an acknowledged alert stays quiet until its
cause changes."""

from __future__ import annotations

import itertools

import pytest

from onewindow.configfile import ConfigError
from onewindow.dispatch.alerts import case_alerts
from onewindow.dispatch.domain import Conflict, Hall, NotFound
from onewindow.dispatch.model import IN_REVIEW, Case
from onewindow.hallfile import AlertRules, Service, load_hall
from tests.support.cases import case_hall_toml
from tests.support.hall import Clock, write_hall

KIOSK = "device:kiosk-1"
CALLER = "device:caller-1"
MANAGER = "user:manager"


def make(tmp_path, extra: str = "", toml: str | None = None) -> tuple[Hall, Clock]:
    if toml is not None:
        path = tmp_path / "hall.toml"
        path.write_text(toml, encoding="utf-8")
    else:
        path = write_hall(tmp_path, extra=extra)
    ids = (f"id{n:04d}" for n in itertools.count(1))
    clock = Clock()
    return Hall(load_hall(path), clock, new_id=lambda: next(ids), device_timeout_s=30), clock


def kinds(hall: Hall) -> list[tuple[str, int | str | None, bool]]:
    return [(a.kind, a.window if a.window is not None else a.device, seen) for a, seen in hall.alerts()]


def test_a_staffed_window_idle_while_its_queue_waits_is_raised_after_two_minutes_and_ends_with_a_call(tmp_path):
    hall, clock = make(tmp_path)
    hall.sign_in(4, "c04", CALLER)  # window 4 alone serves 社保卡
    clock.advance(300)
    hall.issue("card", False, KIOSK)
    clock.advance(119)
    assert kinds(hall) == []  # counted from when the citizen began waiting, not from the sign-in
    clock.advance(1)
    assert kinds(hall) == [("idle_window", 4, False)]
    hall.call(4, CALLER)
    assert kinds(hall) == []


def test_idle_counts_from_the_end_of_the_last_service_not_from_the_queue(tmp_path):
    hall, clock = make(tmp_path)
    hall.sign_in(4, "c04", CALLER)
    hall.issue("card", False, KIOSK)
    hall.call(4, CALLER)
    hall.issue("card", False, KIOSK)
    clock.advance(600)  # the second citizen has waited ten minutes while the first was served
    hall.finish(4, CALLER)
    assert kinds(hall) == []
    clock.advance(120)
    assert kinds(hall) == [("idle_window", 4, False)]


def test_a_window_nobody_staffs_is_never_idle(tmp_path):
    hall, clock = make(tmp_path)
    hall.issue("card", False, KIOSK)
    clock.advance(3600)
    assert kinds(hall) == []


def test_called_and_not_come_then_a_long_service(tmp_path):
    hall, clock = make(tmp_path)
    hall.sign_in(4, "c04", CALLER)
    hall.issue("card", False, KIOSK)
    hall.call(4, CALLER)
    clock.advance(179)
    assert kinds(hall) == []
    clock.advance(1)
    [(alert, _)] = hall.alerts()
    assert (alert.kind, alert.window, alert.number) == ("not_arrived", 4, "E001")
    hall.start(4, CALLER)
    assert kinds(hall) == []
    clock.advance(2 * 5 * 60 - 1)  # 社保卡 is 5 minutes: long at twice that
    assert kinds(hall) == []
    clock.advance(1)
    assert kinds(hall) == [("long_service", 4, False)]


def test_paper_out_a_fault_and_silence_are_three_different_alerts(tmp_path):
    hall, clock = make(tmp_path)
    paper_out = {"ok": False, "message": "x", "parts": {"printer": {"state": "fault", "paper": "out", "message": "x"}}}
    jammed = {"ok": False, "message": "x", "parts": {"printer": {"state": "fault", "paper": "ok", "message": "卡纸"}}}
    hall.device_status("kiosk-1", paper_out, "device:kiosk-1")
    hall.device_status("kiosk-2", jammed, "device:kiosk-2")
    hall.device_status("display-1", {"ok": True, "message": "", "parts": {}}, "device:display-1")
    clock.advance(31)
    hall.device_status("kiosk-1", paper_out, "device:kiosk-1")  # the kiosks keep reporting
    hall.device_status("kiosk-2", jammed, "device:kiosk-2")
    hall.check_devices()
    assert sorted(kinds(hall)) == [
        ("device_fault", "kiosk-2", False),
        ("device_silent", "display-1", False),
        ("paper_out", "kiosk-1", False),
    ]
    fault = next(a for a, _ in hall.alerts() if a.kind == "device_fault")
    assert fault.detail == "printer: 卡纸"


def test_an_acknowledged_alert_stays_quiet_until_its_cause_changes(tmp_path):
    hall, clock = make(tmp_path)
    paper_out = {"ok": False, "message": "x", "parts": {"printer": {"state": "fault", "paper": "out", "message": "x"}}}
    fine = {"ok": True, "message": "", "parts": {"printer": {"state": "ok", "paper": "ok", "message": ""}}}
    hall.device_status("kiosk-1", paper_out, "device:kiosk-1")
    [(alert, _)] = hall.alerts()
    hall.take_changes()
    hall.acknowledge(alert.key, alert.cause, MANAGER)
    [entry] = hall.take_changes().audit
    assert (entry.actor, entry.action, entry.data["alert"], entry.data["device"]) == (
        MANAGER,
        "alert.acknowledged",
        "paper_out",
        "kiosk-1",
    )
    clock.advance(10)
    hall.device_status("kiosk-1", paper_out, "device:kiosk-1")  # the same report again: the same cause
    assert kinds(hall) == [("paper_out", "kiosk-1", True)]
    clock.advance(10)
    hall.device_status("kiosk-1", fine, "device:kiosk-1")  # refilled
    assert kinds(hall) == []
    clock.advance(600)
    hall.device_status("kiosk-1", paper_out, "device:kiosk-1")  # out again: a new alert
    assert kinds(hall) == [("paper_out", "kiosk-1", False)]


def test_acknowledging_an_alert_that_ended_or_changed_is_refused(tmp_path):
    hall, clock = make(tmp_path)
    hall.sign_in(4, "c04", CALLER)
    hall.issue("card", False, KIOSK)
    hall.issue("card", False, KIOSK)
    clock.advance(120)
    [(idle, _)] = hall.alerts()
    hall.call(4, CALLER)
    with pytest.raises(NotFound):
        hall.acknowledge(idle.key, idle.cause, MANAGER)
    hall.finish(4, CALLER)
    clock.advance(120)
    [(again, seen)] = hall.alerts()
    assert (again.key, seen) == (idle.key, False) and again.cause != idle.cause  # a new idle spell
    with pytest.raises(Conflict):
        hall.acknowledge(again.key, idle.cause, MANAGER)
    hall.acknowledge(again.key, again.cause, MANAGER)
    assert kinds(hall) == [("idle_window", 4, True)]


def test_a_case_past_its_limit_is_overdue_and_a_new_stage_is_a_new_cause():
    service = Service("injury", "工伤认定", "C", 25, kind="approve", unit="injury", limit_min=60)
    case = Case("k1", "t1", "2026-11-27", "C001", "injury", "injury", "approve", 5, "c05", IN_REVIEW, opened_at=1000.0)
    assert case_alerts([case], {"injury": service}, 1000.0 + 3600) == []
    [alert] = case_alerts([case], {"injury": service}, 1000.0 + 3601)
    assert (alert.kind, alert.number, alert.window, alert.detail, alert.since) == (
        "case_overdue",
        "C001",
        5,
        "injury",
        4600.0,
    )
    case.status = "in_approval"
    assert case_alerts([case], {"injury": service}, 1000.0 + 3601)[0].cause != alert.cause
    handled = Service("general", "通办", "A", 8)
    assert case_alerts([case], {"injury": handled}, 10**9) == []  # no limit, never overdue


def test_a_case_in_the_hall_is_raised_past_its_limit(tmp_path):
    hall, clock = make(tmp_path, toml=case_hall_toml(limit_min=30))
    hall.sign_in(5, "c05", CALLER)
    hall.issue("injury", False, KIOSK)
    hall.call(5, CALLER)
    hall.finish(5, CALLER)
    clock.advance(30 * 60 + 1)
    assert [(a.kind, a.number) for a, _ in hall.alerts()] == [("case_overdue", "C001")]


def test_the_bounds_come_from_the_hall_file(tmp_path):
    hall, clock = make(tmp_path, extra="\n[alerts]\nidle_window_s = 30\nnot_arrived_s = 60\nlong_service_x = 3\n")
    assert hall.config.alerts == AlertRules(idle_window_s=30, not_arrived_s=60, long_service_x=3.0)
    hall.sign_in(4, "c04", CALLER)
    hall.issue("card", False, KIOSK)
    clock.advance(30)
    assert kinds(hall) == [("idle_window", 4, False)]
    with pytest.raises(ConfigError, match="idle_window_s"):
        load_hall(write_hall(tmp_path, extra="\n[alerts]\nidle_window_s = 1\n"))
    with pytest.raises(ConfigError, match="quiet_s"):
        load_hall(write_hall(tmp_path, extra="\n[alerts]\nquiet_s = 10\n"))
