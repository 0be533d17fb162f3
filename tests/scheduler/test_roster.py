"""Tests for the duty-roster model: one group per rule, re-checked by scheduler.roster_checks.

Tiny instances worked out by hand: one shift type D of 480 minutes unless said otherwise, cover
weights 10 per person short and 1 per person over, no goal weights besides those of the data.
The benchmark tests read the Curtois & Qu files from /work/shared/data/nrp and skip without them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from scheduler import roster
from scheduler.nrp import NrpFormatError, parse_nrp, read_nrp
from scheduler.roster import (
    Cover,
    Employee,
    FairnessCarry,
    Pin,
    Request,
    RosterInstance,
    RosterSolution,
    RosterWeights,
    ShiftType,
    solve,
)
from scheduler.roster_checks import check_roster, roster_objective
from scheduler.runner import SolveParams, SolveStatus

ONE = SolveParams(time_limit_s=10, workers=1, seed=7)
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nrp"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="benchmark data not present")
NO_GOALS = RosterWeights(minimal_change=0, fair_nights=0, fair_weekends=0, fair_holidays=0)
D = ShiftType(id="D", minutes=480)


def emp(eid: str = "A", **kw: object) -> Employee:
    """Return an employee with no limits beyond those given."""
    return Employee(id=eid, name=f"员工{eid}", **kw)


def cover(day: int, req: int = 1, shift: str = "D", under: int = 10, over: int = 1) -> Cover:
    """Return a cover entry."""
    return Cover(day=day, shift=shift, requirement=req, weight_under=under, weight_over=over)


def make(
    horizon: int,
    employees: list[Employee],
    covers: list[Cover] = (),  # type: ignore[assignment]
    shifts: tuple[ShiftType, ...] = (D,),
    **kw: object,
) -> RosterInstance:
    """Return a roster instance; goal weights are zero unless given."""
    kw.setdefault("weights", NO_GOALS)
    return RosterInstance(
        horizon_days=horizon,
        shifts=shifts,
        employees=tuple(employees),
        covers=tuple(covers),
        **kw,
    )


def solved(inst: RosterInstance) -> RosterSolution:
    """Solve to proven optimality and re-check the roster independently of the model."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    solution = result.solution
    assert solution is not None
    assert check_roster(inst, solution) == []
    terms = roster_objective(inst, solution)
    assert terms == solution.penalties == report.penalties
    assert sum(terms.values()) == solution.objective == report.objective
    return solution


def optimum(inst: RosterInstance) -> int:
    """Return the re-checked optimal objective."""
    objective = solved(inst).objective
    assert objective is not None
    return objective


def conflicts(inst: RosterInstance) -> list[str]:
    """Solve an infeasible instance and return the names of the diagnosed rule groups."""
    result = solve(inst, ONE)
    assert result.report.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    assert result.report.diagnosis
    return sorted(c.name for c in result.report.diagnosis)


def row(solution: RosterSolution, eid: str = "A") -> tuple[str, ...]:
    """Return one employee's row."""
    return solution.assignments[eid]


# --- meta -----------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [rule.__name__ for rule in roster.RULES if f"test_{rule.__name__}" not in source]
    assert missing == []


def test_build_names_the_soft_goals() -> None:
    v = roster.build(make(3, [emp()], [cover(0)]))
    assert v.builder.term_names == (
        "shift_on_requests",
        "shift_off_requests",
        "cover_shortfall",
        "cover_surplus",
        "minimal_change",
        "fair_nights",
        "fair_weekends",
        "fair_holidays",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"covers": (cover(0, shift="X"),)}, "unknown shift X"),
        ({"covers": (cover(5),)}, "outside the horizon"),
        ({"pins": (Pin(employee="Z", day=0, shift="D"),)}, "unknown employee Z"),
        (
            {"requests": (Request(kind="on", employee="A", day=0, shift="Q", weight=1),)},
            "unknown shift Q",
        ),
        ({"previous": {"A": ("D",)}}, "previous roster of A"),
    ],
)
def test_inconsistent_instances_are_rejected(change: dict[str, object], message: str) -> None:
    base = {"horizon_days": 3, "shifts": (D,), "employees": (emp(),)}
    with pytest.raises(ValidationError, match=message):
        RosterInstance(**{**base, **change})


# --- hard rules -----------------------------------------------------------------------------


def test_add_one_shift_per_day_lets_one_person_fill_one_of_two_shifts() -> None:
    e = ShiftType(id="E", minutes=480)
    inst = make(1, [emp()], [cover(0), cover(0, shift="E")], shifts=(D, e))
    solution = solved(inst)
    assert row(solution)[0] in ("D", "E")
    assert solution.objective == 10  # one of the two covers stays short


