"""Command lines for rotation and training plans from files.

`flask --app app rotation plan FILE.json --out OUT.json` and `training plan ...` read an instance
(the JSON form of `scheduler.rotation.RotationInstance` or `scheduler.training.TrainingInstance`),
solve it, re-check the plan with `scheduler.rotation_checks` and write OUT.json with status,
objective, bound, gap, penalties, violations (empty) and the solution. Exit codes: 0 solved
(OUT.json written), 2 infeasible (diagnosis on stderr, in Chinese), 1 for any other failure
(malformed file, no solution within the time limit, solver error, a plan that fails the re-check).
OUT.json is written to a temporary file next to it and renamed only on success, so a failed run
never leaves a partial result behind.

The groups need no app (no database), so their commands run without an app context.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from pydantic import BaseModel, ValidationError

from scheduler import rotation, training
from scheduler.rotation_checks import (
    check_rotation,
    check_training,
    rotation_objective,
    training_objective,
)
from scheduler.runner import SolveError, SolveParams, SolveReport, SolveStatus

rotation_cli = AppGroup("rotation", help="轮岗：按数据文件编制轮岗方案 (rotation plans from files)")
training_cli = AppGroup("training", help="轮训：按数据文件安排培训 (training plans from files)")

EXIT_INFEASIBLE = 2
MAX_SEED = 2**31 - 1


def _write_atomically(path: Path, content: dict[str, Any]) -> None:
    """Write JSON to a temporary file in the target directory, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(content, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(file: Path, schema: type[BaseModel]) -> Any:
    """Read and validate the instance file, or fail with a message naming the problem."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"无法读取 (cannot read) {file}: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"数据文件有误 (malformed file) {file}: not valid JSON: {exc}"
        ) from None
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        raise click.ClickException(f"数据文件有误 (malformed file) {file}: {problems}") from None


def _plan(
    file: Path,
    out: Path,
    params: SolveParams,
    schema: type[BaseModel],
    solve: Callable[[Any, SolveParams], Any],
    check: Callable[[Any, Any], list[str]],
    objective: Callable[[Any, Any], dict[str, int]],
) -> None:
    """Load, solve, re-check and write one plan; exit as the module docstring says."""
    out_dir = out.resolve().parent
    if not out_dir.is_dir():
        raise click.ClickException(f"输出目录不存在 (output directory does not exist): {out_dir}")
    if out.exists() and out.resolve() == file.resolve():
        raise click.ClickException("输出文件不能覆盖输入文件 (--out must not be the input file)")
    instance = _load(file, schema)
    try:
        result = solve(instance, params)
    except SolveError as exc:
        raise click.ClickException(f"求解器拒绝了模型 (solver error): {exc}") from None
    report: SolveReport = result.report
    if report.status is SolveStatus.INFEASIBLE:
        click.echo("无可行方案 (infeasible)：", err=True)
        for detail in [c.detail for c in report.diagnosis] or ["未能定位冲突的规则"]:
            click.echo(f"  - {detail}", err=True)
        click.echo(f"未写入 {out}", err=True)
        click.get_current_context().exit(EXIT_INFEASIBLE)
    if result.solution is None:
        raise click.ClickException(
            f"时限 {params.time_limit_s:g} 秒内未找到可行方案 (no solution within the time "
            f"limit, status {report.status.value})；未写入 {out}"
        )
    violations = check(instance, result.solution)
    if violations:
        # Never publish a plan that breaks a hard rule; this would be a bug in the model.
        raise click.ClickException(f"方案复核未通过 (re-check failed): {violations[:5]}")
    content = {
        "status": report.status.value,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "wall_time_s": round(report.wall_time_s, 3),
        "penalties": report.penalties,
        "recomputed_penalties": objective(instance, result.solution),
        "violations": violations,
        "solver_version": report.solver_version,
        "params": params.model_dump(),
        "solution": result.solution.model_dump(mode="json"),
    }
    _write_atomically(out, content)
    click.echo(
        f"{content['status']}: objective={report.objective} bound={report.best_bound} "
        f"({report.wall_time_s:.2f} s)"
    )
    click.echo(f"已写入 (written) {out}")


def _options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the shared arguments and options of a `plan` command."""
    decorators = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option(
            "--out",
            "out",
            required=True,
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Where to write the result (OUT.json).",
        ),
        click.option(
            "--time-limit", default=60.0, show_default=True, type=click.FloatRange(0.1, 3600)
        ),
        click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64)),
        click.option("--seed", default=0, show_default=True, type=click.IntRange(0, MAX_SEED)),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@rotation_cli.command("plan", with_appcontext=False)
@_options
def rotation_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Plan the rotation of FILE.json (a RotationInstance) into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    _plan(
        file,
        out,
        params,
        rotation.RotationInstance,
        rotation.solve,
        check_rotation,
        rotation_objective,
    )


@training_cli.command("plan", with_appcontext=False)
@_options
def training_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Plan the training of FILE.json (a TrainingInstance) into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    _plan(
        file,
        out,
        params,
        training.TrainingInstance,
        training.solve,
        check_training,
        training_objective,
    )
