"""Every word the kiosk's screen says to a citizen, in the hall's language (zh-Hans, zh-Hant or en).

The printed ticket's words live in `ticket.py`; the service names and guides come from the hall file.
"""

from __future__ import annotations

import math
from datetime import datetime

from .flow import Closed

LOCALES = ("zh-Hans", "zh-Hant", "en")

_WORDS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "choose": "请选择要办理的业务",
        "nobody_waiting": "无人等候",
        "elder_button": "长辈模式",
        "elder_button_hint": "大字 · 可请工作人员协助",
        "elder_exit": "退出长辈模式",
        "elder_hint": "轻触业务，看清办理须知后取号",
        "help_button": "请工作人员协助",
        "help_title": "已通知工作人员",
        "help_hint": "请在此稍候，工作人员马上过来",
        "help_desk": "也可到{}咨询",
        "page_next": "下一页",
        "page_prev": "上一页",
        "page_of": "第 {} 页 / 共 {} 页",
        "you_can": "您可以：",
        "do_other_kiosk": "到大厅其他取号机取号",
        "do_desk": "到{}，请工作人员帮您取号",
        "do_staff": "请大厅工作人员帮您取号",
        "do_desk_ask": "到{}咨询",
        "do_staff_ask": "向大厅工作人员咨询",
        "do_wait": "稍候片刻，恢复后即可在这里取号",
        "do_hotline": "拨打咨询电话 {}",
        "do_online": "用手机扫右边的二维码，在网上办理",
        "do_online_below": "用手机扫下面的二维码，在网上办理",
        "choose_hint": "轻触业务即可取号",
        "waiting": "等候 {} 人",
        "guide_button": "办理须知",
        "paused": "窗口暂停服务",
        "paused_because": "窗口暂停服务：{}",
        "closed": "今日暂不办理",
        "not_available": "暂停取号",
        "priority_button": "绿色通道",
        "priority_button_hint": "老年人、残疾人、孕妇等优先办理",
        "priority_title": "绿色通道",
        "priority_who": "老年人、残疾人、孕妇、现役军人及军属等群众优先办理",
        "back": "返回",
        "take": "取号",
        "guide_title": "办理须知",
        "guide_none": "本业务没有特别的材料要求，详情请咨询窗口工作人员。",
        "printing": "正在出票",
        "printing_wait": "请稍候……",
        "printing_hint": "号票将从下方出票口送出",
        "reprinting": "正在重新打印",
        "result_title": "取号成功",
        "your_number": "您的号码",
        "go": "请到 {}",
        "take_ticket": "请取走号票，留意叫号",
        "watch": "请留意叫号",
        "unstaffed": "{}  ·  请留意叫号",
        "closed_over_title": "今日取号已结束",
        "closed_day_title": "今日休息",
        "closed_soon_title": "尚未开始取号",
        "closed_break_title": "暂停取号",
        "opens": "{} 开始取号",
        "opens_unknown": "请咨询工作人员",
        "today_hours": "今日办公时间 {}",
        "at_today": "今天 {}",
        "at_tomorrow": "明天 {}",
        "at_weekday": "{weekday} {hm}",
        "at_later": "{m}月{d}日 {weekday} {hm}",
        "done": "完成",
        "failed_title": "号票未能打印",
        "failed_hint": "您已取到号码，请记下号码和窗口，或点击重新打印",
        "reprint": "重新打印",
        "paper_out_title": "打印纸已用完",
        "paper_out_hint": "暂停取号，请联系工作人员添加打印纸",
        "printer_title": "打印机故障",
        "printer_hint": "暂停取号，请联系工作人员",
        "core_away_title": "系统连接中断",
        "core_away_hint": "暂停取号，正在自动恢复，请稍候",
        "starting_title": "正在连接系统",
        "starting_hint": "请稍候……",
        "unavailable_title": "该业务暂停办理",
        "unavailable_hint": "请选择其他业务，或咨询工作人员",
        "not_issued_title": "暂时无法取号",
        "not_issued_hint": "未能取号，请稍后再试，或咨询工作人员",
        "weekdays": "星期一 星期二 星期三 星期四 星期五 星期六 星期日",
        "date": "{y}年{m}月{d}日 {weekday} {hh}:{mm}",
    },
    "zh-Hant": {
        "choose": "請選擇要辦理的業務",
        "nobody_waiting": "無人等候",
        "elder_button": "長輩模式",
        "elder_button_hint": "大字 · 可請工作人員協助",
        "elder_exit": "退出長輩模式",
        "elder_hint": "輕觸業務，看清辦理須知後取號",
        "help_button": "請工作人員協助",
        "help_title": "已通知工作人員",
        "help_hint": "請在此稍候，工作人員馬上過來",
        "help_desk": "也可到{}諮詢",
        "page_next": "下一頁",
        "page_prev": "上一頁",
        "page_of": "第 {} 頁 / 共 {} 頁",
        "you_can": "您可以：",
        "do_other_kiosk": "到大廳其他取號機取號",
        "do_desk": "到{}，請工作人員幫您取號",
        "do_staff": "請大廳工作人員幫您取號",
        "do_desk_ask": "到{}諮詢",
        "do_staff_ask": "向大廳工作人員諮詢",
        "do_wait": "稍候片刻，恢復後即可在這裡取號",
        "do_hotline": "撥打諮詢電話 {}",
        "do_online": "用手機掃右邊的二維碼，在網上辦理",
        "do_online_below": "用手機掃下面的二維碼，在網上辦理",
        "choose_hint": "輕觸業務即可取號",
        "waiting": "等候 {} 人",
        "guide_button": "辦理須知",
        "paused": "窗口暫停服務",
        "paused_because": "窗口暫停服務：{}",
        "closed": "今日暫不辦理",
        "not_available": "暫停取號",
        "priority_button": "綠色通道",
        "priority_button_hint": "老年人、殘疾人、孕婦等優先辦理",
        "priority_title": "綠色通道",
        "priority_who": "老年人、殘疾人、孕婦、現役軍人及軍屬等群眾優先辦理",
        "back": "返回",
        "take": "取號",
        "guide_title": "辦理須知",
        "guide_none": "本業務沒有特別的材料要求，詳情請諮詢窗口工作人員。",
        "printing": "正在出票",
        "printing_wait": "請稍候……",
        "printing_hint": "號票將從下方出票口送出",
        "reprinting": "正在重新打印",
        "result_title": "取號成功",
        "your_number": "您的號碼",
        "go": "請到 {}",
        "take_ticket": "請取走號票，留意叫號",
        "watch": "請留意叫號",
        "unstaffed": "{}  ·  請留意叫號",
        "closed_over_title": "今日取號已結束",
        "closed_day_title": "今日休息",
        "closed_soon_title": "尚未開始取號",
        "closed_break_title": "暫停取號",
        "opens": "{} 開始取號",
        "opens_unknown": "請諮詢工作人員",
        "today_hours": "今日辦公時間 {}",
        "at_today": "今天 {}",
        "at_tomorrow": "明天 {}",
        "at_weekday": "{weekday} {hm}",
        "at_later": "{m}月{d}日 {weekday} {hm}",
        "done": "完成",
        "failed_title": "號票未能打印",
        "failed_hint": "您已取到號碼，請記下號碼和窗口，或點擊重新打印",
        "reprint": "重新打印",
        "paper_out_title": "打印紙已用完",
        "paper_out_hint": "暫停取號，請聯繫工作人員添加打印紙",
        "printer_title": "打印機故障",
        "printer_hint": "暫停取號，請聯繫工作人員",
        "core_away_title": "系統連接中斷",
        "core_away_hint": "暫停取號，正在自動恢復，請稍候",
        "starting_title": "正在連接系統",
        "starting_hint": "請稍候……",
        "unavailable_title": "該業務暫停辦理",
        "unavailable_hint": "請選擇其他業務，或諮詢工作人員",
        "not_issued_title": "暫時無法取號",
        "not_issued_hint": "未能取號，請稍後再試，或諮詢工作人員",
        "weekdays": "星期一 星期二 星期三 星期四 星期五 星期六 星期日",
        "date": "{y}年{m}月{d}日 {weekday} {hh}:{mm}",
    },
    "en": {
        "choose": "Please choose a service",
        "nobody_waiting": "nobody waiting",
        "elder_button": "Large text",
        "elder_button_hint": "Bigger type, and staff on call",
        "elder_exit": "Normal text",
        "elder_hint": "Tap a service to see what to bring, then take a ticket",
        "help_button": "Ask staff for help",
        "help_title": "Staff have been told",
        "help_hint": "Please wait here: someone is coming to help you",
        "help_desk": "Or go to the {}",
        "page_next": "Next page",
        "page_prev": "Previous page",
        "page_of": "page {} of {}",
        "you_can": "You can:",
        "do_other_kiosk": "Take a ticket at another kiosk in the hall",
        "do_desk": "Go to the {}: staff will give you a ticket",
        "do_staff": "Ask a member of staff for a ticket",
        "do_desk_ask": "Ask at the {}",
        "do_staff_ask": "Ask a member of staff",
        "do_wait": "Wait a moment: tickets come back here by themselves",
        "do_hotline": "Call {}",
        "do_online": "Scan the code on the right to do it online",
        "do_online_below": "Scan the code below to do it online",
        "choose_hint": "Tap a service to take a ticket",
        "waiting": "{} waiting",
        "guide_button": "What to bring",
        "paused": "Windows paused",
        "paused_because": "Windows paused: {}",
        "closed": "Not offered today",
        "not_available": "Not available now",
        "priority_button": "Priority service",
        "priority_button_hint": "For older people, people with disabilities, pregnant women",
        "priority_title": "Priority service",
        "priority_who": "For older people, people with disabilities, pregnant women, service members and their "
        "families",
        "back": "Back",
        "take": "Take a ticket",
        "guide_title": "What to bring",
        "guide_none": "Nothing in particular for this service: please ask at the window.",
        "printing": "Printing your ticket",
        "printing_wait": "One moment…",
        "printing_hint": "Your ticket comes out of the slot below",
        "reprinting": "Printing again",
        "result_title": "Here is your ticket",
        "your_number": "Your number",
        "go": "Please go to {}",
        "take_ticket": "Please take your ticket and listen for your number",
        "watch": "Please watch for your number",
        "unstaffed": "{}  ·  watch for your number",
        "closed_over_title": "No more tickets today",
        "closed_day_title": "Closed today",
        "closed_soon_title": "Tickets are not issued yet",
        "closed_break_title": "No tickets right now",
        "opens": "Tickets from {}",
        "opens_unknown": "Please ask staff",
        "today_hours": "Today's hours: {}",
        "at_today": "{} today",
        "at_tomorrow": "{} tomorrow",
        "at_weekday": "{weekday} {hm}",
        "at_later": "{weekday} {d} {month} {hm}",
        "done": "Done",
        "failed_title": "Your ticket could not be printed",
        "failed_hint": "You have a number: please note the number and the window, or print it again",
        "reprint": "Print again",
        "paper_out_title": "Out of paper",
        "paper_out_hint": "No tickets for now: please ask staff to refill the paper",
        "printer_title": "Printer not working",
        "printer_hint": "No tickets for now: please ask staff for help",
        "core_away_title": "Connection lost",
        "core_away_hint": "No tickets for now: reconnecting by itself, please wait",
        "starting_title": "Connecting",
        "starting_hint": "One moment…",
        "unavailable_title": "This service is not available right now",
        "unavailable_hint": "Please choose another service or ask staff",
        "not_issued_title": "No ticket could be issued",
        "not_issued_hint": "Please try again in a moment or ask staff",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "date": "{weekday} {d} {month} {y}  {hh}:{mm}",
    },
}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def locale_of(snapshot: dict | None) -> str:
    """The hall's locale, or Simplified Chinese until the core has said (or if it says something unknown)."""
    locale = (snapshot or {}).get("locale")
    return locale if locale in LOCALES else "zh-Hans"


