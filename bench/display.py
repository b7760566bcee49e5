"""The call display against its bars (SPEC §9, issue 4): call to frame and to LED frame, idle CPU, memory.

The core runs as `onewindow core` in its own process on the example hall (26 windows), over SQLite.

- Latency: a display in this process (1920x1080 page on SDL's dummy video driver, 26 window boards and the
  main board on one pseudo-terminal read by a process of its own, the voice on a recording player) while a
  caller presses call on a random window. Measured from just before the HTTP request is sent to (a) the end
  of the first frame that shows the call (`pygame.display.update` returned) and (b) the first byte of the
  window board's frame arriving at the far end of the line. Once with the scrolling notice (frames at the
  frame rate) and once without (the loop sleeps and is woken by the call).
- CPU and memory: `onewindow display` as its own process, the same way a Pi runs it (page, boards on a pty,
  voice on SDL's dummy audio driver), after a warm-up of calls; CPU over an idle stretch at the frame rate
  used, resident memory at the end.

    python -m bench.display [--calls 60] [--idle-seconds 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from bench.report import table, write_section  # noqa: E402
from onewindow.client import CoreClient  # noqa: E402
from onewindow.configfile import ConfigFile  # noqa: E402
from onewindow.credentials import token_sha256  # noqa: E402
from onewindow.demo.main import always_open  # noqa: E402
from onewindow.display.app import DisplayApp  # noqa: E402
from onewindow.display.settings import read_settings  # noqa: E402
from onewindow.drivers.led import soh  # noqa: E402
from onewindow.drivers.voice import RecordingPlayer  # noqa: E402
from onewindow.rolefile import read_role  # noqa: E402
from tests.support.hall import EXAMPLES, token  # noqa: E402
from tests.support.process import CoreProcess  # noqa: E402
from tests.support.pty_pair import wait_until  # noqa: E402

WINDOWS = 26
NOTICE = "温馨提示：请携带本人身份证或社会保障卡，按叫号顺序到对应窗口办理业务；代办请携带双方身份证及委托书。"
FPS = 30


def bench_hall(folder: Path) -> Path:
    """The example hall with a caller per window, a kiosk and the display, on tokens the benchmark knows."""
    text = (EXAMPLES / "hall.toml").read_text(encoding="utf-8")
    text = re.sub(r"\n\[\[device\]\]\n(?:[^\[\n][^\n]*\n?)*", "\n", text)
    devices: list[tuple[str, str, int | None]] = [("kiosk-1", "kiosk", None), ("display-1", "display", None)]
    devices += [(f"caller-{n}", "caller", n) for n in range(1, WINDOWS + 1)]
    for device, kind, window in devices:
        text += f'\n[[device]]\nid = "{device}"\nkind = "{kind}"\ntoken_sha256 = "{token_sha256(token(device))}"\n'
        if window is not None:
            text += f"windows = [{window}]\n"
    path = folder / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return always_open(path, folder)  # the benchmark runs at whatever hour it is started


def role_text(url: str, port: str, notice: bool, voice: bool = True) -> str:
    text = f'core = "{url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n'
    text += f'[display]\nnotice = "{NOTICE if notice else ""}"\n'
    text += f'[screen]\nfullscreen = false\nsize = "1920x1080"\nfps = {FPS}\n'
    if voice:
        text += "[voice]\nrepeat = 1\n"
    text += f'[[led]]\nport = "{port}"\naddress = 0\nmain = true\n'
    for n in range(1, WINDOWS + 1):
        text += f'[[led]]\nport = "{port}"\naddress = {n}\nwindow = {n}\nwidth = 8\n'
    return text


def open_hall(core: CoreProcess, tickets: int) -> dict[int, CoreClient]:
    callers = {n: CoreClient(core.url, token(f"caller-{n}")) for n in range(1, WINDOWS + 1)}
    for n, caller in callers.items():
        caller.act(n, "sign-in", {"clerk": f"c{n:02d}", "pin": "1234"})
    services = ["general"] * 18 + ["pension-review", "injury", "medical-remote", "card"] * 2
    with CoreClient(core.url, token("kiosk-1")) as kiosk:
        for i in range(tickets):
            kiosk.issue(services[i % len(services)])
    return callers


class Wire:
    """The far end of the LED line, read by a process of its own so that the display's threads (and this
    process's) cannot delay when a byte is seen to arrive; times are CLOCK_MONOTONIC, shared by processes."""

    def __init__(self, folder: Path, name: str):
        master, slave = os.openpty()
        tty.setraw(master)
        self.port = str(folder / name)
        os.symlink(os.ttyname(slave), self.port)
        self._fds = (master, slave)
        receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
        self._process = multiprocessing.get_context("fork").Process(
            target=_read_wire, args=(master, sending), daemon=True
        )
        self._process.start()
        sending.close()
        self.chunks: list[tuple[float, bytes]] = []
        self._receiving = receiving
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        try:
            while True:
                self.chunks.append(self._receiving.recv())
        except (EOFError, OSError):
            pass

    @property
    def received(self) -> bytes:
        return b"".join(chunk for _, chunk in list(self.chunks))

    def close(self) -> None:
        self._process.terminate()
        self._process.join(5)
        for fd in self._fds:
            os.close(fd)
        os.unlink(self.port)


