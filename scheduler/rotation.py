"""Job rotation (轮岗制): who holds which post in each period of a rotation plan.

Decision: for every person and every period in which the person is available, the one post the
person holds (or none: reserve, 后备), with learning by doing (以干代训) for holders who do not
yet hold the post's qualification.

Timeline. Periods are counted on each person's own timeline: periods in which the person is
unavailable (leave, secondment, retired) are skipped, so leave neither ends nor extends a stint,
and returning from leave to the same post is not a move. History before the horizon is counted
in calendar periods as given (`periods_ago_end=1` is the period just before the horizon); the
entry ending there is the person's current post.

Qualification. A holder is qualified for a post without a qualification gate, or when they hold
the post's qualification at the start or gain it by a `QualifyingTraining` from that period on
(the training plan's output; see `scheduler.training.plan_together`). Unqualified holders are
trainees: they may hold the post only next to qualified mentors on the same post and period.

Hard rules
 1. One post at a time: an available person holds at most one post per period; an unavailable
    person holds none. Eligibility: department posts of one's own department, and hall posts
    (combined windows, scope "hall") for anyone who may serve at the hall (`hall_eligible`).
 2. Staffing: every post has between `min_holders` and `max_holders` holders in every period.
 3. Qualified holders: at least `min_qualified` qualified holders per post and period.
 4. Mentoring (以干代训): trainees on a post ≤ `max_trainees_per_mentor` × qualified holders, so
    every trainee has a qualified mentor on the same post and period and no mentor has more than
    the cap (0 forbids trainees on the post).
 5. Tenure: nobody holds a post more than `max_consecutive_periods` consecutive periods
    (history counted): they must rotate.
 6. Minimum stay: whoever starts on a post keeps it for `min_stay_periods` periods (truncated by
    the horizon); a current stint shorter than that continues while the person may still hold
    the post.
 7. No return: whoever starts on a post must not have held it in the `no_return_periods`
    periods before the start (history counted).
 8. Continuity of critical posts: a critical post with `min_holders` ≥ 2 keeps at least one of
    its previous period's holders in every period (at the first period only when it has ≥ 2
    current holders): never all holders move at once.
 9. Pins: a pinned holding is kept.

Soft goals (points, minimised; rewards count negatively)
 - reserve: 1,000 points per available person-period without a post. Capacity may be short of
   the staff, so reserve is allowed, but an office puts every active person on a post whenever
   the posts have room; this outweighs every other goal.
 - change: 100 points per holding of the published plan that is not kept (minimal change).
 - continuity: 200 points per period in which a critical post with `min_holders` ≤ 1 loses every
   holder of the period before (handover without overlap).
 - fairness: 30 points per move of a person beyond `fair_moves` over the horizon. A move is a
   start on a post in any of the person's available periods, except the first one when the
   person had no current post (an arrival).
 - breadth (reward): `breadth` × (1 + narrowness) points per post a person holds in the horizon
   and never held before, narrowness = max(0, `narrow_experience` − distinct posts in the
   person's history): people with the narrowest experience gain first.

Infeasible means, to a coordinator: some post cannot be staffed in some period with the people
who may hold it (too few eligible, qualified or available people; the diagnosis names post and
period, e.g. "岗位 GW012 并联审批窗口 2027Q2：合格在岗人员不足 1 人"), or tenure, stay,
no-return, continuity rules or pins contradict each other for the named post.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

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

_CODE = r"^\S+$"
# Upper bound for small counts (holders, periods) so domains stay tight and typos are caught.
_MAX_COUNT = 10_000


class Period(BaseModel):
    """A month or quarter of the plan; its index in the instance is its position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = Field(min_length=1, max_length=16, pattern=_CODE)
    label: str = ""
    starts_on: dt.date
    ends_on: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.ends_on < self.starts_on:
            raise ValueError(f"period {self.code} ends before it starts")
        return self


class Post(BaseModel):
    """A post (岗位) held for whole periods, with its staffing and rotation rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = Field(min_length=1, max_length=40, pattern=_CODE)
    name: str = ""
    department_id: int | None = None
    scope: Literal["department", "hall"] = "department"
    min_holders: int = Field(1, ge=0, le=_MAX_COUNT)
    max_holders: int = Field(2, ge=0, le=_MAX_COUNT)
    min_qualified: int = Field(0, ge=0, le=_MAX_COUNT)
    max_consecutive_periods: int = Field(8, ge=1, le=_MAX_COUNT)
    min_stay_periods: int = Field(1, ge=1, le=_MAX_COUNT)
    no_return_periods: int = Field(0, ge=0, le=_MAX_COUNT)
    max_trainees_per_mentor: int = Field(1, ge=0, le=_MAX_COUNT)
    critical: bool = False
    qualification_id: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Post:
        if self.max_holders < self.min_holders:
            raise ValueError(f"post {self.code}: max_holders < min_holders")
        if self.min_qualified > self.max_holders:
            raise ValueError(f"post {self.code}: min_qualified > max_holders")
        if self.scope == "department" and self.department_id is None:
            raise ValueError(f"post {self.code}: a department post needs department_id")
        return self

    @property
    def label(self) -> str:
        """Return code and name, as coordinators read them."""
        return f"{self.code} {self.name}".strip()


class HistoryEntry(BaseModel):
    """A stint before the horizon: `consecutive` periods ending `periods_ago_end` periods ago."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    post_id: int
    periods_ago_end: int = Field(ge=1, le=_MAX_COUNT)
    consecutive: int = Field(ge=1, le=_MAX_COUNT)


