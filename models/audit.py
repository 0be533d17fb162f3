"""Append-only audit records of draws, publishes, edits and token changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IdMixin, utcnow


class AuditRecord(IdMixin, Base):
    """Who did what to which object, and when; rows are never updated or deleted."""

    __tablename__ = "audit_record"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    before_id: Mapped[int | None] = mapped_column(BigInteger)
    after_id: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit record."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    """Refuse updates and deletes of audit records in any session."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditRecord) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTamperError("审计记录只能追加，不能修改或删除")


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | None = None,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    **details: Any,
) -> AuditRecord:
    """Add an audit record to the session (committed with the change it describes)."""
    rec = AuditRecord(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before_id=before_id,
        after_id=after_id,
        details=details,
    )
    session.add(rec)
    return rec
