"""Districts, departments, organisations and the vocabularies they share."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, enum_column, fk

if TYPE_CHECKING:
    from models.people import Expert, Staff


class Level(enum.Enum):
    """Administrative level at which work is organised (市 or 区县)."""

    CITY = "city"
    DISTRICT = "district"


class DistrictKind(enum.Enum):
    """Whether an area is a regular district/county or a development zone."""

    DISTRICT = "district"
    ZONE = "zone"


class OrganisationKind(enum.Enum):
    """What sort of legal entity an organisation is (for employer avoidance)."""

    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    DESIGN = "design"
    CONSULTANCY = "consultancy"
    HOSPITAL = "hospital"
    LAW_FIRM = "law_firm"
    GOVERNMENT_AFFILIATED = "government_affiliated"


class District(IdMixin, Base):
    """A district, county or zone of the city (区县); the unit of district-level work."""

    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    kind: Mapped[DistrictKind] = enum_column(DistrictKind)
    hall_address: Mapped[str] = mapped_column(String(200), default="")

    staff: Mapped[list[Staff]] = relationship(back_populates="district")
    experts: Mapped[list[Expert]] = relationship(back_populates="district")


class DistrictAdjacency(Base):
    """An unordered pair of neighbouring districts, stored once with the smaller id first."""

    __tablename__ = "district_adjacency"
    __table_args__ = (CheckConstraint("district_id < neighbour_id", name="ordered_pair"),)

    district_id: Mapped[int] = fk("district.id", ondelete="CASCADE", primary_key=True)
    neighbour_id: Mapped[int] = fk("district.id", ondelete="CASCADE", primary_key=True)


class Department(IdMixin, Base):
    """A government department taking part in joint review (部门)."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(100))

    staff: Mapped[list[Staff]] = relationship(back_populates="department")


class Organisation(IdMixin, Base):
    """A legal entity that employs experts or applies for approvals (employer, 单位)."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    district_id: Mapped[int | None] = fk("district.id", nullable=True)

    district: Mapped[District | None] = relationship()


class Specialty(IdMixin, Base):
    """A technical specialty of the expert pool (专业), e.g. environmental impact assessment."""

    __tablename__ = "specialty"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = fk("department.id", nullable=True)

    department: Mapped[Department | None] = relationship()


class Qualification(IdMixin, Base):
    """A staff qualification (资格) that posts, shifts and duties may require."""

    __tablename__ = "qualification"
    __table_args__ = (UniqueConstraint("code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))


class Industry(IdMixin, Base):
    """An industry of enterprises and projects (行业), used for helper and visit matching."""

    __tablename__ = "industry"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(64))
