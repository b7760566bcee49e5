"""The hall simulator: citizens drawn right, the core's own Hall serving them, the shared queue exactly first-come."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter

import pytest

from onewindow import simulator
from onewindow.dispatch.domain import Hall
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import load_hall
from onewindow.simulator.day import (
    PROFILES,
    Citizen,
    Day,
    arrival_rate,
    business_map,
    citizens,
    mean_handling_s,
    open_windows,
    run_hall,
    run_pooled,
    run_seed,
)
from onewindow.simulator.main import main, simulate
from onewindow.simulator.report import at_printed_window, report
from tests.support.hall import EXAMPLES, write_hall

EXAMPLE = EXAMPLES / "hall.toml"
BEFORE = EXAMPLES / "hall-before-reform.toml"


@pytest.fixture(scope="module")
def example():
    return load_hall(EXAMPLE)


@pytest.fixture(scope="module")
def before():
    return load_hall(BEFORE)


@pytest.fixture
def mixed(tmp_path):
    """The test hall: 1-2 general, 3 general and card, 4 card, 5 injury."""
    return load_hall(write_hall(tmp_path))


# --- the citizens ----------------------------------------------------------------------------------


def test_arrivals_are_poisson_at_the_offered_load_with_the_services_shares(example):
    hours = 300.0
    day = citizens(example, 0.85, hours, seed=7)
    rate = arrival_rate(example, 0.85)
    # the offered load is arrivals x mean handling over the open windows
    assert rate * mean_handling_s(example) / len(open_windows(example)) == pytest.approx(0.85)
    expected = rate * hours * 3600
    assert abs(len(day) - expected) < 4 * math.sqrt(expected)
    gaps = [b.at - a.at for a, b in zip(day, day[1:], strict=False)]
    mean_gap = sum(gaps) / len(gaps)
    assert mean_gap == pytest.approx(1 / rate, rel=0.03)
    # exponential gaps: standard deviation equal to the mean, and about e^-1 of them longer than the mean
    sd = math.sqrt(sum((g - mean_gap) ** 2 for g in gaps) / len(gaps))
    assert sd / mean_gap == pytest.approx(1.0, abs=0.04)
    assert sum(g > mean_gap for g in gaps) / len(gaps) == pytest.approx(math.exp(-1), abs=0.02)
    counts = Counter(c.service for c in day)
    for sid, share in example.shares().items():
        sigma = math.sqrt(len(day) * share * (1 - share))
        assert abs(counts[sid] - len(day) * share) < 4 * sigma, sid
    assert all(0 <= c.at < hours * 3600 for c in day)
    assert [c.at for c in day] == sorted(c.at for c in day)


def test_handling_times_are_log_normal_around_the_services_minutes(example):
    day = citizens(example, 0.9, 200, seed=3, cv=0.8)
    general = [c.handling_s for c in day if c.service == "general"]
    mean = sum(general) / len(general)
    sd = math.sqrt(sum((h - mean) ** 2 for h in general) / len(general))
    assert mean == pytest.approx(8 * 60, rel=0.03)
    assert sd / mean == pytest.approx(0.8, rel=0.08)
    logs = [math.log(h) for h in general]
    log_mean = sum(logs) / len(logs)
    skew = sum((x - log_mean) ** 3 for x in logs) / len(logs)
    assert abs(skew) < 0.05  # symmetric in log space
    fixed = citizens(example, 0.9, 2, seed=3, cv=0.0)
    assert {c.handling_s for c in fixed if c.service == "card"} == {300.0}


def test_a_morning_peak_shapes_the_arrivals_and_keeps_the_days_load(example):
    flat = citizens(example, 0.8, 8, seed=1)
    hours = 8
    per_hour = Counter()
    total = 0
    for seed in range(12):
        day = citizens(example, 0.8, hours, seed=seed, profile=PROFILES["peak"])
        total += len(day)
        per_hour.update(int(c.at // 3600) for c in day)
    weights = PROFILES["peak"]
    for h, w in enumerate(weights):
        expected = total * w / sum(weights)
        assert abs(per_hour[h] - expected) < 4 * math.sqrt(expected), h
    assert per_hour[1] > 3 * per_hour[7]  # 10 o'clock against the last hour
    assert abs(total / 12 - len(flat)) < 4 * math.sqrt(len(flat))


def test_the_same_seed_gives_the_same_day_and_the_same_waits(example, before):
    a = run_seed(example, Day(0.9, hours=1), 5, compare=before)
    b = run_seed(example, Day(0.9, hours=1), 5, compare=before)
    c = run_seed(example, Day(0.9, hours=1), 6, compare=before)
    assert a.policy == b.policy and a.pooled == b.pooled and a.compare == b.compare
    assert a.policy != c.policy


def test_each_citizen_has_one_business_in_the_old_hall_and_both_halls_see_their_own_shares(example, before):
    mapping = business_map(example, before)
    assert mapping["pension-review"] == [("pension", 1.0)]
    assert mapping["medical-remote"] == [("medical", 1.0)]
    assert mapping["injury"] == [("injury", 1.0)]
    assert mapping["card"] == [("card", 1.0)]
    # the pooled business of the universal windows is what is left of each old unit's share
    assert {oid for oid, _ in mapping["general"]} == set(before.shares())
    p, q = example.shares(), before.shares()
    for oid, share in q.items():
        got = sum(p[sid] * dict(mapping[sid]).get(oid, 0.0) for sid in p)
        assert got == pytest.approx(share), oid
    for row in mapping.values():
        assert sum(v for _, v in row) == pytest.approx(1.0)
    day = citizens(example, 0.9, 200, seed=11, other=mapping)
    counts = Counter(c.old_service for c in day)
    for oid, share in q.items():
        assert abs(counts[oid] - len(day) * share) < 4 * math.sqrt(len(day) * share), oid
    # an explicit pair wins over the naming rule
    swapped = business_map(example, before, {"card": "employment"})
    assert ("employment", 1.0) in swapped["card"] or dict(swapped["card"])["employment"] > 0.5


# --- the runs --------------------------------------------------------------------------------------


def test_the_simulator_serves_citizens_through_the_cores_own_hall(example, monkeypatch):
    day = citizens(example, 0.9, 1, seed=2)
    calls = Counter()
    real_call, real_issue = Hall.call, Hall.issue

    def call(self, number, actor):
        calls["call"] += 1
        return real_call(self, number, actor)

    def issue(self, *args, **kwargs):
        calls["issue"] += 1
        return real_issue(self, *args, **kwargs)

    monkeypatch.setattr(Hall, "call", call)
    monkeypatch.setattr(Hall, "issue", issue)
    served = run_hall(example, day)
    assert calls["issue"] == len(day) == len(served)
    assert calls["call"] >= len(day)
    # every citizen is served, waits are never negative, and each ticket was given a window at issue
    assert all(s.wait_s >= 0 and s.printed_window is not None for s in served)


def test_a_change_to_the_policy_changes_the_day(example):
    day = citizens(example, 0.92, 3, seed=4)
    strict = run_hall(example, day, Policy(takeover_lead_s=0))
    loose = run_hall(example, day, Policy(takeover_lead_s=10**9))
    assert [s.wait_s for s in strict] != [s.wait_s for s in loose]
    printed = at_printed_window
    assert printed(loose) > printed(strict)


def test_with_a_zero_take_over_bound_the_core_calls_exactly_in_first_come_order(example):
    # windows serve disjoint groups here, so strict first-come order makes every wait equal the shared queue's
    day = citizens(example, 0.95, 3, seed=9)
    policy = run_hall(example, day, Policy(takeover_lead_s=0))
    pooled = run_pooled(example, day)
    assert [s.wait_s for s in policy] == pytest.approx([s.wait_s for s in pooled], abs=1e-6)


def _check_first_come(day: list[Citizen], served, services: dict[int, tuple[str, ...]]) -> None:
    calls = sorted((s.at + s.wait_s, i, s.window) for i, s in enumerate(served))
    for start, i, window in calls:
        c = day[i]
        assert c.service in services[window]
        for j, other in enumerate(day):
            if j == i or other.at > start or other.service not in services[window]:
                continue
            called = other.at + served[j].wait_s
            if called > start:  # `other` was waiting when the window called `c`: it must have come later
                assert (0 if other.priority else 1, other.at) > (0 if c.priority else 1, c.at), (i, j)


def test_the_shared_queue_is_exactly_first_come_and_never_leaves_a_window_idle(mixed):
    day = citizens(mixed, 0.9, 2, seed=1, priority_share=0.1)
    served = run_pooled(mixed, day)
    services = dict(open_windows(mixed))
    _check_first_come(day, served, services)
    # no window sits idle while a ticket it can serve waits: each call starts when the ticket came or when the
    # window finished its previous ticket
    by_window: dict[int, list[tuple[float, float]]] = {}
    for i, s in enumerate(served):
        by_window.setdefault(s.window, []).append((s.at + s.wait_s, s.at + s.wait_s + day[i].handling_s))
    for i, s in enumerate(served):
        start = s.at + s.wait_s
        if s.wait_s > 0:
            assert any(abs(end - start) < 1e-6 for end in (e for _, e in by_window[s.window])), i
    for spans in by_window.values():
        spans.sort()
        assert all(a[1] <= b[0] + 1e-6 for a, b in zip(spans, spans[1:], strict=False))


def test_priority_tickets_go_first_in_both_runs(mixed):
    day = citizens(mixed, 0.95, 3, seed=5, priority_share=0.2)
    assert any(c.priority for c in day)
    for served in (run_pooled(mixed, day), run_hall(mixed, day)):
        urgent = [s.wait_s for s, c in zip(served, day, strict=True) if c.priority]
        normal = [s.wait_s for s, c in zip(served, day, strict=True) if not c.priority]
        assert sum(urgent) / len(urgent) < sum(normal) / len(normal)


@pytest.mark.parametrize("opening", ["2026-10-01T09:00", "2026-11-28T09:00", "2026-11-30T11:45"])
def test_a_simulated_day_runs_whatever_the_hall_files_hours(example, opening):
    """The simulator's day has its own opening and length: a holiday, a Saturday or the lunch break of the
    example hall's [hours] refuse none of its citizens (it runs the hall without them)."""
    from datetime import datetime

    from tests.support.hall import TZ

    assert example.hours is not None
    day = citizens(example, 0.8, 3, seed=6)
    served = run_hall(example, day, opening=datetime.fromisoformat(opening).replace(tzinfo=TZ).timestamp())
    assert len(served) == len(day)


