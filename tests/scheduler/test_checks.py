"""Tests for the plain-Python re-checks: each kind of violation, and exact penalties."""

from __future__ import annotations

import pytest

from scheduler.checks import CheckResult, check_case_helpers
from scheduler.helpers import (
    Helper,
    HelperAssignment,
    HelperInstance,
    HelperProject,
    HelperSolution,
    HelperWeights,
    solve,
)
from scheduler.runner import SolveParams, SolveStatus

ONE = SolveParams(time_limit_s=10, workers=1, seed=7)


def project(
    pid: int,
    district: int,
    *,
    industry: int | None = None,
    previous: int | None = None,
    pinned: int | None = None,
) -> HelperProject:
    """Return project pid, coded XM00<pid>."""
    return HelperProject(
        id=pid,
        code=f"XM{pid:03d}",
        district_id=district,
        industry_id=industry,
        previous_helper_id=previous,
        pinned_helper_id=pinned,
    )


def helper(
    hid: int,
    district: int | None,
    capacity: int,
    *,
    industries: tuple[int, ...] = (),
    available: bool = True,
) -> Helper:
    """Return helper hid, named 帮办<hid>."""
    return Helper(
        id=hid,
        name=f"帮办{hid}",
        district_id=district,
        industry_ids=frozenset(industries),
        capacity=capacity,
        available=available,
    )


# Districts 1 and 2. Helper 3 is city level, helper 4 is away.
INSTANCE = HelperInstance(
    projects=(
        project(1, 1, industry=1, previous=1),
        project(2, 1, industry=2, pinned=2),
        project(3, 2, previous=3),
        project(4, 2),
    ),
    helpers=(
        helper(1, 1, 1, industries=(1,)),
        helper(2, 1, 2),
        helper(3, None, 2),
        helper(4, 2, 3, available=False),
        helper(5, 2, 1),
    ),
)

# 1 -> 1, 2 -> 2, 3 -> 3, 4 -> 5: no change; project 2 is not matched (50); helpers 1 and 5 are
# full (100 % -> 500).
GOOD = {1: 1, 2: 2, 3: 3, 4: 5}
GOOD_PENALTIES = {"continuity": 0, "industry_match": 50, "peak_load": 500}


