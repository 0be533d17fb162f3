"""Duty roster plans (值班排班): a month of hotline, combined-window, extended and appointment duty.

Scope `month:YYYY-MM`; the horizon is that month. Each hall is rostered on its own
(api.roster_load), within a share of the time limit by its size; the plan's report adds the halls'
objectives, bounds and penalties (a sum of lower bounds is a lower bound). One assignment per
person and day worked, keyed `duty/<date>/<employee no>`. Published duties appear in each
person's feed and, per shift, in the duty post's feed, so the hotline's calendar shows who is
on duty.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from api.problems import EventSpec, Solved
from api.roster_load import Hall, build_halls, shift_start
from api.visit_load import month_of
from models import Assignment, AssignmentRole, FeedOwner, Plan, PlanKind
from scheduler import roster
from scheduler.roster_checks import check_roster
from scheduler.runner import CancelToken, ProgressEvent, SolveParams, SolveReport, SolveStatus

# The smallest share of the time limit a hall gets: the city centre's roster needs about this
# much to find its first complete roster (measured on the demo city, one worker).
MIN_HALL_S = 3.0
# How a combined status reads: the weakest hall decides.
STATUS_ORDER = (
    SolveStatus.OPTIMAL,
    SolveStatus.FEASIBLE,
    SolveStatus.UNKNOWN,
    SolveStatus.INFEASIBLE,
)


class MonthRosters(BaseModel):
    """The roster instances of every hall for one month."""

    model_config = ConfigDict(frozen=True)

    halls: tuple[roster.RosterInstance, ...]


class RosterAdapter:
    """Connect scheduler.roster to the database."""

    kind = PlanKind.ROSTER
    label_zh = "值班排班"

    def check_scope(self, session: Session, scope: str) -> None:
        """Accept a month."""
        month_of(scope)

    def horizon(self, scope: str) -> tuple[dt.date, dt.date]:
        """Return the month a scope names."""
        return month_of(scope)

    def halls(self, session: Session, plan: Plan) -> list[Hall]:
        """Return the halls of the plan's month."""
        first, last = month_of(plan.scope)
        return build_halls(session, plan, first, last)

    def load(self, session: Session, plan: Plan) -> MonthRosters:
        """Return every hall's roster instance."""
        return MonthRosters(halls=tuple(h.instance for h in self.halls(session, plan)))

    def solve(
        self,
        instance: MonthRosters,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Roster hall by hall, each within its share of the time limit (by size, at least 3 s)."""
        sizes = [len(h.employees) * len(h.shifts) for h in instance.halls]
        total = max(1, sum(sizes))
        results = []
        for hall, size in zip(instance.halls, sizes, strict=True):
            limit = max(MIN_HALL_S, params.time_limit_s * size / total)
            share = params.model_copy(update={"time_limit_s": limit})
            result = roster.solve(hall, share, cancel=cancel)
            if result.solution is None:
                return Solved(result.report, None)
            results.append(result)
        return Solved(_combined(results, params), [r.solution for r in results], 0)

    def assignments(
        self, session: Session, plan: Plan, instance: MonthRosters, solved: Solved
    ) -> list[Assignment]:
        """Return one duty per person and day worked."""
        first, _ = month_of(plan.scope)
        halls = {h.key: h for h in self.halls(session, plan)}
        rows = []
        for hall_instance, solution in zip(instance.halls, solved.solution, strict=True):
            hall = halls[hall_instance.name]
            weekend = _weekend_days(hall_instance)
            for employee, cells in solution.assignments.items():
                person = hall.staff[employee]
                for i, sid in enumerate(cells):
                    if not sid:
                        continue
                    day = first + dt.timedelta(days=i)
                    post, st = hall.posts[sid], hall.shift_types[sid]
                    start = shift_start(day, st)
                    rows.append(
                        Assignment(
                            key=f"duty/{day.isoformat()}/{person.employee_no}",
                            role=AssignmentRole.DUTY,
                            staff_id=person.id,
                            duty_post_id=post.id,
                            shift_type_id=st.id,
                            day=day,
                            starts_at=start,
                            ends_at=start + dt.timedelta(minutes=st.minutes),
                            explanation={
                                "shift": sid,
                                "night": st.is_night,
                                "weekend": i in weekend,
                                "holiday": i in hall_instance.holidays,
                                "summary": f"{post.name}{st.name}",
                            },
                        )
                    )
        return rows

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return each duty in the person's feed, and each shift's team in the post's feed."""
        halls = self.halls(session, plan)
        posts = {p.id: p for h in halls for p in h.posts.values()}
        types = {t.id: t for h in halls for t in h.shift_types.values()}
        names = {s.id: s.name for h in halls for s in h.staff.values()}
        teams: dict[tuple[int, dt.date, int], list[Assignment]] = defaultdict(list)
        specs = []
        for a in plan.assignments:
            if a.duty_post_id not in posts or a.shift_type_id not in types:
                continue
            post, st = posts[a.duty_post_id], types[a.shift_type_id]
            teams[post.id, a.day, st.id].append(a)
            specs.append(
                EventSpec(
                    FeedOwner.STAFF,
                    a.staff_id,
                    uid=f"{a.key}@zerodistance",
                    kind="duty",
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    title=f"值班：{post.name}（{st.name}）",
                    location=post.location,
                    description=(
                        f"岗位：{post.name}\n班次：{st.name} {st.starts:%H:%M} 起 {st.minutes} 分钟"
                    ),
                )
            )
        for (post_id, day, st_id), seats in sorted(
            teams.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])
        ):
            post, st = posts[post_id], types[st_id]
            on_duty = "、".join(sorted(names.get(a.staff_id, "") for a in seats))
            specs.append(
                EventSpec(
                    FeedOwner.DUTY_POST,
                    post.id,
                    uid=f"duty/{post.code}/{day.isoformat()}/{st.code}@zerodistance",
                    kind="duty",
                    starts_at=seats[0].starts_at,
                    ends_at=seats[0].ends_at,
                    title=f"{st.name}值班：{on_duty}",
                    location=post.location,
                    description=f"{post.name}\n值班人员：{on_duty}",
                )
            )
        return specs

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Re-check the hall's roster with the duty given to someone else."""
        first, _ = month_of(plan.scope)
        for hall in self.halls(session, plan):
            if assignment.duty_post_id not in {p.id for p in hall.posts.values()}:
                continue
            by_id = {s.id: s.employee_no for s in hall.staff.values()}
            if staff_id not in by_id:
                return [f"工作人员 {staff_id} 不在该服务中心的值班人员范围内"]
            cells = {e.id: [""] * hall.instance.horizon_days for e in hall.instance.employees}
            for a in plan.assignments:
                if a.day is None or a.duty_post_id not in {p.id for p in hall.posts.values()}:
                    continue
                who = staff_id if a.id == assignment.id else a.staff_id
                cells[by_id[who]][(a.day - first).days] = a.explanation.get("shift", "")
            solution = roster.RosterSolution(
                assignments={e: tuple(c) for e, c in cells.items()}, objective=None
            )
            return check_roster(hall.instance, solution)
        return ["该值班不属于任何服务中心"]


