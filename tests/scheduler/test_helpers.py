"""Tests for the case-helper model: one group per rule, re-checked by check_case_helpers.

Every instance is small enough to work out by hand; the comments give the arithmetic. Default
weights: continuity 1,000 per change, industry_match 50 per mismatch, peak_load 5 per percent
of the busiest helper's capacity (rounded up).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from scheduler import helpers
from scheduler.checks import check_case_helpers
from scheduler.helpers import (
    Helper,
    HelperInstance,
    HelperProject,
    HelperResult,
    HelperSolution,
    HelperWeights,
    solve,
)
from scheduler.runner import SolveParams, SolveStatus

# One worker and a fixed seed, as everywhere in the scheduler unit tests.
ONE = SolveParams(time_limit_s=10, workers=1, seed=7)

CITY = None  # district_id of a city-level helper


def project(
    pid: int,
    district: int = 1,
    *,
    industry: int | None = None,
    previous: int | None = None,
    pinned: int | None = None,
) -> HelperProject:
    """Return project pid, coded XM00<pid>."""
    return HelperProject(
        id=pid,
        code=f"XM{pid:03d}",
        name=f"项目{pid}",
        district_id=district,
        industry_id=industry,
        previous_helper_id=previous,
        pinned_helper_id=pinned,
    )


def helper(
    hid: int,
    district: int | None = 1,
    capacity: int = 2,
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


def instance(
    projects: list[HelperProject],
    helpers_: list[Helper],
    **kwargs: object,
) -> HelperInstance:
    """Return the instance of these projects and helpers."""
    return HelperInstance(projects=tuple(projects), helpers=tuple(helpers_), **kwargs)


def solved(inst: HelperInstance) -> HelperSolution:
    """Solve to proven optimality and re-check the solution independently of the model."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    assert report.gap == 0
    assert report.diagnosis == []
    solution = result.solution
    assert solution is not None
    assert solution.objective == report.objective
    check = check_case_helpers(inst, solution)
    assert check.ok, check.violations
    assert check.objective == report.objective
    assert check.penalties == report.penalties
    return solution


def optimum(inst: HelperInstance) -> int:
    """Return the re-checked optimal objective."""
    objective = solved(inst).objective
    assert objective is not None
    return objective


def conflicts(inst: HelperInstance) -> list[str]:
    """Solve an infeasible instance and return the names of the diagnosed rule groups."""
    result: HelperResult = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    assert report.objective is report.best_bound is None
    assert report.diagnosis, "an infeasible instance must be explained"
    names = [c.name for c in report.diagnosis]
    assert len(set(names)) == len(names)
    return names


def details(inst: HelperInstance) -> dict[str, str]:
    """Return the diagnosis of an infeasible instance as detail by name."""
    return {c.name: c.detail for c in solve(inst, ONE).report.diagnosis}


def loads(solution: HelperSolution) -> dict[int, int]:
    """Return the number of projects per helper."""
    counts: dict[int, int] = {}
    for a in solution.assignments:
        counts[a.helper_id] = counts.get(a.helper_id, 0) + 1
    return counts


# --- meta ---------------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [rule.__name__ for rule in helpers.RULES if f"test_{rule.__name__}" not in source]
    assert missing == []


def test_build_applies_every_rule_and_names_the_soft_goals() -> None:
    inst = instance([project(1, previous=1, pinned=1)], [helper(1)])

    v = helpers.build(inst)

    assert v.builder.term_names == ("continuity", "industry_match", "peak_load")
    assert set(v.builder.guards) == {"district:1", "capacity:1", "pin:XM001"}


