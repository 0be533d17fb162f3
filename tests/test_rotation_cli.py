"""`rotation plan` and `training plan` FILE --out OUT: solve from files, fail cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.rotation_cli import rotation_cli, training_cli

PERIODS = [
    {"id": 1, "code": "2027Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
    {"id": 2, "code": "2027Q2", "starts_on": "2027-04-01", "ends_on": "2027-06-30"},
]
ROTATION: dict[str, Any] = {
    "periods": PERIODS,
    "posts": [
        {
            "id": 12,
            "code": "GW012",
            "name": "并联审批窗口",
            "scope": "hall",
            "min_holders": 1,
            "max_holders": 2,
            "min_qualified": 1,
            "qualification_id": 5,
        },
        {"id": 13, "code": "GW013", "scope": "hall", "min_holders": 0, "max_holders": 3},
    ],
    "people": [
        {"id": 1, "name": "甲", "qualified_ids": [5]},
        {"id": 2, "name": "乙", "qualified_ids": [5]},
        {"id": 3, "name": "丙"},
    ],
}
TRAINING: dict[str, Any] = {
    "periods": PERIODS,
    "courses": [{"id": 1, "code": "LX1"}, {"id": 2, "code": "LX2"}],
    "sessions": [
        {
            "id": 1,
            "code": "PX001",
            "course_id": 1,
            "starts_at": "2027-03-02T09:00",
            "ends_at": "2027-03-02T12:00",
            "capacity": 2,
        },
        {
            "id": 2,
            "code": "PX002",
            "course_id": 2,
            "starts_at": "2027-03-03T09:00",
            "ends_at": "2027-03-03T12:00",
            "capacity": 2,
        },
    ],
    "trainees": [{"id": 1, "required_sessions": 2}, {"id": 2, "required_sessions": 1}],
}


def run(tmp_path: Path, group: Any, data: dict[str, Any] | str, *args: str) -> tuple[Any, Path]:
    """Write the file, run `plan` on it and return the result and the --out path."""
    src = tmp_path / "in.json"
    src.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        group, ["plan", str(src), "--out", str(out), "--workers", "1", "--seed", "7", *args]
    )
    return result, out


def leftovers(tmp_path: Path) -> set[str]:
    """Return the files in tmp_path besides the input."""
    return {p.name for p in tmp_path.iterdir()} - {"in.json"}


def test_rotation_plan_writes_a_checked_plan(tmp_path: Path) -> None:
    result, out = run(tmp_path, rotation_cli, ROTATION, "--time-limit", "10")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal" and doc["violations"] == []
    assert doc["objective"] == doc["best_bound"] == sum(doc["penalties"].values())
    assert doc["penalties"] == doc["recomputed_penalties"]
    holdings = doc["solution"]["holdings"]
    assert {(h["person_id"], h["period_index"]) for h in holdings} == {
        (p, t) for p in (1, 2, 3) for t in (0, 1)
    }
    assert leftovers(tmp_path) == {"out.json"}


def test_training_plan_writes_a_checked_plan(tmp_path: Path) -> None:
    result, out = run(tmp_path, training_cli, TRAINING)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal" and doc["objective"] == 30
    assert len(doc["solution"]["attendances"]) == 3


def test_rotation_infeasible_exits_2_with_a_chinese_diagnosis(tmp_path: Path) -> None:
    people = [
        {"id": 1, "qualified_ids": [5], "unavailable_periods": [1]},
        {"id": 2, "qualified_ids": [5], "unavailable_periods": [1]},
        {"id": 3},
    ]
    (tmp_path / "out.json").write_text("old", encoding="utf-8")
    result, out = run(tmp_path, rotation_cli, {**ROTATION, "people": people})
    assert result.exit_code == 2, result.output
    assert "岗位 GW012 并联审批窗口 2027Q2：合格在岗人员不足 1 人" in result.stderr
    assert out.read_text("utf-8") == "old" and leftovers(tmp_path) == {"out.json"}


def test_training_infeasible_exits_2(tmp_path: Path) -> None:
    trainees = [{"id": i, "name": f"人员{i}", "required_sessions": 2} for i in (1, 2, 3)]
    result, out = run(tmp_path, training_cli, {**TRAINING, "trainees": trainees})
    assert result.exit_code == 2 and "培训场次 PX00" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("group", "data", "field"),
    [
        (rotation_cli, {**ROTATION, "posts": [{"id": 1, "code": "GW001", "wat": 1}]}, "wat"),
        (rotation_cli, {**ROTATION, "people": "x"}, "people"),
        (rotation_cli, {k: v for k, v in ROTATION.items() if k != "periods"}, "periods"),
        (training_cli, {**TRAINING, "sessions": [{"id": 1}]}, "sessions.0.code"),
        (training_cli, {**TRAINING, "courses": []}, "unknown course"),
    ],
)
def test_malformed_file_names_the_problem_and_writes_nothing(
    tmp_path: Path, group: Any, data: dict[str, Any], field: str
) -> None:
    result, out = run(tmp_path, group, data)
    assert result.exit_code == 1, result.output
    assert "malformed" in result.output and field in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and leftovers(tmp_path) == set()


def test_invalid_json_fails_cleanly(tmp_path: Path) -> None:
    result, out = run(tmp_path, rotation_cli, '{"periods": [')
    assert result.exit_code == 1 and "not valid JSON" in result.output
    assert not out.exists()


def test_missing_output_directory_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(ROTATION), encoding="utf-8")
    result = CliRunner().invoke(
        rotation_cli, ["plan", str(src), "--out", str(tmp_path / "nope" / "out.json")]
    )
    assert result.exit_code == 1 and "output directory does not exist" in result.output
