"""Plans: request a solve (202), follow its progress, cancel, publish, pin, edit and diff."""

# No `from __future__ import annotations`: flask-openapi3 reads the view annotations.

import datetime as dt
import time
from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from api import jobs, planning
from api.auth import SECURITY, actor, requires
from api.db import session
from api.errors import ApiError, ErrorEnvelope
from api.filters import Instant, Search
from api.readonly import MAX_ID, IdPath, PageQuery, Resource, paginate
from api.refs import Out
from models import (
    ApiRole,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    JobStatus,
    Plan,
    PlanKind,
    PlanStatus,
    Staff,
)
from scheduler.runner import SolveParams

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))
# Default length of a plan's term when the request names no end (one quarter).
DEFAULT_TERM_DAYS = 90
# Longest a POST may wait for its job before answering 202.
MAX_WAIT_S = 60
# Keys dropped from a report wherever they occur: the draw seed stays secret until revealed.
SECRET_KEYS = frozenset({"seed"})

bp = APIBlueprint(
    "plans",
    __name__,
    url_prefix="/api/v1/plans",
    abp_tags=[Tag(name="plans", description="方案：求解任务、进度、发布、锁定与比较")],
    abp_security=SECURITY,
    abp_responses={
        400: ErrorEnvelope,
        401: ErrorEnvelope,
        403: ErrorEnvelope,
        404: ErrorEnvelope,
    },
)


def _without_secrets(value: Any) -> Any:
    """Return a JSON document without secret keys, at any depth."""
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


class SolveSettings(BaseModel):
    """Solver settings a coordinator may choose; every solve has a time limit."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(30, gt=0, le=600, allow_inf_nan=False, description="时间限制（秒）")
    workers: int = Field(2, ge=1, le=16, description="并行求解线程数")
    random_seed: int = Field(
        0, ge=0, le=2**31 - 1, description="求解器随机种子（同样输入、同样种子可复现）"
    )
    relative_gap: float = Field(
        0, ge=0, le=1, allow_inf_nan=False, description="可接受的相对间隙，0 表示求最优"
    )


class VisitOptions(BaseModel):
    """Settings of a VIP visit plan."""

    model_config = ConfigDict(extra="forbid")

    backbones: int = Field(1, ge=0, le=3, description="每次上门的业务骨干人数（来自项目所需部门）")


class PlanCreate(BaseModel):
    """A solve request: which kind of plan, for what scope and term."""

    model_config = ConfigDict(extra="forbid")

    kind: PlanKind = Field(
        description="方案类型；目前可求解：case_helper（帮办代办）、panel（专家抽取，"
        "也可用 /api/v1/review-meetings/draws）、visit（VIP上门服务，范围 month:YYYY-MM）、"
        "rotation（轮岗与轮训，范围 year:YYYY）"
    )
    scope: str = Field(
        "city",
        min_length=1,
        max_length=100,
        pattern=r"^[a-z_]+(:[A-Za-z0-9_-]+)?$",
        description="范围，例如 city、month:2026-12、meeting:RM-2026-0001",
    )
    title: str = Field("", max_length=200, description="标题；不填自动生成")
    horizon_start: dt.date | None = Field(None, description="开始日期；默认今天")
    horizon_end: dt.date | None = Field(None, description="结束日期；默认开始后 90 天")
    replan: bool = Field(True, description="以当前已发布方案为基础重排：保留锁定的分配，尽量少改动")
    settings: SolveSettings = Field(default_factory=SolveSettings)
    visit: VisitOptions | None = Field(None, description="VIP上门服务方案的设置（kind=visit）")

    @field_validator("horizon_start", "horizon_end")
    @classmethod
    def _sane_year(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not 2000 <= value.year <= 2100:
            raise ValueError("日期须在 2000 至 2100 年之间")
        return value


class WaitQuery(BaseModel):
    """How long the request may wait for its job before answering 202."""

    model_config = ConfigDict(extra="forbid")

    wait: float = Field(
        0,
        ge=0,
        le=MAX_WAIT_S,
        allow_inf_nan=False,
        description="最多等待求解完成的秒数；0 表示立即返回 202",
    )


class Conflict(BaseModel):
    """One rule group in an infeasibility diagnosis."""

    name: str
    detail: str


class PlanOut(Out):
    """One version of a plan, with its solve job's state, progress and report."""

    id: int
    kind: PlanKind
    scope: str
    version: int
    status: PlanStatus
    job_status: JobStatus
    title: str
    horizon_start: dt.date | None
    horizon_end: dt.date | None
    based_on_id: int | None = Field(description="重排所依据的已发布方案")
    lock_version: int = Field(description="乐观锁版本号：发布、锁定、修改时须原样提交")
    progress: dict[str, Any] = Field(description="实时进度：目标值、下界、间隙、已用时间、解的个数")
    report: dict[str, Any] = Field(description="求解报告（含改动数 changes）")
    diagnosis: list[Conflict] = Field(description="无可行解时相互冲突的规则组")
    error: str
    executor: str
    cancel_requested: bool
    seed_commitment: str | None
    created_by: str
    created_at: Instant
    started_at: Instant | None
    finished_at: Instant | None
    published_at: Instant | None
    published_by: str | None

    @field_validator("report", "progress", mode="before")
    @classmethod
    def _drop_secrets(cls, value: Any) -> Any:
        return _without_secrets(value or {})

    @field_validator("diagnosis", mode="before")
    @classmethod
    def _conflicts(cls, value: Any) -> Any:
        return (value or {}).get("conflicts", []) if isinstance(value, dict) else value


