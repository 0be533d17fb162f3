"""Shared CP-SAT runner: solve one problem model with fixed settings and report what happened.

A problem module builds its model through a `ModelBuilder`: hard rule groups are switched on by a
guard literal (`guard(name, detail)` plus `.only_enforce_if(lit)`), soft goals are named integer
penalty or reward terms, and hints come from the previous published plan. `run` always sets the
time limit, worker count, seed and gap, routes the CP-SAT log to the `zerodistance.solver`
logger, reports every improving solution to a progress callback, stops when a `CancelToken` is
set, and returns a `SolveOutcome`: a `SolveReport` (status, objective, bound, gap, penalty per
named term, model size, solver version) plus read access to the solution. The main solve fixes
every guard to true instead of passing them as assumptions, because CP-SAT silently drops to a
single worker and restricts presolve whenever a model has assumptions. Only when that solve
proves the model infeasible does the runner diagnose: one sequential solve with the guards as
assumptions and presolve off gives a core, and deletion-based minimisation then keeps only the
rule groups that really conflict, so a coordinator reads e.g. "环境影响评价：2 名可选专家，需要
3 个席位" instead of every rule in the model. Infeasibility is a report, not an exception, here;
`SolveOutcome.raise_for_status` turns it into `Infeasible` for callers who prefer exceptions.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

import ortools
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "UNGUARDED",
    "CancelToken",
    "Conflict",
    "Guard",
    "Infeasible",
    "ModelBuilder",
    "NoSolution",
    "ProgressEvent",
    "SolveError",
    "SolveOutcome",
    "SolveParams",
    "SolveReport",
    "SolveStatus",
    "run",
]

logger = logging.getLogger("zerodistance.solver")

# The name of the conflict reported when the model is infeasible even with every guarded rule
# group switched off: the cause lies in unguarded constraints or in the input data.
UNGUARDED: Final = "model:unguarded"
_UNGUARDED_DETAIL: Final = (
    "无法归因于具体规则组：即使放开全部可诊断的规则，模型的基本约束在当前数据下仍无法同时满足，"
    "请检查输入数据是否完整、一致。"
)
# Watching a token costs one wake-up per interval; 50 ms keeps cancel latency well under a second.
_POLL_S: Final = 0.05
# Diagnosis may run past the time limit by this share of it, so that an infeasibility proved
# at the very end of the budget still gets explained.
_DIAGNOSIS_MIN_SHARE: Final = 0.1
# Deletion-based minimisation costs one solve per candidate group; cores are usually tiny, and
# this caps the work on a pathological model.
_MAX_DELETION_CHECKS: Final = 64
# CP-SAT stores seeds as int32.
_MAX_SEED: Final = 2**31 - 1


class SolveStatus(StrEnum):
    """Outcome of a solve, in the words the API and the job table use."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    MODEL_INVALID = "model_invalid"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"


