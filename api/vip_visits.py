"""VIP visit plans: a month of on-site visits to every major project, and joint-session seats.

Scope `month:YYYY-MM`; the horizon is that month. Each planned visit becomes a `Visit` row with
one assignment per seat (the lead, one chief representative per needed department, business
backbones); each joint-session occurrence one assignment per department seat. Keys are business
keys stable across versions (`visit/XM-001/2026-12/1/chief/zrzyj`), so a re-plan that moves a
visit shows as a move in the diff and as a SEQUENCE bump in calendars, not as a new event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.problems import EventSpec, Solved
from api.visit_load import (
    LOCAL,
    MonthPlan,
    SessionOccurrence,
    build_instance,
    month_of,
    month_plan,
)
from models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    FeedOwner,
    JointSession,
    Plan,
    PlanKind,
    Project,
    Staff,
    VipTeam,
    Visit,
    VisitStatus,
)
from models.meetings import MeetingMode
from models.visits import HalfDay as VisitHalf
from scheduler import visits
from scheduler.runner import CancelToken, ProgressEvent, SolveParams
from scheduler.visit_checks import check_visits

ROLE_ZH = {
    AssignmentRole.VISIT_LEAD: "组长",
    AssignmentRole.VISIT_CHIEF: "首席代表",
    AssignmentRole.VISIT_BACKBONE: "业务骨干",
}


class VisitAdapter:
    """Connect scheduler.visits to the database."""

    kind = PlanKind.VISIT
    label_zh = "VIP上门服务"

    def check_scope(self, session: Session, scope: str) -> None:
        """Accept a month with working days."""
        month_plan(session, scope)

    def horizon(self, scope: str) -> tuple[dt.date, dt.date]:
        """Return the month a scope names: a visit plan always covers one whole month."""
        return month_of(scope)

    def load(self, session: Session, plan: Plan) -> visits.VisitInstance:
        """Return the month's instance with the base plan's confirmed visits pinned."""
        return build_instance(session, plan, month_plan(session, plan.scope))[0]

    def solve(
        self,
        instance: visits.VisitInstance,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Solve with the visit model."""
        result = visits.solve(instance, params, progress=progress, cancel=cancel)
        changes = result.solution.changes if result.solution else None
        return Solved(result.report, result.solution, changes)

    def assignments(
        self, session: Session, plan: Plan, instance: visits.VisitInstance, solved: Solved
    ) -> list[Assignment]:
        """Store the visits and return one assignment per visit seat and session seat."""
        month = month_plan(session, plan.scope)
        solution: visits.VisitSolution = solved.solution
        ctx = _Context(session, instance)
        pinned = {(p.project_id, p.slot) for p in instance.pins}
        rows: list[Assignment] = []
        by_project: dict[int, list[visits.PlannedVisit]] = defaultdict(list)
        for pv in solution.visits:
            by_project[pv.project_id].append(pv)
        for project_id, planned in sorted(by_project.items()):
            project = ctx.projects[project_id]
            for k, pv in enumerate(sorted(planned, key=lambda v: v.slot), start=1):
                half = month.slots[pv.slot]
                visit = Visit(
                    plan_id=plan.id,
                    project_id=project_id,
                    team_id=ctx.team_of.get(project.district_id),
                    day=half.day,
                    slot=VisitHalf.AM if pv.half == "am" else VisitHalf.PM,
                    starts_at=half.start,
                    ends_at=half.end,
                    status=(
                        VisitStatus.CONFIRMED
                        if (project_id, pv.slot) in pinned
                        else VisitStatus.PLANNED
                    ),
                )
                session.add(visit)
                session.flush()
                key = f"visit/{project.code}/{month.first:%Y-%m}/{k}"
                rows.extend(ctx.visit_seats(key, visit, pv, (project_id, pv.slot) in pinned))
        for attendance in solution.sessions:
            occurrence = month.occurrences[attendance.session_id - 1]
            rows.extend(ctx.session_seats(occurrence, attendance))
        return rows

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return visit and session events for members, VIP teams and projects."""
        return _events(session, plan, month_plan(session, plan.scope))

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Re-check the whole draft with the edit applied, with the independent checker."""
        month = month_plan(session, plan.scope)
        instance, _ = build_instance(session, plan, month)
        if staff_id not in {m.id for m in instance.people}:
            return [f"工作人员 {staff_id} 不是在岗的首席代表或业务骨干"]
        seats = {a.id: a.staff_id for a in plan.assignments}
        seats[assignment.id] = staff_id
        return check_visits(instance, solution_of(session, plan, month, instance, seats))