def words(locale: str) -> dict[str, str]:
    return _WORDS[locale if locale in _WORDS else "zh-Hans"]


def say(locale: str, key: str, *args: object) -> str:
    text = words(locale)[key]
    return text.format(*args) if args else text


# --- the wait rule: one rule for every wait the kiosk shows or prints ------------------------------------
#
# The words must agree with the figures beside them (people ahead, or waiting for a service):
#   no estimate (nobody staffed for the service)     -> no wait at all; the citizen is told 请留意叫号 instead
#   nobody ahead, no wait left                        -> 无需等候 (only where a window is named to go straight to)
#   nobody ahead, a wait left (the windows are busy)  -> say why: 窗口正在办理，约 N 分钟
#   people ahead, no wait left (free windows call now) -> 即将叫号, never a number of minutes
#   people ahead and a wait                           -> 约 N 分钟
# docs/kiosk.md ("Waits") writes the same rule for the pages that mirror it.
NONE, NO_WAIT, BUSY, SOON, QUEUE = "none", "no_wait", "busy", "soon", "queue"

_WAIT_WORDS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "screen_no_wait": "无需等候",
        "screen_busy": "窗口正在办理，约 {}",
        "screen_soon": "即将叫号",
        "screen_queue": "约 {}",
        "ticket_no_wait": "无需等候，请直接前往",
        "ticket_busy": "窗口正在办理，预计等候约 {}",
        "ticket_soon": "即将叫号，请留意",
        "ticket_queue": "预计等候约 {}",
        "minutes": "{} 分钟",
        "hours": "{} 小时",
        "hours_minutes": "{} 小时 {} 分",
        "ticket_hours_minutes": "{} 小时 {} 分钟",
    },
    "zh-Hant": {
        "screen_no_wait": "無需等候",
        "screen_busy": "窗口正在辦理，約 {}",
        "screen_soon": "即將叫號",
        "screen_queue": "約 {}",
        "ticket_no_wait": "無需等候，請直接前往",
        "ticket_busy": "窗口正在辦理，預計等候約 {}",
        "ticket_soon": "即將叫號，請留意",
        "ticket_queue": "預計等候約 {}",
        "minutes": "{} 分鐘",
        "hours": "{} 小時",
        "hours_minutes": "{} 小時 {} 分",
        "ticket_hours_minutes": "{} 小時 {} 分鐘",
    },
    "en": {
        "screen_no_wait": "no wait",
        "screen_busy": "windows busy, about {}",
        "screen_soon": "called soon",
        "screen_queue": "about {}",
        "ticket_no_wait": "No wait: please go straight there",
        "ticket_busy": "The window is serving someone: about {}",
        "ticket_soon": "You will be called soon",
        "ticket_queue": "Estimated wait: about {}",
        "minutes": "{} min",
        "hours": "{} h",
        "hours_minutes": "{} h {} min",
        "ticket_hours_minutes": "{} h {} min",
    },
}