class RotationPerson(BaseModel):
    """A staff member in the rotation, with qualifications, availability and history."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = ""
    department_id: int | None = None
    hall_eligible: bool = True
    qualified_ids: frozenset[int] = frozenset()
    # Period indices of leave, secondment or retirement: no post in those periods.
    unavailable_periods: frozenset[int] = frozenset()
    history: tuple[HistoryEntry, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RotationPerson:
        seen: set[int] = set()
        for h in self.history:
            span = set(range(h.periods_ago_end, h.periods_ago_end + h.consecutive))
            if span & seen:
                raise ValueError(f"person {self.id}: history entries overlap")
            seen |= span
        return self

    @property
    def label(self) -> str:
        """Return the name, or the id when there is none."""
        return self.name or f"人员{self.id}"

    def current(self) -> HistoryEntry | None:
        """Return the stint that ends just before the horizon, if any."""
        return next((h for h in self.history if h.periods_ago_end == 1), None)


class PinnedHolding(BaseModel):
    """A coordinator's pin: this person holds this post in this period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: int
    post_id: int
    period_index: int = Field(ge=0)


class PreviousHolding(BaseModel):
    """A holding of the published plan, kept when possible (minimal change)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: int
    post_id: int
    period_index: int = Field(ge=0)


class QualifyingTraining(BaseModel):
    """The person gains the qualification by training and counts as qualified from the period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: int
    qualification_id: int
    period_index: int = Field(ge=0)


class RotationWeights(BaseModel):
    """Points per unit of each soft goal, and the parameters of fairness and breadth."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reserve: int = Field(1000, ge=0, le=1_000_000, description="每人每周期无岗（后备）")
    change: int = Field(100, ge=0, le=1_000_000, description="每个未保留的已发布任职")
    continuity: int = Field(200, ge=0, le=1_000_000, description="关键岗位全员更换的周期")
    fairness: int = Field(30, ge=0, le=1_000_000, description="每人超出公平轮换次数的每次轮换")
    fair_moves: int = Field(2, ge=0, le=_MAX_COUNT, description="每人规划期内不计罚的轮换次数")
    breadth: int = Field(20, ge=0, le=1_000_000, description="每人每个新岗位的基础奖励")
    narrow_experience: int = Field(3, ge=0, le=100, description="经历岗位少于此数者加权")


class RotationInstance(BaseModel):
    """Everything the rotation model needs, as plain ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    periods: tuple[Period, ...]
    posts: tuple[Post, ...]
    people: tuple[RotationPerson, ...]
    pins: tuple[PinnedHolding, ...] = ()
    previous: tuple[PreviousHolding, ...] = ()
    qualifying: tuple[QualifyingTraining, ...] = ()
    weights: RotationWeights = RotationWeights()

    @model_validator(mode="after")
    def _consistent(self) -> RotationInstance:
        _unique("period ids", [p.id for p in self.periods])
        _unique("period codes", [p.code for p in self.periods])
        _unique("post ids", [s.id for s in self.posts])
        _unique("post codes", [s.code for s in self.posts])
        _unique("person ids", [p.id for p in self.people])
        for a, b in zip(self.periods, self.periods[1:], strict=False):
            if b.starts_on <= a.ends_on:
                raise ValueError(f"periods must be in order without overlap: {a.code}, {b.code}")
        n = len(self.periods)
        posts = {s.id for s in self.posts}
        people = {p.id for p in self.people}
        for p in self.people:
            bad = sorted(t for t in p.unavailable_periods if not 0 <= t < n)
            if bad:
                raise ValueError(f"person {p.id}: unavailable period index {bad[0]} out of range")
            for h in p.history:
                if h.post_id not in posts:
                    raise ValueError(f"person {p.id}: history names unknown post {h.post_id}")
        rows: list[tuple[str, int, int | None, int]] = [
            ("pin", x.person_id, x.post_id, x.period_index) for x in self.pins
        ]
        rows += [
            ("previous holding", x.person_id, x.post_id, x.period_index) for x in self.previous
        ]
        rows += [
            ("qualifying training", x.person_id, None, x.period_index) for x in self.qualifying
        ]
        for kind, person, post, t in rows:
            if person not in people:
                raise ValueError(f"{kind} names unknown person {person}")
            if post is not None and post not in posts:
                raise ValueError(f"{kind} names unknown post {post}")
            if t >= n:
                raise ValueError(f"{kind} period index {t} out of range")
        _unique("pins (person, period)", [(x.person_id, x.period_index) for x in self.pins])
        _unique(
            "previous holdings (person, period)",
            [(x.person_id, x.period_index) for x in self.previous],
        )
        return self