def test_add_qualifications_keeps_unqualified_staff_off_the_hotline() -> None:
    hotline = ShiftType(id="H", minutes=480, qualification="hotline")
    inst = make(1, [emp("A")], [cover(0, shift="H")], shifts=(D, hotline))
    assert optimum(inst) == 10
    qualified = make(
        1, [emp("A", qualifications={"hotline"})], [cover(0, shift="H")], shifts=(D, hotline)
    )
    assert optimum(qualified) == 0


def test_add_qualifications_names_the_rule_and_the_pin_when_a_pin_breaks_it() -> None:
    hotline = ShiftType(id="H", minutes=480, qualification="hotline")
    inst = make(1, [emp()], shifts=(D, hotline), pins=(Pin(employee="A", day=0, shift="H"),))
    assert conflicts(inst) == ["pin:A:0", "qualification:A:H"]


def test_add_fixed_days_off_keeps_the_day_free_even_when_cover_is_short() -> None:
    inst = make(2, [emp(fixed_days_off={0})], [cover(0), cover(1)])
    solution = solved(inst)
    assert row(solution) == ("", "D")
    assert solution.objective == 10


def test_add_fixed_days_off_conflicts_with_a_pin_on_that_day() -> None:
    inst = make(2, [emp(fixed_days_off={1})], pins=(Pin(employee="A", day=1, shift="D"),))
    names = conflicts(inst)
    assert names == ["days_off:A", "pin:A:1"]
    detail = {c.name: c.detail for c in solve(inst, ONE).report.diagnosis}
    assert "员工 A（员工A）" in detail["days_off:A"]


def test_add_pins_keeps_the_pinned_cell_against_the_cover() -> None:
    inst = make(
        2,
        [emp()],
        [cover(0), cover(1, req=0)],
        pins=(Pin(employee="A", day=0, shift=""), Pin(employee="A", day=1, shift="D")),
    )
    solution = solved(inst)
    assert row(solution) == ("", "D")
    assert solution.objective == 10 + 1


def test_add_minimum_rest_forbids_day_after_night() -> None:
    night = ShiftType(id="N", minutes=480, forbidden_next={"D"})
    inst = make(2, [emp()], [cover(0, shift="N"), cover(1)], shifts=(D, night))
    assert optimum(inst) == 10
    # Just inside: the other order (D then N) is allowed.
    inst = make(2, [emp()], [cover(0), cover(1, shift="N")], shifts=(D, night))
    assert optimum(inst) == 0


def test_add_max_shifts_per_type_caps_each_type() -> None:
    covers = [cover(d) for d in range(3)]
    assert optimum(make(3, [emp(max_shifts={"D": 2})], covers)) == 10
    assert optimum(make(3, [emp(max_shifts={"D": 3})], covers)) == 0


def test_add_max_shifts_per_type_zero_conflicts_with_a_pin() -> None:
    inst = make(2, [emp(max_shifts={"D": 0})], pins=(Pin(employee="A", day=0, shift="D"),))
    assert conflicts(inst) == ["max_shifts:A:D", "pin:A:0"]


def test_add_total_minutes_bounds_the_total() -> None:
    covers = [cover(d) for d in range(3)]
    # Max 960 minutes: two shifts, one cover short.
    assert optimum(make(3, [emp(max_total_minutes=960)], covers)) == 10
    # Just inside: 1440 minutes fit all three.
    assert optimum(make(3, [emp(max_total_minutes=1440)], covers)) == 0
    # Min 1440 with no cover: three shifts worked, three over.
    assert optimum(make(3, [emp(min_total_minutes=1440)], [cover(d, req=0) for d in range(3)])) == 3


def test_add_total_minutes_minimum_that_cannot_be_met_is_diagnosed() -> None:
    inst = make(3, [emp(min_total_minutes=1441)])
    assert conflicts(inst) == ["min_minutes:A"]


def test_add_max_consecutive_shifts_breaks_long_runs() -> None:
    covers = [cover(d) for d in range(4)]
    assert optimum(make(4, [emp(max_consecutive_shifts=3)], covers)) == 10
    assert optimum(make(4, [emp(max_consecutive_shifts=4)], covers)) == 0


def test_add_max_consecutive_shifts_with_minimum_minutes_is_infeasible() -> None:
    inst = make(3, [emp(max_consecutive_shifts=1, min_total_minutes=960 + 480)])
    assert conflicts(inst) == ["max_consecutive:A", "min_minutes:A"]


