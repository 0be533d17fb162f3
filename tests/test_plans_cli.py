"""`flask plans ...`: the demo publishes a plan; solves from the terminal report and publish."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import CalendarEvent, Plan, PlanKind, PlanStatus, Staff
from models.db import make_engine


def test_demo_publishes_a_plan_and_the_cli_solves_publishes_and_explains(cli_app) -> None:  # noqa: ANN001
    runner = cli_app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "演示方案已发布" in loaded.output
    # The demo writes a subscription URL for everyone with events; each one serves a calendar.
    feeds = json.loads((Path(cli_app.instance_path) / "demo-feeds.json").read_text("utf-8"))
    assert feeds
    client = cli_app.test_client()
    for path in list(feeds.values())[:5]:
        resp = client.get(path)
        assert resp.status_code == 200 and b"BEGIN:VEVENT" in resp.data
    engine = make_engine(cli_app.config["DATABASE_URL"])
    with Session(engine) as s:
        demo = s.scalar(
            select(Plan).where(
                Plan.status == PlanStatus.PUBLISHED, Plan.kind == PlanKind.CASE_HELPER
            )
        )
        assert demo is not None
        drawn = s.scalars(
            select(Plan.scope).where(
                Plan.status == PlanStatus.PUBLISHED, Plan.kind == PlanKind.PANEL
            )
        ).all()
        assert drawn and all(scope.startswith("month:") for scope in drawn)
        assert s.scalar(select(func.count()).select_from(CalendarEvent)) > 0

    solved = runner.invoke(
        args=[
            "plans",
            "solve",
            "--kind",
            "case_helper",
            "--time-limit",
            "10",
            "--workers",
            "1",
            "--publish",
        ]
    )
    assert solved.exit_code == 0, solved.output
    assert "succeeded" in solved.output and "已发布" in solved.output
    assert "改动 0 处" in solved.output  # nothing changed since the demo plan
    listed = [
        line.split("\t")
        for line in runner.invoke(args=["plans", "list"]).output.splitlines()
        if "\tcase_helper\t" in line
    ]
    assert [cols[4] for cols in listed] == ["published", "superseded"]

    again = runner.invoke(args=["plans", "publish", str(demo.id)])
    assert again.exit_code != 0 and "草稿" in again.output
    cancel = runner.invoke(args=["plans", "cancel", str(demo.id)])
    assert cancel.exit_code != 0 and "已结束" in cancel.output
    missing = runner.invoke(args=["plans", "publish", "424242"])
    assert missing.exit_code != 0 and "424242" in missing.output

    with Session(engine) as s:
        s.execute(update(Staff).values(helper_capacity=0))
        s.commit()
    infeasible = runner.invoke(
        args=["plans", "solve", "--kind", "case_helper", "--time-limit", "10"]
    )
    assert infeasible.exit_code == 2
    assert "无可行方案" in infeasible.output and "没有符合条件的帮办代办员" in infeasible.output
    engine.dispose()


def test_cli_refuses_unknown_kinds(cli_app) -> None:  # noqa: ANN001
    result = cli_app.test_cli_runner().invoke(
        args=["plans", "solve", "--kind", "joint_session"]
    )
    assert result.exit_code != 0
    assert "joint_session" in result.output
