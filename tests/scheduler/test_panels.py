"""Tests for the expert-panel draw: one group per rule and per eligibility reason code.

Each group has a feasible case, a violated case (infeasible with the expected guard names, or
the expected exclusion reason in the screening) and a case just inside the limit. Every
solution is re-checked by check_panels, independently of the model. Affinity of an expert on a
seat: 20 points per depth level of the seat's specialty plus min(years, 20); the experts below
have no years unless a test says so, so affinity is 20 x depth.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from scheduler import panels
from scheduler.checks import check_panels
from scheduler.panels import (
    YEAR_DAYS,
    Interval,
    PanelExpert,
    PanelInstance,
    PanelMeeting,
    PanelPolicy,
    PanelResult,
    PanelSolution,
    PastPanel,
    Seat,
    Tie,
    solve,
)
from scheduler.runner import SolveParams, SolveStatus

# One worker and a fixed seed, as everywhere in the scheduler unit tests.
ONE = SolveParams(time_limit_s=10, workers=1, seed=7)

DAY = 740_000  # an ordinal day (2026)
NINE = DAY * 24 * 60 + 9 * 60  # 09:00 of DAY in minutes since the epoch
HOUR = 60
APPLICANT = 900  # the applicant organisation of the meetings that have one
EIA = 1  # 环境影响评价
SAFETY = 2  # 安全评价
NAMES = {EIA: "环境影响评价", SAFETY: "安全评价"}


def expert(eid: int, specialties: dict[int, int] | None = None, **kwargs: object) -> PanelExpert:
    """Return a city-pool expert, by default of depth 1 in EIA."""
    return PanelExpert(id=eid, name=f"专家{eid}", specialties=specialties or {EIA: 1}, **kwargs)


def meeting(mid: int, seats: dict[int, int] | None = None, **kwargs: object) -> PanelMeeting:
    """Return a city meeting coded RM00<mid> on DAY, by default one EIA seat."""
    kwargs.setdefault("day", DAY)
    return PanelMeeting(id=mid, code=f"RM{mid:03d}", seats=seats or {EIA: 1}, **kwargs)


def timed(mid: int, start: int, hours: float = 2, **kwargs: object) -> PanelMeeting:
    """Return a meeting from start lasting the given hours."""
    return meeting(mid, start=start, end=start + int(hours * HOUR), **kwargs)


def instance(
    meetings: list[PanelMeeting], experts: list[PanelExpert], **policy: object
) -> PanelInstance:
    """Return the instance of these meetings and experts under a policy."""
    return PanelInstance(
        meetings=tuple(meetings),
        experts=tuple(experts),
        policy=PanelPolicy(**policy),
        specialty_names=NAMES,
    )


def drawn(inst: PanelInstance) -> PanelResult:
    """Draw to proven optimality and re-check the solution independently of the model."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    assert report.diagnosis == []
    assert result.solution is not None
    check = check_panels(inst, result.solution)
    assert check.ok, check.violations
    assert check.penalties["affinity"] == result.solution.affinity
    return result


def solved(inst: PanelInstance) -> PanelSolution:
    """Return the re-checked optimal solution."""
    solution = drawn(inst).solution
    assert solution is not None
    return solution


def panel(solution: PanelSolution, mid: int = 1) -> set[int]:
    """Return the expert ids on a meeting's panel."""
    return {seat.expert_id for seat in solution.panels[mid]}


def seat_of(solution: PanelSolution, mid: int = 1) -> dict[int, int]:
    """Return specialty by expert id on a meeting's panel."""
    return {seat.expert_id: seat.specialty_id for seat in solution.panels[mid]}


