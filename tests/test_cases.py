"""Cases (SPEC §10): business a window handles, its unit reviews and approves, with duties kept apart."""

from __future__ import annotations

import json

import pytest

from onewindow.configfile import ConfigFile
from onewindow.dispatch.api import create_app
from onewindow.dispatch.cases import overdue
from onewindow.dispatch.core import Core
from onewindow.dispatch.domain import Forbidden, Hall, Invalid
from onewindow.dispatch.model import DONE, IN_APPROVAL, IN_REVIEW, RETURNED, Ticket
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall, read_hall
from tests.support.cases import DECIDERS, case_hall_toml
from tests.support.hall import EXAMPLES, PINS, Clock, basic, bearer


def errors_of(text: str) -> list[str]:
    file = ConfigFile("hall.toml", text)
    assert read_hall(file) is None
    return file.errors


def test_the_example_hall_has_seven_units_classes_and_deciders():
    hall = load_hall(EXAMPLES / "hall.toml")
    assert len(hall.units) == 7
    kinds = [s.kind for s in hall.services]
    assert kinds.count("handle") >= kinds.count("review") >= kinds.count("approve") >= 1
    shares = hall.shares()
    assert sum(shares[s.id] for s in hall.services if s.kind == "handle") > 0.8  # most business ends at the window
    for s in hall.services:
        if s.opens_case:
            assert s.unit is not None and s.limit_min is not None
            assert any(c.decides("review", s.unit) for c in hall.clerks)
            if s.kind == "approve":
                assert any(c.decides("approve", s.unit) for c in hall.clerks)


def test_the_case_keys_are_read():
    hall = read_hall(ConfigFile("hall.toml", case_hall_toml(limit_min=45)))
    assert hall is not None
    injury = hall.service("injury")
    assert (injury.kind, injury.unit, injury.limit_min) == ("approve", "injury", 45)
    assert hall.service("general").kind == "handle" and not hall.service("general").opens_case
    clerks = {c.id: c for c in hall.clerks}
    assert clerks["c01"].duties == ("window",) and clerks["c01"].units == ()
    assert clerks["r2"].decides("approve", "injury") and not clerks["r2"].decides("review", "injury")
    assert hall.unit("card") is not None and hall.unit("card").name == "社会保障卡服务中心"


def test_case_mistakes_are_named_with_their_lines():
    text = case_hall_toml()
    text = text.replace('unit = "card"\n', 'unit = "cards"\n').replace("limit_min = 60", "limit_min = 0")
    text = text.replace('duties = ["approve"]\nunits = ["injury"]\n', 'duties = ["approve", "boss"]\n')
    text += '\n[[unit]]\nid = "card"\nname = "又一个"\n'
    errors = "\n".join(errors_of(text))
    lines = text.splitlines()
    line = lines.index('unit = "cards"') + 1
    assert f'hall.toml:{line} [[service]] id="card": unit: unknown unit "cards"' in errors
    assert '[[service]] id="injury": limit_min: 0 is too small' in errors
    assert '[[clerk]] id="r2": duties: "boss" is not allowed (must be one of: window, review, approve)' in errors
    assert '[[clerk]] id="r2": duties ["approve"] need `units`' in errors
    assert '[[unit]] id="card": id: "card" is used twice (first at line' in errors


def test_review_business_needs_its_unit_and_units_need_a_duty():
    text = case_hall_toml().replace('class = "review"\nunit = "card"\n', 'class = "review"\n')
    text = text.replace('id = "c01"\n', 'id = "c01"\nunits = ["card"]\n')
    errors = "\n".join(errors_of(text))
    assert 'class = "review" needs `unit`' in errors
    assert '[[clerk]] id="c01": units: only a clerk with the review or approve duty' in errors


# --- the domain -------------------------------------------------------------------------------------


def case_hall(limit_min: int = 60) -> tuple[Hall, Clock]:
    clock = Clock()
    hall = Hall(read_hall(ConfigFile("hall.toml", case_hall_toml(limit_min))), clock)
    return hall, clock


def handled(hall: Hall, service: str, window: int, clerk: str) -> Ticket:
    """A ticket of `service` issued, called and finished at `window` by `clerk`."""
    hall.sign_in(window, clerk, "test")
    t, _ = hall.issue(service, False, "kiosk")
    hall.call(window, "test")
    hall.finish(window, "test")
    return t


