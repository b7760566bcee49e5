"""HTTPS on the hall's LAN: Debian's nginx with the shipped systemd/nginx-onewindow.conf in front of a real core
started with --behind-tls, a self-signed certificate made by openssl; and the core's side of it (a Secure session
cookie, the proxy's X-Forwarded-For believed from loopback only)."""

from __future__ import annotations

import getpass
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onewindow.client import CoreClient
from onewindow.dispatch.api import create_app
from onewindow.dispatch.core import Core
from onewindow.dispatch.server import FromTheProxy
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.hall import PASSWORDS, token, write_hall
from tests.support.process import free_port

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "systemd" / "nginx-onewindow.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def sign_in_cookie(app: Any) -> str:
    client = app.test_client()
    answer = client.post("/api/v1/session", json={"user": "manager", "password": PASSWORDS["manager"]})
    assert answer.status_code == 200, answer.get_json()
    return str(answer.headers["Set-Cookie"])


@pytest.mark.parametrize("behind_tls", [False, True])
def test_the_session_cookie_is_secure_only_behind_tls(tmp_path: Path, behind_tls: bool) -> None:
    core = Core(load_hall(write_hall(tmp_path)), Store(str(tmp_path / "hall.sqlite")))
    try:
        cookie = sign_in_cookie(create_app(core, behind_tls=behind_tls))
    finally:
        core.close()
    attributes = [a.strip() for a in cookie.split(";")]
    assert attributes[0].startswith("onewindow-user=") and "HttpOnly" in attributes and "SameSite=Strict" in attributes
    assert ("Secure" in attributes) is behind_tls


def test_only_a_proxy_on_this_machine_may_say_whose_request_it_is() -> None:
    seen: list[tuple[str, str]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append((environ["REMOTE_ADDR"], environ["wsgi.url_scheme"]))
        return []

    proxied = FromTheProxy(app)
    forwarded = {"HTTP_X_FORWARDED_FOR": "192.0.2.7", "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "http"}
    proxied({**forwarded, "REMOTE_ADDR": "127.0.0.1"}, None)
    proxied({**forwarded, "REMOTE_ADDR": "192.0.2.50"}, None)  # a device on the LAN, straight to the core
    assert seen == [("192.0.2.7", "https"), ("192.0.2.50", "http")]


# --- a real nginx in front of a real core ---------------------------------------------------------------------


class Hall:
    """The core on loopback with --behind-tls, and nginx with the shipped site on two other loopback ports."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.core_port, self.http_port, self.https_port = free_port(), free_port(), free_port()
        self.cert, self.key = folder / "hall.crt", folder / "hall.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", self.key, "-out", self.cert],
            check=True, capture_output=True,
        )  # fmt: skip
        self.tls = ssl.create_default_context(cafile=str(self.cert))
        self.processes: list[subprocess.Popen[bytes]] = []

    def start_core(self) -> None:
        hall = write_hall(self.folder)
        command = [sys.executable, "-m", "onewindow.cli", "core", "--config", hall, "--db", self.folder / "core.sqlite"]
        command += ["--host", "127.0.0.1", "--port", str(self.core_port), "--behind-tls"]
        self._start(command, "core.log")
        self._wait_for(self.core_port)

    def start_nginx(self) -> None:
        site = SITE.read_text()
        for shipped, here in [
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;"),
            ("/etc/onewindow/tls/hall.crt", str(self.cert)),
            ("/etc/onewindow/tls/hall.key", str(self.key)),
            ("http://127.0.0.1:8080", f"http://127.0.0.1:{self.core_port}"),
        ]:
            assert shipped in site, f"the shipped site no longer says {shipped!r}"
            site = site.replace(shipped, here)
        site = "\n".join(line for line in site.splitlines() if "[::]" not in line)  # loopback only in a test
        (self.folder / "site.conf").write_text(site)
        temp = "\n".join(f"  {kind}_temp_path {self.folder}/{kind};" for kind in ("proxy", "fastcgi", "uwsgi", "scgi"))
        (self.folder / "nginx.conf").write_text(
            f"user {getpass.getuser()};\nworker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/nginx-error.log;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n  access_log {self.folder}/nginx-access.log;\n  client_body_temp_path {self.folder}/body;\n"
            f"{temp}\n  include {self.folder}/site.conf;\n}}\n"
        )
        command = [NGINX, "-e", self.folder / "nginx-error.log", "-p", self.folder, "-c", self.folder / "nginx.conf"]
        self._start([*command, "-g", "daemon off;"], "nginx.log")
        self._wait_for(self.https_port)

    def _start(self, command: list[Any], log: str) -> None:
        with (self.folder / log).open("wb") as out:
            self.processes.append(subprocess.Popen([str(c) for c in command], stdout=out, stderr=subprocess.STDOUT))

    def _wait_for(self, port: int) -> None:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            for process in self.processes:
                assert process.poll() is None, self.logs()
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError(f"nothing listens on {port}:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"{p.name}:\n{p.read_text()[-2000:]}" for p in sorted(self.folder.glob("*.log")))

    def https(self, timeout: float = 10) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.tls, timeout=timeout)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; `make test` installs it)")
    hall = Hall(tmp_path)
    try:
        hall.start_core()
        hall.start_nginx()
        yield hall
    finally:
        hall.stop()


def get(connection: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    return answer.status, dict(answer.getheaders()), answer.read().decode()


def test_the_pages_the_health_and_a_secure_session_over_https_through_nginx(hall: Hall) -> None:
    https = hall.https()
    assert get(https, "/healthz")[0] == 200
    status, headers, page = get(https, "/")
    assert status == 200 and "<html" in page and headers["Server"].startswith("nginx")
    https.request("POST", "/api/v1/session", json.dumps({"user": "manager", "password": PASSWORDS["manager"]}),
                  {"Content-Type": "application/json"})  # fmt: skip
    answer = https.getresponse()
    assert answer.status == 200, answer.read()
    cookie = answer.getheader("Set-Cookie") or ""
    answer.read()
    assert "Secure" in [a.strip() for a in cookie.split(";")]
    status, _, body = get(https, "/api/v1/session", Cookie=cookie.split(";")[0])
    assert status == 200 and json.loads(body)["id"] == "manager"
    https.close()
    # plain HTTP only points at HTTPS (its port 443, here another)
    plain = http.client.HTTPConnection("127.0.0.1", hall.http_port, timeout=10)
    status, headers, _ = get(plain, "/manage")
    plain.close()
    assert status == 301 and headers["Location"] == "https://127.0.0.1/manage"


def test_the_event_stream_comes_through_nginx_event_by_event(hall: Hall) -> None:
    stream = hall.https(timeout=20)  # a buffering proxy would hold the event past this
    stream.request("GET", "/api/v1/events", headers={"Accept": "text/event-stream"})
    answer = stream.getresponse()
    assert answer.status == 200 and answer.getheader("Content-Type", "").startswith("text/event-stream")
    assert answer.readline().startswith(b"retry:")
    with CoreClient(f"http://127.0.0.1:{hall.core_port}", token("kiosk-1")) as kiosk:
        issued = kiosk.issue("general")
    lines: list[bytes] = []
    while not any(issued["number"].encode() in line for line in lines):
        lines.append(answer.readline())
    assert lines[-1].startswith(b"data:") and b"ticket" in b"".join(lines), lines
    stream.close()
