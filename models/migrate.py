"""Run Alembic migrations programmatically (used by the CLI, `make` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """Return an Alembic config for our migrations on a URL or an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        # ConfigParser treats % as interpolation; escape it for passwords in URLs.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    """Bring the database schema to the newest revision."""
    command.upgrade(alembic_config(url, connection), "head")


def check(url: str | None = None, connection: Connection | None = None) -> None:
    """Raise if the models differ from the newest migration."""
    command.check(alembic_config(url, connection))
