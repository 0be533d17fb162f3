"""Case helpers (帮办代办员): give every major industrial project exactly one helper.

Decision: for each major project, which staff member with the case-helper role follows it.

Hard rules
 1. One helper per project: every project in the request gets exactly one helper.
 2. Capacity: a helper follows at most `capacity` projects at a time.
 3. Eligibility: a helper serves projects of their own district; city-level helpers (no district)
    serve any district. Helpers who are not available (leave, secondment) get no new projects.
 4. Pins: a project pinned to a helper by a coordinator keeps that helper.

Soft goals (points, minimised)
 - continuity: 1,000 points per project whose helper differs from the previous published plan.
   It outweighs every other goal, so a helper stays unless the hard rules force a change.
 - industry_match: 50 points per project whose helper does not know the project's industry.
 - peak_load: 5 points per percentage point of the busiest helper's capacity in use, so work is
   spread before anyone is filled up.

Infeasible means, to a coordinator: some project has no eligible helper, or the helpers of a
district together have fewer places than the district has projects, or a pin asks for a helper
who cannot take the project. The diagnosis names those projects, helpers and pins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scheduler.runner import (
    CancelToken,
    ModelBuilder,
    ProgressCallback,
    SolveParams,
    SolveReport,
    run,
)

# Utilisation is measured in percent of a helper's capacity.
PERCENT = 100


class HelperWeights(BaseModel):
    """Points per unit of each soft goal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    continuity: int = Field(1000, ge=0, le=1_000_000, description="每更换一个项目的帮办员")
    industry_match: int = Field(50, ge=0, le=1_000_000, description="每个行业不匹配的项目")
    peak_load: int = Field(5, ge=0, le=1_000_000, description="最忙帮办员负荷每百分点")


class HelperProject(BaseModel):
    """A major project that needs a case helper."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    # Used in diagnosis names, so it must be a non-empty token without spaces.
    code: str = Field(min_length=1, max_length=60, pattern=r"^\S+$")
    name: str = ""
    district_id: int
    industry_id: int | None = None
    # The helper in the published plan, if any: keeping them is the continuity goal.
    previous_helper_id: int | None = None
    # A coordinator's pin: this helper, whatever else changes.
    pinned_helper_id: int | None = None


class Helper(BaseModel):
    """A staff member who can follow projects as case helper."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str
    district_id: int | None = None  # None: city level, serves every district
    industry_ids: frozenset[int] = frozenset()
    capacity: int = Field(ge=0, le=1000)
    available: bool = True


class HelperInstance(BaseModel):
    """Everything the case-helper model needs, as plain ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    projects: tuple[HelperProject, ...]
    helpers: tuple[Helper, ...]
    weights: HelperWeights = HelperWeights()
    # Display names of districts, for diagnoses in coordinators' words.
    district_names: dict[int, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> HelperInstance:
        project_ids = [p.id for p in self.projects]
        helper_ids = {h.id for h in self.helpers}
        if len(set(project_ids)) != len(project_ids):
            raise ValueError("project ids must be unique")
        if len({p.code for p in self.projects}) != len(self.projects):
            raise ValueError("project codes must be unique")
        if len(helper_ids) != len(self.helpers):
            raise ValueError("helper ids must be unique")
        for p in self.projects:
            if p.pinned_helper_id is not None and p.pinned_helper_id not in helper_ids:
                raise ValueError(
                    f"project {p.code} is pinned to unknown helper {p.pinned_helper_id}"
                )
        return self

    def helper(self, helper_id: int) -> Helper:
        """Return the helper with this id."""
        return next(h for h in self.helpers if h.id == helper_id)


class HelperAssignment(BaseModel):
    """One project and its helper."""

    model_config = ConfigDict(frozen=True)

    project_id: int
    helper_id: int


class HelperSolution(BaseModel):
    """A helper for every project, with the number of changes against the previous plan."""

    model_config = ConfigDict(frozen=True)

    assignments: tuple[HelperAssignment, ...]
    changes: int
    objective: int | None

    def helper_of(self) -> dict[int, int]:
        """Return the helper id by project id."""
        return {a.project_id: a.helper_id for a in self.assignments}


@dataclass(frozen=True)
class HelperResult:
    """Report of a solve and, when one was found, its solution."""

    report: SolveReport
    solution: HelperSolution | None


def is_eligible(helper: Helper, project: HelperProject) -> bool:
    """Return whether the helper may take the project under the eligibility rule."""
    in_district = helper.district_id is None or helper.district_id == project.district_id
    return helper.available and helper.capacity > 0 and in_district


def eligibility_reason(helper: Helper, project: HelperProject) -> str:
    """Return why the helper may not take the project, in coordinators' words."""
    if not helper.available:
        return "不在岗"
    if helper.capacity <= 0:
        return "没有帮办名额"
    return "不属于项目所在区县"


