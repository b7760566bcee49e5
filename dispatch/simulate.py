"""`onewindow simulate`: days of the hall on a virtual clock, the core's policy against one shared first-come queue.

Each seed is one day of citizens (see `sim_day`): the core's own `Hall` assigns and calls them, one shared
first-come queue over the same windows serves the very same citizens as the yardstick, and optionally an older
hall layout (`--compare`, e.g. the 26 single-business windows before the reform) serves them too. Waits are
pooled over all seeds' tickets; the ratios are the policy's mean and 95th percentile over the shared queue's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from onewindow.configfile import ConfigError
from onewindow.hallfile import HallConfig, load_hall

from .domain import Hall
from .policy import Policy
from .sim_day import PROFILES, Served, business_map, citizens, open_windows, opening_time, run_hall, run_pooled
from .stats import percentile

# SPEC §9: the policy's mean wait within 5 % and its 95th percentile within 10 % of the shared queue's, and the
# reformed hall at least 5 times better than the old one.
MEAN_BAR, P95_BAR, REFORM_BAR = 1.05, 1.10, 5.0


@dataclass(frozen=True)
class Day:
    """What a simulated day is: the load, its shape over the day, the citizens' handling times."""

    load: float
    hours: float = 8.0
    cv: float = 1.0
    profile: tuple[float, ...] = PROFILES["flat"]
    opening: str = "09:00"
    priority_share: float = 0.0


@dataclass
class SeedRun:
    """One seed's day through the policy, the shared queue and (optionally) the comparison hall."""

    seed: int
    policy: list[Served]
    pooled: list[Served]
    compare: list[Served] = field(default_factory=list)


def run_seed(
    config: HallConfig,
    day: Day,
    seed: int,
    policy: Policy | None = None,
    compare: HallConfig | None = None,
    pairs: dict[str, str] | None = None,
    hall_type: type[Hall] = Hall,
) -> SeedRun:
    """One day: the same citizens through the core's hall, the shared queue and the comparison hall."""
    mapping = business_map(config, compare, pairs) if compare is not None else None
    people = citizens(
        config,
        day.load,
        day.hours,
        seed,
        cv=day.cv,
        profile=day.profile,
        priority_share=day.priority_share,
        other=mapping,
    )
    start = opening_time(config, day.opening)
    run = SeedRun(
        seed, run_hall(config, people, policy, opening=start, hall_type=hall_type), run_pooled(config, people)
    )
    if compare is not None:
        run.compare = run_hall(
            compare,
            people,
            policy,
            service_of=lambda c: c.old_service or "",
            opening=opening_time(compare, day.opening),
            hall_type=hall_type,
        )
    return run


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
    hall_type: type[Hall] = Hall,
) -> list[SeedRun]:
    """Every seed's day; with `jobs` > 1 the seeds run in that many processes."""
    tasks = [(config, day, seed, policy, compare, pairs, hall_type) for seed in seeds]
    if jobs <= 1 or len(tasks) <= 1:
        return [_run_seed_task(task) for task in tasks]
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        return list(pool.map(_run_seed_task, tasks))


# --- figures -------------------------------------------------------------------------------------------


def waits(served: Sequence[Served]) -> dict[str, Any]:
    values = [s.wait_s for s in served]
    if not values:
        return {"tickets": 0, "mean_wait_s": None, "p95_wait_s": None, "max_wait_s": None}
    return {
        "tickets": len(values),
        "mean_wait_s": round(sum(values) / len(values), 1),
        "p95_wait_s": round(percentile(values, 95) or 0.0, 1),
        "max_wait_s": round(max(values), 1),
    }


def at_printed_window(served: Sequence[Served]) -> float | None:
    return round(sum(s.window == s.printed_window for s in served) / len(served), 4) if served else None


