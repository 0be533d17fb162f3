"""Admin endpoints for API tokens: list, issue and revoke; every change is audited."""

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from api.auth import SECURITY, actor, requires
from api.db import session
from api.errors import ApiError, ErrorEnvelope
from api.filters import Code, Instant
from api.readonly import IdPath
from api.refs import CodeRef, Out
from models import ApiRole, ApiToken, District, record
from models.auth import issue_token
from models.base import utcnow

bp = APIBlueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1/tokens",
    abp_tags=[Tag(name="tokens", description="API 令牌（管理员）")],
    abp_security=SECURITY,
    abp_responses={400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope},
)


class TokenOut(Out):
    """A token as listed: never the secret itself, only its first characters."""

    id: int
    name: str
    role: ApiRole
    prefix: str = Field(description="令牌开头几个字符，便于辨认")
    district: CodeRef | None
    created_at: Instant
    created_by: str
    revoked_at: Instant | None
    last_used_at: Instant | None


class TokenList(BaseModel):
    """All tokens, newest first."""

    items: list[TokenOut]


class TokenCreate(BaseModel):
    """Request to issue a token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="持有人或用途")
    role: ApiRole

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL; refuse it as bad input instead of failing to store it.
        if "\x00" in value:
            raise ValueError("名称不能包含 NUL 字符")
        return value

    district: Code | None = Field(None, description="限定到某区县（编码）；不填为全市")


class TokenIssued(TokenOut):
    """A newly issued token, with the secret shown this once."""

    token: str = Field(description="令牌明文，仅此一次显示，请妥善保存")


@bp.get("", summary="列出 API 令牌", responses={200: TokenList})
@requires(ApiRole.ADMIN)
def list_tokens():  # noqa: ANN201
    rows = session().scalars(select(ApiToken).order_by(ApiToken.id.desc()))
    return TokenList(items=[TokenOut.model_validate(r) for r in rows]).model_dump(mode="json")


@bp.post("", summary="签发 API 令牌", responses={201: TokenIssued})
@requires(ApiRole.ADMIN)
def create_token(body: TokenCreate):  # noqa: ANN201
    s = session()
    district_id = None
    if body.district is not None:
        district_id = s.scalar(select(District.id).where(District.code == body.district))
        if district_id is None:
            raise ApiError(400, "invalid_request", f"未知的区县编码：{body.district}")
    row, plaintext = issue_token(
        s, body.name, body.role, district_id=district_id, created_by=actor()
    )
    record(s, actor(), "token.issue", "api_token", row.id, role=body.role.value)
    s.commit()
    out = TokenIssued.model_validate(
        {**TokenOut.model_validate(row).model_dump(), "token": plaintext}
    )
    return out.model_dump(mode="json"), 201


@bp.delete("/<id>", summary="吊销 API 令牌", responses={200: TokenOut, 404: ErrorEnvelope})
@requires(ApiRole.ADMIN)
def revoke_token(path: IdPath):  # noqa: ANN201
    s = session()
    row = s.get(ApiToken, path.id)
    if row is None:
        raise ApiError(404, "not_found", f"未找到编号为 {path.id} 的令牌")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(s, actor(), "token.revoke", "api_token", row.id)
        s.commit()
    return TokenOut.model_validate(row).model_dump(mode="json")
