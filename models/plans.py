"""Versioned plans produced by solves, and the assignments they propose or publish."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin, enum_column, fk


class PlanKind(enum.Enum):
    """The scheduling problem a plan answers."""

    PANEL = "panel"  # 专家抽取
    CASE_HELPER = "case_helper"  # 帮办代办
    VISIT = "visit"  # VIP 上门服务
    JOINT_SESSION = "joint_session"  # 调度会、联审会
    ROTATION = "rotation"  # 轮岗
    TRAINING = "training"  # 轮训
    ROSTER = "roster"  # 值班


class PlanStatus(enum.Enum):
    """Where a plan stands in its life: draft → published → superseded."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class JobStatus(enum.Enum):
    """State of the solve job that fills a plan."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    INFEASIBLE = "infeasible"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AssignmentRole(enum.Enum):
    """What an assignment puts a person in charge of."""

    PANEL_MEMBER = "panel_member"
    PANEL_RESERVE = "panel_reserve"
    CASE_HELPER = "case_helper"
    VISIT_LEAD = "visit_lead"
    VISIT_CHIEF = "visit_chief"
    VISIT_BACKBONE = "visit_backbone"
    SESSION_MEMBER = "session_member"
    POST_HOLDER = "post_holder"
    POST_TRAINEE = "post_trainee"
    TRAINEE = "trainee"
    DUTY = "duty"


class AssignmentStatus(enum.Enum):
    """Response of the assigned person."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    REPLACED = "replaced"


class Plan(IdMixin, TimestampMixin, Base):
    """One version of a plan of one kind for one scope, with the solve job that filled it."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("kind", "scope", "version"),
        # At most one published plan per kind and scope, enforced by the database so that two
        # concurrent publishes cannot both win.
        Index(
            "uq_plan_one_published",
            "kind",
            "scope",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    kind: Mapped[PlanKind] = enum_column(PlanKind)
    # What the plan covers, e.g. "city", "district:zhangdian", "meeting:RM-2026-0042".
    scope: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    status: Mapped[PlanStatus] = enum_column(PlanStatus, default=PlanStatus.DRAFT)
    job_status: Mapped[JobStatus] = enum_column(JobStatus, default=JobStatus.QUEUED)
    title: Mapped[str] = mapped_column(String(200), default="")
    horizon_start: Mapped[dt.date | None]
    horizon_end: Mapped[dt.date | None]
    # The published plan this one re-plans; changes are counted against it.
    based_on_id: Mapped[int | None] = fk("plan.id", nullable=True, ondelete="SET NULL")
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    diagnosis: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Draw seed and its SHA-256 commitment, shown before the seed is revealed.
    seed: Mapped[int | None] = mapped_column(BigInteger)
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    solver_version: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    # Which executor runs the job ("thread" in the web process, "rq" on a Redis queue).
    executor: Mapped[str] = mapped_column(String(16), default="thread")
    # Set by a cancel request; the running job polls it, so cancel works across processes.
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # Refreshed by a running job; a stale heartbeat means its worker died.
    heartbeat_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(String(2000), default="")
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(100))
    # Optimistic lock: a stale edit or publish fails instead of overwriting.
    lock_version: Mapped[int] = mapped_column(default=1)

    based_on: Mapped[Plan | None] = relationship(remote_side="Plan.id")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class Assignment(IdMixin, Base):
    """One person assigned to one thing by a plan; the target columns used depend on the kind."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("(staff_id IS NULL) <> (expert_id IS NULL)", name="exactly_one_person"),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="len"),
        UniqueConstraint("plan_id", "key"),
    )

    plan_id: Mapped[int] = fk("plan.id", ondelete="CASCADE")
    # Business key, stable across plan versions, used for diffs and calendar UIDs,
    # e.g. "panel/RM-2026-0042/environment/1".
    key: Mapped[str] = mapped_column(String(200))
    role: Mapped[AssignmentRole] = enum_column(AssignmentRole)
    status: Mapped[AssignmentStatus] = enum_column(
        AssignmentStatus, default=AssignmentStatus.PROPOSED
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    staff_id: Mapped[int | None] = fk("staff.id", nullable=True)
    expert_id: Mapped[int | None] = fk("expert.id", nullable=True)
    review_meeting_id: Mapped[int | None] = fk("review_meeting.id", nullable=True)
    specialty_id: Mapped[int | None] = fk("specialty.id", nullable=True)
    reserve_rank: Mapped[int | None] = mapped_column(SmallInteger)
    project_id: Mapped[int | None] = fk("project.id", nullable=True)
    visit_id: Mapped[int | None] = fk("visit.id", nullable=True, ondelete="CASCADE")
    joint_session_id: Mapped[int | None] = fk("joint_session.id", nullable=True)
    department_id: Mapped[int | None] = fk("department.id", nullable=True)
    post_id: Mapped[int | None] = fk("post.id", nullable=True)
    rotation_period_id: Mapped[int | None] = fk("rotation_period.id", nullable=True)
    mentor_id: Mapped[int | None] = fk("staff.id", nullable=True)
    training_session_id: Mapped[int | None] = fk("training_session.id", nullable=True)
    duty_post_id: Mapped[int | None] = fk("duty_post.id", nullable=True)
    shift_type_id: Mapped[int | None] = fk("shift_type.id", nullable=True)
    day: Mapped[dt.date | None]
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    # Why this person fits here, in coordinators' words, for the ledger and the console.
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)

    plan: Mapped[Plan] = relationship(back_populates="assignments")
