"""Every word the call display shows, in the hall's locale (zh-Hans, zh-Hant or en)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .state import HoursShown

LOCALES = ("zh-Hans", "zh-Hant", "en")


@dataclass(frozen=True)
class Words:
    """One locale's words. The call sentence is cut into (text, is_value) parts so that the ticket number
    and the window number can be drawn larger than the words around them, and into two lines for a page
    taller than wide."""

    call_lines: tuple[tuple[tuple[str, bool], ...], ...]  # two lines; "{number}" and "{window}" are the values
    recall: str
    window_name: str  # a window the hall file gave no name
    welcome: str
    last_calls: str
    waiting: str
    people: str  # "{} 人"
    unavailable: str
    state: dict[str, str]  # tile state words: called, serving, paused, closed, unstaffed, idle
    paused_value: str  # what a paused window's tile shows in place of a number
    closed_value: str
    unstaffed_value: str  # open, but no clerk signed in: nobody will serve there
    idle_value: str
    away: str  # "{}" is the hall time of the last news from the core
    connecting: str
    weekdays: tuple[str, ...]
    date: str  # strftime-like with {y} {m} {d} {w}
    led_call: str  # one call on the main LED board
    led_paused: str
    led_closed: str
    led_welcome: str
    hours_today: str  # "今日办公时间 {}" with today's ranges
    closed_today: str  # a day the hall does not open
    opens: str  # "{} 开始取号" with when
    issuing_over: str  # no ticket today any more, and no opening known
    at_today: str  # when, "{}" is HH:MM
    at_tomorrow: str
    at_weekday: str  # {weekday} {hm}
    at_later: str  # {m} {d} {mon} {weekday} {hm}
    windows_title: str  # the rotating list of every window's current number
    priority: str  # the tag of a priority ticket (绿色通道), beside its green stripe
    overdue: str  # the tag of a ticket called long ago whose citizen has not come
    windows_list: str  # "{}号窗口" with numbers and ranges: "15-18、20号窗口"
    list_comma: str  # between numbers in windows_list

    def date_text(self, when: datetime) -> str:
        return self.date.format(
            y=when.year, m=when.month, d=when.day, w=self.weekdays[when.weekday()], mon=when.strftime("%b")
        )


WORDS: dict[str, Words] = {
    "zh-Hans": Words(
        call_lines=(
            (("请", False), ("{number}", True), ("号", False)),
            (("到", False), ("{window}", True), ("号窗口", False)),
        ),
        recall="再次呼叫",
        window_name="{}号窗口",
        welcome="欢迎光临 · 请留意叫号",
        last_calls="最近呼叫",
        waiting="等候人数",
        people="{} 人",
        unavailable="暂停办理",
        state={
            "called": "请前往",
            "serving": "办理中",
            "paused": "暂停",
            "closed": "未开放",
            "unstaffed": "未开放",
            "idle": "空闲",
        },
        paused_value="暂停服务",
        closed_value="未开放",
        unstaffed_value="暂停服务",
        idle_value="—",
        away="连接中断 · 显示的是 {} 的情况",
        connecting="正在连接服务器…",
        weekdays=("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
        date="{y}年{m}月{d}日 {w}",
        led_call="请{number}号到{window}号窗口",
        led_paused="暂停服务",
        led_closed="暂停服务",
        led_welcome="欢迎光临",
        hours_today="今日办公时间 {}",
        closed_today="今日休息",
        opens="{} 开始取号",
        issuing_over="今日取号已结束",
        at_today="今天 {}",
        at_tomorrow="明天 {}",
        at_weekday="{weekday} {hm}",
        at_later="{m}月{d}日 {weekday} {hm}",
        windows_title="各窗口当前号码",
        priority="优先",
        overdue="请尽快",
        windows_list="{}号窗口",
        list_comma="、",
    ),
    "zh-Hant": Words(
        call_lines=(
            (("請", False), ("{number}", True), ("號", False)),
            (("到", False), ("{window}", True), ("號窗口", False)),
        ),
        recall="再次呼叫",
        window_name="{}號窗口",
        welcome="歡迎光臨 · 請留意叫號",
        last_calls="最近呼叫",
        waiting="等候人數",
        people="{} 人",
        unavailable="暫停辦理",
        state={
            "called": "請前往",
            "serving": "辦理中",
            "paused": "暫停",
            "closed": "未開放",
            "unstaffed": "未開放",
            "idle": "空閒",
        },
        paused_value="暫停服務",
        closed_value="未開放",
        unstaffed_value="暫停服務",
        idle_value="—",
        away="連線中斷 · 顯示的是 {} 的情況",
        connecting="正在連線伺服器…",
        weekdays=("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
        date="{y}年{m}月{d}日 {w}",
        # boards take GB2312, which has no traditional characters: they get the simplified words
        led_call="请{number}号到{window}号窗口",
        led_paused="暂停服务",
        led_closed="暂停服务",
        led_welcome="欢迎光临",
        hours_today="今日辦公時間 {}",
        closed_today="今日休息",
        opens="{} 開始取號",
        issuing_over="今日取號已結束",
        at_today="今天 {}",
        at_tomorrow="明天 {}",
        at_weekday="{weekday} {hm}",
        at_later="{m}月{d}日 {weekday} {hm}",
        windows_title="各窗口目前號碼",
        priority="優先",
        overdue="請儘快",
        windows_list="{}號窗口",
        list_comma="、",
    ),
    "en": Words(
        call_lines=((("Number", False), ("{number}", True)), (("to window", False), ("{window}", True))),
        recall="Calling again",
        window_name="Window {}",
        welcome="Welcome · please watch for your number",
        last_calls="Last calls",
        waiting="Waiting",
        people="{}",
        unavailable="not available",
        state={
            "called": "go now",
            "serving": "serving",
            "paused": "paused",
            "closed": "closed",
            "unstaffed": "closed",
            "idle": "free",
        },
        paused_value="Paused",
        closed_value="Closed",
        unstaffed_value="Closed",
        idle_value="—",
        away="Connection lost · showing the hall as of {}",
        connecting="Connecting to the hall server…",
        weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        date="{w} {d} {mon} {y}",
        led_call="{number} to window {window}",
        led_paused="Paused",
        led_closed="Closed",
        led_welcome="Welcome",
        hours_today="Open today {}",
        closed_today="Closed today",
        opens="tickets from {}",
        issuing_over="no more tickets today",
        at_today="{} today",
        at_tomorrow="{} tomorrow",
        at_weekday="{weekday} {hm}",
        at_later="{weekday} {d} {mon} {hm}",
        windows_title="At each window",
        priority="priority",
        overdue="please come",
        windows_list="Windows {}",
        list_comma=", ",
    ),
}


def words(locale: str) -> Words:
    """The words of `locale`; ValueError for a locale the display does not speak."""
    try:
        return WORDS[locale]
    except KeyError:
        raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})") from None


def call_lines(locale: str, number: str, window: int, lines: int = 1) -> list[list[tuple[str, bool]]]:
    """The call sentence as one or two lines of (text, is_value) parts, e.g. zh-Hans A001 to 3 on one line:
    [[("请", False), ("A001", True), ("号到", False), ("3", True), ("号窗口", False)]]."""
    cut = [
        [(text.format(number=number, window=window), value) for text, value in line]
        for line in words(locale).call_lines
    ]
    if lines == 2:
        return cut
    joined: list[tuple[str, bool]] = []
    for text, value in (part for line in cut for part in line):
        if joined and not value and not joined[-1][1] and locale != "en":
            joined[-1] = (joined[-1][0] + text, False)  # 号 + 到 read as one word on one line
        else:
            joined.append((text, value))
    return [joined]


def hours_text(hours: HoursShown, now: datetime, locale: str) -> str:
    """The hall's hours for the notice line: "今日办公时间 08:30-12:00 14:00-17:30", and while no ticket is
    issued when that starts again, "… · 明天 08:30 开始取号" ("星期一 08:30" beyond tomorrow)."""
    w = words(locale)
    text = w.hours_today.format(hours.today) if hours.today.strip() else w.closed_today
    if hours.issuing and hours.open:
        return text
    if hours.next_opening is None or hours.next_opening <= now.timestamp():
        return text if hours.issuing else f"{text} · {w.issuing_over}"
    return f"{text} · {w.opens.format(_when(datetime.fromtimestamp(hours.next_opening, now.tzinfo), now, w))}"


def _when(when: datetime, now: datetime, w: Words) -> str:
    hm = f"{when.hour:02d}:{when.minute:02d}"
    days = (when.date() - now.date()).days
    if days <= 0:
        return w.at_today.format(hm)
    if days == 1:
        return w.at_tomorrow.format(hm)
    weekday = w.weekdays[when.weekday()]
    if days < 7:
        return w.at_weekday.format(weekday=weekday, hm=hm)
    return w.at_later.format(m=when.month, d=when.day, mon=when.strftime("%b"), weekday=weekday, hm=hm)


def window_numbers(numbers: list[int], locale: str) -> str:
    """Window numbers for one line, runs joined: [15, 16, 17, 18, 20] -> "15-18、20号窗口"."""
    w = words(locale)
    if len(numbers) == 1:
        return w.window_name.format(numbers[0])  # Window 20, not Windows 20
    parts: list[str] = []
    run: list[int] = []
    for n in [*sorted(numbers), None]:
        if n is not None and run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 2 else w.list_comma.join(str(x) for x in run))
        run = [n] if n is not None else []
    return w.windows_list.format(w.list_comma.join(parts))
