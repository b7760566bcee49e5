"""`onewindow simulate`: days of the hall on a virtual clock, the core's policy against one shared first-come queue.

Each seed is one day of citizens (see `day`): the core's own `Hall` assigns and calls them, one shared
first-come queue over the same windows serves the very same citizens as the yardstick, and optionally an older
hall layout (`--compare`, e.g. the 26 single-business windows before the reform) serves them too. Waits are
pooled over all seeds' tickets (see `report`); the ratios are the policy's mean and 95th percentile over the
shared queue's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from onewindow.configfile import ConfigError
from onewindow.dispatch.policy import Policy
from onewindow.hallfile import HallConfig, load_hall

from .day import PROFILES, Day, SeedRun, open_windows, run_seed
from .report import report, text
from .staffing import BUILT_IN, load_staffing


def _run_seed_task(args: tuple[Any, ...]) -> SeedRun:
    return run_seed(*args)


def simulate(
    config: HallConfig,
    day: Day,
    seeds: Sequence[int],
    policy: Policy | None = None,
    compare: HallConfig | None = None,
    pairs: dict[str, str] | None = None,
    jobs: int = 1,
) -> list[SeedRun]:
    """Every seed's day; with `jobs` > 1 the seeds run in that many processes."""
    tasks = [(config, day, seed, policy, compare, pairs) for seed in seeds]
    if jobs <= 1 or len(tasks) <= 1:
        return [_run_seed_task(task) for task in tasks]
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        return list(pool.map(_run_seed_task, tasks))


# --- the command ---------------------------------------------------------------------------------------


def parse_profile(value: str) -> tuple[float, ...]:
    if value in PROFILES:
        return PROFILES[value]
    try:
        weights = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: a profile is {', '.join(PROFILES)} or hourly weights such as 1.5,1.2,0.8"
        ) from None
    if not weights or any(w < 0 or not math.isfinite(w) for w in weights) or sum(weights) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: weights must be zero or more, and not all zero")
    return weights


def _load(value: str) -> float:
    load = float(value)
    if not 0 < load < 5:
        raise argparse.ArgumentTypeError(f"{value}: the offered load is a share of the windows' time, e.g. 0.85")
    return load


