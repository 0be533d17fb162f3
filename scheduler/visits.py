"""VIP service teams (VIP服务团队): on-site visits to major projects and joint sessions.

Decision: for each major project, in which half-day slots of the horizon its VIP visits happen
and who forms each visit's team (one chief representative of every department it needs now,
business backbones, one lead); and which chief representative of each named department attends
each joint session (dispatch meeting, video joint review).

Slots: the horizon is the list of working days the API computes with the 调休-aware calendar;
slot t = 2*i + (0 上午, 1 下午) for day index i. "Working days apart" counts day indices.

Eligibility (structural: no variable exists for an ineligible choice, as in helpers.py)
 - A person serves a project when their department is one the project needs now; a business
   backbone only when the project asks for backbones. A district-level person serves projects of
   their own district; a city-level person (no district) serves every district. Any chief of a
   department may attend that department's seat at a joint session, wherever it is.
 - Nobody is offered a slot in their `unavailable_slots`, and no visit is offered on a blocked
   day of the enterprise or in a slot where a needed department has no eligible chief (or too
   few eligible backbones are free). Pins and pinned session members are always represented, so
   a pin that breaks one of these is diagnosed by name instead of silently dropped.

Hard rules
 1. Coverage: every project receives exactly `visits_required` visits, in distinct slots; pinned
    visits count. A project with a needed department that has no eligible chief free in any
    allowed slot is named with that department.
 2. Team composition: each visit has exactly one chief representative of each needed
    department, exactly `backbones` backbones of the needed departments, and one lead among its
    members who `can_lead`.
 3. Availability: nobody is scheduled in an unavailable slot (pins and pinned session members
    included).
 4. No double booking: a person is in at most one visit or session per slot.
 5. Travel: a person's on-site engagements (visits, on-site sessions) on one day are all in one
    district or in pairwise adjacent districts; at most `max_visits_per_day` visits a day. Video
    sessions need no travel.
 6. Enterprise windows: no visit on a blocked day of the enterprise.
 7. Spacing: two visits of one project are at least `min_days_between` working days apart.
 8. Sessions: every session occurrence has exactly one chief representative of each of its
    departments (pinned members kept).
 9. Pins: confirmed visits keep their slot, their team exactly, and their lead.

Soft goals (points, minimised; weights in `VisitWeights`)
 - minimal_change: when re-planning against the published plan (`previous`), 1,000 points per
   previous visit whose slot is no longer used by that project, plus 200 points per member of a
   previous visit who is no longer on that project's visit in that slot (a moved visit loses all
   its members). The published plan is also the solver's hint.
 - preferred_days: 30 points per visit not on a preferred day, for enterprises that named
   preferred days inside the horizon.
 - continuity: 20 points per team member who has not visited the project before, for projects
   someone has visited before (previous members: the project's `previous_member_ids` plus the
   people who list the project in `previous_project_ids`).
 - fairness: 10 points per visit of spread (busiest minus least busy) within each group of one
   department and one role, over the people of the group who could serve at least one project
   (eligible for a project that needs visits and free in at least one slot).

Size: only eligible (project, person, slot) triples get variables, so the model grows with the
people each project actually needs, not with all staff. The solution is a plan of the full
monolithic model; the reported bound is CP-SAT's proven lower bound of that same model, so the
gap is an honest optimality gap. A greedy plan that respects every hard rule is passed as the
hint when there is no published plan, so the search starts from full coverage when the greedy
finds it.

Infeasible means, to a coordinator: a project needs more visits than its allowed slots and
spacing permit, a needed department has no chief free this month, a department's chiefs are too
few for the visits and sessions that need them at once, or a pin contradicts a hard rule. The
diagnosis names those projects, departments, sessions and pins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

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

Role = Literal["chief", "backbone"]
Half = Literal["am", "pm"]
Mode = Literal["on_site", "video"]

SLOTS_PER_DAY = 2
HALF_ZH = ("上午", "下午")
# Longest horizon accepted: two months of working days.
MAX_DAYS = 62

_CODE = Field(min_length=1, max_length=60, pattern=r"^\S+$")


class VisitWeights(BaseModel):
    """Points per unit of each soft goal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    change_slot: int = Field(1000, ge=0, le=1_000_000, description="每次改动时段的已发布上门")
    change_member: int = Field(200, ge=0, le=1_000_000, description="每名被替换的已发布成员")
    preferred_day: int = Field(30, ge=0, le=1_000_000, description="每次不在企业偏好日的上门")
    continuity: int = Field(20, ge=0, le=1_000_000, description="每名此前未服务过该项目的成员")
    fairness: int = Field(10, ge=0, le=1_000_000, description="同部门同角色上门次数极差每次")


class Department(BaseModel):
    """A department that sends chief representatives and backbones."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = Field(min_length=1)


class District(BaseModel):
    """A district or zone, with the districts one can reach from it within a day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = Field(min_length=1)
    adjacent: frozenset[int] = frozenset()


class VisitPerson(BaseModel):
    """A chief representative or business backbone of a department."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str = Field(min_length=1)
    department_id: int
    role: Role
    district_id: int | None = None  # None: city level, serves every district
    can_lead: bool = False  # defaults to role == "chief" (see _default_lead)
    unavailable_slots: frozenset[int] = frozenset()
    max_visits_per_day: int = Field(2, ge=0, le=SLOTS_PER_DAY)
    previous_project_ids: frozenset[int] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _default_lead(cls, data: Any) -> Any:
        if isinstance(data, dict) and "can_lead" not in data:
            data = {**data, "can_lead": data.get("role") == "chief"}
        return data


class VisitProject(BaseModel):
    """A major project to visit, with the departments its pending approval items need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = _CODE
    name: str = ""
    district_id: int
    enterprise_name: str = ""
    visits_required: int = Field(ge=0, le=SLOTS_PER_DAY * MAX_DAYS)
    departments: tuple[int, ...]
    backbones: int = Field(0, ge=0, le=20)
    preferred_days: frozenset[dt.date] = frozenset()
    blocked_days: frozenset[dt.date] = frozenset()
    previous_member_ids: frozenset[int] = frozenset()
    min_days_between: int = Field(3, ge=0, le=MAX_DAYS)

    @model_validator(mode="after")
    def _consistent(self) -> VisitProject:
        if len(set(self.departments)) != len(self.departments):
            raise ValueError(f"project {self.code} lists a department twice")
        if self.visits_required > 0 and not self.departments:
            raise ValueError(f"project {self.code} needs visits but names no department")
        return self


