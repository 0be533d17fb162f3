"""Shared fixtures: a migrated database per backend, the demo city, per-test rollback."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models import migrate
from models.db import make_engine, normalise_url

# Tests build the demo city as of this day so that dates in assertions are stable.
DEMO_TODAY = dt.date(2026, 12, 1)
DEMO_SEED = 2020

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema of the dedicated test database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database_url(backend: str, tmp_dir: os.PathLike[str]) -> str:
    """Return the URL of an empty database of the backend."""
    if backend == "sqlite":
        return f"sqlite:///{os.fspath(tmp_dir)}/test.sqlite3"
    url = normalise_url(os.environ["TEST_DATABASE_URL"])
    reset_postgres(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of a freshly migrated database (once per backend)."""
    url = fresh_database_url(request.param, tmp_path_factory.mktemp(request.param))
    migrate.upgrade(url)
    return url


LIVE_SCHEMA = "live"


@pytest.fixture(scope="session", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a second migrated database with the demo city, whose commits are real.

    Solve jobs commit from worker threads and other processes, which a rolled-back test
    connection cannot see; tests using this database clean up what they publish by reading
    the current state first instead of assuming an empty one.
    """
    from models.demo import load_demo

    if request.param == "sqlite":
        url = f"sqlite:///{os.fspath(tmp_path_factory.mktemp('live'))}/live.sqlite3"
    else:
        base = normalise_url(os.environ["TEST_DATABASE_URL"])
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {LIVE_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {LIVE_SCHEMA}"))
        admin.dispose()
        parsed = make_url(base).update_query_dict({"options": f"-csearch_path={LIVE_SCHEMA}"})
        url = parsed.render_as_string(hide_password=False)
    migrate.upgrade(url)
    eng = make_engine(url)
    with Session(eng) as s:
        load_demo(s, seed=DEMO_SEED, today=DEMO_TODAY)
        s.commit()
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def validator() -> Path:
    """Install Mozilla's ical.js once per session; return tests/js/validate.mjs."""
    from tests.support.icaljs import install_validator

    return install_validator()


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """Return an engine on the migrated database with the demo city loaded."""
    from models.demo import load_demo

    eng = make_engine(db_url)
    with Session(eng) as s:
        load_demo(s, seed=DEMO_SEED, today=DEMO_TODAY)
        s.commit()
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """Return a connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """Return a session whose commits become savepoints of the test's transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
        yield s


@pytest.fixture
def app(connection: Connection, db_url: str):  # noqa: ANN201 - flask app type
    """Return the app bound to the test's connection."""
    from app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": db_url, "DB_CONNECTION": connection})


@pytest.fixture
def tokens(connection: Connection) -> dict[str, str]:
    """Issue one token per role inside the test's transaction; return plaintexts by role."""
    from models import ApiRole
    from models.auth import issue_token

    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
        issued = {r.value: issue_token(s, f"测试{r.value}", r)[1] for r in ApiRole}
        s.commit()
    return issued


def client_as(app, token: str | None):  # noqa: ANN001, ANN201
    """Return a test client that sends the token as a bearer token on every request."""
    c = app.test_client()
    if token is not None:
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


@pytest.fixture
def client(app, tokens: dict[str, str]):  # noqa: ANN001, ANN201
    """Return a test client authenticated as a viewer (read-only)."""
    return client_as(app, tokens["viewer"])


@pytest.fixture
def anon_client(app):  # noqa: ANN001, ANN201
    """Return a test client without any token."""
    return client_as(app, None)


@pytest.fixture
def cli_app(tmp_path: Path):  # noqa: ANN201
    """Return an app on its own migrated SQLite file, with its instance folder in tmp_path."""
    from app import create_app

    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    app.instance_path = str(tmp_path / "instance")
    return app
