"""Benchmark the expert-panel model on the public reviewer-assignment data sets.

Not a test: for each data set in ../shared/data/reviewer-assignment (relative to the repository
root) it solves max-sum with CP-SAT (tie break off, 2 workers by default) and reports objective,
best bound, whether optimality was proven and the wall time; solves the same data as a min-cost
flow (source → meeting capacity panel_size, meeting → expert capacity 1 cost -score, expert →
sink capacity max_load; min_load ignored) as an exact baseline; solves max-min on midl.json, both
without min_load (the setting of the published 0.9033–0.9448: max-sum's worst panel vs the
max-min optimum) and with it; and, when `scheduler.panel_lottery` imports, reports the expected
affinity of the probability-capped lottery (q = 0.5) as a fraction of the max-sum optimum. Scores
are in file units (scaled by panel_files.SCORE_SCALE inside the model). It prints one JSON
document, then a table:

    .venv/bin/python -m bench.panels_bench [--sets midl,preflib1] [--time-limit S]
                                           [--workers W] [--q Q] [--no-lottery]
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import ortools
from ortools.graph.python import min_cost_flow

from scheduler.panel_files import SCORE_SCALE, load_assignment_file, write_result
from scheduler.panels import PanelInstance, solve
from scheduler.runner import SolveParams

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "reviewer-assignment"
SETS = ("preflib1", "preflib2", "preflib3", "sigir-query", "midl", "aamas2015", "aamas2016")
SEED = 0
# Published on midl: the max-sum assignment's worst panel and the max-min optimum.
MIDL_PUBLISHED = (0.9033, 0.9448)


def load(name: str, objective: str = "max-sum", *, min_load: bool = True) -> PanelInstance:
    """Return a data set as an instance without tie break (optionally dropping min_load)."""
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    if not min_load:
        data.pop("min_load", None)
    return load_assignment_file(data, objective=objective, seed=SEED, tie_break=False)


def _units(points: int | None) -> float | None:
    """Return integer points in file units."""
    return None if points is None else points / SCORE_SCALE


def cp_sat(instance: PanelInstance, params: SolveParams) -> dict[str, Any]:
    """Solve with CP-SAT and return objective, bound (both in file units), proof and time."""
    start = time.monotonic()
    result = solve(instance, params)
    wall = time.monotonic() - start
    # write_result decodes the bound on the main goal (total, or worst panel for max-min).
    doc = write_result(result, instance, SEED, "")
    return {
        "status": doc["status"],
        "optimal": doc["proven_optimal"],
        "objective": doc["objective"],
        "worst_panel": doc["worst_panel"],
        "best_bound": doc["best_bound"],
        "best_bound_of": doc["best_bound_of"],
        "wall_time_s": round(wall, 2),
    }


def flow(instance: PanelInstance) -> dict[str, Any]:
    """Solve max-sum as a min-cost flow (min_load ignored); return objective and time."""
    start = time.monotonic()
    assert instance.scores is not None
    n_m, n_e = len(instance.meetings), len(instance.experts)
    source, sink = 0, 1 + n_m + n_e
    mcf = min_cost_flow.SimpleMinCostFlow()
    seats = 0
    for mi, m in enumerate(instance.meetings):
        need = sum(m.seats.values())
        seats += need
        mcf.add_arc_with_capacity_and_unit_cost(source, 1 + mi, need, 0)
        row = instance.scores[mi]
        for ei, e in enumerate(instance.experts):
            if e.id not in m.declined:
                mcf.add_arc_with_capacity_and_unit_cost(1 + mi, 1 + n_m + ei, 1, -row[ei])
    for ei, e in enumerate(instance.experts):
        cap = n_m if e.max_load is None else e.max_load
        mcf.add_arc_with_capacity_and_unit_cost(1 + n_m + ei, sink, cap, 0)
    mcf.set_node_supply(source, seats)
    mcf.set_node_supply(sink, -seats)
    status = mcf.solve()
    wall = time.monotonic() - start
    ok = status == mcf.OPTIMAL
    return {
        "status": "optimal" if ok else f"status {status}",
        "objective": _units(-mcf.optimal_cost()) if ok else None,
        "wall_time_s": round(wall, 2),
    }


def lottery_module() -> tuple[Any, str | None]:
    """Return scheduler.panel_lottery.capped_draw, or None and why it is unavailable."""
    try:
        from scheduler.panel_lottery import capped_draw
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip with a note"
        return None, f"scheduler.panel_lottery unavailable: {type(exc).__name__}: {exc}"
    return capped_draw, None


def lottery(capped_draw: Any, instance: PanelInstance, q: float, params: SolveParams) -> dict:
    """Run the capped lottery and return its expected affinity as a fraction of the optimum."""
    start = time.monotonic()
    try:
        if "seed" in inspect.signature(capped_draw).parameters:
            capped = capped_draw(instance, q, seed=SEED, params=params)
        else:
            capped = capped_draw(instance, q, params=params)
    except Exception as exc:  # noqa: BLE001 - report and go on with the next set
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "q": q,
        "fraction": capped.fraction,
        "expected_affinity": _units(capped.expected_affinity),
        "optimum": _units(capped.optimum),
        "max_marginal": capped.max_marginal,
        "lottery_status": getattr(capped, "status", None),
        # The yardstick is the lottery's own max-sum solve; unproven, it flatters the fraction.
        "optimum_status": capped.report.status.value,
        "wall_time_s": round(time.monotonic() - start, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a JSON document, then a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated data sets")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--q", type=float, default=0.5, help="probability cap of the lottery")
    parser.add_argument("--no-lottery", action="store_true")
    args = parser.parse_args(argv)
    names = [s.strip().removesuffix(".json") for s in args.sets.split(",") if s.strip()]
    missing = [n for n in names if not (DATA / f"{n}.json").is_file()]
    if missing:
        parser.error(f"no such data set in {DATA}: {', '.join(missing)}")
    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=SEED)

    capped_draw, lottery_note = (None, "--no-lottery") if args.no_lottery else lottery_module()
    doc: dict[str, Any] = {
        "params": params.model_dump(),
        "ortools": ortools.__version__,
        "python": platform.python_version(),
        "sets": {},
        "lottery_note": lottery_note,
    }
    for name in names:
        instance = load(name)
        row: dict[str, Any] = {
            "experts": len(instance.experts),
            "meetings": len(instance.meetings),
            "max_sum": cp_sat(instance, params),
            "flow": flow(instance),
        }
        if capped_draw is not None:
            row["lottery"] = lot = lottery(capped_draw, instance, args.q, params)
            exact = row["flow"]["objective"]
            if "error" not in lot and exact and not any(e.min_load for e in instance.experts):
                # Without min_load the flow optimum is the exact max-sum optimum.
                lot["fraction_of_flow_optimum"] = lot["expected_affinity"] / exact
        doc["sets"][name] = row
        print(f"done {name}", file=sys.stderr, flush=True)
    if "midl" in names:
        no_min = load("midl", min_load=False)
        doc["midl"] = {
            "published_worst_panel": {"max_sum": MIDL_PUBLISHED[0], "max_min": MIDL_PUBLISHED[1]},
            "max_sum_without_min_load": cp_sat(no_min, params),
            "max_min_without_min_load": cp_sat(load("midl", "max-min", min_load=False), params),
            "max_min_with_min_load": cp_sat(load("midl", "max-min"), params),
        }
    print(json.dumps(doc, indent=1, ensure_ascii=False))
    print()
    print(table(doc))
    return 0


def _f(value: Any, digits: int = 4) -> str:
    """Format a number or a missing value for the table."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(doc: dict[str, Any]) -> str:
    """Return the human-readable summary of the JSON document."""
    head = (
        f"{'set':<12} {'e×m':>8} {'CP-SAT':>10} {'bound':>10} {'opt':>4} {'time s':>7} "
        f"{'flow':>10} {'time s':>7} {'lot/opt':>8} {'lot/flow':>9}"
    )
    lines = [head, "-" * len(head)]
    for name, row in doc["sets"].items():
        ms, fl = row["max_sum"], row["flow"]
        lot = row.get("lottery", {})
        frac = _f(lot.get("fraction")) if "error" not in lot else "error"
        frac_flow = _f(lot.get("fraction_of_flow_optimum"))
        size = f"{row['experts']}×{row['meetings']}"
        lines.append(
            f"{name:<12} {size:>8} {_f(ms['objective']):>10} "
            f"{_f(ms['best_bound']):>10} {_f(ms['optimal']):>4} {ms['wall_time_s']:>7.2f} "
            f"{_f(fl['objective']):>10} {fl['wall_time_s']:>7.2f} {frac:>8} {frac_flow:>9}"
        )
    if "midl" in doc:
        lines.append("")
        lines.append(f"midl (published worst panel {MIDL_PUBLISHED[0]} / {MIDL_PUBLISHED[1]}):")
        for key, label in (
            ("max_sum_without_min_load", "max-sum, no min_load"),
            ("max_min_without_min_load", "max-min, no min_load"),
            ("max_min_with_min_load", "max-min, min_load 2"),
        ):
            r = doc["midl"][key]
            bound = f" bound {_f(r['best_bound'])}" if key.startswith("max_min") else ""
            lines.append(
                f"  {label:<22} total {_f(r['objective'])} worst {_f(r['worst_panel'])}{bound}"
                f" {r['status']} {r['wall_time_s']:.2f} s"
            )
    if any("lottery" in row for row in doc["sets"].values()):
        lines.append("")
        lines.append(
            "lot/opt: expected affinity of the q-capped lottery / its own max-sum solve; lot/flow:"
            " / the exact flow optimum (sets without min_load)"
        )
    if doc["lottery_note"]:
        lines.append("")
        lines.append(f"lottery skipped: {doc['lottery_note']}")
    for name, row in doc["sets"].items():
        if "error" in row.get("lottery", {}):
            lines.append(f"lottery {name}: {row['lottery']['error']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