def _unique(what: str, values: list[object]) -> None:
    """Raise ValueError naming the first duplicate."""
    seen: set[object] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what} must be unique: {v!r} repeats")
        seen.add(v)


class Holding(BaseModel):
    """One person on one post in one period; trainees name their mentor."""

    model_config = ConfigDict(frozen=True)

    person_id: int
    post_id: int
    period_index: int
    as_trainee: bool = False
    mentor_id: int | None = None


class RotationSolution(BaseModel):
    """The holdings of the plan, the changes against the published plan and the objective."""

    model_config = ConfigDict(frozen=True)

    holdings: tuple[Holding, ...]
    changes: int
    objective: int | None


@dataclass(frozen=True)
class RotationResult:
    """Report of a solve and, when one was found, its solution."""

    report: SolveReport
    solution: RotationSolution | None


def may_hold(person: RotationPerson, post: Post) -> bool:
    """Return whether the person may hold the post under the scope rule."""
    if post.scope == "hall":
        return person.hall_eligible
    return post.department_id == person.department_id


def qualified_from(instance: RotationInstance) -> dict[tuple[int, int], int]:
    """Return the first period index from which each (person, qualification) holds."""
    first: dict[tuple[int, int], int] = {}
    for p in instance.people:
        for q in p.qualified_ids:
            first[p.id, q] = 0
    for x in instance.qualifying:
        key = (x.person_id, x.qualification_id)
        first[key] = min(first.get(key, x.period_index), x.period_index)
    return first


@dataclass
class RotationVars:
    """Decision variables, indexed by ids and period indices.

    hold[p, s, t]: person p holds post s in period t. start[p, s, t]: p starts on s at t (did
    not hold it at their previous available period). used[p, s]: p holds s, new to them, at
    least once. Positions are indices into `timeline[p]`, the periods in which p is available.
    """

    builder: ModelBuilder
    instance: RotationInstance
    hold: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    start: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    used: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    reserve: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    timeline: dict[int, tuple[int, ...]] = field(default_factory=dict)
    posts_of: dict[int, list[int]] = field(default_factory=dict)
    qualified: dict[tuple[int, int, int], bool] = field(default_factory=dict)

    def holders(self, post_id: int, t: int) -> list[tuple[int, cp_model.IntVar]]:
        """Return (person id, variable) of everyone who may hold the post in period t."""
        found = self._by_post_period.get((post_id, t), {})
        return [(person, var) for (person, _, _), var in found.items()]

    def of_person_period(self, person_id: int, t: int) -> list[cp_model.IntVar]:
        """Return the variables of one person in one period."""
        posts = self.posts_of.get(person_id, ())
        return [self.hold[person_id, s, t] for s in posts if (person_id, s, t) in self.hold]

    def held(self, person_id: int, post_id: int, position: int) -> cp_model.LinearExprT:
        """Return whether p holds s at a timeline position: a variable, or a history constant."""
        line = self.timeline[person_id]
        if position >= 0:
            if position >= len(line):
                return 0
            return self.hold.get((person_id, post_id, line[position]), 0)
        return int(position in self._history[person_id].get(post_id, ()))

    def history_positions(self, person_id: int, post_id: int) -> frozenset[int]:
        """Return the negative timeline positions at which p held s before the horizon."""
        return self._history[person_id].get(post_id, frozenset())

    def __post_init__(self) -> None:
        self._by_post_period: dict[tuple[int, int], dict[tuple[int, int, int], cp_model.IntVar]]
        self._by_post_period = {}
        self._history: dict[int, dict[int, frozenset[int]]] = {}

    def _index(self) -> None:
        """Index variables by post and period and history by person."""
        for key, var in self.hold.items():
            p, s, t = key
            self._by_post_period.setdefault((s, t), {})[key] = var
        for p in self.instance.people:
            spans: dict[int, set[int]] = {}
            for h in p.history:
                end = -h.periods_ago_end
                spans.setdefault(h.post_id, set()).update(range(end - h.consecutive + 1, end + 1))
            self._history[p.id] = {s: frozenset(x) for s, x in spans.items()}


