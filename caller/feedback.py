"""What a refused press tells the clerk: a few characters for the window's LED board, in the hall's locale.

LED boards over windows show four to eight Chinese characters, so every text here stays that short.
"""

from __future__ import annotations

from onewindow.client import CoreRefused, CoreUnreachable

TEXTS: dict[str, dict[str, str]] = {
    "offline": {"zh-Hans": "连接中断", "zh-Hant": "連線中斷", "en": "OFFLINE"},
    "late": {"zh-Hans": "请重按", "zh-Hant": "請重按", "en": "PRESS AGAIN"},
    "nobody_waiting": {"zh-Hans": "无人等候", "zh-Hant": "無人等候", "en": "NO ONE WAITS"},
    "not_signed_in": {"zh-Hans": "请先登录", "zh-Hant": "請先登入", "en": "SIGN IN"},
    "no_current_ticket": {"zh-Hans": "无当前号", "zh-Hant": "無當前號", "en": "NO TICKET"},
    "window_paused": {"zh-Hans": "请先恢复", "zh-Hant": "請先恢復", "en": "PAUSED"},
    "window_closed": {"zh-Hans": "窗口关闭", "zh-Hant": "窗口關閉", "en": "CLOSED"},
    "recall_limit": {"zh-Hans": "重呼已满", "zh-Hant": "重呼已滿", "en": "RECALL LIMIT"},
    "not_called": {"zh-Hans": "已在办理", "zh-Hant": "已在辦理", "en": "SERVING"},
    "service_unavailable": {"zh-Hans": "无窗可转", "zh-Hant": "無窗可轉", "en": "NO WINDOW"},
    "no_such_service": {"zh-Hans": "无此业务", "zh-Hant": "無此業務", "en": "NO SERVICE"},
    "wrong_pin": {"zh-Hans": "密码错误", "zh-Hant": "密碼錯誤", "en": "WRONG PIN"},
    "unknown_clerk": {"zh-Hans": "工号错误", "zh-Hant": "工號錯誤", "en": "NO CLERK"},
    "too_many_attempts": {"zh-Hans": "稍后再试", "zh-Hant": "稍後再試", "en": "TRY LATER"},
    "not_armed": {"zh-Hans": "暂无评价", "zh-Hant": "暫無評價", "en": "NOTHING TO RATE"},
    "already_rated": {"zh-Hans": "已评价", "zh-Hant": "已評價", "en": "RATED"},
    "rating_closed": {"zh-Hans": "评价时间已过", "zh-Hant": "評價時間已過", "en": "TOO LATE"},
    "forbidden": {"zh-Hans": "无权操作", "zh-Hant": "無權操作", "en": "NOT ALLOWED"},
    "failed": {"zh-Hans": "操作失败", "zh-Hant": "操作失敗", "en": "FAILED"},
}

# the core's error codes (dispatch.domain and the API) -> the text to show
CODES = {
    "not_signed_in": "not_signed_in",
    "no_current_ticket": "no_current_ticket",
    "window_paused": "window_paused",
    "window_closed": "window_closed",
    "recall_limit": "recall_limit",
    "not_called": "not_called",
    "service_unavailable": "service_unavailable",
    "window_does_not_serve": "service_unavailable",
    "same_window": "service_unavailable",
    "unknown_service": "no_such_service",
    "wrong_pin": "wrong_pin",
    "unknown_clerk": "unknown_clerk",
    "too_many_attempts": "too_many_attempts",
    "not_armed": "not_armed",
    "already_rated": "already_rated",
    "rating_closed": "rating_closed",
    "forbidden": "forbidden",
    "bad_token": "forbidden",
}


def text(key: str, locale: str | None) -> str:
    """The text for `key` in `locale` (zh-Hans when the hall's locale is not known yet)."""
    texts = TEXTS.get(key, TEXTS["failed"])
    return texts.get(locale or "zh-Hans", texts["zh-Hans"])


def reason(error: Exception | None) -> str:
    """Which text a failed request calls for; None as the error means the core answered "nobody waits"."""
    if error is None:
        return "nobody_waiting"
    if isinstance(error, CoreUnreachable):
        return "offline"
    if isinstance(error, CoreRefused):
        if error.status == 429:
            return "too_many_attempts"
        return CODES.get(error.code, "forbidden" if error.status in (401, 403) else "failed")
    return "failed"