class PinnedVisit(BaseModel):
    """A confirmed visit that a re-plan keeps exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: int
    slot: int = Field(ge=0)
    member_ids: tuple[int, ...] = Field(min_length=1)
    lead_id: int


class PreviousVisit(BaseModel):
    """A visit of the published plan, kept where possible when re-planning."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: int
    slot: int = Field(ge=0)
    member_ids: tuple[int, ...] = ()


class SessionOccurrence(BaseModel):
    """One occurrence of a joint session (dispatch meeting, joint review), on site or by video."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    code: str = _CODE
    title: str = ""
    slots: tuple[int, ...] = Field(min_length=1)
    mode: Mode
    district_id: int | None = None
    department_ids: tuple[int, ...] = Field(min_length=1)
    pinned_member_ids: tuple[int, ...] = ()


def _unique(items: list[Any], what: str) -> None:
    """Raise naming the first duplicate of items."""
    seen: set[Any] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"duplicate {what} {item}")
        seen.add(item)


class VisitInstance(BaseModel):
    """Everything the VIP-visit model needs, as plain ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[dt.date, ...] = Field(min_length=1, max_length=MAX_DAYS)
    districts: tuple[District, ...]
    departments: tuple[Department, ...]
    people: tuple[VisitPerson, ...]
    projects: tuple[VisitProject, ...]
    sessions: tuple[SessionOccurrence, ...] = ()
    pins: tuple[PinnedVisit, ...] = ()
    previous: tuple[PreviousVisit, ...] = ()
    weights: VisitWeights = VisitWeights()

    @property
    def slots(self) -> int:
        """Return the number of half-day slots of the horizon."""
        return SLOTS_PER_DAY * len(self.days)

    @model_validator(mode="after")
    def _consistent(self) -> VisitInstance:
        if any(a >= b for a, b in zip(self.days, self.days[1:], strict=False)):
            raise ValueError("days must be strictly increasing")
        n = self.slots
        _unique([d.id for d in self.districts], "district id")
        _unique([d.id for d in self.departments], "department id")
        _unique([p.id for p in self.people], "person id")
        _unique([p.id for p in self.projects], "project id")
        _unique([p.code for p in self.projects], "project code")
        _unique([s.id for s in self.sessions], "session id")
        _unique([s.code for s in self.sessions], "session code")
        districts = {d.id: d for d in self.districts}
        for d in self.districts:
            for a in d.adjacent:
                if a == d.id:
                    raise ValueError(f"district {d.id} lists itself as adjacent")
                if a not in districts:
                    raise ValueError(f"district {d.id} is adjacent to unknown district {a}")
                if d.id not in districts[a].adjacent:
                    raise ValueError(f"adjacency of districts {d.id} and {a} is not symmetric")
        departments = {d.id for d in self.departments}
        people = {p.id: p for p in self.people}
        for m in self.people:
            if m.department_id not in departments:
                raise ValueError(f"person {m.id} has unknown department {m.department_id}")
            if m.district_id is not None and m.district_id not in districts:
                raise ValueError(f"person {m.id} has unknown district {m.district_id}")
            bad = [t for t in m.unavailable_slots if not 0 <= t < n]
            if bad:
                raise ValueError(f"person {m.id} has unavailable slot {min(bad)} out of 0..{n - 1}")
        projects = {p.id: p for p in self.projects}
        for p in self.projects:
            if p.district_id not in districts:
                raise ValueError(f"project {p.code} has unknown district {p.district_id}")
            for d in p.departments:
                if d not in departments:
                    raise ValueError(f"project {p.code} needs unknown department {d}")
        for s in self.sessions:
            self._check_session(s, n, districts, departments, people)
        pinned: dict[int, list[int]] = {}
        for pin in self.pins:
            p = projects.get(pin.project_id)
            if p is None:
                raise ValueError(f"pin refers to unknown project {pin.project_id}")
            if pin.slot >= n:
                raise ValueError(f"pin of project {p.code} has slot {pin.slot} out of 0..{n - 1}")
            _unique(list(pin.member_ids), f"member in pin of project {p.code}:")
            for m in pin.member_ids:
                if m not in people:
                    raise ValueError(f"pin of project {p.code} names unknown person {m}")
            if pin.lead_id not in pin.member_ids:
                raise ValueError(f"pin of project {p.code}: lead {pin.lead_id} is not a member")
            if not people[pin.lead_id].can_lead:
                raise ValueError(f"pin of project {p.code}: lead {pin.lead_id} cannot lead")
            pinned.setdefault(p.id, []).append(pin.slot)
        for pid, slots in pinned.items():
            p = projects[pid]
            _unique(slots, f"pinned slot of project {p.code}:")
            if len(slots) > p.visits_required:
                raise ValueError(
                    f"project {p.code} has {len(slots)} pinned visits but needs only "
                    f"{p.visits_required}"
                )
        previous: list[tuple[int, int]] = []
        for v in self.previous:
            p = projects.get(v.project_id)
            if p is None:
                raise ValueError(f"previous visit refers to unknown project {v.project_id}")
            if v.slot >= n:
                raise ValueError(
                    f"previous visit of project {p.code} has slot {v.slot} out of 0..{n - 1}"
                )
            for m in v.member_ids:
                if m not in people:
                    raise ValueError(f"previous visit of project {p.code} names unknown person {m}")
            _unique(list(v.member_ids), f"member in previous visit of project {p.code}:")
            previous.append((v.project_id, v.slot))
        _unique(previous, "previous visit (project, slot)")
        return self

    @staticmethod
    def _check_session(
        s: SessionOccurrence,
        n: int,
        districts: dict[int, District],
        departments: set[int],
        people: dict[int, VisitPerson],
    ) -> None:
        """Raise naming the session when it refers to something unknown or impossible."""
        _unique(list(s.slots), f"slot in session {s.code}:")
        bad = [t for t in s.slots if not 0 <= t < n]
        if bad:
            raise ValueError(f"session {s.code} has slot {min(bad)} out of 0..{n - 1}")
        if s.mode == "on_site" and s.district_id is None:
            raise ValueError(f"on-site session {s.code} needs a district")
        if s.district_id is not None and s.district_id not in districts:
            raise ValueError(f"session {s.code} has unknown district {s.district_id}")
        _unique(list(s.department_ids), f"department in session {s.code}:")
        for d in s.department_ids:
            if d not in departments:
                raise ValueError(f"session {s.code} needs unknown department {d}")
        seats: list[int] = []
        for m in s.pinned_member_ids:
            person = people.get(m)
            if person is None:
                raise ValueError(f"session {s.code} pins unknown person {m}")
            if person.role != "chief" or person.department_id not in s.department_ids:
                raise ValueError(
                    f"session {s.code} pins person {m}, who is not a chief representative of "
                    "one of its departments"
                )
            seats.append(person.department_id)
        _unique(seats, f"pinned seat in session {s.code}: department")


