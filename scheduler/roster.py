"""Duty roster (排班): who works which shift on which day, for halls, windows and the hotline.

Decision: for every employee and every day of the horizon, one shift type or a day off.

Hard rules (each guarded per employee and rule, so a diagnosis names both)
 1. One shift a day: at most one shift per employee and day (structural, never diagnosed).
 2. Qualifications: a shift that needs a qualification (hotline training) goes only to employees
    who hold it; a pin that asks otherwise is infeasible.
 3. Fixed days off and leave: no shift on those days.
 4. Pins: a cell pinned by a coordinator keeps its shift (or day off).
 5. Minimum rest: a shift is not followed on the next day by one of its forbidden successors.
 6. Maximum shifts per type over the horizon (0: never that type).
 7. Total working minutes within the employee's minimum and maximum.
 8. Maximum consecutive working days.
 9. Minimum consecutive working days: a run of working days is at least this long.
10. Minimum consecutive days off: a run of days off is at least this long.
    Rules 9 and 10 exempt a run that touches the first or last day of the horizon (days outside
    the horizon are unconstrained), the convention of the Curtois & Qu benchmark.
11. Maximum worked weekends: a weekend counts when Saturday or Sunday (or both) is worked.

Soft goals (points, minimised; every weight is an integer given with the data)
 - shift_on_requests: the request's weight for every on-request that is not met.
 - shift_off_requests: the request's weight for every off-request that is not honoured.
 - cover_shortfall: weight_under for every person missing from a day's shift cover.
 - cover_surplus: weight_over for every person above a day's shift cover.
 - minimal_change: `weights.minimal_change` per cell that differs from the previous roster.
 - fair_nights, fair_weekends, fair_holidays: per unit of the spread (most minus fewest) between
   employees of night shifts, worked weekends and worked holidays, counting the numbers carried
   over from the last published rosters. Zero-weighted for the benchmark.

Scale: when the roster has at most `MONOLITHIC_CELLS` (employee, day, shift) cells, one CP-SAT
model is solved first for `MONOLITHIC_SHARE_SMALL` of the time limit; if it proves optimality that
is the answer, otherwise large-neighbourhood search (below) continues from its roster and CP-SAT's
bound of the monolithic model is the bound reported. Larger rosters (monolithic CP-SAT does not
even reach feasibility on the largest benchmark instances) are solved by decomposition: a
constructive start places one employee at a time (every hard rule is about one employee, so each
step is a small exact model with the others fixed; above `MEDIUM_CELLS` the step ignores the goals
and takes any valid row, which feasibility jump finds in about a second), then
large-neighbourhood search frees a few employees over a window of days, fixes the rest, re-solves
with CP-SAT for a few seconds and keeps the result when it is no worse. Medium rosters also run
the monolithic model from the constructive start for part of the time, which gives their bound;
above `MEDIUM_CELLS` the report has no bound (None), never an invented one.

Infeasible means, to a coordinator: one employee's own rules cannot all hold (e.g. minimum hours
with too many fixed days off, or a pin against a qualification); the diagnosis names the employee
and the rules. Cover is soft, so understaffing is never infeasible: it is the cover_shortfall cost.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import ortools
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scheduler.runner import (
    CancelToken,
    ModelBuilder,
    ProgressCallback,
    ProgressEvent,
    SolveOutcome,
    SolveParams,
    SolveReport,
    SolveStatus,
    run,
)

logger = logging.getLogger("zerodistance.roster")

OFF = ""  # the shift id of a day off in solutions
# Rosters up to this many (employee, day, shift) cells are solved as one model for the whole
# time limit; measured on the Curtois & Qu instances (Instance1-12 have at most 1,680 cells).
MONOLITHIC_CELLS = 12_000
# Larger rosters up to this size also run the monolithic model, warm-started, for a share of
# the time: it gives the reported bound and often improves the constructive start.
MEDIUM_CELLS = 60_000
MONOLITHIC_SHARE = 0.3
# Small rosters give the monolithic model this share of the time, then search neighbourhoods.
MONOLITHIC_SHARE_SMALL = 0.4
# Share of the time limit the constructive start may use before it hurries.
CONSTRUCT_SHARE = 0.4
# Large-neighbourhood search: seconds per sub-solve and the starting number of free cells.
LNS_SUB_SECONDS = 3.0
LNS_START_CELLS = 1_500

Ident = str


class ShiftType(BaseModel):
    """A kind of shift: its length, the shifts that may not follow it, its qualification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Ident = Field(min_length=1, max_length=40, pattern=r"^[^\s,|=]+$")
    name: str = ""
    minutes: int = Field(ge=0, le=24 * 60)
    # Shift ids that may not be worked on the day after this one (minimum rest).
    forbidden_next: frozenset[Ident] = frozenset()
    # Only employees holding this qualification work the shift (e.g. "hotline").
    qualification: str | None = None
    # Counted by the fair_nights goal.
    night: bool = False


class Employee(BaseModel):
    """One person on the roster with their contract limits, leave and qualifications."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Ident = Field(min_length=1, max_length=40, pattern=r"^[^\s,|=]+$")
    name: str = ""
    # Most shifts of each type over the horizon; a type not listed is unlimited, 0 means never.
    max_shifts: dict[Ident, int] = Field(default_factory=dict)
    min_total_minutes: int = Field(0, ge=0)
    max_total_minutes: int | None = Field(None, ge=0)
    min_consecutive_shifts: int = Field(1, ge=1)
    max_consecutive_shifts: int | None = Field(None, ge=1)
    min_consecutive_days_off: int = Field(1, ge=1)
    max_weekends: int | None = Field(None, ge=0)
    fixed_days_off: frozenset[int] = frozenset()
    qualifications: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _limits(self) -> Employee:
        if any(n < 0 for n in self.max_shifts.values()):
            raise ValueError(f"employee {self.id}: max_shifts must be >= 0")
        if self.max_total_minutes is not None and self.max_total_minutes < self.min_total_minutes:
            raise ValueError(f"employee {self.id}: max_total_minutes < min_total_minutes")
        hi = self.max_consecutive_shifts
        if hi is not None and hi < self.min_consecutive_shifts:
            raise ValueError(f"employee {self.id}: max_consecutive_shifts < min_consecutive_shifts")
        return self

    @property
    def label(self) -> str:
        """Return the employee as coordinators read it: id and name."""
        return f"{self.id}（{self.name}）" if self.name else self.id


class Request(BaseModel):
    """An employee's wish to work (on) or not to work (off) a shift, or any shift, on a day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["on", "off"]
    employee: Ident
    day: int = Field(ge=0)
    shift: Ident | None = None  # None: any shift (on) or the whole day (off)
    weight: int = Field(ge=0, le=1_000_000)