def _make_vars(instance: RotationInstance) -> RotationVars:
    """Create hold variables for eligible and pinned pairs in available periods, and starts."""
    v = RotationVars(ModelBuilder("rotation"), instance)
    model = v.builder.model
    n = len(instance.periods)
    first = qualified_from(instance)
    pinned = {(x.person_id, x.post_id) for x in instance.pins}
    for p in instance.people:
        line = tuple(t for t in range(n) if t not in p.unavailable_periods)
        v.timeline[p.id] = line
        mine = [s.id for s in instance.posts if may_hold(p, s) or (p.id, s.id) in pinned]
        v.posts_of[p.id] = mine
        for s_id in mine:
            for t in line:
                v.hold[p.id, s_id, t] = model.new_bool_var(f"hold[p={p.id},s={s_id},t={t}]")
    posts = {s.id: s for s in instance.posts}
    for p_id, s_id, t in v.hold:
        q = posts[s_id].qualification_id
        v.qualified[p_id, s_id, t] = q is None or first.get((p_id, q), n) <= t
    v._index()
    for p in instance.people:
        line = v.timeline[p.id]
        for s_id in v.posts_of[p.id]:
            for k, t in enumerate(line):
                now, before = v.hold[p.id, s_id, t], v.held(p.id, s_id, k - 1)
                if isinstance(before, int) and before == 1:
                    continue  # continuing the current stint: never a start
                st = model.new_bool_var(f"start[p={p.id},s={s_id},t={t}]")
                # Exact: start == now and not before, so moves and penalties are exact.
                model.add_implication(st, now)
                if isinstance(before, int):
                    model.add_implication(now, st)
                else:
                    model.add_bool_or([st.Not(), before.Not()])
                    model.add_bool_or([now.Not(), before, st])
                v.start[p.id, s_id, t] = st
    return v


def _period_code(instance: RotationInstance, t: int) -> str:
    """Return the period's code for diagnoses."""
    return instance.periods[t].code


# --- hard: holding ----------------------------------------------------------------------------


