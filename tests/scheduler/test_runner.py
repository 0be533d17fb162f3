"""Tests for the shared CP-SAT runner: reports, progress, diagnosis, cancel, hints, params."""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time

import ortools
import pytest
from ortools.sat.python import cp_model
from pydantic import ValidationError

from scheduler.runner import (
    UNGUARDED,
    CancelToken,
    Conflict,
    Infeasible,
    ModelBuilder,
    NoSolution,
    ProgressEvent,
    SolveError,
    SolveParams,
    SolveReport,
    SolveStatus,
    run,
)

# One worker and a fixed seed, as everywhere in the scheduler unit tests.
ONE = SolveParams(time_limit_s=10, workers=1, seed=7)

# Cost of seating expert i at meeting j; the optimum 13 seats (0,1), (1,0), (2,2), (3,3).
COST = [[9, 2, 7, 8], [6, 4, 3, 7], [5, 8, 1, 8], [7, 6, 9, 4]]
ASSIGNMENT_OPTIMUM = 13
IDENTITY_COST = 9 + 4 + 1 + 4

VALUES = [10, 13, 7, 8, 11, 4, 9, 6]
WEIGHTS = [5, 7, 4, 5, 6, 2, 5, 3]
CAPACITY = 17
ITEM_FEE = 3


def knapsack() -> tuple[ModelBuilder, list[cp_model.IntVar]]:
    """Build a knapsack: reward value, pay a fee per packed item, respect the capacity."""
    b = ModelBuilder("knapsack")
    take = [b.model.new_bool_var(f"take[{i}]") for i in range(len(VALUES))]
    b.model.add(sum(w * x for w, x in zip(WEIGHTS, take, strict=True)) <= CAPACITY)
    b.add_reward("value", sum(v * x for v, x in zip(VALUES, take, strict=True)), 1)
    b.add_penalty("items", sum(take), ITEM_FEE)
    return b, take


def knapsack_optimum() -> int:
    """Return the optimal objective of knapsack() by enumeration."""
    best = 0
    for pick in itertools.product((0, 1), repeat=len(VALUES)):
        if sum(w * p for w, p in zip(WEIGHTS, pick, strict=True)) <= CAPACITY:
            gain = sum(v * p for v, p in zip(VALUES, pick, strict=True)) - ITEM_FEE * sum(pick)
            best = max(best, gain)
    return -best


def assignment(n: int = 4, cost: list[list[int]] | None = None):
    """Build a minimum-cost assignment of n experts to n meetings."""
    cost = cost or COST
    b = ModelBuilder("assignment")
    x = {(i, j): b.model.new_bool_var(f"assign[e={i},m={j}]") for i in range(n) for j in range(n)}
    for i in range(n):
        b.model.add_exactly_one(x[i, j] for j in range(n))
    for j in range(n):
        b.model.add_exactly_one(x[i, j] for i in range(n))
    for i in range(n):
        b.add_penalty("cost", sum(cost[i][j] * x[i, j] for j in range(n)), 1)
    return b, x


def partition(n: int = 40, seed: int = 3) -> ModelBuilder:
    """Build a number partition of large random numbers: solutions come fast, proof never."""
    rng = random.Random(seed)
    sizes = [rng.randrange(2**39, 2**40) for _ in range(n)]
    b = ModelBuilder("partition")
    side = [b.model.new_bool_var(f"side[{i}]") for i in range(n)]
    total = sum(sizes)
    diff = b.model.new_int_var(-total, total, "diff")
    b.model.add(diff == sum(s * (2 * x - 1) for s, x in zip(sizes, side, strict=True)))
    imbalance = b.model.new_int_var(0, total, "imbalance")
    b.model.add_abs_equality(imbalance, diff)
    b.add_penalty("imbalance", imbalance, 1)
    return b


