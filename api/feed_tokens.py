"""Feed tokens: issue, rotate and revoke secret calendar URLs, by API and from code; all audited.

Who may do what: viewers list feeds (never a secret: only its digest is stored); coordinators
and admins issue, rotate and revoke any owner's feeds. An owner may hold several feeds (one per
device or person it is shared with, told apart by label). Rotating revokes the old token at
once and issues a new row for the same owner and label; the response carries the new id.
"""

# No `from __future__ import annotations`: flask-openapi3 reads the view annotations.

import hmac
import re
import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from flask import request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import SECURITY, actor, requires
from api.db import session
from api.errors import ApiError, ErrorEnvelope
from api.feed_owners import OWNER_ZH, owner_name, owner_names
from api.filters import Instant
from api.readonly import MAX_ID, IdPath, PageQuery, paginate
from api.refs import Out
from models import ApiRole, FeedOwner, FeedToken, record
from models.auth import hash_token
from models.base import utcnow

FEED_PREFIX = "zc_"
TOKEN_BYTES = 24  # 192 bits of entropy; token_urlsafe writes them as 32 characters
# What token_urlsafe writes: anything else in a feed URL is not a token and is not looked up.
TOKEN_PATTERN = re.compile(re.escape(FEED_PREFIX) + r"[A-Za-z0-9_-]{32}")
DEFAULT_LABEL = "默认"


class UnknownOwner(LookupError):
    """The owner of a feed to issue does not exist."""


def new_plaintext() -> str:
    """Return a fresh feed token."""
    return FEED_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def find_active_feed(s: Session, plaintext: str) -> FeedToken | None:
    """Return the unrevoked feed token matching the plaintext, or None."""
    digest = hash_token(plaintext)
    row = s.scalar(select(FeedToken).where(FeedToken.token_hash == digest))
    # Found by digest; compare again in constant time, as models.auth does for API tokens.
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at:
        return None
    return row


def _add_token(
    s: Session, owner_type: FeedOwner, owner_id: int, label: str
) -> tuple[FeedToken, str]:
    """Add a feed token row and return it with its plaintext."""
    plaintext = new_plaintext()
    row = FeedToken(
        owner_type=owner_type, owner_id=owner_id, token_hash=hash_token(plaintext), label=label
    )
    s.add(row)
    s.flush()
    return row, plaintext


def issue_feed(
    s: Session,
    owner_type: FeedOwner | str,
    owner_id: int,
    label: str = "",
    created_by: str = "system",
) -> tuple[FeedToken, str]:
    """Issue a feed for an existing owner; return it with its plaintext, shown once, not stored."""
    owner_type = FeedOwner(owner_type)
    if owner_name(s, owner_type, owner_id) is None:
        raise UnknownOwner(f"未找到{OWNER_ZH[owner_type]} {owner_id}")
    row, plaintext = _add_token(s, owner_type, owner_id, label)
    record(
        s,
        created_by,
        "feed.issue",
        "feed_token",
        row.id,
        owner_type=owner_type.value,
        owner_id=owner_id,
        label=label,
    )
    return row, plaintext


