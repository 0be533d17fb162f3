"""`roster nrp FILE --out OUT`: roster benchmark files, fail cleanly without writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.roster_cli import roster_cli

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nrp"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="benchmark data not present")

TINY = """SECTION_HORIZON
3

SECTION_SHIFTS
D,480,

SECTION_STAFF
A,D=3,1440,480,3,1,1,1

SECTION_COVER
0,D,1,100,1
1,D,1,100,1
"""


def nrp(tmp_path: Path, text: str | Path, *args: str) -> tuple[Any, Path]:
    """Write the file (or use the given path), run `roster nrp` and return result and --out."""
    if isinstance(text, Path):
        src = text
    else:
        src = tmp_path / "in.txt"
        src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        roster_cli, ["nrp", str(src), "--out", str(out), "--workers", "1", *args]
    )
    return result, out


def leftovers(tmp_path: Path) -> set[str]:
    """Return the files in tmp_path besides the input."""
    return {p.name for p in tmp_path.iterdir()} - {"in.txt"}


def test_tiny_file_is_rostered(tmp_path: Path) -> None:
    result, out = nrp(tmp_path, TINY, "--time-limit", "5")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal" and doc["objective"] == 0
    assert list(doc["roster"]) == ["A"] and doc["roster"]["A"][:2] == ["D", "D"]
    assert doc["violations"] == []
    assert leftovers(tmp_path) == {"out.json"}


@needs_data
def test_instance1_reaches_607(tmp_path: Path) -> None:
    result, out = nrp(tmp_path, DATA / "Instance1.txt", "--time-limit", "20", "--seed", "3")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["objective"] == 607 and doc["status"] == "optimal"
    assert set(doc["roster"]) == set("ABCDEFGH")
    assert all(len(days) == 14 for days in doc["roster"].values())


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("1,D,1,100,1", "1,X,1,100,1", "第 12 行：未知班次 X"),
        ("0,D,1,100,1", "0,D,1,100", "第 11 行：应有 5 个字段"),
        ("SECTION_COVER", "SECTION_WISHES", "第 10 行：未知的段落 SECTION_WISHES"),
        ("1,D,1,100,1", "7,D,1,100,1", "第 12 行：日期 7 超出排班周期"),
    ],
)
def test_malformed_files_name_the_line_and_write_nothing(
    tmp_path: Path, old: str, new: str, needle: str
) -> None:
    result, _ = nrp(tmp_path, TINY.replace(old, new))
    assert result.exit_code == 1
    assert needle in result.output
    assert "Traceback" not in result.output
    assert leftovers(tmp_path) == set()


def test_infeasible_file_exits_2_with_the_employee_and_rule(tmp_path: Path) -> None:
    # Minimum 1,500 minutes in 3 days of 480-minute shifts cannot be met.
    result, _ = nrp(tmp_path, TINY.replace("1440,480", "1600,1500"), "--time-limit", "5")
    assert result.exit_code == 2
    assert "员工 A：总工时不少于 1500 分钟" in result.output
    assert leftovers(tmp_path) == set()


def test_output_must_not_overwrite_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text(TINY, encoding="utf-8")
    result = CliRunner().invoke(roster_cli, ["nrp", str(src), "--out", str(src)])
    assert result.exit_code == 1
    assert src.read_text("utf-8") == TINY