class SolveParams(BaseModel):
    """Solver settings; every solve has a time limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    workers: int = Field(default=8, ge=1, le=64)
    seed: int = Field(default=0, ge=0, le=_MAX_SEED)
    relative_gap: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    log: bool = False


class Conflict(BaseModel):
    """One guarded rule group that takes part in an infeasibility."""

    model_config = ConfigDict(frozen=True)

    name: str
    detail: str


class ProgressEvent(BaseModel):
    """State of the search when it finds an improving solution."""

    model_config = ConfigDict(frozen=True)

    objective: int | None
    best_bound: int | None
    gap: float | None
    elapsed_s: float
    solutions: int


class SolveReport(BaseModel):
    """What a solve did: status, objective, bound, cost per named term, size, settings."""

    model_config = ConfigDict(frozen=True)

    status: SolveStatus
    objective: int | None
    best_bound: int | None
    gap: float | None
    wall_time_s: float
    solutions: int
    penalties: dict[str, int]
    model_size: dict[str, int]
    solver_version: str
    params: SolveParams
    diagnosis: list[Conflict] = Field(default_factory=list)
    cancelled: bool = False


class SolveError(Exception):
    """The model cannot be solved as built (CP-SAT MODEL_INVALID or a misuse of the builder)."""


class Infeasible(Exception):
    """No plan satisfies the hard rules; carries the rule groups that conflict."""

    def __init__(self, report: SolveReport) -> None:
        self.report = report
        self.diagnosis = list(report.diagnosis)
        details = "；".join(c.detail for c in self.diagnosis) or "未能定位冲突的规则"
        super().__init__(f"无可行方案：{details}")


class NoSolution(Exception):
    """The solve ended (time limit, cancel) before any solution was found."""

    def __init__(self, report: SolveReport) -> None:
        self.report = report
        super().__init__(
            f"no solution after {report.wall_time_s:.2f} s (status {report.status.value})"
        )


class CancelToken:
    """Thread-safe flag that asks a running solve to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every solve watching this token to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Return whether cancel() was called."""
        return self._event.is_set()

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"


@dataclass(frozen=True)
class Guard:
    """Assumption literal switching one hard rule group on, with its coordinator-facing text."""

    name: str
    detail: str
    literal: cp_model.IntVar


@dataclass(frozen=True)
class _Term:
    """One weighted objective term; negative weights are rewards."""

    expr: cp_model.LinearExprT
    weight: int


class ModelBuilder:
    """CP-SAT model plus named rule-group guards, named objective terms and hints.

    Objective unit: integer points, minimised. Each problem module documents what one point is
    worth and scales domain quantities (minutes, kilometres, assignments) into points with
    integer weights, once. Rewards are registered with `add_reward` and count negatively.
    """

    def __init__(self, name: str = "", model: cp_model.CpModel | None = None) -> None:
        self._model = model if model is not None else cp_model.CpModel()
        if name:
            self._model.name = name
        self._guards: dict[str, Guard] = {}
        self._terms: dict[str, list[_Term]] = {}
        self._rewards: set[str] = set()

    @property
    def model(self) -> cp_model.CpModel:
        """Return the underlying CP-SAT model, for variables and constraints."""
        return self._model

    @property
    def guards(self) -> Mapping[str, Guard]:
        """Return the guards by name, in creation order."""
        return MappingProxyType(self._guards)

    @property
    def term_names(self) -> tuple[str, ...]:
        """Return the names of the objective terms, in registration order."""
        return tuple(self._terms)

    def guard(self, name: str, detail: str) -> cp_model.IntVar:
        """Return the literal that switches the named hard rule group on, creating it once."""
        _check_name(name)
        if not detail:
            raise ValueError(f"guard {name!r} needs a coordinator-facing detail")
        known = self._guards.get(name)
        if known is not None:
            # Two different texts under one name would make the diagnosis lie about one of them.
            if known.detail != detail:
                raise ValueError(
                    f"guard {name!r} already exists with detail {known.detail!r}, not {detail!r}"
                )
            return known.literal
        # Use the literal only in only_enforce_if: the main solve fixes it to true and diagnosis
        # frees it, so any other use would change the model's meaning between the two.
        literal = self._model.new_bool_var(f"guard[{name}]")
        self._guards[name] = Guard(name, detail, literal)
        return literal

    def add_penalty(self, name: str, expr: cp_model.LinearExprT, weight: int) -> None:
        """Add weight * expr points to the minimised objective under a soft-rule name."""
        self._add_term(name, expr, weight, reward=False)

    def add_reward(self, name: str, expr: cp_model.LinearExprT, weight: int) -> None:
        """Subtract weight * expr points from the minimised objective under a goal name."""
        self._add_term(name, expr, weight, reward=True)

    def hint(self, var: cp_model.IntVar, value: int) -> None:
        """Suggest a value for a variable (problem modules hint from the published plan)."""
        self._model.add_hint(var, value)

    def hint_all(self, pairs: Iterable[tuple[cp_model.IntVar, int]]) -> None:
        """Suggest values for many variables, e.g. every assignment of the published plan."""
        for var, value in pairs:
            self._model.add_hint(var, value)

    def _add_term(
        self, name: str, expr: cp_model.LinearExprT, weight: int, *, reward: bool
    ) -> None:
        """Record one objective term after checking that it is integral."""
        _check_name(name)
        # CP-SAT would silently switch to a floating-point objective; the house rule is integers.
        if isinstance(weight, bool) or not isinstance(weight, int):
            raise TypeError(f"weight of {name!r} must be an int, got {weight!r}")
        if weight < 0:
            kind = "reward" if reward else "penalty"
            raise ValueError(f"{kind} weight of {name!r} must be >= 0, got {weight}")
        if not _is_integral(expr):
            raise TypeError(f"expression of {name!r} must be integral, got {expr!r}")
        if name in self._terms and (name in self._rewards) != reward:
            raise ValueError(f"{name!r} is registered both as a penalty and as a reward")
        if reward:
            self._rewards.add(name)
        self._terms.setdefault(name, []).append(_Term(expr, -weight if reward else weight))

    def _objective(self) -> cp_model.LinearExprT | None:
        """Return the weighted sum of all terms, or None when there are none."""
        terms = [t for ts in self._terms.values() for t in ts]
        if not terms:
            return None
        return cp_model.LinearExpr.weighted_sum([t.expr for t in terms], [t.weight for t in terms])

    def _term_values(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """Return the weighted value of each named term in the solver's solution."""
        return {
            name: sum(t.weight * int(solver.value(t.expr)) for t in terms)
            for name, terms in self._terms.items()
        }