def _read_wire(master: int, sending: Any) -> None:
    while True:
        select.select([master], [], [])
        try:
            chunk = os.read(master, 4096)
        except OSError:
            time.sleep(0.001)
            continue
        sending.send((time.monotonic(), chunk))


def heard_more(app: DisplayApp, heard: int) -> bool:
    return app.calls_heard > heard


def presented(app: DisplayApp, version: int) -> bool:
    """A frame showing scene `version` (or a later one) is on the screen."""
    return app.screen is not None and any(v >= version for v, _ in list(app.screen.presented))


def frame_arrival(pty: Wire, frame: bytes, after: float) -> float | None:
    """When the first byte of `frame` reached the far end, counting only what arrived after `after`."""
    data, times = b"", []
    for at, chunk in list(pty.chunks):
        if at < after:
            continue
        times.extend([at] * len(chunk))
        data += chunk
    i = data.find(frame)
    return times[i] if i != -1 else None


def latency_run(core: CoreProcess, folder: Path, calls: int, notice: bool) -> dict[str, list[float]]:
    pty = Wire(folder, f"hall-led485-{'notice' if notice else 'still'}")
    file = ConfigFile(folder / "display-1.toml", role_text(core.url, pty.port, notice))
    role = read_role(file, "display", read_settings)
    assert role is not None, file.errors
    app = DisplayApp(role, player=RecordingPlayer())
    thread = threading.Thread(target=app.run, daemon=True)
    app.start()
    thread.start()
    callers = open_hall(core, calls + 60)
    times: dict[str, list[float]] = {k: [] for k in ("event", "frame", "led", "frame_after_event", "led_after_event")}
    rng = random.Random(4)
    try:
        assert wait_until(lambda: app.live.connected and len(pty.received) > 200, 30)
        time.sleep(1.0)
        for _ in range(calls):
            window = rng.randrange(1, WINDOWS + 1)
            heard = app.calls_heard
            t0 = time.monotonic()
            ticket = callers[window].act(window, "call")
            if ticket is None:  # nobody waits there; the window's board still changes (its ticket ended)
                time.sleep(0.4)
                continue
            assert wait_until(partial(heard_more, app, heard), 10)
            version, heard_at = app.last_call_version, app.last_call_at
            assert app.screen is not None and heard_at is not None
            assert wait_until(partial(presented, app, version), 10)
            shown = min(at for v, at in list(app.screen.presented) if v >= version)
            wire = soh.encode(window, ticket["number"])
            assert wait_until(partial(frame_arrival, pty, wire, t0), 10)
            arrived = frame_arrival(pty, wire, t0)
            assert arrived is not None
            times["event"].append(heard_at - t0)
            times["frame"].append(shown - t0)
            times["led"].append(arrived - t0)
            times["frame_after_event"].append(shown - heard_at)
            times["led_after_event"].append(arrived - heard_at)
            time.sleep(0.4)
    finally:
        app.stop()
        thread.join(10)
        for caller in callers.values():
            caller.close()
        pty.close()
    return times


