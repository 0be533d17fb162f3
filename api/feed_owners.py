"""Who can own a calendar feed, and the names their calendars carry."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Department, DutyPost, Expert, FeedOwner, Project, Staff, VipTeam

# Every owner kind is a table whose rows have a `name`.
OWNER_MODELS = {
    FeedOwner.STAFF: Staff,
    FeedOwner.EXPERT: Expert,
    FeedOwner.VIP_TEAM: VipTeam,
    FeedOwner.PROJECT: Project,
    FeedOwner.DEPARTMENT: Department,
    FeedOwner.DUTY_POST: DutyPost,
}
OWNER_ZH = {
    FeedOwner.STAFF: "工作人员",
    FeedOwner.EXPERT: "专家",
    FeedOwner.VIP_TEAM: "VIP服务团队",
    FeedOwner.PROJECT: "项目",
    FeedOwner.DEPARTMENT: "部门",
    FeedOwner.DUTY_POST: "值班岗位",
}


def owner_name(session: Session, owner_type: FeedOwner, owner_id: int) -> str | None:
    """Return the name of a feed owner, or None when there is no such owner."""
    model = OWNER_MODELS[owner_type]
    return session.scalar(select(model.name).where(model.id == owner_id))


def owner_names(session: Session, owner_type: FeedOwner, ids: Iterable[int]) -> dict[int, str]:
    """Return the names of several owners of one kind, by id (missing owners are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    model = OWNER_MODELS[owner_type]
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(wanted))).all())


def calendar_name(name: str) -> str:
    """Return the calendar title users see in their calendar app."""
    return f"{name}的零距离日程"
