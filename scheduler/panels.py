"""Expert panels (专家抽取): draw review panels from the approval expert pool.

Decision: which eligible expert fills each specialty seat of each review meeting in a batch,
plus an ordered reserve list per meeting.

Eligibility (screened before the model; each exclusion has a reason code shown to coordinators)
 - wrong_pool: a city meeting draws from the city pool, a district meeting from its district's;
 - inactive: suspended or retired experts;
 - no_specialty: the expert has none of the meeting's seat specialties;
 - same_employer: employed by the applicant;
 - worked_with: worked for or with the applicant within `conflict_years`;
 - declared_relation: a declared relation with the applicant;
 - involved_before: took part in an earlier meeting on the same matter;
 - unavailable: leave, declared unavailability or another duty overlapping the meeting;
 - applicant_cap: already on `applicant_cap` panels for this applicant in the last 365 days;
 - declined: declined this meeting.

Hard rules (model)
 1. seats: each meeting gets exactly its number of seats per specialty (guarded per seat group);
 2. one seat per expert per meeting, even with several specialties;
 3. employer diversity: at most one expert per employer on a panel (guarded per meeting);
 4. no overlap: nobody sits on two meetings at overlapping times; two on-site meetings in
    different districts also need `travel_buffer_min` minutes between them;
 5. load cap: at most `load_cap` panels per expert in any window of `load_window_days` days
    ([d, d + window)), counting panels already held in it (guarded);
 6. minimum load: experts with `min_load` sit on at least that many panels (file instances);
 7. applicant cap: with this batch, at most `applicant_cap` panels per expert and applicant;
 8. confirmed: experts who confirmed a seat keep it when open seats are re-drawn.

Goals (maximised, lexicographic through integer scaling, unit: affinity points)
 - max_sum: total affinity of all seats (depth of the seat's specialty and experience), or
   max_min: the worst panel's affinity first, total affinity second;
 - load balance: `balance_weight` points per panel at the busiest expert of the batch;
 - tie break: a seeded random value per (meeting, expert) pair, scaled so that all of it is
   worth less than one affinity point: among equally good experts the draw is uniform, and the
   optimum is unique, so a replay that proves optimality reproduces the panel exactly.

Infeasible means, to a coordinator: a seat group has fewer eligible experts than seats (the
diagnosis counts them and the exclusions by reason), employers or times collide, or load caps
leave too few experts.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
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
    SolveStatus,
    run,
)

DAY_MIN = 24 * 60
YEAR_DAYS = 365
# The tie break of one (meeting, expert) pair is drawn from [0, TIE_RANGE).
TIE_RANGE = 1000

REASONS_ZH = {
    "wrong_pool": "不在本专家库",
    "inactive": "非在库状态",
    "no_specialty": "专业不符",
    "same_employer": "与申请人同单位",
    "worked_with": "近年曾在申请人处任职或合作",
    "declared_relation": "申报有利害关系",
    "involved_before": "曾参与同一事项",
    "unavailable": "请假或时间冲突",
    "applicant_cap": "为同一申请人评审次数已达上限",
    "declined": "已谢绝本次会议",
}


class Interval(BaseModel):
    """A busy period in minutes since the epoch (UTC), with its reason code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int
    end: int
    reason: str = "unavailable"


class Tie(BaseModel):
    """A tie between an expert and an organisation that can force avoidance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation_id: int
    kind: Literal["former_employer", "worked_with", "declared_relation"]
    until_day: int | None = None  # ordinal day the tie ended; None: ongoing


class PastPanel(BaseModel):
    """A panel the expert already sat on (counts for load and applicant caps)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int
    applicant_id: int | None = None


