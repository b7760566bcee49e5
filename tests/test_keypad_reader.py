"""USB keypads: key names from real evdev events, and a keypad that is unplugged and comes back."""

from __future__ import annotations

import errno
import logging
import os
import threading

from evdev import InputEvent, ecodes

from onewindow.drivers.keypad import EvdevKeypad, FakeKeypad, KeypadReader, key_code, key_name, pressed_keys
from tests.support.pty_pair import wait_until


def down(code: int) -> InputEvent:
    return InputEvent(1700000000, 0, ecodes.EV_KEY, code, 1)


class Keys(list):
    def __call__(self, key: str) -> None:
        self.append(key)


def test_key_names_are_evdev_names_without_key():
    assert key_name(ecodes.KEY_KP1) == "KP1"
    assert key_name(ecodes.KEY_KPENTER) == "KPENTER"
    assert key_name(ecodes.KEY_KPPLUS) == "KPPLUS"
    assert key_name(ecodes.KEY_NUMLOCK) == "NUMLOCK"
    assert key_name(ecodes.KEY_A) == "A"  # not in the built-in table: asked of evdev
    assert key_name(ecodes.KEY_MUTE) == "MUTE"
    assert key_name(0x2FF) == "CODE_767" and key_name(744) == "CODE_744"
    for name in ("KP0", "KP9", "KPDOT", "KPASTERISK", "KPSLASH", "KPMINUS", "BACKSPACE", "F1"):
        assert key_code(name) == ecodes.ecodes["KEY_" + name]
        assert key_name(key_code(name)) == name
    assert key_code("KEY_KP5") == ecodes.KEY_KP5 and key_code("NOSUCHKEY") is None


def test_only_key_presses_count_not_releases_repeats_or_sync():
    events = [
        down(ecodes.KEY_KP1),
        InputEvent(1700000000, 0, ecodes.EV_SYN, 0, 0),
        InputEvent(1700000000, 0, ecodes.EV_KEY, ecodes.KEY_KP1, 2),  # held: auto-repeat
        InputEvent(1700000000, 0, ecodes.EV_KEY, ecodes.KEY_KP1, 0),  # released
        InputEvent(1700000000, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70059),
        down(ecodes.KEY_KPENTER),
    ]
    assert list(pressed_keys(events)) == ["KP1", "KPENTER"]


def test_presses_reach_the_caller_as_key_names_and_the_keypad_is_grabbed():
    keypad, keys = FakeKeypad(), Keys()
    with KeypadReader("/dev/input/by-path/usb-0:1.2:1.0-event-kbd", keys, open_device=keypad.opener) as reader:
        keypad.press("KP1", "KP2", "KPPLUS", "KPENTER")
        assert wait_until(lambda: len(keys) == 4)
        assert keys == ["KP1", "KP2", "KPPLUS", "KPENTER"]
        assert reader.state.ok and keypad.grabbed
    assert not keypad.grabbed  # closed, so the keypad is let go


def test_an_unplugged_keypad_is_logged_once_looked_for_and_read_again(caplog):
    caplog.set_level(logging.INFO, logger="onewindow.drivers.keypad")
    keypad, keys = FakeKeypad(), Keys()
    path = "/dev/input/by-path/usb-0:1.2:1.0-event-kbd"
    with KeypadReader(path, keys, open_device=keypad.opener, retry_s=0.02) as reader:
        keypad.press("KPPLUS")
        assert wait_until(lambda: keys == ["KPPLUS"])
        keypad.unplug()  # the read loop raises OSError(ENODEV); opening finds no path
        assert wait_until(lambda: reader.state.status == "missing")
        assert path in reader.state.message
        opened = keypad.opened
        assert wait_until(lambda: len([r for r in caplog.records if "looking again" in r.getMessage()]) >= 1)
        keypad.plug()
        assert keypad.wait_opened(opened + 1)
        assert wait_until(lambda: reader.state.ok)
        keypad.press("KPMINUS")
        assert wait_until(lambda: keys == ["KPPLUS", "KPMINUS"])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "was unplugged" in warnings[0]


def test_a_keypad_missing_from_the_start_is_waited_for():
    keypad, keys = FakeKeypad(), Keys()
    keypad.plugged = False
    with KeypadReader("/dev/input/by-path/x-event-kbd", keys, open_device=keypad.opener, retry_s=0.02) as reader:
        assert wait_until(lambda: reader.state.status == "missing")
        assert reader.state.message == "keypad /dev/input/by-path/x-event-kbd is not plugged in"
        keypad.plug()
        assert wait_until(lambda: reader.state.ok)
        keypad.press("KP5")
        assert wait_until(lambda: keys == ["KP5"])


def test_a_keypad_that_cannot_be_opened_says_why():
    def refuse(path):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    with KeypadReader("/dev/input/event3", Keys(), open_device=refuse, retry_s=0.02) as reader:
        assert wait_until(lambda: reader.state.status == "missing")
        assert "cannot be opened" in reader.state.message and "Permission denied" in reader.state.message


def test_a_key_handler_that_fails_does_not_stop_the_next_key(caplog):
    keypad, keys = FakeKeypad(), []

    def on_key(key):
        keys.append(key)
        if key == "KP1":
            raise RuntimeError("core away")

    with KeypadReader("/dev/input/event3", on_key, open_device=keypad.opener):
        keypad.press("KP1", "KP2")
        assert wait_until(lambda: keys == ["KP1", "KP2"])
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.ERROR)


class PipeInputDevice:
    """Stands in for evdev.InputDevice: a pipe's read end as the fd; each byte written makes read() return
    the next scripted batch of events, or raise what is scripted."""

    def __init__(self, batches):
        self.fd, self._w = os.pipe()
        self._batches = list(batches)
        self.grabbed = self.closed = False

    def poke(self):
        os.write(self._w, b"!")

    def grab(self):
        self.grabbed = True

    def read(self):
        os.read(self.fd, 1)
        batch = self._batches.pop(0)
        if isinstance(batch, BaseException):
            raise batch
        return iter(batch)

    def close(self):
        self.closed = True
        os.close(self.fd)
        os.close(self._w)


def test_the_real_device_wrapper_reads_events_and_reports_enodev():
    unplugged = OSError(errno.ENODEV, "No such device")
    device = PipeInputDevice([[down(ecodes.KEY_KP7), down(ecodes.KEY_KPSLASH)], unplugged])
    keypad = EvdevKeypad("/dev/input/event3", device=device)
    keypad.grab()
    device.poke()
    device.poke()
    seen = []
    try:
        for event in keypad.read_loop():
            seen.append(key_name(event.code))
    except OSError as exc:
        assert exc.errno == errno.ENODEV
    assert seen == ["KP7", "KPSLASH"] and device.grabbed
    keypad.close()
    assert device.closed


def test_the_real_device_wrapper_can_be_closed_while_it_waits():
    device = PipeInputDevice([])
    keypad = EvdevKeypad("/dev/input/event3", device=device)
    finished = threading.Event()

    def read():
        for _ in keypad.read_loop():
            pass
        finished.set()

    threading.Thread(target=read, daemon=True).start()
    keypad.close()  # from another thread, while read_loop waits in select()
    assert finished.wait(10)
    assert wait_until(lambda: device.closed)