def test_add_min_consecutive_shifts_inside_the_horizon() -> None:
    # Cover only on day 2 of 5: a one-day run inside the horizon is too short, so a second
    # day is worked and costs one surplus point.
    covers = [cover(2), *(cover(d, req=0) for d in (0, 1, 3, 4))]
    solution = solved(make(5, [emp(min_consecutive_shifts=2)], covers))
    assert solution.objective == 1
    # Just inside: a minimum of 1 lets the single day stand.
    assert optimum(make(5, [emp(min_consecutive_shifts=1)], covers)) == 0


def test_add_min_consecutive_shifts_exempts_runs_at_the_boundary() -> None:
    covers = [cover(0), *(cover(d, req=0) for d in range(1, 5))]
    solution = solved(make(5, [emp(min_consecutive_shifts=3)], covers))
    assert row(solution) == ("D", "", "", "", "")


def test_add_min_consecutive_days_off_inside_the_horizon() -> None:
    covers = [cover(d) for d in (0, 1, 3, 4)] + [cover(2, req=0)]
    # A single day off on day 2 is too short: working it (1 point) beats a shortfall.
    assert optimum(make(5, [emp(min_consecutive_days_off=2)], covers)) == 1
    assert optimum(make(5, [emp(min_consecutive_days_off=1)], covers)) == 0


def test_add_min_consecutive_days_off_exempts_runs_at_the_boundary() -> None:
    covers = [cover(0, req=0)] + [cover(d) for d in range(1, 5)]
    solution = solved(make(5, [emp(min_consecutive_days_off=3)], covers))
    assert row(solution) == ("", "D", "D", "D", "D")


def test_add_max_weekends_counts_saturday_or_sunday() -> None:
    covers = [cover(d) for d in (5, 6, 12, 13)]
    # One weekend allowed: the other weekend's two days stay short.
    assert optimum(make(14, [emp(max_weekends=1)], covers)) == 20
    assert optimum(make(14, [emp(max_weekends=2)], covers)) == 0
    # Starting on a Saturday moves the weekends.
    inst = make(3, [emp(max_weekends=0)], [cover(d) for d in range(3)], first_weekday=5)
    solution = solved(inst)
    assert row(solution) == ("", "", "D")


# --- soft goals -----------------------------------------------------------------------------


def test_add_shift_on_requests_costs_the_weight_when_not_met() -> None:
    on = Request(kind="on", employee="A", day=0, shift="D", weight=3)
    # Working day 0 costs 2 surplus points; refusing the request costs 3.
    inst = make(1, [emp()], [cover(0, req=0, over=2)], requests=(on,))
    assert optimum(inst) == 2
    inst = make(1, [emp()], [cover(0, req=0, over=5)], requests=(on,))
    solution = solved(inst)
    assert solution.objective == 3 and solution.penalties["shift_on_requests"] == 3


def test_add_shift_off_requests_costs_the_weight_when_not_honoured() -> None:
    off = Request(kind="off", employee="A", day=0, shift=None, weight=4)
    inst = make(1, [emp()], [cover(0, under=10)], requests=(off,))
    solution = solved(inst)
    assert solution.penalties["shift_off_requests"] == 4 and solution.objective == 4
    inst = make(1, [emp()], [cover(0, under=3)], requests=(off,))
    assert optimum(inst) == 3


def test_add_cover_counts_shortfall_and_surplus() -> None:
    inst = make(1, [emp("A"), emp("B"), emp("C")], [cover(0, req=2, over=4)])
    assert optimum(inst) == 0
    inst = make(
        1, [emp("A", min_total_minutes=480), emp("B", min_total_minutes=480)], [cover(0, 1)]
    )
    solution = solved(inst)
    assert solution.penalties["cover_surplus"] == 1


def test_add_minimal_change_keeps_the_previous_roster() -> None:
    weights = RosterWeights(minimal_change=5, fair_nights=0, fair_weekends=0, fair_holidays=0)
    previous = {"A": ("D", "", "D"), "B": ("", "D", "")}
    covers = [cover(d, over=0, under=0) for d in range(3)]
    inst = make(3, [emp("A"), emp("B")], covers, previous=previous, weights=weights)
    solution = solved(inst)
    assert solution.assignments == previous and solution.objective == 0
    # A pin forces one change: 5 points.
    pinned = make(
        3,
        [emp("A"), emp("B")],
        covers,
        previous=previous,
        weights=weights,
        pins=(Pin(employee="B", day=0, shift="D"),),
    )
    assert optimum(pinned) == 5


