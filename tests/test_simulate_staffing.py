"""The simulator's real day: the staffing file read strictly, clerks coming and going in both runs, no-shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from onewindow.configfile import ConfigError
from onewindow.dispatch.domain import Hall
from onewindow.dispatch.model import NO_SHOW
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import load_hall
from onewindow.simulator.day import Day, citizens, open_windows, run_hall, run_pooled, run_seed
from onewindow.simulator.main import main
from onewindow.simulator.report import at_printed_window, no_window_printed, report
from onewindow.simulator.staffing import ALL_DAY, Lunch, Staffing, load_staffing
from tests.support.hall import EXAMPLES, write_hall

EXAMPLE = EXAMPLES / "hall.toml"
MINUTE = 60.0


@pytest.fixture(scope="module")
def example():
    return load_hall(EXAMPLE)


@pytest.fixture
def mixed(tmp_path):
    """The test hall: 1-2 general, 3 general and card, 4 card, 5 injury (its only window)."""
    return load_hall(write_hall(tmp_path))


def staffing_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "staffing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_staffing(path)
    return caught.value.errors


# --- the staffing file -------------------------------------------------------------------------------------


def test_the_built_in_real_day_reads_as_documented():
    day = load_staffing("realday")
    assert day.name == "a real day"
    assert day.sign_in_s == (0.0, 30 * MINUTE)
    assert day.lunches == (Lunch(150 * MINUTE, 60 * MINUTE), Lunch(210 * MINUTE, 60 * MINUTE))
    assert [b.length_s for b in day.breaks] == [10 * MINUTE, 10 * MINUTE]
    assert (day.leave_share, day.no_show_share, day.no_show_after_s) == (0.1, 0.05, 60.0)
    assert load_staffing("allday") is ALL_DAY


def test_a_staffing_file_is_read_strictly_with_errors_that_say_where(tmp_path):
    path = staffing_file(
        tmp_path,
        """name = "short-staffed Monday"
[sign_in]
between_min = [30, 0]

[[lunch]]
start_min = 150
length_min = 0

[[break]]
between_min = [60]
length_min = 10
when = "later"

[leave_early]
share = 1.5
between_min = [300, 400]

[no_show]
share = "some"

