"""VIP visit plans on the demo city: a month with every major project visited, published to feeds.

Jobs run inline here (one rolled-back connection). Every plan the API stores is rebuilt from its
rows and re-checked with scheduler.visit_checks, the independent checker.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from api.vip_visits import solution_of
from api.visit_load import build_instance, month_plan
from models import (
    Absence,
    AbsenceKind,
    AssignmentRole,
    CalendarEvent,
    Department,
    FeedOwner,
    Plan,
    PlanStatus,
    Project,
    Staff,
    StaffRole,
    StaffRoleGrant,
    Visit,
)
from scheduler.visit_checks import check_visits
from tests.conftest import DEMO_TODAY, client_as

SCOPE = f"month:{DEMO_TODAY:%Y-%m}"
BODY = {
    "kind": "visit",
    "scope": SCOPE,
    "settings": {"time_limit_s": 20, "workers": 1, "random_seed": 7},
}
LOCAL = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


def solve(coord, **extra) -> dict:  # noqa: ANN001
    """Request a visit plan and return its finished body."""
    resp = coord.post("/api/v1/plans", json={**BODY, **extra})
    assert resp.status_code == 202, resp.json
    body = coord.get(f"/api/v1/plans/{resp.json['id']}").json
    assert body["job_status"] == "succeeded", (body["error"], body["diagnosis"])
    return body


def publish(coord, body: dict) -> dict:  # noqa: ANN001
    """Publish a plan with the lock version it was read with."""
    resp = coord.post(
        f"/api/v1/plans/{body['id']}/publish", json={"lock_version": body["lock_version"]}
    )
    assert resp.status_code == 200, resp.json
    return resp.json


def recheck(s, plan_id: int) -> list[str]:  # noqa: ANN001
    """Rebuild a stored plan's solution from its rows and return the checker's violations."""
    s.expire_all()
    plan = s.get(Plan, plan_id)
    month = month_plan(s, plan.scope)
    instance, _ = build_instance(s, plan, month)
    return check_visits(instance, solution_of(s, plan, month, instance, {}))


def test_month_plan_visits_every_major_project(coord, db_session) -> None:  # noqa: ANN001
    body = solve(coord)

    assert body["horizon_start"] == f"{DEMO_TODAY:%Y-%m}-01"
    assert body["report"]["objective"] >= body["report"]["best_bound"]
    required = dict(
        db_session.execute(
            select(Project.id, Project.visits_per_month).where(
                Project.is_major.is_(True), Project.visits_per_month > 0
            )
        ).all()
    )
    visited = Counter(
        db_session.scalars(select(Visit.project_id).where(Visit.plan_id == body["id"])).all()
    )
    assert required and visited == Counter(required)
    assert recheck(db_session, body["id"]) == []
    plan = db_session.get(Plan, body["id"])
    roles = Counter(a.role for a in plan.assignments)
    assert roles[AssignmentRole.VISIT_LEAD] == sum(required.values())
    assert roles[AssignmentRole.SESSION_MEMBER] > 0
    page = coord.get(f"/api/v1/plans/{body['id']}/assignments?per_page=50").json
    assert page["total"] == len(plan.assignments)
    assert all(r["explanation"]["summary"] for r in page["items"])


def test_published_visits_reach_members_teams_and_projects(app, coord, db_session) -> None:  # noqa: ANN001
    body = publish(coord, solve(coord))

    published = db_session.scalars(
        select(Plan).where(Plan.id == body["id"], Plan.status == PlanStatus.PUBLISHED)
    ).one()
    visit = db_session.scalars(
        select(Visit).where(Visit.plan_id == published.id).order_by(Visit.id)
    ).first()
    seated = [a for a in published.assignments if a.visit_id == visit.id]
    kinds = Counter(
        (e.owner_type, e.owner_id)
        for e in db_session.scalars(select(CalendarEvent).where(CalendarEvent.kind == "visit"))
    )
    for a in seated:
        assert kinds[(FeedOwner.STAFF, a.staff_id)] >= 1
    assert kinds[(FeedOwner.PROJECT, visit.project_id)] >= 1
    if visit.team_id is not None:
        assert kinds[(FeedOwner.VIP_TEAM, visit.team_id)] >= 1

    member = seated[0].staff_id
    issued = coord.post("/api/v1/feeds", json={"owner_type": "staff", "owner_id": member})
    ics = client_as(app, None).get(issued.json["path"]).data.replace(b"\r\n ", b"")
    project = db_session.get(Project, visit.project_id)
    assert f"VIP上门服务：{project.name}".encode() in ics
    assert b"ATTENDEE" not in ics


def chiefs_of(s, department_id: int) -> list[int]:  # noqa: ANN001
    """Return the ids of a department's chief representatives."""
    return list(
        s.scalars(
            select(Staff.id)
            .join(StaffRoleGrant)
            .where(
                Staff.department_id == department_id,
                StaffRoleGrant.role == StaffRole.CHIEF_REPRESENTATIVE,
            )
        )
    )


