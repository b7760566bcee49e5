"""docs/openapi.yaml checked against a running core with schemathesis: requests generated from the description,
sent over a real port with the credentials each route needs (a device's token, a clerk's and a manager's page
sessions); every answer must be below 500 and match the description (status, content type, body)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.hall import PASSWORDS, PINS, RunningCore, raw_request, serve, token

SPEC = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
EXAMPLES = int(os.environ.get("ONEWINDOW_SCHEMA_EXAMPLES", "15"))  # per route; more for a long run
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# the event stream never ends: tests/test_events.py follows it; every other route is generated
schema = schemathesis.openapi.from_path(SPEC).exclude(path="/api/v1/events")

# who sends each route's requests: its own user, so that most requests get past the credential check
KIOSK = {"Authorization": f"Bearer {token('kiosk-1')}"}
JSON = {"Content-Type": "application/json"}


def _session(hall: RunningCore, body: dict[str, object]) -> str:
    """A page's session cookie, signed in as the page would."""
    import http.client

    conn = http.client.HTTPConnection(hall.url.removeprefix("http://").split(":")[0], int(hall.url.split(":")[-1]))
    try:
        conn.request("POST", "/api/v1/session", json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        return response.getheader("Set-Cookie", "").split(";", 1)[0]
    finally:
        conn.close()


Who = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningCore, Who, list[str]]]:
    with serve(tmp_path_factory.mktemp("openapi")) as hall:
        issued = [
            raw_request(hall.url, "POST", "/api/v1/tickets", b'{"service":"general"}', {**KIOSK, **JSON})[1]
            for _ in range(20)
        ]
        clerk = _session(hall, {"clerk": "c01", "pin": PINS["c01"], "window": 1})
        manager = _session(hall, {"user": "manager", "password": PASSWORDS["manager"]})
        who = {"kiosk": KIOSK, "clerk": {"Cookie": clerk}, "manager": {"Cookie": manager}}
        yield hall, who, [ticket["id"] for ticket in issued]  # type: ignore[index]


def credentials(case: schemathesis.Case, who: Who) -> dict[str, str]:
    path, method = case.operation.path, case.operation.method.upper()
    if path in ("/api/v1/tickets", "/api/v1/device", "/api/v1/devices/{device_id}/status"):
        return who["kiosk"]
    if path.startswith(("/api/v1/windows/", "/api/v1/cases/")):
        return who["clerk"]
    if path == "/api/v1/session":
        return {}  # signing in and out is the route itself: the module's sessions stay open
    if path.startswith(
        (
            "/api/v1/stats",
            "/api/v1/ratings",
            "/api/v1/reports",
            "/api/v1/audit",
            "/api/v1/cases",
            "/api/v1/devices",
            "/api/v1/day",
        )
    ):
        return who["manager"]
    return {} if method == "GET" else who["kiosk"]


def real_things(case: schemathesis.Case, tickets: list[str]) -> None:
    """Half the generated tickets and windows made real ones, so that the routes' answers are reached as often as
    their refusals (a random id is always unknown)."""
    params = case.path_parameters or {}
    if "ticket_id" in params and len(str(params["ticket_id"])) % 2:
        params["ticket_id"] = tickets[len(str(params["ticket_id"])) % len(tickets)]
    if isinstance(params.get("n"), int) and params["n"] % 2:
        params["n"] = 1 + abs(params["n"]) % 5


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_description_and_none_is_a_server_error(case, hall):
    running, who, tickets = hall
    real_things(case, tickets)
    case.call_and_validate(base_url=running.url, headers=credentials(case, who), checks=CHECKS, timeout=30)
