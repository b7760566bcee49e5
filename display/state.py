"""The hall as the display shows it: the core's last snapshot with every event since applied, and the calls.

The core's `/api/v1/hall` snapshot says where every window stands and how many wait; it is fetched again after
each burst of events, a fraction of a second late. A call must reach the screen, the boards and the voice at
once, so the events that change a window are applied as they come, and a snapshot that arrives later is taken
with the events newer than it applied again on top (it names the last event it includes, `seq`).

Times: the core stamps events with the hall's time. The display's own clock may be off (a Pi has no
battery clock), so the offset between the two is measured from each snapshot's `now`, and "how old is this
call" is asked of hall time, never of the Pi's clock alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onewindow.client import Event

# events that change what the page shows; the rest (sign-ins, ratings, devices) wait for the next snapshot
SHOWN_EVENTS = frozenset(
    {
        "ticket.issued",
        "ticket.cancelled",
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.transferred",
        "window.paused",
        "window.resumed",
        "window.closed",
        "window.opened",
        "window.signed_in",
        "window.signed_out",
    }
)
CALL_EVENTS = {"ticket.called": "call", "ticket.recalled": "recall"}
ENDED = frozenset({"paused", "closed", "unstaffed"})  # window states in which nobody is served there


@dataclass(frozen=True)
class Call:
    """A call or recall as the hall saw it: ticket, window, when (hall time), and whether it is news."""

    kind: str  # "call" or "recall"
    number: str
    window: int
    at: float  # hall time, seconds since the epoch
    seen: float | None  # the display's monotonic clock when it learned of it live; None: from a snapshot
    fresh: bool = True  # learned of within moments of the call (not caught up after a reconnect)
    priority: bool = False  # a priority ticket (绿色通道)


@dataclass(frozen=True)
class WindowShown:
    number: int
    name: str
    state: str  # called, serving, paused, closed, unstaffed (open, nobody signed in) or idle
    ticket: str | None  # the current ticket's number
    waiting: int
    priority: bool = False  # the current ticket is a priority one
    called_at: float | None = None  # hall time the current ticket was called (or last recalled) here


@dataclass(frozen=True)
class HoursShown:
    """The hall's hours as the core said them at its last snapshot (`hours` of `/api/v1/hall`)."""

    open: bool
    issuing: bool
    today: str  # "08:30-12:00 14:00-17:30"; "" when the hall is closed all day
    next_opening: float | None  # hall time, seconds since the epoch


def hours_in(snapshot: dict[str, Any]) -> HoursShown | None:
    """The snapshot's hours; None for a hall that never closes, or a core that does not say."""
    hours = snapshot.get("hours")
    if not isinstance(hours, dict):
        return None
    today = hours.get("today")
    return HoursShown(
        open=hours.get("open") is not False,
        issuing=hours.get("issuing") is not False,
        today=today if isinstance(today, str) else "",
        next_opening=parse_time(hours.get("next_opening")),
    )


@dataclass(frozen=True)
class ServiceShown:
    id: str
    name: str
    prefix: str
    waiting: int
    available: bool


@dataclass(frozen=True)
class Scene:
    """Everything one frame of the page and one round of the boards need, taken at one moment."""

    loaded: bool  # a snapshot has arrived since the start
    connected: bool
    hall_name: str
    locale: str
    timezone: str
    day: str | None
    hours: HoursShown | None
    windows: tuple[WindowShown, ...]
    services: tuple[ServiceShown, ...]
    calls: tuple[Call, ...]  # newest first
    hall_now: float  # hall time when the scene was taken
    away_since: float | None  # hall time of the last news from the core, while not connected
    version: int  # rises with every change of the above but the clocks

    def window(self, number: int) -> WindowShown | None:
        return next((w for w in self.windows if w.number == number), None)


@dataclass
class _Window:
    number: int
    name: str
    base: str  # open, paused or closed
    ticket: str | None
    status: str | None  # called or serving
    waiting: int
    # a clerk signed in; None from a core that does not say whether its windows are staffed
    clerk: bool | None = None
    priority: bool = False
    called_at: float | None = None

    def shown(self, require_sign_in: bool = True) -> WindowShown:
        if self.base in ("paused", "closed"):
            state = self.base
        elif self.ticket is not None:
            state = "serving" if self.status == "serving" else "called"
        elif require_sign_in and self.clerk is False:
            state = "unstaffed"  # open, but nobody there to serve: never shown as free
        else:
            state = "idle"
        ticket = self.ticket if state in ("called", "serving") else None
        return WindowShown(
            self.number,
            self.name,
            state,
            self.ticket,
            self.waiting,
            priority=self.priority and ticket is not None,
            called_at=self.called_at if ticket is not None else None,
        )


