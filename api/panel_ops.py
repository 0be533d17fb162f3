"""Drawn panels: sealing, seed reveal, replay, confirmations, and declines with reserves."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import planning
from api.errors import ApiError
from models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    JobStatus,
    Plan,
    PlanKind,
    PlanStatus,
    ReviewMeeting,
    record,
)
from models.base import utcnow
from scheduler import panels
from scheduler.runner import SolveParams

COORDINATOR_RANK = 2


def panel_plan(session: Session, plan_id: int) -> Plan:
    """Return a panel plan or raise 404."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.kind is not PlanKind.PANEL:
        raise ApiError(404, "not_found", f"未找到编号为 {plan_id} 的专家抽取")
    return plan


def unsealed(meeting: ReviewMeeting) -> bool:
    """Return whether the meeting has started, after which its panel is no longer sealed."""
    return utcnow() >= meeting.starts_at


def seed_revealed(session: Session, plan: Plan, rank: int) -> bool:
    """Reveal the seed to coordinators once drawn, to everyone once every meeting started."""
    if plan.job_status not in (JobStatus.SUCCEEDED, JobStatus.INFEASIBLE):
        return False
    if rank >= COORDINATOR_RANK:
        return True
    instance = plan.request.get("instance") or {}
    ids = [m["id"] for m in instance.get("meetings", [])]
    pending = session.scalar(
        select(func.count())
        .select_from(ReviewMeeting)
        .where(ReviewMeeting.id.in_(ids), ReviewMeeting.starts_at > utcnow())
    )
    return bool(ids) and not pending


def _instance(plan: Plan) -> panels.PanelInstance:
    """Return the instance recorded when the plan was drawn."""
    recorded = plan.request.get("instance")
    if recorded is None:
        raise ApiError(409, "no_inputs", "此抽取没有记录输入，无法复核")
    return panels.PanelInstance.model_validate(recorded)


def exclusion_counts(plan: Plan) -> dict[str, dict[str, int]]:
    """Return, per meeting code, how many experts each avoidance rule excluded."""
    if plan.request.get("instance") is None:
        return {}
    instance = _instance(plan)
    screening = panels.screen(instance)
    return {
        m.code: dict(Counter(screening.excluded[m.id].values()).most_common())
        for m in instance.meetings
    }


def _drawn(assignments: list[Assignment]) -> dict[str, list[tuple[Any, ...]]]:
    """Return members and reserves of a set of assignments in comparable form."""
    members = sorted(
        (a.review_meeting_id, a.specialty_id, a.expert_id)
        for a in assignments
        if a.role is AssignmentRole.PANEL_MEMBER and a.status is not AssignmentStatus.DECLINED
    )
    reserves = sorted(
        (a.review_meeting_id, a.reserve_rank, a.expert_id)
        for a in assignments
        if a.role is AssignmentRole.PANEL_RESERVE
    )
    return {"members": members, "reserves": reserves}


def replay(plan: Plan) -> dict[str, Any]:
    """Re-solve the recorded inputs with the recorded seed and settings; compare the panels."""
    from api.panel_draws import panel_rows, solve_capped

    instance = _instance(plan)
    params = SolveParams(**plan.request.get("params", {}))
    if instance.policy.probability_cap is not None:
        result = solve_capped(instance, params)
    else:
        result = panels.solve(instance, params)
    recorded = _drawn(list(plan.assignments))
    status = result.report.status.value
    if result.solution is None:
        return {
            "identical": False,
            "recorded_solver_version": plan.solver_version,
            "solver_version": result.report.solver_version,
            "status": status,
            "differences": [{"what": "replay found no solution", "status": status}],
        }
    rows = panel_rows(instance, result.solution, {})
    replayed = _drawn(rows)
    differences = []
    for part in ("members", "reserves"):
        gone = sorted(set(recorded[part]) - set(replayed[part]))
        new = sorted(set(replayed[part]) - set(recorded[part]))
        if gone or new:
            differences.append({"what": part, "recorded_only": gone, "replayed_only": new})
    return {
        "identical": not differences,
        "recorded_solver_version": plan.solver_version,
        "solver_version": result.report.solver_version,
        "status": status,
        "differences": differences,
    }