def ensure_feed(
    s: Session, owner_type: FeedOwner | str, owner_id: int, *, created_by: str = "system"
) -> FeedToken | None:
    """Return the owner's active feed, issuing one if it has none; None for an unknown owner."""
    owner_type = FeedOwner(owner_type)
    existing = s.scalar(
        select(FeedToken)
        .where(
            FeedToken.owner_type == owner_type,
            FeedToken.owner_id == owner_id,
            FeedToken.revoked_at.is_(None),
        )
        .order_by(FeedToken.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    try:
        return issue_feed(s, owner_type, owner_id, DEFAULT_LABEL, created_by)[0]
    except UnknownOwner:
        return None


def rotate_feed(s: Session, row: FeedToken, by: str) -> tuple[FeedToken, str]:
    """Revoke a feed's token at once and issue a new one for the same owner and label."""
    row.revoked_at = utcnow()
    new, plaintext = _add_token(s, row.owner_type, row.owner_id, row.label)
    record(s, by, "feed.rotate", "feed_token", new.id, before_id=row.id, after_id=new.id)
    return new, plaintext


def revoke_feed(s: Session, row: FeedToken, by: str) -> bool:
    """Revoke a feed's token; return False when it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(s, by, "feed.revoke", "feed_token", row.id)
    return True


# The HTTP API under /api/v1/feeds.

bp = APIBlueprint(
    "feed_tokens",
    __name__,
    url_prefix="/api/v1/feeds",
    abp_tags=[Tag(name="feeds", description="日历订阅：签发、更换与吊销订阅地址")],
    abp_security=SECURITY,
    abp_responses={400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope},
)


def _no_nul(value: str) -> str:
    """Refuse NUL characters, which PostgreSQL text cannot hold."""
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符")
    return value


Label = Annotated[str, StringConstraints(max_length=100), AfterValidator(_no_nul)]


class FeedOut(Out):
    """A feed as listed: never its secret, which only its holder knows."""

    id: int
    owner_type: FeedOwner
    owner_id: int
    owner_name: str | None = Field(None, description="订阅所属对象的名称")
    label: str = Field(description="用途或设备，便于区分同一对象的多个订阅")
    created_at: Instant
    revoked_at: Instant | None


class FeedIssued(FeedOut):
    """A newly issued feed, with its secret URL shown this once."""

    token: str = Field(description="订阅令牌明文，仅此一次显示")
    path: str = Field(description="订阅路径（本机调试时拼接当前地址使用）")
    https_url: str = Field(description="订阅地址（https）")
    webcal_url: str = Field(description="订阅地址（webcal，可在日历应用中一键订阅）")


class FeedPage(BaseModel):
    """One page of feeds, newest first."""

    items: list[FeedOut]
    page: int
    per_page: int
    total: int
    pages: int


class FeedQuery(PageQuery):
    """Filters of the feed list."""

    owner_type: FeedOwner | None = Field(None, description="订阅所属对象类型")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="订阅所属对象编号")
    include_revoked: bool = Field(False, description="是否包括已吊销的订阅")


class FeedCreate(BaseModel):
    """Request to issue a feed for one owner."""

    model_config = ConfigDict(extra="forbid")

    owner_type: FeedOwner = Field(description="订阅所属对象类型")
    owner_id: int = Field(ge=1, le=MAX_ID, description="订阅所属对象编号")
    label: Label = Field("", description="用途或设备，例如“手机”")


def issued_json(row: FeedToken, plaintext: str) -> dict[str, Any]:
    """Serialise a new feed with its secret and subscription URLs."""
    path = f"{request.script_root}/feeds/{plaintext}.ics"
    host = urlsplit(request.host_url).netloc
    # Feed URLs are secrets: hand out only TLS ones (webcal:// clients pick TLS by themselves).
    out = FeedOut.model_validate(row).model_dump()
    out["owner_name"] = owner_name(session(), row.owner_type, row.owner_id)
    return FeedIssued.model_validate(
        {
            **out,
            "token": plaintext,
            "path": path,
            "https_url": f"https://{host}{path}",
            "webcal_url": f"webcal://{host}{path}",
        }
    ).model_dump(mode="json")


def _get(feed_id: int) -> FeedToken:
    """Return a feed token row or raise 404."""
    row = session().get(FeedToken, feed_id)
    if row is None:
        raise ApiError(404, "not_found", f"未找到编号为 {feed_id} 的日历订阅")
    return row


@bp.get("", summary="列出日历订阅", responses={200: FeedPage})
def list_feeds(query: FeedQuery):  # noqa: ANN201
    stmt = select(FeedToken)
    if query.owner_type is not None:
        stmt = stmt.where(FeedToken.owner_type == query.owner_type)
    if query.owner_id is not None:
        stmt = stmt.where(FeedToken.owner_id == query.owner_id)
    if not query.include_revoked:
        stmt = stmt.where(FeedToken.revoked_at.is_(None))
    page = paginate(stmt, (FeedToken.id.desc(),), query, FeedOut, FeedPage)
    by_type: dict[str, set[int]] = {}
    for item in page["items"]:
        by_type.setdefault(item["owner_type"], set()).add(item["owner_id"])
    names = {t: owner_names(session(), FeedOwner(t), ids) for t, ids in by_type.items()}
    for item in page["items"]:
        item["owner_name"] = names[item["owner_type"]].get(item["owner_id"])
    return page


@bp.post(
    "",
    summary="签发日历订阅",
    description="为工作人员、专家、VIP服务团队、项目、部门或值班岗位签发订阅地址；令牌明文仅显示一次。",
    responses={201: FeedIssued, 404: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def create_feed(body: FeedCreate):  # noqa: ANN201
    s = session()
    try:
        row, plaintext = issue_feed(s, body.owner_type, body.owner_id, body.label, actor())
    except UnknownOwner as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    s.commit()
    return issued_json(row, plaintext), 201


@bp.post(
    "/<id>/rotate",
    summary="更换日历订阅地址",
    description="旧地址立即失效，返回新的订阅（新编号）和令牌明文；已吊销的订阅不能更换。",
    responses={201: FeedIssued, 404: ErrorEnvelope, 409: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def rotate(path: IdPath):  # noqa: ANN201
    s = session()
    row = _get(path.id)
    if row.revoked_at is not None:
        raise ApiError(409, "revoked", f"日历订阅 {row.id} 已吊销，请重新签发")
    new, plaintext = rotate_feed(s, row, actor())
    s.commit()
    return issued_json(new, plaintext), 201


@bp.delete(
    "/<id>",
    summary="吊销日历订阅",
    description="订阅地址立即失效（返回 404）；重复吊销不报错。",
    responses={200: FeedOut, 404: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def revoke(path: IdPath):  # noqa: ANN201
    s = session()
    row = _get(path.id)
    if revoke_feed(s, row, actor()):
        s.commit()
    out = FeedOut.model_validate(row).model_dump()
    out["owner_name"] = owner_name(s, row.owner_type, row.owner_id)
    return FeedOut.model_validate(out).model_dump(mode="json")
