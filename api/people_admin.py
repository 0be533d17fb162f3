"""Add staff and experts: a coordinator creates a person, and with them their calendar feed.

Creating a person issues their feed in the same transaction, so a new colleague can subscribe
the moment they exist; the response carries the feed's secret URL, shown this once (later
links come from rotating it). References name codes, as the read-only lists do; an unknown
code is 422 naming the field, a taken staff or expert number 409, and nothing is written.
"""

# No `from __future__ import annotations`: flask-openapi3 reads the view annotations.

import datetime as dt
from typing import Annotated, Any

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import SECURITY, actor, requires
from api.db import session
from api.errors import ApiError, ErrorEnvelope
from api.feed_tokens import DEFAULT_LABEL, FeedIssued, issue_feed, issued_json
from api.filters import Code
from api.people import ExpertOut, StaffOut
from models import (
    ApiRole,
    Department,
    District,
    Expert,
    ExpertSpecialty,
    FeedOwner,
    Level,
    Organisation,
    Specialty,
    Staff,
    StaffRole,
    StaffRoleGrant,
    record,
)

bp = APIBlueprint(
    "people_admin",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="people", description="新增工作人员和专家（同时签发其日历订阅）")],
    abp_security=SECURITY,
    abp_responses={
        400: ErrorEnvelope,
        401: ErrorEnvelope,
        403: ErrorEnvelope,
        409: ErrorEnvelope,
        422: ErrorEnvelope,
    },
)

