"""Benchmark the VIP-visit model on a city-scale month, re-checked with check_visits.

Not a test: it generates a deterministic instance from a seed (by default 300 major projects,
12 departments with 5 chief representatives and 10 business backbones each, the 22 working days
from 2026-03-02 by the 调休-aware calendar, the 11 districts of Zibo with their adjacency, leave
days, enterprise preferred and blocked days, dispatch meetings every second Tuesday on site and
weekly video joint reviews), solves it with two workers, re-checks the plan with `check_visits`
and `visit_objective`, and prints one JSON object and then a small table:

    .venv/bin/python -m bench.visits_bench [--seed N] [--time-limit S] [--workers N] [--small]
                                           [--write FILE.json]

`--small` runs a quarter-size city (75 projects, 10 days); `--write FILE.json` dumps the generated
instance as JSON (for `flask --app app visits plan FILE.json --out OUT.json`) without solving.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

from scheduler.runner import SolveParams
from scheduler.visit_checks import check_visits, visit_objective
from scheduler.visits import (
    SLOTS_PER_DAY,
    Department,
    District,
    SessionOccurrence,
    VisitInstance,
    VisitPerson,
    VisitProject,
    solve,
)
from scheduler.workdays import WorkCalendar

DEPARTMENTS = (
    "市发展改革委",
    "市工业和信息化局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房城乡建设局",
    "市交通运输局",
    "市水利局",
    "市文化和旅游局",
    "市应急局",
    "市行政审批服务局",
    "市国家安全局",
    "市气象局",
)
DISTRICTS = (
    "张店区",
    "淄川区",
    "博山区",
    "临淄区",
    "周村区",
    "桓台县",
    "高青县",
    "沂源县",
    "高新区",
    "经济开发区",
    "文昌湖区",
)
# Roughly the map of Zibo: which districts share a border (1-based ids as above).
ADJACENT = (
    (1, 2), (1, 4), (1, 5), (1, 6), (1, 9), (1, 10), (2, 3), (2, 4), (2, 5), (2, 11),
    (3, 8), (3, 11), (4, 6), (4, 10), (5, 6), (5, 11), (6, 7), (6, 9), (9, 10), (7, 4),
)  # fmt: skip
START = dt.date(2026, 3, 2)
CHIEFS_PER_DEPARTMENT = 5
BACKBONES_PER_DEPARTMENT = 10
# Backbones of a department that work at city level; the others belong to one district.
CITY_BACKBONES = 4
# How many departments a project needs now, and with what weight.
DEPARTMENTS_NEEDED = ((1, 30), (2, 35), (3, 25), (4, 10))


def generate(seed: int, n_projects: int = 300, n_days: int = 22) -> VisitInstance:
    """Return a deterministic city month of VIP visits."""
    rng = random.Random(seed)
    days = tuple(_working_days(START, n_days))
    n_slots = SLOTS_PER_DAY * len(days)
    links: dict[int, set[int]] = {d: set() for d in range(1, len(DISTRICTS) + 1)}
    for a, b in ADJACENT:
        links[a].add(b)
        links[b].add(a)
    districts = tuple(
        District(id=i, name=name, adjacent=frozenset(links[i]))
        for i, name in enumerate(DISTRICTS, start=1)
    )
    departments = tuple(Department(id=i, name=name) for i, name in enumerate(DEPARTMENTS, start=1))
    people: list[VisitPerson] = []
    for d in departments:
        for k in range(CHIEFS_PER_DEPARTMENT + BACKBONES_PER_DEPARTMENT):
            chief = k < CHIEFS_PER_DEPARTMENT
            pid = len(people) + 1
            if chief or k - CHIEFS_PER_DEPARTMENT < CITY_BACKBONES:
                home = None
            else:
                home = rng.randrange(1, len(DISTRICTS) + 1)
            people.append(
                VisitPerson(
                    id=pid,
                    name=f"{'首席' if chief else '骨干'}{d.id:02d}-{k + 1:02d}",
                    department_id=d.id,
                    role="chief" if chief else "backbone",
                    district_id=home,
                    unavailable_slots=frozenset(_leave(rng, len(days))),
                )
            )
    weights = [rng.uniform(0.5, 1.5) for _ in districts]
    dept_ids = [d.id for d in departments]
    counts, count_weights = zip(*DEPARTMENTS_NEEDED, strict=True)
    by_dept: dict[int, list[VisitPerson]] = {}
    for m in people:
        by_dept.setdefault(m.department_id, []).append(m)
    projects = []
    for pid in range(1, n_projects + 1):
        needed = tuple(rng.sample(dept_ids, rng.choices(counts, count_weights)[0]))
        preferred = blocked = frozenset()
        if rng.random() < 0.3:
            preferred = frozenset(rng.sample(days, min(len(days), rng.randint(3, 6))))
        if rng.random() < 0.4:
            blocked = frozenset(rng.sample(days, min(len(days) - 1, rng.randint(1, 3))))
        previous: frozenset[int] = frozenset()
        if rng.random() < 0.4:
            pool = [m.id for d in needed for m in by_dept[d] if m.role == "chief"]
            previous = frozenset(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        projects.append(
            VisitProject(
                id=pid,
                code=f"XM{pid:03d}",
                name=f"重大项目{pid}",
                district_id=rng.choices([d.id for d in districts], weights)[0],
                enterprise_name=f"企业{pid}",
                visits_required=2 if rng.random() < 0.2 else 1,
                departments=needed,
                backbones=rng.choices((0, 1, 2), (65, 30, 5))[0],
                preferred_days=preferred,
                blocked_days=blocked,
                previous_member_ids=previous,
            )
        )
    sessions = _sessions(rng, days, dept_ids)
    assert all(t < n_slots for s in sessions for t in s.slots)
    return VisitInstance(
        days=days,
        districts=districts,
        departments=departments,
        people=tuple(people),
        projects=tuple(projects),
        sessions=sessions,
    )


def _working_days(start: dt.date, n: int) -> list[dt.date]:
    """Return the first n working days from start on, by the 调休-aware calendar."""
    return WorkCalendar().working_days(start, start + dt.timedelta(days=3 * n + 14))[:n]


def _leave(rng: random.Random, n_days: int) -> set[int]:
    """Return a few leave days (both halves) and other half-day duties of one person."""
    slots: set[int] = set()
    for i in rng.sample(range(n_days), min(n_days, rng.choice((0, 1, 1, 2, 3)))):
        slots |= {SLOTS_PER_DAY * i, SLOTS_PER_DAY * i + 1}
    for t in rng.sample(range(SLOTS_PER_DAY * n_days), min(n_days, rng.choice((0, 1, 2)))):
        slots.add(t)
    return slots


def _sessions(
    rng: random.Random, days: tuple[dt.date, ...], dept_ids: list[int]
) -> tuple[SessionOccurrence, ...]:
    """Dispatch meetings every second Tuesday (on site, mornings) and by video on the other
    Tuesdays; video joint reviews every Thursday afternoon."""
    out: list[SessionOccurrence] = []
    tuesdays = [i for i, d in enumerate(days) if d.weekday() == 1]
    for k, i in enumerate(tuesdays):
        on_site = k % 2 == 0
        out.append(
            SessionOccurrence(
                id=len(out) + 1,
                code=f"DDH{len(out) + 1:02d}",
                title="重大项目调度会" if on_site else "重大项目视频调度会",
                slots=(SLOTS_PER_DAY * i,),
                mode="on_site" if on_site else "video",
                district_id=1 if on_site else None,
                department_ids=tuple(sorted(rng.sample(dept_ids, 6))),
            )
        )
    for i, d in enumerate(days):
        if d.weekday() == 3:
            out.append(
                SessionOccurrence(
                    id=len(out) + 1,
                    code=f"SPLS{len(out) + 1:02d}",
                    title="远程视频联审",
                    slots=(SLOTS_PER_DAY * i + 1,),
                    mode="video",
                    department_ids=tuple(sorted(rng.sample(dept_ids, 4))),
                )
            )
    return tuple(out)


def run_one(instance: VisitInstance, params: SolveParams) -> dict[str, Any]:
    """Solve and re-check one instance; return its summary."""
    started = time.perf_counter()
    result = solve(instance, params)
    total = time.perf_counter() - started
    report = result.report
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
        summary.update(
            visits=0, violations=None, checks_ok=False, diagnosis=[c.name for c in report.diagnosis]
        )
        return summary
    violations = check_visits(instance, result.solution)
    recomputed = visit_objective(instance, result.solution)
    summary.update(
        visits=len(result.solution.visits),
        visits_required=sum(p.visits_required for p in instance.projects),
        violations=len(violations),
        first_violations=violations[:5],
        recomputed_penalties=recomputed,
        checks_ok=not violations and recomputed == report.penalties,
    )
    return summary


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _cell(value: object) -> str:
    """Return a table cell: '-' for None, four decimals for floats."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def table(result: dict[str, Any]) -> str:
    """Return the solve as a small fixed-width table, one row per soft goal below it."""
    cols = ["status", "objective", "best_bound", "gap", "wall_time_s", "visits", "violations"]
    rows = [["solve", *(result["solve"].get(c) for c in cols)]]
    head = ["", *cols]
    cells = [head, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    for name, points in result["solve"]["penalties"].items():
        lines.append(f"  {name:>16}  {points}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or dump the instance) and print its JSON summary and table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="instance seed (default 1)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--small", action="store_true", help="75 projects over 10 days")
    parser.add_argument("--write", type=Path, default=None, help="dump the instance and exit")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    instance = generate(args.seed, 75, 10) if args.small else generate(args.seed)
    generated_s = time.perf_counter() - started
    if args.write is not None:
        args.write.write_text(instance.model_dump_json(indent=1), encoding="utf-8")
        print(f"wrote {args.write}")
        return 0

    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=1)
    out: dict[str, Any] = {
        "instance": {
            "seed": args.seed,
            "projects": len(instance.projects),
            "visits_required": sum(p.visits_required for p in instance.projects),
            "people": len(instance.people),
            "departments": len(instance.departments),
            "districts": len(instance.districts),
            "days": len(instance.days),
            "sessions": len(instance.sessions),
            "generate_s": round(generated_s, 3),
        },
        "params": params.model_dump(),
        "solve": run_one(instance, params),
    }
    out["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(out, ensure_ascii=False))
    print()
    print(table(out))
    print(f"peak RSS {out['peak_rss_mib']} MiB")
    return 0 if out["solve"]["checks_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
