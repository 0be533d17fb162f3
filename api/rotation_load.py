"""Build the rotation instance of a year from the database: periods, posts, people, history.

Who rotates: every active staff member who holds or has held a post. Each post's pool follows
its scope: a department post rotates among its department's people, a hall post (combined
windows, 综合窗口) among the people of that hall, whatever their department. The model knows
departments only, so each hall becomes a pool of its own (a negative pool id) and a person
belongs to the pool of their latest post. History is counted in whole periods (quarters or
months) before the first period of the plan; a period in which a person is seconded, retired or
on leave for more than half of it is one they hold no post in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.problems import ScopeError
from models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentRole,
    Plan,
    PostHolding,
    RotationPeriod,
    Staff,
)
from models.rotation import PeriodGranularity, Post, RotationScope
from scheduler import rotation

YEAR = re.compile(r"^year:(\d{4})$")
HOLDING_ROLES = (AssignmentRole.POST_HOLDER, AssignmentRole.POST_TRAINEE)


def year_of(scope: str, what: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a `year:YYYY` scope, or raise ScopeError."""
    m = YEAR.match(scope)
    if m is None or not 2000 <= int(m.group(1)) <= 2100:
        raise ScopeError(f"{what}方案的范围应为 year:<YYYY>，收到 {scope!r}")
    year = int(m.group(1))
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def periods_of(session: Session, scope: str) -> list[RotationPeriod]:
    """Return the rotation periods starting in the scope's year, or raise ScopeError."""
    first, last = year_of(scope, "轮岗")
    rows = session.scalars(
        select(RotationPeriod)
        .where(RotationPeriod.starts_on >= first, RotationPeriod.starts_on <= last)
        .order_by(RotationPeriod.starts_on)
    ).all()
    if not rows:
        raise ScopeError(f"{first.year} 年没有轮岗周期，请先设置轮岗周期（季度或月）")
    kinds = {p.granularity for p in rows}
    if len(kinds) > 1:
        raise ScopeError(f"{first.year} 年的轮岗周期既有季度又有月，请统一周期长度")
    return list(rows)


def period_index(day: dt.date, granularity: PeriodGranularity) -> int:
    """Return a running number of the quarter or month a day falls in."""
    if granularity is PeriodGranularity.QUARTER:
        return day.year * 4 + (day.month - 1) // 3
    return day.year * 12 + day.month - 1


def pool_of(post: Post) -> int:
    """Return the pool a post rotates in: its department, or its hall (negative ids)."""
    if post.scope is RotationScope.HALL or post.department_id is None:
        return -(post.district_id or 0) - 1
    return post.department_id


@dataclass
class RotationData:
    """The instance and the rows it was built from."""

    instance: rotation.RotationInstance
    periods: list[RotationPeriod]
    posts: dict[int, Post]
    staff: dict[int, Staff]


def build_rotation(session: Session, plan: Plan) -> RotationData:
    """Return the rotation instance of the plan's year with the base plan's pins and holdings."""
    periods = periods_of(session, plan.scope)
    granularity = periods[0].granularity
    first = period_index(periods[0].starts_on, granularity)
    posts = {p.id: p for p in session.scalars(select(Post).order_by(Post.code))}
    holdings = session.scalars(
        select(PostHolding).order_by(PostHolding.staff_id, PostHolding.starts_on.desc())
    ).all()
    by_person: dict[int, list[PostHolding]] = {}
    for h in holdings:
        by_person.setdefault(h.staff_id, []).append(h)
    staff = {
        s.id: s
        for s in session.scalars(
            select(Staff)
            .where(Staff.active.is_(True), Staff.id.in_(by_person))
            .options(selectinload(Staff.qualifications))
            .order_by(Staff.employee_no)
        )
    }
    away = _away(session, periods, set(staff))
    people = []
    for s in staff.values():
        mine = by_person[s.id]
        start = periods[0].starts_on
        people.append(
            rotation.RotationPerson(
                id=s.id,
                name=s.name,
                department_id=pool_of(posts[mine[0].post_id]),
                hall_eligible=False,
                qualified_ids=frozenset(
                    q.qualification_id
                    for q in s.qualifications
                    if q.acquired_on is None or q.acquired_on <= start
                ),
                unavailable_periods=frozenset(
                    i
                    for i, p in enumerate(periods)
                    if i in away.get(s.id, ()) or (s.retires_on and s.retires_on <= p.ends_on)
                ),
                history=_history(mine, first, granularity),
            )
        )
    pins, previous = (
        _base(plan, periods) if plan.based_on and plan.request.get("replan", True) else ((), ())
    )
    instance = rotation.RotationInstance(
        periods=tuple(
            rotation.Period(
                id=p.id, code=p.code, label=p.label, starts_on=p.starts_on, ends_on=p.ends_on
            )
            for p in periods
        ),
        posts=tuple(
            rotation.Post(
                id=p.id,
                code=p.code,
                name=p.name,
                department_id=pool_of(p),
                scope="department",
                min_holders=p.min_holders,
                max_holders=p.max_holders,
                min_qualified=p.min_qualified,
                max_consecutive_periods=p.max_consecutive_periods,
                min_stay_periods=p.min_stay_periods,
                no_return_periods=p.no_return_periods,
                max_trainees_per_mentor=p.max_trainees_per_mentor,
                critical=p.critical,
                qualification_id=p.qualification_id,
            )
            for p in posts.values()
        ),
        people=tuple(people),
        pins=pins,
        previous=previous,
    )
    return RotationData(instance, periods, posts, staff)


