"""Read-only resource for plan versions: status and solve report, never the draw seed.

Assignments are not served here: panels stay sealed until the capability with access
control adds them.
"""

import datetime as dt
from typing import Any

from pydantic import Field, field_validator

from api.filters import Instant, Search
from api.readonly import PageQuery, Resource
from api.refs import Out
from models import JobStatus, Plan, PlanKind, PlanStatus

# Keys dropped from a report wherever they occur: the draw seed stays secret until revealed.
SECRET_KEYS = frozenset({"seed"})


def _without_secrets(value: Any) -> Any:
    """Return a JSON document without secret keys, at any depth."""
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


class PlanOut(Out):
    """One version of a plan of one kind for one scope, with the state of its solve job."""

    id: int
    kind: PlanKind
    scope: str = Field(description="范围，例如 city、district:zhangdian、meeting:RM-2026-0042")
    version: int
    status: PlanStatus
    job_status: JobStatus
    title: str
    horizon_start: dt.date | None
    horizon_end: dt.date | None
    seed_commitment: str | None = Field(description="抽取种子的 SHA-256 承诺值（种子本身不公开）")
    created_at: Instant
    published_at: Instant | None
    report: dict[str, Any] = Field(description="求解报告")

    @field_validator("report", mode="before")
    @classmethod
    def _drop_secrets(cls, value: Any) -> Any:
        return _without_secrets(value or {})


class PlanQuery(PageQuery):
    """Filters of the plan list."""

    kind: PlanKind | None = Field(None, description="问题类型")
    scope: Search | None = Field(None, description="范围（完全一致）")
    status: PlanStatus | None = Field(None, description="草稿、已发布或已被取代")
    job_status: JobStatus | None = Field(None, description="求解任务状态")


RESOURCES = [
    Resource(
        "plans",
        Plan,
        PlanOut,
        PlanQuery,
        order_by=(Plan.kind, Plan.scope, Plan.version, Plan.id),
        label_zh="方案",
        description="各类排程方案的版本、状态和求解报告；不含分配结果和抽取种子。",
    ),
]
