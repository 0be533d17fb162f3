"""API tokens for coordinators, viewers and administrators."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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


TOKEN_PREFIX = "zd_"


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    name: str,
    role: ApiRole,
    *,
    district_id: int | None = None,
    created_by: str = "",
) -> tuple[ApiToken, str]:
    """Create a token row and return it with the plaintext, which is shown once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits of entropy
    row = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        district_id=district_id,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row, plaintext


def find_active_token(session: Session, plaintext: str) -> ApiToken | None:
    """Return the unrevoked token matching the plaintext, or None."""
    digest = hash_token(plaintext)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by digest; compare again in constant time so that no timing difference
    # depends on how much of a guessed token matched.
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at:
        return None
    return row
