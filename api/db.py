"""One SQLAlchemy session per request, on the engine configured for the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine

EXTENSION = "zerodistance.db"


@dataclass
class Database:
    """The engine and session factory of one app."""

    engine: Engine | None
    factory: sessionmaker[Session]


def init_db(app: Flask) -> Database:
    """Create the engine (or use a test connection) and close sessions after each request."""
    bind: Connection | None = app.config.get("DB_CONNECTION")
    if bind is not None:
        # Tests pass an open connection inside a transaction; commits become savepoints so the
        # test can roll everything back.
        db = Database(None, sessionmaker(bind=bind, join_transaction_mode="create_savepoint"))
    else:
        engine = make_engine(app.config["DATABASE_URL"])
        db = Database(engine, sessionmaker(bind=engine, expire_on_commit=False))
    app.extensions[EXTENSION] = db
    app.teardown_appcontext(_close_session)
    return db


def get_db(app: Flask | None = None) -> Database:
    """Return the database of the current (or given) app."""
    return (app or current_app).extensions[EXTENSION]


def session() -> Session:
    """Return the session of the current request, opening it on first use."""
    if "db_session" not in g:
        g.db_session = get_db().factory()
    return g.db_session


def _close_session(_exc: Any) -> None:
    """Close the request's session, rolling back anything uncommitted."""
    s: Session | None = g.pop("db_session", None)
    if s is not None:
        s.close()
