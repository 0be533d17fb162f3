"""Benchmark the case-helper model on a city-scale instance, then on a re-plan.

Not a test: it generates a deterministic instance from a seed (by default 300 major projects in
11 districts, 60 helpers of whom some are city level), solves it, re-checks the plan with
`check_case_helpers`, publishes it as the previous plan, sends three busy helpers on leave and
solves again. It prints one JSON object and then a small table. With two workers CP-SAT breaks
ties between equally good plans differently from run to run, so the first plan (not its
objective) and hence the re-plan's change count can vary; compare `changes` with
`forced_changes`, the projects of the helpers on leave:

    .venv/bin/python -m bench.helpers_bench [--seed N] [--projects N] [--helpers N]
                                            [--time-limit S]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import sys
import time
from collections import Counter
from typing import Any

from scheduler.checks import check_case_helpers
from scheduler.helpers import Helper, HelperInstance, HelperProject, HelperSolution, solve
from scheduler.runner import SolveParams, SolveReport

DISTRICTS = 11
INDUSTRIES = 8
# Share of helpers who work at city level (no district) and serve every district.
CITY_SHARE = 0.1
# District places exceed the district's projects by this share, so each district is coverable
# by its own helpers; city places come on top.
DISTRICT_SLACK = 0.15
CITY_CAPACITY = (4, 8)
# Helpers sent on leave for the re-plan.
ON_LEAVE = 3


def generate(seed: int, n_projects: int, n_helpers: int) -> HelperInstance:
    """Return a deterministic city: projects spread unevenly over districts, helpers to match."""
    if n_helpers < DISTRICTS + 1:
        raise ValueError(f"need at least {DISTRICTS + 1} helpers: one per district and one city")
    rng = random.Random(seed)
    districts = list(range(1, DISTRICTS + 1))
    weights = [rng.uniform(0.5, 1.5) for _ in districts]
    projects = tuple(
        HelperProject(
            id=pid,
            code=f"ZD{pid:04d}",
            name=f"重大项目{pid}",
            district_id=rng.choices(districts, weights)[0],
            industry_id=rng.randrange(INDUSTRIES),
        )
        for pid in range(1, n_projects + 1)
    )
    demand = Counter(p.district_id for p in projects)

    n_city = max(1, round(CITY_SHARE * n_helpers))
    n_district = n_helpers - n_city
    if n_district < DISTRICTS:
        n_city = n_helpers - DISTRICTS
        n_district = DISTRICTS
    # Round-robin: every district has at least one helper of its own.
    staff: dict[int, list[int]] = {d: [] for d in districts}
    for i in range(n_district):
        staff[districts[i % DISTRICTS]].append(i + 1)

    capacity: dict[int, int] = {}
    home: dict[int, int | None] = {}
    for d, ids in staff.items():
        places = math.ceil((1 + DISTRICT_SLACK) * demand[d])
        base = places // len(ids)
        for hid in ids:
            capacity[hid] = max(1, base + rng.randint(-1, 1))
            home[hid] = d
        # Top up so the district's own places cover its projects with the slack.
        while sum(capacity[h] for h in ids) < places:
            capacity[rng.choice(ids)] += 1
    for hid in range(n_district + 1, n_helpers + 1):
        capacity[hid] = rng.randint(*CITY_CAPACITY)
        home[hid] = None

    helpers = tuple(
        Helper(
            id=hid,
            name=f"帮办{hid:02d}",
            district_id=home[hid],
            industry_ids=frozenset(rng.sample(range(INDUSTRIES), rng.randint(2, 4))),
            capacity=capacity[hid],
        )
        for hid in range(1, n_helpers + 1)
    )
    return HelperInstance(
        projects=projects,
        helpers=helpers,
        district_names={d: f"第{d}区" for d in districts},
    )


def replan(
    instance: HelperInstance, solution: HelperSolution, seed: int
) -> tuple[HelperInstance, list[int], int]:
    """Publish the solution as the previous plan and send ON_LEAVE busy helpers on leave.

    Returns the new instance, the helpers on leave and the number of changes this forces.
    """
    helper_of = solution.helper_of()
    load = Counter(helper_of.values())
    busy = sorted(load)
    away = sorted(random.Random(seed).sample(busy, min(ON_LEAVE, len(busy))))
    projects = tuple(
        p.model_copy(update={"previous_helper_id": helper_of[p.id]}) for p in instance.projects
    )
    helpers = tuple(
        h.model_copy(update={"available": False}) if h.id in away else h for h in instance.helpers
    )
    new = HelperInstance(
        projects=projects,
        helpers=helpers,
        weights=instance.weights,
        district_names=instance.district_names,
    )
    return new, away, sum(load[h] for h in away)


def run_one(instance: HelperInstance, params: SolveParams) -> tuple[dict[str, Any], Any]:
    """Solve and re-check one instance; return its summary and solution."""
    started = time.perf_counter()
    result = solve(instance, params)
    total = time.perf_counter() - started
    report: SolveReport = result.report
    summary: dict[str, Any] = {
        "status": report.status.value,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "wall_time_s": round(report.wall_time_s, 3),
        "build_and_solve_s": round(total, 3),
        "solutions": report.solutions,
        "penalties": report.penalties,
        "model_size": report.model_size,
    }
    if result.solution is None:
        summary.update(checks_ok=False, changes=None, diagnosis=[c.name for c in report.diagnosis])
        return summary, None
    check = check_case_helpers(instance, result.solution)
    summary.update(
        checks_ok=check.ok and check.objective == report.objective,
        check_violations=check.violations,
        changes=result.solution.changes,
    )
    return summary, result.solution


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _cell(value: object) -> str:
    """Return a table cell: '-' for None, four decimals for floats."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def table(result: dict[str, Any]) -> str:
    """Return the two solves as a small fixed-width table."""
    cols = ["status", "objective", "best_bound", "gap", "wall_time_s", "changes", "checks_ok"]
    rows = [["solve", *(result["solve"][c] for c in cols)]]
    rows.append(["replan", *(result["replan"][c] for c in cols)])
    head = ["", *cols]
    cells = [head, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON summary and table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="instance seed (default 1)")
    parser.add_argument("--projects", type=int, default=300, help="major projects (default 300)")
    parser.add_argument("--helpers", type=int, default=60, help="case helpers (default 60)")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="seconds per solve (default 10)"
    )
    args = parser.parse_args(argv)
    if args.projects < 0 or args.helpers < DISTRICTS + 1:
        parser.error(f"--projects must be >= 0 and --helpers >= {DISTRICTS + 1}")

    params = SolveParams(time_limit_s=args.time_limit, workers=2, seed=1)
    started = time.perf_counter()
    instance = generate(args.seed, args.projects, args.helpers)
    generated_s = time.perf_counter() - started

    first, solution = run_one(instance, params)
    out: dict[str, Any] = {
        "instance": {
            "seed": args.seed,
            "projects": len(instance.projects),
            "helpers": len(instance.helpers),
            "city_helpers": sum(h.district_id is None for h in instance.helpers),
            "districts": DISTRICTS,
            "industries": INDUSTRIES,
            "places": sum(h.capacity for h in instance.helpers),
            "generate_s": round(generated_s, 3),
        },
        "params": params.model_dump(),
        "solve": first,
    }
    if solution is not None:
        again, away, forced = replan(instance, solution, args.seed)
        second, _ = run_one(again, params)
        second.update(on_leave=away, forced_changes=forced)
        out["replan"] = second
    else:
        out["replan"] = {c: None for c in ("status", "objective", "best_bound", "gap")} | {
            "wall_time_s": None,
            "changes": None,
            "checks_ok": None,
        }
    out["peak_rss_mib"] = peak_rss_mib()

    print(json.dumps(out, ensure_ascii=False))
    print()
    print(table(out))
    print(f"peak RSS {out['peak_rss_mib']} MiB")
    ok = first["checks_ok"] and out["replan"]["checks_ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
