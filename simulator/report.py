"""The simulator's figures: waits pooled over the seeds, per service, per hour and per seed, and the text report.

The ratios are the policy's mean and 95th percentile over the shared queue's, held against SPEC §9's bars.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from onewindow.dispatch.policy import Policy
from onewindow.dispatch.stats import percentile
from onewindow.hallfile import HallConfig

from .day import Day, SeedRun, Served, open_windows, opening_time

# SPEC §9: the policy's mean wait within 5 % and its 95th percentile within 10 % of the shared queue's, and the
# reformed hall at least 5 times better than the old one.
MEAN_BAR, P95_BAR, REFORM_BAR = 1.05, 1.10, 5.0
# SPEC §9, a real day: at 92 % load at least 63 % of tickets called at their printed window, with the p95 wait
# within 1.05 times the shared queue's.
HONEST_SHARE, HONEST_P95_BAR = 0.63, 1.05


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
    """The share of tickets first called at the window printed on them. A ticket printed with no window (issued
    while no window of its service was staffed: "watch the screen") counts as not: it was promised none."""
    return round(sum(s.window == s.printed_window for s in served) / len(served), 4) if served else None


def no_window_printed(served: Sequence[Served]) -> float | None:
    """The share of tickets printed with no window (in their service's shared queue at issue)."""
    return round(sum(s.printed_window is None for s in served) / len(served), 4) if served else None


def _honesty(served: Sequence[Served]) -> dict[str, Any]:
    return {"at_printed_window": at_printed_window(served), "no_window_printed": no_window_printed(served)}


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
        "staffing": {
            "name": day.staffing.name,
            "staffed_share": round(day.staffing.staffed_share(len(open_windows(config)), day.hours), 4),
            "no_show_share": day.staffing.no_show_share,
        },
        "policy_settings": {
            "prior_weight": policy.prior_weight,
            "takeover_lead_wait_share": policy.takeover_lead_wait_share,
            "takeover_lead_handlings": policy.takeover_lead_handlings,
            "takeover_lead_s": policy.takeover_lead_s,
            "print_idle_assisting": policy.print_idle_assisting,
        },
        "tickets": len(mine),
        "policy": {**waits(mine), **_honesty(mine)},
        "pooled": waits(pooled),
    }
    out["ratio"] = _ratios(out["policy"], out["pooled"])
    out["meets_spec"] = (
        out["ratio"]["mean"] is not None
        and out["ratio"]["mean"] <= MEAN_BAR
        and out["ratio"]["p95"] is not None
        and out["ratio"]["p95"] <= P95_BAR
    )
    out["meets_honesty_bar"] = (
        out["policy"]["at_printed_window"] is not None
        and out["policy"]["at_printed_window"] >= HONEST_SHARE
        and out["ratio"]["p95"] is not None
        and out["ratio"]["p95"] <= HONEST_P95_BAR
    )
    out["estimate"] = estimate_error(mine)
    out["services"] = _services(mine, pooled)
    out["by_hour"] = by_hour(config, day, mine, pooled, old)
    out["per_seed"] = [_seed_row(r) for r in runs]
    out["spread"] = {
        key: _spread([p[key] for p in out["per_seed"]]) for key in ("mean_ratio", "p95_ratio", "at_printed_window")
    }
    if compare is not None:
        out["compare"] = _compared(compare, runs, old, out["policy"])
    return out


def _ratios(mine: dict[str, Any], pooled: dict[str, Any]) -> dict[str, float | None]:
    """The policy's mean and 95th-percentile waits over the shared queue's."""
    return {
        "mean": _ratio(mine["mean_wait_s"], pooled["mean_wait_s"]),
        "p95": _ratio(mine["p95_wait_s"], pooled["p95_wait_s"]),
    }


def _services(mine: Sequence[Served], pooled: Sequence[Served]) -> dict[str, Any]:
    """Each service's waits through the policy and the shared queue, and its printed estimate's error."""
    services: dict[str, Any] = {}
    for sid in sorted({s.service for s in mine}):
        here = [s for s in mine if s.service == sid]
        entry = {
            "policy": {**waits(here), **_honesty(here)},
            "pooled": waits([s for s in pooled if s.service == sid]),
        }
        entry["ratio"] = _ratios(entry["policy"], entry["pooled"])
        entry["estimate"] = estimate_error(here)
        services[sid] = entry
    return services


