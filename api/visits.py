"""Read-only resources for VIP service teams and their on-site visits to major projects."""

import datetime as dt
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy.orm import selectinload

from api.filters import Code, Day, Instant, Search, code_field, has_code, id_field, search_field
from api.meetings import ProjectRef
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, NameRef, Out
from models import HalfDay, Staff, VipTeam, VipTeamMember, Visit, VisitStatus


class StaffRef(Out):
    """A reference to a staff member with the department they come from."""

    id: int
    name: str
    department: CodeRef


class VipTeamOut(Out):
    """A standing multi-department VIP service team (VIP服务团队)."""

    id: int
    name: str
    district: CodeRef | None
    lead: StaffRef | None
    active: bool
    members: list[StaffRef]

    @field_validator("members", mode="before")
    @classmethod
    def _staff_of_memberships(cls, value: Any) -> Any:
        return [m.staff if isinstance(m, VipTeamMember) else m for m in value]

    @field_validator("members")
    @classmethod
    def _by_department(cls, value: list[StaffRef]) -> list[StaffRef]:
        return sorted(value, key=lambda s: (s.department.id, s.id))


class VipTeamQuery(PageQuery):
    """Filters of the VIP team list."""

    district: Code | None = code_field("区县")
    active: bool | None = Field(None, description="是否在运行")
    q: Search | None = search_field("名称")


class VisitOut(Out):
    """An on-site visit to a project in one half-day slot, proposed by a plan (上门服务)."""

    id: int
    plan_id: int
    project: ProjectRef
    team: NameRef | None
    day: dt.date
    slot: HalfDay
    starts_at: Instant
    ends_at: Instant
    status: VisitStatus


class VisitQuery(PageQuery):
    """Filters of the visit list."""

    plan_id: int | None = id_field("方案")
    project_id: int | None = id_field("项目")
    team_id: int | None = id_field("VIP服务团队")
    status: VisitStatus | None = Field(None, description="状态")
    slot: HalfDay | None = Field(None, description="上午或下午")
    day_from: Day | None = Field(None, description="日期不早于该日")
    day_to: Day | None = Field(None, description="日期不晚于该日")


RESOURCES = [
    Resource(
        "vip-teams",
        VipTeam,
        VipTeamOut,
        VipTeamQuery,
        filters={"district": has_code(VipTeam.district), "q": contains(VipTeam.name)},
        options=(
            selectinload(VipTeam.district),
            selectinload(VipTeam.lead).selectinload(Staff.department),
            selectinload(VipTeam.members)
            .selectinload(VipTeamMember.staff)
            .selectinload(Staff.department),
        ),
        label_zh="VIP服务团队",
        description="由首席代表和业务骨干组成的跨部门 VIP 服务团队及其成员。",
    ),
    Resource(
        "visits",
        Visit,
        VisitOut,
        VisitQuery,
        filters={
            "day_from": lambda stmt, day: stmt.where(Visit.day >= day),
            "day_to": lambda stmt, day: stmt.where(Visit.day <= day),
        },
        options=(selectinload(Visit.project), selectinload(Visit.team)),
        order_by=(Visit.day, Visit.slot, Visit.id),
        label_zh="上门服务",
        description="方案安排的 VIP 团队上门服务（半天一个时段）。",
    ),
]
