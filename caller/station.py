"""One caller or evaluator Pi: its USB keypads and RS-485 pads, each press sent to the core at once, refusals fed
back to the clerk, the pads' displays kept up to date, and the device's health reported.

A press goes to the core once, straight away, from a worker of its window (so a slow answer at one window
never holds up another). It is never sent again: a press the core refuses or never answers is fed back, and
a press that waited behind a slow one for longer than `stale_s` is dropped with the same feedback rather
than sent late. Feedback is a beep on the pad that was pressed and, for every press, a short text for the
window's LED board, carried by this device's status as the part `window-<n>`:
`{"state": "warning", "message": "无人等候", "notice": <a number that only grows>}` for `notice_s`.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable
from onewindow.device import Heartbeat, LiveHall, health_report
from onewindow.drivers.keypad import KeypadReader
from onewindow.drivers.keypad.reader import EvdevKeypad, KeypadDevice
from onewindow.drivers.pads import PadBus, PadEvent
from onewindow.drivers.serialport import Opener
from onewindow.rolefile import RoleConfig

from . import feedback
from .keys import Command, KeySequencer, PadSequencer
from .settings import CallerSettings

log = logging.getLogger(__name__)

STALE_S = 2.0  # a press not yet sent after this long is dropped, never sent late
DEVICE_RETRY_S = 2.0  # how often the core is asked who this device is, until it answers
MAX_REPORT = 3800  # the core takes status reports of at most 4096 bytes

# the core's action for each command of a clerk's keypad (pause is a toggle, decided when pressed)
ACTIONS = {
    "call": "call",
    "recall": "recall",
    "start": "start",
    "finish": "finish",
    "no_show": "no-show",
    "sign_out": "sign-out",
}
# commands that ask nothing of the core
QUIET = ("clear", "clerk")

Source = tuple[str, int, int]  # ("keypad", index, 0) or ("pad", bus index, address)


@dataclass(frozen=True)
class Press:
    """A command from one keypad or pad for one window, and when it arrived (the station's clock)."""

    window: int
    command: Command
    source: Source
    at: float


@dataclass(frozen=True)
class Notice:
    message: str
    number: int
    until: float


class _Desk:
    """One window's presses, carried out one after the other on a thread of the window's own."""

    def __init__(self, window: int, carry_out: Callable[[Press], None]):
        self.presses: queue.Queue[Press | None] = queue.Queue()
        self._carry_out = carry_out
        self._thread = threading.Thread(target=self._run, name=f"window-{window}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            press = self.presses.get()
            if press is None:
                return
            try:
                self._carry_out(press)
            except Exception:  # one bad press must not leave the window without its keypad
                log.exception("window %d: %r failed", press.window, press.command)

    def stop(self) -> None:
        self.presses.put(None)
        self._thread.join(5)


class CallerStation:
    """The keypads and pads of one role file. `start()`, then `tick()` from the main loop, `stop()` at the end.

    Whether it is a caller or an evaluator comes from the core (`GET /api/v1/device`); until the core has
    said, presses are refused as "offline". `on_outcome(press, outcome)` (tests, benchmark) hears how each
    press ended: "ok" or the feedback key (see onewindow.caller.feedback).
    """

    def __init__(
        self,
        role: RoleConfig,
        client: CoreClient,
        *,
        open_keypad: Callable[[str], KeypadDevice] = EvdevKeypad,
        open_port: Opener | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        stale_s: float = STALE_S,
        heartbeat_s: float = 5.0,
        keypad_retry_s: float = 2.0,
        line_retry_s: float = 2.0,
        on_outcome: Callable[[Press, str], None] | None = None,
    ):
        self.role = role
        self.settings: CallerSettings = role.settings
        self.client = client
        self._clock = clock
        self._wall = wall
        self.stale_s = stale_s
        self.on_outcome = on_outcome
        self.kind: str | None = None  # caller or evaluator, once the core has said
        self.device_windows: tuple[int, ...] = ()
        self._device_problem: str | None = None
        self._device_asked_at: float | None = None
        self._lock = threading.Lock()
        self._desks: dict[int, _Desk] = {}
        self._notices: dict[int, Notice] = {}
        self._notice_number = 0
        self._states: dict[int, tuple[str, float]] = {}  # window -> (state, when) from our own answers
        self._key_sequencers: dict[int, KeySequencer] = {}
        self._pad_sequencers: dict[tuple[int, int], PadSequencer] = {}
        self._pads_shown: dict[tuple[int, int], tuple[int | None, str | None]] = {}
        self._unknown_pads: set[tuple[int, int]] = set()
        self.readers = [
            KeypadReader(
                k.path,
                (lambda key, i=i: self._key(i, key)),
                open_device=open_keypad,
                retry_s=keypad_retry_s,
            )
            for i, k in enumerate(self.settings.keypads)
        ]
        self.buses = [
            PadBus(
                b.port,
                (lambda event, j=j: self._pad(j, event)),
                baudrate=b.baudrate,
                open_port=open_port,
                retry_s=line_retry_s,
            )
            for j, b in enumerate(self.settings.buses)
        ]
        self.live = LiveHall(client, on_change=self._hall_changed, on_connection=self._connection)
        self.heartbeat = Heartbeat(client, role.device, self.health, every_s=heartbeat_s)
        self._part_names = self._name_parts()

    # --- running -------------------------------------------------------------------------------
    def start(self) -> CallerStation:
        for reader in self.readers:
            reader.start()
        for bus in self.buses:
            bus.start()
        self.tick()
        self.live.start()
        self.heartbeat.start()
        return self

    def tick(self) -> None:
        """From the main loop: learn who this device is until the core has said."""
        if self.kind is None:
            now = self._clock()
            if self._device_asked_at is None or now - self._device_asked_at >= DEVICE_RETRY_S:
                self._device_asked_at = now
                self._ask_device()

    def stop(self) -> None:
        self.heartbeat.stop()
        self.live.stop()
        for reader in self.readers:
            reader.close()
        with self._lock:
            desks, self._desks = list(self._desks.values()), {}
        for desk in desks:
            desk.stop()
        for bus in self.buses:
            bus.close()
        self.client.close()

    def __enter__(self) -> CallerStation:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _ask_device(self) -> None:
        try:
            info = self.client.device()
        except CoreUnreachable as exc:
            self._problem(f"core not reachable: {exc}")
            return
        except CoreRefused as exc:
            self._problem(f"the core refuses this device ({exc}): check device and token in {self.role.path}")
            return
        kind = info.get("kind")
        if kind not in ("caller", "evaluator"):
            self._problem(f"{self.role.device} is a {kind} in the hall file, not a caller or evaluator")
            return
        self.device_windows = tuple(info.get("windows") or ())
        self.kind = kind
        self._device_problem = None
        log.info("%s is the %s of windows %s", self.role.device, kind, ", ".join(map(str, self.device_windows)))
        foreign = [w for w in self.settings.windows if w not in self.device_windows]
        if foreign:
            log.error(
                "windows %s are in %s but not among %s's windows in the hall file: their presses will be refused",
                ", ".join(map(str, foreign)),
                self.role.path,
                self.role.device,
            )
        if self.live.snapshot is not None:
            self._hall_changed(self.live.snapshot)

    def _problem(self, message: str) -> None:
        if message != self._device_problem:
            log.warning("%s; asking again every %g s", message, DEVICE_RETRY_S)
        self._device_problem = message

    # --- presses in ----------------------------------------------------------------------------
    def _key(self, index: int, key: str) -> None:
        """A key of USB keypad `index`, on its reader's thread."""
        window = self.settings.keypads[index].window
        sequencer = self._key_sequencer(index)
        if sequencer is None:
            self._refuse(Press(window, Command(key), ("keypad", index, 0), self._clock()), "offline")
            return
        command = sequencer.feed(key)
        if command is not None and command.name not in QUIET:
            self._submit(Press(window, command, ("keypad", index, 0), self._clock()))

    def _key_sequencer(self, index: int) -> KeySequencer | None:
        if self.kind is None:
            return None
        sequencer = self._key_sequencers.get(index)
        if sequencer is None or sequencer.role != self.kind:
            keymap = self.settings.keymaps[self.settings.keypads[index].keymap]
            sequencer = self._key_sequencers[index] = KeySequencer(keymap, self.kind, clock=self._clock)
        return sequencer

    def _pad(self, bus_index: int, event: PadEvent) -> None:
        """A press or score from a pad of bus `bus_index`, on the bus's event thread."""
        bus = self.settings.buses[bus_index]
        window = bus.window_of(event.address)
        if window is None:
            if (bus_index, event.address) not in self._unknown_pads:
                self._unknown_pads.add((bus_index, event.address))
                log.warning("a pad at address %d on %s is not in %s: ignored", event.address, bus.port, self.role.path)
            return
        source: Source = ("pad", bus_index, event.address)
        sequencer = self._pad_sequencers.setdefault((bus_index, event.address), PadSequencer(clock=self._clock))
        command = sequencer.feed(event)
        if command is not None and command.name == "clear":
            self.buses[bus_index].beep(event.address)  # the press did nothing (a sign-in broken off, 3 确认)
        elif command is not None and command.name not in QUIET:
            self._submit(Press(window, command, source, self._clock()))

    def _submit(self, press: Press) -> None:
        with self._lock:
            desk = self._desks.get(press.window)
            if desk is None:
                desk = self._desks[press.window] = _Desk(press.window, self._carry_out)
        desk.presses.put(press)

    # --- presses out ---------------------------------------------------------------------------
    def _carry_out(self, press: Press) -> None:
        """Send one press to the core, once; feed back what went wrong."""
        if self._clock() - press.at > self.stale_s:
            self._refuse(press, "late")  # it waited behind a slow answer: sending it now would surprise
            return
        if self.kind is None:
            self._refuse(press, "offline")
            return
        command, window = press.command, press.window
        if (command.name == "score") != (self.kind == "evaluator"):
            self._refuse(press, "forbidden")  # a caller never rates, an evaluator only rates
            return
        try:
            outcome = self._send(window, command)
        except (CoreUnreachable, CoreRefused) as exc:
            outcome = feedback.reason(exc)  # for a score, only the core knows what is armed: it says why not
        if outcome == "ok":
            log.info("window %d: %s done", window, command.name)
            self._outcome(press, outcome)
        else:
            self._refuse(press, outcome)

    def _send(self, window: int, command: Command) -> str:
        name = command.name
        if name == "score":
            assert isinstance(command.value, int)
            self.client.rate(window, command.value)
            return "ok"
        if name == "pause":
            self._toggle_pause(window)
            return "ok"
        if name == "transfer":
            assert isinstance(command.value, int)
            service = self._transfer_target(window, command.value)
            if service is None:
                return "no_such_service"
            self.client.act(window, "transfer", {"service": service})
            return "ok"
        if name == "sign_in":
            assert command.clerk is not None and isinstance(command.value, str)
            answer = self.client.act(
                window, "sign-in", {"clerk": self.settings.clerk_id(command.clerk), "pin": command.value}
            )
            self._note_state(window, answer)
            return "ok"
        action = ACTIONS.get(name)
        if action is None:
            return "failed"
        answer = self.client.act(window, action)
        if name == "call" and answer is None:
            return "nobody_waiting"
        return "ok"

    def _toggle_pause(self, window: int) -> None:
        """Pause an open window, resume a paused one. Should the core know better (a pause from the web caller a
        moment ago), its refusal says so and the other one is sent: the clerk's one press, carried out once."""
        state = self._window_state(window)
        action = "resume" if state == "paused" else "pause"
        try:
            answer = self.client.act(window, action)
        except CoreRefused as exc:
            if exc.code not in ("already_paused", "not_paused"):
                raise
            action = "pause" if action == "resume" else "resume"
            answer = self.client.act(window, action)
        self._note_state(window, answer)

    def _window_state(self, window: int) -> str | None:
        """open, paused or closed, from the freshest of our own last answer and the live hall."""
        own = self._states.get(window)
        snapshot, fetched_at = self.live.snapshot, self.live.fetched_at
        if own is not None and (fetched_at is None or own[1] >= fetched_at):
            return own[0]
        if snapshot is None:
            view = self.client.window(window)
            return str(view.get("state"))
        for w in snapshot.get("windows", []):
            if w.get("number") == window:
                return str(w.get("state"))
        return None

    def _note_state(self, window: int, answer: dict[str, Any] | None) -> None:
        if isinstance(answer, dict) and isinstance(answer.get("state"), str):
            self._states[window] = (answer["state"], time.monotonic())

    def _transfer_target(self, window: int, position: int) -> str | None:
        """The service a transfer digit names: the hall's (or the window's) n-th service, counted from 1."""
        snapshot = self.live.snapshot or self.client.hall()
        services: list[str]
        if self.settings.transfer_to == "window":
            services = next((w.get("services", []) for w in snapshot.get("windows", []) if w["number"] == window), [])
        else:
            services = [s["id"] for s in snapshot.get("services", [])]
        return services[position - 1] if 1 <= position <= len(services) else None

    # --- feedback ------------------------------------------------------------------------------
    def _refuse(self, press: Press, outcome: str) -> None:
        kind, bus_index, address = press.source
        if kind == "pad":
            self.buses[bus_index].beep(address)
        locale = (self.live.snapshot or {}).get("locale")
        message = feedback.text(outcome, locale)
        with self._lock:
            self._notice_number = max(self._notice_number + 1, int(self._wall() * 1000))
            self._notices[press.window] = Notice(message, self._notice_number, self._clock() + self.settings.notice_s)
        log.info("window %d: %s refused: %s (%s)", press.window, press.command.name, outcome, message)
        self.heartbeat.now()
        self._outcome(press, outcome)

    def _outcome(self, press: Press, outcome: str) -> None:
        if self.on_outcome is not None:
            try:
                self.on_outcome(press, outcome)
            except Exception:
                log.exception("an outcome listener failed")

    def notices(self) -> dict[int, Notice]:
        """The refusals still shown, by window."""
        now = self._clock()
        with self._lock:
            self._notices = {w: n for w, n in self._notices.items() if n.until > now}
            return dict(self._notices)

    # --- the pads' displays --------------------------------------------------------------------
    def _hall_changed(self, snapshot: dict[str, Any]) -> None:
        if self.kind != "caller":
            return  # evaluator pads have no numbers to show
        windows = {w["number"]: w for w in snapshot.get("windows", [])}
        for j, bus in enumerate(self.settings.buses):
            for pad in bus.pads:
                w = windows.get(pad.window)
                if w is None:
                    self._show(j, pad.address, None, None)
                    continue
                current = w.get("current") or {}
                self._show(j, pad.address, int(w.get("waiting", 0)), current.get("number"))

    def _connection(self, up: bool) -> None:
        if not up and self.kind == "caller":
            # dark numbers tell the clerk that what the pad showed is no longer live
            for j, bus in enumerate(self.settings.buses):
                for pad in bus.pads:
                    self._show(j, pad.address, None, None)

    def _show(self, bus_index: int, address: int, waiting: int | None, current: str | None) -> None:
        key = (bus_index, address)
        with self._lock:
            if self._pads_shown.get(key) == (waiting, current):
                return
            self._pads_shown[key] = (waiting, current)
        self.buses[bus_index].show(address, waiting, current)

    # --- health --------------------------------------------------------------------------------
    def _name_parts(self) -> list[str]:
        names: list[str] = []
        for k in self.settings.keypads:
            base = f"keypad-{k.window}"
            name, n = base, 1
            while name in names:
                n += 1
                name = f"{base}.{n}"
            names.append(name)
        return names

    def health(self) -> dict[str, Any]:
        """The device status: each keypad and bus, a problem with the device's windows, and the notices."""
        parts: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        for name, reader, k in zip(self._part_names, self.readers, self.settings.keypads, strict=True):
            state = reader.state
            parts[name] = {
                "state": {"ok": "ok", "missing": "fault"}.get(state.status, "unknown"),
                "message": state.message[:160],
                "window": k.window,
            }
            if state.status == "missing":
                problems.append(f"keypad of window {k.window} missing")
        for j, (bus, b) in enumerate(zip(self.buses, self.settings.buses, strict=True)):
            state = bus.state
            parts[f"bus-{j + 1}"] = {
                "state": {"ok": "ok", "offline": "fault"}.get(state.status, "unknown"),
                "message": state.message[:160],
                "pads": len(b.pads),
                "frames": bus.frames_seen,
            }
            if state.status == "offline":
                problems.append(f"pad line {b.port} offline")
        if self.kind is None:
            parts["device"] = {"state": "unknown", "message": (self._device_problem or "asking the core")[:160]}
        else:
            foreign = [w for w in self.settings.windows if w not in self.device_windows]
            if foreign:
                message = f"windows {', '.join(map(str, foreign))} are not {self.role.device}'s in the hall file"
                parts["device"] = {"state": "fault", "message": message}
                problems.append(message)
        for window, notice in sorted(self.notices().items()):
            parts[f"window-{window}"] = {"state": "warning", "message": notice.message, "notice": notice.number}
        return _fit(health_report(parts, fine=self._summary(), problems=problems, limit=300, version=None))

    def _summary(self) -> str:
        what = []
        if self.readers:
            what.append(f"{len(self.readers)} keypad{'s' if len(self.readers) > 1 else ''}")
        if self.buses:
            pads = sum(len(b.pads) for b in self.settings.buses)
            what.append(
                f"{pads} pad{'s' if pads > 1 else ''} on {len(self.buses)} line{'s' if len(self.buses) > 1 else ''}"
            )
        return f"{self.kind or 'keypads'}: {' and '.join(what)} ok"


def _fit(report: dict[str, Any]) -> dict[str, Any]:
    """Keep the report under the core's size limit: the messages of parts that are fine go first."""
    if len(json.dumps(report, ensure_ascii=False).encode()) <= MAX_REPORT:
        return report
    for part in report["parts"].values():
        if part["state"] == "ok":
            part.pop("message", None)
    while len(json.dumps(report, ensure_ascii=False).encode()) > MAX_REPORT:
        names = [n for n, p in report["parts"].items() if "message" in p and p["state"] != "warning"]
        if not names:
            break
        report["parts"][names[-1]].pop("message")
    return report
