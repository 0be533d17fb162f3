"""Deterministic demo city of Zibo (淄博): people, enterprises, projects and the coming weeks' work.

``load_demo`` fills an empty database with a fictional but plausible city built from the
vocabularies of ``models.demo_names``: districts and halls, departments, the expert pools,
approval staff and their roles, enterprises and projects, leave, review meetings, VIP teams,
joint sessions, posts with their holding history, training, and what the duty rosters must
cover. The same seed and ``today`` always give the same rows, so demos, screenshots and
benchmarks can be repeated; everything in time is anchored on ``today``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import demo_names as names
from models.duty import (
    CoverRequirement,
    DayType,
    DutyKind,
    DutyPost,
    ShiftSuccessionBan,
    ShiftType,
)
from models.meetings import (
    JointSession,
    MeetingMode,
    MeetingStatus,
    ReviewMeeting,
    ReviewSeat,
    SessionKind,
)
from models.org import (
    Department,
    District,
    DistrictAdjacency,
    DistrictKind,
    Industry,
    Level,
    Organisation,
    OrganisationKind,
    Qualification,
    Specialty,
)
from models.people import (
    Absence,
    AbsenceKind,
    ConflictKind,
    Expert,
    ExpertConflict,
    ExpertSpecialty,
    ExpertStatus,
    Staff,
    StaffQualification,
    StaffRole,
    StaffRoleGrant,
)
from models.projects import (
    DayPreference,
    Enterprise,
    EnterpriseDay,
    NeedStatus,
    Project,
    ProjectNeed,
    ProjectStage,
)
from models.rotation import PeriodGranularity, Post, PostHolding, RotationPeriod, RotationScope
from models.training import Course, TrainingSession
from models.visits import VipTeam, VipTeamMember

__all__ = ["DemoSummary", "is_loaded", "load_demo"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

# Sizes of the city; the tests assert the minimums the demo promises.
_ENTERPRISES: Final = 90
_EXTRA_PROJECTS: Final = 40
_MAJOR_PROJECTS: Final = 48
_EXPERTS: Final = 320
_CITY_POOL_SHARE: Final = 0.6
_MEETINGS: Final = 30
_TRAINING_SESSIONS: Final = 60

# How busy each district is: enterprises and district-pool experts follow these weights.
_DISTRICT_WEIGHTS: Final = MappingProxyType(
    {
        "zhangdian": 12,
        "zichuan": 9,
        "boshan": 8,
        "linzi": 12,
        "zhoucun": 8,
        "huantai": 9,
        "gaoqing": 5,
        "yiyuan": 6,
        "hightech": 12,
        "jingkai": 8,
        "wenchanghu": 4,
    }
)

# Each district's characteristic industries, so that Linzi gets chemicals and Boshan ceramics.
_DISTRICT_INDUSTRIES: Final = MappingProxyType(
    {
        "zhangdian": ("digital", "electronics", "equipment", "logistics", "pharma"),
        "zichuan": ("ceramics", "building_materials", "refractories", "equipment"),
        "boshan": ("ceramics", "refractories", "equipment", "tourism"),
        "linzi": ("petrochemical", "fine_chemicals", "new_materials", "tourism"),
        "zhoucun": ("textiles", "logistics", "tourism", "equipment"),
        "huantai": ("fine_chemicals", "petrochemical", "new_materials", "textiles"),
        "gaoqing": ("food", "fine_chemicals", "textiles"),
        "yiyuan": ("pharma", "food", "tourism"),
        "hightech": ("new_materials", "electronics", "pharma", "new_energy", "equipment"),
        "jingkai": ("nev_parts", "equipment", "new_energy", "logistics"),
        "wenchanghu": ("tourism", "digital", "food"),
    }
)

# County-level division codes for credit and project codes; the zones have none of their own,
# so 37039x is a placeholder.
_DIVISION_CODES: Final = MappingProxyType(
    {
        "zhangdian": "370303",
        "zichuan": "370302",
        "boshan": "370304",
        "linzi": "370305",
        "zhoucun": "370306",
        "huantai": "370321",
        "gaoqing": "370322",
        "yiyuan": "370323",
        "hightech": "370391",
        "jingkai": "370392",
        "wenchanghu": "370393",
    }
)

# GB/T 4754 industry divisions, the third segment of an investment project code.
_INDUSTRY_DIVISIONS: Final = MappingProxyType(
    {
        "new_materials": "26",
        "fine_chemicals": "26",
        "pharma": "27",
        "ceramics": "30",
        "equipment": "34",
        "electronics": "39",
        "nev_parts": "36",
        "petrochemical": "25",
        "textiles": "17",
        "food": "14",
        "new_energy": "38",
        "building_materials": "30",
        "refractories": "30",
        "logistics": "59",
        "digital": "65",
        "tourism": "90",
    }
)

_CHEMICAL_INDUSTRIES: Final = ("fine_chemicals", "petrochemical", "new_materials", "pharma")
_EPIDEMIC_INDUSTRIES: Final = ("pharma", "food", "textiles")

# (code, name) of staff qualifications that posts, duties and courses refer to.
_QUALIFICATIONS: Final = (
    ("hotline", "专线电话值守（首问负责制）"),
    ("combined_window", "综合受理窗口"),
    ("vip_service", "VIP上门服务"),
    ("case_helper", "帮办代办服务"),
    ("post_accept", "受理岗位资格"),
    ("post_review", "审查岗位资格"),
    ("post_survey", "现场踏勘资格"),
)

# (code, name, qualification, critical) of each department's posts; the first three always exist.
_DEPARTMENT_POSTS: Final = (
    ("accept", "受理岗", "post_accept", False),
    ("review", "审查岗", "post_review", True),
    ("issue", "发证岗", None, False),
    ("survey", "踏勘岗", "post_survey", False),
    ("helper", "帮办代办岗", "case_helper", False),
)
_HALL_POSTS: Final = (
    ("accept", "综合受理窗口岗", "combined_window", True),
    ("deliver", "综合出件窗口岗", None, False),
)

# (review suffix, specialties with the leading one first, industries it is typical of; empty
# means any industry).
_MATTERS: Final = (
    ("环境影响报告书技术评审", ("eia", "pollution_control", "water_resources"), ()),
    ("环境影响报告表技术评审", ("eia", "pollution_control"), ()),
    ("辐射环境影响评价技术评审", ("radiation", "eia"), ("electronics", "pharma")),
    ("安全预评价报告专家评审", ("safety", "hazchem", "chemical_process"), _CHEMICAL_INDUSTRIES),
    ("安全设施设计专家审查", ("safety", "fire", "electrical"), ()),
    (
        "化工工艺安全可靠性论证",
        ("chemical_process", "petrochemical", "hazchem"),
        _CHEMICAL_INDUSTRIES,
    ),
    ("职业病危害预评价报告评审", ("occupational_health", "safety"), ()),
    ("节能报告技术审查", ("energy_saving", "electrical", "hvac"), ()),
    ("可行性研究报告专家评估", ("investment", "finance", "mechanical"), ()),
    ("水土保持方案技术评审", ("soil_water", "geotechnical"), ()),
    ("防洪评价报告技术审查", ("flood", "water_resources", "municipal"), ()),
    ("水资源论证报告书评审", ("water_resources", "soil_water"), ()),
    ("交通影响评价报告评审", ("traffic_impact", "highway", "municipal"), ()),
    ("地质灾害危险性评估报告评审", ("geohazard", "geotechnical", "surveying"), ()),
    ("消防设计技术审查", ("fire", "architecture", "hvac"), ()),
    ("施工图设计文件技术审查", ("structural", "architecture", "geotechnical"), ()),
    ("规划设计方案专家论证", ("spatial_planning", "architecture", "traffic_impact"), ()),
    ("文物影响评估报告评审", ("cultural_relics", "architecture"), ("tourism",)),
    ("旅游规划方案评审", ("tourism_planning", "cultural_relics"), ("tourism",)),
    ("气候可行性论证报告评审", ("climate", "lightning"), ("new_energy", "tourism")),
    ("防雷装置设计技术评价", ("lightning", "electrical"), ()),
    ("社会稳定风险评估报告评审", ("law", "investment"), ()),
    ("药品生产质量风险评估", ("pharma", "food_safety"), ("pharma", "food")),
)

# Specialties every district pool keeps experts for, because every district reviews them.
_CORE_SPECIALTIES: Final = ("eia", "safety", "fire", "structural", "energy_saving", "soil_water")

# Keyword of the registration title (执业资格) that fits a specialty.
_SPECIALTY_TITLES: Final = MappingProxyType(
    {
        "eia": "环境影响评价",
        "safety": "安全工程师",
        "structural": "结构工程师",
        "geotechnical": "岩土",
        "architecture": "建筑师",
        "fire": "消防",
        "chemical_process": "化工工程师",
        "petrochemical": "化工工程师",
        "spatial_planning": "规划师",
        "surveying": "测绘师",
        "investment": "咨询工程师",
        "finance": "会计师",
        "law": "律师",
        "occupational_health": "医师",
    }
)
_EMPLOYER_KIND_WEIGHTS: Final = MappingProxyType(
    {
        "university": 3,
        "institute": 4,
        "design": 5,
        "consultancy": 5,
        "government_affiliated": 2,
        "enterprise": 1,
    }
)

# How likely each department is to still owe a project an approval item.
_NEED_WEIGHTS: Final = MappingProxyType(
    {
        "fgw": 6,
        "gxj": 4,
        "zrzyj": 6,
        "sthjj": 6,
        "zjj": 6,
        "jtj": 2,
        "slj": 3,
        "whlyj": 1,
        "yjj": 3,
        "spj": 3,
        "gaj": 0.5,
        "qxj": 1,
    }
)

# (kind, weight for staff, weight for experts, shortest and longest length in days, notes).
_ABSENCES: Final = (
    (AbsenceKind.ANNUAL_LEAVE, 50, 10, 1, 5, ("年休假", "探亲假", "调休")),
    (AbsenceKind.SICK_LEAVE, 10, 8, 1, 3, ("病假", "住院治疗")),
    (AbsenceKind.BUSINESS_TRIP, 20, 25, 2, 5, ("赴济南参加省级业务培训", "外出考察学习")),
    (
        AbsenceKind.DECLARED_UNAVAILABLE,
        5,
        50,
        1,
        14,
        ("本人申报暂不能参加评审", "承担重点课题，时间冲突"),
    ),
    (AbsenceKind.SECONDMENT, 3, 0, 30, 60, ("借调至省政务服务中心", "参加专项督导工作")),
    (AbsenceKind.OTHER, 2, 7, 1, 2, ("事假", "家中有事请假")),
)

# (code, name, start, minutes) of duty shifts, and pairs that may not follow on the next day.
_SHIFTS: Final = (
    ("early", "早班", dt.time(8, 30), 240),
    ("noon", "午间班", dt.time(12, 0), 120),
    ("afternoon", "下午班", dt.time(14, 0), 210),
    ("late", "延时班", dt.time(17, 30), 150),
    ("weekend", "周末班", dt.time(9, 0), 420),
)
# A late shift ends at 20:00: rest rules keep the same person off the next morning.
_SHIFT_BANS: Final = (("late", "early"), ("late", "weekend"), ("weekend", "late"))

# (shift, day type, needed at the city centre, needed at a district hall) per duty kind.
_COVER: Final = MappingProxyType(
    {
        DutyKind.HOTLINE: (
            ("early", DayType.WORKDAY, 1, 1),
            ("noon", DayType.WORKDAY, 1, 1),
            ("afternoon", DayType.WORKDAY, 1, 1),
            ("late", DayType.WORKDAY, 1, 0),
            ("weekend", DayType.WEEKEND, 1, 1),
            ("weekend", DayType.HOLIDAY, 1, 0),
        ),
        DutyKind.COMBINED_WINDOW: (
            ("early", DayType.WORKDAY, 3, 2),
            ("noon", DayType.WORKDAY, 1, 1),
            ("afternoon", DayType.WORKDAY, 3, 2),
        ),
        DutyKind.EXTENDED_HOURS: (
            ("late", DayType.WORKDAY, 2, 1),
            ("weekend", DayType.WEEKEND, 1, 0),
        ),
        DutyKind.APPOINTMENT: (
            ("early", DayType.WORKDAY, 1, 1),
            ("afternoon", DayType.WORKDAY, 1, 1),
            ("weekend", DayType.WEEKEND, 1, 0),
        ),
    }
)
# (name suffix, qualification, shortfall weight); the hotline carries first-inquiry duty.
_DUTY_KINDS: Final = MappingProxyType(
    {
        DutyKind.HOTLINE: ("重大项目专线电话", "hotline", 1000),
        DutyKind.COMBINED_WINDOW: ("综合受理窗口", "combined_window", 200),
        DutyKind.EXTENDED_HOURS: ("延时服务窗口", None, 100),
        DutyKind.APPOINTMENT: ("预约服务窗口", None, 100),
    }
)

# (code, name, hours, qualification granted, description).
_COURSES: Final = (
    (
        "KC01",
        "综合受理窗口业务培训",
        16,
        "combined_window",
        "一窗受理、无差别受理业务规范与系统操作",
    ),
    ("KC02", "专线电话首问负责制培训", 8, "hotline", "重大项目专线电话接听规范与首问负责制"),
    ("KC03", "审查岗位业务能力提升培训", 24, "post_review", "审查要点、裁量基准与典型案例"),
    ("KC04", "受理岗位规范化培训", 12, "post_accept", "受理标准、材料核验与容缺受理"),
    ("KC05", "现场踏勘实务培训", 12, "post_survey", "现场踏勘流程、记录规范与安全要求"),
    ("KC06", "帮办代办服务规范培训", 8, "case_helper", "帮办代办台账、全程跟踪与问题协调"),
    ("KC07", "VIP上门服务政策解读", 6, "vip_service", "惠企政策解读与上门服务工作规范"),
    ("KC08", "工程建设项目审批制度改革专题培训", 6, None, "工程建设项目审批流程再造与联合审批"),
    ("KC09", "承诺制审批与容缺受理实务", 4, None, "告知承诺制审批的适用范围与事中事后监管"),
    ("KC10", "政务服务礼仪与沟通技巧", 4, None, "窗口服务礼仪、沟通技巧与投诉处理"),
)

_BLOCKED_NOTES: Final = ("企业年度安全检修，暂不接待来访", "企业召开董事会", "生产线停产检修")
_PREFERRED_NOTES: Final = ("企业负责人在厂，欢迎上门服务", "项目例会日，相关负责人均在")
_CONFLICT_NOTES: Final = MappingProxyType(
    {
        ConflictKind.FORMER_EMPLOYER: ("曾在该单位任职", "曾在该单位从事技术工作"),
        ConflictKind.WORKED_WITH: ("曾为该企业编制技术报告", "参与该企业项目咨询服务"),
        ConflictKind.DECLARED_RELATION: ("近亲属在该企业担任高级管理人员", "本人持有该企业股份"),
    }
)
_VIDEO_LOCATION: Final = "远程视频会议（淄博市政务服务视频会商系统）"


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind the demo city holds."""

    districts: int
    departments: int
    specialties: int
    industries: int
    qualifications: int
    organisations: int
    experts: int
    expert_specialties: int
    expert_conflicts: int
    staff: int
    chief_representatives: int
    case_helpers: int
    enterprises: int
    projects: int
    major_projects: int
    project_needs: int
    enterprise_days: int
    absences: int
    meetings: int
    review_seats: int
    vip_teams: int
    joint_sessions: int
    posts: int
    rotation_periods: int
    post_holdings: int
    courses: int
    training_sessions: int
    duty_posts: int
    shift_types: int
    cover_requirements: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts by kind, in declaration order."""
        return dataclasses.asdict(self)


@dataclass
class _Build:
    """Working state of one generation run, never shared between runs."""

    rng: random.Random
    today: dt.date
    days_off: holidays.HolidayBase
    counts: Counter[str] = field(default_factory=Counter)
    used_names: set[str] = field(default_factory=set)
    districts: dict[str, District] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    specialties: dict[str, Specialty] = field(default_factory=dict)
    industries: dict[str, Industry] = field(default_factory=dict)
    qualifications: dict[str, Qualification] = field(default_factory=dict)
    # Expert employers with the district they are in.
    employers: list[tuple[Organisation, str]] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    experts: list[Expert] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    # Which rotation group a staff member holds posts in ("dept:fgw", "hall:city", …).
    post_group: dict[Staff, str | None] = field(default_factory=dict)
    staff_quals: dict[Staff, dict[str, dt.date]] = field(default_factory=dict)
    meetings: list[ReviewMeeting] = field(default_factory=list)


def is_loaded(session: Session) -> bool:
    """Return whether the database already holds a city (any district)."""
    return session.scalar(select(District.id).limit(1)) is not None


def load_demo(session: Session, *, seed: int = 2020, today: dt.date | None = None) -> DemoSummary:
    """Add a deterministic demo city to the session, flush it and return what was added."""
    if is_loaded(session):
        raise ValueError("the database already holds districts; load the demo into an empty one")
    today = today or dt.datetime.now(SHANGHAI).date()
    b = _Build(
        rng=random.Random(seed),
        today=today,
        days_off=holidays.China(years=range(today.year, today.year + 2)),
    )
    for step in (
        _districts,
        _vocabularies,
        _employers,
        _enterprises,
        _projects,
        _enterprise_days,
        _experts,
        _staff,
        _posts,
        _staff_qualifications,
        _rotation_periods,
        _meetings,
        _expert_conflicts,
        _absences,
        _vip_teams,
        _joint_sessions,
        _training,
        _duty,
    ):
        step(b, session)
    session.flush()
    summary = DemoSummary(**{f.name: b.counts[f.name] for f in dataclasses.fields(DemoSummary)})
    _log.info("demo city loaded (seed %s, today %s): %s", seed, today, summary.as_dict())
    return summary


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _at(day: dt.date, clock: dt.time | str) -> dt.datetime:
    """Return the Asia/Shanghai instant of a wall-clock time on a day."""
    if isinstance(clock, str):
        clock = dt.time.fromisoformat(clock)
    return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)


def _working_days(b: _Build, first: int, last: int) -> list[dt.date]:
    """List the weekdays that are not days off, from `first` to `last` days after today."""
    days = (b.today + dt.timedelta(days=n) for n in range(first, last + 1))
    return [d for d in days if d.weekday() < 5 and d not in b.days_off]


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    """Pick one key with probability proportional to its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _pick(rng: random.Random, items: Sequence[_T], k: int) -> list[_T]:
    """Pick up to k distinct items in random order."""
    return rng.sample(list(items), min(k, len(items)))


