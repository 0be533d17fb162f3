"""Approval staff, pool experts, their specialties, conflicts of interest and absences."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin, TimestampMixin, enum_column, fk
from models.org import Department, District, Industry, Level, Organisation, Qualification, Specialty


class StaffRole(enum.Enum):
    """Roles a staff member can hold in zero-distance service."""

    CHIEF_REPRESENTATIVE = "chief_representative"  # 项目审批首席代表
    BUSINESS_BACKBONE = "business_backbone"  # 业务骨干
    CASE_HELPER = "case_helper"  # 帮办代办员
    WINDOW_CLERK = "window_clerk"  # 窗口人员
    COORDINATOR = "coordinator"  # 联审办协调员


class ExpertStatus(enum.Enum):
    """Whether an expert can currently be drawn."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class ConflictKind(enum.Enum):
    """Why an expert must avoid matters of an organisation (回避事由)."""

    FORMER_EMPLOYER = "former_employer"
    WORKED_WITH = "worked_with"
    DECLARED_RELATION = "declared_relation"


class AbsenceKind(enum.Enum):
    """Why a person is unavailable."""

    ANNUAL_LEAVE = "annual_leave"
    SICK_LEAVE = "sick_leave"
    DECLARED_UNAVAILABLE = "declared_unavailable"
    SECONDMENT = "secondment"
    BUSINESS_TRIP = "business_trip"
    OTHER = "other"


class StaffRoleGrant(Base):
    """One role held by one staff member."""

    __tablename__ = "staff_role"

    staff_id: Mapped[int] = fk("staff.id", ondelete="CASCADE", primary_key=True)
    role: Mapped[StaffRole] = enum_column(StaffRole, primary_key=True)

    staff: Mapped[Staff] = relationship(back_populates="role_grants")


class StaffQualification(Base):
    """A qualification a staff member holds, and since when."""

    __tablename__ = "staff_qualification"

    staff_id: Mapped[int] = fk("staff.id", ondelete="CASCADE", primary_key=True)
    qualification_id: Mapped[int] = fk("qualification.id", primary_key=True)
    acquired_on: Mapped[dt.date | None]

    staff: Mapped[Staff] = relationship(back_populates="qualifications")
    qualification: Mapped[Qualification] = relationship()


staff_industry = Table(
    "staff_industry",
    Base.metadata,
    Column("staff_id", BigId, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("industry_id", BigId, ForeignKey("industry.id"), primary_key=True),
)


class Staff(IdMixin, TimestampMixin, Base):
    """An approval staff member of a department (工作人员)."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("helper_capacity >= 0", name="helper_capacity_nonneg"),)

    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = fk("department.id")
    level: Mapped[Level] = enum_column(Level)
    # NULL for city-level staff, who may serve in any district.
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    title: Mapped[str] = mapped_column(String(64), default="")
    # Contact details are private: shown to coordinators, never in other people's feeds.
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    joined_on: Mapped[dt.date | None]
    retires_on: Mapped[dt.date | None]
    # How many major projects this person can help at a time; 0 when not a case helper.
    helper_capacity: Mapped[int] = mapped_column(SmallInteger, default=0)

    department: Mapped[Department] = relationship(back_populates="staff")
    district: Mapped[District | None] = relationship(back_populates="staff")
    role_grants: Mapped[list[StaffRoleGrant]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )
    qualifications: Mapped[list[StaffQualification]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )
    industries: Mapped[list[Industry]] = relationship(secondary=staff_industry)
    absences: Mapped[list[Absence]] = relationship(back_populates="staff")

    @property
    def roles(self) -> list[StaffRole]:
        """Return the roles held, in declaration order of `StaffRole`."""
        held = {g.role for g in self.role_grants}
        return [r for r in StaffRole if r in held]


class ExpertSpecialty(Base):
    """A specialty of an expert with its depth (1 = working knowledge … 5 = leading authority)."""

    __tablename__ = "expert_specialty"
    __table_args__ = (CheckConstraint("depth BETWEEN 1 AND 5", name="depth_range"),)

    expert_id: Mapped[int] = fk("expert.id", ondelete="CASCADE", primary_key=True)
    specialty_id: Mapped[int] = fk("specialty.id", primary_key=True)
    depth: Mapped[int] = mapped_column(SmallInteger, default=3)
    primary: Mapped[bool] = mapped_column(default=False)

    expert: Mapped[Expert] = relationship(back_populates="specialties")
    specialty: Mapped[Specialty] = relationship()


class ExpertConflict(IdMixin, Base):
    """A declared or recorded tie between an expert and an organisation that forces avoidance."""

    __tablename__ = "expert_conflict"

    expert_id: Mapped[int] = fk("expert.id", ondelete="CASCADE")
    organisation_id: Mapped[int] = fk("organisation.id")
    kind: Mapped[ConflictKind] = enum_column(ConflictKind)
    since: Mapped[dt.date | None]
    # NULL means the tie is ongoing.
    until: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(Text, default="")

    expert: Mapped[Expert] = relationship(back_populates="conflicts")
    organisation: Mapped[Organisation] = relationship()


class Expert(IdMixin, TimestampMixin, Base):
    """A member of the city or a district approval expert pool (审批专家库)."""

    __tablename__ = "expert"
    __table_args__ = (CheckConstraint("years_experience >= 0", name="years_nonneg"),)

    expert_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    pool_level: Mapped[Level] = enum_column(Level)
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    employer_id: Mapped[int | None] = fk("organisation.id", nullable=True)
    title: Mapped[str] = mapped_column(String(64), default="")
    years_experience: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[ExpertStatus] = enum_column(ExpertStatus, default=ExpertStatus.ACTIVE)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))

    district: Mapped[District | None] = relationship(back_populates="experts")
    employer: Mapped[Organisation | None] = relationship()
    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )
    conflicts: Mapped[list[ExpertConflict]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )
    absences: Mapped[list[Absence]] = relationship(back_populates="expert")


class Absence(IdMixin, Base):
    """A period in which a staff member or an expert cannot be scheduled (leave, 请假)."""

    __tablename__ = "absence"
    __table_args__ = (
        CheckConstraint("(staff_id IS NULL) <> (expert_id IS NULL)", name="exactly_one_person"),
        CheckConstraint("ends_at > starts_at", name="positive_length"),
    )

    staff_id: Mapped[int | None] = fk("staff.id", ondelete="CASCADE", nullable=True)
    expert_id: Mapped[int | None] = fk("expert.id", ondelete="CASCADE", nullable=True)
    kind: Mapped[AbsenceKind] = enum_column(AbsenceKind)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    note: Mapped[str] = mapped_column(Text, default="")

    staff: Mapped[Staff | None] = relationship(back_populates="absences")
    expert: Mapped[Expert | None] = relationship(back_populates="absences")
