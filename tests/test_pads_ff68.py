"""ff68 pad frames byte for byte, the parser against noise and broken frames, and what frames mean."""

from __future__ import annotations

import pytest

from onewindow.drivers.pads import ff68
from onewindow.drivers.pads.ff68 import Frame, FrameParser, PadPress, PadScore

CALL_AT_3 = bytes.fromhex("FF 68 03 03 68 03 01 0C 10 16")
SCORE_5_AT_33 = bytes.fromhex("FF 68 03 03 68 21 11 05 37 16")


def test_the_protocol_examples():
    assert ff68.encode(3, ff68.KEY, [0x0C]) == CALL_AT_3
    assert ff68.key_frame(3, "call") == CALL_AT_3
    assert ff68.encode(0x21, ff68.SCORE, [5]) == SCORE_5_AT_33
    assert ff68.score_frame(33, 5) == SCORE_5_AT_33


def test_transfer_carries_its_digit_before_the_key():
    # L = 2 data + 2, S = 03 + 01 + 02 + 13 = 19
    assert ff68.key_frame(3, "transfer", "2") == bytes.fromhex("FF 68 04 04 68 03 01 02 13 19 16")
    assert ff68.key_frame(3, "confirm", "6") == bytes.fromhex("FF 68 04 04 68 03 01 06 0F 19 16")


def test_checksum_wraps_at_256():
    assert ff68.encode(0xFE, 0x11, [0x05]) == bytes.fromhex("FF 68 03 03 68 FE 11 05 14 16")


def test_display_frames_show_waiting_and_current_digits_with_0a_blank():
    # the frame QueueSystem's SendTicket builds: nothing waiting shown, ticket 001
    assert ff68.display(3, None, "001") == bytes.fromhex("FF 68 08 08 68 03 02 0A 0A 0A 00 00 01 24 16")
    # 12 waiting, ticket A015: S = 3 + 2 + 0A + 1 + 2 + 0 + 1 + 5 = 18
    assert ff68.display(3, 12, "A015") == bytes.fromhex("FF 68 08 08 68 03 02 0A 01 02 00 01 05 18 16")
    assert ff68.display(3, 0, None) == bytes.fromhex("FF 68 08 08 68 03 02 0A 0A 00 0A 0A 0A 37 16")
    assert ff68.display(3, 1500, "A1002")[7:13] == bytes([9, 9, 9, 0, 0, 2])
    assert ff68.display(3, None, None)[7:13] == bytes([0x0A] * 6)


def test_beep_frame():
    assert ff68.beep(3) == bytes.fromhex("FF 68 03 03 68 03 03 01 07 16")


def test_encode_refuses_what_no_frame_can_carry():
    with pytest.raises(ValueError):
        ff68.encode(256, ff68.KEY, [0x0C])
    with pytest.raises(ValueError):
        ff68.encode(3, ff68.KEY, bytes(17))


def test_parser_reads_frames_split_across_reads():
    parser = FrameParser()
    stream = CALL_AT_3 + SCORE_5_AT_33
    frames = []
    for i in range(len(stream)):
        frames += parser.feed(stream[i : i + 1])
    assert frames == [Frame(3, ff68.KEY, b"\x0c"), Frame(0x21, ff68.SCORE, b"\x05")]
    assert parser.dropped == 0 and parser.waiting == 0


def test_parser_reads_two_frames_in_one_read():
    assert FrameParser().feed(CALL_AT_3 + SCORE_5_AT_33) == [Frame(3, 1, b"\x0c"), Frame(33, 0x11, b"\x05")]


def test_parser_skips_line_noise_around_frames():
    parser = FrameParser()
    noise = bytes.fromhex("00 13 FF FF 68 FF 68 68 55 AA")
    frames = parser.feed(noise + CALL_AT_3 + noise + SCORE_5_AT_33 + b"\x00\xff")
    assert frames == [Frame(3, 1, b"\x0c"), Frame(33, 0x11, b"\x05")]
    assert parser.dropped == 2 * len(noise) + 1  # the 00 at the end; its FF may yet start a frame
    assert parser.waiting == 1


