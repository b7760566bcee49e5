"""What the hall hears for a call: clip lists in Mandarin and English, and that every clip exists."""

from __future__ import annotations

import string

import pytest

from onewindow.drivers.voice import announcement_clips, clip_names, en_number, pauses, shipped_folder, zh_number


def test_call_a001_to_window_3_in_mandarin() -> None:
    # 请 A001 号到 3 号窗口办理
    assert announcement_clips("call", "A001", 3, "zh-Hans") == [
        "qing",
        "A",
        "0",
        "0",
        "1",
        "hao",
        "dao",
        "3",
        "hao_chuangkou",
        "banli",
    ]


def test_chime_opens_the_announcement() -> None:
    clips = announcement_clips("call", "A001", 3, "zh-Hans", chime=True)
    assert clips[0] == "chime" and clips[1:] == announcement_clips("call", "A001", 3, "zh-Hans")


def test_recall_adds_zaici_hujiao_after_the_chime() -> None:
    # 再次呼叫，请 A001 号到 3 号窗口办理
    assert announcement_clips("recall", "A001", 3, "zh-Hans", chime=True) == [
        "chime",
        "zaici_hujiao",
        "qing",
        "A",
        "0",
        "0",
        "1",
        "hao",
        "dao",
        "3",
        "hao_chuangkou",
        "banli",
    ]


@pytest.mark.parametrize(
    ("window", "spoken"),
    [
        (1, ["1"]),  # 一
        (3, ["3"]),  # 三
        (10, ["shi"]),  # 十
        (12, ["shi", "2"]),  # 十二, not 一十二
        (18, ["shi", "8"]),  # 十八
        (20, ["2", "shi"]),  # 二十
        (26, ["2", "shi", "6"]),  # 二十六
        (99, ["9", "shi", "9"]),  # 九十九
        (100, ["yi4", "bai"]),  # 一百 (yì bǎi)
        (101, ["yi4", "bai", "0", "1"]),  # 一百零一
        (110, ["yi4", "bai", "1", "shi"]),  # 一百一十
        (126, ["yi4", "bai", "2", "shi", "6"]),  # 一百二十六
        (200, ["2", "bai"]),  # 二百
        (305, ["3", "bai", "0", "5"]),  # 三百零五
        (999, ["9", "bai", "9", "shi", "9"]),  # 九百九十九
        (1000, ["yi4", "qian"]),  # 一千
        (1005, ["yi4", "qian", "0", "5"]),  # 一千零五
        (1050, ["yi4", "qian", "0", "5", "shi"]),  # 一千零五十
        (2000, ["liang", "qian"]),  # 两千
        (2301, ["liang", "qian", "3", "bai", "0", "1"]),
    ],
)
def test_window_numbers_are_read_as_numbers_in_mandarin(window: int, spoken: list[str]) -> None:
    assert zh_number(window) == spoken
    clips = announcement_clips("call", "A001", window, "zh-Hans")
    assert clips[clips.index("dao") + 1 :] == [*spoken, "hao_chuangkou", "banli"]


def test_two_and_three_digit_windows_in_a_full_call() -> None:
    assert announcement_clips("call", "C023", 26, "zh-Hans") == [
        "qing",
        "C",
        "0",
        "2",
        "3",
        "hao",
        "dao",
        "2",
        "shi",
        "6",
        "hao_chuangkou",
        "banli",
    ]
    assert announcement_clips("recall", "C023", 126, "zh-Hans") == [
        "zaici_hujiao",
        "qing",
        "C",
        "0",
        "2",
        "3",
        "hao",
        "dao",
        "yi4",
        "bai",
        "2",
        "shi",
        "6",
        "hao_chuangkou",
        "banli",
    ]


def test_ticket_digits_are_read_one_by_one_even_past_999() -> None:
    # A1000 is 一零零零, not 一千: the citizen compares it with the paper digit by digit
    assert announcement_clips("call", "A1000", 12, "zh-Hans") == [
        "qing",
        "A",
        "1",
        "0",
        "0",
        "0",
        "hao",
        "dao",
        "shi",
        "2",
        "hao_chuangkou",
        "banli",
    ]


