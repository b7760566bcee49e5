"""The unit report and the appraisal sheet (SPEC §10, §11): every figure of two known days, the same rows as CSV
and XLSX, marks and feedback kept with their history and who gave them, each clerk seeing only their own sheet,
and the operation log's keyed head in the day's report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from onewindow.cli import main
from onewindow.configfile import ConfigFile
from onewindow.hallfile import Weights, read_hall
from tests.support.appraisal import D1, D2, SHEET, UNITS, Scene, appraisal_hall_toml, at, two_days
from tests.support.hall import PINS, TZ, basic
from tests.support.postgres import throwaway_cluster
from tests.test_reports import csv_rows, xlsx_rows


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    made = Scene(str(tmp_path_factory.mktemp("appraisal") / "hall.sqlite"))
    two_days(made)
    yield made
    made.close()


@pytest.mark.parametrize(("kind", "expected"), [("units", UNITS), ("appraisal", SHEET)])
def test_every_figure_of_two_days_and_the_same_rows_as_csv_and_xlsx(scene, kind, expected):
    query = f"/api/v1/reports/{kind}?from={D1}&to={D2}"
    browser = scene.app.test_client()
    answer = browser.get(query, headers=basic("auditor"))
    assert answer.status_code == 200, answer.json
    assert answer.json["columns"] == list(expected[0])
    for seen, wanted in zip(answer.json["rows"], expected, strict=True):
        assert seen == wanted, (seen, wanted)

    download = browser.get(query + "&format=csv", headers=basic("manager"))
    assert download.headers["Content-Disposition"] == f'attachment; filename="report-{kind}-{D1}-{D2}.csv"'
    columns, lines = csv_rows(download.data)
    assert columns == list(expected[0])
    assert lines == [["" if r[c] is None else str(r[c]) for c in columns] for r in expected]

    download = browser.get(query + "&format=xlsx", headers=basic("manager"))
    columns, cells = xlsx_rows(download.data)
    assert columns == list(expected[0])
    # an empty text cell comes back as None from a workbook
    assert cells == [[None if r[c] == "" else r[c] for c in columns] for r in expected]


@pytest.fixture(scope="module")
def postgres():
    with throwaway_cluster() as url:
        yield url


def test_the_same_figures_on_postgresql(postgres, tmp_path):
    on_server = Scene(f"{postgres}?schema=appraisal", audit_key=str(tmp_path / "hall.audit-key"))
    try:
        two_days(on_server)
        for kind, expected in (("units", UNITS), ("appraisal", SHEET)):
            answer = on_server.app.test_client().get(
                f"/api/v1/reports/{kind}?from={D1}&to={D2}", headers=basic("manager")
            )
            assert answer.json["rows"] == expected, kind
    finally:
        on_server.close()


def test_an_open_case_is_overdue_once_past_its_limit(tmp_path):
    scene = Scene(str(tmp_path / "hall.sqlite"))
    try:
        at(scene.clock, D1, "09:00")
        scene.sign_in(5, "c05")
        scene.issue("injury")
        scene.act(5, "call")
        scene.act(5, "finish")  # an injury case opened at 09:00, 30 minutes to its end
        overdue = []
        for hhmm in ("09:30", "09:31"):
            at(scene.clock, D1, hhmm)
            rows = scene.manager("GET", f"/api/v1/reports/units?from={D1}&to={D1}")["rows"]
            overdue.append((rows[0]["open"], rows[0]["overdue"]))
        assert overdue == [(1, 0), (1, 1)]
    finally:
        scene.close()


def test_marks_and_feedback_keep_their_history_and_name_the_manager(scene):
    browser = scene.app.test_client()
    sheet = browser.get(f"/api/v1/appraisal/c01?from={D1}&to={D2}", headers=basic("auditor")).json
    assert sheet["row"] == SHEET[1]
    assert sheet["weights"] == {"quantity": 40, "efficiency": 10, "attitude": 30, "marks": 20}
    assert sheet["ranked"] == 7  # c03, away all the period, is not ranked
    assert [(m["learning"], m["by"], m["at"]) for m in sheet["marks"]] == [
        (70, "user:manager", f"{D2}T10:30:00+08:00"),
        (80, "user:manager", f"{D2}T10:30:00+08:00"),
    ]
    assert [(f["note"], f["by"]) for f in sheet["feedback"]] == [
        ("服务热情，继续保持", "user:manager"),
        ("学习新政策", "user:manager"),
    ]
    logged = [e for e in scene.core.store.audit_entries() if e["action"].startswith("appraisal.")]
    assert [(e["actor"], e["action"]) for e in logged] == [("user:manager", "appraisal.marked")] * 4 + [
        ("user:manager", "appraisal.feedback")
    ] * 2
    # another period's sheet has none of them
    other = browser.get(f"/api/v1/appraisal/c01?from={D1}&to={D1}", headers=basic("manager")).json
    assert other["marks"] == [] and other["feedback"] == [] and other["row"]["morals"] is None


def test_only_a_manager_gives_marks_and_they_are_checked(scene):
    browser = scene.app.test_client()
    period = {"from": D1, "to": D2}
    marks = {"morals": 90, "ability": 80, "dedication": 85, "integrity": 95, "learning": 70}
    path = "/api/v1/appraisal/c01/marks"
    assert browser.post(path, json={**period, **marks}, headers=basic("auditor")).status_code == 403
    assert browser.post(path, json={**period, **marks}).status_code == 401
    refused = browser.post(path, json={**period, **marks, "learning": 101}, headers=basic("manager"))
    assert (refused.status_code, refused.json["error"]["code"]) == (400, "bad_marks")
    refused = browser.post(path, json={"from": D2, "to": D1, **marks}, headers=basic("manager"))
    assert (refused.status_code, refused.json["error"]["code"]) == (400, "bad_range")
    refused = browser.post("/api/v1/appraisal/nobody/marks", json={**period, **marks}, headers=basic("manager"))
    assert (refused.status_code, refused.json["error"]["code"]) == (404, "unknown_clerk")
    refused = browser.post("/api/v1/appraisal/c01/feedback", json={**period, "note": "  "}, headers=basic("manager"))
    assert (refused.status_code, refused.json["error"]["code"]) == (400, "note_required")


def test_a_clerk_sees_their_own_sheet_and_only_theirs(scene):
    desk = scene.app.test_client()
    assert desk.post("/api/v1/session", json={"clerk": "c02", "pin": PINS["c02"], "window": 3}).status_code == 200
    mine = desk.get(f"/api/v1/appraisal/mine?from={D1}&to={D2}")
    assert mine.status_code == 200 and mine.json["row"] == SHEET[3]
    assert desk.get(f"/api/v1/appraisal/c01?from={D1}&to={D2}").status_code == 403
    assert desk.get(f"/api/v1/reports/appraisal?from={D1}&to={D2}").status_code == 403
    reviewer = scene.station("r1")  # at the review station, at no window
    assert reviewer.get(f"/api/v1/appraisal/mine?from={D1}&to={D2}").json["row"] == SHEET[0]
    manager = scene.app.test_client()
    assert manager.get(f"/api/v1/appraisal/mine?from={D1}&to={D2}", headers=basic("manager")).status_code == 403


def test_the_days_report_prints_the_operation_logs_keyed_head(scene):
    entries = list(scene.core.store.audit_entries())
    browser = scene.app.test_client()
    first_day = browser.get(f"/api/v1/stats?date={D1}", headers=basic("manager")).json["oplog"]
    last_of_d1 = [e for e in entries if e["at"] < _midnight_after(D1)][-1]
    assert first_day == {"seq": last_of_d1["seq"], "hash": last_of_d1["hash"]}
    today = browser.get(f"/api/v1/stats?date={D2}", headers=basic("manager")).json["oplog"]
    assert today == {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}


def test_the_day_ends_with_the_keyed_head_and_a_removed_tail_no_longer_matches(tmp_path):
    scene = Scene(str(tmp_path / "hall.sqlite"))
    try:
        scene.sign_in(1, "c01")
        scene.issue("general")
        ended = scene.app.test_client().post("/api/v1/day/end", json={}, headers=basic("manager")).json
        entries = list(scene.core.store.audit_entries())
        assert entries[-1]["action"] == "day.ended"
        assert ended["oplog"] == {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}
        with scene.core.store.engine.begin() as conn:  # someone who can write the database drops the newest
            conn.exec_driver_sql("DELETE FROM audit WHERE seq > ?", (entries[-1]["seq"] - 3,))
        assert scene.core.store.audit_head_at() != (ended["oplog"]["seq"], ended["oplog"]["hash"])
    finally:
        scene.close()


def _midnight_after(day: str) -> float:
    return (datetime.fromisoformat(day).replace(tzinfo=TZ) + timedelta(days=1)).timestamp()


def errors_of(text: str) -> list[str]:
    file = ConfigFile("hall.toml", text)
    assert read_hall(file) is None
    return file.errors


def test_the_weights_are_read_and_checked():
    hall = read_hall(ConfigFile("hall.toml", appraisal_hall_toml()))
    assert hall is not None and hall.appraisal == Weights(40, 10, 30, 20)
    without = read_hall(ConfigFile("hall.toml", appraisal_hall_toml().replace("[appraisal]", "[unused]")))
    assert without is None  # an unknown table
    text = appraisal_hall_toml().replace("marks = 20", "marks = 30\nmood = 5")
    errors = "\n".join(errors_of(text))
    line = text.splitlines().index("[appraisal]") + 1
    assert f"hall.toml:{line} [appraisal]: the weights add up to 110" in errors
    assert "[appraisal]: mood: unknown key" in errors
    errors = "\n".join(errors_of(appraisal_hall_toml().replace("quantity = 40", "quantity = -1")))
    assert "[appraisal]: quantity: -1 is too small" in errors


def test_onewindow_report_gives_the_units_from_the_database(scene, tmp_path):
    hall_file = tmp_path / "hall.toml"
    hall_file.write_text(appraisal_hall_toml(), encoding="utf-8")
    scene.core.store.claim("测试大厅", str(hall_file))  # as the core records it at start: names and limits known
    out = tmp_path / "units.json"
    db = scene.core.store.db
    assert main(["report", "--kind", "units", "--from", D1, "--to", D2, "--format", "json", "--out", str(out), db]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert rows == [{"hall": "测试大厅", **r} for r in UNITS]
