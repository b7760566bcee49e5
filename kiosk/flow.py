"""What the kiosk shows and when: its screens, the taps that move between them, and the faults that pause it.

Plain Python with an injected time, no pygame: the app feeds it taps, the hall, the event stream's connection,
the printer's status and the outcomes of taking tickets, and draws what `view()` says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onewindow.drivers.printer import PrinterStatus, TicketLayout

# Screens a citizen moves through
HOME = "home"
GUIDE = "guide"
PRIORITY = "priority"
PRINTING = "printing"
RESULT = "result"
PRINT_FAILED = "print_failed"
NOTICE = "notice"  # a tap issued nothing: service just became unavailable, core refused or away
HELP = "help"  # elder mode: a citizen asked for staff, and the core was told
# Screens a fault (or the hall's hours) puts in front of the choosing screens
CLOSED = "closed"  # outside the hall's hours: no tickets, and when to come back
STARTING = "starting"
CORE_AWAY = "core_away"
PAPER_OUT = "paper_out"
PRINTER_FAULT = "printer_fault"

CHOOSING = (HOME, GUIDE, PRIORITY)
HELP_S = 180.0  # the help screen (and the call for staff in the device report) stays this long untouched
STARTING_GRACE_S = 5.0  # before the core first answers, say "connecting" this long, then "connection lost"
# Taps this soon after the screen changed are ignored: the second half of a double tap, or a finger still on
# the glass from "done", must not land on the next screen's service buttons and issue a ticket.
TAP_GUARD_S = 0.35


@dataclass(frozen=True)
class Take:
    """Take a ticket: check paper, issue (one Idempotency-Key for this tap), print."""

    service: str
    priority: bool
    key: str


@dataclass(frozen=True)
class Reprint:
    ticket: dict[str, Any]
    layout: TicketLayout


Command = Take | Reprint


@dataclass(frozen=True)
class Printed:
    ticket: dict[str, Any]
    layout: TicketLayout


@dataclass(frozen=True)
class PrintFailed:
    ticket: dict[str, Any]
    layout: TicketLayout
    message: str


@dataclass(frozen=True)
class NotIssued:
    """Nothing was issued. reason: paper_out, printer, core_away, unavailable, hall_closed or refused."""

    reason: str
    message: str
    status: PrinterStatus | None = None
    next_opening: str | None = None  # hall_closed: when the core says tickets are issued again (ISO)


Outcome = Printed | PrintFailed | NotIssued


@dataclass(frozen=True)
class Card:
    """One service as its button shows it."""

    id: str
    name: str
    guide: str
    waiting: int
    estimated_wait_s: float | None
    available: bool
    why_not: str | None = None  # paused or closed, when not available
    pause_reason: str | None = None  # the clerks' reason when every window for it paused for the same one
    staffed: int | None = None  # staffed windows serving it; None from a core that does not say

    @property
    def unstaffed(self) -> bool:
        """Tickets are issued but nobody serves it now: they wait in its shared queue (请留意叫号)."""
        return self.available and self.staffed == 0


def cards(snapshot: dict[str, Any] | None) -> list[Card]:
    """The hall's services as buttons, greyed with the reason only when no ticket can be issued for them
    (`available` false: every window serving them closed). A service whose windows are all paused or unstaffed
    still takes tickets, into its shared queue; an older core that greys those says paused."""
    if not snapshot:
        return []
    out = []
    for s in snapshot.get("services", []):
        windows = [w for w in snapshot.get("windows", []) if s["id"] in w.get("services", [])]
        why, reason = None, None
        if not s.get("available", True):
            paused = [w for w in windows if w.get("state") == "paused"]
            if paused:
                why = "paused"
                reasons = {w.get("pause_reason") or "" for w in paused}
                reason = reasons.pop() if len(reasons) == 1 else None
            else:
                why = "closed"
        out.append(
            Card(
                id=s["id"],
                name=s.get("name", s["id"]),
                guide=s.get("guide") or "",
                waiting=int(s.get("waiting", 0)),
                estimated_wait_s=s.get("estimated_wait_s"),
                available=bool(s.get("available", True)),
                why_not=why,
                pause_reason=reason or None,
                staffed=s["staffed"] if isinstance(s.get("staffed"), int) else None,
            )
        )
    return out


def shown_window(ticket: dict[str, Any]) -> str | None:
    """The window a ticket names, or None for a ticket in its service's shared queue (`"window": null`)."""
    window = ticket.get("window")
    if window is None:
        return None
    return str(ticket.get("window_name") or window)


