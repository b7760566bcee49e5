"""Caller keypads (SPEC §6, issue 5): a key press to the core's answer and to the call's event, on loopback.

The example hall's core runs as `onewindow core` in its own process over a SQLite file. This process runs a caller
station as the caller Pi runs it (CallerStation from the example role file caller-keypads.toml), with:
- a USB keypad: a FakeKeypad sending real evdev events through the KeypadReader, for window 1;
- an RS-485 pad: the PadBus on a pseudo-terminal, the benchmark writing the pad's frames at the far end, for window 2;
and an event follower of its own. Each round a kiosk issues a ticket (not timed), then the clerk presses call:
- press -> answer: from the key's events (or the frame's first byte on the line) to the core's answer reaching
  the station;
- press -> event: to `ticket.called` reaching the follower;
- pad frame -> echo: to the pad's acknowledgement on the line.

    python -m bench.caller [--presses 200]
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path

from bench.report import table, write_section
from onewindow.caller.station import CallerStation, Press
from onewindow.client import CoreClient, Event, EventFollower
from onewindow.demo.main import always_open
from onewindow.drivers.keypad import FakeKeypad
from onewindow.drivers.pads import ff68
from onewindow.rolefile import load_role
from onewindow.roles import reader_of

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "config" / "examples"
TARGET_MS = 50.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_core(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "onewindow.cli", "--log-level", "warning", "core", "--config"]
    hall = always_open(EXAMPLES / "hall.toml", folder)  # the benchmark runs at whatever hour it is started
    command += [str(hall), "--db", str(folder / "core.sqlite"), "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = CoreClient(url)
    deadline = time.monotonic() + 30
    while not probe.healthy():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the core did not start")
        time.sleep(0.05)
    probe.close()
    return process, url


class Line:
    """The pads' end of a pty: writes frames, notes when each echo came back."""

    def __init__(self, folder: Path):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        self.port = str(folder / "hall-caller485")
        os.symlink(os.ttyname(slave), self.port)
        self._slave = slave
        self.received = bytearray()
        self.cond = threading.Condition()
        self._stop = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    time.sleep(0.01)
                    continue
                with self.cond:
                    self.received += chunk
                    self.cond.notify_all()

    def echo_after(self, frame: bytes, start: int, timeout: float = 5.0) -> float | None:
        """When `frame` appeared on the line after byte `start`; None if it did not."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while frame not in self.received[start:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return time.monotonic()

    def close(self) -> None:
        self._stop = True
        os.close(self.master)
        os.close(self._slave)


def percentiles(values: list[float]) -> list[str]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return [f"{statistics.mean(ordered):.1f}", f"{at(0.5):.1f}", f"{at(0.95):.1f}", f"{at(0.99):.1f}"]


def run(presses: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        core, url = start_core(folder)
        line = Line(folder)
        role_text = (EXAMPLES / "caller-keypads.toml").read_text(encoding="utf-8")
        role_text = role_text.replace("http://127.0.0.1:8080", url).split("\n[[keypad]]", 1)[0]
        role_text += '\n[[keypad]]\npath = "/dev/input/by-path/bench-kbd"\nwindow = 1\n'
        role_text += f'\n[[bus]]\nport = "{line.port}"\npads = [{{ address = 2, window = 2 }}]\n'
        (folder / "caller.toml").write_text(role_text, encoding="utf-8")
        role = load_role(folder / "caller.toml", "caller", reader_of("caller"))
        kiosk_token = load_role(EXAMPLES / "kiosk-1.toml", "kiosk", reader_of("kiosk")).token
        kiosk = CoreClient(url, kiosk_token)
        keypad = FakeKeypad()
        answered: dict[int, float] = {}
        called: dict[int, float] = {}
        cond = threading.Condition()

        def on_outcome(press: Press, outcome: str) -> None:
            with cond:
                answered[press.window] = time.monotonic() if outcome == "ok" else -1.0
                cond.notify_all()

        def on_event(event: Event) -> None:
            if event.type == "ticket.called":
                with cond:
                    called[event.data["window"]] = time.monotonic()
                    cond.notify_all()

        station = CallerStation(role, CoreClient(url, role.token, timeout=3.0), open_keypad=keypad.opener)
        station.on_outcome = on_outcome
        follower = EventFollower(url, on_event).start()
        paths = ("keypad answer", "keypad event", "pad echo", "pad answer", "pad event")
        results: dict[str, list[float]] = {name: [] for name in paths}
        try:
            station.start()
            deadline = time.monotonic() + 30
            while not (station.kind and station.live.connected and follower.connected and station.buses[0].state.ok):
                if time.monotonic() > deadline:
                    raise SystemExit("the station did not come up")
                time.sleep(0.05)
            station.client.act(1, "sign-in", {"clerk": "c01", "pin": "1234"})
            station.client.act(2, "sign-in", {"clerk": "c02", "pin": "1234"})
            frame = ff68.key_frame(2, "call")
            for i in range(presses + 10):
                for window, how in ((1, "keypad"), (2, "pad")):
                    kiosk.issue("general")
                    with cond:
                        answered.pop(window, None)
                        called.pop(window, None)
                    with line.cond:
                        start = len(line.received)
                    t0 = time.monotonic()
                    if how == "keypad":
                        keypad.press("KPPLUS")
                    else:
                        os.write(line.master, frame)
                    echo = line.echo_after(frame, start) if how == "pad" else None

                    def both(w: int = window) -> bool:
                        return w in answered and w in called

                    with cond:
                        if not cond.wait_for(both, 10):
                            raise SystemExit(f"press {i} at window {window} got no answer or no event")
                        answer_at, event_at = answered[window], called[window]
                    if answer_at < 0:
                        raise SystemExit(f"press {i} at window {window} was refused")
                    if i >= 10:  # the first rounds warm up connections and caches
                        results[f"{how} answer"].append((answer_at - t0) * 1000)
                        results[f"{how} event"].append((event_at - t0) * 1000)
                        if echo is not None:
                            results["pad echo"].append((echo - t0) * 1000)
                # a pad's frame repeated within a second is taken for a resend (drivers.pads.bus)
                time.sleep(1.05 if i < presses + 9 else 0)
        finally:
            follower.stop()
            station.stop()
            kiosk.close()
            line.close()
            core.terminate()
            core.wait(20)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.caller", description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=60, help="calls per path, after 10 to warm up (default 60)")
    args = parser.parse_args(argv)
    results = run(args.presses)
    rows = [[name, len(values), *percentiles(values), f"{max(values):.1f}"] for name, values in results.items()]
    worst = max(max(v) for k, v in results.items() if k != "pad echo")
    p99 = max(float(percentiles(v)[3]) for k, v in results.items() if k != "pad echo")
    body = (
        "A clerk's call, from the key press to the core's answer reaching the caller station and to "
        "`ticket.called` reaching an event follower; the example hall's core in its own process on loopback, "
        "the station and the follower in the benchmark's process. The USB keypad is a FakeKeypad sending real "
        "evdev events through the KeypadReader; the RS-485 pad's frames are written on a pseudo-terminal, so "
        "its times include the line's reading (9600 baud is not simulated: on a real line a 10-byte frame adds "
        "about 10 ms each way). Times in ms.\n\n"
        + table(["path", "presses", "mean", "p50", "p95", "p99", "max"], rows)
        + f"\n\nTarget ≤ {TARGET_MS:.0f} ms: p99 over all paths {p99:.1f} ms, worst {worst:.1f} ms "
        + ("(met)." if p99 <= TARGET_MS else "(NOT met).")
    )
    print(body)
    write_section("caller", "Caller keypads: key press to the core's answer and to the call's event", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
