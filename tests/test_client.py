"""The client device processes use: safe retries for issuing, no replay of presses, the stream followed for good."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable, parse_sse
from onewindow.credentials import token_sha256, verify_secret
from tests.support.hall import PINS, token
from tests.support.process import CoreProcess, free_port


def test_issue_retries_while_the_core_restarts_and_still_makes_one_ticket(tmp_path):
    with CoreProcess(tmp_path) as core:
        core.stop("SIGKILL")
        kiosk = CoreClient(core.url, token("kiosk-1"), timeout=2)
        restarter = threading.Timer(1.0, core.start)
        restarter.start()
        ticket = kiosk.issue("general", key="tap-1", deadline_s=30)
        restarter.join()
        again = kiosk.issue("general", key="tap-1")
        assert again["id"] == ticket["id"]
        with CoreClient(core.url) as reader:
            assert reader.hall()["services"][0]["waiting"] == 1
        kiosk.close()


def test_a_press_while_the_core_is_away_fails_at_once_and_is_never_sent_later(tmp_path):
    with CoreProcess(tmp_path) as core:
        caller = CoreClient(core.url, token("caller-1"), timeout=2)
        caller.act(1, "sign-in", {"clerk": "c01", "pin": PINS["c01"]})
        core.kiosk.issue("general")
        core.stop("SIGKILL")
        with pytest.raises(CoreUnreachable):
            caller.act(1, "call")
        core.start()
        time.sleep(0.5)
        with CoreClient(core.url) as reader:
            window = reader.window(1)
        assert window["current"] is None and window["waiting"] == 1  # the failed press did not happen later
        assert caller.act(1, "call")["number"] == "A001"
        caller.close()


def test_an_unreachable_core_is_reported_quickly(tmp_path):
    client = CoreClient(f"http://127.0.0.1:{free_port()}", token("kiosk-1"), timeout=1)
    with pytest.raises(CoreUnreachable, match="connection refused"):
        client.hall()
    assert client.healthy() is False
    with pytest.raises(CoreUnreachable):
        client.issue("general", deadline_s=0.5)


def test_refusals_carry_status_code_and_message(tmp_path):
    with CoreProcess(tmp_path) as core:
        with CoreClient(core.url, "wrong-token-0123456789012345") as stranger, pytest.raises(CoreRefused) as err:
            stranger.issue("general")
        assert err.value.status == 401 and err.value.code == "bad_token"
        with pytest.raises(CoreRefused) as err:
            core.kiosk.issue("nonsense")
        assert err.value.status == 400 and "unknown service" in err.value.message


def test_sse_parsing_follows_the_standard():
    lines = iter(
        [
            "retry: 2000\n",
            "\n",
            ": heartbeat\n",
            "\n",
            "id: 7\n",
            "event: ticket.called\n",
            'data: {"a":\n',
            "data: 1}\n",
            "\n",
            "data:x\n",
            "\n",
        ]
    )
    items = [i for i in parse_sse(lines) if i is not None]
    assert items == [("7", "ticket.called", '{"a":\n1}'), (None, "message", "x")]


def test_new_token_prints_a_token_and_its_sha256():
    out = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "new-token"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tok = out[0].split('"')[1]
    digest = out[1].split('"')[1]
    assert token_sha256(tok) == digest and len(tok) >= 40


def test_hash_pin_reads_standard_input():
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "hash-pin"], input="2468\n", capture_output=True, text=True, check=True
    )
    assert verify_secret("2468", result.stdout.strip())
    empty = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "hash-pin"], input="\n", capture_output=True, text=True
    )
    assert empty.returncode == 1


@pytest.mark.parametrize(
    "command",
    [
        "core",
        "check-config",
        "hash-pin",
        "new-token",
        "audit",
        "kiosk",
        "print-test",
        "display",
        "caller",
        "simulate",
        "demo",
    ],
)
def test_every_command_explains_itself(command):
    result = subprocess.run([sys.executable, "-m", "onewindow.cli", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: onewindow" in result.stdout
