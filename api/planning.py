"""Plan lifecycle on a Session: request, cancel, publish, pin, edit, diff; no request objects.

Job-state writes made while a solve runs (heartbeat, progress, cancel flag) are plain UPDATE
statements that do not touch `lock_version`; every change a coordinator can see in the plan's
content or life (assignments, publish, pins, edits, end of the job) bumps it, so a coordinator
acting on a stale copy gets 409 instead of a lost update.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.errors import ApiError
from api.problems import EventSpec, ScopeError, adapter_for, solvable_kinds
from models import (
    Assignment,
    CalendarEvent,
    EventStatus,
    JobStatus,
    Plan,
    PlanKind,
    PlanStatus,
    record,
)
from models.base import utcnow
from scheduler.panels import seed_commitment

FINISHED = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.INFEASIBLE, JobStatus.FAILED, JobStatus.CANCELLED}
)
KIND_ZH = {
    PlanKind.PANEL: "专家抽取",
    PlanKind.CASE_HELPER: "帮办代办",
    PlanKind.VISIT: "VIP 上门服务",
    PlanKind.JOINT_SESSION: "联审调度会",
    PlanKind.ROTATION: "轮岗",
    PlanKind.TRAINING: "轮训",
    PlanKind.ROSTER: "值班",
}
# Fields of an assignment that, when they differ between two versions, make it "moved".
MOVE_FIELDS = (
    "staff_id",
    "expert_id",
    "project_id",
    "review_meeting_id",
    "visit_id",
    "post_id",
    "training_session_id",
    "duty_post_id",
    "shift_type_id",
    "day",
    "starts_at",
    "ends_at",
)


@dataclass(frozen=True)
class PlanRequestData:
    """A coordinator's solve request, validated by the API layer."""

    kind: PlanKind
    scope: str
    title: str
    horizon_start: dt.date
    horizon_end: dt.date
    params: dict[str, Any]
    replan: bool = True
    # Problem-specific settings recorded with the request (e.g. the panel policy, reserves).
    options: dict[str, Any] = field(default_factory=dict)
    # Draws only: the seed to commit to; None draws one from the operating system.
    draw_seed: int | None = None


def get_plan(session: Session, plan_id: int) -> Plan:
    """Return the plan or raise 404."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise ApiError(404, "not_found", f"未找到编号为 {plan_id} 的方案")
    return plan


def published_plan(session: Session, kind: PlanKind, scope: str) -> Plan | None:
    """Return the published plan of a kind and scope, if any."""
    return session.scalar(
        select(Plan).where(
            Plan.kind == kind, Plan.scope == scope, Plan.status == PlanStatus.PUBLISHED
        )
    )


def request_plan(session: Session, data: PlanRequestData, actor: str, executor: str) -> Plan:
    """Create a queued draft plan for the request and record it; the caller commits."""
    if data.kind not in solvable_kinds():
        names = "、".join(KIND_ZH[k] for k in solvable_kinds())
        raise ApiError(
            422, "kind_not_solvable", f"暂不支持求解“{KIND_ZH[data.kind]}”方案，目前支持：{names}"
        )
    if data.horizon_end < data.horizon_start:
        raise ApiError(400, "bad_horizon", "方案结束日期不能早于开始日期")
    adapter = adapter_for(data.kind)
    try:
        adapter.check_scope(session, data.scope)
    except ScopeError as exc:
        raise ApiError(422, "bad_scope", str(exc)) from exc
    # Kinds whose scope is a term (a month of visits) fix the horizon to it.
    fixed = getattr(adapter, "horizon", None)
    if fixed is not None:
        first, last = fixed(data.scope)
        data = replace(data, horizon_start=first, horizon_end=last)
    # Recorded even without re-planning: publishing checks that it is still the published one.
    base = published_plan(session, data.kind, data.scope)
    version = (
        session.scalar(
            select(func.max(Plan.version)).where(Plan.kind == data.kind, Plan.scope == data.scope)
        )
        or 0
    ) + 1
    plan = Plan(
        kind=data.kind,
        scope=data.scope,
        version=version,
        title=data.title or f"{KIND_ZH[data.kind]}方案 第 {version} 版",
        horizon_start=data.horizon_start,
        horizon_end=data.horizon_end,
        based_on=base,
        request={"params": data.params, "replan": data.replan, **data.options},
        executor=executor,
        created_by=actor,
    )
    if data.kind is PlanKind.PANEL:
        # Commit to the draw seed before anything is drawn; seed and salt are revealed after.
        seed = data.draw_seed if data.draw_seed is not None else secrets.randbelow(2**31)
        salt = secrets.token_hex(16)
        plan.seed = seed
        plan.seed_commitment = seed_commitment(seed, salt)
        plan.request = {**plan.request, "salt": salt}
    session.add(plan)
    session.flush()
    record(
        session,
        actor,
        "plan.request",
        "plan",
        plan.id,
        before_id=base.id if base else None,
        after_id=plan.id,
        kind=data.kind.value,
        scope=data.scope,
        params=data.params,
        seed_commitment=plan.seed_commitment,
    )
    return plan


def cancel_plan(session: Session, plan: Plan, actor: str) -> None:
    """Cancel a queued job at once, or ask a running one to stop; the caller commits."""
    if plan.job_status in FINISHED:
        raise ApiError(409, "job_finished", f"求解任务已结束（{plan.job_status.value}），无法取消")
    values: dict[str, Any] = {"cancel_requested": True}
    if plan.job_status is JobStatus.QUEUED:
        values |= {"job_status": JobStatus.CANCELLED, "finished_at": utcnow()}
    # A plain UPDATE guarded by the state read above: a job that finished in between keeps its
    # result, and a running job's heartbeat (which does not bump lock_version) cannot collide.
    done = session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.job_status == plan.job_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ApiError(409, "job_changed", "求解任务状态刚刚发生变化，请刷新后重试")
    record(session, actor, "plan.cancel", "plan", plan.id, was=plan.job_status.value)
    session.expire(plan)


def check_lock(plan: Plan, lock_version: int) -> None:
    """Raise 409 when the caller's copy of the plan is stale."""
    if plan.lock_version != lock_version:
        raise ApiError(
            409,
            "stale_version",
            f"方案已被他人修改（当前版本号 {plan.lock_version}，提交的是 {lock_version}），"
            "请刷新后重试",
            {"current_lock_version": plan.lock_version},
        )