@dataclass
class HelperVars:
    """Decision variables: assign[p, h] is true when helper h follows project p."""

    builder: ModelBuilder
    assign: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)

    def of_project(self, project_id: int) -> list[cp_model.IntVar]:
        """Return the variables of one project."""
        return [v for (p, _), v in self.assign.items() if p == project_id]

    def of_helper(self, helper_id: int) -> list[cp_model.IntVar]:
        """Return the variables of one helper."""
        return [v for (_, h), v in self.assign.items() if h == helper_id]


def _make_vars(instance: HelperInstance) -> HelperVars:
    """Create a variable for every eligible pair and every pinned pair."""
    v = HelperVars(ModelBuilder("case_helpers"))
    model = v.builder.model
    for p in instance.projects:
        for h in instance.helpers:
            if is_eligible(h, p) or h.id == p.pinned_helper_id:
                v.assign[p.id, h.id] = model.new_bool_var(f"assign[p={p.id},h={h.id}]")
    return v


# --- hard rules -------------------------------------------------------------------------------


def add_one_helper_per_project(instance: HelperInstance, v: HelperVars) -> None:
    """Hard: every project gets exactly one helper (guarded per district or stranded project)."""
    by_district: dict[int, list[HelperProject]] = {}
    for p in instance.projects:
        by_district.setdefault(p.district_id, []).append(p)
    names = instance.district_names
    for district_id, projects in by_district.items():
        district = names.get(district_id, str(district_id))
        grouped = v.builder.guard(
            f"district:{district_id}", f"{district}：{len(projects)} 个重大项目各需一名帮办代办员"
        )
        for p in projects:
            lit = grouped
            if not any(is_eligible(h, p) for h in instance.helpers):
                # Named alone: no helper at all can take this project.
                lit = v.builder.guard(
                    f"project:{p.code}", f"项目 {p.code} {p.name}：没有符合条件的帮办代办员"
                )
            v.builder.model.add(sum(v.of_project(p.id)) == 1).only_enforce_if(lit)


def add_helper_capacity(instance: HelperInstance, v: HelperVars) -> None:
    """Hard: a helper follows at most their capacity of projects (guarded per district pool)."""
    names = instance.district_names
    pools: dict[int | None, list[Helper]] = {}
    for h in instance.helpers:
        if h.available and h.capacity > 0:
            pools.setdefault(h.district_id, []).append(h)
    for h in instance.helpers:
        mine = v.of_helper(h.id)
        if not mine:
            continue
        if h in pools.get(h.district_id, ()):
            pool = pools[h.district_id]
            where = (
                "市级" if h.district_id is None else names.get(h.district_id, str(h.district_id))
            )
            places = sum(x.capacity for x in pool)
            lit = v.builder.guard(
                f"capacity:{'city' if h.district_id is None else h.district_id}",
                f"{where}帮办代办员 {len(pool)} 名，共 {places} 个帮办名额",
            )
        else:
            lit = v.builder.guard(
                f"capacity:helper:{h.id}", f"帮办代办员 {h.name}：最多同时帮办 {h.capacity} 个项目"
            )
        v.builder.model.add(sum(mine) <= h.capacity).only_enforce_if(lit)


