"""Rotating training (轮训制): which training sessions each person attends.

Decision: for every person and every training session open to them, whether they attend.

A session is open to a person when it is city-wide or in the person's district, does not overlap
one of their unavailable intervals, and, for a course that grants a qualification, when the person
needs that qualification, prefers the session or is pinned to it (qualifying seats are kept for
the people being qualified). The posts a person holds come per period, from the rotation plan.

Hard rules
 1. Capacity: at most `capacity` attendees per session.
 2. One session at a time: nobody attends two sessions that overlap in time.
 3. One sitting per course: nobody attends two sessions of the same course.
 4. Rotating training (轮训): everybody attends at least `required_sessions` sessions in every
    calendar year in which the instance has sessions.
 5. Qualification gate: a person planned onto a gated post from some period attends a session
    of a course granting the qualification that ends before that period starts.
 6. Post cover: on every day with sessions, the holders of a post who attend a session that
    day are at most the post's holders that period minus its `min_holders`: a post never drops
    below its minimum because its holders train.
 7. Pins: a pinned attendance is kept.

Soft goals (points, minimised; rewards count negatively)
 - away: 10 points per attendance (a day away from the post), so nobody trains more than needed.
 - preference (reward): 5 points per preferred session attended; a preferred session replaces
   another one, but is not added on top of the requirement.

How rotation and training fit together: the rotation model counts a holder of a gated post as
qualified from the period after a qualifying session (`QualifyingTraining`), and as a trainee
under a qualified mentor (以干代训) before. `plan_together` plans training first for the
qualification needs, feeds the qualifications gained into the rotation model, then re-plans the
training against the posts of the rotation plan, each qualification gained kept as a need (a
qualifying sitting that ends before the period the rotation counts on it), so that the
post-cover rule holds for the plan that will be published.

Infeasible means, to a coordinator: a session is over-subscribed by requirements, a person cannot
find enough open sessions in a year or a qualifying session before their new post, or a post has
too few spare holders to let them train; the diagnosis names the person, the course or the post.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scheduler.rotation import (
    Period,
    QualifyingTraining,
    RotationInstance,
    RotationResult,
    RotationSolution,
    _unique,
)
from scheduler.rotation import solve as solve_rotation
from scheduler.runner import (
    CancelToken,
    ModelBuilder,
    ProgressCallback,
    SolveParams,
    SolveReport,
    SolveStatus,
    run,
)

_CODE = r"^\S+$"


class Course(BaseModel):
    """A training course; passing it may grant a qualification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = Field(min_length=1, max_length=40, pattern=_CODE)
    name: str = ""
    qualification_id: int | None = None


class Session(BaseModel):
    """One sitting of a course (naive local datetimes, Asia/Shanghai)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = Field(min_length=1, max_length=40, pattern=_CODE)
    course_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(ge=1, le=10_000)
    district_id: int | None = None  # None: city-wide, open to every district

    @model_validator(mode="after")
    def _ordered(self) -> Session:
        if self.starts_at.tzinfo is not None or self.ends_at.tzinfo is not None:
            raise ValueError(f"session {self.code}: use naive local datetimes")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"session {self.code} ends before it starts")
        return self

    def days(self) -> list[dt.date]:
        """Return the calendar days the session touches."""
        last = (self.ends_at - dt.timedelta(microseconds=1)).date()
        n = (last - self.starts_at.date()).days
        return [self.starts_at.date() + dt.timedelta(days=i) for i in range(n + 1)]


class Interval(BaseModel):
    """A time a person cannot attend training (leave, duty, secondment)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    starts_at: dt.datetime
    ends_at: dt.datetime

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.ends_at <= self.starts_at:
            raise ValueError("interval ends before it starts")
        return self


class QualificationNeed(BaseModel):
    """The person must hold the qualification before period `period_index` starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    qualification_id: int
    period_index: int = Field(ge=0)


class TrainingPost(BaseModel):
    """A post whose holders must not all leave it to train: its minimum holders."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = Field(min_length=1, max_length=40, pattern=_CODE)
    name: str = ""
    min_holders: int = Field(0, ge=0, le=10_000)

    @property
    def label(self) -> str:
        """Return code and name, as coordinators read them."""
        return f"{self.code} {self.name}".strip()


