"""A small test hall, a clock tests can turn, and a real core served over HTTP on a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from onewindow.client import CoreClient
from onewindow.credentials import hash_secret, token_sha256
from onewindow.dispatch.core import Core
from onewindow.dispatch.policy import Policy
from onewindow.dispatch.server import HallServer, make_server
from onewindow.dispatch.store import Store
from onewindow.dispatch.stream import Limits
from onewindow.hallfile import HallConfig, load_hall

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "config" / "examples"
TZ = ZoneInfo("Asia/Shanghai")

PINS = {"c01": "1111", "c02": "2222", "c03": "3333", "c04": "4444", "c05": "5555"}
PASSWORDS = {"manager": "manager-pw", "auditor": "auditor-pw", "technician": "technician-pw"}
DEVICES = {  # id: (kind, windows)
    "kiosk-1": ("kiosk", []),
    "kiosk-2": ("kiosk", []),
    "display-1": ("display", []),
    "caller-1": ("caller", [1, 2, 3]),
    "caller-4": ("caller", [4]),
    "caller-5": ("caller", [5]),
    "eval-1": ("evaluator", [1, 2, 3]),
    "eval-4": ("evaluator", [4]),
}


def token(device: str) -> str:
    return f"{device}-token-0123456789abcdefghij"


@cache
def _hash(secret: str) -> str:
    return hash_secret(secret)


def hall_toml(
    *,
    recall_limit: int = 2,
    rating_window_s: int = 60,
    require_sign_in: bool = True,
    priority: bool = True,
    extra: str = "",
) -> str:
    """Five windows: 1-2 general, 3 general and card, 4 card, 5 injury."""
    lines = [
        f"""[hall]
name = "测试大厅"
locale = "zh-Hans"
timezone = "Asia/Shanghai"
recall_limit = {recall_limit}
rating_window_s = {rating_window_s}
require_sign_in = {str(require_sign_in).lower()}
priority = {str(priority).lower()}

[[service]]
id = "general"
name = "通办业务"
prefix = "A"
minutes = 8
share = 0.7

[[service]]
id = "card"
name = "社保卡业务"
prefix = "E"
minutes = 5
share = 0.2

[[service]]
id = "injury"
name = "工伤认定"
prefix = "C"
minutes = 25
share = 0.1
"""
    ]
    for number, services in (
        (1, ["general"]),
        (2, ["general"]),
        (3, ["general", "card"]),
        (4, ["card"]),
        (5, ["injury"]),
    ):
        lines.append(f"[[window]]\nnumber = {number}\nservices = {services!r}\n".replace("'", '"'))
    for clerk, pin in PINS.items():
        lines.append(f'[[clerk]]\nid = "{clerk}"\nname = "职员{clerk[-1]}"\npin_hash = "{_hash(pin)}"\n')
    for user, password in PASSWORDS.items():
        lines.append(f'[[user]]\nname = "{user}"\nrole = "{user}"\npassword_hash = "{_hash(password)}"\n')
    for device, (kind, windows) in DEVICES.items():
        entry = f'[[device]]\nid = "{device}"\nkind = "{kind}"\ntoken_sha256 = "{token_sha256(token(device))}"\n'
        if windows:
            entry += f"windows = {windows}\n"
        lines.append(entry)
    return "\n".join(lines) + extra


def write_hall(folder: Path, **options: object) -> Path:
    path = folder / "hall.toml"
    path.write_text(hall_toml(**options), encoding="utf-8")  # type: ignore[arg-type]
    return path


class Clock:
    """Hall time that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None):
        self.now = (start or datetime(2026, 11, 27, 8, 30, tzinfo=TZ)).timestamp()
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds

    def set(self, when: datetime) -> None:
        with self.lock:
            self.now = when.timestamp()


@dataclass
class RunningCore:
    core: Core
    url: str
    clock: Clock
    config: HallConfig
    db: str
    server: HallServer | None = None

    def client(self, device: str | None = None) -> CoreClient:
        return CoreClient(self.url, token(device) if device else None)


@contextmanager
def serve(
    folder: Path,
    *,
    clock: Clock | None = None,
    db: str | None = None,
    heartbeat_s: float = 15.0,
    policy: Policy | None = None,
    config: HallConfig | None = None,
    limits: Limits | None = None,
    **options: object,
) -> Iterator[RunningCore]:
    """A real core on a free loopback port, over a real SQLite file."""
    config = config or load_hall(write_hall(folder, **options))
    clock = clock or Clock()
    db = db or str(folder / "hall.sqlite")
    # a database URL keeps the operation log's key in the test's folder; a SQLite file keeps it beside itself
    audit_key = folder / "hall.audit-key" if "://" in db else None
    core = Core(config, Store(db, audit_key=audit_key), clock=clock, policy=policy)
    try:
        with serving(core, heartbeat_s=heartbeat_s, limits=limits) as (url, server):
            yield RunningCore(core, url, clock, config, db, server)
    finally:
        core.close()


@contextmanager
def serving(core: Core, heartbeat_s: float = 15.0, limits: Limits | None = None) -> Iterator[tuple[str, HallServer]]:
    """`core` served on a free loopback port while the block runs: (its URL, the server). The event streams end
    first, so the server can stop."""
    server = make_server(core, "127.0.0.1", 0, heartbeat_s=heartbeat_s, limits=limits)
    server.start()
    host, port = server.address
    try:
        yield f"http://{host}:{port}", server
    finally:
        core.broker.close()
        server.stop()


def raw_request(
    url: str,
    method: str,
    path: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, object]:
    """One HTTP request with exactly these bytes; (status, parsed JSON or None)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body
    return response.status, parsed


def bearer(device: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(device)}", "Content-Type": "application/json"}


def basic(user: str, password: str | None = None) -> dict[str, str]:
    import base64

    secret = base64.b64encode(f"{user}:{password or PASSWORDS[user]}".encode()).decode()
    return {"Authorization": f"Basic {secret}"}
