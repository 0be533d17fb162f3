"""Command line for case helpers from files: `flask --app app helpers plan FILE.json --out OUT`.

FILE.json is a `scheduler.helpers.HelperInstance` as JSON; the plan is re-checked with
`scheduler.checks.check_case_helpers`. Exit codes and OUT.json as api/file_cli.py says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.cli import AppGroup

from api.file_cli import plan_file, solve_options
from scheduler.checks import check_case_helpers
from scheduler.helpers import HelperInstance, solve
from scheduler.runner import SolveParams, SolveReport

helpers_cli = AppGroup(
    "helpers", help="帮办代办：按数据文件分配帮办代办员 (case helpers from files)"
)


def _solve_helpers(
    instance: HelperInstance, params: SolveParams
) -> tuple[SolveReport, dict[str, Any] | None]:
    """Solve a case-helper instance and return its report and the re-checked plan."""
    result = solve(instance, params)
    if result.solution is None:
        return result.report, None
    check = check_case_helpers(instance, result.solution)
    return result.report, {
        "recomputed_penalties": check.penalties,
        "violations": check.violations,
        "solution": result.solution.model_dump(mode="json"),
    }


@helpers_cli.command("plan", with_appcontext=False)
@solve_options
def helpers_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Assign a case helper to every project of FILE.json into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    plan_file(file, out, HelperInstance, _solve_helpers, params)
