"""Tests for the rotation model: one group per rule, re-checked by scheduler.rotation_checks.

Hard-rule tests switch the breadth and fairness goals off (`QUIET`), so the objective is the
reserve, change and continuity points alone and can be worked out by hand. Default weights:
reserve 1,000 per person-period, change 100, continuity 200, fairness 30 per move beyond 2,
breadth 20 × (1 + max(0, 3 − posts in history)) per new post.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from scheduler import rotation
from scheduler.rotation import (
    HistoryEntry,
    PinnedHolding,
    Post,
    PreviousHolding,
    QualifyingTraining,
    RotationInstance,
    RotationPerson,
    RotationSolution,
    RotationWeights,
    solve,
)
from scheduler.rotation_checks import check_rotation, rotation_objective
from scheduler.runner import SolveParams, SolveStatus

ONE = SolveParams(time_limit_s=20, workers=1, seed=7)
QUIET = RotationWeights(breadth=0, fairness=0)


def periods(n: int) -> tuple[rotation.Period, ...]:
    """Return n quarters from 2027Q1."""
    out = []
    for i in range(n):
        year, q = 2027 + i // 4, i % 4
        starts = dt.date(year, 3 * q + 1, 1)
        out.append(
            rotation.Period(
                id=i + 1, code=f"{year}Q{q + 1}", starts_on=starts, ends_on=starts.replace(day=28)
            )
        )
    return tuple(out)


def post(pid: int, **kw: object) -> Post:
    """Return hall post pid, coded GW<pid>, open to anyone, 0–5 holders unless told."""
    base: dict[str, object] = {
        "id": pid,
        "code": f"GW{pid:03d}",
        "name": f"岗位{pid}",
        "scope": "hall",
        "min_holders": 0,
        "max_holders": 5,
    }
    return Post(**(base | kw))


def person(pid: int, *history: tuple[int, int, int], **kw: object) -> RotationPerson:
    """Return person pid; history as (post, periods_ago_end, consecutive)."""
    entries = tuple(
        HistoryEntry(post_id=s, periods_ago_end=e, consecutive=c) for s, e, c in history
    )
    return RotationPerson(id=pid, name=f"人员{pid}", department_id=1, history=entries, **kw)


def instance(
    posts: list[Post], people: list[RotationPerson], n: int = 2, **kw: object
) -> RotationInstance:
    """Return the instance over n periods, with QUIET weights unless told."""
    kw.setdefault("weights", QUIET)
    return RotationInstance(periods=periods(n), posts=tuple(posts), people=tuple(people), **kw)


def solved(inst: RotationInstance) -> RotationSolution:
    """Solve to proven optimality and re-check the solution independently of the model."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    solution = result.solution
    assert solution is not None and solution.objective == report.objective
    assert check_rotation(inst, solution) == []
    assert rotation_objective(inst, solution) == report.penalties
    return solution


def optimum(inst: RotationInstance) -> int:
    """Return the re-checked optimal objective."""
    objective = solved(inst).objective
    assert objective is not None
    return objective


def conflicts(inst: RotationInstance) -> dict[str, str]:
    """Solve an infeasible instance and return its diagnosis as detail by name."""
    result = solve(inst, ONE)
    assert result.report.status is SolveStatus.INFEASIBLE
    assert result.solution is None and result.report.diagnosis
    return {c.name: c.detail for c in result.report.diagnosis}


def plan(solution: RotationSolution) -> dict[tuple[int, int], int]:
    """Return the post by (person, period)."""
    return {(h.person_id, h.period_index): h.post_id for h in solution.holdings}


# --- meta ---------------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [r.__name__ for r in rotation.RULES if f"test_{r.__name__}" not in source]
    assert missing == []


