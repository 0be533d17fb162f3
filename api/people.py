"""Read-only resources for experts, staff and their absences; no phone or e-mail ever leaves."""

import datetime as dt
from typing import Any

from pydantic import (
    AliasPath,
    Field,
    field_validator,
)
from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from api.filters import (
    Code,
    Day,
    Instant,
    Search,
    code_field,
    has_code,
    id_field,
    search_field,
    start_of_day,
)
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, NameRef, Out
from models import (
    Absence,
    AbsenceKind,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    Level,
    Qualification,
    Specialty,
    Staff,
    StaffQualification,
    StaffRole,
    StaffRoleGrant,
)

# ---------------------------------------------------------------------------------------------
# Experts
# ---------------------------------------------------------------------------------------------


class ExpertSpecialtyOut(Out):
    """A specialty of an expert with its depth (1 = working knowledge … 5 = leading authority)."""

    id: int = Field(validation_alias=AliasPath("specialty", "id"))
    code: str = Field(validation_alias=AliasPath("specialty", "code"))
    name: str = Field(validation_alias=AliasPath("specialty", "name"))
    depth: int
    primary: bool


class ExpertOut(Out):
    """A member of the city or a district approval expert pool (审批专家库)."""

    id: int
    expert_no: str
    name: str
    pool_level: Level
    district: CodeRef | None
    employer: NameRef | None
    title: str
    years_experience: int
    status: ExpertStatus
    specialties: list[ExpertSpecialtyOut]

    @field_validator("specialties")
    @classmethod
    def _primary_first(cls, value: list[ExpertSpecialtyOut]) -> list[ExpertSpecialtyOut]:
        return sorted(value, key=lambda s: (not s.primary, -s.depth, s.code))


class ExpertQuery(PageQuery):
    """Filters of the expert list."""

    pool_level: Level | None = Field(None, description="专家库层级")
    district: Code | None = code_field("区县")
    specialty: Code | None = code_field("专业（具备该专业的专家）")
    status: ExpertStatus | None = Field(None, description="状态")
    employer_id: int | None = id_field("工作单位")
    q: Search | None = search_field()


# ---------------------------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------------------------


class StaffOut(Out):
    """An approval staff member of a department (工作人员)."""

    id: int
    employee_no: str
    name: str
    department: CodeRef
    level: Level
    district: CodeRef | None
    title: str
    active: bool
    roles: list[StaffRole]
    qualifications: list[str] = Field(description="所持资格编码")
    helper_capacity: int

    @field_validator("qualifications", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return sorted(q if isinstance(q, str) else q.qualification.code for q in value)


class StaffQuery(PageQuery):
    """Filters of the staff list."""

    department: Code | None = code_field("部门")
    district: Code | None = code_field("区县")
    level: Level | None = Field(None, description="层级")
    role: StaffRole | None = Field(None, description="角色（担任该角色的人员）")
    qualification: Code | None = code_field("资格（持有该资格的人员）")
    active: bool | None = Field(None, description="是否在岗")
    q: Search | None = search_field()


# ---------------------------------------------------------------------------------------------
# Absences
# ---------------------------------------------------------------------------------------------


class AbsenceOut(Out):
    """A period in which a staff member or an expert cannot be scheduled (请假); no notes."""

    id: int
    kind: AbsenceKind
    starts_at: Instant
    ends_at: Instant
    staff: NameRef | None
    expert: NameRef | None


class AbsenceQuery(PageQuery):
    """Filters of the absence list; the two dates keep absences overlapping those days."""

    staff_id: int | None = id_field("工作人员")
    expert_id: int | None = id_field("专家")
    kind: AbsenceKind | None = Field(None, description="缺勤类型")
    overlaps_from: Day | None = Field(
        None, description="与该日（北京时间，含）及以后有重叠的缺勤：结束时间晚于该日 0 点"
    )
    overlaps_to: Day | None = Field(
        None, description="与该日（北京时间，含）及以前有重叠的缺勤：开始时间早于次日 0 点"
    )


def _overlaps_from(stmt: Select[Any], day: dt.date) -> Select[Any]:
    return stmt.where(Absence.ends_at > start_of_day(day))


def _overlaps_to(stmt: Select[Any], day: dt.date) -> Select[Any]:
    return stmt.where(Absence.starts_at < start_of_day(day + dt.timedelta(days=1)))


RESOURCES = [
    Resource(
        "experts",
        Expert,
        ExpertOut,
        ExpertQuery,
        filters={
            "district": has_code(Expert.district),
            "specialty": lambda stmt, code: stmt.where(
                Expert.specialties.any(ExpertSpecialty.specialty.has(Specialty.code == code))
            ),
            "q": contains(Expert.name, Expert.expert_no),
        },
        options=(
            joinedload(Expert.district),
            joinedload(Expert.employer),
            selectinload(Expert.specialties).joinedload(ExpertSpecialty.specialty),
        ),
        label_zh="专家",
        description="审批专家库成员及其专业；不含联系方式。",
    ),
    Resource(
        "staff",
        Staff,
        StaffOut,
        StaffQuery,
        filters={
            "department": has_code(Staff.department),
            "district": has_code(Staff.district),
            "role": lambda stmt, role: stmt.where(
                Staff.role_grants.any(StaffRoleGrant.role == role)
            ),
            "qualification": lambda stmt, code: stmt.where(
                Staff.qualifications.any(
                    StaffQualification.qualification.has(Qualification.code == code)
                )
            ),
            "q": contains(Staff.name, Staff.employee_no),
        },
        options=(
            joinedload(Staff.department),
            joinedload(Staff.district),
            selectinload(Staff.role_grants),
            selectinload(Staff.qualifications).joinedload(StaffQualification.qualification),
        ),
        label_zh="工作人员",
        description="各部门审批工作人员、角色与资格；不含联系方式。",
    ),
    Resource(
        "absences",
        Absence,
        AbsenceOut,
        AbsenceQuery,
        filters={"overlaps_from": _overlaps_from, "overlaps_to": _overlaps_to},
        options=(joinedload(Absence.staff), joinedload(Absence.expert)),
        order_by=(Absence.starts_at, Absence.id),
        label_zh="缺勤",
        description="工作人员和专家不可安排的时段（请假、出差等）；不含备注。",
    ),
]

__all__ = ["RESOURCES"]
