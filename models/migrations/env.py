"""Alembic environment: migrate the database named by the config, or by DATABASE_URL."""

from __future__ import annotations

import logging
import os

from alembic import context
from sqlalchemy import Connection

import models
from models.db import make_engine

config = context.config
log = logging.getLogger("alembic.env")
target_metadata = models.Base.metadata


def _url() -> str:
    """Return the database URL: explicit option first, then DATABASE_URL."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit(
            "没有数据库地址：请设置 DATABASE_URL，或通过 flask --app app db upgrade 运行"
        )
    return url


def _configure(connection: Connection) -> None:
    """Configure the migration context on a live connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_offline() -> None:
    """Emit SQL to stdout without a database connection."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run migrations on a connection passed in by the caller, or on a new engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
