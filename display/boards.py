"""What each LED board of the hall shows: a window's number (or 暂停服务), the main board's newest calls, and
for a few seconds a caller's notice (无人等候, 请先登录, …) on the board of the window whose press was refused.

The texts are decided here from the scene; the lines (`drivers.led`) only carry them. A board whose `width`
is set in its `[[led]]` table and whose text is longer scrolls one character per `led_step_s`; a board
without a width gets the whole text and scrolls it by itself, as most boards do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onewindow.drivers.led import LedBoards, LedSettings
from onewindow.drivers.led.marquee import cells, marquee

from .settings import PageOptions
from .state import Scene, WindowShown
from .texts import words

log = logging.getLogger(__name__)

# A call ends the window's ticket and calls the next: two events, a moment apart. The board keeps the old
# number this long after its ticket ended, so that it goes straight to the next number instead of showing
# the window's name for one frame and making the next number wait a line gap (50 ms) behind it.
END_HOLD_S = 0.3


@dataclass
class _Board:
    settings: LedSettings
    line: LedBoards
    text: str | None = None  # what it should show, before scrolling
    sent: str | None = None  # what it was last sent
    step: int = 0
    serving: bool = False  # showing a ticket's number
    hold_until: float = 0.0  # keeps the ended ticket's number until then (END_HOLD_S)


class HallBoards:
    """Every `[[led]]` board of one display. Thread-safe: events update it, the main loop ticks it."""

    def __init__(
        self,
        boards: Sequence[LedSettings],
        lines: Mapping[str, LedBoards],
        options: PageOptions,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.options = options
        self.lines = dict(lines)
        self.monotonic = monotonic
        # window boards first: on a shared line the board over the called window gets the first frame, the
        # main board's longer one follows within the line's gap
        ordered = sorted(boards, key=lambda b: b.main)
        self._boards = [_Board(b, self.lines[b.port]) for b in ordered]
        self._lock = threading.Lock()
        self._scene: Scene | None = None
        self._notices: dict[int, tuple[str, float]] = {}  # window: (message, until)
        self._next_step = 0.0
        self._warned: set[int] = set()

    # --- from the display process -------------------------------------------------------------
    def update(self, scene: Scene) -> None:
        """The hall changed: send each board whose text changed, at once."""
        with self._lock:
            self._scene = scene
            self._refresh()

    def caller_notice(self, window: int, message: str) -> bool:
        """Show `message` on window `window`'s boards for `notice_s`; False when no board is over it."""
        with self._lock:
            if not any(b.settings.window == window for b in self._boards):
                return False
            self._notices[window] = (message, self.monotonic() + self.options.notice_s)
            self._refresh()
            return True

    def tick(self) -> None:
        """Called often from the main loop: ends notices that have run out and scrolls long texts."""
        with self._lock:
            now = self.monotonic()
            expired = [w for w, (_, until) in self._notices.items() if until <= now]
            for window in expired:
                del self._notices[window]
            released = any(b.hold_until and b.hold_until <= now for b in self._boards)
            stepped = False
            if now >= self._next_step:
                self._next_step = now + self.options.led_step_s
                for board in self._boards:
                    if self._scrolls(board):
                        board.step += 1
                        stepped = True
            if expired or released or stepped:
                self._refresh()

    def texts(self) -> dict[tuple[str, int], str | None]:
        """What each board (port, address) should show now, before scrolling."""
        with self._lock:
            return {(b.settings.port, b.settings.address): b.text for b in self._boards}

    def health(self) -> dict[str, dict[str, Any]]:
        """One part per line for the device report: `led-1`, `led-2`, … in the order of the role file."""
        parts = {}
        for i, (port, line) in enumerate(self.lines.items(), 1):
            state = line.state
            parts[f"led-{i}"] = {
                "state": {"ok": "ok", "offline": "fault"}.get(state.status, "unknown"),
                "message": state.message[:200],
                "port": port[:200],
                "boards": sum(1 for b in self._boards if b.settings.port == port),
            }
        return parts

    # --- deciding the texts -------------------------------------------------------------------
    def _refresh(self) -> None:
        scene = self._scene
        if scene is None or not scene.loaded:
            return  # before the first snapshot the boards keep what they showed
        now = self.monotonic()
        for board in self._boards:
            text = self._text_for(board.settings, scene)
            window = scene.window(board.settings.window) if board.settings.window is not None else None
            serving = (
                window is not None
                and window.state in ("called", "serving")
                and board.settings.window not in self._notices
            )
            if board.serving and not serving and window is not None and window.state == "idle":
                if not board.hold_until:
                    board.hold_until = now + END_HOLD_S
                if now < board.hold_until:
                    continue  # the ended ticket's number stays a moment: the next call usually follows
            board.hold_until = 0.0
            board.serving = serving
            if text != board.text:
                board.text, board.step = text, 0
            shown = self._shown(board)
            if shown != board.sent:
                board.sent = shown
                try:
                    board.line.show(board.settings.address, shown)
                except Exception:  # a board's fault must not stop the others or the screen
                    log.exception(
                        "LED board %s at %s: cannot show %r", board.settings.address, board.settings.port, shown
                    )

    def _text_for(self, board: LedSettings, scene: Scene) -> str:
        w = words(scene.locale)
        if board.main:
            calls = scene.calls[: self.options.main_calls]
            if not calls:
                return self.options.led_welcome if self.options.led_welcome is not None else w.led_welcome
            return "  ".join(w.led_call.format(number=c.number, window=c.window) for c in calls)
        assert board.window is not None
        notice = self._notices.get(board.window)
        if notice is not None:
            return notice[0]
        window = scene.window(board.window)
        if window is None:
            if board.window not in self._warned:
                self._warned.add(board.window)
                log.warning("LED board %s is over window %s, which the hall does not show", board.address, board.window)
            return ""
        return window_text(window, self.options, scene.locale)

    def _scrolls(self, board: _Board) -> bool:
        width = board.settings.width
        return width is not None and board.text is not None and cells(board.text) > width

    def _shown(self, board: _Board) -> str:
        text = board.text or ""
        width = board.settings.width
        if width is None or cells(text) <= width:
            return text
        return marquee(text, width, board.step)


