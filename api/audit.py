"""Admin endpoint reading the append-only audit log."""

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import SECURITY, requires
from api.errors import ErrorEnvelope
from api.filters import Code, Instant, Moment
from api.readonly import MAX_ID, PageQuery, paginate
from api.refs import Out
from models import ApiRole, AuditRecord

bp = APIBlueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    abp_tags=[Tag(name="audit", description="审计记录（管理员）")],
    abp_security=SECURITY,
    abp_responses={400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope},
)


class AuditOut(Out):
    """One audit record."""

    id: int
    at: Instant
    actor: str
    action: str
    object_type: str
    object_id: int | None
    before_id: int | None
    after_id: int | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    """A page of audit records, newest first."""

    items: list[AuditOut]
    page: int
    per_page: int
    total: int
    pages: int


class AuditQuery(PageQuery):
    """Filters of the audit log."""

    action: Code | None = Field(None, description="动作，例如 token.issue")
    object_type: Code | None = Field(None, description="对象类型，例如 plan")
    object_id: int | None = Field(None, ge=1, le=MAX_ID, description="对象编号")
    since: Moment | None = Field(None, description="不早于此时间")


@bp.get("", summary="查询审计记录", responses={200: AuditPage})
@requires(ApiRole.ADMIN)
def list_audit(query: AuditQuery):  # noqa: ANN201
    stmt = select(AuditRecord)
    for name in ("action", "object_type", "object_id"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(AuditRecord, name) == value)
    if query.since is not None:
        stmt = stmt.where(AuditRecord.at >= query.since)
    return paginate(stmt, (AuditRecord.id.desc(),), query, AuditOut, AuditPage)
