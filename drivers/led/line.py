"""One serial line shared by several LED boards: frames go out from a writer thread, spaced and coalesced."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from onewindow.drivers.reconnect import DeviceState, DeviceThread
from onewindow.drivers.serialport import Opener, SerialPort

from .protocols import encoder
from .settings import LedSettings

log = logging.getLogger(__name__)

GAP_S = 0.05  # boards on one RS-485 line need at least 50 ms between frames
RETRY_S = 2.0  # how often an unplugged adapter is looked for again
REFRESH_S = 60.0  # a board powered off and on alone shows nothing until it hears its text again
IDLE_CHECK_S = 1.0  # how soon an unplug is noticed while nothing is being shown


class LedBoards(Protocol):
    """What a display process needs from a line of LED boards; LedLine and FakeLedLine both are one."""

    def show(self, address: int, text: str) -> None: ...

    @property
    def state(self) -> DeviceState: ...

    def close(self) -> None: ...


class LedLine:
    """The boards on one port. `show()` returns at once; a writer thread sends the newest text per board.

    Frames on the line keep at least `gap_s` between them (plus the frame's own time on the wire). When
    updates pile up, only the newest text of each board is sent. An unplugged adapter is logged once, the
    state goes offline and the port is reopened every `retry_s`; once back, every board's text is resent.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        protocol: str = "soh",
        *,
        gap_s: float = GAP_S,
        retry_s: float = RETRY_S,
        refresh_s: float | None = REFRESH_S,
        open_port: Opener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.port = port
        self.baudrate = baudrate
        self._encode = encoder(protocol)
        self._gap_s = gap_s
        self._refresh_s = refresh_s
        self._clock = clock
        self._link = SerialPort(port, baudrate, timeout=0, what="LED line", open_port=open_port, log=log)
        self._cond = threading.Condition()
        self._current: dict[int, str] = {}  # what each board should show
        self._pending: dict[int, str] = {}  # what still has to go out, in the order it was asked for
        self._refresh: dict[int, str] = {}  # texts sent again (after a replug, every minute): after any change
        self._sent: dict[int, str] = {}  # what each board was last sent on the open port
        self._next_frame_at = 0.0
        self._refreshed_at = 0.0
        self._thread = DeviceThread(
            f"led-line {port}",
            what=f"LED line {port}",
            open=self._open,
            work=self._step,
            on_fault=lambda: self._link.lost(RuntimeError("unexpected error")),
            retry_s=retry_s,
            log=log,
            wake=self._wake,
            clock=clock,
        )

    # --- the display process's side -------------------------------------------------------
    def start(self) -> LedLine:
        self._thread.start()
        return self

    def show(self, address: int, text: str) -> None:
        """Have the board at `address` show `text`; never waits for the line."""
        if not 0 <= address <= 255:
            raise ValueError(f"LED board address {address} is not a byte (0 to 255)")
        with self._cond:
            self._current[address] = text
            if self._sent.get(address) == text and address not in self._pending:
                return
            self._refresh.pop(address, None)
            self._pending[address] = text
            self._cond.notify()

    @property
    def state(self) -> DeviceState:
        return self._link.state

    @property
    def boards(self) -> dict[int, str]:
        """Each board's current text, by address."""
        with self._cond:
            return dict(self._current)

    def close(self, timeout: float = 5.0) -> None:
        self._thread.stop(timeout)
        self._link.close()

    def __enter__(self) -> LedLine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the writer thread ------------------------------------------------------------------
    def _open(self) -> bool:
        """Open the port when it is closed; a freshly opened one hears every board's text again."""
        if self._link.is_open:
            return True
        if not self._link.open():
            return False
        with self._cond:
            self._sent.clear()
            self._resend_all()  # a board may have lost power with the adapter
        self._refreshed_at = self._clock()
        return True

    def _wake(self) -> None:
        """End the writer's wait for texts: the line is closing."""
        with self._cond:
            self._cond.notify_all()

    def _step(self) -> None:
        """One frame out, or when nothing is waiting a look at whether the adapter is still there."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending or self._refresh or self._thread.stopping, timeout=IDLE_CHECK_S)
            idle = not (self._pending or self._refresh)
        if self._thread.stopping:
            return
        if idle:
            self._idle()
            return
        # wait out the gap before choosing, so that texts arriving meanwhile replace older ones
        self._thread.wait(self._next_frame_at - self._clock())
        with self._cond:
            # a change (a call) goes before texts that are only sent again
            queue = self._pending or self._refresh
            if self._thread.stopping or not queue:
                return
            address = next(iter(queue))
            text = queue.pop(address)
        frame = self._encode(address, text)
        port = self._link.port
        assert port is not None
        try:
            port.write(frame)
        except (OSError, ValueError) as exc:
            self._lost(exc)
            return
        with self._cond:
            self._sent[address] = text
        # the write returns once the bytes are queued, so count their time on the wire (10 bits a byte)
        self._next_frame_at = self._clock() + len(frame) * 10 / self.baudrate + self._gap_s

    def _idle(self) -> None:
        port = self._link.port
        assert port is not None
        try:
            # boards do not answer, but reading is how an unplugged adapter shows itself (EIO, or
            # "ready to read but returned no data") when nothing is being written
            port.read(256)
        except (OSError, ValueError) as exc:
            self._lost(exc)
            return
        if self._refresh_s is not None and self._clock() - self._refreshed_at >= self._refresh_s:
            self._refreshed_at = self._clock()
            with self._cond:
                self._sent.clear()
                self._resend_all()

    def _resend_all(self) -> None:
        """Queue every board's text again behind any change still waiting (caller holds the lock)."""
        for address, text in self._current.items():
            if address not in self._pending:
                self._refresh[address] = text

    def _lost(self, exc: BaseException) -> None:
        self._link.lost(exc)
        with self._cond:
            self._sent.clear()


def open_led_lines(boards: Iterable[LedSettings], **options: Any) -> dict[str, LedLine]:
    """One started LedLine per port the `[[led]]` boards sit on, keyed by port; `options` go to each."""
    lines: dict[str, LedLine] = {}
    for board in boards:
        if board.port not in lines:
            lines[board.port] = LedLine(board.port, board.baudrate, board.protocol, **options).start()
    return lines
