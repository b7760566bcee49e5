"""The pages' routes over HTTP: each page in the hall's locale with its safety headers, files only from the core
itself, and `/t/<id>/windows`: where a waiting ticket could go, what the core would say after the move (and then
does say), naming no other ticket and changing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onewindow.client import CoreClient
from onewindow.dispatch.api.pages import WEB
from onewindow.hallfile import load_hall
from tests.support.hall import PINS, hall_toml, raw_request, serve, token


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield running


@pytest.fixture
def kiosk(hall):
    with CoreClient(hall.url, token("kiosk-1")) as client:
        yield client


def get(url: str, path: str) -> tuple[int, dict[str, str], str]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/", "/caller", "/caller/keys", "/review", "/evaluator"])
def test_each_page_in_the_halls_locale_with_its_headers(hall, path):
    status, headers, body = get(hall.url, path)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hans">' in body
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', body):
        assert get(hall.url, asset)[0] == 200, asset


def test_a_tickets_page_is_private_and_an_unknown_one_says_so(hall, kiosk):
    ticket = kiosk.issue("general")
    status, headers, body = get(hall.url, f"/t/{ticket['id']}")
    assert status == 200 and headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert ticket["id"] not in body  # the page reads its id from its own address, not from the server's HTML
    status, _, body = get(hall.url, "/t/not-a-ticket")
    assert status == 404 and '<html lang="zh-Hans">' in body


def test_pages_in_other_locales(tmp_path):
    for locale in ("en", "zh-Hant"):
        folder = tmp_path / locale
        folder.mkdir()
        path = folder / "hall.toml"
        path.write_text(hall_toml().replace('locale = "zh-Hans"', f'locale = "{locale}"'), encoding="utf-8")
        with serve(folder, config=load_hall(path)) as running:
            assert f'<html lang="{locale}">' in get(running.url, "/caller")[2]


def test_the_pages_load_nothing_from_outside_the_core():
    files = sorted(f for f in WEB.glob("*") if not f.name.startswith("."))
    assert {f.suffix for f in files} == {".html", ".css", ".js"}
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href|url)\s*[=(]\s*[\"']?(?:https?:)?//", text), f.name
        assert 'fetch("http' not in text and "import " not in text.split("\n", 1)[0]


def sign_in(hall, *windows):
    with CoreClient(hall.url, token("caller-1")) as caller:
        for n in windows:
            caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})


def test_where_a_waiting_ticket_could_go(hall, kiosk):
    sign_in(hall, 1, 2, 3)
    tickets = [kiosk.issue("general") for _ in range(5)]  # windows 1, 2, 3, 1, 2
    mine = kiosk.issue("general")
    with CoreClient(hall.url, token("caller-1")) as caller:
        caller.act(2, "pause")
    status, body = raw_request(hall.url, "GET", f"/t/{mine['id']}/windows")
    assert status == 200
    assert body["status"] == "waiting" and body["window"] == mine["window"]
    rows = {w["number"]: w for w in body["windows"]}
    assert sorted(rows) == [1, 2, 3]  # the windows that serve general; not 4 or 5
    assert rows[2]["available"] is False and rows[2]["state"] == "paused" and rows[2]["ahead"] is None
    assert rows[mine["window"]]["here"] is True
    text = str(body)
    assert all(t["id"] not in text and t["number"] not in text for t in tickets)  # not even their numbers


def test_what_the_page_promises_for_a_move_is_what_the_core_says_after_it(hall, kiosk):
    sign_in(hall, 1, 2, 3)
    for _ in range(7):
        kiosk.issue("general")
    mine = kiosk.issue("general")
    with CoreClient(hall.url) as citizen:
        for target in (1, 2, 3):
            _, before = raw_request(hall.url, "GET", f"/t/{mine['id']}/windows")
            promised = next(w for w in before["windows"] if w["number"] == target)
            moved = citizen.move(mine["id"], target)
            assert (moved["window"], moved["ahead"], moved["estimated_wait_s"]) == (
                target,
                promised["ahead"],
                promised["estimated_wait_s"],
            )


def test_asking_changes_nothing(hall, kiosk):
    tickets = [kiosk.issue("general") for _ in range(6)]
    with CoreClient(hall.url) as client:
        before = [client.window(n)["queue"] for n in (1, 2, 3)]
        seq = client.hall()["seq"]
        for t in tickets:
            assert raw_request(hall.url, "GET", f"/t/{t['id']}/windows")[0] == 200
        assert [client.window(n)["queue"] for n in (1, 2, 3)] == before
        assert client.hall()["seq"] == seq
        assert [client.ticket(t["id"])["window"] for t in tickets] == [t["window"] for t in tickets]


def test_a_ticket_no_longer_waiting_has_no_choices_and_an_unknown_one_is_404(hall, kiosk):
    ticket = kiosk.issue("general")
    with CoreClient(hall.url) as citizen:
        citizen.cancel(ticket["id"])
    assert raw_request(hall.url, "GET", f"/t/{ticket['id']}/windows") == (
        200,
        {"status": "cancelled", "window": ticket["window"], "windows": []},
    )
    status, body = raw_request(hall.url, "GET", "/t/nobody/windows")
    assert status == 404 and body["error"]["code"] == "unknown_ticket"


def test_the_web_folder_is_what_the_pages_use():
    used: set[str] = set()
    for page in Path(WEB).glob("*.html"):
        used |= set(re.findall(r"/static/([\w.-]+)", page.read_text(encoding="utf-8")))
    assert used == {p.name for p in Path(WEB).glob("*") if p.suffix in (".js", ".css")}