def _pair(value: str) -> tuple[str, str]:
    if value.count("=") != 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give SERVICE=OLD_SERVICE, e.g. pension-review=pension")
    a, b = value.split("=")
    return a.strip(), b.strip()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="onewindow simulate",
        description=(
            "Run days of the hall on a virtual clock: Poisson arrivals at the offered load, services by their "
            "share, handling times log-normal around each service's minutes. The core's own assignment and "
            "calling code serves them, its clerks calling as soon as they finish, in all day or, with "
            "--staffing, signing in, going to lunch and on breaks, leaving early, with citizens gone when "
            "called; the very same citizens and clerks also go through one shared first-come queue over the "
            "same windows (the yardstick) and, with --compare, through another hall's layout. Prints mean and "
            "95th-percentile waits, the share of tickets served at the window printed on them, and the error "
            "of the printed estimate."
        ),
        epilog="example: onewindow simulate --config config/examples/hall.toml --load 0.92 --seeds 20 "
        "--compare config/examples/hall-before-reform.toml",
    )
    p.add_argument("--config", required=True, metavar="HALL", help="the hall file")
    p.add_argument(
        "--load",
        required=True,
        type=_load,
        metavar="RHO",
        help="offered load: arrivals x mean handling time / open windows, over the day (e.g. 0.85)",
    )
    p.add_argument("--hours", type=float, default=8.0, help="hours of arrivals; windows serve everyone who came (8)")
    p.add_argument("--seeds", type=int, default=20, help="days to simulate, seeds first-seed.. (20)")
    p.add_argument("--first-seed", type=int, default=0, help="the first seed (0)")
    p.add_argument("--cv", type=float, default=1.0, help="coefficient of variation of handling times (1.0)")
    p.add_argument(
        "--profile",
        type=parse_profile,
        default=PROFILES["flat"],
        metavar="SHAPE",
        help="arrivals over the day: flat, peak (a morning peak) or hourly weights like 1.5,1.6,1.2 "
        "(stretched over --hours; --load is the day's mean)",
    )
    p.add_argument("--open", dest="opening", default="09:00", metavar="HH:MM", help="opening time, hall time (09:00)")
    p.add_argument("--priority-share", type=float, default=0.0, help="share of priority tickets (0)")
    p.add_argument(
        "--staffing",
        default="allday",
        metavar="NAME|FILE",
        help=f"the clerks' day: {' or '.join(BUILT_IN)} (built in), or a staffing file (docs/simulation.md); "
        "with one, --load is against the time the clerks are in (allday)",
    )
    p.add_argument(
        "--compare", metavar="HALL", help="another layout for the same citizens, e.g. the hall before the reform"
    )
    p.add_argument(
        "--map",
        type=_pair,
        action="append",
        default=[],
        metavar="SERVICE=OLD",
        help="pair a service with the comparison hall's business (default: same id, or the id's first word)",
    )
    p.add_argument(
        "--takeover-wait-share",
        type=float,
        metavar="SHARE",
        help="policy: take-over bound as a share of the wait expected for the service now (0.75)",
    )
    p.add_argument(
        "--takeover-lead",
        type=float,
        metavar="HANDLINGS",
        help="policy: the take-over bound's cap in mean handling times (1)",
    )
    p.add_argument("--takeover-lead-s", type=float, metavar="SECONDS", help="policy: a fixed take-over bound instead")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes to run seeds in (all cores)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def check(config: HallConfig, compare: HallConfig | None, pairs: dict[str, str], day: Day) -> list[str]:
    """What would stop the simulation: a service with arrivals that no open window serves, a bad pair."""
    problems = []
    served = {s for _, services in open_windows(config) for s in services}
    for sid, share in config.shares().items():
        if share > 0 and sid not in served:
            problems.append(f"{config.path}: service {sid!r} has a share but no open window serves it")
    if day.priority_share > 0 and not config.priority:
        problems.append(f"{config.path}: the hall does not offer priority tickets (priority = false)")
    if compare is not None:
        old_served = {s for _, services in open_windows(compare) for s in services}
        for sid, share in compare.shares().items():
            if share > 0 and sid not in old_served:
                problems.append(f"{compare.path}: service {sid!r} has a share but no open window serves it")
        if day.priority_share > 0 and not compare.priority:
            problems.append(f"{compare.path}: the hall does not offer priority tickets (priority = false)")
        for a, b in pairs.items():
            if not config.has_service(a):
                problems.append(f"--map {a}={b}: {config.path} has no service {a!r}")
            if not compare.has_service(b):
                problems.append(f"--map {a}={b}: {compare.path} has no service {b!r}")
    return problems


def _given(value: float | None, default: float) -> float:
    return default if value is None else value


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_hall(args.config)
        compare = load_hall(args.compare) if args.compare else None
        staffing = load_staffing(args.staffing)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"onewindow simulate: {exc}", file=sys.stderr)
        return 1
    if args.seeds < 1 or args.hours <= 0 or args.cv < 0 or not 0 <= args.priority_share <= 1:
        print("onewindow simulate: --seeds >= 1, --hours > 0, --cv >= 0, --priority-share 0..1", file=sys.stderr)
        return 2
    try:
        hh, mm = (int(x) for x in args.opening.split(":"))
        if not (0 <= hh < 24 and 0 <= mm < 60):
            raise ValueError
    except ValueError:
        print(f"onewindow simulate: --open {args.opening!r}: a time such as 09:00", file=sys.stderr)
        return 2
    day = Day(args.load, args.hours, args.cv, args.profile, args.opening, args.priority_share, staffing)
    pairs = dict(args.map)
    problems = check(config, compare, pairs, day)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return 1
    defaults = Policy()
    policy = Policy(
        prior_weight=defaults.prior_weight,
        takeover_lead_wait_share=_given(args.takeover_wait_share, defaults.takeover_lead_wait_share),
        takeover_lead_handlings=_given(args.takeover_lead, defaults.takeover_lead_handlings),
        takeover_lead_s=args.takeover_lead_s,
    )
    started = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    runs = simulate(config, day, seeds, policy, compare, pairs, jobs=max(1, args.jobs))
    out = report(config, day, runs, compare, policy)
    out["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(text(out))
        print(f"\n{out['seconds']:.1f} s on {min(max(1, args.jobs), args.seeds)} process(es)")
    return 0
