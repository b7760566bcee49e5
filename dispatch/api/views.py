"""What the interface shows of the hall: tickets, windows, the hall itself and ratings, as JSON objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from onewindow.hallfile import default_window_name
from onewindow.hours import closing, day_text, is_issuing, is_open, last_ticket, next_opening

from ..cases import age_s, overdue
from ..domain import Hall
from ..model import DONE, SCORES, Case, Rating, Ticket, Window


def ticket_view(hall: Hall, t: Ticket) -> dict[str, Any]:
    ahead, wait = hall.estimate(t)
    case = hall.case_of(t.id)
    rating = hall.ratings.get(t.id)
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "window": t.window,
        # finished at the window with its unit still to decide: in_review, in_approval, returned, then done
        "status": t.status if case is None else case.status,
        "priority": t.priority,
        "ahead": ahead,
        "estimated_wait_s": wait,
        "issued_at": hall.iso(t.issued_at),
        "called_at": hall.iso(t.called_at),
        "service_name": hall.config.service(t.service).name if hall.config.has_service(t.service) else t.service,
        "window_name": window_name(hall, hall.windows[t.window]) if t.window in hall.windows else None,
        "printed_window": t.printed_window,
        "recalls": t.recalls,
        "case": None if case is None else _case_stage(hall, case),
        # one rating per ticket whichever channel gives it (the window's evaluator, the phone): the page shows which
        "rating": None if rating is None else {"score": rating.score, "reasons": list(rating.reasons)},
        "ratable": rating is None and t.status == DONE and t.served_window is not None and t.day == hall.day,
    }


def _case_stage(hall: Hall, case: Case) -> dict[str, Any]:
    """Where a citizen's business stands after the window (their ticket page): the stage, who decides, and where
    to go back to when it was returned for correction (the return's note is the clerk's, not shown here)."""
    unit = hall.config.unit(case.unit)
    returned_to = hall.windows.get(case.window)
    return {
        "status": case.status,
        "class": case.kind,
        "window": case.window,
        "window_name": window_name(hall, returned_to) if returned_to else None,
        "unit": case.unit,
        "unit_name": unit.name if unit else case.unit,
    }


def case_view(hall: Hall, case: Case) -> dict[str, Any]:
    """A case for the review station and the window's clerk (never on the public event stream)."""
    spec = hall.config.service(case.service) if hall.config.has_service(case.service) else None
    unit = hall.config.unit(case.unit)
    now = hall.clock()
    return {
        "id": case.id,
        "number": case.number,
        "service": case.service,
        "service_name": spec.name if spec else case.service,
        "unit": case.unit,
        "unit_name": unit.name if unit else case.unit,
        "class": case.kind,
        "window": case.window,
        "clerk": case.clerk,
        "clerk_name": _clerk_name(hall, case.clerk),
        "handlers": sorted(case.handlers),
        "status": case.status,
        "opened_at": hall.iso(case.opened_at),
        "age_s": round(age_s(case, now)),
        "limit_min": spec.limit_min if spec else None,
        "overdue": overdue(case, spec, now),
        "reviewer": case.reviewer,
        "approver": case.approver,
        "done_at": hall.iso(case.done_at),
        "returns": case.returns,
        "note": case.note,
        "steps": [
            {
                "action": s.action,
                "clerk": s.clerk,
                "name": _clerk_name(hall, s.clerk),
                "at": hall.iso(s.at),
                "decision": s.decision,
                "note": s.note,
            }
            for s in case.steps
        ],
    }


def _clerk_name(hall: Hall, clerk_id: str | None) -> str | None:
    clerk = hall.clerks.get(clerk_id) if clerk_id else None
    return clerk.name if clerk else clerk_id


def window_name(hall: Hall, w: Window) -> str:
    return w.name or default_window_name(w.number, hall.config.locale)


def clerk_view(hall: Hall, clerk_id: str) -> dict[str, Any]:
    """A clerk as the window shows them to citizens (亮明身份): name, 工号, and the photo's address if there is one."""
    clerk = hall.clerks[clerk_id]
    photo = f"/clerks/{quote(clerk.id)}/photo" if clerk.photo else None
    return {"id": clerk.id, "name": clerk.name, "photo": photo}