class PanelExpert(BaseModel):
    """An expert of the pool, as plain ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = ""
    pool_level: Literal["city", "district"] = "city"
    district_id: int | None = None
    employer_id: int | None = None
    active: bool = True
    specialties: dict[int, int] = Field(default_factory=dict, description="specialty → depth 1..5")
    years: int = Field(0, ge=0, le=80)
    busy: tuple[Interval, ...] = ()
    ties: tuple[Tie, ...] = ()
    matters: frozenset[str] = frozenset()
    history: tuple[PastPanel, ...] = ()
    min_load: int = Field(0, ge=0)
    max_load: int | None = Field(None, ge=0)


class PanelMeeting(BaseModel):
    """A review meeting asking for seats per specialty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    # Used in diagnosis names, so it must be a non-empty token without spaces.
    code: str = Field(min_length=1, max_length=60, pattern=r"^\S+$")
    matter_code: str = ""
    applicant_id: int | None = None
    pool_level: Literal["city", "district", "any"] = "city"
    district_id: int | None = None
    mode: Literal["on_site", "video"] = "on_site"
    # Minutes since the epoch (UTC); None when the batch has no times (data sets).
    start: int | None = None
    end: int | None = None
    day: int = 0
    seats: dict[int, int] = Field(description="specialty → seats")
    reserves: int = Field(0, ge=0, le=20)
    confirmed: dict[int, int] = Field(default_factory=dict, description="expert → specialty kept")
    declined: frozenset[int] = frozenset()

    @model_validator(mode="after")
    def _sane(self) -> PanelMeeting:
        if (self.start is None) != (self.end is None):
            raise ValueError(f"meeting {self.code}: give both start and end, or neither")
        if self.start is not None and self.end <= self.start:
            raise ValueError(f"meeting {self.code}: end must be after start")
        if not self.seats or any(n < 1 for n in self.seats.values()):
            raise ValueError(f"meeting {self.code}: every seat group needs at least one seat")
        return self


class PanelPolicy(BaseModel):
    """Avoidance and load policy of the office."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conflict_years: int = Field(3, ge=0, le=30)
    applicant_cap: int | None = Field(2, ge=1, description="panels per expert and applicant a year")
    load_cap: int | None = Field(4, ge=1, description="panels per expert per window")
    load_window_days: int = Field(30, ge=1, le=366)
    travel_buffer_min: int = Field(60, ge=0, le=DAY_MIN)
    one_per_employer: bool = True
    objective: Literal["max_sum", "max_min"] = "max_sum"
    # Draw by lottery: no expert sits on a panel with probability above this cap (see
    # scheduler.panel_lottery); None draws the single best panel.
    probability_cap: float | None = Field(None, gt=0, le=1, allow_inf_nan=False)
    # Keep at most this many candidates per seat (best first); None keeps every eligible one.
    candidate_limit: int | None = Field(None, ge=1, le=1000)
    balance_weight: int = Field(0, ge=0, le=1000)
    tie_break: bool = True


class PanelInstance(BaseModel):
    """A batch of meetings drawn together, the pool, the policy and the draw seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meetings: tuple[PanelMeeting, ...]
    experts: tuple[PanelExpert, ...]
    policy: PanelPolicy = PanelPolicy()
    seed: int = Field(0, ge=0, le=2**31 - 1)
    # Dense affinities (meetings × experts, in instance order) replace the computed ones, for
    # data sets that come with scores.
    scores: tuple[tuple[int, ...], ...] | None = None
    specialty_names: dict[int, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> PanelInstance:
        if len({m.id for m in self.meetings}) != len(self.meetings):
            raise ValueError("meeting ids must be unique")
        if len({m.code for m in self.meetings}) != len(self.meetings):
            raise ValueError("meeting codes must be unique")
        if len({e.id for e in self.experts}) != len(self.experts):
            raise ValueError("expert ids must be unique")
        if self.scores is not None and (
            len(self.scores) != len(self.meetings)
            or any(len(row) != len(self.experts) for row in self.scores)
        ):
            raise ValueError("scores must have one row per meeting and one column per expert")
        return self


class Seat(BaseModel):
    """One filled seat: who, in which specialty, with what affinity and why."""

    model_config = ConfigDict(frozen=True)

    expert_id: int
    specialty_id: int
    affinity: int
    why: str = ""


class Reserve(BaseModel):
    """A reserve in draw order, with the specialties they can cover."""

    model_config = ConfigDict(frozen=True)

    expert_id: int
    specialties: tuple[int, ...]
    rank: int


class PanelSolution(BaseModel):
    """The panels and reserves of every meeting, with the affinity totals."""

    model_config = ConfigDict(frozen=True)

    panels: dict[int, tuple[Seat, ...]]
    reserves: dict[int, tuple[Reserve, ...]]
    affinity: int
    worst_panel: int | None


@dataclass(frozen=True)
class PanelResult:
    """Report of a draw, its solution if any, and the screening that explains it."""

    report: SolveReport
    solution: PanelSolution | None
    screening: Screening


@dataclass
class Screening:
    """Who may sit where, and why the others may not."""

    # candidates[m][e] = specialties of meeting m that expert e may fill
    candidates: dict[int, dict[int, tuple[int, ...]]] = field(default_factory=dict)
    excluded: dict[int, dict[int, str]] = field(default_factory=dict)
    by_specialty: dict[int, set[int]] = field(default_factory=dict)

    def shortage(self, instance: PanelInstance, meeting: PanelMeeting, specialty: int) -> str:
        """Return the coordinator-facing text of one seat group's supply."""
        name = instance.specialty_names.get(specialty, str(specialty))
        eligible = sum(1 for s in self.candidates[meeting.id].values() if specialty in s)
        # Count only experts of this specialty: the others were never candidates for the seat.
        if not self.by_specialty:
            for e in instance.experts:
                for s in e.specialties:
                    self.by_specialty.setdefault(s, set()).add(e.id)
        has = self.by_specialty.get(specialty, set())
        reasons = Counter(
            r for e, r in self.excluded[meeting.id].items() if e in has or instance.scores
        )
        reasons.pop("no_specialty", None)
        reasons.pop("wrong_pool", None)
        detail = f"{meeting.code} · {name}：可选 {eligible} 名，需要 {meeting.seats[specialty]} 席"
        if reasons:
            parts = "，".join(f"{n} 名{REASONS_ZH.get(r, r)}" for r, n in reasons.most_common())
            detail += f"；另有 {sum(reasons.values())} 名被排除（{parts}）"
        return detail


def seed_commitment(seed: int, salt: str) -> str:
    """Return the SHA-256 commitment to a draw seed, published before the draw."""
    return hashlib.sha256(f"zerodistance-draw:{seed}:{salt}".encode()).hexdigest()


def affinity(expert: PanelExpert, specialty: int) -> int:
    """Return the affinity points of an expert on a seat: 20 per depth level plus experience."""
    return 20 * expert.specialties.get(specialty, 0) + min(expert.years, 20)


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int, gap: int = 0) -> bool:
    """Return whether two intervals overlap once `gap` minutes are kept between them."""
    return a_start < b_end + gap and b_start < a_end + gap


