"""Duty roster plans on the demo city: a month per hall, re-checked, published to people and posts.

Jobs run inline here (one rolled-back connection). Each hall's stored roster is rebuilt from its
rows and re-checked with scheduler.roster_checks, the independent evaluator.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from api.roster_plans import RosterAdapter
from api.visit_load import month_of
from models import AssignmentRole, CalendarEvent, FeedOwner, Plan, ShiftType, Staff
from models.duty import DutyKind, DutyPost
from scheduler import roster
from scheduler.roster_checks import check_roster, roster_objective
from tests.conftest import DEMO_TODAY, client_as

SCOPE = f"month:{DEMO_TODAY:%Y-%m}"
BODY = {
    "kind": "roster",
    "scope": SCOPE,
    "settings": {"time_limit_s": 24, "workers": 1, "random_seed": 7},
}


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


def solve(coord) -> dict:  # noqa: ANN001
    """Request a roster plan and return its finished body."""
    resp = coord.post("/api/v1/plans", json=BODY)
    assert resp.status_code == 202, resp.json
    done = coord.get(f"/api/v1/plans/{resp.json['id']}").json
    assert done["job_status"] == "succeeded", (done["error"], done["diagnosis"])
    return done


def test_month_roster_holds_every_hard_rule_in_every_hall(coord, db_session) -> None:  # noqa: ANN001
    done = solve(coord)

    plan = db_session.get(Plan, done["id"])
    first, _ = month_of(plan.scope)
    recomputed = 0
    halls = RosterAdapter().halls(db_session, plan)
    assert len(halls) >= 2
    for hall in halls:
        post_ids = {p.id for p in hall.posts.values()}
        cells = {e.id: [""] * hall.instance.horizon_days for e in hall.instance.employees}
        by_id = {s.id: s.employee_no for s in hall.staff.values()}
        for a in plan.assignments:
            if a.duty_post_id in post_ids:
                cells[by_id[a.staff_id]][(a.day - first).days] = a.explanation["shift"]
        solution = roster.RosterSolution(
            assignments={e: tuple(c) for e, c in cells.items()}, objective=None
        )
        assert check_roster(hall.instance, solution) == [], hall.key
        recomputed += sum(roster_objective(hall.instance, solution).values())
    assert recomputed == done["report"]["objective"]
    assert done["report"]["objective"] >= (done["report"]["best_bound"] or 0)
    assert all(a.role is AssignmentRole.DUTY for a in plan.assignments)


def test_published_roster_shows_who_is_on_the_hotline(app, coord, db_session) -> None:  # noqa: ANN001
    done = solve(coord)
    resp = coord.post(
        f"/api/v1/plans/{done['id']}/publish", json={"lock_version": done["lock_version"]}
    )
    assert resp.status_code == 200, resp.json
    plan = db_session.get(Plan, done["id"])
    hotline = db_session.scalar(
        select(DutyPost).where(DutyPost.kind == DutyKind.HOTLINE, DutyPost.district_id.is_(None))
    )
    duty = next(a for a in plan.assignments if a.duty_post_id == hotline.id)
    shift = db_session.get(ShiftType, duty.shift_type_id)
    # Hotline duty only goes to people trained for it.
    assert hotline.qualification.code in {
        q.qualification.code for q in duty_staff(db_session, duty)
    }

    issued = coord.post("/api/v1/feeds", json={"owner_type": "duty_post", "owner_id": hotline.id})
    ics = client_as(app, None).get(issued.json["path"]).data.decode().replace("\r\n ", "")
    assert f"{shift.name}值班：" in ics
    person = db_session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.owner_type == FeedOwner.STAFF,
            CalendarEvent.owner_id == duty.staff_id,
            CalendarEvent.kind == "duty",
        )
    ).all()
    assert any(e.starts_at == duty.starts_at for e in person)


def duty_staff(s, duty):  # noqa: ANN001, ANN201
    """Return the qualifications of the person on a duty."""
    return s.get(Staff, duty.staff_id).qualifications


def test_roster_scope_must_be_a_month(coord) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/plans", json={**BODY, "scope": "city"})

    assert resp.status_code == 422
    assert "month:" in resp.json["error"]["message"]


def test_shift_starts_follow_the_shift_type(coord, db_session) -> None:  # noqa: ANN001
    done = solve(coord)
    plan = db_session.get(Plan, done["id"])
    for a in plan.assignments[:50]:
        st = db_session.get(ShiftType, a.shift_type_id)
        local = a.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert local.time() == st.starts and local.date() == a.day
        assert a.ends_at - a.starts_at == dt.timedelta(minutes=st.minutes)