def events_of(hall: Hall) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in hall.take_changes().events]


def test_approve_business_goes_through_review_and_approval_to_done():
    hall, clock = case_hall()
    t = handled(hall, "injury", 5, "c05")
    case = hall.case_of(t.id)
    assert case is not None and case.id != t.id and case.status == IN_REVIEW
    assert (case.number, case.service, case.unit, case.window, case.clerk) == (t.number, "injury", "injury", 5, "c05")
    assert t.status == DONE  # the window's figures count it finished
    opened = [d for kind, d in events_of(hall) if kind == "case.opened"]
    assert opened and {k: opened[0][k] for k in ("number", "service", "unit", "window")} == {
        "number": t.number,
        "service": "injury",
        "unit": "injury",
        "window": 5,
    }
    clock.advance(300)
    hall.decide(case.id, "review", "r1", "pass", "材料齐全", "clerk:r1")
    assert case.status == IN_APPROVAL and case.reviewer == "r1"
    hall.decide(case.id, "approve", "r2", "pass", "同意", "clerk:r2")
    assert case.status == DONE and case.done_at == clock()
    kinds = [kind for kind, _ in events_of(hall)]
    assert kinds == ["case.reviewed", "case.approved", "case.done"]
    assert [s.action for s in case.steps] == ["opened", "reviewed", "approved"]


def test_review_business_is_done_after_its_review_and_handle_business_opens_no_case():
    hall, _ = case_hall()
    plain = handled(hall, "general", 1, "c01")
    assert hall.case_of(plain.id) is None
    t = handled(hall, "card", 4, "c04")
    case = hall.case_of(t.id)
    hall.decide(case.id, "review", "r1", "pass", "", "clerk:r1")
    assert case.status == DONE


def test_the_handler_never_reviews_and_the_reviewer_never_approves():
    hall, _ = case_hall()
    t = handled(hall, "injury", 5, "c06")
    case = hall.case_of(t.id)
    with pytest.raises(Forbidden) as refused:
        hall.decide(case.id, "review", "c06", "pass", "", "clerk:c06")
    assert refused.value.code == "same_person" and refused.value.status == 403
    refusals = [a for a in hall.take_changes().audit if a.action == "case.refused"]
    assert refusals and refusals[0].data["clerk"] == "c06" and refusals[0].data["reason"] == "same_person"
    hall.decide(case.id, "review", "r1", "pass", "", "clerk:r1")
    assert case.status == IN_APPROVAL
    with pytest.raises(Forbidden) as refused:
        hall.decide(case.id, "approve", "c06", "pass", "", "clerk:c06")  # the handler, with the approve duty
    assert refused.value.code == "same_person"


def test_a_reviewer_who_also_approves_may_not_approve_what_they_reviewed():
    hall, _ = case_hall()
    t = handled(hall, "injury", 5, "c05")
    case = hall.case_of(t.id)
    hall.decide(case.id, "review", "c06", "pass", "", "clerk:c06")
    with pytest.raises(Forbidden) as refused:
        hall.decide(case.id, "approve", "c06", "pass", "", "clerk:c06")
    assert refused.value.code == "same_person"
    with pytest.raises(Forbidden):
        hall.decide(case.id, "approve", "r1", "pass", "", "clerk:r1")  # no approve duty
    hall.decide(case.id, "approve", "r2", "pass", "", "clerk:r2")
    assert case.status == DONE