def _weekend_days(instance: roster.RosterInstance) -> set[int]:
    """Return the horizon's Saturdays and Sundays by index."""
    return {i for i in range(instance.horizon_days) if (instance.first_weekday + i) % 7 in (5, 6)}


def _combined(results: list[roster.RosterResult], params: SolveParams) -> SolveReport:
    """Return one report for the halls: statuses, objectives, bounds and penalties added."""
    reports = [r.report for r in results]
    status = max((r.status for r in reports), key=STATUS_ORDER.index)
    objective = sum(r.objective or 0 for r in reports)
    bounds = [r.best_bound for r in reports]
    bound = None if any(b is None for b in bounds) else sum(bounds)
    penalties: dict[str, int] = defaultdict(int)
    for r in reports:
        for k, v in r.penalties.items():
            penalties[k] += v
    size: dict[str, int] = defaultdict(int)
    for r in reports:
        for k, v in r.model_size.items():
            size[k] += v
    gap = None if bound is None else abs(objective - bound) / max(1, abs(objective))
    return SolveReport(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        wall_time_s=sum(r.wall_time_s for r in reports),
        solutions=sum(r.solutions for r in reports),
        penalties=dict(penalties),
        model_size=dict(size),
        solver_version=reports[0].solver_version if reports else "",
        params=params,
    )
