"""Build a read-only resource blueprint (paginated, filtered list and get by id) from a spec."""

# No `from __future__ import annotations` here: flask-openapi3 reads the view functions'
# annotations at registration time, and they are built dynamically below.

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from api.auth import SECURITY
from api.db import session
from api.errors import ApiError, ErrorEnvelope

# PostgreSQL BIGINT bounds every id; larger numbers are malformed input, not a lookup.
MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 200


class PageQuery(BaseModel):
    """Pagination of every list; unknown query parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE, description="每页条数")


class IdPath(BaseModel):
    """A resource id in the path."""

    id: int = Field(ge=1, le=MAX_ID, description="资源编号")


Filter = Callable[[Select[Any], Any], Select[Any]]


@dataclass(frozen=True)
class Resource:
    """What one read-only resource serves: model, output schema, filters and labels."""

    name: str  # URL segment, e.g. "experts"
    model: type
    schema: type[BaseModel]
    query: type[PageQuery] = PageQuery
    # Filter functions by query field; a field without one filters by equality on the column
    # of the same name.
    filters: dict[str, Filter] = field(default_factory=dict)
    options: Sequence[Any] = ()
    order_by: Sequence[Any] = ()
    label_zh: str = ""
    description: str = ""


def eq(column: InstrumentedAttribute[Any]) -> Filter:
    """Return a filter comparing a column to the query value."""
    return lambda stmt, value: stmt.where(column == value)


def contains(*columns: InstrumentedAttribute[Any]) -> Filter:
    """Return a filter matching a substring in any of the columns."""

    def apply(stmt: Select[Any], value: str) -> Select[Any]:
        # autoescape: "%" and "_" typed by a user are literal characters, not wildcards.
        return stmt.where(or_(*(c.icontains(value, autoescape=True) for c in columns)))

    return apply


def page_model(resource: Resource) -> type[BaseModel]:
    """Return the response model of a list: items plus pagination."""
    return create_model(
        f"{resource.schema.__name__.removesuffix('Out')}Page",
        items=(list[resource.schema], ...),
        page=(int, ...),
        per_page=(int, ...),
        total=(int, ...),
        pages=(int, ...),
    )


def paginate(
    stmt: Select[Any],
    order: Sequence[Any],
    query: PageQuery,
    schema: type[BaseModel],
    page_cls: type[BaseModel],
) -> dict[str, Any]:
    """Run one page of a select and return the JSON page envelope of its rows."""
    s = session()
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.scalars(
        stmt.order_by(*order).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).unique()
    body = page_cls(
        items=[schema.model_validate(r, from_attributes=True) for r in rows],
        page=query.page,
        per_page=query.per_page,
        total=total,
        pages=(total + query.per_page - 1) // query.per_page,
    )
    return body.model_dump(mode="json")


def _filtered(resource: Resource, query: PageQuery) -> Select[Any]:
    """Return the select statement of a resource with the query's filters applied."""
    stmt = select(resource.model)
    for name in query.model_dump(exclude={"page", "per_page"}, exclude_none=True):
        apply = resource.filters.get(name) or eq(getattr(resource.model, name))
        stmt = apply(stmt, getattr(query, name))
    return stmt


def make_blueprint(resource: Resource) -> APIBlueprint:
    """Create the blueprint serving GET /api/v1/<name> and GET /api/v1/<name>/<id>."""
    tag = Tag(name=resource.name, description=resource.label_zh)
    bp = APIBlueprint(
        resource.name,
        __name__,
        url_prefix=f"/api/v1/{resource.name}",
        abp_tags=[tag],
        abp_security=SECURITY,
        abp_responses={400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope},
    )
    page_cls = page_model(resource)
    query_cls = resource.query

    def list_items(query: query_cls):  # type: ignore[valid-type]
        stmt = _filtered(resource, query).options(*resource.options)
        order = resource.order_by or (resource.model.id,)
        return paginate(stmt, order, query, resource.schema, page_cls)

    def get_item(path: IdPath):
        obj = session().get(resource.model, path.id, options=list(resource.options))
        if obj is None:
            raise ApiError(404, "not_found", f"未找到编号为 {path.id} 的{resource.label_zh}")
        return resource.schema.model_validate(obj, from_attributes=True).model_dump(mode="json")

    list_items.__name__ = f"list_{resource.name.replace('-', '_')}"
    get_item.__name__ = f"get_{resource.name.replace('-', '_')}"
    bp.get(
        "",
        summary=f"列出{resource.label_zh}",
        description=resource.description,
        responses={200: page_cls},
    )(list_items)
    bp.get(
        "/<id>",
        summary=f"按编号获取{resource.label_zh}",
        responses={200: resource.schema},
    )(get_item)
    return bp
