"""A simulated day's clerks: when each signs in, goes to lunch or a break, leaves early; and who is gone when called.

A `Staffing` is what a staffing file says (`onewindow simulate --staffing FILE`, or a built-in: `allday`, every
window staffed from opening, and `realday`, simulator/realday.toml); `roster()` draws one day of it for each
open window's clerk, the same for the same seed, and `no_shows()` which citizens are gone when called.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onewindow.configfile import ConfigError, ConfigFile, Table, show

MINUTES_A_DAY = 24 * 60
BUILT_IN = ("allday", "realday")


@dataclass(frozen=True)
class Lunch:
    """A lunch shift: the clerks of every n-th window go at `start_s` after opening for `length_s`."""

    start_s: float
    length_s: float


@dataclass(frozen=True)
class Break:
    """A short break every clerk takes at a random moment between `earliest_s` and `latest_s`."""

    earliest_s: float
    latest_s: float
    length_s: float


@dataclass(frozen=True)
class Away:
    """One time a clerk means to leave the window: at `due_s` after opening, once the citizen there is done."""

    due_s: float
    length_s: float | None  # None: the clerk signs out for the day
    reason: str  # "lunch", "break" or "leave"


@dataclass(frozen=True)
class Shift:
    """One window's clerk on one simulated day."""

    window: int
    sign_in_s: float
    away: tuple[Away, ...]  # in the order they fall due


@dataclass(frozen=True)
class Staffing:
    """How the clerks of a simulated day come and go, and how many citizens are gone when called."""

    name: str
    sign_in_s: tuple[float, float] = (0.0, 0.0)
    lunches: tuple[Lunch, ...] = ()
    breaks: tuple[Break, ...] = ()
    leave_share: float = 0.0
    leave_s: tuple[float, float] = (0.0, 0.0)
    no_show_share: float = 0.0
    no_show_after_s: float = 60.0

    def roster(self, windows: Sequence[tuple[int, tuple[str, ...]]], seed: int) -> list[Shift]:
        """Each open window's clerk for the day of `seed`: sign-in, lunch shift (windows take turns), breaks,
        and for some an early sign-out, never the last clerk of a service who would stay."""
        rng = random.Random(f"roster {seed}")
        leaving = self._leavers(windows, rng)
        shifts = []
        for i, (number, _) in enumerate(windows):
            away = []
            if self.lunches:
                lunch = self.lunches[i % len(self.lunches)]
                away.append(Away(lunch.start_s, lunch.length_s, "lunch"))
            away += [Away(rng.uniform(b.earliest_s, b.latest_s), b.length_s, "break") for b in self.breaks]
            sign_in = rng.uniform(*self.sign_in_s)
            if number in leaving:
                at = rng.uniform(*self.leave_s)
                away = [a for a in away if a.due_s < at] + [Away(at, None, "leave")]
            shifts.append(Shift(number, sign_in, tuple(sorted(away, key=lambda a: a.due_s))))
        return shifts

    def _leavers(self, windows: Sequence[tuple[int, tuple[str, ...]]], rng: random.Random) -> set[int]:
        count = round(self.leave_share * len(windows))
        staying = {sid: sum(1 for _, services in windows if sid in services) for _, s in windows for sid in s}
        order = [number for number, _ in windows]
        rng.shuffle(order)
        services = dict(windows)
        leaving: set[int] = set()
        for number in order:
            if len(leaving) == count:
                break
            if all(staying[sid] > 1 for sid in services[number]):
                leaving.add(number)
                for sid in services[number]:
                    staying[sid] -= 1
        return leaving

    def staffed_share(self, windows: int, hours: float) -> float:
        """The share of the open windows' time that their clerks plan to be in while citizens arrive.

        Each clerk's hours less the mean wait for them to sign in, their lunch shift and breaks, and for those
        who leave early the mean time left after they go. It sets the arrival rate, so it is the plan (a break
        a leaver would have taken is counted anyway); the simulation then plays the day itself.
        """
        day = hours * 3600.0
        if windows <= 0 or day <= 0:
            return 1.0
        absent = windows * _mean_clipped(self.sign_in_s, day)
        for i in range(windows):
            if self.lunches:
                lunch = self.lunches[i % len(self.lunches)]
                absent += max(0.0, min(day, lunch.start_s + lunch.length_s) - min(day, lunch.start_s))
        absent += windows * sum(b.length_s for b in self.breaks if b.earliest_s < day)
        leavers = round(self.leave_share * windows)
        absent += leavers * (day - _mean_clipped(self.leave_s, day))
        return max(0.05, 1.0 - absent / (windows * day))

    def no_shows(self, count: int, seed: int) -> list[bool]:
        """Which of the day's `count` citizens are gone when called (drawn apart from the citizens themselves,
        so a staffing never changes who arrives when)."""
        if self.no_show_share <= 0:
            return [False] * count
        rng = random.Random(f"no-show {seed}")
        return [rng.random() < self.no_show_share for _ in range(count)]


