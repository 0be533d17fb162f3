"""Tests for adding staff and experts: each new person gets a working calendar feed at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from models import AuditRecord, Department, District, Expert, FeedToken, Specialty, Staff
from tests.conftest import client_as


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


@pytest.fixture
def refs(db_session) -> dict[str, str]:  # noqa: ANN001
    """Return demo codes of a department, a district and two specialties."""
    specialties = db_session.scalars(select(Specialty.code).order_by(Specialty.id).limit(2)).all()
    return {
        "department": db_session.scalars(select(Department.code).order_by(Department.id)).first(),
        "district": db_session.scalars(select(District.code).order_by(District.id)).first(),
        "specialty": specialties[0],
        "specialty2": specialties[1],
    }


def new_staff(refs: dict[str, str], **kw: Any) -> dict[str, Any]:
    """Return a valid staff body, changed by kw."""
    body = {
        "employee_no": "NEW-0001",
        "name": "新同事",
        "department": refs["department"],
        "level": "district",
        "district": refs["district"],
        "roles": ["case_helper", "business_backbone"],
        "helper_capacity": 3,
        "phone": "0533-1234567",
    }
    return {**body, **kw}


def new_expert(refs: dict[str, str], **kw: Any) -> dict[str, Any]:
    """Return a valid expert body, changed by kw."""
    body = {
        "expert_no": "EXP-NEW-1",
        "name": "新专家",
        "pool_level": "city",
        "years_experience": 12,
        "specialties": [
            {"code": refs["specialty"], "depth": 4, "primary": True},
            {"code": refs["specialty2"], "depth": 2},
        ],
    }
    return {**body, **kw}


def counts(s) -> tuple[int, int, int, int]:  # noqa: ANN001
    """Return the numbers of staff, experts, feed tokens and audit records."""
    s.expire_all()
    return tuple(
        s.scalar(select(func.count()).select_from(m))
        for m in (Staff, Expert, FeedToken, AuditRecord)
    )


def test_new_staff_member_gets_a_working_feed(app, coord, refs, db_session) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/staff", json=new_staff(refs))

    assert resp.status_code == 201, resp.json
    staff, feed = resp.json["staff"], resp.json["feed"]
    assert staff["employee_no"] == "NEW-0001" and staff["department"]["code"] == refs["department"]
    assert staff["roles"] == ["business_backbone", "case_helper"]
    assert "phone" not in staff  # contact details never leave through the API
    assert (feed["owner_type"], feed["owner_id"]) == ("staff", staff["id"])
    assert feed["webcal_url"].startswith("webcal://") and feed["https_url"].startswith("https://")
    ics = client_as(app, None).get(feed["path"])
    assert ics.status_code == 200 and ics.content_type == "text/calendar; charset=utf-8"
    assert "新同事的零距离日程".encode() in ics.data.replace(b"\r\n ", b"")
    db_session.expire_all()
    row = db_session.get(Staff, staff["id"])
    assert row.phone == "0533-1234567" and row.helper_capacity == 3
    actions = db_session.scalars(
        select(AuditRecord.action).where(AuditRecord.action.in_(["staff.create", "feed.issue"]))
    ).all()
    assert sorted(actions) == ["feed.issue", "staff.create"]


def test_new_expert_gets_a_working_feed(app, coord, refs, db_session) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/experts", json=new_expert(refs))

    assert resp.status_code == 201, resp.json
    expert, feed = resp.json["expert"], resp.json["feed"]
    assert expert["expert_no"] == "EXP-NEW-1"
    assert [s["code"] for s in expert["specialties"]][0] == refs["specialty"]
    assert (feed["owner_type"], feed["owner_id"]) == ("expert", expert["id"])
    assert client_as(app, None).get(feed["path"]).status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"department": "NO-SUCH-DEPT"}, 422, "NO-SUCH-DEPT"),
        ({"district": "NO-SUCH-DISTRICT"}, 422, "NO-SUCH-DISTRICT"),
        ({"district": None}, 400, "district"),
        ({"helper_capacity": 2, "roles": []}, 400, "case_helper"),
        ({"roles": ["case_helper", "case_helper"]}, 400, "重复"),
        ({"employee_no": "has space"}, 400, "employee_no"),
        ({"name": ""}, 400, "name"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"surprise": 1}, 400, "surprise"),
    ],
)
def test_bad_staff_is_refused_and_nothing_written(
    coord, refs, db_session, change, status, needle
) -> None:  # noqa: ANN001
    before = counts(db_session)

    resp = coord.post("/api/v1/staff", json=new_staff(refs, **change))

    assert resp.status_code == status, resp.json
    assert needle in str(resp.json["error"])
    assert counts(db_session) == before


def test_taken_employee_number_is_409(coord, refs, db_session) -> None:  # noqa: ANN001
    taken = db_session.scalars(select(Staff.employee_no).order_by(Staff.id)).first()
    before = counts(db_session)

    resp = coord.post("/api/v1/staff", json=new_staff(refs, employee_no=taken))

    assert resp.status_code == 409 and taken in resp.json["error"]["message"]
    assert counts(db_session) == before


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"specialties": []}, 400, "specialties"),
        ({"specialties": [{"code": "NOPE"}]}, 422, "NOPE"),
        ({"pool_level": "district"}, 400, "district"),
        ({"employer_id": 999999}, 422, "999999"),
    ],
)
def test_bad_expert_is_refused_and_nothing_written(
    coord, refs, db_session, change, status, needle
) -> None:  # noqa: ANN001
    before = counts(db_session)

    resp = coord.post("/api/v1/experts", json=new_expert(refs, **change))

    assert resp.status_code == status, resp.json
    assert needle in str(resp.json["error"])
    assert counts(db_session) == before


def test_viewers_cannot_add_people(app, tokens, refs) -> None:  # noqa: ANN001
    viewer = client_as(app, tokens["viewer"])

    assert viewer.post("/api/v1/staff", json=new_staff(refs)).status_code == 403
    assert viewer.post("/api/v1/experts", json=new_expert(refs)).status_code == 403


def test_api_document_keeps_both_list_and_create(anon_client) -> None:  # noqa: ANN001
    paths = anon_client.get("/openapi.json").json["paths"]

    for path in ("/api/v1/staff", "/api/v1/experts"):
        assert {"get", "post"} <= set(paths[path]), path
        assert "201" in paths[path]["post"]["responses"]