class Trainee(BaseModel):
    """A person to train: posts per period, requirement, needs, preferences, unavailability."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = ""
    district_id: int | None = None
    # Period index -> post held (from the rotation plan); absent: no post that period.
    posts: dict[int, int] = Field(default_factory=dict)
    required_sessions: int = Field(0, ge=0, le=366)
    needs: tuple[QualificationNeed, ...] = ()
    preferred_session_ids: frozenset[int] = frozenset()
    pinned_session_ids: frozenset[int] = frozenset()
    unavailable: tuple[Interval, ...] = ()

    @property
    def label(self) -> str:
        """Return the name, or the id when there is none."""
        return self.name or f"人员{self.id}"


class TrainingWeights(BaseModel):
    """Points per unit of each soft goal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    away: int = Field(10, ge=0, le=1_000_000, description="每人次参训（离岗）")
    preference: int = Field(5, ge=0, le=1_000_000, description="每次参加意向场次的奖励")


class TrainingInstance(BaseModel):
    """Everything the training model needs, as plain ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    periods: tuple[Period, ...] = ()
    posts: tuple[TrainingPost, ...] = ()
    courses: tuple[Course, ...]
    sessions: tuple[Session, ...]
    trainees: tuple[Trainee, ...]
    weights: TrainingWeights = TrainingWeights()

    @model_validator(mode="after")
    def _consistent(self) -> TrainingInstance:
        _unique("course ids", [c.id for c in self.courses])
        _unique("session ids", [s.id for s in self.sessions])
        _unique("session codes", [s.code for s in self.sessions])
        _unique("trainee ids", [p.id for p in self.trainees])
        _unique("post ids", [s.id for s in self.posts])
        _unique("period ids", [p.id for p in self.periods])
        courses = {c.id for c in self.courses}
        sessions = {s.id for s in self.sessions}
        posts = {s.id for s in self.posts}
        for s in self.sessions:
            if s.course_id not in courses:
                raise ValueError(f"session {s.code} names unknown course {s.course_id}")
        n = len(self.periods)
        for p in self.trainees:
            for t, post in p.posts.items():
                if not 0 <= t < n:
                    raise ValueError(f"trainee {p.id}: period index {t} out of range")
                if post not in posts:
                    raise ValueError(f"trainee {p.id}: unknown post {post}")
            for need in p.needs:
                if need.period_index >= n:
                    raise ValueError(f"trainee {p.id}: need period index out of range")
            unknown = (p.preferred_session_ids | p.pinned_session_ids) - sessions
            if unknown:
                raise ValueError(f"trainee {p.id}: unknown session {min(unknown)}")
        return self


class Attendance(BaseModel):
    """One person at one session."""

    model_config = ConfigDict(frozen=True)

    person_id: int
    session_id: int


class TrainingSolution(BaseModel):
    """Who attends which session."""

    model_config = ConfigDict(frozen=True)

    attendances: tuple[Attendance, ...]
    objective: int | None


@dataclass(frozen=True)
class TrainingResult:
    """Report of a solve and, when one was found, its solution."""

    report: SolveReport
    solution: TrainingSolution | None


def overlaps(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    """Return whether two half-open time intervals overlap."""
    return a_start < b_end and b_start < a_end


def is_open(grants: int | None, trainee: Trainee, session: Session) -> bool:
    """Return whether the session, of a course granting `grants`, is open to the trainee."""
    if session.id in trainee.pinned_session_ids:
        return True
    if session.district_id is not None and session.district_id != trainee.district_id:
        return False
    if any(
        overlaps(session.starts_at, session.ends_at, u.starts_at, u.ends_at)
        for u in trainee.unavailable
    ):
        return False
    if grants is None or session.id in trainee.preferred_session_ids:
        return True
    return any(n.qualification_id == grants for n in trainee.needs)


def period_of_day(periods: tuple[Period, ...], day: dt.date) -> int | None:
    """Return the index of the period containing the day, if any."""
    return next((i for i, p in enumerate(periods) if p.starts_on <= day <= p.ends_on), None)


@dataclass
class TrainingVars:
    """Decision variables: attend[p, s] is true when person p attends session s."""

    builder: ModelBuilder
    attend: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)

    def of_person(self, person_id: int) -> list[tuple[int, cp_model.IntVar]]:
        """Return (session id, variable) of one person."""
        return self._by_person.get(person_id, [])

    def of_session(self, session_id: int) -> list[cp_model.IntVar]:
        """Return the variables of one session."""
        return self._by_session.get(session_id, [])

    def __post_init__(self) -> None:
        self._by_person: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        self._by_session: dict[int, list[cp_model.IntVar]] = {}

    def _index(self) -> None:
        for (p, s), var in self.attend.items():
            self._by_person.setdefault(p, []).append((s, var))
            self._by_session.setdefault(s, []).append(var)


def _make_vars(instance: TrainingInstance) -> TrainingVars:
    """Create a variable for every open (person, session) pair."""
    v = TrainingVars(ModelBuilder("training"))
    model = v.builder.model
    grants = {c.id: c.qualification_id for c in instance.courses}
    for p in instance.trainees:
        for s in instance.sessions:
            if is_open(grants[s.course_id], p, s):
                v.attend[p.id, s.id] = model.new_bool_var(f"attend[p={p.id},s={s.id}]")
    v._index()
    return v


# --- hard rules -------------------------------------------------------------------------------


def add_capacity(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: at most capacity attendees per session (guarded per session)."""
    for s in instance.sessions:
        mine = v.of_session(s.id)
        if len(mine) <= s.capacity:
            continue
        lit = v.builder.guard(f"capacity:{s.code}", f"培训场次 {s.code}：最多 {s.capacity} 人参加")
        v.builder.model.add(cp_model.LinearExpr.sum(mine) <= s.capacity).only_enforce_if(lit)


