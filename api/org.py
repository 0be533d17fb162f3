"""Read-only resources for districts, departments and the shared vocabularies."""

from api.filters import Search
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, NameRef, Out
from models import (
    Department,
    District,
    DistrictKind,
    Industry,
    Organisation,
    OrganisationKind,
    Qualification,
    Specialty,
)


class DistrictOut(Out):
    """A district, county or zone (区县)."""

    id: int
    code: str
    name: str
    name_en: str
    kind: DistrictKind
    hall_address: str


class DistrictQuery(PageQuery):
    """Filters of the district list."""

    kind: DistrictKind | None = None


class DepartmentOut(Out):
    """A department (部门)."""

    id: int
    code: str
    name: str
    short_name: str
    name_en: str


class SpecialtyOut(Out):
    """An expert specialty (专业)."""

    id: int
    code: str
    name: str
    name_en: str
    department: CodeRef | None


class SpecialtyQuery(PageQuery):
    """Filters of the specialty list."""

    q: Search | None = None


class OrganisationOut(Out):
    """An employer or applicant organisation (单位)."""

    id: int
    name: str
    kind: OrganisationKind
    district: CodeRef | None


class OrganisationQuery(PageQuery):
    """Filters of the organisation list."""

    kind: OrganisationKind | None = None
    q: Search | None = None


class VocabularyOut(Out):
    """An entry of a coded vocabulary."""

    id: int
    code: str
    name: str


RESOURCES = [
    Resource(
        "districts",
        District,
        DistrictOut,
        DistrictQuery,
        order_by=(District.id,),
        label_zh="区县",
    ),
    Resource("departments", Department, DepartmentOut, label_zh="部门"),
    Resource(
        "specialties",
        Specialty,
        SpecialtyOut,
        SpecialtyQuery,
        filters={"q": contains(Specialty.name, Specialty.name_en, Specialty.code)},
        label_zh="专业",
    ),
    Resource(
        "organisations",
        Organisation,
        OrganisationOut,
        OrganisationQuery,
        filters={"q": contains(Organisation.name)},
        label_zh="单位",
    ),
    Resource("industries", Industry, VocabularyOut, label_zh="行业"),
    Resource("qualifications", Qualification, VocabularyOut, label_zh="资格"),
]

__all__ = ["RESOURCES", "NameRef"]