def test_two_letter_prefixes_are_spelt() -> None:
    assert announcement_clips("call", "YB007", 20, "zh-Hans") == [
        "qing",
        "Y",
        "B",
        "0",
        "0",
        "7",
        "hao",
        "dao",
        "2",
        "shi",
        "hao_chuangkou",
        "banli",
    ]


def test_traditional_chinese_halls_speak_the_same_mandarin() -> None:
    for kind in ("call", "recall"):
        assert announcement_clips(kind, "A001", 26, "zh-Hant", chime=True) == announcement_clips(
            kind, "A001", 26, "zh-Hans", chime=True
        )
    assert shipped_folder("zh-Hant") == shipped_folder("zh-Hans")


def test_english_call_and_recall() -> None:
    # Number A001, please go to window 3
    assert announcement_clips("call", "A001", 3, "en") == ["number", "A", "0", "0", "1", "please_go_to_window", "3"]
    assert announcement_clips("recall", "A1000", 26, "en", chime=True) == [
        "chime",
        "calling_again",
        "number",
        "A",
        "1",
        "0",
        "0",
        "0",
        "please_go_to_window",
        "20",
        "6",
    ]
    assert announcement_clips("call", "YB007", 12, "en") == [
        "number",
        "Y",
        "B",
        "0",
        "0",
        "7",
        "please_go_to_window",
        "12",
    ]


@pytest.mark.parametrize(
    ("window", "spoken"),
    [
        (3, ["3"]),
        (12, ["12"]),
        (19, ["19"]),
        (20, ["20"]),
        (26, ["20", "6"]),
        (100, ["1", "hundred"]),
        (115, ["1", "hundred", "15"]),
        (340, ["3", "hundred", "40"]),
        (1000, ["1", "thousand"]),
        (2026, ["2", "thousand", "20", "6"]),
    ],
)
def test_window_numbers_in_english(window: int, spoken: list[str]) -> None:
    assert en_number(window) == spoken


@pytest.mark.parametrize(
    ("kind", "number", "window", "locale"),
    [
        ("shout", "A001", 3, "zh-Hans"),  # unknown kind
        ("call", "001", 3, "zh-Hans"),  # no prefix
        ("call", "ABC001", 3, "zh-Hans"),  # three letters
        ("call", "A-001", 3, "zh-Hans"),
        ("call", "A", 3, "zh-Hans"),  # no digits
        ("call", "A001", 0, "zh-Hans"),
        ("call", "A001", 10000, "zh-Hans"),
        ("call", "A001", True, "zh-Hans"),
        ("call", "A001", 3, "fr"),
    ],
)
def test_what_cannot_be_read_is_refused(kind: str, number: str, window: int, locale: str) -> None:
    with pytest.raises(ValueError):
        announcement_clips(kind, number, window, locale)


def test_pauses_give_a_breath_after_the_chime_and_a_gap_between_words() -> None:
    clips = announcement_clips("recall", "A001", 3, "zh-Hans", chime=True)
    gaps = pauses(clips)
    assert len(gaps) == len(clips) - 1
    assert gaps[0] >= 0.25 and gaps[1] >= 0.25  # chime, then 再次呼叫
    assert gaps[clips.index("dao") - 1] > gaps[2]  # a short break before 到
    assert all(g > 0 for g in gaps)
    assert pauses([]) == [] and pauses(["qing"]) == []


@pytest.mark.parametrize("locale", ["zh-Hans", "en"])
def test_every_clip_an_announcement_can_name_is_shipped(locale: str) -> None:
    names = set(clip_names(locale))
    prefixes = list(string.ascii_uppercase) + ["AB", "ZZ"]
    for window in range(1, 10000):
        for kind in ("call", "recall"):
            prefix = prefixes[window % len(prefixes)]
            assert set(announcement_clips(kind, f"{prefix}{window:03d}", window, locale, chime=True)) <= names
    folder = shipped_folder(locale)
    shipped = {p.stem for p in folder.glob("*.wav")}
    assert shipped == names, f"{folder}: missing {names - shipped}, extra {shipped - names}"
