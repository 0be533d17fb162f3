"""Expert draws for review meetings: request, record, replay, sealed panels, confirm, decline."""

# No `from __future__ import annotations`: flask-openapi3 reads the view annotations.

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from api import panel_ops, planning
from api.auth import RANK, SECURITY, actor, current_token, requires
from api.db import session
from api.errors import ApiError, ErrorEnvelope
from api.plans import PlanOut, SolveSettings, WaitQuery, submit
from api.readonly import IdPath
from models import (
    ApiRole,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Expert,
    JobStatus,
    PlanKind,
    ReviewMeeting,
    Specialty,
    record,
)
from scheduler.runner import SolveParams

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))

bp = APIBlueprint(
    "review_meeting_draws",
    __name__,
    url_prefix="/api/v1/review-meetings",
    abp_tags=[Tag(name="draws", description="专家抽取：随机抽取、候补、谢绝递补、复核重放")],
    abp_security=SECURITY,
    abp_responses={
        400: ErrorEnvelope,
        401: ErrorEnvelope,
        403: ErrorEnvelope,
        404: ErrorEnvelope,
    },
)


class DrawPolicy(BaseModel):
    """Avoidance and load policy of a draw; omitted fields use the office defaults."""

    model_config = ConfigDict(extra="forbid")

    conflict_years: int | None = Field(None, ge=0, le=30, description="任职或合作回避年限")
    applicant_cap: int | None = Field(None, ge=1, le=50, description="一年内为同一申请人评审上限")
    load_cap: int | None = Field(None, ge=1, le=100, description="滚动窗口内评审场次上限")
    load_window_days: int | None = Field(None, ge=1, le=366, description="滚动窗口天数")
    travel_buffer_min: int | None = Field(None, ge=0, le=1440, description="异地现场会议间隔分钟")
    one_per_employer: bool | None = Field(None, description="同一单位至多一名专家")
    balance_weight: int | None = Field(None, ge=0, le=1000, description="负荷均衡权重")
    probability_cap: float | None = Field(
        None,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="概率上限 q：任何专家入选任何一场会议的概率都不超过 q（按概率抽签，"
        "报告最大入选概率和期望匹配度占最优值的比例）",
    )


class DrawCreate(BaseModel):
    """A draw request: one meeting, or every meeting of a month together."""

    model_config = ConfigDict(extra="forbid")

    meeting: str | None = Field(
        None, min_length=1, max_length=40, pattern=r"^\S+$", description="评审会编号"
    )
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="月份，如 2026-12")
    objective: Literal["max_sum", "max_min"] = Field(
        "max_sum", description="max_sum 总匹配度最高；max_min 最弱的专家组尽可能好"
    )
    reserves: int | None = Field(None, ge=0, le=20, description="每场候补人数；默认按会议设定")
    policy: DrawPolicy = Field(default_factory=DrawPolicy)
    draw_seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="抽取种子；不填由系统随机产生并先公布其承诺值"
    )
    replan: bool = Field(True, description="保留已确认出席的专家，排除已谢绝的专家，只重抽空缺")
    settings: SolveSettings = Field(default_factory=SolveSettings)

    @model_validator(mode="after")
    def _one_scope(self) -> "DrawCreate":
        if (self.meeting is None) == (self.month is None):
            raise ValueError("请给出 meeting（单场）或 month（按月批量）之一")
        return self


class PanelSeatOut(BaseModel):
    """One seat or reserve of a panel."""

    assignment_id: int
    key: str
    role: AssignmentRole
    status: AssignmentStatus
    expert_id: int
    expert_name: str
    specialty: str | None
    reserve_rank: int | None
    why: str


class PanelOut(BaseModel):
    """The published panel of one meeting."""

    meeting_id: int
    meeting_code: str
    plan_id: int
    lock_version: int
    sealed_until: str = Field(description="会议开始前名单保密")
    seats: list[PanelSeatOut]
    reserves: list[PanelSeatOut]