class PlanPage(BaseModel):
    """One page of plans."""

    items: list[PlanOut]
    page: int
    per_page: int
    total: int
    pages: int


class PlanQuery(PageQuery):
    """Filters of the plan list."""

    kind: PlanKind | None = Field(None, description="方案类型")
    scope: Search | None = Field(None, description="范围（完全一致）")
    status: PlanStatus | None = Field(None, description="草稿、已发布或已被取代")
    job_status: JobStatus | None = Field(None, description="求解任务状态")


class AssignmentOut(Out):
    """One assignment of a plan."""

    id: int
    key: str = Field(description="业务键，跨版本稳定")
    role: AssignmentRole
    status: AssignmentStatus
    pinned: bool
    staff_id: int | None
    staff_name: str | None = None
    expert_id: int | None
    project_id: int | None
    review_meeting_id: int | None
    visit_id: int | None
    post_id: int | None
    training_session_id: int | None
    duty_post_id: int | None
    shift_type_id: int | None
    day: dt.date | None
    starts_at: Instant | None
    ends_at: Instant | None
    explanation: dict[str, Any] = Field(description="为什么是此人")


class AssignmentPage(BaseModel):
    """One page of a plan's assignments."""

    items: list[AssignmentOut]
    page: int
    per_page: int
    total: int
    pages: int


class AssignmentPath(BaseModel):
    """A plan id and one of its assignment ids."""

    id: int = Field(ge=1, le=MAX_ID, description="方案编号")
    assignment_id: int = Field(ge=1, le=MAX_ID, description="分配编号")


class LockBody(BaseModel):
    """The lock version the caller last read."""

    model_config = ConfigDict(extra="forbid")

    lock_version: int = Field(ge=1, le=2**31 - 1, description="读取方案时得到的 lock_version")


class AssignmentPatch(LockBody):
    """A coordinator's change to one assignment: pin or unpin, or another person (drafts)."""

    pinned: bool | None = Field(None, description="锁定（重排时保留）或解锁")
    staff_id: int | None = Field(None, ge=1, le=MAX_ID, description="改由此工作人员承担（仅草稿）")


class AssignmentChanged(BaseModel):
    """The changed assignment and the plan's new lock version."""

    assignment: AssignmentOut
    lock_version: int


class DiffQuery(BaseModel):
    """The plan to compare against."""

    model_config = ConfigDict(extra="forbid")

    against: int = Field(ge=1, le=MAX_ID, description="作为比较基准的方案编号")


class DiffOut(BaseModel):
    """Assignments added, removed and moved between two versions, by business key."""

    plan_id: int
    against_id: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    moved: list[dict[str, Any]]
    unchanged: int