class Cover(BaseModel):
    """How many people a shift needs on a day, and the points per person short or over."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int = Field(ge=0)
    shift: Ident
    requirement: int = Field(ge=0)
    weight_under: int = Field(ge=0, le=1_000_000)
    weight_over: int = Field(ge=0, le=1_000_000)


class Pin(BaseModel):
    """A coordinator's fixed cell: this employee works this shift (or "" for off) that day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    employee: Ident
    day: int = Field(ge=0)
    shift: Ident | Literal[""]


class FairnessCarry(BaseModel):
    """Night shifts, worked weekends and worked holidays from the last published rosters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nights: int = Field(0, ge=0)
    weekends: int = Field(0, ge=0)
    holidays: int = Field(0, ge=0)


class RosterWeights(BaseModel):
    """Points per unit of the goals whose weight is not given per request or cover."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    minimal_change: int = Field(10, ge=0, le=1_000_000, description="每个与上期排班不同的班格")
    fair_nights: int = Field(5, ge=0, le=1_000_000, description="夜班次数极差每次")
    fair_weekends: int = Field(5, ge=0, le=1_000_000, description="周末值班次数极差每次")
    fair_holidays: int = Field(5, ge=0, le=1_000_000, description="节假日值班次数极差每次")


class RosterInstance(BaseModel):
    """Everything the roster model needs, as plain ids; day 0 is the first day of the horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "roster"
    horizon_days: int = Field(ge=1, le=3 * 366)
    first_weekday: int = Field(0, ge=0, le=6)  # 0 = Monday, as datetime.date.weekday()
    shifts: tuple[ShiftType, ...]
    employees: tuple[Employee, ...]
    requests: tuple[Request, ...] = ()
    covers: tuple[Cover, ...] = ()
    pins: tuple[Pin, ...] = ()
    # The published roster being re-planned (employee -> shift id or "" per day), if any.
    previous: dict[Ident, tuple[str, ...]] | None = None
    carry_over: dict[Ident, FairnessCarry] = Field(default_factory=dict)
    holidays: frozenset[int] = frozenset()  # days of the horizon that are public holidays
    weights: RosterWeights = RosterWeights()

    @model_validator(mode="after")
    def _consistent(self) -> RosterInstance:
        shift_ids = [s.id for s in self.shifts]
        known = set(shift_ids)
        people = [e.id for e in self.employees]
        staff = set(people)
        h = self.horizon_days
        if len(known) != len(shift_ids):
            raise ValueError("shift ids must be unique")
        if len(staff) != len(people):
            raise ValueError("employee ids must be unique")
        for s in self.shifts:
            for t in sorted(s.forbidden_next - known):
                raise ValueError(f"shift {s.id}: forbidden successor {t} is not a shift")
        for e in self.employees:
            for t in sorted(set(e.max_shifts) - known):
                raise ValueError(f"employee {e.id}: max_shifts names unknown shift {t}")
            for d in sorted(e.fixed_days_off):
                if not 0 <= d < h:
                    raise ValueError(f"employee {e.id}: fixed day off {d} outside the horizon")
        for r in self.requests:
            if r.employee not in staff:
                raise ValueError(f"request for unknown employee {r.employee}")
            if r.shift is not None and r.shift not in known:
                raise ValueError(f"request of {r.employee} names unknown shift {r.shift}")
            if r.day >= h:
                raise ValueError(f"request of {r.employee} on day {r.day} outside the horizon")
        cells = set()
        for c in self.covers:
            if c.shift not in known:
                raise ValueError(f"cover names unknown shift {c.shift}")
            if c.day >= h:
                raise ValueError(f"cover on day {c.day} outside the horizon")
            if (c.day, c.shift) in cells:
                raise ValueError(f"two covers for shift {c.shift} on day {c.day}")
            cells.add((c.day, c.shift))
        pinned = set()
        for p in self.pins:
            if p.employee not in staff:
                raise ValueError(f"pin for unknown employee {p.employee}")
            if p.shift and p.shift not in known:
                raise ValueError(f"pin of {p.employee} names unknown shift {p.shift}")
            if p.day >= h:
                raise ValueError(f"pin of {p.employee} on day {p.day} outside the horizon")
            if (p.employee, p.day) in pinned:
                raise ValueError(f"two pins for {p.employee} on day {p.day}")
            pinned.add((p.employee, p.day))
        for who, row in (self.previous or {}).items():
            if who not in staff:
                raise ValueError(f"previous roster names unknown employee {who}")
            if len(row) != h or any(x and x not in known for x in row):
                raise ValueError(f"previous roster of {who} must hold {h} known shift ids or ''")
        for who in self.carry_over:
            if who not in staff:
                raise ValueError(f"carry-over names unknown employee {who}")
        if any(not 0 <= d < h for d in self.holidays):
            raise ValueError("holidays must be days of the horizon")
        return self

    def weekend_of(self, day: int) -> int | None:
        """Return the weekend index of a Saturday or Sunday, None on weekdays."""
        weekday = (self.first_weekday + day) % 7
        return (self.first_weekday + day) // 7 if weekday >= 5 else None


class RosterSolution(BaseModel):
    """A shift id or "" (day off) per employee and day, with the objective and its terms."""

    model_config = ConfigDict(frozen=True)

    assignments: dict[Ident, tuple[str, ...]]
    objective: int | None
    penalties: dict[str, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class RosterResult:
    """Report of a solve and, when one was found, its solution."""

    report: SolveReport
    solution: RosterSolution | None


# A literal in a partially fixed model: a CP-SAT Boolean, or 0/1 when the cell is fixed.
Lit = cp_model.IntVar | int


def eligible_shifts(instance: RosterInstance, employee: Employee) -> list[int]:
    """Return the indices of the shifts the employee may ever work (qualified, limit above 0)."""
    return [
        i
        for i, s in enumerate(instance.shifts)
        if employee.max_shifts.get(s.id, 1) > 0
        and (s.qualification is None or s.qualification in employee.qualifications)
    ]


@dataclass
class RosterVars:
    """Decision variables: x[e,d,s] is true when employee e works shift s on day d.

    The container can hold a neighbourhood: only the cells in `free` get variables, every other
    cell is the constant 0/1 of `fixed` (shift index per employee and day, -1 off). Rules only
    write constraints that touch a free cell; the objective keeps the fixed cells as constants,
    so a neighbourhood's objective is the whole roster's objective.
    """

    builder: ModelBuilder
    instance: RosterInstance
    free: dict[int, frozenset[int]]
    fixed: list[list[int]]
    eligible: list[list[int]] = field(default_factory=list)
    x: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    works: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    weekend: dict[tuple[int, tuple[int, ...]], cp_model.IntVar] = field(default_factory=dict)
    # False: hard rules only (a feasibility model, for the constructive start's fallback).
    goals: bool = True

    @property
    def model(self) -> cp_model.CpModel:
        """Return the CP-SAT model."""
        return self.builder.model

    def is_free(self, e: int, d: int) -> bool:
        """Return whether the cell of employee index e on day d is decided by this model."""
        days = self.free.get(e)
        return days is not None and d in days

    def lit(self, e: int, d: int, s: int) -> Lit:
        """Return x[e,d,s]: a variable for a free eligible cell, else 0 or 1."""
        if self.is_free(e, d):
            return self.x.get((e, d, s), 0)
        return int(self.fixed[e][d] == s)

    def work(self, e: int, d: int) -> Lit:
        """Return whether employee e works on day d (a variable or 0/1)."""
        if self.is_free(e, d):
            return self.works.get((e, d), 0)
        return int(self.fixed[e][d] >= 0)

    def shift_vars(self, e: int, d: int) -> list[cp_model.IntVar]:
        """Return the shift variables of one free cell."""
        return [self.x[e, d, s] for s in self.eligible[e] if (e, d, s) in self.x]

    def near(self, e: int, reach: int) -> range:
        """Return the days within reach of the employee's free days (all days when all free)."""
        days = self.free[e]
        h = self.instance.horizon_days
        return range(max(0, min(days) - reach), min(h, max(days) + reach + 1))


