"""The pages' sessions under attack (issue 12): one per kind of page, ended on the server, cookies settable,
sign-in only as JSON from the core's own pages, no framing."""

from __future__ import annotations

import pytest

from onewindow.dispatch.api import create_app
from onewindow.dispatch.api.signins import CookieRules, SignIns
from tests.support.hall import PASSWORDS, PINS, serve, token


@pytest.fixture
def client(tmp_path):
    with serve(tmp_path) as hall:
        yield create_app(hall.core, cookies=CookieRules()).test_client()


CLERK, USER = {"X-Onewindow-Session": "clerk"}, {"X-Onewindow-Session": "user"}


def test_signing_in_at_the_caller_never_breaks_the_manage_page_in_the_same_browser(client):
    """Issue 12: one shared cookie, so signing in at /caller made every request of /manage answer 403."""
    assert client.post("/api/v1/session", json={"user": "manager", "password": PASSWORDS["manager"]}).status_code == 200
    assert client.post("/api/v1/session", json={"clerk": "c01", "pin": PINS["c01"], "window": 1}).status_code == 200
    assert client.get("/api/v1/stats", headers=USER).status_code == 200
    assert client.get("/api/v1/session", headers=USER).json["kind"] == "user"
    assert client.get("/api/v1/session", headers=CLERK).json["kind"] == "clerk"
    assert client.post("/api/v1/windows/1/call", json={}, headers=CLERK).status_code in (200, 204)
    assert client.post("/api/v1/windows/3/close", json={}, headers=USER).status_code == 200  # as the manager


def test_logging_out_ends_the_session_so_a_copied_cookie_stops_working(client):
    """Issue 12: a copied manager cookie still worked after logout."""
    client.post("/api/v1/session", json={"user": "manager", "password": PASSWORDS["manager"]})
    copied = client.get_cookie("onewindow-user").value
    assert client.delete("/api/v1/session", headers=USER).status_code == 204
    client.set_cookie("onewindow-user", copied)
    answer = client.get("/api/v1/stats", headers=USER)
    assert (answer.status_code, answer.json["error"]["code"]) == (401, "session_ended")


def test_cookies_are_http_only_strict_by_default_and_secure_and_lax_when_asked(tmp_path, monkeypatch):
    with serve(tmp_path) as hall:
        for rules, expected in ((None, "SameSite=Strict"), (CookieRules(secure=True, samesite="Lax"), "SameSite=Lax")):
            app = create_app(hall.core, cookies=rules or CookieRules())
            answer = app.test_client().post("/api/v1/session", json={"user": "auditor", "password": "auditor-pw"})
            cookie = answer.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and expected in cookie and ("Secure" in cookie) == (rules is not None)
        monkeypatch.setenv("ONEWINDOW_COOKIE_SECURE", "1")
        monkeypatch.setenv("ONEWINDOW_COOKIE_SAMESITE", "lax")
        assert CookieRules.from_environment() == CookieRules(secure=True, samesite="Lax")


def test_sign_in_takes_json_only_and_from_the_cores_own_origin(client):
    """Issue 12: a cross-site form could sign a clerk in (login CSRF): any content type, no Origin check."""
    form = client.post("/api/v1/session", data={"user": "manager", "password": PASSWORDS["manager"]})
    assert (form.status_code, form.json["error"]["code"]) == (415, "json_required")
    body = {"user": "manager", "password": PASSWORDS["manager"]}
    elsewhere = client.post("/api/v1/session", json=body, headers={"Origin": "http://evil.example"})
    assert (elsewhere.status_code, elsewhere.json["error"]["code"]) == (403, "cross_origin")
    fetched = client.post("/api/v1/session", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403 and client.get_cookie("onewindow-user") is None
    assert client.post("/api/v1/session", json=body, headers={"Origin": "http://localhost"}).status_code == 200


def test_a_callers_token_cannot_sign_a_page_in(client):
    """Issue 12: POST /api/v1/session accepted a caller's token although the docs say it is refused."""
    answer = client.post("/api/v1/session", json={"device": "caller-1", "token": token("caller-1")})
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "forbidden")
    assert client.post("/api/v1/session", json={"device": "eval-1", "token": token("eval-1")}).status_code == 200


@pytest.mark.parametrize("path", ["/manage", "/manage/manage.js", "/caller", "/t/nothing", "/api/v1/hall", "/nowhere"])
def test_no_page_can_be_framed(client, path):
    """Issue 12: /manage could be framed."""
    answer = client.get(path)
    answer.close()  # a file is streamed
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_session_table_is_capped_and_sessions_idle_out():
    now = [0.0]
    signins = SignIns(idle_s=60, capacity=100, clock=lambda: now[0])
    first = signins.open("user", {"user": "manager"})
    for i in range(1000):
        signins.open("user", {"user": f"u{i}"})
    assert len(signins) == 100 and signins.find("user", first) is None
    sid = signins.open("clerk", {"clerk": "c01"})
    assert signins.find("user", sid) is None  # a clerk's session is no user's
    now[0] = 61
    assert signins.find("clerk", sid) is None
