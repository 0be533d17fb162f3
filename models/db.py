"""Engine construction for the embedded SQLite default and PostgreSQL via psycopg 3."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Return the URL with PostgreSQL pinned to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite enforce foreign keys and wait on locks instead of failing."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite starts transactions lazily and ignores SAVEPOINT semantics; take control of
        # BEGIN so that transactions, savepoints and transactional DDL behave as documented.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def writer_engine(engine: Engine) -> Engine:
    """Return the engine for sessions that write after reading.

    On SQLite a deferred transaction that read before another connection committed cannot
    upgrade to a writer (SQLITE_BUSY_SNAPSHOT, not retried by busy_timeout); BEGIN IMMEDIATE
    takes the write lock first and waits for it instead. PostgreSQL needs nothing.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def _sqlite_begin(conn: Any) -> None:
    """Emit BEGIN, or BEGIN IMMEDIATE on connections of a writer engine."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    """Turn on foreign keys and WAL so readers do not block the solve workers' writes."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
