"""Build the training instance that goes with a year's rotation: sessions, courses, trainees.

The trainees are the rotation's people. Rotating training (轮训) asks each of them to attend
`required_sessions` sittings in the year (a request setting, default 1). Seats on a course that
grants a qualification are kept for people who need it; a person prefers the qualifying courses
of the gated posts in their own pool (a refresher for those who hold the qualification,
cross-training for those who do not), which opens those seats to them (api.rotation_load
explains pools).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.rotation_load import RotationData, pool_of
from models import Absence, Course, Plan, TrainingSession
from scheduler import training

LOCAL = ZoneInfo("Asia/Shanghai")
DEFAULT_REQUIRED = 1


def naive_local(at: dt.datetime) -> dt.datetime:
    """Return an instant as a naive Beijing wall-clock time, as the training model takes it."""
    return at.astimezone(LOCAL).replace(tzinfo=None)


def build_training(
    session: Session, plan: Plan, data: RotationData
) -> tuple[training.TrainingInstance, dict[int, TrainingSession]]:
    """Return the training instance of the rotation's year and its sessions by id."""
    first, last = data.periods[0].starts_on, data.periods[-1].ends_on
    begin = dt.datetime.combine(first, dt.time(), LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL)
    sessions = {
        s.id: s
        for s in session.scalars(
            select(TrainingSession)
            .where(TrainingSession.starts_at >= begin, TrainingSession.starts_at < end)
            .options(selectinload(TrainingSession.course))
            .order_by(TrainingSession.starts_at, TrainingSession.code)
        )
    }
    courses = session.scalars(select(Course).order_by(Course.code)).all()
    grants = {c.id: c.qualification_id for c in courses}
    required = int(plan.request.get("training", {}).get("required_sessions", DEFAULT_REQUIRED))
    gated: dict[int, set[int]] = {}
    for post in data.posts.values():
        if post.qualification_id is not None:
            gated.setdefault(pool_of(post), set()).add(post.qualification_id)
    people = {p.id: p for p in data.instance.people}
    away = _unavailable(session, set(people), begin, end)
    trainees = []
    for s in data.staff.values():
        person = people[s.id]
        # Refreshers for qualifications one holds count as 轮训 too: only the gate is kept.
        wanted = gated.get(person.department_id, set())
        trainees.append(
            training.Trainee(
                id=s.id,
                name=s.name,
                district_id=s.district_id,
                required_sessions=required if sessions else 0,
                preferred_session_ids=frozenset(
                    x.id for x in sessions.values() if grants[x.course_id] in wanted
                ),
                unavailable=tuple(away.get(s.id, ())),
            )
        )
    instance = training.TrainingInstance(
        periods=data.instance.periods,
        posts=tuple(
            training.TrainingPost(id=p.id, code=p.code, name=p.name, min_holders=p.min_holders)
            for p in data.instance.posts
        ),
        courses=tuple(
            training.Course(id=c.id, code=c.code, name=c.name, qualification_id=c.qualification_id)
            for c in courses
        ),
        sessions=tuple(
            training.Session(
                id=x.id,
                code=x.code,
                course_id=x.course_id,
                starts_at=naive_local(x.starts_at),
                ends_at=naive_local(x.ends_at),
                capacity=x.capacity,
                district_id=x.district_id,
            )
            for x in sessions.values()
        ),
        trainees=tuple(trainees),
    )
    return instance, sessions


def _unavailable(
    session: Session, staff_ids: set[int], begin: dt.datetime, end: dt.datetime
) -> dict[int, list[training.Interval]]:
    """Return each person's leave in the year as naive local intervals."""
    found: dict[int, list[training.Interval]] = {}
    for staff_id, start, stop in session.execute(
        select(Absence.staff_id, Absence.starts_at, Absence.ends_at).where(
            Absence.staff_id.in_(staff_ids), Absence.starts_at < end, Absence.ends_at > begin
        )
    ):
        found.setdefault(staff_id, []).append(
            training.Interval(starts_at=naive_local(start), ends_at=naive_local(stop))
        )
    return found