def _person_name(b: _Build) -> str:
    """Draw a Chinese personal name not used before in this city."""
    rng = b.rng
    # SURNAMES is ordered by frequency: a harmonic weight keeps 王 and 李 common, 诸葛 rare.
    weights = [1 / (i + 8) for i in range(len(names.SURNAMES))]
    while True:
        surname = rng.choices(names.SURNAMES, weights=weights)[0]
        given = rng.choice(names.GIVEN_CHARS)
        if len(surname) == 1 and rng.random() < 0.7:
            given += rng.choice(names.GIVEN_CHARS)
        name = surname + given
        if name not in b.used_names:
            b.used_names.add(name)
            return name


def _nice_number(rng: random.Random, low: int, high: int) -> int:
    """Draw a number in [low, high] rounded to two significant digits, as ledgers write it."""
    value = rng.randint(low, high)
    step = 10 ** max(0, len(str(value)) - 2)
    return max(low, value // step * step)


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """Draw a day in [first, last]; first when the range is empty."""
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _quarter_start(day: dt.date) -> dt.date:
    """Return the first day of the quarter holding a day."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_quarters(day: dt.date, n: int) -> dt.date:
    """Return the first day of the month n quarters after a month's first day."""
    month = day.year * 12 + day.month - 1 + 3 * n
    return dt.date(month // 12, month % 12 + 1, 1)


_CODE_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def _credit_code(rng: random.Random, division: str) -> str:
    """Draw a fake unified social credit code with valid GB 32100 and GB 11714 check digits."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    # "9" registers with market regulation, "1" marks an enterprise.
    head = "91" + division + org
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(head, _CODE_WEIGHTS, strict=True))
    return head + _CODE_CHARS[(31 - total % 31) % 31]


def _has_role(staff: Staff, role: StaffRole) -> bool:
    """Return whether a staff member holds a role."""
    return any(g.role is role for g in staff.role_grants)


def _grant(b: _Build, staff: Staff, code: str, on: dt.date) -> None:
    """Record that a staff member holds a qualification, keeping the earliest date."""
    held = b.staff_quals.setdefault(staff, {})
    held[code] = min(on, held.get(code, on))


# ---------------------------------------------------------------------------------------------
# Places and vocabularies
# ---------------------------------------------------------------------------------------------


def _districts(b: _Build, session: Session) -> None:
    """Add the districts and zones with their halls, and which of them are neighbours."""
    halls = dict(names.DISTRICT_HALLS)
    for code, zh, en, kind in names.DISTRICTS:
        b.districts[code] = District(
            code=code, name=zh, name_en=en, kind=DistrictKind(kind), hall_address=halls[code]
        )
    session.add_all(b.districts.values())
    session.flush()  # adjacency rows are stored by id, smaller first
    pairs = []
    for one, other in names.DISTRICT_ADJACENCY:
        low, high = sorted((b.districts[one].id, b.districts[other].id))
        pairs.append(DistrictAdjacency(district_id=low, neighbour_id=high))
    session.add_all(pairs)
    b.counts["districts"] = len(b.districts)


def _vocabularies(b: _Build, session: Session) -> None:
    """Add departments, specialties, industries and staff qualifications."""
    for code, zh, short, en in names.DEPARTMENTS:
        b.departments[code] = Department(code=code, name=zh, short_name=short, name_en=en)
    for code, zh, en, dept in names.SPECIALTIES:
        b.specialties[code] = Specialty(
            code=code, name=zh, name_en=en, department=b.departments.get(dept)
        )
    for code, zh in names.INDUSTRIES:
        b.industries[code] = Industry(code=code, name=zh)
    for code, zh in _QUALIFICATIONS:
        b.qualifications[code] = Qualification(code=code, name=zh)
    for kind in ("departments", "specialties", "industries", "qualifications"):
        rows = getattr(b, kind)
        session.add_all(rows.values())
        b.counts[kind] = len(rows)


def _employers(b: _Build, session: Session) -> None:
    """Add the universities, institutes and firms that employ pool experts."""
    for zh, kind, district in names.EXPERT_EMPLOYERS:
        org = Organisation(name=zh, kind=OrganisationKind(kind), district=b.districts.get(district))
        b.employers.append((org, district))
        b.used_names.add(zh)
    session.add_all(org for org, _ in b.employers)
    b.counts["organisations"] += len(b.employers)


# ---------------------------------------------------------------------------------------------
# Enterprises and projects
# ---------------------------------------------------------------------------------------------


def _industry_for(b: _Build, district: str) -> str:
    """Draw an industry, mostly one the district is known for."""
    typical = [c for c in _DISTRICT_INDUSTRIES.get(district, ()) if c in b.industries]
    if typical and b.rng.random() < 0.75:
        return b.rng.choice(typical)
    return b.rng.choice(list(b.industries))


def _enterprise_name(b: _Build, industry: str) -> str:
    """Draw an unused enterprise name from a brand name and an industry suffix."""
    suffixes = dict(names.ENTERPRISE_SUFFIXES).get(industry, ("有限公司",))
    while True:
        name = names.ENTERPRISE_NAME_PATTERN.format(
            prefix=b.rng.choice(names.ENTERPRISE_PREFIXES), suffix=b.rng.choice(suffixes)
        )
        if name not in b.used_names:
            b.used_names.add(name)
            return name


def _enterprises(b: _Build, session: Session) -> None:
    """Add enterprises, each with its own organisation, credit code and street address."""
    rng, streets = b.rng, dict(names.DISTRICT_STREETS)
    codes: set[str] = set()
    for i in range(_ENTERPRISES):
        code = _weighted(rng, _DISTRICT_WEIGHTS)
        district, industry = b.districts[code], _industry_for(b, code)
        name = _enterprise_name(b, industry)
        credit = _credit_code(rng, _DIVISION_CODES.get(code, "370300"))
        while credit in codes:
            credit = _credit_code(rng, _DIVISION_CODES.get(code, "370300"))
        codes.add(credit)
        priority = 0.35 if industry in _EPIDEMIC_INDUSTRIES else 0.05
        b.enterprises.append(
            Enterprise(
                organisation=Organisation(
                    name=name, kind=OrganisationKind.ENTERPRISE, district=district
                ),
                name=name,
                credit_code=credit,
                district=district,
                industry=b.industries[industry],
                address=f"淄博市{district.name}{rng.choice(streets[code])}{rng.randint(1, 399)}号",
                epidemic_priority=rng.random() < priority,
                contact_name=_person_name(b),
                contact_phone=f"199-0300-{i + 1:04d}",
            )
        )
    session.add_all(b.enterprises)
    b.counts["enterprises"] = len(b.enterprises)
    b.counts["organisations"] += len(b.enterprises)


def _project_name(b: _Build, industry: str) -> str:
    """Draw a project name in the ledger style of the enterprise's industry."""
    rng = b.rng
    products = dict(names.PRODUCTS).get(industry) or rng.choice(names.PRODUCTS)[1]
    sector = "service" if industry in names.SERVICE_INDUSTRIES else "manufacturing"
    patterns = [p for s, p in names.PROJECT_PATTERNS if s in (sector, "any")]
    for _ in range(20):
        product, unit, low, high = rng.choice(products)
        name = rng.choice(patterns).format(
            n=_nice_number(rng, low, high), unit=unit, product=product
        )
        if name not in b.used_names:
            break
    b.used_names.add(name)
    return name


def _projects(b: _Build, session: Session) -> None:
    """Add projects, one per enterprise and more for some, with the major ones flagged."""
    rng = b.rng
    owners = b.enterprises + [rng.choice(b.enterprises) for _ in range(_EXTRA_PROJECTS)]
    industrial = [
        i for i, e in enumerate(owners) if e.industry.code not in names.SERVICE_INDUSTRIES
    ]
    major = set(_pick(rng, industrial or range(len(owners)), _MAJOR_PROJECTS))
    serials = rng.sample(range(1000, 999999), len(owners))
    for i, enterprise in enumerate(owners):
        b.projects.append(_project(b, enterprise, i in major, serials[i]))
    session.add_all(b.projects)
    b.counts["projects"] = len(b.projects)
    b.counts["major_projects"] = sum(p.is_major for p in b.projects)
    b.counts["project_needs"] = sum(len(p.needs) for p in b.projects)


def _project(b: _Build, enterprise: Enterprise, is_major: bool, serial: int) -> Project:
    """Build one project of an enterprise with its stage, investment and pending needs."""
    rng, district = b.rng, enterprise.district
    industry = enterprise.industry.code
    started = b.today - dt.timedelta(days=rng.randint(30, 720))
    streets = dict(names.DISTRICT_STREETS)[district.code]
    one, other = _pick(rng, streets, 2)
    address = (
        enterprise.address if rng.random() < 0.5 else f"淄博市{district.name}{one}与{other}交汇处"
    )
    # Major city industrial projects are ten-figure yuan investments; others a few million.
    centre, low, high = (80000, 20000, 600000) if is_major else (6000, 500, 30000)
    investment = min(high, max(low, int(rng.lognormvariate(math.log(centre), 0.7))))
    stages = list(ProjectStage)
    stage = rng.choice(stages[1:6] if is_major else stages)
    division = _DIVISION_CODES.get(district.code, "370300")
    project = Project(
        code=f"{started.year}-{division}-{_INDUSTRY_DIVISIONS.get(industry, '00')}-03-{serial:06d}",
        name=_project_name(b, industry),
        enterprise=enterprise,
        district=district,
        industry=enterprise.industry,
        address=address,
        investment_wan=round(investment, -3 if is_major else -2),
        is_major=is_major,
        in_1n_scope=rng.random() < (0.8 if is_major else 0.25),
        green_channel=rng.random() < (0.6 if is_major else 0.05),
        stage=stage,
        visits_per_month=rng.randint(1, 2) if is_major else 0,
        started_on=started,
    )
    if is_major or rng.random() < 0.3:
        project.needs = _needs(b, industry, rng.randint(2, 4) if is_major else rng.randint(1, 2))
    return project


def _needs(b: _Build, industry: str, k: int) -> list[ProjectNeed]:
    """Draw pending approval items of k departments, the first always still pending."""
    rng, items = b.rng, dict(names.PENDING_ITEMS)
    weights = {c: w for c, w in _NEED_WEIGHTS.items() if c in b.departments and c in items}
    if industry in _CHEMICAL_INDUSTRIES:
        weights["yjj"] = weights.get("yjj", 0) + 5  # hazardous-chemicals safety reviews
    if industry == "tourism":
        weights["whlyj"] = weights.get("whlyj", 0) + 5
    needs = []
    for n in range(k):
        code = _weighted(rng, weights)
        del weights[code]
        done = n > 0 and rng.random() < 0.25
        needs.append(
            ProjectNeed(
                department=b.departments[code],
                item=rng.choice(items[code]),
                status=NeedStatus.DONE if done else NeedStatus.PENDING,
                note="已办结" if done else "",
            )
        )
        if not weights:
            break
    return needs


def _enterprise_days(b: _Build, session: Session) -> None:
    """Add days in the next month on which enterprises want, or cannot take, a visit."""
    rng, days = b.rng, _working_days(b, 1, 30)
    hosts = list(dict.fromkeys(p.enterprise for p in b.projects if p.is_major))
    rows = []
    for enterprise in hosts:
        if rng.random() >= 0.6:
            continue
        for day in sorted(_pick(rng, days, rng.randint(1, 3))):
            blocked = rng.random() < 0.6
            pref = DayPreference.BLOCKED if blocked else DayPreference.PREFERRED
            note = rng.choice(_BLOCKED_NOTES if blocked else _PREFERRED_NOTES)
            rows.append(EnterpriseDay(enterprise=enterprise, day=day, preference=pref, note=note))
    session.add_all(rows)
    b.counts["enterprise_days"] = len(rows)


# ---------------------------------------------------------------------------------------------
# Expert pools
# ---------------------------------------------------------------------------------------------


def _experts(b: _Build, session: Session) -> None:
    """Add the city and district expert pools with overlapping specialties and employers."""
    rng = b.rng
    codes = list(b.specialties)
    city = round(_EXPERTS * _CITY_POOL_SHARE)
    # Three city experts lead in each specialty, so every specialty can seat a panel.
    forced = codes * 3
    plan: list[tuple[str | None, str | None]] = [(None, c) for c in forced[:city]]
    plan += [(None, None)] * (city - len(plan))
    plan += [(_weighted(rng, _DISTRICT_WEIGHTS), None) for _ in range(_EXPERTS - city)]
    rng.shuffle(plan)
    focus = {d: _district_focus(b, codes) for d in b.districts}
    for i, (district, primary) in enumerate(plan, start=1):
        if primary is None:
            pool = focus[district] if district and rng.random() < 0.9 else codes
            primary = rng.choice(pool)
        b.experts.append(_expert(b, i, district, primary))
    session.add_all(b.experts)
    b.counts["experts"] = len(b.experts)
    b.counts["expert_specialties"] = sum(len(e.specialties) for e in b.experts)


def _district_focus(b: _Build, codes: list[str]) -> list[str]:
    """Return the specialties a district pool concentrates on: the core plus a few local ones."""
    core = [c for c in _CORE_SPECIALTIES if c in b.specialties]
    return core + _pick(b.rng, [c for c in codes if c not in core], 2)


def _specialty_codes(b: _Build, primary: str) -> list[str]:
    """Draw 1–3 specialties around a primary one, mostly from the groups that contain it."""
    rng = b.rng
    k = rng.choices((1, 2, 3), weights=(40, 40, 20))[0]
    near: list[str] = []
    for cluster in names.SPECIALTY_CLUSTERS:
        if primary in cluster:
            near += [c for c in cluster if c != primary and c in b.specialties and c not in near]
    chosen = [primary, *_pick(rng, near, k - 1)]
    # A few experts straddle unrelated fields, which is what makes review pools overlap.
    if len(chosen) < k or (k > 1 and rng.random() < 0.1):
        stray = rng.choice([c for c in b.specialties if c not in chosen])
        chosen = [*chosen[: k - 1], stray]
    return chosen


def _employer_for(b: _Build, district: str | None, primary: str) -> Organisation | None:
    """Draw an expert's employer: by specialty, near home for district pools, a few none."""
    rng = b.rng
    roll = rng.random()
    if roll < 0.03:
        return None  # independent or retired from employment
    if roll < 0.12:
        local = [e for e in b.enterprises if e.district.code == district] or b.enterprises
        return rng.choice(local).organisation
    if primary == "law":
        kinds = {"law_firm": 1.0}
    elif primary in ("occupational_health", "pharma") and rng.random() < 0.4:
        kinds = {"hospital": 1.0}
    else:
        kinds = dict(_EMPLOYER_KIND_WEIGHTS)
    kind = _weighted(rng, kinds)
    candidates = [(o, d) for o, d in b.employers if o.kind.value == kind] or b.employers
    local = [o for o, d in candidates if d == district]
    if local and rng.random() < 0.7:
        return rng.choice(local)
    return rng.choice(candidates)[0]


def _expert_title(b: _Build, employer: Organisation | None, primary: str) -> str:
    """Draw a title or registration fitting the expert's specialty and employer."""
    rng, titles = b.rng, names.EXPERT_TITLES
    hint = _SPECIALTY_TITLES.get(primary)
    if employer is not None and employer.kind is OrganisationKind.LAW_FIRM:
        hint = "律师"
    elif employer is not None and employer.kind is OrganisationKind.HOSPITAL:
        hint = "医师"
    elif employer is not None and employer.kind is OrganisationKind.UNIVERSITY:
        hint = "教授" if rng.random() < 0.7 else hint
    fitting = [t for t in titles if hint and hint in t]
    if fitting and (hint in ("律师", "医师", "教授") or rng.random() < 0.5):
        return rng.choice(fitting)
    generic = [t for t in titles if t.endswith(("高级工程师", "研究员"))] or list(titles)
    return rng.choice(generic)


def _expert(b: _Build, i: int, district: str | None, primary: str) -> Expert:
    """Build one expert of the city pool (district None) or of a district pool."""
    rng = b.rng
    employer = _employer_for(b, district, primary)
    status = rng.choices(list(ExpertStatus), weights=(94, 3, 3))[0]
    expert = Expert(
        expert_no=f"ZJ{i:05d}",
        name=_person_name(b),
        pool_level=Level.CITY if district is None else Level.DISTRICT,
        district=b.districts[district] if district else None,
        employer=employer,
        title=_expert_title(b, employer, primary),
        years_experience=rng.randint(5, 35),
        status=status,
        phone=f"199-0100-{i:04d}",
        email=f"zj{i:05d}@example.cn",
    )
    for n, code in enumerate(_specialty_codes(b, primary)):
        expert.specialties.append(
            ExpertSpecialty(
                specialty=b.specialties[code],
                depth=rng.randint(3, 5) if n == 0 else rng.randint(1, 4),
                primary=n == 0,
            )
        )
    return expert


def _expert_conflicts(b: _Build, session: Session) -> None:
    """Add avoidance ties: former employers, past work for applicants, declared relations."""
    rng, rows = b.rng, []
    applicants = list(dict.fromkeys(m.applicant for m in b.meetings))
    orgs = [e.organisation for e in b.enterprises]
    for expert in b.experts:
        if rng.random() >= 0.18:
            continue
        kind = rng.choices(list(ConflictKind), weights=(3, 5, 2))[0]
        if kind is ConflictKind.FORMER_EMPLOYER:
            org = rng.choice([o for o, _ in b.employers] + orgs)
        else:
            # Half of these point at this season's applicants so that avoidance actually bites.
            org = rng.choice(applicants if applicants and rng.random() < 0.5 else orgs)
        if org is expert.employer:
            continue
        rows.append(_conflict(b, expert, org, kind))
    session.add_all(rows)
    b.counts["expert_conflicts"] = len(rows)


def _conflict(b: _Build, expert: Expert, org: Organisation, kind: ConflictKind) -> ExpertConflict:
    """Build one avoidance tie with dates fitting its kind."""
    rng, today = b.rng, b.today
    if kind is ConflictKind.FORMER_EMPLOYER:
        since = today - dt.timedelta(days=rng.randint(8, 20) * 365)
        until: dt.date | None = today - dt.timedelta(days=rng.randint(1, 6) * 365)
    elif kind is ConflictKind.WORKED_WITH:
        # Avoidance lasts a while after the work; some ties have already lapsed.
        since = today - dt.timedelta(days=rng.randint(180, 900))
        until = since + dt.timedelta(days=rng.randint(90, 720))
    else:
        since, until = today - dt.timedelta(days=rng.randint(30, 3000)), None
    return ExpertConflict(
        expert=expert,
        organisation=org,
        kind=kind,
        since=since,
        until=until,
        note=rng.choice(_CONFLICT_NOTES[kind]),
    )


# ---------------------------------------------------------------------------------------------
# Staff, posts and qualifications
# ---------------------------------------------------------------------------------------------


def _new_staff(
    b: _Build,
    dept: str,
    district: District | None,
    band: str,
    roles: Sequence[StaffRole],
    group: str | None,
) -> Staff:
    """Build a staff member of a seniority band ("senior", "middle", "junior") with roles."""
    rng, n = b.rng, len(b.staff) + 1
    titles = {
        "senior": names.STAFF_TITLES[:2],
        "middle": names.STAFF_TITLES[2:6],
        "junior": names.STAFF_TITLES[6:],
    }[band]
    years = {"senior": (10, 30), "middle": (5, 20), "junior": (1, 10)}[band]
    joined = b.today - dt.timedelta(days=rng.randint(*years) * 365 + rng.randint(0, 364))
    retiring = rng.random() < (0.15 if band == "senior" else 0.03)
    staff = Staff(
        employee_no=f"ZB{n:05d}",
        name=_person_name(b),
        department=b.departments[dept],
        level=Level.CITY if district is None else Level.DISTRICT,
        district=district,
        title=rng.choice(titles),
        phone=f"199-0200-{n:04d}",
        email=f"zb{n:05d}@example.cn",
        joined_on=joined,
        retires_on=b.today + dt.timedelta(days=rng.randint(30, 720)) if retiring else None,
        role_grants=[StaffRoleGrant(role=r) for r in roles],
    )
    b.staff.append(staff)
    b.post_group[staff] = group
    return staff


def _staff(b: _Build, session: Session) -> None:
    """Add city and district staff with their roles, then pick the case helpers."""
    role = StaffRole
    for code in b.departments:
        group = f"dept:{code}"
        for _ in range(b.rng.randint(5, 6)):
            _new_staff(b, code, None, "senior", [role.CHIEF_REPRESENTATIVE], group)
        for _ in range(b.rng.randint(3, 5)):
            _new_staff(b, code, None, "middle", [role.BUSINESS_BACKBONE], group)
        for _ in range(b.rng.randint(1, 3)):
            _new_staff(b, code, None, "junior", [], group)
        for _ in range(6 if code == "spj" else 1):
            _new_staff(b, code, None, "junior", [role.WINDOW_CLERK], "hall:city")
    # The joint review office sits with the approval bureau and the reform commission.
    for code in ("spj", "spj", "fgw"):
        _new_staff(b, code, None, "middle", [role.COORDINATOR], None)
    branches = ("fgw", "gxj", "zrzyj", "sthjj", "zjj", "yjj", "slj", "jtj")
    for district in b.districts.values():
        hall = f"hall:{district.code}"
        _new_staff(b, "spj", district, "senior", [role.CHIEF_REPRESENTATIVE], None)
        for _ in range(3):
            _new_staff(b, "spj", district, "junior", [role.WINDOW_CLERK], hall)
        _new_staff(b, "spj", district, "middle", [role.COORDINATOR], None)
        for code in _pick(b.rng, [c for c in branches if c in b.departments], b.rng.randint(4, 5)):
            _new_staff(b, code, district, "middle", [role.BUSINESS_BACKBONE], hall)
    _case_helpers(b)
    _role_qualifications(b)
    session.add_all(b.staff)
    b.counts["staff"] = len(b.staff)
    b.counts["chief_representatives"] = sum(
        _has_role(s, StaffRole.CHIEF_REPRESENTATIVE) for s in b.staff
    )
    b.counts["case_helpers"] = sum(_has_role(s, StaffRole.CASE_HELPER) for s in b.staff)


def _case_helpers(b: _Build) -> None:
    """Make two staff per city department and per district case helpers, with their industries."""
    rng = b.rng
    teams: dict[tuple[str, str | None], list[Staff]] = {}
    for s in b.staff:
        if not (
            _has_role(s, StaffRole.CHIEF_REPRESENTATIVE) or _has_role(s, StaffRole.COORDINATOR)
        ):
            key = (s.department.code, None) if s.district is None else ("", s.district.code)
            teams.setdefault(key, []).append(s)
    for (_, district), members in teams.items():
        typical = [c for c in _DISTRICT_INDUSTRIES.get(district or "", ()) if c in b.industries]
        for s in _pick(rng, members, 2):
            s.role_grants.append(StaffRoleGrant(role=StaffRole.CASE_HELPER))
            s.helper_capacity = rng.randint(2, 6)
            pool = typical if typical and rng.random() < 0.7 else list(b.industries)
            s.industries = [b.industries[c] for c in _pick(rng, pool, rng.randint(1, 3))]


def _role_qualifications(b: _Build) -> None:
    """Grant the qualifications that come with each role."""
    rng, hotline_seen = b.rng, Counter()
    for s in b.staff:
        joined = s.joined_on or b.today
        since = _date_between(rng, joined, b.today)
        if _has_role(s, StaffRole.WINDOW_CLERK):
            _grant(b, s, "combined_window", since)
            hall = s.district.code if s.district else "city"
            # Every hall needs at least two people who may take the hotline.
            if hotline_seen[hall] < 2 or rng.random() < 0.5:
                hotline_seen[hall] += 1
                _grant(b, s, "hotline", since)
        if _has_role(s, StaffRole.CASE_HELPER):
            _grant(b, s, "case_helper", since)
        lead = _has_role(s, StaffRole.CHIEF_REPRESENTATIVE)
        if (lead or _has_role(s, StaffRole.BUSINESS_BACKBONE)) and rng.random() < 0.85:
            _grant(b, s, "vip_service", since)
        elif rng.random() < 0.1:
            _grant(b, s, "combined_window", since)  # 多面手 who could staff the hall


def _posts(b: _Build, session: Session) -> None:
    """Add department and hall posts sized to their holders, and who held them when."""
    groups: dict[str, list[Staff]] = {}
    for s, group in b.post_group.items():
        if group:
            groups.setdefault(group, []).append(s)
    posts: list[Post] = []
    holdings: list[PostHolding] = []
    for group, members in groups.items():
        made, made_holdings = _group_posts(b, group, members)
        posts += made
        holdings += made_holdings
    session.add_all(posts + holdings)
    b.counts["posts"] = len(posts)
    b.counts["post_holdings"] = len(holdings)


def _group_posts(
    b: _Build, group: str, members: list[Staff]
) -> tuple[list[Post], list[PostHolding]]:
    """Build the posts of one rotation group and the holdings of its members."""
    rng = b.rng
    kind, _, where = group.partition(":")
    if kind == "dept":
        dept, district, scope = b.departments[where], None, RotationScope.DEPARTMENT
        catalogue, label = _DEPARTMENT_POSTS[: rng.randint(3, 5)], dept.short_name
    else:
        dept, scope, catalogue = None, RotationScope.HALL, _HALL_POSTS
        district = None if where == "city" else b.districts[where]
        label = names.CITY_HALL if district is None else f"{district.name}政务服务中心"
    # A few people are between posts (new, seconded), so not every member holds one now.
    holders = [s for s in members if rng.random() > 0.07]
    if len(holders) < len(catalogue):
        holders = list(members)
    rng.shuffle(holders)
    shares = [holders[i :: len(catalogue)] for i in range(len(catalogue))]
    posts = []
    for (code, zh, qual, critical), current in zip(catalogue, shares, strict=True):
        max_holders = len(current) + rng.randint(1, 2)
        posts.append(
            Post(
                code=f"{kind}-{where}-{code}",
                name=f"{label}{zh}",
                department=dept,
                district=district,
                scope=scope,
                # Two below today's holders: room to rotate and to send people to training.
                min_holders=max(1 if critical else 0, len(current) - 2),
                max_holders=max_holders,
                min_qualified=min(1 if qual else 0, max_holders),
                max_consecutive_periods=8 if critical else (4 if kind == "hall" else 6),
                min_stay_periods=2,
                # Small halls have few people per window: a shorter bar on returning.
                no_return_periods=2 if kind == "hall" else 4,
                max_trainees_per_mentor=1,
                critical=critical,
                qualification=b.qualifications.get(qual) if qual else None,
            )
        )
    holdings = []
    for post, current in zip(posts, shares, strict=True):
        holdings += _holdings(b, post, posts, current)
    _successors(b, posts, members)
    return posts, holdings


def _successors(b: _Build, posts: list[Post], members: list[Staff]) -> None:
    """Qualify two more people of the group for each gated post, so its holders can rotate."""
    # Without a spare qualified person a gated post's holder can never leave it, and tenure
    # rules then make the first rotation plan impossible. No random draws here, so the rest of
    # the demo stays as it was.
    for post in posts:
        if post.qualification is None:
            continue
        code = post.qualification.code
        spare = [s for s in members if code not in b.staff_quals.get(s, {})][:2]
        for s in spare:
            _grant(b, s, code, max(s.joined_on or b.today, b.today - dt.timedelta(days=365)))


def _holdings(
    b: _Build, post: Post, siblings: list[Post], current: list[Staff]
) -> list[PostHolding]:
    """Build current holdings of a post and each holder's earlier posts in the same group."""
    rng, rows = b.rng, []
    gate = post.qualification.code if post.qualification else None
    # 以干代训: now and then the last holder learns the post under the first one.
    trainee = current[-1] if gate and len(current) >= 2 and rng.random() < 0.5 else None
    for s in current:
        joined = s.joined_on or b.today
        # Within the post's tenure limit, with room for a quarter more: a demo office whose
        # holders are all overdue for rotation on day one cannot be planned at all.
        back = min(rng.randint(0, 7), post.max_consecutive_periods - 2)
        start = max(joined, _add_quarters(_quarter_start(b.today), -back))
        mentor = current[0] if s is trainee else None
        rows.append(
            PostHolding(
                staff=s,
                post=post,
                starts_on=start,
                ends_on=None,
                as_trainee=bool(mentor),
                mentor=mentor,
            )
        )
        if gate and mentor is None:
            _grant(b, s, gate, _date_between(rng, joined, start))
        others = [p for p in siblings if p is not post]
        for _ in range(rng.choice((0, 1, 1, 2)) if others else 0):
            earlier = _add_quarters(_quarter_start(start), -rng.randint(2, 8))
            if earlier < joined:
                break
            past = rng.choice(others)
            rows.append(
                PostHolding(
                    staff=s, post=past, starts_on=earlier, ends_on=start - dt.timedelta(days=1)
                )
            )
            if past.qualification is not None:
                _grant(b, s, past.qualification.code, earlier)
            start = earlier
    return rows


def _staff_qualifications(b: _Build, session: Session) -> None:
    """Turn the granted qualifications into rows, adding a few cross-trained extras."""
    rng = b.rng
    for s in b.staff:
        if s.level is Level.CITY and rng.random() < 0.15:
            _grant(b, s, rng.choice(("post_accept", "post_review", "post_survey")), b.today)
        for code, since in b.staff_quals.get(s, {}).items():
            s.qualifications.append(
                StaffQualification(qualification=b.qualifications[code], acquired_on=since)
            )
    b.counts["qualifications"] = len(b.qualifications)


def _rotation_periods(b: _Build, session: Session) -> None:
    """Add eight quarters of rotation, starting with the quarter after today."""
    first = _add_quarters(_quarter_start(b.today), 1)
    periods = []
    for n in range(8):
        start = _add_quarters(first, n)
        quarter = (start.month - 1) // 3 + 1
        periods.append(
            RotationPeriod(
                code=f"{start.year}Q{quarter}",
                label=f"{start.year}年第{'一二三四'[quarter - 1]}季度",
                granularity=PeriodGranularity.QUARTER,
                starts_on=start,
                ends_on=_add_quarters(start, 1) - dt.timedelta(days=1),
            )
        )
    session.add_all(periods)
    b.counts["rotation_periods"] = len(periods)


# ---------------------------------------------------------------------------------------------
# Meetings, leave, teams and sessions
# ---------------------------------------------------------------------------------------------


def _pool_counts(b: _Build) -> dict[str | None, Counter[str]]:
    """Count active experts per specialty in the city pool (None) and each district pool."""
    pools: dict[str | None, Counter[str]] = {}
    for e in b.experts:
        if e.status is ExpertStatus.ACTIVE:
            key = e.district.code if e.district else None
            pools.setdefault(key, Counter()).update(s.specialty.code for s in e.specialties)
    return pools


def _seats(
    b: _Build, project: Project, pools: dict[str | None, Counter[str]], pool: str | None
) -> tuple[str, list[tuple[str, int]]]:
    """Choose a review matter for a project and the seats a pool can fill with two reserves."""
    rng, industry = b.rng, project.industry.code if project.industry else ""
    fitting = [m for m in _MATTERS if not m[2] or industry in m[2]]
    have = pools.get(pool, Counter())
    usable = [m for m in fitting if have[m[1][0]] >= 3]
    suffix, specialties, _ = rng.choice(usable or fitting)
    seats = []
    for n, code in enumerate(specialties[: rng.choice((1, 2, 2, 3))]):
        count = min(rng.randint(2, 3) if n == 0 else rng.randint(1, 2), have[code] - 2)
        if code in b.specialties and count > 0:
            seats.append((code, count))
    # Panels usually have an odd number of members, so votes cannot tie.
    if seats and sum(c for _, c in seats) % 2 == 0:
        code, count = seats[0]
        if count < 3 and have[code] - 2 > count:
            seats[0] = (code, count + 1)
        elif count > 1:
            seats[0] = (code, count - 1)
    return f"{project.name}{suffix}", seats


def _meetings(b: _Build, session: Session) -> None:
    """Add about 30 expert review meetings in the next six weeks, some matters met twice."""
    rng, days = b.rng, _working_days(b, 3, 42)
    pools = _pool_counts(b)
    majors = [p for p in b.projects if p.is_major]
    matter_no = 0
    # Bounded so that a pathological seed cannot loop forever; every try normally succeeds.
    for _ in range(_MEETINGS * 20):
        if len(b.meetings) >= _MEETINGS:
            break
        project = rng.choice(majors if rng.random() < 0.6 else b.projects)
        pool = project.district.code if rng.random() < 0.4 else None
        matter, seats = _seats(b, project, pools, pool)
        if not seats and pool is not None:
            pool = None  # the district pool is too thin: the city pool reviews it
            matter, seats = _seats(b, project, pools, pool)
        if not seats:
            continue
        matter_no += 1
        index = rng.randrange(len(days))
        for _ in range(min(rng.choice((1, 1, 1, 2, 2, 3)), _MEETINGS - len(b.meetings))):
            if index >= len(days):
                break
            b.meetings.append(
                _meeting(
                    b,
                    project,
                    pool,
                    matter,
                    f"SX{b.today.year}-{matter_no:03d}",
                    days[index],
                    seats,
                )
            )
            index += rng.randint(5, 10)  # a follow-up review once the report is revised
    session.add_all(b.meetings)
    b.counts["meetings"] = len(b.meetings)
    b.counts["review_seats"] = sum(len(m.seats) for m in b.meetings)


def _meeting(
    b: _Build,
    project: Project,
    pool: str | None,
    matter: str,
    matter_code: str,
    day: dt.date,
    seats: list[tuple[str, int]],
) -> ReviewMeeting:
    """Build one review meeting on a half day, on site or by video."""
    rng = b.rng
    if rng.random() < 0.5:
        start, end = rng.choice(("09:00", "09:30")), rng.choice(("11:30", "12:00"))
    else:
        start, end = rng.choice(("14:00", "14:30")), rng.choice(("17:00", "17:30"))
    home = b.districts[pool] if pool else None
    roll = rng.random()
    if roll < 0.25:
        mode, location, district = MeetingMode.VIDEO, _VIDEO_LOCATION, home
    elif roll < 0.6:
        mode, location, district = (
            MeetingMode.ON_SITE,
            f"项目现场：{project.address}",
            project.district,
        )
    elif home is not None:
        mode, location, district = MeetingMode.ON_SITE, f"{home.hall_address}专家评审室", home
    else:
        hall_district = b.districts.get(names.CITY_HALL_DISTRICT)
        mode, location, district = (
            MeetingMode.ON_SITE,
            f"{names.CITY_HALL}专家评审室",
            hall_district,
        )
    return ReviewMeeting(
        code=f"PS{b.today.year}-{len(b.meetings) + 1:03d}",
        matter=matter,
        matter_code=matter_code,
        project=project,
        applicant=project.enterprise.organisation,
        pool_level=Level.CITY if pool is None else Level.DISTRICT,
        district=district,
        mode=mode,
        location=location,
        starts_at=_at(day, start),
        ends_at=_at(day, end),
        reserves_wanted=2,
        status=MeetingStatus.REQUESTED,
        seats=[ReviewSeat(specialty=b.specialties[c], count=n) for c, n in seats],
    )


def _absences(b: _Build, session: Session) -> None:
    """Add leave and declared unavailability for about a tenth of people in the next 90 days."""
    rng, rows = b.rng, []
    people: list[Staff | Expert] = [
        *b.staff,
        *(e for e in b.experts if e.status is ExpertStatus.ACTIVE),
    ]
    for person in _pick(rng, people, round(len(people) * 0.1)):
        is_staff = isinstance(person, Staff)
        for _ in range(1 if rng.random() < 0.8 else 2):
            kind, _w1, _w2, shortest, longest, notes = rng.choices(
                _ABSENCES, weights=[a[1] if is_staff else a[2] for a in _ABSENCES]
            )[0]
            first = b.today + dt.timedelta(days=rng.randint(1, 90))
            if kind is AbsenceKind.ANNUAL_LEAVE and rng.random() < 0.2:
                starts, ends = _at(first, "08:30"), _at(first, "12:00")  # half a day off
            else:
                last = first + dt.timedelta(days=rng.randint(shortest, longest))
                starts, ends = _at(first, "00:00"), _at(last, "00:00")
            rows.append(
                Absence(
                    staff=person if is_staff else None,
                    expert=None if is_staff else person,
                    kind=kind,
                    starts_at=starts,
                    ends_at=ends,
                    note=rng.choice(notes),
                )
            )
    session.add_all(rows)
    b.counts["absences"] = len(rows)


def _vip_teams(b: _Build, session: Session) -> None:
    """Add a VIP team per district and two city teams, each led by a chief representative."""
    rng = b.rng
    city_chiefs: dict[str, list[Staff]] = {}
    city_backbones, teams = [], []
    for s in b.staff:
        if s.district is None and _has_role(s, StaffRole.CHIEF_REPRESENTATIVE):
            city_chiefs.setdefault(s.department.code, []).append(s)
        elif s.district is None and _has_role(s, StaffRole.BUSINESS_BACKBONE):
            city_backbones.append(s)
    rng.shuffle(city_backbones)
    for n, district in enumerate(b.districts.values()):
        local = [s for s in b.staff if s.district is district]
        lead = next(s for s in local if _has_role(s, StaffRole.CHIEF_REPRESENTATIVE))
        members = [lead, *(s for s in local if _has_role(s, StaffRole.BUSINESS_BACKBONE))]
        members.append(city_backbones[n % len(city_backbones)])
        teams.append(_team(f"{district.name}VIP服务团队", district, lead, members))
    depts = list(city_chiefs)
    rng.shuffle(depts)
    for n, label in enumerate(("一队", "二队")):
        chosen = depts[n * 6 : (n + 1) * 6]
        chiefs = [city_chiefs[d][n % len(city_chiefs[d])] for d in chosen]
        teams.append(_team(f"市级VIP服务{label}", None, chiefs[0], chiefs))
    session.add_all(teams)
    b.counts["vip_teams"] = len(teams)


def _team(name: str, district: District | None, lead: Staff, members: list[Staff]) -> VipTeam:
    """Build a VIP team whose members include its lead."""
    unique = list(dict.fromkeys(members))
    return VipTeam(
        name=name,
        district=district,
        lead=lead,
        members=[VipTeamMember(staff=s) for s in unique],
    )


def _joint_sessions(b: _Build, session: Session) -> None:
    """Add the fortnightly 1+N dispatch meeting and a few joint reviews by video."""
    rng = b.rng
    tuesday = b.today + dt.timedelta(days=(1 - b.today.weekday()) % 7 or 7)
    scope = [p for p in b.projects if p.is_major and p.in_1n_scope]
    depts = [b.departments[c] for c in ("fgw", "gxj", "zrzyj", "sthjj", "zjj", "yjj", "spj")]
    rows = [
        JointSession(
            kind=SessionKind.DISPATCH,
            title="1+N审批项目调度会",
            mode=MeetingMode.ON_SITE,
            district=b.districts.get(names.CITY_HALL_DISTRICT),
            location=f"{names.CITY_HALL}三楼调度会议室",
            starts_at=_at(tuesday, "09:00"),
            ends_at=_at(tuesday, "11:00"),
            recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            note="每两周一次，逐个调度1+N范围内项目审批进展，协调解决审批堵点",
            departments=depts,
            projects=scope,
        )
    ]
    days = _working_days(b, 5, 35)
    candidates = [p for p in b.projects if p.is_major and len(p.needs) >= 2]
    for project in _pick(rng, candidates, 4):
        day = rng.choice(days)
        rows.append(
            JointSession(
                kind=SessionKind.JOINT_REVIEW,
                title=f"{project.name}联合审查",
                mode=MeetingMode.VIDEO,
                district=project.district,
                location="远程视频联审系统",
                starts_at=_at(day, "14:30"),
                ends_at=_at(day, "16:30"),
                note="远程视频联审，企业线上参会",
                departments=list(dict.fromkeys(n.department for n in project.needs)),
                projects=[project],
            )
        )
    session.add_all(rows)
    b.counts["joint_sessions"] = len(rows)


# ---------------------------------------------------------------------------------------------
# Training and duty
# ---------------------------------------------------------------------------------------------


def _training(b: _Build, session: Session) -> None:
    """Add the courses and sixty sittings at the halls over the next thirteen months."""
    rng = b.rng
    courses = [
        Course(
            code=code,
            name=zh,
            hours=hours,
            qualification=b.qualifications.get(qual) if qual else None,
            description=text,
        )
        for code, zh, hours, qual, text in _COURSES
    ]
    days = _working_days(b, 7, 400)
    open_days = set(days)
    halls = [(None, names.CITY_HALL)] * 4 + [(d, d.hall_address) for d in b.districts.values()]
    sittings = []
    for n in range(_TRAINING_SESSIONS):
        course = courses[n % len(courses)]
        spans = -(-course.hours // 8)  # whole days of up to eight hours
        # A multi-day course runs on consecutive working days, never across a weekend.
        starts = [d for d in days if all(d + dt.timedelta(i) in open_days for i in range(spans))]
        day = rng.choice(starts)
        district, hall = rng.choice(halls)
        if spans == 1:
            start, end = ("09:00", "17:00") if course.hours > 4 else ("14:00", "17:30")
            begins, finishes = _at(day, start), _at(day, end)
        else:
            begins, finishes = _at(day, "09:00"), _at(day + dt.timedelta(days=spans - 1), "17:00")
        sittings.append(
            TrainingSession(
                code=f"PX{day:%Y%m}-{n + 1:02d}",
                course=course,
                starts_at=begins,
                ends_at=finishes,
                capacity=rng.randint(15, 40),
                location=f"{hall}培训教室",
                district=district,
            )
        )
    session.add_all(courses + sittings)
    b.counts["courses"] = len(courses)
    b.counts["training_sessions"] = len(sittings)


def _duty(b: _Build, session: Session) -> None:
    """Add shift types, rest rules, and the duty posts of every hall with their cover."""
    shifts = {
        code: ShiftType(code=code, name=zh, starts=start, minutes=minutes, is_night=False)
        for code, zh, start, minutes in _SHIFTS
    }
    session.add_all(shifts.values())
    session.flush()  # succession bans are stored by id
    session.add_all(
        ShiftSuccessionBan(shift_type_id=shifts[one].id, next_shift_type_id=shifts[two].id)
        for one, two in _SHIFT_BANS
    )
    halls = [(None, "city", "市政务服务中心", names.CITY_HALL)] + [
        (d, d.code, f"{d.name}政务服务中心", d.hall_address) for d in b.districts.values()
    ]
    posts, cover = [], 0
    for district, code, label, address in halls:
        for kind, (suffix, qual, weight) in _DUTY_KINDS.items():
            post = DutyPost(
                code=f"{code}-{kind.value}",
                name=f"{label}{suffix}",
                kind=kind,
                district=district,
                location=address,
                qualification=b.qualifications.get(qual) if qual else None,
                appointment_capacity=b.rng.randint(8, 16) if kind is DutyKind.APPOINTMENT else None,
            )
            for shift, day_type, at_city, at_district in _COVER[kind]:
                needed = at_city if district is None else at_district
                if needed:
                    post.cover.append(
                        CoverRequirement(
                            shift_type=shifts[shift],
                            day_type=day_type,
                            required=needed,
                            shortfall_weight=weight,
                            surplus_weight=1,
                        )
                    )
            cover += len(post.cover)
            posts.append(post)
    session.add_all(posts)
    b.counts["duty_posts"] = len(posts)
    b.counts["shift_types"] = len(shifts)
    b.counts["cover_requirements"] = cover
