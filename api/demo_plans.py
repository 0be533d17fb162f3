"""Publish a demo plan of every solvable kind, so a newcomer sees each capability working."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from api import planning
from api.plans_cli import request_and_solve
from api.problems import solvable_kinds
from models import JobStatus, Plan, PlanKind, ReviewMeeting, RotationPeriod
from scheduler.runner import SolveParams

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))
# Each demo plan is small; this only bounds a slow machine.
DEMO_TIME_LIMIT_S = 20.0
# Kinds without a quick proof of optimality run to their limit; a good plan comes well within
# these (the rotation's limit applies to its rotation and to its training, one after the other).
KIND_TIME_LIMIT_S = {PlanKind.VISIT: 20.0, PlanKind.ROSTER: 20.0, PlanKind.ROTATION: 10.0}
ACTOR = "demo"


def publish_demo_plans(factory: Any, seed: int) -> tuple[list[Plan], list[tuple[str, str]]]:
    """Solve and publish the demo plans; return them and the (title, error) of any skipped."""
    today = dt.datetime.now(LOCAL_TZ).date()
    params = SolveParams(time_limit_s=DEMO_TIME_LIMIT_S, workers=2, seed=seed % 2**31)
    published: list[Plan] = []
    skipped: list[tuple[str, str]] = []

    def attempt(kind: PlanKind, scope: str) -> Plan:
        data = planning.PlanRequestData(
            kind=kind,
            scope=scope,
            title="",
            horizon_start=today,
            horizon_end=today + dt.timedelta(days=89),
            params=params.model_copy(
                update={"time_limit_s": KIND_TIME_LIMIT_S.get(kind, DEMO_TIME_LIMIT_S)}
            ).model_dump(mode="json"),
            # The demo's draws are reproducible from the demo seed.
            draw_seed=seed % 2**31 if kind is PlanKind.PANEL else None,
        )
        plan = request_and_solve(factory, data, ACTOR, executor="inline", heartbeat=False)
        if plan.job_status is JobStatus.SUCCEEDED:
            with factory() as s:
                fresh = planning.get_plan(s, plan.id)
                planning.publish_plan(s, fresh, fresh.lock_version, ACTOR)
                s.commit()
                published.append(fresh)
        return plan

    for kind, scope in _scopes(factory, today):
        plan = attempt(kind, scope)
        if plan.job_status is JobStatus.SUCCEEDED:
            continue
        if kind is PlanKind.PANEL and plan.job_status is JobStatus.INFEASIBLE:
            # A month that cannot be drawn as one batch is drawn meeting by meeting, in time
            # order; meetings that still cannot be filled keep their diagnosis for the console.
            for code in _meeting_codes(factory, scope):
                single = attempt(kind, f"meeting:{code}")
                if single.job_status is not JobStatus.SUCCEEDED:
                    skipped.append((single.title + f"（{code}）", single.error))
            continue
        # The demo still loads; the plan's diagnosis is printed and kept on the draft.
        skipped.append((plan.title, plan.error))
    return published, skipped


def next_month(today: dt.date) -> dt.date:
    """Return the first day of the month after today's."""
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _scopes(factory: Any, today: dt.date) -> list[tuple[PlanKind, str]]:
    """Return the demo scopes: helpers, draws by month, next month's visits and duty rosters,
    and a year's rotation."""
    scopes: list[tuple[PlanKind, str]] = []
    with factory() as s:
        for kind in solvable_kinds():
            if kind is PlanKind.PANEL:
                starts = s.scalars(select(ReviewMeeting.starts_at)).all()
                months = sorted({f"{t.astimezone(LOCAL_TZ):%Y-%m}" for t in starts})
                scopes += [(kind, f"month:{m}") for m in months]
            elif kind in (PlanKind.VISIT, PlanKind.ROSTER):
                scopes.append((kind, f"month:{next_month(today):%Y-%m}"))
            elif kind is PlanKind.ROTATION:
                first = s.scalar(select(func.min(RotationPeriod.starts_on)))
                if first is not None:
                    scopes.append((kind, f"year:{first.year}"))
            else:
                scopes.append((kind, "city"))
    return scopes


def _meeting_codes(factory: Any, scope: str) -> list[str]:
    """Return the codes of a month scope's meetings in time order."""
    from api.panel_draws import meetings_in_scope

    with factory() as s:
        return [m.code for m in meetings_in_scope(s, scope)]
