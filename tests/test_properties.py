"""Property-based checks (hypothesis): any file a technician or an attacker writes is a config or a plain error,
and any request to any route of the interface is answered below 500."""

from __future__ import annotations

import base64
import json
import math
import os
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.configfile import ConfigFile
from onewindow.dispatch.api import create_app
from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store
from onewindow.hallfile import read_hall
from onewindow.roles import read_any_role
from tests.support.hall import EXAMPLES, PASSWORDS, PINS, hall_toml, token, write_hall

# bounded so the whole file runs in well under a minute on the 2-core test machine; ONEWINDOW_FUZZ_EXAMPLES
# raises both for a long run (docs/reliability.md)
CONFIG_EXAMPLES = int(os.environ.get("ONEWINDOW_FUZZ_EXAMPLES", "300"))
ROUTE_EXAMPLES = int(os.environ.get("ONEWINDOW_FUZZ_EXAMPLES", "400"))

# --- the config loader -----------------------------------------------------------------------------------

# the hall file's and role files' own words, so that generated documents reach the readers' checks
WORDS = [
    "hall", "name", "locale", "timezone", "recall_limit", "rating_window_s", "rating_grace_s", "require_sign_in",
    "priority", "hours", "mon", "sat", "last_ticket_min", "holidays", "workdays", "workday", "service", "id",
    "prefix", "minutes", "share", "guide", "window", "number", "services", "closed", "assists", "clerk", "pin_hash",
    "user", "role", "password_hash", "device", "kind", "token_sha256", "windows", "core", "token", "printer",
    "type", "host", "port", "mode", "dots", "screen", "enabled", "led", "baudrate", "protocol", "address", "main",
    "voice", "clips", "keypad", "path", "keymap", "bus", "pads", "x",
]  # fmt: skip

key = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12))
scalar = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["general", "card", "kiosk", "caller", "scrypt$16384$8$1$AA$AA", "08:30-12:00", "fake"]),
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=4)),
    max_leaves=12,
)
document = st.dictionaries(
    key,
    st.one_of(
        value, st.dictionaries(key, value, max_size=6), st.lists(st.dictionaries(key, value, max_size=6), max_size=3)
    ),
    max_size=8,
)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int | date):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


def toml_text(doc: dict[str, Any]) -> str:
    """The document as TOML: tables as [name], lists of tables as [[name]], the rest as key = value."""
    plain, tables = [], []
    for name, v in doc.items():
        if isinstance(v, dict) and v:
            tables.append(
                f"[{json.dumps(name)}]\n" + "".join(f"{json.dumps(k)} = {toml_value(x)}\n" for k, x in v.items())
            )
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for entry in v:
                tables.append(
                    f"[[{json.dumps(name)}]]\n"
                    + "".join(f"{json.dumps(k)} = {toml_value(x)}\n" for k, x in entry.items())
                )
        else:
            plain.append(f"{json.dumps(name)} = {toml_value(v)}\n")
    return "".join(plain) + "\n".join(tables)


