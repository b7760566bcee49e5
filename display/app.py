"""The display process: follows the hall, and shows each call on the TV, on the LED boards and by voice.

Threads: the event follower hands each event to `_event` (state, boards and voice at once, so a call reaches
the LED line and the speaker queue without waiting for the screen); the live-hall thread hands fresh
snapshots to `_snapshot`; the main thread draws frames, scrolls the boards and feeds systemd's watchdog.
Nothing here blocks on a device: the LED lines and the announcer have threads of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from onewindow import systemd
from onewindow.client import CoreClient, Event
from onewindow.device import Heartbeat, LiveHall, health_report
from onewindow.drivers.led import LedBoards, open_led_lines
from onewindow.drivers.screen import ScreenOpener
from onewindow.drivers.voice import Announcer, Player, pre_init_mixer
from onewindow.rolefile import RoleConfig

from .boards import CallerNotices, HallBoards
from .screen import Screen
from .settings import Settings
from .state import Call, HallState, parse_time

log = logging.getLogger(__name__)

HEADLESS_TICK_S = 0.1  # how often a display without a screen scrolls its boards and ends notices


class DisplayApp:
    """One display: `start()` connects everything, `run()` is the main loop until `stop()`.

    Tests and the benchmark pass their own `client`, `led_lines` (e.g. FakeLedLine), voice `player` and
    clocks; by default they are the real ones from the role file.
    """

    def __init__(
        self,
        config: RoleConfig,
        *,
        client: CoreClient | None = None,
        led_lines: Mapping[str, LedBoards] | None = None,
        player: Player | None = None,
        screen: bool | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        heartbeat_s: float = 5.0,
    ):
        self.config = config
        self.settings: Settings = config.settings
        options = self.settings.display
        self.clock = clock
        self.monotonic = monotonic
        self.client = client or CoreClient(config.core, config.token)
        self.state = HallState(
            windows=options.windows,
            calls_kept=max(12, options.calls_shown + 1, options.main_calls),
            locale=options.locale,
            title=options.title,
            clock=clock,
            monotonic=monotonic,
        )
        self._own_lines = led_lines is None
        self.lines: dict[str, LedBoards] = (
            dict(led_lines) if led_lines is not None else dict(open_led_lines(self.settings.leds))
        )
        self.boards = HallBoards(self.settings.leds, self.lines, options, monotonic=monotonic)
        self.notices = CallerNotices(max_age_s=options.notice_s)
        self.player = player
        self.announcer: Announcer | None = None
        self._announcer_lock = threading.Lock()
        use_screen = self.settings.screen.enabled if screen is None else screen
        self.screen: Screen | None = Screen(self.settings.screen, options) if use_screen else None
        self.live = LiveHall(self.client, self._event, self._snapshot, self._connection)
        self.heartbeat = Heartbeat(self.client, config.device, self.health, every_s=heartbeat_s)
        self.calls_heard = 0  # calls and recalls received (tests, benchmark)
        self.last_seq = 0  # the last event handled
        self.last_call_at: float | None = None  # monotonic time the last call reached state, boards and voice
        self.last_call_version = -1  # the first scene version that shows it
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._started = False
        self.screen_opener = ScreenOpener(
            self._open_tv,
            log,
            failed="cannot open the screen (%s); the boards and the voice go on; retrying every %g s",
            reopened="screen open again",
            clock=monotonic,
        )

    # --- life -------------------------------------------------------------------------------
    def start(self) -> DisplayApp:
        if self.settings.voice.enabled and self.player is None:
            pre_init_mixer()  # before pygame opens anything with its defaults
        self._open_screen()
        self.live.start()
        self.heartbeat.start()
        self._started = True
        systemd.notify("READY=1")
        return self

    def _open_screen(self) -> bool:
        """Open the TV; without one the boards and the voice go on, and the TV is tried again now and then."""
        if self.screen is None or self.screen.opened:
            return True
        return self.screen_opener.open()

    def _open_tv(self) -> None:
        assert self.screen is not None
        self.screen.open()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self.screen is not None:
            self.screen.wake()

    def close(self) -> None:
        self.live.stop()
        self.heartbeat.stop()
        if self.announcer is not None:
            self.announcer.close()
        if self._own_lines:
            for line in self.lines.values():
                line.close()
        if self.screen is not None:
            self.screen.close()

    def run(self) -> int:
        """The main loop, until `stop()` (SIGTERM) or the window is closed; returns the exit status."""
        if not self._started:
            self.start()
        watchdog = systemd.watchdog_interval_s()
        fed = 0.0
        try:
            while not self._stop.is_set():
                now = self.monotonic()
                self.boards.tick()
                if self.screen is not None and not self.screen.opened and self.screen_opener.due():
                    self._open_screen()
                if self.screen is not None and self.screen.opened:
                    scene = self.state.scene()
                    self.screen.frame(scene, now)
                    if not self.screen.wait(scene, now):
                        break
                else:
                    self._wake.wait(HEADLESS_TICK_S)
                    self._wake.clear()
                if watchdog is not None and now - fed >= watchdog:
                    systemd.notify("WATCHDOG=1")  # from the main loop: a hung frame loop gets restarted
                    fed = now
        finally:
            systemd.notify("STOPPING=1")
            self.close()
        return 0

    # --- news from the core -------------------------------------------------------------------
    def _event(self, event: Event) -> None:
        call = self.state.apply(event)
        if event.type == "device.status":
            at = parse_time(event.data.get("at"))
            for window, message in self.notices.new(event.data, at, self.state.hall_time()):
                self.boards.caller_notice(window, message)
            self.last_seq = event.seq
            return
        self.boards.update(self.state.scene())
        if call is not None:
            self._announce(call)
            self.last_call_version = self.state.version
            self.last_call_at = self.monotonic()
            self.calls_heard += 1
        self.last_seq = event.seq
        self._woken()

    def _snapshot(self, snapshot: dict[str, Any]) -> None:
        self.state.load(snapshot)
        self._voice_ready()
        self.boards.update(self.state.scene())
        self._woken()

    def _connection(self, up: bool) -> None:
        if self._stop.is_set():
            return  # our own shutdown closed the stream
        self.state.set_connected(up)
        log.log(
            logging.INFO if up else logging.WARNING, "event stream %s", "up" if up else "lost; showing the last state"
        )
        self._woken()

    def _woken(self) -> None:
        self._wake.set()
        if self.screen is not None:
            self.screen.wake()

    # --- voice ----------------------------------------------------------------------------------
    def _voice_ready(self) -> None:
        """The announcer speaks the hall's language, known from the first snapshot."""
        with self._announcer_lock:
            if self.announcer is not None or not self.settings.voice.enabled:
                return
            locale = self.state.scene().locale
            self.announcer = Announcer.from_settings(self.settings.voice, locale, player=self.player, clock=self.clock)

    def _announce(self, call: Call) -> None:
        if self.announcer is None:
            self._voice_ready()
        if self.announcer is not None:
            # the announcer measures age by the display's clock: hand it the call's time on that clock
            self.announcer.announce(call.kind, call.number, call.window, at=self.state.local_time(call.at))

    # --- health ---------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        parts: dict[str, dict[str, Any]] = {}
        if self.screen is not None and self.screen.opened:
            width, height = self.screen.size
            parts["screen"] = {
                "state": "ok",
                "message": f"{width}x{height} at up to {self.settings.screen.fps} fps",
                "frames": self.screen.frames,
            }
        elif self.screen is not None:
            problem = self.screen_opener.problem or "not opened yet"
            parts["screen"] = {"state": "fault", "message": f"cannot open the screen: {problem}"[:200]}
        connected = self.live.connected
        parts["events"] = {
            "state": "ok" if connected else "warning",
            "message": "following the hall" if connected else "event stream down; showing the last state",
        }
        parts.update(self.boards.health())
        if self.announcer is not None:
            voice = self.announcer.health
            missing = voice["missing_clips"]
            if voice["state"] == "offline":
                state, message = "fault", f"no sound: {voice['problem']}"
            elif missing:
                state, message = "warning", "clips missing: " + ", ".join(missing)
            else:
                state, message = "ok", str(voice["state"])
            parts["voice"] = {
                "state": state,
                "message": message[:200],
                "spoken": voice["spoken"],
                "stale": voice["stale"],
                "dropped": voice["dropped"],
            }
        return health_report(parts, fine="ok", limit=500)
