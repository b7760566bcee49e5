"""Opening a screen that is not there yet (a TV switched on after the Pi): logged once, reported, tried again."""

from __future__ import annotations

import logging

import pytest

from onewindow.drivers.screen import RETRY_S, ScreenOpener


def test_a_tv_switched_on_later_is_logged_once_and_tried_every_ten_seconds(caplog):
    now = [0.0]
    tries = []

    def switch_on() -> None:
        tries.append(now[0])
        if len(tries) <= 2:
            raise RuntimeError("No available displays")

    opener = ScreenOpener(
        switch_on,
        logging.getLogger("hall.tv"),
        failed="cannot open the screen (%s); retrying every %g s",
        reopened="screen open again",
        clock=lambda: now[0],
    )
    with caplog.at_level(logging.INFO, logger="hall.tv"):
        assert opener.due() and not opener.open()
        assert opener.problem == "No available displays"
        now[0] = RETRY_S - 1
        assert not opener.due()
        now[0] = RETRY_S
        assert opener.due() and not opener.open()
        now[0] = 2 * RETRY_S
        assert opener.open() and opener.problem is None
    assert tries == [0.0, RETRY_S, 2 * RETRY_S]
    assert [r.getMessage() for r in caplog.records] == [
        "cannot open the screen (No available displays); retrying every 10 s",
        "screen open again",
    ]


def test_only_the_errors_named_are_taken_for_a_missing_screen():
    def broken() -> None:
        raise KeyError("a bug, not a screen")

    opener = ScreenOpener(broken, logging.getLogger("hall.kiosk"), failed="%s %g", reopened="", errors=(OSError,))
    with pytest.raises(KeyError):
        opener.open()
