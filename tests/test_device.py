"""What every device process shares: the live hall kept fresh from the event stream, and the heartbeat."""

from __future__ import annotations

import threading
import time

from onewindow.client import CoreClient
from onewindow.device import Heartbeat, LiveHall, health_report
from tests.support.hall import basic, raw_request, token
from tests.support.process import CoreProcess


def wait_until(condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def waiting(snapshot) -> int:
    return sum(s["waiting"] for s in snapshot["services"])


def test_the_live_hall_follows_changes_and_survives_a_core_restart(tmp_path):
    with CoreProcess(tmp_path) as core:
        core.issue()
        events, changes, connections = [], [], []
        lock = threading.Lock()

        def on_event(e):
            with lock:
                events.append(e)

        client = CoreClient(core.url)
        live = LiveHall(client, on_event, changes.append, connections.append, settle_s=0.05).start()
        try:
            wait_until(lambda: live.snapshot is not None and live.connected)
            assert waiting(live.snapshot) == 1 and events == []  # the first ticket is in the snapshot only
            core.issue("card")
            wait_until(lambda: live.snapshot and waiting(live.snapshot) == 2)
            assert [e.data["number"] for e in events] == ["E001"]
            core.stop("SIGKILL")
            wait_until(lambda: not live.connected)
            core.start()
            core.issue()
            wait_until(lambda: live.connected and waiting(live.snapshot) == 3)
            assert [e.data["number"] for e in events] == ["E001", "A002"]
            assert connections[:3] == [True, False, True]
        finally:
            live.stop()
            client.close()


def test_the_heartbeat_reports_health_and_carries_on_when_the_core_is_away(tmp_path):
    with CoreProcess(tmp_path) as core:
        state = {"paper": "ok"}

        def health():
            fault = state["paper"] == "out"
            return {
                "ok": not fault,
                "message": "缺纸" if fault else "",
                "parts": {"printer": {"state": "fault" if fault else "ok", "paper": state["paper"]}},
            }

        client = CoreClient(core.url, token("kiosk-1"))
        beat = Heartbeat(client, "kiosk-1", health, every_s=0.2).start()
        try:

            def seen():
                status, listing = raw_request(core.url, "GET", "/api/v1/devices", headers=basic("technician"))
                return next(d for d in listing["devices"] if d["id"] == "kiosk-1")

            wait_until(lambda: seen()["online"])
            state["paper"] = "out"
            beat.now()
            wait_until(lambda: seen()["status"]["parts"]["printer"]["paper"] == "out")
            assert seen()["status"]["ok"] is False
            core.stop("SIGKILL")
            wait_until(lambda: beat.last_error is not None)
            core.start()
            wait_until(lambda: beat.last_error is None)
        finally:
            beat.stop()
            client.close()


def test_the_health_report_names_what_is_wrong_in_one_line():
    paper_out = {"state": "fault", "message": "out of paper"}
    disabled = {"state": "warning", "message": "screen disabled"}
    fine = {"state": "ok", "message": "open"}
    report = health_report({"printer": paper_out, "screen": disabled}, fine="ready", warnings=True)
    assert report["ok"] is False and report["message"] == "printer: out of paper" and "version" in report
    report = health_report({"printer": fine, "screen": disabled}, fine="ready", warnings=True)
    assert report["ok"] is True and report["message"] == "screen: screen disabled"
    assert health_report({"screen": disabled}, fine="ok")["message"] == "ok"
    # a caller says what is wrong in its own words, and reports no version
    report = health_report(
        {"keypad-1": paper_out}, fine="2 keypads ok", problems=["keypad of window 1 missing"], limit=10, version=None
    )
    assert report == {"ok": False, "message": "keypad of ", "parts": {"keypad-1": paper_out}}
