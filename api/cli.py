"""Command-line interface: `flask --app app db|demo|tokens|plans ...`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from api.auth import ROLE_ZH
from api.db import get_db
from api.demo_plans import publish_demo_plans
from api.helpers_cli import helpers_cli
from api.panels_cli import panels_cli
from api.plans_cli import plans_cli
from api.roster_cli import roster_cli
from api.rotation_cli import rotation_cli, training_cli
from api.visits_cli import visits_cli
from models import (
    ApiRole,
    ApiToken,
    District,
    migrate,
    record,
)
from models.auth import issue_token
from models.base import utcnow

DEMO_TOKENS_FILE = "demo-tokens.json"
DEMO_FEEDS_FILE = "demo-feeds.json"

db_cli = AppGroup("db", help="数据库迁移 (database migrations)")
tokens_cli = AppGroup("tokens", help="API 令牌 (API tokens)")
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
        issued = {}
        for role in ApiRole:
            row, plaintext = issue_token(s, f"演示{ROLE_ZH[role]}", role, created_by="demo")
            record(s, "demo", "token.issue", "api_token", row.id, role=role.value)
            issued[role.value] = plaintext
        s.commit()
    # Demo tokens go to a file in the instance folder (git-ignored), never to configuration.
    path = Path(current_app.instance_path) / DEMO_TOKENS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(issued, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    counts = "，".join(f"{k} {v}" for k, v in summary.as_dict().items())
    click.echo(f"演示城市已加载（种子 {seed}）：{counts}")
    click.echo(f"演示令牌（admin / coordinator / viewer）已写入 {path}")
    published, skipped = publish_demo_plans(get_db().writer, seed)
    for plan in published:
        click.echo(f"演示方案已发布：#{plan.id} {plan.title}（{plan.report.get('status')}）")
    for title, error in skipped:
        click.echo(f"演示方案未能求解（演示数据如此，照常显示诊断）：{title}：{error}")
    feeds = _demo_feeds()
    feeds_path = Path(current_app.instance_path) / DEMO_FEEDS_FILE
    feeds_path.write_text(json.dumps(feeds, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    feeds_path.chmod(0o600)
    click.echo(f"演示日历订阅地址（{len(feeds)} 个，有日程的人员、项目）已写入 {feeds_path}")


def _demo_feeds() -> dict[str, str]:
    """Give every person a feed, and return subscription paths of the owners with events."""
    from api.feed_owners import owner_name
    from api.feed_tokens import ensure_feed, issue_feed
    from models import CalendarEvent, Expert, FeedOwner, Staff

    urls: dict[str, str] = {}
    with get_db().writer() as s:
        owners = s.execute(
            select(CalendarEvent.owner_type, CalendarEvent.owner_id).distinct()
        ).all()
        for owner_type, owner_id in sorted(owners, key=lambda o: (o[0].value, o[1])):
            _, plaintext = issue_feed(s, owner_type, owner_id, "演示订阅", "demo")
            name = owner_name(s, owner_type, owner_id)
            urls[f"{owner_type.value}:{owner_id}:{name}"] = f"/feeds/{plaintext}.ics"
        # Creating a person creates their feed: everyone else gets one too (URL not shown).
        for model, kind in ((Staff, FeedOwner.STAFF), (Expert, FeedOwner.EXPERT)):
            for person_id in s.scalars(select(model.id)):
                ensure_feed(s, kind, person_id, created_by="demo")
        s.commit()
    return urls


@tokens_cli.command("create")
@click.option("--name", required=True, help="Holder or purpose of the token.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in ApiRole]), help="Token role."
)
@click.option("--district", default=None, help="Limit the token to a district (code).")
def tokens_create(name: str, role: str, district: str | None) -> None:
    """Issue a token and print it once."""
    with get_db().factory() as s:
        district_id = None
        if district is not None:
            district_id = s.scalar(select(District.id).where(District.code == district))
            if district_id is None:
                raise click.ClickException(f"未知的区县编码：{district}")
        row, plaintext = issue_token(
            s, name, ApiRole(role), district_id=district_id, created_by="cli"
        )
        record(s, "cli", "token.issue", "api_token", row.id, role=role)
        s.commit()
        click.echo(f"已签发令牌 #{row.id}（{role}）。请保存，明文不会再次显示：")
        click.echo(plaintext)


@tokens_cli.command("list")
def tokens_list() -> None:
    """List tokens without their secrets."""
    with get_db().factory() as s:
        for row in s.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = "已吊销" if row.revoked_at else "有效"
            click.echo(f"{row.id}\t{row.prefix}…\t{row.role.value}\t{state}\t{row.name}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    with get_db().factory() as s:
        row = s.get(ApiToken, token_id)
        if row is None:
            raise click.ClickException(f"未找到编号为 {token_id} 的令牌")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            record(s, "cli", "token.revoke", "api_token", row.id)
            s.commit()
        click.echo(f"令牌 #{token_id} 已吊销")


def _ensure_sqlite_dir(url: str) -> None:
    """Create the directory of an SQLite file database so the first start works."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(plans_cli)
    app.cli.add_command(panels_cli)
    app.cli.add_command(visits_cli)
    app.cli.add_command(helpers_cli)
    app.cli.add_command(rotation_cli)
    app.cli.add_command(training_cli)
    app.cli.add_command(roster_cli)
