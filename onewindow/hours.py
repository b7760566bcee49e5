"""The hall's calendar: opening hours per weekday, holidays and 调休 workdays, asked about a local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# a year and a few days: however long the holidays, a hall that opens at all opens within a year
SEARCH_DAYS = 370

_RANGE = re.compile(r"(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})")


class HoursError(ValueError):
    """A day's hours written in a way the hall cannot use; the message says what is wrong."""


@dataclass(frozen=True, order=True)
class Opening:
    """One stretch of a day's opening hours, e.g. 08:30-12:00."""

    start: time
    end: time

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


Day = tuple[Opening, ...]


@dataclass(frozen=True)
class HallHours:
    """When the hall is open: the week's hours, the holidays it closes and the weekend days it works instead."""

    week: tuple[Day, ...]  # seven days, Monday first; () is a closed day
    last_ticket_min: int = 0  # the kiosks stop issuing this long before each opening ends
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: otherwise closed days worked with the hours of `workday`
    workday: Day = ()


def read_day(text: str) -> Day:
    """A day's hours as written in the hall file, "08:30-12:00, 14:00-17:30"; "" is a closed day."""
    if not text.strip():
        return ()
    openings = sorted(_read_opening(part.strip()) for part in text.split(","))
    for before, after in zip(openings, openings[1:], strict=False):
        if after.start < before.end:
            raise HoursError(f"{after} overlaps {before}")
        if after.start == before.end:
            raise HoursError(
                f"{after} begins where {before} ends: write them as one range, {Opening(before.start, after.end)}"
            )
    return tuple(openings)


def _read_opening(written: str) -> Opening:
    match = _RANGE.fullmatch(written)
    if match is None:
        raise HoursError(
            f'"{written}" is not written HH:MM-HH:MM; several are separated by commas, e.g. "08:30-12:00, 14:00-17:30"'
        )
    start, end = _read_time(match[1], match[2]), _read_time(match[3], match[4])
    if end <= start:
        raise HoursError(f"{written} ends before it starts; a range cannot pass midnight")
    return Opening(start, end)


def _read_time(hour: str, minute: str) -> time:
    if int(hour) > 23 or int(minute) > 59:
        raise HoursError(f"{hour}:{minute} is not a time of day: 00:00 to 23:59")
    return time(int(hour), int(minute))


def openings_on(hours: HallHours, day: date) -> Day:
    """The day's opening hours: none on a holiday, `workday`'s on a workday, else its weekday's."""
    if day in hours.holidays:
        return ()
    if day in hours.workdays:
        return hours.workday
    return hours.week[day.weekday()]


def day_text(hours: HallHours, day: date) -> str:
    """The day's hours for the hall's screens, "08:30-12:00 14:00-17:30"; "" when the hall is closed all day."""
    return " ".join(str(opening) for opening in openings_on(hours, day))


def is_open(hours: HallHours, now: datetime) -> bool:
    """Whether `now` (the hall's local time) falls within opening hours, last-ticket time included."""
    return _opening_at(hours, now) is not None


def is_issuing(hours: HallHours, now: datetime) -> bool:
    """Whether the kiosks issue tickets at `now`: open, and not yet within `last_ticket_min` of closing."""
    stop = last_ticket(hours, now)
    return stop is not None and now < stop


def closing(hours: HallHours, now: datetime) -> datetime | None:
    """When the opening `now` falls in ends; None while the hall is closed."""
    opening = _opening_at(hours, now)
    return None if opening is None else _on(now, now.date(), opening.end)


def last_ticket(hours: HallHours, now: datetime) -> datetime | None:
    """When the kiosks stop issuing in the opening `now` falls in; None while the hall is closed."""
    end = closing(hours, now)
    return None if end is None else end - timedelta(minutes=hours.last_ticket_min)


def next_opening(hours: HallHours, now: datetime) -> datetime | None:
    """The first opening that starts after `now`; None if none does within `SEARCH_DAYS` days."""
    for offset in range(SEARCH_DAYS + 1):
        day = now.date() + timedelta(days=offset)
        for opening in openings_on(hours, day):
            start = _on(now, day, opening.start)
            if start > now:
                return start
    return None


def _opening_at(hours: HallHours, now: datetime) -> Opening | None:
    clock = now.time()
    for opening in openings_on(hours, now.date()):
        if opening.start <= clock < opening.end:
            return opening
    return None


def _on(now: datetime, day: date, at: time) -> datetime:
    """`at` o'clock on `day`, in `now`'s time zone."""
    return datetime.combine(day, at, tzinfo=now.tzinfo)
