"""`panels assign FILE --out OUT`: draws from assignment files, fails cleanly, replays by seed."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.panels_cli import panels_cli
from scheduler.panel_files import load_assignment_file, write_result
from scheduler.panels import seed_commitment, solve
from scheduler.runner import SolveParams

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reviewer-assignment"
PREFLIB1 = DATA / "preflib1.json"
needs_data = pytest.mark.skipif(not PREFLIB1.is_file(), reason="shared data sets not present")

TINY: dict[str, Any] = {
    "meetings": 3,
    "experts": 4,
    "panel_size": 2,
    "max_load": 2,
    "scores": [[0.9, 0.8, 0.1, 0.5], [0.2, 0.9, 0.9, 0.5], [0.5, 0.5, 0.5, 0.5]],
    "conflicts": [[0, 3]],
}


def assign(tmp_path: Path, data: dict[str, Any] | str, *args: str) -> tuple[Any, Path]:
    """Write the file, run `panels assign` on it and return the result and the --out path."""
    src = tmp_path / "in.json"
    src.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        panels_cli, ["assign", str(src), "--out", str(out), "--workers", "2", *args]
    )
    return result, out


def leftovers(tmp_path: Path) -> set[str]:
    """Return the files in tmp_path besides the input."""
    return {p.name for p in tmp_path.iterdir()} - {"in.json"}


@needs_data
def test_preflib1_panels_have_their_size_respect_loads_and_conflicts(tmp_path: Path) -> None:
    raw = json.loads(PREFLIB1.read_text("utf-8"))
    result, out = assign(tmp_path, raw, "--seed", "11", "--time-limit", "30")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["status"] == "optimal" and doc["proven_optimal"]
    assert len(doc["panels"]) == raw["meetings"] == 54
    assert all(len(panel) == raw["panel_size"] == len(set(panel)) for panel in doc["panels"])
    loads = [0] * raw["experts"]
    for panel in doc["panels"]:
        for e in panel:
            loads[e] += 1
    assert loads == doc["loads"] and max(loads) <= raw["max_load"]
    for m, e in raw["conflicts"]:
        assert e not in doc["panels"][m]
    total = sum(raw["scores"][m][e] for m, panel in enumerate(doc["panels"]) for e in panel)
    assert doc["objective"] == pytest.approx(total, abs=1e-3)
    assert doc["best_bound"] == pytest.approx(doc["objective"])
    # The commitment printed before solving matches the seed and salt revealed afterwards.
    assert doc["seed"] == 11 and doc["seed_commitment"] == seed_commitment(11, doc["salt"])
    first_line = result.output.splitlines()[0]
    assert doc["seed_commitment"] in first_line
    for key in ("solver_version", "wall_time_s", "reserves", "worst_panel"):
        assert key in doc
    assert leftovers(tmp_path) == {"out.json"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"panel_size": [2, 2]}, "panel_size"),
        ({"panel_size": -1}, "panel_size"),
        ({"scores": [[0.9, 0.8, 0.1], [0.2, 0.9, 0.9, 0.5], [0.5, 0.5, 0.5, 0.5]]}, "scores[0]"),
        ({"scores": [[0.9, 0.8, 0.1, "x"], [0.2, 0.9, 0.9, 0.5], [0.5] * 4]}, "scores[0][3]"),
        ({"conflicts": [[0, 9]]}, "conflicts[0][1]"),
        ({"max_load": [2, 2, 2]}, "max_load"),
        ({"min_load": 3}, "min_load[0]"),
        ({"specialties": {"meetings": {"法律": 2}, "experts": [["财务"]] * 4}}, "法律"),
        ({"times": [["2026-03-02T09:00", "2026-03-02T08:00"], None, None]}, "times[0]"),
        ({"wat": 1}, "wat"),
    ],
)
def test_malformed_file_fails_naming_the_problem_and_writes_nothing(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    result, out = assign(tmp_path, {**TINY, **change}, "--seed", "1")
    assert result.exit_code not in (0, 2), result.output
    assert field in result.output and "malformed" in result.output
    assert not out.exists() and leftovers(tmp_path) == set()


def test_invalid_json_fails_cleanly(tmp_path: Path) -> None:
    result, out = assign(tmp_path, '{"meetings": 3,', "--seed", "1")
    assert result.exit_code == 1 and "not valid JSON" in result.output
    assert not out.exists()


def test_more_seats_than_experts_is_a_clear_error(tmp_path: Path) -> None:
    result, out = assign(tmp_path, {**TINY, "panel_size": [2, 5, 2]}, "--seed", "1")
    assert result.exit_code == 1
    assert "panel_size[1]" in result.output and "only 4 experts" in result.output
    assert "专家只有 4 名" in result.output
    assert not out.exists()


def test_infeasible_file_exits_2_with_a_chinese_diagnosis(tmp_path: Path) -> None:
    # 6 seats, but the experts may sit on 1 panel each: 4 places.
    result, out = assign(tmp_path, {**TINY, "max_load": 1}, "--seed", "1", "--time-limit", "10")
    assert result.exit_code == 2, result.output
    assert "无可行方案" in result.stderr and "专家评审场次上限" in result.stderr
    assert not out.exists() and leftovers(tmp_path) == set()


def test_same_seed_gives_identical_panels_and_commitment(tmp_path: Path) -> None:
    docs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        result, out = assign(folder, TINY, "--seed", "42")
        assert result.exit_code == 0, result.output
        docs.append(json.loads(out.read_text("utf-8")))
    assert docs[0]["panels"] == docs[1]["panels"]
    assert docs[0]["seed"] == docs[1]["seed"] == 42
    # Fresh salts each run, each a valid commitment to the same seed.
    assert docs[0]["salt"] != docs[1]["salt"]
    for doc in docs:
        assert doc["seed_commitment"] == seed_commitment(42, doc["salt"])


def test_seed_is_drawn_when_not_given(tmp_path: Path) -> None:
    result, out = assign(tmp_path, TINY)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert 0 <= doc["seed"] < 2**31 and f"seed={doc['seed']}" in result.output


def test_failure_keeps_an_existing_output_untouched(tmp_path: Path) -> None:
    (tmp_path / "out.json").write_text("old", encoding="utf-8")
    result, out = assign(tmp_path, {**TINY, "max_load": 1}, "--seed", "1")
    assert result.exit_code == 2
    assert out.read_text("utf-8") == "old" and leftovers(tmp_path) == {"out.json"}


def test_avoidance_and_clashes_from_the_extended_format(tmp_path: Path) -> None:
    data = {
        "meetings": ["A-1", "A-2", "B-1"],
        "experts": 4,
        "panel_size": 1,
        "max_load": 3,
        # Expert 0 is best everywhere.
        "scores": [[0.9, 0.5, 0.4, 0.1], [0.9, 0.5, 0.4, 0.1], [0.9, 0.5, 0.4, 0.1]],
        "employers": ["院A", "院B", "院B", None],
        "applicants": [None, None, "院A"],
        # overlap, so expert 0 sits on only one of them.
        "times": [
            ["2026-03-02T09:00", "2026-03-02T11:00"],
            ["2026-03-02T10:00+08:00", "2026-03-02T12:00+08:00"],
            ["2026-03-03T09:00", "2026-03-03T10:00"],
        ],
        "modes": "on_site",
        "districts": [1, 1, 2],
        "reserves": 2,
    }
    result, out = assign(tmp_path, data, "--seed", "3")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    panels = doc["panels"]
    assert sorted([panels[0], panels[1]]) == [[0], [1]]
    # Expert 0 works for the applicant of B-1: avoided there, and not a reserve either.
    assert panels[2] == [1] and 0 not in doc["reserves"][2]
    assert doc["reserves"][2] == [2, 3]
    assert doc["objective"] == pytest.approx(0.9 + 0.5 + 0.5)


def test_specialty_seats_without_scores_use_depth_affinity(tmp_path: Path) -> None:
    data = {
        "meetings": 2,
        "experts": 4,
        "max_load": 2,
        "specialties": {
            "names": ["法律", "财务", "环评"],
            "meetings": [{"法律": 1, "财务": 1}, {"财务": 1}],
            "experts": [["法律"], {"财务": 5}, {"财务": 2, "法律": 4}, ["环评"]],
        },
        "years": [10, 0, 0, 30],
    }
    result, out = assign(tmp_path, data, "--seed", "5")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["score_unit"] == "affinity points"
    seats = {(s["expert"], s["specialty"]) for s in doc["seats"][0]}
    # 法律 seat: expert 2 (depth 4: 80) beats expert 0 (20 + 10); 财务: expert 1 (100).
    assert seats == {(2, "法律"), (1, "财务")}
    assert doc["panels"][1] in ([1], [2])
    assert 3 not in {e for panel in doc["panels"] for e in panel}


def test_specialties_with_scores_screen_experts(tmp_path: Path) -> None:
    data = {
        **TINY,
        "specialties": {"meetings": {"法律": 2}, "experts": [["法律"], ["法律"], ["法律"], []]},
    }
    instance = load_assignment_file(data, objective="max-sum", seed=1)
    result = solve(instance, SolveParams(time_limit_s=10, workers=2))
    doc = write_result(result, instance, 1, "s")
    assert all(3 not in panel and len(panel) == 2 for panel in doc["panels"])


def test_multi_group_meetings_with_scores_are_refused() -> None:
    data = {
        **TINY,
        "specialties": {"meetings": {"法律": 1, "财务": 1}, "experts": [["法律", "财务"]] * 4},
    }
    with pytest.raises(ValueError, match=r"specialties\.meetings\[0\]"):
        load_assignment_file(data, objective="max-sum", seed=1)


@needs_data
def test_max_min_reports_the_worst_panel_and_its_bound(tmp_path: Path) -> None:
    result, out = assign(
        tmp_path,
        json.loads(PREFLIB1.read_text("utf-8")),
        "--objective",
        "max-min",
        "--seed",
        "2",
        "--time-limit",
        "30",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["objective_kind"] == "max-min" and doc["best_bound_of"] == "worst_panel"
    assert doc["status"] == "optimal" and doc["best_bound"] == pytest.approx(doc["worst_panel"])


def test_probability_cap_uses_the_lottery_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def capped_draw(instance, q, params):  # noqa: ANN001, ANN202
        calls.append(q)
        optimum = solve(instance, params)
        return types.SimpleNamespace(
            solution=optimum.solution,
            report=optimum.report,
            max_marginal=q,
            expected_affinity=optimum.solution.affinity * 8 // 10,
            optimum=optimum.solution.affinity,
            fraction=0.8,
        )

    fake = types.ModuleType("scheduler.panel_lottery")
    fake.capped_draw = capped_draw  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scheduler.panel_lottery", fake)
    result, out = assign(tmp_path, TINY, "--seed", "9", "--probability-cap", "0.5")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert calls == [0.5]
    lottery = doc["lottery"]
    assert lottery["probability_cap"] == 0.5 and lottery["fraction"] == 0.8
    assert lottery["optimum"] == pytest.approx(doc["objective"])
    assert lottery["status"] is None  # the fake has no status; the real module has one

    refused, _ = assign(tmp_path, TINY, "--probability-cap", "0.5", "--objective", "max-min")
    assert refused.exit_code == 1 and "max-sum only" in refused.output


@needs_data
def test_probability_cap_with_the_real_lottery(tmp_path: Path) -> None:
    pytest.importorskip("scheduler.panel_lottery")
    raw = json.loads(PREFLIB1.read_text("utf-8"))
    args = ("--seed", "4", "--probability-cap", "0.5", "--time-limit", "30")
    result, out = assign(tmp_path, raw, *args)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    lottery = doc["lottery"]
    assert lottery["status"] == "ok" and lottery["max_marginal"] <= 0.5 + 1e-9
    assert 0 < lottery["fraction"] <= 1 and doc["objective"] <= lottery["optimum"] + 1e-9
    assert all(len(panel) == 3 for panel in doc["panels"])
    assert max(doc["loads"]) <= raw["max_load"]
    (tmp_path / "again").mkdir()
    again, out2 = assign(tmp_path / "again", raw, *args)
    assert again.exit_code == 0
    assert json.loads(out2.read_text("utf-8"))["panels"] == doc["panels"]


def test_probability_cap_too_small_for_the_seats_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("scheduler.panel_lottery")
    # Every meeting needs 3 of 4 experts, 1 with a conflict: 3 pairs must be certain.
    data = {**TINY, "panel_size": 3, "max_load": 3}
    result, out = assign(tmp_path, data, "--seed", "1", "--probability-cap", "0.5")
    assert result.exit_code == 2, result.output
    assert "无可行方案" in result.stderr and not out.exists()