class PlannedVisit(BaseModel):
    """One visit: a project, a half-day slot, its team and its lead."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: int
    slot: int
    day: dt.date
    half: Half
    member_ids: tuple[int, ...]
    lead_id: int


class SessionAttendance(BaseModel):
    """Who attends one session occurrence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_id: int
    member_ids: tuple[int, ...]


class VisitSolution(BaseModel):
    """Visits and session attendance, with the number of changed published visits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    visits: tuple[PlannedVisit, ...]
    sessions: tuple[SessionAttendance, ...]
    # Previous visits not kept exactly (same slot, same members).
    changes: int
    objective: int | None


@dataclass(frozen=True)
class VisitResult:
    """Report of a solve and, when one was found, its solution."""

    report: SolveReport
    solution: VisitSolution | None


def slot_label(instance: VisitInstance, t: int) -> str:
    """Return a slot as coordinators say it, e.g. "5月6日上午"."""
    day = instance.days[t // SLOTS_PER_DAY]
    return f"{day.month}月{day.day}日{HALF_ZH[t % SLOTS_PER_DAY]}"


def serves(person: VisitPerson, project: VisitProject) -> bool:
    """Return whether the person may be on the project's team (department, role, district)."""
    if person.department_id not in project.departments:
        return False
    if person.role == "backbone" and project.backbones == 0:
        return False
    return person.district_id is None or person.district_id == project.district_id


def previous_members(instance: VisitInstance, project: VisitProject) -> frozenset[int]:
    """Return who visited the project before, from both sides of the record."""
    return project.previous_member_ids | {
        m.id for m in instance.people if project.id in m.previous_project_ids
    }


@dataclass
class VisitVars:
    """Decision variables and the indexes the rules need.

    x[p, t]: project p is visited in slot t. y[p, m, t]: person m is on that visit's team.
    lead[p, m, t]: m leads it (only where the lead is not implied, see add_team_composition).
    attend[o, m]: chief m attends session o. onsite[m, i, a]: m is on site in district a on
    day i (only where m could be in two non-adjacent districts that day).
    """

    builder: ModelBuilder
    allowed: dict[int, list[int]] = field(default_factory=dict)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    y: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    lead: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    attend: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    onsite: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    # (p, m, t) triples that exist only because a pin names them; each gets forced to 0 under
    # the guard of the rule it breaks.
    forced: dict[tuple[int, int, int], str] = field(default_factory=dict)
    forced_attend: set[tuple[int, int]] = field(default_factory=set)
    team: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (p, t) -> people
    busy: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)  # (m, t)
    team_guard: dict[int, cp_model.IntVar] = field(default_factory=dict)  # project -> guard
    # (department, role) -> (max load, min load, people of the group)
    spread: dict[tuple[int, str], tuple[cp_model.IntVar, cp_model.IntVar, list[int]]] = field(
        default_factory=dict
    )

    def visits_of(self, project_id: int) -> list[cp_model.IntVar]:
        """Return the slot variables of one project."""
        return [self.x[project_id, t] for t in self.allowed.get(project_id, ())]

    def load(self, person_id: int) -> list[cp_model.IntVar]:
        """Return the visit variables of one person."""
        return [v for (_, m, _), v in self.y.items() if m == person_id]


