"""Bad input an attacker or a slip of the keyboard sends (issue 12): each answered with a plain refusal, never a
crash, a 500 or a hall that later fails."""

from __future__ import annotations

import http.client
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from onewindow.configfile import ConfigFile
from onewindow.credentials import hash_format_problem, hash_secret
from onewindow.dispatch.api.body import MAX_BODY
from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall, read_hall
from tests.support.hall import EXAMPLES, PINS, TZ, Clock, basic, bearer, hall_toml, raw_request, serve


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )


def hall_errors(text: str) -> str:
    file = ConfigFile("hall.toml", text)
    assert read_hall(file) is None
    return "\n".join(file.errors)


def test_a_rating_number_no_database_can_hold_answers_404_not_500(tmp_path):
    """Issue 12: POST /api/v1/ratings/99999999999999999999999/follow-up answered 500 (OverflowError in SQLite)."""
    with serve(tmp_path) as hall:
        headers = {**basic("manager"), "Content-Type": "application/json"}
        path = "/api/v1/ratings/99999999999999999999999/follow-up"
        status, answer = raw_request(hall.url, "POST", path, b'{"note": "called back"}', headers)
        assert (status, answer["error"]["code"]) == (404, "not_found")
        window = "/api/v1/windows/99999999999999999999999/call"
        assert raw_request(hall.url, "POST", window, b"", bearer("caller-1"))[0] == 404


def test_a_service_of_a_thousandth_of_a_minute_is_refused(tmp_path):
    """Issue 12: minutes = 0.001 passed check-config, then every issue answered 500 (ZeroDivisionError)."""
    bad = tmp_path / "hall.toml"
    bad.write_text(hall_toml().replace("minutes = 8", "minutes = 0.001"), encoding="utf-8")
    result = check(bad)
    assert result.returncode == 1 and "minutes: 0.001 is too small (allowed: 0.5 to 480)" in result.stdout


def test_a_ticket_at_its_window_half_a_day_still_lets_the_kiosks_issue(tmp_path):
    """The division behind it: a one-minute service whose ticket has been at a window for 13 hours."""
    path = tmp_path / "hall.toml"
    path.write_text(hall_toml().replace("minutes = 8", "minutes = 1"), encoding="utf-8")
    clock = Clock(datetime(2026, 11, 27, 8, 0, tzinfo=TZ))
    core = Core(load_hall(path), Store(str(tmp_path / "hall.sqlite")), clock=clock)
    core.execute(lambda hall: hall.sign_in(1, "c01", "device:caller-1"))
    for _ in range(3):
        core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    core.execute(lambda hall: hall.call(1, "device:caller-1"))
    clock.advance(13 * 3600)
    ticket, _ = core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
    assert ticket.number == "A004"
    core.close()


@pytest.mark.parametrize(
    "nesting",
    ["[" * 5000 + "]" * 5000, "{ a = " * 3000 + "1" + " }" * 3000, "[" * 40 + "]" * 40],
    ids=["arrays", "inline tables", "just past the bound"],
)
def test_deep_nesting_in_a_hall_or_role_file_is_a_config_error(tmp_path, nesting):
    """Issue 12: deeply nested arrays or inline tables crashed check-config and core with RecursionError."""
    hall = tmp_path / "hall.toml"
    hall.write_text(hall_toml() + f"\nextra = {nesting}\n", encoding="utf-8")
    role = tmp_path / "kiosk-1.toml"
    role.write_text((EXAMPLES / "kiosk-1.toml").read_text(encoding="utf-8") + f"\nextra = {nesting}\n")
    for path in (hall, role):
        result = check(path)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-500:]
        assert "nested" in result.stdout and "32" in result.stdout, result.stdout
    core = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "core", "--config", str(hall), "--db", str(tmp_path / "x.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert core.returncode == 1 and "refusing to start" in core.stderr and "Traceback" not in core.stderr


@pytest.mark.parametrize(
    "number", ["9" * 4301, "0x" + "f" * 4000, "9" * 25], ids=["4301 digits", "a hex giant", "past 64 bits"]
)
def test_an_integer_of_thousands_of_digits_is_a_config_error(number):
    """Issue 12: an integer of 4,300 digits crashed check-config with ValueError."""
    errors = hall_errors(hall_toml().replace("recall_limit = 2", f"recall_limit = {number}"))
    assert "far too" in errors and len(errors) < 300


def test_pin_and_password_hashes_that_cannot_verify_or_cost_too_much_are_refused():
    """Issue 12: hashes whose parameters never verify, or cost 0.6 s each, passed check-config."""
    good = hash_secret("1234")
    assert hash_format_problem(good) is None
    _, n, r, p, salt, digest = good.split("$")
    never = f"scrypt${2**20}$8$1${salt}${digest}"  # 1 GiB: hashlib refuses, so no PIN ever matches
    slow = f"scrypt${n}${r}$16${salt}${digest}"  # sixteen times the work of every other sign-in
    for hashed in (never, slow):
        assert "more memory or work than a sign-in can spend" in (hash_format_problem(hashed) or "")
    assert "damaged" in (hash_format_problem(f"scrypt${'9' * 5000}$8$1${salt}${digest}") or "")
    errors = hall_errors(hall_toml().replace(f'pin_hash = "{_pin_hash()}"', f'pin_hash = "{slow}"', 1))
    assert 'id="c01": pin_hash: asks scrypt for N=16384, r=8, p=16' in errors


def _pin_hash() -> str:
    text = hall_toml()
    start = text.index('pin_hash = "') + len('pin_hash = "')
    return text[start : text.index('"', start)]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_share_that_is_not_a_number_is_refused(value):
    """Issue 12: share = nan passed check-config."""
    errors = hall_errors(hall_toml().replace("share = 0.7", f"share = {value}"))
    assert f"share: {value} is not allowed (must be a finite number)" in errors


def test_a_chunked_body_over_the_limit_answers_413(tmp_path):
    """Issue 12: a chunked body over the limit answered 400 (cut at the limit, then not valid JSON)."""
    with serve(tmp_path) as hall:
        host, port = hall.url.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.putrequest("POST", "/api/v1/tickets")
        for name, value in bearer("kiosk-1").items():
            conn.putheader(name, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        body = b'{"service": "' + b"x" * (2 * MAX_BODY) + b'"}'
        for i in range(0, len(body), 4096):
            part = body[i : i + 4096]
            conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
        conn.send(b"0\r\n\r\n")
        answer = conn.getresponse()
        assert answer.status == 413 and b"body_too_large" in answer.read()
        conn.close()


def test_every_429_says_when_to_come_back(tmp_path):
    """Issue 12: 429 answers carried no Retry-After."""
    with serve(tmp_path) as hall:
        wrong = b'{"clerk": "c01", "pin": "0000"}'
        statuses = []
        for _ in range(6):
            conn_status, _ = raw_request(hall.url, "POST", "/api/v1/windows/1/sign-in", wrong, bearer("caller-1"))
            statuses.append(conn_status)
        assert statuses[-1] == 429
        host, port = hall.url.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        right = f'{{"clerk": "c01", "pin": "{PINS["c01"]}"}}'.encode()
        conn.request("POST", "/api/v1/windows/1/sign-in", right, bearer("caller-1"))
        answer = conn.getresponse()
        answer.read()
        conn.close()
        assert answer.status == 429 and 1 <= int(answer.getheader("Retry-After")) <= 301
