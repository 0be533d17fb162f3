"""Expert-panel plans: load meetings and the pool, store seats and reserves, publish sealed events.

Scopes: `meeting:<code>` draws one review meeting; `month:<YYYY-MM>` draws every requested
meeting starting in that month together (one solve balances load across the batch).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.problems import EventSpec, ScopeError, Solved
from models import (
    Absence,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventStatus,
    Expert,
    ExpertStatus,
    FeedOwner,
    MeetingStatus,
    Plan,
    PlanKind,
    PlanStatus,
    ReviewMeeting,
    Specialty,
)
from scheduler import panels
from scheduler.runner import CancelToken, Conflict, ProgressEvent, SolveParams, SolveStatus

LOCAL = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"^month:(\d{4})-(\d{2})$")
MEETING = re.compile(r"^meeting:(\S+)$")
REASON_KIND = {
    "former_employer": "former_employer",
    "worked_with": "worked_with",
    "declared_relation": "declared_relation",
}


def minutes(at: dt.datetime) -> int:
    """Return whole minutes since the epoch of an aware instant."""
    return int(at.timestamp() // 60)


def local_day(at: dt.datetime) -> int:
    """Return the ordinal of the Beijing date of an instant."""
    return at.astimezone(LOCAL).date().toordinal()


def meetings_in_scope(session: Session, scope: str) -> list[ReviewMeeting]:
    """Return the meetings a scope covers, or raise ScopeError naming the problem."""
    opts = selectinload(ReviewMeeting.seats)
    if m := MEETING.match(scope):
        meeting = session.scalar(
            select(ReviewMeeting).where(ReviewMeeting.code == m.group(1)).options(opts)
        )
        if meeting is None:
            raise ScopeError(f"未找到评审会 {m.group(1)}")
        if meeting.status is MeetingStatus.CANCELLED:
            raise ScopeError(f"评审会 {meeting.code} 已取消")
        return [meeting]
    if m := MONTH.match(scope):
        year, month = int(m.group(1)), int(m.group(2))
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise ScopeError(f"月份无效：{scope}")
        first = dt.datetime(year, month, 1, tzinfo=LOCAL)
        after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL)
        rows = session.scalars(
            select(ReviewMeeting)
            .where(
                ReviewMeeting.starts_at >= first,
                ReviewMeeting.starts_at < after,
                ReviewMeeting.status != MeetingStatus.CANCELLED,
            )
            .options(opts)
            .order_by(ReviewMeeting.starts_at, ReviewMeeting.code)
        ).all()
        if not rows:
            raise ScopeError(f"{year} 年 {month} 月没有待抽取专家的评审会")
        return list(rows)
    raise ScopeError(f"专家抽取的范围应为 meeting:<会议编号> 或 month:<YYYY-MM>，收到 {scope!r}")


class PanelAdapter:
    """Connect scheduler.panels to the database."""

    kind = PlanKind.PANEL
    label_zh = "专家抽取"

    def check_scope(self, session: Session, scope: str) -> None:
        """Accept a known meeting or a month with meetings."""
        meetings_in_scope(session, scope)

    def load(self, session: Session, plan: Plan) -> panels.PanelInstance:
        """Return the draw instance: meetings, pool, avoidance, history, confirmed and declined."""
        meetings = meetings_in_scope(session, plan.scope)
        ids = {m.id for m in meetings}
        experts = session.scalars(
            select(Expert)
            .options(selectinload(Expert.specialties), selectinload(Expert.conflicts))
            .order_by(Expert.expert_no)
        ).all()
        busy: dict[int, list[panels.Interval]] = defaultdict(list)
        for a in session.scalars(select(Absence).where(Absence.expert_id.is_not(None))):
            busy[a.expert_id].append(
                panels.Interval(
                    start=minutes(a.starts_at), end=minutes(a.ends_at), reason="unavailable"
                )
            )
        history, matters = self._published_panels(session, ids, busy)
        confirmed, declined = self._responses(plan)
        policy = panels.PanelPolicy(**plan.request.get("policy", {}))
        names = {s.id: s.name for s in session.scalars(select(Specialty))}
        return panels.PanelInstance(
            meetings=tuple(
                panels.PanelMeeting(
                    id=m.id,
                    code=m.code,
                    matter_code=m.matter_code,
                    applicant_id=m.applicant_id,
                    pool_level=m.pool_level.value,
                    district_id=m.district_id,
                    mode=m.mode.value,
                    start=minutes(m.starts_at),
                    end=minutes(m.ends_at),
                    day=local_day(m.starts_at),
                    seats={s.specialty_id: s.count for s in m.seats},
                    reserves=plan.request.get("reserves", m.reserves_wanted),
                    confirmed=confirmed.get(m.id, {}),
                    declined=frozenset(declined.get(m.id, ())),
                )
                for m in meetings
            ),
            experts=tuple(
                panels.PanelExpert(
                    id=e.id,
                    name=e.name,
                    pool_level=e.pool_level.value,
                    district_id=e.district_id,
                    employer_id=e.employer_id,
                    active=e.status is ExpertStatus.ACTIVE,
                    specialties={s.specialty_id: s.depth for s in e.specialties},
                    years=e.years_experience,
                    busy=tuple(busy.get(e.id, ())),
                    ties=tuple(
                        panels.Tie(
                            organisation_id=c.organisation_id,
                            kind=REASON_KIND[c.kind.value],
                            until_day=c.until.toordinal() if c.until else None,
                        )
                        for c in e.conflicts
                    ),
                    matters=frozenset(matters.get(e.id, ())),
                    history=tuple(history.get(e.id, ())),
                )
                for e in experts
            ),
            policy=policy,
            seed=plan.seed or 0,
            specialty_names=names,
        )

    def _published_panels(
        self, session: Session, drawn: set[int], busy: dict[int, list[panels.Interval]]
    ) -> tuple[dict[int, list[panels.PastPanel]], dict[int, set[str]]]:
        """Return past panels per expert, and the matters each took part in, from other plans."""
        rows = session.execute(
            select(Assignment, ReviewMeeting)
            .join(Plan, Assignment.plan_id == Plan.id)
            .join(ReviewMeeting, Assignment.review_meeting_id == ReviewMeeting.id)
            .where(
                Plan.kind == PlanKind.PANEL,
                Plan.status == PlanStatus.PUBLISHED,
                Assignment.role == AssignmentRole.PANEL_MEMBER,
                Assignment.status != AssignmentStatus.DECLINED,
                Assignment.expert_id.is_not(None),
            )
        ).all()
        history: dict[int, list[panels.PastPanel]] = defaultdict(list)
        matters: dict[int, set[str]] = defaultdict(set)
        for a, m in rows:
            if m.id in drawn:
                continue
            history[a.expert_id].append(
                panels.PastPanel(day=local_day(m.starts_at), applicant_id=m.applicant_id)
            )
            matters[a.expert_id].add(m.matter_code)
            busy[a.expert_id].append(
                panels.Interval(
                    start=minutes(m.starts_at), end=minutes(m.ends_at), reason="unavailable"
                )
            )
        return history, matters

    def _responses(self, plan: Plan) -> tuple[dict[int, dict[int, int]], dict[int, set[int]]]:
        """Return who confirmed (kept) and who declined, per meeting, from the base plan."""
        confirmed: dict[int, dict[int, int]] = defaultdict(dict)
        declined: dict[int, set[int]] = defaultdict(set)
        if plan.based_on is None or not plan.request.get("replan", True):
            return confirmed, declined
        for a in plan.based_on.assignments:
            if a.review_meeting_id is None or a.expert_id is None:
                continue
            if a.status is AssignmentStatus.DECLINED:
                declined[a.review_meeting_id].add(a.expert_id)
            elif a.role is AssignmentRole.PANEL_MEMBER and (
                a.status is AssignmentStatus.CONFIRMED or a.pinned
            ):
                confirmed[a.review_meeting_id][a.expert_id] = a.specialty_id
        return confirmed, declined

    def solve(
        self,
        instance: panels.PanelInstance,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Draw with the panel model, or by lottery under a probability cap."""
        if instance.policy.probability_cap is not None:
            return solve_capped(instance, params)
        result = panels.solve(instance, params, progress=progress, cancel=cancel)
        return Solved(result.report, result.solution, None)

    def assignments(
        self, session: Session, plan: Plan, instance: panels.PanelInstance, solved: Solved
    ) -> list[Assignment]:
        """Return one row per seat and per reserve, with the meetings' times."""
        ids = [m.id for m in instance.meetings]
        timing = {
            m.id: (m.starts_at, m.ends_at)
            for m in session.scalars(select(ReviewMeeting).where(ReviewMeeting.id.in_(ids)))
        }
        return panel_rows(instance, solved.solution, timing)

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return a sealed event in each panel member's own calendar (reserves get none)."""
        meetings = {
            m.id: m
            for m in session.scalars(
                select(ReviewMeeting).where(
                    ReviewMeeting.id.in_({a.review_meeting_id for a in plan.assignments})
                )
            )
        }
        specs = []
        for a in plan.assignments:
            if a.role is not AssignmentRole.PANEL_MEMBER or a.status is AssignmentStatus.DECLINED:
                continue
            m = meetings[a.review_meeting_id]
            specs.append(
                EventSpec(
                    FeedOwner.EXPERT,
                    a.expert_id,
                    uid=f"panel/{m.code}/expert/{a.expert_id}@zerodistance",
                    kind="panel",
                    starts_at=m.starts_at,
                    ends_at=m.ends_at,
                    title=f"专家评审会：{m.matter}",
                    location=m.location if m.mode.value == "on_site" else "远程视频会议",
                    description=(
                        f"会议编号：{m.code}\n审批事项：{m.matter}\n"
                        "名单在会议开始前保密，请勿外传。"
                    ),
                    status=EventStatus.CONFIRMED,
                    sealed_until=m.starts_at,
                )
            )
        return specs

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Refuse manual changes: a draw is changed only by declines and re-draws."""
        return ["专家抽取结果不能手工改派，请登记谢绝后由候补递补或重新抽取"]


def solve_capped(instance: panels.PanelInstance, params: SolveParams) -> Solved:
    """Draw by lottery and report its price: largest marginal and expected share of the optimum."""
    from scheduler.panel_lottery import capped_draw

    q = instance.policy.probability_cap
    result = capped_draw(instance, q, params)
    extra = {
        "probability_cap": q,
        "max_marginal": round(result.max_marginal, 6),
        "expected_affinity": result.expected_affinity,
        "optimum": result.optimum,
        "fraction_of_optimum": round(result.fraction, 6),
        "attempts": result.attempts,
        "lottery_status": result.status,
    }
    report = result.report
    if result.status == "infeasible":
        diagnosis = report.diagnosis or [Conflict(name="probability_cap", detail=result.message)]
        report = report.model_copy(
            update={"status": SolveStatus.INFEASIBLE, "diagnosis": diagnosis}
        )
    elif result.status != "ok":
        report = report.model_copy(update={"status": SolveStatus.UNKNOWN})
        extra["message"] = result.message
    return Solved(report, result.solution if result.status == "ok" else None, None, extra)


def panel_rows(
    instance: panels.PanelInstance,
    solution: panels.PanelSolution,
    timing: dict[int, tuple[dt.datetime, dt.datetime]],
) -> list[Assignment]:
    """Return one row per seat and per reserve, keyed by meeting, specialty and seat number."""
    meetings = {m.id: m for m in instance.meetings}
    rows: list[Assignment] = []
    for m_id, seats in solution.panels.items():
        m = meetings[m_id]
        starts_at, ends_at = timing.get(m_id, (None, None))
        number: dict[int, int] = defaultdict(int)
        for seat in seats:
            number[seat.specialty_id] += 1
            kept = m.confirmed.get(seat.expert_id) == seat.specialty_id
            rows.append(
                Assignment(
                    key=f"panel/{m.code}/{seat.specialty_id}/{number[seat.specialty_id]}",
                    role=AssignmentRole.PANEL_MEMBER,
                    status=AssignmentStatus.CONFIRMED if kept else AssignmentStatus.PROPOSED,
                    pinned=kept,
                    expert_id=seat.expert_id,
                    review_meeting_id=m_id,
                    specialty_id=seat.specialty_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    explanation={"summary": seat.why, "affinity": seat.affinity},
                )
            )
        for reserve in solution.reserves.get(m_id, ()):
            rows.append(
                Assignment(
                    key=f"panel/{m.code}/reserve/{reserve.rank}",
                    role=AssignmentRole.PANEL_RESERVE,
                    expert_id=reserve.expert_id,
                    review_meeting_id=m_id,
                    reserve_rank=reserve.rank,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    explanation={
                        "summary": f"第 {reserve.rank} 候补",
                        "specialties": list(reserve.specialties),
                    },
                )
            )
    return rows