class DrawRecord(BaseModel):
    """What anyone needs to re-check a draw."""

    plan: PlanOut
    seed_commitment: str | None = Field(description="抽取前公布的种子承诺值 SHA-256")
    revealed_seed: int | None = Field(
        description="种子；抽取完成后向协调员公开，会议开始后向所有人公开，此前为空"
    )
    revealed_salt: str | None = Field(description="与种子一同公开的盐值")
    inputs_sha256: str | None = Field(description="所记录的全部输入的 SHA-256")
    exclusions: dict[str, dict[str, int]] = Field(description="每场会议被排除的专家人数，按原因")


class ReplayOut(BaseModel):
    """Whether replaying the recorded inputs reproduces the draw."""

    identical: bool
    recorded_solver_version: str
    solver_version: str
    status: str
    differences: list[dict[str, Any]]


class ExpertBody(BaseModel):
    """An expert's response to a seat."""

    model_config = ConfigDict(extra="forbid")

    expert_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field("", max_length=200, description="谢绝原因（记入审计）")


class DeclineOut(BaseModel):
    """What a decline did: who replaced the expert, or which re-draw was started."""

    declined_expert_id: int
    replaced_by: int | None = Field(description="递补的候补专家；为空时已发起重新抽取")
    plan: PlanOut


def _draw_data(body: DrawCreate) -> planning.PlanRequestData:
    """Turn a draw request into a plan request."""
    settings = body.settings.model_dump()
    params = SolveParams(seed=settings.pop("random_seed"), **settings)
    policy = {k: v for k, v in body.policy.model_dump().items() if v is not None}
    policy["objective"] = body.objective
    options: dict[str, Any] = {"policy": policy}
    if body.reserves is not None:
        options["reserves"] = body.reserves
    today = dt.datetime.now(LOCAL_TZ).date()
    return planning.PlanRequestData(
        kind=PlanKind.PANEL,
        scope=f"meeting:{body.meeting}" if body.meeting else f"month:{body.month}",
        title="",
        horizon_start=today,
        horizon_end=today,
        params=params.model_dump(mode="json"),
        replan=body.replan,
        options=options,
        draw_seed=body.draw_seed,
    )