[holidays]
""",
    )
    assert errors(path) == [
        "staffing.toml:3 [sign_in]: between_min: [30, 0] is not allowed (from <= to, both 0 to 1440 minutes after "
        "opening)",
        "staffing.toml:7 [[lunch]]: length_min: 0 is not allowed (must be above 0)",
        "staffing.toml:10 [[break]]: between_min: [60] is not allowed (give two numbers of minutes after opening, "
        "e.g. [0, 30])",
        "staffing.toml:12 [[break]]: when: unknown key (allowed here: between_min, length_min)",
        "staffing.toml:15 [leave_early]: share: 1.5 is too large (allowed: 0.0 to 1.0)",
        'staffing.toml:19 [no_show]: share: "some" is not a number',
        "staffing.toml:21: unknown table 'holidays'",
    ]


def test_unknown_tables_and_missing_keys_are_named(tmp_path):
    found = errors(staffing_file(tmp_path, "[[lunch]]\nstart_min = 150\n\n[shifts]\nmorning = 3\n"))
    assert found == [
        "staffing.toml:1 [[lunch]]: length_min: is required",
        "staffing.toml:4: unknown table 'shifts'",
    ]
    assert errors(staffing_file(tmp_path, "name = \n")) == ["staffing.toml:1: not valid TOML: Invalid value"]
    assert errors(tmp_path / "nowhere.toml") == [
        f"{tmp_path / 'nowhere.toml'}: no such staffing file (built in: allday, realday)"
    ]
    assert errors(Path("realdya")) == ["realdya: no such staffing file (built in: allday, realday)"]


def test_a_file_with_only_a_name_is_the_all_day_staffing(tmp_path):
    staffing = load_staffing(staffing_file(tmp_path, 'name = "everyone in"\n'))
    assert dataclasses.replace(staffing, name=ALL_DAY.name) == ALL_DAY


# --- the roster --------------------------------------------------------------------------------------------


def test_the_roster_takes_lunch_in_turns_and_never_sends_home_the_last_clerk_of_a_service(example):
    windows = open_windows(example)
    day = load_staffing("realday")
    everyone_leaves = dataclasses.replace(day, leave_share=1.0)
    for seed in range(5):
        shifts = day.roster(windows, seed)
        assert [s.window for s in shifts] == [n for n, _ in windows]
        assert all(0 <= s.sign_in_s <= 30 * MINUTE for s in shifts)
        lunches = [next(a.due_s for a in s.away if a.reason == "lunch") for s in shifts]
        assert lunches == [(150 if i % 2 == 0 else 210) * MINUTE for i in range(len(shifts))]
        assert sum(1 for s in shifts if s.away[-1].reason == "leave") == round(0.1 * len(shifts))
        staying = [s.window for s in everyone_leaves.roster(windows, seed) if s.away[-1].reason != "leave"]
        services = dict(windows)
        for sid in example.shares():
            assert any(sid in services[n] for n in staying), sid  # somebody is left for every service
    assert day.roster(windows, 3) == day.roster(windows, 3)
    assert day.roster(windows, 3) != day.roster(windows, 4)


def test_the_load_of_a_real_day_is_against_the_time_the_clerks_are_in(example):
    day = load_staffing("realday")
    share = day.staffed_share(26, 8)
    # 8 hours less a quarter hour signing in, an hour's lunch, two 10-minute breaks; and 3 of 26 clerks gone
    # for the last hour and a half on average
    assert share == pytest.approx(1 - (15 + 60 + 20) / 480 - 3 * 90 / (26 * 480))
    everyone = citizens(example, 0.9, 8, seed=1)
    fewer = citizens(example, 0.9, 8, seed=1, staffed=share)
    assert len(fewer) / len(everyone) == pytest.approx(share, rel=0.05)


# --- the day -----------------------------------------------------------------------------------------------


def late_morning() -> Staffing:
    """Nobody in for the first 20 to 30 minutes."""
    return Staffing("late", sign_in_s=(20 * MINUTE, 30 * MINUTE))


def test_tickets_issued_before_any_clerk_arrives_are_served_and_printed_with_no_window(mixed):
    staffing = late_morning()
    day = citizens(mixed, 0.8, 2, seed=2)
    shifts = staffing.roster(open_windows(mixed), seed=2)
    first_in = min(s.sign_in_s for s in shifts)
    served = run_hall(mixed, day, staffing=staffing, shifts=shifts)
    early = [s for s in served if s.at < first_in]
    assert early and all(s.printed_window is None for s in early)  # "watch the screen": nobody to send them to
    assert all(s.at + s.wait_s >= first_in for s in early)  # called once a clerk came
    assert len(served) == len(day)
    # and later ones too while no window of their service is staffed (window 5, injury's only one, comes last)
    assert no_window_printed(served) >= len(early) / len(served)
    # a ticket printed with no window is never counted as called at its printed window
    assert at_printed_window(early) == 0


def test_the_shared_queue_has_no_server_while_its_clerk_is_at_lunch(mixed):
    # one lunch shift: every clerk goes at 60 minutes, once done with the citizen at the window, for 30 minutes
    staffing = Staffing("all to lunch", lunches=(Lunch(60 * MINUTE, 30 * MINUTE),))
    day = citizens(mixed, 0.8, 3, seed=4)
    shifts = staffing.roster(open_windows(mixed), seed=4)
    for served in (run_pooled(mixed, day, staffing=staffing, shifts=shifts), run_hall(mixed, day, shifts=shifts)):
        calls = [s.at + s.wait_s for s in served]
        assert not [t for t in calls if 60 * MINUTE + 0.01 < t < 90 * MINUTE - 0.01]
        assert any(t >= 90 * MINUTE for t in calls)


def test_the_only_window_of_a_service_at_lunch_leaves_its_citizens_waiting_in_both_runs(mixed):
    # two lunch shifts, the windows in turn: window 5, injury's only window, goes with 1 and 3 at 60 minutes
    staffing = Staffing("two shifts", lunches=(Lunch(60 * MINUTE, 45 * MINUTE), Lunch(120 * MINUTE, 45 * MINUTE)))
    shifts = staffing.roster(open_windows(mixed), seed=1)
    assert [(s.window, s.away[0].due_s) for s in shifts] == [(1, 3600), (2, 7200), (3, 3600), (4, 7200), (5, 3600)]
    day = citizens(mixed, 1.2, 3, seed=1)
    hall = run_hall(mixed, day, shifts=shifts)
    for served in (run_pooled(mixed, day, staffing=staffing, shifts=shifts), hall):
        lunch = [s for s in served if 60 * MINUTE + 0.01 < s.at + s.wait_s < 105 * MINUTE - 0.01]
        assert lunch and {s.window for s in lunch} <= {2, 4}  # windows 2 and 4 call on; 1, 3 and 5 do not
        assert all(s.window == 5 for s in served if s.service == "injury")
    # an injury ticket issued while its only window is at lunch (from when its clerk is done with the citizen
    # there) is printed with no window, and called after lunch
    waiting = [s for s in hall if s.service == "injury" and s.printed_window is None]
    assert waiting and all(s.at > 60 * MINUTE and s.at + s.wait_s >= 105 * MINUTE - 0.01 for s in waiting)


def test_with_a_zero_bound_the_hall_calls_exactly_like_the_shared_queue_on_a_real_day(example):
    # the same citizens, the same clerks signing in, lunching, pausing and leaving, the same no-shows: strict
    # first-come calling in the core gives every citizen the very wait of the shared queue
    run = run_seed(example, Day(0.9, hours=4, staffing=load_staffing("realday")), 3, Policy(takeover_lead_s=0))
    assert [s.wait_s for s in run.policy] == pytest.approx([s.wait_s for s in run.pooled], abs=1e-6)
    assert [s.window for s in run.policy] == [s.window for s in run.pooled]


def test_citizens_gone_when_called_are_marked_no_show_after_the_clerk_waited(example, monkeypatch):
    staffing = dataclasses.replace(load_staffing("realday"), no_show_share=0.3, no_show_after_s=90.0)
    ends: list[tuple[str, float]] = []
    real_no_show = Hall.no_show

    def no_show(self, number, actor):
        t = real_no_show(self, number, actor)
        assert t.status == NO_SHOW
        ends.append((t.id, t.finished_at - t.called_at))
        return t

    monkeypatch.setattr(Hall, "no_show", no_show)
    run = run_seed(example, Day(0.85, hours=2, staffing=staffing), 0)
    gone = staffing.no_shows(len(run.policy), 0)
    assert len(ends) == sum(gone) > 0
    assert all(held == pytest.approx(90.0) for _, held in ends)
    # the citizens themselves are the all-day ones: the staffing only adds who is gone
    everyone = run_seed(example, Day(0.85, hours=2, staffing=dataclasses.replace(staffing, no_show_share=0)), 0)
    assert [s.at for s in run.pooled] == [s.at for s in everyone.pooled]


def test_a_real_day_is_the_same_for_the_same_seed(example):
    day = Day(0.92, hours=3, staffing=load_staffing("realday"))
    one, again, other = run_seed(example, day, 7), run_seed(example, day, 7), run_seed(example, day, 8)
    assert one.policy == again.policy and one.pooled == again.pooled
    assert one.policy != other.policy


def test_the_clerks_really_leave_and_come_back_in_the_core(example, monkeypatch):
    seen: list[tuple[str, int]] = []
    for name in ("sign_in", "pause", "resume", "sign_out"):
        real = getattr(Hall, name)

        def spy(self, number, *args, _real=real, _name=name, **kwargs):
            assert _name in ("sign_in", "resume") or self.windows[number].current is None  # done with them first
            seen.append((_name, number))
            return _real(self, number, *args, **kwargs)

        monkeypatch.setattr(Hall, name, spy)
    staffing = load_staffing("realday")
    run_seed(example, Day(0.92, staffing=staffing), 1)
    shifts = staffing.roster(open_windows(example), 1)
    count = {name: sum(1 for kind, _ in seen if kind == name) for name in ("sign_in", "pause", "resume", "sign_out")}
    assert count["sign_in"] == 26 and count["sign_out"] == round(0.1 * 26)
    assert count["pause"] == count["resume"] == sum(1 for s in shifts for a in s.away if a.length_s is not None)


# --- the command -------------------------------------------------------------------------------------------


def test_simulate_takes_a_staffing_by_name_or_file_and_reports_it(tmp_path, capsys):
    assert main(["--config", str(EXAMPLE), "--load", "0.9", "--hours", "2", "--seeds", "2", "--jobs", "1",
                 "--staffing", "realday"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "clerks: a real day" in out and "printed with no window" in out
    path = staffing_file(tmp_path, "[[lunch]]\nstart_min = 60\n")
    assert main(["--config", str(EXAMPLE), "--load", "0.9", "--staffing", str(path)]) == 1
    assert "length_min: is required" in capsys.readouterr().err


def test_the_report_names_the_staffing_and_counts_tickets_printed_with_no_window(example):
    day = Day(0.8, hours=1, staffing=late_morning())
    runs = [run_seed(example, day, seed) for seed in (0, 1)]
    out = report(example, day, runs)
    mine = [s for r in runs for s in r.policy]
    assert out["staffing"]["name"] == "late"
    assert out["policy"]["no_window_printed"] == pytest.approx(no_window_printed(mine), abs=1e-4)
    assert out["policy"]["no_window_printed"] > 0
    assert out["policy"]["at_printed_window"] == pytest.approx(
        sum(s.printed_window is not None and s.window == s.printed_window for s in mine) / len(mine), abs=1e-4
    )
    assert out["meets_honesty_bar"] in (True, False)