Number = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[\w-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Title = Annotated[str, StringConstraints(max_length=64, pattern=r"^[^\x00]*$")]
Phone = Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+\- ]*$")]
Email = Annotated[str, StringConstraints(max_length=120, pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+$")]


class StaffCreate(BaseModel):
    """A new approval staff member."""

    model_config = ConfigDict(extra="forbid")

    employee_no: Number = Field(description="工号（唯一）")
    name: Name = Field(description="姓名")
    department: Code = Field(description="部门编码")
    level: Level = Field(description="层级")
    district: Code | None = Field(None, description="区县编码；市级人员不填")
    title: Title = Field("", description="职务")
    phone: Phone = Field("", description="电话（仅协调员可见）")
    email: Email = Field("", description="电子邮箱（仅协调员可见）")
    roles: list[StaffRole] = Field(default_factory=list, max_length=len(StaffRole))
    helper_capacity: int = Field(0, ge=0, le=50, description="可同时帮办的重大项目数")
    joined_on: dt.date | None = Field(None, description="入职日期")

    @model_validator(mode="after")
    def _consistent(self) -> "StaffCreate":
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles 中有重复角色")
        if self.helper_capacity > 0 and StaffRole.CASE_HELPER not in self.roles:
            raise ValueError("helper_capacity 大于 0 时须担任帮办代办员（case_helper）角色")
        if self.level is Level.DISTRICT and self.district is None:
            raise ValueError("区县层级的工作人员必须填写 district")
        return self


class SpecialtyIn(BaseModel):
    """A specialty of a new expert."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(description="专业编码")
    depth: int = Field(3, ge=1, le=5, description="专业深度 1–5")
    primary: bool = Field(False, description="是否主专业")


class ExpertCreate(BaseModel):
    """A new member of the city or a district expert pool."""

    model_config = ConfigDict(extra="forbid")

    expert_no: Number = Field(description="专家编号（唯一）")
    name: Name = Field(description="姓名")
    pool_level: Level = Field(description="所在专家库层级")
    district: Code | None = Field(None, description="区县编码；区县专家库必填")
    employer_id: int | None = Field(None, ge=1, description="工作单位（机构编号），用于回避")
    title: Title = Field("", description="职称")
    years_experience: int = Field(0, ge=0, le=80, description="从业年限")
    phone: Phone = Field("", description="电话（仅协调员可见）")
    email: Email = Field("", description="电子邮箱（仅协调员可见）")
    specialties: list[SpecialtyIn] = Field(min_length=1, max_length=20, description="专业")

    @model_validator(mode="after")
    def _consistent(self) -> "ExpertCreate":
        codes = [s.code for s in self.specialties]
        if len(set(codes)) != len(codes):
            raise ValueError("specialties 中有重复专业")
        if sum(s.primary for s in self.specialties) > 1:
            raise ValueError("最多只能有一个主专业")
        if self.pool_level is Level.DISTRICT and self.district is None:
            raise ValueError("区县专家库的专家必须填写 district")
        return self


class StaffCreated(BaseModel):
    """The new staff member and their calendar feed (secret URL shown once)."""

    staff: StaffOut
    feed: FeedIssued


class ExpertCreated(BaseModel):
    """The new expert and their calendar feed (secret URL shown once)."""

    expert: ExpertOut
    feed: FeedIssued


def _by_code(s: Session, model: Any, code: str | None, field: str, what: str) -> Any:
    """Return the row with this code, or raise 422 naming the field."""
    if code is None:
        return None
    row = s.scalar(select(model).where(model.code == code))
    if row is None:
        raise ApiError(422, "unknown_reference", f"{what}编码 {code} 不存在", {"field": field})
    return row


def _refuse_taken(s: Session, column: Any, value: str, what: str) -> None:
    """Raise 409 when a unique number is already in use."""
    if s.scalar(select(column).where(column == value)) is not None:
        raise ApiError(409, "conflict", f"{what} {value} 已被使用", {"value": value})


def _with_feed(s: Session, owner_type: FeedOwner, owner_id: int) -> dict[str, Any]:
    """Issue the new person's feed, commit, and return the feed with its secret URLs."""
    row, plaintext = issue_feed(s, owner_type, owner_id, DEFAULT_LABEL, actor())
    s.commit()
    return issued_json(row, plaintext)


@bp.post(
    "/staff",
    summary="新增工作人员",
    description="新增一名工作人员，并同时签发其个人日历订阅；订阅地址仅在此显示一次。",
    responses={201: StaffCreated},
)
@requires(ApiRole.COORDINATOR)
def create_staff(body: StaffCreate):  # noqa: ANN201
    s = session()
    _refuse_taken(s, Staff.employee_no, body.employee_no, "工号")
    department = _by_code(s, Department, body.department, "department", "部门")
    district = _by_code(s, District, body.district, "district", "区县")
    staff = Staff(
        employee_no=body.employee_no,
        name=body.name,
        department=department,
        level=body.level,
        district=district,
        title=body.title,
        phone=body.phone or None,
        email=body.email or None,
        helper_capacity=body.helper_capacity,
        joined_on=body.joined_on,
        role_grants=[StaffRoleGrant(role=r) for r in body.roles],
    )
    s.add(staff)
    s.flush()
    record(s, actor(), "staff.create", "staff", staff.id, employee_no=staff.employee_no)
    feed = _with_feed(s, FeedOwner.STAFF, staff.id)
    out = StaffOut.model_validate(staff).model_dump(mode="json")
    return {"staff": out, "feed": feed}, 201


@bp.post(
    "/experts",
    summary="新增专家",
    description="向专家库新增一名专家，并同时签发其个人日历订阅；订阅地址仅在此显示一次。",
    responses={201: ExpertCreated},
)
@requires(ApiRole.COORDINATOR)
def create_expert(body: ExpertCreate):  # noqa: ANN201
    s = session()
    _refuse_taken(s, Expert.expert_no, body.expert_no, "专家编号")
    district = _by_code(s, District, body.district, "district", "区县")
    employer = None
    if body.employer_id is not None:
        employer = s.get(Organisation, body.employer_id)
        if employer is None:
            raise ApiError(
                422,
                "unknown_reference",
                f"工作单位 {body.employer_id} 不存在",
                {"field": "employer_id"},
            )
    specialties = [
        ExpertSpecialty(
            specialty=_by_code(s, Specialty, sp.code, f"specialties[{i}].code", "专业"),
            depth=sp.depth,
            primary=sp.primary,
        )
        for i, sp in enumerate(body.specialties)
    ]
    expert = Expert(
        expert_no=body.expert_no,
        name=body.name,
        pool_level=body.pool_level,
        district=district,
        employer=employer,
        title=body.title,
        years_experience=body.years_experience,
        phone=body.phone or None,
        email=body.email or None,
        specialties=specialties,
    )
    s.add(expert)
    s.flush()
    record(s, actor(), "expert.create", "expert", expert.id, expert_no=expert.expert_no)
    feed = _with_feed(s, FeedOwner.EXPERT, expert.id)
    out = ExpertOut.model_validate(expert).model_dump(mode="json")
    return {"expert": out, "feed": feed}, 201