def _exclusion(instance: PanelInstance, m: PanelMeeting, e: PanelExpert) -> str | None:
    """Return why the expert may not sit on the meeting, or None when eligible."""
    p = instance.policy
    if m.pool_level == "city" and e.pool_level != "city":
        return "wrong_pool"
    if m.pool_level == "district" and (
        e.pool_level != "district" or e.district_id != m.district_id
    ):
        return "wrong_pool"
    # Most experts lack the meeting's specialties: the cheapest, commonest answer goes first.
    # With a score matrix, experts without declared specialties (a data set) fit every seat.
    if (instance.scores is None or e.specialties) and m.seats.keys().isdisjoint(e.specialties):
        return "no_specialty"
    if not e.active:
        return "inactive"
    if m.applicant_id is not None:
        if e.employer_id == m.applicant_id:
            return "same_employer"
        for tie in e.ties:
            if tie.organisation_id != m.applicant_id:
                continue
            if tie.kind == "declared_relation":
                return "declared_relation"
            if tie.until_day is None or m.day - tie.until_day <= p.conflict_years * YEAR_DAYS:
                return "worked_with"
    if m.matter_code and m.matter_code in e.matters:
        return "involved_before"
    if e.id in m.declined:
        return "declined"
    if m.start is not None and any(_overlaps(b.start, b.end, m.start, m.end) for b in e.busy):
        return "unavailable"
    if p.applicant_cap is not None and m.applicant_id is not None:
        recent = sum(
            1
            for h in e.history
            if h.applicant_id == m.applicant_id and 0 <= m.day - h.day < YEAR_DAYS
        )
        if recent >= p.applicant_cap:
            return "applicant_cap"
    return None


def screen(instance: PanelInstance) -> Screening:
    """Return the eligible (meeting, expert, specialties) triples and every exclusion reason."""
    out = Screening()
    for m in instance.meetings:
        cands: dict[int, tuple[int, ...]] = {}
        excl: dict[int, str] = {}
        for e in instance.experts:
            if e.id in m.confirmed:
                cands[e.id] = (m.confirmed[e.id],)
                continue
            reason = _exclusion(instance, m, e)
            if reason is not None:
                excl[e.id] = reason
                continue
            if instance.scores is not None and not e.specialties:
                cands[e.id] = tuple(m.seats)
            else:
                cands[e.id] = tuple(s for s in m.seats if s in e.specialties)
        out.candidates[m.id] = cands
        out.excluded[m.id] = excl
    return out