def estimate_error(served: Sequence[Served]) -> dict[str, Any]:
    """How far the estimate printed on each ticket was from the wait that followed (estimate - wait)."""
    errors = [s.estimate_s - s.wait_s for s in served if s.estimate_s is not None]
    if not errors:
        return {}
    absolute = sorted(abs(e) for e in errors)
    return {
        "bias_s": round(sum(errors) / len(errors), 1),
        "mean_abs_error_s": round(sum(absolute) / len(absolute), 1),
        "median_abs_error_s": round(percentile(absolute, 50) or 0.0, 1),
        "p90_abs_error_s": round(percentile(absolute, 90) or 0.0, 1),
        "within_5_min": round(sum(a <= 300 for a in absolute) / len(absolute), 4),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if b == 0:
        return 1.0 if a == 0 else math.inf
    return round(a / b, 4)


def report(
    config: HallConfig,
    day: Day,
    runs: Sequence[SeedRun],
    compare: HallConfig | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """The figures `--json` prints: pooled over every seed's tickets, then per service, per hour and per seed."""
    policy = policy or Policy()
    mine = [s for r in runs for s in r.policy]
    pooled = [s for r in runs for s in r.pooled]
    old = [s for r in runs for s in r.compare]
    out: dict[str, Any] = {
        "hall": config.name,
        "load": day.load,
        "hours": day.hours,
        "seeds": [r.seed for r in runs],
        "handling_cv": day.cv,
        "profile": list(day.profile),
        "opening": day.opening,
        "windows": len(open_windows(config)),
        "policy_settings": {
            "prior_weight": policy.prior_weight,
            "takeover_lead_wait_share": policy.takeover_lead_wait_share,
            "takeover_lead_handlings": policy.takeover_lead_handlings,
            "takeover_lead_s": policy.takeover_lead_s,
        },
        "tickets": len(mine),
        "policy": {**waits(mine), "at_printed_window": at_printed_window(mine)},
        "pooled": waits(pooled),
    }
    out["ratio"] = {
        "mean": _ratio(out["policy"]["mean_wait_s"], out["pooled"]["mean_wait_s"]),
        "p95": _ratio(out["policy"]["p95_wait_s"], out["pooled"]["p95_wait_s"]),
    }
    out["meets_spec"] = (
        out["ratio"]["mean"] is not None
        and out["ratio"]["mean"] <= MEAN_BAR
        and out["ratio"]["p95"] is not None
        and out["ratio"]["p95"] <= P95_BAR
    )
    out["estimate"] = estimate_error(mine)
    services: dict[str, Any] = {}
    for sid in sorted({s.service for s in mine}):
        here = [s for s in mine if s.service == sid]
        entry = {
            "policy": {**waits(here), "at_printed_window": at_printed_window(here)},
            "pooled": waits([s for s in pooled if s.service == sid]),
        }
        entry["ratio"] = {
            "mean": _ratio(entry["policy"]["mean_wait_s"], entry["pooled"]["mean_wait_s"]),
            "p95": _ratio(entry["policy"]["p95_wait_s"], entry["pooled"]["p95_wait_s"]),
        }
        entry["estimate"] = estimate_error(here)
        services[sid] = entry
    out["services"] = services
    out["by_hour"] = by_hour(config, day, mine, pooled, old)
    per_seed = []
    for r in runs:
        a, b = waits(r.policy), waits(r.pooled)
        per_seed.append(
            {
                "seed": r.seed,
                "tickets": a["tickets"],
                "policy_mean_wait_s": a["mean_wait_s"],
                "pooled_mean_wait_s": b["mean_wait_s"],
                "policy_p95_wait_s": a["p95_wait_s"],
                "pooled_p95_wait_s": b["p95_wait_s"],
                "mean_ratio": _ratio(a["mean_wait_s"], b["mean_wait_s"]),
                "p95_ratio": _ratio(a["p95_wait_s"], b["p95_wait_s"]),
                "at_printed_window": at_printed_window(r.policy),
                **({"compare_mean_wait_s": waits(r.compare)["mean_wait_s"]} if r.compare else {}),
            }
        )
    out["per_seed"] = per_seed
    out["spread"] = {
        key: _spread([p[key] for p in per_seed]) for key in ("mean_ratio", "p95_ratio", "at_printed_window")
    }
    if compare is not None:
        c = waits(old)
        out["compare"] = {
            "hall": compare.name,
            "windows": len(open_windows(compare)),
            **c,
            "at_printed_window": at_printed_window(old),
            "times_policy_mean": _ratio(c["mean_wait_s"], out["policy"]["mean_wait_s"]),
            "times_policy_p95": _ratio(c["p95_wait_s"], out["policy"]["p95_wait_s"]),
            "services": {sid: waits([s for s in old if s.service == sid]) for sid in sorted({s.service for s in old})},
            "by_service_here": _same_citizens(runs),
        }
    return out


def _same_citizens(runs: Sequence[SeedRun]) -> dict[str, Any]:
    """The same citizens, grouped by their business in the simulated hall: their waits here and there."""
    here: dict[str, list[float]] = defaultdict(list)
    there: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        for a, b in zip(r.policy, r.compare, strict=True):
            here[a.service].append(a.wait_s)
            there[a.service].append(b.wait_s)
    return {
        sid: {
            "tickets": len(here[sid]),
            "mean_wait_s": round(sum(here[sid]) / len(here[sid]), 1),
            "compare_mean_wait_s": round(sum(there[sid]) / len(there[sid]), 1),
        }
        for sid in sorted(here)
    }


def _spread(values: list[Any]) -> dict[str, Any]:
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return {"min": None, "max": None}
    return {"min": min(values), "max": max(values)}


def by_hour(
    config: HallConfig, day: Day, mine: Sequence[Served], pooled: Sequence[Served], old: Sequence[Served]
) -> list[dict[str, Any]]:
    """Mean waits of the tickets issued in each hour of the day (local clock time of issue)."""
    start = opening_time(config, day.opening)
    tz = ZoneInfo(config.timezone)
    hours = max(1, math.ceil(day.hours))
    buckets: dict[str, dict[int, list[float]]] = {"policy": defaultdict(list), "pooled": defaultdict(list)}
    buckets["compare"] = defaultdict(list)
    for name, served in (("policy", mine), ("pooled", pooled), ("compare", old)):
        for s in served:
            buckets[name][min(hours - 1, int(s.at // 3600))].append(s.wait_s)
    rows = []
    for h in range(hours):
        row: dict[str, Any] = {
            "hour": datetime.fromtimestamp(start + h * 3600, tz).strftime("%H:%M"),
            "tickets": len(buckets["policy"][h]),
        }
        for name in ("policy", "pooled", "compare"):
            values = buckets[name][h]
            if name == "compare" and not old:
                continue
            row[f"{name}_mean_wait_s"] = round(sum(values) / len(values), 1) if values else None
            row[f"{name}_p95_wait_s"] = round(percentile(values, 95) or 0.0, 1) if values else None
        rows.append(row)
    return rows


# --- the command ---------------------------------------------------------------------------------------


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def text(out: dict[str, Any]) -> str:
    """The report a manager reads in a terminal."""
    p, q, r = out["policy"], out["pooled"], out["ratio"]
    lines = [
        f"{out['hall']}: {out['windows']} windows, load {out['load']:.2f}, {out['hours']:g} h from {out['opening']}"
        f" ({'flat' if len(set(out['profile'])) == 1 else 'shaped'} day), handling cv {out['handling_cv']:g}, "
        f"{len(out['seeds'])} seed{'s' if len(out['seeds']) != 1 else ''}, {out['tickets']} tickets",
        "",
        f"{'':24}{'mean wait':>12}{'p95 wait':>12}{'at printed window':>20}",
        f"{'policy (the core)':24}{_minutes(p['mean_wait_s']):>12}{_minutes(p['p95_wait_s']):>12}"
        f"{_percent(p['at_printed_window']):>20}",
        f"{'one shared queue':24}{_minutes(q['mean_wait_s']):>12}{_minutes(q['p95_wait_s']):>12}",
        f"{'policy / shared queue':24}{_fmt_ratio(r['mean']):>12}{_fmt_ratio(r['p95']):>12}"
        f"   SPEC: <= {MEAN_BAR:.2f} and <= {P95_BAR:.2f}: {'met' if out['meets_spec'] else 'NOT met'}",
    ]
    if "compare" in out:
        c = out["compare"]
        lines.append(
            f"{'compared hall':24}{_minutes(c['mean_wait_s']):>12}{_minutes(c['p95_wait_s']):>12}"
            f"   mean {_fmt_ratio(c['times_policy_mean'])}x the policy's (SPEC: >= {REFORM_BAR:g}x)"
        )
        lines.append(f"  (compared hall: {c['hall']}, {c['windows']} windows, the same citizens)")
    e = out["estimate"]
    if e:
        lines += [
            "",
            f"estimate printed on the ticket: bias {e['bias_s'] / 60:+.1f} min, mean error "
            f"{e['mean_abs_error_s'] / 60:.1f} min, 90 % within {e['p90_abs_error_s'] / 60:.1f} min, "
            f"{_percent(e['within_5_min'])} within 5 min",
        ]
    lines += ["", f"{'service':18}{'tickets':>8}{'mean':>10}{'shared':>10}{'p95':>10}{'shared':>10}{'printed':>9}"]
    for sid, s in out["services"].items():
        lines.append(
            f"{sid[:18]:18}{s['policy']['tickets']:>8}{_minutes(s['policy']['mean_wait_s']):>10}"
            f"{_minutes(s['pooled']['mean_wait_s']):>10}{_minutes(s['policy']['p95_wait_s']):>10}"
            f"{_minutes(s['pooled']['p95_wait_s']):>10}{_percent(s['policy']['at_printed_window']):>9}"
        )
    if "compare" in out:
        lines += ["", f"{'the same citizens by service':30}{'here':>10}{'compared hall':>16}"]
        for sid, row in out["compare"]["by_service_here"].items():
            lines.append(f"{sid[:30]:30}{_minutes(row['mean_wait_s']):>10}{_minutes(row['compare_mean_wait_s']):>16}")
    spread = out["spread"]
    if len(out["seeds"]) > 1:
        lines += [
            "",
            f"per seed: mean ratio {_fmt_ratio(spread['mean_ratio']['min'])}-{_fmt_ratio(spread['mean_ratio']['max'])},"
            f" p95 ratio {_fmt_ratio(spread['p95_ratio']['min'])}-{_fmt_ratio(spread['p95_ratio']['max'])}",
        ]
    return "\n".join(lines)


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


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
            "calling code serves them, every open window staffed and calling as soon as it finishes; the very "
            "same citizens also go through one shared first-come queue over the same windows (the yardstick) "
            "and, with --compare, through another hall's layout. Prints mean and 95th-percentile waits, the "
            "share of tickets served at the window printed on them, and the error of the printed estimate."
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
    day = Day(args.load, args.hours, args.cv, args.profile, args.opening, args.priority_share)
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
