"""Read-only resources for expert review meetings and multi-department joint sessions."""

from typing import Annotated

from pydantic import Field, field_validator
from sqlalchemy.orm import selectinload

from api.filters import (
    ById,
    Code,
    Instant,
    Moment,
    at_or_after,
    before,
    code_field,
    has_code,
    id_field,
)
from api.readonly import PageQuery, Resource
from api.refs import CodeRef, NameRef, Out
from models import (
    Department,
    JointSession,
    Level,
    MeetingMode,
    MeetingStatus,
    Project,
    ReviewMeeting,
    ReviewSeat,
    SessionKind,
)

STARTS_AFTER = "开始时间不早于此时刻（ISO 8601 日期或时间；不带时区按北京时间）"
STARTS_BEFORE = "开始时间早于此时刻（ISO 8601 日期或时间；不带时区按北京时间）"


class ProjectRef(Out):
    """A reference to a project."""

    id: int
    code: str
    name: str


class SeatOut(Out):
    """How many panel seats a meeting asks for in one specialty."""

    specialty: CodeRef
    count: int


class ReviewMeetingOut(Out):
    """A review of a difficult approval matter that needs an expert panel (专家评审会)."""

    id: int
    code: str
    matter: str = Field(description="审批事项")
    matter_code: str = Field(description="事项编码；同一事项的会议共用，前期参与的专家须回避")
    project: ProjectRef | None
    applicant: NameRef
    pool_level: Level
    district: CodeRef | None
    mode: MeetingMode
    location: str
    starts_at: Instant
    ends_at: Instant
    reserves_wanted: int
    status: MeetingStatus
    seats: list[SeatOut]

    @field_validator("seats")
    @classmethod
    def _by_specialty(cls, value: list[SeatOut]) -> list[SeatOut]:
        return sorted(value, key=lambda seat: seat.specialty.code)


class ReviewMeetingQuery(PageQuery):
    """Filters of the review meeting list."""

    pool_level: Level | None = Field(None, description="专家库层级")
    district: Code | None = code_field("区县")
    mode: MeetingMode | None = Field(None, description="现场或视频")
    status: MeetingStatus | None = Field(None, description="状态")
    project_id: int | None = id_field("项目")
    starts_after: Moment | None = Field(None, description=STARTS_AFTER)
    starts_before: Moment | None = Field(None, description=STARTS_BEFORE)


class JointSessionOut(Out):
    """A dispatch meeting or joint review needing named departments at one time (调度会、联审会)."""

    id: int
    kind: SessionKind
    title: str
    mode: MeetingMode
    district: CodeRef | None
    location: str
    starts_at: Instant
    ends_at: Instant
    recurrence: str | None = Field(description="RFC 5545 重复规则")
    departments: Annotated[list[CodeRef], ById]
    projects: Annotated[list[ProjectRef], ById]


class JointSessionQuery(PageQuery):
    """Filters of the joint session list."""

    kind: SessionKind | None = Field(None, description="调度会或联合审查")
    mode: MeetingMode | None = Field(None, description="现场或视频")
    district: Code | None = code_field("区县")
    department: Code | None = code_field("部门（需该部门参加的会议）")
    project_id: int | None = id_field("项目（议及该项目的会议）")
    starts_after: Moment | None = Field(None, description=STARTS_AFTER)
    starts_before: Moment | None = Field(None, description=STARTS_BEFORE)


RESOURCES = [
    Resource(
        "review-meetings",
        ReviewMeeting,
        ReviewMeetingOut,
        ReviewMeetingQuery,
        filters={
            "district": has_code(ReviewMeeting.district),
            "starts_after": at_or_after(ReviewMeeting.starts_at),
            "starts_before": before(ReviewMeeting.starts_at),
        },
        options=(
            selectinload(ReviewMeeting.project),
            selectinload(ReviewMeeting.applicant),
            selectinload(ReviewMeeting.district),
            selectinload(ReviewMeeting.seats).selectinload(ReviewSeat.specialty),
        ),
        order_by=(ReviewMeeting.starts_at, ReviewMeeting.id),
        label_zh="评审会",
        description="需抽取专家组的评审会及其各专业席位；专家名单在此不公开。",
    ),
    Resource(
        "joint-sessions",
        JointSession,
        JointSessionOut,
        JointSessionQuery,
        filters={
            "district": has_code(JointSession.district),
            "department": lambda stmt, code: stmt.where(
                JointSession.departments.any(Department.code == code)
            ),
            "project_id": lambda stmt, pid: stmt.where(
                JointSession.projects.any(Project.id == pid)
            ),
            "starts_after": at_or_after(JointSession.starts_at),
            "starts_before": before(JointSession.starts_at),
        },
        options=(
            selectinload(JointSession.district),
            selectinload(JointSession.departments),
            selectinload(JointSession.projects),
        ),
        order_by=(JointSession.starts_at, JointSession.id),
        label_zh="联审会",
        description="需多个部门同时参加的调度会和联合审查（现场或远程视频）。",
    ),
]