def conflicts(inst: PanelInstance) -> set[str]:
    """Solve an infeasible instance and return the names of the diagnosed rule groups."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    assert report.objective is report.best_bound is None
    assert report.diagnosis, "an infeasible instance must be explained"
    names = [c.name for c in report.diagnosis]
    assert len(set(names)) == len(names)
    return set(names)


def details(inst: PanelInstance) -> dict[str, str]:
    """Return the diagnosis of an infeasible instance as detail by name."""
    return {c.name: c.detail for c in solve(inst, ONE).report.diagnosis}


def exclusions(inst: PanelInstance, mid: int = 1) -> dict[int, str]:
    """Draw (the instance must stay feasible) and return the exclusion reasons of a meeting."""
    result = drawn(inst)
    assert result.solution is not None
    excluded = result.screening.excluded[mid]
    assert not set(excluded) & panel(result.solution, mid)
    assert not set(excluded) & {r.expert_id for r in result.solution.reserves[mid]}
    return excluded


def reason_of(
    candidate: PanelExpert, target: PanelMeeting | None = None, **policy: object
) -> str | None:
    """Return why the candidate (id 1) is excluded from the meeting; a spare keeps it feasible."""
    spare = expert(99, {s: 1 for s in (target or meeting(1)).seats})
    return exclusions(instance([target or meeting(1)], [candidate, spare], **policy)).get(1)


# --- meta ---------------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [rule.__name__ for rule in panels.RULES if f"test_{rule.__name__}" not in source]
    assert missing == []


def test_every_reason_code_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [code for code in panels.REASONS_ZH if f"def test_reason_{code}" not in source]
    assert missing == []


def test_build_applies_every_rule_and_names_the_goals() -> None:
    inst = instance(
        [meeting(1, confirmed={1: EIA}), meeting(2, applicant_id=APPLICANT)],
        [expert(1, employer_id=5, min_load=1, max_load=2), expert(2, employer_id=5)],
        objective="max_min",
        balance_weight=1,
        load_cap=1,
    )

    v = panels.build(inst)

    assert set(v.builder.term_names) == {"tie_break", "load_balance", "affinity", "worst_panel"}
    assert {"seats:RM001:1", "seats:RM002:1", "employer:RM001", "employer:RM002"} <= set(
        v.builder.guards
    )
    assert {"load_cap", "min_load", "confirmed:RM001"} <= set(v.builder.guards)


def test_invalid_meetings_and_instances_are_rejected() -> None:
    with pytest.raises(ValidationError):
        meeting(1, seats={EIA: 0})
    with pytest.raises(ValidationError):
        meeting(1, start=NINE)
    with pytest.raises(ValidationError):
        meeting(1, start=NINE, end=NINE)
    with pytest.raises(ValidationError):
        PanelMeeting(id=1, code="RM 001", seats={EIA: 1})
    with pytest.raises(ValidationError):
        instance([meeting(1), meeting(1)], [expert(1)])
    with pytest.raises(ValidationError):
        instance([meeting(1)], [expert(1), expert(1)])
    with pytest.raises(ValidationError):
        PanelInstance(meetings=(meeting(1),), experts=(expert(1),), scores=((1, 2),))


def test_empty_batch_is_optimal_with_no_panels() -> None:
    inst = instance([], [expert(1)])

    solution = solved(inst)

    assert solution.panels == {} and solution.affinity == 0 and solution.worst_panel is None


# --- hard: seats --------------------------------------------------------------------------------


def test_add_seats_fills_every_seat_group_exactly() -> None:
    inst = instance(
        [meeting(1, {EIA: 2, SAFETY: 1})],
        [expert(i, {EIA: i}) for i in (1, 2, 3)] + [expert(i, {SAFETY: 2}) for i in (4, 5)],
    )

    solution = solved(inst)

    specialties = list(seat_of(solution).values())
    assert sorted(specialties) == [EIA, EIA, SAFETY]
    assert {2, 3} <= panel(solution)  # the two deepest EIA experts
    assert solution.affinity == 20 * (2 + 3 + 2)


def test_add_seats_exactly_as_many_eligible_as_seats_takes_them_all() -> None:
    inst = instance([meeting(1, {EIA: 3})], [expert(i) for i in (1, 2, 3)])

    assert panel(solved(inst)) == {1, 2, 3}


def test_add_seats_short_seat_group_counts_eligible_and_excluded() -> None:
    busy = (Interval(start=NINE, end=NINE + HOUR),)
    experts = [
        expert(1),
        expert(2),
        expert(3, employer_id=APPLICANT),
        expert(4, employer_id=APPLICANT),
        expert(5, busy=busy),
        expert(6, {SAFETY: 3}),  # another specialty: not counted for EIA
    ]
    inst = instance([timed(1, NINE, seats={EIA: 3, SAFETY: 1}, applicant_id=APPLICANT)], experts)

    assert conflicts(inst) == {"seats:RM001:1"}
    detail = details(inst)["seats:RM001:1"]
    assert detail.startswith("RM001 · 环境影响评价：")
    assert "可选 2 名，需要 3 席" in detail
    assert "另有 3 名被排除（2 名与申请人同单位，1 名请假或时间冲突）" in detail


def test_add_seats_nobody_of_the_specialty_names_the_empty_group() -> None:
    inst = instance([meeting(1, {EIA: 1, SAFETY: 1})], [expert(1), expert(2)])

    assert conflicts(inst) == {"seats:RM001:2"}
    assert "安全评价：可选 0 名，需要 1 席" in details(inst)["seats:RM001:2"]


# --- hard: one seat per expert ------------------------------------------------------------------


def test_add_one_seat_per_expert_two_specialties_fill_one_seat() -> None:
    # Expert 1 is the best in both groups but may fill only one seat; 2 takes the other.
    inst = instance(
        [meeting(1, {EIA: 1, SAFETY: 1})],
        [expert(1, {EIA: 5, SAFETY: 5}), expert(2, {SAFETY: 1})],
    )

    solution = solved(inst)

    assert seat_of(solution) == {1: EIA, 2: SAFETY}
    assert solution.affinity == 100 + 20


def test_add_one_seat_per_expert_one_expert_cannot_fill_two_groups() -> None:
    inst = instance([meeting(1, {EIA: 1, SAFETY: 1})], [expert(1, {EIA: 5, SAFETY: 5})])

    assert conflicts(inst) == {"seats:RM001:1", "seats:RM001:2"}


def test_add_one_seat_per_expert_two_versatile_experts_just_fill_two_groups() -> None:
    inst = instance(
        [meeting(1, {EIA: 1, SAFETY: 1})],
        [expert(1, {EIA: 5, SAFETY: 1}), expert(2, {EIA: 4, SAFETY: 3})],
    )

    solution = solved(inst)

    # 100 + 60 beats 20 + 80.
    assert seat_of(solution) == {1: EIA, 2: SAFETY}
    assert solution.affinity == 160


# --- hard: employer diversity -------------------------------------------------------------------


def test_add_employer_diversity_passes_over_a_colleague() -> None:
    inst = instance(
        [meeting(1, {EIA: 2})],
        [expert(1, {EIA: 5}, employer_id=7), expert(2, {EIA: 4}, employer_id=7), expert(3)],
    )

    solution = solved(inst)

    assert panel(solution) == {1, 3}
    assert solution.affinity == 100 + 20


def test_add_employer_diversity_two_colleagues_for_two_seats() -> None:
    inst = instance([meeting(1, {EIA: 2})], [expert(1, employer_id=7), expert(2, employer_id=7)])

    assert conflicts(inst) == {"seats:RM001:1", "employer:RM001"}
    assert details(inst)["employer:RM001"] == "RM001：同一单位至多一名专家"


def test_add_employer_diversity_off_or_without_employers_allows_them() -> None:
    colleagues = [expert(1, employer_id=7), expert(2, employer_id=7)]
    assert panel(solved(instance([meeting(1, {EIA: 2})], colleagues, one_per_employer=False))) == {
        1,
        2,
    }
    # Experts without a recorded employer are not colleagues.
    assert panel(solved(instance([meeting(1, {EIA: 2})], [expert(1), expert(2)]))) == {1, 2}


def test_add_employer_diversity_one_colleague_per_panel_across_meetings() -> None:
    # Just inside: two colleagues, two meetings, one each.
    inst = instance(
        [meeting(1), meeting(2)],
        [expert(1, employer_id=7), expert(2, employer_id=7)],
        load_cap=1,
    )

    solution = solved(inst)

    assert panel(solution, 1) | panel(solution, 2) == {1, 2}


# --- hard: no overlap and travel buffer ---------------------------------------------------------


def test_add_no_overlap_overlapping_meetings_need_two_experts() -> None:
    inst = instance([timed(1, NINE), timed(2, NINE + HOUR)], [expert(1, {EIA: 5}), expert(2)])

    solution = solved(inst)

    assert panel(solution, 1) != panel(solution, 2)


def test_add_no_overlap_one_expert_for_overlapping_meetings() -> None:
    inst = instance([timed(1, NINE), timed(2, NINE + HOUR)], [expert(1)])

    assert "no_overlap" in conflicts(inst)
    assert conflicts(inst) == {"seats:RM001:1", "seats:RM002:1", "no_overlap"}


def test_add_no_overlap_back_to_back_in_one_district_is_fine() -> None:
    inst = instance(
        [timed(1, NINE, district_id=3), timed(2, NINE + 2 * HOUR, district_id=3)], [expert(1)]
    )

    assert panel(solved(inst), 1) == panel(solved(inst), 2) == {1}


@pytest.mark.parametrize(
    ("gap", "feasible"),
    [(59, False), (60, True)],  # the buffer missed by one minute, and exactly met
)
def test_add_no_overlap_travel_buffer_between_districts(gap: int, feasible: bool) -> None:
    inst = instance(
        [timed(1, NINE, district_id=3), timed(2, NINE + 2 * HOUR + gap, district_id=4)],
        [expert(1)],
        travel_buffer_min=60,
    )

    if feasible:
        solution = solved(inst)
        assert panel(solution, 1) == panel(solution, 2) == {1}
    else:
        assert conflicts(inst) == {"seats:RM001:1", "seats:RM002:1", "no_overlap"}


def test_add_no_overlap_video_meetings_need_no_travel() -> None:
    inst = instance(
        [
            timed(1, NINE, district_id=3, mode="video"),
            timed(2, NINE + 2 * HOUR, district_id=4),
        ],
        [expert(1)],
    )

    assert panel(solved(inst), 2) == {1}


def test_add_no_overlap_meetings_without_times_never_clash() -> None:
    inst = instance([meeting(1), meeting(2)], [expert(1)])

    assert panel(solved(inst), 1) == panel(solved(inst), 2) == {1}


def test_add_no_overlap_three_meetings_at_one_instant() -> None:
    # Three overlapping meetings and three experts: everyone on exactly one.
    inst = instance(
        [timed(1, NINE), timed(2, NINE + 30), timed(3, NINE + 60)],
        [expert(1, {EIA: 5}), expert(2, {EIA: 3}), expert(3)],
    )

    solution = solved(inst)

    assert sorted(len(panel(solution, m)) for m in (1, 2, 3)) == [1, 1, 1]
    assert panel(solution, 1) | panel(solution, 2) | panel(solution, 3) == {1, 2, 3}
    inst_two = instance(
        [timed(1, NINE), timed(2, NINE + 30), timed(3, NINE + 60)],
        [expert(1, {EIA: 5}), expert(2, {EIA: 3})],
    )
    assert "no_overlap" in conflicts(inst_two)


# --- hard: load cap -----------------------------------------------------------------------------


def _days(*offsets: int) -> list[PanelMeeting]:
    """Return one-seat meetings on DAY + each offset."""
    return [meeting(i + 1, day=DAY + d) for i, d in enumerate(offsets)]


def test_add_load_cap_exactly_at_cap_is_feasible() -> None:
    inst = instance(_days(0, 10), [expert(1)], load_cap=2, load_window_days=30)

    solution = solved(inst)

    assert all(panel(solution, m) == {1} for m in (1, 2))


def test_add_load_cap_one_panel_too_many_in_the_window() -> None:
    inst = instance(_days(0, 10, 29), [expert(1)], load_cap=2, load_window_days=30)

    assert "load_cap" in conflicts(inst)
    assert details(inst)["load_cap"] == "专家评审场次上限"


def test_add_load_cap_window_end_is_exclusive() -> None:
    # [DAY, DAY + 30) does not hold DAY + 30: one panel in each window.
    assert panel(solved(instance(_days(0, 30), [expert(1)], load_cap=1)), 2) == {1}
    assert "load_cap" in conflicts(instance(_days(0, 29), [expert(1)], load_cap=1))


def test_add_load_cap_counts_past_panels_in_the_window() -> None:
    history = (PastPanel(day=DAY - 25),)
    # [DAY - 25, DAY + 5) holds the past panel and both meetings.
    inst = instance(_days(0, 4), [expert(1, history=history)], load_cap=2)

    assert "load_cap" in conflicts(inst)


def test_add_load_cap_past_panel_just_outside_every_window_with_both_meetings() -> None:
    # Windows: [DAY - 29, DAY + 1) holds the past panel and DAY; [DAY, DAY + 30) both
    # meetings. None holds three panels.
    history = (PastPanel(day=DAY - 29),)
    inst = instance(_days(0, 10), [expert(1, history=history)], load_cap=2)

    solution = solved(inst)

    assert panel(solution, 1) == panel(solution, 2) == {1}


def test_add_load_cap_past_panels_exactly_at_cap_leave_the_expert_out() -> None:
    history = (PastPanel(day=DAY - 5),)
    inst = instance([meeting(1)], [expert(1, {EIA: 5}, history=history), expert(2)], load_cap=1)

    assert panel(solved(inst)) == {2}


def test_add_load_cap_past_panels_over_cap_leave_the_expert_out() -> None:
    history = (PastPanel(day=DAY - 10), PastPanel(day=DAY - 5))
    inst = instance([meeting(1)], [expert(1, {EIA: 5}, history=history), expert(2)], load_cap=1)

    assert panel(solved(inst)) == {2}


def test_add_load_cap_max_load_of_one_expert() -> None:
    assert "load_cap" in conflicts(instance(_days(0, 100), [expert(1, max_load=1)]))
    solution = solved(instance(_days(0, 100), [expert(1, max_load=2)]))
    assert panel(solution, 1) == panel(solution, 2) == {1}


def test_add_load_cap_spreads_to_a_weaker_expert() -> None:
    inst = instance(_days(0, 1, 2), [expert(1, {EIA: 5}), expert(2)], load_cap=2)

    solution = solved(inst)

    assert sum(1 in panel(solution, m) for m in (1, 2, 3)) == 2
    assert solution.affinity == 100 + 100 + 20


# --- hard: minimum load -------------------------------------------------------------------------


def test_add_min_load_puts_a_weaker_expert_on_panels() -> None:
    inst = instance(_days(0, 1), [expert(1, {EIA: 5}), expert(2, min_load=1)])

    solution = solved(inst)

    assert sum(2 in panel(solution, m) for m in (1, 2)) == 1
    assert solution.affinity == 100 + 20


def test_add_min_load_exactly_every_meeting() -> None:
    inst = instance(_days(0, 1), [expert(1, {EIA: 5}), expert(2, min_load=2)])

    solution = solved(inst)

    assert panel(solution, 1) == panel(solution, 2) == {2}


def test_add_min_load_more_than_the_meetings() -> None:
    inst = instance(_days(0, 1), [expert(1, {EIA: 5}), expert(2, min_load=3)])

    assert conflicts(inst) == {"min_load"}
    assert details(inst)["min_load"] == "专家最少评审场次"


# --- hard: applicant cap ------------------------------------------------------------------------


def test_add_applicant_cap_exactly_at_cap_within_the_batch() -> None:
    inst = instance(
        [meeting(1, applicant_id=APPLICANT), meeting(2, applicant_id=APPLICANT, day=DAY + 5)],
        [expert(1)],
        applicant_cap=2,
    )

    assert panel(solved(inst), 2) == {1}


def test_add_applicant_cap_one_panel_too_many_for_the_applicant() -> None:
    inst = instance(
        [meeting(1, applicant_id=APPLICANT), meeting(2, applicant_id=APPLICANT, day=DAY + 5)],
        [expert(1)],
        applicant_cap=1,
    )

    assert "applicant_cap" in conflicts(inst)
    assert details(inst)["applicant_cap"] == "同一申请人一年内至多 1 次"


def test_add_applicant_cap_counts_past_panels_for_the_applicant() -> None:
    history = (PastPanel(day=DAY - 100, applicant_id=APPLICANT),)
    meetings = [meeting(1, applicant_id=APPLICANT), meeting(2, applicant_id=APPLICANT)]

    assert "applicant_cap" in conflicts(
        instance(meetings, [expert(1, history=history)], applicant_cap=2)
    )
    # Past panels for another applicant do not count.
    other = (PastPanel(day=DAY - 100, applicant_id=APPLICANT + 1),)
    assert panel(solved(instance(meetings, [expert(1, history=other)], applicant_cap=2)), 2) == {1}


def test_add_applicant_cap_spreads_over_experts() -> None:
    meetings = [meeting(m, applicant_id=APPLICANT, day=DAY + m) for m in (1, 2, 3)]
    inst = instance(meetings, [expert(1, {EIA: 5}), expert(2)], applicant_cap=2)

    solution = solved(inst)

    assert sum(1 in panel(solution, m) for m in (1, 2, 3)) == 2


@pytest.mark.parametrize(("apart", "feasible"), [(364, False), (365, True)])
def test_add_applicant_cap_is_a_rolling_year(apart: int, feasible: bool) -> None:
    meetings = [
        meeting(1, applicant_id=APPLICANT),
        meeting(2, applicant_id=APPLICANT, day=DAY + apart),
    ]
    inst = instance(meetings, [expert(1)], applicant_cap=1, load_cap=None)

    if feasible:
        assert panel(solved(inst), 1) == panel(solved(inst), 2) == {1}
    else:
        assert conflicts(inst) == {"seats:RM001:1", "seats:RM002:1", "applicant_cap"}


def test_add_applicant_cap_counts_history_from_each_meetings_day() -> None:
    # Past panel on DAY - 360 for the applicant; two applicant meetings on DAY and another
    # meeting on DAY + 10. Within [DAY - 364, DAY] expert 1 may sit on only one of them.
    # (Regression: the cap once counted past panels from the batch's last day only.)
    history = (PastPanel(day=DAY - 360, applicant_id=APPLICANT),)
    meetings = [
        meeting(1, applicant_id=APPLICANT),
        meeting(2, applicant_id=APPLICANT),
        meeting(3, applicant_id=APPLICANT + 1, day=DAY + 10),
    ]
    inst = instance(meetings, [expert(1, {EIA: 5}, history=history), expert(2)], applicant_cap=2)

    solution = solved(inst)

    assert sum(1 in panel(solution, m) for m in (1, 2)) == 1


# --- hard: confirmed ----------------------------------------------------------------------------


def test_add_confirmed_keeps_a_weaker_confirmed_expert() -> None:
    inst = instance([meeting(1, confirmed={2: EIA})], [expert(1, {EIA: 5}), expert(2)])

    solution = solved(inst)

    assert seat_of(solution) == {2: EIA}
    assert solution.panels[1][0].why == "已确认出席，保留席位"


def test_add_confirmed_keeps_the_confirmed_specialty() -> None:
    # Expert 2 would do better in EIA, but confirmed the safety seat.
    inst = instance(
        [meeting(1, {EIA: 1, SAFETY: 1}, confirmed={2: SAFETY})],
        [expert(1, {EIA: 1}), expert(2, {EIA: 5, SAFETY: 1}), expert(3, {SAFETY: 4})],
    )

    solution = solved(inst)

    assert seat_of(solution) == {1: EIA, 2: SAFETY}


def test_add_confirmed_confirmed_experts_exactly_fill_the_seats() -> None:
    inst = instance(
        [meeting(1, {EIA: 2}, confirmed={2: EIA, 3: EIA})],
        [expert(1, {EIA: 5}), expert(2), expert(3)],
    )

    assert panel(solved(inst)) == {2, 3}


def test_add_confirmed_more_confirmed_than_seats() -> None:
    inst = instance(
        [meeting(1, {EIA: 1}, confirmed={2: EIA, 3: EIA})], [expert(1), expert(2), expert(3)]
    )

    assert conflicts(inst) == {"seats:RM001:1", "confirmed:RM001"}
    assert details(inst)["confirmed:RM001"] == "RM001：已确认出席的专家保留席位"


def test_add_confirmed_two_confirmed_seats_at_the_same_time() -> None:
    inst = instance(
        [timed(1, NINE, confirmed={1: EIA}), timed(2, NINE + HOUR, confirmed={1: EIA})],
        [expert(1), expert(2)],
    )

    names = conflicts(inst)

    assert "no_overlap" in names and names & {"confirmed:RM001", "confirmed:RM002"}


# --- goals --------------------------------------------------------------------------------------

# Two overlapping meetings (one expert each). A: EIA 100, safety 40; B: EIA 60, safety 20.
# max_sum: A on RM001, B on RM002 = 120 (worst 20); max_min: B on RM001, A on RM002 = 100
# (worst 40).
GOAL_MEETINGS = [timed(1, NINE), timed(2, NINE, seats={SAFETY: 1})]
GOAL_EXPERTS = [expert(1, {EIA: 5, SAFETY: 2}), expert(2, {EIA: 3, SAFETY: 1})]


def test_add_goals_max_sum_maximises_total_affinity_exactly() -> None:
    inst = instance(GOAL_MEETINGS, GOAL_EXPERTS, tie_break=False)

    result = drawn(inst)
    solution = result.solution
    assert solution is not None

    assert panel(solution, 1) == {1} and panel(solution, 2) == {2}
    assert (solution.affinity, solution.worst_panel) == (120, 20)
    # Without tie break one point of objective is one affinity point.
    assert result.report.objective == -120
    assert result.report.penalties == {"affinity": -120}


def test_add_goals_max_min_lifts_the_worst_panel_first() -> None:
    inst = instance(GOAL_MEETINGS, GOAL_EXPERTS, objective="max_min")

    result = drawn(inst)
    solution = result.solution
    assert solution is not None

    assert panel(solution, 1) == {2} and panel(solution, 2) == {1}
    assert (solution.affinity, solution.worst_panel) == (100, 40)
    assert check_panels(inst, solution).penalties == {"affinity": 100, "worst_panel": 40}


def test_add_goals_tie_break_is_worth_less_than_one_affinity_point() -> None:
    # Expert 2 has one point more (1 year of experience); whatever the seed, 2 wins.
    experts = [expert(1), expert(2, years=1), expert(3)]
    for seed in range(20):
        inst = instance([meeting(1)], experts).model_copy(update={"seed": seed})
        result = drawn(inst)
        assert result.solution is not None and panel(result.solution) == {2}
        assert set(result.report.penalties) == {"tie_break", "affinity"}


def test_add_goals_years_count_up_to_twenty() -> None:
    inst = instance([meeting(1)], [expert(1, years=35), expert(2, years=20)], tie_break=False)

    result = drawn(inst)

    assert result.solution is not None and result.solution.affinity == 20 + 20
    assert result.report.objective == -40


@pytest.mark.parametrize(("weight", "spread"), [(10, False), (30, True)])
def test_add_goals_load_balance_against_affinity(weight: int, spread: bool) -> None:
    # Expert 1 (100) on both: 200 - 2 w; experts 1 and 2 (80): 180 - w. Spread iff w > 20.
    inst = instance(
        _days(0, 1),
        [expert(1, {EIA: 5}), expert(2, {EIA: 4})],
        balance_weight=weight,
        tie_break=False,
    )

    result = drawn(inst)
    solution = result.solution
    assert solution is not None

    assert (panel(solution, 1) != panel(solution, 2)) is spread
    assert result.report.objective == (-180 + weight if spread else -200 + 2 * weight)


def test_add_goals_uses_dense_scores_when_given() -> None:
    inst = PanelInstance(
        meetings=(meeting(1, {EIA: 1}),),
        experts=(expert(1, {EIA: 5}), PanelExpert(id=2), expert(3, {SAFETY: 1})),
        scores=((10, 70, 90),),
        policy=PanelPolicy(tie_break=False),
    )

    solution = solved(inst)

    # Scores decide; expert 3 scores highest but lacks the seat's specialty.
    assert seat_of(solution) == {2: EIA}
    assert solution.affinity == 70


# --- eligibility reason codes -------------------------------------------------------------------


def test_reason_wrong_pool() -> None:
    district_expert = expert(1, pool_level="district", district_id=3)
    city_expert = expert(1)
    # A city meeting draws from the city pool.
    assert reason_of(district_expert) == "wrong_pool"
    assert reason_of(city_expert) is None
    # A district meeting draws from its own district's pool only.
    at_3 = meeting(1, pool_level="district", district_id=3)
    at_4 = meeting(1, pool_level="district", district_id=4)
    spare = expert(99, pool_level="district", district_id=3)
    assert exclusions(instance([at_3], [district_expert, spare])).get(1) is None
    spare_4 = expert(99, pool_level="district", district_id=4)
    assert exclusions(instance([at_4], [district_expert, spare_4]))[1] == "wrong_pool"
    assert exclusions(instance([at_3], [city_expert, spare]))[1] == "wrong_pool"
    # "any" draws from both pools.
    both = meeting(1, pool_level="any", district_id=3)
    assert exclusions(instance([both], [district_expert, expert(99)])) == {}


def test_reason_inactive() -> None:
    assert reason_of(expert(1, active=False)) == "inactive"
    assert reason_of(expert(1, active=True)) is None


def test_reason_no_specialty() -> None:
    assert reason_of(expert(1, {SAFETY: 5})) == "no_specialty"
    # One of the meeting's specialties is enough.
    assert reason_of(expert(1, {SAFETY: 5}), meeting(1, {EIA: 1, SAFETY: 1})) is None
    # Dense scores replace affinities, not specialties: a declared specialty still has to fit,
    # and only experts who declare none (data sets) fit every seat.
    inst = PanelInstance(
        meetings=(meeting(1),),
        experts=(expert(1, {SAFETY: 5}), PanelExpert(id=2)),
        scores=((5, 1),),
    )
    assert exclusions(inst) == {1: "no_specialty"}


def test_reason_same_employer() -> None:
    at_applicant = meeting(1, applicant_id=APPLICANT)
    assert reason_of(expert(1, employer_id=APPLICANT), at_applicant) == "same_employer"
    assert reason_of(expert(1, employer_id=APPLICANT + 1), at_applicant) is None
    # Without an applicant there is nobody to avoid.
    assert reason_of(expert(1, employer_id=APPLICANT)) is None


@pytest.mark.parametrize(
    ("ended", "reason"),
    [
        (None, "worked_with"),  # ongoing
        (3 * YEAR_DAYS, "worked_with"),  # just inside conflict_years
        (3 * YEAR_DAYS + 1, None),  # just outside
        (-30, "worked_with"),  # ends after the meeting
    ],
)
@pytest.mark.parametrize("kind", ["worked_with", "former_employer"])
def test_reason_worked_with(ended: int | None, reason: str | None, kind: str) -> None:
    until = None if ended is None else DAY - ended
    tie = Tie(organisation_id=APPLICANT, kind=kind, until_day=until)
    at_applicant = meeting(1, applicant_id=APPLICANT)

    assert reason_of(expert(1, ties=(tie,)), at_applicant, conflict_years=3) == reason


def test_reason_worked_with_other_organisation_or_zero_years() -> None:
    other = Tie(organisation_id=APPLICANT + 1, kind="worked_with")
    at_applicant = meeting(1, applicant_id=APPLICANT)
    assert reason_of(expert(1, ties=(other,)), at_applicant) is None
    yesterday = Tie(organisation_id=APPLICANT, kind="worked_with", until_day=DAY - 1)
    assert reason_of(expert(1, ties=(yesterday,)), at_applicant, conflict_years=0) is None
    today = Tie(organisation_id=APPLICANT, kind="worked_with", until_day=DAY)
    assert reason_of(expert(1, ties=(today,)), at_applicant, conflict_years=0) == "worked_with"


def test_reason_declared_relation() -> None:
    # A declared relation never expires.
    long_ago = Tie(organisation_id=APPLICANT, kind="declared_relation", until_day=DAY - 9999)
    at_applicant = meeting(1, applicant_id=APPLICANT)
    assert reason_of(expert(1, ties=(long_ago,)), at_applicant) == "declared_relation"
    other = Tie(organisation_id=APPLICANT + 1, kind="declared_relation")
    assert reason_of(expert(1, ties=(other,)), at_applicant) is None


def test_reason_involved_before() -> None:
    on_matter = meeting(1, matter_code="SX-2026-001")
    assert reason_of(expert(1, matters=frozenset({"SX-2026-001"})), on_matter) == "involved_before"
    assert reason_of(expert(1, matters=frozenset({"SX-2026-002"})), on_matter) is None
    # A meeting without a matter code has no earlier involvement.
    assert reason_of(expert(1, matters=frozenset({"SX-2026-001"}))) is None


@pytest.mark.parametrize(
    ("busy_start", "busy_end", "reason"),
    [
        (NINE - HOUR, NINE, None),  # leave ends exactly when the meeting starts
        (NINE - HOUR, NINE + 1, "unavailable"),  # one minute of overlap
        (NINE + 2 * HOUR - 1, NINE + 5 * HOUR, "unavailable"),  # the last minute
        (NINE + 2 * HOUR, NINE + 5 * HOUR, None),  # starts exactly when the meeting ends
        (NINE - 24 * HOUR, NINE + 24 * HOUR, "unavailable"),  # covers the meeting
    ],
)
def test_reason_unavailable(busy_start: int, busy_end: int, reason: str | None) -> None:
    busy = (Interval(start=busy_start, end=busy_end, reason="leave"),)

    assert reason_of(expert(1, busy=busy), timed(1, NINE)) == reason


def test_reason_unavailable_needs_meeting_times() -> None:
    busy = (Interval(start=NINE, end=NINE + HOUR),)
    assert reason_of(expert(1, busy=busy), meeting(1)) is None


@pytest.mark.parametrize(
    ("ago", "count", "reason"),
    [
        (100, 1, None),  # below the cap
        (100, 2, "applicant_cap"),  # at the cap
        (364, 2, "applicant_cap"),  # the older one just inside the year
        (365, 2, None),  # the older one just outside
    ],
)
def test_reason_applicant_cap(ago: int, count: int, reason: str | None) -> None:
    history = tuple(PastPanel(day=DAY - ago + i, applicant_id=APPLICANT) for i in range(count))
    at_applicant = meeting(1, applicant_id=APPLICANT)

    assert reason_of(expert(1, history=history), at_applicant, applicant_cap=2) == reason


def test_reason_applicant_cap_only_counts_that_applicant_and_can_be_off() -> None:
    history = tuple(PastPanel(day=DAY - 10, applicant_id=APPLICANT + 1) for _ in range(3))
    at_applicant = meeting(1, applicant_id=APPLICANT)
    assert reason_of(expert(1, history=history), at_applicant, applicant_cap=1) is None
    mine = tuple(PastPanel(day=DAY - 10, applicant_id=APPLICANT) for _ in range(3))
    assert reason_of(expert(1, history=mine), at_applicant, applicant_cap=None) is None


def test_reason_declined() -> None:
    assert reason_of(expert(1), meeting(1, declined=frozenset({1}))) == "declined"
    assert reason_of(expert(1), meeting(1, declined=frozenset({2}))) is None


def test_reasons_are_the_first_that_applies_and_have_chinese_text() -> None:
    # Wrong pool comes before everything else.
    everything = expert(
        1, pool_level="district", district_id=3, active=False, employer_id=APPLICANT
    )
    assert reason_of(everything, meeting(1, applicant_id=APPLICANT)) == "wrong_pool"
    assert all(panels.REASONS_ZH[code] for code in panels.REASONS_ZH)


def test_excluded_expert_never_sits_even_when_best() -> None:
    inst = instance(
        [meeting(1, applicant_id=APPLICANT)],
        [expert(1, {EIA: 5}, employer_id=APPLICANT), expert(2)],
    )

    solution = solved(inst)

    assert panel(solution) == {2}


# --- reserves -----------------------------------------------------------------------------------


def test_reserves_are_eligible_free_and_best_first() -> None:
    inst = instance(
        [
            timed(1, NINE, reserves=3, applicant_id=APPLICANT),
            timed(2, NINE + HOUR, applicant_id=APPLICANT),
        ],
        [
            expert(1, {EIA: 5}),
            expert(2, {EIA: 4}),
            expert(3, {EIA: 3}),
            expert(4, {EIA: 2}),
            expert(5, {EIA: 5}, employer_id=APPLICANT),  # excluded
            expert(6),
        ],
        load_cap=1,
    )

    solution = solved(inst)

    # 1 and 2 fill the two panels (either way round); the other one is busy at RM001's time.
    assert panel(solution, 1) | panel(solution, 2) == {1, 2}
    assert [(r.expert_id, r.rank) for r in solution.reserves[1]] == [(3, 1), (4, 2), (6, 3)]
    assert solution.reserves[2] == ()


# --- the checker itself -------------------------------------------------------------------------


def test_check_panels_flags_a_tampered_solution() -> None:
    inst = instance(
        [timed(1, NINE, seats={EIA: 2}, applicant_id=APPLICANT), timed(2, NINE + HOUR)],
        [expert(1, {EIA: 5}, employer_id=APPLICANT), expert(2), expert(3)],
    )
    good = solved(inst)
    seat = Seat(expert_id=1, specialty_id=EIA, affinity=100)
    bad = good.model_copy(
        update={"panels": {**good.panels, 1: (seat, good.panels[1][0])}, "affinity": 0}
    )

    violations = check_panels(inst, bad).violations

    assert any("RM001" in v and "专家 1" in v and "同单位" in v for v in violations)
    assert any("方案报告总匹配分" in v for v in violations)
