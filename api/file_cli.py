"""Shared plumbing of the file command lines (`visits plan`, `helpers plan`, `rotation plan` …).

Each command reads one instance file (the JSON form of a scheduler module's instance), solves it,
re-checks the plan with the independent checker and writes OUT.json: status, objective,
best_bound, gap, penalties, recomputed penalties, violations (empty) and the solution. Exit
codes: 0 solved (OUT.json written), 2 infeasible (diagnosis on stderr, in Chinese), 1 for
anything else (malformed file, no solution within the time limit, solver error, a plan the
re-check rejects). OUT.json is written to a temporary file next to it and renamed only on
success, so a failed run never leaves a partial or stale-looking result behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError

from scheduler.runner import SolveError, SolveParams, SolveReport, SolveStatus

EXIT_INFEASIBLE = 2
MAX_SEED = 2**31 - 1
# How many validation problems or violations a message lists before "…".
_SHOWN = 5

Instance = TypeVar("Instance", bound=BaseModel)


def write_atomically(path: Path, content: dict[str, Any]) -> None:
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


def _validation_message(exc: ValidationError) -> str:
    """Return pydantic's errors as one line: where, what, for the first few problems."""
    parts = []
    for error in exc.errors()[:_SHOWN]:
        where = ".".join(str(x) for x in error["loc"]) or "(文件)"
        parts.append(f"{where}: {error['msg']}")
    more = f"；另有 {exc.error_count() - _SHOWN} 处" if exc.error_count() > _SHOWN else ""
    return "；".join(parts) + more


def load_instance(file: Path, schema: type[Instance]) -> Instance:
    """Read and validate an instance file, or raise a ClickException naming the problem."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"无法读取 (cannot read) {file}: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"数据文件有误 (malformed file) {file}: 不是有效的 JSON (not valid JSON): "
            f"第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"
        ) from None
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise click.ClickException(
            f"数据文件有误 (malformed file) {file}: {_validation_message(exc)}"
        ) from None


def plan_file(
    file: Path,
    out: Path,
    schema: type[Instance],
    solve_and_check: Callable[[Instance, SolveParams], tuple[SolveReport, dict[str, Any] | None]],
    params: SolveParams,
) -> None:
    """Load, solve, re-check and write one instance file; exit 2 when infeasible."""
    out_dir = out.resolve().parent
    if not out_dir.is_dir():
        raise click.ClickException(f"输出目录不存在 (output directory does not exist): {out_dir}")
    if out.exists() and out.resolve() == file.resolve():
        raise click.ClickException("输出文件不能覆盖输入文件 (--out must not be the input file)")
    instance = load_instance(file, schema)
    try:
        report, checked = solve_and_check(instance, params)
    except SolveError as exc:
        raise click.ClickException(f"求解器拒绝了模型 (solver error): {exc}") from None

    if report.status is SolveStatus.INFEASIBLE:
        click.echo("无可行方案 (infeasible)：", err=True)
        for detail in [c.detail for c in report.diagnosis] or ["未能定位冲突的规则"]:
            click.echo(f"  - {detail}", err=True)
        click.echo(f"未写入 {out}", err=True)
        click.get_current_context().exit(EXIT_INFEASIBLE)
    if checked is None:
        raise click.ClickException(
            f"时限 {params.time_limit_s:g} 秒内未找到可行方案 (no solution within the time "
            f"limit, status {report.status.value})；未写入 {out}"
        )
    violations = checked["violations"]
    if violations:
        shown = "；".join(violations[:_SHOWN])
        raise click.ClickException(
            f"复核未通过 (the independent re-check rejects the plan): {shown}；未写入 {out}"
        )

    content = {
        "status": report.status.value,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "wall_time_s": round(report.wall_time_s, 3),
        "solutions": report.solutions,
        "penalties": report.penalties,
        **checked,
        "model_size": report.model_size,
        "solver_version": report.solver_version,
        "params": params.model_dump(),
    }
    write_atomically(out, content)
    gap = "-" if report.gap is None else f"{report.gap:.4f}"
    click.echo(
        f"{report.status.value}: objective={report.objective} bound={report.best_bound} "
        f"gap={gap} ({report.wall_time_s:.2f} s)"
    )
    click.echo(f"已写入 (written) {out}")


def solve_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add FILE, --out, --time-limit, --workers and --seed to a plan command."""
    options = [
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
        click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64)),
        click.option("--seed", default=0, show_default=True, type=click.IntRange(0, MAX_SEED)),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def checked(
    solve: Callable[[Any, SolveParams], Any],
    check: Callable[[Any, Any], list[str]],
    objective: Callable[[Any, Any], dict[str, int]],
) -> Callable[[Any, SolveParams], tuple[SolveReport, dict[str, Any] | None]]:
    """Return a solve-and-check step from a module's solve, checker and objective recomputation."""

    def step(instance: Any, params: SolveParams) -> tuple[SolveReport, dict[str, Any] | None]:
        result = solve(instance, params)
        if result.solution is None:
            return result.report, None
        return result.report, {
            "recomputed_penalties": objective(instance, result.solution),
            "violations": check(instance, result.solution),
            "solution": result.solution.model_dump(mode="json"),
        }

    return step