# what broke the loader once (issue 12): giant numbers, deep nesting, numbers that are not numbers
NASTY = st.sampled_from(
    ["9" * 4301, "0x" + "f" * 4000, "[" * 3000 + "]" * 3000, "{ a = " * 2000 + "1" + " }" * 2000, "nan", "-inf",
     "0.001", "1e308", "0", "-1", '"scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + "A" * 43 + '"']
)  # fmt: skip


def edited(text: str) -> st.SearchStrategy[str]:
    """A real file with one line's value replaced by anything, or cut short anywhere."""
    lines = text.splitlines()

    def replace(i: int, new: str) -> str:
        line = lines[i % len(lines)]
        left = line.split("=", 1)[0] + "= " if "=" in line else ""
        return "\n".join([*lines[: i % len(lines)], left + new, *lines[i % len(lines) + 1 :]])

    return st.one_of(
        st.builds(replace, st.integers(min_value=0), st.text(max_size=40)),
        st.builds(replace, st.integers(min_value=0), value.map(toml_value)),
        st.builds(replace, st.integers(min_value=0), NASTY),
        st.integers(min_value=0, max_value=len(text)).map(lambda cut: text[:cut]),
    )


def read_any(name: str, text: str) -> None:
    """Read `text` as the hall file or a role file; only a config or collected errors may come out."""
    file = ConfigFile(name, text)
    hall = read_hall(file) if "hall" in file.data or "service" in file.data else read_any_role(file)
    if hall is not None:
        assert not file.errors
    for line in file.errors:
        assert line.startswith(name) and "Traceback" not in line


@settings(max_examples=CONFIG_EXAMPLES, deadline=None)
@given(document)
def test_any_toml_document_is_a_config_or_its_errors(doc):
    read_any("hall.toml", toml_text(doc))


HALL_TEXT = hall_toml()
KIOSK_TEXT = (EXAMPLES / "kiosk-1.toml").read_text(encoding="utf-8")
DISPLAY_TEXT = (EXAMPLES / "display-1.toml").read_text(encoding="utf-8")
CALLER_TEXT = (EXAMPLES / "caller-bus.toml").read_text(encoding="utf-8")


@settings(max_examples=CONFIG_EXAMPLES, deadline=None)
@given(st.one_of(edited(HALL_TEXT), edited(KIOSK_TEXT), edited(DISPLAY_TEXT), edited(CALLER_TEXT)))
def test_a_real_file_with_any_edit_is_a_config_or_its_errors(text):
    read_any("edited.toml", text)


# --- every route -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hall")
    core = Core(_hall_config(folder), Store(str(folder / "hall.sqlite")))
    app = create_app(core)
    with app.test_client() as test_client:
        # a few real things for the paths to name: tickets, a staffed window, a rating
        kiosk = _auth("kiosk-1")
        for _ in range(3):
            test_client.post("/api/v1/tickets", json={"service": "general"}, headers=kiosk)
        test_client.post(
            "/api/v1/windows/1/sign-in", json={"clerk": "c01", "pin": PINS["c01"]}, headers=_auth("caller-1")
        )
        yield test_client
    core.close()


def _hall_config(folder: Path):
    from onewindow.hallfile import load_hall

    return load_hall(write_hall(folder))


def _auth(device: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(device)}"}


# each route with who may use it, so that a good share of requests get past the credential check
ROUTES = [
    ("GET", "/healthz", None), ("GET", "/api/v1/hall", None), ("POST", "/api/v1/tickets", "kiosk-1"),
    ("GET", "/api/v1/tickets/<id>", None), ("POST", "/api/v1/tickets/<id>/move", "kiosk-1"),
    ("POST", "/api/v1/tickets/<id>/cancel", "kiosk-1"), ("POST", "/api/v1/tickets/<id>/rating", None),
    ("GET", "/api/v1/windows/<n>", "caller-1"), ("POST", "/api/v1/windows/<n>/<action>", "caller-1"),
    ("POST", "/api/v1/windows/<n>/<action>", "eval-1"), ("POST", "/api/v1/windows/<n>/<action>", "manager"),
    ("GET", "/api/v1/device", "caller-1"), ("POST", "/api/v1/devices/<id>/status", "display-1"),
    ("GET", "/api/v1/devices", "manager"), ("GET", "/api/v1/events", None), ("POST", "/api/v1/session", None),
    ("GET", "/api/v1/session", "manager"), ("DELETE", "/api/v1/session", "manager"),
    ("GET", "/api/v1/stats", "manager"),
    ("GET", "/api/v1/ratings", "manager"), ("POST", "/api/v1/ratings/<n>/follow-up", "manager"),
    ("GET", "/api/v1/audit", "manager"), ("GET", "/api/v1/audit/verify", "manager"), ("GET", "/static/<id>", None),
    ("GET", "/", None), ("GET", "/caller", None), ("GET", "/caller/keys", None), ("GET", "/evaluator", None),
    ("GET", "/t/<id>", None), ("GET", "/t/<id>/windows", None), ("GET", "/manage", None), ("GET", "/manage/<id>", None),
    ("GET", "/review", None),
]  # fmt: skip
ACTIONS = ["call", "recall", "start", "finish", "no-show", "transfer", "pause", "resume", "sign-in", "sign-out",
           "close", "open", "rating"]  # fmt: skip

segment = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["99999999999999999999999", "9223372036854775808", "-1", "0", "1"]),
    st.integers(min_value=0, max_value=6).map(str),
    st.text(min_size=1, max_size=40),
    st.sampled_from(ACTIONS),
    st.sampled_from(["kiosk-1", "caller-1", "eval-1", "..", "%00", "a" * 300]),
)
json_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.text(max_size=20)
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=10,
)
FIELDS = ["service", "priority", "window", "score", "reasons", "clerk", "pin", "reason", "note", "user",
          "password", "ok", "message", "parts"]  # fmt: skip
