"""Read-only resources for training courses and their sessions (业务培训、轮训制)."""

from pydantic import Field
from sqlalchemy.orm import selectinload

from api.filters import (
    Code,
    Instant,
    Moment,
    Search,
    at_or_after,
    before,
    code_field,
    has_code,
    id_field,
    search_field,
)
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, Out
from models import Course, TrainingSession


class CourseOut(Out):
    """A training course; passing it may grant a qualification."""

    id: int
    code: str
    name: str
    hours: int
    qualification: CodeRef | None = Field(description="结业后获得的资格")
    description: str


class CourseQuery(PageQuery):
    """Filters of the course list."""

    qualification: Code | None = code_field("资格（结业获得该资格的课程）")
    q: Search | None = search_field("名称或课程编码")


class TrainingSessionOut(Out):
    """One scheduled sitting of a course, with a capacity and a place."""

    id: int
    code: str
    course: CodeRef
    starts_at: Instant
    ends_at: Instant
    capacity: int
    location: str
    district: CodeRef | None


class TrainingSessionQuery(PageQuery):
    """Filters of the training session list."""

    course_id: int | None = id_field("课程")
    district: Code | None = code_field("区县")
    starts_after: Moment | None = Field(
        None, description="开始时间不早于此时刻（ISO 8601 日期或时间；不带时区按北京时间）"
    )
    starts_before: Moment | None = Field(
        None, description="开始时间早于此时刻（ISO 8601 日期或时间；不带时区按北京时间）"
    )


RESOURCES = [
    Resource(
        "courses",
        Course,
        CourseOut,
        CourseQuery,
        filters={
            "qualification": has_code(Course.qualification),
            "q": contains(Course.name, Course.code),
        },
        options=(selectinload(Course.qualification),),
        label_zh="培训课程",
        description="业务培训课程及结业可获得的资格。",
    ),
    Resource(
        "training-sessions",
        TrainingSession,
        TrainingSessionOut,
        TrainingSessionQuery,
        filters={
            "district": has_code(TrainingSession.district),
            "starts_after": at_or_after(TrainingSession.starts_at),
            "starts_before": before(TrainingSession.starts_at),
        },
        options=(selectinload(TrainingSession.course), selectinload(TrainingSession.district)),
        order_by=(TrainingSession.starts_at, TrainingSession.id),
        label_zh="培训场次",
        description="培训课程的各期场次、容量和地点。",
    ),
]