def parse_time(text: Any) -> float | None:
    """An ISO 8601 time from the core as seconds since the epoch; None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


class HallState:
    """Thread-safe: the follower thread applies events and snapshots, the page and the boards read scenes.

    `clock` is the display's wall clock (`time.time`), `monotonic` its steady one; both are injectable so that
    tests can run the display against a core whose clock they turn.
    """

    def __init__(
        self,
        *,
        windows: Iterable[int] | None = None,
        calls_kept: int = 12,
        fresh_s: float = 5.0,
        locale: str | None = None,
        title: str | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.shown_windows = tuple(windows) if windows is not None else None
        self.calls_kept = max(1, calls_kept)
        self.fresh_s = fresh_s
        self.locale_override = locale
        self.title = title
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._loaded = False
        self._connected = False
        self._hall_name = title or ""
        self._locale = locale or "zh-Hans"
        self._timezone = "Asia/Shanghai"
        self._day: str | None = None
        self._hours: HoursShown | None = None
        self._require_sign_in = True
        self._windows: dict[int, _Window] = {}
        self._services: list[ServiceShown] = []
        self._waiting: dict[str, int] = {}  # by service, kept by events between snapshots
        self._calls: list[Call] = []
        self._snapshot_seq = -1
        self._recent: list[Event] = []  # window events newer than the last snapshot, to apply on top of it
        self._offset: float | None = None  # hall time minus the display's clock
        self._last_news: float | None = None  # display clock when the core last said something
        self._version = 0

    # --- time -------------------------------------------------------------------------------
    def hall_time(self, local: float | None = None) -> float:
        """Hall time now (or at the display's clock reading `local`)."""
        local = self.clock() if local is None else local
        return local + (self._offset or 0.0)

    def local_time(self, hall: float) -> float:
        """The display's clock reading at hall time `hall` (what the voice's age check compares with)."""
        return hall - (self._offset or 0.0)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self._timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    # --- from the core ----------------------------------------------------------------------
    def load(self, snapshot: dict[str, Any]) -> None:
        """A fresh `/api/v1/hall`: replaces the windows and counts, then re-applies newer window events."""
        received = self.clock()
        with self._lock:
            now = parse_time(snapshot.get("now"))
            if now is not None:
                # `now` is cut to whole seconds: half a second is its expected error
                self._offset = now + 0.5 - received
            self._last_news = received
            day = snapshot.get("day")
            if self._day is not None and day != self._day:
                self._calls = []  # a new day: yesterday's numbers mean nothing now
            self._day = day
            self._hall_name = self.title or str(snapshot.get("name", ""))
            self._locale = self.locale_override or str(snapshot.get("locale", "zh-Hans"))
            self._timezone = str(snapshot.get("timezone", "Asia/Shanghai"))
            self._hours = hours_in(snapshot)
            self._require_sign_in = snapshot.get("require_sign_in") is not False
            self._windows = {}
            for w in snapshot.get("windows", []):
                if self.shown_windows is not None and w["number"] not in self.shown_windows:
                    continue
                current = w.get("current") or {}
                self._windows[w["number"]] = _Window(
                    number=w["number"],
                    name=str(w.get("name") or w["number"]),
                    base=w.get("state", "open"),
                    ticket=current.get("number"),
                    status=current.get("status"),
                    waiting=int(w.get("waiting", 0)),
                    clerk=w.get("clerk") is not None if "staffed" in w else None,
                    priority=current.get("priority") is True,
                    called_at=parse_time(current.get("called_at")),
                )
            if self.shown_windows is not None:
                order = {n: i for i, n in enumerate(self.shown_windows)}
                self._windows = dict(sorted(self._windows.items(), key=lambda item: order[item[0]]))
            served = {
                s for w in snapshot.get("windows", []) if w["number"] in self._windows for s in w.get("services", [])
            }
            self._services = [
                ServiceShown(
                    s["id"],
                    s["name"],
                    str(s.get("prefix", "")),
                    int(s.get("waiting", 0)),
                    bool(s.get("available", True)),
                )
                for s in snapshot.get("services", [])
                if self.shown_windows is None or s["id"] in served  # a zone's display: its windows' services
            ]
            self._waiting = {s.id: s.waiting for s in self._services}
            seq = int(snapshot.get("seq", 0))
            self._snapshot_seq = seq
            self._recent = [e for e in self._recent if e.seq > seq]
            for event in self._recent:
                self._apply_to_window(event)
            if not self._loaded and not self._calls:
                self._calls = self._calls_in(snapshot)
            self._drop_ended_calls()
            self._loaded = True
            self._version += 1

    def _calls_in(self, snapshot: dict[str, Any]) -> list[Call]:
        """At start, the last calls are those of the tickets now at the windows, newest first."""
        calls = []
        for w in snapshot.get("windows", []):
            if self.shown_windows is not None and w["number"] not in self.shown_windows:
                continue
            current = w.get("current") or {}
            at = parse_time(current.get("called_at"))
            if current.get("number") and at is not None:
                priority = current.get("priority") is True
                calls.append(Call("call", current["number"], w["number"], at, None, False, priority))
        calls.sort(key=lambda c: c.at, reverse=True)
        return calls[: self.calls_kept]

    def apply(self, event: Event) -> Call | None:
        """One event from the stream, in order. Returns the call when it is a call or recall to show."""
        with self._lock:
            self._last_news = self.clock()
            if event.type not in SHOWN_EVENTS:
                return None
            if event.seq > self._snapshot_seq or event.seq == 0:
                self._recent.append(event)
                self._apply_to_window(event)
            call = self._call(event)
            self._drop_ended_calls()
            self._version += 1
            return call

    def _call(self, event: Event) -> Call | None:
        kind = CALL_EVENTS.get(event.type)
        data = event.data
        window = data.get("window")
        number = data.get("number")
        if kind is None or not isinstance(window, int) or not isinstance(number, str):
            return None
        if self.shown_windows is not None and window not in self.shown_windows:
            return None
        hall_now = self.hall_time()
        at = parse_time(data.get("at"))
        if at is None:
            at = hall_now
        priority = data.get("priority") is True
        if kind == "recall":  # a recall does not repeat whether the ticket has priority: its call did
            earlier = next((c for c in self._calls if c.number == number), None)
            w = self._windows.get(window)
            priority = bool((earlier and earlier.priority) or (w and w.ticket == number and w.priority))
        call = Call(kind, number, window, at, self.monotonic(), hall_now - at <= self.fresh_s, priority)
        # one line per ticket: a recall, or a call at another window after a transfer, replaces the older one
        self._calls = [call, *(c for c in self._calls if c.number != number)][: self.calls_kept]
        return call

    def _drop_ended_calls(self) -> None:
        """Forget the calls of windows that stopped serving: a window pauses, closes or loses its clerk only once
        its citizen is dealt with, so its calls would send someone to an empty counter (and must not come back
        when it opens again)."""
        gone = {n for n, w in self._windows.items() if w.shown(self._require_sign_in).state in ENDED}
        if any(c.window in gone for c in self._calls):
            self._calls = [c for c in self._calls if c.window not in gone]

    def _apply_to_window(self, event: Event) -> None:
        data = event.data
        window, number, kind = data.get("window"), data.get("number"), event.type
        w = self._windows.get(window) if isinstance(window, int) else None
        service = data.get("service")
        if isinstance(service, str) and service in self._waiting:
            # who waits for what, at once: a snapshot a moment later has the exact counts
            change = {"ticket.issued": 1, "ticket.transferred": 1, "ticket.called": -1, "ticket.cancelled": -1}
            self._waiting[service] = max(0, self._waiting[service] + change.get(kind, 0))
        if kind == "ticket.transferred":
            origin = data.get("from_window")
            source = self._windows.get(origin) if isinstance(origin, int) else None
            if source is not None and source.ticket == number:
                source.ticket, source.status = None, None
            return
        if w is None:
            return
        if kind == "ticket.called":
            w.ticket, w.status = number, "called"
            w.priority = data.get("priority") is True
            w.called_at = parse_time(data.get("at")) or self.hall_time()
        elif kind == "ticket.recalled":
            if w.ticket != number:  # a recall of a ticket this display missed the call of
                w.priority, w.called_at = False, parse_time(data.get("at")) or self.hall_time()
            # otherwise awaited since its first call, as the core's snapshot says (`called_at`)
            w.ticket, w.status = number, "called"
        elif kind == "ticket.started" and w.ticket == number:
            w.status = "serving"
        elif kind in ("ticket.finished", "ticket.no_show") and w.ticket == number:
            w.ticket, w.status = None, None
        elif kind == "window.paused":
            w.base = "paused"
        elif kind in ("window.resumed", "window.opened"):
            w.base = "open"
        elif kind == "window.closed":
            w.base = "closed"
        elif kind in ("window.signed_in", "window.signed_out") and w.clerk is not None:
            # at once, before the next snapshot: a board over a window its clerk left must not look ready
            w.clerk = kind == "window.signed_in"

    def set_connected(self, up: bool) -> None:
        with self._lock:
            if up != self._connected:
                self._connected = up
                if up:
                    self._last_news = self.clock()
                self._version += 1

    # --- for the page and the boards ----------------------------------------------------------
    @property
    def version(self) -> int:
        return self._version

    def scene(self) -> Scene:
        with self._lock:
            now = self.clock()
            away = None
            if not self._connected and self._last_news is not None:
                away = self.hall_time(self._last_news)
            return Scene(
                loaded=self._loaded,
                connected=self._connected,
                hall_name=self._hall_name,
                locale=self._locale,
                timezone=self._timezone,
                day=self._day,
                hours=self._hours,
                windows=tuple(w.shown(self._require_sign_in) for w in self._windows.values()),
                services=tuple(replace(s, waiting=self._waiting.get(s.id, s.waiting)) for s in self._services),
                calls=tuple(self._calls),
                hall_now=self.hall_time(now),
                away_since=away,
                version=self._version,
            )


def scene_from_snapshot(snapshot: dict[str, Any], **options: Any) -> Scene:
    """The scene of one snapshot, as `onewindow display --snapshot` renders it (connected, nothing flashing)."""
    state = HallState(**options)
    state.load(snapshot)
    state.set_connected(True)
    return state.scene()


def with_calls(scene: Scene, calls: Iterable[Call]) -> Scene:
    """The same scene with other calls (tests and the documentation's pictures)."""
    return replace(scene, calls=tuple(calls), version=scene.version + 1)
