"""The command line loads the demo city with its tokens, and manages tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ApiToken, District
from models.auth import find_active_token
from models.db import make_engine


def test_demo_load_writes_city_and_one_working_token_per_role(cli_app) -> None:  # noqa: ANN001
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "演示城市已加载" in result.output

    tokens = json.loads((Path(cli_app.instance_path) / "demo-tokens.json").read_text("utf-8"))
    assert set(tokens) == {"admin", "coordinator", "viewer"}
    engine = make_engine(cli_app.config["DATABASE_URL"])
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(District)) == 11
        for role, plaintext in tokens.items():
            row = find_active_token(s, plaintext)
            assert row is not None and row.role.value == role
    engine.dispose()

    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "跳过" in again.output
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0 and "已有数据" in refused.output


def test_tokens_create_list_revoke(cli_app) -> None:  # noqa: ANN001
    runner = cli_app.test_cli_runner()
    created = runner.invoke(args=["tokens", "create", "--name", "临淄区", "--role", "viewer"])
    assert created.exit_code == 0, created.output
    plaintext = created.output.strip().splitlines()[-1]
    assert plaintext.startswith("zd_")

    listed = runner.invoke(args=["tokens", "list"])
    assert "临淄区" in listed.output and plaintext not in listed.output

    engine = make_engine(cli_app.config["DATABASE_URL"])
    with Session(engine) as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "临淄区"))
    revoked = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0
    with Session(engine) as s:
        assert find_active_token(s, plaintext) is None
    engine.dispose()


@pytest.mark.parametrize(
    "args, message",
    [
        (["tokens", "create", "--name", "x", "--role", "owner"], "owner"),
        (["tokens", "create", "--name", "x", "--role", "viewer", "--district", "火星"], "火星"),
        (["tokens", "revoke", "424242"], "424242"),
        (["tokens", "revoke", "abc"], "abc"),
    ],
)
def test_bad_cli_input_fails_naming_the_problem(cli_app, args, message) -> None:  # noqa: ANN001
    result = cli_app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
