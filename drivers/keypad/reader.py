"""Reading a USB keypad through evdev: key-down events become key names, and an unplugged keypad is
waited for and reopened by itself."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from onewindow.drivers.reconnect import DeviceState, DeviceThread, Presence

from .keymap import key_name

log = logging.getLogger(__name__)

EV_KEY = 1  # linux/input-event-codes.h; events of other types (EV_SYN, EV_MSC) are not keys
KEY_DOWN = 1  # value 1 is a press; 0 is the release and 2 the auto-repeat of a held key
RETRY_S = 2.0  # how often a missing keypad's path is looked at again


def pressed_keys(events: Iterable[Any]) -> Iterator[str]:
    """The names of the keys pressed down in a stream of evdev events (releases, repeats, SYN left out)."""
    for event in events:
        if event.type == EV_KEY and event.value == KEY_DOWN:
            yield key_name(event.code)


class KeypadDevice(Protocol):
    """What KeypadReader needs of an opened keypad: EvdevKeypad for real, a fake in tests."""

    def grab(self) -> None: ...

    def read_loop(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class EvdevKeypad:
    """A keypad opened with python-evdev, whose read loop `close()` can end from another thread.

    (evdev's own `read_loop()` waits in select() forever, and closing the fd does not wake it.)
    """

    def __init__(self, path: str, device: Any = None):
        if device is None:
            from evdev import InputDevice  # here, so that reading a config never needs evdev

            device = InputDevice(path)
        self._device = device
        self._wake_r, self._wake_w = os.pipe()
        self._lock = threading.Lock()
        self._closed = False
        self._reading = False

    def grab(self) -> None:
        # exclusive: the console and any screen app no longer see the keypad's keys
        self._device.grab()

    def read_loop(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                return
            self._reading = True
        try:
            while not self._closed:
                ready, _, _ = select.select([self._device.fd, self._wake_r], [], [])
                if self._wake_r in ready:
                    return
                try:
                    events = list(self._device.read())
                except BlockingIOError:
                    continue
                yield from events
        finally:
            with self._lock:
                self._reading = False
                if self._closed:
                    self._release()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            os.write(self._wake_w, b"x")
            if not self._reading:  # else the read loop lets go once it has left select()
                self._release()

    def _release(self) -> None:
        with contextlib.suppress(OSError):  # an unplugged keypad may refuse even this
            self._device.close()
        os.close(self._wake_r)
        os.close(self._wake_w)


class KeypadReader:
    """One keypad at `path` (a `/dev/input/by-path/…` link, so a keypad is known by its USB port).

    Key presses reach `on_key(name)` on the reader's thread, e.g. "KP1", "KPENTER". When the keypad is
    unplugged (ENODEV) or its path is missing, the reader logs it once, reports "missing", looks again
    every `retry_s` and carries on when it is back.
    """

    def __init__(
        self,
        path: str,
        on_key: Callable[[str], None],
        *,
        open_device: Callable[[str], KeypadDevice] = EvdevKeypad,
        retry_s: float = RETRY_S,
        grab: bool = True,
    ):
        self.path = path
        self._on_key = on_key
        self._open_device = open_device
        self._grab = grab
        self._lock = threading.Lock()
        self._device: KeypadDevice | None = None
        self._presence = Presence(
            DeviceState("unknown", f"keypad {path} not opened yet"),
            log,
            away=f"%s; looking again every {retry_s:g} s",
        )
        self._thread = DeviceThread(
            f"keypad {path}",
            what=f"keypad {path}",
            open=self._open,
            work=self._read,
            on_fault=lambda: self._presence.set("missing", f"keypad {path}: unexpected error"),
            retry_s=retry_s,
            log=log,
            wake=self._let_go,
        )

    def start(self) -> KeypadReader:
        self._thread.start()
        return self

    @property
    def state(self) -> DeviceState:
        return self._presence.state

    def close(self, timeout: float = 5.0) -> None:
        self._thread.stop(timeout)

    def __enter__(self) -> KeypadReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> bool:
        """Open the keypad; False (and "missing") when it is not there or refuses."""
        try:
            device = self._open_device(self.path)
        except OSError as exc:
            what = "is not plugged in" if exc.errno == errno.ENOENT else f"cannot be opened: {exc}"
            self._presence.set("missing", f"keypad {self.path} {what}")
            return False
        with self._lock:
            self._device = device
        return True

    def _read(self) -> None:
        """Read the open keypad until it goes away, close it, and let `retry_s` pass before opening it again."""
        with self._lock:
            device = self._device
        assert device is not None
        try:
            if self._thread.stopping:
                return
            if self._grab:
                device.grab()
            self._presence.set("ok", f"keypad {self.path} open")
            self._deliver_keys(device)
        except OSError as exc:
            if not self._thread.stopping:
                what = "was unplugged" if exc.errno == errno.ENODEV else f"failed: {exc}"
                self._presence.set("missing", f"keypad {self.path} {what}")
        finally:
            with self._lock:
                self._device = None
            with contextlib.suppress(OSError):
                device.close()
        self._thread.wait(self._thread.retry_s)

    def _deliver_keys(self, device: KeypadDevice) -> None:
        events = device.read_loop()
        try:
            for key in pressed_keys(events):
                if self._thread.stopping:
                    return
                self._deliver(key)
        finally:
            closing = getattr(events, "close", None)
            if closing is not None:
                closing()
        if not self._thread.stopping:
            self._presence.set("missing", f"keypad {self.path} stopped sending")

    def _let_go(self) -> None:
        """Close the keypad from another thread, which ends its read loop."""
        with self._lock:
            device = self._device
        if device is not None:
            with contextlib.suppress(OSError):
                device.close()

    def _deliver(self, key: str) -> None:
        try:
            self._on_key(key)
        except Exception:  # the caller's problem must not stop the next key from arriving
            log.exception("keypad %s: handling key %s failed", self.path, key)