def window_view(hall: Hall, w: Window, queue: bool = False) -> dict[str, Any]:
    clerk = hall.clerks.get(w.clerk) if w.clerk else None
    current = w.current
    armed = hall.armed(w)
    view: dict[str, Any] = {
        "number": w.number,
        "name": window_name(hall, w),
        "services": list(w.services),
        "state": w.state,
        "staffed": hall.staffed(w),
        "pause_reason": w.pause_reason,
        "clerk": None if clerk is None else clerk_view(hall, clerk.id),
        "current": None
        if current is None
        else {
            "number": current.number,
            "service": current.service,
            "status": current.status,
            "priority": current.priority,  # the TV marks a priority ticket (绿色通道) at its window
            "recalls": current.recalls,
            "called_at": hall.iso(w.current_since),
        },
        "waiting": len(w.queue),
        # tickets of its services waiting with no window (issued while none was staffed): it calls them in turn
        "shared": sum(len(hall.shared.get(s, ())) for s in w.services),
        "rating_until": hall.iso(w.armed_until) if armed else None,
    }
    if queue:
        view["queue"] = [
            {"number": t.number, "service": t.service, "priority": t.priority, "issued_at": hall.iso(t.issued_at)}
            for t in w.queue
        ]
    return view


def hall_view(hall: Hall, seq: int) -> dict[str, Any]:
    """The hall for every device: a service is `available` while a ticket can be issued for it (some window
    serves it today); `staffed` counts the staffed windows serving it, `shared` the tickets in its shared queue
    (issued while none was staffed), and its estimate is null while nobody is staffed for it."""
    cfg = hall.config
    services = []
    for s in cfg.services:
        services.append(
            {
                "id": s.id,
                "name": s.name,
                "prefix": s.prefix,
                "guide": s.guide,
                "waiting": hall.waiting(s.id),
                "estimated_wait_s": hall.service_estimate_s(s.id),
                "available": hall.served(s.id),
                "staffed": hall.staffed_for(s.id),
                "shared": len(hall.shared.get(s.id, ())),
            }
        )
    return {
        "name": cfg.name,
        "locale": cfg.locale,
        "timezone": cfg.timezone,
        "day": hall.day,
        "now": hall.iso(hall.clock()),
        "priority": cfg.priority,
        "recall_limit": cfg.recall_limit,
        "rating_window_s": cfg.rating_window_s,
        "require_sign_in": cfg.require_sign_in,
        "rating_reasons": list(cfg.rating_reasons),
        # the hall's own words for citizens (hall file, optional): the kiosk shows and prints them
        "hotline": cfg.hotline,
        "service_desk": cfg.service_desk,
        "missed_rule": cfg.missed_rule,
        "online_url": cfg.online_url,
        "services": services,
        "windows": [window_view(hall, w) for w in hall.windows.values()],
        "hours": hours_view(hall),
        "seq": seq,
    }


def hours_view(hall: Hall) -> dict[str, Any] | None:
    """The hall's hours as its screens show them, at the hall's now; None for a hall that never closes."""
    hours = hall.config.hours
    if hours is None:
        return None
    now = hall.local_now()
    return {
        "open": is_open(hours, now),
        "issuing": is_issuing(hours, now),
        "today": day_text(hours, now.date()),
        "closing": _iso(closing(hours, now)),
        "last_ticket": _iso(last_ticket(hours, now)),
        "next_opening": _iso(next_opening(hours, now)),
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds")


def rating_view(hall: Hall, r: Rating) -> dict[str, Any]:
    return {
        "id": r.id,
        "number": r.number,
        "day": r.day,
        "service": r.service,
        "window": r.window,
        "clerk": r.clerk,
        "clerk_name": hall.clerks[r.clerk].name if r.clerk in hall.clerks else None,
        "score": r.score,
        "label": SCORES[r.score],
        "at": hall.iso(r.at),
        "flagged": r.score <= 2,
        "follow_up": r.follow_up,
        "follow_up_by": r.follow_up_by,
        "follow_up_at": hall.iso(r.follow_up_at),
        "reasons": list(r.reasons),
    }
