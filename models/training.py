"""Training courses and their sessions (业务培训, 轮训制)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, fk
from models.org import District, Qualification


class Course(IdMixin, Base):
    """A training course; passing it may grant a qualification."""

    __tablename__ = "course"
    __table_args__ = (CheckConstraint("hours > 0", name="hours_positive"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    hours: Mapped[int] = mapped_column(SmallInteger)
    qualification_id: Mapped[int | None] = fk("qualification.id", nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")

    qualification: Mapped[Qualification | None] = relationship()
    sessions: Mapped[list[TrainingSession]] = relationship(back_populates="course")


class TrainingSession(IdMixin, Base):
    """One scheduled sitting of a course, with a capacity and a place."""

    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="positive_length"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    course_id: Mapped[int] = fk("course.id", ondelete="CASCADE")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    capacity: Mapped[int] = mapped_column(SmallInteger)
    location: Mapped[str] = mapped_column(String(200), default="")
    district_id: Mapped[int | None] = fk("district.id", nullable=True)

    course: Mapped[Course] = relationship(back_populates="sessions")
    district: Mapped[District | None] = relationship()
