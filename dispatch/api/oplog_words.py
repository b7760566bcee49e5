"""The operation log in the hall's words: what each action means, who each actor is by name, what an entry says.

Said once here, so that the manager's page and the log's download say the same thing."""

from __future__ import annotations

from typing import Any

from ..domain import Hall
from .views import window_name

ACTIONS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "ticket.issued": "取号",
        "ticket.called": "叫号",
        "ticket.recalled": "重呼",
        "ticket.started": "开始办理",
        "ticket.finished": "办结",
        "ticket.no_show": "过号",
        "ticket.moved": "换窗口",
        "ticket.transferred": "转办",
        "ticket.cancelled": "取消",
        "window.paused": "暂停",
        "window.resumed": "恢复",
        "window.signed_in": "签到",
        "window.signed_out": "签退",
        "window.sign_in_refused": "签到被拒",
        "window.closed": "关闭窗口",
        "window.opened": "开放窗口",
        "rating.recorded": "评价",
        "rating.followed_up": "差评整改",
        "device.status": "设备状态",
        "case.opened": "受理件",
        "case.reviewed": "审核通过",
        "case.approved": "审批通过",
        "case.returned": "退回",
        "case.done": "办结件",
        "case.refused": "审核被拒",
        "review.signed_in": "审核台登录",
        "review.sign_in_refused": "审核台登录被拒",
        "day.started": "新的一天",
        "day.ended": "结束今日",
        "alert.acknowledged": "确认提醒",
        "audit.mismatch": "日志与锚点不符",
    },
    "zh-Hant": {
        "ticket.issued": "取號",
        "ticket.called": "叫號",
        "ticket.recalled": "重呼",
        "ticket.started": "開始辦理",
        "ticket.finished": "辦結",
        "ticket.no_show": "過號",
        "ticket.moved": "換窗口",
        "ticket.transferred": "轉辦",
        "ticket.cancelled": "取消",
        "window.paused": "暫停",
        "window.resumed": "恢復",
        "window.signed_in": "簽到",
        "window.signed_out": "簽退",
        "window.sign_in_refused": "簽到被拒",
        "window.closed": "關閉窗口",
        "window.opened": "開放窗口",
        "rating.recorded": "評價",
        "rating.followed_up": "差評整改",
        "device.status": "設備狀態",
        "case.opened": "受理件",
        "case.reviewed": "審核通過",
        "case.approved": "審批通過",
        "case.returned": "退回",
        "case.done": "辦結件",
        "case.refused": "審核被拒",
        "review.signed_in": "審核台登入",
        "review.sign_in_refused": "審核台登入被拒",
        "day.started": "新的一天",
        "day.ended": "結束今日",
        "alert.acknowledged": "確認提醒",
        "audit.mismatch": "日誌與錨點不符",
    },
    "en": {
        "ticket.issued": "issued",
        "ticket.called": "called",
        "ticket.recalled": "recalled",
        "ticket.started": "started",
        "ticket.finished": "finished",
        "ticket.no_show": "no-show",
        "ticket.moved": "moved",
        "ticket.transferred": "transferred",
        "ticket.cancelled": "cancelled",
        "window.paused": "paused",
        "window.resumed": "resumed",
        "window.signed_in": "signed in",
        "window.signed_out": "signed out",
        "window.sign_in_refused": "sign-in refused",
        "window.closed": "window closed",
        "window.opened": "window opened",
        "rating.recorded": "rated",
        "rating.followed_up": "poor rating followed up",
        "device.status": "device status",
        "case.opened": "case opened",
        "case.reviewed": "case reviewed",
        "case.approved": "case approved",
        "case.returned": "case returned",
        "case.done": "case done",
        "case.refused": "decision refused",
        "review.signed_in": "review station sign-in",
        "review.sign_in_refused": "review station sign-in refused",
        "day.started": "new day",
        "day.ended": "day ended",
        "alert.acknowledged": "alert acknowledged",
        "audit.mismatch": "log does not match its anchor",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "seq": "序号",
        "at": "时间",
        "actor": "操作人",
        "action": "操作",
        "detail": "内容",
        "title": "操作日志",
        "window": "窗口",
        "number": "号码",
        "clerk": "人员",
        "device": "设备",
        "service": "业务",
        "score": "评价",
        "reason": "原因",
        "note": "说明",
        "unit": "单位",
        "day": "日期",
        "system": "系统",
        "core": "核心",
        "citizen": "群众",
        "alert": "提醒",
        "online": "在线",
        "offline": "离线",
        "message": "状态",
    },
    "zh-Hant": {
        "seq": "序號",
        "at": "時間",
        "actor": "操作人",
        "action": "操作",
        "detail": "內容",
        "title": "操作日誌",
        "window": "窗口",
        "number": "號碼",
        "clerk": "人員",
        "device": "設備",
        "service": "業務",
        "score": "評價",
        "reason": "原因",
        "note": "說明",
        "unit": "單位",
        "day": "日期",
        "system": "系統",
        "core": "核心",
        "citizen": "群眾",
        "alert": "提醒",
        "online": "在線",
        "offline": "離線",
        "message": "狀態",
    },
    "en": {
        "seq": "#",
        "at": "Time",
        "actor": "Who",
        "action": "What",
        "detail": "Details",
        "title": "Operation log",
        "window": "window",
        "number": "number",
        "clerk": "clerk",
        "device": "device",
        "service": "service",
        "score": "rating",
        "reason": "reason",
        "note": "note",
        "unit": "unit",
        "day": "day",
        "system": "system",
        "core": "core",
        "citizen": "citizen",
        "alert": "alert",
        "online": "online",
        "offline": "offline",
        "message": "status",
    },
}

