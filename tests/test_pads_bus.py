"""The pad bus on a real pseudo-terminal and on the fake line: acknowledgements, presses and scores,
noise, several pads, displays and beeps, resent frames, unplug and replug."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from onewindow.drivers.pads import FakePadLine, PadBus, PadPress, PadScore, ff68
from tests.support.pty_pair import PtyPair, wait_until

CALL_AT_3 = bytes.fromhex("FF 68 03 03 68 03 01 0C 10 16")
SCORE_5_AT_33 = bytes.fromhex("FF 68 03 03 68 21 11 05 37 16")


@pytest.fixture
def pty(tmp_path: Path):
    pair = PtyPair(tmp_path, "hall-caller485")
    yield pair
    pair.close()


class Events(list):
    def __call__(self, event):
        self.append(event)


def test_a_press_is_acknowledged_with_the_same_frame_and_reported(pty):
    events = Events()
    with PadBus(pty.port, events) as bus:
        assert wait_until(lambda: bus.state.ok)
        pty.write(CALL_AT_3)
        assert pty.wait_for(lambda got: got == CALL_AT_3)
        assert wait_until(lambda: events == [PadPress(3, "call")])


def test_noise_on_the_line_is_ignored_and_frames_behind_it_answered(pty):
    events = Events()
    transfer = ff68.key_frame(4, "transfer", "2")
    bad_sum = CALL_AT_3[:-2] + b"\x11\x16"
    bad_end = CALL_AT_3[:-1] + b"\x17"
    with PadBus(pty.port, events, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)  # bytes sent before the port opens are flushed by the open
        pty.write(b"\x00\xff\x13" + bad_sum + transfer + b"\xff\x68\x44" + bad_end + SCORE_5_AT_33 + b"\x55")
        assert pty.wait_for(lambda got: got == transfer + SCORE_5_AT_33)
        assert wait_until(lambda: events == [PadPress(4, "transfer", "2"), PadScore(33, 5)])


def test_several_pads_on_one_line(pty):
    events = Events()
    presses = [
        ff68.key_frame(3, "call"),
        ff68.key_frame(5, "recall"),
        ff68.key_frame(3, "confirm", "6"),
        ff68.score_frame(33, 4),
        ff68.key_frame(5, "pause"),
        ff68.key_frame(7, "finish"),
    ]
    with PadBus(pty.port, events, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)
        for frame in presses:
            pty.write(frame)
            assert pty.wait_for(lambda got, frame=frame: got.endswith(frame))
        assert wait_until(lambda: len(events) == 6)
    assert pty.received == b"".join(presses)
    assert events == [
        PadPress(3, "call"),
        PadPress(5, "recall"),
        PadPress(3, "no_show"),
        PadScore(33, 4),
        PadPress(5, "pause"),
        PadPress(7, "finish"),
    ]


def test_numbers_and_beeps_go_to_the_pads(pty):
    with PadBus(pty.port, Events()) as bus:
        bus.show(3, None, "001")
        bus.show(4, 12, "A015")
        bus.beep(4)
        expected = (
            bytes.fromhex("FF 68 08 08 68 03 02 0A 0A 0A 00 00 01 24 16")
            + bytes.fromhex("FF 68 08 08 68 04 02 0A 01 02 00 01 05 19 16")
            + bytes.fromhex("FF 68 03 03 68 04 03 01 08 16")
        )
        assert pty.wait_for(lambda got: len(got) >= len(expected))
    assert pty.received == expected


def test_only_the_newest_numbers_of_a_pad_go_out():
    line = FakePadLine()
    with PadBus("fake", Events(), open_port=line.opener, gap_s=1.0) as bus:
        assert wait_until(lambda: bus.state.ok)
        bus.show(3, 1, "001")
        assert line.wait_for(lambda: 3 in line.displays)
        for waiting in range(2, 9):  # a burst of updates while the gap after the first runs
            bus.show(3, waiting, f"{waiting:03d}")
        assert line.wait_for(lambda: line.displays.get(3) == ("  8", "008"))
    shown = [f for f in frames_in(bytes(line.sent)) if f.function == ff68.DISPLAY]
    assert [f.data for f in shown] == [bytes([0x0A, 0x0A, 1, 0, 0, 1]), bytes([0x0A, 0x0A, 8, 0, 0, 8])]


def frames_in(raw: bytes) -> list[ff68.Frame]:
    return ff68.FrameParser().feed(raw)


def test_a_pad_resending_a_frame_is_answered_again_but_reported_once(pty):
    events = Events()
    with PadBus(pty.port, events, repeat_s=60, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)
        pty.write(CALL_AT_3)
        assert pty.wait_for(lambda got: got == CALL_AT_3)
        pty.write(CALL_AT_3)  # the pad missed our answer and sends it again
        assert pty.wait_for(lambda got: got == CALL_AT_3 * 2)
        pty.write(ff68.key_frame(3, "recall"))
        assert wait_until(lambda: len(events) == 2)
    assert events == [PadPress(3, "call"), PadPress(3, "recall")]


def test_pressing_again_after_the_repeat_window_counts(pty):
    events = Events()
    with PadBus(pty.port, events, repeat_s=0, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)
        for count in (1, 2):
            pty.write(CALL_AT_3)
            assert wait_until(lambda count=count: len(events) == count)
    assert events == [PadPress(3, "call")] * 2


def test_our_own_frames_heard_back_are_not_answered(pty):
    events = Events()
    with PadBus(pty.port, events, loopback_s=60) as bus:
        assert wait_until(lambda: bus.state.ok)
        pty.write(CALL_AT_3)
        assert pty.wait_for(lambda got: got == CALL_AT_3)
        pty.write(CALL_AT_3)  # an adapter that hears itself: our answer comes straight back
        bus.show(3, 1, "001")
        display = ff68.display(3, 1, "001")
        assert pty.wait_for(lambda got: got == CALL_AT_3 + display)
        pty.write(display)  # a host frame on the line is never answered
        pty.write(ff68.beep(3))
        pty.write(SCORE_5_AT_33)
        assert pty.wait_for(lambda got: got == CALL_AT_3 + display + SCORE_5_AT_33)
        assert wait_until(lambda: len(events) == 2)
    assert events == [PadPress(3, "call"), PadScore(33, 5)]


def test_a_slow_caller_does_not_delay_the_answers(pty):
    busy = threading.Event()
    release = threading.Event()
    events = []

    def on_event(event):
        events.append(event)
        busy.set()
        release.wait(10)  # the core is far away today

    with PadBus(pty.port, on_event, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)
        pty.write(CALL_AT_3)
        assert busy.wait(10)
        pty.write(SCORE_5_AT_33)
        assert pty.wait_for(lambda got: got == CALL_AT_3 + SCORE_5_AT_33)
        release.set()
        assert wait_until(lambda: len(events) == 2)


def test_a_failing_callback_is_logged_and_the_next_press_still_arrives(pty, caplog):
    events = []

    def on_event(event):
        events.append(event)
        if len(events) == 1:
            raise RuntimeError("core said 500")

    with PadBus(pty.port, on_event, loopback_s=0) as bus:
        assert wait_until(lambda: bus.state.ok)
        pty.write(CALL_AT_3)
        assert wait_until(lambda: len(events) == 1)
        pty.write(SCORE_5_AT_33)
        assert wait_until(lambda: len(events) == 2)
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "handling PadPress(address=3, key='call'" in failure.getMessage()
    assert failure.exc_info and "core said 500" in str(failure.exc_info[1])


def test_unplugged_adapter_goes_offline_once_and_pads_get_their_numbers_again(pty, caplog):
    caplog.set_level(logging.INFO, logger="onewindow.drivers.pads")
    events = Events()
    with PadBus(pty.port, events, retry_s=0.05, loopback_s=0) as bus:
        bus.show(3, 4, "017")
        display = ff68.display(3, 4, "017")
        assert pty.wait_for(lambda got: got == display)
        pty.unplug()
        assert wait_until(lambda: bus.state.status == "offline")
        assert pty.port in bus.state.message
        pty.clear()
        pty.plug()
        assert wait_until(lambda: bus.state.ok)
        assert pty.wait_for(lambda got: got == display)
        pty.write(CALL_AT_3)
        assert pty.wait_for(lambda got: got == display + CALL_AT_3)
        assert wait_until(lambda: events == [PadPress(3, "call")])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "hall-caller485" in warnings[0]


def test_the_fake_line_speaks_like_pads():
    line = FakePadLine()
    events = Events()
    with PadBus("fake", events, open_port=line.opener, retry_s=0.05, loopback_s=0) as bus:
        line.press(3, "call")
        line.press(3, "transfer", "2")
        line.score(33, 5)
        line.noise(b"\x00\xff\x68")
        assert wait_until(lambda: len(events) == 3)
        assert events == [PadPress(3, "call"), PadPress(3, "transfer", "2"), PadScore(33, 5)]
        assert line.wait_for(lambda: len(line.acks) == 3)
        assert line.acks == [ff68.key_frame(3, "call"), ff68.key_frame(3, "transfer", "2"), ff68.score_frame(33, 5)]
        bus.show(3, 7, "A002")
        bus.beep(3)
        assert line.wait_for(lambda: line.displays == {3: ("  7", "002")} and line.beeps == [3])
        line.unplug()
        assert wait_until(lambda: bus.state.status == "offline")
        bus.beep(3)  # feedback for a moment that will have passed when the line is back
        line.displays.clear()
        line.plug()
        assert line.wait_for(lambda: line.displays == {3: ("  7", "002")})
        assert bus.state.ok and line.opened == 2
        bus.beep(3)
        assert line.wait_for(lambda: len(line.beeps) == 2)
    assert line.beeps == [3, 3]