def subset_sum(n: int = 30, seed: int = 7) -> ModelBuilder:
    """Build a subset sum of 45-bit numbers: almost surely no solution, and no quick proof."""
    rng = random.Random(seed)
    sizes = [rng.randrange(2**44, 2**45) for _ in range(n)]
    b = ModelBuilder("subset_sum")
    pick = [b.model.new_bool_var(f"pick[{i}]") for i in range(n)]
    b.model.add(sum(s * x for s, x in zip(sizes, pick, strict=True)) == sum(sizes) // 2 + 1)
    return b


ENV_DETAIL = "环境影响评价：2 名可选专家，需要 3 个席位"
AVOID_DETAIL = "回避：专家 3 与申请单位同属一家单位"
WATER_DETAIL = "水土保持：需要 1 个席位"


def panel(*, seats_env: int = 3) -> tuple[ModelBuilder, dict[int, cp_model.IntVar]]:
    """Build an expert panel whose environment seats clash with an avoidance rule."""
    specialty = {1: "environment", 2: "environment", 3: "environment", 4: "water", 5: "water"}
    b = ModelBuilder("panel")
    seat = {e: b.model.new_bool_var(f"seat[e={e}]") for e in specialty}
    env = [seat[e] for e, s in specialty.items() if s == "environment"]
    water = [seat[e] for e, s in specialty.items() if s == "water"]
    b.model.add(sum(env) >= seats_env).only_enforce_if(b.guard("seats:environment", ENV_DETAIL))
    b.model.add(seat[3] == 0).only_enforce_if(b.guard("avoidance:expert=3", AVOID_DETAIL))
    b.model.add(sum(water) >= 1).only_enforce_if(b.guard("seats:water", WATER_DETAIL))
    b.add_penalty("panel_size", sum(seat.values()), 1)
    return b, seat


def test_optimal_knapsack_reports_objective_bound_penalties_and_size() -> None:
    b, take = knapsack()

    outcome = run(b, ONE)
    report = outcome.report

    optimum = knapsack_optimum()
    assert report.status is SolveStatus.OPTIMAL
    assert report.objective == report.best_bound == optimum
    assert report.gap == 0
    assert sum(report.penalties.values()) == report.objective
    assert set(report.penalties) == {"value", "items"}
    assert report.penalties["value"] <= 0 <= report.penalties["items"]
    packed = [outcome.boolean_value(x) for x in take]
    assert report.penalties["items"] == ITEM_FEE * sum(packed)
    assert sum(w for w, p in zip(WEIGHTS, packed, strict=True) if p) <= CAPACITY
    assert report.model_size["variables"] > 0
    assert report.model_size["constraints"] > 0
    assert report.model_size["assumptions"] == 0
    assert report.solver_version == ortools.__version__
    assert report.params == ONE
    assert report.diagnosis == []
    assert report.cancelled is False
    assert report.solutions >= 1
    assert 0 <= report.wall_time_s < 3


def test_assignment_optimum_and_values() -> None:
    b, x = assignment()

    outcome = run(b, ONE).raise_for_status()

    assert outcome.report.objective == outcome.report.best_bound == ASSIGNMENT_OPTIMUM
    assert outcome.report.penalties == {"cost": ASSIGNMENT_OPTIMUM}
    chosen = sorted(k for k, v in x.items() if outcome.boolean_value(v))
    assert chosen == [(0, 1), (1, 0), (2, 2), (3, 3)]
    assert outcome.value(sum(COST[i][j] * x[i, j] for i, j in x)) == ASSIGNMENT_OPTIMUM


def test_report_round_trips_through_json() -> None:
    report = run(knapsack()[0], ONE).report
    assert SolveReport.model_validate_json(report.model_dump_json()) == report


def test_zero_objective_has_zero_gap() -> None:
    b = ModelBuilder()
    x = b.model.new_int_var(0, 5, "x")
    b.add_penalty("x", x, 4)

    report = run(b, ONE).report

    assert report.objective == report.best_bound == 0
    assert report.gap == 0.0


def test_model_without_objective_is_optimal_without_objective() -> None:
    b = ModelBuilder()
    x = b.model.new_int_var(0, 5, "x")
    b.model.add(x >= 3)

    outcome = run(b, ONE)

    assert outcome.report.status is SolveStatus.OPTIMAL
    assert outcome.report.objective is outcome.report.best_bound is outcome.report.gap is None
    assert outcome.report.penalties == {}
    assert outcome.value(x) >= 3


def test_bare_cp_model_with_own_maximise_objective() -> None:
    m = cp_model.CpModel()
    x = m.new_int_var(0, 10, "x")
    y = m.new_int_var(0, 10, "y")
    m.add(x + 2 * y <= 14)
    m.maximize(3 * x + 4 * y)

    outcome = run(m, ONE)

    assert outcome.report.status is SolveStatus.OPTIMAL
    assert outcome.report.objective == outcome.report.best_bound == 38
    assert outcome.report.penalties == {}


def test_progress_reports_improving_solutions_ending_at_the_final_objective() -> None:
    rng = random.Random(11)
    cost = [[rng.randrange(1, 100) for _ in range(12)] for _ in range(12)]
    b, _ = assignment(12, cost)
    events: list[ProgressEvent] = []

    report = run(b, ONE, progress=events.append).report

    assert report.status is SolveStatus.OPTIMAL
    assert events, "no progress event"
    objectives = [e.objective for e in events]
    assert objectives == sorted(objectives, reverse=True)
    assert len(set(objectives)) == len(objectives), "objectives must strictly improve"
    assert objectives[-1] == report.objective
    assert [e.solutions for e in events] == list(range(1, len(events) + 1))
    assert report.solutions == len(events)
    assert all(e.best_bound is not None and e.best_bound <= e.objective for e in events)
    elapsed = [e.elapsed_s for e in events]
    assert elapsed == sorted(elapsed)


def test_failing_progress_callback_is_logged_and_the_solve_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: ProgressEvent) -> None:
        raise RuntimeError("progress sink is down")

    with caplog.at_level(logging.ERROR, logger="zerodistance.solver"):
        report = run(knapsack()[0], ONE, progress=broken).report

    assert report.status is SolveStatus.OPTIMAL
    assert report.objective == knapsack_optimum()
    assert any("progress sink is down" in (r.exc_text or "") for r in caplog.records)