def test_department_without_chiefs_is_422_naming_it(coord, db_session) -> None:  # noqa: ANN001
    busiest = db_session.execute(
        select(Department.id, Department.name)
        .join(Staff, Staff.department_id == Department.id)
        .join(StaffRoleGrant)
        .where(StaffRoleGrant.role == StaffRole.CHIEF_REPRESENTATIVE, Staff.district_id.is_(None))
        .group_by(Department.id, Department.name)
        .order_by(func.count().desc())
    ).first()
    start = dt.datetime(DEMO_TODAY.year, DEMO_TODAY.month, 1, tzinfo=LOCAL)
    for staff_id in chiefs_of(db_session, busiest.id):
        db_session.add(
            Absence(
                staff_id=staff_id,
                kind=AbsenceKind.SECONDMENT,
                starts_at=start,
                ends_at=start + dt.timedelta(days=40),
            )
        )
    db_session.commit()
    events_before = db_session.scalar(select(func.count()).select_from(CalendarEvent))

    resp = coord.post("/api/v1/plans?wait=60", json=BODY)

    assert resp.status_code == 422, resp.json
    assert busiest.name in str(resp.json["error"])
    assert db_session.scalar(select(func.count()).select_from(CalendarEvent)) == events_before
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(Plan)
            .where(Plan.status == PlanStatus.PUBLISHED, Plan.kind == "visit")
        )
        == 0
    )


def test_replan_after_illness_keeps_confirmed_visits(coord, db_session) -> None:  # noqa: ANN001
    first = publish(coord, solve(coord))
    plan = db_session.get(Plan, first["id"])
    visits = db_session.scalars(
        select(Visit).where(Visit.plan_id == plan.id).order_by(Visit.day, Visit.id)
    ).all()
    confirmed, hit = visits[0], visits[-1]
    seat = next(a for a in plan.assignments if a.visit_id == confirmed.id)
    resp = coord.patch(
        f"/api/v1/plans/{plan.id}/assignments/{seat.id}",
        json={"pinned": True, "lock_version": first["lock_version"]},
    )
    assert resp.status_code == 200, resp.json
    ill = next(
        a.staff_id
        for a in plan.assignments
        if a.visit_id == hit.id and a.role is not AssignmentRole.VISIT_LEAD
    )
    db_session.add(
        Absence(
            staff_id=ill,
            kind=AbsenceKind.SICK_LEAVE,
            starts_at=dt.datetime.combine(hit.day, dt.time(), LOCAL),
            ends_at=dt.datetime.combine(hit.day + dt.timedelta(days=1), dt.time(), LOCAL),
        )
    )
    db_session.commit()
    kept = {(a.key, a.staff_id) for a in plan.assignments if a.visit_id == confirmed.id}

    second = solve(coord)

    db_session.expire_all()
    again = db_session.get(Plan, second["id"])
    assert {(a.key, a.staff_id) for a in again.assignments if a.key in dict(kept)} == kept
    on_day = [
        a
        for a in again.assignments
        if a.staff_id == ill and a.day == hit.day and a.visit_id is not None
    ]
    assert on_day == []
    # Only the ill member's seat (and what it forces) changes, far from a fresh plan.
    assert 1 <= second["report"]["changes"] <= 5
    assert recheck(db_session, second["id"]) == []


def test_edit_breaking_a_rule_is_refused(coord, db_session) -> None:  # noqa: ANN001
    body = solve(coord)
    plan = db_session.get(Plan, body["id"])
    seat = next(a for a in plan.assignments if a.role is AssignmentRole.VISIT_CHIEF)
    stranger = db_session.scalar(
        select(Staff.id)
        .join(StaffRoleGrant)
        .where(
            StaffRoleGrant.role == StaffRole.CHIEF_REPRESENTATIVE,
            Staff.department_id != seat.department_id,
            Staff.district_id.is_(None),
        )
        .limit(1)
    )

    resp = coord.patch(
        f"/api/v1/plans/{plan.id}/assignments/{seat.id}",
        json={"staff_id": stranger, "lock_version": body["lock_version"]},
    )

    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == "rule_violation"


def test_visit_scope_must_be_a_month(coord) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/plans", json={**BODY, "scope": "city"})

    assert resp.status_code == 422
    assert "month:" in resp.json["error"]["message"]


def test_backbones_per_visit_is_a_request_setting(coord, db_session) -> None:  # noqa: ANN001
    body = solve(coord, visit={"backbones": 0})

    plan = db_session.get(Plan, body["id"])
    roles = Counter(a.role for a in plan.assignments)
    assert roles[AssignmentRole.VISIT_BACKBONE] == 0 and roles[AssignmentRole.VISIT_LEAD] > 0
    assert coord.post("/api/v1/plans", json={**BODY, "visit": {"backbones": 9}}).status_code == 400
