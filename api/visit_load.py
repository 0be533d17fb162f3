"""Build the VIP visit instance of a month from the database: slots, people, projects, sessions.

The horizon is the month's working days (调休 included) in half-day slots (scheduler.workdays).
A person is unavailable in a slot that overlaps their leave or any timed event already published
for them by another kind of plan (a duty, a training sitting); all-day events such as a case
helper's term do not block. Joint sessions meeting in the month are expanded from their RRULE
(a fortnightly dispatch meeting becomes two occurrences); an occurrence that falls on a day off
is left out and named in the instance notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.problems import ScopeError
from models import (
    Absence,
    Assignment,
    AssignmentRole,
    CalendarEvent,
    Department,
    District,
    DistrictAdjacency,
    EnterpriseDay,
    EventStatus,
    FeedOwner,
    JointSession,
    NeedStatus,
    Plan,
    PlanKind,
    PlanStatus,
    Project,
    Staff,
    StaffRole,
    StaffRoleGrant,
    Visit,
)
from models.meetings import MeetingMode
from models.projects import DayPreference
from scheduler import visits
from scheduler.workdays import HalfDay, Slot, WorkCalendar

LOCAL = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"^month:(\d{4})-(\d{2})$")
VISIT_ROLES = (AssignmentRole.VISIT_LEAD, AssignmentRole.VISIT_CHIEF, AssignmentRole.VISIT_BACKBONE)
DEFAULT_BACKBONES = 1

# Preferred and blocked days by enterprise id.
Windows = dict[int, dict[DayPreference, set[dt.date]]]


def month_of(scope: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a `month:YYYY-MM` scope, or raise ScopeError."""
    m = MONTH.match(scope)
    if m is None:
        raise ScopeError(f"VIP上门服务方案的范围应为 month:<YYYY-MM>，收到 {scope!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ScopeError(f"月份无效：{scope}")
    first = dt.date(year, month, 1)
    after = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, after - dt.timedelta(days=1)


@dataclass(frozen=True)
class SessionOccurrence:
    """One meeting of a joint session in the month, with its instant range."""

    session: JointSession
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def code(self) -> str:
        """Return the business code of the occurrence: session id and local date."""
        return f"S{self.session.id}-{self.starts_at.astimezone(LOCAL).date():%Y%m%d}"


@dataclass
class MonthPlan:
    """The slots of a month and what the instance was built from, for storing the solution."""

    first: dt.date
    last: dt.date
    slots: list[HalfDay]
    occurrences: list[SessionOccurrence]
    notes: list[str] = field(default_factory=list)

    def slot_of(self, half: HalfDay) -> int:
        """Return the index of a half-day slot."""
        return self.slots.index(half)


def month_plan(session: Session, scope: str) -> MonthPlan:
    """Return the month's working half-day slots and the joint sessions meeting in it."""
    first, last = month_of(scope)
    slots = WorkCalendar().working_slots(first, last)
    if not slots:
        raise ScopeError(f"{first:%Y 年 %m 月}没有工作日")
    plan = MonthPlan(first, last, slots, [])
    begin = dt.datetime.combine(first, dt.time(), LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL)
    rows = session.scalars(
        select(JointSession)
        .options(selectinload(JointSession.departments), selectinload(JointSession.projects))
        .order_by(JointSession.id)
    ).all()
    working = {h.day for h in slots}
    for js in rows:
        length = js.ends_at - js.starts_at
        for start in _starts(js, begin, end):
            day = start.astimezone(LOCAL).date()
            if day not in working:
                plan.notes.append(f"{js.title} {day.isoformat()} 不是工作日，本次不安排")
                continue
            plan.occurrences.append(SessionOccurrence(js, start, start + length))
    plan.occurrences.sort(key=lambda o: (o.starts_at, o.session.id))
    return plan


def _starts(js: JointSession, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Return the local start instants of a session within [begin, end)."""
    first = js.starts_at.astimezone(LOCAL)
    if not js.recurrence:
        return [first] if begin <= first < end else []
    rule = rrulestr(js.recurrence, dtstart=first)
    return list(rule.between(begin, end, inc=True))


def slots_overlapping(month: MonthPlan, start: dt.datetime, end: dt.datetime) -> set[int]:
    """Return the indices of the slots an instant range overlaps."""
    return {i for i, h in enumerate(month.slots) if h.start < end and start < h.end}


def build_instance(
    session: Session, plan: Plan, month: MonthPlan
) -> tuple[visits.VisitInstance, dict[int, Project]]:
    """Return the visit instance of the month and the projects by id."""
    backbones = int(plan.request.get("visit", {}).get("backbones", DEFAULT_BACKBONES))
    days = sorted({h.day for h in month.slots})
    projects = {
        p.id: p
        for p in session.scalars(
            select(Project)
            .where(Project.is_major.is_(True), Project.visits_per_month > 0)
            .options(selectinload(Project.needs), selectinload(Project.enterprise))
            .order_by(Project.code)
        )
    }
    people = _people(session)
    busy = _busy(session, month, set(people))
    previous_members = _previous_members(session, set(projects))
    base = plan.based_on if plan.request.get("replan", True) else None
    pins, previous = _base_visits(session, base, month, people, busy) if base else ((), ())
    windows = _enterprise_windows(session, month)
    department_ids = {d.id for d in session.scalars(select(Department))}
    instance = visits.VisitInstance(
        days=tuple(days),
        districts=_districts(session),
        departments=tuple(
            visits.Department(id=d.id, name=d.name)
            for d in session.scalars(select(Department).order_by(Department.id))
        ),
        people=tuple(
            visits.VisitPerson(
                id=s.id,
                name=s.name,
                department_id=s.department_id,
                role=role,
                district_id=s.district_id,
                can_lead=role == "chief",
                unavailable_slots=frozenset(busy.get(s.id, ())),
            )
            for s, role in people.values()
        ),
        projects=tuple(
            _project(p, backbones, windows, previous_members, department_ids)
            for p in projects.values()
        ),
        sessions=tuple(_occurrence(o, i, month) for i, o in enumerate(month.occurrences)),
        pins=pins,
        previous=previous,
    )
    return instance, projects


def _districts(session: Session) -> tuple[visits.District, ...]:
    """Return every district with its neighbours."""
    near: dict[int, set[int]] = {}
    for a, b in session.execute(
        select(DistrictAdjacency.district_id, DistrictAdjacency.neighbour_id)
    ):
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    return tuple(
        visits.District(id=d.id, name=d.name, adjacent=frozenset(near.get(d.id, ())))
        for d in session.scalars(select(District).order_by(District.id))
    )


def _people(session: Session) -> dict[int, tuple[Staff, str]]:
    """Return active chief representatives and business backbones with their visit role."""
    rows = session.execute(
        select(Staff, StaffRoleGrant.role)
        .join(StaffRoleGrant)
        .where(
            Staff.active.is_(True),
            StaffRoleGrant.role.in_([StaffRole.CHIEF_REPRESENTATIVE, StaffRole.BUSINESS_BACKBONE]),
        )
        .order_by(Staff.id)
    ).all()
    people: dict[int, tuple[Staff, str]] = {}
    for staff, role in rows:
        # A chief who is also a backbone serves as chief: the scarcer seat.
        if role is StaffRole.CHIEF_REPRESENTATIVE or staff.id not in people:
            people[staff.id] = (
                staff,
                "chief" if role is StaffRole.CHIEF_REPRESENTATIVE else "backbone",
            )
    return people


def _busy(session: Session, month: MonthPlan, staff_ids: set[int]) -> dict[int, set[int]]:
    """Return the slots each person is away (leave) or on another published timed duty."""
    begin, end = month.slots[0].start, month.slots[-1].end
    busy: dict[int, set[int]] = {}
    for staff_id, start, stop in session.execute(
        select(Absence.staff_id, Absence.starts_at, Absence.ends_at).where(
            Absence.staff_id.in_(staff_ids), Absence.starts_at < end, Absence.ends_at > begin
        )
    ):
        busy.setdefault(staff_id, set()).update(slots_overlapping(month, start, stop))
    visit_plans = select(Plan.id).where(Plan.kind == PlanKind.VISIT)
    for owner_id, start, stop in session.execute(
        select(CalendarEvent.owner_id, CalendarEvent.starts_at, CalendarEvent.ends_at).where(
            CalendarEvent.owner_type == FeedOwner.STAFF,
            CalendarEvent.owner_id.in_(staff_ids),
            CalendarEvent.all_day.is_(False),
            CalendarEvent.status != EventStatus.CANCELLED,
            CalendarEvent.starts_at < end,
            CalendarEvent.ends_at > begin,
            CalendarEvent.plan_id.not_in(visit_plans),
        )
    ):
        busy.setdefault(owner_id, set()).update(slots_overlapping(month, start, stop))
    return busy


def _previous_members(session: Session, project_ids: set[int]) -> dict[int, set[int]]:
    """Return who has visited each project in any published or earlier plan."""
    rows = session.execute(
        select(Assignment.project_id, Assignment.staff_id)
        .join(Plan, Plan.id == Assignment.plan_id)
        .where(
            Plan.kind == PlanKind.VISIT,
            Plan.status.in_([PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED]),
            Assignment.role.in_(VISIT_ROLES),
            Assignment.project_id.in_(project_ids),
        )
    )
    found: dict[int, set[int]] = {}
    for project_id, staff_id in rows:
        found.setdefault(project_id, set()).add(staff_id)
    return found


def _enterprise_windows(session: Session, month: MonthPlan) -> Windows:
    """Return each enterprise's preferred and blocked days in the month."""
    found: Windows = {}
    for enterprise_id, day, pref in session.execute(
        select(EnterpriseDay.enterprise_id, EnterpriseDay.day, EnterpriseDay.preference).where(
            EnterpriseDay.day >= month.first, EnterpriseDay.day <= month.last
        )
    ):
        found.setdefault(enterprise_id, {}).setdefault(pref, set()).add(day)
    return found


def _project(
    p: Project,
    backbones: int,
    windows: Windows,
    previous_members: dict[int, set[int]],
    department_ids: set[int],
) -> visits.VisitProject:
    """Return a project with the departments its pending items need now."""
    needed = tuple(
        dict.fromkeys(
            n.department_id
            for n in sorted(p.needs, key=lambda n: n.id)
            if n.status is NeedStatus.PENDING and n.department_id in department_ids
        )
    )
    window = windows.get(p.enterprise_id, {})
    return visits.VisitProject(
        id=p.id,
        code=p.code,
        name=p.name,
        district_id=p.district_id,
        enterprise_name=p.enterprise.name,
        visits_required=p.visits_per_month,
        departments=needed,
        backbones=backbones if needed else 0,
        preferred_days=frozenset(window.get(DayPreference.PREFERRED, ())),
        blocked_days=frozenset(window.get(DayPreference.BLOCKED, ())),
        previous_member_ids=frozenset(previous_members.get(p.id, ())),
    )


def _occurrence(o: SessionOccurrence, index: int, month: MonthPlan) -> visits.SessionOccurrence:
    """Return one joint-session occurrence with the slots it takes."""
    js = o.session
    return visits.SessionOccurrence(
        id=index + 1,
        code=o.code,
        title=js.title,
        slots=tuple(sorted(slots_overlapping(month, o.starts_at, o.ends_at))),
        mode="video" if js.mode is MeetingMode.VIDEO else "on_site",
        district_id=js.district_id,
        department_ids=tuple(d.id for d in sorted(js.departments, key=lambda d: d.id)),
    )


def _base_visits(
    session: Session,
    base: Plan,
    month: MonthPlan,
    people: dict[int, tuple[Staff, str]],
    busy: dict[int, set[int]],
) -> tuple[tuple[visits.PinnedVisit, ...], tuple[visits.PreviousVisit, ...]]:
    """Return the base plan's confirmed visits as pins and all its visits as the previous plan.

    A confirmed or pinned visit whose members are all still free is kept exactly; one that lost
    a member (fell ill, left) is only preferred, so its slot stays and the seat is refilled.
    """
    members: dict[int, list[Assignment]] = {}
    for a in base.assignments:
        if a.visit_id is not None and a.staff_id is not None:
            members.setdefault(a.visit_id, []).append(a)
    pins, previous = [], []
    for visit in session.scalars(select(Visit).where(Visit.plan_id == base.id).order_by(Visit.id)):
        half = HalfDay(visit.day, Slot.AM if visit.slot.value == "am" else Slot.PM)
        if half not in month.slots:
            continue
        t = month.slot_of(half)
        seated = members.get(visit.id, [])
        ids = tuple(sorted(a.staff_id for a in seated))
        previous.append(visits.PreviousVisit(project_id=visit.project_id, slot=t, member_ids=ids))
        confirmed = visit.status.value == "confirmed" or any(a.pinned for a in seated)
        lead = next((a.staff_id for a in seated if a.role is AssignmentRole.VISIT_LEAD), None)
        free = all(m in people and t not in busy.get(m, ()) for m in ids)
        if confirmed and free and lead is not None and ids:
            pins.append(
                visits.PinnedVisit(
                    project_id=visit.project_id, slot=t, member_ids=ids, lead_id=lead
                )
            )
    return tuple(pins), tuple(previous)
