"""Bearer-token authentication and role checks for every /api/v1 endpoint."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from api.db import session, short_write
from api.errors import ApiError
from models import ApiRole, ApiToken
from models.auth import find_active_token
from models.base import utcnow

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

# Higher rank includes the rights of lower ranks.
RANK = {ApiRole.VIEWER: 1, ApiRole.COORDINATOR: 2, ApiRole.ADMIN: 3}
# Everything under this prefix needs a token, the health check included: it reveals the
# version and the state of the database. The landing page and the API documents stay public.
PROTECTED_PREFIX = "/api/v1/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Refresh last_used_at at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
SECURITY = [{"bearer": []}]
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "API 令牌：Authorization: Bearer zd_…（由管理员通过 CLI 或 /api/v1/tokens 签发）"
        ),
    }
}


def requires(role: ApiRole) -> Callable[[F], F]:
    """Mark a view as needing at least this role (default: viewer to read, coordinator to write)."""

    def mark(view: F) -> F:
        view._zd_role = role  # type: ignore[attr-defined]
        return view

    return mark


def current_token() -> ApiToken:
    """Return the token of the current request (only inside protected endpoints)."""
    return g.api_token


def actor() -> str:
    """Return how the current caller is named in audit records."""
    token: ApiToken | None = g.get("api_token")
    return f"token:{token.id}:{token.name}" if token else "system"


def _required_role() -> ApiRole:
    """Return the role the matched endpoint needs."""
    view = current_app.view_functions.get(request.endpoint or "")
    marked = getattr(view, "_zd_role", None)
    if marked is not None:
        return marked
    return ApiRole.VIEWER if request.method in SAFE_METHODS else ApiRole.COORDINATOR


def _bearer() -> str | None:
    """Return the bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> None:
    """Refuse protected requests without a valid token (401) or with too low a role (403)."""
    path = request.path
    if not path.startswith(PROTECTED_PREFIX):
        return
    if request.endpoint is None:
        return  # unknown path or method: let routing answer 404/405 without revealing more
    plaintext = _bearer()
    token = find_active_token(session(), plaintext) if plaintext else None
    if token is None:
        raise ApiError(401, "unauthorized", "需要有效的访问令牌（Authorization: Bearer …）")
    g.api_token = token
    needed = _required_role()
    if RANK[token.role] < RANK[needed]:
        raise ApiError(403, "forbidden", f"此操作需要“{ROLE_ZH[needed]}”或更高权限")
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes
    if last is None or now - last > LAST_USED_RESOLUTION:
        _stamp_last_used(token.id, now)


def _stamp_last_used(token_id: int, now: dt.datetime) -> None:
    """Record when a token was last used, in its own short write; skip it when contended."""
    try:
        with short_write() as w:
            w.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id)
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            w.commit()
    except OperationalError:
        # A usage stamp is not worth failing or delaying a request for.
        log.warning("could not record last use of token %d", token_id)


ROLE_ZH = {ApiRole.VIEWER: "查看者", ApiRole.COORDINATOR: "协调员", ApiRole.ADMIN: "管理员"}


def init_auth(app: Flask) -> None:
    """Install the token check in front of every request."""
    app.before_request(authenticate)