@bp.post(
    "/draws",
    summary="请求专家抽取",
    description=(
        "为一场评审会或一个月的全部评审会抽取专家组和候补。抽取前记录并返回种子承诺值"
        "（seed_commitment）。返回 202 与方案编号；wait>0 时最多等待该秒数，无可行解返回 422。"
    ),
    responses={201: PlanOut, 202: PlanOut, 422: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def request_draw(body: DrawCreate, query: WaitQuery):  # noqa: ANN201
    return submit(_draw_data(body), query.wait)


@bp.get(
    "/draws/<id>",
    summary="抽取记录：承诺值、种子、输入摘要、排除统计",
    responses={200: DrawRecord},
)
def draw_record(path: IdPath):  # noqa: ANN201
    s = session()
    plan = panel_ops.panel_plan(s, path.id)
    instance = plan.request.get("instance")
    digest = None
    if instance is not None:
        canonical = json.dumps(instance, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()
    revealed = panel_ops.seed_revealed(s, plan, RANK[current_token().role])
    return DrawRecord(
        plan=PlanOut.model_validate(plan),
        seed_commitment=plan.seed_commitment,
        revealed_seed=plan.seed if revealed else None,
        revealed_salt=plan.request.get("salt") if revealed else None,
        inputs_sha256=digest,
        exclusions=panel_ops.exclusion_counts(plan),
    ).model_dump(mode="json")


@bp.post(
    "/draws/<id>/replay",
    summary="重放抽取，核对结果是否一致",
    description="用记录的输入、种子和参数重新求解，比较专家组是否与原结果完全一致。",
    responses={200: ReplayOut, 409: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def replay_draw(path: IdPath):  # noqa: ANN201
    s = session()
    plan = panel_ops.panel_plan(s, path.id)
    if plan.job_status is not JobStatus.SUCCEEDED:
        raise ApiError(409, "not_drawn", "只有已完成的抽取可以重放")
    out = panel_ops.replay(plan)
    record(s, actor(), "panel.replay", "plan", plan.id, identical=out["identical"])
    s.commit()
    return ReplayOut.model_validate(out).model_dump(mode="json")


@bp.get(
    "/<id>/panel",
    summary="查看评审会已发布的专家组",
    description="会议开始前名单保密：只有协调员可以查看；专家本人通过自己的日历订阅看到。",
    responses={200: PanelOut},
)
def get_panel(path: IdPath):  # noqa: ANN201
    s = session()
    meeting = _meeting(path.id)
    if RANK[current_token().role] < RANK[ApiRole.COORDINATOR] and not panel_ops.unsealed(meeting):
        raise ApiError(403, "sealed", "评审会开始前专家名单保密，仅协调员可查看")
    plan = panel_ops.published_for(s, meeting)
    rows = [a for a in plan.assignments if a.review_meeting_id == meeting.id]
    ids = [a.expert_id for a in rows]
    names = {i: n for i, n in s.execute(select(Expert.id, Expert.name).where(Expert.id.in_(ids)))}
    specialties = {i: n for i, n in s.execute(select(Specialty.id, Specialty.name))}

    def seat(a: Assignment) -> PanelSeatOut:
        return PanelSeatOut(
            assignment_id=a.id,
            key=a.key,
            role=a.role,
            status=a.status,
            expert_id=a.expert_id,
            expert_name=names.get(a.expert_id, ""),
            specialty=specialties.get(a.specialty_id),
            reserve_rank=a.reserve_rank,
            why=a.explanation.get("summary", ""),
        )

    members = [seat(a) for a in rows if a.role is AssignmentRole.PANEL_MEMBER]
    reserves = [seat(a) for a in rows if a.role is AssignmentRole.PANEL_RESERVE]
    return PanelOut(
        meeting_id=meeting.id,
        meeting_code=meeting.code,
        plan_id=plan.id,
        lock_version=plan.lock_version,
        sealed_until=meeting.starts_at.astimezone(LOCAL_TZ).isoformat(),
        seats=sorted(members, key=lambda x: x.key),
        reserves=sorted(reserves, key=lambda x: x.reserve_rank or 0),
    ).model_dump(mode="json")


@bp.post(
    "/<id>/panel/confirm",
    summary="登记专家确认出席",
    responses={200: PanelOut, 404: ErrorEnvelope, 409: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def confirm_seat(path: IdPath, body: ExpertBody):  # noqa: ANN201
    s = session()
    meeting = _meeting(path.id)
    panel_ops.confirm(s, meeting, body.expert_id, actor())
    s.commit()
    return get_panel(path)


@bp.post(
    "/<id>/panel/decline",
    summary="登记专家谢绝，由候补递补或重新抽取",
    description=(
        "谢绝记入审计。下一位仍符合全部规则的候补递补该席位并立即发布；没有可用候补时，"
        "保留已确认的专家、排除谢绝者，只重新抽取空缺席位（返回新方案，待发布）。"
    ),
    responses={200: DeclineOut, 202: DeclineOut, 404: ErrorEnvelope, 409: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def decline_seat(path: IdPath, body: ExpertBody):  # noqa: ANN201
    s = session()
    meeting = _meeting(path.id)
    replaced_by, plan_id = panel_ops.decline(s, meeting, body.expert_id, body.reason, actor())
    s.commit()
    if replaced_by is None:
        # No valid reserve: re-draw the open seats, keeping who confirmed.
        redraw = DrawCreate(meeting=meeting.code)
        out, _, _ = submit(_draw_data(redraw), 0)
        return DeclineOut(
            declined_expert_id=body.expert_id, replaced_by=None, plan=PlanOut.model_validate(out)
        ).model_dump(mode="json"), 202
    plan = planning.get_plan(session(), plan_id)
    return DeclineOut(
        declined_expert_id=body.expert_id,
        replaced_by=replaced_by,
        plan=PlanOut.model_validate(plan),
    ).model_dump(mode="json")


def _meeting(meeting_id: int) -> ReviewMeeting:
    """Return the meeting or raise 404."""
    meeting = session().get(ReviewMeeting, meeting_id)
    if meeting is None:
        raise ApiError(404, "not_found", f"未找到编号为 {meeting_id} 的评审会")
    return meeting
