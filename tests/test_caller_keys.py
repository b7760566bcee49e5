"""Sign-in on a keypad and on a pad (工号 then PIN), from real evdev events and ff68 presses: the two steps, what
ends a half-done sign-in, slow PINs, and a PIN that never reaches a log line."""

from __future__ import annotations

import pytest

from onewindow.caller.keys import SIGN_IN_S, Command, KeySequencer, PadSequencer
from onewindow.drivers.keypad import NUMPAD, pressed_keys
from onewindow.drivers.pads import PadPress, PadScore
from tests.support.caller_rig import strokes


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def keys(sequencer: KeySequencer, *names: str) -> list[Command]:
    return sequencer.feed_all(list(pressed_keys(strokes(*names, held=True))))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def caller(clock):
    return KeySequencer(NUMPAD, "caller", clock=clock)


def test_staff_number_enter_then_pin_enter(caller):
    assert keys(caller, "KP0", "KP7", "KPENTER") == [Command("clerk", "07")]
    assert caller.signing_in == "07"
    assert keys(caller, "KP4", "KP7", "KP1", "KP1", "KPENTER") == [Command("sign_in", "4711", clerk="07")]
    assert caller.signing_in is None


@pytest.mark.parametrize("key", ["KPPLUS", "KPMINUS", "KPSLASH", "NUMLOCK", "KPDOT", "BACKSPACE", "KPENTER"])
def test_any_other_key_between_the_two_steps_only_ends_the_sign_in(caller, key):
    assert keys(caller, "KP7", "KPENTER") == [Command("clerk", "7")]
    assert keys(caller, key) == [Command("clear")]  # never a call, a finish or a pause
    assert caller.signing_in is None
    assert keys(caller, "KPPLUS") == [Command("call")]  # and then the keypad works as ever


def test_a_transfer_typed_between_the_steps_is_not_sent(caller):
    assert keys(caller, "KP7", "KPENTER", "KP2", "KPASTERISK") == [Command("clerk", "7"), Command("clear")]


def test_a_pin_that_comes_too_late_never_finishes_a_ticket(caller, clock):
    keys(caller, "KP7", "KPENTER")
    clock.now += SIGN_IN_S - 1
    keys(caller, "KP1", "KP2", "KP3", "KP4")
    clock.now += 2  # the sign-in ran out while the PIN was being typed
    assert keys(caller, "KPENTER") == [Command("clear")]
    assert caller.signing_in is None and caller.typed == ""
    assert keys(caller, "KPENTER") == [Command("finish")]


def test_a_sign_in_left_alone_runs_out(caller, clock):
    keys(caller, "KP7", "KPENTER")
    clock.now += SIGN_IN_S + 1
    assert caller.signing_in is None
    assert keys(caller, "KPPLUS") == [Command("call")]


def test_a_pin_typed_in_two_goes_with_a_pause_is_forgotten_and_can_be_typed_again(caller, clock):
    keys(caller, "KP7", "KPENTER", "KP1", "KP2")
    clock.now += 6  # more than 5 s between two digits: typed digits are forgotten
    assert keys(caller, "KPENTER") == [Command("clear")]
    assert caller.signing_in == "7"  # the staff number still waits for its PIN
    assert keys(caller, "KP1", "KP2", "KP3", "KP4", "KPENTER") == [Command("sign_in", "1234", clerk="7")]


def test_staff_numbers_of_up_to_eight_digits(caller):
    assert keys(caller, *["KP9"] * 8, "KPENTER") == [Command("clerk", "99999999")]
    assert keys(caller, "ESC") == [Command("clear")]
    assert keys(caller, *["KP9"] * 9, "KPENTER") == [Command("clear")]


def test_a_pin_never_shows_in_a_log_line():
    command = Command("sign_in", "4711", clerk="07")
    assert "4711" not in repr(command) and "4711" not in str(command)
    assert repr(command) == "Command('sign_in', '****', clerk='07')"
    assert repr(Command("transfer", 2)) == "Command('transfer', 2)"


def test_pad_sign_in_two_steps(clock):
    pad = PadSequencer(clock=clock)
    assert pad.feed(PadPress(3, "confirm", "07")) == Command("clerk", "07")
    assert pad.feed(PadPress(3, "confirm", "1234")) == Command("sign_in", "1234", clerk="07")
    assert pad.feed(PadPress(3, "confirm", "0")) == Command("sign_out")


def test_pad_single_digit_confirms_are_commands_of_their_own(clock):
    pad = PadSequencer(clock=clock)
    assert pad.feed(PadPress(3, "no_show")) == Command("no_show")  # 06 0F, as ff68.interpret names it
    assert pad.feed(PadPress(3, "confirm", "3")) == Command("clear")  # no meaning here: the pad beeps
    assert pad.feed(PadPress(3, "transfer")) == Command("clear")  # transfer to where?
    assert pad.signing_in is None


def test_pad_sign_in_broken_off_or_run_out(clock):
    pad = PadSequencer(clock=clock)
    pad.feed(PadPress(3, "confirm", "07"))
    assert pad.feed(PadPress(3, "call")) == Command("clear")
    assert pad.feed(PadPress(3, "call")) == Command("call")
    pad.feed(PadPress(3, "confirm", "07"))
    assert pad.feed(PadPress(3, "confirm", "12")) == Command("clear")  # too short for a PIN
    pad.feed(PadPress(3, "confirm", "07"))
    clock.now += SIGN_IN_S + 1
    assert pad.feed(PadPress(3, "confirm", "1234")) == Command("clerk", "1234")


def test_pad_presses_pass_through(clock):
    pad = PadSequencer(clock=clock)
    assert pad.feed(PadPress(3, "transfer", "2")) == Command("transfer", 2)
    assert pad.feed(PadPress(3, "pause")) == Command("pause")
    assert pad.feed(PadScore(33, 4)) == Command("score", 4)
