"""A clerk's key presses, as real evdev events through the numpad map, turned into commands for the core."""

from __future__ import annotations

import pytest

from onewindow.caller.keys import Command, KeySequencer, pad_command
from onewindow.drivers.keypad import NUMPAD, FakeKeypad, KeypadReader, pressed_keys
from onewindow.drivers.pads import PadPress, PadScore
from tests.support.caller_rig import strokes
from tests.support.pty_pair import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def commands(sequencer: KeySequencer, *names: str) -> list[Command]:
    return sequencer.feed_all(list(pressed_keys(strokes(*names))))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def caller(clock):
    return KeySequencer(NUMPAD, "caller", clock=clock)


@pytest.mark.parametrize(
    ("keys", "command"),
    [
        (["KPPLUS"], Command("call")),
        (["KPMINUS"], Command("recall")),
        (["KPENTER"], Command("finish")),
        (["KPSLASH"], Command("pause")),
        (["NUMLOCK"], Command("start")),
        (["KP2", "KPASTERISK"], Command("transfer", 2)),
        (["KP1", "KP2", "KPASTERISK"], Command("transfer", 12)),
        (["KPDOT", "KPDOT"], Command("no_show")),
        (["KP7", "KPENTER"], Command("clerk", "7")),
        (["KP0", "KPENTER"], Command("sign_out")),
        (["KP3", "BACKSPACE"], Command("clear")),
        (["ESC"], Command("clear")),
    ],
)
def test_every_command_on_the_numpad(caller, keys, command):
    assert commands(caller, *keys) == [command]


def test_a_morning_at_window_3(caller, clock):
    assert commands(caller, "KP7", "KPENTER", "KP2", "KP5", "KP8", "KP0", "KPENTER") == [
        Command("clerk", "7"),
        Command("sign_in", "2580", clerk="7"),
    ]
    assert commands(caller, "KPPLUS") == [Command("call")]
    clock.now += 20
    assert commands(caller, "KPMINUS") == [Command("recall")]
    clock.now += 60
    assert commands(caller, "KPDOT", "KPDOT") == [Command("no_show")]
    assert commands(caller, "KPPLUS", "NUMLOCK") == [Command("call"), Command("start")]
    clock.now += 300
    assert commands(caller, "KP1", "KPASTERISK") == [Command("transfer", 1)]
    assert commands(caller, "KPPLUS") == [Command("call")]
    clock.now += 400
    assert commands(caller, "KPENTER", "KPSLASH") == [Command("finish"), Command("pause")]
    clock.now += 900
    assert commands(caller, "KPSLASH", "KP0", "KPENTER") == [Command("pause"), Command("sign_out")]


def test_a_stray_digit_never_turns_into_a_call(caller):
    assert commands(caller, "KP3", "KPPLUS") == [Command("clear")]
    assert commands(caller, "KPPLUS") == [Command("call")]
    assert commands(caller, "KP3", "KPMINUS", "KP9", "KPSLASH", "KP1", "NUMLOCK") == [Command("clear")] * 3


def test_one_dot_alone_does_nothing_and_the_next_key_works_as_usual(caller, clock):
    assert commands(caller, "KPDOT") == []
    assert caller.armed
    assert commands(caller, "KPPLUS") == [Command("call")]
    assert not caller.armed
    assert commands(caller, "KPDOT", "KPMINUS", "KPDOT") == [Command("recall")]


def test_no_show_must_be_confirmed_within_three_seconds(caller, clock):
    assert commands(caller, "KPDOT") == []
    clock.now += 3.5
    assert not caller.armed
    assert commands(caller, "KPDOT") == []  # arms again, does not count as the confirmation
    clock.now += 2.5
    assert commands(caller, "KPDOT") == [Command("no_show")]
    assert commands(caller, "KPDOT") == []  # a third press starts over


def test_digits_in_front_of_no_show_only_clear(caller):
    assert commands(caller, "KP5", "KPDOT", "KPDOT") == [Command("clear")]
    assert caller.armed


def test_typed_digits_are_forgotten_after_five_seconds(caller, clock):
    commands(caller, "KP1", "KP2")
    assert caller.typed == "12"
    clock.now += 5.5
    assert caller.typed == ""
    # the slow Enter of a PIN only clears: it must not finish the current ticket
    assert commands(caller, "KPENTER") == [Command("clear")]
    assert commands(caller, "KPENTER") == [Command("finish")]


def test_long_after_forgotten_digits_keys_work_at_once(caller, clock):
    commands(caller, "KP1")
    clock.now += 60
    assert commands(caller, "KPPLUS") == [Command("call")]


def test_typing_slowly_but_within_five_seconds_a_key_keeps_the_pin(caller, clock):
    assert commands(caller, "KP1", "KP2", "KPENTER") == [Command("clerk", "12")]
    for key in ("KP9", "KP8", "KP7", "KP6"):
        commands(caller, key)
        clock.now += 4
    assert commands(caller, "KPENTER") == [Command("sign_in", "9876", clerk="12")]


