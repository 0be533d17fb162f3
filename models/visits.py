"""VIP service teams and their on-site visits to major projects."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin, enum_column, fk
from models.org import District
from models.people import Staff
from models.projects import Project

if TYPE_CHECKING:
    from models.plans import Plan


class HalfDay(enum.Enum):
    """Half-day slot of a working day in which a visit takes place."""

    AM = "am"
    PM = "pm"


class VisitStatus(enum.Enum):
    """Life of a visit from proposal to done."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


class VipTeam(IdMixin, TimestampMixin, Base):
    """A standing multi-department VIP service team (VIP服务团队)."""

    __tablename__ = "vip_team"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    lead_id: Mapped[int | None] = fk("staff.id", nullable=True)
    active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District | None] = relationship()
    lead: Mapped[Staff | None] = relationship()
    members: Mapped[list[VipTeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class VipTeamMember(Base):
    """A staff member's standing membership of a VIP team."""

    __tablename__ = "vip_team_member"

    team_id: Mapped[int] = fk("vip_team.id", ondelete="CASCADE", primary_key=True)
    staff_id: Mapped[int] = fk("staff.id", primary_key=True)

    team: Mapped[VipTeam] = relationship(back_populates="members")
    staff: Mapped[Staff] = relationship()


class Visit(IdMixin, TimestampMixin, Base):
    """An on-site visit to a project in one half-day slot, proposed by a plan (上门服务)."""

    __tablename__ = "visit"
    __table_args__ = (
        UniqueConstraint("plan_id", "project_id", "day", "slot"),
        CheckConstraint("ends_at > starts_at", name="positive_length"),
    )

    plan_id: Mapped[int] = fk("plan.id", ondelete="CASCADE")
    project_id: Mapped[int] = fk("project.id")
    team_id: Mapped[int | None] = fk("vip_team.id", nullable=True)
    day: Mapped[dt.date]
    slot: Mapped[HalfDay] = enum_column(HalfDay)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    status: Mapped[VisitStatus] = enum_column(VisitStatus, default=VisitStatus.PLANNED)
    note: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[Plan] = relationship()
    project: Mapped[Project] = relationship()
    team: Mapped[VipTeam | None] = relationship()
