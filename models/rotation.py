"""Posts, rotation periods and who held which post when (轮岗制)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, enum_column, fk
from models.org import Department, District, Qualification
from models.people import Staff


class RotationScope(enum.Enum):
    """Who may rotate into a post: its own department, or anyone at the combined hall windows."""

    DEPARTMENT = "department"
    HALL = "hall"


class PeriodGranularity(enum.Enum):
    """Length of a rotation period."""

    MONTH = "month"
    QUARTER = "quarter"


class Post(IdMixin, Base):
    """A post (岗位) that staff hold for whole rotation periods."""

    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("min_holders >= 0 AND max_holders >= min_holders", name="holders_range"),
        CheckConstraint("min_qualified >= 0 AND min_qualified <= max_holders", name="qualified"),
        CheckConstraint("max_consecutive_periods >= 1", name="tenure_positive"),
        CheckConstraint("min_stay_periods >= 1", name="stay_positive"),
        CheckConstraint("no_return_periods >= 0", name="no_return_nonneg"),
        CheckConstraint("max_trainees_per_mentor >= 0", name="trainees_nonneg"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # NULL for hall-wide posts such as the combined acceptance window.
    department_id: Mapped[int | None] = fk("department.id", nullable=True)
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    scope: Mapped[RotationScope] = enum_column(RotationScope)
    min_holders: Mapped[int] = mapped_column(SmallInteger, default=1)
    max_holders: Mapped[int] = mapped_column(SmallInteger, default=2)
    min_qualified: Mapped[int] = mapped_column(SmallInteger, default=1)
    max_consecutive_periods: Mapped[int] = mapped_column(SmallInteger, default=8)
    min_stay_periods: Mapped[int] = mapped_column(SmallInteger, default=2)
    no_return_periods: Mapped[int] = mapped_column(SmallInteger, default=4)
    max_trainees_per_mentor: Mapped[int] = mapped_column(SmallInteger, default=1)
    critical: Mapped[bool] = mapped_column(default=False)
    # A person must hold this qualification (or be mentored, 以干代训) to count as qualified.
    qualification_id: Mapped[int | None] = fk("qualification.id", nullable=True)

    department: Mapped[Department | None] = relationship()
    district: Mapped[District | None] = relationship()
    qualification: Mapped[Qualification | None] = relationship()


class RotationPeriod(IdMixin, Base):
    """A month or quarter of a rotation plan."""

    __tablename__ = "rotation_period"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ordered"),)

    code: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. 2027Q1, 2027-03
    label: Mapped[str] = mapped_column(String(40))
    granularity: Mapped[PeriodGranularity] = enum_column(PeriodGranularity)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]


class PostHolding(IdMixin, Base):
    """A past or current holding of a post by a staff member (experience history)."""

    __tablename__ = "post_holding"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ordered"),)

    staff_id: Mapped[int] = fk("staff.id", ondelete="CASCADE")
    post_id: Mapped[int] = fk("post.id")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    as_trainee: Mapped[bool] = mapped_column(default=False)
    mentor_id: Mapped[int | None] = fk("staff.id", nullable=True)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    post: Mapped[Post] = relationship()
    mentor: Mapped[Staff | None] = relationship(foreign_keys=[mentor_id])
