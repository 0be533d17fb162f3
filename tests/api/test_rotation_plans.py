"""Rotation plans on the demo city: a year of posts and training, re-checked, published to feeds.

Jobs run inline here (one rolled-back connection). The stored plan is rebuilt from its rows and
re-checked with scheduler.rotation_checks, the independent checker.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from api.rotation_load import build_rotation, holdings_of
from api.rotation_plans import _attendances, _holdings_of, _with_posts, load_year
from models import (
    Absence,
    AbsenceKind,
    AssignmentRole,
    CalendarEvent,
    FeedOwner,
    Plan,
    PlanStatus,
    RotationPeriod,
    StaffQualification,
)
from models.rotation import Post
from scheduler import rotation
from scheduler.rotation_checks import check_rotation, check_training
from tests.conftest import client_as

LOCAL = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def year(db_session) -> int:  # noqa: ANN001
    """Return the year of the demo's first rotation period."""
    return db_session.scalar(select(func.min(RotationPeriod.starts_on))).year


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


def body(year: int) -> dict:
    """Return a rotation request for the year."""
    return {
        "kind": "rotation",
        "scope": f"year:{year}",
        "settings": {"time_limit_s": 10, "workers": 1, "random_seed": 7},
    }


def solve(coord, year: int) -> dict:  # noqa: ANN001
    """Request a rotation plan and return its finished body."""
    resp = coord.post("/api/v1/plans", json=body(year))
    assert resp.status_code == 202, resp.json
    done = coord.get(f"/api/v1/plans/{resp.json['id']}").json
    assert done["job_status"] == "succeeded", (done["error"], done["diagnosis"])
    return done


def recheck(s, plan_id: int, excused: set[str]) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """Rebuild a stored plan from its rows; return the rotation and training violations."""
    s.expire_all()
    plan = s.get(Plan, plan_id)
    year_instance, data, _ = load_year(s, plan)
    holdings = _holdings_of(plan, data, plan.assignments[0], plan.assignments[0].staff_id)
    solution = rotation.RotationSolution(holdings=tuple(holdings), changes=0, objective=None)
    seats = _attendances(plan, None, None)
    trained = _with_posts(year_instance.training, holdings, ())
    trainees = tuple(
        t.model_copy(update={"required_sessions": 0}) if t.label in excused else t
        for t in trained.trainees
    )
    trained = trained.model_copy(update={"trainees": trainees})
    return check_rotation(data.instance, solution), check_training(trained, seats)


def test_year_plan_staffs_every_post_and_trains_everyone(coord, db_session, year) -> None:  # noqa: ANN001
    done = solve(coord, year)

    assert done["horizon_start"] == f"{year}-01-01" and done["horizon_end"] == f"{year}-12-31"
    report = done["report"]
    assert report["objective"] >= report["best_bound"]
    assert report["training"]["attendances"] > 0
    plan = db_session.get(Plan, done["id"])
    roles = Counter(a.role for a in plan.assignments)
    instance = build_rotation(db_session, plan).instance
    available = sum(len(instance.periods) - len(p.unavailable_periods) for p in instance.people)
    # Every available person-period holds a post but the reserve ones the report counts.
    reserve = report["penalties"]["reserve"] // instance.weights.reserve
    assert roles[AssignmentRole.POST_HOLDER] + roles[AssignmentRole.POST_TRAINEE] == (
        available - reserve
    )
    assert roles[AssignmentRole.TRAINEE] == report["training"]["attendances"]
    # Post cover comes first: whoever no sitting could take is named, and only they are excused.
    excused = set(report["training"]["not_seated"])
    assert len(excused) <= len(instance.people) // 10
    assert recheck(db_session, done["id"], excused) == ([], [])
    assert all(a.mentor_id for a in holdings_of(plan) if a.role is AssignmentRole.POST_TRAINEE)


def test_published_rotation_and_training_reach_the_feed(app, coord, db_session, year) -> None:  # noqa: ANN001
    done = solve(coord, year)
    resp = coord.post(
        f"/api/v1/plans/{done['id']}/publish", json={"lock_version": done["lock_version"]}
    )
    assert resp.status_code == 200, resp.json
    plan = db_session.get(Plan, done["id"])
    assert plan.status is PlanStatus.PUBLISHED
    seat = next(a for a in plan.assignments if a.role is AssignmentRole.TRAINEE)
    kinds = Counter(
        db_session.scalars(
            select(CalendarEvent.kind).where(
                CalendarEvent.owner_type == FeedOwner.STAFF,
                CalendarEvent.owner_id == seat.staff_id,
            )
        )
    )
    assert kinds["rotation"] >= 1 and kinds["training"] >= 1

    issued = coord.post("/api/v1/feeds", json={"owner_type": "staff", "owner_id": seat.staff_id})
    ics = client_as(app, None).get(issued.json["path"]).data.replace(b"\r\n ", b"")
    assert b"DTSTART;VALUE=DATE:" in ics  # post periods are all-day ranges
    assert "培训：".encode() in ics
    assert "轮岗：".encode() in ics or "以干代训：".encode() in ics


def test_gated_post_without_qualified_staff_is_422_naming_post_and_period(
    coord, db_session, year
) -> None:  # noqa: ANN001
    plan = Plan(kind="rotation", scope=f"year:{year}", version=0, request={})
    data = build_rotation(db_session, plan)
    post = next(
        p for p in data.instance.posts if p.qualification_id is not None and p.min_qualified >= 1
    )
    first = data.periods[0]
    qualified = db_session.scalars(
        select(StaffQualification.staff_id).where(
            StaffQualification.qualification_id == post.qualification_id
        )
    ).all()
    pool = {p.id for p in data.instance.people if p.department_id == post.department_id}
    start = dt.datetime.combine(first.starts_on, dt.time(), LOCAL)
    for staff_id in set(qualified) & pool:
        db_session.add(
            Absence(
                staff_id=staff_id,
                kind=AbsenceKind.SECONDMENT,
                starts_at=start,
                ends_at=start + dt.timedelta(days=100),
            )
        )
    db_session.commit()
    events_before = db_session.scalar(select(func.count()).select_from(CalendarEvent))

    resp = coord.post("/api/v1/plans?wait=60", json=body(year))

    assert resp.status_code == 422, resp.json
    message = str(resp.json["error"])
    assert post.code in message and first.code in message
    assert db_session.scalar(select(func.count()).select_from(CalendarEvent)) == events_before


def test_rotation_scope_must_be_a_year(coord, year) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/plans", json={**body(year), "scope": "city"})

    assert resp.status_code == 422
    assert "year:" in resp.json["error"]["message"]


def test_rotation_posts_know_their_pools(db_session, year) -> None:  # noqa: ANN001
    plan = Plan(kind="rotation", scope=f"year:{year}", version=0, request={})
    data = build_rotation(db_session, plan)
    halls = {p.department_id for p in data.instance.posts if p.department_id < 0}
    rows = {p.code: p for p in db_session.scalars(select(Post))}

    assert halls, "the demo has hall posts"
    for p in data.instance.posts:
        row = rows[p.code]
        hall = row.scope.value == "hall"
        assert (p.department_id < 0) == hall
        if not hall:
            assert p.department_id == row.department_id
