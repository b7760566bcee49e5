"""What the printed ticket says, in the hall's language, as a printer layout."""

from __future__ import annotations

import math
from datetime import datetime

from onewindow.drivers.printer.layout import QR, Cut, Rule, Text, TicketLayout

LOCALES = ("zh-Hans", "zh-Hant", "en")

_WORDS = {
    "zh-Hans": {
        "service": "业务：{}",
        "go": "请到 {}",
        "watch": "请留意叫号",
        "priority": "绿色通道",
        "ahead": "您前面还有 {} 人等候",
        "nobody_ahead": "您前面没有人等候",
        "wait": "预计等候约 {}",
        "no_wait": "无需等候，请直接前往",
        "minutes": "{} 分钟",
        "hours": "{} 小时",
        "hours_minutes": "{} 小时 {} 分钟",
        "scan": "扫码查看进度、改选窗口或取消",
    },
    "zh-Hant": {
        "service": "業務：{}",
        "go": "請到 {}",
        "watch": "請留意叫號",
        "priority": "綠色通道",
        "ahead": "您前面還有 {} 人等候",
        "nobody_ahead": "您前面沒有人等候",
        "wait": "預計等候約 {}",
        "no_wait": "無需等候，請直接前往",
        "minutes": "{} 分鐘",
        "hours": "{} 小時",
        "hours_minutes": "{} 小時 {} 分鐘",
        "scan": "掃碼查看進度、改選窗口或取消",
    },
    "en": {
        "service": "Service: {}",
        "go": "Please go to {}",
        "watch": "Please watch for your number",
        "priority": "Priority",
        "ahead": "{} people ahead of you",
        "nobody_ahead": "Nobody ahead of you",
        "wait": "Estimated wait: about {}",
        "no_wait": "No wait: please go straight there",
        "minutes": "{} min",
        "hours": "{} h",
        "hours_minutes": "{} h {} min",
        "scan": "Scan to follow your turn, change window or cancel",
    },
}

_SAMPLE = {
    "zh-Hans": ("通办业务", "3号窗口", "请携带身份证、社保卡。"),
    "zh-Hant": ("通辦業務", "3號窗口", "請攜帶身分證、社保卡。"),
    "en": ("General services", "Window 3", "Please bring your ID card and social security card."),
}


def _words(locale: str) -> dict[str, str]:
    if locale not in _WORDS:
        raise ValueError(f"locale {locale!r} is not one of {LOCALES}")
    return _WORDS[locale]


def wait_minutes(estimated_wait_s: float) -> int:
    """Minutes to print for a wait: whole minutes under 10, fives under an hour, tens beyond; at least 1.

    A printed estimate is a promise a citizen holds us to; coarser steps for longer waits say how rough it is.
    """
    minutes = estimated_wait_s / 60
    if minutes < 10:
        return max(1, math.floor(minutes + 0.5))
    if minutes < 60:
        return min(60, 5 * math.floor(minutes / 5 + 0.5))
    return 10 * math.floor(minutes / 10 + 0.5)


def wait_text(estimated_wait_s: float | None, ahead: int, locale: str, *, at_window: bool = True) -> str:
    """ "预计等候约 15 分钟"; "无需等候…" when nobody is ahead and the window named on the ticket is free; "" when
    no wait can be promised: no estimate (nobody staffed for the service), or no window to go straight to."""
    w = _words(locale)
    if estimated_wait_s is None:
        return ""
    if estimated_wait_s <= 0 and ahead <= 0:
        return w["no_wait"] if at_window else ""
    minutes = wait_minutes(max(0.0, estimated_wait_s))
    if minutes < 60:
        span = w["minutes"].format(minutes)
    elif minutes % 60 == 0:
        span = w["hours"].format(minutes // 60)
    else:
        span = w["hours_minutes"].format(minutes // 60, minutes % 60)
    return w["wait"].format(span)


def where_text(window_name: str | None, locale: str) -> str:
    """ "请到 3号窗口"; "请留意叫号" for a ticket in its service's shared queue (no window was staffed for it)."""
    w = _words(locale)
    return w["watch"] if window_name is None else w["go"].format(window_name)


def ahead_text(ahead: int, locale: str) -> str:
    w = _words(locale)
    if ahead <= 0:
        return w["nobody_ahead"]
    if locale == "en" and ahead == 1:
        return "1 person ahead of you"
    return w["ahead"].format(ahead)


def ticket_layout(
    *,
    hall_name: str,
    number: str,
    service_name: str,
    window_name: str | None,
    ahead: int,
    estimated_wait_s: float | None,
    issued_at: datetime,
    status_url: str,
    locale: str,
    guide: str = "",
    priority: bool = False,
) -> TicketLayout:
    """The printed ticket: hall, number (huge), service, window, people ahead, estimated wait, time, the
    service's guide, and the QR code of the ticket's status page; then a cut.

    `window_name` None: the ticket waits in its service's shared queue, and says 请留意叫号 where the window would
    be, with no "no wait" (nobody is there to go straight to); `estimated_wait_s` None prints no wait line.
    `issued_at` is printed in its own time zone: pass it in the hall's.
    """
    w = _words(locale)
    blocks: list = [Text(hall_name, bold=True)]
    blocks.append(Text(number, size="huge", bold=True))
    if priority:
        blocks.append(Text(w["priority"], size="large", bold=True))
    blocks += [
        Text(w["service"].format(service_name)),
        Text(where_text(window_name, locale), size="large", bold=True),
        Text(ahead_text(ahead, locale)),
    ]
    wait = wait_text(estimated_wait_s, ahead, locale, at_window=window_name is not None)
    if wait:
        blocks.append(Text(wait))
    blocks.append(Text(issued_at.strftime("%Y-%m-%d %H:%M")))
    if guide.strip():
        blocks += [Rule(), Text(guide.strip(), align="left")]
    blocks += [Rule(), QR(status_url), Text(w["scan"]), Cut()]
    return TicketLayout(blocks, language=locale)


def sample_layout(locale: str, hall_name: str) -> TicketLayout:
    """A realistic ticket for `onewindow print-test`: the technician sees what citizens will get."""
    _words(locale)
    service, window, guide = _SAMPLE[locale]
    return ticket_layout(
        hall_name=hall_name,
        number="A001",
        service_name=service,
        window_name=window,
        ahead=5,
        estimated_wait_s=15 * 60,
        issued_at=datetime.now().astimezone(),
        status_url="https://onewindow.invalid/t/print-test",
        locale=locale,
        guide=guide,
    )
