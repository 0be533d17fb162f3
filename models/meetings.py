"""Review meetings that need an expert panel, and joint sessions that need departments."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin, TimestampMixin, enum_column, fk
from models.org import Department, District, Level, Organisation, Specialty
from models.projects import Project


class MeetingMode(enum.Enum):
    """Whether people meet on site or by remote video (远程视频)."""

    ON_SITE = "on_site"
    VIDEO = "video"


class MeetingStatus(enum.Enum):
    """Life of a meeting from request to being held."""

    REQUESTED = "requested"
    DRAWN = "drawn"
    HELD = "held"
    CANCELLED = "cancelled"


class SessionKind(enum.Enum):
    """Kinds of joint session that need several departments at once."""

    DISPATCH = "dispatch"  # 调度会
    JOINT_REVIEW = "joint_review"  # 联合审查


class ReviewMeeting(IdMixin, TimestampMixin, Base):
    """A review of a difficult approval matter that needs an expert panel (专家评审会)."""

    __tablename__ = "review_meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="positive_length"),
        CheckConstraint("reserves_wanted >= 0", name="reserves_nonneg"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    matter: Mapped[str] = mapped_column(String(200))  # 审批事项
    # Meetings on the same matter share this code; experts involved earlier must avoid it.
    matter_code: Mapped[str] = mapped_column(String(40), index=True)
    project_id: Mapped[int | None] = fk("project.id", nullable=True)
    applicant_id: Mapped[int] = fk("organisation.id")
    pool_level: Mapped[Level] = enum_column(Level)
    # District whose pool is drawn from (district level) and where an on-site meeting is held.
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    mode: Mapped[MeetingMode] = enum_column(MeetingMode)
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    reserves_wanted: Mapped[int] = mapped_column(SmallInteger, default=2)
    status: Mapped[MeetingStatus] = enum_column(MeetingStatus, default=MeetingStatus.REQUESTED)

    project: Mapped[Project | None] = relationship()
    applicant: Mapped[Organisation] = relationship()
    district: Mapped[District | None] = relationship()
    seats: Mapped[list[ReviewSeat]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )


class ReviewSeat(IdMixin, Base):
    """How many panel seats a meeting asks for in one specialty."""

    __tablename__ = "review_seat"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    meeting_id: Mapped[int] = fk("review_meeting.id", ondelete="CASCADE")
    specialty_id: Mapped[int] = fk("specialty.id")
    count: Mapped[int] = mapped_column(SmallInteger)

    meeting: Mapped[ReviewMeeting] = relationship(back_populates="seats")
    specialty: Mapped[Specialty] = relationship()


joint_session_department = Table(
    "joint_session_department",
    Base.metadata,
    Column(
        "session_id", BigId, ForeignKey("joint_session.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("department_id", BigId, ForeignKey("department.id"), primary_key=True),
)

joint_session_project = Table(
    "joint_session_project",
    Base.metadata,
    Column(
        "session_id", BigId, ForeignKey("joint_session.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("project_id", BigId, ForeignKey("project.id"), primary_key=True),
)


class JointSession(IdMixin, TimestampMixin, Base):
    """A dispatch meeting or joint review needing named departments at one time."""

    __tablename__ = "joint_session"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="positive_length"),)

    kind: Mapped[SessionKind] = enum_column(SessionKind)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[MeetingMode] = enum_column(MeetingMode)
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # RFC 5545 RRULE for recurring dispatch meetings, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU".
    recurrence: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")

    district: Mapped[District | None] = relationship()
    departments: Mapped[list[Department]] = relationship(secondary=joint_session_department)
    projects: Mapped[list[Project]] = relationship(secondary=joint_session_project)
