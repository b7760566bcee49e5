"""How long the kiosk takes to turn a ticket into printer bytes, and how many bytes that is.

Run: .venv/bin/python bench/bench_ticket_render.py [--rounds N]
Prints one line per case (median and 95th percentile over N rounds after a warm-up) and the machine it ran on.
The time matters for the kiosk's tap-to-first-byte budget (300 ms); the bytes matter on serial printers
(at 9600 baud a byte takes about 1 ms on the wire).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from onewindow.drivers.printer.gb18030 import encode_gb18030
from onewindow.drivers.printer.preview import render
from onewindow.drivers.printer.raster import encode_raster
from onewindow.kiosk.ticket import ticket_layout

URL = "https://hall.example/t/3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6"


def layout(locale: str = "zh-Hans"):
    return ticket_layout(
        hall_name="某某县就业和社会保障服务中心",
        number="A001",
        service_name="通办业务",
        window_name="3号窗口",
        ahead=5,
        estimated_wait_s=900,
        issued_at=datetime(2026, 11, 27, 9, 3, tzinfo=timezone(timedelta(hours=8))),
        status_url=URL,
        locale=locale,
        guide="请携带本人身份证、社保卡；代办请带委托书。",
    )


def measure(action: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    result = action()  # warm-up: fonts load once per process
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)

    ticket = layout()
    start = time.perf_counter()
    encode_raster(ticket, 576)
    first = time.perf_counter() - start

    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}".replace("  ", " ")
    )
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"first ticket in a fresh process (loads the CJK fonts): {first * 1000:.1f} ms")
    cases = [
        ("raster 576 dots (80 mm), zh-Hans", lambda: encode_raster(ticket, 576)),
        ("raster 384 dots (58 mm), zh-Hans", lambda: encode_raster(ticket, 384)),
        ("gb18030 576 dots, zh-Hans", lambda: encode_gb18030(ticket, 576)),
    ]
    print(f"{'case':36} {'median ms':>10} {'p95 ms':>8} {'bytes':>8} {'pieces':>7} {'9600 baud s':>12}")
    for name, action in cases:
        median, p95, pieces = measure(action, args.rounds)
        size = sum(len(p) for p in pieces)
        print(f"{name:36} {median * 1000:10.1f} {p95 * 1000:8.1f} {size:8d} {len(pieces):7d} {size * 10 / 9600:12.1f}")
    data = b"".join(encode_raster(ticket, 576))
    median, p95, _ = measure(lambda: render(data, 576), max(5, args.rounds // 5))
    print(f"{'preview of raster 576 (fake printer)':36} {median * 1000:10.1f} {p95 * 1000:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
