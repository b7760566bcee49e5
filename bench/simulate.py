"""The hall simulator's tables for docs/benchmarks.md, and the plots for docs/images/.

On the example hall: the core's policy against one shared first-come queue at several loads, with every window
staffed all day and on a real day (clerks signing in, lunch in two shifts, breaks, early leave, no-shows), the
take-over bound's trade-off between short waits and honest printed windows, every policy tried for printed-window
honesty and their frontier (bench/honesty.py), a hall of 18 universal windows alone (a large pooled group is
where first-come order is hardest to keep), the reformed hall against the 26 single-business windows before the
reform with the same citizens, the error of the estimate printed on the ticket (before and after this tuning),
and how long `onewindow simulate --seeds 20` takes.

    python -m bench.simulate [--seeds 20] [--honesty-seeds 40] [--jobs 2] [--no-plot]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import honesty
from bench.report import table, write_section
from onewindow.dispatch.model import WAITING, Ticket, Window
from onewindow.dispatch.policy import HandlingTimes, Policy, Shared, Windows, ahead_of
from onewindow.hallfile import HallConfig, load_hall
from onewindow.simulator.day import PROFILES, Day
from onewindow.simulator.main import simulate
from onewindow.simulator.report import HONEST_P95_BAR, HONEST_SHARE, MEAN_BAR, P95_BAR, REFORM_BAR, report
from onewindow.simulator.staffing import load_staffing

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "examples" / "hall.toml"
BEFORE = ROOT / "config" / "examples" / "hall-before-reform.toml"
PLOT = ROOT / "docs" / "images" / "waits-by-hour.png"
LOADS = (0.7, 0.85, 0.92)
PEAK_LOAD = 0.8


class PreviousPolicy(Policy):
    """The rules as they were before this tuning, to measure against: a window's remaining time was
    max(mean - elapsed, a quarter of the mean), and the estimate counted only the ticket's own window's queue.
    Run with takeover_lead_s=600, the bound of that time."""

    def remaining_s(self, times: HandlingTimes, w: Window, now: float) -> float:
        if w.current is None:
            return 0.0
        mean = self.mean_handling_s(times, w.current.service)
        return max(mean - (now - (w.current_since or now)), mean * 0.25)

    def estimated_wait_s(
        self, times: HandlingTimes, windows: Windows, shared: Shared, t: Ticket, now: float
    ) -> int | None:
        if t.status != WAITING:
            return 0
        if t.window is None:
            return None
        w = windows[t.window]
        ahead = w.queue[: ahead_of(windows, shared, t)]
        return round(self.remaining_s(times, w, now) + sum(self.mean_handling_s(times, x.service) for x in ahead))


PREVIOUS = PreviousPolicy(takeover_lead_s=600, print_idle_assisting=False)


class OwnQueueOnly(Policy):
    """Join-the-shortest-queue without any take-over: a window calls only its own queue (SPEC §3 does not
    allow this; it is here to show what take-over is worth)."""

    def next_for(
        self, times: HandlingTimes, windows: Windows, shared: Shared, w: Window, order: int, now: float
    ) -> Ticket | None:
        return w.queue[0] if w.queue else None


def universal_only(folder: Path) -> Path:
    """The example hall's 18 universal windows alone, serving only the pooled business."""
    text = EXAMPLE.read_text(encoding="utf-8")
    services = text.index("[[service]]")
    clerks = text.index("[[clerk]]")
    devices = text.index("[[device]]")
    general = '[[service]]\nid = "general"\nname = "通办业务"\nprefix = "A"\nminutes = 8\n\n'
    windows = "".join(f'[[window]]\nnumber = {n}\nservices = ["general"]\n\n' for n in range(1, 19))
    path = folder / "universal.toml"
    path.write_text(text[:services] + general + windows + text[clerks:devices], encoding="utf-8")
    return path


