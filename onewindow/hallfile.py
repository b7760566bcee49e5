"""The hall file the core reads: hours, services, windows, clerks, users and devices, validated strictly."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .configfile import ConfigError, ConfigFile, Table, known, show
from .credentials import hash_format_problem
from .hours import WEEKDAYS, Day, HallHours, HoursError, read_day

LOCALES = ("zh-Hans", "zh-Hant", "en")
DEVICE_KINDS = ("kiosk", "display", "caller", "evaluator")
USER_ROLES = ("manager", "technician", "auditor")
SERVICE_CLASSES = ("handle", "review", "approve")  # 经办类, 经办后需审核, 经办、审核后需审批 (SPEC §10)
DUTIES = ("window", "review", "approve")


@dataclass(frozen=True)
class Unit:
    """A unit behind the counters (医疗保障, 就业服务中心, …), who reviews and approves its own business."""

    id: str
    name: str


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    prefix: str
    minutes: float
    share: float | None = None
    guide: str = ""
    kind: str = "handle"  # the hall file's `class`: handle, review or approve
    unit: str | None = None
    limit_min: int | None = None  # 办结时限: minutes from the window's finish to the case's end

    @property
    def opens_case(self) -> bool:
        """Whether finishing this service at a window leaves it to its unit to review (and approve)."""
        return self.kind != "handle"


@dataclass(frozen=True)
class WindowSpec:
    number: int
    services: tuple[str, ...]
    name: str | None = None
    closed: bool = False
    # services the window helps with when nobody of its own services waits (never assigned them at issue)
    assists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clerk:
    id: str
    name: str
    pin_hash: str
    duties: tuple[str, ...] = ("window",)
    units: tuple[str, ...] = ()  # whose cases this person reviews or approves
    photo: str | None = None  # a picture file shown beside the name on the window's evaluator (亮明身份)

    def decides(self, duty: str, unit: str) -> bool:
        """Whether this clerk has `duty` (review or approve) for `unit`'s cases."""
        return duty in self.duties and unit in self.units


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True)
class Device:
    id: str
    kind: str
    token_sha256: str
    windows: tuple[int, ...] = ()


@dataclass(frozen=True)
class AlertRules:
    """When the manager's page raises an alert (`[alerts]`, every key optional): a staffed window idle while its
    queue waits, a citizen called and not come, a service running long. Devices and cases need no bound here:
    a device is silent after the core's device timeout, a case overdue after its service's `limit_min`."""

    idle_window_s: int = 120
    not_arrived_s: int = 180
    long_service_x: float = 2.0  # times the service's `minutes`


@dataclass(frozen=True)
class Weights:
    """How much each part of the appraisal sheet (绩效考核) counts in its total, out of 100: quantity (工作数量),
    efficiency (工作效率), attitude (服务态度) and the manager's qualitative marks (品德, 才能, 奉献, 廉政, 学习)."""

    quantity: int = 30
    efficiency: int = 20
    attitude: int = 30
    marks: int = 20

    def parts(self) -> dict[str, int]:
        return {
            "quantity": self.quantity,
            "efficiency": self.efficiency,
            "attitude": self.attitude,
            "marks": self.marks,
        }


