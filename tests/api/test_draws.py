"""Expert draws on the demo city: commitment, sealed panels, replay, confirm, decline, 422."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, update

from models import (
    AuditRecord,
    CalendarEvent,
    EventStatus,
    FeedOwner,
    Plan,
    ReviewMeeting,
    ReviewSeat,
)
from scheduler import panels
from scheduler.checks import check_panels
from tests.conftest import client_as

SETTINGS = {"time_limit_s": 20, "workers": 1, "random_seed": 3}


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


@pytest.fixture
def meeting(db_session) -> ReviewMeeting:  # noqa: ANN001
    """Return a requested demo meeting with seats in December."""
    return db_session.scalars(
        select(ReviewMeeting).join(ReviewSeat).order_by(ReviewMeeting.starts_at).limit(1)
    ).one()


def _draw(coord, **body) -> dict:  # noqa: ANN001
    """Request a draw and wait for it; return the finished plan."""
    resp = coord.post("/api/v1/review-meetings/draws?wait=30", json={"settings": SETTINGS, **body})
    assert resp.status_code == 201, resp.json
    return resp.json


def _publish(coord, plan: dict) -> None:  # noqa: ANN001
    resp = coord.post(
        f"/api/v1/plans/{plan['id']}/publish", json={"lock_version": plan["lock_version"]}
    )
    assert resp.status_code == 200, resp.json


def test_draw_commits_to_its_seed_and_reveals_it_to_coordinators(coord, client, meeting) -> None:  # noqa: ANN001
    plan = _draw(coord, meeting=meeting.code, draw_seed=42)
    assert plan["kind"] == "panel" and plan["job_status"] == "succeeded"
    assert "seed" not in str(plan["report"].get("params", {}))
    record = coord.get(f"/api/v1/review-meetings/draws/{plan['id']}").json
    assert record["revealed_seed"] == 42
    assert record["seed_commitment"] == plan["seed_commitment"]
    assert (
        panels.seed_commitment(record["revealed_seed"], record["revealed_salt"])
        == record["seed_commitment"]
    )
    assert len(record["inputs_sha256"]) == 64
    assert set(record["exclusions"]) == {meeting.code}
    hidden = client.get(f"/api/v1/review-meetings/draws/{plan['id']}").json
    assert (
        hidden["revealed_seed"] is None and hidden["revealed_salt"] is None
    )  # the meeting has not started


def test_draw_is_checked_replayable_and_sealed(coord, client, meeting, db_session) -> None:  # noqa: ANN001
    plan = _draw(coord, meeting=meeting.code, draw_seed=7)
    stored = db_session.get(Plan, plan["id"])
    instance = panels.PanelInstance.model_validate(stored.request["instance"])
    seats = {}
    for a in stored.assignments:
        if a.role.value == "panel_member":
            seats.setdefault(a.review_meeting_id, []).append(
                panels.Seat(
                    expert_id=a.expert_id,
                    specialty_id=a.specialty_id,
                    affinity=a.explanation["affinity"],
                )
            )
    sums = [sum(s.affinity for s in v) for v in seats.values()]
    solution = panels.PanelSolution(
        panels={k: tuple(v) for k, v in seats.items()},
        reserves={m.id: () for m in instance.meetings},
        affinity=sum(sums),
        worst_panel=min(sums),
    )
    checked = check_panels(instance, solution)
    assert checked.ok, checked.violations
    assert sum(len(v) for v in seats.values()) == sum(s.count for s in meeting.seats)

    replay = coord.post(f"/api/v1/review-meetings/draws/{plan['id']}/replay")
    assert replay.status_code == 200
    assert replay.json["identical"] is True, replay.json["differences"]

    _publish(coord, plan)
    panel = coord.get(f"/api/v1/review-meetings/{meeting.id}/panel")
    assert panel.status_code == 200
    assert len(panel.json["seats"]) == sum(s.count for s in meeting.seats)
    assert all(s["why"] for s in panel.json["seats"])
    sealed = client.get(f"/api/v1/review-meetings/{meeting.id}/panel")
    assert sealed.status_code == 403 and sealed.json["error"]["code"] == "sealed"
    events = db_session.scalars(
        select(CalendarEvent).where(CalendarEvent.plan_id == plan["id"])
    ).all()
    assert events and all(e.owner_type is FeedOwner.EXPERT for e in events)
    assert all(e.sealed_until == meeting.starts_at for e in events)


def test_decline_goes_to_the_next_valid_reserve_and_is_audited(coord, meeting, db_session) -> None:  # noqa: ANN001
    plan = _draw(coord, meeting=meeting.code, draw_seed=11, reserves=3)
    _publish(coord, plan)
    panel = coord.get(f"/api/v1/review-meetings/{meeting.id}/panel").json
    leaving = panel["seats"][0]
    resp = coord.post(
        f"/api/v1/review-meetings/{meeting.id}/panel/decline",
        json={"expert_id": leaving["expert_id"], "reason": "出差"},
    )
    assert resp.status_code == 200, resp.json
    substitute = resp.json["replaced_by"]
    assert substitute in [r["expert_id"] for r in panel["reserves"]]
    assert resp.json["plan"]["status"] == "published"
    after = coord.get(f"/api/v1/review-meetings/{meeting.id}/panel").json
    seat = next(s for s in after["seats"] if s["key"] == leaving["key"])
    assert seat["expert_id"] == substitute
    assert leaving["expert_id"] not in [
        s["expert_id"] for s in after["seats"] if s["status"] != "declined"
    ]
    actions = Counter(db_session.scalars(select(AuditRecord.action)).all())
    assert actions["panel.decline"] == 1 and actions["panel.replace"] == 1
    gone = db_session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.owner_type == FeedOwner.EXPERT,
            CalendarEvent.owner_id == leaving["expert_id"],
        )
    ).one()
    assert gone.status is EventStatus.CANCELLED and gone.sequence == 1


def test_decline_without_reserves_redraws_open_seats_keeping_confirmed(coord, meeting) -> None:  # noqa: ANN001
    plan = _draw(coord, meeting=meeting.code, draw_seed=5, reserves=0)
    _publish(coord, plan)
    seats = coord.get(f"/api/v1/review-meetings/{meeting.id}/panel").json["seats"]
    if len(seats) < 2:
        pytest.skip("needs a panel of two or more")
    stays, leaves = seats[0], seats[1]
    assert (
        coord.post(
            f"/api/v1/review-meetings/{meeting.id}/panel/confirm",
            json={"expert_id": stays["expert_id"]},
        ).status_code
        == 200
    )
    resp = coord.post(
        f"/api/v1/review-meetings/{meeting.id}/panel/decline",
        json={"expert_id": leaves["expert_id"]},
    )
    assert resp.status_code == 202
    assert resp.json["replaced_by"] is None
    redraw = coord.get(f"/api/v1/plans/{resp.json['plan']['id']}").json
    assert redraw["job_status"] == "succeeded"
    rows = coord.get(f"/api/v1/plans/{redraw['id']}/assignments")
    assert rows.status_code == 403  # panels stay sealed in the generic listing
    diff = coord.get(f"/api/v1/plans/{redraw['id']}/diff?against={plan['id']}")
    assert diff.status_code == 403


def test_short_seat_group_is_422_with_counts_and_reasons(coord, meeting, db_session) -> None:  # noqa: ANN001
    db_session.execute(
        update(ReviewSeat).where(ReviewSeat.meeting_id == meeting.id).values(count=60)
    )
    db_session.commit()
    resp = coord.post(
        "/api/v1/review-meetings/draws?wait=30",
        json={"meeting": meeting.code, "settings": SETTINGS},
    )
    assert resp.status_code == 422
    details = [c["detail"] for c in resp.json["error"]["details"]["diagnosis"]]
    assert any("需要 60 席" in d and "可选" in d for d in details), details
    assert db_session.scalar(select(func.count()).select_from(CalendarEvent)) == 0


def test_month_batch_draws_every_meeting(coord, db_session) -> None:  # noqa: ANN001
    plan = _draw(coord, month="2027-01", draw_seed=1)
    stored = db_session.get(Plan, plan["id"])
    drawn = {a.review_meeting_id for a in stored.assignments}
    december = db_session.scalars(
        select(ReviewMeeting.id).where(
            ReviewMeeting.code.in_([m["code"] for m in stored.request["instance"]["meetings"]])
        )
    ).all()
    assert drawn == set(december) and len(drawn) >= 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"meeting": "RM-NOPE"}, 422, "bad_scope"),
        ({"month": "1999-01"}, 422, "bad_scope"),
        ({"meeting": "X", "month": "2026-12"}, 400, None),
        ({}, 400, None),
        ({"meeting": "X", "objective": "max_avg"}, 400, None),
    ],
)
def test_bad_draw_requests_name_the_problem(coord, body, status, code) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/review-meetings/draws", json=body)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["message"]
    if code:
        assert resp.json["error"]["code"] == code


def test_lottery_draw_respects_the_cap_and_replays(coord, meeting) -> None:  # noqa: ANN001
    plan = _draw(coord, meeting=meeting.code, draw_seed=9, policy={"probability_cap": 0.5})
    report = plan["report"]
    assert report["lottery_status"] == "ok"
    assert report["max_marginal"] <= 0.5 + 1e-9
    assert 0 < report["fraction_of_optimum"] <= 1
    assert report["expected_affinity"] <= report["optimum"]
    replay = coord.post(f"/api/v1/review-meetings/draws/{plan['id']}/replay").json
    assert replay["identical"] is True, replay["differences"]


def test_a_cap_too_tight_for_the_pool_is_422(coord, meeting) -> None:  # noqa: ANN001
    resp = coord.post(
        "/api/v1/review-meetings/draws?wait=30",
        json={"meeting": meeting.code, "settings": SETTINGS, "policy": {"probability_cap": 0.01}},
    )
    assert resp.status_code == 422
    details = resp.json["error"]["details"]["diagnosis"]
    assert details and "0.01" in details[0]["detail"]
