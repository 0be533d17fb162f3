"""Duty posts (hotline, combined window, extended hours, appointments), shifts and cover."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, enum_column, fk
from models.org import District, Qualification


class DutyKind(enum.Enum):
    """The service a duty post provides."""

    HOTLINE = "hotline"  # 专线电话，首问负责
    COMBINED_WINDOW = "combined_window"  # 综合受理窗口
    EXTENDED_HOURS = "extended_hours"  # 延时服务
    APPOINTMENT = "appointment"  # 预约服务


class DayType(enum.Enum):
    """Kind of calendar day a cover requirement applies to (decided by the 调休 calendar)."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class DutyPost(IdMixin, Base):
    """A place of duty that needs someone on it, e.g. the hotline of a service centre."""

    __tablename__ = "duty_post"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DutyKind] = enum_column(DutyKind)
    # NULL for the city service centre.
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    qualification_id: Mapped[int | None] = fk("qualification.id", nullable=True)
    # Appointments that one clerk can serve per shift, to avoid crowding (appointment posts only).
    appointment_capacity: Mapped[int | None] = mapped_column(SmallInteger)

    district: Mapped[District | None] = relationship()
    qualification: Mapped[Qualification | None] = relationship()
    cover: Mapped[list[CoverRequirement]] = relationship(
        back_populates="duty_post", cascade="all, delete-orphan"
    )


class ShiftType(IdMixin, Base):
    """A kind of shift with its start time and length."""

    __tablename__ = "shift_type"
    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),)

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    starts: Mapped[dt.time]
    minutes: Mapped[int] = mapped_column(SmallInteger)
    is_night: Mapped[bool] = mapped_column(default=False)


class ShiftSuccessionBan(Base):
    """A shift that may not be followed by another on the next day (minimum rest)."""

    __tablename__ = "shift_succession_ban"

    shift_type_id: Mapped[int] = fk("shift_type.id", ondelete="CASCADE", primary_key=True)
    next_shift_type_id: Mapped[int] = fk("shift_type.id", ondelete="CASCADE", primary_key=True)


class CoverRequirement(IdMixin, Base):
    """How many people a duty post needs on one shift type on a kind of day."""

    __tablename__ = "cover_requirement"
    __table_args__ = (
        UniqueConstraint("duty_post_id", "shift_type_id", "day_type"),
        CheckConstraint("required >= 0", name="required_nonneg"),
        CheckConstraint("shortfall_weight >= 0 AND surplus_weight >= 0", name="weights_nonneg"),
    )

    duty_post_id: Mapped[int] = fk("duty_post.id", ondelete="CASCADE")
    shift_type_id: Mapped[int] = fk("shift_type.id")
    day_type: Mapped[DayType] = enum_column(DayType)
    required: Mapped[int] = mapped_column(SmallInteger)
    shortfall_weight: Mapped[int] = mapped_column(default=100)
    surplus_weight: Mapped[int] = mapped_column(default=1)

    duty_post: Mapped[DutyPost] = relationship(back_populates="cover")
    shift_type: Mapped[ShiftType] = relationship()
