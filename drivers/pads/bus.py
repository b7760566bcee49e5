"""One RS-485 line with many ff68 pads: acknowledges their frames, reports presses and scores, drives
their displays and beepers, and reopens the line by itself."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from onewindow.drivers.reconnect import DeviceState, DeviceThread
from onewindow.drivers.serialport import Opener, SerialPort

from . import ff68
from .ff68 import Frame, FrameParser, PadPress, PadScore

log = logging.getLogger(__name__)

READ_S = 0.05  # a read waits this long for a byte; a quiet line this long ends any half frame
GAP_S = 0.05  # between the host's own frames on the line
RETRY_S = 2.0  # how often an unplugged adapter is looked for again
REPEAT_S = 1.0  # the same frame again this soon is a pad resending what it thinks we missed
# Some RS-485 adapters hear their own transmission: our echo comes straight back, within a frame's time.
# Answering it would ack forever, so our own frame read back this soon is ignored. A pad that missed our
# echo waits longer than this before resending, and is answered then.
LOOPBACK_S = 0.2

PadEvent = PadPress | PadScore

# frames only the host sends: on the line they are our own transmission or a pad acknowledging it, and
# answering them would start an endless ping-pong
_HOST_FUNCTIONS = (ff68.DISPLAY, ff68.BEEP)


class PadBus:
    """The pads on one port. `on_event` receives PadPress and PadScore, on a thread of its own, so a slow
    callback (the core far away) never delays the acknowledgements pads wait for.

    Every well-formed frame from a pad is echoed at once. A pad that missed our echo sends the same frame
    again: it is echoed again but reported only once (within `repeat_s`), so one press never calls twice.
    `show()` and `beep()` return at once; only the newest numbers per pad go out, `gap_s` apart.
    """

    def __init__(
        self,
        port: str,
        on_event: Callable[[PadEvent], None],
        *,
        baudrate: int = 9600,
        gap_s: float = GAP_S,
        retry_s: float = RETRY_S,
        repeat_s: float = REPEAT_S,
        loopback_s: float = LOOPBACK_S,
        open_port: Opener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.port = port
        self.baudrate = baudrate
        self._on_event = on_event
        self._gap_s = gap_s
        self._repeat_s = repeat_s
        self._loopback_s = loopback_s
        self._clock = clock
        self._link = SerialPort(port, baudrate, timeout=READ_S, what="pad bus", open_port=open_port, log=log)
        self._parser = FrameParser()
        self._lock = threading.Lock()
        self._shown: dict[int, bytes] = {}  # each pad's current display frame
        self._outbox: dict[tuple[str, int], bytes] = {}  # host frames still to send, in order
        self._last_seen: dict[int, tuple[bytes, float]] = {}  # each pad's last frame and when
        self._written: dict[bytes, float] = {}  # our recent frames and when they went out
        self._next_frame_at = 0.0
        self._reopening = False  # the line has been open before
        self._events: queue.Queue[PadEvent | None] = queue.Queue()
        self._bus_thread = DeviceThread(
            f"pad-bus {port}",
            what=f"pad bus {port}",
            open=self._open,
            work=self._step,
            on_fault=lambda: self._link.lost(RuntimeError("unexpected error")),
            retry_s=retry_s,
            log=log,
        )
        self._event_thread = threading.Thread(target=self._deliver, name=f"pad-events {port}", daemon=True)
        self.frames_seen = 0

    # --- the caller process's side ----------------------------------------------------------
    def start(self) -> PadBus:
        self._event_thread.start()
        self._bus_thread.start()
        return self

    def show(self, address: int, waiting: int | None, current_digits: str | None) -> None:
        """Numbers on the pad's display: people waiting, and the digits of the current ticket."""
        frame = ff68.display(address, waiting, current_digits)
        with self._lock:
            self._shown[address] = frame
            self._outbox[("display", address)] = frame

    def beep(self, address: int) -> None:
        frame = ff68.beep(address)
        with self._lock:
            self._outbox[("beep", address)] = frame

    @property
    def state(self) -> DeviceState:
        return self._link.state

    def close(self, timeout: float = 5.0) -> None:
        self._bus_thread.stop(timeout)
        self._events.put(None)
        if self._event_thread.is_alive():
            self._event_thread.join(timeout)
        self._link.close()

    def __enter__(self) -> PadBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the bus thread -----------------------------------------------------------------------
    def _open(self) -> bool:
        """Open the line when it is closed; on a reopened one pads get their numbers again."""
        if self._link.is_open:
            return True
        if not self._link.open():
            return False
        self._parser = FrameParser()
        with self._lock:
            if self._reopening:
                # a beep queued before the line went away was feedback for a moment that has passed;
                # numbers are what pads must show now, and they may have lost power with the adapter
                for key in [k for k in self._outbox if k[0] == "beep"]:
                    del self._outbox[key]
                for address, shown in self._shown.items():
                    self._outbox.setdefault(("display", address), shown)
            self._reopening = True
        return True

    def _step(self) -> None:
        """What pads sent answered, then one of our own frames out when its turn has come."""
        port = self._link.port
        assert port is not None
        try:
            chunk = port.read(1)
            if chunk:
                chunk += port.read(port.in_waiting)
        except (OSError, ValueError) as exc:
            self._link.lost(exc)
            return
        frames = self._parser.feed(chunk) if chunk else self._parser.idle()
        for frame in frames:
            if not self._answer(frame):
                return
        self._send_one()

    def _answer(self, frame: Frame) -> bool:
        """Echo a pad's frame and report what it means; False when the line failed."""
        self.frames_seen += 1
        if frame.function in _HOST_FUNCTIONS:
            return True
        raw = frame.to_bytes()
        now = self._clock()
        sent_at = self._written.pop(raw, None)
        if sent_at is not None and now - sent_at < self._loopback_s:
            return True
        if not self._write(raw):
            return False
        last = self._last_seen.get(frame.address)
        self._last_seen[frame.address] = (raw, now)
        if last is not None and last[0] == raw and now - last[1] < self._repeat_s:
            log.debug("pad %d resent %s; acknowledged again, reported once", frame.address, raw.hex(" "))
            return True
        event = ff68.interpret(frame)
        if event is None:
            log.info("pad %d sent a frame with no meaning here: %s", frame.address, raw.hex(" "))
        else:
            self._events.put(event)
        return True

    def _send_one(self) -> None:
        if self._clock() < self._next_frame_at:
            return
        with self._lock:
            if not self._outbox:
                return
            key = next(iter(self._outbox))
            frame = self._outbox.pop(key)
        if not self._write(frame):
            with self._lock:  # keep it for when the line is back (displays are resent anyway)
                self._outbox.setdefault(key, frame)

    def _write(self, frame: bytes) -> bool:
        port = self._link.port
        if port is None:
            return False
        try:
            port.write(frame)
        except (OSError, ValueError) as exc:
            self._link.lost(exc)
            return False
        now = self._clock()
        self._written = {f: t for f, t in self._written.items() if now - t < self._loopback_s}
        self._written[frame] = now
        self._next_frame_at = now + len(frame) * 10 / self.baudrate + self._gap_s
        return True

    # --- the event thread -----------------------------------------------------------------
    def _deliver(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            try:
                self._on_event(event)
            except Exception:  # the caller's problem must not stop the next press from arriving
                log.exception("pad bus %s: handling %r failed", self.port, event)
