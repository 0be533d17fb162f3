"""Command line for VIP visits from files: `flask --app app visits plan FILE.json --out OUT.json`.

FILE.json is a `scheduler.visits.VisitInstance` as JSON (`bench/visits_bench.py --write` makes
one); the plan is re-checked with `check_visits` and `visit_objective`. Exit codes and OUT.json
as api/file_cli.py says. The group needs no app (no database), so it runs without an app context.
"""

from __future__ import annotations

from pathlib import Path

from flask.cli import AppGroup

from api.file_cli import checked, plan_file, solve_options
from scheduler.runner import SolveParams
from scheduler.visit_checks import check_visits, visit_objective
from scheduler.visits import VisitInstance, solve

visits_cli = AppGroup("visits", help="VIP 上门服务：按数据文件排程 (VIP visits from files)")


@visits_cli.command("plan", with_appcontext=False)
@solve_options
def visits_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Plan the VIP visits and joint sessions of FILE.json into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    plan_file(file, out, VisitInstance, checked(solve, check_visits, visit_objective), params)
