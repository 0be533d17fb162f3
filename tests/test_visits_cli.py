"""`visits plan` and `helpers plan` FILE --out OUT: solve files, fail cleanly, never half-write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.helpers_cli import helpers_cli
from api.visits_cli import visits_cli
from scheduler.helpers import Helper, HelperInstance, HelperProject
from scheduler.visits import Department, District, VisitInstance, VisitPerson, VisitProject

DAYS = (dt.date(2026, 3, 2), dt.date(2026, 3, 3))


def visit_instance(chiefs: int = 2, projects: int = 3) -> VisitInstance:
    """Return a tiny month: one department, `chiefs` chiefs, `projects` projects in 张店."""
    return VisitInstance(
        days=DAYS,
        districts=(District(id=1, name="张店区"),),
        departments=(Department(id=1, name="市自然资源和规划局"),),
        people=tuple(
            VisitPerson(id=i, name=f"首席{i}", department_id=1, role="chief")
            for i in range(1, chiefs + 1)
        ),
        projects=tuple(
            VisitProject(
                id=i,
                code=f"XM{i:03d}",
                name=f"项目{i}",
                district_id=1,
                visits_required=1,
                departments=(1,),
            )
            for i in range(1, projects + 1)
        ),
    )


def helper_instance(capacity: int = 2) -> HelperInstance:
    """Return two projects in district 1 and one helper with `capacity` places."""
    return HelperInstance(
        projects=(
            HelperProject(id=1, code="XM001", district_id=1),
            HelperProject(id=2, code="XM002", district_id=1),
        ),
        helpers=(Helper(id=1, name="帮办1", district_id=1, capacity=capacity),),
        district_names={1: "张店区"},
    )


def plan(group: Any, tmp_path: Path, data: str) -> tuple[Any, Path]:
    """Write the file, run `<group> plan` on it and return the result and the --out path."""
    src = tmp_path / "in.json"
    src.write_text(data, encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        group,
        [
            "plan",
            str(src),
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--workers",
            "1",
            "--seed",
            "7",
        ],
    )
    return result, out


def leftovers(tmp_path: Path) -> set[str]:
    """Return the files in tmp_path besides the input."""
    return {p.name for p in tmp_path.iterdir()} - {"in.json"}


# --- visits plan --------------------------------------------------------------------------------


def test_visits_plan_writes_a_rechecked_plan(tmp_path: Path) -> None:
    result, out = plan(visits_cli, tmp_path, visit_instance().model_dump_json())

    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal"
    assert doc["violations"] == []
    # Three visits over two chiefs: loads 2 and 1 -> 10 fairness points.
    assert doc["objective"] == doc["best_bound"] == 10
    assert doc["gap"] == 0
    assert doc["penalties"] == doc["recomputed_penalties"]
    assert len(doc["solution"]["visits"]) == 3
    assert {"day", "half", "member_ids", "lead_id"} <= set(doc["solution"]["visits"][0])
    assert leftovers(tmp_path) == {"out.json"}
    assert "已写入" in result.output


def test_visits_plan_infeasible_exits_2_with_the_diagnosis(tmp_path: Path) -> None:
    # One chief, two days, five projects: four slots for five visits.
    result, out = plan(visits_cli, tmp_path, visit_instance(1, 5).model_dump_json())

    assert result.exit_code == 2, result.output
    assert "无可行方案" in result.output
    assert "首席代表" in result.output or "本月需上门服务" in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == set()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ("{not json", "malformed file"),
        (json.dumps({"days": []}), "days"),
        (
            visit_instance().model_dump_json().replace('"departments":[1]', '"departments":[9]'),
            "unknown department 9",
        ),
    ],
)
def test_visits_plan_malformed_file_exits_1_without_output(
    tmp_path: Path, data: str, needle: str
) -> None:
    result, out = plan(visits_cli, tmp_path, data)

    assert result.exit_code == 1, result.output
    assert "数据文件有误" in result.output
    assert needle in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == set()


def test_visits_plan_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text(visit_instance().model_dump_json(), encoding="utf-8")

    result = CliRunner().invoke(visits_cli, ["plan", str(src), "--out", str(src)])

    assert result.exit_code == 1
    assert json.loads(src.read_text("utf-8"))["days"] == ["2026-03-02", "2026-03-03"]


# --- helpers plan -------------------------------------------------------------------------------


def test_helpers_plan_writes_a_rechecked_plan(tmp_path: Path) -> None:
    result, out = plan(helpers_cli, tmp_path, helper_instance().model_dump_json())

    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal"
    assert doc["violations"] == []
    # Both projects on the one helper: 100 % of capacity -> 500 peak-load points.
    assert doc["objective"] == doc["best_bound"] == 500
    assert doc["penalties"] == doc["recomputed_penalties"]
    assert {a["helper_id"] for a in doc["solution"]["assignments"]} == {1}
    assert leftovers(tmp_path) == {"out.json"}


def test_helpers_plan_infeasible_exits_2_with_the_diagnosis(tmp_path: Path) -> None:
    result, out = plan(helpers_cli, tmp_path, helper_instance(capacity=1).model_dump_json())

    assert result.exit_code == 2, result.output
    assert "张店区" in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == set()


def test_helpers_plan_malformed_file_exits_1_without_output(tmp_path: Path) -> None:
    data = helper_instance().model_dump_json().replace('"capacity":2', '"capacity":-1')

    result, out = plan(helpers_cli, tmp_path, data)

    assert result.exit_code == 1, result.output
    assert "helpers.0.capacity" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == set()