def process_run(core: CoreProcess, folder: Path, notice: bool, idle_s: float) -> dict[str, float]:
    """`onewindow display` in its own process: CPU while idle after a warm-up of calls, and memory."""
    pty = Wire(folder, f"hall-led485-process-{notice}")
    role = folder / f"display-process-{notice}.toml"
    role.write_text(role_text(core.url, pty.port, notice), encoding="utf-8")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    process = subprocess.Popen(
        [sys.executable, "-m", "onewindow.cli", "display", "--config", str(role)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    callers = open_hall(core, 400)
    try:
        assert wait_until(lambda: len(pty.received) > 200, 60), "the display process did not start"
        rng = random.Random(7)
        for _ in range(40):  # a warm-up: calls, flashes, voice, boards
            window = rng.randrange(1, WINDOWS + 1)
            callers[window].act(window, "call")
            time.sleep(0.25)
        time.sleep(8.0)  # the last flash and announcement end
        start_cpu, start = cpu_seconds(process.pid), time.monotonic()
        time.sleep(idle_s)
        cpu = (cpu_seconds(process.pid) - start_cpu) / (time.monotonic() - start)
        rss, peak = memory_mb(process.pid)
        for _ in range(300):  # a busy stretch: does memory keep growing with every call?
            window = rng.randrange(1, WINDOWS + 1)
            callers[window].act(window, "call")
            time.sleep(0.02)
        time.sleep(8.0)
        after, peak = memory_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)
        for caller in callers.values():
            caller.close()
        pty.close()
    return {"cpu": cpu * 100, "rss": rss, "after": after, "peak": peak}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss / 1024, peak / 1024


def ms(values: list[float]) -> list[str]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return [f"{statistics.median(ordered) * 1000:.1f}", f"{p95 * 1000:.1f}", f"{ordered[-1] * 1000:.1f}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.display", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=60, help="calls measured per latency run (default 60)")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="idle stretch for CPU (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with CoreProcess(folder, hall=bench_hall(folder)) as core:
            runs = {}
            for notice in (True, False):
                print(f"latency, {'scrolling notice' if notice else 'still page'} …", flush=True)
                runs[notice] = latency_run(core, folder, args.calls, notice)
            processes = {}
            for notice in (True, False):
                print(f"process, {'scrolling notice' if notice else 'still page'} …", flush=True)
                processes[notice] = process_run(core, folder, notice, args.idle_seconds)
    rows = []
    for notice, times in runs.items():
        page = f"{FPS} fps, scrolling notice" if notice else "still page, woken by the call"
        rows.append([f"**frame on screen** ({page})", len(times["frame"]), *ms(times["frame"])])
        rows.append([f"**window board frame on the wire** ({page})", len(times["led"]), *ms(times["led"])])
        rows.append([f"… of which the core: the call event reaches the display ({page})", "", *ms(times["event"])])
        rows.append([f"… of which the display: event to frame ({page})", "", *ms(times["frame_after_event"])])
        rows.append([f"… of which the display: event to LED frame ({page})", "", *ms(times["led_after_event"])])
    latency = table(["from the HTTP call request to", "calls", "median ms", "p95 ms", "max ms"], rows)
    usage = table(
        ["`onewindow display` process", "idle CPU, % of one core", "resident MB", "after 300 more calls", "peak MB"],
        [
            [
                f"{FPS} fps, scrolling notice" if notice else "still page (clock only)",
                f"{p['cpu']:.1f}",
                f"{p['rss']:.0f}",
                f"{p['after']:.0f}",
                f"{p['peak']:.0f}",
            ]
            for notice, p in processes.items()
        ],
    )
    body = f"""\
Targets: call to frame and to LED frame ≤ 100 ms; resident memory < 150 MB.

{latency}

{usage}

The core is `onewindow core` on the example hall (26 windows, SQLite) in its own process; the display follows
its event stream on loopback. The page is 1920x1080 on SDL's dummy video driver, so "on screen" is when
`pygame.display.update` returned: on a Pi the scan-out to the TV adds up to one refresh (16.7 ms at 60 Hz).
The LED line is a pseudo-terminal at 9600 baud; the time counts from the request to the first byte of the
window board's frame (the main board's frame goes first; both are sent as soon as the line's 50 ms gap allows).
Idle CPU is measured after a warm-up of 40 calls (flashes, voice on SDL's dummy audio driver, boards), over an
idle stretch of {args.idle_seconds:g} s: with the notice scrolling the page draws {FPS} frames a second, each
redrawing only the notice strip; a still page draws only when something changes (twice a second at most for
the clock). Memory is read after the idle stretch and again after 300 more calls, 20 ms apart, with numbers
past A0400 (calls faster than speech: the voice drops the stale ones). This machine is not a Pi: expect the
CPU figures to be several times higher on a Raspberry Pi 4, where the SDL surface also has to reach KMSDRM."""
    write_section("display", "Call display: latency, CPU and memory", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
