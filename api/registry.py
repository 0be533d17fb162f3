"""The one list of blueprints the app registers."""

from flask_openapi3 import APIBlueprint, OpenAPI

from api import (
    audit,
    duty,
    feed_tokens,
    feeds,
    meetings,
    org,
    people,
    people_admin,
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


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def register_merged(app: OpenAPI, bp: APIBlueprint) -> None:
    """Register a blueprint whose paths other blueprints also serve, keeping every operation."""
    # flask-openapi3 replaces a path's whole entry in the API document on each registration.
    before = dict(app.paths)
    app.register_api(bp)
    for path, old in before.items():
        new = app.paths.get(path)
        if new is None or new is old:
            continue
        for method in HTTP_METHODS:
            if getattr(new, method, None) is None and getattr(old, method, None) is not None:
                setattr(new, method, getattr(old, method))


def register_blueprints(app: OpenAPI) -> None:
    """Register the site pages and every resource blueprint."""
    app.register_blueprint(site.bp)
    app.register_blueprint(feeds.bp)
    for module in READONLY_MODULES:
        for resource in module.RESOURCES:
            app.register_api(make_blueprint(resource))
    register_merged(app, people_admin.bp)
    app.register_api(plans.bp)
    app.register_api(review_meetings.bp)
    app.register_api(feed_tokens.bp)
    app.register_api(tokens.bp)
    app.register_api(audit.bp)
