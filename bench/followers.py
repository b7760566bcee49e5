"""5,000 event-stream followers while the core holds SPEC §9's first bar (issue 12, SPEC §9 "Followers").

`onewindow core` in its own process over a SQLite file, on the example hall with 26 callers and 3 kiosks at ten
times the morning peak (bench/core_load.py's load, its kiosk and caller processes), and 5,000 followers: plain
sockets on asyncio loops in two processes of their own, 25 from each of 200 loopback addresses (127.0.x.y), as the
phones of a hall come from addresses of their own. All of them connect at once, then the load runs; every follower
stamps every event on arrival (CLOCK_MONOTONIC, shared by all processes). Measured: p99 request time, p99 call →
event over every follower, the core's peak resident memory, and followers missing any event.

    python -m bench.followers [--followers 5000] [--seconds 60] [--factor 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.core_load import bench_hall, callers, kiosks, peak_rate_per_s, percentile, rss_mb, signed_in_core
from bench.report import table, write_section
from bench.throughput import cpu_s
from onewindow.client import CoreClient

PROCESSES = 2
PER_ADDRESS = 25
# The followers stand for phones elsewhere in the hall: on loopback, each byte the core sends wakes a follower
# process that would otherwise take the core's CPU from it mid-fan-out, so the core runs on one CPU, every client
# on the others.
_CPUS = sorted(os.sched_getaffinity(0))
CORE_CPUS = set(_CPUS[:1])
CLIENT_CPUS = set(_CPUS[1:]) or CORE_CPUS


def _address(i: int) -> str:
    n = i // PER_ADDRESS
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


class Stream:
    """One follower's parse state: the chunked body undone, each whole event's seq and arrival time kept."""

    def __init__(self) -> None:
        self.answered = False  # the core's answer came (200 or a refusal)
        self.closed = False  # the core closed the stream before the end
        self.raw = b""
        self.body = b""
        self.events: list[tuple[int, float]] = []
        self.called: dict[int, tuple[int, str]] = {}  # seq of each ticket.called: (window, number)

    def feed(self, data: bytes, now: float) -> None:
        self.raw += data
        while True:
            size_line, found, rest = self.raw.partition(b"\r\n")
            size = int(size_line, 16) if found else 0
            if not found or len(rest) < size + 2:
                break
            self.body += rest[:size]
            self.raw = rest[size + 2 :]
        while b"\n\n" in self.body:
            block, _, self.body = self.body.partition(b"\n\n")
            fields = dict(line.split(b": ", 1) for line in block.split(b"\n") if b": " in line)
            if b"id" not in fields:
                continue
            seq = int(fields[b"id"])
            self.events.append((seq, now))
            if fields.get(b"event") == b"ticket.called":
                about = json.loads(fields[b"data"])
                self.called[seq] = (about.get("window") or 0, about.get("number") or "")


# the kernel's receive time of each read: when the event reached the follower, not when this busy process got to it
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
ANCILLARY = socket.CMSG_SPACE(16)


class Reading:
    """A follower's socket read as it becomes readable (2,500 of them share a process and its CPU): the answer's
    head, then every byte fed to its Stream stamped with the kernel's receive time (SO_TIMESTAMPNS), on the
    monotonic clock the callers use."""

    def __init__(self, sock: socket.socket, stream: Stream, offset: float):
        self.sock, self.stream, self.offset = sock, stream, offset
        self.head = b""
        self.loop = asyncio.get_running_loop()
        self.answer: asyncio.Future[bool] = self.loop.create_future()
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.loop.add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        try:
            data, ancillary, _, _ = self.sock.recvmsg(65536, ANCILLARY)
        except BlockingIOError:
            return
        except OSError:
            data, ancillary = b"", []
        if not data:
            self.close()
            self.stream.closed = True
            if not self.answer.done():
                self.stream.answered = True
                self.answer.set_result(False)
            return
        stamp = time.monotonic()
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                seconds, nanoseconds = struct.unpack("qq", value[:16])
                stamp = seconds + nanoseconds / 1e9 - self.offset
        if self.answer.done():
            self.stream.feed(data, stamp)
            return
        self.head += data
        if b"\r\n\r\n" in self.head:
            head, _, rest = self.head.partition(b"\r\n\r\n")
            self.stream.answered = True
            self.answer.set_result(head.startswith(b"HTTP/1.1 200"))
            self.stream.feed(rest, stamp)

    def close(self) -> None:
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


async def _one(i: int, port: int, after: int, gate: asyncio.Semaphore, stop: asyncio.Event, stream: Stream) -> bool:
    """Follow from loopback address `_address(i)` until `stop`; whether the core took it."""
    loop = asyncio.get_running_loop()
    offset = time.time() - time.monotonic()
    async with gate:  # connect at once, but with no more attempts in flight than the listen queue holds
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind((_address(i), 0))
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(
            sock, f"GET /api/v1/events HTTP/1.1\r\nHost: hall\r\nLast-Event-ID: {after}\r\n\r\n".encode()
        )
        reading = Reading(sock, stream, offset)
        taken = await reading.answer
    await stop.wait()
    if not stream.closed:
        reading.close()
    return taken and not stream.closed


def follower_process(first: int, count: int, port: int, after: int, ready: Any, stop_all: Any, out: Any) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    streams = [Stream() for _ in range(count)]

    async def main() -> list[bool]:
        gate, stop = asyncio.Semaphore(500), asyncio.Event()
        tasks = [asyncio.ensure_future(_one(first + k, port, after, gate, stop, streams[k])) for k in range(count)]
        while any(not t.done() and not s.answered for t, s in zip(tasks, streams, strict=True)):
            await asyncio.sleep(0.05)
        ready.set()
        while not stop_all.is_set():
            await asyncio.sleep(0.1)
        stop.set()
        return list(await asyncio.gather(*tasks))

    taken = asyncio.run(main())
    out.put(("followers", [(s.events, s.called, ok) for s, ok in zip(streams, taken, strict=True)]))


def run(port: int, followers: int, seconds: float, factor: float, core_pid: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}"
    with CoreClient(url) as reader:
        start_seq = reader.hall()["seq"]
    ctx = mp.get_context("spawn")
    out, stop_all = ctx.Queue(), ctx.Event()
    share = followers // PROCESSES
    readies = [ctx.Event() for _ in range(PROCESSES)]
    procs = [
        ctx.Process(target=follower_process, args=(p * share, share, port, start_seq, readies[p], stop_all, out))
        for p in range(PROCESSES)
    ]
    connecting = time.monotonic()
    for p in procs:
        p.start()
    for r in readies:
        r.wait(300)
    connect_s = time.monotonic() - connecting
    peak = [rss_mb(core_pid)]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.5):
            peak.append(rss_mb(core_pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    load_until = time.monotonic() + seconds
    load = [
        ctx.Process(target=kiosks, args=(url, peak_rate_per_s() * factor, load_until, False, out)),
        ctx.Process(target=callers, args=(url, factor, load_until, False, out)),
    ]
    for p in load:
        p.start()
    results = dict(out.get(timeout=seconds + 120) for _ in load)
    with CoreClient(url) as reader:
        end_seq = reader.hall()["seq"]
    time.sleep(5)  # the last events reach every follower
    stop_all.set()
    received = [item for _ in procs for item in out.get(timeout=300)[1]]
    sampling.set()
    sampler.join()
    for p in [*load, *procs]:
        p.join()
    figures = _figures(results, received, start_seq, end_seq)
    return {**figures, "followers": followers, "seconds": seconds, "connect_s": connect_s, "peak_rss_mb": max(peak)}


def _figures(results: dict[str, Any], received: list[Any], start_seq: int, end_seq: int) -> dict[str, Any]:
    issues, calls = results["kiosks"], results["callers"]
    requests = [(r[2] - r[1]) * 1000 for r in issues + calls]
    errors = [r for r in issues if r[3] != 201] + [r for r in calls if r[3] not in (200, 204)]
    expected = list(range(start_seq + 1, end_seq + 1))
    missing = sum(1 for events, _, ok in received if not ok or [s for s, _ in events if s <= end_seq] != expected)
    sent = {(r[4], r[5]): r[1] for r in calls if r[3] == 200}
    called: dict[int, tuple[int, str]] = {}
    for _, each, _ in received:
        called.update(each)
    to_event = [
        (t - sent[called[seq]]) * 1000
        for events, _, _ in received
        for seq, t in events
        if seq in called and called[seq] in sent
    ]
    return {
        "requests": len(requests),
        "request_p50_ms": percentile(requests, 50),
        "request_p99_ms": percentile(requests, 99),
        "calls": len(sent),
        "event_samples": len(to_event),
        "event_p50_ms": percentile(to_event, 50),
        "event_p99_ms": percentile(to_event, 99),
        "events": len(expected),
        "missing": missing,
        "errors": len(errors),
    }


def one_core(followers: int, seconds: float, factor: float) -> dict[str, Any]:
    """A fresh core on a fresh database, every window signed in, measured with `followers` followers."""
    with tempfile.TemporaryDirectory() as folder:
        hall = bench_hall(Path(folder))
        with signed_in_core(Path(folder), hall, preexec_fn=lambda: os.sched_setaffinity(0, CORE_CPUS)) as (url, pid):
            port = int(url.rsplit(":", 1)[1])
            rss_start = rss_mb(pid)
            cpu_start = cpu_s(pid)
            r = run(port, followers, seconds, factor, pid)
            r["core_cpu_s"] = cpu_s(pid) - cpu_start
    return {**r, "rss_start_mb": rss_start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, nargs="+", default=[5000], help="one run for each count (5000)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--factor", type=float, default=10, help="times the morning peak (default 10)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    # every client process (followers, kiosks, callers) inherits this: the core keeps its own CPU
    os.sched_setaffinity(0, CLIENT_CPUS)
    runs = [one_core(n, args.seconds, args.factor) for n in args.followers]
    body = _body(runs, args.seconds, args.factor)
    print(body)
    if not args.no_write:
        write_section("followers", "Core: 5,000 event-stream followers under the first bar's load", body)
    return 0


def _body(runs: list[dict[str, Any]], seconds: float, factor: float) -> str:
    rows = [
        [
            r["followers"],
            f"{r['connect_s']:.1f}",
            r["requests"],
            f"{r['request_p50_ms']:.1f} / {r['request_p99_ms']:.1f}",
            f"{r['event_samples']}",
            f"{r['event_p50_ms']:.1f} / {r['event_p99_ms']:.1f}",
            f"{r['core_cpu_s']:.1f}",
            f"{r['rss_start_mb']:.0f} → {r['peak_rss_mb']:.0f}",
            r["events"],
            r["missing"],
            r["errors"],
        ]
        for r in runs
    ]
    headers = ["followers", "all connected in s", "requests", "request p50 / p99 ms", "call → event samples",
               "call → event p50 / p99 ms", "core CPU s", "core RSS MB (start → peak)", "events",
               "followers missing any", "errors"]  # fmt: skip
    return f"""The example hall (26 windows) with one caller per window and 3 kiosks at {factor:g} times the morning
peak ({seconds:g} s, bench/core_load.py's paced load), against `onewindow core` over a SQLite file on loopback,
while the followers hold the event stream: plain sockets on asyncio loops in {PROCESSES} processes, {PER_ADDRESS}
from each loopback address, all connected at once before the load starts (a fresh core for each row). The core
runs on one of the machine's CPUs and every client on the other, as the phones would be other machines; a
follower's time is the kernel's receive time of the bytes (SO_TIMESTAMPNS), not when its busy process got round
to them.
"Call → event" is every follower's time from a caller sending a call to that follower holding its
`ticket.called`, over every follower and call. "Core CPU s" is the core's, from the followers' first connection
to the end.

{table(headers, rows)}

SPEC §9 asks for p99 request time ≤ 25 ms, p99 call → event ≤ 100 ms at every follower, core memory under
200 MB and no follower missing an event.
"""


if __name__ == "__main__":
    sys.exit(main())
