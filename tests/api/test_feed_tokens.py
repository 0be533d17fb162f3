"""Feed token management: who may list, issue, rotate and revoke; audit; the helpers for code."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from api import feed_tokens, feeds
from api.feed_tokens import TOKEN_PATTERN, UnknownOwner, ensure_feed, issue_feed
from models import AuditRecord, Expert, FeedOwner, FeedToken, Project, Staff
from tests.conftest import client_as

NOT_FOUND = "404 未找到\n".encode()


@pytest.fixture
def app(app):  # noqa: ANN001, ANN201
    """Return the app with the feed blueprints, registered here until api/registry.py does."""
    if "feeds" not in app.blueprints:
        app.register_blueprint(feeds.bp)
    if "feed_tokens" not in app.blueprints:
        app.register_api(feed_tokens.bp)
    return app


@pytest.fixture
def coord(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the coordinator token."""
    return client_as(app, tokens["coordinator"])


@pytest.fixture
def viewer(app, tokens):  # noqa: ANN001, ANN201
    """Return a client with the viewer token."""
    return client_as(app, tokens["viewer"])


@pytest.fixture
def staff(db_session) -> Staff:  # noqa: ANN001
    """Return a demo staff member."""
    return db_session.scalars(select(Staff).order_by(Staff.id)).first()


def audit(db_session, action: str) -> list[AuditRecord]:  # noqa: ANN001
    """Return the audit records of an action, oldest first."""
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        )
    )


def test_coordinator_issues_a_feed_shown_once(app, coord, staff, db_session) -> None:  # noqa: ANN001
    resp = coord.post(
        "/api/v1/feeds", json={"owner_type": "staff", "owner_id": staff.id, "label": "手机"}
    )

    assert resp.status_code == 201, resp.json
    body = resp.json
    token = body["token"]
    assert TOKEN_PATTERN.fullmatch(token)
    assert body["path"] == f"/feeds/{token}.ics"
    assert body["https_url"] == f"https://localhost/feeds/{token}.ics"
    assert body["webcal_url"] == f"webcal://localhost/feeds/{token}.ics"
    assert (body["owner_type"], body["owner_id"], body["owner_name"]) == (
        "staff",
        staff.id,
        staff.name,
    )
    assert body["label"] == "手机" and body["revoked_at"] is None
    row = db_session.get(FeedToken, body["id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert client_as(app, None).get(body["path"]).status_code == 200
    (rec,) = audit(db_session, "feed.issue")
    assert (rec.object_type, rec.object_id) == ("feed_token", row.id)
    assert rec.actor.startswith("token:") and rec.details["owner_id"] == staff.id

    listed = coord.get(f"/api/v1/feeds?owner_type=staff&owner_id={staff.id}").json
    assert [i["id"] for i in listed["items"]] == [row.id]
    assert listed["items"][0]["owner_name"] == staff.name
    assert token not in str(listed) and row.token_hash not in str(listed)


def test_viewers_list_but_do_not_manage(viewer, staff, db_session) -> None:  # noqa: ANN001
    row, _ = issue_feed(db_session, FeedOwner.STAFF, staff.id, "", "test")
    db_session.commit()

    assert viewer.get("/api/v1/feeds").status_code == 200
    body = {"owner_type": "staff", "owner_id": staff.id}
    assert viewer.post("/api/v1/feeds", json=body).status_code == 403
    assert viewer.post(f"/api/v1/feeds/{row.id}/rotate").status_code == 403
    assert viewer.delete(f"/api/v1/feeds/{row.id}").status_code == 403


def test_management_needs_a_token(anon_client) -> None:  # noqa: ANN001
    assert anon_client.get("/api/v1/feeds").status_code == 401
    assert anon_client.post("/api/v1/feeds", json={}).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"owner_type": "staff", "owner_id": 10**12}, 404),
        ({"owner_type": "enterprise", "owner_id": 1}, 400),
        ({"owner_type": "staff"}, 400),
        ({"owner_type": "staff", "owner_id": 0}, 400),
        ({"owner_type": "staff", "owner_id": 1, "label": "x" * 101}, 400),
        ({"owner_type": "staff", "owner_id": 1, "label": "a\x00b"}, 400),
        ({"owner_type": "staff", "owner_id": 1, "token": "zc_mine"}, 400),
    ],
)
def test_bad_issue_requests(coord, body, status, db_session) -> None:  # noqa: ANN001
    resp = coord.post("/api/v1/feeds", json=body)

    assert resp.status_code == status, resp.json
    assert set(resp.json["error"]) == {"code", "message", "details"}
    assert db_session.scalar(select(FeedToken)) is None