def test_a_return_goes_back_to_the_window_and_the_resubmitted_case_keeps_its_id_and_history():
    hall, clock = case_hall()
    t = handled(hall, "injury", 5, "c05")
    case = hall.case_of(t.id)
    first_id = case.id
    hall.take_changes()
    with pytest.raises(Invalid):
        hall.decide(case.id, "review", "r1", "return", " ", "clerk:r1")  # a return says what to correct
    hall.decide(case.id, "review", "r1", "return", "缺少劳动关系证明", "clerk:r1")
    assert case.status == RETURNED and case.note == "缺少劳动关系证明"
    returned = [d for kind, d in events_of(hall) if kind == "case.returned"]
    assert returned[0]["window"] == 5 and "缺少" not in str(returned[0])
    assert [c.id for c in hall.open_cases(window=5)] == [case.id]
    with pytest.raises(Forbidden):
        hall.resubmit(case.id, 4, "clerk:c04@4")  # only its own window
    clock.advance(120)
    hall.resubmit(case.id, 5, "clerk:c05@5", note="已补")
    assert case.id == first_id and case.status == IN_REVIEW and case.returns == 1 and case.reviewer is None
    hall.decide(case.id, "review", "r1", "pass", "", "clerk:r1")
    hall.decide(case.id, "approve", "r2", "pass", "", "clerk:r2")
    assert [(s.action, s.decision) for s in case.steps] == [
        ("opened", None),
        ("reviewed", "return"),
        ("resubmitted", None),
        ("reviewed", "pass"),
        ("approved", "pass"),
    ]
    assert case.opened_at == t.finished_at  # the limit counts from the first finish


def test_a_case_past_its_limit_is_overdue():
    hall, clock = case_hall(limit_min=30)
    case = hall.case_of(handled(hall, "injury", 5, "c05").id)
    spec = hall.config.service("injury")
    clock.advance(30 * 60)
    assert not overdue(case, spec, clock())
    clock.advance(1)
    assert overdue(case, spec, clock())
    assert not overdue(case, hall.config.service("card"), clock())  # no limit_min: never overdue


def test_a_reviewer_signs_in_at_no_window():
    hall, _ = case_hall()
    with pytest.raises(Forbidden) as refused:
        hall.sign_in(1, "r1", "test")
    assert refused.value.code == "no_window_duty"


# --- the interface, from the hall's point of view ------------------------------------------------------


@pytest.fixture
def hall_app(tmp_path):
    clock = Clock()
    config = read_hall(ConfigFile("hall.toml", case_hall_toml(limit_min=30)))
    core = Core(config, Store(str(tmp_path / "hall.sqlite")), clock=clock)
    app = create_app(core)
    yield app, core, clock
    core.close()


def station(app, clerk: str):
    """A browser signed in at a review station as `clerk`."""
    browser = app.test_client()
    answer = browser.post("/api/v1/session", json={"clerk": clerk, "pin": DECIDERS[clerk][0], "station": "review"})
    assert answer.status_code == 200, answer.json
    return browser


def finished_at_window(app, service: str, window: int, clerk: str, pin: str) -> tuple[str, object]:
    """A citizen's ticket issued at the kiosk and handled at `window` by `clerk` signed in on the soft caller."""
    ticket = app.test_client().post("/api/v1/tickets", json={"service": service}, headers=bearer("kiosk-1")).json
    desk = app.test_client()
    assert desk.post("/api/v1/session", json={"clerk": clerk, "pin": pin, "window": window}).status_code == 200
    assert desk.post(f"/api/v1/windows/{window}/call", json={}).json["number"] == ticket["number"]
    assert desk.post(f"/api/v1/windows/{window}/finish", json={}).status_code == 200
    return ticket["id"], desk


def test_a_case_through_review_and_approval_over_http(hall_app):
    app, core, clock = hall_app
    ticket_id, _ = finished_at_window(app, "injury", 5, "c05", PINS["c05"])
    citizen = app.test_client()
    assert citizen.get(f"/api/v1/tickets/{ticket_id}").json["status"] == "in_review"
    reviewer, approver = station(app, "r1"), station(app, "r2")
    cases = reviewer.get("/api/v1/cases?unit=injury").json["cases"]
    assert [(c["number"], c["window"], c["status"], c["limit_min"]) for c in cases] == [("C001", 5, "in_review", 30)]
    case_id = cases[0]["id"]
    assert case_id != ticket_id
    assert approver.post(f"/api/v1/cases/{case_id}/approve", json={"decision": "pass"}).status_code == 409
    decided = reviewer.post(f"/api/v1/cases/{case_id}/review", json={"decision": "pass", "note": "齐全"})
    assert decided.status_code == 200 and decided.json["status"] == "in_approval"
    assert citizen.get(f"/api/v1/tickets/{ticket_id}").json["status"] == "in_approval"
    assert approver.post(f"/api/v1/cases/{case_id}/approve", json={"decision": "pass"}).json["status"] == "done"
    assert citizen.get(f"/api/v1/tickets/{ticket_id}").json["status"] == "done"
    events = core.store.events_after(0, limit=1000)
    kinds = [e.type for e in events if e.type.startswith("case.")]
    assert kinds == ["case.opened", "case.reviewed", "case.approved", "case.done"]
    for e in events:
        assert case_id not in json.dumps(e.data) and ticket_id not in json.dumps(e.data)