def solution(pairs: list[tuple[int, int]] | dict[int, int], changes: int = 0) -> HelperSolution:
    """Return a hand-built solution of (project, helper) pairs."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return HelperSolution(
        assignments=tuple(HelperAssignment(project_id=p, helper_id=h) for p, h in items),
        changes=changes,
        objective=None,
    )


def with_(**changed: int) -> dict[int, int]:
    """Return GOOD with some projects (p1=..., p4=...) given another helper."""
    pairs = dict(GOOD)
    for key, hid in changed.items():
        pairs[int(key.removeprefix("p"))] = hid
    return pairs


def test_good_solution_passes_with_exact_penalties() -> None:
    result = check_case_helpers(INSTANCE, solution(GOOD))

    assert result.ok
    assert result.violations == []
    assert result.penalties == GOOD_PENALTIES
    assert result.objective == 550


def test_solver_solution_passes_and_matches_its_objective() -> None:
    found = solve(INSTANCE, ONE)

    assert found.report.status is SolveStatus.OPTIMAL
    assert found.solution is not None
    result = check_case_helpers(INSTANCE, found.solution)
    assert result.ok, result.violations
    assert result.penalties == found.report.penalties
    assert result.objective == found.report.objective == 550


@pytest.mark.parametrize(
    ("bad", "violation"),
    [
        pytest.param(
            solution({1: 1, 2: 2, 3: 3}), "项目 XM004 没有帮办代办员", id="missing-project"
        ),
        pytest.param(
            solution([*GOOD.items(), (4, 3)]), "项目 XM004 有 2 名帮办代办员", id="two-helpers"
        ),
        pytest.param(
            # Project 3 leaves helper 3 (one reported change) and joins project 4 at helper 5.
            solution(with_(p3=5), changes=1),
            "帮办代办员 帮办5 帮办 2 个项目，超过上限 1",
            id="over-capacity",
        ),
        pytest.param(
            solution(with_(p4=2)), "帮办代办员 帮办2 不属于项目 XM004 所在区县", id="wrong-district"
        ),
        pytest.param(
            solution(with_(p4=4)),
            "帮办代办员 帮办4 不在岗，却分配了项目 XM004",
            id="unavailable-helper",
        ),
        pytest.param(
            solution(with_(p2=3)), "项目 XM002 已锁定，但帮办代办员被更换", id="broken-pin"
        ),
        pytest.param(
            solution(GOOD, changes=1), "方案报告更换 1 个项目，实际为 0 个", id="wrong-change-count"
        ),
        pytest.param(
            # Project 1 leaves its previous helper but the plan claims no change.
            solution(with_(p1=2)),
            "方案报告更换 0 个项目，实际为 1 个",
            id="unreported-change",
        ),
        pytest.param(
            solution([*GOOD.items(), (99, 3)]), "项目编号 99 不在本次请求中", id="unknown-project"
        ),
        pytest.param(
            solution(with_(p4=42)), "帮办代办员编号 42 不在本次请求中", id="unknown-helper"
        ),
    ],
)
def test_each_kind_of_violation_is_flagged_alone(bad: HelperSolution, violation: str) -> None:
    result = check_case_helpers(INSTANCE, bad)

    assert not result.ok
    assert result.violations == [violation]


def test_several_violations_are_all_reported() -> None:
    # Project 2 moves off its pin to helper 1 (district 1), who is then over capacity.
    result = check_case_helpers(INSTANCE, solution(with_(p2=1)))

    assert set(result.violations) == {
        "帮办代办员 帮办1 帮办 2 个项目，超过上限 1",
        "项目 XM002 已锁定，但帮办代办员被更换",
    }


def test_zero_capacity_helper_is_over_capacity_and_left_out_of_the_peak() -> None:
    inst = HelperInstance(projects=(project(1, 1),), helpers=(helper(1, 1, 0), helper(2, 1, 4)))

    result = check_case_helpers(inst, solution({1: 1}))

    assert result.violations == ["帮办代办员 帮办1 帮办 1 个项目，超过上限 0"]
    assert result.penalties["peak_load"] == 0


def test_penalties_of_a_changed_plan() -> None:
    # Project 1 moves to helper 2 (one change, 1000) and is no longer matched: mismatches are
    # projects 1 and 2 (100). Helper 2 holds 2 of 2 places and helper 5 1 of 1: 100 % (500).
    result = check_case_helpers(INSTANCE, solution(with_(p1=2), changes=1))

    assert result.ok, result.violations
    assert result.penalties == {"continuity": 1000, "industry_match": 100, "peak_load": 500}
    assert result.objective == 1600


def test_missing_project_with_a_previous_helper_counts_as_a_change() -> None:
    result = check_case_helpers(INSTANCE, solution({2: 2, 3: 3, 4: 5}, changes=1))

    assert result.violations == ["项目 XM001 没有帮办代办员"]
    assert result.penalties["continuity"] == 1000


@pytest.mark.parametrize(
    ("projects", "capacity", "percent"),
    [(1, 3, 34), (2, 3, 67), (3, 3, 100), (1, 4, 25), (1, 7, 15), (0, 3, 0)],
)
def test_peak_load_is_percent_of_capacity_rounded_up(
    projects: int, capacity: int, percent: int
) -> None:
    inst = HelperInstance(
        projects=tuple(project(i, 1) for i in range(1, projects + 1)),
        helpers=(helper(1, 1, capacity),),
    )

    result = check_case_helpers(inst, solution({i: 1 for i in range(1, projects + 1)}))

    assert result.ok
    assert result.penalties == {"continuity": 0, "industry_match": 0, "peak_load": 5 * percent}


def test_peak_load_is_the_busiest_helper_by_percent() -> None:
    inst = HelperInstance(
        projects=tuple(project(i, 1) for i in (1, 2, 3)),
        helpers=(helper(1, 1, 10), helper(2, 1, 3)),
    )

    # Helper 1: 2 of 10 = 20 %; helper 2: 1 of 3 = 34 %.
    result = check_case_helpers(inst, solution({1: 1, 2: 1, 3: 2}))

    assert result.penalties["peak_load"] == 5 * 34


def test_penalties_use_the_instance_weights() -> None:
    inst = INSTANCE.model_copy(
        update={"weights": HelperWeights(continuity=3, industry_match=2, peak_load=1)}
    )

    result = check_case_helpers(inst, solution(with_(p1=2), changes=1))

    assert result.penalties == {"continuity": 3, "industry_match": 4, "peak_load": 100}
    assert result.objective == 107


def test_project_without_industry_is_never_a_mismatch() -> None:
    inst = HelperInstance(projects=(project(1, 1),), helpers=(helper(1, 1, 1, industries=(5,)),))

    assert check_case_helpers(inst, solution({1: 1})).penalties["industry_match"] == 0


def test_check_result_without_violations_is_ok() -> None:
    assert CheckResult().ok
    assert CheckResult().objective == 0
    assert not CheckResult(violations=["x"]).ok
