"""Command line for plans: `flask --app app plans solve|list|publish|cancel`, with live progress."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import jobs, planning
from api.db import get_db
from api.errors import ApiError
from api.problems import solvable_kinds
from models import JobStatus, Plan, PlanKind
from scheduler.runner import SolveParams

plans_cli = AppGroup("plans", help="排程方案：求解、发布、取消 (plans)")

CLI_EXECUTOR = "cli"
CLI_ACTOR = "cli"
# Redraw the progress bar this often.
TICK_S = 0.2
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))


def request_and_solve(
    factory: Any,
    data: planning.PlanRequestData,
    actor: str,
    *,
    executor: str = CLI_EXECUTOR,
    heartbeat: bool = True,
    on_progress: Any = None,
) -> Plan:
    """Create a plan, run its job in this process and return the finished plan."""
    with factory() as s:
        plan = planning.request_plan(s, data, actor, executor)
        s.commit()
        plan_id = plan.id
    jobs.run_job(plan_id, factory, heartbeat=heartbeat, on_progress=on_progress)
    with factory() as s:
        return planning.get_plan(s, plan_id)


@plans_cli.command("solve")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([k.value for k in solvable_kinds()]),
    help="Plan kind.",
)
@click.option("--scope", default="city", show_default=True, help="Plan scope.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default today).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default +89 days).")
@click.option("--time-limit", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--gap", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--no-replan", is_flag=True, help="Ignore the published plan and its pins.")
@click.option("--publish", is_flag=True, help="Publish the plan when the solve succeeds.")
def plans_solve(
    kind: str,
    scope: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    time_limit: float,
    workers: int,
    seed: int,
    gap: float,
    no_replan: bool,
    publish: bool,
) -> None:
    """Solve a plan in this terminal with a live progress bar (objective, bound, gap)."""
    first = start.date() if start else dt.datetime.now(LOCAL_TZ).date()
    last = end.date() if end else first + dt.timedelta(days=89)
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed, relative_gap=gap)
    data = planning.PlanRequestData(
        kind=PlanKind(kind),
        scope=scope,
        title="",
        horizon_start=first,
        horizon_end=last,
        params=params.model_dump(mode="json"),
        replan=not no_replan,
    )
    factory = get_db().writer
    live: dict[str, Any] = {}
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["plan"] = request_and_solve(factory, data, CLI_ACTOR, on_progress=live.update)
        except ApiError as exc:
            outcome["error"] = exc
        except Exception as exc:  # shown to the user below, never swallowed
            outcome["crash"] = exc

    worker = threading.Thread(target=work, name="cli-solve")
    began = time.monotonic()
    worker.start()
    steps = 1000
    with click.progressbar(
        length=steps,
        label="求解中",
        show_eta=False,
        item_show_func=lambda _: _progress_text(live, time.monotonic() - began),
    ) as bar:
        done = 0
        while worker.is_alive():
            worker.join(TICK_S)
            target = min(steps - 1, int(steps * (time.monotonic() - began) / time_limit))
            bar.update(max(0, target - done), current_item=True)
            done = max(done, target)
        bar.update(steps - done, current_item=True)
    if "error" in outcome:
        raise click.ClickException(outcome["error"].message)
    if "crash" in outcome:
        raise click.ClickException(f"求解失败：{outcome['crash']}")
    _report(outcome["plan"], publish, factory)


def _progress_text(live: dict[str, Any], elapsed: float) -> str:
    """Return the progress line: objective, bound, gap, solutions, elapsed."""
    if "objective" not in live:
        return f"尚无可行解 · {elapsed:.1f} 秒"
    gap = live.get("gap")
    gap_text = "—" if gap is None else f"{100 * gap:.1f}%"
    return (
        f"目标 {live['objective']} · 下界 {live.get('best_bound')} · 间隙 {gap_text}"
        f" · 解 {live.get('solutions', 0)} · {elapsed:.1f} 秒"
    )


def _report(plan: Plan, publish: bool, factory: Any) -> None:
    """Print how the job ended; publish on request; exit non-zero when it did not succeed."""
    report = plan.report or {}
    click.echo(f"方案 #{plan.id}（{plan.title}）：{plan.job_status.value}")
    if plan.job_status is JobStatus.SUCCEEDED:
        click.echo(
            f"目标 {report.get('objective')}，下界 {report.get('best_bound')}，"
            f"状态 {report.get('status')}，用时 {report.get('wall_time_s', 0):.2f} 秒，"
            f"改动 {report.get('changes')} 处"
        )
        for name, points in (report.get("penalties") or {}).items():
            click.echo(f"  {name}: {points}")
        if publish:
            with factory() as s:
                fresh = planning.get_plan(s, plan.id)
                try:
                    planning.publish_plan(s, fresh, fresh.lock_version, CLI_ACTOR)
                except ApiError as exc:
                    raise click.ClickException(exc.message) from exc
                s.commit()
            click.echo(f"方案 #{plan.id} 已发布")
        return
    if plan.job_status is JobStatus.INFEASIBLE:
        click.echo("无可行方案，相互冲突的规则：", err=True)
        for c in plan.diagnosis.get("conflicts", []):
            click.echo(f"  - {c['detail']}（{c['name']}）", err=True)
        raise SystemExit(2)
    raise click.ClickException(plan.error or f"求解任务结束于 {plan.job_status.value}")


@plans_cli.command("list")
def plans_list() -> None:
    """List plans, newest first."""
    with get_db().factory() as s:
        for p in s.scalars(select(Plan).order_by(Plan.id.desc())):
            click.echo(
                f"{p.id}\t{p.kind.value}\t{p.scope}\tv{p.version}\t{p.status.value}"
                f"\t{p.job_status.value}\t{p.title}"
            )


@plans_cli.command("publish")
@click.argument("plan_id", type=int)
def plans_publish(plan_id: int) -> None:
    """Publish a succeeded draft."""
    with get_db().writer() as s:
        _run(s, lambda p: planning.publish_plan(s, p, p.lock_version, CLI_ACTOR), plan_id)
    click.echo(f"方案 #{plan_id} 已发布")


@plans_cli.command("cancel")
@click.argument("plan_id", type=int)
def plans_cancel(plan_id: int) -> None:
    """Cancel a queued or running job."""
    with get_db().writer() as s:
        _run(s, lambda p: planning.cancel_plan(s, p, CLI_ACTOR), plan_id)
    click.echo(f"已请求取消方案 #{plan_id} 的求解任务")


def _run(s: Session, action: Any, plan_id: int) -> None:
    """Apply an action to a plan and commit, turning API errors into CLI errors."""
    try:
        action(planning.get_plan(s, plan_id))
        s.commit()
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
