"""Build the duty rosters of a month from the database: one roster per hall (service centre).

Each hall (the city centre, every district centre) is rostered on its own: its duty posts
(hotline, combined window, extended hours, appointments) times the shift types they need are
the roster's shifts (`<post>@<shift>`), and its people are the staff of that hall's level who
can take at least one of them (window clerks, and anyone holding a post's qualification, such
as hotline training). Cover per day follows the mainland working-day calendar: a 调休 Saturday
needs weekday cover, a holiday holiday cover. Leave makes fixed days off; the previous
published roster is the base for minimal change, and the nights, weekends and holidays people
worked in it are carried over for fairness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    Absence,
    Assignment,
    Plan,
    PlanKind,
    PlanStatus,
    ShiftSuccessionBan,
    ShiftType,
    Staff,
    StaffRole,
)
from models.duty import DayType, DutyPost
from scheduler import roster
from scheduler.workdays import DayKind, WorkCalendar

LOCAL = ZoneInfo("Asia/Shanghai")
CITY = "city"
# Per person and month: at most 6 duty days in a row and at most two worked weekends.
MAX_CONSECUTIVE = 6
MAX_WEEKENDS = 2


@dataclass
class Hall:
    """One hall's roster instance and the rows it was built from."""

    key: str
    name: str
    instance: roster.RosterInstance
    posts: dict[str, DutyPost] = field(default_factory=dict)  # shift id -> duty post
    shift_types: dict[str, ShiftType] = field(default_factory=dict)  # shift id -> shift type
    staff: dict[str, Staff] = field(default_factory=dict)  # employee id -> staff


def day_type(calendar: WorkCalendar, day: dt.date) -> DayType:
    """Return which cover a day needs under the 调休 calendar."""
    kind = calendar.day_kind(day)
    if kind.is_working:
        return DayType.WORKDAY
    if kind in (DayKind.HOLIDAY, DayKind.ADJUSTED_DAY_OFF):
        return DayType.HOLIDAY
    return DayType.WEEKEND


def shift_start(day: dt.date, shift: ShiftType) -> dt.datetime:
    """Return the local start instant of a shift on a day."""
    return dt.datetime.combine(day, shift.starts, LOCAL)


def build_halls(session: Session, plan: Plan, first: dt.date, last: dt.date) -> list[Hall]:
    """Return one roster instance per hall with duty posts, for the days first..last."""
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    calendar = WorkCalendar()
    types = {d: day_type(calendar, d) for d in days}
    shift_types = {s.id: s for s in session.scalars(select(ShiftType))}
    bans: dict[int, set[int]] = {}
    for a, b in session.execute(
        select(ShiftSuccessionBan.shift_type_id, ShiftSuccessionBan.next_shift_type_id)
    ):
        bans.setdefault(a, set()).add(b)
    posts = session.scalars(
        select(DutyPost)
        .options(selectinload(DutyPost.cover), selectinload(DutyPost.qualification))
        .order_by(DutyPost.code)
    ).all()
    staff = session.scalars(
        select(Staff)
        .where(Staff.active.is_(True))
        .options(selectinload(Staff.role_grants), selectinload(Staff.qualifications))
        .order_by(Staff.employee_no)
    ).all()
    leave = _leave(session, {s.id for s in staff}, first, last)
    previous = _previous(session, plan)
    carried = _carry_over(session, plan, first)
    halls: dict[int | None, list[DutyPost]] = {}
    for p in posts:
        if p.cover:
            halls.setdefault(p.district_id, []).append(p)
    out = []
    for district_id, hall_posts in halls.items():
        hall = _hall(
            district_id, hall_posts, staff, shift_types, bans, days, types, leave, previous, carried
        )
        if hall is not None:
            out.append(hall)
    return out


