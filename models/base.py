"""Declarative base, naming convention and column helpers shared by every aggregate."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Enum, MetaData, TypeDecorator, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names keep Alembic autogenerate and `alembic check` stable on
# SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit on PostgreSQL, plain INTEGER on SQLite so that it stays the rowid alias.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")
# JSONB on PostgreSQL for indexable documents, JSON text elsewhere.
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored in UTC and returned aware on every backend (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times must carry a time zone")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zone type; store naive UTC text so that ordering stays correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base class of every mapped table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], **kwargs: Any) -> Any:
    """Return a mapped column storing an enum by value, as a portable VARCHAR with a CHECK."""
    length = max(len(m.value) for m in enum_cls)
    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=max(length, 16),
            values_callable=lambda cls: [m.value for m in cls],
            name=enum_cls.__name__.lower(),
            validate_strings=True,
        ),
        **kwargs,
    )


class IdMixin:
    """Surrogate integer primary key."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)


class TimestampMixin:
    """Creation and last-change times, kept by the database session."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def fk(target: str, *, ondelete: str = "RESTRICT", nullable: bool = False, **kwargs: Any) -> Any:
    """Return an indexed foreign-key column of the surrogate id type."""
    from sqlalchemy import ForeignKey

    return mapped_column(
        BigId, ForeignKey(target, ondelete=ondelete), index=True, nullable=nullable, **kwargs
    )
