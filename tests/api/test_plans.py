"""Plan endpoints on the demo city: request, 422 diagnosis, publish, pins, re-plan, diff, edits.

Jobs run inline here (one rolled-back connection); test_jobs.py covers the real executors.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, update

from api.case_helpers import CaseHelperAdapter
from models import AuditRecord, CalendarEvent, EventStatus, Plan, Project, Staff
from scheduler.helpers import is_eligible
from tests.conftest import client_as

BODY = {
    "kind": "case_helper",
    "horizon_start": "2026-12-01",
    "horizon_end": "2027-02-28",
    "settings": {"time_limit_s": 20, "workers": 1, "random_seed": 7},
}


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


def _solve(coord, **extra) -> dict:  # noqa: ANN001
    """Request a plan and return its finished body."""
    resp = coord.post("/api/v1/plans", json={**BODY, **extra})
    assert resp.status_code == 202, resp.json
    body = coord.get(f"/api/v1/plans/{resp.json['id']}").json
    assert body["job_status"] == "succeeded", body["error"]
    return body


def _publish(coord, body: dict) -> dict:  # noqa: ANN001
    """Publish a plan with the lock version it was read with."""
    resp = coord.post(
        f"/api/v1/plans/{body['id']}/publish", json={"lock_version": body["lock_version"]}
    )
    assert resp.status_code == 200, resp.json
    return resp.json


def _assignments(coord, plan_id: int) -> list[dict]:  # noqa: ANN001
    """Return every assignment of a plan."""
    return coord.get(f"/api/v1/plans/{plan_id}/assignments?per_page=200").json["items"]


def test_request_runs_a_checked_optimal_plan(coord, db_session) -> None:  # noqa: ANN001
    body = _solve(coord)
    report = body["report"]
    assert report["status"] == "optimal"
    assert report["objective"] == report["best_bound"]
    assert report["changes"] is None or report["changes"] == 0
    assert set(report["penalties"]) == {"continuity", "industry_match", "peak_load"}
    majors = db_session.scalar(select(func.count()).where(Project.is_major.is_(True)))
    rows = _assignments(coord, body["id"])
    assert len(rows) == majors
    assert all(r["staff_name"] and r["explanation"]["summary"] for r in rows)
    assert body["created_by"].endswith("演示协调员") or body["created_by"].startswith("token:")


def test_infeasible_request_is_422_naming_the_stranded_project(coord, db_session) -> None:  # noqa: ANN001
    district_id = db_session.scalar(
        select(Project.district_id).where(Project.is_major.is_(True)).limit(1)
    )
    db_session.execute(
        update(Staff)
        .where((Staff.district_id == district_id) | Staff.district_id.is_(None))
        .values(helper_capacity=0)
    )
    db_session.commit()
    resp = coord.post("/api/v1/plans?wait=30", json=BODY)
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "infeasible"
    names = [c["name"] for c in err["details"]["diagnosis"]]
    stranded = set(
        db_session.scalars(
            select(Project.code).where(
                Project.is_major.is_(True), Project.district_id == district_id
            )
        )
    )
    # One stranded project is a complete explanation on its own.
    assert len(names) == 1 and names[0].removeprefix("project:") in stranded
    assert "没有符合条件的帮办代办员" in err["message"]
    plan = coord.get(f"/api/v1/plans/{err['details']['plan_id']}").json
    assert plan["job_status"] == "infeasible"
    assert plan["diagnosis"] == err["details"]["diagnosis"]
    resp = coord.post(
        f"/api/v1/plans/{plan['id']}/publish", json={"lock_version": plan["lock_version"]}
    )
    assert resp.status_code == 422
    assert _assignments(coord, plan["id"]) == []


def test_infeasible_district_names_projects_and_places(coord, db_session) -> None:  # noqa: ANN001
    majors = Counter(
        db_session.scalars(select(Project.district_id).where(Project.is_major.is_(True)))
    )
    helpers = {s.id: s for s in db_session.scalars(select(Staff).where(Staff.helper_capacity > 0))}
    per_district = Counter(s.district_id for s in helpers.values())
    district_id = next(d for d, n in majors.most_common() if 0 < per_district[d] < n)
    db_session.execute(update(Staff).where(Staff.district_id.is_(None)).values(helper_capacity=0))
    db_session.execute(
        update(Staff)
        .where(Staff.district_id == district_id, Staff.helper_capacity > 0)
        .values(helper_capacity=1)
    )
    db_session.commit()
    resp = coord.post("/api/v1/plans?wait=30", json=BODY)
    assert resp.status_code == 422
    names = {c["name"] for c in resp.json["error"]["details"]["diagnosis"]}
    assert names == {f"district:{district_id}", f"capacity:{district_id}"}


def test_publish_writes_events_supersedes_and_audits(coord, db_session) -> None:  # noqa: ANN001
    first = _publish(coord, _solve(coord))
    assert first["status"] == "published"
    events = db_session.scalars(
        select(CalendarEvent).where(CalendarEvent.plan_id == first["id"])
    ).all()
    assert len(events) == 2 * len(_assignments(coord, first["id"]))  # helper's and project's feed
    assert {e.owner_type.value for e in events} == {"staff", "project"}
    assert all(e.sequence == 0 and e.all_day for e in events)

    second = _solve(coord)
    assert second["based_on_id"] == first["id"]
    assert second["report"]["changes"] == 0  # nothing forced a change
    _publish(coord, second)
    assert coord.get(f"/api/v1/plans/{first['id']}").json["status"] == "superseded"
    moved = db_session.scalars(
        select(CalendarEvent).where(CalendarEvent.plan_id == second["id"])
    ).all()
    assert len(moved) == len(events)
    assert all(e.sequence == 0 for e in moved)  # identical events keep their SEQUENCE
    actions = Counter(
        db_session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_id.in_([first["id"], second["id"]]))
        )
    )
    assert actions["plan.request"] == 2 and actions["plan.solved"] == 2
    assert actions["plan.publish"] == 2


def test_stale_publish_is_409_and_changes_nothing(coord, db_session) -> None:  # noqa: ANN001
    body = _solve(coord)
    resp = coord.post(
        f"/api/v1/plans/{body['id']}/publish", json={"lock_version": body["lock_version"] - 1}
    )
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "stale_version"
    assert coord.get(f"/api/v1/plans/{body['id']}").json["status"] == "draft"
    assert db_session.scalar(select(func.count()).select_from(CalendarEvent)) == 0


def test_replan_keeps_pins_and_makes_the_fewest_changes(coord, db_session) -> None:  # noqa: ANN001
    published = _publish(coord, _solve(coord))
    rows = _assignments(coord, published["id"])
    load = Counter(r["staff_id"] for r in rows)
    # Take a helper with two or more projects; pin one project of another helper.
    busy = next(h for h, n in load.most_common() if n >= 2)
    other = next(r for r in rows if r["staff_id"] != busy)
    resp = coord.patch(
        f"/api/v1/plans/{published['id']}/assignments/{other['id']}",
        json={"pinned": True, "lock_version": published["lock_version"]},
    )
    assert resp.status_code == 200
    assert resp.json["lock_version"] == published["lock_version"] + 1
    # The busy helper loses one place: exactly one of their projects must move.
    db_session.execute(update(Staff).where(Staff.id == busy).values(helper_capacity=load[busy] - 1))
    db_session.commit()
    # Precondition that makes one change enough: some project of theirs has another eligible
    # helper with a free place.
    plan = db_session.get(Plan, published["id"])
    instance = CaseHelperAdapter().load(db_session, plan)
    helpers = {h.id: h for h in instance.helpers}
    projects = {p.id: p for p in instance.projects}
    assert any(
        is_eligible(h, projects[r["project_id"]]) and load[h.id] < h.capacity
        for r in rows
        if r["staff_id"] == busy
        for h in helpers.values()
        if h.id != busy
    )

    replan = _solve(coord)
    # A change costs 1,000 points; all other goals together are worth less than that, so the
    # optimum makes exactly the one forced change.
    assert replan["report"]["changes"] == 1
    assert replan["report"]["penalties"]["continuity"] == 1000
    after = {r["key"]: r for r in _assignments(coord, replan["id"])}
    assert after[other["key"]]["staff_id"] == other["staff_id"]
    assert after[other["key"]]["pinned"] is True
    assert Counter(r["staff_id"] for r in after.values())[busy] == load[busy] - 1

    diff = coord.get(f"/api/v1/plans/{replan['id']}/diff?against={published['id']}").json
    assert diff["added"] == [] and diff["removed"] == []
    assert len(diff["moved"]) == 1
    move = diff["moved"][0]
    assert move["fields"] == ["staff_id"]
    assert move["before"]["staff_id"] == busy
    assert diff["unchanged"] == len(rows) - 1


def test_replan_without_base_ignores_pins(coord) -> None:  # noqa: ANN001
    published = _publish(coord, _solve(coord))
    fresh = _solve(coord, replan=False)
    assert fresh["based_on_id"] == published["id"]
    assert fresh["report"]["changes"] is None or fresh["report"]["changes"] == 0


def test_publishing_a_draft_of_an_outdated_base_is_409(coord) -> None:  # noqa: ANN001
    a, b = _solve(coord), _solve(coord)
    _publish(coord, a)
    resp = coord.post(f"/api/v1/plans/{b['id']}/publish", json={"lock_version": b["lock_version"]})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "base_changed"


def test_manual_edit_is_rechecked_and_versioned(coord, db_session) -> None:  # noqa: ANN001
    draft = _solve(coord)
    rows = _assignments(coord, draft["id"])
    target = rows[0]
    project = db_session.get(Project, target["project_id"])
    wrong = db_session.scalar(
        select(Staff.id).where(
            Staff.helper_capacity > 0,
            Staff.district_id.is_not(None),
            Staff.district_id != project.district_id,
        )
    )
    url = f"/api/v1/plans/{draft['id']}/assignments/{target['id']}"
    resp = coord.patch(url, json={"staff_id": wrong, "lock_version": draft["lock_version"]})
    assert resp.status_code == 422
    assert any("区县" in v for v in resp.json["error"]["details"]["violations"])
    resp = coord.patch(url, json={"pinned": True, "lock_version": draft["lock_version"] + 5})
    assert resp.status_code == 409
    resp = coord.patch(url, json={"pinned": True, "lock_version": draft["lock_version"]})
    assert resp.status_code == 200
    resp = coord.patch(url, json={"pinned": False, "lock_version": draft["lock_version"]})
    assert resp.status_code == 409  # the pin above moved the version on
    edits = db_session.scalar(
        select(func.count()).where(
            AuditRecord.action == "assignment.pin", AuditRecord.object_id == target["id"]
        )
    )
    assert edits == 1


def test_published_plans_cannot_be_edited_and_superseded_cannot_be_pinned(coord) -> None:  # noqa: ANN001
    first = _publish(coord, _solve(coord))
    row = _assignments(coord, first["id"])[0]
    url = f"/api/v1/plans/{first['id']}/assignments/{row['id']}"
    resp = coord.patch(
        url, json={"staff_id": row["staff_id"] + 1, "lock_version": first["lock_version"]}
    )
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "not_draft"
    second = _publish(coord, _solve(coord))
    assert second["status"] == "published"
    stale = coord.get(f"/api/v1/plans/{first['id']}").json
    resp = coord.patch(url, json={"pinned": True, "lock_version": stale["lock_version"]})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "superseded"


def test_republishing_changes_bump_sequence_and_cancel_removed_events(coord, db_session) -> None:  # noqa: ANN001
    first = _publish(coord, _solve(coord))
    rows = _assignments(coord, first["id"])
    busy = Counter(r["staff_id"] for r in rows).most_common(1)[0][0]
    db_session.execute(update(Staff).where(Staff.id == busy).values(helper_capacity=0))
    db_session.commit()
    second = _publish(coord, _solve(coord))
    events = db_session.scalars(
        select(CalendarEvent).where(CalendarEvent.plan_id == second["id"])
    ).all()
    cancelled = [e for e in events if e.status is EventStatus.CANCELLED]
    # The helper's own events are cancelled; the projects' events now name someone else.
    assert cancelled and all(
        e.owner_type.value == "staff" and e.owner_id == busy for e in cancelled
    )
    assert all(e.sequence == 1 for e in cancelled)
    changed = [e for e in events if e.owner_type.value == "project" and e.sequence == 1]
    assert len(changed) == len(cancelled)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**BODY, "kind": "joint_session"}, 422, "kind_not_solvable"),
        ({**BODY, "kind": "panel"}, 422, "bad_scope"),
        ({**BODY, "scope": "district:zhangdian"}, 422, "bad_scope"),
        ({**BODY, "horizon_end": "2026-11-01"}, 400, "bad_horizon"),
        ({**BODY, "settings": {"time_limit_s": 0}}, 400, None),
        ({**BODY, "surprise": 1}, 400, None),
    ],
)
def test_bad_requests_name_the_problem(coord, body, status, code) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/plans", json=body)
    assert resp.status_code == status
    assert resp.json["error"]["message"]
    if code:
        assert resp.json["error"]["code"] == code


def test_unknown_plans_and_foreign_assignments_are_404(coord) -> None:  # noqa: ANN001
    body = _solve(coord)
    assert coord.get("/api/v1/plans/999999").status_code == 404
    assert coord.get(f"/api/v1/plans/{body['id']}/diff?against=999999").status_code == 404
    resp = coord.patch(
        f"/api/v1/plans/{body['id']}/assignments/999999",
        json={"pinned": True, "lock_version": body["lock_version"]},
    )
    assert resp.status_code == 404