def test_build_names_the_soft_goals_and_guards() -> None:
    inst = instance([post(1, min_holders=1)], [person(1)], n=1)

    v = rotation.build(inst)

    assert v.builder.term_names == ("continuity", "reserve", "change", "fairness", "breadth")
    assert "staffing:GW001:2027Q1" in v.builder.guards


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"people": (person(1), person(1))}, "person ids must be unique"),
        ({"posts": (post(1), post(1))}, "post ids must be unique"),
        ({"people": (person(1, (9, 1, 1)),)}, "unknown post 9"),
        ({"people": (person(1, unavailable_periods=frozenset({5})),)}, "out of range"),
        ({"pins": (PinnedHolding(person_id=7, post_id=1, period_index=0),)}, "unknown person 7"),
        ({"pins": (PinnedHolding(person_id=1, post_id=1, period_index=4),)}, "out of range"),
        (
            {"previous": (PreviousHolding(person_id=1, post_id=3, period_index=0),)},
            "unknown post 3",
        ),
        (
            {"qualifying": (QualifyingTraining(person_id=2, qualification_id=1, period_index=0),)},
            "unknown person 2",
        ),
        ({"horizon": 3}, "horizon"),
    ],
)
def test_malformed_instances_are_rejected(change: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"periods": periods(2), "posts": (post(1),), "people": (person(1),)}
    with pytest.raises(ValidationError, match=message):
        RotationInstance(**(base | change))


def test_malformed_posts_people_and_periods_are_rejected() -> None:
    with pytest.raises(ValidationError, match="max_holders < min_holders"):
        post(1, min_holders=3, max_holders=2)
    with pytest.raises(ValidationError, match="needs department_id"):
        post(1, scope="department")
    with pytest.raises(ValidationError):
        post(1, code="GW 1")
    with pytest.raises(ValidationError, match="history entries overlap"):
        person(1, (1, 1, 2), (2, 2, 1))
    with pytest.raises(ValidationError):
        RotationWeights(reserve=-1)
    p = periods(2)
    with pytest.raises(ValidationError, match="in order"):
        RotationInstance(periods=(p[1], p[0]), posts=(post(1),), people=(person(1),))


# --- hard: one post at a time, eligibility, pins ------------------------------------------------


def test_add_one_post_at_a_time_one_person_cannot_staff_two_posts() -> None:
    found = conflicts(instance([post(1, min_holders=1), post(2, min_holders=1)], [person(1)], n=1))
    assert set(found) <= {"staffing:GW001:2027Q1", "staffing:GW002:2027Q1"} and len(found) == 2


def test_add_one_post_at_a_time_two_people_two_posts_just_fits() -> None:
    inst = instance([post(1, min_holders=1), post(2, min_holders=1)], [person(1), person(2)])
    solution = solved(inst)
    assert solution.objective == 0
    got = plan(solution)
    for t in (0, 1):
        assert {got[1, t], got[2, t]} == {1, 2}


def test_add_one_post_at_a_time_unavailable_people_hold_nothing() -> None:
    inst = instance([post(1)], [person(1, unavailable_periods=frozenset({1}))])
    assert plan(solved(inst)) == {(1, 0): 1}


def test_add_eligibility_department_and_hall_scope() -> None:
    own = post(1, scope="department", department_id=1)
    other = post(2, scope="department", department_id=2, min_holders=1)
    inst = instance([own, other], [person(1)], n=1)
    assert conflicts(inst) == {
        "staffing:GW002:2027Q1": "岗位 GW002 岗位2 2027Q1：在岗人员需 1–5 人"
    }
    no_hall = instance([post(3, min_holders=1)], [person(1, hall_eligible=False)], n=1)
    assert set(conflicts(no_hall)) == {"staffing:GW003:2027Q1"}


def test_add_eligibility_pin_outside_scope_or_on_leave_names_both() -> None:
    other = post(2, scope="department", department_id=2)
    pin = PinnedHolding(person_id=1, post_id=2, period_index=0)
    found = conflicts(instance([post(1), other], [person(1)], n=1, pins=(pin,)))
    assert set(found) == {"eligibility:1:GW002:2027Q1", "pin:1:2027Q1"}
    away = person(1, unavailable_periods=frozenset({0}))
    pin = PinnedHolding(person_id=1, post_id=1, period_index=0)
    found = conflicts(instance([post(1)], [away], n=1, pins=(pin,)))
    assert set(found) == {"eligibility:1:GW001:2027Q1"}
    assert "不在岗" in found["eligibility:1:GW001:2027Q1"]