def solution_of(
    session: Session,
    plan: Plan,
    month: MonthPlan,
    instance: visits.VisitInstance,
    seats: dict[int, int | None],
) -> visits.VisitSolution:
    """Rebuild a plan's solution from its rows, with seats (assignment id → staff id) applied.

    Its change count is what the model counts: previous visits not kept with the same slot and
    the same members.
    """
    members: dict[int, list[int]] = defaultdict(list)
    leads: dict[int, int] = {}
    attending: dict[int, list[int]] = defaultdict(list)
    codes = {o.code: i + 1 for i, o in enumerate(month.occurrences)}
    for a in plan.assignments:
        staff_id = seats.get(a.id, a.staff_id)
        if staff_id is None:
            continue
        if a.visit_id is not None:
            members[a.visit_id].append(staff_id)
            if a.role is AssignmentRole.VISIT_LEAD:
                leads[a.visit_id] = staff_id
        elif a.role is AssignmentRole.SESSION_MEMBER:
            attending[codes[a.key.split("/")[1]]].append(staff_id)
    planned = []
    for visit in session.scalars(select(Visit).where(Visit.plan_id == plan.id)):
        half = next(
            h
            for h in month.slots
            if h.day == visit.day and h.slot.value.lower() == visit.slot.value
        )
        planned.append(
            visits.PlannedVisit(
                project_id=visit.project_id,
                slot=month.slot_of(half),
                day=visit.day,
                half=visit.slot.value,
                member_ids=tuple(sorted(members[visit.id])),
                lead_id=leads.get(visit.id, 0),
            )
        )
    kept = {(v.project_id, v.slot, v.member_ids) for v in planned}
    changes = sum(
        (p.project_id, p.slot, tuple(sorted(p.member_ids))) not in kept for p in instance.previous
    )
    return visits.VisitSolution(
        visits=tuple(sorted(planned, key=lambda v: (v.project_id, v.slot))),
        sessions=tuple(
            visits.SessionAttendance(session_id=i, member_ids=tuple(sorted(m)))
            for i, m in sorted(attending.items())
        ),
        changes=changes,
        objective=None,
    )


class _Context:
    """Names and lookups shared while turning a solution into rows."""

    def __init__(self, session: Session, instance: visits.VisitInstance) -> None:
        self.people = {m.id: m for m in instance.people}
        self.projects = {
            p.id: p
            for p in session.scalars(
                select(Project).where(Project.id.in_([p.id for p in instance.projects]))
            )
        }
        self.instance_projects = {p.id: p for p in instance.projects}
        self.departments = {d.id: d for d in session.scalars(select(Department))}
        self.team_of: dict[int, int] = {}
        for team in session.scalars(
            select(VipTeam).where(VipTeam.active.is_(True)).order_by(VipTeam.id)
        ):
            if team.district_id is not None:
                self.team_of.setdefault(team.district_id, team.id)

    def visit_seats(
        self, key: str, visit: Visit, pv: visits.PlannedVisit, pinned: bool
    ) -> list[Assignment]:
        """Return the seats of one visit: lead, a chief per department, backbones."""
        project = self.instance_projects[pv.project_id]
        rows, backbones = [], 0
        for m_id in pv.member_ids:
            m = self.people[m_id]
            dept = self.departments[m.department_id]
            if m.role == "chief":
                seat = f"{key}/chief/{dept.code}"
                role = (
                    AssignmentRole.VISIT_LEAD if m_id == pv.lead_id else AssignmentRole.VISIT_CHIEF
                )
            else:
                backbones += 1
                seat = f"{key}/backbone/{backbones}"
                role = AssignmentRole.VISIT_BACKBONE
            before = m_id in project.previous_member_ids or project.id in m.previous_project_ids
            preferred = pv.day in project.preferred_days
            rows.append(
                Assignment(
                    key=seat,
                    role=role,
                    status=_status(pinned),
                    pinned=pinned,
                    staff_id=m_id,
                    project_id=pv.project_id,
                    visit_id=visit.id,
                    department_id=m.department_id,
                    day=visit.day,
                    starts_at=visit.starts_at,
                    ends_at=visit.ends_at,
                    explanation={
                        "lead": m_id == pv.lead_id,
                        "department": dept.name,
                        "visited_before": before,
                        "preferred_day": preferred,
                        "pinned": pinned,
                        "summary": _why(m, dept.name, role, before, preferred, pinned),
                    },
                )
            )
        return rows

    def session_seats(
        self, occurrence: SessionOccurrence, attendance: visits.SessionAttendance
    ) -> list[Assignment]:
        """Return one seat per department attending a joint-session occurrence."""
        rows = []
        for m_id in attendance.member_ids:
            m = self.people[m_id]
            dept = self.departments[m.department_id]
            rows.append(
                Assignment(
                    key=f"session/{occurrence.code}/{dept.code}",
                    role=AssignmentRole.SESSION_MEMBER,
                    staff_id=m_id,
                    joint_session_id=occurrence.session.id,
                    department_id=m.department_id,
                    day=occurrence.starts_at.astimezone(LOCAL).date(),
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    explanation={
                        "department": dept.name,
                        "summary": f"代表{dept.name}出席（首席代表）",
                    },
                )
            )
        return rows


def _status(pinned: bool) -> AssignmentStatus:
    """Return the response status of a seat: confirmed visits stay confirmed."""
    return AssignmentStatus.CONFIRMED if pinned else AssignmentStatus.PROPOSED


