"""The Pi check's run (tools/pi-check.sh prepares the arm64 root): install the kiosk and display bundles in it, run
check-config, the kiosk and the display there against a core on this machine, and save what they drew and printed.

The root shares this machine's network, so the Pi's processes reach the core, the fake printer and the pty LED
line on this machine's loopback, and the pictures land in a folder that both sides see.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # the host draws nothing; the test rigs import pygame

from onewindow.client import CoreClient  # noqa: E402
from onewindow.drivers.printer.preview import render  # noqa: E402
from tests.support.fake_printer import NetworkPrinter  # noqa: E402
from tests.support.hall import PINS, basic, raw_request, token  # noqa: E402
from tests.support.kiosk_rig import hall_text, network_printer, role_text  # noqa: E402
from tests.support.process import CoreProcess  # noqa: E402
from tests.support.pty_pair import PtyPair  # noqa: E402

INSIDE = Path("/tmp/pi-check")  # the folder both sides share, as the Pi sees it
VENV = Path("/opt/onewindow/venv/bin")
# what a Pi's unit would have, less the screen and the speaker: SDL draws into memory and plays into nothing
PI_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "SDL_VIDEODRIVER": "offscreen",
    "SDL_AUDIODRIVER": "dummy",
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
}
SLOW = 600.0  # seconds allowed to anything run under emulation: pygame's first import alone takes a while


class Pi:
    """The arm64 root: commands run in it with chroot, files shared through its /tmp/pi-check."""

    def __init__(self, root: Path, log: Path):
        self.root = root
        self.shared = root / INSIDE.relative_to("/")
        self.shared.mkdir(parents=True, exist_ok=True)
        self.log = log

    def run(self, *command: str | Path, timeout: float = SLOW) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            ["chroot", str(self.root), *map(str, command)], env=PI_ENV, capture_output=True, text=True, timeout=timeout
        )
        with self.log.open("a") as log:
            log.write(
                f"$ {' '.join(map(str, command))}  ({time.monotonic() - started:.0f} s, exit {result.returncode})\n"
            )
            log.write(result.stdout + result.stderr + "\n")
        return result

    def start(self, *command: str | Path, output: Path) -> subprocess.Popen[bytes]:
        with output.open("wb") as out:
            return subprocess.Popen(
                ["chroot", str(self.root), *map(str, command)], env=PI_ENV, stdout=out, stderr=subprocess.STDOUT
            )


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def wait_for(what: str, condition: Callable[[], object], timeout: float = SLOW) -> float:
    """Seconds until `condition` held; exits with `what` when it never did."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"pi-check: {what} did not happen in {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def install(pi: Pi, bundles: Path, steps: list[str]) -> None:
    """The kiosk from its unpacked bundle, the display with --bundle: both ways a technician may take."""
    kiosk, display = sorted(bundles.glob("*-kiosk.tar.gz")), sorted(bundles.glob("*-display.tar.gz"))
    with tarfile.open(kiosk[0]) as tar:
        tar.extractall(pi.shared, filter="data")
    shutil.copy(display[0], pi.shared)
    unpacked = INSIDE / kiosk[0].name.removesuffix(".tar.gz")
    ways: list[list[str | Path]] = [
        ["kiosk", INSIDE / "kiosk.toml"],
        ["--bundle", INSIDE / display[0].name, "display", INSIDE / "display.toml"],
    ]
    for args in ways:
        started = time.monotonic()
        result = pi.run("/bin/bash", unpacked / "systemd/install.sh", *args, timeout=3 * SLOW)
        if result.returncode != 0:
            raise SystemExit(f"pi-check: install.sh {' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
        steps.append(f"install.sh {args[-2]}: {time.monotonic() - started:.0f} s")


def write_role_files(pi: Pi, core: CoreProcess, printer: NetworkPrinter) -> None:
    (pi.shared / "hall.toml").write_text(core.hall.read_text(encoding="utf-8"), encoding="utf-8")
    kiosk = role_text(
        core.url, network_printer(printer.address, 'mode = "raster"\ndots = 576'), screen='size = "1080x1920"'
    )
    (pi.shared / "kiosk.toml").write_text(kiosk, encoding="utf-8")
    display = (
        f'core = "{core.url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n\n'
        '[screen]\nsize = "1920x1080"\n\n'
        '[voice]\nenabled = true\nclips = "config/voice/zh-Hans"\n\n'
        f'[[led]]\nport = "{INSIDE}/hall-led485"\nprotocol = "soh"\naddress = 1\nwindow = 1\nwidth = 8\n'
    )
    (pi.shared / "display.toml").write_text(display, encoding="utf-8")


def run_kiosk(pi: Pi, core: CoreProcess, printer: NetworkPrinter, out: Path, steps: list[str]) -> None:
    shots = pi.shared / "kiosk"
    command: list[str | Path] = [VENV / "onewindow", "kiosk", "--config", "/etc/onewindow/kiosk.toml", "--windowed"]
    kiosk = pi.start(*command, "--size", "1080x1920", "--screenshot-dir", INSIDE / "kiosk", output=out / "kiosk.log")
    try:
        took = wait_for("the kiosk's first screen", lambda: list(shots.glob("*-home.png")))
        steps.append(f"kiosk: first screen after {took:.0f} s")
        healthy = wait_for("the kiosk's health report", lambda: device(core, "kiosk-1").get("online"), timeout=120)
        steps.append(f"kiosk: reported to the core after {healthy:.0f} s more")
    finally:
        steps.append(f"kiosk: stopped by SIGTERM, exit {stop(kiosk)}")
    for shot in shots.glob("*.png"):
        shutil.copy(shot, out / f"kiosk-{shot.name}")
    printed = pi.run(VENV / "onewindow", "print-test", "--config", "/etc/onewindow/kiosk.toml")
    steps.append(f"print-test: {printed.stdout.strip() or printed.stderr.strip()[-200:]}")
    if printed.returncode == 0:
        render(printer.received).image.save(out / "kiosk-print-test.png")


def run_display(pi: Pi, core: CoreProcess, led: PtyPair, out: Path, steps: list[str]) -> None:
    command: list[str | Path] = [VENV / "onewindow", "display", "--config", "/etc/onewindow/display.toml", "--windowed"]
    display = pi.start(*command, output=out / "display.log")
    try:
        took = wait_for("the display's report", lambda: device(core, "display-1").get("online"))
        steps.append(f"display: reported to the core after {took:.0f} s")
        with CoreClient(core.url, token("caller-1")) as caller:
            called = caller.act(1, "call")
        number = str((called or {}).get("number", ""))
        took = wait_for(f"{number} on the LED line", lambda: number and number.encode() in led.received, timeout=120)
        steps.append(f"display: {number} on the LED board {took:.1f} s after the call ({len(led.received)} bytes)")
    finally:
        steps.append(f"display: stopped by SIGTERM, exit {stop(display)}")
    (out / "led-line.bin").write_bytes(led.received)
    shot = pi.run(
        VENV / "onewindow", "display", "--config", "/etc/onewindow/display.toml", "--snapshot", INSIDE / "tv.png"
    )
    steps.append(f"display --snapshot: {shot.stdout.strip() or shot.stderr.strip()[-200:]}")
    if shot.returncode == 0:
        shutil.copy(pi.shared / "tv.png", out / "display-tv.png")


def device(core: CoreProcess, name: str) -> dict[str, object]:
    """What the core's device page says of `name`: online, and its last health report."""
    status, body = raw_request(core.url, "GET", "/api/v1/devices", headers=basic("manager"))
    assert status == 200, body
    return next((d for d in body["devices"] if d["id"] == name), {})  # type: ignore[index]


def open_hall(core: CoreProcess) -> None:
    """Three clerks at their windows and tickets waiting: something to show on the kiosk and to call."""
    with CoreClient(core.url, token("caller-1")) as caller:
        for n in (1, 2, 3):
            caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
    for service in ("general", "general", "card", "general"):
        core.issue(service)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="the arm64 root, mounted and ready")
    parser.add_argument("--bundles", type=Path, required=True, help="the folder with the kiosk and display bundles")
    parser.add_argument("--out", type=Path, required=True, help="where the pictures and logs go")
    parser.add_argument("--started", type=float, default=time.time(), help="when the whole check began (epoch)")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    pi, steps = Pi(args.root, args.out / "pi.log"), list[str]()
    host = args.out / "host"
    host.mkdir()
    (host / "hall.toml").write_text(hall_text("zh-Hans"), encoding="utf-8")
    printer, led = NetworkPrinter(), PtyPair(pi.shared, "hall-led485")
    try:
        with CoreProcess(host, hall=host / "hall.toml") as core:
            write_role_files(pi, core, printer)
            install(pi, args.bundles, steps)
            files: list[str | Path] = [INSIDE / "hall.toml", "/etc/onewindow/kiosk.toml", "/etc/onewindow/display.toml"]
            checked = pi.run(VENV / "onewindow", "check-config", *files)
            steps.append(f"check-config: {' '.join(checked.stdout.split())} (exit {checked.returncode})")
            machine = pi.run(VENV / "python", "-c", "import platform, pygame; print(platform.machine(), pygame.ver)")
            steps.append(f"inside: {machine.stdout.strip()}")
            open_hall(core)
            run_kiosk(pi, core, printer, args.out, steps)
            run_display(pi, core, led, args.out, steps)
    finally:
        printer.close()
        led.close()
    steps.append(f"pi-check: done in {time.time() - args.started:.0f} s")
    (args.out / "result.txt").write_text("\n".join(steps) + "\n")
    print("\n".join(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
