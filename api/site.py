"""Landing page, health check and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import func, select, text

from api.db import session
from models import Department, District, Enterprise, Expert, Project, ReviewMeeting, Staff

# What the landing page counts: label, list endpoint, model, filter.
LANDING_COUNTS = (
    ("区县", "/api/v1/districts", District, ()),
    ("部门", "/api/v1/departments", Department, ()),
    ("专家", "/api/v1/experts", Expert, ()),
    ("工作人员", "/api/v1/staff", Staff, ()),
    ("企业", "/api/v1/enterprises", Enterprise, ()),
    ("项目", "/api/v1/projects", Project, ()),
    ("重大项目", "/api/v1/projects?is_major=true", Project, (Project.is_major.is_(True),)),
    ("评审会", "/api/v1/review-meetings", ReviewMeeting, ()),
)

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
        "version": current_app.config["API_VERSION"],
    }
    return jsonify(body), 200 if db_ok else 503


@bp.get("/openapi.json")
def openapi_document() -> Any:
    """Serve the OpenAPI 3 document generated from the pydantic models."""
    return jsonify(current_app.api_doc)


@bp.get("/")
def landing() -> str:
    """Tell a newcomer what the service holds and where to look."""
    s = session()
    counts = [
        (label, path, s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
        for label, path, model, where in LANDING_COUNTS
    ]
    return render_template("landing.html", counts=counts, version=current_app.config["API_VERSION"])