# codes an entry's `reason` and `alert` hold, in words; a code not listed is shown as it is
CODES: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "citizen": "群众自行操作",
        "day_ended": "结束今日",
        "day_started": "新的一天",
        "same_person": "经办审核须分离",
        "taken_over": "他窗口接办",
        "signed_out": "签退",
        "closed": "窗口关闭",
        "paused": "暂停",
        "moved": "换到别的窗口",
        "replaced": "他人签到",
        "wrong_pin": "密码错误",
        "unknown_clerk": "工号不存在",
        "idle_window": "窗口空闲而有人等候",
        "not_arrived": "叫号未到",
        "long_service": "办理超时",
        "paper_out": "缺纸",
        "device_fault": "设备故障",
        "device_silent": "设备失联",
        "case_overdue": "办件超期",
        "fault": "故障",
        "fine": "正常",
        "score_5": "非常满意",
        "score_4": "满意",
        "score_3": "基本满意",
        "score_2": "不满意",
        "score_1": "非常不满意",
    },
    "zh-Hant": {
        "citizen": "群眾自行操作",
        "day_ended": "結束今日",
        "day_started": "新的一天",
        "same_person": "經辦審核須分離",
        "taken_over": "他窗口接辦",
        "signed_out": "簽退",
        "closed": "窗口關閉",
        "paused": "暫停",
        "moved": "換到別的窗口",
        "replaced": "他人簽到",
        "wrong_pin": "密碼錯誤",
        "unknown_clerk": "工號不存在",
        "idle_window": "窗口空閒而有人等候",
        "not_arrived": "叫號未到",
        "long_service": "辦理超時",
        "paper_out": "缺紙",
        "device_fault": "設備故障",
        "device_silent": "設備失聯",
        "case_overdue": "辦件超期",
        "fault": "故障",
        "fine": "正常",
        "score_5": "非常滿意",
        "score_4": "滿意",
        "score_3": "基本滿意",
        "score_2": "不滿意",
        "score_1": "非常不滿意",
    },
    "en": {
        "citizen": "by the citizen",
        "day_ended": "day ended",
        "day_started": "new day",
        "same_person": "same person",
        "taken_over": "taken over",
        "signed_out": "signed out",
        "closed": "window closed",
        "paused": "paused",
        "moved": "moved desks",
        "replaced": "replaced",
        "wrong_pin": "wrong PIN",
        "unknown_clerk": "unknown clerk",
        "idle_window": "idle window, citizens waiting",
        "not_arrived": "called, not come",
        "long_service": "long service",
        "paper_out": "out of paper",
        "device_fault": "device fault",
        "device_silent": "device silent",
        "case_overdue": "case overdue",
        "fault": "fault",
        "fine": "fine",
        "score_5": "very satisfied",
        "score_4": "satisfied",
        "score_3": "fair",
        "score_2": "dissatisfied",
        "score_1": "very dissatisfied",
    },
}