def test_closed_windows_take_no_part(tmp_path):
    config = load_hall(write_hall(tmp_path, extra=""))
    text = (tmp_path / "hall.toml").read_text().replace("number = 2\n", "number = 2\nclosed = true\n")
    (tmp_path / "hall.toml").write_text(text)
    closed = load_hall(tmp_path / "hall.toml")
    assert len(open_windows(closed)) == len(open_windows(config)) - 1
    day = citizens(closed, 0.8, 1, seed=3)
    assert all(s.window != 2 for s in run_hall(closed, day))
    assert all(s.window != 2 for s in run_pooled(closed, day))


def test_parallel_seeds_give_the_same_figures_as_one_process(example):
    one = simulate(example, Day(0.85, hours=1), range(3), jobs=1)
    two = simulate(example, Day(0.85, hours=1), range(3), jobs=2)
    assert [r.policy for r in one] == [r.policy for r in two]
    assert [r.pooled for r in one] == [r.pooled for r in two]


# --- the figures and the command -------------------------------------------------------------------


def test_report_figures(example, before):
    day = Day(0.9, hours=1)
    runs = simulate(example, day, [0, 1], compare=before)
    out = report(example, day, runs, before)
    mine = [s for r in runs for s in r.policy]
    waits = sorted(s.wait_s for s in mine)
    assert out["tickets"] == len(mine)
    assert out["policy"]["mean_wait_s"] == pytest.approx(sum(waits) / len(waits), abs=0.05)
    assert out["policy"]["p95_wait_s"] == pytest.approx(waits[math.ceil(0.95 * len(waits)) - 1], abs=0.05)
    assert out["policy"]["at_printed_window"] == pytest.approx(
        sum(s.window == s.printed_window for s in mine) / len(mine), abs=1e-4
    )
    assert out["ratio"]["mean"] == pytest.approx(out["policy"]["mean_wait_s"] / out["pooled"]["mean_wait_s"], rel=1e-3)
    errors = [s.estimate_s - s.wait_s for s in mine]
    assert out["estimate"]["bias_s"] == pytest.approx(sum(errors) / len(errors), abs=0.05)
    assert sum(h["tickets"] for h in out["by_hour"]) == len(mine)
    assert out["compare"]["tickets"] == len(mine)
    assert set(out["compare"]["by_service_here"]) == set(out["services"])