@dataclass(frozen=True)
class HallConfig:
    name: str
    locale: str = "zh-Hans"
    timezone: str = "Asia/Shanghai"
    recall_limit: int = 3
    rating_window_s: int = 120
    rating_grace_s: int = 20
    require_sign_in: bool = True
    priority: bool = True
    # the hall's own words for citizens, "" when the hall file gives none: printed on tickets, shown on the kiosk
    hotline: str = ""  # 咨询电话, e.g. "0000-12345678"
    service_desk: str = ""  # where the 服务台/咨询台 is, for a citizen the kiosk cannot serve
    missed_rule: str = ""  # 过号规则, e.g. "过号请到窗口说明，按当前队列顺延办理"
    online_url: str = ""  # an address where the hall's business can be done by phone, shown as a QR code
    hours: HallHours | None = None  # None: the hall never closes
    alerts: AlertRules = AlertRules()
    units: tuple[Unit, ...] = ()
    services: tuple[Service, ...] = ()
    windows: tuple[WindowSpec, ...] = ()
    clerks: tuple[Clerk, ...] = ()
    # what a citizen may tick after a rating of 2 or 1 (差评原因); empty: the pages' own list in the hall's locale
    rating_reasons: tuple[str, ...] = ()
    users: tuple[User, ...] = ()
    devices: tuple[Device, ...] = ()
    appraisal: Weights = Weights()
    path: str = ""
    _by_id: dict[str, Service] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.services})

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def service(self, service_id: str) -> Service:
        return self._by_id[service_id]

    def has_service(self, service_id: str) -> bool:
        return service_id in self._by_id

    def shares(self) -> dict[str, float]:
        """Each service's expected share of arrivals; services without `share` split what is left evenly."""
        given = {s.id: s.share for s in self.services if s.share is not None}
        rest = [s.id for s in self.services if s.share is None]
        left = max(0.0, 1.0 - sum(given.values()))
        out = dict(given)
        for sid in rest:
            out[sid] = left / len(rest) if rest else 0.0
        total = sum(out.values()) or 1.0
        return {sid: v / total for sid, v in out.items()}


SLUG = r"[a-z][a-z0-9_-]{0,31}"
IDENT = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


class _Unique:
    """Duplicate detection that names the earlier entry's line."""

    def __init__(self) -> None:
        self.seen: dict[object, int | None] = {}

    def check(self, table: Table, key: str, value: object, what: str = "") -> bool:
        if value is None:
            return True
        if value in self.seen:
            first = self.seen[value]
            table.error(
                key,
                f"{show(value)} is used twice{' ' + what if what else ''} (first at line {first})"
                if first
                else f"{show(value)} is used twice",
            )
            return False
        self.seen[value] = table.line(key)
        return True