def test_pins_that_are_too_short_or_too_long_only_clear(caller):
    clerk = ["KP3", "KPENTER"]
    assert commands(caller, *clerk, "KP1", "KP2", "KP3", "KPENTER") == [Command("clerk", "3"), Command("clear")]
    assert commands(caller, *clerk, *["KP1"] * 9, "KPENTER") == [Command("clerk", "3"), Command("clear")]
    assert commands(caller, *clerk, *["KP1"] * 8, "KPENTER") == [
        Command("clerk", "3"),
        Command("sign_in", "11111111", clerk="3"),
    ]
    assert commands(caller, *clerk, *["KP1"] * 20, "KPENTER") == [Command("clerk", "3"), Command("clear")]
    assert commands(caller, *["KP1"] * 9, "KPENTER") == [Command("clear")]  # no staff number is that long


def test_transfer_needs_a_target(caller):
    assert commands(caller, "KPASTERISK") == []
    assert commands(caller, "KP0", "KPASTERISK") == [Command("clear")]


def test_a_keypad_with_its_own_numlock_off_still_types_digits(caller):
    # such keypads send End for 1, Down for 2, PageDown for 3, Left for 4 and Delete for the dot
    assert commands(caller, "END", "KPENTER", "END", "DOWN", "PAGEDOWN", "LEFT", "KPENTER") == [
        Command("clerk", "1"),
        Command("sign_in", "1234", clerk="1"),
    ]
    assert commands(caller, "DELETE", "DELETE") == [Command("no_show")]


def test_keys_the_map_does_not_name_change_nothing(caller):
    assert commands(caller, "KP4", "A", "LEFTSHIFT", "KPASTERISK") == [Command("transfer", 4)]
    assert commands(caller, "KPDOT", "F12", "KPDOT") == [Command("no_show")]


@pytest.mark.parametrize(("key", "score"), [("KP5", 5), ("KP4", 4), ("KP3", 3), ("KP2", 2), ("KP1", 1)])
def test_evaluator_digits_are_scores_at_once(clock, key, score):
    evaluator = KeySequencer(NUMPAD, "evaluator", clock=clock)
    assert commands(evaluator, key) == [Command("score", score)]


def test_evaluator_ignores_every_other_key(clock):
    evaluator = KeySequencer(NUMPAD, "evaluator", clock=clock)
    assert commands(evaluator, "KP0", "KP6", "KP9", "KPPLUS", "KPENTER", "KPDOT", "KPDOT", "NUMLOCK") == []
    assert commands(evaluator, "KP4", "KP5") == [Command("score", 4), Command("score", 5)]


def test_a_map_of_the_halls_own(clock):
    sequencer = KeySequencer({"F1": "call", "F2": "no_show", "F3": "sign_out"}, clock=clock)
    assert sequencer.feed_all(["F1", "F2", "F2", "F3", "KPPLUS"]) == [
        Command("call"),
        Command("no_show"),
        Command("sign_out"),
    ]


def test_roles_are_caller_or_evaluator():
    with pytest.raises(ValueError):
        KeySequencer(NUMPAD, "kiosk")


def test_from_the_keypad_to_commands():
    keypad, sequencer = FakeKeypad(), KeySequencer(NUMPAD)
    seen: list[Command] = []

    def on_key(key: str) -> None:
        command = sequencer.feed(key)
        if command is not None:
            seen.append(command)

    with KeypadReader("/dev/input/by-path/usb-0:1.2:1.0-event-kbd", on_key, open_device=keypad.opener):
        keypad.press("KP9", "KPENTER", "KP1", "KP2", "KP3", "KP4", "KPENTER", "KPPLUS", "KPDOT", "KPDOT")
        assert wait_until(lambda: len(seen) == 4)
    assert seen == [Command("clerk", "9"), Command("sign_in", "1234", clerk="9"), Command("call"), Command("no_show")]


def test_what_ff68_pads_ask_for():
    assert pad_command(PadPress(3, "call")) == Command("call")
    assert pad_command(PadPress(3, "recall")) == Command("recall")
    assert pad_command(PadPress(3, "finish")) == Command("finish")
    assert pad_command(PadPress(3, "pause")) == Command("pause")
    assert pad_command(PadPress(3, "no_show")) == Command("no_show")
    assert pad_command(PadPress(3, "transfer", "2")) == Command("transfer", 2)
    assert pad_command(PadPress(3, "transfer")) is None
    assert pad_command(PadPress(3, "confirm", "0")) is None
    assert pad_command(PadScore(33, 5)) == Command("score", 5)
    assert pad_command(PadScore(33, 7)) is None