def _make_vars(
    instance: RosterInstance,
    free: Mapping[int, Iterable[int]] | None = None,
    fixed: list[list[int]] | None = None,
) -> RosterVars:
    """Create the variables of every free cell (all cells when free is None)."""
    h = instance.horizon_days
    n = len(instance.employees)
    if free is None:
        free_days = {e: frozenset(range(h)) for e in range(n)}
    else:
        free_days = {e: frozenset(days) for e, days in free.items() if days}
    fixed = fixed if fixed is not None else [[-1] * h for _ in range(n)]
    v = RosterVars(ModelBuilder(f"roster:{instance.name}"), instance, free_days, fixed)
    v.eligible = [eligible_shifts(instance, emp) for emp in instance.employees]
    model = v.model
    for e, days in free_days.items():
        emp = instance.employees[e]
        for d in sorted(days):
            cell = []
            for s in v.eligible[e]:
                var = model.new_bool_var(f"x[e={emp.id},d={d},s={instance.shifts[s].id}]")
                v.x[e, d, s] = var
                cell.append(var)
            if len(cell) == 1:
                v.works[e, d] = cell[0]
            elif cell:
                # add_one_shift_per_day ties it to the shifts of the cell.
                v.works[e, d] = model.new_bool_var(f"work[e={emp.id},d={d}]")
    return v


def _clause(model: cp_model.CpModel, lits: list[Lit], guard: cp_model.IntVar) -> None:
    """Add "one of lits is true" under a guard, folding fixed (0/1) literals."""
    if any(isinstance(x, int) and x == 1 for x in lits):
        return
    rest = [x for x in lits if not isinstance(x, int)]
    model.add_bool_or(rest).only_enforce_if(guard)


def _neg(lit: Lit) -> Lit:
    """Return the negation of a literal or of a fixed 0/1."""
    return 1 - lit if isinstance(lit, int) else lit.Not()


def _total(terms: Iterable[tuple[int, Lit]]) -> tuple[list[cp_model.IntVar], list[int], int]:
    """Split weighted literals into variables, their coefficients and the fixed constant."""
    vars_: list[cp_model.IntVar] = []
    coefs: list[int] = []
    const = 0
    for coef, lit in terms:
        if isinstance(lit, int):
            const += coef * lit
        elif coef:
            vars_.append(lit)
            coefs.append(coef)
    return vars_, coefs, const


def _expr(vars_: list[cp_model.IntVar], coefs: list[int], const: int) -> cp_model.LinearExprT:
    """Return sum(coefs * vars) + const, or the int const when there are no variables."""
    if not vars_:
        return const
    return cp_model.LinearExpr.weighted_sum(vars_, coefs) + const


def _who(instance: RosterInstance, e: int) -> str:
    """Return the employee's label for diagnoses."""
    return f"员工 {instance.employees[e].label}"


# --- hard rules: the day itself ---------------------------------------------------------------