def test_parser_drops_a_frame_with_a_wrong_sum_and_finds_the_next():
    bad = bytearray(CALL_AT_3)
    bad[-2] ^= 0x01
    assert FrameParser().feed(bytes(bad) + SCORE_5_AT_33) == [Frame(33, 0x11, b"\x05")]


def test_parser_drops_a_frame_with_a_wrong_end_byte():
    bad = CALL_AT_3[:-1] + b"\x17"
    assert FrameParser().feed(bad + CALL_AT_3) == [Frame(3, 1, b"\x0c")]


def test_parser_drops_lengths_out_of_range_and_unequal_length_bytes():
    too_short = bytes.fromhex("FF 68 01 01 68 03 03 16")
    too_long = bytes.fromhex("FF 68 13 13 68") + bytes(17) + b"\x00\x16"
    unequal = bytes.fromhex("FF 68 03 04 68 03 01 0C 10 16")
    parser = FrameParser()
    assert parser.feed(too_short + too_long + unequal + CALL_AT_3) == [Frame(3, 1, b"\x0c")]
    assert parser.waiting == 0


def test_a_frame_with_no_data_is_well_formed():
    assert FrameParser().feed(bytes.fromhex("FF 68 02 02 68 03 05 08 16")) == [Frame(3, 5, b"")]


def test_noise_claiming_a_long_frame_does_not_hold_a_good_frame_back_once_the_line_is_quiet():
    parser = FrameParser()
    assert parser.feed(bytes.fromhex("FF 68 10 10 68") + CALL_AT_3) == []  # could still be an 18-byte frame
    assert parser.idle() == [Frame(3, 1, b"\x0c")]
    assert parser.waiting == 0


def test_a_frame_cut_short_by_a_quiet_line_is_given_up():
    parser = FrameParser()
    assert parser.feed(CALL_AT_3[:6]) == [] and parser.idle() == []
    assert parser.feed(CALL_AT_3) == [Frame(3, 1, b"\x0c")]


def test_the_meaning_of_key_frames():
    def press(raw: bytes):
        (frame,) = FrameParser().feed(raw)
        return ff68.interpret(frame)

    assert press(CALL_AT_3) == PadPress(3, "call")
    assert press(ff68.encode(3, 1, [0x0D])) == PadPress(3, "recall")
    assert press(ff68.encode(3, 1, [0x0B])) == PadPress(3, "finish")
    assert press(ff68.encode(3, 1, [0x12])) == PadPress(3, "pause")
    assert press(ff68.encode(3, 1, [0x02, 0x13])) == PadPress(3, "transfer", "2")
    assert press(ff68.encode(3, 1, [0x06, 0x0F])) == PadPress(3, "no_show")
    assert press(ff68.encode(3, 1, [0x00, 0x0F])) == PadPress(3, "confirm", "0")
    assert press(ff68.encode(3, 1, [0x01, 0x02, 0x0C])) == PadPress(3, "call", "12")
    assert press(SCORE_5_AT_33) == PadScore(33, 5)
    assert press(ff68.encode(9, 0x11, [1])) == PadScore(9, 1)


def test_frames_that_mean_nothing():
    for frame in (
        Frame(3, 0x11, b"\x06"),
        Frame(3, 0x11, b"\x00"),
        Frame(3, 0x11, b""),
        Frame(3, 1, b""),
        Frame(3, 1, b"\x0a\x13"),
        Frame(3, 1, b"\x99"),
        Frame(3, ff68.DISPLAY, bytes(6)),
    ):
        assert ff68.interpret(frame) is None, frame


def test_frames_round_trip():
    frame = Frame(7, ff68.DISPLAY, bytes([1, 2, 3, 4, 5, 6]))
    assert FrameParser().feed(frame.to_bytes()) == [frame]