def wait_minutes(estimated_wait_s: float) -> int:
    """Minutes to show for a wait: whole minutes under 10, fives under an hour, tens beyond; at least 1.

    A printed estimate is a promise a citizen holds us to; coarser steps for longer waits say how rough it is.
    """
    minutes = estimated_wait_s / 60
    if minutes < 10:
        return max(1, math.floor(minutes + 0.5))
    if minutes < 60:
        return min(60, 5 * math.floor(minutes / 5 + 0.5))
    return 10 * math.floor(minutes / 10 + 0.5)


def wait_kind(ahead: int | None, estimated_wait_s: float | None, *, at_window: bool = True) -> str:
    """Which of the rule's cases a wait is (see above); `ahead` None when the count is not known."""
    if estimated_wait_s is None:
        return NONE
    if estimated_wait_s <= 0:
        if ahead is not None and ahead > 0:
            return SOON
        return NO_WAIT if at_window else NONE
    return BUSY if ahead is not None and ahead <= 0 else QUEUE


def _span(estimated_wait_s: float, locale: str, ticket: bool) -> str:
    w = _WAIT_WORDS[locale if locale in _WAIT_WORDS else "zh-Hans"]
    minutes = wait_minutes(estimated_wait_s)
    if minutes < 60:
        return w["minutes"].format(minutes)
    if minutes % 60 == 0:
        return w["hours"].format(minutes // 60)
    return w["ticket_hours_minutes" if ticket else "hours_minutes"].format(minutes // 60, minutes % 60)


def _wait_words(kind: str, estimated_wait_s: float | None, locale: str, ticket: bool) -> str:
    if kind == NONE or estimated_wait_s is None and kind in (BUSY, QUEUE):
        return ""
    w = _WAIT_WORDS[locale if locale in _WAIT_WORDS else "zh-Hans"]
    text = w[f"{'ticket' if ticket else 'screen'}_{kind}"]
    return text.format(_span(estimated_wait_s, locale, ticket)) if "{}" in text and estimated_wait_s else text


def short_wait(estimated_wait_s: float | None, locale: str, ahead: int | None = None, *, at_window: bool = True) -> str:
    """A wait on a service button or the screen, beside "等候 N 人": "约 15 分钟", "窗口正在办理，约 6 分钟",
    "即将叫号", "无需等候" or "" (the rule above, with the people waiting as `ahead`)."""
    kind = wait_kind(ahead, estimated_wait_s, at_window=at_window)
    return _wait_words(kind, estimated_wait_s, locale, ticket=False)


def wait_text(estimated_wait_s: float | None, ahead: int, locale: str, *, at_window: bool = True) -> str:
    """The printed (and result screen's) wait line under "您前面还有 N 人等候", by the same rule:
    "预计等候约 15 分钟", "窗口正在办理，预计等候约 6 分钟", "即将叫号，请留意", "无需等候，请直接前往" or ""."""
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r} is not one of {LOCALES}")
    kind = wait_kind(ahead, estimated_wait_s, at_window=at_window)
    return _wait_words(kind, estimated_wait_s, locale, ticket=True)


def clock_text(now: datetime, locale: str) -> str:
    """The date and time in the kiosk's header."""
    w = words(locale)
    return w["date"].format(
        y=now.year,
        m=now.month,
        d=now.day,
        month=_MONTHS[now.month - 1],
        weekday=w["weekdays"].split()[now.weekday()],
        hh=f"{now.hour:02d}",
        mm=f"{now.minute:02d}",
    )


def opening_text(when: datetime, now: datetime, locale: str) -> str:
    """When the hall issues again, as a citizen says it: "明天 08:30", "星期一 08:30", "10月8日 星期四 08:30"."""
    w = words(locale)
    when = when.astimezone(now.tzinfo) if now.tzinfo is not None else when
    hm = f"{when.hour:02d}:{when.minute:02d}"
    days = (when.date() - now.date()).days
    if days <= 0:
        return w["at_today"].format(hm)
    if days == 1:
        return w["at_tomorrow"].format(hm)
    weekday = w["weekdays"].split()[when.weekday()]
    if days < 7:
        return w["at_weekday"].format(weekday=weekday, hm=hm)
    return w["at_later"].format(m=when.month, d=when.day, month=_MONTHS[when.month - 1], weekday=weekday, hm=hm)


def closed_texts(closed: Closed, now: datetime, locale: str) -> tuple[str, str, str]:
    """The closed screen's title, when to come back, and today's hours ("" when there are none to show)."""
    w = words(locale)
    when = closed.next_opening
    first_start = closed.today.split("-", 1)[0].strip()
    if not closed.today.strip():
        title = "closed_day_title"
    elif when is None or when.astimezone(now.tzinfo).date() != now.date():
        title = "closed_over_title"
    elif first_start and f"{now.hour:02d}:{now.minute:02d}" < first_start:
        title = "closed_soon_title"
    else:
        title = "closed_break_title"
    back = w["opens"].format(opening_text(when, now, locale)) if when is not None else w["opens_unknown"]
    hours = w["today_hours"].format(closed.today) if closed.today.strip() else ""
    return w[title], back, hours