def test_every_owner_kind_can_be_issued(coord, db_session) -> None:  # noqa: ANN001
    from api.feed_owners import OWNER_MODELS

    for owner_type, model in OWNER_MODELS.items():
        owner = db_session.scalars(select(model).order_by(model.id)).first()
        resp = coord.post(
            "/api/v1/feeds", json={"owner_type": owner_type.value, "owner_id": owner.id}
        )
        assert resp.status_code == 201, (owner_type, resp.json)
        assert resp.json["owner_name"] == owner.name


def test_rotation_revokes_the_old_token_and_issues_a_new_one(app, coord, staff, db_session) -> None:  # noqa: ANN001
    old_row, old = issue_feed(db_session, FeedOwner.STAFF, staff.id, "平板", "test")
    db_session.commit()
    web = client_as(app, None)

    resp = coord.post(f"/api/v1/feeds/{old_row.id}/rotate")

    assert resp.status_code == 201, resp.json
    new = resp.json
    assert new["id"] != old_row.id and new["token"] != old
    assert (new["owner_type"], new["owner_id"], new["label"]) == ("staff", staff.id, "平板")
    assert web.get(f"/feeds/{old}.ics").data == NOT_FOUND
    assert web.get(new["path"]).status_code == 200
    db_session.expire_all()
    assert db_session.get(FeedToken, old_row.id).revoked_at is not None
    (rec,) = audit(db_session, "feed.rotate")
    assert (rec.before_id, rec.after_id, rec.object_id) == (old_row.id, new["id"], new["id"])
    # A revoked feed cannot be rotated back to life; unknown ids are 404.
    assert coord.post(f"/api/v1/feeds/{old_row.id}/rotate").status_code == 409
    assert coord.post("/api/v1/feeds/999999999/rotate").status_code == 404


def test_revocation_is_immediate_idempotent_and_audited_once(app, coord, staff, db_session) -> None:  # noqa: ANN001
    row, token = issue_feed(db_session, FeedOwner.STAFF, staff.id, "", "test")
    db_session.commit()
    web = client_as(app, None)
    assert web.get(f"/feeds/{token}.ics").status_code == 200

    first = coord.delete(f"/api/v1/feeds/{row.id}")
    again = coord.delete(f"/api/v1/feeds/{row.id}")

    assert first.status_code == again.status_code == 200
    assert first.json["revoked_at"] is not None
    assert first.json["revoked_at"] == again.json["revoked_at"]
    assert web.get(f"/feeds/{token}.ics").data == NOT_FOUND
    assert len(audit(db_session, "feed.revoke")) == 1
    assert coord.delete("/api/v1/feeds/999999999").status_code == 404
    # Revoked feeds leave the list unless asked for.
    assert coord.get("/api/v1/feeds").json["total"] == 0
    listed = coord.get("/api/v1/feeds?include_revoked=true").json["items"]
    assert [i["id"] for i in listed] == [row.id]


def test_issue_feed_for_code_and_the_cli(db_session) -> None:  # noqa: ANN001
    expert = db_session.scalars(select(Expert).order_by(Expert.id)).first()

    row, token = issue_feed(db_session, "expert", expert.id, "导入", "cli:张三")
    other = issue_feed(db_session, FeedOwner.EXPERT, expert.id, "导入", "cli:张三")[1]

    assert row.owner_type is FeedOwner.EXPERT and row.label == "导入"
    assert token != other and len(token) == 35  # 32 url-safe characters: 192 random bits
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert [r.actor for r in audit(db_session, "feed.issue")] == ["cli:张三", "cli:张三"]
    with pytest.raises(UnknownOwner):
        issue_feed(db_session, FeedOwner.PROJECT, 10**12, "", "test")


def test_ensure_feed_creates_one_feed_per_owner(db_session) -> None:  # noqa: ANN001
    project = db_session.scalars(select(Project).order_by(Project.id)).first()

    first = ensure_feed(db_session, FeedOwner.PROJECT, project.id)
    again = ensure_feed(db_session, "project", project.id)

    assert first is not None and again is first
    assert ensure_feed(db_session, FeedOwner.PROJECT, 10**12) is None
    first.revoked_at = first.created_at
    replaced = ensure_feed(db_session, FeedOwner.PROJECT, project.id)
    assert replaced is not None and replaced.id != first.id
    assert len(audit(db_session, "feed.issue")) == 2


def test_feed_endpoints_are_in_the_api_document(app, coord) -> None:  # noqa: ANN001
    paths = coord.get("/openapi.json").json["paths"]
    assert {"/api/v1/feeds", "/api/v1/feeds/{id}", "/api/v1/feeds/{id}/rotate"} <= set(paths)
    assert not any(p.startswith("/feeds") for p in paths)  # the feeds themselves are not API