def publish_plan(session: Session, plan: Plan, lock_version: int, actor: str) -> Plan:
    """Publish a succeeded draft atomically: supersede the old one, upsert events, record."""
    check_lock(plan, lock_version)
    if plan.status is not PlanStatus.DRAFT:
        raise ApiError(409, "not_draft", f"只有草稿可以发布，此方案状态为 {plan.status.value}")
    if plan.job_status is JobStatus.INFEASIBLE:
        raise ApiError(
            422,
            "infeasible",
            "此方案无可行解，不能发布",
            {"diagnosis": plan.diagnosis.get("conflicts", [])},
        )
    if plan.job_status is not JobStatus.SUCCEEDED:
        raise ApiError(
            409, "job_not_succeeded", f"求解任务未成功完成（{plan.job_status.value}），不能发布"
        )
    old = published_plan(session, plan.kind, plan.scope)
    if (old.id if old else None) != plan.based_on_id:
        raise ApiError(
            409,
            "base_changed",
            "此草稿生成后，已发布的方案发生了变化；请基于新的已发布方案重新排程",
            {"published_id": old.id if old else None, "based_on_id": plan.based_on_id},
        )
    now = utcnow()
    try:
        if old is not None:
            old.status = PlanStatus.SUPERSEDED
            session.flush()
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = now
        plan.published_by = actor
        session.flush()
        specs = adapter_for(plan.kind).events(session, plan)
        counts = write_events(session, plan, old, specs, now)
        record(
            session,
            actor,
            "plan.publish",
            "plan",
            plan.id,
            before_id=old.id if old else None,
            after_id=plan.id,
            events=counts,
        )
        session.flush()
    except (StaleDataError, IntegrityError, OperationalError) as exc:
        # Another publish of this kind and scope won the race (version check, the one-published
        # index, or SQLite's single writer); nothing of this attempt is kept.
        session.rollback()
        raise ApiError(
            409, "publish_conflict", "另一个发布操作刚刚完成或正在进行，请刷新后重试"
        ) from exc
    return plan


def write_events(
    session: Session, plan: Plan, old: Plan | None, specs: list[EventSpec], now: dt.datetime
) -> dict[str, int]:
    """Upsert the plan's calendar events: same UID keeps its row, changes bump SEQUENCE."""
    existing: dict[tuple[Any, int, str], CalendarEvent] = {}
    if old is not None:
        for ev in session.scalars(select(CalendarEvent).where(CalendarEvent.plan_id == old.id)):
            existing[ev.owner_type, ev.owner_id, ev.uid] = ev
    counts = {"added": 0, "changed": 0, "unchanged": 0, "cancelled": 0}
    wanted = set()
    for spec in specs:
        key = (spec.owner_type, spec.owner_id, spec.uid)
        wanted.add(key)
        ev = existing.get(key) or session.scalar(
            select(CalendarEvent).where(
                CalendarEvent.owner_type == spec.owner_type,
                CalendarEvent.owner_id == spec.owner_id,
                CalendarEvent.uid == spec.uid,
            )
        )
        content = _event_content(spec)
        if ev is None:
            session.add(CalendarEvent(plan_id=plan.id, sequence=0, changed_at=now, **content))
            counts["added"] += 1
        elif any(getattr(ev, k) != v for k, v in content.items()):
            for k, v in content.items():
                setattr(ev, k, v)
            ev.plan_id, ev.sequence, ev.changed_at = plan.id, ev.sequence + 1, now
            counts["changed"] += 1
        else:
            ev.plan_id = plan.id  # the same event, now carried by the new plan; body unchanged
            counts["unchanged"] += 1
    for key, ev in existing.items():
        if key in wanted:
            continue
        if ev.status is not EventStatus.CANCELLED:
            ev.status, ev.sequence, ev.changed_at = EventStatus.CANCELLED, ev.sequence + 1, now
            counts["cancelled"] += 1
        ev.plan_id = plan.id  # cancelled events stay visible for a grace period
    return counts