# The list endpoint as a read-only resource spec, for tools and tests that walk every resource.
RESOURCE = Resource(
    "plans",
    Plan,
    PlanOut,
    PlanQuery,
    order_by=(Plan.kind, Plan.scope, Plan.version, Plan.id),
    label_zh="方案",
    description="各类排程方案的版本、求解任务状态、进度和报告；不含抽取种子。",
)


def _out(plan: Plan) -> dict[str, Any]:
    """Serialise a plan."""
    return PlanOut.model_validate(plan).model_dump(mode="json")


@bp.get("", summary="列出方案", responses={200: PlanPage})
def list_plans(query: PlanQuery):  # noqa: ANN201
    jobs.settle()
    stmt = select(Plan)
    for name in ("kind", "scope", "status", "job_status"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(Plan, name) == value)
    return paginate(stmt, RESOURCE.order_by, query, PlanOut, PlanPage)


@bp.post(
    "",
    summary="请求求解一个方案",
    description=(
        "创建草稿方案并排队求解，返回 202 和方案编号；用 GET /api/v1/plans/{id} 查看进度。"
        "wait>0 时最多等待该秒数：求解完成返回 201，无可行解返回 422 及诊断。"
    ),
    responses={201: PlanOut, 202: PlanOut, 409: ErrorEnvelope, 422: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def create_plan(body: PlanCreate, query: WaitQuery):  # noqa: ANN201
    start = body.horizon_start or dt.datetime.now(LOCAL_TZ).date()
    end = body.horizon_end or start + dt.timedelta(days=DEFAULT_TERM_DAYS - 1)
    settings = body.settings.model_dump()
    params = SolveParams(seed=settings.pop("random_seed"), **settings)
    data = planning.PlanRequestData(
        kind=body.kind,
        scope=body.scope,
        title=body.title,
        horizon_start=start,
        horizon_end=end,
        params=params.model_dump(mode="json"),
        replan=body.replan,
        options={"visit": body.visit.model_dump()} if body.visit else {},
    )
    return submit(data, query.wait)


def submit(data: planning.PlanRequestData, wait: float) -> tuple[dict[str, Any], int, dict]:
    """Create the plan, queue its job, wait if asked; return body, status and headers."""
    jobs.settle()
    s = session()
    executor = jobs.executor()
    plan_id = planning.request_plan(s, data, actor(), executor.name).id
    # Commit and leave the session idle: the job commits on its own sessions (inline: nested
    # in whatever transaction this session would otherwise have opened).
    s.commit()
    try:
        executor.submit(plan_id, data.params["time_limit_s"])
    except Exception as exc:
        s.rollback()
        lost = s.get(Plan, plan_id)
        if lost is not None and lost.job_status is JobStatus.QUEUED:
            lost.job_status = JobStatus.FAILED
            lost.error = f"无法提交求解任务：{exc}"[:2000]
            s.commit()
        raise ApiError(503, "queue_unavailable", "求解队列暂时不可用，请稍后重试") from exc
    plan = _wait(plan_id, wait)
    headers = {"Location": f"/api/v1/plans/{plan_id}"}
    if plan.job_status is JobStatus.INFEASIBLE:
        raise ApiError(
            422,
            "infeasible",
            plan.error or "无可行方案",
            {"plan_id": plan_id, "diagnosis": plan.diagnosis.get("conflicts", [])},
        )
    # A job is accepted (202) unless the caller chose to wait and it finished in time (201).
    status = 201 if wait > 0 and plan.job_status in planning.FINISHED else 202
    return _out(plan), status, headers


def _wait(plan_id: int, wait_s: float) -> Plan:
    """Return the plan once its job finished or the wait is over."""
    s = session()
    deadline = time.monotonic() + wait_s
    while True:
        s.expire_all()
        plan = planning.get_plan(s, plan_id)
        if plan.job_status in planning.FINISHED or time.monotonic() >= deadline:
            return plan
        s.rollback()  # end the snapshot so the next read sees the job's commits
        time.sleep(0.1)


@bp.get("/<id>", summary="查看方案及求解进度", responses={200: PlanOut})
def get_plan(path: IdPath):  # noqa: ANN201
    jobs.settle()
    return _out(planning.get_plan(session(), path.id))


@bp.post(
    "/<id>/cancel",
    summary="取消求解任务",
    responses={202: PlanOut, 409: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def cancel_plan(path: IdPath):  # noqa: ANN201
    s = session()
    planning.cancel_plan(s, planning.get_plan(s, path.id), actor())
    s.commit()
    return _out(planning.get_plan(s, path.id)), 202


@bp.post(
    "/<id>/publish",
    summary="发布方案",
    description="原子地发布草稿：旧的已发布方案被取代，日历事件同步更新。版本号过期返回 409。",
    responses={200: PlanOut, 409: ErrorEnvelope, 422: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def publish_plan(path: IdPath, body: LockBody):  # noqa: ANN201
    s = session()
    plan = planning.publish_plan(s, planning.get_plan(s, path.id), body.lock_version, actor())
    s.commit()
    return _out(plan)


@bp.get(
    "/<id>/assignments",
    summary="列出方案的分配",
    responses={200: AssignmentPage},
)
def list_assignments(path: IdPath, query: PageQuery):  # noqa: ANN201
    s = session()
    plan = planning.get_plan(s, path.id)
    _refuse_sealed(plan)
    stmt = select(Assignment).where(Assignment.plan_id == plan.id)
    page = paginate(stmt, (Assignment.key, Assignment.id), query, AssignmentOut, AssignmentPage)
    _add_names(page["items"])
    return page


def _refuse_sealed(plan: Plan) -> None:
    """Keep expert panels sealed: their assignments are served by the panels capability."""
    if plan.kind is PlanKind.PANEL:
        raise ApiError(403, "sealed", "专家抽取结果在评审会开始前保密，请通过专家抽取接口查看")


def _add_names(items: list[dict[str, Any]]) -> None:
    """Fill in staff names for display."""
    ids = {i["staff_id"] for i in items if i.get("staff_id")}
    if not ids:
        return
    names = dict(session().execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())
    for item in items:
        item["staff_name"] = names.get(item.get("staff_id"))


@bp.patch(
    "/<id>/assignments/<assignment_id>",
    summary="锁定、解锁或手工调整一项分配",
    description="pinned 锁定或解锁（草稿或已发布方案）；staff_id 改派他人（仅草稿，按规则复核）。",
    responses={200: AssignmentChanged, 409: ErrorEnvelope, 422: ErrorEnvelope},
)
@requires(ApiRole.COORDINATOR)
def patch_assignment(path: AssignmentPath, body: AssignmentPatch):  # noqa: ANN201
    s = session()
    plan = planning.get_plan(s, path.id)
    _refuse_sealed(plan)
    assignment = s.get(Assignment, path.assignment_id)
    if assignment is None or assignment.plan_id != plan.id:
        raise ApiError(404, "not_found", f"方案 {plan.id} 中没有编号为 {path.assignment_id} 的分配")
    if body.pinned is None and body.staff_id is None:
        raise ApiError(400, "invalid_request", "请至少提供 pinned 或 staff_id 之一")
    planning.check_lock(plan, body.lock_version)
    lock = body.lock_version
    if body.staff_id is not None:
        planning.edit_assignment(s, plan, assignment, body.staff_id, lock, actor())
        lock = plan.lock_version
    if body.pinned is not None:
        planning.set_pin(s, plan, assignment, body.pinned, lock, actor())
    s.commit()
    out = AssignmentOut.model_validate(assignment).model_dump(mode="json")
    _add_names([out])
    return AssignmentChanged.model_validate(
        {"assignment": out, "lock_version": plan.lock_version}
    ).model_dump(mode="json")


@bp.get(
    "/<id>/diff",
    summary="比较两个方案版本",
    description="按业务键列出新增、删除和变动（换人或换时间）的分配。",
    responses={200: DiffOut, 422: ErrorEnvelope},
)
def diff_plans(path: IdPath, query: DiffQuery):  # noqa: ANN201
    s = session()
    plan = planning.get_plan(s, path.id)
    against = planning.get_plan(s, query.against)
    _refuse_sealed(plan)
    return DiffOut.model_validate(planning.diff_plans(s, plan, against)).model_dump(mode="json")
