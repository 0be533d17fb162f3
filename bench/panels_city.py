"""City-scale expert draw: 3,000 experts, 30 specialties, 500 meetings in a month.

The gap reported is against an upper bound of the full problem (every seat group filled by its
best eligible candidates, ignoring clashes, loads and the shortlist), so it is an honest bound
on how far the draw is from the true optimum.

Generates a deterministic instance with times (half-day meetings on 22 working days, on site in
11 districts or by video), avoidance (employers, ties, earlier matters), leave, past panels and a
rolling load cap, then draws every panel in one solve and prints one JSON object and a table:
status, objective, bound, gap, wall time, model size, peak memory, and whether the independent
checker accepts the result.
Run: `.venv/bin/python -m bench.panels_city [--time-limit 15] [--candidates 15]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import time

from scheduler import panels
from scheduler.checks import check_panels
from scheduler.runner import SolveParams

FIRST_DAY = dt.date(2026, 12, 1)
DISTRICTS = 11
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _minutes(day: dt.date, hour: int) -> int:
    """Return minutes since the epoch of a Beijing wall-clock hour."""
    at = dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)
    return int((at - EPOCH).total_seconds() // 60)


def working_days(count: int) -> list[dt.date]:
    """Return the first `count` weekdays from FIRST_DAY (holidays do not matter here)."""
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generate(
    seed: int, experts: int = 3000, specialties: int = 30, meetings: int = 500
) -> panels.PanelInstance:
    """Return a deterministic city-scale draw instance."""
    rng = random.Random(seed)
    employers = list(range(1, 401))
    applicants = list(range(1001, 1301))
    days = working_days(22)
    pool = []
    for i in range(experts):
        district = rng.randrange(DISTRICTS) if i % 5 == 0 else None
        own = rng.sample(range(specialties), rng.choice((1, 1, 2, 2, 3)))
        busy = ()
        if rng.random() < 0.1:
            first = rng.choice(days)
            busy = (
                panels.Interval(
                    start=_minutes(first, 0),
                    end=_minutes(first + dt.timedelta(days=rng.randint(1, 5)), 0),
                ),
            )
        ties = tuple(
            panels.Tie(organisation_id=rng.choice(applicants), kind="worked_with")
            for _ in range(rng.random() < 0.05)
        )
        history = tuple(
            panels.PastPanel(
                day=(FIRST_DAY - dt.timedelta(days=rng.randint(1, 60))).toordinal(),
                applicant_id=rng.choice(applicants),
            )
            for _ in range(rng.choice((0, 0, 0, 1, 2)))
        )
        pool.append(
            panels.PanelExpert(
                id=i + 1,
                pool_level="district" if district is not None else "city",
                district_id=district,
                employer_id=rng.choice(employers + applicants[:30]),
                specialties={s: rng.randint(1, 5) for s in own},
                years=rng.randint(0, 35),
                busy=busy,
                ties=ties,
                matters=frozenset({f"SX-{rng.randrange(400):03d}"} if rng.random() < 0.1 else ()),
                history=history,
            )
        )
    rows = []
    for j in range(meetings):
        day = days[j % len(days)]
        morning = rng.random() < 0.5
        start = _minutes(day, 9 if morning else 14)
        groups = rng.sample(range(specialties), rng.choice((1, 2, 2, 3)))
        seats = {s: rng.choice((1, 2, 2, 3)) for s in groups}
        video = rng.random() < 0.3
        rows.append(
            panels.PanelMeeting(
                id=j + 1,
                code=f"PS-{j + 1:04d}",
                matter_code=f"SX-{rng.randrange(400):03d}",
                applicant_id=rng.choice(applicants),
                pool_level="city",
                district_id=None if video else rng.randrange(DISTRICTS),
                mode="video" if video else "on_site",
                start=start,
                end=start + 180,
                day=day.toordinal(),
                seats=seats,
                reserves=2,
            )
        )
    return panels.PanelInstance(
        meetings=tuple(rows),
        experts=tuple(pool),
        policy=panels.PanelPolicy(load_cap=4, load_window_days=30, applicant_cap=2),
        seed=seed,
    )


def main() -> None:
    """Generate, draw, check and print the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--experts", type=int, default=3000)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--time-limit", type=float, default=15.0, help="solver seconds")
    parser.add_argument("--candidates", type=int, default=15, help="candidates kept per seat")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    began = time.monotonic()
    instance = generate(args.seed, experts=args.experts, meetings=args.meetings)
    policy = instance.policy.model_copy(update={"candidate_limit": args.candidates})
    instance = instance.model_copy(update={"policy": policy})
    generated = time.monotonic() - began
    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=1)
    began = time.monotonic()
    result = panels.solve(instance, params)
    total = time.monotonic() - began
    report = result.report
    # Every seat group filled by its best candidates alone bounds the full problem (no
    # shortlist, no clashes, no loads): the honest yardstick for the shortlisted solve.
    bound = panels.affinity_bound(instance, result.screening)
    affinity = result.solution.affinity if result.solution else None
    checked = check_panels(instance, result.solution) if result.solution else None
    out = {
        "experts": len(instance.experts),
        "meetings": len(instance.meetings),
        "seats": sum(sum(m.seats.values()) for m in instance.meetings),
        "status": report.status.value,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "affinity": affinity,
        "affinity_upper_bound": bound,
        "gap_to_full_bound": round((bound - affinity) / bound, 5) if affinity else None,
        "candidates_per_seat": args.candidates,
        "solver_wall_s": round(report.wall_time_s, 2),
        "total_wall_s": round(total, 2),
        "generate_s": round(generated, 2),
        "model_size": report.model_size,
        "checks_ok": checked.ok if checked else None,
        "violations": checked.violations[:5] if checked else [],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "workers": args.workers,
        "time_limit_s": args.time_limit,
        "diagnosis": [c.detail for c in report.diagnosis][:5],
    }
    print(json.dumps(out, ensure_ascii=False))
    print()
    print(
        f"{'experts':>8} {'meetings':>8} {'seats':>6} {'status':>9} {'gap to bound':>12} "
        f"{'total s':>8} {'RSS MiB':>8} {'checks':>6}"
    )
    gap = "—" if out["gap_to_full_bound"] is None else f"{100 * out['gap_to_full_bound']:.2f}%"
    print(
        f"{out['experts']:>8} {out['meetings']:>8} {out['seats']:>6} {out['status']:>9} "
        f"{gap:>12} {out['total_wall_s']:>8} {out['peak_rss_mib']:>8} {str(out['checks_ok']):>6}"
    )


if __name__ == "__main__":
    main()