def _why(
    m: visits.VisitPerson,
    department: str,
    role: AssignmentRole,
    before: bool,
    preferred: bool,
    pinned: bool,
) -> str:
    """Return one sentence on why this person sits on this visit."""
    parts = [f"{department}{ROLE_ZH[role]}"]
    if pinned:
        parts.append("已确认的上门，保持不变")
    if before:
        parts.append("此前服务过该项目")
    parts.append("市级人员" if m.district_id is None else "项目所在区县人员")
    if preferred:
        parts.append("企业偏好日")
    return "；".join(parts)


def _events(session: Session, plan: Plan, month: MonthPlan) -> list[EventSpec]:
    """Return the calendar events of a plan's visits and joint-session seats."""
    staff = {
        s.id: s
        for s in session.scalars(
            select(Staff)
            .where(Staff.id.in_({a.staff_id for a in plan.assignments}))
            .options(selectinload(Staff.department))
        )
    }
    by_visit: dict[int, list[Assignment]] = defaultdict(list)
    by_occurrence: dict[str, list[Assignment]] = defaultdict(list)
    for a in plan.assignments:
        if a.visit_id is not None:
            by_visit[a.visit_id].append(a)
        elif a.role is AssignmentRole.SESSION_MEMBER:
            by_occurrence[a.key.split("/")[1]].append(a)
    specs: list[EventSpec] = []
    rows = session.scalars(
        select(Visit)
        .where(Visit.plan_id == plan.id)
        .options(selectinload(Visit.project).selectinload(Project.enterprise))
        .options(selectinload(Visit.project).selectinload(Project.needs))
        .order_by(Visit.id)
    ).all()
    for visit in rows:
        specs.extend(_visit_events(visit, by_visit[visit.id], staff))
    occurrences = {o.code: o for o in month.occurrences}
    for code, seats in sorted(by_occurrence.items()):
        if code in occurrences:
            specs.extend(_session_events(session, occurrences[code], seats, staff))
    return specs


def _visit_events(
    visit: Visit, seats: list[Assignment], staff: dict[int, Staff]
) -> list[EventSpec]:
    """Return one visit's event for every member, its VIP team and its project."""
    p = visit.project
    seats = sorted(seats, key=lambda a: (a.role is not AssignmentRole.VISIT_LEAD, a.key))
    key = seats[0].key.rsplit("/", 2)[0] if seats else f"visit/{p.code}/{visit.id}"
    lead = next((staff[a.staff_id].name for a in seats if a.role is AssignmentRole.VISIT_LEAD), "")
    team = "\n".join(
        f"  {staff[a.staff_id].name}（{staff[a.staff_id].department.name}·{ROLE_ZH[a.role]}）"
        for a in seats
    )
    pending = "、".join(n.item for n in p.needs if n.status.value == "pending") or "无"
    half = "上午" if visit.slot is VisitHalf.AM else "下午"
    description = (
        f"项目：{p.name}（{p.code}）\n企业：{p.enterprise.name}\n"
        f"时间：{visit.day.isoformat()} {half}\n地点：{p.address or '项目现场'}\n"
        f"组长（联系人）：{lead}\n服务团队：\n{team}\n待办审批事项：{pending}"
    )
    common = dict(
        uid=f"{key}@zerodistance",
        kind="visit",
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        location=p.address,
        description=description,
    )
    specs = [
        EventSpec(FeedOwner.STAFF, a.staff_id, title=f"VIP上门服务：{p.name}", **common)
        for a in seats
    ]
    specs.append(
        EventSpec(FeedOwner.PROJECT, p.id, title=f"VIP服务团队上门（组长 {lead}）", **common)
    )
    if visit.team_id is not None:
        specs.append(
            EventSpec(FeedOwner.VIP_TEAM, visit.team_id, title=f"上门服务：{p.name}", **common)
        )
    return specs


def _session_events(
    session: Session,
    occurrence: SessionOccurrence,
    seats: list[Assignment],
    staff: dict[int, Staff],
) -> list[EventSpec]:
    """Return a joint-session occurrence's event for every attendee and every project on it."""
    js: JointSession = occurrence.session
    video = js.mode is MeetingMode.VIDEO
    attendees = "\n".join(
        f"  {staff[a.staff_id].department.name}：{staff[a.staff_id].name}"
        for a in sorted(seats, key=lambda a: a.key)
    )
    projects = "、".join(p.name for p in sorted(js.projects, key=lambda p: p.code)) or "无"
    description = (
        f"{'远程视频' if video else '现场'}会议\n出席部门：\n{attendees}\n"
        f"涉及项目：{projects}" + (f"\n说明：{js.note}" if js.note else "")
    )
    common = dict(
        uid=f"session/{occurrence.code}@zerodistance",
        kind="joint_session",
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        location=js.location,
        description=description,
    )
    specs = [EventSpec(FeedOwner.STAFF, a.staff_id, title=js.title, **common) for a in seats]
    specs.extend(EventSpec(FeedOwner.PROJECT, p.id, title=js.title, **common) for p in js.projects)
    return specs