def test_add_fairness_shares_nights_with_the_carry_over() -> None:
    night = ShiftType(id="N", minutes=480, night=True)
    weights = RosterWeights(minimal_change=0, fair_nights=2, fair_weekends=0, fair_holidays=0)
    covers = [cover(d, shift="N", under=100) for d in range(4)]
    inst = make(
        4,
        [emp("A"), emp("B")],
        covers,
        shifts=(night,),
        weights=weights,
        carry_over={"A": FairnessCarry(nights=2)},
    )
    solution = solved(inst)
    # Four nights to share, A already has 2: B takes 3, A takes 1, totals 3 and 3.
    assert solution.objective == 0
    assert sum(1 for x in row(solution, "B") if x) == 3
    inst = make(
        4,
        [emp("A"), emp("B")],
        covers,
        shifts=(night,),
        weights=weights,
        carry_over={"A": FairnessCarry(nights=9)},
    )
    assert optimum(inst) == 2 * (9 - 4)


def test_add_fairness_weekends_and_holidays() -> None:
    weights = RosterWeights(minimal_change=0, fair_nights=0, fair_weekends=3, fair_holidays=7)
    covers = [cover(d, under=100) for d in range(7)]
    inst = make(7, [emp("A"), emp("B")], covers, weights=weights, holidays={0, 1})
    solution = solved(inst)
    assert solution.penalties["fair_weekends"] == 0  # both work the weekend, or one each
    assert solution.penalties["fair_holidays"] == 0


# --- evaluator --------------------------------------------------------------------------------


def sol(rows: dict[str, tuple[str, ...]], objective: int | None = None) -> RosterSolution:
    """Return a hand-made solution."""
    return RosterSolution(assignments=rows, objective=objective)


def test_check_roster_names_each_broken_rule() -> None:
    night = ShiftType(id="N", minutes=480, forbidden_next={"D"})
    hotline = ShiftType(id="H", minutes=480, qualification="hotline")
    e = emp(
        "A",
        max_shifts={"D": 1},
        max_total_minutes=2000,
        max_consecutive_shifts=3,
        max_weekends=0,
        fixed_days_off={0},
    )
    inst = make(7, [e], shifts=(D, night, hotline), pins=(Pin(employee="A", day=6, shift=""),))
    broken = check_roster(inst, sol({"A": ("N", "D", "D", "H", "", "", "D")}))
    text = "\n".join(broken)
    for needle in ("固定休息", "不能上 D", "D 班 3 次", "hotline", "连续上班 4 天", "周末", "锁定"):
        assert needle in text, needle
    assert any("总工时 2400" in v for v in broken)


def test_check_roster_minimum_runs_and_boundaries() -> None:
    inst = make(6, [emp(min_consecutive_shifts=2, min_consecutive_days_off=2)])
    assert check_roster(inst, sol({"A": ("D", "", "", "D", "D", "D")})) == []
    broken = check_roster(inst, sol({"A": ("", "", "D", "", "", "D")}))
    assert broken == ["员工 A：第 2 天起只连续上班 1 天，少于下限 2 天"]
    broken = check_roster(inst, sol({"A": ("D", "D", "", "D", "D", "D")}))
    assert broken == ["员工 A：第 2 天起只连续休息 1 天，少于下限 2 天"]


def test_check_roster_rejects_bad_shapes_and_misreported_objectives() -> None:
    inst = make(2, [emp("A")], [cover(0)])
    assert check_roster(inst, sol({"A": ("D",)}))[0].startswith("员工 A：排了 1 天")
    assert "不存在" in check_roster(inst, sol({"A": ("X", "")}))[0]
    assert check_roster(inst, sol({}))[0] == "员工 A 没有排班"
    assert check_roster(inst, sol({"A": ("D", ""), "Z": ("", "")}))[0] == "员工 Z 不在本次排班中"
    assert check_roster(inst, sol({"A": ("", "")}, objective=3)) == ["方案报告目标值 3，重算为 10"]


def test_roster_objective_recomputes_every_term() -> None:
    requests = (
        Request(kind="on", employee="A", day=1, shift="D", weight=2),
        Request(kind="off", employee="A", day=0, shift="D", weight=5),
        Request(kind="on", employee="A", day=0, shift=None, weight=9),
    )
    inst = make(2, [emp("A")], [cover(0, req=0, over=4), cover(1, under=6)], requests=requests)
    terms = roster_objective(inst, sol({"A": ("D", "")}))
    assert terms["shift_on_requests"] == 2
    assert terms["shift_off_requests"] == 5
    assert terms["cover_surplus"] == 4
    assert terms["cover_shortfall"] == 6