def run(
    config: HallConfig,
    day: Day,
    seeds: int,
    jobs: int,
    policy: Policy | None = None,
    compare: HallConfig | None = None,
) -> dict[str, Any]:
    runs = simulate(config, day, range(seeds), policy, compare, jobs=jobs)
    return report(config, day, runs, compare, policy)


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def worst_service(out: dict[str, Any], key: str) -> str:
    sid, entry = max(out["services"].items(), key=lambda kv: kv[1]["ratio"][key] or 0)
    return f"{entry['ratio'][key]:.2f} ({sid})"


def policy_section(config: HallConfig, seeds: int, jobs: int) -> tuple[str, dict[str, Any]]:
    rows: list[list[object]] = []
    results = {}
    for label, day in [(f"{load:.2f} flat", Day(load)) for load in LOADS] + [
        (f"{PEAK_LOAD:.2f} morning peak", Day(PEAK_LOAD, profile=PROFILES["peak"]))
    ]:
        out = run(config, day, seeds, jobs)
        results[label] = out
        p, q, r = out["policy"], out["pooled"], out["ratio"]
        rows.append(
            [
                label,
                out["tickets"],
                minutes(p["mean_wait_s"]),
                minutes(q["mean_wait_s"]),
                f"**{r['mean']:.3f}**",
                minutes(p["p95_wait_s"]),
                minutes(q["p95_wait_s"]),
                f"**{r['p95']:.3f}**",
                worst_service(out, "p95"),
                pct(p["at_printed_window"]),
                "yes" if out["meets_spec"] else "NO",
            ]
        )
    body = table(
        [
            "load",
            "tickets",
            "mean (min)",
            "shared (min)",
            "mean ratio",
            "p95 (min)",
            "shared (min)",
            "p95 ratio",
            "worst service p95 ratio",
            "at printed window",
            f"within {MEAN_BAR:.2f} / {P95_BAR:.2f}",
        ],
        rows,
    )
    return body, results


def service_section(out: dict[str, Any]) -> str:
    rows: list[list[object]] = []
    for sid, s in out["services"].items():
        rows.append(
            [
                sid,
                s["policy"]["tickets"],
                minutes(s["policy"]["mean_wait_s"]),
                minutes(s["pooled"]["mean_wait_s"]),
                f"{s['ratio']['mean']:.2f}",
                minutes(s["policy"]["p95_wait_s"]),
                minutes(s["pooled"]["p95_wait_s"]),
                f"{s['ratio']['p95']:.2f}",
                pct(s["policy"]["at_printed_window"]),
            ]
        )
    return table(["service", "tickets", "mean", "shared", "ratio", "p95", "shared", "ratio", "at printed window"], rows)


HANDLINGS_ONLY = 1e9  # a wait share this large leaves the handling-time bound alone
BOUNDS: list[tuple[str, Policy]] = [
    ("0: strict first-come", Policy(takeover_lead_s=0)),
    ("min(0.5 x expected wait, 1 handling)", Policy(takeover_lead_wait_share=0.5)),
    ("**min(0.6 x expected wait, 1 handling) (default)**", Policy()),
    ("min(0.75 x expected wait, 1 handling) (the default before issue 10)", Policy(takeover_lead_wait_share=0.75)),
    ("min(1 x expected wait, 1 handling)", Policy(takeover_lead_wait_share=1.0)),
    ("0.25 handling", Policy(takeover_lead_wait_share=HANDLINGS_ONLY, takeover_lead_handlings=0.25)),
    ("0.5 handling", Policy(takeover_lead_wait_share=HANDLINGS_ONLY, takeover_lead_handlings=0.5)),
    ("1 handling", Policy(takeover_lead_wait_share=HANDLINGS_ONLY, takeover_lead_handlings=1.0)),
    ("never: only an idle window takes over", Policy(takeover_lead_s=10**9)),
    ("before: 600 s, floor residual", PREVIOUS),
    ("no take-over at all (not allowed)", OwnQueueOnly()),
]