ALL_DAY = Staffing("every window staffed all day")


def _mean_clipped(span: tuple[float, float], day: float) -> float:
    """The mean of min(u, day) for u uniform over `span`."""
    a, b = span
    if b <= day:
        return (a + b) / 2
    if a >= day:
        return day
    inside = (day - a) / (b - a)
    return inside * (a + day) / 2 + (1 - inside) * day


# --- the staffing file -----------------------------------------------------------------------------------


def load_staffing(value: str | Path) -> Staffing:
    """A built-in staffing by name (allday, realday) or a staffing file; ConfigError lists every problem."""
    if value == "allday":
        return ALL_DAY
    path = Path(__file__).with_name(f"{value}.toml") if value in BUILT_IN else Path(value)
    if not path.exists():
        raise ConfigError([f"{value}: no such staffing file (built in: {', '.join(BUILT_IN)})"])
    file = ConfigFile(path)
    staffing = read_staffing(file) if file.valid_toml else None
    file.finish(allowed_top_keys=("name",))
    if file.errors or staffing is None:
        raise ConfigError(file.errors)
    return staffing


def read_staffing(file: ConfigFile) -> Staffing:
    root = file.root()
    name = root.str("name", Path(file.name).stem)
    sign_in = file.table("sign_in")
    lunches = [_lunch(t) for t in file.tables("lunch")]
    breaks = [_break(t) for t in file.tables("break")]
    leave = file.table("leave_early")
    no_show = file.table("no_show")
    staffing = Staffing(
        name=name or "",
        sign_in_s=_span(sign_in, "between_min") if sign_in else (0.0, 0.0),
        lunches=tuple(lunch for lunch in lunches if lunch is not None),
        breaks=tuple(b for b in breaks if b is not None),
        leave_share=(leave.float("share", minval=0.0, maxval=1.0) or 0.0) if leave else 0.0,
        leave_s=_span(leave, "between_min") if leave else (0.0, 0.0),
        no_show_share=(no_show.float("share", 0.0, minval=0.0, maxval=1.0) or 0.0) if no_show else 0.0,
        no_show_after_s=(no_show.float("after_s", 60.0, minval=0.0, maxval=3600.0) or 0.0) if no_show else 60.0,
    )
    for table in (sign_in, leave, no_show):
        if table is not None:
            table.finish()
    return staffing


def _lunch(t: Table) -> Lunch | None:
    start = t.float("start_min", minval=0.0, maxval=MINUTES_A_DAY)
    length = _length(t)
    t.finish()
    return Lunch(start * 60.0, length) if start is not None and length is not None else None


def _break(t: Table) -> Break | None:
    earliest, latest = _span(t, "between_min")
    length = _length(t)
    t.finish()
    return Break(earliest, latest, length) if t.ok and length is not None else None


def _length(t: Table) -> float | None:
    minutes = t.float("length_min", above=0.0, maxval=MINUTES_A_DAY)
    return None if minutes is None else minutes * 60.0


def _span(t: Table, key: str) -> tuple[float, float]:
    """A range of minutes after opening, `[from, to]`, in seconds."""

    def check(value: list[Any]) -> str | None:
        numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(value) != 2 or len(numbers) != 2:
            return f"{show(value)} is not allowed (give two numbers of minutes after opening, e.g. [0, 30])"
        if not 0 <= numbers[0] <= numbers[1] <= MINUTES_A_DAY:
            return f"{show(value)} is not allowed (from <= to, both 0 to {MINUTES_A_DAY} minutes after opening)"
        return None

    value = t.get(key, kind=list, kind_name="a list of two numbers [from, to]", check=check)
    if value is None:
        return (0.0, 0.0)
    return (float(value[0]) * 60.0, float(value[1]) * 60.0)
