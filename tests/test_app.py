"""The service answers its basic pages and errors in the JSON envelope."""

from __future__ import annotations

import pytest


def test_health_reports_database_ok(client) -> None:
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.json["status"] == "ok"
    assert resp.json["database"] == "ok"


def test_landing_page_tells_a_newcomer_what_is_there(client) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "零距离" in html
    for link in ("/api/v1/experts", "/api/v1/projects", "/openapi.json", "/api/v1/health"):
        assert link in html
    # Live counts from the demo city, not placeholders.
    assert "专家" in html and "重大项目" in html


def test_openapi_document_is_served(client) -> None:
    doc = client.get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/districts" in doc["paths"]


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v1/districts/1/extra"])
def test_unknown_paths_get_404_envelope(client, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.is_json
    assert set(resp.json["error"]) == {"code", "message", "details"}
    assert resp.json["error"]["code"] == "not_found"


def test_wrong_method_gets_405_envelope(client) -> None:
    resp = client.post("/api/v1/districts", json={})
    assert resp.status_code == 405
    assert resp.json["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_oversized_body_gets_413_envelope(client, app) -> None:
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    resp = client.post("/api/v1/districts", data=too_big, content_type="application/json")
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "request_entity_too_large"


def test_unexpected_error_is_a_500_envelope_without_trace(app) -> None:
    @app.get("/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    assert resp.json["error"]["code"] == "internal_error"
    assert "secret" not in resp.get_data(as_text=True)


def test_docs_page_serves_swagger_with_its_assets(anon_client) -> None:
    assert anon_client.get("/docs/").status_code == 200
    page = anon_client.get("/docs/swagger")
    assert page.status_code == 200
    assert "swagger-ui" in page.get_data(as_text=True)
    assert anon_client.get("/docs/swagger/js/swagger-ui-bundle.js").status_code == 200
    assert anon_client.get("/docs/openapi.json").json["info"]["title"].startswith("zerodistance")