def test_add_eligibility_pin_inside_scope_is_fine() -> None:
    pin = PinnedHolding(person_id=1, post_id=2, period_index=1)
    solution = solved(instance([post(1), post(2)], [person(1)], pins=(pin,)))
    assert plan(solution)[1, 1] == 2


def test_add_pins_keep_the_pin_even_when_it_costs() -> None:
    # Post 1 holds one; pinning both people there leaves no room: pins and staffing conflict.
    small = post(1, max_holders=1)
    pins = tuple(PinnedHolding(person_id=p, post_id=1, period_index=0) for p in (1, 2))
    found = conflicts(instance([small], [person(1), person(2)], n=1, pins=pins))
    assert set(found) == {"pin:1:2027Q1", "pin:2:2027Q1", "staffing:GW001:2027Q1"}
    # One pin: the other person goes to reserve, 1,000 points.
    solution = solved(instance([small], [person(1), person(2)], n=1, pins=pins[1:]))
    assert plan(solution) == {(2, 0): 1}
    assert solution.objective == 1000


# --- hard: staffing, qualification, mentoring ---------------------------------------------------


def test_add_staffing_minimum_exactly_met() -> None:
    solution = solved(instance([post(1, min_holders=2, max_holders=2)], [person(1), person(2)]))
    assert solution.objective == 0 and len(solution.holdings) == 4


def test_add_staffing_one_short_names_post_and_period() -> None:
    found = conflicts(instance([post(1, min_holders=2)], [person(1)], n=1))
    assert found == {"staffing:GW001:2027Q1": "岗位 GW001 岗位1 2027Q1：在岗人员需 2–5 人"}


def test_add_staffing_maximum_leaves_the_rest_in_reserve() -> None:
    inst = instance([post(1, max_holders=2)], [person(i) for i in (1, 2, 3)], n=1)
    assert optimum(inst) == 1000


def gated(min_qualified: int = 1, **kw: object) -> Post:
    """Return hall post 12 gated by qualification 5."""
    return post(12, name="并联审批窗口", qualification_id=5, min_qualified=min_qualified, **kw)


def test_add_qualified_holders_all_qualified_staff_on_leave_is_diagnosed() -> None:
    away = frozenset({1})
    people = [
        person(1, qualified_ids=frozenset({5}), unavailable_periods=away),
        person(2, qualified_ids=frozenset({5}), unavailable_periods=away),
        person(3),
    ]
    found = conflicts(instance([gated(min_holders=1)], people))
    assert found == {
        "qualified:GW012:2027Q2": "岗位 GW012 并联审批窗口 2027Q2：合格在岗人员不足 1 人"
    }


def test_add_qualified_holders_training_qualifies_from_its_period() -> None:
    # Person 2 is qualified only from period 1 by training: period 0 needs person 1.
    people = [
        person(1, qualified_ids=frozenset({5}), unavailable_periods=frozenset({1})),
        person(2),
    ]
    gain = QualifyingTraining(person_id=2, qualification_id=5, period_index=1)
    solution = solved(instance([gated(min_holders=1)], people, qualifying=(gain,)))
    assert plan(solution)[1, 0] == 12 and plan(solution)[2, 1] == 12
    late = QualifyingTraining(person_id=2, qualification_id=5, period_index=2)
    with pytest.raises(ValidationError):
        instance([gated(min_holders=1)], people, qualifying=(late,))


def test_add_mentoring_trainees_need_enough_mentors() -> None:
    # Three holders needed, one qualified: two trainees on one mentor need a cap of 2.
    people = [person(1, qualified_ids=frozenset({5})), person(2), person(3)]
    found = conflicts(instance([gated(min_holders=3, max_trainees_per_mentor=1)], people, n=1))
    assert set(found) == {"mentoring:GW012", "staffing:GW012:2027Q1"}
    solution = solved(instance([gated(min_holders=3, max_trainees_per_mentor=2)], people, n=1))
    trainees = [h for h in solution.holdings if h.as_trainee]
    assert len(trainees) == 2 and {h.mentor_id for h in trainees} == {1}


