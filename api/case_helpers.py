"""Case-helper plans: load major projects and helpers, store one helper per project, publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.problems import EventSpec, ScopeError, Solved
from models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentRole,
    District,
    FeedOwner,
    Plan,
    PlanKind,
    Project,
    Staff,
    StaffRole,
    StaffRoleGrant,
)
from scheduler import helpers
from scheduler.checks import check_case_helpers
from scheduler.runner import CancelToken, ProgressEvent, SolveParams

LOCAL = ZoneInfo("Asia/Shanghai")
# Leave this long, overlapping the start of the term, takes a helper out of the plan: a short
# leave is covered by colleagues, a long one leaves the project without its helper.
LONG_ABSENCE = dt.timedelta(days=14)


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the UTC instant of midnight in Asia/Shanghai on the day."""
    return dt.datetime.combine(day, dt.time(), LOCAL).astimezone(dt.UTC)


class CaseHelperAdapter:
    """Connect scheduler.helpers to the database."""

    kind = PlanKind.CASE_HELPER
    label_zh = "帮办代办"

    def check_scope(self, session: Session, scope: str) -> None:
        """Accept only the city scope: case helpers follow the city's major project list."""
        if scope != "city":
            raise ScopeError(f"帮办代办方案的范围只能是 city（全市重大项目），收到 {scope!r}")

    def load(self, session: Session, plan: Plan) -> helpers.HelperInstance:
        """Return the instance: active major projects, helpers, the base plan and its pins."""
        start = plan.horizon_start or dt.date.today()
        projects = session.scalars(
            select(Project).where(Project.is_major.is_(True)).order_by(Project.code)
        ).all()
        staff = session.scalars(
            select(Staff)
            .join(StaffRoleGrant)
            .where(StaffRoleGrant.role == StaffRole.CASE_HELPER, Staff.active.is_(True))
            .options(selectinload(Staff.industries))
            .order_by(Staff.employee_no)
        ).all()
        away = self._long_absent(session, start, plan.horizon_end or start)
        previous: dict[int, int] = {}
        pinned: dict[int, int] = {}
        # A draft requested without re-planning ignores the published plan and its pins.
        if plan.based_on is not None and plan.request.get("replan", True):
            for a in plan.based_on.assignments:
                if a.project_id is not None and a.staff_id is not None:
                    previous[a.project_id] = a.staff_id
                    if a.pinned:
                        pinned[a.project_id] = a.staff_id
        names = {i: n for i, n in session.execute(select(District.id, District.name))}
        return helpers.HelperInstance(
            projects=tuple(
                helpers.HelperProject(
                    id=p.id,
                    code=p.code,
                    name=p.name,
                    district_id=p.district_id,
                    industry_id=p.industry_id,
                    previous_helper_id=previous.get(p.id),
                    pinned_helper_id=pinned.get(p.id),
                )
                for p in projects
            ),
            helpers=tuple(
                helpers.Helper(
                    id=s.id,
                    name=s.name,
                    district_id=s.district_id,
                    industry_ids=frozenset(i.id for i in s.industries),
                    capacity=s.helper_capacity,
                    available=s.id not in away,
                )
                for s in staff
            ),
            district_names=names,
        )

    def _long_absent(self, session: Session, start: dt.date, end: dt.date) -> set[int]:
        """Return staff ids away on the first day of the term for a long time, or seconded."""
        begin = local_midnight(start)
        rows = session.execute(
            select(Absence.staff_id, Absence.kind, Absence.starts_at, Absence.ends_at).where(
                Absence.staff_id.is_not(None),
                Absence.starts_at <= local_midnight(end + dt.timedelta(days=1)),
                Absence.ends_at > begin,
            )
        ).all()
        away = set()
        for staff_id, kind, starts_at, ends_at in rows:
            seconded = kind is AbsenceKind.SECONDMENT
            if seconded or (starts_at <= begin and ends_at - begin >= LONG_ABSENCE):
                away.add(staff_id)
        return away

    def solve(
        self,
        instance: helpers.HelperInstance,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Solve with the case-helper model."""
        result = helpers.solve(instance, params, progress=progress, cancel=cancel)
        changes = result.solution.changes if result.solution else None
        return Solved(result.report, result.solution, changes)

    def assignments(
        self, session: Session, plan: Plan, instance: helpers.HelperInstance, solved: Solved
    ) -> list[Assignment]:
        """Return one case-helper assignment per project, with why this helper."""
        solution: helpers.HelperSolution = solved.solution
        projects = {p.id: p for p in instance.projects}
        staff = {h.id: h for h in instance.helpers}
        rows = []
        for a in solution.assignments:
            p, h = projects[a.project_id], staff[a.helper_id]
            kept = p.previous_helper_id == h.id
            rows.append(
                Assignment(
                    key=f"case_helper/{p.code}",
                    role=AssignmentRole.CASE_HELPER,
                    staff_id=h.id,
                    project_id=p.id,
                    pinned=p.pinned_helper_id == h.id,
                    explanation={
                        "kept": kept,
                        "pinned": p.pinned_helper_id == h.id,
                        "industry_match": p.industry_id is None or p.industry_id in h.industry_ids,
                        "same_district": h.district_id == p.district_id,
                        "summary": _why(p, h, kept),
                    },
                )
            )
        return rows

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return for each assignment an all-day term event in the helper's and project's feeds."""
        start = plan.horizon_start or dt.date.today()
        end = plan.horizon_end or start
        starts_at, ends_at = local_midnight(start), local_midnight(end + dt.timedelta(days=1))
        projects = {
            p.id: p
            for p in session.scalars(
                select(Project)
                .where(Project.id.in_([a.project_id for a in plan.assignments]))
                .options(selectinload(Project.enterprise), selectinload(Project.needs))
            )
        }
        staff = {
            s.id: s
            for s in session.scalars(
                select(Staff)
                .where(Staff.id.in_([a.staff_id for a in plan.assignments]))
                .options(selectinload(Staff.department))
            )
        }
        specs = []
        for a in plan.assignments:
            p, s = projects[a.project_id], staff[a.staff_id]
            pending = "、".join(n.item for n in p.needs if n.status.value == "pending") or "无"
            description = (
                f"项目编号：{p.code}\n企业：{p.enterprise.name}\n"
                f"帮办代办员：{s.name}（{s.department.name}）\n待办审批事项：{pending}\n"
                f"帮办期：{start.isoformat()} 至 {end.isoformat()}"
            )
            common = dict(
                uid=f"{a.key}@zerodistance",
                kind="case_helper",
                starts_at=starts_at,
                ends_at=ends_at,
                all_day=True,
                location=p.address,
                description=description,
            )
            specs.append(EventSpec(FeedOwner.STAFF, s.id, title=f"帮办代办：{p.name}", **common))
            specs.append(
                EventSpec(FeedOwner.PROJECT, p.id, title=f"帮办代办员：{s.name}", **common)
            )
        return specs

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Re-check the whole draft with the edit applied, with the independent checker."""
        instance = self.load(session, plan)
        if staff_id not in {h.id for h in instance.helpers}:
            return [f"工作人员 {staff_id} 不是在岗的帮办代办员"]
        chosen = {a.project_id: a.staff_id for a in plan.assignments}
        chosen[assignment.project_id] = staff_id
        previous = {p.id: p.previous_helper_id for p in instance.projects}
        solution = helpers.HelperSolution(
            assignments=tuple(
                helpers.HelperAssignment(project_id=p, helper_id=h) for p, h in chosen.items()
            ),
            changes=sum(1 for p, h in chosen.items() if previous.get(p) not in (None, h)),
            objective=None,
        )
        return check_case_helpers(instance, solution).violations


def _why(p: helpers.HelperProject, h: helpers.Helper, kept: bool) -> str:
    """Return one sentence on why this helper follows this project."""
    parts = []
    if p.pinned_helper_id == h.id:
        parts.append("协调员已锁定")
    elif kept:
        parts.append("延续上一版方案的帮办代办员")
    parts.append("市级帮办代办员" if h.district_id is None else "项目所在区县的帮办代办员")
    if p.industry_id is not None and p.industry_id in h.industry_ids:
        parts.append("熟悉项目所属行业")
    return "；".join(parts)