def test_infeasible_names_only_the_conflicting_groups() -> None:
    b, _ = panel()

    outcome = run(b, ONE)
    report = outcome.report

    assert report.status is SolveStatus.INFEASIBLE
    assert report.objective is report.best_bound is report.gap is None
    assert report.penalties == {}
    assert report.model_size["assumptions"] == 3
    # CP-SAT's own core also names the unrelated seats:water; minimisation drops it.
    assert report.diagnosis == [
        Conflict(name="seats:environment", detail=ENV_DETAIL),
        Conflict(name="avoidance:expert=3", detail=AVOID_DETAIL),
    ]
    assert report.wall_time_s < 3
    with pytest.raises(Infeasible) as excinfo:
        outcome.raise_for_status()
    assert excinfo.value.diagnosis == report.diagnosis
    assert ENV_DETAIL in str(excinfo.value) and AVOID_DETAIL in str(excinfo.value)
    with pytest.raises(NoSolution):
        outcome.value(b.guards["seats:water"].literal)


def test_just_inside_the_limit_is_feasible_with_guards_on() -> None:
    b, seat = panel(seats_env=2)

    outcome = run(b, ONE).raise_for_status()

    assert outcome.report.status is SolveStatus.OPTIMAL
    assert outcome.report.objective == 3
    assert not outcome.boolean_value(seat[3])
    assert all(outcome.boolean_value(g.literal) for g in b.guards.values())


def test_infeasibility_outside_guarded_groups_is_said_so() -> None:
    b, seat = panel(seats_env=1)
    b.model.add(sum(seat.values()) >= 6)  # five experts cannot fill six seats

    report = run(b, ONE).report

    assert report.status is SolveStatus.INFEASIBLE
    assert [c.name for c in report.diagnosis] == [UNGUARDED]
    assert "输入数据" in report.diagnosis[0].detail


def test_cancel_mid_solve_keeps_the_best_solution() -> None:
    events: list[ProgressEvent] = []
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)

    timer.start()
    outcome = run(
        partition(), SolveParams(time_limit_s=60, workers=1), progress=events.append, cancel=cancel
    )
    timer.cancel()
    report = outcome.report

    assert report.status is SolveStatus.CANCELLED
    assert report.cancelled is True
    assert report.wall_time_s < 5
    assert report.solutions >= 1 and events
    assert report.objective == events[-1].objective == report.penalties["imbalance"]
    assert outcome.has_solution
    assert outcome.raise_for_status() is outcome


def test_cancel_before_any_solution_stops_quickly_with_several_workers() -> None:
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)

    timer.start()
    started = time.monotonic()
    outcome = run(subset_sum(), SolveParams(time_limit_s=60, workers=4), cancel=cancel)
    timer.cancel()

    assert time.monotonic() - started < 5
    assert outcome.report.status is SolveStatus.CANCELLED
    assert outcome.report.solutions == 0
    assert outcome.report.objective is None
    assert not outcome.has_solution
    with pytest.raises(NoSolution):
        outcome.raise_for_status()


def test_token_cancelled_before_run_skips_the_solve() -> None:
    cancel = CancelToken()
    cancel.cancel()

    report = run(partition(), ONE, cancel=cancel).report

    assert report.status is SolveStatus.CANCELLED
    assert report.cancelled and report.solutions == 0
    assert report.wall_time_s < 1