def _seed_row(r: SeedRun) -> dict[str, Any]:
    """One seed's day in a line: both halls' waits, their ratios and the share at the printed window."""
    a, b = waits(r.policy), waits(r.pooled)
    return {
        "seed": r.seed,
        "tickets": a["tickets"],
        "policy_mean_wait_s": a["mean_wait_s"],
        "pooled_mean_wait_s": b["mean_wait_s"],
        "policy_p95_wait_s": a["p95_wait_s"],
        "pooled_p95_wait_s": b["p95_wait_s"],
        "mean_ratio": _ratio(a["mean_wait_s"], b["mean_wait_s"]),
        "p95_ratio": _ratio(a["p95_wait_s"], b["p95_wait_s"]),
        "at_printed_window": at_printed_window(r.policy),
        "no_window_printed": no_window_printed(r.policy),
        **({"compare_mean_wait_s": waits(r.compare)["mean_wait_s"]} if r.compare else {}),
    }


def _compared(
    compare: HallConfig, runs: Sequence[SeedRun], old: Sequence[Served], policy: dict[str, Any]
) -> dict[str, Any]:
    """The comparison hall's waits for the same citizens, and how many times the policy's they are."""
    c = waits(old)
    return {
        "hall": compare.name,
        "windows": len(open_windows(compare)),
        **c,
        "at_printed_window": at_printed_window(old),
        "times_policy_mean": _ratio(c["mean_wait_s"], policy["mean_wait_s"]),
        "times_policy_p95": _ratio(c["p95_wait_s"], policy["p95_wait_s"]),
        "services": {sid: waits([s for s in old if s.service == sid]) for sid in sorted({s.service for s in old})},
        "by_service_here": _same_citizens(runs),
    }


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


# --- the text a manager reads ----------------------------------------------------------------------------


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _percent(share: float | None, digits: int = 0) -> str:
    return "-" if share is None else f"{share * 100:.{digits}f} %"


def text(out: dict[str, Any]) -> str:
    """The report a manager reads in a terminal."""
    p, q, r = out["policy"], out["pooled"], out["ratio"]
    lines = [
        f"{out['hall']}: {out['windows']} windows, load {out['load']:.2f}, {out['hours']:g} h from {out['opening']}"
        f" ({'flat' if len(set(out['profile'])) == 1 else 'shaped'} day), handling cv {out['handling_cv']:g}, "
        f"{len(out['seeds'])} seed{'s' if len(out['seeds']) != 1 else ''}, {out['tickets']} tickets",
        f"clerks: {out['staffing']['name']} (in {_percent(out['staffing']['staffed_share'])} of the time citizens "
        f"arrive), {_percent(out['staffing']['no_show_share'])} of citizens gone when called",
        "",
        f"{'':24}{'mean wait':>12}{'p95 wait':>12}{'at printed window':>20}",
        f"{'policy (the core)':24}{_minutes(p['mean_wait_s']):>12}{_minutes(p['p95_wait_s']):>12}"
        f"{_percent(p['at_printed_window']):>20}",
        f"{'one shared queue':24}{_minutes(q['mean_wait_s']):>12}{_minutes(q['p95_wait_s']):>12}",
        f"{'policy / shared queue':24}{_fmt_ratio(r['mean']):>12}{_fmt_ratio(r['p95']):>12}"
        f"   SPEC: <= {MEAN_BAR:.2f} and <= {P95_BAR:.2f}: {'met' if out['meets_spec'] else 'NOT met'}",
        f"{'at the printed window':24}{_percent(p['at_printed_window'], 1):>12}"
        f"   ({_percent(p['no_window_printed'], 1)} printed with no window, counted as not)"
        f"   SPEC at 0.92: >= {_percent(HONEST_SHARE)} with p95 <= "
        f"{HONEST_P95_BAR:.2f}: {'met' if out['meets_honesty_bar'] else 'NOT met'}",
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