# the fields of an entry shown in its details, in this order; the rest (times, counts) stay in the JSON
SHOWN = ("window", "number", "service", "clerk", "device", "unit", "score", "reason", "note", "alert", "day")


def words(locale: str, key: str) -> str:
    return WORDS.get(locale, WORDS["zh-Hans"]).get(key, key)


def action_words(locale: str, action: str) -> str:
    return ACTIONS.get(locale, ACTIONS["zh-Hans"]).get(action, action)


def actor_words(hall: Hall, actor: str) -> tuple[list[dict[str, Any]], str]:
    """Who an actor string names, part by part ("device:caller-1 clerk:c03" is a keypad acting for a clerk), and
    the same in words: the clerk's name, the window's name, the device's id, the user's name."""
    locale = hall.config.locale
    parts: list[dict[str, Any]] = []
    said: list[str] = []
    for token in actor.split():
        kind, _, rest = token.partition(":")
        ident, _, place = rest.partition("@")
        part: dict[str, Any] = {"kind": kind, "id": ident}
        if kind == "clerk":
            clerk = hall.clerks.get(ident)
            part["name"] = clerk.name if clerk is not None else ident
            text = part["name"]
            if place.isdigit() and int(place) in hall.windows:
                part["window"] = int(place)
                text += f"（{window_name(hall, hall.windows[int(place)])}）"
            said.append(text)
        elif kind == "device":
            said.append(f"{words(locale, 'device')} {ident}")
        elif kind == "user":
            said.append(ident)
        else:
            said.append(words(locale, kind) if kind in WORDS["en"] else token)
        parts.append(part)
    return parts, "、".join(said) if locale != "en" else ", ".join(said)


def detail_words(hall: Hall, data: dict[str, Any]) -> str:
    """An entry's content in a line of words: "窗口 1号窗口 · 号码 A003 · 人员 张三"."""
    locale = hall.config.locale
    out: list[str] = []
    for key in SHOWN:
        value = data.get(key)
        if value is None or value == "":
            continue
        if key == "window" and isinstance(value, int) and value in hall.windows:
            out.append(window_name(hall, hall.windows[value]))
            continue
        if key == "clerk" and isinstance(value, str) and value in hall.clerks:
            value = hall.clerks[value].name
        elif key == "service" and isinstance(value, str) and hall.config.has_service(value):
            value = hall.config.service(value).name
        elif key == "score" and value in (1, 2, 3, 4, 5):
            value = code_words(locale, f"score_{value}")
        elif key in ("reason", "alert") and isinstance(value, str):
            value = code_words(locale, value)
        elif key == "unit" and isinstance(value, str):
            unit = hall.config.unit(value)
            value = unit.name if unit is not None else value
        out.append(f"{words(locale, key)} {value}")
    status = data.get("status")
    if data.get("online") is False:
        out.append(words(locale, "offline"))
    elif isinstance(status, dict):  # the device's own message is in its own words: said here by its kind
        parts: dict[str, Any] = status["parts"] if isinstance(status.get("parts"), dict) else {}
        paper_out = any(isinstance(p, dict) and p.get("paper") == "out" for p in parts.values())
        state = "paper_out" if paper_out else "fine" if status.get("ok") is not False else "fault"
        out.append(f"{words(locale, 'message')} {code_words(locale, state)}")
    return " · ".join(out)


def code_words(locale: str, code: str) -> str:
    return CODES.get(locale, CODES["zh-Hans"]).get(code, code)
