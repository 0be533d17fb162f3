"""Command line for expert panels from files: `flask --app app panels assign FILE --out OUT`.

The draw is committed before it is made: the command draws (or takes) a seed, draws a fresh salt,
prints SHA-256 of both and only then solves; OUT.json reveals seed and salt so that anyone can
check the commitment and replay the draw. Exit codes: 0 solved (OUT.json written), 2 infeasible
(diagnosis on stderr, in Chinese), 1 for any other failure (malformed file, no solution within the
time limit, solver error). OUT.json is written to a temporary file next to it and renamed only on
success, so a failed run never leaves a partial or stale-looking result behind.

The group does not need the app (no database), so its commands run without an app context.
"""

from __future__ import annotations

import inspect
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from scheduler.panel_files import load_assignment_file, score_scale, write_result
from scheduler.panels import PanelInstance, PanelResult, Screening, seed_commitment, solve
from scheduler.runner import SolveError, SolveParams, SolveStatus

panels_cli = AppGroup("panels", help="专家抽取：按数据文件抽取评审专家 (expert panels from files)")

EXIT_INFEASIBLE = 2
MAX_SEED = 2**31 - 1


def _dumps(content: dict[str, Any]) -> str:
    """Return JSON with one top-level key a line and compact values (panels stay one line)."""
    lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in content.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _write_atomically(path: Path, content: dict[str, Any]) -> None:
    """Write JSON to a temporary file in the target directory, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_dumps(content))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _capped(
    instance: PanelInstance, q: float, seed: int, params: SolveParams
) -> tuple[PanelResult, dict[str, Any]]:
    """Run the probability-capped lottery and return its draw and its numbers for OUT.json."""
    try:
        from scheduler.panel_lottery import capped_draw
    except ImportError as exc:
        raise click.ClickException(
            f"概率上限抽取模块不可用 (scheduler.panel_lottery cannot be imported: {exc})"
        ) from None
    # The lottery's seed travels in the instance; pass it explicitly too if the function asks.
    if "seed" in inspect.signature(capped_draw).parameters:
        capped = capped_draw(instance, q, seed=seed, params=params)
    else:
        capped = capped_draw(instance, q, params=params)
    scale = score_scale(instance)
    numbers = {
        "probability_cap": q,
        "max_marginal": capped.max_marginal,
        "expected_affinity": capped.expected_affinity / scale,
        "optimum": capped.optimum / scale,
        "fraction": capped.fraction,
        # Extra fields of scheduler.panel_lottery.CappedResult, when it has them.
        "status": getattr(capped, "status", None),
        "message": getattr(capped, "message", None),
        "attempts": getattr(capped, "attempts", None),
    }
    return PanelResult(capped.report, capped.solution, Screening()), numbers


@panels_cli.command("assign", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the result (OUT.json).",
)
@click.option(
    "--objective",
    type=click.Choice(["max-sum", "max-min"]),
    default="max-sum",
    show_default=True,
    help="Total affinity, or the worst panel first.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    default=None,
    help="Draw seed (default: a fresh random one, committed before solving).",
)
@click.option(
    "--probability-cap",
    "q",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Randomised draw: no expert-meeting pair chosen with probability above Q.",
)
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(0.1, 3600))
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64))
def panels_assign(
    file: Path,
    out: Path,
    objective: str,
    seed: int | None,
    q: float | None,
    time_limit: float,
    workers: int,
) -> None:
    """Draw the panels of an assignment file (see scheduler/panel_files.py) into OUT.json."""
    if q is not None and objective != "max-sum":
        # Not a UsageError: its exit code 2 would read as "infeasible".
        raise click.ClickException("--probability-cap works with --objective max-sum only")
    out_dir = out.resolve().parent
    if not out_dir.is_dir():
        raise click.ClickException(f"输出目录不存在 (output directory does not exist): {out_dir}")
    if out.exists() and out.resolve() == file.resolve():
        raise click.ClickException("输出文件不能覆盖输入文件 (--out must not be the input file)")

    if seed is None:
        seed = secrets.randbelow(2**31)
    salt = secrets.token_hex(16)
    try:
        instance = load_assignment_file(file, objective=objective, seed=seed)
    except ValueError as exc:
        raise click.ClickException(f"数据文件有误 (malformed file) {file}: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"无法读取 (cannot read) {file}: {exc}") from None

    click.echo(f"抽取承诺 (seed commitment, sha256): {seed_commitment(seed, salt)}")
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    lottery: dict[str, Any] | None = None
    try:
        if q is None:
            result = solve(instance, params)
        else:
            result, lottery = _capped(instance, q, seed, params)
    except SolveError as exc:
        raise click.ClickException(f"求解器拒绝了模型 (solver error): {exc}") from None

    report = result.report
    lottery_infeasible = lottery is not None and lottery["status"] == "infeasible"
    if report.status is SolveStatus.INFEASIBLE or lottery_infeasible:
        click.echo("无可行方案 (infeasible)：", err=True)
        details = [c.detail for c in report.diagnosis]
        if lottery_infeasible and report.status is not SolveStatus.INFEASIBLE:
            details = [lottery["message"] or f"概率上限 q={q:g} 下无法满足席位要求"]
        for detail in details or ["未能定位冲突的规则"]:
            click.echo(f"  - {detail}", err=True)
        click.echo(f"未写入 {out}", err=True)
        click.get_current_context().exit(EXIT_INFEASIBLE)
    if result.solution is None:
        if lottery is not None and lottery["message"]:
            raise click.ClickException(f"{lottery['message']}；未写入 {out}")
        raise click.ClickException(
            f"时限 {time_limit:g} 秒内未找到可行方案 (no solution within the time limit, "
            f"status {report.status.value})；未写入 {out}"
        )

    content = write_result(result, instance, seed, salt)
    if lottery is not None:
        content["lottery"] = lottery
    _write_atomically(out, content)
    worst = content["worst_panel"]
    click.echo(
        f"{content['status']}: objective={content['objective']:.4f} "
        f"worst_panel={worst if worst is None else f'{worst:.4f}'} "
        f"bound={content['best_bound']} ({content['wall_time_s']:.2f} s)"
    )
    if lottery is not None:
        click.echo(
            f"probability cap {q:g}: expected {lottery['expected_affinity']:.4f} = "
            f"{lottery['fraction']:.4f} of optimum {lottery['optimum']:.4f}, "
            f"max marginal {lottery['max_marginal']:.4f}"
        )
    click.echo(f"seed={seed} salt={salt}")
    click.echo(f"已写入 (written) {out}")
