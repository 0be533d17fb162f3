"""API tokens for coordinators, viewers and administrators."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, enum_column, fk, utcnow
from models.org import District


class ApiRole(enum.Enum):
    """What a token may do: viewers read, coordinators request and publish, admins manage."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


class ApiToken(IdMixin, Base):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[ApiRole] = enum_column(ApiRole)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the token, so people can tell their tokens apart in listings.
    prefix: Mapped[str] = mapped_column(String(12))
    # NULL: city-wide; otherwise the token sees only this district's objects.
    district_id: Mapped[int | None] = fk("district.id", nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    district: Mapped[District | None] = relationship()