def add_one_session_at_a_time(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: nobody attends two overlapping sessions (one clique per session start)."""
    sessions = {s.id: s for s in instance.sessions}
    lit = v.builder.guard("overlap", "同一人同一时间只能参加一期培训")
    for p in instance.trainees:
        mine = sorted(v.of_person(p.id), key=lambda x: sessions[x[0]].starts_at)
        for s_id, _ in mine:
            at = sessions[s_id].starts_at
            # Every session running at this session's start: a clique of pairwise overlaps.
            clique = [var for o, var in mine if sessions[o].starts_at <= at < sessions[o].ends_at]
            if len(clique) > 1:
                v.builder.model.add_at_most_one(clique).only_enforce_if(lit)


def add_one_sitting_per_course(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: nobody attends two sessions of the same course."""
    course_of = {s.id: s.course_id for s in instance.sessions}
    lit = v.builder.guard("repeat", "同一课程每人只参加一期")
    for p in instance.trainees:
        by_course: dict[int, list[cp_model.IntVar]] = {}
        for s_id, var in v.of_person(p.id):
            by_course.setdefault(course_of[s_id], []).append(var)
        for group in by_course.values():
            if len(group) > 1:
                v.builder.model.add_at_most_one(group).only_enforce_if(lit)


def add_required_sessions(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: everybody attends at least required_sessions sessions per calendar year (轮训)."""
    year_of = {s.id: s.starts_at.year for s in instance.sessions}
    years = sorted(set(year_of.values()))
    for p in instance.trainees:
        if p.required_sessions == 0:
            continue
        for year in years:
            mine = [var for s_id, var in v.of_person(p.id) if year_of[s_id] == year]
            lit = v.builder.guard(
                f"required:{p.id}:{year}", f"{p.label} {year} 年须参加 {p.required_sessions} 期轮训"
            )
            total = cp_model.LinearExpr.sum(mine)
            v.builder.model.add(total >= p.required_sessions).only_enforce_if(lit)


def add_qualification_gate(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: a person planned onto a gated post qualifies in a session ending before it starts."""
    grants = {c.id: c.qualification_id for c in instance.courses}
    sessions = {s.id: s for s in instance.sessions}
    for p in instance.trainees:
        for need in p.needs:
            period = instance.periods[need.period_index]
            ok = [
                var
                for s_id, var in v.of_person(p.id)
                if grants[sessions[s_id].course_id] == need.qualification_id
                and sessions[s_id].ends_at.date() < period.starts_on
            ]
            lit = v.builder.guard(
                f"need:{p.id}:{need.qualification_id}:{period.code}",
                f"{p.label} 须在 {period.code} 前取得资格 {need.qualification_id}（参加相应培训）",
            )
            v.builder.model.add(cp_model.LinearExpr.sum(ok) >= 1).only_enforce_if(lit)


def add_post_cover(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: on a session day, a post's holders in training ≤ its holders − min_holders."""
    model = v.builder.model
    posts = {s.id: s for s in instance.posts}
    days: dict[dt.date, list[int]] = {}
    for s in instance.sessions:
        for d in s.days():
            days.setdefault(d, []).append(s.id)
    for day, ids in sorted(days.items()):
        t = period_of_day(instance.periods, day)
        if t is None:
            continue
        on_day = set(ids)
        holders: dict[int, list[Trainee]] = {}
        for p in instance.trainees:
            if t in p.posts:
                holders.setdefault(p.posts[t], []).append(p)
        for post_id, group in sorted(holders.items()):
            post = posts[post_id]
            spare = max(0, len(group) - post.min_holders)
            away: list[cp_model.LinearExprT] = []
            for p in group:
                mine = [var for s_id, var in v.of_person(p.id) if s_id in on_day]
                if len(mine) == 1:
                    away.append(mine[0])
                elif mine:
                    trains = model.new_bool_var(f"trains[p={p.id},d={day.isoformat()}]")
                    model.add_max_equality(trains, mine)
                    away.append(trains)
            if len(away) <= spare:
                continue
            lit = v.builder.guard(
                f"cover:{post.code}",
                f"岗位 {post.label}：培训当天在岗人员不得少于 {post.min_holders} 人",
            )
            model.add(cp_model.LinearExpr.sum(away) <= spare).only_enforce_if(lit)


def add_pins(instance: TrainingInstance, v: TrainingVars) -> None:
    """Hard: a pinned attendance is kept (guarded per pin)."""
    codes = {s.id: s.code for s in instance.sessions}
    for p in instance.trainees:
        for s_id in sorted(p.pinned_session_ids):
            lit = v.builder.guard(
                f"pin:{p.id}:{codes[s_id]}", f"{p.label} 已锁定参加培训场次 {codes[s_id]}"
            )
            v.builder.model.add(v.attend[p.id, s_id] == 1).only_enforce_if(lit)


# --- soft goals -------------------------------------------------------------------------------


def add_time_away(instance: TrainingInstance, v: TrainingVars) -> None:
    """Soft: away points per attendance, so nobody trains more than needed."""
    total = cp_model.LinearExpr.sum(list(v.attend.values()))
    v.builder.add_penalty("away", total, instance.weights.away)


def add_preferences(instance: TrainingInstance, v: TrainingVars) -> None:
    """Soft (reward): preference points per preferred session attended."""
    liked = [
        v.attend[p.id, s_id]
        for p in instance.trainees
        for s_id in sorted(p.preferred_session_ids)
        if (p.id, s_id) in v.attend
    ]
    v.builder.add_reward("preference", cp_model.LinearExpr.sum(liked), instance.weights.preference)


Rule = Callable[[TrainingInstance, TrainingVars], None]

RULES: tuple[Rule, ...] = (
    add_capacity,
    add_one_session_at_a_time,
    add_one_sitting_per_course,
    add_required_sessions,
    add_qualification_gate,
    add_post_cover,
    add_pins,
    add_time_away,
    add_preferences,
)


def build(instance: TrainingInstance) -> TrainingVars:
    """Build the model of the instance, rule by rule."""
    v = _make_vars(instance)
    for rule in RULES:
        rule(instance, v)
    return v


def solve(
    instance: TrainingInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TrainingResult:
    """Solve the instance and return the report and, if found, the solution."""
    v = build(instance)
    outcome = run(v.builder, params, progress=progress, cancel=cancel)
    if not outcome.has_solution:
        return TrainingResult(outcome.report, None)
    chosen = sorted(key for key, var in v.attend.items() if outcome.boolean_value(var))
    solution = TrainingSolution(
        attendances=tuple(Attendance(person_id=p, session_id=s) for p, s in chosen),
        objective=outcome.report.objective,
    )
    return TrainingResult(outcome.report, solution)


# --- rotation and training together -----------------------------------------------------------


def qualifications_gained(
    instance: TrainingInstance, solution: TrainingSolution
) -> tuple[QualifyingTraining, ...]:
    """Return who is qualified from which period by the qualifying sessions they attend."""
    grants = {c.id: c.qualification_id for c in instance.courses}
    sessions = {s.id: s for s in instance.sessions}
    first: dict[tuple[int, int], int] = {}
    for a in solution.attendances:
        s = sessions[a.session_id]
        q = grants[s.course_id]
        if q is None:
            continue
        # Qualified from the first period that starts after the session ends.
        t = next(
            (i for i, p in enumerate(instance.periods) if p.starts_on > s.ends_at.date()), None
        )
        if t is not None:
            first[a.person_id, q] = min(first.get((a.person_id, q), t), t)
    return tuple(
        QualifyingTraining(person_id=p, qualification_id=q, period_index=t)
        for (p, q), t in sorted(first.items())
    )


@dataclass(frozen=True)
class JointResult:
    """Training for the qualification needs, the rotation it enables, and the final training."""

    first_training: TrainingResult
    rotation: RotationResult | None
    training: TrainingResult | None
    # The instances the later stages solved, for re-checking.
    rotation_instance: RotationInstance | None = None
    training_instance: TrainingInstance | None = None

    @property
    def status(self) -> SolveStatus:
        """Return the status of the last stage that ran."""
        last = self.training or self.rotation or self.first_training
        return last.report.status


def plan_together(
    rotation: RotationInstance,
    training: TrainingInstance,
    params: SolveParams,
    *,
    training_params: SolveParams | None = None,
    rotation_start: Callable[[RotationInstance], RotationSolution] | None = None,
    training_spare: int = 1,
    cancel: CancelToken | None = None,
) -> JointResult:
    """Plan training for the needs, then rotation with the gained qualifications, then re-plan
    training against the rotation's posts, each qualification gained kept as a need.

    `params` drive the rotation solve and, unless `training_params` are given, both training
    solves; `rotation_start` may build a warm start for the rotation from its instance. The
    rotation is planned with `training_spare` holders above each post's minimum (as far as its
    maximum allows): a post staffed at exactly its minimum all year could never let a holder go
    to training under the post-cover rule (measured: the benchmark's final training was
    infeasible without it).
    """
    tparams = training_params or params
    first = solve(training, tparams, cancel=cancel)
    if first.solution is None:
        return JointResult(first, None, None)
    gained = qualifications_gained(training, first.solution)
    posts = tuple(
        s.model_copy(update={"min_holders": min(s.max_holders, s.min_holders + training_spare)})
        for s in rotation.posts
    )
    rot_instance = rotation.model_copy(
        update={"qualifying": rotation.qualifying + gained, "posts": posts}
    )
    start = rotation_start(rot_instance) if rotation_start is not None else None
    rot = solve_rotation(rot_instance, params, cancel=cancel, start=start)
    if rot.solution is None:
        return JointResult(first, rot, None, rot_instance)
    held: dict[int, dict[int, int]] = {}
    for h in rot.solution.holdings:
        held.setdefault(h.person_id, {})[h.period_index] = h.post_id
    # The rotation counts on each qualification gained from its period on: keep that as a need
    # (any qualifying sitting ending before the period), not as a pin on the first sitting,
    # so the final plan may move it to a day the person's post can spare them.
    kept: dict[int, list[QualificationNeed]] = {}
    for x in gained:
        kept.setdefault(x.person_id, []).append(
            QualificationNeed(qualification_id=x.qualification_id, period_index=x.period_index)
        )
    trainees = tuple(
        p.model_copy(
            update={
                "posts": held.get(p.id, {}),
                "needs": tuple(
                    n
                    for n in p.needs
                    if not any(k.qualification_id == n.qualification_id for k in kept.get(p.id, ()))
                )
                + tuple(kept.get(p.id, ())),
            }
        )
        for p in training.trainees
    )
    # Validate again: the rotation's posts must be known to the training instance.
    again = TrainingInstance.model_validate({**dict(training), "trainees": trainees})
    final = solve(again, tparams, cancel=cancel)
    return JointResult(first, rot, final, rot_instance, again)