def test_add_mentoring_cap_zero_forbids_trainees() -> None:
    people = [person(1, qualified_ids=frozenset({5})), person(2)]
    inst = instance([gated(min_holders=2, max_trainees_per_mentor=0)], people, n=1)
    assert set(conflicts(inst)) == {"mentoring:GW012", "staffing:GW012:2027Q1"}


# --- hard: tenure, stay, no return --------------------------------------------------------------


def test_add_tenure_history_counts() -> None:
    # Held 1 period already, at most 2 in a row: the second horizon period would be the third.
    one = post(1, min_holders=1, max_consecutive_periods=2)
    found = conflicts(instance([one], [person(1, (1, 1, 1))]))
    assert set(found) == {"tenure:GW001", "staffing:GW001:2027Q1", "staffing:GW001:2027Q2"}
    assert found["tenure:GW001"] == "岗位 GW001 岗位1：连续任职不得超过 2 个周期"


def test_add_tenure_just_inside_and_forced_rotation() -> None:
    one = post(1, min_holders=1, max_consecutive_periods=3)
    assert optimum(instance([one], [person(1, (1, 1, 1))])) == 0
    # Two people, tenure 1: they must alternate every period.
    alt = post(1, min_holders=1, max_holders=1, max_consecutive_periods=1)
    solution = solved(instance([alt, post(2)], [person(1, (1, 1, 1)), person(2)], n=3))
    got = plan(solution)
    assert [got[1, t] for t in range(3)] == [2, 1, 2]


def test_add_min_stay_current_stint_continues() -> None:
    x, y = post(1, min_stay_periods=3), post(2)
    early = PinnedHolding(person_id=1, post_id=2, period_index=1)
    found = conflicts(instance([x, y], [person(1, (1, 1, 1))], n=3, pins=(early,)))
    assert set(found) == {"min_stay:GW001", "pin:1:2027Q2"}
    later = PinnedHolding(person_id=1, post_id=2, period_index=2)
    assert plan(solved(instance([x, y], [person(1, (1, 1, 1))], n=3, pins=(later,)))) == {
        (1, 0): 1,
        (1, 1): 1,
        (1, 2): 2,
    }


def test_add_min_stay_after_a_start() -> None:
    x, y = post(1, min_stay_periods=2), post(2)
    pins = (
        PinnedHolding(person_id=1, post_id=1, period_index=0),
        PinnedHolding(person_id=1, post_id=2, period_index=1),
    )
    assert set(conflicts(instance([x, y], [person(1)], pins=pins))) == {
        "min_stay:GW001",
        "pin:1:2027Q1",
        "pin:1:2027Q2",
    }
    # The horizon truncates the stay: starting in the last period is fine.
    last = (PinnedHolding(person_id=1, post_id=1, period_index=1),)
    assert plan(solved(instance([x, y], [person(1)], pins=last)))[1, 1] == 1


@pytest.mark.parametrize(("ended", "gap", "ok"), [(2, 2, False), (3, 2, True), (3, 3, False)])
def test_add_no_return_counts_history(ended: int, gap: int, ok: bool) -> None:
    # Person 1 held post 1 until `ended` periods before the horizon and now holds post 2.
    x = post(1, no_return_periods=gap)
    someone = person(1, (2, 1, ended - 1), (1, ended, 1))
    pin = (PinnedHolding(person_id=1, post_id=1, period_index=0),)
    inst = instance([x, post(2)], [someone], n=1, pins=pin)
    if ok:
        assert plan(solved(inst)) == {(1, 0): 1}
    else:
        assert set(conflicts(inst)) == {"no_return:GW001", "pin:1:2027Q1"}


def test_add_no_return_within_the_horizon() -> None:
    x = post(1, no_return_periods=2)
    pins = tuple(
        PinnedHolding(person_id=1, post_id=s, period_index=t) for t, s in enumerate((1, 2, 1))
    )
    assert set(conflicts(instance([x, post(2)], [person(1)], n=3, pins=pins))) == {
        "no_return:GW001",
        "pin:1:2027Q1",
        "pin:1:2027Q2",
        "pin:1:2027Q3",
    }


# --- continuity ---------------------------------------------------------------------------------


