"""Bearer tokens: every /api/v1 endpoint refuses anonymous callers; roles apply."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import ApiToken, AuditRecord
from models.auth import hash_token
from tests.conftest import client_as


def _protected_urls(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """Return (method, url) of every /api/v1 route, with ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def test_every_api_endpoint_refuses_requests_without_a_valid_token(app) -> None:  # noqa: ANN001
    urls = _protected_urls(app)
    assert len(urls) > 40  # the whole read-only API plus plans, tokens, audit and health
    assert ("GET", "/api/v1/health") in urls
    assert ("POST", "/api/v1/plans/1/publish") in urls
    bad_headers = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer zd_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ]
    c = app.test_client()
    for method, url in urls:
        for headers in bad_headers:
            resp = c.open(url, method=method, headers=headers, json={})
            assert resp.status_code == 401, (method, url, headers)
            assert resp.json["error"]["code"] == "unauthorized"


def test_docs_and_landing_stay_public(anon_client) -> None:  # noqa: ANN001
    for url in ("/openapi.json", "/", "/docs/swagger"):
        assert anon_client.get(url).status_code == 200, url


def test_viewer_reads_but_cannot_manage_tokens(client) -> None:  # noqa: ANN001
    assert client.get("/api/v1/experts").status_code == 200
    for method, url in [("GET", "/api/v1/tokens"), ("GET", "/api/v1/audit")]:
        resp = client.open(url, method=method)
        assert resp.status_code == 403
        assert resp.json["error"]["code"] == "forbidden"


def test_coordinator_cannot_issue_tokens(app, tokens) -> None:  # noqa: ANN001
    c = client_as(app, tokens["coordinator"])
    resp = c.post("/api/v1/tokens", json={"name": "x", "role": "viewer"})
    assert resp.status_code == 403


def test_admin_issues_a_token_that_works_once_and_revokes_it(app, tokens, db_session) -> None:  # noqa: ANN001
    admin = client_as(app, tokens["admin"])
    resp = admin.post("/api/v1/tokens", json={"name": "张店区联审办", "role": "coordinator"})
    assert resp.status_code == 201
    issued = resp.json
    plaintext = issued["token"]
    assert plaintext.startswith("zd_") and len(plaintext) >= 40
    assert plaintext.startswith(issued["prefix"])

    # Stored hashed only: the plaintext appears nowhere in the database row.
    row = db_session.get(ApiToken, issued["id"])
    assert row.token_hash == hash_token(plaintext) and plaintext not in row.token_hash

    # The list never shows secrets.
    listed = admin.get("/api/v1/tokens").json["items"]
    assert any(t["id"] == issued["id"] for t in listed)
    assert all("token" not in t and "token_hash" not in t for t in listed)

    new_client = client_as(app, plaintext)
    assert new_client.get("/api/v1/districts").status_code == 200

    assert admin.delete(f"/api/v1/tokens/{issued['id']}").status_code == 200
    assert new_client.get("/api/v1/districts").status_code == 401

    actions = db_session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_id == issued["id"])
    ).all()
    assert {"token.issue", "token.revoke"} <= set(actions)
    audit = admin.get("/api/v1/audit", query_string={"object_type": "api_token"}).json
    assert audit["total"] >= 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "", "role": "viewer"},
        {"name": "x", "role": "owner"},
        {"name": "x"},
        {"name": "x", "role": "viewer", "extra": 1},
        {"name": "x", "role": "viewer", "district": "火星"},
    ],
)
def test_bad_token_requests_are_400(app, tokens, body) -> None:  # noqa: ANN001
    resp = client_as(app, tokens["admin"]).post("/api/v1/tokens", json=body)
    assert resp.status_code == 400
    assert set(resp.json["error"]) == {"code", "message", "details"}


def test_revoking_unknown_token_is_404(app, tokens) -> None:  # noqa: ANN001
    resp = client_as(app, tokens["admin"]).delete("/api/v1/tokens/999999")
    assert resp.status_code == 404


def test_audit_records_cannot_be_changed(db_session) -> None:  # noqa: ANN001
    from models import AuditTamperError, record

    rec = record(db_session, "test", "token.issue", "api_token", 1)
    db_session.flush()
    rec.actor = "someone else"
    with pytest.raises(AuditTamperError):
        db_session.flush()
    db_session.rollback()


def test_openapi_declares_bearer_security(anon_client) -> None:  # noqa: ANN001
    doc = anon_client.get("/openapi.json").json
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["paths"]["/api/v1/experts"]["get"]["security"] == [{"bearer": []}]


def test_token_names_with_nul_are_refused(app, tokens) -> None:  # noqa: ANN001
    c = client_as(app, tokens["admin"])
    resp = c.post("/api/v1/tokens", json={"name": "a\x00b", "role": "viewer"})
    assert resp.status_code == 400
    assert resp.json["error"]["message"]