def test_same_person_over_http_for_the_handler_and_the_reviewer(hall_app):
    app, core, _ = hall_app
    _, _ = finished_at_window(app, "injury", 5, "c06", DECIDERS["c06"][0])
    both = station(app, "c06")
    case_id = both.get("/api/v1/cases").json["cases"][0]["id"]
    refused = both.post(f"/api/v1/cases/{case_id}/review", json={"decision": "pass"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "same_person"
    assert station(app, "r1").post(f"/api/v1/cases/{case_id}/review", json={"decision": "pass"}).status_code == 200
    _, _ = finished_at_window(app, "injury", 5, "c05", PINS["c05"])
    second = both.get("/api/v1/cases?status=in_review").json["cases"][0]["id"]
    assert both.post(f"/api/v1/cases/{second}/review", json={"decision": "pass"}).status_code == 200
    refused = both.post(f"/api/v1/cases/{second}/approve", json={"decision": "pass"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "same_person"
    logged = [e for e in core.store.audit_entries() if e["action"] == "case.refused"]
    assert len(logged) == 2


def test_a_return_and_resubmission_over_http(hall_app):
    app, _, _ = hall_app
    ticket_id, desk = finished_at_window(app, "card", 4, "c04", PINS["c04"])
    reviewer = station(app, "r1")
    case_id = reviewer.get("/api/v1/cases?unit=card").json["cases"][0]["id"]
    returned = reviewer.post(f"/api/v1/cases/{case_id}/review", json={"decision": "return", "note": "照片不清晰"})
    assert returned.json["status"] == "returned"
    ticket = app.test_client().get(f"/api/v1/tickets/{ticket_id}").json
    assert ticket["status"] == "returned" and ticket["case"]["window"] == 4
    mine = desk.get("/api/v1/cases?window=4").json["cases"]
    assert [(c["id"], c["note"]) for c in mine] == [(case_id, "照片不清晰")]
    assert app.test_client().get("/api/v1/cases?window=4").status_code == 401
    again = desk.post(f"/api/v1/cases/{case_id}/resubmit", json={"note": "已重拍"})
    assert again.status_code == 200 and again.json["id"] == case_id and again.json["status"] == "in_review"
    done = reviewer.post(f"/api/v1/cases/{case_id}/review", json={"decision": "pass"}).json
    assert done["status"] == "done" and [s["action"] for s in done["steps"]] == [
        "opened",
        "reviewed",
        "resubmitted",
        "reviewed",
    ]


def test_overdue_against_limit_min_over_http(hall_app):
    app, _, clock = hall_app
    finished_at_window(app, "injury", 5, "c05", PINS["c05"])
    manager = app.test_client()
    headers = basic("manager")
    clock.advance(29 * 60)
    assert manager.get("/api/v1/cases", headers=headers).json["cases"][0]["overdue"] is False
    clock.advance(2 * 60)
    listed = manager.get("/api/v1/cases", headers=headers).json["cases"][0]
    assert listed["overdue"] is True and listed["age_s"] == 31 * 60


def test_who_may_see_and_decide(hall_app):
    app, _, _ = hall_app
    finished_at_window(app, "injury", 5, "c05", PINS["c05"])
    wrong = app.test_client().post("/api/v1/session", json={"clerk": "r1", "pin": "0000", "station": "review"})
    assert wrong.status_code == 401
    clerk = app.test_client().post("/api/v1/session", json={"clerk": "c01", "pin": PINS["c01"], "station": "review"})
    assert clerk.status_code == 403
    assert station(app, "r2").get("/api/v1/cases?unit=card").status_code == 403  # not r2's unit
    assert app.test_client().get("/api/v1/cases", headers=basic("technician")).status_code == 403
    assert app.test_client().get("/api/v1/cases", headers=basic("auditor")).status_code == 200
    assert station(app, "r1").post("/api/v1/cases/nope/review", json={"decision": "pass"}).status_code == 404