def test_time_limit_is_respected() -> None:
    started = time.monotonic()
    report = run(subset_sum(), SolveParams(time_limit_s=0.5, workers=1)).report

    assert time.monotonic() - started < 1.5
    assert report.status is SolveStatus.UNKNOWN
    assert report.solutions == 0
    assert report.cancelled is False


def test_hinted_solution_is_the_first_solution() -> None:
    b, x = assignment()
    b.hint_all((v, int(i == j)) for (i, j), v in x.items())
    events: list[ProgressEvent] = []

    report = run(b, ONE, progress=events.append).report

    assert events[0].objective == IDENTITY_COST
    assert report.objective == ASSIGNMENT_OPTIMUM


def test_single_hint_is_passed_to_the_model() -> None:
    b = ModelBuilder()
    x = b.model.new_int_var(0, 9, "x")
    b.hint(x, 4)

    assert list(b.model.proto.solution_hint.vars) == [x.index]
    assert list(b.model.proto.solution_hint.values) == [4]


@pytest.mark.parametrize(
    "bad",
    [
        {"time_limit_s": 0},
        {"time_limit_s": -1},
        {"time_limit_s": 3601},
        {"time_limit_s": float("inf")},
        {"workers": 0},
        {"workers": 65},
        {"seed": -1},
        {"relative_gap": 1.5},
        {"unknown": 1},
    ],
)
def test_invalid_params_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SolveParams(**bad)


def test_params_defaults_and_frozen() -> None:
    params = SolveParams()
    assert (params.time_limit_s, params.workers, params.seed) == (30, 8, 0)
    assert (params.relative_gap, params.log) == (0.0, False)
    with pytest.raises(ValidationError):
        params.workers = 2  # type: ignore[misc]


def test_log_option_routes_the_search_log_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="zerodistance.solver"):
        run(knapsack()[0], ONE)
    assert not [r for r in caplog.records if r.name == "zerodistance.solver"]

    with caplog.at_level(logging.INFO, logger="zerodistance.solver"):
        run(knapsack()[0], ONE.model_copy(update={"log": True}))
    lines = [r.getMessage() for r in caplog.records if r.name == "zerodistance.solver"]
    assert any("CpSolverResponse" in line for line in lines)


def test_guarded_main_solve_keeps_parallel_workers(caplog: pytest.LogCaptureFixture) -> None:
    # CP-SAT forces one worker when a model has assumptions; guards must not cost that.
    b, _ = panel(seats_env=2)

    with caplog.at_level(logging.INFO, logger="zerodistance.solver"):
        report = run(b, SolveParams(time_limit_s=10, workers=2, log=True)).report

    assert report.status is SolveStatus.OPTIMAL
    lines = [r.getMessage() for r in caplog.records if r.name == "zerodistance.solver"]
    assert lines
    assert not any("Forcing sequential search" in line for line in lines)


def test_guard_is_created_once_per_name() -> None:
    b = ModelBuilder()
    first = b.guard("seats:environment", ENV_DETAIL)

    assert b.guard("seats:environment", ENV_DETAIL) is first
    assert list(b.guards) == ["seats:environment"]
    with pytest.raises(ValueError, match="already exists"):
        b.guard("seats:environment", "另一段说明")
    with pytest.raises(ValueError):
        b.guard("has space", ENV_DETAIL)
    with pytest.raises(ValueError):
        b.guard("seats:water", "")


def test_objective_terms_must_be_integral() -> None:
    b = ModelBuilder()
    x = b.model.new_int_var(0, 5, "x")

    with pytest.raises(TypeError):
        b.add_penalty("late", x, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.add_penalty("late", 0.5 * x, 1)
    with pytest.raises(ValueError):
        b.add_penalty("late", x, -1)
    b.add_penalty("late", x, 2)
    b.add_penalty("late", x, 1)  # repeated names add up
    with pytest.raises(ValueError, match="both"):
        b.add_reward("late", x, 1)
    b.model.add(x >= 2)

    assert run(b, ONE).report.penalties == {"late": 6}


def test_invalid_model_raises_solve_error() -> None:
    m = cp_model.CpModel()
    x = m.new_int_var(0, 5, "x")
    y = m.new_int_var(0, 5, "y")
    m.add(2**62 * x + 2**62 * y <= 1)

    with pytest.raises(SolveError, match="overflow"):
        run(m, ONE)


def test_objective_set_both_ways_is_refused() -> None:
    b = ModelBuilder()
    x = b.model.new_int_var(0, 5, "x")
    b.add_penalty("x", x, 1)
    b.model.minimize(x)

    with pytest.raises(SolveError, match="not both"):
        run(b, ONE)