@dataclass
class PanelVars:
    """x[m, e, s]: expert e fills a seat of specialty s at meeting m; y[m, e]: e sits on m."""

    builder: ModelBuilder
    instance: PanelInstance
    screening: Screening
    x: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    y: dict[tuple[int, int], cp_model.LinearExprT] = field(default_factory=dict)
    points: dict[tuple[int, int, int], int] = field(default_factory=dict)
    # Indexes, so that rules touch each variable a bounded number of times.
    by_expert: dict[int, list[tuple[int, cp_model.LinearExprT]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_seat_group: dict[tuple[int, int], list[cp_model.IntVar]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_meeting: dict[int, list[tuple[int, cp_model.LinearExprT]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    affinity: cp_model.IntVar | None = None
    # Indices of constraints implied by the rules (bounds for the search, not rules).
    redundant: set[int] = field(default_factory=set)

    def sits(self, expert_id: int) -> list[tuple[int, cp_model.LinearExprT]]:
        """Return (meeting id, sits-on expression) for every meeting the expert may sit on."""
        return self.by_expert.get(expert_id, [])


def _points(instance: PanelInstance, screening: Screening) -> dict[tuple[int, int, int], int]:
    """Return the affinity of every eligible (meeting, expert, specialty) triple."""
    col = {e.id: i for i, e in enumerate(instance.experts)}
    experts = {e.id: e for e in instance.experts}
    points = {}
    for mi, m in enumerate(instance.meetings):
        for e_id, specs in screening.candidates[m.id].items():
            for s in specs:
                if instance.scores is not None:
                    points[m.id, e_id, s] = instance.scores[mi][col[e_id]]
                else:
                    points[m.id, e_id, s] = affinity(experts[e_id], s)
    return points


def _shortlist(
    instance: PanelInstance, points: dict[tuple[int, int, int], int]
) -> set[tuple[int, int, int]]:
    """Return the triples kept when `candidate_limit` bounds the candidates per seat.

    Each seat group keeps its best `limit × seats` candidates by affinity, then by the seeded
    tie break, so equally good experts stay equally likely; confirmed experts are always kept.
    """
    limit = instance.policy.candidate_limit
    if limit is None:
        return set(points)
    ties = _tie_values(instance)
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for key in points:
        groups[key[0], key[2]].append(key)
    seats = {(m.id, s): n for m in instance.meetings for s, n in m.seats.items()}
    confirmed = {(m.id, e, s) for m in instance.meetings for e, s in m.confirmed.items()}
    kept = set(confirmed & points.keys())
    for group, keys in groups.items():
        keys.sort(key=lambda k: (-points[k], -ties[k[0], k[1]]))
        kept.update(keys[: limit * seats[group]])
    return kept


def _make_vars(instance: PanelInstance, screening: Screening) -> PanelVars:
    """Create one Boolean per eligible (meeting, expert, specialty) and the sits-on sums."""
    v = PanelVars(ModelBuilder("panels"), instance, screening)
    model = v.builder.model
    points = _points(instance, screening)
    kept = _shortlist(instance, points)
    for m in instance.meetings:
        for e_id, specs in screening.candidates[m.id].items():
            own = []
            for s in specs:
                if (m.id, e_id, s) not in kept:
                    continue
                var = model.new_bool_var(f"assign[m={m.id},e={e_id},s={s}]")
                v.x[m.id, e_id, s] = var
                v.points[m.id, e_id, s] = points[m.id, e_id, s]
                v.by_seat_group[m.id, s].append(var)
                own.append(var)
            if not own:
                continue
            v.y[m.id, e_id] = own[0] if len(own) == 1 else sum(own)
            v.by_expert[e_id].append((m.id, v.y[m.id, e_id]))
            v.by_meeting[m.id].append((e_id, v.y[m.id, e_id]))
    return v


def affinity_bound(instance: PanelInstance, screening: Screening) -> int:
    """Return an upper bound on total affinity: each seat group's best candidates, alone."""
    points = _points(instance, screening)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (m, _, s), p in points.items():
        groups[m, s].append(p)
    seats = {(m.id, s): n for m in instance.meetings for s, n in m.seats.items()}
    return sum(sum(sorted(ps, reverse=True)[: seats[g]]) for g, ps in groups.items())


# --- hard rules -------------------------------------------------------------------------------


def add_seats(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: each meeting gets exactly its seats per specialty (guarded per seat group)."""
    for m in instance.meetings:
        for s, count in m.seats.items():
            lit = v.builder.guard(f"seats:{m.code}:{s}", v.screening.shortage(instance, m, s))
            v.builder.model.add(sum(v.by_seat_group[m.id, s]) == count).only_enforce_if(lit)


def add_one_seat_per_expert(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: an expert with several specialties fills at most one seat of a meeting."""
    for y in v.y.values():
        if not isinstance(y, cp_model.IntVar):
            v.builder.model.add(y <= 1)


def add_employer_diversity(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: at most one expert per employer on a panel (guarded per meeting)."""
    if not instance.policy.one_per_employer:
        return
    employer = {e.id: e.employer_id for e in instance.experts}
    for m in instance.meetings:
        groups: dict[int, list] = defaultdict(list)
        for e, y in v.by_meeting[m.id]:
            if employer[e] is not None:
                groups[employer[e]].append(y)
        crowded = {k: ys for k, ys in groups.items() if len(ys) > 1}
        if not crowded:
            continue
        lit = v.builder.guard(f"employer:{m.code}", f"{m.code}：同一单位至多一名专家")
        for ys in crowded.values():
            v.builder.model.add(sum(ys) <= 1).only_enforce_if(lit)


def _clash(instance: PanelInstance, a: PanelMeeting, b: PanelMeeting) -> bool:
    """Return whether one person cannot attend both meetings."""
    if a.start is None or b.start is None:
        return False
    gap = 0
    if a.mode == b.mode == "on_site" and a.district_id != b.district_id:
        gap = instance.policy.travel_buffer_min
    return _overlaps(a.start, a.end, b.start, b.end, gap)


def add_no_overlap(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: nobody sits on two clashing meetings (times, plus travel between districts)."""
    timed = sorted((m for m in instance.meetings if m.start is not None), key=lambda m: m.start)
    if not timed:
        return
    # Meetings running at one instant clash pairwise: one at-most-one per expert and instant
    # (at each meeting's start) covers every overlap. Pairs that clash only through the travel
    # buffer get a pairwise constraint.
    cliques: list[frozenset[int]] = []
    for m in timed:
        running = frozenset(o.id for o in timed if o.start <= m.start < o.end)
        if len(running) > 1 and not any(running <= c for c in cliques[-8:]):
            cliques.append(running)
    buffer_pairs = []
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if b.start >= a.end + instance.policy.travel_buffer_min:
                break
            if b.start >= a.end and _clash(instance, a, b):
                buffer_pairs.append((a.id, b.id))
    if not cliques and not buffer_pairs:
        return
    lit = v.builder.guard("no_overlap", "同一专家不能出席时间冲突（含异地往返时间）的两场会议")
    model = v.builder.model
    for e in instance.experts:
        mine = dict(v.sits(e.id))
        if len(mine) < 2:
            continue
        for clique in cliques:
            ys = [mine[m] for m in clique if m in mine]
            if len(ys) > 1:
                model.add(sum(ys) <= 1).only_enforce_if(lit)
        for a, b in buffer_pairs:
            if a in mine and b in mine:
                model.add(mine[a] + mine[b] <= 1).only_enforce_if(lit)


def add_load_cap(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: at most load_cap panels per expert in any window, past panels included."""
    cap, window = instance.policy.load_cap, instance.policy.load_window_days
    days = {m.id: m.day for m in instance.meetings}
    for e in instance.experts:
        sits = v.sits(e.id)
        if e.max_load is not None and sits:
            lit = v.builder.guard("load_cap", "专家评审场次上限")
            v.builder.model.add(sum(y for _, y in sits) <= e.max_load).only_enforce_if(lit)
        if cap is None or len(sits) + len(e.history) <= cap:
            continue
        kept: list[tuple[frozenset[int], int]] = []
        # The fullest windows start on a day with a meeting or a past panel.
        starts = {days[m] for m, _ in sits} | {h.day for h in e.history}
        for start in sorted(starts):
            inside = frozenset(m for m, _ in sits if start <= days[m] < start + window)
            before = sum(1 for h in e.history if start <= h.day < start + window)
            if not inside or len(inside) + before <= cap:
                continue
            # A window whose meetings and past panels another window already covers adds nothing.
            if any(inside <= k and before <= b for k, b in kept):
                continue
            kept = [(k, b) for k, b in kept if not (k <= inside and b <= before)]
            kept.append((inside, before))
        mine = dict(sits)
        for inside, before in kept:
            lit = v.builder.guard("load_cap", "专家评审场次上限")
            # Past panels alone may exceed the cap: then the expert just sits on none of these.
            room = max(cap - before, 0)
            v.builder.model.add(sum(mine[m] for m in inside) <= room).only_enforce_if(lit)


def add_min_load(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: experts with a minimum load sit on at least that many panels (guarded)."""
    needy = [e for e in instance.experts if e.min_load > 0]
    if not needy:
        return
    lit = v.builder.guard("min_load", "专家最少评审场次")
    for e in needy:
        v.builder.model.add(sum(y for _, y in v.sits(e.id)) >= e.min_load).only_enforce_if(lit)


def add_applicant_cap(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: in any year, at most applicant_cap panels per expert and applicant (guarded)."""
    cap = instance.policy.applicant_cap
    if cap is None:
        return
    meetings = {m.id: m for m in instance.meetings}
    for e in instance.experts:
        by_applicant: dict[int, list[tuple[int, cp_model.LinearExprT]]] = defaultdict(list)
        for m, y in v.sits(e.id):
            if meetings[m].applicant_id is not None:
                by_applicant[meetings[m].applicant_id].append((meetings[m].day, y))
        for org, held in by_applicant.items():
            past = [h.day for h in e.history if h.applicant_id == org]
            if len(held) + len(past) <= cap:
                continue
            # The year ending on each of these meetings' days is a window to respect.
            for end in sorted({day for day, _ in held}):
                inside = [y for day, y in held if end - YEAR_DAYS < day <= end]
                before = sum(1 for d in past if 0 <= end - d < YEAR_DAYS)
                if len(inside) + before > cap:
                    lit = v.builder.guard("applicant_cap", f"同一申请人一年内至多 {cap} 次")
                    room = max(cap - before, 0)
                    v.builder.model.add(sum(inside) <= room).only_enforce_if(lit)


def add_confirmed(instance: PanelInstance, v: PanelVars) -> None:
    """Hard: experts who confirmed keep their seat when open seats are re-drawn (guarded)."""
    for m in instance.meetings:
        if not m.confirmed:
            continue
        lit = v.builder.guard(f"confirmed:{m.code}", f"{m.code}：已确认出席的专家保留席位")
        for e, s in m.confirmed.items():
            var = v.x.get((m.id, e, s))
            v.builder.model.add(var == 1 if var is not None else 0 == 1).only_enforce_if(lit)


# --- goals ------------------------------------------------------------------------------------


def tie_value(seed: int, meeting_id: int, expert_id: int) -> int:
    """Return the seeded tie-break value of one (meeting, expert) pair.

    A keyed hash rather than a random stream: the value of a pair does not depend on who else
    is in the pool or in which order, so a replay from the recorded inputs gets the same values.
    """
    digest = hashlib.blake2b(
        f"{meeting_id}:{expert_id}".encode(), digest_size=8, key=str(seed).encode()
    ).digest()
    return int.from_bytes(digest, "big") % TIE_RANGE


class _Ties(dict):
    """Tie-break values computed on first use."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._seed = seed

    def __missing__(self, key: tuple[int, int]) -> int:
        value = self[key] = tie_value(self._seed, *key)
        return value


def _tie_values(instance: PanelInstance) -> dict[tuple[int, int], int]:
    """Return the tie-break values of the instance's pairs, computed on demand."""
    return _Ties(instance.seed)


def add_goals(instance: PanelInstance, v: PanelVars) -> None:
    """Goal: affinity (max-sum or max-min), load balance, then the seeded tie break."""
    total_seats = sum(sum(m.seats.values()) for m in instance.meetings)
    # One affinity point outweighs every tie break together.
    unit = TIE_RANGE * total_seats + 1 if instance.policy.tie_break else 1
    # Total affinity as one variable: bounds learnt about it (the flow bound) reach the
    # objective directly.
    # Its domain must not cap the total: that would enforce the seat rule without its guard.
    reach = sum(abs(p) for p in v.points.values()) + 1
    affinity_expr = v.builder.model.new_int_var(-reach, reach, "affinity_total")
    v.builder.model.add(affinity_expr == sum(p * v.x[k] for k, p in v.points.items()))
    v.affinity = affinity_expr
    if instance.policy.tie_break:
        ties = _tie_values(instance)
        v.builder.add_reward("tie_break", sum(ties[m, e] * y for (m, e), y in v.y.items()), 1)
    if instance.policy.balance_weight and v.y:
        peak = v.builder.model.new_int_var(0, len(instance.meetings), "peak_load")
        for e in instance.experts:
            sits = v.sits(e.id)
            if sits:
                v.builder.model.add(sum(y for _, y in sits) <= peak)
        v.builder.add_penalty("load_balance", peak, instance.policy.balance_weight * unit)
    if instance.policy.objective == "max_sum":
        v.builder.add_reward("affinity", affinity_expr, unit)
        return
    # max-min: the worst panel first; the total (and everything below it) second.
    hi = sum(max(v.points.values(), default=0) * n for n in _largest_panel(instance))
    lo = sum(min(min(v.points.values(), default=0), 0) * n for n in _largest_panel(instance))
    worst = v.builder.model.new_int_var(lo, max(hi, lo), "worst_panel")
    by_meeting: dict[int, list] = defaultdict(list)
    for k, p in v.points.items():
        by_meeting[k[0]].append(p * v.x[k])
    for m in instance.meetings:
        v.builder.model.add(worst <= sum(by_meeting[m.id]))
    span = sum(abs(p) for p in _top_points(v, total_seats)) + 1
    v.builder.add_reward("affinity", affinity_expr, unit)
    v.builder.add_reward("worst_panel", worst, unit * (2 * span + 1))


def _largest_panel(instance: PanelInstance) -> list[int]:
    """Return the seat counts of the largest panel, to bound a panel's affinity."""
    return [max((sum(m.seats.values()) for m in instance.meetings), default=0)]


def _top_points(v: PanelVars, n: int) -> list[int]:
    """Return the n largest absolute affinities, bounding the total affinity of any solution."""
    return sorted((abs(p) for p in v.points.values()), reverse=True)[:n]


Rule = Callable[[PanelInstance, PanelVars], None]

RULES: tuple[Rule, ...] = (
    add_seats,
    add_one_seat_per_expert,
    add_employer_diversity,
    add_no_overlap,
    add_load_cap,
    add_min_load,
    add_applicant_cap,
    add_confirmed,
    add_goals,
)


def build(instance: PanelInstance) -> PanelVars:
    """Screen the pool and build the model, rule by rule, then add the flow bound and hint."""
    v = _make_vars(instance, screen(instance))
    for rule in RULES:
        rule(instance, v)
    _add_flow_bound(instance, v)
    return v


def flow_relaxation(
    instance: PanelInstance, v: PanelVars
) -> tuple[int, set[tuple[int, int, int]]] | None:
    """Return the best total affinity of the seats-and-loads relaxation, and its assignment.

    A min-cost flow (source → expert → expert at meeting → seat group → sink) keeps seats, one
    seat per expert and meeting, and each expert's load limit, and drops every other rule, so
    its optimum bounds the affinity of any draw. Returns None when even the relaxation cannot
    fill every seat (the model then explains why).
    """
    from ortools.graph.python import min_cost_flow

    seats = {(m.id, s): n for m in instance.meetings for s, n in m.seats.items()}
    total = sum(seats.values())
    days = [m.day for m in instance.meetings]
    one_window = bool(days) and max(days) - min(days) < instance.policy.load_window_days
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    nodes: dict[object, int] = {}

    def node(key: object) -> int:
        return nodes.setdefault(key, len(nodes) + 2)

    for e in instance.experts:
        if not v.sits(e.id):
            continue
        cap = len(instance.meetings)
        if e.max_load is not None:
            cap = min(cap, e.max_load)
        if instance.policy.load_cap is not None and one_window:
            cap = min(cap, instance.policy.load_cap)
        flow.add_arc_with_capacity_and_unit_cost(source, node(("e", e.id)), cap, 0)
        for m, _ in v.sits(e.id):
            flow.add_arc_with_capacity_and_unit_cost(node(("e", e.id)), node(("me", m, e.id)), 1, 0)
    arcs = {}
    for (m, e, s), p in v.points.items():
        arcs[m, e, s] = flow.add_arc_with_capacity_and_unit_cost(
            node(("me", m, e)), node(("g", m, s)), 1, -p
        )
    for (m, s), n in seats.items():
        flow.add_arc_with_capacity_and_unit_cost(node(("g", m, s)), sink, n, 0)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        return None
    chosen = {k for k, arc in arcs.items() if flow.flow(arc) > 0}
    return -flow.optimal_cost(), chosen


def _add_flow_bound(instance: PanelInstance, v: PanelVars) -> None:
    """Add the relaxation's affinity bound (redundant) and hint its assignment.

    Measured on bench/panels_bench.py: without it, max-sum on aamas2015 (201 experts × 613
    meetings) stays far from the optimum after 60 s on two workers; with it, CP-SAT starts from
    the flow's assignment and closes the gap as soon as the bound is met.
    """
    if not v.points or instance.scores is None and len(v.points) > 2_000_000:
        return
    relaxed = flow_relaxation(instance, v)
    if relaxed is None:
        return
    bound, chosen = relaxed
    if v.affinity is not None:
        # The bound follows from the seat and load rules only: it holds when they do, so a
        # diagnosis that switches them off is not misled by it.
        rules = [
            g.literal
            for name, g in v.builder.guards.items()
            if name.startswith("seats:") or name == "load_cap"
        ]
        ct = v.builder.model.add(v.affinity <= bound)
        if rules:
            ct.only_enforce_if(rules)
        v.redundant.add(ct.index)
    for k, var in v.x.items():
        v.builder.hint(var, 1 if k in chosen else 0)


def solve(
    instance: PanelInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> PanelResult:
    """Draw the panels and reserves of the instance."""
    v = build(instance)
    outcome = run(v.builder, params, progress=progress, cancel=cancel)
    if not outcome.has_solution or outcome.report.status is SolveStatus.CANCELLED:
        return PanelResult(outcome.report, None, v.screening)
    experts = {e.id: e for e in instance.experts}
    meetings = {m.id: m for m in instance.meetings}
    seats: dict[int, list[Seat]] = {m.id: [] for m in instance.meetings}
    for (m, e, s), var in v.x.items():
        if outcome.boolean_value(var):
            points = v.points[m, e, s]
            why = _why(instance, experts, meetings[m], e, s, points)
            seats[m].append(Seat(expert_id=e, specialty_id=s, affinity=points, why=why))
    panels = {
        m: tuple(sorted(group, key=lambda seat: (seat.specialty_id, seat.expert_id)))
        for m, group in seats.items()
    }
    sums = [sum(seat.affinity for seat in seats) for seats in panels.values()]
    solution = PanelSolution(
        panels=panels,
        reserves=draw_reserves(instance, v.screening, panels),
        affinity=sum(sums),
        worst_panel=min(sums) if sums else None,
    )
    return PanelResult(outcome.report, solution, v.screening)


def _why(
    instance: PanelInstance,
    experts: dict[int, PanelExpert],
    m: PanelMeeting,
    e_id: int,
    s: int,
    points: int,
) -> str:
    """Return why this expert may fill this seat, in coordinators' words."""
    if e_id in m.confirmed:
        return "已确认出席，保留席位"
    expert = experts[e_id]
    name = instance.specialty_names.get(s, str(s))
    depth = expert.specialties.get(s)
    parts = [f"专业：{name}" + (f"（深度 {depth}）" if depth else "")]
    if expert.years:
        parts.append(f"从业 {expert.years} 年")
    parts.append("无回避事由，时间可出席")
    parts.append(f"匹配分 {points}")
    return "；".join(parts)


def draw_reserves(
    instance: PanelInstance, screening: Screening, panels: dict[int, tuple[Seat, ...]]
) -> dict[int, tuple[Reserve, ...]]:
    """Return each meeting's ordered reserves: eligible, free at that time, best first."""
    ties = _tie_values(instance)
    meetings = {m.id: m for m in instance.meetings}
    sits_on: dict[int, list[int]] = defaultdict(list)
    for m_id, seats in panels.items():
        for seat in seats:
            sits_on[seat.expert_id].append(m_id)
    col = {e.id: i for i, e in enumerate(instance.experts)}
    experts = {e.id: e for e in instance.experts}
    out: dict[int, tuple[Reserve, ...]] = {}
    for mi, m in enumerate(instance.meetings):
        on_panel = {seat.expert_id for seat in panels.get(m.id, ())}
        ranked = []
        for e_id, specs in screening.candidates[m.id].items():
            if e_id in on_panel or e_id in m.confirmed:
                continue
            if any(_clash(instance, m, meetings[o]) for o in sits_on[e_id]):
                continue
            if instance.scores is not None:
                best = instance.scores[mi][col[e_id]]
            else:
                best = max(affinity(experts[e_id], s) for s in specs)
            ranked.append((-best, e_id, specs))
        if not ranked or m.reserves == 0:
            out[m.id] = ()
            continue
        ranked.sort(key=lambda r: r[0])
        # Only candidates as good as the last reserve place can be chosen; break their ties.
        cutoff = ranked[min(m.reserves, len(ranked)) - 1][0]
        close = [(b, -ties[m.id, e], e, sp) for b, e, sp in ranked if b <= cutoff]
        close.sort()
        out[m.id] = tuple(
            Reserve(expert_id=e_id, specialties=specs, rank=i + 1)
            for i, (_, _, e_id, specs) in enumerate(close[: m.reserves])
        )
    return out