# --- instance validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projects", "helpers_", "message"),
    [
        ([project(1), project(1)], [helper(1)], "project ids must be unique"),
        ([project(1)], [helper(1), helper(1, district=2)], "helper ids must be unique"),
        ([project(1, pinned=9)], [helper(1)], "pinned to unknown helper 9"),
    ],
)
def test_inconsistent_instances_are_rejected(
    projects: list[HelperProject], helpers_: list[Helper], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        instance(projects, helpers_)


@pytest.mark.parametrize(
    "bad",
    [
        {"capacity": -1},
        {"capacity": 1001},
        {"capacity": 2, "rank": "科长"},
    ],
)
def test_invalid_helpers_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Helper(id=1, name="帮办1", **bad)


def test_invalid_weights_and_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        HelperWeights(continuity=-1)
    with pytest.raises(ValidationError):
        HelperProject(id=1, code="XM001", district_id=1, priority=3)  # type: ignore[call-arg]
    # Codes name diagnosis groups: blank, spaced or duplicated codes are refused up front.
    for code in ("", "XM 1"):
        with pytest.raises(ValidationError):
            HelperProject(id=1, code=code, district_id=1)
    twin = HelperProject(id=2, code="XM001", district_id=1)
    with pytest.raises(ValidationError, match="project codes must be unique"):
        instance([HelperProject(id=1, code="XM001", district_id=1), twin], [helper(1)])
    with pytest.raises(ValidationError):
        instance([project(1)], [helper(1)], horizon=30)


def test_empty_request_is_optimal_at_zero() -> None:
    solution = solved(instance([], [helper(1)]))

    assert solution.assignments == ()
    assert solution.changes == 0
    assert solution.objective == 0


# --- hard: one helper per project ---------------------------------------------------------------


def test_add_one_helper_per_project_gives_every_project_exactly_one_helper() -> None:
    # Two projects in district 1, one in district 2, three helpers with 2 places each: one
    # project per helper is possible, so the peak is 1/2 = 50 % -> 250 points.
    inst = instance(
        [project(1), project(2), project(3, district=2)],
        [helper(1), helper(2, CITY), helper(3, district=2)],
    )

    solution = solved(inst)

    assert sorted(a.project_id for a in solution.assignments) == [1, 2, 3]
    assert solution.objective == 250
    assert loads(solution) == {1: 1, 2: 1, 3: 1}
    assert solution.helper_of()[3] == 3


def test_add_one_helper_per_project_names_a_project_nobody_can_take() -> None:
    # District 2 has no helper of its own and there is no city-level helper.
    inst = instance([project(1), project(2, district=2)], [helper(1)])

    assert conflicts(inst) == ["project:XM002"]
    assert "没有符合条件的帮办代办员" in details(inst)["project:XM002"]


def test_add_one_helper_per_project_stranded_when_the_only_helper_is_away() -> None:
    inst = instance(
        [project(1), project(2, district=2)], [helper(1), helper(2, 2, available=False)]
    )

    assert conflicts(inst) == ["project:XM002"]


def test_add_one_helper_per_project_city_helper_rescues_a_district_without_helpers() -> None:
    # Just inside: the city-level helper is the only one for district 2 and has one place.
    inst = instance(
        [project(1), project(2, district=2)], [helper(1, capacity=1), helper(2, CITY, 1)]
    )

    solution = solved(inst)

    assert solution.helper_of() == {1: 1, 2: 2}
    assert solution.objective == 500  # both helpers full: 100 %


# --- hard: capacity -----------------------------------------------------------------------------


def district_one(n_projects: int) -> HelperInstance:
    """District 1 with 2 + 1 places (district helper, city helper); district 2 has spare places."""
    return instance(
        [project(i) for i in range(1, n_projects + 1)],
        [helper(1, 1, 2), helper(2, CITY, 1), helper(3, 2, 5)],
        district_names={1: "张店区", 2: "淄川区"},
    )


def test_add_helper_capacity_exactly_filled_is_feasible() -> None:
    solution = solved(district_one(3))

    assert loads(solution) == {1: 2, 2: 1}
    assert solution.objective == 500  # everyone who works is at 100 %


def test_add_helper_capacity_one_project_too_many_names_the_district_and_its_pools() -> None:
    inst = district_one(4)

    # District 2's spare places cannot help: helper 3 serves district 2 only.
    assert set(conflicts(inst)) == {"district:1", "capacity:1", "capacity:city"}
    found = details(inst)
    assert found["district:1"] == "张店区：4 个重大项目各需一名帮办代办员"
    assert found["capacity:1"] == "张店区帮办代办员 1 名，共 2 个帮办名额"
    assert found["capacity:city"] == "市级帮办代办员 1 名，共 1 个帮办名额"


def two_districts_sharing_the_city(city_places: int) -> HelperInstance:
    """Two projects in each of two districts, one district place each, shared city places."""
    return instance(
        [project(1), project(2), project(3, 2), project(4, 2)],
        [helper(1, 1, 1), helper(2, 2, 1), helper(3, CITY, city_places)],
    )


def test_add_helper_capacity_city_places_shared_by_two_districts() -> None:
    # Just inside: 4 projects, 1 + 1 + 2 places.
    solution = solved(two_districts_sharing_the_city(2))
    assert loads(solution) == {1: 1, 2: 1, 3: 2}
    assert solution.objective == 500

    # One city place short: both districts and all three pools take part, nothing else.
    assert set(conflicts(two_districts_sharing_the_city(1))) == {
        "district:1",
        "district:2",
        "capacity:1",
        "capacity:2",
        "capacity:city",
    }


# --- hard: eligibility --------------------------------------------------------------------------


def test_add_eligibility_district_city_availability_and_zero_capacity() -> None:
    # Eligible: projects 1, 2 (district 1) -> helpers 1, 3; project 3 (district 2) -> helper 3.
    # Helper 2 is away, helper 4 has no places, helper 5 is of district 3: all of them know the
    # industries, none may take a project. Mismatches: project 1 and project 3 -> 100.
    # Peak: helper 3 has project 3 and at best one more of five places -> 40 % -> 200.
    inst = instance(
        [project(1, industry=1), project(2), project(3, 2, industry=7)],
        [
            helper(1, 1, 5),
            helper(2, 2, 5, industries=(7,), available=False),
            helper(3, CITY, 5),
            helper(4, 1, 0, industries=(1,)),
            helper(5, 3, 5, industries=(1, 7)),
        ],
    )

    solution = solved(inst)

    assert solution.helper_of()[3] == 3
    assert set(loads(solution)) <= {1, 3}
    assert solution.objective == 300


def test_add_eligibility_pin_to_a_helper_of_another_district() -> None:
    inst = instance([project(1, pinned=2)], [helper(1, 1), helper(2, 2)])

    assert set(conflicts(inst)) == {"pin:XM001", "eligibility:XM001:2"}
    assert details(inst)["eligibility:XM001:2"].endswith("不属于项目所在区县")


def test_add_eligibility_pin_to_an_unavailable_helper_names_pin_and_eligibility() -> None:
    inst = instance([project(1, pinned=2)], [helper(1, 1), helper(2, 1, available=False)])

    assert set(conflicts(inst)) == {"pin:XM001", "eligibility:XM001:2"}
    found = details(inst)
    assert found["eligibility:XM001:2"] == "帮办代办员 帮办2 不能帮办项目 XM001：不在岗"
    assert found["pin:XM001"] == "项目 XM001 已锁定由 帮办2 帮办"


def test_add_eligibility_pin_to_a_helper_without_places_is_infeasible() -> None:
    # Both the eligibility rule and the helper's own capacity of 0 forbid the pinned pair; the
    # minimal conflict names the pin and one of the two.
    inst = instance([project(1, pinned=2)], [helper(1, 1), helper(2, 1, 0)])

    names = set(conflicts(inst))

    assert "pin:XM001" in names
    assert names & {"eligibility:XM001:2", "capacity:helper:2"}
    assert len(names) == 2


def test_add_eligibility_pins_to_city_and_own_district_helpers_are_fine() -> None:
    inst = instance(
        [project(1, pinned=1), project(2, 2, pinned=2)], [helper(1, CITY, 2), helper(2, 2, 2)]
    )

    solution = solved(inst)

    assert solution.helper_of() == {1: 1, 2: 2}
    assert solution.objective == 250


# --- hard: pins ---------------------------------------------------------------------------------


def test_add_pins_keeps_the_pinned_helper_even_when_it_costs() -> None:
    # Unpinned, project 1 goes to helper 2, who knows industry 1: 0 + 5 * 50 = 250.
    # Pinned to helper 1, who does not: 50 + 250 = 300.
    free = instance([project(1, industry=1)], [helper(1), helper(2, industries=(1,))])
    pinned = instance([project(1, industry=1, pinned=1)], [helper(1), helper(2, industries=(1,))])

    assert optimum(free) == 250
    assert solved(free).helper_of() == {1: 2}
    solution = solved(pinned)
    assert solution.helper_of() == {1: 1}
    assert solution.objective == 300


def test_add_pins_two_pins_on_a_full_helper() -> None:
    inst = instance(
        [project(1, pinned=1), project(2, pinned=1)], [helper(1, 1, 1), helper(2, 1, 5)]
    )

    assert set(conflicts(inst)) == {"pin:XM001", "pin:XM002", "capacity:1"}


def test_add_pins_two_pins_exactly_fill_a_helper() -> None:
    inst = instance(
        [project(1, pinned=1), project(2, pinned=1)], [helper(1, 1, 2), helper(2, 1, 5)]
    )

    solution = solved(inst)

    assert solution.helper_of() == {1: 1, 2: 1}
    assert solution.objective == 500  # pins override spreading: helper 1 at 100 %


# --- soft: continuity ---------------------------------------------------------------------------


def test_add_continuity_unchanged_plan_costs_nothing_for_continuity() -> None:
    inst = instance(
        [project(1, previous=1), project(2, previous=2), project(3, previous=2)],
        [helper(1, capacity=2), helper(2, capacity=2)],
    )

    solution = solved(inst)

    assert solution.changes == 0
    assert solution.helper_of() == {1: 1, 2: 2, 3: 2}
    assert solution.objective == 500  # helper 2 at 2/2


def test_add_continuity_outweighs_spreading_the_load() -> None:
    # Keeping both on helper 1: 5 * 100 = 500. Moving one: 1000 + 5 * 50 = 1250.
    inst = instance(
        [project(1, previous=1), project(2, previous=1)],
        [helper(1, capacity=2), helper(2, capacity=2)],
    )

    solution = solved(inst)

    assert solution.changes == 0
    assert solution.objective == 500


def test_add_continuity_outweighs_industry_match() -> None:
    # Keeping helper 1 (no match): 50 + 250 = 300. Switching to helper 2: 1000 + 250.
    inst = instance([project(1, industry=4, previous=1)], [helper(1), helper(2, industries=(4,))])

    solution = solved(inst)

    assert solution.helper_of() == {1: 1}
    assert solution.objective == 300


def test_add_continuity_forced_change_costs_exactly_one_weight() -> None:
    # The previous helper is away: the change is forced and costs 1000; peak 1/2 -> 250.
    inst = instance(
        [project(1, previous=1), project(2, previous=2)],
        [helper(1, available=False), helper(2), helper(3)],
    )

    solution = solved(inst)

    assert solution.changes == 1
    assert solution.helper_of()[2] == 2
    assert solution.objective == 1000 + 250


def test_add_continuity_previous_helper_now_in_another_district_or_unknown() -> None:
    inst = instance(
        [project(1, previous=2), project(2, previous=99)], [helper(1, 1, 2), helper(2, 2, 2)]
    )

    solution = solved(inst)

    assert solution.changes == 2
    assert solution.objective == 2000 + 500


def test_add_continuity_replan_after_a_capacity_drop_changes_only_what_it_must() -> None:
    # Published plan: projects 1-3 with helper 1, projects 4-5 with helper 2.
    # Helper 1 drops from 3 places to 1: two of projects 1-3 must move (to helper 2's spare
    # place or to the city helper), nothing else. Helper 1 stays full, so the peak is 100 %.
    def plan(capacity_1: int) -> HelperInstance:
        return instance(
            [project(i, previous=1) for i in (1, 2, 3)] + [project(i, previous=2) for i in (4, 5)],
            [helper(1, 1, capacity_1), helper(2, 1, 3), helper(3, CITY, 2)],
        )

    before = solved(plan(3))
    assert before.changes == 0
    assert before.objective == 500

    after = solved(plan(1))

    assert after.changes == 2
    assert after.objective == 2 * 1000 + 500
    helper_of = after.helper_of()
    assert helper_of[4] == helper_of[5] == 2
    assert sum(helper_of[i] == 1 for i in (1, 2, 3)) == 1
    assert loads(after)[1] == 1


# --- soft: industry match -----------------------------------------------------------------------


def test_add_industry_match_exact_penalty_when_places_run_out() -> None:
    # Projects of industries 1 and 2; only helper 1 knows them and has one place; helper 2 has
    # two places and knows nothing. All three places are needed: one mismatch (project 1 or 2)
    # and everyone full. 50 + 500 = 550.
    inst = instance(
        [project(1, industry=1), project(2, industry=2), project(3)],
        [helper(1, 1, 1, industries=(1, 2)), helper(2, 1, 2, industries=(3,))],
    )

    solution = solved(inst)

    assert solution.objective == 550
    helper_of = solution.helper_of()
    assert helper_of[3] == 2
    assert helper_of[1] != helper_of[2]


def test_add_industry_match_every_project_matched_costs_nothing() -> None:
    inst = instance(
        [project(1, industry=1), project(2, industry=2)],
        [helper(1, industries=(1,)), helper(2, industries=(2,))],
    )

    solution = solved(inst)

    assert solution.helper_of() == {1: 1, 2: 2}
    assert solution.objective == 250


def test_add_industry_match_project_without_industry_never_mismatches() -> None:
    inst = instance([project(1)], [helper(1, capacity=4)])

    assert optimum(inst) == 5 * 25


def test_add_industry_match_uses_the_instance_weights() -> None:
    weights = HelperWeights(industry_match=7, peak_load=0)
    inst = instance([project(1, industry=1), project(2, industry=2)], [helper(1)], weights=weights)

    assert optimum(inst) == 2 * 7


# --- soft: peak load ----------------------------------------------------------------------------


def test_add_peak_load_spreads_equal_helpers() -> None:
    inst = instance([project(1), project(2)], [helper(1), helper(2)])

    solution = solved(inst)

    assert loads(solution) == {1: 1, 2: 1}
    assert solution.objective == 5 * 50


def test_add_peak_load_rounds_percent_up() -> None:
    # 1 of 3 places is 33.3 %, counted as 34 points of percent.
    assert optimum(instance([project(1)], [helper(1, capacity=3)])) == 5 * 34


def test_add_peak_load_compares_percent_not_project_counts() -> None:
    # Helper 1 (1 place) + helper 2 (4 places): max(100 %, 50 %) = 100 -> 500.
    # All three on helper 2: 75 % -> 375, the optimum.
    inst = instance([project(i) for i in (1, 2, 3)], [helper(1, capacity=1), helper(2, capacity=4)])

    solution = solved(inst)

    assert loads(solution) == {2: 3}
    assert solution.objective == 375


def test_add_peak_load_weight_zero_leaves_only_other_goals() -> None:
    weights = HelperWeights(peak_load=0)
    inst = instance([project(1), project(2)], [helper(1, capacity=9)], weights=weights)

    assert optimum(inst) == 0