def _hall(
    district_id: int | None,
    posts: list[DutyPost],
    staff: list[Staff],
    shift_types: dict[int, ShiftType],
    bans: dict[int, set[int]],
    days: list[dt.date],
    types: dict[dt.date, DayType],
    leave: dict[int, set[dt.date]],
    previous: dict[tuple[int, dt.date], str],
    carried: dict[int, roster.FairnessCarry],
) -> Hall | None:
    """Return the roster of one hall, or None when nobody there can take its duties."""
    key = CITY if district_id is None else str(district_id)
    shifts: dict[str, tuple[DutyPost, ShiftType]] = {}
    for p in posts:
        for c in p.cover:
            shifts[f"{p.code}@{shift_types[c.shift_type_id].code}"] = (
                p,
                shift_types[c.shift_type_id],
            )
    gates = {p.qualification.code for p in posts if p.qualification is not None}
    people = [
        s
        for s in staff
        if s.district_id == district_id
        and (
            StaffRole.WINDOW_CLERK in s.roles
            or gates & {q.qualification.code for q in s.qualifications}
        )
    ]
    if not people:
        return None
    index = {d: i for i, d in enumerate(days)}
    roster_shifts = tuple(
        roster.ShiftType(
            id=sid,
            name=f"{post.name}{st.name}",
            minutes=st.minutes,
            forbidden_next=frozenset(
                other for other, (_, nxt) in shifts.items() if nxt.id in bans.get(st.id, set())
            ),
            qualification=post.qualification.code if post.qualification else None,
            night=st.is_night,
        )
        for sid, (post, st) in shifts.items()
    )
    employees = tuple(
        roster.Employee(
            id=s.employee_no,
            name=s.name,
            max_consecutive_shifts=MAX_CONSECUTIVE,
            max_weekends=MAX_WEEKENDS,
            fixed_days_off=frozenset(index[d] for d in leave.get(s.id, ()) if d in index),
            qualifications=frozenset(q.qualification.code for q in s.qualifications),
        )
        for s in people
    )
    covers = []
    for sid, (post, st) in shifts.items():
        for c in post.cover:
            if c.shift_type_id != st.id:
                continue
            for d in days:
                if types[d] is c.day_type and c.required > 0:
                    covers.append(
                        roster.Cover(
                            day=index[d],
                            shift=sid,
                            requirement=c.required,
                            weight_under=c.shortfall_weight,
                            weight_over=c.surplus_weight,
                        )
                    )
    base = None
    if previous:
        base = {
            s.employee_no: tuple(
                previous.get((s.id, d), "") if previous.get((s.id, d), "") in shifts else ""
                for d in days
            )
            for s in people
        }
    instance = roster.RosterInstance(
        name=key,
        horizon_days=len(days),
        first_weekday=days[0].weekday(),
        shifts=roster_shifts,
        employees=employees,
        covers=tuple(covers),
        previous=base,
        carry_over={s.employee_no: carried[s.id] for s in people if s.id in carried},
        holidays=frozenset(index[d] for d in days if types[d] is DayType.HOLIDAY),
    )
    hall = Hall(key, posts[0].name.split("政务服务中心")[0] + "政务服务中心", instance)
    hall.posts = {sid: post for sid, (post, _) in shifts.items()}
    hall.shift_types = {sid: st for sid, (_, st) in shifts.items()}
    hall.staff = {s.employee_no: s for s in people}
    return hall


def _leave(
    session: Session, staff_ids: set[int], first: dt.date, last: dt.date
) -> dict[int, set[dt.date]]:
    """Return the local days each person is away for at least part of."""
    begin = dt.datetime.combine(first, dt.time(), LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL)
    away: dict[int, set[dt.date]] = {}
    for staff_id, start, stop in session.execute(
        select(Absence.staff_id, Absence.starts_at, Absence.ends_at).where(
            Absence.staff_id.in_(staff_ids), Absence.starts_at < end, Absence.ends_at > begin
        )
    ):
        day = max(start, begin).astimezone(LOCAL).date()
        final = (min(stop, end) - dt.timedelta(microseconds=1)).astimezone(LOCAL).date()
        while day <= final:
            away.setdefault(staff_id, set()).add(day)
            day += dt.timedelta(days=1)
    return away


def _previous(session: Session, plan: Plan) -> dict[tuple[int, dt.date], str]:
    """Return the base plan's shift id by (staff, day), when re-planning."""
    if plan.based_on is None or not plan.request.get("replan", True):
        return {}
    return {
        (a.staff_id, a.day): a.explanation.get("shift", "")
        for a in plan.based_on.assignments
        if a.day is not None
    }


def _carry_over(session: Session, plan: Plan, first: dt.date) -> dict[int, roster.FairnessCarry]:
    """Return nights, weekends and holidays each person worked in the last published roster."""
    last = session.scalar(
        select(Plan)
        .where(
            Plan.kind == PlanKind.ROSTER,
            Plan.status.in_([PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED]),
            Plan.horizon_end < first,
        )
        .order_by(Plan.horizon_end.desc(), Plan.id.desc())
        .limit(1)
    )
    if last is None:
        return {}
    # Each duty's explanation records whether it was a night, weekend or holiday duty.
    flags = {"nights": "night", "weekends": "weekend", "holidays": "holiday"}
    counts: dict[int, dict[str, int]] = {}
    for a in session.scalars(select(Assignment).where(Assignment.plan_id == last.id)):
        c = counts.setdefault(a.staff_id, dict.fromkeys(flags, 0))
        for total, flag in flags.items():
            c[total] += int(bool(a.explanation.get(flag)))
    return {sid: roster.FairnessCarry(**c) for sid, c in counts.items()}
