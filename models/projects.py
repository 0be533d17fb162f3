"""Enterprises, their projects, what each project needs from departments, and visit windows."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin, enum_column, fk
from models.org import Department, District, Industry, Organisation


class ProjectStage(enum.Enum):
    """Where a project stands in its approval life (项目阶段)."""

    PLANNING = "planning"  # 谋划储备
    INITIATION = "initiation"  # 立项
    LAND = "land"  # 用地
    PLANNING_PERMIT = "planning_permit"  # 规划许可
    CONSTRUCTION_PERMIT = "construction_permit"  # 施工许可
    CONSTRUCTION = "construction"  # 在建
    ACCEPTANCE = "acceptance"  # 竣工验收
    OPERATING = "operating"  # 投产


class NeedStatus(enum.Enum):
    """Whether a department's approval item for a project is still open."""

    PENDING = "pending"
    DONE = "done"


class DayPreference(enum.Enum):
    """How an enterprise feels about receiving a visit on a day."""

    PREFERRED = "preferred"
    BLOCKED = "blocked"


class Enterprise(IdMixin, TimestampMixin, Base):
    """An enterprise (企业): applicant of approval matters and host of on-site visits."""

    __tablename__ = "enterprise"

    # The enterprise as an employer: experts employed there must avoid its matters.
    organisation_id: Mapped[int] = fk("organisation.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    district_id: Mapped[int] = fk("district.id")
    industry_id: Mapped[int | None] = fk("industry.id", nullable=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    epidemic_priority: Mapped[bool] = mapped_column(default=False)  # 疫情防控重点保障企业
    # Private: visible to coordinators and to the enterprise's own project feed only.
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship()
    district: Mapped[District] = relationship()
    industry: Mapped[Industry | None] = relationship()
    projects: Mapped[list[Project]] = relationship(back_populates="enterprise")
    day_preferences: Mapped[list[EnterpriseDay]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("organisation_id"),)


class Project(IdMixin, TimestampMixin, Base):
    """An investment project of an enterprise (项目)."""

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("visits_per_month >= 0", name="visits_nonneg"),
        CheckConstraint("investment_wan >= 0", name="investment_nonneg"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int] = fk("enterprise.id")
    district_id: Mapped[int] = fk("district.id")
    industry_id: Mapped[int | None] = fk("industry.id", nullable=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Total investment in units of 10,000 yuan (万元), the unit of project ledgers.
    investment_wan: Mapped[int] = mapped_column(default=0)
    is_major: Mapped[bool] = mapped_column(default=False, index=True)  # 市工业重大项目
    in_1n_scope: Mapped[bool] = mapped_column(default=False)  # 1+N 审批范围
    green_channel: Mapped[bool] = mapped_column(default=False)  # 绿色通道
    stage: Mapped[ProjectStage] = enum_column(ProjectStage, default=ProjectStage.INITIATION)
    # On-site VIP visits a major project must receive each month (上门服务全覆盖).
    visits_per_month: Mapped[int] = mapped_column(SmallInteger, default=0)
    started_on: Mapped[dt.date | None]

    enterprise: Mapped[Enterprise] = relationship(back_populates="projects")
    district: Mapped[District] = relationship()
    industry: Mapped[Industry | None] = relationship()
    needs: Mapped[list[ProjectNeed]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class ProjectNeed(IdMixin, Base):
    """An approval item a department still has to handle for a project (待办审批事项)."""

    __tablename__ = "project_need"

    project_id: Mapped[int] = fk("project.id", ondelete="CASCADE")
    department_id: Mapped[int] = fk("department.id")
    item: Mapped[str] = mapped_column(String(100))
    status: Mapped[NeedStatus] = enum_column(NeedStatus, default=NeedStatus.PENDING)
    note: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="needs")
    department: Mapped[Department] = relationship()


class EnterpriseDay(IdMixin, Base):
    """A day an enterprise prefers for visits, or on which it cannot receive one."""

    __tablename__ = "enterprise_day"
    __table_args__ = (UniqueConstraint("enterprise_id", "day"),)

    enterprise_id: Mapped[int] = fk("enterprise.id", ondelete="CASCADE")
    day: Mapped[dt.date]
    preference: Mapped[DayPreference] = enum_column(DayPreference)
    note: Mapped[str] = mapped_column(String(200), default="")

    enterprise: Mapped[Enterprise] = relationship(back_populates="day_preferences")
