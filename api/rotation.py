"""Read-only resources for posts and rotation periods (轮岗制)."""

import datetime as dt

from pydantic import Field
from sqlalchemy.orm import selectinload

from api.filters import Code, Search, code_field, has_code, search_field
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, Out
from models import PeriodGranularity, Post, RotationPeriod, RotationScope


class PostOut(Out):
    """A post (岗位) that staff hold for whole rotation periods, with its rotation rules."""

    id: int
    code: str
    name: str
    department: CodeRef | None
    district: CodeRef | None
    scope: RotationScope
    min_holders: int
    max_holders: int
    min_qualified: int = Field(description="至少应有的持证人数")
    max_consecutive_periods: int = Field(description="连续任职最多周期数")
    min_stay_periods: int = Field(description="到岗后至少任职周期数")
    no_return_periods: int = Field(description="离岗后不得返回的周期数")
    max_trainees_per_mentor: int = Field(description="每位带教人最多带教人数（以干代训）")
    critical: bool = Field(description="关键岗位")
    qualification: CodeRef | None


class PostQuery(PageQuery):
    """Filters of the post list."""

    department: Code | None = code_field("部门")
    district: Code | None = code_field("区县")
    scope: RotationScope | None = Field(None, description="本部门岗位或大厅综合窗口岗位")
    critical: bool | None = Field(None, description="是否关键岗位")
    q: Search | None = search_field("名称或岗位编码")


class RotationPeriodOut(Out):
    """A month or quarter of a rotation plan."""

    id: int
    code: str
    label: str
    granularity: PeriodGranularity
    starts_on: dt.date
    ends_on: dt.date


class RotationPeriodQuery(PageQuery):
    """Filters of the rotation period list."""

    granularity: PeriodGranularity | None = Field(None, description="月或季度")


RESOURCES = [
    Resource(
        "posts",
        Post,
        PostOut,
        PostQuery,
        filters={
            "department": has_code(Post.department),
            "district": has_code(Post.district),
            "q": contains(Post.name, Post.code),
        },
        options=(
            selectinload(Post.department),
            selectinload(Post.district),
            selectinload(Post.qualification),
        ),
        label_zh="岗位",
        description="轮岗的岗位及其任职规则。",
    ),
    Resource(
        "rotation-periods",
        RotationPeriod,
        RotationPeriodOut,
        RotationPeriodQuery,
        order_by=(RotationPeriod.starts_on, RotationPeriod.id),
        label_zh="轮岗周期",
        description="轮岗方案的月度或季度周期。",
    ),
]
