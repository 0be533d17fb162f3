"""Public calendar feeds: GET /feeds/<token>.ics serves one owner's events to calendar apps.

The token in the URL is the only credential, so every failure looks the same: unknown, revoked
or malformed tokens, owners that no longer exist and any other path under /feeds all get one
tiny plain-text 404. Bodies are never compressed, so the strong ETag (a hash of the body) stays
valid for the bytes sent; If-None-Match is checked before If-Modified-Since (RFC 9110 13.2.2).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session

from api.db import session
from api.feed_cache import DEFAULT_BUDGET_BYTES, FeedCache, fingerprint
from api.feed_content import FeedWindow, RenderedFeed, build_feed
from api.feed_tokens import TOKEN_PATTERN, find_active_feed
from models import FeedToken
from models.base import utcnow

bp = Blueprint("feeds", __name__)

PREFIX = "/feeds"
SUFFIX = ".ics"
NOT_FOUND = "404 未找到\n"
CACHE_CONTROL = "private, max-age=300"


def not_found() -> Response:
    """Return the one answer to every feed request that cannot be served."""
    resp = Response(NOT_FOUND, 404, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def window() -> FeedWindow:
    """Return the feed window from the app's configuration, defaults otherwise."""
    cfg, default = current_app.config, FeedWindow()
    return FeedWindow(
        past_days=int(cfg.get("FEED_PAST_DAYS", default.past_days)),
        future_days=int(cfg.get("FEED_FUTURE_DAYS", default.future_days)),
        cancelled_grace_days=int(cfg.get("FEED_GRACE_DAYS", default.cancelled_grace_days)),
    )


def feed_cache() -> FeedCache:
    """Return this app's cache of rendered feeds, made on first use."""
    cache = current_app.extensions.get("feed_cache")
    if cache is None:
        budget = int(current_app.config.get("FEED_CACHE_BYTES", DEFAULT_BUDGET_BYTES))
        cache = current_app.extensions.setdefault("feed_cache", FeedCache(budget))
    return cache


def current(s: Session, token: FeedToken) -> RenderedFeed | None:
    """Return the token's feed as of now, rendering it only when something it shows changed."""
    now, shown = utcnow(), window()
    key = fingerprint(s, token, now, shown)
    if key is None:
        return None
    cache = feed_cache()
    rendered = cache.get(token.id, key)
    if rendered is None:
        rendered = build_feed(s, token, now, shown)
        if rendered is not None:
            cache.put(token.id, key, rendered)
    return rendered


def not_modified(feed: RenderedFeed) -> bool:
    """Tell whether the client's copy is current."""
    if "If-None-Match" in request.headers:
        # Weak comparison for If-None-Match (RFC 9110 13.1.2); If-Modified-Since is then ignored.
        return request.if_none_match.contains_weak(feed.etag)
    since = request.if_modified_since
    return since is not None and feed.last_modified.replace(microsecond=0) <= since


@bp.before_app_request
def refuse_other_feed_paths() -> Response | None:
    """Answer every request under /feeds that no feed route matches with the same bare 404."""
    # Routing failures (404, 405, werkzeug's slash redirects) surface after the hooks run.
    path = request.path
    if request.endpoint is None and (path == PREFIX or path.startswith(PREFIX + "/")):
        return not_found()
    return None


@bp.get(PREFIX + "/<name>")
def feed(name: str) -> Response:
    """Serve the calendar behind a feed token, or a bare 404."""
    plaintext = name.removesuffix(SUFFIX)
    # Check the shape first: a huge or odd name never reaches the database.
    if plaintext == name or not TOKEN_PATTERN.fullmatch(plaintext):
        return not_found()
    s = session()
    token = find_active_feed(s, plaintext)
    rendered = current(s, token) if token is not None else None
    if rendered is None:
        return not_found()
    if not_modified(rendered):
        resp = Response(status=304)
    else:
        resp = Response(rendered.body, 200, content_type="text/calendar; charset=utf-8")
    resp.set_etag(rendered.etag)
    resp.last_modified = rendered.last_modified
    resp.headers["Cache-Control"] = CACHE_CONTROL
    resp.headers["X-Content-Type-Options"] = "nosniff"
    # The URL is a secret: keep it out of search engines that come across it.
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp
