"""Tests for the VIP-visit model: one group per rule, re-checked by check_visits.

Every instance is small enough to work out by hand; the comments give the arithmetic. Default
weights: minimal_change 1,000 per moved published visit + 200 per replaced member,
preferred_days 30 per visit off the enterprise's preferred days, continuity 20 per newcomer on a
project visited before, fairness 10 per visit of spread in a department-and-role group. Slot t is
day t // 2, morning when t is even.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scheduler import visits
from scheduler.runner import SolveParams, SolveStatus
from scheduler.visit_checks import check_visits, visit_objective
from scheduler.visits import (
    Department,
    District,
    PinnedVisit,
    PreviousVisit,
    SessionOccurrence,
    VisitInstance,
    VisitPerson,
    VisitProject,
    VisitSolution,
    VisitWeights,
    solve,
)

# One worker and a fixed seed, as everywhere in the scheduler unit tests.
ONE = SolveParams(time_limit_s=10, workers=1, seed=7)

NATURAL, ECOLOGY = 1, 2
DEPARTMENTS = (
    Department(id=NATURAL, name="市自然资源和规划局"),
    Department(id=ECOLOGY, name="市生态环境局"),
)
# 张店 - 淄川 - 博山 in a row: 张店 and 博山 are not adjacent.
ZHANGDIAN, ZICHUAN, BOSHAN = 1, 2, 3
DISTRICTS = (
    District(id=ZHANGDIAN, name="张店区", adjacent=frozenset({ZICHUAN})),
    District(id=ZICHUAN, name="淄川区", adjacent=frozenset({ZHANGDIAN, BOSHAN})),
    District(id=BOSHAN, name="博山区", adjacent=frozenset({ZICHUAN})),
)
# Monday 2 March 2026 and the working days after it.
MONDAY = dt.date(2026, 3, 2)
WEEKDAYS = tuple(d for d in (MONDAY + dt.timedelta(days=k) for k in range(14)) if d.weekday() < 5)


def day(i: int) -> dt.date:
    """Return working day i of the horizon."""
    return WEEKDAYS[i]


def person(
    pid: int, dept: int = NATURAL, role: str = "chief", district: int | None = None, **kw: Any
) -> VisitPerson:
    """Return person pid, named 人员<pid>."""
    return VisitPerson(
        id=pid, name=f"人员{pid}", department_id=dept, role=role, district_id=district, **kw
    )


def project(
    pid: int, depts: tuple[int, ...] = (NATURAL,), visits_: int = 1, district: int = 1, **kw: Any
) -> VisitProject:
    """Return project pid, coded XM<pid:03d>."""
    return VisitProject(
        id=pid,
        code=f"XM{pid:03d}",
        name=f"项目{pid}",
        district_id=district,
        enterprise_name=f"企业{pid}",
        visits_required=visits_,
        departments=depts,
        **kw,
    )


def instance(
    projects: list[VisitProject], people: list[VisitPerson], days: int = 2, **kw: Any
) -> VisitInstance:
    """Return the instance over the first `days` working days."""
    return VisitInstance(
        days=WEEKDAYS[:days],
        districts=DISTRICTS,
        departments=DEPARTMENTS,
        people=tuple(people),
        projects=tuple(projects),
        **kw,
    )


def solved(inst: VisitInstance) -> VisitSolution:
    """Solve to proven optimality and re-check the solution independently of the model."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    assert report.gap == 0
    solution = result.solution
    assert solution is not None
    assert solution.objective == report.objective
    assert check_visits(inst, solution) == []
    assert visit_objective(inst, solution) == report.penalties
    assert sum(report.penalties.values()) == report.objective
    return solution


def conflicts(inst: VisitInstance) -> list[str]:
    """Solve an infeasible instance and return the sorted names of the diagnosed rule groups."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    assert report.diagnosis, "an infeasible instance must be explained"
    return sorted(c.name for c in report.diagnosis)


def details(inst: VisitInstance) -> dict[str, str]:
    """Return the diagnosis of an infeasible instance as detail by name."""
    return {c.name: c.detail for c in solve(inst, ONE).report.diagnosis}


def slots(solution: VisitSolution, project_id: int) -> list[int]:
    """Return the slots of one project's visits."""
    return sorted(v.slot for v in solution.visits if v.project_id == project_id)


def team(solution: VisitSolution, project_id: int) -> set[int]:
    """Return everyone on one project's visits."""
    return {m for v in solution.visits if v.project_id == project_id for m in v.member_ids}


def session(code: str, slot: int, depts: tuple[int, ...], **kw: Any) -> SessionOccurrence:
    """Return a session occurrence with id taken from its code's digits."""
    return SessionOccurrence(
        id=int(code[1:]), code=code, title="调度会", slots=(slot,), department_ids=depts, **kw
    )


# --- meta ---------------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [rule.__name__ for rule in visits.RULES if f"test_{rule.__name__}" not in source]
    assert missing == []


def test_build_applies_every_rule_and_names_the_soft_goals() -> None:
    inst = instance(
        [project(1, visits_=2, min_days_between=1)],
        [person(1), person(2)],
        sessions=(session("S1", 0, (NATURAL,), mode="video"),),
        pins=(PinnedVisit(project_id=1, slot=2, member_ids=(1,), lead_id=1),),
    )

    v = visits.build(inst)

    assert v.builder.term_names == ("minimal_change", "preferred_days", "continuity", "fairness")
    assert set(v.builder.guards) == {
        "coverage:XM001",
        "team:XM001",
        "booking:1",
        "spacing:XM001",
        "session:S1",
        "pin:XM001:2",
    }


def test_empty_request_is_optimal_at_zero() -> None:
    solution = solved(instance([project(1, visits_=0)], [person(1)]))

    assert solution.visits == ()
    assert solution.changes == 0
    assert solution.objective == 0


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"projects": (project(1), project(1))}, "duplicate project id 1"),
        ({"projects": (project(1), project(2).model_copy(update={"code": "XM001"}))},
         "duplicate project code XM001"),
        ({"projects": (project(1, depts=(9,)),)}, "project XM001 needs unknown department 9"),
        ({"projects": (project(1, district=7),)}, "project XM001 has unknown district 7"),
        ({"people": (person(1), person(1))}, "duplicate person id 1"),
        ({"people": (person(1, dept=5),)}, "person 1 has unknown department 5"),
        ({"people": (person(1, unavailable_slots=frozenset({4})),)},
         "person 1 has unavailable slot 4 out of 0..3"),
        ({"days": (MONDAY, MONDAY)}, "days must be strictly increasing"),
        ({"districts": (District(id=1, name="张店区", adjacent=frozenset({2})),
                        District(id=2, name="淄川区"))},
         "adjacency of districts 1 and 2 is not symmetric"),
        ({"districts": (District(id=1, name="张店区", adjacent=frozenset({1})),)},
         "district 1 lists itself as adjacent"),
        ({"pins": (PinnedVisit(project_id=9, slot=0, member_ids=(1,), lead_id=1),)},
         "pin refers to unknown project 9"),
        ({"pins": (PinnedVisit(project_id=1, slot=0, member_ids=(1,), lead_id=2),)},
         "lead 2 is not a member"),
        ({"pins": (PinnedVisit(project_id=1, slot=8, member_ids=(1,), lead_id=1),)},
         "pin of project XM001 has slot 8 out of 0..3"),
        ({"pins": (PinnedVisit(project_id=1, slot=0, member_ids=(1,), lead_id=1),
                   PinnedVisit(project_id=1, slot=2, member_ids=(1,), lead_id=1))},
         "project XM001 has 2 pinned visits but needs only 1"),
        ({"sessions": (session("S1", 0, (NATURAL,), mode="on_site"),)},
         "on-site session S1 needs a district"),
        ({"sessions": (session("S1", 9, (NATURAL,), mode="video"),)},
         "session S1 has slot 9 out of 0..3"),
        ({"sessions": (session("S1", 0, (ECOLOGY,), mode="video", pinned_member_ids=(1,)),)},
         "session S1 pins person 1, who is not a chief representative"),
        ({"previous": (PreviousVisit(project_id=1, slot=0, member_ids=(7,)),)},
         "previous visit of project XM001 names unknown person 7"),
    ],
)  # fmt: skip
def test_inconsistent_instances_are_rejected_naming_the_culprit(
    change: dict[str, Any], message: str
) -> None:
    base: dict[str, Any] = {
        "days": WEEKDAYS[:2],
        "districts": DISTRICTS,
        "departments": DEPARTMENTS,
        "people": (person(1),),
        "projects": (project(1),),
    }
    with pytest.raises(ValidationError, match=message):
        VisitInstance(**(base | change))