def critical_pair(tenure_a: int) -> RotationInstance:
    """Critical post 1 (two holders) held by 1 and 2; person 2 is at the tenure limit."""
    crit = post(1, min_holders=2, max_holders=2, critical=True, max_consecutive_periods=2)
    people = [person(1, (1, 1, tenure_a)), person(2, (1, 1, 2)), person(3), person(4)]
    return instance([crit, post(2)], people, n=1)


def test_add_critical_continuity_never_all_holders_at_once() -> None:
    found = conflicts(critical_pair(2))
    assert set(found) == {"continuity:GW001", "tenure:GW001"}
    assert "不得全部在岗人员同时轮换" in found["continuity:GW001"]


def test_add_critical_continuity_one_holder_may_stay() -> None:
    got = plan(solved(critical_pair(1)))
    assert got[1, 0] == 1 and got[2, 0] == 2


def test_add_continuity_soft_for_a_single_holder_post() -> None:
    # The only holder must rotate: the handover costs 200 once; a holder who may stay costs 0.
    crit = post(1, min_holders=1, max_holders=1, critical=True, max_consecutive_periods=2)
    forced = instance([crit, post(2)], [person(1, (1, 1, 2)), person(2)], n=1)
    assert optimum(forced) == 200
    free = instance([crit, post(2)], [person(1, (1, 1, 1)), person(2)], n=1)
    assert optimum(free) == 0


# --- soft goals ---------------------------------------------------------------------------------


def test_add_reserve_exact_penalty() -> None:
    inst = instance([post(1, max_holders=1)], [person(1), person(2)], n=2)
    assert optimum(inst) == 2 * 1000
    weights = RotationWeights(reserve=7, breadth=0, fairness=0)
    assert (
        optimum(instance([post(1, max_holders=1)], [person(1), person(2)], weights=weights)) == 14
    )


def test_add_minimal_change_keeps_the_published_plan() -> None:
    prev = tuple(PreviousHolding(person_id=1, post_id=2, period_index=t) for t in (0, 1))
    solution = solved(instance([post(1), post(2)], [person(1)], previous=prev))
    assert solution.changes == 0 and plan(solution) == {(1, 0): 2, (1, 1): 2}


def test_add_minimal_change_forced_change_costs_one_weight() -> None:
    prev = tuple(PreviousHolding(person_id=1, post_id=2, period_index=t) for t in (0, 1))
    away = person(1, unavailable_periods=frozenset({1}))
    solution = solved(instance([post(1), post(2)], [away], previous=prev))
    assert solution.changes == 1 and solution.objective == 100


def test_add_fairness_moves_beyond_the_fair_share() -> None:
    # Tenure 1 forces a move every period: 3 moves, fair share 1 -> 2 excess moves, 60 points.
    weights = RotationWeights(breadth=0, fair_moves=1)
    posts = [post(1, max_consecutive_periods=1), post(2, max_consecutive_periods=1)]
    assert optimum(instance(posts, [person(1, (1, 1, 1))], n=3, weights=weights)) == 60
    # The first holding of someone without a current post is an arrival, not a move.
    assert optimum(instance(posts, [person(1)], n=3, weights=weights)) == 30
    # Just inside: fair share 3.
    inside = RotationWeights(breadth=0, fair_moves=3)
    assert optimum(instance(posts, [person(1, (1, 1, 1))], n=3, weights=inside)) == 0


def test_add_breadth_rewards_new_posts_for_the_narrowest_most() -> None:
    weights = RotationWeights(fairness=0)
    # No history: 20 x (1 + 3) = 80 points per new post; two posts in two periods.
    assert optimum(instance([post(1), post(2)], [person(1)], weights=weights)) == -160
    # Three posts in history: 20 points per new post, and only post 4 is new.
    wide = person(1, (1, 1, 1), (2, 2, 1), (3, 3, 1))
    posts = [post(1), post(2), post(3), post(4)]
    assert optimum(instance(posts, [wide], weights=weights)) == -20


def test_add_breadth_min_stay_limits_new_posts() -> None:
    weights = RotationWeights(fairness=0)
    posts = [post(s, min_stay_periods=2) for s in (1, 2, 3)]
    # Four periods with stays of two: two posts at most.
    assert optimum(instance(posts, [person(1)], n=4, weights=weights)) == -160
