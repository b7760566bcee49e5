"""The core's memory after a full day (SPEC §9: under 80 MB resident), through the real HTTP server.

A simulated day of the example hall at 85 % load (the simulator's arrivals: services by share, every ticket
issued by a kiosk, called, finished and often rated by its window's devices, some recalled or missed) is played
through `onewindow core` as fast as it answers, with event followers attached, and the core's resident memory
is read at the start, every quarter of the day and at the end.

    python -m bench.core_day [--load 0.85] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.core_load import EXAMPLE, FOLLOWERS, WINDOWS, _token, bench_hall, rss_mb
from bench.report import table, write_section
from onewindow.client import CoreClient, Event, EventFollower
from onewindow.hallfile import load_hall
from onewindow.simulator.day import citizens
from tests.support.process import free_port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load", type=float, default=0.85)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    config = load_hall(EXAMPLE)
    day = citizens(config, args.load, hours=8.0, seed=args.seed)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        hall = bench_hall(Path(folder))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        core = subprocess.Popen(
            [sys.executable, "-m", "onewindow.cli", "--log-level", "warning", "core", "--config", str(hall),
             "--db", f"{folder}/core.sqlite", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
        received = [0] * FOLLOWERS
        followers: list[EventFollower] = []
        readings: list[tuple[str, int, float]] = []
        try:
            with CoreClient(url) as probe:
                while not probe.healthy():
                    time.sleep(0.05)
            readings.append(("start", 0, rss_mb(core.pid)))

            def counter(i: int):  # type: ignore[no-untyped-def]
                def on_event(_: Event) -> None:
                    received[i] += 1

                return on_event

            followers = [EventFollower(url, counter(i)).start() for i in range(FOLLOWERS)]
            kiosk = CoreClient(url, _token("kiosk-1"))
            callers = {n: CoreClient(url, _token(f"caller-{n}")) for n in range(1, WINDOWS + 1)}
            for n, client in callers.items():
                client.act(n, "sign-in", {"clerk": f"c{n:02d}", "pin": "1234"})
            started = time.monotonic()
            issued = finished = 0
            quarter = max(1, len(day) // 4)
            for i, citizen in enumerate(day):
                n = kiosk.issue(citizen.service)["window"]
                issued += 1
                # the window the ticket went to calls (it may take an earlier ticket first) and finishes it
                ticket = callers[n].act(n, "call")
                if ticket is None:
                    continue
                if rng.random() < 0.1:
                    callers[n].act(n, "recall")
                if rng.random() < 0.03:
                    callers[n].act(n, "no-show")
                    continue
                callers[n].act(n, "finish")
                finished += 1
                if (i + 1) % quarter == 0:
                    readings.append((f"{i + 1} tickets", sum(received) // FOLLOWERS, rss_mb(core.pid)))
            elapsed = time.monotonic() - started
            time.sleep(1.0)
            readings.append(("end of day", sum(received) // FOLLOWERS, rss_mb(core.pid)))
            kiosk.close()
            for client in callers.values():
                client.close()
        finally:
            for f in followers:
                f.stop()
            core.terminate()
            core.wait(timeout=30)
    rows = [[name, events, f"{mb:.0f}"] for name, events, mb in readings]
    body = f"""A day of the example hall at {args.load:.0%} load ({issued} tickets from the simulator's arrivals, seed
{args.seed}; {finished} finished, the rest missed) played through `onewindow core` over HTTP as fast as it
answers ({elapsed:.0f} s): after each ticket its window calls, sometimes recalls, and finishes, with {FOLLOWERS} event
followers attached. Resident memory of the core process (SPEC §9: under 80 MB after a full day):

{table(["moment", "events each follower received", "core resident MB"], rows)}
"""
    print(body)
    if not args.no_write:
        write_section("core_day", "Core: memory after a full day", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
