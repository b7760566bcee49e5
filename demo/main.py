"""`onewindow demo`: the whole hall on one machine, from a fresh day under var/ until Ctrl-C.

It runs the real processes: `onewindow core` on SQLite with the example hall, `onewindow kiosk` (kiosk-1) and
`onewindow display` (display-1) with role files written from the example ones (a printer in a folder, the LED
boards on a line the demo records, the TV in a window or, without a screen, on SDL's dummy driver). Simulated
citizens take tickets at kiosks 2 and 3 and simulated clerks work 25 of the 26 windows through the HTTP
interface with the example devices' tokens; one window is left to the person watching, at the soft caller.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable, Event
from onewindow.config import EXAMPLES
from onewindow.configfile import ConfigError
from onewindow.hallfile import HallConfig, load_hall
from onewindow.simulator.day import PROFILES

from . import devices, pictures
from .people import Citizens, Clerks, Desk, Habits, Pace, Tally, Timeline

EXAMPLE_HALL = EXAMPLES / "hall.toml"
MARKER = "onewindow-demo.txt"  # a folder the demo may wipe has this file (or is empty, or holds only a database)
STOP_WAIT_S = 15.0
log = logging.getLogger(__name__)

DESCRIPTION = """\
The whole hall on one machine: the core (SQLite under VAR, a fresh day every run) with the example hall, the
kiosk and the TV display as their own processes (in windows when there is a screen; without one they draw on
SDL's dummy driver and pictures of the kiosk and the TV land in VAR/snapshots every few seconds), simulated
citizens taking tickets at a morning's pace and simulated clerks calling, recalling, finishing, transferring,
pausing and rating through the HTTP interface. The printed tickets land in VAR/printers as PNGs and the LED
boards' frames in VAR/led. Prints the web pages' addresses; Ctrl-C stops everything. See docs/demo.md."""

EPILOG = """\
examples:
  onewindow demo                          # 10 times faster than real time, port 8080 (or a free one)
  onewindow demo --speed 1                # a real morning, in real time
  onewindow demo --speed 30 --for 120     # two minutes at 30 times, then stop
  onewindow demo --no-screen --mute       # on a server: pictures in var/demo/snapshots, no voice"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onewindow demo",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        default=str(EXAMPLE_HALL),
        metavar="HALL",
        help="the hall file (default: the example hall; another one must list the example devices and tokens)",
    )
    parser.add_argument(
        "--var", default="var/demo", type=Path, help="the demo's folder, wiped at every start (default var/demo)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="where the core listens (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8080, help="the core's port (default 8080; a free one if it is taken)"
    )
    parser.add_argument(
        "--speed",
        type=_bounded(0.1, 100.0),
        default=10.0,
        help="hall time per second of real time: arrivals, walks and handling are this much faster "
        "(default 10; 1 is real time; 0.1 to 100)",
    )
    parser.add_argument(
        "--load",
        type=_bounded(0.1, 1.5),
        default=0.7,
        help="offered load of the staffed windows' handling time over the day (default 0.7; 0.1 to 1.5); the "
        "clerks also walk, recall and take breaks, and the morning peak brings half as many again",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="peak",
        help="arrivals over the day: peak (a crowd at opening and a peak at 10, default) or flat",
    )
    parser.add_argument("--seed", type=int, default=None, help="the day's random draws (default: new every run)")
    parser.add_argument(
        "--your-window",
        type=int,
        default=18,
        metavar="N",
        help="the window the simulated clerks leave to you at the soft caller (default 18; it starts paused)",
    )
    parser.add_argument(
        "--screen",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="open the kiosk and the TV in windows (default: when DISPLAY or WAYLAND_DISPLAY is set)",
    )
    parser.add_argument("--mute", action="store_true", help="no voice (the display's [voice] enabled = false)")
    parser.add_argument(
        "--snapshot-every",
        type=_bounded(0.0, 3600.0),
        default=5.0,
        metavar="S",
        help="write pictures of the TV, the kiosk and the hall to VAR/snapshots every S seconds (default 5; 0: never)",
    )
    parser.add_argument(
        "--status-every", type=_bounded(1.0, 3600.0), default=30.0, metavar="S", help="print a status line (default 30)"
    )
    parser.add_argument(
        "--for", dest="run_for", type=_bounded(1.0, 1e7), default=None, metavar="SECONDS", help="stop after SECONDS"
    )
    return parser


def _bounded(low: float, high: float) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not allowed ({low:g} to {high:g})")
        return value

    return parse


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        hall = load_hall(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print("onewindow demo: refusing to start with an invalid hall file", file=sys.stderr)
        return 1
    if args.your_window not in {w.number for w in hall.windows}:
        print(f"onewindow demo: --your-window {args.your_window}: the hall has no such window", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())  # before anything starts: a Ctrl-C during the start stops cleanly
    try:
        prepare(args.var)
    except OSError as exc:
        print(f"onewindow demo: {exc}", file=sys.stderr)
        return 1
    logging.basicConfig(
        filename=args.var / "logs" / "demo.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    demo = Demo(hall, args, stop)
    try:
        return demo.run()
    finally:
        demo.close()


def prepare(var: Path) -> None:
    """A fresh day: the folder emptied (refused for a folder the demo did not make), with its subfolders."""
    if var.exists():
        if not var.is_dir():
            raise OSError(f"{var} is not a folder")
        names = {p.name for p in var.iterdir()}
        ours = MARKER in names or not names or names <= {"core.sqlite", "core.sqlite-wal", "core.sqlite-shm"}
        if not ours:
            raise OSError(f"{var} holds files the demo did not write (no {MARKER}): give --var an empty folder")
        shutil.rmtree(var)
    for sub in ("logs", "roles", "printers", "snapshots", "led"):
        (var / sub).mkdir(parents=True, exist_ok=True)
    (var / MARKER).write_text(
        "The folder of `onewindow demo`: wiped and written again at every start.\n", encoding="utf-8"
    )


def choose_port(host: str, wanted: int) -> int:
    """`wanted` when it is free on `host`, else a free one."""
    for port in (wanted, 0):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {host}")


def screen_present() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the demo dies, even by SIGKILL (Linux), so nothing is left over."""
    with contextlib.suppress(Exception):
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


try:
    _PRCTL: Any = ctypes.CDLL(None, use_errno=True).prctl  # looked up once here, not in the forked child
except (OSError, AttributeError):
    _PRCTL = None


@dataclass
class Child:
    """A process of the demo: its command, log and the Popen once started."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    reported: bool = False

    def start(self) -> Child:
        with open(self.log, "ab") as sink:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # a Ctrl-C on the terminal reaches the demo, which stops them in order
                preexec_fn=_die_with_parent if _PRCTL is not None else None,  # noqa: PLW1509 (no threads yet)
            )
        log.info("started %s (pid %d): %s", self.name, self.process.pid, " ".join(self.command))
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(wait_s)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %g s: killed", self.name, wait_s)
                self.process.kill()
                self.process.wait()
        log.info("%s stopped (exit %s)", self.name, self.process.returncode)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Demo:
    """One run of the demo: start everything, watch it, stop everything."""

    def __init__(self, hall: HallConfig, args: argparse.Namespace, stop: threading.Event):
        self.hall = hall
        self.args = args
        self.stop = stop
        self.var: Path = args.var
        self.screen = screen_present() if args.screen is None else args.screen
        self.seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
        self.your_window: int = args.your_window
        self.your_clerk = self._clerk_for(self.your_window)
        self.children: list[Child] = []
        self.core: Child | None = None
        self.url = ""
        self.tally = Tally()
        self.live: Any = None
        self.kiosks: list[devices.TappedKiosk] = []
        self.timeline = Timeline(stop)
        self.clients: list[CoreClient] = []
        self.recorder: devices.LedRecorder | None = None
        self.board_names: dict[int, str] = {}
        self.snapshots: threading.Thread | None = None
        self._snapshot_child: subprocess.Popen[bytes] | None = None
        self.env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
        if not self.screen:
            self.env["SDL_VIDEODRIVER"] = "dummy"

    def _clerk_for(self, window: int) -> str:
        ids = [c.id for c in self.hall.clerks]
        wanted = f"c{window:02d}"
        return wanted if wanted in ids else (ids[-1] if ids else wanted)

    # --- the run -----------------------------------------------------------------------------------

    def run(self) -> int:
        args = self.args
        port = choose_port(args.host, args.port)
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        self.url = f"http://{host}:{port}"
        if port != args.port:
            print(f"onewindow demo: port {args.port} is taken; using {port}", flush=True)
        roles = self.write_roles()
        if not self.start_core(port):
            return 1
        if self.stop.is_set():
            return 0
        try:
            desks = self.desks()
        except (CoreRefused, CoreUnreachable) as exc:
            print(f"onewindow demo: the core refused the example devices: {exc}", file=sys.stderr)
            print("  (another hall file must list the example devices with the example tokens)", file=sys.stderr)
            return 1
        self.leave_your_window(desks)
        self.start_devices(roles)
        self.start_people(roles, [d for d in desks if d.number != self.your_window])
        self.print_banner(port)
        return self.watch()

    def write_roles(self) -> dict[str, Path]:
        """The role files of this run, from the example ones: checked as the processes will check them."""
        from onewindow.rolefile import load_role
        from onewindow.roles import reader_of

        assert self.recorder is None
        display = devices.read_example("display-1")
        self.board_names = devices.board_names(display)
        self.recorder = devices.LedRecorder(self.var / "led", self.board_names)
        documents = {
            "display-1": devices.display_role(display, self.url, self.recorder.url, voice=not self.args.mute),
        }
        for n in (1, 2, 3):
            name = f"kiosk-{n}"
            documents[name] = devices.kiosk_role(
                devices.read_example(name), self.url, self.var / "printers" / name, screen=True
            )
        paths = {}
        for name, document in documents.items():
            path = self.var / "roles" / f"{name}.toml"
            path.write_text(
                devices.toml_text(document, f"Written by `onewindow demo` from config/examples/{name}.toml."),
                encoding="utf-8",
            )
            role = "display" if name.startswith("display") else "kiosk"
            load_role(path, role, reader_of(role))  # ConfigError: a bug, loudly
            paths[name] = path
        return paths

    def start_core(self, port: int) -> bool:
        command = [sys.executable, "-m", "onewindow.cli", "core", "--config", str(Path(self.args.config).resolve())]
        command += ["--db", str(self.var / "core.sqlite"), "--host", self.args.host, "--port", str(port)]
        self.core = self._child("core", command)
        probe = CoreClient(self.url)
        deadline = time.monotonic() + 60
        while not self.stop.is_set():
            if not self.core.running:
                print(f"onewindow demo: the core did not start:\n{self.core.tail()}", file=sys.stderr)
                return False
            if probe.healthy():
                probe.close()
                return True
            if time.monotonic() > deadline:
                print(f"onewindow demo: the core did not answer in 60 s:\n{self.core.tail()}", file=sys.stderr)
                return False
            time.sleep(0.1)
        return True

    def _child(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Child:
        child = Child(name, command, self.var / "logs" / f"{name}.log", {**self.env, **(env or {})}).start()
        self.children.append(child)
        return child

    def _client(self, token: str | None = None) -> CoreClient:
        client = CoreClient(self.url, token, timeout=5.0)
        self.clients.append(client)
        return client

    def desks(self) -> list[Desk]:
        """Every window with its clerk, caller and evaluator, from the example caller and evaluator files."""
        callers: dict[int, CoreClient] = {}
        evaluators: dict[int, CoreClient] = {}
        for name in ("caller-keypads", "caller-bus", "evaluator-keypads", "evaluator-bus"):
            client = self._client(devices.read_example(name)["token"])
            device = client.device()
            for n in device.get("windows", []):
                (callers if device["kind"] == "caller" else evaluators).setdefault(int(n), client)
        desks = []
        for w in self.hall.windows:
            if w.closed or w.number not in callers:
                continue
            desks.append(
                Desk(w.number, self._clerk_for(w.number), w.services, callers[w.number], evaluators.get(w.number))
            )
        return desks

    def leave_your_window(self, desks: Sequence[Desk]) -> None:
        """Pause the person's window, so no ticket waits there before they sign in and resume it."""
        desk = next((d for d in desks if d.number == self.your_window), None)
        if desk is None:
            return
        with contextlib.suppress(CoreRefused, CoreUnreachable):
            desk.caller.act(self.your_window, "pause", {})

    def start_devices(self, roles: dict[str, Path]) -> None:
        cli = [sys.executable, "-m", "onewindow.cli"]
        self._child(
            "kiosk-1",
            [*cli, "kiosk", "--config", str(roles["kiosk-1"]), "--windowed", "--size", "540x960"]
            + ["--screenshot-dir", str(self.var / "snapshots" / "kiosk-1")],
            {"SDL_VIDEO_WINDOW_POS": "20,40"},  # side by side on a desktop, not one over the other
        )
        self._child(
            "display-1",
            [*cli, "display", "--config", str(roles["display-1"]), "--windowed", "--size", "1280x720"],
            {"SDL_VIDEO_WINDOW_POS": "580,40"},
        )
        assert self.recorder is not None
        self.recorder.start()  # threads from here on: every long-lived child is started

    def start_people(self, roles: dict[str, Path], desks: list[Desk]) -> None:
        from onewindow.device import LiveHall
        from onewindow.rolefile import load_role
        from onewindow.roles import reader_of

        pace = Pace(self.args.speed)
        habits = Habits()
        clerks_box: list[Clerks] = []

        def on_event(event: Event) -> None:
            self.tally.event(event)
            if clerks_box:
                clerks_box[0].news(event)

        self.live = LiveHall(self._client(), on_event=on_event, settle_s=0.3).start()
        hall = lambda: self.live.snapshot  # noqa: E731
        for name in ("kiosk-2", "kiosk-3"):
            self.kiosks.append(devices.TappedKiosk(load_role(roles[name], "kiosk", reader_of("kiosk")), hall).start())
        citizens = Citizens(
            self.hall,
            self.timeline,
            pace,
            [k.tap for k in self.kiosks],
            self._client(),
            hall,
            self.tally,
            load=self.args.load,
            profile=PROFILES[self.args.profile],
            seed=self.seed,
            habits=habits,
            leave_alone=[self.your_window],
        )
        clerks = Clerks(desks, self.hall, self.timeline, pace, hall, citizens.handling, seed=self.seed, habits=habits)
        clerks_box.append(clerks)
        self.timeline.start()
        citizens.start()
        clerks.start()
        if self.args.snapshot_every > 0:
            self.snapshots = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
            self.snapshots.start()

    def print_banner(self, port: int) -> None:
        u = self.url
        evaluator = devices.read_example("evaluator-bus" if self.your_window >= 14 else "evaluator-keypads")
        screen = "in windows" if self.screen else "without a screen (SDL dummy driver): see the snapshots"
        lines = [
            f"onewindow demo: {self.hall.name}, {len(self.hall.windows)} windows, hall time {self.args.speed:g}x "
            f"real time, load {self.args.load:g} ({self.args.profile}), seed {self.seed}",
            f"  kiosk and TV    {screen}; voice {'off' if self.args.mute else 'on (logged if there is no sound card)'}",
            f"  hall state      {u}/api/v1/hall",
            f"  manager         {u}/manage  (user manager, password manager)",
            f"  soft caller     {u}/caller  window {self.your_window}, clerk {self.your_clerk}, PIN 1234: your window, "
            "left alone by the simulated clerks; it starts paused, press resume",
            f"  evaluator       {u}/evaluator  device {evaluator['device']}, token {evaluator['token']}, "
            f"window {self.your_window}",
            f"  printed tickets {self.var / 'printers'}/kiosk-*/N.png",
            f"  snapshots       {self.var / 'snapshots'}/  (tv.png, kiosk.png, hall.png)"
            if self.args.snapshot_every > 0
            else "  snapshots       off",
            f"  LED boards      {self.var / 'led'}/frames.log and boards.txt",
            f"  logs            {self.var / 'logs'}/",
            "  a ticket's page is printed with the first ticket; stop with Ctrl-C",
        ]
        print("\n".join(lines), flush=True)

    def watch(self) -> int:
        started = time.monotonic()
        next_status = started + self.args.status_every
        told_first = False
        until = started + self.args.run_for if self.args.run_for else None
        while not self.stop.wait(0.25):
            now = time.monotonic()
            if self.core is not None and not self.core.running:
                print(f"onewindow demo: the core stopped:\n{self.core.tail()}", file=sys.stderr)
                return 1
            for child in self.children:
                if not child.running and not child.reported:
                    child.reported = True
                    code = child.process.returncode if child.process else None
                    print(f"onewindow demo: {child.name} stopped (exit {code}); see {child.log}", flush=True)
            ticket = self.tally.latest_ticket
            if ticket is not None and not told_first:
                told_first = True
                # before the first clerk signs in a ticket waits in its service's shared queue, with no window
                window = ticket["window"]
                where = f"{ticket['number']} " + (f"for window {window}" if window else "in the shared queue")
                print(f"  first ticket    {where}: {self._page(ticket)}", flush=True)
            if now >= next_status:
                next_status = now + self.args.status_every
                print(self.status(now - started), flush=True)
            if until is not None and now >= until:
                break
        return 0

    def _page(self, ticket: dict[str, Any]) -> str:
        return f"{self.url}/t/{ticket['id']}"

    def status(self, elapsed: float) -> str:
        minutes, seconds = divmod(int(elapsed), 60)
        line = f"  {minutes:3d}m{seconds:02d}s  {self.tally.line(self.live.snapshot if self.live else None)}"
        ticket = self.tally.latest_ticket
        if ticket is not None:
            line += f"\n            newest ticket {ticket['number']}: {self._page(ticket)}"
        return line

    # --- pictures ----------------------------------------------------------------------------------

    def _snapshot_loop(self) -> None:
        shots = self.var / "snapshots"
        kiosk_picture: pictures.KioskPicture | None = None
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                tv = self._tv_snapshot(shots)
                snapshot = self.live.snapshot if self.live else None
                kiosk = None
                if snapshot is not None:
                    kiosk_picture = kiosk_picture or pictures.KioskPicture()
                    tmp = shots / "kiosk.tmp.png"
                    kiosk_picture.save(snapshot, tmp)
                    kiosk = shots / "kiosk.png"
                    tmp.replace(kiosk)
                printers = [self.var / "printers" / f"kiosk-{n}" for n in (1, 2, 3)]
                boards = dict(self.recorder.boards) if self.recorder else {}
                ticket = pictures.newest_ticket(printers)
                pictures.hall_picture(tv, kiosk, ticket, boards, self.board_names, shots / "hall.png")
                prune(printers, keep=KEEP_TICKETS)
            except Exception:
                log.exception("snapshots failed")
            self.stop.wait(max(0.5, self.args.snapshot_every - (time.monotonic() - began)))

    def _tv_snapshot(self, shots: Path) -> Path | None:
        roles = self.var / "roles" / "display-1.toml"
        tmp, out = shots / "tv.tmp.png", shots / "tv.png"
        self._snapshot_child = pictures.tv_snapshot(roles, tmp, self.env, self.var / "logs" / "snapshots.log")
        try:
            code = self._snapshot_child.wait(pictures.SNAPSHOT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._snapshot_child.kill()
            self._snapshot_child.wait()
            return out if out.exists() else None
        finally:
            self._snapshot_child = None
        if code == 0 and tmp.exists():
            tmp.replace(out)
        return out if out.exists() else None

    # --- the end -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything, the devices before the core, and wait for every process."""
        self.stop.set()
        self.timeline.join()
        snapshot_child = self._snapshot_child
        if snapshot_child is not None:
            with contextlib.suppress(OSError):
                snapshot_child.kill()
        if self.snapshots is not None:
            self.snapshots.join(timeout=pictures.SNAPSHOT_TIMEOUT_S + 5)
        for kiosk in self.kiosks:
            kiosk.stop()
        if self.live is not None:
            self.live.stop()
        devices_first = [c for c in self.children if c is not self.core]
        threads = [threading.Thread(target=c.stop) for c in devices_first]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.core is not None:
            self.core.stop()
        for client in self.clients:
            client.close()
        if self.recorder is not None:
            self.recorder.stop()
        if self.core is not None and self.core.process is not None:
            counts = self.tally.counts
            print(
                f"onewindow demo: stopped after {counts['ticket.issued']} tickets issued and "
                f"{counts['ticket.called']} calls; everything is still in {self.var}",
                flush=True,
            )


KEEP_TICKETS = 300  # printed tickets kept per printer folder: a demo left running all day does not fill the disk


def prune(folders: Sequence[Path], keep: int) -> None:
    """Remove all but the newest `keep` tickets (bytes and PNG) of each fake printer folder."""
    for folder in folders:
        numbers = sorted(int(p.stem) for p in folder.glob("*.bin") if p.stem.isdigit())
        for n in numbers[:-keep] if len(numbers) > keep else []:
            for suffix in (".bin", ".png"):
                with contextlib.suppress(OSError):
                    (folder / f"{n}{suffix}").unlink()
