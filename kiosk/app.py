"""The running kiosk: the touchscreen loop on the main thread, with the hall, the worker and the heartbeat around it.

The loop only reads what the other threads left (the live hall, the printer's last status, finished tickets)
and draws; it never waits on the network or the printer. systemd's watchdog is fed from this loop, so a
frozen screen gets the process restarted.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pygame

from onewindow import systemd
from onewindow.client import CoreClient
from onewindow.device import Heartbeat, LiveHall, health_report
from onewindow.drivers.printer import PrinterStatus, open_printer
from onewindow.drivers.screen import ScreenOpener, choose_video_driver
from onewindow.rolefile import RoleConfig

from . import draw, flow, paint
from .flow import Flow, NotIssued, Outcome, parse_time
from .issuing import Dispenser
from .paint import HallWords
from .settings import Settings
from .texts import locale_of
from .touch import drawn_size, rotation_for, taps, to_drawn

log = logging.getLogger(__name__)

WINDOW_SIZE = {"portrait": (608, 1080), "landscape": (1280, 720)}  # a window on a desk, when no size is given
ANIMATED = (flow.PRINTING, flow.STARTING)
HELP_MESSAGE = "a citizen asks for staff at this kiosk (请工作人员协助)"


@dataclass(frozen=True)
class Options:
    """How this run differs from a kiosk in the hall: tests, the demo and benchmarks."""

    windowed: bool = False
    size: tuple[int, int] | None = None
    screenshot_dir: Path | None = None


def printer_part(status: PrinterStatus | None, where: str, mode: str) -> dict[str, Any]:
    """The printer's entry in the device report. Only what says how it is: a report that changes makes an event
    and an entry in the operation log, so counts and the screen shown stay out of it."""
    if status is None:
        return {"state": "unknown", "message": "not asked yet", "where": where[:200]}
    state = {"ok": "ok", "near_end": "warning", "unknown": "unknown"}.get(status.state, "fault")
    return {
        "state": state,
        "message": status.message[:200],
        "paper": status.paper,
        "online": status.online,
        "where": where[:200],
        "mode": mode,
    }


class KioskApp:
    """One kiosk: open with `open()`, then `run()` (or `step()` from a test), then `close()`."""

    def __init__(self, role: RoleConfig, options: Options | None = None, clock: Callable[[], float] = time.monotonic):
        self.role = role
        self.settings: Settings = role.settings
        self.options = options or Options()
        self.clock = clock
        k = self.settings.kiosk
        self.client = CoreClient(role.core, role.token, timeout=5.0)
        self.printer = open_printer(self.settings.printer)
        self.flow = Flow(idle_s=k.idle_s, result_s=k.result_s, started_at=clock())
        self._outcomes: queue.Queue[Outcome] = queue.Queue()
        self.live = LiveHall(
            self.client, on_change=lambda _: self._wake(), on_connection=lambda _: self._wake(), settle_s=0.1
        )
        self.dispenser = Dispenser(
            self.client,
            self.printer,
            core_url=role.core,
            ticket_url_template=k.ticket_url,
            hall=lambda: self.live.snapshot,
            on_outcome=self._outcome,
            on_printer=self._printer_changed,
            issue_timeout_s=k.issue_timeout_s,
            check_every_s=k.printer_check_s,
        )
        self.heartbeat = Heartbeat(self.client, role.device, self.health)
        self.type = draw.Type()
        self.screen: pygame.Surface | None = None
        self.picture: pygame.Surface | None = None
        self.rotate = 0
        self.screen_opener = ScreenOpener(
            self._set_mode,
            log,
            failed="cannot open the screen (%s); trying again every %g s",
            reopened="the screen is open",
            clock=clock,
            errors=(pygame.error,),
        )
        self.targets: list[paint.Target] = []
        self.overflow: list[str] = []
        self.shown: flow.View | None = None
        self._drawn_key: Any = None
        self._turning: tuple[tuple[int, int], int, paint.Color, int] | None = None
        self._shots = 0
        self._stop = threading.Event()
        self._wake_type = 0
        self._ready = False
        self._watchdog_s = systemd.watchdog_interval_s()
        self._watchdog_at = 0.0

    # --- life -------------------------------------------------------------------------------------------

    def open(self) -> KioskApp:
        self.live.start()
        self.dispenser.start()
        self.heartbeat.start()
        if self.settings.screen.enabled:
            self._open_screen()
        return self

    def close(self) -> None:
        self._stop.set()
        self.heartbeat.stop()
        self.dispenser.stop()
        self.live.stop()
        self.printer.close()
        self.client.close()
        if pygame.display.get_init():
            pygame.display.quit()

    def stop(self) -> None:
        """Ask the loop to end (from a signal handler or another thread)."""
        self._stop.set()
        self._wake()

    def _open_screen(self) -> None:
        was = self.screen_opener.problem
        if not self.screen_opener.open():
            if self.screen_opener.problem != was:
                # the kiosk works (it reports, it retries): ready, or systemd would restart it in a loop
                systemd.notify(f"READY=1\nSTATUS=waiting for the screen: {self.screen_opener.problem}")
            return
        if was is not None:
            systemd.notify("STATUS=the screen is open")
        assert self.screen is not None
        fullscreen = self.settings.screen.fullscreen and not self.options.windowed
        pygame.display.set_caption("onewindow kiosk")
        pygame.mouse.set_visible(not fullscreen)
        self._wake_type = pygame.event.custom_type()
        self.rotate = rotation_for(self.settings.kiosk.orientation, self.screen.get_size(), self.settings.screen.rotate)
        self.picture = (
            self.screen if self.rotate == 0 else pygame.Surface(drawn_size(self.screen.get_size(), self.rotate))
        )
        self._drawn_key = None
        log.info(
            "screen %dx%d (%s), picture %dx%d turned %d°",
            *self.screen.get_size(),
            pygame.display.get_driver(),
            *self.picture.get_size(),
            self.rotate,
        )

    def _set_mode(self) -> None:
        """Open the panel; pygame.error (SDL says why) when there is none."""
        choose_video_driver()
        screen_settings = self.settings.screen
        fullscreen = screen_settings.fullscreen and not self.options.windowed
        size = self.options.size or screen_settings.size
        try:
            pygame.display.init()
            if fullscreen:
                self.screen = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
            else:
                self.screen = pygame.display.set_mode(size or WINDOW_SIZE[self.settings.kiosk.orientation])
        except pygame.error:
            self.screen = None
            pygame.display.quit()  # a half-open video subsystem would refuse the next try
            raise

    def _wake(self) -> None:
        """Wake the loop from another thread: something it shows has changed."""
        if self._wake_type and pygame.display.get_init():
            with contextlib.suppress(pygame.error):
                pygame.event.post(pygame.event.Event(self._wake_type))

    def _outcome(self, outcome: Outcome) -> None:
        self._outcomes.put(outcome)
        if isinstance(outcome, NotIssued) and outcome.reason in ("paper_out", "printer"):
            self.heartbeat.now()
        if isinstance(outcome, NotIssued) and outcome.reason == "hall_closed":
            self.live.refresh()  # on the worker's thread: the snapshot with the hours that refused it
        self._wake()

    def _printer_changed(self, status: PrinterStatus) -> None:
        self.heartbeat.now()
        self._wake()

    # --- the loop ---------------------------------------------------------------------------------------

    def run(self) -> int:
        while not self._stop.is_set():
            self.step(self.wait_ms())
        return 0

    def wait_ms(self) -> int:
        """How long the loop may sleep waiting for an event: a turning ring needs frames, a still screen does not
        (taps and finished tickets wake it at once)."""
        return 50 if self.shown is not None and self.shown.screen in ANIMATED else 250

    def step(self, wait_ms: int = 0) -> None:
        """One turn of the loop: events, finished tickets, the time, and a new picture when anything changed."""
        if self.screen is None:
            if self.settings.screen.enabled and self.screen_opener.due():
                self._open_screen()
            if self.screen is None:
                self._stop.wait(wait_ms / 1000)
                self._take_outcomes()
                self._feed_watchdog()
                return
        events = []
        if wait_ms:
            first = pygame.event.wait(wait_ms)
            if first.type != pygame.NOEVENT:
                events.append(first)
        events += pygame.event.get()
        self._take_outcomes()
        self._see_the_world()
        for event in events:
            if event.type == pygame.QUIT:
                self._stop.set()
        assert self.screen is not None and self.picture is not None
        for pos in taps(events, self.screen.get_size()):
            self.tap_picture(to_drawn(pos, self.screen.get_size(), self.rotate))
        asking = self.flow.asking_for_help
        self.flow.tick(self.clock())
        if self.flow.asking_for_help != asking:
            self.heartbeat.now()
        self._draw()
        self._feed_watchdog()

    def tap_picture(self, pos: tuple[int, int]) -> None:
        """A tap at a point of the upright picture: the topmost target there acts."""
        target = next((t for t in reversed(self.targets) if t.rect.collidepoint(pos)), None)
        if target is None:
            return
        asking = self.flow.asking_for_help
        command = self.flow.tap(target.action, target.arg, self.clock())
        if command is not None:
            self.dispenser.submit(command)
        if self.flow.asking_for_help != asking:
            self.heartbeat.now()  # the manager's page shows the call for staff at once, and its end
        self._drawn_key = None

    def _take_outcomes(self) -> None:
        while True:
            try:
                outcome = self._outcomes.get_nowait()
            except queue.Empty:
                return
            self.flow.done(outcome, self.clock())

    def _see_the_world(self) -> None:
        self.flow.snapshot = self.live.snapshot
        self.flow.connected = self.live.connected
        self.flow.was_connected = self.flow.was_connected or self.flow.connected
        self.flow.hall_now = self.hall_now()
        if self.dispenser.status is not None:
            self.flow.printer = self.dispenser.status

    def _feed_watchdog(self) -> None:
        if self._watchdog_s is None:
            return
        now = self.clock()
        if now - self._watchdog_at >= self._watchdog_s:
            systemd.notify("WATCHDOG=1")
            self._watchdog_at = now

    def hall_now(self) -> datetime:
        """The hall's time as the core keeps it, for the clock and the hours: the last snapshot's `now` plus the
        time since it was fetched (a Pi without a clock battery may be off); the kiosk's own clock before that."""
        then = parse_time((self.live.snapshot or {}).get("now"))
        fetched_at = self.live.fetched_at
        if then is None or fetched_at is None:
            return self.own_now()
        return then + timedelta(seconds=max(0.0, time.monotonic() - fetched_at))

    def own_now(self) -> datetime:
        zone = (self.flow.snapshot or {}).get("timezone")
        try:
            return datetime.now(ZoneInfo(zone)) if zone else datetime.now().astimezone()
        except (KeyError, ValueError):
            return datetime.now().astimezone()

    def scene(self) -> draw.Scene:
        snapshot = self.flow.snapshot or {}
        now = self.clock()
        return draw.Scene(
            view=self.flow.view(now),
            hall_name=snapshot.get("name", ""),
            cards=flow.cards(snapshot),
            priority_offered=bool(snapshot.get("priority")),
            now=self.hall_now(),
            phase=(now % 1.2) / 1.2,
            words=HallWords.of(snapshot),
        )

    def _draw(self) -> None:
        assert self.screen is not None and self.picture is not None
        scene = self.scene()
        locale = locale_of(self.flow.snapshot)
        animated = scene.view.screen in ANIMATED
        key = (
            scene.view,
            id(self.flow.snapshot),
            self.flow.connected,
            locale,
            scene.now.strftime("%Y%m%d%H%M"),
            scene.phase if animated else None,
        )
        if key == self._drawn_key:
            return
        if self._turning is not None and self._drawn_key is not None and key[:-1] == self._drawn_key[:-1]:
            # only the ring turned: redraw it alone, so a Pi spends its time on the ticket, not on frames
            center, radius, color, width = self._turning
            box = paint.turn_ring(self.picture, center, radius, scene.phase, color, width)
            if self.picture is self.screen:
                pygame.display.update(box)
            else:
                self.screen.blit(pygame.transform.rotate(self.picture, -self.rotate), (0, 0))
                pygame.display.flip()
            self._drawn_key = key
            return
        painter = draw.draw(self.picture, self.type, locale, scene)
        self._turning = painter.turning
        self.targets, self.overflow = painter.targets, painter.overflow
        if self.overflow:
            log.warning("text did not fit on the %s screen: %s", scene.view.screen, self.overflow)
        if self.picture is not self.screen:
            self.screen.blit(pygame.transform.rotate(self.picture, -self.rotate), (0, 0))
        pygame.display.flip()
        changed = self.shown is None or self.shown.screen != scene.view.screen
        self.shown = scene.view
        self._drawn_key = key
        if changed and self.options.screenshot_dir is not None:
            self._shots += 1
            self.save_picture(self.options.screenshot_dir / f"{self._shots:03d}-{scene.view.screen}.png")
        if not self._ready:
            self._ready = True
            systemd.notify("READY=1")

    def redraw(self) -> None:
        """Draw now even if nothing changed (after a test changed what the loop reads)."""
        self._drawn_key = None
        self._draw()

    def save_picture(self, path: Path) -> None:
        """The upright picture as a citizen sees it, as a PNG."""
        assert self.picture is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.picture, str(path))

    def target(self, action: str, arg: str | None = None) -> paint.Target | None:
        return next((t for t in self.targets if t.action == action and (arg is None or t.arg == arg)), None)

    # --- the device report ------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        printer = printer_part(self.dispenser.status, self.printer.where, self.settings.printer.mode)
        screen: dict[str, Any]
        if not self.settings.screen.enabled:
            screen = {"state": "warning", "message": "screen disabled in the role file: nobody can take a ticket"}
        elif self.screen is None:
            problem = self.screen_opener.problem or "not yet"
            screen = {"state": "fault", "message": f"cannot open the screen: {problem}"[:200]}
        else:
            width, height = self.picture.get_size() if self.picture else self.screen.get_size()
            screen = {"state": "ok", "message": "open", "size": f"{width}x{height}", "turned": self.rotate}
        parts = {"printer": printer, "screen": screen}
        if self.flow.asking_for_help:
            # elder mode's 请工作人员协助: a part of the report, so the manager's device list shows it with no new API
            parts["help"] = {"state": "warning", "message": HELP_MESSAGE}
        return health_report(parts, fine="ready", warnings=True)
