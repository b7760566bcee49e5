"""The core's throughput (SPEC §9, issue 13): CPU per issue and per call, rates and p99 at 1, 8 and 29 clients,
the rate while the queue grows to thousands, and the disk's fsync floor, in one run.

Against `onewindow core` in its own process over a SQLite file (WAL, synchronous=FULL, as the hall runs it) on
loopback, on the example hall with 26 caller devices and 29 kiosks, every window signed in. Each measure starts
a fresh core on a fresh database:
- issue at 1, 8 and 29 clients flat out (each sends its next ticket as soon as the last is answered);
- call: 26 callers flat out over a queue filled first (unmeasured) with `--fill` tickets, each stopping when
  nobody is left to call;
- the growing queue: 8 clients issue for 4 slices of 5 s with nothing called; the rate and CPU of each slice.
The core's CPU is read from /proc/<pid>/stat (user + system, all its threads) at the edges of each measured
window and divided by the requests answered in it. The clients run in processes of their own (plain
http.client over kept-alive connections), so their cost lands on the machine but not in the core's figures.

`--baseline REV` measures another revision of the core (e.g. the one before a change) in the same run, measure
by measure alternately, from a `git archive` of REV laid out as the installed package.

    python -m bench.throughput [--baseline REV] [--rounds 3] [--seconds 5] [--slice-seconds 5] [--fill 2000]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.core_load import EXAMPLE, WINDOWS, _token, bench_hall, percentile, signed_in_core
from bench.report import table, write_section
from onewindow.client import CoreClient
from onewindow.hallfile import load_hall

ROOT = Path(__file__).resolve().parents[1]
KIOSKS = 29
CLIENTS = (1, 8, 29)
SLICES = 4
PER_PROCESS = 8  # client threads per load process
TICK_S = os.sysconf("SC_CLK_TCK")


# --- the core under test -------------------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK_S


@dataclass
class Version:
    """A revision of the core to run: this checkout, or an exported tree put first on the import path."""

    name: str
    path: str | None = None  # a folder holding the `onewindow` package, or None for the installed one

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        if self.path is not None:
            env["PYTHONPATH"] = self.path
        return env


def export(rev: str, folder: Path) -> Version:
    """REV's tree as an importable `onewindow` package (pyproject's package-dir: dispatch/ is onewindow.dispatch)."""
    source = folder / "source"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    tar_path = folder / "rev.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(source, filter="data")
    package_dir = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    top = folder / "path" / "onewindow"
    top.parent.mkdir()
    top.symlink_to(source / package_dir["onewindow"])
    sub = {name.split(".", 1)[1]: where for name, where in package_dir.items() if "." in name}
    for name, where in sub.items():
        link = source / package_dir["onewindow"] / name
        if not link.exists():
            link.symlink_to(source / where)
    label = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h", rev], check=True, capture_output=True, text=True
    ).stdout.strip()
    return Version(f"before ({label})", str(folder / "path"))


@contextmanager
def running_core(version: Version, folder: Path) -> Iterator[tuple[str, int]]:
    """A fresh core of `version` on a fresh database in `folder`, every window signed in; (url, pid)."""
    hall = bench_hall(folder, kiosks=KIOSKS)
    # run from the folder: the checkout's own onewindow/ must not shadow the version's
    with signed_in_core(folder, hall, env=version.env(), cwd=folder, tries=600) as core:
        yield core


# --- the load processes ------------------------------------------------------------------------------------

Result = tuple[float, float, int]  # (sent, answered, status), CLOCK_MONOTONIC


def _client(url: str, kind: str, k: int, start: float, until: float, results: list[Result]) -> None:
    """One client flat out: kiosk k issuing tickets (services by their share), the caller of window k calling
    until nobody waits, or kiosk k asking who it is (`device`)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    shares = load_hall(EXAMPLE).shares()
    services, weights, rng = list(shares), list(shares.values()), random.Random(k)
    device = f"caller-{k}" if kind == "call" else f"kiosk-{k}"
    headers = {"Authorization": f"Bearer {_token(device)}", "Content-Type": "application/json"}
    time.sleep(max(0.0, start - time.monotonic()))
    while time.monotonic() < until:
        sent = time.monotonic()
        if kind == "issue":
            body = json.dumps({"service": rng.choices(services, weights)[0]})
            conn.request("POST", "/api/v1/tickets", body, {**headers, "Idempotency-Key": uuid.uuid4().hex})
        elif kind == "call":
            conn.request("POST", f"/api/v1/windows/{k}/call", "{}", headers)
        else:  # the server's floor: the kiosk's token checked, a small answer, no hall
            conn.request("GET", "/api/v1/device", headers=headers)
        answer = conn.getresponse()
        answer.read()
        results.append((sent, time.monotonic(), answer.status))
        if kind == "call" and answer.status == 204:
            break  # nobody left to call
    conn.close()


