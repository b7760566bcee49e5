"""What the hall hears for a call: the announcement as a list of clip names, and the pauses between them.

Mandarin (zh-Hans and zh-Hant halls alike): “请 A001 号到 3 号窗口办理”, a recall opens with “再次呼叫”.
English: “Number A001, please go to window 3”, a recall opens with “Calling again”.

Ticket numbers are read digit by digit, the way a citizen reads the paper in their hand: A001 is
“A 零零一”, A1000 is “A 一零零零”. The digit 1 is read yī, not yāo: yāo is what halls use for phone and
room numbers, but ticket numbers are counted, and yī matches what the screen and the paper show to people
who do not know the yāo convention. A technician who prefers yāo records it into `1.wav`.

Window numbers are read as numbers: 3 三, 12 十二, 20 二十, 26 二十六, 100 一百 (yì bǎi, with the tone change
of 一 before a third tone, which needs its own clip `yi4`), 2000 两千.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

KINDS = ("call", "recall")
LOCALES = ("zh-Hans", "zh-Hant", "en")
MAX_WINDOW = 9999

_TICKET = re.compile(r"([A-Z]{1,2})([0-9]{1,6})")

# Pauses in seconds: a breath after the chime and after the recall prefix, a short break before the
# window part, and a small gap between words so that syllables do not run together.
_WORD_GAP = 0.03
_PAUSES_AFTER = {"chime": 0.25, "zaici_hujiao": 0.3, "calling_again": 0.3}
_PAUSES_BEFORE = {"dao": 0.08, "please_go_to_window": 0.25}

_ZH_WORDS = ("qing", "hao", "dao", "hao_chuangkou", "banli", "zaici_hujiao", "shi", "bai", "qian", "yi4", "liang")
_EN_WORDS = ("number", "please_go_to_window", "calling_again", "hundred", "thousand")
LETTERS = tuple(string.ascii_uppercase)
DIGITS = tuple(str(d) for d in range(10))


def language(locale: str) -> str:
    """The spoken language of a hall locale: traditional-script halls speak Mandarin too."""
    if locale in ("zh-Hans", "zh-Hant"):
        return "zh"
    if locale == "en":
        return "en"
    raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")


def clip_names(locale: str) -> tuple[str, ...]:
    """Every clip an announcement in this locale can name: the contents of a complete clip folder."""
    if language(locale) == "zh":
        return ("chime", *_ZH_WORDS, *DIGITS, *LETTERS)
    en_numbers = tuple(str(n) for n in range(20)) + tuple(str(n) for n in range(20, 100, 10))
    return ("chime", *_EN_WORDS, *en_numbers, *LETTERS)


def announcement_clips(
    kind: str, number: str, window: int, locale: str = "zh-Hans", *, chime: bool = False
) -> list[str]:
    """The clips of one announcement, e.g. call A001 to window 3 in zh-Hans:
    ["chime", "qing", "A", "0", "0", "1", "hao", "dao", "3", "hao_chuangkou", "banli"]."""
    if kind not in KINDS:
        raise ValueError(f"unknown announcement kind {kind!r} (known: {', '.join(KINDS)})")
    ticket = ticket_clips(number)
    out = ["chime"] if chime else []
    if language(locale) == "zh":
        if kind == "recall":
            out.append("zaici_hujiao")
        out += ["qing", *ticket, "hao", "dao", *zh_number(window), "hao_chuangkou", "banli"]
    else:
        if kind == "recall":
            out.append("calling_again")
        out += ["number", *ticket, "please_go_to_window", *en_number(window)]
    return out


def ticket_clips(number: str) -> list[str]:
    """A ticket number letter by letter and digit by digit: "A001" is ["A", "0", "0", "1"]."""
    match = _TICKET.fullmatch(number.strip().upper()) if isinstance(number, str) else None
    if match is None:
        raise ValueError(f"cannot read ticket number {number!r} (one or two letters, then digits)")
    return list(match.group(1)) + list(match.group(2))


def _check_window(window: int) -> None:
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise ValueError(f"cannot read window {window!r} (a whole number from 1 to {MAX_WINDOW})")


def zh_number(n: int) -> list[str]:
    """A window number in Mandarin: 12 → 十二 ["shi", "2"], 105 → 一百零五 ["yi4", "bai", "0", "5"]."""
    _check_window(n)
    out: list[str] = []
    zero_pending = False
    for digit, unit in ((n // 1000, "qian"), (n // 100 % 10, "bai"), (n // 10 % 10, "shi"), (n % 10, "")):
        if digit == 0:
            zero_pending = bool(out)  # one 零 stands for any run of inner zeros; trailing ones are silent
            continue
        if zero_pending:
            out.append("0")
            zero_pending = False
        if unit == "shi" and digit == 1 and not out:
            out.append("shi")  # 十二, not 一十二; but 一百一十 keeps its 一
            continue
        if unit in ("bai", "qian") and digit == 1:
            out.append("yi4")  # 一百 yì bǎi, 一千 yì qiān
        elif unit == "qian" and digit == 2:
            out.append("liang")  # 两千
        else:
            out.append(str(digit))
        if unit:
            out.append(unit)
    return out


def en_number(n: int) -> list[str]:
    """A window number in English: 26 → ["20", "6"] (twenty six), 105 → ["1", "hundred", "5"]."""
    _check_window(n)
    out: list[str] = []
    if n >= 1000:
        out += [str(n // 1000), "thousand"]
        n %= 1000
    if n >= 100:
        out += [str(n // 100), "hundred"]
        n %= 100
    if n >= 20:
        out.append(str(n // 10 * 10))
        n %= 10
    if n:
        out.append(str(n))
    return out


def pauses(clips: Sequence[str]) -> list[float]:
    """Seconds of silence after each clip but the last."""
    return [
        max(_PAUSES_AFTER.get(here, _WORD_GAP), _PAUSES_BEFORE.get(after, _WORD_GAP))
        for here, after in zip(clips, clips[1:], strict=False)
    ]