def add_eligibility(instance: HelperInstance, v: HelperVars) -> None:
    """Hard: a pinned pair that breaks eligibility stays forbidden (other pairs are eligible)."""
    for p in instance.projects:
        h_id = p.pinned_helper_id
        if h_id is None:
            continue
        h = instance.helper(h_id)
        if is_eligible(h, p):
            continue
        lit = v.builder.guard(
            f"eligibility:{p.code}:{h.id}",
            f"帮办代办员 {h.name} 不能帮办项目 {p.code}：{eligibility_reason(h, p)}",
        )
        v.builder.model.add(v.assign[p.id, h.id] == 0).only_enforce_if(lit)


def add_pins(instance: HelperInstance, v: HelperVars) -> None:
    """Hard: a pinned project keeps its pinned helper (guarded per pin)."""
    for p in instance.projects:
        if p.pinned_helper_id is None:
            continue
        h = instance.helper(p.pinned_helper_id)
        lit = v.builder.guard(f"pin:{p.code}", f"项目 {p.code} 已锁定由 {h.name} 帮办")
        v.builder.model.add(v.assign[p.id, h.id] == 1).only_enforce_if(lit)


# --- soft goals -------------------------------------------------------------------------------


def add_continuity(instance: HelperInstance, v: HelperVars) -> None:
    """Soft: keep each project's previous helper; continuity points per project that changes."""
    kept = []
    for p in instance.projects:
        if p.previous_helper_id is None:
            continue
        var = v.assign.get((p.id, p.previous_helper_id))
        if var is None:  # the previous helper is no longer eligible: the change is forced
            kept.append(0)
            continue
        kept.append(var)
        v.builder.hint(var, 1)
    changes = len(kept) - sum(kept) if kept else 0
    v.builder.add_penalty("continuity", changes, instance.weights.continuity)


def add_industry_match(instance: HelperInstance, v: HelperVars) -> None:
    """Soft: a helper who knows the project's industry; points per project without a match."""
    industry = {p.id: p.industry_id for p in instance.projects}
    knows = {h.id: h.industry_ids for h in instance.helpers}
    mismatched = [
        var
        for (p, h), var in v.assign.items()
        if industry[p] is not None and industry[p] not in knows[h]
    ]
    v.builder.add_penalty("industry_match", sum(mismatched), instance.weights.industry_match)


def add_peak_load(instance: HelperInstance, v: HelperVars) -> None:
    """Soft: spread work; points per percentage point of the busiest helper's capacity in use."""
    model = v.builder.model
    # The domain must not cap the load at capacity: that would enforce the capacity rule without
    # its guard and hide it from the diagnosis.
    peak = model.new_int_var(0, PERCENT * max(1, len(instance.projects)), "peak_load_percent")
    for h in instance.helpers:
        mine = v.of_helper(h.id)
        if mine and h.capacity > 0:
            # load / capacity <= peak / 100, kept integral by cross-multiplying.
            model.add(PERCENT * sum(mine) <= h.capacity * peak)
    v.builder.add_penalty("peak_load", peak, instance.weights.peak_load)


Rule = Callable[[HelperInstance, HelperVars], None]

RULES: tuple[Rule, ...] = (
    add_one_helper_per_project,
    add_helper_capacity,
    add_eligibility,
    add_pins,
    add_continuity,
    add_industry_match,
    add_peak_load,
)


def build(instance: HelperInstance) -> HelperVars:
    """Build the model of the instance, rule by rule."""
    v = _make_vars(instance)
    for rule in RULES:
        rule(instance, v)
    return v


def solve(
    instance: HelperInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> HelperResult:
    """Solve the instance and return the report and, if found, the solution."""
    v = build(instance)
    outcome = run(v.builder, params, progress=progress, cancel=cancel)
    if not outcome.has_solution:
        return HelperResult(outcome.report, None)
    chosen = tuple(
        HelperAssignment(project_id=p, helper_id=h)
        for (p, h), var in v.assign.items()
        if outcome.boolean_value(var)
    )
    previous = {p.id: p.previous_helper_id for p in instance.projects}
    changes = sum(1 for a in chosen if previous[a.project_id] not in (None, a.helper_id))
    solution = HelperSolution(
        assignments=tuple(sorted(chosen, key=lambda a: a.project_id)),
        changes=changes,
        objective=outcome.report.objective,
    )
    return HelperResult(outcome.report, solution)