def add_one_post_at_a_time(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: an available person holds one post per period or is in reserve (no post)."""
    model = v.builder.model
    for p in instance.people:
        for t in v.timeline[p.id]:
            mine = v.of_person_period(p.id, t)
            # An explicit reserve literal bounded below by an inequality only: with an exact
            # definition (exactly one of posts and reserve, or any upper link) presolve
            # substitutes it away and CP-SAT 9.15's bound fell to ~10x the optimum (measured on
            # bench --small). Reserve while holding a post only costs, so optimal and improving
            # solutions leave it at 0.
            spare = model.new_bool_var(f"reserve[p={p.id},t={t}]")
            v.reserve[p.id, t] = spare
            if len(mine) > 1:
                model.add_at_most_one(mine)
            model.add(cp_model.LinearExpr.sum(mine) + spare >= 1)


def add_eligibility(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: a pinned pair outside the person's scope or period of availability stays forbidden."""
    people = {p.id: p for p in instance.people}
    posts = {s.id: s for s in instance.posts}
    model = v.builder.model
    for x in instance.pins:
        p, s = people[x.person_id], posts[x.post_id]
        code = _period_code(instance, x.period_index)
        if x.period_index in p.unavailable_periods:
            lit = v.builder.guard(
                f"eligibility:{p.id}:{s.code}:{code}",
                f"{p.label} {code} 不在岗（休假、借调或退休），不能任岗位 {s.label}",
            )
            model.add_bool_or([]).only_enforce_if(lit)  # the pinned holding has no variable
        elif not may_hold(p, s):
            lit = v.builder.guard(
                f"eligibility:{p.id}:{s.code}:{code}",
                f"{p.label} 不能任岗位 {s.label}：不属于本部门岗位或不在大厅轮岗范围",
            )
            model.add(v.hold[p.id, s.id, x.period_index] == 0).only_enforce_if(lit)


def add_pins(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: a pinned holding is kept (guarded per pin)."""
    people = {p.id: p for p in instance.people}
    posts = {s.id: s for s in instance.posts}
    for x in instance.pins:
        p, s = people[x.person_id], posts[x.post_id]
        code = _period_code(instance, x.period_index)
        var = v.hold.get((p.id, s.id, x.period_index))
        if var is None:
            continue  # unavailable: the eligibility rule already forbids it
        lit = v.builder.guard(f"pin:{p.id}:{code}", f"{p.label} {code} 已锁定任岗位 {s.label}")
        v.builder.model.add(var == 1).only_enforce_if(lit)


# --- hard: staffing ---------------------------------------------------------------------------


def add_staffing(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: every post has between min_holders and max_holders holders in every period."""
    model = v.builder.model
    for s in instance.posts:
        for t, period in enumerate(instance.periods):
            holders = [var for _, var in v.holders(s.id, t)]
            lit = v.builder.guard(
                f"staffing:{s.code}:{period.code}",
                f"岗位 {s.label} {period.code}：在岗人员需 {s.min_holders}–{s.max_holders} 人",
            )
            total = cp_model.LinearExpr.sum(holders)
            model.add_linear_constraint(total, s.min_holders, s.max_holders).only_enforce_if(lit)


def add_qualified_holders(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: at least min_qualified qualified holders per post and period."""
    model = v.builder.model
    for s in instance.posts:
        if s.min_qualified == 0:
            continue
        for t, period in enumerate(instance.periods):
            ok = [var for p, var in v.holders(s.id, t) if v.qualified[p, s.id, t]]
            lit = v.builder.guard(
                f"qualified:{s.code}:{period.code}",
                f"岗位 {s.label} {period.code}：合格在岗人员不足 {s.min_qualified} 人",
            )
            model.add(cp_model.LinearExpr.sum(ok) >= s.min_qualified).only_enforce_if(lit)


def add_mentoring(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: trainees on a post ≤ max_trainees_per_mentor × its qualified holders (以干代训)."""
    model = v.builder.model
    for s in instance.posts:
        if s.qualification_id is None:
            continue  # everyone is qualified: no trainees
        lit = v.builder.guard(
            f"mentoring:{s.code}",
            f"岗位 {s.label}：未取得资格的人员须由合格人员带教，"
            f"每名带教人最多带 {s.max_trainees_per_mentor} 人",
        )
        for t in range(len(instance.periods)):
            ok, learning = [], []
            for p, var in v.holders(s.id, t):
                (ok if v.qualified[p, s.id, t] else learning).append(var)
            if not learning:
                continue
            cap = s.max_trainees_per_mentor
            model.add(
                cp_model.LinearExpr.sum(learning) <= cap * cp_model.LinearExpr.sum(ok)
            ).only_enforce_if(lit)


# --- hard: tenure -----------------------------------------------------------------------------


def add_tenure(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: nobody holds a post more than max_consecutive_periods in a row (history counted)."""
    model = v.builder.model
    posts = {s.id: s for s in instance.posts}
    for p in instance.people:
        length = len(v.timeline[p.id])
        for s_id in v.posts_of[p.id]:
            s = posts[s_id]
            cap = s.max_consecutive_periods
            past = v.history_positions(p.id, s_id)
            lowest = max(min(past, default=0), -cap)
            for a in range(lowest, length - cap):
                window = range(a, a + cap + 1)
                const = sum(1 for k in window if k in past)
                terms = [v.held(p.id, s_id, k) for k in window if k >= 0]
                if const + len(terms) <= cap:
                    continue
                lit = v.builder.guard(
                    f"tenure:{s.code}", f"岗位 {s.label}：连续任职不得超过 {cap} 个周期"
                )
                model.add(cp_model.LinearExpr.sum(terms) <= cap - const).only_enforce_if(lit)


def add_min_stay(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: whoever starts on a post keeps it min_stay_periods periods (current stints too)."""
    model = v.builder.model
    posts = {s.id: s for s in instance.posts}
    for p in instance.people:
        line = v.timeline[p.id]
        current = p.current()
        for s_id in v.posts_of[p.id]:
            s = posts[s_id]
            stay = s.min_stay_periods
            if stay <= 1:
                continue
            lit = v.builder.guard(f"min_stay:{s.code}", _stay_detail(s))
            for k, t in enumerate(line):
                st = v.start.get((p.id, s_id, t))
                if st is None:
                    continue
                ahead = range(k + 1, min(k + stay, len(line)))
                rest = [v.hold[p.id, s_id, line[j]] for j in ahead]
                if rest:
                    model.add(cp_model.LinearExpr.sum(rest) == len(rest)).only_enforce_if([st, lit])
            if current is not None and current.post_id == s_id and current.consecutive < stay:
                keep = min(stay - current.consecutive, len(line))
                left = [v.hold[p.id, s_id, line[j]] for j in range(keep)]
                if left:
                    model.add(cp_model.LinearExpr.sum(left) == len(left)).only_enforce_if(lit)
    _one_start_per_stay(instance, v)


def _one_start_per_stay(instance: RotationInstance, v: RotationVars) -> None:
    """Add the implied cut: at most one start in any window of the shortest minimum stay.

    Measured on the benchmark: without it the LP lets a person start fractionally on every
    post each period, and the breadth bound stays ~10x too optimistic. It is implied by the
    minimum-stay rule of every post involved, so it is enforced by all of their guards.
    """
    model = v.builder.model
    posts = {s.id: s for s in instance.posts}
    for p in instance.people:
        mine = [posts[s_id] for s_id in v.posts_of[p.id]]
        stay = min((s.min_stay_periods for s in mine), default=1)
        if stay <= 1:
            continue
        lits = [v.builder.guard(f"min_stay:{s.code}", _stay_detail(s)) for s in mine]
        line = v.timeline[p.id]
        for k in range(len(line) - 1):
            window = line[k : k + stay]
            starts = [
                v.start[key] for t in window for s in mine if (key := (p.id, s.id, t)) in v.start
            ]
            if len(starts) > 1:
                model.add(cp_model.LinearExpr.sum(starts) <= 1).only_enforce_if(lits)


def _stay_detail(s: Post) -> str:
    """Return the diagnosis text of a post's minimum-stay rule."""
    return f"岗位 {s.label}：到岗后至少任职 {s.min_stay_periods} 个周期"


def add_no_return(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: whoever starts on a post did not hold it in the no_return_periods before."""
    model = v.builder.model
    posts = {s.id: s for s in instance.posts}
    for p in instance.people:
        line = v.timeline[p.id]
        for s_id in v.posts_of[p.id]:
            s = posts[s_id]
            gap = s.no_return_periods
            if gap <= 1:
                continue  # the period just before a start is empty by definition of a start
            lit = v.builder.guard(
                f"no_return:{s.code}", f"岗位 {s.label}：离岗后 {gap} 个周期内不得返回"
            )
            past = v.history_positions(p.id, s_id)
            for k, t in enumerate(line):
                st = v.start.get((p.id, s_id, t))
                if st is None:
                    continue
                window = range(k - gap, k - 1)
                if any(j in past for j in window):
                    model.add(st == 0).only_enforce_if(lit)
                    continue
                terms = [v.hold[p.id, s_id, line[j]] for j in window if j >= 0]
                if terms:
                    model.add(cp_model.LinearExpr.sum(terms) == 0).only_enforce_if([st, lit])


# --- continuity -------------------------------------------------------------------------------


def _stays(
    instance: RotationInstance, v: RotationVars, s: Post, t: int
) -> tuple[list[cp_model.LinearExprT], list[cp_model.LinearExprT]]:
    """Return (previous holders' literals, stay literals) of post s between t-1 and t."""
    model = v.builder.model
    if t == 0:
        prev: list[cp_model.LinearExprT] = []
        stays: list[cp_model.LinearExprT] = []
        for p in instance.people:
            cur = p.current()
            if cur is not None and cur.post_id == s.id:
                prev.append(1)
                var = v.hold.get((p.id, s.id, 0))
                if var is not None:
                    stays.append(var)
        return prev, stays
    prev, stays = [], []
    for p_id, before in v.holders(s.id, t - 1):
        prev.append(before)
        now = v.hold.get((p_id, s.id, t))
        if now is None:
            continue
        stay = model.new_bool_var(f"stay[p={p_id},s={s.id},t={t}]")
        model.add_min_equality(stay, [before, now])
        stays.append(stay)
    return prev, stays


def add_critical_continuity(instance: RotationInstance, v: RotationVars) -> None:
    """Hard: a critical post with ≥ 2 holders keeps one of them each period (never all move)."""
    model = v.builder.model
    for s in instance.posts:
        if not (s.critical and s.min_holders >= 2):
            continue
        lit = v.builder.guard(
            f"continuity:{s.code}", f"关键岗位 {s.label}：同一周期内不得全部在岗人员同时轮换"
        )
        for t in range(len(instance.periods)):
            prev, stays = _stays(instance, v, s, t)
            if t == 0 and len(prev) < 2:
                continue
            model.add(cp_model.LinearExpr.sum(stays) >= 1).only_enforce_if(lit)


def add_continuity(instance: RotationInstance, v: RotationVars) -> None:
    """Soft: continuity points per period a critical post with ≤ 1 minimum holder loses them all."""
    model = v.builder.model
    changed: list[cp_model.IntVar] = []
    for s in instance.posts:
        if not (s.critical and s.min_holders <= 1):
            continue
        for t in range(len(instance.periods)):
            prev, stays = _stays(instance, v, s, t)
            if not prev:
                continue
            lost = model.new_bool_var(f"all_moved[s={s.id},t={t}]")
            some_prev = [x for x in prev if not isinstance(x, int)]
            if len(some_prev) < len(prev):  # a constant previous holder: the post had holders
                had: cp_model.LinearExprT = 1
            else:
                had_var = model.new_bool_var(f"had_holders[s={s.id},t={t}]")
                model.add_max_equality(had_var, some_prev)
                had = had_var
            # Exact: lost == had and no stay.
            for x in stays:
                model.add_implication(lost, x.Not())
            if isinstance(had, int):
                model.add_bool_or([lost, *stays])
            else:
                model.add_implication(lost, had)
                model.add_bool_or([lost, had.Not(), *stays])
            changed.append(lost)
    v.builder.add_penalty(
        "continuity", cp_model.LinearExpr.sum(changed), instance.weights.continuity
    )


# --- soft goals -------------------------------------------------------------------------------


def add_reserve(instance: RotationInstance, v: RotationVars) -> None:
    """Soft: every available person holds a post; reserve points per person-period without one."""
    idle = cp_model.LinearExpr.sum(list(v.reserve.values()))
    v.builder.add_penalty("reserve", idle, instance.weights.reserve)


def add_minimal_change(instance: RotationInstance, v: RotationVars) -> None:
    """Soft: keep the published plan; change points per published holding not kept."""
    kept: list[cp_model.IntVar] = []
    for x in instance.previous:
        var = v.hold.get((x.person_id, x.post_id, x.period_index))
        if var is not None:
            kept.append(var)
            v.builder.hint(var, 1)
    lost = len(instance.previous) - cp_model.LinearExpr.sum(kept)
    v.builder.add_penalty("change", lost, instance.weights.change)


def add_fairness(instance: RotationInstance, v: RotationVars) -> None:
    """Soft: share the moves; fairness points per move of a person beyond fair_moves."""
    model = v.builder.model
    fair = instance.weights.fair_moves
    excess: list[cp_model.IntVar] = []
    for p in instance.people:
        line = v.timeline[p.id]
        # The first holding of someone without a current post is an arrival, not a move.
        counted = line[1:] if p.current() is None else line
        moves = [
            v.start[key]
            for s_id in v.posts_of[p.id]
            for t in counted
            if (key := (p.id, s_id, t)) in v.start
        ]
        if len(moves) <= fair:
            continue
        over = model.new_int_var(0, len(moves) - fair, f"excess_moves[p={p.id}]")
        model.add_max_equality(over, [cp_model.LinearExpr.sum(moves) - fair, 0])
        excess.append(over)
    v.builder.add_penalty("fairness", cp_model.LinearExpr.sum(excess), instance.weights.fairness)


def breadth_weight(instance: RotationInstance, person: RotationPerson) -> int:
    """Return the points per new post for this person: narrower experience weighs more."""
    w = instance.weights
    known = len({h.post_id for h in person.history})
    return w.breadth * (1 + max(0, w.narrow_experience - known))


def add_breadth(instance: RotationInstance, v: RotationVars) -> None:
    """Soft (reward): breadth points per post new to a person, weighted to narrow experience."""
    model = v.builder.model
    terms: list[cp_model.LinearExprT] = []
    for p in instance.people:
        weight = breadth_weight(instance, p)
        known = {h.post_id for h in p.history}
        for s_id in v.posts_of[p.id]:
            if s_id in known:
                continue
            holds = [v.hold[p.id, s_id, t] for t in v.timeline[p.id]]
            if not holds:
                continue
            used = model.new_bool_var(f"used[p={p.id},s={s_id}]")
            model.add_max_equality(used, holds)  # exact: used == any holding
            # Implied (a new post is entered by a start); it keeps the LP bound honest.
            starts = [v.start[k] for t in v.timeline[p.id] if (k := (p.id, s_id, t)) in v.start]
            model.add(used <= cp_model.LinearExpr.sum(starts))
            v.used[p.id, s_id] = used
            terms.append(weight * used)
    v.builder.add_reward("breadth", cp_model.LinearExpr.sum(terms), 1)


Rule = Callable[[RotationInstance, RotationVars], None]

RULES: tuple[Rule, ...] = (
    add_one_post_at_a_time,
    add_eligibility,
    add_pins,
    add_staffing,
    add_qualified_holders,
    add_mentoring,
    add_tenure,
    add_min_stay,
    add_no_return,
    add_critical_continuity,
    add_continuity,
    add_reserve,
    add_minimal_change,
    add_fairness,
    add_breadth,
)


def build(instance: RotationInstance) -> RotationVars:
    """Build the model of the instance, rule by rule."""
    v = _make_vars(instance)
    for rule in RULES:
        rule(instance, v)
    return v


def assign_mentors(
    instance: RotationInstance, chosen: list[tuple[int, int, int]]
) -> tuple[Holding, ...]:
    """Return the holdings with every trainee paired to a qualified holder, within the caps."""
    first = qualified_from(instance)
    posts = {s.id: s for s in instance.posts}
    n = len(instance.periods)
    groups: dict[tuple[int, int], list[int]] = {}
    for p, s, t in chosen:
        groups.setdefault((s, t), []).append(p)
    out: list[Holding] = []
    for (s_id, t), people in sorted(groups.items()):
        q = posts[s_id].qualification_id
        mentors = sorted(x for x in people if q is None or first.get((x, q), n) <= t)
        learners = sorted(x for x in people if x not in mentors)
        cap = posts[s_id].max_trainees_per_mentor
        out.extend(Holding(person_id=x, post_id=s_id, period_index=t) for x in mentors)
        for i, x in enumerate(learners):
            # Round-robin fills each mentor at most ceil(len/mentors) <= cap deep.
            mentor = mentors[i % len(mentors)] if mentors and cap else None
            out.append(
                Holding(
                    person_id=x, post_id=s_id, period_index=t, as_trainee=True, mentor_id=mentor
                )
            )
    return tuple(sorted(out, key=lambda h: (h.period_index, h.post_id, h.person_id)))


def _hint_start(
    v: RotationVars, start: RotationSolution, params: SolveParams, cancel: CancelToken | None
) -> None:
    """Hint the model with a warm-start plan, completed to every auxiliary variable.

    A hint on the holdings alone leaves starts, stays and breadth literals to CP-SAT's hint
    repair, which gave up on the 1,000-person benchmark (the solve ended worse than the start).
    So the plan is first completed by a short solve with the holdings fixed (everything else
    follows by propagation), and that full assignment becomes the hint. A start that breaks a
    hard rule cannot be completed; then only the holdings are hinted.
    """
    held = {(h.person_id, h.post_id, h.period_index) for h in start.holdings}
    probe = v.builder.model.clone()
    probe.clear_hints()
    for guard in v.builder.guards.values():
        _fix(probe, guard.literal.index, 1)
    for key, var in v.hold.items():
        _fix(probe, var.index, int(key in held))
    budget = min(30.0, max(1.0, 0.2 * params.time_limit_s))
    outcome = run(probe, params.model_copy(update={"time_limit_s": budget}), cancel=cancel)
    if outcome.has_solution:
        model = v.builder.model
        model.clear_hints()
        for i in range(len(model.proto.variables)):
            var = model.get_int_var_from_proto_index(i)
            model.add_hint(var, outcome.value(var))
        return
    hinted = {(x.person_id, x.post_id, x.period_index) for x in v.instance.previous}
    for key, var in v.hold.items():
        if key not in hinted:
            v.builder.hint(var, int(key in held))


def _fix(model: cp_model.CpModel, index: int, value: int) -> None:
    """Fix one variable of a model copy to a value."""
    domain = model.proto.variables[index].domain
    domain.clear()
    domain.extend([value, value])


def solve(
    instance: RotationInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    start: RotationSolution | None = None,
) -> RotationResult:
    """Solve the instance and return the report and, if found, the solution.

    `start` is an optional warm start (e.g. a constructive plan); it is only a hint, so an
    invalid start costs time, never validity.
    """
    v = build(instance)
    if start is not None:
        started = time.monotonic()
        _hint_start(v, start, params, cancel)
        left = max(params.time_limit_s - (time.monotonic() - started), 0.1 * params.time_limit_s)
        params = params.model_copy(update={"time_limit_s": left})
    outcome = run(v.builder, params, progress=progress, cancel=cancel)
    if not outcome.has_solution:
        return RotationResult(outcome.report, None)
    chosen = [key for key, var in v.hold.items() if outcome.boolean_value(var)]
    held = set(chosen)
    changes = sum(
        1 for x in instance.previous if (x.person_id, x.post_id, x.period_index) not in held
    )
    report = _exact_reserve(instance, v, outcome.report, held)
    solution = RotationSolution(
        holdings=assign_mentors(instance, chosen),
        changes=changes,
        objective=report.objective,
    )
    return RotationResult(report, solution)


def _exact_reserve(
    instance: RotationInstance,
    v: RotationVars,
    report: SolveReport,
    held: set[tuple[int, int, int]],
) -> SolveReport:
    """Return the report with the reserve points of the plan itself, not of its loose flags.

    The reserve flags are bounded from below only (see add_one_post_at_a_time), so a solution
    found before optimality may raise a flag next to a post; the plan's own reserve count is the
    available person-periods without a holding. The bound stays as CP-SAT proved it.
    """
    filled = {(p, t) for p, _, t in held}
    idle = sum(1 for key in v.reserve if key not in filled)
    points = idle * instance.weights.reserve
    loose = report.penalties.get("reserve", points) - points
    if loose == 0 or report.objective is None:
        return report
    objective = report.objective - loose
    bound = report.best_bound
    gap = None if bound is None else abs(objective - bound) / max(1, abs(objective))
    return report.model_copy(
        update={
            "objective": objective,
            "gap": gap,
            "penalties": {**report.penalties, "reserve": points},
        }
    )