def bound_section(config: HallConfig, seeds: int, jobs: int, loads: tuple[float, ...]) -> str:
    rows: list[list[object]] = []
    for label, policy in BOUNDS:
        row: list[object] = [label]
        for load in loads:
            out = run(config, Day(load), seeds, jobs, policy)
            row += [
                f"{out['ratio']['mean']:.3f}",
                f"{out['ratio']['p95']:.3f}",
                worst_service(out, "p95"),
                pct(out["policy"]["at_printed_window"]),
            ]
        rows.append(row)
    headers = ["take-over bound"]
    for load in loads:
        headers += [f"{load:.2f} mean", f"{load:.2f} p95", f"{load:.2f} worst service p95", f"{load:.2f} printed"]
    return table(headers, rows)


def realday_section(config: HallConfig, before: HallConfig, seeds: int, jobs: int) -> str:
    """The policy against the shared queue with the clerks of a real day, and the hall before the reform."""
    staffing = load_staffing("realday")
    rows: list[list[object]] = []
    for label, day in [(f"{load:.2f} flat", Day(load, staffing=staffing)) for load in (0.85, 0.92)] + [
        (f"{PEAK_LOAD:.2f} morning peak", Day(PEAK_LOAD, profile=PROFILES["peak"], staffing=staffing))
    ]:
        out = run(config, day, seeds, jobs, compare=before)
        p, q, r = out["policy"], out["pooled"], out["ratio"]
        honest = "met" if out["meets_honesty_bar"] else "NOT met"
        rows.append(
            [
                label,
                out["tickets"],
                minutes(p["mean_wait_s"]),
                minutes(q["mean_wait_s"]),
                f"**{r['mean']:.3f}**",
                minutes(p["p95_wait_s"]),
                minutes(q["p95_wait_s"]),
                f"**{r['p95']:.3f}**",
                worst_service(out, "p95"),
                f"**{p['at_printed_window'] * 100:.1f} %**",
                f"{p['no_window_printed'] * 100:.2f} %",
                "yes" if out["meets_spec"] else "NO",
                honest if label == "0.92 flat" else f"({honest})",
                f"{out['compare']['times_policy_mean']:.1f}x",
            ]
        )
    return table(
        [
            "load",
            "tickets",
            "mean (min)",
            "shared (min)",
            "mean ratio",
            "p95 (min)",
            "shared (min)",
            "p95 ratio",
            "worst service p95 ratio",
            "at printed window",
            "printed with no window",
            f"within {MEAN_BAR:.2f} / {P95_BAR:.2f}",
            f">= {HONEST_SHARE:.0%} and p95 <= {HONEST_P95_BAR:.2f}",
            "before the reform / reformed, mean",
        ],
        rows,
    )


