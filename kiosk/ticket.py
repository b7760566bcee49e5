"""What the printed ticket says, in the hall's language, as a printer layout."""

from __future__ import annotations

from datetime import datetime

from onewindow.drivers.printer.layout import QR, Cut, Rule, Text, TicketLayout

from .texts import LOCALES, wait_minutes, wait_text

__all__ = ["LOCALES", "ahead_text", "sample_layout", "ticket_layout", "wait_minutes", "wait_text", "where_text"]

_WORDS = {
    "zh-Hans": {
        "service": "业务：{}",
        "go": "请到 {}",
        "watch": "请留意叫号",
        "priority": "绿色通道",
        "ahead": "您前面还有 {} 人等候",
        "nobody_ahead": "您前面没有人等候",
        "scan": "扫码查看进度、改选窗口或取消",
        "valid": "当日有效",
        "hotline": "咨询电话：{}",
        "test": "测试",
        "test_note": "测试号票 · 不是有效号票",
    },
    "zh-Hant": {
        "service": "業務：{}",
        "go": "請到 {}",
        "watch": "請留意叫號",
        "priority": "綠色通道",
        "ahead": "您前面還有 {} 人等候",
        "nobody_ahead": "您前面沒有人等候",
        "scan": "掃碼查看進度、改選窗口或取消",
        "valid": "當日有效",
        "hotline": "諮詢電話：{}",
        "test": "測試",
        "test_note": "測試號票 · 不是有效號票",
    },
    "en": {
        "service": "Service: {}",
        "go": "Please go to {}",
        "watch": "Please watch for your number",
        "priority": "Priority",
        "ahead": "{} people ahead of you",
        "nobody_ahead": "Nobody ahead of you",
        "scan": "Scan to follow your turn, change window or cancel",
        "valid": "valid today only",
        "hotline": "Hotline: {}",
        "test": "TEST",
        "test_note": "Test ticket: not a real ticket",
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
    missed_rule: str = "",
    hotline: str = "",
    test: bool = False,
) -> TicketLayout:
    """The printed ticket: hall, number (huge), service, window, people ahead, estimated wait, time and 当日有效,
    the service's guide, the hall's rule for a missed call and its hotline (when the hall file gives them), and
    the QR code of the ticket's status page; then a cut.

    `window_name` None: the ticket waits in its service's shared queue, and says 请留意叫号 where the window would
    be, with no "no wait" (nobody is there to go straight to); `estimated_wait_s` None prints no wait line.
    `issued_at` is printed in its own time zone: pass it in the hall's. `test`: a print-test ticket, marked 测试
    above and below in the largest type so nobody queues with it.
    """
    w = _words(locale)
    blocks: list = [Text(w["test"], size="huge", bold=True), Text(w["test_note"], bold=True)] if test else []
    blocks += [Text(hall_name, bold=True), Text(number, size="huge", bold=True)]
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
    blocks.append(Text(f"{issued_at.strftime('%Y-%m-%d %H:%M')}  {w['valid']}"))
    if guide.strip():
        blocks += [Rule(), Text(guide.strip(), align="left")]
    rules = [Text(missed_rule.strip(), align="left")] if missed_rule.strip() else []
    if hotline.strip():
        rules.append(Text(w["hotline"].format(hotline.strip()), align="left"))
    if rules:
        blocks += [Rule(), *rules]
    blocks += [Rule(), QR(status_url), Text(w["scan"])]
    if test:
        blocks.append(Text(w["test_note"], bold=True))
    blocks.append(Cut())
    return TicketLayout(blocks, language=locale)


TEST_NUMBER = "000"  # numbers are a service's letters and 001 upwards: this one no kiosk ever issues


def sample_layout(
    locale: str, hall_name: str, at: datetime, *, missed_rule: str = "", hotline: str = ""
) -> TicketLayout:
    """The ticket `onewindow print-test` prints: laid out as citizens get it, but marked 测试 in the largest type
    and numbered 000, which is never issued; printed at `at`, the hall's time (its core's clock)."""
    _words(locale)
    service, window, guide = _SAMPLE[locale]
    return ticket_layout(
        hall_name=hall_name,
        number=TEST_NUMBER,
        service_name=service,
        window_name=window,
        ahead=5,
        estimated_wait_s=15 * 60,
        issued_at=at,
        status_url="https://onewindow.invalid/t/print-test",
        locale=locale,
        guide=guide,
        missed_rule=missed_rule,
        hotline=hotline,
        test=True,
    )
