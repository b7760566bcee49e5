"""Hall hours (SPEC §3, §5): when the kiosks issue, when the hall opens next, and the mistakes [hours] refuses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onewindow.configfile import ConfigFile
from onewindow.hallfile import HallConfig, load_hall, read_hall
from onewindow.hours import (
    HallHours,
    closing,
    day_text,
    is_issuing,
    is_open,
    last_ticket,
    next_opening,
    openings_on,
)
from tests.support.hall import EXAMPLES, TZ, hall_toml

# The 2026 National Day week as the State Council published it: 10-01 (Thursday) to 10-07 closed, Sunday
# 09-20 and Saturday 10-10 worked instead; New Year's Day 2027 is a Friday. The workdays keep shorter hours
# here than the weekdays, so that a test sees which hours a day was given.
HOURS = """
[hours]
mon = "08:30-12:00, 14:00-17:30"
tue = "08:30-12:00, 14:00-17:30"
wed = "08:30-12:00, 14:00-17:30"
thu = "08:30-12:00, 14:00-17:30"
fri = "08:30-12:00, 14:00-17:30"
sat = ""
last_ticket_min = 30
holidays = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
            "2027-01-01"]
workdays = ["2026-09-20", "2026-10-10"]
workday = "09:00-12:00, 14:00-17:00"
"""


def hall_with(hours: str = HOURS) -> HallConfig:
    file = ConfigFile("hall.toml", hall_toml(extra=hours))
    hall = read_hall(file)
    assert hall is not None, file.errors
    return hall


@pytest.fixture(scope="module")
def hours() -> HallHours:
    calendar = hall_with().hours
    assert calendar is not None
    return calendar


def at(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def test_a_thursday_morning_before_opening(hours):
    early = at(2026, 11, 26, 7, 50)  # Thursday
    assert not is_open(hours, early) and not is_issuing(hours, early)
    assert next_opening(hours, early) == at(2026, 11, 26, 8, 30)
    assert closing(hours, early) is None and last_ticket(hours, early) is None


def test_the_doors_open_at_half_past_eight(hours):
    opening = at(2026, 11, 26, 8, 30)
    assert is_open(hours, opening) and is_issuing(hours, opening)
    assert closing(hours, opening) == at(2026, 11, 26, 12, 0)
    assert last_ticket(hours, opening) == at(2026, 11, 26, 11, 30)
    assert next_opening(hours, opening) == at(2026, 11, 26, 14, 0)


def test_the_lunch_gap_sends_citizens_to_two_o_clock(hours):
    lunch = at(2026, 11, 26, 12, 30)
    assert not is_open(hours, lunch) and not is_issuing(hours, lunch)
    assert next_opening(hours, lunch) == at(2026, 11, 26, 14, 0)
    assert is_issuing(hours, at(2026, 11, 26, 14, 0))


def test_the_kiosks_stop_issuing_half_an_hour_before_each_closing(hours):
    assert is_issuing(hours, at(2026, 11, 26, 11, 29, 59))
    cutoff = at(2026, 11, 26, 11, 30)
    # the windows still serve: the hall is open, only the kiosks have stopped
    assert is_open(hours, cutoff) and not is_issuing(hours, cutoff)
    assert closing(hours, cutoff) == at(2026, 11, 26, 12, 0)
    assert next_opening(hours, cutoff) == at(2026, 11, 26, 14, 0)
    assert not is_issuing(hours, at(2026, 11, 26, 17, 10))
    assert is_open(hours, at(2026, 11, 26, 17, 29, 59)) and not is_open(hours, at(2026, 11, 26, 17, 30))


def test_after_closing_the_hall_opens_tomorrow_morning(hours):
    evening = at(2026, 11, 26, 17, 45)  # Thursday
    assert not is_open(hours, evening)
    assert next_opening(hours, evening) == at(2026, 11, 27, 8, 30)


def test_on_friday_evening_the_hall_opens_on_monday(hours):
    assert next_opening(hours, at(2026, 11, 27, 17, 10)) == at(2026, 11, 30, 8, 30)
    assert next_opening(hours, at(2026, 11, 27, 18, 0)) == at(2026, 11, 30, 8, 30)
    # "" and a missing day are both closed
    assert day_text(hours, date(2026, 11, 28)) == "" and day_text(hours, date(2026, 11, 29)) == ""


def test_past_midnight_the_hall_opens_the_same_morning(hours):
    assert next_opening(hours, at(2026, 11, 24, 0, 30)) == at(2026, 11, 24, 8, 30)  # Tuesday
    assert next_opening(hours, at(2026, 11, 28, 0, 5)) == at(2026, 11, 30, 8, 30)  # Saturday: Monday


def test_national_day_week_is_closed_and_the_hall_reopens_on_the_eighth(hours):
    holiday = at(2026, 10, 1, 10, 0)  # Thursday
    assert not is_open(hours, holiday) and not is_issuing(hours, holiday)
    assert openings_on(hours, date(2026, 10, 1)) == ()
    assert day_text(hours, date(2026, 10, 1)) == ""
    assert next_opening(hours, at(2026, 9, 30, 17, 45)) == at(2026, 10, 8, 8, 30)
    assert next_opening(hours, holiday) == at(2026, 10, 8, 8, 30)


def test_a_saturday_worked_instead_keeps_the_workday_hours(hours):
    assert day_text(hours, date(2026, 10, 10)) == "09:00-12:00 14:00-17:00"  # Saturday, 调休
    # from Friday evening the next opening is that Saturday, at the workday's hour, not Monday
    assert next_opening(hours, at(2026, 10, 9, 18, 0)) == at(2026, 10, 10, 9, 0)
    assert not is_open(hours, at(2026, 10, 10, 8, 45))
    assert is_issuing(hours, at(2026, 10, 10, 9, 0))
    assert is_open(hours, at(2026, 10, 10, 16, 40)) and not is_issuing(hours, at(2026, 10, 10, 16, 40))
    assert closing(hours, at(2026, 10, 10, 16, 40)) == at(2026, 10, 10, 17, 0)
    assert next_opening(hours, at(2026, 10, 10, 17, 0)) == at(2026, 10, 12, 8, 30)


def test_a_sunday_worked_instead_opens_between_two_closed_days(hours):
    assert next_opening(hours, at(2026, 9, 19, 10, 0)) == at(2026, 9, 20, 9, 0)  # Saturday to Sunday
    assert is_issuing(hours, at(2026, 9, 20, 10, 0))


def test_new_years_eve_opens_again_on_the_first_monday_of_the_new_year(hours):
    # Thursday 2026-12-31; Friday 2027-01-01 is New Year's Day, then the weekend
    assert next_opening(hours, at(2026, 12, 31, 17, 45)) == at(2027, 1, 4, 8, 30)


def test_the_tv_shows_a_weekdays_hours(hours):
    assert day_text(hours, date(2026, 11, 26)) == "08:30-12:00 14:00-17:30"


def test_a_hall_that_never_opens_again_has_no_next_opening():
    # only one Saturday worked, already past: nothing opens within the year searched
    hall = hall_with('[hours]\nworkdays = ["2026-10-10"]\nworkday = "09:00-12:00"\n')
    assert hall.hours is not None
    assert next_opening(hall.hours, at(2026, 11, 26, 9, 0)) is None
    assert next_opening(hall.hours, at(2026, 10, 10, 8, 0)) == at(2026, 10, 10, 9, 0)


def test_without_hours_the_hall_never_closes_and_ratings_keep_twenty_seconds_of_grace():
    hall = hall_with("")
    assert hall.hours is None and hall.rating_grace_s == 20


def test_the_example_hall_knows_the_2026_holidays():
    calendar = load_hall(EXAMPLES / "hall.toml").hours
    assert calendar is not None and calendar.last_ticket_min == 30
    assert next_opening(calendar, at(2026, 9, 30, 18, 0)) == at(2026, 10, 8, 8, 30)
    assert day_text(calendar, date(2026, 10, 10)) == "08:30-12:00 14:00-17:30"
    assert next_opening(calendar, at(2026, 2, 13, 18, 0)) == at(2026, 2, 14, 8, 30)  # 春节: Saturday worked
    assert next_opening(calendar, at(2026, 2, 14, 18, 0)) == at(2026, 2, 24, 8, 30)


# --- mistakes ---------------------------------------------------------------------------------------


def errors_of(hours: str) -> list[str]:
    file = ConfigFile("hall.toml", hall_toml(extra=hours))
    assert read_hall(file) is None
    return file.errors


def line_of(hours: str, start: str) -> int:
    """The line of the hall file (the test hall, then `hours`) that starts with `start`."""
    lines = hall_toml(extra=hours).splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(start))


def test_a_bad_time_names_file_line_table_key_and_value():
    hours = HOURS.replace('wed = "08:30-12:00, 14:00-17:30"', 'wed = "08:30-12:00, 14:00-25:00"')
    assert errors_of(hours) == [
        f'hall.toml:{line_of(hours, "wed")} [hours]: wed: "08:30-12:00, 14:00-25:00" is not allowed '
        "(25:00 is not a time of day: 00:00 to 23:59)"
    ]


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (
            'mon = "08:30-12:00, ',
            'mon = "12:00-08:30, ',
            'mon: "12:00-08:30, 14:00-17:30" is not allowed (12:00-08:30 ends',
        ),
        (
            'tue = "08:30-12:00, 14:00',
            'tue = "08:30-12:00, 11:30',
            'tue: "08:30-12:00, 11:30-17:30" is not allowed (11:30-17:30 overlaps 08:30-12:00)',
        ),
        (
            'thu = "08:30-12:00, 14:00',
            'thu = "08:30-12:00, 12:00',
            "(12:00-17:30 begins where 08:30-12:00 ends: write them as one range, 08:30-17:30)",
        ),
        (
            'fri = "08:30-12:00, ',
            'fri = "8:30-12:00，',
            'fri: "8:30-12:00，14:00-17:30" is not allowed ("8:30-12:00，'
            '14:00-17:30" is not written HH:MM-HH:MM; several are separated by commas',
        ),
        ('sat = ""', 'sat = ["08:30-12:00"]', 'sat: ["08:30-12:00"] is not a string of opening hours'),
        ('"2026-10-05"', '"2026-10-32"', 'holidays: "2026-10-32" is not a date "YYYY-MM-DD" (e.g. "2026-10-01")'),
        ('"2026-10-05"', '"2026-10-04"', 'holidays: "2026-10-04" is listed twice'),
        ('workdays = ["2026-09-20"', 'workdays = ["2026-10-01"', 'workdays: "2026-10-01" is among the holidays too'),
        (
            'workdays = ["2026-09-20"',
            'workdays = ["2026-09-21"',
            'workdays: "2026-09-21" is a Monday, open anyway by `mon`: workdays are closed days worked instead (调休)',
        ),
        ('workday = "09:00-12:00, 14:00-17:00"', "", "workdays: these days need `workday`, their hours"),
        ('workday = "09:00-12:00, 14:00-17:00"', 'workday = ""', "workday: the workdays need their hours"),
        ("last_ticket_min = 30", "last_ticket_min = -5", "last_ticket_min: -5 is too small (allowed: 0 to 240)"),
        ("last_ticket_min = 30", 'last_ticket_min = "30"', 'last_ticket_min: "30" is not a whole number'),
        (
            "last_ticket_min = 30",
            "last_ticket_min = 210",
            "mon: 08:30-12:00 is not longer than last_ticket_min (210 minutes): no ticket could be issued in it",
        ),
        (
            'sat = ""',
            'satuday = ""',
            "[hours]: satuday: unknown key (allowed here: fri, holidays, last_ticket_min, mon,",
        ),
        ("holidays = [", 'holidays = "2026-10-01"\nholiday = [', 'holidays: "2026-10-01" is not a list of dates'),
    ],
)
def test_mistakes_in_the_hours_are_named(old, new, expected):
    assert old in HOURS
    errors = "\n".join(errors_of(HOURS.replace(old, new, 1)))
    assert expected in errors, errors
    assert all(line.startswith("hall.toml:") and "[hours]" in line for line in errors.splitlines()), errors


def test_a_week_without_hours_would_never_open():
    hours = '\n[hours]\nmon = ""\nlast_ticket_min = 30\n'
    assert errors_of(hours) == [
        f"hall.toml:{line_of(hours, '[hours]')} [hours]: no day has opening hours, so the hall would never open "
        "(without [hours] it never closes)"
    ]


def test_a_bad_date_in_a_long_list_names_the_line_where_the_list_begins():
    hours = HOURS.replace('"2027-01-01"', '"2027-13-01"')
    assert errors_of(hours) == [
        f'hall.toml:{line_of(hours, "holidays")} [hours]: holidays: "2027-13-01" is not a date "YYYY-MM-DD" '
        '(e.g. "2026-10-01")'
    ]


def test_dates_may_be_written_bare_as_toml_dates_but_not_with_a_time():
    hall = hall_with('[hours]\nmon = "08:30-12:00"\nholidays = [2026-11-30]\n')
    assert hall.hours is not None and hall.hours.holidays == frozenset({date(2026, 11, 30)})
    hours = '[hours]\nmon = "08:30-12:00"\nholidays = [2026-11-30T08:30:00]\n'
    assert errors_of(hours) == [
        f'hall.toml:{line_of(hours, "holidays")} [hours]: holidays: 2026-11-30 08:30:00 is not a date "YYYY-MM-DD" '
        '(e.g. "2026-10-01")'
    ]