def published_for(session: Session, meeting: ReviewMeeting) -> Plan:
    """Return the published plan holding the meeting's panel, or raise 404."""
    plan = session.scalar(
        select(Plan)
        .join(Assignment, Assignment.plan_id == Plan.id)
        .where(
            Plan.kind == PlanKind.PANEL,
            Plan.status == PlanStatus.PUBLISHED,
            Assignment.review_meeting_id == meeting.id,
        )
        .order_by(Plan.published_at.desc())
        .limit(1)
    )
    if plan is None:
        raise ApiError(404, "not_drawn", f"评审会 {meeting.code} 尚未发布专家组")
    return plan


def _seat_of(plan: Plan, meeting: ReviewMeeting, expert_id: int) -> Assignment:
    """Return the expert's live seat on the meeting's panel, or raise 404."""
    for a in plan.assignments:
        if (
            a.review_meeting_id == meeting.id
            and a.expert_id == expert_id
            and a.role is AssignmentRole.PANEL_MEMBER
            and a.status is not AssignmentStatus.DECLINED
        ):
            return a
    raise ApiError(404, "not_on_panel", f"专家 {expert_id} 不在评审会 {meeting.code} 的专家组中")


def confirm(session: Session, meeting: ReviewMeeting, expert_id: int, actor: str) -> None:
    """Record that an expert confirmed; a confirmed seat is kept by any re-draw."""
    plan = published_for(session, meeting)
    seat = _seat_of(plan, meeting, expert_id)
    if seat.status is AssignmentStatus.CONFIRMED:
        return
    seat.status = AssignmentStatus.CONFIRMED
    seat.pinned = True
    plan.updated_at = utcnow()
    record(
        session,
        actor,
        "panel.confirm",
        "assignment",
        seat.id,
        expert_id=expert_id,
        meeting=meeting.code,
        plan_id=plan.id,
    )
    session.flush()


def decline(
    session: Session, meeting: ReviewMeeting, expert_id: int, reason: str, actor: str
) -> tuple[int | None, int]:
    """Record a decline; give the seat to the next valid reserve and publish, if there is one."""
    plan = published_for(session, meeting)
    seat = _seat_of(plan, meeting, expert_id)
    seat.status = AssignmentStatus.DECLINED
    record(
        session,
        actor,
        "panel.decline",
        "assignment",
        seat.id,
        before_id=expert_id,
        meeting=meeting.code,
        plan_id=plan.id,
        reason=reason,
    )
    session.flush()
    instance = _instance(plan)
    reserves = sorted(
        (
            a
            for a in plan.assignments
            if a.review_meeting_id == meeting.id and a.role is AssignmentRole.PANEL_RESERVE
        ),
        key=lambda a: a.reserve_rank or 0,
    )
    for reserve in reserves:
        if seat.specialty_id not in reserve.explanation.get("specialties", []):
            continue
        if _valid_with(instance, plan, meeting, seat, reserve):
            new = _replacement_plan(session, plan, meeting, seat, reserve, actor)
            record(
                session,
                actor,
                "panel.replace",
                "assignment",
                seat.id,
                before_id=expert_id,
                after_id=reserve.expert_id,
                meeting=meeting.code,
                plan_id=new.id,
            )
            return reserve.expert_id, new.id
    return None, plan.id


