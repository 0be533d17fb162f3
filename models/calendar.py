"""Calendar events written by publishing, and the secret feed tokens that expose them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin, enum_column, fk, utcnow


class FeedOwner(enum.Enum):
    """Whose calendar an event or a feed belongs to."""

    STAFF = "staff"
    EXPERT = "expert"
    VIP_TEAM = "vip_team"
    PROJECT = "project"
    DEPARTMENT = "department"
    DUTY_POST = "duty_post"


class EventStatus(enum.Enum):
    """RFC 5545 STATUS of an event."""

    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class CalendarEvent(IdMixin, Base):
    """One event in one owner's calendar; feeds render these rows and nothing else."""

    __tablename__ = "calendar_event"
    __table_args__ = (
        UniqueConstraint("owner_type", "owner_id", "uid"),
        Index("ix_calendar_event_owner_start", "owner_type", "owner_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="positive_length"),
        CheckConstraint("sequence >= 0", name="sequence_nonneg"),
    )

    owner_type: Mapped[FeedOwner] = enum_column(FeedOwner)
    owner_id: Mapped[int] = mapped_column(BigId)
    # Stable across plan versions: derived from the assignment's business key.
    uid: Mapped[str] = mapped_column(String(255))
    plan_id: Mapped[int | None] = fk("plan.id", nullable=True, ondelete="SET NULL")
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # All-day events render as DATE values covering [starts_at, ends_at) in Asia/Shanghai.
    all_day: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[EventStatus] = enum_column(EventStatus, default=EventStatus.CONFIRMED)
    sequence: Mapped[int] = mapped_column(default=0)
    # Panels stay sealed until the meeting starts: only the owner's own feed shows them.
    sealed_until: Mapped[dt.datetime | None]
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FeedToken(IdMixin, Base):
    """A secret feed URL token; only its SHA-256 digest is stored."""

    __tablename__ = "feed_token"

    owner_type: Mapped[FeedOwner] = enum_column(FeedOwner)
    owner_id: Mapped[int] = mapped_column(BigId, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
