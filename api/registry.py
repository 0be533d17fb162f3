"""The one list of blueprints the app registers."""

from flask_openapi3 import OpenAPI

from api import (
    audit,
    duty,
    feed_tokens,
    feeds,
    meetings,
    org,
    people,
    plans,
    projects,
    review_meetings,
    rotation,
    site,
    tokens,
    training,
    visits,
)
from api.readonly import make_blueprint

# Modules contributing read-only resources, in the order they appear in the API document.
READONLY_MODULES = (
    org,
    people,
    projects,
    meetings,
    visits,
    rotation,
    training,
    duty,
)


def register_blueprints(app: OpenAPI) -> None:
    """Register the site pages and every resource blueprint."""
    app.register_blueprint(site.bp)
    app.register_blueprint(feeds.bp)
    for module in READONLY_MODULES:
        for resource in module.RESOURCES:
            app.register_api(make_blueprint(resource))
    app.register_api(plans.bp)
    app.register_api(review_meetings.bp)
    app.register_api(feed_tokens.bp)
    app.register_api(tokens.bp)
    app.register_api(audit.bp)