def window_text(window: WindowShown, options: PageOptions, locale: str) -> str:
    """A window board's text: its number while calling or serving, else what its state says."""
    w = words(locale)
    fields = {"window": window.number, "name": window.name}
    if window.state in ("called", "serving") and window.ticket:
        return options.led_serving.format(number=window.ticket, **fields)
    if window.state == "paused":
        return (options.led_paused if options.led_paused is not None else w.led_paused).format(**fields)
    if window.state in ("closed", "unstaffed"):  # nobody signed in: as good as closed, never its idle name
        return (options.led_closed if options.led_closed is not None else w.led_closed).format(**fields)
    return options.led_idle.format(**fields)


class CallerNotices:
    """Picks the new notices out of callers' device reports (`device.status` events).

    A caller whose press was refused reports a part `window-<n>`: `{"state": "warning", "message": "无人等候",
    "notice": 7}`, the counter rising with each refusal. The same report comes again with every heartbeat and
    after a reconnect, so a notice is new only when its counter differs from the last one seen for that device
    and window, and recent: within `max_age_s` of the event (hall time), so a display catching up after a
    reconnect does not replay yesterday's refusals.
    """

    def __init__(self, max_age_s: float = 5.0):
        self.max_age_s = max_age_s
        self._seen: dict[tuple[str, int], Any] = {}

    def new(self, data: Mapping[str, Any], event_at: float | None, hall_now: float) -> list[tuple[int, str]]:
        """(window, message) for each new notice in one `device.status` event's data."""
        device = data.get("device")
        status = data.get("status")
        if not isinstance(device, str) or not isinstance(status, dict) or data.get("online") is False:
            return []
        parts = status.get("parts")
        if not isinstance(parts, dict):
            return []
        recent = event_at is None or hall_now - event_at <= self.max_age_s
        out = []
        for name, part in parts.items():
            if not (isinstance(name, str) and name.startswith("window-") and name[7:].isdigit()):
                continue
            if not isinstance(part, dict) or "notice" not in part:
                continue
            window, notice, message = int(name[7:]), part.get("notice"), part.get("message")
            key = (device, window)
            if self._seen.get(key) == notice:
                continue
            self._seen[key] = notice
            if recent and isinstance(message, str) and message.strip():
                out.append((window, message.strip()))
        return out