def test_json_output_has_the_shape_spec_names(capsys):
    code = main(["--config", str(EXAMPLE), "--load", "0.85", "--hours", "1", "--seeds", "2", "--jobs", "1", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["policy"]) >= {"mean_wait_s", "p95_wait_s", "at_printed_window"}
    assert set(out["pooled"]) >= {"mean_wait_s", "p95_wait_s"}
    assert isinstance(out["tickets"], int) and out["tickets"] > 0
    assert out["seeds"] == [0, 1] and len(out["per_seed"]) == 2
    assert set(out["estimate"]) >= {"bias_s", "mean_abs_error_s"}
    assert "compare" not in out


def test_the_text_report_compares_with_the_hall_before_the_reform(capsys):
    args = ["--config", str(EXAMPLE), "--load", "0.8", "--hours", "1", "--seeds", "1", "--compare", str(BEFORE)]
    assert main([*args, "--profile", "peak", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "one shared queue" in out and "compared hall" in out and "general" in out


def test_simulate_explains_itself_and_refuses_bad_input(tmp_path, capsys):
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "simulate", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: onewindow simulate" in result.stdout and "--load" in result.stdout
    assert main(["--config", str(tmp_path / "missing.toml"), "--load", "0.8"]) == 1
    path = write_hall(tmp_path)
    path.write_text(path.read_text().replace("number = 5\n", "number = 5\nclosed = true\n"))
    assert main(["--config", str(path), "--load", "0.8"]) == 1
    assert "injury" in capsys.readouterr().err  # a service with arrivals and no open window
    with pytest.raises(SystemExit):
        main(["--config", str(EXAMPLE), "--load", "0.8", "--profile", "1,x"])
    with pytest.raises(SystemExit):
        main(["--config", str(EXAMPLE), "--load", "-1"])
    assert main(["--config", str(EXAMPLE), "--load", "0.8", "--compare", str(BEFORE), "--map", "x=y"]) == 1


def test_fewer_clerks_than_windows_still_staffs_every_window(example, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("[[clerk]]")
    end = text.index("[[user]]")
    clerks = text[start:end].split("[[clerk]]")[1:3]  # two clerks for 26 windows
    path = tmp_path / "hall.toml"
    path.write_text(text[:start] + "".join("[[clerk]]" + c for c in clerks) + text[end:], encoding="utf-8")
    few = load_hall(path)
    day = citizens(few, 0.8, 1, seed=1)
    assert len({s.window for s in run_hall(few, day)}) > 2


def test_the_simulator_modules_document_themselves():
    assert simulator.day.__doc__ and simulator.main.__doc__ and simulator.report.__doc__