@dataclass(frozen=True)
class SolveOutcome:
    """Report of a solve plus read access to its best solution."""

    report: SolveReport
    _solver: cp_model.CpSolver | None = field(repr=False)
    has_solution: bool

    def value(self, expr: cp_model.LinearExprT) -> int:
        """Return the value of a variable or integer expression in the solution."""
        return int(self._checked().value(expr))

    def boolean_value(self, literal: cp_model.LiteralT) -> bool:
        """Return the value of a Boolean literal in the solution."""
        return bool(self._checked().boolean_value(literal))

    def raise_for_status(self) -> SolveOutcome:
        """Raise Infeasible or NoSolution unless a solution can be read; return self."""
        if self.report.status is SolveStatus.INFEASIBLE:
            raise Infeasible(self.report)
        if not self.has_solution:
            raise NoSolution(self.report)
        return self

    def _checked(self) -> cp_model.CpSolver:
        """Return the solver, or raise NoSolution when there is nothing to read."""
        if self._solver is None or not self.has_solution:
            raise NoSolution(self.report)
        return self._solver


ProgressCallback = Callable[[ProgressEvent], None]


def run(
    problem: ModelBuilder | cp_model.CpModel,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SolveOutcome:
    """Solve the problem under params and return its report and solution accessor."""
    start = time.monotonic()
    builder = problem if isinstance(problem, ModelBuilder) else ModelBuilder(model=problem)
    model = builder.model
    problems = model.validate()
    if problems:
        raise SolveError(f"CP-SAT model is invalid: {problems}")
    objective = builder._objective()
    if objective is not None and model.has_objective():
        raise SolveError("set the objective through add_penalty/add_reward or directly, not both")

    size = {
        "variables": len(model.proto.variables),
        "constraints": len(model.proto.constraints),
        "assumptions": len(builder.guards) + len(model.proto.assumptions),
        "objective_terms": sum(len(ts) for ts in builder._terms.values()),
    }
    common = {"model_size": size, "solver_version": ortools.__version__, "params": params}

    if cancel is not None and cancel.cancelled:
        report = SolveReport(
            status=SolveStatus.CANCELLED,
            objective=None,
            best_bound=None,
            gap=None,
            wall_time_s=time.monotonic() - start,
            solutions=0,
            penalties={},
            diagnosis=[],
            cancelled=True,
            **common,
        )
        return SolveOutcome(report, None, has_solution=False)

    main = _with_guards_fixed(model, builder.guards.values())
    if objective is not None:
        main.minimize(objective)
    maximise = main.has_objective() and main.proto.objective.scaling_factor < 0

    solver = _make_solver(params, params.time_limit_s)
    recorder = _Recorder(start, main.has_objective(), maximise, progress)
    with _stop_on_cancel(solver, cancel):
        cp_status = solver.solve(main, recorder)

    if cp_status == cp_model.MODEL_INVALID:
        raise SolveError(f"CP-SAT rejected the model: {model.validate() or solver.solution_info()}")
    has_solution = cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    cancelled = cancel is not None and cancel.cancelled
    status = _status(cp_status, cancelled)

    diagnosis: list[Conflict] = []
    if cp_status == cp_model.INFEASIBLE:
        deadline = max(
            start + params.time_limit_s,
            time.monotonic() + _DIAGNOSIS_MIN_SHARE * params.time_limit_s,
        )
        diagnosis = _diagnose(builder, solver, params, deadline, cancel)
        cancelled = cancel is not None and cancel.cancelled

    objective_value = best_bound = None
    penalties: dict[str, int] = {}
    if has_solution:
        penalties = builder._term_values(solver)
        if main.has_objective():
            # The named terms are exact integers; CP-SAT's objective is a double.
            objective_value = (
                sum(penalties.values()) if objective is not None else round(solver.objective_value)
            )
    if main.has_objective() and cp_status != cp_model.INFEASIBLE:
        best_bound = _integral_bound(solver.best_objective_bound, maximise)

    report = SolveReport(
        status=status,
        objective=objective_value,
        best_bound=best_bound,
        gap=_relative_gap(objective_value, best_bound),
        wall_time_s=time.monotonic() - start,
        solutions=recorder.solutions,
        penalties=penalties,
        diagnosis=diagnosis,
        cancelled=cancelled,
        **common,
    )
    logger.debug(
        "solve %s: status=%s objective=%s bound=%s solutions=%d wall=%.3fs",
        model.name or "<unnamed>",
        report.status.value,
        report.objective,
        report.best_bound,
        report.solutions,
        report.wall_time_s,
    )
    return SolveOutcome(report, solver, has_solution)


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Count improving solutions and forward each one to the progress callback."""

    def __init__(
        self,
        start: float,
        has_objective: bool,
        maximise: bool,
        progress: ProgressCallback | None,
    ) -> None:
        super().__init__()
        self._start = start
        self._has_objective = has_objective
        self._maximise = maximise
        self._progress = progress
        self.solutions = 0

    def on_solution_callback(self) -> None:
        """Record the solution and report it without letting a callback error end the solve."""
        self.solutions += 1
        if self._progress is None:
            return
        try:
            objective = bound = None
            if self._has_objective:
                objective = round(self.objective_value)
                bound = _integral_bound(self.best_objective_bound, self._maximise)
            event = ProgressEvent(
                objective=objective,
                best_bound=bound,
                gap=_relative_gap(objective, bound),
                elapsed_s=time.monotonic() - self._start,
                solutions=self.solutions,
            )
            self._progress(event)
        except Exception:
            # A broken progress sink (closed DB session, full queue) must not lose the plan.
            logger.exception("progress callback failed; the solve continues")


def _diagnose(
    builder: ModelBuilder,
    main_solver: cp_model.CpSolver,
    params: SolveParams,
    deadline: float,
    cancel: CancelToken | None,
) -> list[Conflict]:
    """Name the smallest set of guarded rule groups that cannot hold together."""
    guards = list(builder.guards.values())
    if not guards:
        return _raw_core(builder.model, main_solver)

    by_index = {g.literal.index: g for g in guards}
    candidate = _core(builder, guards, by_index, params, deadline, cancel)
    if candidate is None:
        # No usable core: the infeasibility may not involve guards at all.
        free = _feasible_with(builder, [], params, deadline - time.monotonic(), cancel)
        if free is False:
            return [Conflict(name=UNGUARDED, detail=_UNGUARDED_DETAIL)]
        candidate = guards
    elif len(candidate) < len(guards):
        # Deletion only ever shrinks a set it assumes infeasible, so check a partial core once
        # rather than trust it; the main solve already proved the full set infeasible.
        limit = deadline - time.monotonic()
        if _feasible_with(builder, candidate, params, limit, cancel) is True:
            logger.warning("diagnosis: CP-SAT core is satisfiable; starting from all guards")
            candidate = guards
    candidate = _minimise(builder, candidate, params, deadline, cancel)
    if not candidate:
        return [Conflict(name=UNGUARDED, detail=_UNGUARDED_DETAIL)]
    return [Conflict(name=g.name, detail=g.detail) for g in candidate]


def _core(
    builder: ModelBuilder,
    guards: list[Guard],
    by_index: Mapping[int, Guard],
    params: SolveParams,
    deadline: float,
    cancel: CancelToken | None,
) -> list[Guard] | None:
    """Return CP-SAT's core over the guards, or None when it is empty or untrustworthy."""
    probe = builder.model.clone()
    probe.clear_objective()
    # Hints together with assumptions have produced wrong statuses (or-tools#4324).
    probe.clear_hints()
    probe.add_assumptions([g.literal for g in guards])
    solver = _make_solver(params, max(deadline - time.monotonic(), 0.01))
    # With presolve on, 9.14/9.15 can return a core literal that is not an assumption
    # (or-tools#5141); CP-SAT is sequential under assumptions anyway.
    solver.parameters.cp_model_presolve = False
    solver.parameters.num_workers = 1
    # A single worker gets no LP worker to borrow from; full linearization lets it refute
    # counting conflicts (more demand than places, a pigeonhole) in well under a second
    # instead of timing out, as measured on a 300-project case-helper instance.
    solver.parameters.linearization_level = 2
    with _stop_on_cancel(solver, cancel):
        cp_status = solver.solve(probe)
    if cp_status != cp_model.INFEASIBLE:
        logger.warning(
            "diagnosis: core solve ended %s; falling back to all guards",
            solver.status_name(cp_status),
        )
        return None
    core = list(solver.sufficient_assumptions_for_infeasibility())
    if not core or any(i not in by_index for i in core):
        if core:
            logger.warning("diagnosis: core %s names non-guard literals; ignoring it", core)
        return None
    wanted = set(core)
    return [g for g in guards if g.literal.index in wanted]


def _minimise(
    builder: ModelBuilder,
    candidate: Sequence[Guard],
    params: SolveParams,
    deadline: float,
    cancel: CancelToken | None,
) -> list[Guard]:
    """Drop every guard whose removal leaves the rest infeasible (deletion-based MUS)."""
    kept = list(candidate)
    to_check = list(candidate)[:_MAX_DELETION_CHECKS]
    for done, guard in enumerate(to_check):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (cancel is not None and cancel.cancelled):
            logger.info(
                "diagnosis: core minimisation stopped after %d of %d checks", done, len(to_check)
            )
            break
        rest = [g for g in kept if g is not guard]
        # Share what is left fairly among the checks still to do.
        limit = remaining / (len(to_check) - done)
        if _feasible_with(builder, rest, params, limit, cancel) is False:
            kept = rest
    return kept


def _feasible_with(
    builder: ModelBuilder,
    on: Sequence[Guard],
    params: SolveParams,
    limit_s: float,
    cancel: CancelToken | None,
) -> bool | None:
    """Return whether the model has a solution with only the given groups on (None: unknown)."""
    if limit_s <= 0:
        return None
    probe = _with_guards_fixed(builder.model, on)
    probe.clear_objective()
    solver = _make_solver(params, limit_s)
    with _stop_on_cancel(solver, cancel):
        cp_status = solver.solve(probe)
    if cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if cp_status == cp_model.INFEASIBLE:
        return False
    return None


def _raw_core(model: cp_model.CpModel, solver: cp_model.CpSolver) -> list[Conflict]:
    """Name the core of a bare model's own assumptions, or say the cause is unguarded."""
    if len(model.proto.assumptions) == 0:
        return [Conflict(name=UNGUARDED, detail=_UNGUARDED_DETAIL)]
    conflicts = []
    for literal in solver.sufficient_assumptions_for_infeasibility():
        index = literal if literal >= 0 else -literal - 1
        name = model.proto.variables[index].name or f"literal#{literal}"
        conflicts.append(Conflict(name=name, detail=name))
    return conflicts or [Conflict(name=UNGUARDED, detail=_UNGUARDED_DETAIL)]


def _with_guards_fixed(model: cp_model.CpModel, guards: Iterable[Guard]) -> cp_model.CpModel:
    """Return a copy of the model with the given guards fixed to true (others left free)."""
    copy = model.clone()
    for guard in guards:
        # A fixed domain lets presolve remove the literal and simplify what it enforces.
        domain = copy.proto.variables[guard.literal.index].domain
        domain.clear()
        domain.extend([1, 1])
    return copy


def _make_solver(params: SolveParams, time_limit_s: float) -> cp_model.CpSolver:
    """Return a solver with every house setting applied explicitly."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = time_limit_s
    p.num_workers = params.workers
    p.random_seed = params.seed
    p.relative_gap_limit = params.relative_gap
    p.log_search_progress = params.log
    # Library code never prints; the search log goes through logging when asked for.
    p.log_to_stdout = False
    if params.log:
        solver.log_callback = _log_line
    return solver


def _log_line(line: str) -> None:
    """Forward one line of the CP-SAT search log to logging."""
    # INFO: the caller asked for the log explicitly with SolveParams.log.
    logger.info("%s", line)


@contextmanager
def _stop_on_cancel(solver: cp_model.CpSolver, cancel: CancelToken | None) -> Iterator[None]:
    """Stop the solver soon after the token is set, whether or not it found a solution."""
    if cancel is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        # Keep calling stop_search: a call made before solve() has started is a no-op.
        while not done.wait(_POLL_S):
            if cancel.cancelled:
                solver.stop_search()

    watcher = threading.Thread(target=watch, name="cp-sat-cancel-watcher", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _status(cp_status: object, cancelled: bool) -> SolveStatus:
    """Map a CP-SAT status to ours; a cancelled search without a proof is 'cancelled'."""
    if cp_status == cp_model.OPTIMAL:
        return SolveStatus.OPTIMAL
    if cp_status == cp_model.INFEASIBLE:
        return SolveStatus.INFEASIBLE
    if cp_status == cp_model.MODEL_INVALID:
        return SolveStatus.MODEL_INVALID
    if cancelled:
        return SolveStatus.CANCELLED
    if cp_status == cp_model.FEASIBLE:
        return SolveStatus.FEASIBLE
    return SolveStatus.UNKNOWN


def _integral_bound(bound: float, maximise: bool) -> int | None:
    """Round CP-SAT's bound of an integer objective safely towards the feasible side."""
    if not math.isfinite(bound):
        return None
    nearest = round(bound)
    # The bound of an integral objective is integral up to float noise; otherwise round so
    # the reported bound stays valid.
    if abs(bound - nearest) < 1e-6:
        return nearest
    return math.floor(bound) if maximise else math.ceil(bound)


def _relative_gap(objective: int | None, bound: int | None) -> float | None:
    """Return |objective - bound| / max(1, |objective|), CP-SAT's relative gap."""
    if objective is None or bound is None:
        return None
    # max(1, ...) keeps the gap defined when the objective is 0, as CP-SAT itself does.
    return abs(objective - bound) / max(1, abs(objective))


def _is_integral(expr: object) -> bool:
    """Return whether expr is an int or an integer-coefficient CP-SAT expression."""
    if isinstance(expr, bool):
        return False
    if isinstance(expr, int):
        return True
    return isinstance(expr, cp_model.LinearExpr) and bool(expr.is_integer())


def _check_name(name: str) -> None:
    """Reject names that cannot serve as stable identifiers."""
    if (
        not isinstance(name, str)
        or not name
        or name != name.strip()
        or any(c.isspace() for c in name)
    ):
        raise ValueError(f"names must be non-empty identifiers without spaces, got {name!r}")
