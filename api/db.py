"""One SQLAlchemy session per request, on the engine configured for the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, writer_engine

# Requests with these methods only read; the others write after reading.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

EXTENSION = "zerodistance.db"


@dataclass
class Database:
    """The engine and session factory of one app."""

    engine: Engine | None
    factory: sessionmaker[Session]
    # Sessions that write after reading (SQLite: BEGIN IMMEDIATE); the same as factory elsewhere.
    writer: sessionmaker[Session]


def init_db(app: Flask) -> Database:
    """Create the engine (or use a test connection) and close sessions after each request."""
    bind: Connection | None = app.config.get("DB_CONNECTION")
    if bind is not None:
        # Tests pass an open connection inside a transaction; commits become savepoints so the
        # test can roll everything back.
        factory = sessionmaker(bind=bind, join_transaction_mode="create_savepoint")
        db = Database(None, factory, factory)
    else:
        engine = make_engine(app.config["DATABASE_URL"])
        db = Database(
            engine,
            sessionmaker(bind=engine, expire_on_commit=False),
            sessionmaker(bind=writer_engine(engine), expire_on_commit=False),
        )
    app.extensions[EXTENSION] = db
    app.teardown_appcontext(_close_session)
    return db


def get_db(app: Flask | None = None) -> Database:
    """Return the database of the current (or given) app."""
    return (app or current_app).extensions[EXTENSION]


def session() -> Session:
    """Return the session of the current request, opening it on first use."""
    if "db_session" not in g:
        db = get_db()
        reads = has_request_context() and request.method in READ_METHODS
        g.db_session = db.factory() if reads else db.writer()
    return g.db_session


@contextmanager
def short_write() -> Iterator[Session]:
    """Yield a session for a small write that the caller commits.

    Inside a write request this is the request's own session: on SQLite it already holds the
    write lock, and a second writer connection in the same thread would wait for it forever.
    Elsewhere it is a fresh writer session, so a read request's snapshot is never upgraded.
    """
    if has_request_context() and request.method not in READ_METHODS:
        yield session()
        return
    with get_db().writer() as s:
        yield s


def _close_session(_exc: Any) -> None:
    """Close the request's session, rolling back anything uncommitted."""
    s: Session | None = g.pop("db_session", None)
    if s is not None:
        s.close()