def _valid_with(
    instance: panels.PanelInstance,
    plan: Plan,
    meeting: ReviewMeeting,
    seat: Assignment,
    reserve: Assignment,
) -> bool:
    """Return whether the panel with the reserve in the seat passes every rule of the draw."""
    from scheduler.checks import check_panels  # the independent checker, not the model

    experts = {e.id: e for e in instance.experts}
    declined = {
        m.id: set(m.declined)
        | {
            a.expert_id
            for a in plan.assignments
            if a.review_meeting_id == m.id and a.status is AssignmentStatus.DECLINED
        }
        for m in instance.meetings
    }
    meetings = tuple(
        m.model_copy(update={"declined": frozenset(declined[m.id]), "reserves": 0})
        for m in instance.meetings
    )
    checked = instance.model_copy(update={"meetings": meetings})
    seats: dict[int, list[panels.Seat]] = defaultdict(list)
    for a in plan.assignments:
        if a.role is not AssignmentRole.PANEL_MEMBER or a.status is AssignmentStatus.DECLINED:
            continue
        seats[a.review_meeting_id].append(
            _seat(instance, experts, a.review_meeting_id, a.expert_id, a.specialty_id)
        )
    seats[meeting.id].append(
        _seat(instance, experts, meeting.id, reserve.expert_id, seat.specialty_id)
    )
    sums = [sum(x.affinity for x in s) for s in seats.values()]
    solution = panels.PanelSolution(
        panels={m.id: tuple(seats.get(m.id, ())) for m in instance.meetings},
        reserves={m.id: () for m in instance.meetings},
        affinity=sum(sums),
        worst_panel=min(sums) if sums else None,
    )
    return check_panels(checked, solution).ok


def _seat(
    instance: panels.PanelInstance,
    experts: dict[int, panels.PanelExpert],
    meeting_id: int,
    expert_id: int,
    specialty_id: int,
) -> panels.Seat:
    """Return a seat with the affinity the draw would give it."""
    if instance.scores is not None:
        row = [m.id for m in instance.meetings].index(meeting_id)
        col = [e.id for e in instance.experts].index(expert_id)
        points = instance.scores[row][col]
    else:
        points = panels.affinity(experts[expert_id], specialty_id)
    return panels.Seat(expert_id=expert_id, specialty_id=specialty_id, affinity=points)


def _replacement_plan(
    session: Session,
    plan: Plan,
    meeting: ReviewMeeting,
    seat: Assignment,
    reserve: Assignment,
    actor: str,
) -> Plan:
    """Publish a new version where the reserve holds the declined seat."""
    version = (
        session.scalar(
            select(func.max(Plan.version)).where(Plan.kind == plan.kind, Plan.scope == plan.scope)
        )
        or 0
    ) + 1
    new = Plan(
        kind=plan.kind,
        scope=plan.scope,
        version=version,
        title=f"{plan.title}（{meeting.code} 候补递补）",
        horizon_start=plan.horizon_start,
        horizon_end=plan.horizon_end,
        based_on=plan,
        request=plan.request,
        report={
            **plan.report,
            "replacement": {
                "meeting": meeting.code,
                "declined": seat.expert_id,
                "replaced_by": reserve.expert_id,
            },
        },
        seed=plan.seed,
        seed_commitment=plan.seed_commitment,
        solver_version=plan.solver_version,
        job_status=JobStatus.SUCCEEDED,
        executor="decline",
        created_by=actor,
        started_at=utcnow(),
        finished_at=utcnow(),
    )
    copy_fields = (
        "role",
        "status",
        "pinned",
        "staff_id",
        "expert_id",
        "review_meeting_id",
        "specialty_id",
        "reserve_rank",
        "day",
        "starts_at",
        "ends_at",
        "explanation",
    )
    for a in plan.assignments:
        if a.id == reserve.id:
            continue  # the reserve moves into the seat
        row = Assignment(key=a.key, **{f: getattr(a, f) for f in copy_fields})
        if a.id == seat.id:
            # The seat keeps its key and goes to the reserve; the decline stays on record.
            row.expert_id = reserve.expert_id
            row.status = AssignmentStatus.PROPOSED
            row.pinned = False
            row.explanation = {"summary": f"第 {reserve.reserve_rank} 候补递补（原专家谢绝）"}
            new.assignments.append(
                Assignment(
                    key=f"panel/{meeting.code}/declined/{seat.expert_id}",
                    **{f: getattr(a, f) for f in copy_fields},
                )
            )
        new.assignments.append(row)
    session.add(new)
    session.flush()
    planning.publish_plan(session, new, new.lock_version, actor)
    return new