def _load(url: str, kind: str, ks: list[int], ready: Any, go: Any, start: Any, seconds: float, out: Any) -> None:
    """A load process: one thread per client in `ks`, all starting at the moment the parent sets."""
    ready.put(os.getpid())
    go.wait()
    results: list[Result] = []
    threads = [
        threading.Thread(target=_client, args=(url, kind, k, start.value, start.value + seconds, results)) for k in ks
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


@dataclass
class Window:
    """One measured window: the requests answered in it and the core's CPU over it."""

    start: float
    end: float
    results: list[Result]
    cpu: list[tuple[float, float]] = field(default_factory=list)  # (monotonic, core CPU s) at the edges

    def answered(self, since: float, until: float, ok: tuple[int, ...]) -> list[Result]:
        return [r for r in self.results if since <= r[1] < until and r[2] in ok]


def run_load(url: str, pid: int, kind: str, clients: int, seconds: float, edges: int = 1) -> Window:
    """Clients of `kind` flat out for `seconds`; the core's CPU read at `edges` + 1 evenly spaced moments."""
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start = ctx.Value("d", 0.0)
    ks = list(range(1, clients + 1))
    groups = [ks[i : i + PER_PROCESS] for i in range(0, clients, PER_PROCESS)]
    procs = [ctx.Process(target=_load, args=(url, kind, g, ready, go, start, seconds, out)) for g in groups]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    start.value = time.monotonic() + 0.3
    go.set()
    window = Window(start.value, start.value + seconds, [])
    for i in range(edges + 1):
        time.sleep(max(0.0, window.start + seconds * i / edges - time.monotonic()))
        window.cpu.append((time.monotonic(), cpu_s(pid)))
    for _ in procs:
        window.results += out.get(timeout=seconds + 300)
    for p in procs:
        p.join()
    return window


# --- the measures ----------------------------------------------------------------------------------------


def summary(window: Window, ok: tuple[int, ...] = (201,)) -> dict[str, float]:
    """Rate, p50/p99 and core CPU per request over the whole window."""
    done = window.answered(window.start, window.end, ok)
    ms = [(r[1] - r[0]) * 1000 for r in done]
    cpu = window.cpu[-1][1] - window.cpu[0][1]
    return {
        "requests": len(done),
        "per_s": len(done) / (window.end - window.start),
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "cpu_ms": cpu * 1000 / max(1, len(done)),
        "errors": sum(1 for r in window.results if r[2] not in ok),
    }


def issue_at(version: Version, clients: int, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, running_core(version, Path(folder)) as (url, pid):
        return summary(run_load(url, pid, "issue", clients, seconds))


def http_floor(version: Version, seconds: float) -> dict[str, float]:
    """8 kiosks asking `GET /api/v1/device` flat out: the server, Flask, the token and JSON without the hall."""
    with tempfile.TemporaryDirectory() as folder, running_core(version, Path(folder)) as (url, pid):
        return summary(run_load(url, pid, "device", 8, seconds), ok=(200,))


def calls(version: Version, fill: int, seconds: float) -> dict[str, float]:
    """26 callers flat out over `fill` waiting tickets; each call finishes the window's ticket and calls the next."""
    with tempfile.TemporaryDirectory() as folder, running_core(version, Path(folder)) as (url, pid):
        with CoreClient(url) as reader:
            while reader.hall()["services"] and sum(s["waiting"] for s in reader.hall()["services"]) < fill:
                run_load(url, pid, "issue", 8, 1.0)
            waiting = sum(s["waiting"] for s in reader.hall()["services"])
        window = run_load(url, pid, "call", WINDOWS, seconds)
        end = max(r[1] for r in window.results)
        window.end = min(window.end, end)
        window.cpu[-1] = (end, cpu_s(pid)) if end < window.cpu[-1][0] else window.cpu[-1]
        result = summary(window, ok=(200, 204))
        result["waiting"] = waiting
        return result


def growing(version: Version, slice_s: float) -> list[dict[str, float]]:
    """8 clients issuing, nothing called: each slice's rate, p99, CPU per issue and the queue at its end."""
    with tempfile.TemporaryDirectory() as folder, running_core(version, Path(folder)) as (url, pid):
        window = run_load(url, pid, "issue", 8, slice_s * SLICES, edges=SLICES)
    rows = []
    issued = 0
    for (t0, c0), (t1, c1) in zip(window.cpu, window.cpu[1:], strict=False):
        done = window.answered(t0, t1, (201,))
        issued += len(done)
        ms = [(r[1] - r[0]) * 1000 for r in done]
        rows.append(
            {
                "per_s": len(done) / (t1 - t0),
                "p99_ms": percentile(ms, 99),
                "cpu_ms": (c1 - c0) * 1000 / max(1, len(done)),
                "waiting": issued,
            }
        )
    return rows


def fsync_floor(folder: Path, rounds: int = 300) -> dict[str, float]:
    """The disk's floor: os.fsync of a small write, and a one-row SQLite commit in WAL with synchronous=FULL."""
    times: dict[str, list[float]] = {"fsync": [], "fdatasync": [], "sqlite": []}
    fd = os.open(folder / "floor.bin", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for i in range(rounds):
            for name, sync in (("fsync", os.fsync), ("fdatasync", os.fdatasync)):
                os.pwrite(fd, b"x" * 100, (i % 64) * 100)
                t0 = time.perf_counter()
                sync(fd)
                times[name].append((time.perf_counter() - t0) * 1000)
    finally:
        os.close(fd)
    db = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    for _ in range(rounds):
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
        db.execute("COMMIT")
        times["sqlite"].append((time.perf_counter() - t0) * 1000)
    db.close()
    return {f"{name}_{q}": percentile(ms, q) for name, ms in times.items() for q in (50, 99)} | {
        f"{name}_mean": statistics.fmean(ms) for name, ms in times.items()
    }


# --- the run -----------------------------------------------------------------------------------------------


def measure(versions: list[Version], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every measure `rounds` times, the versions in turn before the next measure (the other way round every
    other round), so that all see the same machine; of each measure, the run with the median rate."""
    runs: dict[str, dict[str, list[Any]]] = {v.name: {} for v in versions}
    steps: list[tuple[str, Callable[[Version], Any]]] = [
        *((f"issue_{c}", functools.partial(issue_at, clients=c, seconds=args.seconds)) for c in CLIENTS),
        ("floor", functools.partial(http_floor, seconds=args.seconds)),
        ("call", functools.partial(calls, fill=args.fill, seconds=args.seconds)),
        ("growing", functools.partial(growing, slice_s=args.slice_seconds)),
    ]
    for round_ in range(args.rounds):
        for name, step in steps:
            for v in versions if round_ % 2 == 0 else versions[::-1]:
                found = step(v)
                runs[v.name].setdefault(name, []).append(found)
                shown = [_brief(s) for s in found] if name == "growing" else _brief(found)
                print(f"round {round_ + 1}", v.name, name, shown, flush=True)
    medians = {v: {name: _median(name, found) for name, found in by.items()} for v, by in runs.items()}
    for name, by in runs.items():
        medians[name]["rounds_8"] = by["issue_8"]  # round by round, for the table of rounds
    return medians


def _median(name: str, runs: list[Any]) -> Any:
    """The run with the median rate (the median of the last slice over the first, for the growing queue), with
    the spread of the rates over all runs."""
    if name == "growing":
        return sorted(runs, key=lambda slices: slices[-1]["per_s"] / max(1e-9, slices[0]["per_s"]))[len(runs) // 2]
    ordered = sorted(runs, key=lambda r: r["per_s"])
    return {**ordered[len(runs) // 2], "low": ordered[0]["per_s"], "high": ordered[-1]["per_s"]}


def _brief(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())


def report(found: dict[str, dict[str, Any]], floor: dict[str, float], args: argparse.Namespace) -> str:
    names = list(found)
    rows = []
    for clients in CLIENTS:
        rows.append(
            _row(f"issue, {clients} client{'s' if clients > 1 else ''}", [found[n][f"issue_{clients}"] for n in names])
        )
    rows.append(
        _row(
            f"call, 26 callers from {found[names[-1]]['call']['waiting']:.0f} waiting",
            [found[n]["call"] for n in names],
        )
    )
    rows.append(_row("the server's floor: `GET /api/v1/device`, 8 clients", [found[n]["floor"] for n in names]))
    head = ["flat out"] + [f"{n}: {what}" for n in names for what in ("req/s", "p50 / p99 ms", "core CPU ms/req")]
    slices = []
    for i in range(SLICES):
        cells: list[object] = [f"{i * args.slice_seconds:g}–{(i + 1) * args.slice_seconds:g} s"]
        for n in names:
            s = found[n]["growing"][i]
            cells += [f"{s['per_s']:.0f}", f"{s['waiting']:.0f}", f"{s['p99_ms']:.1f}", f"{s['cpu_ms']:.2f}"]
        slices.append(cells)
    slice_head = ["8 clients, nothing called"] + [
        f"{n}: {what}" for n in names for what in ("issues/s", "waiting at end", "p99 ms", "core CPU ms/issue")
    ]
    ratio = {n: found[n]["growing"][-1]["per_s"] / max(1e-9, found[n]["growing"][0]["per_s"]) for n in names}
    return BODY.format(
        rounds_table=rounds_table({n: found[n]["rounds_8"] for n in names}),
        calmest=calmest({n: found[n]["rounds_8"] for n in names}),
        verdict=_verdict(found[names[-1]], ratio[names[-1]]),
        flat=table(head, rows),
        slices=table(slice_head, slices),
        ratios="; ".join(f"{n}: {r:.2f}" for n, r in ratio.items()),
        fill=args.fill,
        rounds=args.rounds,
        seconds=args.seconds,
        floor=_floor_table(floor),
    )


def rounds_table(rounds: dict[str, list[dict[str, float]]]) -> str:
    """8 clients issuing, round by round: each version's rate, CPU per issue and p99, and the CPU of the last
    version over the first's, which moves far less with the machine's load than either does."""
    names = list(rounds)
    head = ["round"] + [f"{n}: {what}" for n in names for what in ("issues/s", "CPU ms/issue", "p99 ms")]
    if len(names) > 1:
        head.append("CPU, last over first")
    rows: list[list[object]] = []
    for i in range(min(len(r) for r in rounds.values())):
        cells: list[object] = [i + 1]
        for n in names:
            r = rounds[n][i]
            cells += [f"{r['per_s']:.0f}", f"{r['cpu_ms']:.2f}", f"{r['p99_ms']:.1f}"]
        if len(names) > 1:
            cells.append(f"{rounds[names[-1]][i]['cpu_ms'] / rounds[names[0]][i]['cpu_ms']:.2f}")
        rows.append(cells)
    return table(head, rows)


def calmest(rounds: dict[str, list[dict[str, float]]]) -> str:
    """The round in which the first version ran fastest (the least load around it), in words."""
    names = list(rounds)
    i = max(range(min(len(r) for r in rounds.values())), key=lambda k: rounds[names[0]][k]["per_s"])
    said = [f"{n} {rounds[n][i]['per_s']:.0f} issues/s at {rounds[n][i]['cpu_ms']:.2f} ms, p99 "
            f"{rounds[n][i]['p99_ms']:.1f} ms" for n in names]  # fmt: skip
    return f"In the calmest round ({i + 1}): " + "; ".join(said) + "."


def _verdict(found: dict[str, Any], ratio: float) -> str:
    """The targets, against the last version measured."""
    eight = found["issue_8"]
    slices = found["growing"]
    lines = [
        ("core CPU per issue ≤ 1.0 ms (8 clients)", f"{eight['cpu_ms']:.2f} ms", eight["cpu_ms"] <= 1.0),
        (
            "the same with thousands waiting: last slice's rate within 20 % of the first",
            f"{ratio:.2f} ({slices[0]['cpu_ms']:.2f} → {slices[-1]['cpu_ms']:.2f} ms per issue at "
            f"{slices[-1]['waiting']:.0f} waiting)",
            ratio >= 0.8,
        ),
        ("p99 ≤ 25 ms at 8 clients flat out", f"{eight['p99_ms']:.1f} ms", eight["p99_ms"] <= 25.0),
        (
            "stretch: ≥ 10× FQM's 85–99 issues/s at 8 clients",
            f"{eight['per_s'] / 99:.1f}× its best",
            eight["per_s"] >= 990,
        ),
    ]
    return table(["target", "measured", "met"], [[a, b, "yes" if ok else "**no**"] for a, b, ok in lines])


def _row(name: str, figures: list[dict[str, float]]) -> list[object]:
    cells: list[object] = [name]
    for f in figures:
        rate = f"{f['per_s']:.0f}" + (f" ({f['low']:.0f}–{f['high']:.0f})" if f["low"] != f["high"] else "")
        cells += [rate, f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f}", f"{f['cpu_ms']:.2f}"]
    return cells


def _floor_table(floor: dict[str, float]) -> str:
    rows: list[list[object]] = [
        [what, f"{floor[f'{name}_50']:.2f}", f"{floor[f'{name}_mean']:.2f}", f"{floor[f'{name}_99']:.2f}"]
        for name, what in (
            ("fsync", "os.fsync of a 100-byte write"),
            ("fdatasync", "os.fdatasync of a 100-byte write"),
            ("sqlite", "one-row SQLite commit, WAL, synchronous=FULL"),
        )
    ]
    return table(["the disk's floor", "p50 ms", "mean ms", "p99 ms"], rows)


BODY = """The example hall (26 windows, every one signed in) with 26 caller devices and 29 kiosks, against `onewindow
core` in its own process over a SQLite file (WAL, synchronous=FULL: no answer before its change is on disk) on
loopback; each measure on a fresh core and database. Clients send their next request as soon as the last is
answered, from processes of their own over kept-alive connections. Every measure ran {rounds} times, the
versions taking turns; shown is the run with the median rate (in brackets the lowest and highest rate). Core CPU
is user + system time of the core's process over the measured window ({seconds:g} s), divided by the requests
answered in it: the HTTP server, Flask, JSON, the hall's rules and the database, all threads. Calls start from
{fill} waiting tickets (filled first, not measured); each finishes the window's citizen and calls the next. The
server's floor is a kiosk asking `GET /api/v1/device`: its token checked and a small JSON answer, no hall and no
database, which is what every request costs before the hall's rules begin.

{flat}

8 clients issuing, round by round (the rounds ran in this order; the load around the benchmark changes from one
to the next, for every version alike):

{rounds_table}

{calmest}

The queue growing: 8 clients issuing flat out with nothing called, in slices (last slice's rate over the first:
{ratios}).

{slices}

{floor}

Against SPEC §9's throughput bar (issue 13), the last version measured:

{verdict}

The peer (FQM, Flask + SQLite) served 85–99 issues/s at 8 clients on this machine, at 9–13 ms of CPU per issue.
The machine is shared (2 cores, other programs running at times): CPU per request rises with the load around it,
for every version alike, so compare the columns of one run. How the cost came down (issue 13): every issue
walked and sorted every waiting ticket to estimate waits, twice; now the queues count by service
(`dispatch/model.py` `Queue`) and the estimate is worked out once. Each change paid its own SQLAlchemy statement
building, transaction and fsync under the hall's lock; now one writer thread (`dispatch/writer.py`) writes every
change waiting in one transaction with statements compiled once. The server: cheroot's threads until 45b6ad4,
then uvicorn's loop (issue 12, for the followers) with a2wsgi running Flask, whose four to five thread-loop
round trips per request cost more than cheroot; now the core's own bridge (`dispatch/bridge.py`): the body read on
the loop, the app run to its end on a thread, the whole answer handed back once and sent in one write.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision, alternately")
    parser.add_argument("--seconds", type=float, default=5.0, help="each flat-out measure (5)")
    parser.add_argument("--slice-seconds", type=float, default=5.0, help="each slice of the growing queue (5)")
    parser.add_argument("--fill", type=int, default=2000, help="tickets waiting before the calls (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every measure; the median is shown (3)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    load_hall(EXAMPLE)
    with tempfile.TemporaryDirectory() as folder:
        versions = [Version("after" if args.baseline else "this checkout")]
        if args.baseline:
            versions.insert(0, export(args.baseline, Path(folder)))
        floor = fsync_floor(Path(folder))
        print("floor:", _brief(floor), flush=True)
        found = measure(versions, args)
    body = report(found, floor, args)
    print(body)
    if args.json:
        Path(args.json).write_text(json.dumps({"floor": floor, "found": found}, indent=1), encoding="utf-8")
    if not args.no_write:
        write_section("throughput", "Core: throughput, CPU per request, the queue growing", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