def _event_content(spec: EventSpec) -> dict[str, Any]:
    """Return the column values an event spec sets."""
    return {
        "owner_type": spec.owner_type,
        "owner_id": spec.owner_id,
        "uid": spec.uid,
        "kind": spec.kind,
        "starts_at": spec.starts_at,
        "ends_at": spec.ends_at,
        "all_day": spec.all_day,
        "title": spec.title,
        "location": spec.location,
        "description": spec.description,
        "status": spec.status,
        "sealed_until": spec.sealed_until,
    }


def set_pin(
    session: Session,
    plan: Plan,
    assignment: Assignment,
    pinned: bool,
    lock_version: int,
    actor: str,
) -> None:
    """Pin or unpin an assignment of a draft or published plan; the caller commits."""
    check_lock(plan, lock_version)
    if plan.status is PlanStatus.SUPERSEDED:
        raise ApiError(409, "superseded", "已被取代的方案不能再锁定或解锁")
    if assignment.pinned == pinned:
        return
    assignment.pinned = pinned
    _touch(session, plan)
    record(
        session,
        actor,
        "assignment.pin" if pinned else "assignment.unpin",
        "assignment",
        assignment.id,
        plan_id=plan.id,
        key=assignment.key,
    )


def edit_assignment(
    session: Session,
    plan: Plan,
    assignment: Assignment,
    staff_id: int,
    lock_version: int,
    actor: str,
) -> None:
    """Give a draft's assignment to another person after re-checking every hard rule."""
    check_lock(plan, lock_version)
    if plan.status is not PlanStatus.DRAFT:
        raise ApiError(409, "not_draft", "已发布的方案不能直接修改，请重新排程或另存为草稿后修改")
    before = assignment.staff_id
    if before == staff_id:
        return
    violations = adapter_for(plan.kind).check_edit(session, plan, assignment, staff_id)
    if violations:
        raise ApiError(
            422,
            "rule_violation",
            "修改违反排程规则：" + "；".join(violations),
            {"violations": violations},
        )
    assignment.staff_id = staff_id
    assignment.explanation = {**assignment.explanation, "manual": True, "summary": "协调员手工调整"}
    _touch(session, plan)
    record(
        session,
        actor,
        "assignment.edit",
        "assignment",
        assignment.id,
        before_id=before,
        after_id=staff_id,
        plan_id=plan.id,
        key=assignment.key,
    )


def _touch(session: Session, plan: Plan) -> None:
    """Mark the plan changed so its version column is checked and bumped on flush."""
    plan.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ApiError(409, "stale_version", "方案已被他人修改，请刷新后重试") from exc


def diff_plans(session: Session, plan: Plan, against: Plan) -> dict[str, Any]:
    """Return assignments added, removed and moved from `against` to `plan`, by business key."""
    if (plan.kind, plan.scope) != (against.kind, against.scope):
        raise ApiError(422, "not_comparable", "只能比较同一类型、同一范围的方案")
    new = {a.key: a for a in plan.assignments}
    old = {a.key: a for a in against.assignments}
    added = [_brief(new[k]) for k in sorted(new.keys() - old.keys())]
    removed = [_brief(old[k]) for k in sorted(old.keys() - new.keys())]
    moved = []
    for k in sorted(new.keys() & old.keys()):
        changed = [f for f in MOVE_FIELDS if getattr(new[k], f) != getattr(old[k], f)]
        if changed:
            moved.append(
                {"key": k, "fields": changed, "before": _brief(old[k]), "after": _brief(new[k])}
            )
    return {
        "plan_id": plan.id,
        "against_id": against.id,
        "added": added,
        "removed": removed,
        "moved": moved,
        "unchanged": len(new.keys() & old.keys()) - len(moved),
    }


def _brief(a: Assignment) -> dict[str, Any]:
    """Return the fields of an assignment a diff shows."""
    out: dict[str, Any] = {"key": a.key, "role": a.role.value, "pinned": a.pinned}
    for f in MOVE_FIELDS:
        value = getattr(a, f)
        if value is not None:
            out[f] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
