"""`systemctl reload onewindow-core` (SIGHUP): the technician's changed hall file is taken in without a restart and
the day goes on; an invalid file, or another hall's, is refused and the hall runs on as it was."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from onewindow.client import CoreClient, CoreRefused
from onewindow.credentials import token_sha256
from tests.support.hall import hall_toml, raw_request, token
from tests.support.process import CoreProcess

NEW_KIOSK = f'\n[[device]]\nid = "kiosk-9"\nkind = "kiosk"\ntoken_sha256 = "{token_sha256(token("kiosk-9"))}"\n'


def _hall(core: CoreProcess) -> dict:
    status, body = raw_request(core.url, "GET", "/api/v1/hall")
    assert status == 200, body
    return body  # type: ignore[return-value]


def _reload(core: CoreProcess, until: Callable[[], bool]) -> None:
    assert core.process is not None
    core.process.send_signal(signal.SIGHUP)
    end = time.monotonic() + 20
    while not until():
        assert time.monotonic() < end, core.log.read_text()[-2000:]
        time.sleep(0.1)


def test_a_changed_hall_file_is_taken_in_and_the_day_goes_on(tmp_path: Path) -> None:
    with CoreProcess(tmp_path) as core:
        core.issue()
        core.issue()
        kiosk_9 = CoreClient(core.url, token("kiosk-9"))
        with pytest.raises(CoreRefused):
            kiosk_9.issue("general")

        text = hall_toml(recall_limit=3, extra=NEW_KIOSK).replace('name = "通办业务"', 'name = "综合业务"')
        core.hall.write_text(text, encoding="utf-8")
        _reload(core, lambda: _hall(core)["recall_limit"] == 3)

        hall = _hall(core)
        assert next(s for s in hall["services"] if s["id"] == "general")["name"] == "综合业务"
        assert hall["services"][0]["waiting"] == 2  # the day's tickets are still waiting
        assert kiosk_9.issue("general")["number"] == "A003"  # the new device is known
        kiosk_9.close()
        assert core.process is not None and core.process.poll() is None
    assert "is reloaded" in core.log.read_text()


def test_an_invalid_file_or_another_halls_is_refused_and_the_hall_runs_on(tmp_path: Path) -> None:
    with CoreProcess(tmp_path) as core:
        core.issue()
        core.hall.write_text(hall_toml(recall_limit=99), encoding="utf-8")
        _reload(core, lambda: "recall_limit: 99 is too large" in core.log.read_text())
        assert "the hall goes on as before" in core.log.read_text()
        assert _hall(core)["recall_limit"] == 2

        core.hall.write_text(hall_toml().replace('name = "测试大厅"', 'name = "西城大厅"'), encoding="utf-8")
        _reload(core, lambda: 'belongs to the hall "测试大厅"' in core.log.read_text())
        assert _hall(core)["name"] == "测试大厅"
        assert core.issue()["number"] == "A002"