def universal_section(seeds: int, jobs: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        config = load_hall(universal_only(Path(folder)))
        rows: list[list[object]] = []
        for cv in (0.5, 1.0, 1.5):
            for load in (0.85, 0.92):
                cells: list[object] = [f"{cv:g}", f"{load:.2f}"]
                for policy in (
                    Policy(),
                    Policy(takeover_lead_wait_share=HANDLINGS_ONLY, takeover_lead_handlings=0.5),
                    Policy(takeover_lead_s=10**9),
                ):
                    out = run(config, Day(load, cv=cv), seeds, jobs, policy)
                    cells += [
                        f"{out['ratio']['mean']:.2f} / {out['ratio']['p95']:.2f}",
                        pct(out["policy"]["at_printed_window"]),
                    ]
                rows.append(cells)
    return table(
        [
            "handling cv",
            "load",
            "default: mean / p95 ratio",
            "printed",
            "0.5 handling: mean / p95 ratio",
            "printed",
            "never: mean / p95 ratio",
            "printed",
        ],
        rows,
    )


def reform_section(config: HallConfig, before: HallConfig, seeds: int, jobs: int) -> tuple[str, str, dict[str, Any]]:
    rows: list[list[object]] = []
    kept: dict[str, Any] = {}
    for label, day in [(f"{load:.2f} flat", Day(load)) for load in LOADS] + [
        (f"{PEAK_LOAD:.2f} morning peak", Day(PEAK_LOAD, profile=PROFILES["peak"]))
    ]:
        out = run(config, day, seeds, jobs, compare=before)
        kept[label] = out
        c = out["compare"]
        rows.append(
            [
                label,
                minutes(out["policy"]["mean_wait_s"]),
                minutes(c["mean_wait_s"]),
                f"**{c['times_policy_mean']:.1f}x**",
                minutes(out["policy"]["p95_wait_s"]),
                minutes(c["p95_wait_s"]),
                f"{c['times_policy_p95']:.1f}x",
                "yes" if c["times_policy_mean"] >= REFORM_BAR else "NO",
            ]
        )
    main = table(
        [
            "load",
            "reformed mean (min)",
            "before mean (min)",
            "before / reformed",
            "reformed p95",
            "before p95",
            "before / reformed",
            f">= {REFORM_BAR:g}x",
        ],
        rows,
    )
    out = kept["0.85 flat"]
    groups: list[list[object]] = [
        [
            sid,
            row["tickets"],
            minutes(row["mean_wait_s"]),
            minutes(row["compare_mean_wait_s"]),
            f"{row['compare_mean_wait_s'] / max(row['mean_wait_s'], 0.1):.1f}x",
        ]
        for sid, row in out["compare"]["by_service_here"].items()
    ]
    olds: list[list[object]] = [
        [oid, w["tickets"], minutes(w["mean_wait_s"]), minutes(w["p95_wait_s"])]
        for oid, w in out["compare"]["services"].items()
    ]
    detail = (
        "The same citizens at 0.85, grouped by their business in the reformed hall:\n\n"
        + table(["service here", "tickets", "wait here (min)", "wait before (min)", "before / here"], groups)
        + "\n\nThe hall before the reform at 0.85, by its own businesses:\n\n"
        + table(["business before", "tickets", "mean (min)", "p95 (min)"], olds)
    )
    return main, detail, kept


def estimate_section(config: HallConfig, seeds: int, jobs: int) -> str:
    rows: list[list[object]] = []
    for label, day in [(f"{load:.2f} flat", Day(load)) for load in LOADS] + [
        (f"{PEAK_LOAD:.2f} morning peak", Day(PEAK_LOAD, profile=PROFILES["peak"]))
    ]:
        for name, policy in (("before", PREVIOUS), ("now", Policy())):
            e = run(config, day, seeds, jobs, policy)["estimate"]
            rows.append(
                [
                    label,
                    name,
                    f"{e['bias_s'] / 60:+.2f}",
                    minutes(e["mean_abs_error_s"]),
                    minutes(e["median_abs_error_s"]),
                    minutes(e["p90_abs_error_s"]),
                    pct(e["within_5_min"]),
                ]
            )
    return table(
        ["load", "estimate", "bias (min)", "mean abs error", "median abs error", "90 % within", "within 5 min"],
        rows,
    )


def speed_section() -> str:
    rows: list[list[object]] = []
    for jobs in (1, 2):
        command = [
            sys.executable,
            "-m",
            "onewindow.cli",
            "simulate",
            "--config",
            str(EXAMPLE),
            "--load",
            "0.92",
            "--seeds",
            "20",
            "--jobs",
            str(jobs),
            "--compare",
            str(BEFORE),
            "--json",
        ]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        rows.append([jobs, f"{time.perf_counter() - started:.1f} s", f"{load_before:.1f}"])
    return (
        "`onewindow simulate --config config/examples/hall.toml --load 0.92 --seeds 20 --compare "
        "config/examples/hall-before-reform.toml --json --jobs N` (20 days of about 1,320 tickets, each through "
        "the core's hall, the shared queue and the hall before the reform), wall time including start-up:\n\n"
        + table(["processes", "wall time", "machine load average before"], rows)
        + "\n\nThe seeds are independent: with idle cores the wall time falls with the processes; a load average"
        " above the core count means other work shared the machine."
    )


def plot(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    for candidate in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",):
        if os.path.exists(candidate):
            font_manager.fontManager.addfont(candidate)
            plt.rcParams["font.family"] = ["WenQuanYi Micro Hei", "DejaVu Sans"]
    rows = out["by_hour"]
    hours = [r["hour"] for r in rows]
    x = list(range(len(rows)))
    fig, ax = plt.subplots(figsize=(10, 5.6), dpi=100)
    seeds = len(out["seeds"])
    ax2 = ax.twinx()
    ax2.bar(x, [r["tickets"] / seeds for r in rows], color="#d9d9d9", width=0.7, zorder=0, label="tickets per hour")
    ax2.set_ylabel("取号人数 / tickets issued per hour", color="#777777")
    ax2.tick_params(axis="y", colors="#777777")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    # the policy's line is drawn wide and the yardstick thin on top of it: they nearly coincide
    series = [
        ("compare_mean_wait_s", "改革前 26 个单一业务窗口 / before the reform", "#c0392b", "s-", 2.2),
        ("policy_mean_wait_s", "一窗通办 分配策略 / reformed hall, the core's policy", "#5dade2", "o-", 6.0),
        ("pooled_mean_wait_s", "一条共享排队 / one shared queue (yardstick)", "#1b2631", "x--", 1.6),
    ]
    for key, label, color, style, width in series:
        ax.plot(x, [(r.get(key) or 0) / 60 for r in rows], style, color=color, label=label, linewidth=width)
    ax.set_xticks(x, [f"{h}\n–{int(h[:2]) + 1:02d}:{h[3:]}" for h in hours])
    ax.set_ylabel("平均等候（分钟） / mean wait (minutes)")
    ax.set_xlabel("取号时段 / hour the ticket was issued")
    ax.set_title(
        f"按取号时段的平均等候：早高峰的一天，日均负荷 {out['load']:.0%}，{seeds} 天模拟\n"
        f"Mean wait by hour of issue: a morning-peak day at {out['load']:.0%} mean load, {seeds} simulated days"
    )
    ax.grid(axis="y", alpha=0.3)
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = ax2.get_legend_handles_labels()
    ax.legend(lines + bars, labels + bar_labels, loc="upper right", fontsize=9, framealpha=0.95)
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--honesty-seeds", type=int, default=40, help="days per point of the real day and the honesty frontier"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--plot-only", action="store_true", help="only redraw docs/images/waits-by-hour.png")
    args = parser.parse_args(argv)
    config, before = load_hall(EXAMPLE), load_hall(BEFORE)
    if args.plot_only:
        plot(run(config, Day(PEAK_LOAD, profile=PROFILES["peak"]), args.seeds, args.jobs, compare=before), PLOT)
        return 0
    started = time.perf_counter()
    policy_body, by_load = policy_section(config, args.seeds, args.jobs)
    services = service_section(by_load["0.92 flat"])
    bounds = bound_section(config, args.seeds, args.jobs, (0.85, 0.92))
    realday = realday_section(config, before, args.honesty_seeds, args.jobs)
    points = honesty.frontier_rows(config, args.honesty_seeds, args.jobs)
    frontier = honesty.frontier_table(points)
    universal = universal_section(args.seeds, args.jobs)
    reform, reform_detail, kept = reform_section(config, before, args.seeds, args.jobs)
    estimate = estimate_section(config, args.seeds, args.jobs)
    speed = speed_section()
    if not args.no_plot:
        plot(kept[f"{PEAK_LOAD:.2f} morning peak"], PLOT)
        honesty.plot(points, args.honesty_seeds)
    elapsed = time.perf_counter() - started
    honesty_seeds, honesty_seeds_last = args.honesty_seeds, args.honesty_seeds - 1
    honest_share, honest_bar = HONEST_SHARE, HONEST_P95_BAR
    body = f"""
The core's own `Hall` on a virtual clock against one shared first-come queue over the same windows, the very
same citizens in both (arrival times, services, handling times); {args.seeds} simulated 8-hour days per row
(seeds 0-{args.seeds - 1}), Poisson arrivals, handling times log-normal with coefficient of variation 1 around
each service's minutes, every open window staffed. Ratios are the policy's figure over the shared queue's, over
all days' tickets; "at printed window" is the share of tickets called at the window printed on them. How the
simulator works and how to read this: [docs/simulation.md](simulation.md). One row's command:
`onewindow simulate --config config/examples/hall.toml --load 0.92 --seeds {args.seeds}`.

### Policy against the shared queue (SPEC §9: mean within 5 %, p95 within 10 %)

{policy_body}

By service at 0.92:

{services}

### The take-over bound: waits against honest printed windows

A window takes a ticket from another window's queue, although its own has someone, when that ticket was issued
more than the bound before its own head (with its own queue empty it always takes the earliest). Ratios are
mean and p95 against the shared queue; "worst service" is the service with the highest p95 ratio. Every row
prints an idle assisting window when no window serving the ticket is idle (the default since issue 10).

{bounds}

### A real day: clerks signing in, lunch in two shifts, breaks, early leave, no-shows

`--staffing realday` (simulator/realday.toml): each clerk signs in at a random moment of the first half hour,
takes lunch in one of two shifts (11:30 or 12:30, an hour; the windows take turns), two 10-minute breaks at
random moments (10:00-11:20, 14:00-16:00), one clerk in ten signs out for the day between 14:30 and 16:30, and
5 % of citizens are gone when called (the clerk calls and recalls for a minute, then marks the no-show). A clerk
pauses or signs out only once done with the citizen at the window. The shared queue has the very same clerks
(a window serves only while its clerk is in) and the very same citizens. The load is against the time the
clerks are in (78 % of the open windows' time), so 0.92 keeps the clerks who are in as busy as on the all-day
rows; with flat arrivals and half the clerks at lunch a queue builds from 11:30 to 13:30, which is most of the
p95. "Printed with no window": tickets issued while no window of their service was staffed (before the first
clerk, or both clerks of a specialist pair away); they count as not at their printed window. The last column
puts the same citizens through the hall before the reform with the same staffing (each citizen then also draws
their business there, so these days are not quite the frontier's below). {honesty_seeds} days per row (seeds
0-{honesty_seeds_last}).

{realday}

### Printed-window honesty: every policy tried

SPEC §9: at 0.92, at least {honest_share:.0%} of tickets called at their printed window with the p95 within
{honest_bar:.2f}x the shared queue's, on the all-day and the real-day staffing. Each policy tried, {honesty_seeds}
days each (seeds 0-{honesty_seeds_last}), mean and p95 ratios against the shared queue with the same clerks;
bench/honesty.py has them all (`python -m bench.honesty --seeds 5` to try another). The plot:
docs/images/honesty-frontier.png.

{frontier}

### A large pooled group: the 18 universal windows alone

The example's specialist pairs keep the whole hall's p95 close to the shared queue whatever the bound; the
18 universal windows alone are the harder case (short waits, so any departure from first-come order shows).

{universal}

### The reformed hall against the 26 single-business windows before it

The same citizens through config/examples/hall-before-reform.toml: each citizen's business there is drawn so that
both halls see exactly their own `share`s, and each keeps their handling time (docs/simulation.md says how).
Both halls run the same policy.

{reform}

{reform_detail}

### The estimate printed on the ticket

Error = printed estimate - wait that followed, over every ticket. "before" is the estimate and model this tuning
replaced (the ticket's own window: the current ticket's max(mean - elapsed, mean / 4) plus the mean of every
ticket ahead there, 10-minute take-over bound); "now" is the pooled estimate with learned remaining times.

{estimate}

### Speed

{speed}

The plot of waits by hour on a morning-peak day ({PEAK_LOAD:.0%} mean load): docs/images/waits-by-hour.png.
This whole benchmark took {elapsed:.0f} s.
"""
    write_section("simulate", "Hall simulator: assignment policy, the reform, the estimate", body)
    print(re.sub(r"\n{3,}", "\n\n", body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
