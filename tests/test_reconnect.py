"""The shared reconnect pieces: a device's state logged once per change, and the thread that reopens it."""

from __future__ import annotations

import logging
import threading

import pytest

from onewindow.drivers.reconnect import DeviceState, DeviceThread, Presence
from tests.support.pty_pair import wait_until

log = logging.getLogger("onewindow.drivers.test")


def test_an_adapter_that_comes_and_goes_is_logged_once_each_way(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=log.name)
    line = Presence(DeviceState("unknown", "LED line x not opened yet"), log, away="%s; retrying quietly")
    line.set("ok", "LED line x open")
    for _ in range(3):
        line.set("offline", "LED line x cannot be opened")
    line.set("ok", "LED line x open")
    line.set("offline", "LED line x closed", quiet=True)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "LED line x open"),
        (logging.WARNING, "LED line x cannot be opened; retrying quietly"),
        (logging.INFO, "LED line x open"),
    ]
    assert line.state == DeviceState("offline", "LED line x closed") and not line.state.ok


def test_a_printer_there_from_the_start_is_not_worth_a_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=log.name)
    printer = Presence(DeviceState("unknown", "not opened yet"), log, away="%s (once)", log_first_ok=False)
    printer.set("ok", "printer p is back")
    printer.set("away", "printer p is away")
    printer.set("ok", "printer p is back")
    assert [r.getMessage() for r in caplog.records] == ["printer p is away (once)", "printer p is back"]


def test_a_bug_in_the_work_is_logged_and_the_thread_carries_on(caplog: pytest.LogCaptureFixture) -> None:
    steps: list[str] = []
    faults: list[str] = []

    def work() -> None:
        steps.append("work")
        if len(steps) == 1:
            raise RuntimeError("a bug")
        device.wait(3600)  # the device's own wait: stop() ends it

    device = DeviceThread(
        "test-device",
        what="test device",
        open=lambda: True,
        work=work,
        on_fault=lambda: faults.append("lost"),
        retry_s=0,
        log=log,
    )
    device.start()
    try:
        assert wait_until(lambda: len(steps) >= 2)
    finally:
        device.stop()
    assert faults == ["lost"]
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "test device: unexpected error; carrying on" and failure.exc_info


def test_stopping_wakes_a_device_that_is_waiting_to_be_looked_for_again() -> None:
    tried = threading.Event()
    woken: list[bool] = []

    def absent() -> bool:
        tried.set()
        return False

    device = DeviceThread(
        "absent-device",
        what="absent device",
        open=absent,
        work=lambda: None,
        on_fault=lambda: None,
        retry_s=3600,
        log=log,
        wake=lambda: woken.append(True),
    )
    device.start()
    assert tried.wait(10)
    device.stop(timeout=10)
    assert device.stopping and woken == [True]
    assert "absent-device" not in [t.name for t in threading.enumerate()]  # not still waiting out the hour
    assert not device.wait(3600)  # a stopped device waits for nothing
