"""Landing page, health check and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from api.db import session

bp = Blueprint("site", __name__, template_folder="templates")


@bp.get("/api/v1/health")
def health() -> Any:
    """Report whether the service and its database answer."""
    try:
        session().execute(text("SELECT 1"))
        db_ok = True
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        current_app.logger.exception("health check: database unreachable")
        db_ok = False
    body = {
        "status": "ok" if db_ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "version": current_app.config.get("API_VERSION", ""),
    }
    return jsonify(body), 200 if db_ok else 503


@bp.get("/openapi.json")
def openapi_document() -> Any:
    """Serve the OpenAPI 3 document generated from the pydantic models."""
    return jsonify(current_app.api_doc)


@bp.get("/")
def landing() -> str:
    """Tell a newcomer what the service holds and where to look."""
    return render_template("landing.html")