def _make_vars(instance: VisitInstance) -> VisitVars:
    """Create variables for eligible (project, slot, person) choices and everything pinned."""
    v = VisitVars(ModelBuilder("vip_visits"))
    model = v.builder.model
    days = instance.days
    people = {m.id: m for m in instance.people}
    pinned_slots: dict[int, set[int]] = {}
    pinned_members: dict[tuple[int, int], set[int]] = {}
    for pin in instance.pins:
        pinned_slots.setdefault(pin.project_id, set()).add(pin.slot)
        pinned_members[pin.project_id, pin.slot] = set(pin.member_ids)
    for p in instance.projects:
        if p.visits_required == 0:
            continue
        staff = [m for m in instance.people if serves(m, p)]
        blocked = p.blocked_days
        for t in range(instance.slots):
            free = [m for m in staff if t not in m.unavailable_slots]
            ok = days[t // SLOTS_PER_DAY] not in blocked
            ok = ok and all(
                any(m.role == "chief" and m.department_id == d for m in free) for d in p.departments
            )
            ok = ok and sum(m.role == "backbone" for m in free) >= p.backbones
            pinned = t in pinned_slots.get(p.id, ())
            if not (ok or pinned):
                continue
            v.allowed.setdefault(p.id, []).append(t)
            v.x[p.id, t] = model.new_bool_var(f"x[p={p.id},t={t}]")
            members = [m.id for m in free]
            for m_id in sorted(pinned_members.get((p.id, t), ())):
                if m_id in members:
                    continue
                m = people[m_id]
                members.append(m_id)
                v.forced[p.id, m_id, t] = (
                    "unavailable" if serves(m, p) and t in m.unavailable_slots else "ineligible"
                )
            v.team[p.id, t] = members
            for m_id in members:
                var = model.new_bool_var(f"y[p={p.id},m={m_id},t={t}]")
                v.y[p.id, m_id, t] = var
                v.busy.setdefault((m_id, t), []).append(var)
    for s in instance.sessions:
        pinned = set(s.pinned_member_ids)
        for m in instance.people:
            if m.role != "chief" or m.department_id not in s.department_ids:
                continue
            free = not any(t in m.unavailable_slots for t in s.slots)
            if not (free or m.id in pinned):
                continue
            if not free:
                v.forced_attend.add((s.id, m.id))
            var = model.new_bool_var(f"attend[o={s.id},m={m.id}]")
            v.attend[s.id, m.id] = var
            for t in s.slots:
                v.busy.setdefault((m.id, t), []).append(var)
    return v


def _project_label(p: VisitProject) -> str:
    return f"项目 {p.code}{(' ' + p.name) if p.name else ''}"


# --- hard rules -------------------------------------------------------------------------------


def add_coverage(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: every project gets exactly its required visits (guarded per project).

    A project with a needed department that has no eligible chief free in any allowed slot is
    guarded under that department's name instead, so the diagnosis says so directly.
    """
    model = v.builder.model
    departments = {d.id: d.name for d in instance.departments}
    for p in instance.projects:
        if p.visits_required == 0:
            continue
        lit = None
        open_days = [i for i, d in enumerate(instance.days) if d not in p.blocked_days]
        # With every day blocked, the enterprise (not a department) is the cause.
        for d in p.departments if open_days else ():
            chiefs = [
                m
                for m in instance.people
                if m.role == "chief" and m.department_id == d and serves(m, p)
            ]
            open_slots = [
                t
                for t in range(instance.slots)
                if instance.days[t // SLOTS_PER_DAY] not in p.blocked_days
                and any(t not in m.unavailable_slots for m in chiefs)
            ]
            if not open_slots:
                lit = v.builder.guard(
                    f"no_chief:{p.code}:{d}",
                    f"项目 {p.code}：部门 {departments[d]} 本月没有可出席的首席代表",
                )
                break
        if lit is None:
            lit = v.builder.guard(
                f"coverage:{p.code}",
                f"{_project_label(p)}：本月需上门服务 {p.visits_required} 次"
                f"（可安排的时段 {len(v.allowed.get(p.id, ()))} 个）",
            )
        model.add(sum(v.visits_of(p.id)) == p.visits_required).only_enforce_if(lit)


def add_team_composition(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: one chief per needed department, the backbones asked for, one lead (per project).

    Where every candidate chief of some needed department can lead, any team has a member who
    can lead, so no lead variable is needed and the lead is read off the solution.
    """
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    departments = {d.id: d.name for d in instance.departments}
    for p in instance.projects:
        if p.id not in v.allowed:
            continue
        names = "、".join(departments[d] for d in p.departments)
        extra = f"、业务骨干 {p.backbones} 名" if p.backbones else ""
        lit = v.builder.guard(
            f"team:{p.code}",
            f"项目 {p.code}：每次上门需 {names} 首席代表各一名{extra}，并由一名成员担任组长",
        )
        v.team_guard[p.id] = lit
        for t in v.allowed[p.id]:
            x = v.x[p.id, t]
            # Pinned members on leave still count here: the availability rule, not this one,
            # is what their pin breaks.
            members = [
                people[m] for m in v.team[p.id, t] if v.forced.get((p.id, m, t)) != "ineligible"
            ]
            for d in p.departments:
                chiefs = [
                    v.y[p.id, m.id, t]
                    for m in members
                    if m.role == "chief" and m.department_id == d
                ]
                model.add(sum(chiefs) == x).only_enforce_if(lit)
            backbones = [v.y[p.id, m.id, t] for m in members if m.role == "backbone"]
            model.add(sum(backbones) == p.backbones * x).only_enforce_if(lit)
            implied = any(
                all(m.can_lead for m in chiefs) and chiefs
                for chiefs in (
                    [m for m in members if m.role == "chief" and m.department_id == d]
                    for d in p.departments
                )
            )
            if implied and not any(pin.project_id == p.id for pin in instance.pins):
                continue
            leaders = []
            for m_id in v.team[p.id, t]:
                if people[m_id].can_lead:
                    var = model.new_bool_var(f"lead[p={p.id},m={m_id},t={t}]")
                    v.lead[p.id, m_id, t] = var
                    model.add_implication(var, v.y[p.id, m_id, t])
                    leaders.append(var)
            model.add(sum(leaders) == x).only_enforce_if(lit)
        # Pinned members outside the project's departments, roles or district: the pin's own
        # text names them, so the diagnosis reads "pin + team composition" with the reason.
        for (pid, m_id, t), why in v.forced.items():
            if pid == p.id and why == "ineligible":
                model.add(v.y[pid, m_id, t] == 0).only_enforce_if(lit)


def add_availability(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: nobody works in an unavailable slot; only pins can ask for it (guarded per pin)."""
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    projects = {p.id: p for p in instance.projects}
    sessions = {s.id: s for s in instance.sessions}
    for (pid, m_id, t), why in v.forced.items():
        if why != "unavailable":
            continue
        p, m = projects[pid], people[m_id]
        lit = v.builder.guard(
            f"availability:{p.code}:{t}:{m_id}",
            f"{m.name} 在 {slot_label(instance, t)} 请假或另有安排，"
            f"不能参加项目 {p.code} 的上门服务",
        )
        model.add(v.y[pid, m_id, t] == 0).only_enforce_if(lit)
    for o_id, m_id in sorted(v.forced_attend):
        s, m = sessions[o_id], people[m_id]
        lit = v.builder.guard(
            f"availability:{s.code}:{m_id}",
            f"{m.name} 在会议 {s.code} {s.title} 的时段请假或另有安排",
        )
        model.add(v.attend[o_id, m_id] == 0).only_enforce_if(lit)


def add_no_double_booking(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: a person is in at most one visit or session per slot (guarded per department)."""
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    departments = {d.id: d.name for d in instance.departments}
    for (m_id, _), engagements in v.busy.items():
        if len(engagements) < 2:
            continue
        d = people[m_id].department_id
        lit = v.builder.guard(
            f"booking:{d}",
            f"部门 {departments[d]}：每人同一时段只能参加一次上门服务或一场会议",
        )
        model.add_at_most_one(engagements).only_enforce_if(lit)


def add_travel(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: one person's on-site day stays in adjacent districts; daily visit cap (per dept)."""
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    departments = {d.id: d.name for d in instance.departments}
    projects = {p.id: p for p in instance.projects}
    adjacent = {d.id: d.adjacent for d in instance.districts}
    # (m, day) -> district -> engagement literals
    where: dict[tuple[int, int], dict[int, list[cp_model.IntVar]]] = {}
    visits: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (pid, m_id, t), var in v.y.items():
        i = t // SLOTS_PER_DAY
        where.setdefault((m_id, i), {}).setdefault(projects[pid].district_id, []).append(var)
        visits.setdefault((m_id, i), []).append(var)
    for s in instance.sessions:
        if s.mode != "on_site" or s.district_id is None:
            continue
        for i in sorted({t // SLOTS_PER_DAY for t in s.slots}):
            for (o_id, m_id), var in v.attend.items():
                if o_id == s.id:
                    where.setdefault((m_id, i), {}).setdefault(s.district_id, []).append(var)
    for (m_id, i), by_district in where.items():
        apart = [(a, b) for a in by_district for b in by_district if a < b and b not in adjacent[a]]
        if not apart:
            continue
        d = people[m_id].department_id
        lit = v.builder.guard(
            f"travel:{d}",
            f"部门 {departments[d]}：每人同一天的现场活动须在同一区县或相邻区县",
        )
        for a in {a for pair in apart for a in pair}:
            here = model.new_bool_var(f"onsite[m={m_id},i={i},a={a}]")
            v.onsite[m_id, i, a] = here
            # Unguarded on purpose: `here` means nothing outside the guarded pairs below, and
            # the factor (the number of literals) never limits the sum. One linear constraint
            # per district-day instead of one implication per literal: measured on the city
            # benchmark, it cuts 157k constraints and a third of the presolve time.
            engaged = by_district[a]
            model.add(sum(engaged) <= len(engaged) * here)
        for a, b in apart:
            model.add_bool_or(
                [v.onsite[m_id, i, a].Not(), v.onsite[m_id, i, b].Not()]
            ).only_enforce_if(lit)
    for (m_id, _), mine in visits.items():
        m = people[m_id]
        if len(mine) <= m.max_visits_per_day:
            continue
        lit = v.builder.guard(
            f"daily:{m.department_id}",
            f"部门 {departments[m.department_id]}：每人每天上门次数不超过个人上限",
        )
        model.add(sum(mine) <= m.max_visits_per_day).only_enforce_if(lit)


def add_enterprise_windows(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: no visit on a blocked day of the enterprise; only pins can ask (guarded per pin)."""
    model = v.builder.model
    for pin in instance.pins:
        p = next(x for x in instance.projects if x.id == pin.project_id)
        if instance.days[pin.slot // SLOTS_PER_DAY] not in p.blocked_days:
            continue
        lit = v.builder.guard(
            f"window:{p.code}:{pin.slot}",
            f"项目 {p.code}：企业 {p.enterprise_name} 在 {slot_label(instance, pin.slot)} 不便接待",
        )
        model.add(v.x[p.id, pin.slot] == 0).only_enforce_if(lit)


def add_spacing(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: visits of one project at least min_days_between working days apart (per project)."""
    model = v.builder.model
    for p in instance.projects:
        gap = p.min_days_between
        slots = v.allowed.get(p.id, [])
        if p.visits_required < 2 or gap == 0 or not slots:
            continue
        lit = v.builder.guard(
            f"spacing:{p.code}",
            f"项目 {p.code}：两次上门至少间隔 {gap} 个工作日",
        )
        days = sorted({t // SLOTS_PER_DAY for t in slots})
        windows = set()
        for first in days:
            # Any two visits in days first .. first+gap-1 would be too close.
            window = tuple(v.x[p.id, t] for t in slots if first <= t // SLOTS_PER_DAY < first + gap)
            if len(window) > 1 and window not in windows:
                windows.add(window)
                model.add_at_most_one(window).only_enforce_if(lit)


def add_sessions(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: each session gets one chief of each of its departments (guarded per session)."""
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    departments = {d.id: d.name for d in instance.departments}
    for s in instance.sessions:
        names = "、".join(departments[d] for d in s.department_ids)
        where = "视频" if s.mode == "video" else "现场"
        lit = v.builder.guard(
            f"session:{s.code}",
            f"会议 {s.code} {s.title}（{where}）：需 {names} 首席代表各一名出席",
        )
        for d in s.department_ids:
            seat = [
                var
                for (o_id, m_id), var in v.attend.items()
                if o_id == s.id and people[m_id].department_id == d
            ]
            model.add(sum(seat) == 1).only_enforce_if(lit)
        for m_id in s.pinned_member_ids:
            pin = v.builder.guard(
                f"session_pin:{s.code}:{m_id}",
                f"会议 {s.code} 已确认由 {people[m_id].name} 出席",
            )
            model.add(v.attend[s.id, m_id] == 1).only_enforce_if(pin)


def add_pins(instance: VisitInstance, v: VisitVars) -> None:
    """Hard: a confirmed visit keeps its slot, exactly its team and its lead (guarded per pin)."""
    model = v.builder.model
    people = {m.id: m for m in instance.people}
    projects = {p.id: p for p in instance.projects}
    for pin in instance.pins:
        p = projects[pin.project_id]
        names = "、".join(people[m].name for m in pin.member_ids)
        strangers = "、".join(
            people[m].name
            for m in pin.member_ids
            if v.forced.get((p.id, m, pin.slot)) == "ineligible"
        )
        why = (
            f"；其中 {strangers} 不是所需部门的首席代表或业务骨干（或不负责项目所在区县）"
            if strangers
            else ""
        )
        lit = v.builder.guard(
            f"pin:{p.code}:{pin.slot}",
            f"项目 {p.code} 已确认 {slot_label(instance, pin.slot)} 上门（成员 {names}，"
            f"组长 {people[pin.lead_id].name}）{why}",
        )
        model.add(v.x[p.id, pin.slot] == 1).only_enforce_if(lit)
        members = set(pin.member_ids)
        for m_id in v.team[p.id, pin.slot]:
            model.add(v.y[p.id, m_id, pin.slot] == int(m_id in members)).only_enforce_if(lit)
        lead = v.lead.get((p.id, pin.lead_id, pin.slot))
        if lead is not None:
            model.add(lead == 1).only_enforce_if(lit)


# --- soft goals -------------------------------------------------------------------------------


def add_minimal_change(instance: VisitInstance, v: VisitVars) -> None:
    """Soft: keep the published plan; points per moved visit and per replaced member."""
    w = instance.weights
    moved: list[Any] = []
    dropped: list[Any] = []
    for prev in instance.previous:
        x = v.x.get((prev.project_id, prev.slot))
        moved.append(1 if x is None else 1 - x)
        for m_id in prev.member_ids:
            y = v.y.get((prev.project_id, m_id, prev.slot))
            dropped.append(1 if y is None else 1 - y)
    v.builder.add_penalty("minimal_change", sum(moved), w.change_slot)
    v.builder.add_penalty("minimal_change", sum(dropped), w.change_member)


def add_preferred_days(instance: VisitInstance, v: VisitVars) -> None:
    """Soft: visit on the enterprise's preferred days; points per visit on another day."""
    off: list[Any] = []
    horizon = set(instance.days)
    for p in instance.projects:
        preferred = p.preferred_days & horizon
        if not preferred or p.visits_required == 0:
            continue
        on = [
            v.x[p.id, t]
            for t in v.allowed.get(p.id, ())
            if instance.days[t // SLOTS_PER_DAY] in preferred
        ]
        off.append(p.visits_required - sum(on))
    v.builder.add_penalty("preferred_days", sum(off), instance.weights.preferred_day)


def add_continuity(instance: VisitInstance, v: VisitVars) -> None:
    """Soft: send people who know the project; points per team member who has not been before."""
    # Team sizes are fixed by the composition and coverage rules, so newcomers = seats minus
    # known members on the teams. Counting the known members instead of the newcomers is exact
    # for every valid plan, gives the objective a few thousand terms instead of one per team
    # variable, and lets the LP see the obvious bound (one known chief per department and
    # visit at most): measured on the city benchmark, the reported bound rose above the
    # trivial continuity bound and presolve got faster.
    known = {p.id: previous_members(instance, p) for p in instance.projects}
    seats = sum(
        p.visits_required * (len(p.departments) + p.backbones)
        for p in instance.projects
        if known[p.id]
    )
    regulars = [var for (pid, m_id, _), var in v.y.items() if m_id in known[pid]]
    v.builder.add_penalty("continuity", seats - sum(regulars), instance.weights.continuity)
    # Redundant, implied by team composition and coverage (hence under the team guard): known
    # members of one department fill at most one seat per visit. Measured on the city
    # benchmark, the LP bound then starts at the obvious continuity bound instead of creeping
    # up to it over the whole time limit.
    people = {m.id: m for m in instance.people}
    seat_groups: dict[tuple[int, int, str], list[cp_model.IntVar]] = {}
    for (pid, m_id, _), var in v.y.items():
        if m_id in known[pid]:
            m = people[m_id]
            key = (pid, m.department_id if m.role == "chief" else -1, m.role)
            seat_groups.setdefault(key, []).append(var)
    projects = {p.id: p for p in instance.projects}
    for (pid, _, role), group in seat_groups.items():
        p = projects[pid]
        lit = v.team_guard.get(pid)
        per_visit = 1 if role == "chief" else p.backbones
        if lit is not None:
            model = v.builder.model
            model.add(sum(group) <= per_visit * p.visits_required).only_enforce_if(lit)


def in_service(instance: VisitInstance, person: VisitPerson) -> bool:
    """Return whether the person counts for fairness: could serve a project in some slot."""
    if len(person.unavailable_slots) >= instance.slots:
        return False
    return any(p.visits_required > 0 and serves(person, p) for p in instance.projects)


def add_fairness(instance: VisitInstance, v: VisitVars) -> None:
    """Soft: even visit loads per department and role; points per visit of spread in a group."""
    model = v.builder.model
    loads: dict[int, list[cp_model.IntVar]] = {}
    for (_, m_id, _), var in v.y.items():
        loads.setdefault(m_id, []).append(var)
    groups: dict[tuple[int, str], list[VisitPerson]] = {}
    for m in instance.people:
        if in_service(instance, m):
            groups.setdefault((m.department_id, m.role), []).append(m)
    spreads = []
    top = instance.slots
    for (d, role), members in groups.items():
        if len(members) < 2:
            continue
        high = model.new_int_var(0, top, f"max_load[d={d},{role}]")
        low = model.new_int_var(0, top, f"min_load[d={d},{role}]")
        group = [sum(loads.get(m.id, [])) for m in members]
        # Equalities, not bounds: the reported term must be the true spread of any plan the
        # search returns, not an upper estimate of it.
        model.add_max_equality(high, group)
        model.add_min_equality(low, group)
        v.spread[d, role] = (high, low, [m.id for m in members])
        spreads.append(high - low)
    v.builder.add_penalty("fairness", sum(spreads), instance.weights.fairness)


Rule = Callable[[VisitInstance, VisitVars], None]

RULES: tuple[Rule, ...] = (
    add_coverage,
    add_team_composition,
    add_availability,
    add_no_double_booking,
    add_travel,
    add_enterprise_windows,
    add_spacing,
    add_sessions,
    add_pins,
    add_minimal_change,
    add_preferred_days,
    add_continuity,
    add_fairness,
)


def build(instance: VisitInstance) -> VisitVars:
    """Build the model of the instance, rule by rule, and hint the starting plan."""
    v = _make_vars(instance)
    for rule in RULES:
        rule(instance, v)
    _hint_starting_plan(instance, v)
    return v


@dataclass
class _Plan:
    """A plan under construction by the greedy: who is where, when."""

    visits: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (p, t) -> team
    leads: dict[tuple[int, int], int] = field(default_factory=dict)
    attend: set[tuple[int, int]] = field(default_factory=set)  # (session, person)
    busy: set[tuple[int, int]] = field(default_factory=set)  # (person, slot)
    where: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # (person, day)
    per_day: dict[tuple[int, int], int] = field(default_factory=dict)  # (person, day) visits
    load: dict[int, int] = field(default_factory=dict)

    def can_go(self, m: VisitPerson, t: int, district: int | None, adjacent: dict) -> bool:
        """Return whether m is free in slot t and may be on site in district that day."""
        if (m.id, t) in self.busy:
            return False
        i = t // SLOTS_PER_DAY
        if district is None:
            return True
        return all(a == district or a in adjacent[district] for a in self.where.get((m.id, i), ()))

    def book(self, m_id: int, t: int, district: int | None, visit: bool) -> None:
        """Record that m is engaged in slot t (on site in district, if any)."""
        i = t // SLOTS_PER_DAY
        self.busy.add((m_id, t))
        if district is not None:
            self.where.setdefault((m_id, i), set()).add(district)
        if visit:
            self.per_day[m_id, i] = self.per_day.get((m_id, i), 0) + 1
            self.load[m_id] = self.load.get(m_id, 0) + 1


def _greedy_plan(instance: VisitInstance, v: VisitVars) -> _Plan:
    """Return a plan built visit by visit that keeps every hard rule, as far as it gets.

    Pins first, then session seats, then projects hardest first (fewest allowed slots). Each
    project tries its published slots, then its preferred days, then the least used slots;
    each seat goes to the published member, then someone who knows the project, then the
    least loaded person. Projects it cannot place stay unplaced: the solver finishes the job.
    """
    plan = _Plan()
    people = {m.id: m for m in instance.people}
    adjacent = {d.id: d.adjacent for d in instance.districts}
    for pin in instance.pins:
        district = next(p.district_id for p in instance.projects if p.id == pin.project_id)
        plan.visits[pin.project_id, pin.slot] = list(pin.member_ids)
        plan.leads[pin.project_id, pin.slot] = pin.lead_id
        for m_id in pin.member_ids:
            plan.book(m_id, pin.slot, district, visit=True)
    for s in instance.sessions:
        district = s.district_id if s.mode == "on_site" else None
        for d in s.department_ids:
            chosen = [m for m in s.pinned_member_ids if people[m].department_id == d]
            if not chosen:
                free = [
                    people[m_id]
                    for (o_id, m_id) in v.attend
                    if o_id == s.id
                    and people[m_id].department_id == d
                    and all(plan.can_go(people[m_id], t, district, adjacent) for t in s.slots)
                ]
                free.sort(key=lambda m: (plan.load.get(m.id, 0), m.id))
                chosen = [free[0].id] if free else []
            for m_id in chosen:
                plan.attend.add((s.id, m_id))
                for t in s.slots:
                    plan.book(m_id, t, district, visit=False)

    previous: dict[int, dict[int, tuple[int, ...]]] = {}
    for prev in instance.previous:
        previous.setdefault(prev.project_id, {})[prev.slot] = prev.member_ids
    used: dict[int, int] = {}
    order = sorted(
        (p for p in instance.projects if p.id in v.allowed),
        key=lambda p: (len(v.allowed[p.id]) / max(1, p.visits_required), -len(p.departments)),
    )
    horizon = set(instance.days)
    for p in order:
        chosen = [t for (pid, t) in plan.visits if pid == p.id]
        known = previous_members(instance, p)
        published = previous.get(p.id, {})
        preferred = p.preferred_days & horizon

        def rank(t: int, p: VisitProject = p, published: dict = published, preferred=preferred):
            on_preferred = instance.days[t // SLOTS_PER_DAY] in preferred
            return (t not in published, preferred and not on_preferred, used.get(t, 0), t)

        for t in sorted(v.allowed[p.id], key=rank):
            if len(chosen) >= p.visits_required:
                break
            if (p.id, t) in plan.visits or instance.days[t // SLOTS_PER_DAY] in p.blocked_days:
                continue
            if any(
                abs(t // SLOTS_PER_DAY - c // SLOTS_PER_DAY) < p.min_days_between for c in chosen
            ):
                continue
            team = _greedy_team(p, t, v, plan, people, adjacent, known, published.get(t, ()))
            if team is None:
                continue
            chosen.append(t)
            used[t] = used.get(t, 0) + 1
            plan.visits[p.id, t] = team
            for m_id in team:
                plan.book(m_id, t, p.district_id, visit=True)
    return plan


def _greedy_team(
    p: VisitProject,
    t: int,
    v: VisitVars,
    plan: _Plan,
    people: dict[int, VisitPerson],
    adjacent: dict[int, frozenset[int]],
    known: frozenset[int],
    published: tuple[int, ...],
) -> list[int] | None:
    """Return a team for project p in slot t that keeps every hard rule, or None."""
    i = t // SLOTS_PER_DAY
    free = [
        people[m_id]
        for m_id in v.team[p.id, t]
        if (p.id, m_id, t) not in v.forced
        and plan.can_go(people[m_id], t, p.district_id, adjacent)
        and plan.per_day.get((m_id, i), 0) < people[m_id].max_visits_per_day
    ]

    def rank(m: VisitPerson) -> tuple[bool, bool, int, int]:
        return (m.id not in published, m.id not in known, plan.load.get(m.id, 0), m.id)

    team: list[int] = []
    for d in p.departments:
        chiefs = sorted((m for m in free if m.role == "chief" and m.department_id == d), key=rank)
        if not chiefs:
            return None
        team.append(chiefs[0].id)
    backbones = sorted((m for m in free if m.role == "backbone"), key=rank)
    if len(backbones) < p.backbones:
        return None
    team.extend(m.id for m in backbones[: p.backbones])
    leaders = [m for m in team if people[m].can_lead]
    if not leaders:
        return None
    return team


def _hint_starting_plan(instance: VisitInstance, v: VisitVars) -> None:
    """Hint every decision from the greedy plan, which starts from the published one."""
    plan = _greedy_plan(instance, v)
    pairs: list[tuple[cp_model.IntVar, int]] = []
    for key, var in v.x.items():
        pairs.append((var, int(key in plan.visits)))
    for (p_id, m_id, t), var in v.y.items():
        pairs.append((var, int(m_id in plan.visits.get((p_id, t), ()))))
    for (p_id, m_id, t), var in v.lead.items():
        team = plan.visits.get((p_id, t), [])
        lead = plan.leads.get((p_id, t))
        if lead is None:
            lead = next((m for m in team if (p_id, m, t) in v.lead), None)
        pairs.append((var, int(m_id == lead)))
    for key, var in v.attend.items():
        pairs.append((var, int(key in plan.attend)))
    for (m_id, i, a), var in v.onsite.items():
        pairs.append((var, int(a in plan.where.get((m_id, i), ()))))
    for high, low, members in v.spread.values():
        loads = [plan.load.get(m, 0) for m in members]
        pairs.extend([(high, max(loads)), (low, min(loads))])
    v.builder.hint_all(pairs)


def solve(
    instance: VisitInstance,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> VisitResult:
    """Solve the instance and return the report and, if found, the solution."""
    v = build(instance)
    outcome = run(v.builder, params, progress=progress, cancel=cancel)
    if not outcome.has_solution:
        return VisitResult(outcome.report, None)
    people = {m.id: m for m in instance.people}
    projects = {p.id: p for p in instance.projects}
    pin_lead = {(pin.project_id, pin.slot): pin.lead_id for pin in instance.pins}
    visits = []
    for (pid, t), x in sorted(v.x.items()):
        if not outcome.boolean_value(x):
            continue
        members = sorted(m for m in v.team[pid, t] if outcome.boolean_value(v.y[pid, m, t]))
        lead = pin_lead.get((pid, t))
        if lead is None:
            led = [
                m
                for m in members
                if (pid, m, t) in v.lead and outcome.boolean_value(v.lead[pid, m, t])
            ]
            if led:
                lead = led[0]
            else:
                # Lead implied: the first needed department whose chief can lead.
                order = {d: i for i, d in enumerate(projects[pid].departments)}
                chiefs = sorted(
                    (m for m in members if people[m].role == "chief" and people[m].can_lead),
                    key=lambda m: order.get(people[m].department_id, len(order)),
                )
                lead = chiefs[0] if chiefs else members[0]
        visits.append(
            PlannedVisit(
                project_id=pid,
                slot=t,
                day=instance.days[t // SLOTS_PER_DAY],
                half="am" if t % SLOTS_PER_DAY == 0 else "pm",
                member_ids=tuple(members),
                lead_id=lead,
            )
        )
    sessions = tuple(
        SessionAttendance(
            session_id=s.id,
            member_ids=tuple(
                sorted(
                    m
                    for (o, m), var in v.attend.items()
                    if o == s.id and outcome.boolean_value(var)
                )
            ),
        )
        for s in instance.sessions
    )
    kept = {(pv.project_id, pv.slot, pv.member_ids) for pv in visits}
    changes = sum(
        1
        for prev in instance.previous
        if (prev.project_id, prev.slot, tuple(sorted(prev.member_ids))) not in kept
    )
    solution = VisitSolution(
        visits=tuple(visits),
        sessions=sessions,
        changes=changes,
        objective=outcome.report.objective,
    )
    return VisitResult(outcome.report, solution)
