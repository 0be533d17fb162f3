"""Command line for duty rosters from benchmark files: `flask --app app roster nrp FILE --out OUT`.

`roster nrp FILE` reads a Curtois & Qu text file (`scheduler.nrp`), solves it with
`scheduler.roster.solve`, re-checks the roster with `scheduler.roster_checks` and writes OUT.json
with instance, status, objective, bound, gap, time, penalties, violations (empty) and the roster:
for each employee id the list of shift ids per day, "" for a day off. Exit codes: 0 solved
(OUT.json written), 2 infeasible (diagnosis on stderr, in Chinese), 1 for any other failure
(malformed file with the line named, no roster within the time limit, solver error, a roster that
fails the re-check). OUT.json is written to a temporary file next to it and renamed only on
success, so a failed run never leaves a partial result behind.

The group needs no app (no database), so its commands run without an app context.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from scheduler.nrp import NrpFormatError, read_nrp, result_document, write_out
from scheduler.roster import solve
from scheduler.roster_checks import check_roster, roster_objective
from scheduler.runner import SolveError, SolveParams, SolveStatus

roster_cli = AppGroup("roster", help="排班：按基准数据文件编制值班表 (duty rosters from files)")

EXIT_INFEASIBLE = 2
MAX_SEED = 2**31 - 1


@roster_cli.command("nrp", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the result (OUT.json).",
)
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(0.1, 3600))
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, MAX_SEED))
def roster_nrp(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Roster a Curtois & Qu benchmark file (SECTION_HORIZON ... SECTION_COVER) into OUT.json."""
    out_dir = out.resolve().parent
    if not out_dir.is_dir():
        raise click.ClickException(f"输出目录不存在 (output directory does not exist): {out_dir}")
    if out.exists() and out.resolve() == file.resolve():
        raise click.ClickException("输出文件不能覆盖输入文件 (--out must not be the input file)")
    try:
        instance = read_nrp(file)
    except NrpFormatError as exc:
        raise click.ClickException(f"数据文件有误 (malformed file): {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"无法读取 (cannot read) {file}: {exc}") from None

    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    try:
        result = solve(instance, params)
    except SolveError as exc:
        raise click.ClickException(f"求解器拒绝了模型 (solver error): {exc}") from None

    report = result.report
    if report.status is SolveStatus.INFEASIBLE:
        click.echo("无可行排班 (infeasible)：", err=True)
        for detail in [c.detail for c in report.diagnosis] or ["未能定位冲突的规则"]:
            click.echo(f"  - {detail}", err=True)
        click.echo(f"未写入 {out}", err=True)
        click.get_current_context().exit(EXIT_INFEASIBLE)
    if result.solution is None:
        raise click.ClickException(
            f"时限 {time_limit:g} 秒内未找到可行排班 (no roster within the time limit, "
            f"status {report.status.value})；未写入 {out}"
        )
    violations = check_roster(instance, result.solution)
    if violations:
        listed = "；".join(violations[:5])
        raise click.ClickException(f"排班未通过复核 (re-check failed): {listed}；未写入 {out}")
    recomputed = sum(roster_objective(instance, result.solution).values())
    if recomputed != result.solution.objective:
        raise click.ClickException(
            f"目标值复核不一致 (objective {result.solution.objective} != {recomputed})；"
            f"未写入 {out}"
        )

    content = result_document(instance, result, violations)
    write_out(out, content)
    click.echo(
        f"{content['status']}: objective={content['objective']} bound={content['best_bound']} "
        f"({content['wall_time_s']:.2f} s)"
    )
    click.echo(f"已写入 (written) {out}")
