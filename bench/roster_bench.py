"""Benchmark the duty-roster engine on the Curtois & Qu instances 1-24.

Not a test: it reads the benchmark files from ../shared/data/nrp (relative to the repository),
solves each requested instance with `scheduler.roster.solve`, re-checks every roster with the
independent evaluator `scheduler.roster_checks` (hard rules and recomputed objective) and prints
one JSON object, then a table: instance, objective, best-known value, gap to it in percent, time,
whether every hard rule holds, the evaluator's objective agreeing, status and bound.

    .venv/bin/python -m bench.roster_bench [--instances 1-12,15] [--time-limit S] [--workers N]
                                           [--seed N] [--write FILE.json]

Best-known values are the published ones listed in the data README (1-19); for 20-24 only the
objective and feasibility are reported. The bound is CP-SAT's proven bound of the monolithic
model when that model ran, else none (the decomposition proves no bound).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from scheduler.nrp import read_nrp
from scheduler.roster import cells, solve
from scheduler.roster_checks import check_roster, roster_objective
from scheduler.runner import SolveParams

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nrp"
BEST_KNOWN = {
    1: 607,
    2: 828,
    3: 1001,
    4: 1716,
    5: 1143,
    6: 1950,
    7: 1056,
    8: 1300,
    9: 439,
    10: 4631,
    11: 3443,
    12: 4040,
    13: 1348,
    14: 1278,
    15: 3834,
    16: 3225,
    17: 5746,
    18: 4459,
    19: 3149,
}


def parse_instances(text: str) -> list[int]:
    """Return the instance numbers of a list like '1-12,15'."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        first, last = int(lo), int(hi or lo)
        if not 1 <= first <= last <= 24:
            raise argparse.ArgumentTypeError(f"instances are 1-24, got {part!r}")
        out.extend(range(first, last + 1))
    return sorted(set(out))


def run_one(number: int, params: SolveParams) -> dict[str, Any]:
    """Solve one instance and return its row."""
    instance = read_nrp(DATA / f"Instance{number}.txt")
    start = time.monotonic()
    result = solve(instance, params)
    elapsed = time.monotonic() - start
    report = result.report
    row: dict[str, Any] = {
        "instance": number,
        "days": instance.horizon_days,
        "staff": len(instance.employees),
        "shifts": len(instance.shifts),
        "cells": cells(instance),
        "status": report.status.value,
        "objective": None,
        "evaluator_objective": None,
        "best_known": BEST_KNOWN.get(number),
        "gap_percent": None,
        "bound": report.best_bound,
        "time_s": round(elapsed, 2),
        "hard_rules_hold": False,
        "violations": [],
        "sub_solves": report.model_size.get("sub_solves"),
    }
    solution = result.solution
    if solution is None:
        return row
    violations = check_roster(instance, solution)
    recomputed = sum(roster_objective(instance, solution).values())
    best = BEST_KNOWN.get(number)
    row.update(
        objective=solution.objective,
        evaluator_objective=recomputed,
        hard_rules_hold=not violations,
        violations=violations[:5],
        gap_percent=(round(100 * (recomputed - best) / best, 2) if best is not None else None),
    )
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """Return the rows as a fixed-width table."""
    head = (
        f"{'inst':>4} {'objective':>9} {'best':>6} {'gap %':>7} {'time s':>7} "
        f"{'hard ok':>7} {'eval=':>5} {'status':>9} {'bound':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        gap = "-" if r["gap_percent"] is None else f"{r['gap_percent']:.2f}"
        agree = r["objective"] is not None and r["objective"] == r["evaluator_objective"]
        lines.append(
            f"{r['instance']:>4} {str(r['objective']):>9} {str(r['best_known'] or '-'):>6} "
            f"{gap:>7} {r['time_s']:>7.1f} {'yes' if r['hard_rules_hold'] else 'NO':>7} "
            f"{'yes' if agree else 'NO':>5} {r['status']:>9} {str(r['bound']):>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print JSON and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=parse_instances, default=parse_instances("1-24"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 1
    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
    rows = []
    for number in args.instances:
        rows.append(run_one(number, params))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    gaps = [r["gap_percent"] for r in rows if r["gap_percent"] is not None]
    summary = {
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "instances": args.instances,
        "all_hard_rules_hold": all(r["hard_rules_hold"] for r in rows),
        "evaluator_agrees": all(r["objective"] == r["evaluator_objective"] for r in rows),
        "mean_gap_percent": round(statistics.mean(gaps), 2) if gaps else None,
        "rows": rows,
    }
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    print(text)
    if args.write is not None:
        args.write.write_text(text + "\n", encoding="utf-8")
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