def read_hall(file: ConfigFile) -> HallConfig | None:
    """Read and check a hall file; errors collect on `file`, None when any was found."""
    if not file.valid_toml:
        return None
    hall = file.table("hall", required=True)
    name = locale = timezone = None
    recall_limit, rating_window_s, rating_grace_s, require_sign_in, priority = 3, 120, 20, True, True
    words: dict[str, str] = {}
    if hall is not None:
        name = hall.str("name")
        locale = hall.str("locale", "zh-Hans", choices=LOCALES)
        timezone = hall.str("timezone", "Asia/Shanghai")
        if timezone is not None:
            try:
                zoneinfo.ZoneInfo(timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                hall.error("timezone", f'{show(timezone)} is not a time zone this machine knows (e.g. "Asia/Shanghai")')
        recall_limit = hall.int("recall_limit", 3, minval=0, maxval=20)
        rating_window_s = hall.int("rating_window_s", 120, minval=5, maxval=3600)
        rating_grace_s = hall.int("rating_grace_s", 20, minval=1, maxval=3600)
        require_sign_in = hall.bool("require_sign_in", True)
        priority = hall.bool("priority", True)
        words = _read_citizen_words(hall)
        hall.finish()

    hours = _read_hours(file)
    alerts = _read_alerts(file)
    units = _read_units(file)
    unit_ids = list(dict.fromkeys(_named(file, "unit", "id", str)))
    services = _read_services(file, unit_ids)
    # references are checked against every entry that names itself, even one with other mistakes,
    # so that one error does not cascade into many
    service_ids = _named(file, "service", "id", str)
    windows = _read_windows(file, service_ids)
    window_numbers = _named(file, "window", "number", int)
    served: set[str] = set()
    for entry in file.data.get("window") or []:
        listed = entry.get("services") if isinstance(entry, dict) else None
        if isinstance(listed, list):
            served.update(s for s in listed if isinstance(s, str))
    for entry in file.tables("service"):
        if entry.data.get("id") in service_ids and entry.data["id"] not in served:
            entry.error("id", f"no [[window]] serves {show(entry.data['id'])}: add it to some window's services")
    clerks = _read_clerks(file, unit_ids)
    rating_reasons = _read_rating_reasons(file)
    users = _read_users(file)
    devices = _read_devices(file, window_numbers)
    appraisal = _read_appraisal(file)
    file.finish()
    if file.errors or name is None or locale is None or timezone is None or appraisal is None:
        return None
    return HallConfig(
        name=name,
        locale=locale,
        timezone=timezone,
        recall_limit=recall_limit,
        rating_window_s=rating_window_s,
        rating_grace_s=rating_grace_s,
        require_sign_in=require_sign_in,
        priority=priority,
        hours=hours,
        alerts=alerts,
        hotline=words.get("hotline", ""),
        service_desk=words.get("service_desk", ""),
        missed_rule=words.get("missed_rule", ""),
        online_url=words.get("online_url", ""),
        units=tuple(units),
        services=tuple(services),
        windows=tuple(windows),
        clerks=tuple(clerks),
        rating_reasons=rating_reasons,
        users=tuple(users),
        devices=tuple(devices),
        appraisal=appraisal,
        path=str(file.path),
    )


def _read_citizen_words(hall: Table) -> dict[str, str]:
    """The optional words of [hall] a citizen reads on the kiosk and the ticket; absent keys are left out."""
    found = {
        "hotline": hall.str(
            "hotline", "", max_length=40, pattern=r"[0-9+() /、-]+", pattern_help="digits, spaces, + ( ) - / 、"
        ),
        "service_desk": hall.str("service_desk", "", max_length=60),
        "missed_rule": hall.str("missed_rule", "", max_length=120),
        "online_url": hall.str(
            "online_url", "", max_length=300, pattern=r"https?://\S+", pattern_help='an address, e.g. "https://…"'
        ),
    }
    return {key: value for key, value in found.items() if value}


def number_ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 as "1-3, 5"."""
    out: list[str] = []
    for n in sorted(set(numbers)):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _named(file: ConfigFile, table: str, key: str, kind: type) -> list:
    entries = file.data.get(table, [])
    if not isinstance(entries, list):
        return []
    return [
        t[key]
        for t in entries
        if isinstance(t, dict) and isinstance(t.get(key), kind) and not isinstance(t.get(key), bool)
    ]


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RANGES_EXAMPLE = '"08:30-12:00, 14:00-17:30"'


def _read_alerts(file: ConfigFile) -> AlertRules:
    t = file.table("alerts")
    if t is None:
        return AlertRules()
    idle = t.int("idle_window_s", AlertRules.idle_window_s, minval=10, maxval=3600)
    not_arrived = t.int("not_arrived_s", AlertRules.not_arrived_s, minval=10, maxval=3600)
    long_x = t.float("long_service_x", AlertRules.long_service_x, minval=1.0, maxval=20.0)
    t.finish()
    return AlertRules(
        idle_window_s=idle if idle is not None else AlertRules.idle_window_s,
        not_arrived_s=not_arrived if not_arrived is not None else AlertRules.not_arrived_s,
        long_service_x=long_x if long_x is not None else AlertRules.long_service_x,
    )


def _read_hours(file: ConfigFile) -> HallHours | None:
    t = file.table("hours")
    if t is None:
        return None
    week = [_read_day(t, key) for key in WEEKDAYS]
    last_ticket_min = t.int("last_ticket_min", 0, minval=0, maxval=240)
    holidays = _read_dates(t, "holidays")
    workdays = _read_dates(t, "workdays")
    workday = _read_day(t, "workday")
    t.finish()
    if last_ticket_min is not None:
        for key, day in zip((*WEEKDAYS, "workday"), (*week, workday), strict=True):
            short = [opening for opening in day or () if opening.minutes <= last_ticket_min]
            if short:
                t.error(
                    key,
                    f"{short[0]} is not longer than last_ticket_min ({last_ticket_min} minutes): "
                    "no ticket could be issued in it",
                )
    if holidays is not None and workdays is not None:
        _check_workdays(t, week, holidays, workdays, workday)
    if t.ok and not any(week) and not workdays:
        t.error(None, "no day has opening hours, so the hall would never open (without [hours] it never closes)")
    if None in week or None in (last_ticket_min, holidays, workdays, workday) or not t.ok:
        return None
    return HallHours(
        week=tuple(day for day in week if day is not None),
        last_ticket_min=last_ticket_min,
        holidays=frozenset(holidays or ()),
        workdays=frozenset(workdays or ()),
        workday=workday or (),
    )


def _check_workdays(
    t: Table, week: list[Day | None], holidays: list[date], workdays: list[date], workday: Day | None
) -> None:
    """A workday is a closed day worked instead (调休): never a holiday too, and its hours are given."""
    for day in sorted(set(holidays) & set(workdays)):
        t.error("workdays", f'"{day}" is among the holidays too: a day is either closed or worked')
    for day in workdays:
        if week[day.weekday()]:
            t.error(
                "workdays",
                f'"{day}" is a {DAY_NAMES[day.weekday()]}, open anyway by `{WEEKDAYS[day.weekday()]}`: '
                "workdays are closed days worked instead (调休)",
            )
    if workdays and workday == ():
        if t.has("workday"):
            t.error("workday", f"the workdays need their hours, e.g. workday = {RANGES_EXAMPLE}")
        else:
            t.error("workdays", f"these days need `workday`, their hours, e.g. workday = {RANGES_EXAMPLE}")


def _read_day(t: Table, key: str) -> Day | None:
    written = t.get(key, "", kind=str, kind_name=f"a string of opening hours, e.g. {RANGES_EXAMPLE}")
    if written is None:
        return None
    try:
        return read_day(written)
    except HoursError as problem:
        t.error(key, f"{show(written)} is not allowed ({problem})")
        return None


def _read_dates(t: Table, key: str) -> list[date] | None:
    value = t.get(key, [], kind=list, kind_name='a list of dates, e.g. ["2026-10-01", "2026-10-02"]')
    if value is None:
        return None
    days: list[date] = []
    for item in value:
        day = _date(item)
        if day is None:
            t.error(key, f'{show(item)} is not a date "YYYY-MM-DD" (e.g. "2026-10-01")')
        elif day in days:
            t.error(key, f'"{day}" is listed twice')
        else:
            days.append(day)
    return days if len(days) == len(value) else None


def _date(item: Any) -> date | None:
    """A quoted "YYYY-MM-DD", or a TOML date written bare."""
    if isinstance(item, datetime):
        return None
    if isinstance(item, date):
        return item
    if not isinstance(item, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
        return None
    try:
        return date.fromisoformat(item)
    except ValueError:
        return None


def _read_appraisal(file: ConfigFile) -> Weights | None:
    """The appraisal's weights, whole points adding up to 100; without the table, Weights' defaults."""
    t = file.table("appraisal")
    if t is None:
        return Weights()
    default = Weights().parts()
    given = {part: t.int(part, default[part], minval=0, maxval=100) for part in default}
    t.finish()
    if any(v is None for v in given.values()):
        return None
    if sum(given.values()) != 100:
        listed = " + ".join(f"{part} {v}" for part, v in given.items())
        t.error(None, f"the weights add up to {sum(given.values())} ({listed}): they must add up to 100")
        return None
    return Weights(**given)


def _read_units(file: ConfigFile) -> list[Unit]:
    ids = _Unique()
    out = []
    for t in file.tables("unit"):
        t.name_by("id")
        uid = t.str("id", pattern=SLUG, pattern_help="lower-case letters, digits, - and _, starting with a letter")
        name = t.str("name", max_length=40)
        t.finish()
        if ids.check(t, "id", uid) and t.ok and uid is not None and name is not None:
            out.append(Unit(id=uid, name=name))
    return out


def _read_case_rules(t: Table, unit_ids: list[str]) -> tuple[str | None, str | None, int | None]:
    """A service's `class`, `unit` and `limit_min`: review and approve business names the unit that decides it."""
    kind = t.str("class", "handle", choices=SERVICE_CLASSES)
    unit = t.str("unit", None)
    limit_min = t.int("limit_min", None, minval=1, maxval=60 * 24 * 30)
    if unit is not None and unit not in unit_ids:
        t.error("unit", f"unknown unit {show(unit)} (known: {known(unit_ids) if unit_ids else 'none: add [[unit]]'})")
    elif unit is None and kind in ("review", "approve"):
        t.error(None, f'class = "{kind}" needs `unit`, the [[unit]] that reviews and approves it')
    return kind, unit, limit_min


def _read_services(file: ConfigFile, unit_ids: list[str]) -> list[Service]:
    entries = file.tables("service")
    if not entries and "service" not in file.data:
        file.error(None, "[[service]]", "the hall needs at least one service")
    ids, prefixes = _Unique(), _Unique()
    out = []
    for t in entries:
        t.name_by("id")
        sid = t.str("id", pattern=SLUG, pattern_help="lower-case letters, digits, - and _, starting with a letter")
        name = t.str("name", max_length=40)
        prefix = t.str("prefix", pattern=r"[A-Z]{1,2}", pattern_help="one or two capital letters")
        # at least half a minute: the wait estimates learn from it and divide by what it implies
        minutes = t.float("minutes", above=0, minval=0.5, maxval=480)
        share = t.float("share", None, minval=0, maxval=1)
        guide = t.str("guide", "", max_length=2000)
        kind, unit, limit_min = _read_case_rules(t, unit_ids)
        t.finish()
        if not (ids.check(t, "id", sid) & prefixes.check(t, "prefix", prefix, "by another service")):
            continue
        if None not in (sid, name, prefix, minutes) and t.ok:
            out.append(
                Service(
                    id=sid,
                    name=name,
                    prefix=prefix,
                    minutes=minutes,
                    share=share,
                    guide=guide or "",
                    kind=kind or "handle",
                    unit=unit,
                    limit_min=limit_min,
                )
            )
    return out


def _read_windows(file: ConfigFile, service_ids: list[str]) -> list[WindowSpec]:
    entries = file.tables("window")
    if not entries and "window" not in file.data:
        file.error(None, "[[window]]", "the hall needs at least one window")
    numbers = _Unique()
    out = []
    for t in entries:
        t.name_by("number")
        number = t.int("number", minval=1, maxval=999)
        services = t.list("services")
        if services is not None:
            unknown = [s for s in services if s not in service_ids]
            for s in unknown:
                t.error("services", f"unknown service {show(s)} (known: {known(service_ids)})")
            doubled = sorted({s for s in services if services.count(s) > 1})
            if doubled:
                t.error("services", f"{show(doubled[0])} is listed twice")
        name = t.str("name", None, max_length=20)
        closed = t.bool("closed", False)
        assists = t.list("assists", [])
        for s in assists or []:
            if s not in service_ids:
                t.error("assists", f"unknown service {show(s)} (known: {known(service_ids)})")
            elif services and s in services:
                t.error("assists", f"{show(s)} is already among this window's services")
        t.finish()
        if numbers.check(t, "number", number) and t.ok and number is not None and services:
            out.append(
                WindowSpec(number=number, services=tuple(services), name=name, closed=closed, assists=tuple(assists))
            )
    return sorted(out, key=lambda w: w.number)


def _read_clerks(file: ConfigFile, unit_ids: list[str]) -> list[Clerk]:
    ids = _Unique()
    out = []
    for t in file.tables("clerk"):
        t.name_by("id")
        cid = t.str("id", pattern=IDENT, pattern_help="letters, digits, '.', '-' and '_'")
        name = t.str("name", max_length=20)
        pin_hash = t.get("pin_hash", kind=str, kind_name="a string", check=hash_format_problem)
        duties, units = _read_duties(t, unit_ids)
        photo = t.str("photo", None, max_length=500)
        if photo is not None:
            photo = _photo_path(t, Path(file.path).parent, photo)
        t.finish()
        if ids.check(t, "id", cid) and t.ok:
            out.append(Clerk(id=cid, name=name, pin_hash=pin_hash, duties=duties, units=units, photo=photo))
    return out


PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


def _photo_path(t: Table, folder: Path, given: str) -> str | None:
    """A clerk's photo: a picture file, relative to the hall file's folder; the core serves it (the LAN has no web)."""
    path = folder / given
    if path.suffix.lower() not in PHOTO_TYPES:
        t.error("photo", f"{show(given)} is not a picture file ({', '.join(PHOTO_TYPES)})")
        return None
    if not path.is_file():
        t.error("photo", f"{show(given)}: there is no file {path}")
        return None
    return str(path.resolve())


def _read_rating_reasons(file: ConfigFile) -> tuple[str, ...]:
    """`[rating] reasons`: the short reasons a citizen may tick after a rating of 2 or 1."""
    t = file.table("rating")
    if t is None:
        return ()
    reasons = t.list("reasons", [])
    t.finish()
    if reasons is None:
        return ()
    for reason in reasons:
        if not reason.strip() or len(reason) > 20:
            t.error("reasons", f"{show(reason)} is not allowed (each reason 1-20 characters)")
            return ()
    if len(reasons) > 8:
        t.error("reasons", f"{len(reasons)} reasons are too many for one screen (at most 8)")
        return ()
    return tuple(reasons)


def _read_duties(t: Table, unit_ids: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A clerk's `duties` and, for review and approve, the `units` whose cases they decide."""
    duties = t.list("duties", ["window"]) or []
    for duty in duties:
        if duty not in DUTIES:
            t.error("duties", f"{show(duty)} is not allowed (must be one of: {', '.join(DUTIES)})")
    if len(set(duties)) != len(duties):
        t.error("duties", "a duty is listed twice")
    deciding = [d for d in duties if d in ("review", "approve")]
    units = t.list("units", [])
    if deciding and not t.has("units"):
        t.error(None, f"duties {show(deciding)} need `units`, the [[unit]] ids whose cases this clerk decides")
    elif t.has("units") and not deciding:
        t.error("units", "only a clerk with the review or approve duty decides a unit's cases")
    for unit in units or []:
        if unit not in unit_ids:
            t.error("units", f"unknown unit {show(unit)} (known: {known(unit_ids) if unit_ids else 'none'})")
    return tuple(duties), tuple(units or ())


def _read_users(file: ConfigFile) -> list[User]:
    names = _Unique()
    out = []
    for t in file.tables("user"):
        t.name_by("name")
        name = t.str("name", pattern=IDENT, pattern_help="letters, digits, '.', '-' and '_'")
        role = t.str("role", choices=USER_ROLES)
        password_hash = t.get("password_hash", kind=str, kind_name="a string", check=hash_format_problem)
        t.finish()
        if names.check(t, "name", name) and t.ok:
            out.append(User(name=name, role=role, password_hash=password_hash))
    return out


def _read_devices(file: ConfigFile, window_numbers: list[int]) -> list[Device]:
    ids, tokens = _Unique(), _Unique()
    out = []
    for t in file.tables("device"):
        t.name_by("id")
        did = t.str("id", pattern=IDENT, pattern_help="letters, digits, '.', '-' and '_'")
        kind = t.str("kind", choices=DEVICE_KINDS)
        token = t.str(
            "token_sha256",
            pattern=r"[0-9a-f]{64}",
            pattern_help="64 lower-case hex digits from `onewindow new-token`, never the token itself",
        )
        windows: list[int] = []
        if kind in ("caller", "evaluator"):
            windows = t.list("windows", item=int, item_name="window numbers") or []
            for n in windows:
                if n not in window_numbers:
                    t.error("windows", f"unknown window {n} (known: {number_ranges(window_numbers)})")
        elif kind is not None and t.has("windows"):
            t.get("windows")
            t.error("windows", f"only callers and evaluators act for windows, not a {kind}")
        t.finish()
        if ids.check(t, "id", did) & tokens.check(t, "token_sha256", token, "by another device") and t.ok:
            out.append(Device(id=did, kind=kind, token_sha256=token, windows=tuple(windows)))
    return out


def load_hall(path: str | Path) -> HallConfig:
    """The hall file at `path`, or ConfigError listing every problem."""
    file = ConfigFile(path)
    hall = read_hall(file)
    if hall is None:
        raise ConfigError(file.errors or [f"{file.name}: not a valid hall file"])
    return hall


def default_window_name(number: int, locale: str) -> str:
    return {"en": f"Window {number}", "zh-Hant": f"{number}號窗口"}.get(locale, f"{number}号窗口")


def is_hall_file(file: ConfigFile) -> bool:
    return "hall" in file.data or "service" in file.data or "window" in file.data
