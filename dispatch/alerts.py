"""The manager's alerts: pure rules over the hall's windows, devices and cases at one moment.

Each alert names its `cause`: what, if it changes, makes it a new alert. An acknowledged alert stays quiet while
its cause is the same (the same idle spell of a window, the same citizen called, the same paper-out report) and
speaks again when the cause changes. The bounds come from the hall file's `[alerts]` (docs/configuration.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from onewindow.hallfile import AlertRules, Service

from .cases import overdue
from .devices import DeviceState
from .model import CALLED, SERVING, Case, Queue, Window

IDLE_WINDOW = "idle_window"  # a staffed window calls nobody while its queue waits
NOT_ARRIVED = "not_arrived"  # a citizen called and not come to the counter
LONG_SERVICE = "long_service"  # a service running well past its service's minutes
PAPER_OUT = "paper_out"  # a kiosk's printer reports no paper: nobody gets a ticket there
DEVICE_FAULT = "device_fault"  # a device reports a part at fault (a printer jammed, a serial link down)
DEVICE_SILENT = "device_silent"  # a device has not reported for longer than the device timeout
CASE_OVERDUE = "case_overdue"  # a case past its service's 办结时限
KINDS = (IDLE_WINDOW, NOT_ARRIVED, LONG_SERVICE, PAPER_OUT, DEVICE_FAULT, DEVICE_SILENT, CASE_OVERDUE)


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str  # what it is about: "window:3", "device:kiosk-1", "case:<id>"
    cause: str
    since: float
    window: int | None = None
    number: str | None = None  # the ticket's or case's number
    device: str | None = None
    detail: str = ""  # a device's own message, a case's unit

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


def window_alerts(
    windows: Iterable[Window],
    shared: Mapping[str, Queue],
    services: Mapping[str, Service],
    rules: AlertRules,
    now: float,
) -> list[Alert]:
    """Idle windows with citizens waiting, citizens called and not come, services running long."""
    found: list[Alert] = []
    for w in windows:
        t = w.current
        if t is None:
            idle = _idle_since(w, shared)
            if idle is not None and now - idle >= rules.idle_window_s:
                found.append(Alert(IDLE_WINDOW, f"window:{w.number}", f"{idle:.3f}", idle, window=w.number))
            continue
        called = w.current_since if w.current_since is not None else now
        if t.status == CALLED and now - called >= rules.not_arrived_s:
            found.append(
                Alert(NOT_ARRIVED, f"window:{w.number}", f"{t.number}@{called:.3f}", called, w.number, t.number)
            )
        spec = services.get(t.service)
        if t.status == SERVING and spec is not None:
            started = max(t.started_at or called, called)
            if now - started >= rules.long_service_x * spec.minutes * 60:
                found.append(
                    Alert(LONG_SERVICE, f"window:{w.number}", f"{t.number}@{started:.3f}", started, w.number, t.number)
                )
    return found


def _idle_since(w: Window, shared: Mapping[str, Queue]) -> float | None:
    """Since when a staffed, free window has had someone to call; None when it is not staffed or nobody waits.

    Counted from the later of the moment it became free and the moment its first citizen began waiting, so a
    window that has just finished a long service is not called idle, nor one whose queue has just begun."""
    if not w.staffed:
        return None
    heads = [q[0].issued_at for q in (w.queue, *(shared[s] for s in w.services if s in shared)) if len(q)]
    if not heads:
        return None
    free = max(x for x in (w.free_since, w.signed_in_at, 0.0) if x is not None)
    return max(free, min(heads))


def device_alerts(devices: Iterable[DeviceState]) -> list[Alert]:
    """Paper out, other faults and silence, told apart: each asks something different of the hall's staff."""
    found: list[Alert] = []
    for d in devices:
        subject = f"device:{d.id}"
        if not d.online:
            if d.last_seen is not None:  # a device never heard from is one not yet installed, not a fault
                found.append(Alert(DEVICE_SILENT, subject, f"{d.last_seen:.3f}", d.last_seen, device=d.id))
            continue
        since = d.changed_at if d.changed_at is not None else d.last_seen or 0.0
        parts: dict[str, Any] = d.status.get("parts") or {}
        if any(isinstance(p, dict) and p.get("paper") == "out" for p in parts.values()):
            found.append(Alert(PAPER_OUT, subject, f"{since:.3f}", since, device=d.id))
            continue
        faults = [f"{name}: {p.get('message', '')}" for name, p in parts.items() if _at_fault(p)]
        if faults or d.status.get("ok") is False:
            detail = "; ".join(faults) or str(d.status.get("message", ""))
            found.append(Alert(DEVICE_FAULT, subject, f"{since:.3f}", since, device=d.id, detail=detail[:200]))
    return found


def _at_fault(part: Any) -> bool:
    return isinstance(part, dict) and part.get("state") == "fault"


def case_alerts(cases: Iterable[Case], services: Mapping[str, Service], now: float) -> list[Alert]:
    """Open cases past their service's limit; a case sent back and resubmitted is a new cause."""
    found: list[Alert] = []
    for c in cases:
        spec = services.get(c.service)
        if spec is not None and spec.limit_min is not None and overdue(c, spec, now):
            due = c.opened_at + spec.limit_min * 60
            found.append(
                Alert(CASE_OVERDUE, f"case:{c.id}", c.status, due, window=c.window, number=c.number, detail=c.unit)
            )
    return found