@dataclass(frozen=True)
class Closed:
    """Outside the hall's hours: when tickets are issued again, and today's hours as the core says them."""

    next_opening: datetime | None
    today: str = ""  # "08:30-12:00 14:00-17:30"; "" when closed all day or not known


def parse_time(text: Any) -> datetime | None:
    """An ISO time from the core (with its offset); None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def today_hours(hours: Any) -> str:
    """Today's hours as the snapshot's `hours` write them, "08:30-12:00 14:00-17:30"; "" when it says none."""
    today = hours.get("today") if isinstance(hours, dict) else None
    return today if isinstance(today, str) else ""


def closed_by_hours(hours: Any, now: datetime | None) -> Closed | None:
    """What the snapshot's `hours` say at the hall's `now`: Closed while no ticket is issued, else None.

    The snapshot is fetched after events, so it may be minutes old when nothing happens in the hall: an opening
    time already passed means open (the core decides at the tap), a last-ticket time passed means closed."""
    if not isinstance(hours, dict):
        return None  # a hall that never closes, or a core that does not say
    today = today_hours(hours)
    next_opening = parse_time(hours.get("next_opening"))
    if hours.get("issuing") is False:
        if next_opening is not None and now is not None and now >= next_opening:
            return None
        return Closed(next_opening, today)
    last_ticket = parse_time(hours.get("last_ticket"))
    if last_ticket is not None and now is not None and now >= last_ticket:
        return Closed(next_opening if next_opening is not None and next_opening > now else None, today)
    return None


@dataclass(frozen=True)
class View:
    """What to draw now."""

    screen: str
    service: str | None = None  # the guide's service
    priority: bool = False  # choosing in the priority lane
    ticket: dict[str, Any] | None = None
    message: str = ""
    notice: str = ""  # NOTICE: unavailable, refused or core_away
    reprinting: bool = False
    closed: Closed | None = None  # CLOSED: when to come back
    elder: bool = False  # elder mode (适老化): larger type, fewer services a page, a call for staff
    page: int = 0  # elder mode: which page of services


@dataclass
class Flow:
    """The kiosk's state. Times are monotonic seconds from the caller."""

    idle_s: float = 30.0
    result_s: float = 15.0
    started_at: float = 0.0
    screen: str = HOME
    service: str | None = None
    priority: bool = False
    ticket: dict[str, Any] | None = None
    layout: TicketLayout | None = None
    message: str = ""
    notice: str = ""
    reprinting: bool = False
    elder: bool = False
    page: int = 0
    help_since: float | None = None  # when a citizen last asked for staff; None when nobody is waiting for them
    last_touch: float = 0.0
    changed_at: float = 0.0
    guard_s: float = TAP_GUARD_S
    # the world as last told
    snapshot: dict[str, Any] | None = None
    connected: bool = False
    was_connected: bool = False  # the event stream has been up at least once since the start
    printer: PrinterStatus | None = None
    issued: int = 0
    hall_now: datetime | None = None  # the hall's time, which its hours are asked of
    # the core answered hall_closed: the snapshot then and the next opening it named, until either is outdated
    refusal: tuple[dict[str, Any] | None, datetime | None] | None = None

    def __post_init__(self) -> None:
        self.last_touch = self.changed_at = self.started_at - self.guard_s

    # --- what shows -------------------------------------------------------------------------------

    def blocker(self, now: float) -> str | None:
        """The fault screen in front of the choosing screens, or None when tickets can be taken."""
        starting = not self.was_connected and now - self.started_at < STARTING_GRACE_S
        if self.snapshot is None or not self.connected:
            # the first snapshot comes a moment before the event stream: that moment is still "connecting"
            return STARTING if starting else CORE_AWAY
        if self.closed() is not None:
            return CLOSED  # before the printer: what a citizen needs to know then is when to come back
        if self.printer is not None and not self.printer.can_print:
            return PAPER_OUT if self.printer.paper == "out" else PRINTER_FAULT
        return None

    def closed(self) -> Closed | None:
        """Closed by the hall's hours, or by the core's last hall_closed answer while that still holds."""
        hours = (self.snapshot or {}).get("hours")
        by_hours = closed_by_hours(hours, self.hall_now)
        if by_hours is not None or self.refusal is None or self._refusal_outdated():
            return by_hours
        return Closed(self.refusal[1], today_hours(hours))

    def _refusal_outdated(self) -> bool:
        """A hall_closed answer holds until its next opening, or until a snapshot fetched since says the hours
        (a core that says no hours at all is believed only for a refusal that named no opening)."""
        assert self.refusal is not None
        then, next_opening = self.refusal
        if next_opening is not None and self.hall_now is not None and self.hall_now >= next_opening:
            return True
        if self.snapshot is None or self.snapshot is then:
            return False
        return isinstance(self.snapshot.get("hours"), dict) or next_opening is None

    def view(self, now: float) -> View:
        if self.screen == HELP and self.blocker(now) in (CORE_AWAY, STARTING):
            # "已通知工作人员" would not be true while the core cannot hear: the ways on instead, until it can
            return View(CORE_AWAY, elder=True)
        if self.screen in CHOOSING:
            blocked = self.blocker(now)
            if blocked == CLOSED:
                return View(CLOSED, closed=self.closed())
            if blocked is not None:
                return View(blocked, message=self.printer.message if self.printer else "", elder=self.elder)
        return View(
            self.screen,
            service=self.service,
            priority=self.priority,
            ticket=self.ticket,
            message=self.message,
            notice=self.notice,
            reprinting=self.reprinting,
            elder=self.elder,
            page=self.page,
        )

    @property
    def asking_for_help(self) -> bool:
        """A citizen asked for staff and is still waiting on the help screen: the device report says so."""
        return self.screen == HELP

    def card(self, service: str) -> Card | None:
        return next((c for c in cards(self.snapshot) if c.id == service), None)

    # --- moving -----------------------------------------------------------------------------------

    def _go(self, screen: str, now: float) -> None:
        self.screen = screen
        self.last_touch = self.changed_at = now

    def home(self, now: float, *, elder: bool = False) -> None:
        """Back to the services; the next citizen starts in the ordinary mode unless `elder` keeps it."""
        self._go(HOME, now)
        self.service, self.priority, self.ticket, self.layout = None, False, None, None
        self.message, self.notice, self.reprinting = "", "", False
        self.elder, self.page, self.help_since = elder, 0, None

    def tap(self, action: str, arg: str | None, now: float) -> Command | None:
        """A citizen tapped a target of the current screen; returns what the worker must do, if anything."""
        self.last_touch = now
        if now - self.changed_at < self.guard_s:
            return None
        shown = self.view(now).screen
        if shown != self.screen:
            return None  # a fault screen is in front: it has nothing to tap
        if self.screen in (HOME, PRIORITY) and action == "service" and arg:
            return self._take(arg, self.screen == PRIORITY, now)
        if self._elder_tap(action, arg, now):
            return None
        if self.screen in (HOME, PRIORITY) and action == "guide" and arg:
            self.priority = self.screen == PRIORITY
            self.service = arg
            self._go(GUIDE, now)
        elif self.screen == GUIDE and action == "take" and self.service:
            return self._take(self.service, self.priority, now)
        elif self.screen == GUIDE and action == "back":
            self.service = None
            self._go(PRIORITY if self.priority else HOME, now)
        elif self.screen == HOME and action == "priority" and self.snapshot and self.snapshot.get("priority"):
            self.priority = True
            self._go(PRIORITY, now)
        elif self.screen == PRIORITY and action == "back":
            self.home(now, elder=self.elder)
        elif self.screen == PRINT_FAILED and action == "reprint" and self.ticket and self.layout:
            self.reprinting = True
            self._go(PRINTING, now)
            return Reprint(self.ticket, self.layout)
        elif self.screen in (RESULT, PRINT_FAILED, NOTICE) and action == "done":
            self.home(now)
        return None

    def _elder_tap(self, action: str, arg: str | None, now: float) -> bool:
        """Taps of elder mode: in and out of it, its pages, the call for staff. True when one was handled."""
        if self.screen in (HOME, PRIORITY) and action == "elder":
            self.elder, self.page = arg != "off", 0
            self._go(self.screen, now)
        elif self.screen in (HOME, PRIORITY) and action == "page" and arg in ("next", "prev"):
            self.page = max(0, self.page + (1 if arg == "next" else -1))
            self._go(self.screen, now)
        elif self.screen in (HOME, PRIORITY, GUIDE) and action == "help":
            self.elder, self.help_since = True, now
            self._go(HELP, now)
        elif self.screen == HELP and action == "back":
            self.home(now, elder=True)
        else:
            return False
        return True

    def _take(self, service: str, priority: bool, now: float) -> Command | None:
        card = self.card(service)
        if card is None or not card.available:
            return None
        self.service, self.priority = service, priority
        self.reprinting = False
        self._go(PRINTING, now)
        return Take(service, priority, uuid.uuid4().hex)

    def done(self, outcome: Outcome, now: float) -> None:
        """The worker finished what a tap asked."""
        if isinstance(outcome, Printed):
            self.ticket, self.layout, self.message = outcome.ticket, outcome.layout, ""
            if not self.reprinting:
                self.issued += 1
            self._go(RESULT, now)
        elif isinstance(outcome, PrintFailed):
            if not self.reprinting:
                self.issued += 1
            self.ticket, self.layout, self.message = outcome.ticket, outcome.layout, outcome.message
            self._go(PRINT_FAILED, now)
        else:
            if outcome.status is not None:
                self.printer = outcome.status
            if outcome.reason == "hall_closed":
                self.refusal = (self.snapshot, parse_time(outcome.next_opening))
                self.home(now)  # the closed screen stands in front until the hall issues again
            elif outcome.reason in ("paper_out", "printer"):
                self.home(now)  # the fault screen stands in front until the printer is back
            else:
                self.notice, self.message = outcome.reason, outcome.message
                self._go(NOTICE, now)
        self.reprinting = False

    def tick(self, now: float) -> None:
        """Time passes: screens nobody touches go back home; a hall_closed answer that no longer holds is dropped."""
        if self.refusal is not None and self._refusal_outdated():
            self.refusal = None
        untouched = now - self.last_touch
        limit = {RESULT: self.result_s, NOTICE: self.result_s, HELP: max(HELP_S, self.idle_s)}.get(
            self.screen, self.idle_s
        )
        lane_gone = self.snapshot is not None and not self.snapshot.get("priority") and self.priority
        left_elder = self.screen == HOME and self.elder
        if (self.screen in (GUIDE, PRIORITY, PRINT_FAILED, RESULT, NOTICE, HELP) or left_elder) and untouched >= limit:
            self.home(now)
        elif self.screen in (GUIDE, PRIORITY) and lane_gone:
            self.home(now)  # the hall stopped offering priority tickets
