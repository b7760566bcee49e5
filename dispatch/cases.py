"""Cases (SPEC §10): which duty decides a case now, who may not, where a decision sends it, when it is overdue."""

from __future__ import annotations

from onewindow.hallfile import Service

from .model import DONE, IN_APPROVAL, IN_REVIEW, PASS, Case

REVIEW, APPROVE = "review", "approve"
STAGE_OF = {REVIEW: IN_REVIEW, APPROVE: IN_APPROVAL}


def same_person(case: Case, duty: str, clerk: str) -> str | None:
    """Why `clerk` may not take `duty` on `case` (经办、审核、审批分离), or None: nobody reviews what they
    handled, and nobody approves what they handled or reviewed."""
    if clerk in case.handlers:
        return f"{clerk} handled case {case.number} at the window: someone else must {duty} it"
    if duty == APPROVE and clerk == case.reviewer:
        return f"{clerk} reviewed case {case.number}: someone else must approve it"
    return None


def next_status(case: Case, duty: str, decision: str) -> str:
    """Where a passing decision sends the case: a review of approve business goes on to approval, else it is done;
    a return is handled by the caller."""
    assert decision == PASS
    return IN_APPROVAL if duty == REVIEW and case.kind == APPROVE else DONE


def age_s(case: Case, now: float) -> float:
    """Time since the window's first finish, up to the end for a case that is done."""
    return max(0.0, (case.done_at if case.done_at is not None else now) - case.opened_at)


def overdue(case: Case, service: Service | None, now: float) -> bool:
    """Past its service's 办结时限 (`limit_min`); a service without one has no limit."""
    if service is None or service.limit_min is None:
        return False
    return age_s(case, now) > service.limit_min * 60
