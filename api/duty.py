"""Read-only resources for duty posts with their cover requirements, and shift types."""

import datetime as dt

from pydantic import Field, field_validator
from sqlalchemy.orm import selectinload

from api.filters import Code, Search, code_field, has_code, search_field
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, Out
from models import CoverRequirement, DayType, DutyKind, DutyPost, ShiftType


class ShiftRef(Out):
    """A reference to a shift type."""

    id: int
    code: str
    name: str


class CoverOut(Out):
    """How many people a duty post needs on one shift type on a kind of day."""

    shift_type: ShiftRef
    day_type: DayType
    required: int
    shortfall_weight: int = Field(description="每缺一人的罚分")
    surplus_weight: int = Field(description="每多一人的罚分")


class DutyPostOut(Out):
    """A place of duty that needs someone on it, e.g. the hotline of a service centre."""

    id: int
    code: str
    name: str
    kind: DutyKind
    district: CodeRef | None = Field(description="所属区县；市级服务中心为空")
    location: str
    qualification: CodeRef | None = Field(description="上岗须持有的资格")
    appointment_capacity: int | None = Field(description="每班每人可接待的预约数（预约岗位）")
    cover: list[CoverOut]

    @field_validator("cover")
    @classmethod
    def _by_day_and_shift(cls, value: list[CoverOut]) -> list[CoverOut]:
        days = list(DayType)
        return sorted(value, key=lambda c: (days.index(c.day_type), c.shift_type.id))


class DutyPostQuery(PageQuery):
    """Filters of the duty post list."""

    kind: DutyKind | None = Field(None, description="专线电话、综合窗口、延时或预约服务")
    district: Code | None = code_field("区县")
    q: Search | None = search_field("名称或岗位编码")


class ShiftTypeOut(Out):
    """A kind of shift with its start time (Beijing time) and length."""

    id: int
    code: str
    name: str
    # A wall-clock time in Beijing, not an instant: JSON Schema's "time" format would demand a
    # UTC offset, so it is served as "HH:MM".
    starts: str = Field(
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="开始时间（北京时间，HH:MM）"
    )
    minutes: int

    @field_validator("starts", mode="before")
    @classmethod
    def _wall_clock(cls, value: dt.time | str) -> str:
        return value.strftime("%H:%M") if isinstance(value, dt.time) else value

    is_night: bool


class ShiftTypeQuery(PageQuery):
    """Filters of the shift type list."""

    is_night: bool | None = Field(None, description="是否夜班")


RESOURCES = [
    Resource(
        "duty-posts",
        DutyPost,
        DutyPostOut,
        DutyPostQuery,
        filters={
            "district": has_code(DutyPost.district),
            "q": contains(DutyPost.name, DutyPost.code),
        },
        options=(
            selectinload(DutyPost.district),
            selectinload(DutyPost.qualification),
            selectinload(DutyPost.cover).selectinload(CoverRequirement.shift_type),
        ),
        label_zh="值守岗位",
        description="专线电话、综合受理窗口、延时和预约服务等值守岗位及其各班次人数要求。",
    ),
    Resource(
        "shift-types",
        ShiftType,
        ShiftTypeOut,
        ShiftTypeQuery,
        order_by=(ShiftType.starts, ShiftType.id),
        label_zh="班次",
        description="班次类型：开始时间和时长。",
    ),
]