def test_invalid_fields_and_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        project(1, visits_=-1)
    with pytest.raises(ValidationError, match="needs visits but names no department"):
        project(1, depts=())
    with pytest.raises(ValidationError, match="lists a department twice"):
        project(1, depts=(1, 1))
    with pytest.raises(ValidationError):
        person(1, role="clerk")
    with pytest.raises(ValidationError):
        person(1, rank="科长")
    with pytest.raises(ValidationError):
        VisitWeights(continuity=-1)
    for code in ("", "XM 1"):
        with pytest.raises(ValidationError):
            project(1).model_copy(update={}).model_validate(
                project(1).model_dump() | {"code": code}
            )
    with pytest.raises(ValidationError):
        instance([project(1)], [person(1)], horizon=30)


def test_can_lead_defaults_to_the_role_and_json_round_trips() -> None:
    assert person(1).can_lead and not person(2, role="backbone").can_lead
    assert person(3, role="backbone", can_lead=True).can_lead
    inst = instance([project(1, preferred_days=frozenset({day(1)}))], [person(1)])

    assert VisitInstance.model_validate_json(inst.model_dump_json()) == inst


# --- hard: coverage -----------------------------------------------------------------------------


def test_add_coverage_every_project_gets_its_visits() -> None:
    # Two projects, one of them twice, 1 working day apart at least: 3 visits over 2 days.
    inst = instance([project(1), project(2, visits_=2, min_days_between=1)], [person(1), person(2)])

    solution = solved(inst)

    assert len(slots(solution, 1)) == 1
    assert [t // 2 for t in slots(solution, 2)] == [0, 1]
    assert all(v.lead_id in v.member_ids for v in solution.visits)


def test_add_coverage_more_visits_than_slots_names_the_project() -> None:
    # One day has two slots; three visits cannot fit.
    inst = instance([project(1, visits_=3, min_days_between=0)], [person(1)], days=1)

    assert conflicts(inst) == ["coverage:XM001"]
    assert (
        details(inst)["coverage:XM001"]
        == "项目 XM001 项目1：本月需上门服务 3 次（可安排的时段 2 个）"
    )


def test_add_coverage_exactly_as_many_visits_as_slots() -> None:
    # Just inside: two visits in the two halves of the only day.
    inst = instance([project(1, visits_=2, min_days_between=0)], [person(1)], days=1)

    assert slots(solved(inst), 1) == [0, 1]


def test_add_coverage_names_a_department_without_any_chief() -> None:
    # The ecology chief is away all month; the natural-resources chief is fine.
    away = frozenset(range(4))
    inst = instance(
        [project(1, depts=(NATURAL, ECOLOGY))],
        [person(1), person(2, ECOLOGY, unavailable_slots=away)],
    )

    assert conflicts(inst) == ["no_chief:XM001:2"]
    assert details(inst) == {
        "no_chief:XM001:2": "项目 XM001：部门 市生态环境局 本月没有可出席的首席代表"
    }


def test_add_coverage_chief_free_only_on_a_blocked_day_counts_as_none() -> None:
    inst = instance(
        [project(1, blocked_days=frozenset({day(0)}))],
        [person(1, unavailable_slots=frozenset({2, 3}))],
    )

    assert conflicts(inst) == ["no_chief:XM001:1"]


# --- hard: team composition ---------------------------------------------------------------------


def test_add_team_composition_one_chief_per_department_and_the_backbones() -> None:
    inst = instance(
        [project(1, depts=(NATURAL, ECOLOGY), backbones=1)],
        [person(1), person(2, ECOLOGY), person(3, role="backbone"), person(4, ECOLOGY)],
        days=1,
    )

    solution = solved(inst)

    (visit,) = solution.visits
    members = set(visit.member_ids)
    assert 1 in members and 3 in members and len(members) == 3
    assert len(members & {2, 4}) == 1
    assert visit.lead_id in {1, 2, 4}


def test_add_team_composition_pinned_team_without_a_needed_chief() -> None:
    inst = instance(
        [project(1, depts=(NATURAL, ECOLOGY))],
        [person(1), person(2, ECOLOGY)],
        pins=(PinnedVisit(project_id=1, slot=0, member_ids=(1,), lead_id=1),),
    )

    assert conflicts(inst) == ["pin:XM001:0", "team:XM001"]


def test_add_team_composition_pinned_member_of_another_district() -> None:
    # A district backbone of 博山 cannot join a visit in 张店.
    inst = instance(
        [project(1, backbones=1)],
        [person(1), person(2, role="backbone"), person(3, role="backbone", district=BOSHAN)],
        pins=(PinnedVisit(project_id=1, slot=0, member_ids=(1, 3), lead_id=1),),
    )

    assert conflicts(inst) == ["pin:XM001:0", "team:XM001"]
    assert "其中 人员3 不是所需部门的首席代表或业务骨干" in details(inst)["pin:XM001:0"]


def test_add_team_composition_lead_must_be_able_to_lead() -> None:
    # Just inside: the chief cannot lead, so the one backbone who can must come and lead.
    inst = instance(
        [project(1, backbones=1)],
        [
            person(1, can_lead=False),
            person(2, role="backbone"),
            person(3, role="backbone", can_lead=True),
        ],
        days=1,
    )

    (visit,) = solved(inst).visits
    assert visit.lead_id == 3 and set(visit.member_ids) == {1, 3}


def test_add_team_composition_nobody_can_lead() -> None:
    inst = instance([project(1)], [person(1, can_lead=False)], days=1)

    assert conflicts(inst) == ["coverage:XM001", "team:XM001"]


def test_add_team_composition_too_few_backbones_leave_no_slot() -> None:
    inst = instance([project(1, backbones=2)], [person(1), person(2, role="backbone")], days=1)

    assert conflicts(inst) == ["coverage:XM001"]
    assert "可安排的时段 0 个" in details(inst)["coverage:XM001"]


# --- hard: availability -------------------------------------------------------------------------


def test_add_availability_visit_avoids_leave() -> None:
    # Just inside: the only chief is free in the very last slot only.
    inst = instance([project(1)], [person(1, unavailable_slots=frozenset({0, 1, 2}))])

    assert slots(solved(inst), 1) == [3]


def test_add_availability_pinned_member_now_on_leave() -> None:
    inst = instance(
        [project(1)],
        [person(1, unavailable_slots=frozenset({0})), person(2)],
        pins=(PinnedVisit(project_id=1, slot=0, member_ids=(1,), lead_id=1),),
    )

    assert conflicts(inst) == ["availability:XM001:0:1", "pin:XM001:0"]
    assert "3月2日上午 请假或另有安排" in details(inst)["availability:XM001:0:1"]


def test_add_availability_pinned_session_member_on_leave() -> None:
    inst = instance(
        [],
        [person(1, unavailable_slots=frozenset({0})), person(2)],
        sessions=(session("S1", 0, (NATURAL,), mode="video", pinned_member_ids=(1,)),),
    )

    assert conflicts(inst) == ["availability:S1:1", "session_pin:S1:1"]


# --- hard: no double booking --------------------------------------------------------------------


def test_add_no_double_booking_one_chief_two_visits_in_one_day() -> None:
    # Just inside: one chief, one day, two projects: morning and afternoon.
    inst = instance([project(1), project(2)], [person(1)], days=1)

    solution = solved(inst)

    assert sorted(v.slot for v in solution.visits) == [0, 1]


def test_add_no_double_booking_three_visits_for_two_slots() -> None:
    inst = instance([project(1), project(2), project(3)], [person(1)], days=1)

    names = conflicts(inst)
    assert "booking:1" in names
    assert {n.split(":")[0] for n in names} == {"booking", "coverage", "team"}


def test_add_no_double_booking_session_takes_the_morning() -> None:
    inst = instance(
        [project(1)], [person(1)], days=1, sessions=(session("S1", 0, (NATURAL,), mode="video"),)
    )

    solution = solved(inst)

    assert slots(solution, 1) == [1]
    assert solution.sessions[0].member_ids == (1,)


def test_add_no_double_booking_session_and_two_visits_do_not_fit() -> None:
    inst = instance(
        [project(1), project(2)],
        [person(1)],
        days=1,
        sessions=(session("S1", 0, (NATURAL,), mode="video"),),
    )

    assert "booking:1" in conflicts(inst)


# --- hard: travel -------------------------------------------------------------------------------


def test_add_travel_non_adjacent_districts_on_one_day() -> None:
    inst = instance([project(1), project(2, district=BOSHAN)], [person(1)], days=1)

    names = conflicts(inst)
    assert "travel:1" in names
    assert {n.split(":")[0] for n in names} == {"travel", "coverage", "team"}


def test_add_travel_adjacent_districts_share_a_day() -> None:
    # Just inside: 张店 and 淄川 are neighbours.
    inst = instance([project(1), project(2, district=ZICHUAN)], [person(1)], days=1)

    assert len(solved(inst).visits) == 2


def test_add_travel_on_site_session_pins_the_district_but_video_does_not() -> None:
    projects = [project(1, district=BOSHAN)]
    on_site = session("S1", 0, (NATURAL,), mode="on_site", district_id=ZHANGDIAN)
    video = session("S1", 0, (NATURAL,), mode="video")

    assert "travel:1" in conflicts(instance(projects, [person(1)], days=1, sessions=(on_site,)))
    assert slots(solved(instance(projects, [person(1)], days=1, sessions=(video,))), 1) == [1]


def test_add_travel_daily_visit_cap() -> None:
    capped = [person(1, max_visits_per_day=1)]

    assert "daily:1" in conflicts(instance([project(1), project(2)], capped, days=1))
    solution = solved(instance([project(1), project(2)], capped, days=2))
    assert sorted(v.slot // 2 for v in solution.visits) == [0, 1]


# --- hard: enterprise windows -------------------------------------------------------------------


def test_add_enterprise_windows_visit_avoids_the_blocked_day() -> None:
    inst = instance([project(1, blocked_days=frozenset({day(0)}))], [person(1)])

    assert [t // 2 for t in slots(solved(inst), 1)] == [1]


def test_add_enterprise_windows_every_day_blocked() -> None:
    inst = instance([project(1, blocked_days=frozenset(WEEKDAYS[:2]))], [person(1)])

    assert conflicts(inst) == ["coverage:XM001"]


def test_add_enterprise_windows_pin_on_a_blocked_day() -> None:
    inst = instance(
        [project(1, blocked_days=frozenset({day(0)}))],
        [person(1)],
        pins=(PinnedVisit(project_id=1, slot=1, member_ids=(1,), lead_id=1),),
    )

    assert conflicts(inst) == ["pin:XM001:1", "window:XM001:1"]
    assert "企业1 在 3月2日下午 不便接待" in details(inst)["window:XM001:1"]


# --- hard: spacing ------------------------------------------------------------------------------


def test_add_spacing_two_visits_three_days_apart_need_four_days() -> None:
    # Just inside: days 0 and 3.
    inst = instance([project(1, visits_=2, min_days_between=3)], [person(1)], days=4)

    assert [t // 2 for t in slots(solved(inst), 1)] == [0, 3]


def test_add_spacing_three_days_are_too_few() -> None:
    inst = instance([project(1, visits_=2, min_days_between=3)], [person(1)], days=3)

    assert conflicts(inst) == ["coverage:XM001", "spacing:XM001"]
    assert details(inst)["spacing:XM001"] == "项目 XM001：两次上门至少间隔 3 个工作日"


def test_add_spacing_zero_allows_the_same_day() -> None:
    inst = instance([project(1, visits_=2, min_days_between=0)], [person(1)], days=1)

    assert slots(solved(inst), 1) == [0, 1]


# --- hard: sessions -----------------------------------------------------------------------------


def test_add_sessions_one_chief_of_each_department() -> None:
    inst = instance(
        [],
        [person(1), person(2), person(3, ECOLOGY), person(4, role="backbone")],
        sessions=(session("S1", 0, (NATURAL, ECOLOGY), mode="video"),),
    )

    (attendance,) = solved(inst).sessions
    assert 3 in attendance.member_ids and len(attendance.member_ids) == 2
    assert 4 not in attendance.member_ids


def test_add_sessions_department_chief_away() -> None:
    inst = instance(
        [],
        [person(1), person(2, ECOLOGY, unavailable_slots=frozenset({0}))],
        sessions=(session("S1", 0, (NATURAL, ECOLOGY), mode="on_site", district_id=ZHANGDIAN),),
    )

    assert conflicts(inst) == ["session:S1"]
    assert "市生态环境局 首席代表各一名" in details(inst)["session:S1"]


def test_add_sessions_two_sessions_at_once_need_two_chiefs() -> None:
    both = (session("S1", 0, (NATURAL,), mode="video"), session("S2", 0, (NATURAL,), mode="video"))

    assert "booking:1" in conflicts(instance([], [person(1)], sessions=both))
    (a, b) = solved(instance([], [person(1), person(2)], sessions=both)).sessions
    assert {a.member_ids, b.member_ids} == {(1,), (2,)}


def test_add_sessions_pinned_member_is_kept() -> None:
    # Person 1 has visited project 1 before; the pinned session keeps them busy that morning.
    inst = instance(
        [project(1, previous_member_ids=frozenset({1}))],
        [person(1), person(2)],
        days=1,
        sessions=(session("S1", 0, (NATURAL,), mode="video", pinned_member_ids=(1,)),),
    )

    solution = solved(inst)

    # Person 1 still takes the afternoon visit (no newcomer); loads 1 and 0 cost 10 fairness.
    assert solution.sessions[0].member_ids == (1,)
    assert [(v.slot, v.member_ids) for v in solution.visits] == [(1, (1,))]
    assert solution.objective == 10


# --- hard: pins ---------------------------------------------------------------------------------


def test_add_pins_keeps_the_confirmed_visit_even_when_it_costs() -> None:
    # The enterprise prefers day 1, but the visit was confirmed for day 0 with person 2, who
    # has never been there: 30 (preferred day) + 20 (newcomer) + 10 (loads 1 and 0).
    inst = instance(
        [project(1, preferred_days=frozenset({day(1)}), previous_member_ids=frozenset({1}))],
        [person(1), person(2)],
        pins=(PinnedVisit(project_id=1, slot=0, member_ids=(2,), lead_id=2),),
    )

    solution = solved(inst)

    assert [(v.slot, v.member_ids, v.lead_id) for v in solution.visits] == [(0, (2,), 2)]
    assert solution.objective == 60


def test_add_pins_two_pins_on_one_person_at_once() -> None:
    inst = instance(
        [project(1), project(2)],
        [person(1), person(2)],
        pins=(
            PinnedVisit(project_id=1, slot=0, member_ids=(1,), lead_id=1),
            PinnedVisit(project_id=2, slot=0, member_ids=(1,), lead_id=1),
        ),
    )

    assert conflicts(inst) == ["booking:1", "pin:XM001:0", "pin:XM002:0"]


def test_add_pins_pin_counts_towards_coverage_and_fixes_the_lead() -> None:
    # Just inside: two visits required, one pinned with a named lead among two chiefs.
    inst = instance(
        [project(1, depts=(NATURAL, ECOLOGY), visits_=2, min_days_between=1)],
        [person(1), person(2, ECOLOGY)],
        pins=(PinnedVisit(project_id=1, slot=1, member_ids=(1, 2), lead_id=2),),
    )

    solution = solved(inst)

    assert slots(solution, 1) == [1, 2] or slots(solution, 1) == [1, 3]
    pinned = next(v for v in solution.visits if v.slot == 1)
    assert pinned.lead_id == 2


# --- soft: minimal change -----------------------------------------------------------------------


def test_add_minimal_change_unchanged_plan_costs_nothing() -> None:
    previous = (PreviousVisit(project_id=1, slot=3, member_ids=(2,)),)
    inst = instance([project(1)], [person(1), person(2)], previous=previous)

    solution = solved(inst)

    assert [(v.slot, v.member_ids) for v in solution.visits] == [(3, (2,))]
    assert solution.changes == 0


def test_add_minimal_change_member_falls_ill_costs_one_member() -> None:
    # Person 2 falls ill in slot 3: person 1 replaces them in the same slot: 200 points, plus
    # 10 for fairness (loads 1 and 0).
    previous = (PreviousVisit(project_id=1, slot=3, member_ids=(2,)),)
    ill = person(2, unavailable_slots=frozenset({3}))
    inst = instance([project(1)], [person(1), ill], previous=previous)

    solution = solved(inst)

    assert [(v.slot, v.member_ids) for v in solution.visits] == [(3, (1,))]
    assert solution.changes == 1
    assert solution.objective == 210


def test_add_minimal_change_moved_visit_costs_the_slot_and_its_members() -> None:
    # The only chief is away in slot 3: the visit moves (1,000) and loses its member (200).
    previous = (PreviousVisit(project_id=1, slot=3, member_ids=(1,)),)
    inst = instance([project(1)], [person(1, unavailable_slots=frozenset({3}))], previous=previous)

    solution = solved(inst)

    assert solution.objective == 1200
    assert solution.changes == 1


# --- soft: preferred days -----------------------------------------------------------------------


def test_add_preferred_days_visit_lands_on_a_preferred_day() -> None:
    inst = instance([project(1, preferred_days=frozenset({day(1)}))], [person(1)])

    assert [t // 2 for t in slots(solved(inst), 1)] == [1]


def test_add_preferred_days_exact_penalty_when_the_chief_is_away() -> None:
    away = person(1, unavailable_slots=frozenset({2, 3}))
    inst = instance([project(1, preferred_days=frozenset({day(1)}))], [away])

    assert solved(inst).objective == 30


def test_add_preferred_days_outside_the_horizon_are_ignored() -> None:
    inst = instance([project(1, preferred_days=frozenset({day(5)}))], [person(1)])

    assert solved(inst).objective == 0


# --- soft: continuity ---------------------------------------------------------------------------


def test_add_continuity_sends_who_has_been_there() -> None:
    # Known from either side: the project's record or the person's own.
    by_project = instance(
        [project(1, previous_member_ids=frozenset({2}))], [person(1), person(2)], days=1
    )
    by_person = instance(
        [project(1)], [person(1), person(2, previous_project_ids=frozenset({1}))], days=1
    )

    assert team(solved(by_project), 1) == {2}
    assert team(solved(by_person), 1) == {2}


def test_add_continuity_exact_penalty_per_newcomer() -> None:
    # The known chief is away; the chief and the backbone who come are both new: 2 x 20.
    inst = instance(
        [project(1, backbones=1, previous_member_ids=frozenset({2}))],
        [person(1), person(2, unavailable_slots=frozenset({0, 1})), person(3, role="backbone")],
        days=1,
    )

    assert solved(inst).objective == 40


def test_add_continuity_project_never_visited_costs_nothing() -> None:
    inst = instance([project(1)], [person(1), person(2)], days=1)

    assert visit_objective(inst, solved(inst))["continuity"] == 0


# --- soft: fairness -----------------------------------------------------------------------------


def test_add_fairness_spreads_visits_over_a_department() -> None:
    solution = solved(instance([project(1), project(2)], [person(1), person(2)], days=1))

    assert sorted(len(team(solution, p)) for p in (1, 2)) == [1, 1]
    assert team(solution, 1) != team(solution, 2)
    assert solution.objective == 0


def test_add_fairness_exact_penalty_for_an_odd_count() -> None:
    # Three visits, two chiefs: loads 2 and 1, spread 1 -> 10 points.
    inst = instance([project(1), project(2), project(3)], [person(1), person(2)])

    assert solved(inst).objective == 10


def test_add_fairness_ignores_people_away_all_month_and_other_roles() -> None:
    # Person 2 is away all month and the backbone is never asked for: both stay out.
    inst = instance(
        [project(1), project(2)],
        [person(1), person(2, unavailable_slots=frozenset(range(4))), person(3, role="backbone")],
    )

    assert solved(inst).objective == 0


def test_add_fairness_uses_the_instance_weights() -> None:
    inst = instance(
        [project(1), project(2), project(3)],
        [person(1), person(2)],
        weights=VisitWeights(fairness=7),
    )

    assert solved(inst).objective == 7


# --- the re-checker -----------------------------------------------------------------------------


def test_check_visits_reports_broken_plans() -> None:
    inst = instance(
        [project(1, visits_=2, min_days_between=1), project(2, district=BOSHAN)],
        [person(1), person(2, unavailable_slots=frozenset({1}))],
        days=2,
    )
    solution = solved(inst)
    bad_visit = solution.visits[0].model_copy(update={"member_ids": (2,), "slot": 1, "lead_id": 9})
    broken = solution.model_copy(update={"visits": (bad_visit,), "changes": 3})

    problems = check_visits(inst, broken)

    text = "\n".join(problems)
    assert "需上门 2 次，实际 1 次" in text
    assert "需上门 1 次，实际 0 次" in text
    assert "请假或另有安排" in text
    assert "不是本次成员" in text
    assert "方案报告改动 3 次" in text
