"""LED board frames, byte for byte: protocol soh, the protocol registry, fitting text to a board."""

from __future__ import annotations

import pytest

from onewindow.drivers.led import PROTOCOLS, encoder, soh
from onewindow.drivers.led.marquee import cells, fit, marquee


def test_board_over_window_3_shows_a001():
    assert soh.encode(3, "A001") == bytes.fromhex("01 03 41 30 30 31 07")


def test_window_paused_in_chinese_is_gb2312():
    # 暂停服务 in GB2312: 暂 D4DD 停 CDA3 服 B7FE 务 CEF1
    assert soh.encode(3, "暂停服务") == bytes.fromhex("01 03 D4 DD CD A3 B7 FE CE F1 07")


def test_call_text_mixes_ascii_and_chinese():
    assert soh.encode(0x10, "请A001号") == bytes.fromhex("01 10 C7 EB 41 30 30 31 BA C5 07")


def test_characters_gb2312_lacks_show_a_white_square_not_an_exception():
    # 暫 and 務 are Traditional Chinese (not in GB2312); € neither
    assert soh.encode(3, "暫停服務€") == bytes.fromhex("01 03 A1 F5 CD A3 B7 FE A1 F5 A1 F5 07")


def test_control_characters_cannot_break_the_frame():
    frame = soh.encode(7, "A\x01B\x07C\n")
    assert frame == bytes.fromhex("01 07 41 20 42 20 43 20 07")
    assert frame.count(0x01) == 1 and frame.count(0x07) == 2  # the start, the address 07 and the end


def test_address_must_be_a_byte():
    assert soh.encode(0, "")[:2] == b"\x01\x00" and soh.encode(255, "")[:2] == b"\x01\xff"
    for bad in (-1, 256):
        with pytest.raises(ValueError):
            soh.encode(bad, "A001")


def test_protocols_are_found_by_name():
    assert "soh" in PROTOCOLS
    assert encoder("soh")(3, "A001") == bytes.fromhex("01 03 41 30 30 31 07")
    with pytest.raises(ValueError, match="known: soh"):
        encoder("modbus")


def test_chinese_characters_take_two_cells():
    assert cells("A001") == 4 and cells("请A001号") == 8
    assert fit("请A001号到3号窗口", 9) == "请A001号"  # 号 would need cells 9 and 10
    assert fit("A001", 10) == "A001"


def test_marquee_runs_round_long_text_and_leaves_short_text_alone():
    assert marquee("A001", 8, 5) == "A001"
    shown = [marquee("请A001号到3号窗口", 10, step) for step in range(4)]
    assert shown == ["请A001号到", "A001号到3 ", "001号到3号", "01号到3号 "]
    assert all(cells(s) == 10 for s in shown)
    loop = len("请A001号到3号窗口" + "    ")
    assert marquee("请A001号到3号窗口", 10, loop) == shown[0]