def _history(
    mine: list[PostHolding], first: int, granularity: PeriodGranularity
) -> tuple[rotation.HistoryEntry, ...]:
    """Return a person's stints before the horizon, latest first, clipped so none overlap."""
    entries = []
    free_before = first  # periods from here on are taken by a later stint
    for h in mine:  # latest start first
        end = first - 1 if h.ends_on is None else period_index(h.ends_on, granularity)
        end = min(end, free_before - 1, first - 1)
        begin = period_index(h.starts_on, granularity)
        if end < begin:
            continue
        entries.append(
            rotation.HistoryEntry(
                post_id=h.post_id, periods_ago_end=first - end, consecutive=end - begin + 1
            )
        )
        free_before = begin
    return tuple(entries)


def _away(
    session: Session, periods: list[RotationPeriod], staff_ids: set[int]
) -> dict[int, set[int]]:
    """Return the periods each person is seconded in or on leave for more than half of."""
    begin = dt.datetime.combine(periods[0].starts_on, dt.time(), dt.UTC)
    end = dt.datetime.combine(periods[-1].ends_on + dt.timedelta(days=1), dt.time(), dt.UTC)
    away: dict[int, set[int]] = {}
    for staff_id, kind, start, stop in session.execute(
        select(Absence.staff_id, Absence.kind, Absence.starts_at, Absence.ends_at).where(
            Absence.staff_id.in_(staff_ids), Absence.starts_at < end, Absence.ends_at > begin
        )
    ):
        for i, p in enumerate(periods):
            p_start = dt.datetime.combine(p.starts_on, dt.time(), dt.UTC)
            p_end = dt.datetime.combine(p.ends_on + dt.timedelta(days=1), dt.time(), dt.UTC)
            overlap = min(stop, p_end) - max(start, p_start)
            if overlap <= dt.timedelta(0):
                continue
            if kind is AbsenceKind.SECONDMENT or overlap * 2 > p_end - p_start:
                away.setdefault(staff_id, set()).add(i)
    return away


def _base(
    plan: Plan, periods: list[RotationPeriod]
) -> tuple[tuple[rotation.PinnedHolding, ...], tuple[rotation.PreviousHolding, ...]]:
    """Return the base plan's pinned holdings and all its holdings in this plan's periods."""
    index = {p.id: i for i, p in enumerate(periods)}
    pins, previous = [], []
    for a in plan.based_on.assignments:
        if a.role not in HOLDING_ROLES or a.rotation_period_id not in index:
            continue
        t = index[a.rotation_period_id]
        previous.append(
            rotation.PreviousHolding(person_id=a.staff_id, post_id=a.post_id, period_index=t)
        )
        if a.pinned:
            pins.append(
                rotation.PinnedHolding(person_id=a.staff_id, post_id=a.post_id, period_index=t)
            )
    return tuple(pins), tuple(previous)


def holdings_of(plan: Plan) -> list[Assignment]:
    """Return a rotation plan's holding assignments."""
    return [a for a in plan.assignments if a.role in HOLDING_ROLES]