# --- benchmark ------------------------------------------------------------------------------


@needs_data
def test_instance1_is_solved_to_its_proven_optimum_607() -> None:
    inst = read_nrp(DATA / "Instance1.txt")
    solution = solved(inst)
    assert solution.objective == 607


@needs_data
@pytest.mark.parametrize("number", [2, 3, 4])
def test_evaluator_agrees_with_the_solver_on_benchmark_instances(number: int) -> None:
    inst = read_nrp(DATA / f"Instance{number}.txt")
    result = solve(inst, SolveParams(time_limit_s=4, workers=1, seed=3))
    solution = result.solution
    assert solution is not None
    assert check_roster(inst, solution) == []
    assert sum(roster_objective(inst, solution).values()) == result.report.objective
    assert result.report.best_bound is None or result.report.best_bound <= solution.objective


@needs_data
def test_decomposition_path_gives_a_valid_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    # Force constructive start + monolithic share + LNS on a small instance.
    monkeypatch.setattr(roster, "MONOLITHIC_CELLS", 0)
    inst = read_nrp(DATA / "Instance2.txt")
    result = solve(inst, SolveParams(time_limit_s=6, workers=1, seed=1))
    solution = result.solution
    assert solution is not None and result.report.status in (
        SolveStatus.FEASIBLE,
        SolveStatus.OPTIMAL,
    )
    assert check_roster(inst, solution) == []
    assert roster_objective(inst, solution) == solution.penalties
    assert result.report.model_size["sub_solves"] > len(inst.employees)


# --- reader ---------------------------------------------------------------------------------

GOOD = """SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,480,D

SECTION_STAFF
A,D=7|N=2,2400,960,5,1,1,1

SECTION_DAYS_OFF
A,0,6

SECTION_SHIFT_ON_REQUESTS
A,2,D,2

SECTION_SHIFT_OFF_REQUESTS
A,3,N,1

SECTION_COVER
1,D,1,100,1
"""


def test_reader_reads_a_small_file() -> None:
    inst = parse_nrp(GOOD.replace("\n", "\r\n"), "tiny.txt")
    assert inst.horizon_days == 7 and inst.name == "tiny"
    (a,) = inst.employees
    assert a.max_shifts == {"D": 7, "N": 2} and a.fixed_days_off == {0, 6}
    assert inst.shifts[1].forbidden_next == {"D"}
    assert [r.kind for r in inst.requests] == ["on", "off"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("A,2,D,2", "A,2,X,2", "tiny.txt 第 15 行：未知班次 X"),
        ("A,2,D,2", "A,2,D", "tiny.txt 第 15 行：应有 4 个字段"),
        ("A,2,D,2", "A,9,D,2", "tiny.txt 第 15 行：日期 9 超出排班周期"),
        ("A,2,D,2", "B,2,D,2", "tiny.txt 第 15 行：未知员工 B"),
        ("1,D,1,100,1", "1,D,many,100,1", "tiny.txt 第 21 行：需求人数应为整数"),
        ("N,480,D", "N,480,Q", "tiny.txt 第 6 行：未知班次 Q"),
        ("A,D=7|N=2", "A,D=7|M=2", "tiny.txt 第 9 行：未知班次 M"),
        ("SECTION_COVER", "SECTION_COVERS", "tiny.txt 第 20 行：未知的段落 SECTION_COVERS"),
        ("SECTION_HORIZON\n", "", "tiny.txt 第 1 行：数据出现在任何段落之前"),
        ("SECTION_STAFF", "SECTION_DAYS_OFF", "段落 SECTION_DAYS_OFF 重复出现"),
    ],
)
def test_reader_names_the_bad_line(old: str, new: str, message: str) -> None:
    with pytest.raises(NrpFormatError, match=message):
        parse_nrp(GOOD.replace(old, new, 1), "tiny.txt")


def test_reader_rejects_a_missing_section() -> None:
    text = GOOD.replace("SECTION_STAFF\nA,D=7|N=2,2400,960,5,1,1,1\n", "")
    with pytest.raises(NrpFormatError, match="缺少段落 SECTION_STAFF"):
        parse_nrp(text, "tiny.txt")


def test_reader_rejects_contradicting_limits_with_the_line() -> None:
    text = GOOD.replace("A,D=7|N=2,2400,960", "A,D=7|N=2,900,960")
    with pytest.raises(NrpFormatError, match="第 9 行.*max_total_minutes < min_total_minutes"):
        parse_nrp(text, "tiny.txt")
