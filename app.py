"""Application factory: `flask --app app`, `gunicorn "app:create_app()"` and tests all use it."""

from __future__ import annotations

import logging
from typing import Any

from flask_openapi3 import Info, OpenAPI

from api.auth import SECURITY_SCHEMES, init_auth
from api.cli import register_cli
from api.config import load_config
from api.db import init_db
from api.errors import register_error_handlers, validation_error_response
from api.jobs import init_jobs
from api.registry import register_blueprints

API_TITLE = "zerodistance 零距离审批服务调度 API"
API_VERSION = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> OpenAPI:
    """Build the Flask app: configuration, database, blueprints, errors and CLI."""
    app = OpenAPI(
        __name__,
        info=Info(title=API_TITLE, version=API_VERSION),
        validation_error_status=400,
        validation_error_callback=validation_error_response,
        security_schemes=SECURITY_SCHEMES,
        doc_ui=True,
        doc_prefix="/docs",
        doc_url="/openapi.json",
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    app.config["API_VERSION"] = API_VERSION
    app.json.ensure_ascii = False  # Chinese text stays readable in JSON bodies.
    logging.getLogger("zerodistance").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    init_db(app)
    register_error_handlers(app)
    init_auth(app)
    register_blueprints(app)
    init_jobs(app)
    register_cli(app)
    return app
