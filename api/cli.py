"""Command-line interface: `flask --app app db ...` and `flask --app app demo ...`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from api.db import get_db
from models import migrate

db_cli = AppGroup("db", help="数据库迁移 (database migrations)")
demo_cli = AppGroup("demo", help="演示城市数据 (demo city)")


def _url() -> str:
    """Return the database URL of the current app."""
    return current_app.config["DATABASE_URL"]


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""
    _ensure_sqlite_dir(_url())
    migrate.upgrade(_url())
    click.echo("数据库已升级到最新版本")


@db_cli.command("check")
def db_check() -> None:
    """Fail when the models differ from the newest migration."""
    migrate.check(_url())
    click.echo("模型与迁移一致")


@demo_cli.command("load")
@click.option("--seed", default=2020, show_default=True, help="Generator seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the city is already loaded.")
def demo_load(seed: int, if_empty: bool) -> None:
    """Load the deterministic demo city into the configured database."""
    from models.demo import is_loaded, load_demo

    with get_db().factory() as s:
        if is_loaded(s):
            if if_empty:
                click.echo("演示城市已存在，跳过加载")
                return
            raise click.ClickException("数据库中已有数据；演示城市只能加载到空数据库")
        summary = load_demo(s, seed=seed)
        s.commit()
    click.echo(f"演示城市已加载（种子 {seed}）：{summary}")


def _ensure_sqlite_dir(url: str) -> None:
    """Create the directory of an SQLite file database so the first start works."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
