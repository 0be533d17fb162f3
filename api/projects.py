"""Read-only resources for enterprises and their projects; enterprise contacts stay private."""

import datetime as dt
from typing import Annotated

from pydantic import Field
from sqlalchemy.orm import selectinload

from api.filters import ById, Code, Search, code_field, has_code, id_field, search_field
from api.readonly import PageQuery, Resource, contains
from api.refs import CodeRef, NameRef, Out
from models import Enterprise, NeedStatus, Project, ProjectNeed, ProjectStage


class EnterpriseOut(Out):
    """An enterprise (企业): applicant of approval matters and host of on-site visits."""

    id: int
    name: str
    credit_code: str = Field(description="统一社会信用代码")
    organisation_id: int = Field(description="作为单位的编号（专家回避用）")
    district: CodeRef
    industry: CodeRef | None
    address: str
    epidemic_priority: bool = Field(description="疫情防控重点保障企业")


class EnterpriseQuery(PageQuery):
    """Filters of the enterprise list."""

    district: Code | None = code_field("区县")
    industry: Code | None = code_field("行业")
    epidemic_priority: bool | None = Field(None, description="是否疫情防控重点保障企业")
    q: Search | None = search_field("名称或统一社会信用代码")


class NeedOut(Out):
    """An approval item a department still has to handle for a project (待办审批事项)."""

    id: int
    department: CodeRef
    item: str
    status: NeedStatus


class ProjectOut(Out):
    """An investment project of an enterprise (项目)."""

    id: int
    code: str
    name: str
    enterprise: NameRef
    district: CodeRef
    industry: CodeRef | None
    address: str
    investment_wan: int = Field(description="总投资（万元）")
    is_major: bool = Field(description="市工业重大项目")
    in_1n_scope: bool = Field(description="1+N 审批范围")
    green_channel: bool = Field(description="绿色通道")
    stage: ProjectStage
    visits_per_month: int = Field(description="每月应上门服务次数")
    started_on: dt.date | None
    needs: Annotated[list[NeedOut], ById]


class ProjectQuery(PageQuery):
    """Filters of the project list."""

    district: Code | None = code_field("区县")
    industry: Code | None = code_field("行业")
    is_major: bool | None = Field(None, description="是否市工业重大项目")
    in_1n_scope: bool | None = Field(None, description="是否在 1+N 审批范围")
    green_channel: bool | None = Field(None, description="是否走绿色通道")
    stage: ProjectStage | None = Field(None, description="项目阶段")
    enterprise_id: int | None = id_field("企业")
    q: Search | None = search_field("名称或项目编号")


RESOURCES = [
    Resource(
        "enterprises",
        Enterprise,
        EnterpriseOut,
        EnterpriseQuery,
        filters={
            "district": has_code(Enterprise.district),
            "industry": has_code(Enterprise.industry),
            "q": contains(Enterprise.name, Enterprise.credit_code),
        },
        options=(
            # Many-to-one refs by selectin: several pages of rows share few districts.
            selectinload(Enterprise.district),
            selectinload(Enterprise.industry),
        ),
        label_zh="企业",
        description="申报审批事项、接待上门服务的企业；不含联系人和电话。",
    ),
    Resource(
        "projects",
        Project,
        ProjectOut,
        ProjectQuery,
        filters={
            "district": has_code(Project.district),
            "industry": has_code(Project.industry),
            "q": contains(Project.name, Project.code),
        },
        options=(
            selectinload(Project.enterprise),
            selectinload(Project.district),
            selectinload(Project.industry),
            selectinload(Project.needs).joinedload(ProjectNeed.department),
        ),
        label_zh="项目",
        description="企业投资项目及各部门待办审批事项。",
    ),
]