def add_one_shift_per_day(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: at most one shift per employee and day, tied to the day's work literal."""
    # Structural: it holds whatever the data say, so it has no guard to diagnose.
    for (e, d), w in v.works.items():
        cell = v.shift_vars(e, d)
        if len(cell) > 1:
            v.model.add_exactly_one([w.Not(), *cell])


def add_qualifications(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: a shift that needs a qualification goes only to holders (pins cannot override)."""
    # Unqualified cells get no variable at all; only a pin can ask for one, and then the pin
    # and this rule conflict by name.
    index = {e.id: i for i, e in enumerate(instance.employees)}
    shifts = {s.id: s for s in instance.shifts}
    for pin in instance.pins:
        e = index[pin.employee]
        shift = shifts.get(pin.shift)
        if shift is None or shift.qualification is None or not v.is_free(e, pin.day):
            continue
        emp = instance.employees[e]
        if shift.qualification in emp.qualifications:
            continue
        lit = v.builder.guard(
            f"qualification:{emp.id}:{shift.id}",
            f"{_who(instance, e)}：没有{shift.qualification}资质，不能上 {shift.id} 班",
        )
        v.model.add_bool_or([]).only_enforce_if([lit, _pin_guard(instance, v, pin)])


def add_fixed_days_off(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: no shift on an employee's fixed days off and leave (guarded per employee)."""
    for e in v.free:
        emp = instance.employees[e]
        days = sorted(d for d in emp.fixed_days_off if v.is_free(e, d))
        if not days:
            continue
        lit = v.builder.guard(
            f"days_off:{emp.id}",
            f"{_who(instance, e)}：第 {'、'.join(str(d) for d in days[:10])} 天等为固定休息或请假",
        )
        for d in days:
            w = v.work(e, d)
            if not isinstance(w, int):
                v.model.add(w == 0).only_enforce_if(lit)


def _pin_guard(instance: RosterInstance, v: RosterVars, pin: Pin) -> cp_model.IntVar:
    """Return the guard of one pin, with its text."""
    what = f"{pin.shift} 班" if pin.shift else "休息"
    return v.builder.guard(
        f"pin:{pin.employee}:{pin.day}",
        f"员工 {instance.employees[_index(instance, pin.employee)].label}：第 {pin.day} 天已锁定为"
        f"{what}",
    )


def _index(instance: RosterInstance, employee_id: str) -> int:
    """Return the position of an employee in the instance."""
    return next(i for i, e in enumerate(instance.employees) if e.id == employee_id)


def add_pins(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: a pinned cell keeps its shift or day off (guarded per pin)."""
    shift_index = {s.id: i for i, s in enumerate(instance.shifts)}
    for pin in instance.pins:
        e = _index(instance, pin.employee)
        if not v.is_free(e, pin.day):
            continue
        if pin.shift == OFF:
            w = v.work(e, pin.day)
            if not isinstance(w, int):
                v.model.add(w == 0).only_enforce_if(_pin_guard(instance, v, pin))
            continue
        var = v.lit(e, pin.day, shift_index[pin.shift])
        if not isinstance(var, int):
            v.model.add(var == 1).only_enforce_if(_pin_guard(instance, v, pin))
        # No variable: qualification or a zero limit forbids the shift; those rules say so.


# --- hard rules: sequences and totals ---------------------------------------------------------


def add_minimum_rest(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: a shift is not followed on the next day by a forbidden successor (per employee)."""
    index = {s.id: i for i, s in enumerate(instance.shifts)}
    pairs = [(i, sorted(index[t] for t in s.forbidden_next)) for i, s in enumerate(instance.shifts)]
    for e in v.free:
        elig = set(v.eligible[e])
        rules = [(s, [t for t in nxt if t in elig]) for s, nxt in pairs if s in elig]
        rules = [(s, nxt) for s, nxt in rules if nxt]
        if not rules:
            continue
        lit = None
        for d in v.near(e, 1):
            if d + 1 >= instance.horizon_days:
                break
            if not (v.is_free(e, d) or v.is_free(e, d + 1)):
                continue
            for s, nxt in rules:
                group = [v.lit(e, d, s), *(v.lit(e, d + 1, t) for t in nxt)]
                if all(isinstance(x, int) for x in group):
                    continue
                if lit is None:
                    lit = v.builder.guard(
                        f"rest:{instance.employees[e].id}",
                        f"{_who(instance, e)}：班次之间须有最短休息（禁止的次日班次）",
                    )
                first, rest = group[0], group[1:]
                if isinstance(first, int):
                    if first:
                        for y in rest:
                            if not isinstance(y, int):
                                v.model.add(y == 0).only_enforce_if(lit)
                    continue
                fixed_next = sum(y for y in rest if isinstance(y, int))
                free_next = [y for y in rest if not isinstance(y, int)]
                if fixed_next:
                    v.model.add(first == 0).only_enforce_if(lit)
                elif free_next:
                    # Tighter than pairwise clauses: at most one shift a day anyway.
                    v.model.add_at_most_one([first, *free_next]).only_enforce_if(lit)


def add_max_shifts_per_type(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: at most max_shifts[type] shifts of each type over the horizon (per employee)."""
    h = instance.horizon_days
    for e in v.free:
        emp = instance.employees[e]
        for s in v.eligible[e]:
            shift = instance.shifts[s]
            limit = emp.max_shifts.get(shift.id)
            if limit is None or limit >= h:
                continue
            vars_, coefs, const = _total((1, v.lit(e, d, s)) for d in range(h))
            if not vars_:
                continue
            lit = v.builder.guard(
                f"max_shifts:{emp.id}:{shift.id}",
                f"{_who(instance, e)}：{shift.id} 班最多 {limit} 次",
            )
            v.model.add(_expr(vars_, coefs, const) <= limit).only_enforce_if(lit)
    # Pins on a type the employee may never work (limit 0) have no variable: name the clash.
    shifts = {s.id: s for s in instance.shifts}
    for pin in instance.pins:
        e = _index(instance, pin.employee)
        emp = instance.employees[e]
        if pin.shift and emp.max_shifts.get(pin.shift) == 0 and v.is_free(e, pin.day):
            lit = v.builder.guard(
                f"max_shifts:{emp.id}:{pin.shift}",
                f"{_who(instance, e)}：{shifts[pin.shift].id} 班最多 0 次",
            )
            v.model.add_bool_or([]).only_enforce_if([lit, _pin_guard(instance, v, pin)])


def add_total_minutes(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: total working minutes between the employee's minimum and maximum."""
    h = instance.horizon_days
    for e in v.free:
        emp = instance.employees[e]
        terms = (
            (instance.shifts[s].minutes, v.lit(e, d, s)) for d in range(h) for s in v.eligible[e]
        )
        vars_, coefs, const = _total(terms)
        if not vars_:
            continue
        total = _expr(vars_, coefs, const)
        if emp.min_total_minutes > 0:
            lit = v.builder.guard(
                f"min_minutes:{emp.id}",
                f"{_who(instance, e)}：总工时不少于 {emp.min_total_minutes} 分钟",
            )
            v.model.add(total >= emp.min_total_minutes).only_enforce_if(lit)
        if emp.max_total_minutes is not None:
            lit = v.builder.guard(
                f"max_minutes:{emp.id}",
                f"{_who(instance, e)}：总工时不超过 {emp.max_total_minutes} 分钟",
            )
            v.model.add(total <= emp.max_total_minutes).only_enforce_if(lit)


def add_max_consecutive_shifts(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: at most max_consecutive_shifts working days in a row (per employee)."""
    h = instance.horizon_days
    for e in v.free:
        emp = instance.employees[e]
        k = emp.max_consecutive_shifts
        if k is None or k >= h:
            continue
        lit = None
        for start in v.near(e, k):
            if start + k >= h:
                break
            vars_, coefs, const = _total((1, v.work(e, d)) for d in range(start, start + k + 1))
            if not vars_:
                continue
            if lit is None:
                lit = v.builder.guard(
                    f"max_consecutive:{emp.id}", f"{_who(instance, e)}：最多连续上班 {k} 天"
                )
            v.model.add(_expr(vars_, coefs, const) <= k).only_enforce_if(lit)


def _forbid_short_runs(
    instance: RosterInstance, v: RosterVars, e: int, shortest: int, working: bool, lit_of: Callable
) -> None:
    """Forbid runs (of work or of rest) shorter than `shortest` that lie inside the horizon."""
    h = instance.horizon_days

    def on(d: int) -> Lit:
        w = v.work(e, d)
        return w if working else _neg(w)

    for first in v.near(e, shortest):
        if first == 0:
            continue  # a run starting on day 0 touches the boundary: exempt
        for length in range(1, shortest):
            last = first + length - 1
            if last + 1 >= h:
                break  # the run would touch the last day: exempt
            # not (off before, on first..last, off after)
            lits = [on(first - 1), *(_neg(on(d)) for d in range(first, last + 1)), on(last + 1)]
            if all(isinstance(x, int) for x in lits):
                continue
            _clause(v.model, lits, lit_of())


def add_min_consecutive_shifts(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: working runs last at least min_consecutive_shifts days (boundary runs exempt)."""
    for e in v.free:
        emp = instance.employees[e]
        k = emp.min_consecutive_shifts
        if k <= 1:
            continue

        def lit(emp: Employee = emp, k: int = k, e: int = e) -> cp_model.IntVar:
            return v.builder.guard(
                f"min_consecutive:{emp.id}", f"{_who(instance, e)}：每次至少连续上班 {k} 天"
            )

        _forbid_short_runs(instance, v, e, k, True, lit)


def add_min_consecutive_days_off(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: runs of days off last at least min_consecutive_days_off (boundary runs exempt)."""
    for e in v.free:
        emp = instance.employees[e]
        k = emp.min_consecutive_days_off
        if k <= 1:
            continue

        def lit(emp: Employee = emp, k: int = k, e: int = e) -> cp_model.IntVar:
            return v.builder.guard(
                f"min_days_off:{emp.id}", f"{_who(instance, e)}：每次至少连续休息 {k} 天"
            )

        _forbid_short_runs(instance, v, e, k, False, lit)


def _weekends(instance: RosterInstance) -> dict[int, list[int]]:
    """Return the days of each weekend (Saturday, Sunday) inside the horizon, by index."""
    out: dict[int, list[int]] = {}
    for d in range(instance.horizon_days):
        k = instance.weekend_of(d)
        if k is not None:
            out.setdefault(k, []).append(d)
    return out


def _weekend_worked(v: RosterVars, e: int, days: list[int]) -> Lit:
    """Return a literal for "works on some day of this weekend", a constant when all fixed."""
    lits = [v.work(e, d) for d in days]
    if any(isinstance(x, int) and x for x in lits):
        return 1
    free = [x for x in lits if not isinstance(x, int)]
    if not free:
        return 0
    if len(free) == 1:
        return free[0]
    key = (e, tuple(days))
    if key not in v.weekend:
        w = v.model.new_bool_var(f"weekend[e={v.instance.employees[e].id},d={days[0]}]")
        v.model.add_max_equality(w, free)
        v.weekend[key] = w
    return v.weekend[key]


def add_max_weekends(instance: RosterInstance, v: RosterVars) -> None:
    """Hard: at most max_weekends weekends with Saturday or Sunday worked (per employee)."""
    weekends = _weekends(instance)
    for e in v.free:
        emp = instance.employees[e]
        if emp.max_weekends is None or emp.max_weekends >= len(weekends):
            continue
        vars_, coefs, const = _total((1, _weekend_worked(v, e, ds)) for ds in weekends.values())
        if not vars_:
            continue
        lit = v.builder.guard(
            f"max_weekends:{emp.id}", f"{_who(instance, e)}：最多上 {emp.max_weekends} 个周末"
        )
        v.model.add(_expr(vars_, coefs, const) <= emp.max_weekends).only_enforce_if(lit)


# --- soft goals -------------------------------------------------------------------------------


def add_shift_on_requests(instance: RosterInstance, v: RosterVars) -> None:
    """Soft: grant on-requests; the request's weight in points for each one not met."""
    if not v.goals:
        return
    index = {e.id: i for i, e in enumerate(instance.employees)}
    shift_index = {s.id: i for i, s in enumerate(instance.shifts)}
    terms = []
    for r in instance.requests:
        if r.kind != "on":
            continue
        e = index[r.employee]
        met = v.work(e, r.day) if r.shift is None else v.lit(e, r.day, shift_index[r.shift])
        terms.append((r.weight, _neg(met)))
    v.builder.add_penalty("shift_on_requests", _expr(*_total(terms)), 1)


def add_shift_off_requests(instance: RosterInstance, v: RosterVars) -> None:
    """Soft: grant off-requests; the request's weight in points for each one not honoured."""
    if not v.goals:
        return
    index = {e.id: i for i, e in enumerate(instance.employees)}
    shift_index = {s.id: i for i, s in enumerate(instance.shifts)}
    terms = []
    for r in instance.requests:
        if r.kind != "off":
            continue
        e = index[r.employee]
        worked = v.work(e, r.day) if r.shift is None else v.lit(e, r.day, shift_index[r.shift])
        terms.append((r.weight, worked))
    v.builder.add_penalty("shift_off_requests", _expr(*_total(terms)), 1)


def add_cover(instance: RosterInstance, v: RosterVars) -> None:
    """Soft: meet each day's shift cover; weight_under per person short, weight_over per extra."""
    if not v.goals:
        return
    shift_index = {s.id: i for i, s in enumerate(instance.shifts)}
    # Fixed cells count as constants; count them once rather than per cover.
    fixed_count: dict[tuple[int, int], int] = {}
    for e, row in enumerate(v.fixed):
        for d, s in enumerate(row):
            if s >= 0 and not v.is_free(e, d):
                fixed_count[d, s] = fixed_count.get((d, s), 0) + 1
    free_on: dict[int, list[int]] = {}
    for e, days in v.free.items():
        for d in days:
            free_on.setdefault(d, []).append(e)
    under_vars: list[cp_model.IntVar] = []
    under_w: list[int] = []
    over_vars: list[cp_model.IntVar] = []
    over_w: list[int] = []
    const_under = const_over = 0
    for c in instance.covers:
        s = shift_index[c.shift]
        const = fixed_count.get((c.day, s), 0)
        vars_ = [v.x[e, c.day, s] for e in free_on.get(c.day, ()) if (e, c.day, s) in v.x]
        if not vars_:
            const_under += c.weight_under * max(0, c.requirement - const)
            const_over += c.weight_over * max(0, const - c.requirement)
            continue
        top = const + len(vars_)
        tag = f"d={c.day},s={c.shift}"
        under = v.model.new_int_var(0, max(0, c.requirement - const), f"under[{tag}]")
        over = v.model.new_int_var(0, max(0, top - c.requirement), f"over[{tag}]")
        v.model.add(sum(vars_) + const + under - over == c.requirement)
        if c.weight_under:
            under_vars.append(under)
            under_w.append(c.weight_under)
        if c.weight_over:
            over_vars.append(over)
            over_w.append(c.weight_over)
    v.builder.add_penalty("cover_shortfall", _expr(under_vars, under_w, const_under), 1)
    v.builder.add_penalty("cover_surplus", _expr(over_vars, over_w, const_over), 1)


def add_minimal_change(instance: RosterInstance, v: RosterVars) -> None:
    """Soft: keep the previous roster; minimal_change points per cell that differs from it."""
    if not v.goals:
        return
    if not instance.previous or not instance.weights.minimal_change:
        v.builder.add_penalty("minimal_change", 0, instance.weights.minimal_change)
        return
    shift_index = {s.id: i for i, s in enumerate(instance.shifts)}
    terms = []
    for e, emp in enumerate(instance.employees):
        row = instance.previous.get(emp.id)
        if row is None:
            continue
        for d, sid in enumerate(row):
            kept = _neg(v.work(e, d)) if sid == OFF else v.lit(e, d, shift_index[sid])
            terms.append((1, _neg(kept)))
            if not isinstance(kept, int):
                v.builder.hint(kept, 1)
    v.builder.add_penalty("minimal_change", _expr(*_total(terms)), instance.weights.minimal_change)


def _spread(v: RosterVars, name: str, totals: list[cp_model.LinearExprT], bound: int) -> None:
    """Return nothing; add weight * (max - min) of the totals as the named term."""
    model = v.model
    hi = model.new_int_var(0, bound, f"{name}_most")
    lo = model.new_int_var(0, bound, f"{name}_fewest")
    for t in totals:
        model.add(hi >= t)
        model.add(lo <= t)
    v.builder.add_penalty(name, hi - lo, getattr(v.instance.weights, name))


def add_fairness(instance: RosterInstance, v: RosterVars) -> None:
    """Soft: share nights, weekends and holidays; weight per unit of the spread between staff."""
    if not v.goals:
        return
    h = instance.horizon_days
    n = len(instance.employees)
    w = instance.weights
    carry = [instance.carry_over.get(e.id, FairnessCarry()) for e in instance.employees]
    nights = [i for i, s in enumerate(instance.shifts) if s.night]
    weekends = _weekends(instance)
    if w.fair_nights and nights and n > 1:
        totals = [
            _expr(*_total([(1, v.lit(e, d, s)) for d in range(h) for s in nights]))
            + carry[e].nights
            for e in range(n)
        ]
        _spread(v, "fair_nights", totals, h + max(c.nights for c in carry))
    else:
        v.builder.add_penalty("fair_nights", 0, w.fair_nights)
    if w.fair_weekends and weekends and n > 1:
        totals = [
            _expr(*_total([(1, _weekend_worked(v, e, ds)) for ds in weekends.values()]))
            + carry[e].weekends
            for e in range(n)
        ]
        _spread(v, "fair_weekends", totals, len(weekends) + max(c.weekends for c in carry))
    else:
        v.builder.add_penalty("fair_weekends", 0, w.fair_weekends)
    if w.fair_holidays and instance.holidays and n > 1:
        totals = [
            _expr(*_total([(1, v.work(e, d)) for d in sorted(instance.holidays)]))
            + carry[e].holidays
            for e in range(n)
        ]
        _spread(v, "fair_holidays", totals, h + max(c.holidays for c in carry))
    else:
        v.builder.add_penalty("fair_holidays", 0, w.fair_holidays)


Rule = Callable[[RosterInstance, RosterVars], None]

RULES: tuple[Rule, ...] = (
    add_one_shift_per_day,
    add_qualifications,
    add_fixed_days_off,
    add_pins,
    add_minimum_rest,
    add_max_shifts_per_type,
    add_total_minutes,
    add_max_consecutive_shifts,
    add_min_consecutive_shifts,
    add_min_consecutive_days_off,
    add_max_weekends,
    add_shift_on_requests,
    add_shift_off_requests,
    add_cover,
    add_minimal_change,
    add_fairness,
)


def build(
    instance: RosterInstance,
    free: Mapping[int, Iterable[int]] | None = None,
    fixed: list[list[int]] | None = None,
    *,
    goals: bool = True,
) -> RosterVars:
    """Build the model of the instance (or of a neighbourhood of a fixed roster), rule by rule."""
    v = _make_vars(instance, free, fixed)
    v.goals = goals
    for rule in RULES:
        rule(instance, v)
    return v


# --- solving ----------------------------------------------------------------------------------


def cells(instance: RosterInstance) -> int:
    """Return the number of (employee, day, eligible shift) cells of the monolithic model."""
    return instance.horizon_days * sum(
        len(eligible_shifts(instance, emp)) for emp in instance.employees
    )


def _read(v: RosterVars, outcome: SolveOutcome) -> list[list[int]]:
    """Return the roster of a solved model as shift indices (-1 off), fixed cells included."""
    out = [row[:] for row in v.fixed]
    for e, days in v.free.items():
        for d in days:
            out[e][d] = -1
    for (e, d, s), var in v.x.items():
        if outcome.boolean_value(var):
            out[e][d] = s
    return out


def _solution(
    instance: RosterInstance, roster: list[list[int]], report: SolveReport
) -> RosterSolution:
    """Return the solution schema of a roster of shift indices."""
    ids = [s.id for s in instance.shifts]
    return RosterSolution(
        assignments={
            emp.id: tuple(ids[s] if s >= 0 else OFF for s in roster[e])
            for e, emp in enumerate(instance.employees)
        },
        objective=report.objective,
        penalties=dict(report.penalties),
    )


def _hint(v: RosterVars, roster: list[list[int]]) -> None:
    """Hint every free cell with its value in the roster."""
    for (e, d, s), var in v.x.items():
        v.builder.hint(var, int(roster[e][d] == s))
    for (e, d), var in v.works.items():
        if len(v.shift_vars(e, d)) > 1:
            v.builder.hint(var, int(roster[e][d] >= 0))
    for (e, days), var in v.weekend.items():
        v.builder.hint(var, int(any(roster[e][d] >= 0 for d in days)))


def solve(
    instance: RosterInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RosterResult:
    """Solve the instance and return the report and, if found, the solution."""
    return _Search(instance, params, progress, cancel).solve()


class _Search:
    """Monolithic CP-SAT, constructive start and large-neighbourhood search, in one time limit."""

    def __init__(
        self,
        instance: RosterInstance,
        params: SolveParams,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        self.instance = instance
        self.params = params
        self.progress = progress
        self.cancel = cancel
        self.start = time.monotonic()
        self.deadline = self.start + params.time_limit_s
        self.rng = random.Random(params.seed)
        self.n = len(instance.employees)
        self.h = instance.horizon_days
        self.cells = cells(instance)
        self.eligible = [eligible_shifts(instance, emp) for emp in instance.employees]
        self.roster: list[list[int]] = [[-1] * self.h for _ in range(self.n)]
        self.report: SolveReport | None = None  # of the solve that produced self.roster
        self.bound: int | None = None
        self.solutions = 0
        self.sub_solves = 0
        self.size: dict[str, int] = {}

    def left(self) -> float:
        """Return the seconds left before the deadline."""
        return self.deadline - time.monotonic()

    def stopped(self) -> bool:
        """Return whether the search must stop now."""
        return self.left() <= 0.05 or (self.cancel is not None and self.cancel.cancelled)

    def sub(
        self,
        free: Mapping[int, Iterable[int]] | None,
        limit: float,
        progress: ProgressCallback | None = None,
        goals: bool = True,
    ) -> SolveOutcome:
        """Solve one neighbourhood of the current roster (None: all of it), warm-started."""
        v = build(self.instance, free, self.roster, goals=goals)
        if not goals:
            # No objective: take the rows as they come, they only have to be valid.
            # Feasibility jump finds a valid year-long row in about a second; one plain
            # search worker alone needed minutes on Instance24, so use at least two.
            update = {"time_limit_s": limit, "workers": max(2, self.params.workers)}
            outcome = run(v.builder, self.params.model_copy(update=update), cancel=self.cancel)
            if outcome.has_solution:
                self.roster = _read(v, outcome)
            return outcome
        if self.report is not None:
            _hint(v, self.roster)
        params = self.params.model_copy(
            update={
                "time_limit_s": max(0.05, min(limit, self.left())),
                "seed": (self.params.seed + self.sub_solves) % (2**31 - 1),
            }
        )
        self.sub_solves += 1
        outcome = run(v.builder, params, progress=progress, cancel=self.cancel)
        if free is None or not self.size:
            self.size = dict(outcome.report.model_size)
        if outcome.has_solution:
            self._accept(v, outcome)
        return outcome

    def _accept(self, v: RosterVars, outcome: SolveOutcome) -> None:
        """Keep the sub-solve's roster when it is no worse than the current one."""
        new = outcome.report.objective
        old = self.report.objective if self.report is not None else None
        if old is not None and new is not None and new > old:
            return
        self.roster = _read(v, outcome)
        improved = old is None or (new is not None and new < old)
        self.report = outcome.report
        if improved:
            self.solutions += 1
            self._tell()

    def _tell(self) -> None:
        """Report an improving roster to the progress callback (never fails the search)."""
        if self.progress is None or self.report is None:
            return
        objective = self.report.objective
        gap = None
        if objective is not None and self.bound is not None:
            gap = abs(objective - self.bound) / max(1, abs(objective))
        try:
            self.progress(
                ProgressEvent(
                    objective=objective,
                    best_bound=self.bound,
                    gap=gap,
                    elapsed_s=time.monotonic() - self.start,
                    solutions=self.solutions,
                )
            )
        except Exception:
            logger.exception("progress callback failed; the search continues")

    def solve(self) -> RosterResult:
        """Run the phases that fit the size and return the best roster found."""
        if self.cells <= MONOLITHIC_CELLS:
            # Small: the monolithic model first; it often proves optimality on its own.
            outcome = self.sub(
                None, MONOLITHIC_SHARE_SMALL * self.params.time_limit_s, self.progress
            )
            if outcome.report.status is SolveStatus.INFEASIBLE:
                return RosterResult(outcome.report, None)
            self._bound_from(outcome)
            if outcome.report.status is SolveStatus.OPTIMAL or self.report is None:
                return self._monolithic_result(outcome)
        else:
            failed = self.construct()
            if failed is not None:
                return RosterResult(failed, None)
            if self.cells <= MEDIUM_CELLS and not self.stopped():
                self._bound_from(self.sub(None, MONOLITHIC_SHARE * self.left()))
        self.improve()
        objective = self.report.objective if self.report is not None else None
        proven = self.bound is not None and objective is not None and objective <= self.bound
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
        if self.cancel is not None and self.cancel.cancelled and not proven:
            status = SolveStatus.CANCELLED
        report = self.final(status)
        return RosterResult(report, _solution(self.instance, self.roster, report))

    def _bound_from(self, outcome: SolveOutcome) -> None:
        """Keep the proven bound of a monolithic solve: the only bound of the whole roster."""
        if outcome.report.status is SolveStatus.OPTIMAL:
            self.bound = outcome.report.objective
        elif outcome.report.best_bound is not None:
            self.bound = outcome.report.best_bound

    def _monolithic_result(self, outcome: SolveOutcome) -> RosterResult:
        """Return the result of a monolithic solve as the runner reported it."""
        if not outcome.has_solution:
            return RosterResult(outcome.report, None)
        report = outcome.report.model_copy(update={"wall_time_s": time.monotonic() - self.start})
        return RosterResult(report, _solution(self.instance, self.roster, report))

    def construct(self) -> SolveReport | None:
        """Place one employee at a time, the others fixed; return a report if one cannot be."""
        budget = CONSTRUCT_SHARE * self.params.time_limit_s
        for e in range(self.n):
            if self.cancel is not None and self.cancel.cancelled:
                return self.final(SolveStatus.CANCELLED)
            share = max(0.5, (budget - (time.monotonic() - self.start)) / (self.n - e))
            if self.cells <= MEDIUM_CELLS:
                outcome = self.sub({e: range(self.h)}, share)
                if outcome.report.status is SolveStatus.INFEASIBLE:
                    return outcome.report
            if self.cells > MEDIUM_CELLS or not outcome.has_solution:
                # The rules alone are much easier than rules plus cover: take any valid row.
                outcome = self.sub({e: range(self.h)}, max(10.0, self.left() / 2), goals=False)
                if not outcome.has_solution:
                    return self.final(outcome.report.status, failed=outcome.report)
        # The last step's report priced rows placed without goals as constants of the whole
        # roster only if it came after them; re-price the roster once with one cheap model.
        self.report = None
        self.sub({0: range(0)}, max(1.0, min(10.0, self.left())))
        return None

    def improve(self) -> None:
        """Free a neighbourhood of the roster, re-solve it, keep what is no worse; repeat."""
        cap = max(200, self.cells // 2)
        target = min(LNS_START_CELLS, cap)
        sub_seconds = min(LNS_SUB_SECONDS, max(0.5, self.params.time_limit_s / 60))
        while not self.stopped():
            free = self.neighbourhood(target)
            outcome = self.sub(free, sub_seconds)
            logger.debug(
                "lns %d: %d employees x %d days, %s in %.2fs, best %s",
                self.sub_solves,
                len(free),
                len(next(iter(free.values()))),
                outcome.report.status.value,
                outcome.report.wall_time_s,
                self.report.objective if self.report is not None else None,
            )
            if outcome.report.status is SolveStatus.OPTIMAL:
                target = min(cap, int(target * 1.1) + 1)
            else:
                target = max(200, int(target * 0.9))

    def neighbourhood(self, target: int) -> dict[int, range]:
        """Return about `target` free cells: some employees over a window of days."""
        per_cell = max(1, self.cells // (self.n * self.h))
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            # A few employees over a long window: moves whole stretches of work between them.
            window = min(self.h, rng.choice((14, 28, 56, 84, 182, 364)))
            k = max(2, min(self.n, target // (window * per_cell)))
            window = max(1, min(self.h, target // (k * per_cell)))
            employees = rng.sample(range(self.n), k)
        elif kind < 0.75:
            # Many employees over a few days: swaps between people on the same days.
            k = min(self.n, max(2, target // (7 * per_cell)))
            window = max(2, min(self.h, target // (k * per_cell)))
            employees = rng.sample(range(self.n), k)
        else:
            # Employees who can work one shift type: they compete for the same cover.
            s = rng.randrange(len(self.instance.shifts))
            able = [e for e in range(self.n) if s in self.eligible[e]] or list(range(self.n))
            window = min(self.h, rng.choice((7, 14, 28)))
            k = max(2, min(len(able), target // (window * per_cell)))
            window = max(1, min(self.h, target // (k * per_cell)))
            employees = rng.sample(able, min(k, len(able)))
        first = rng.randrange(0, self.h - window + 1)
        return {e: range(first, first + window) for e in employees}

    def final(self, status: SolveStatus, failed: SolveReport | None = None) -> SolveReport:
        """Return the report of the whole search."""
        best = self.report
        objective = best.objective if best is not None and failed is None else None
        gap = None
        if objective is not None and self.bound is not None:
            gap = abs(objective - self.bound) / max(1, abs(objective))
        return SolveReport(
            status=status,
            objective=objective,
            best_bound=self.bound,
            gap=gap,
            wall_time_s=time.monotonic() - self.start,
            solutions=self.solutions,
            penalties=dict(best.penalties) if best is not None and failed is None else {},
            model_size={**self.size, "sub_solves": self.sub_solves},
            solver_version=ortools.__version__,
            params=self.params,
            diagnosis=list(failed.diagnosis) if failed is not None else [],
            cancelled=self.cancel is not None and self.cancel.cancelled,
        )