# bodies of the right shape with any values, so that requests get past the parsing into the hall's rules
NOTE = st.fixed_dictionaries({"note": st.text(min_size=1, max_size=20)})
ISSUE = st.fixed_dictionaries(
    {"service": st.sampled_from(["general", "card", "injury", "x"])}, optional={"priority": json_value}
)
RATE = st.fixed_dictionaries({"score": json_value}, optional={"reasons": json_value})
SIGN_IN = st.fixed_dictionaries(
    {"clerk": st.sampled_from(["c01", "c02", "zz"]), "pin": st.sampled_from(["1111", "0", ""])}
)
WINDOW = st.fixed_dictionaries({"window": json_value})
STATUS = st.fixed_dictionaries({"ok": st.booleans(), "message": st.text(max_size=20), "parts": json_value})
shaped = st.one_of(NOTE, ISSUE, RATE, SIGN_IN, WINDOW, STATUS)
# the body each route takes, so that a good share of requests reach the hall's rules
SHAPE_OF = {"follow-up": NOTE, "tickets": ISSUE, "rating": RATE, "move": WINDOW, "status": STATUS, "<action>": shaped}
body = st.one_of(
    shaped.map(lambda d: json.dumps(d).encode()),
    st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=4).map(lambda d: json.dumps(d).encode()),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
)
MANAGER = {"Authorization": "Basic " + base64.b64encode(f"manager:{PASSWORDS['manager']}".encode()).decode()}
credential = st.sampled_from(
    [
        {},
        _auth("kiosk-1"),
        _auth("caller-1"),
        _auth("eval-1"),
        _auth("display-1"),
        {"Authorization": "Bearer nope"},
        MANAGER,
        MANAGER,
        {"Authorization": "Basic !!!"},
        {"Last-Event-ID": "99999999999999999999999"},
        {"Last-Event-ID": "-3"},
    ]
)


@settings(
    max_examples=ROUTE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    parts=st.lists(segment, min_size=3, max_size=3),
    query=st.dictionaries(st.sampled_from(["date", "before", "limit", "flagged", "unit"]), st.text(max_size=12)),
    data=body,
    headers=credential,
    as_who=st.booleans(),
    draw=st.data(),
)
def test_any_request_to_any_route_is_answered_below_500(client, route, parts, query, data, headers, as_who, draw):
    method, pattern, who = route
    if as_who and who is not None:
        # as the route's own user, with a body of the route's own shape: past the doors, into the hall's rules
        headers = MANAGER if who == "manager" else _auth(who)
        shape = next((shape for end, shape in SHAPE_OF.items() if pattern.endswith(end)), None)
        data = json.dumps(draw.draw(shape)).encode() if shape is not None else data
    values = iter(parts)
    path = re.sub(r"<[a-z]+>", lambda _: quote(next(values), safe=""), pattern)
    answer = client.open(
        path, method=method, query_string=query, data=data, headers={**headers, "Content-Type": "application/json"}
    )
    try:
        assert answer.status_code < 500, (method, path, answer.status_code, answer.get_data()[:300])
        if path.startswith("/api/") and answer.status_code >= 400:
            assert "code" in answer.get_json()["error"]
    finally:
        answer.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), path=st.text(min_size=1, max_size=80))
def test_any_path_at_all_is_answered_below_500(client, method, path):
    answer = client.open("/" + quote(path, safe="/"), method=method, data=b"{}")
    try:
        assert answer.status_code < 500, (method, path, answer.status_code)
    finally:
        answer.close()
