"""The demo city: promised sizes, domain invariants, Chinese text and determinism by seed."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import models
from models import (
    Absence,
    Department,
    District,
    DistrictAdjacency,
    Enterprise,
    Expert,
    Level,
    NeedStatus,
    Post,
    PostHolding,
    Project,
    ReviewMeeting,
    Staff,
    StaffRole,
    StaffRoleGrant,
)
from models.db import make_engine
from models.demo import DemoSummary, is_loaded, load_demo

TODAY = dt.date(2026, 12, 1)
SEED = 2020
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fresh_engine() -> Engine:
    """Return an empty in-memory database with every table."""
    engine = make_engine("sqlite://")
    models.Base.metadata.create_all(engine)
    return engine


def load(seed: int = SEED) -> tuple[Engine, DemoSummary]:
    """Load the demo city into a fresh database and commit it."""
    engine = fresh_engine()
    with Session(engine) as session:
        summary = load_demo(session, seed=seed, today=TODAY)
        session.commit()
    return engine, summary


@pytest.fixture(scope="module")
def loaded() -> tuple[Engine, DemoSummary]:
    return load()


@pytest.fixture
def session(loaded: tuple[Engine, DemoSummary]) -> Iterator[Session]:
    with Session(loaded[0]) as s:
        yield s


def count(session: Session, entity: Any, *where: Any) -> int:
    """Count rows of an entity matching the conditions."""
    return session.scalar(select(func.count()).select_from(entity).where(*where)) or 0


def local(moment: dt.datetime) -> dt.datetime:
    """Return an aware instant as Asia/Shanghai wall-clock time."""
    assert moment.tzinfo is not None, "times must be stored timezone-aware"
    return moment.astimezone(SHANGHAI)


def snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Return expert names with their specialties and the staff rows, in a stable order."""
    with Session(engine) as s:
        experts = [
            (
                e.expert_no,
                e.name,
                e.pool_level.value,
                sorted((x.specialty.code, x.depth, x.primary) for x in e.specialties),
            )
            for e in s.scalars(select(Expert).order_by(Expert.expert_no))
        ]
        staff = [
            (
                st.employee_no,
                st.name,
                st.department.code,
                st.level.value,
                st.title,
                st.joined_on,
                st.retires_on,
                st.helper_capacity,
                [r.value for r in st.roles],
            )
            for st in s.scalars(select(Staff).order_by(Staff.employee_no))
        ]
    return experts, staff


def test_summary_reports_the_promised_minimum_counts(loaded: tuple[Engine, DemoSummary]) -> None:
    summary = loaded[1]
    assert summary.districts == 11
    assert summary.departments == 12
    assert summary.specialties >= 20
    assert summary.experts >= 300
    assert summary.staff >= 150
    assert summary.case_helpers >= 40
    assert summary.enterprises >= 80
    assert summary.projects >= 120
    assert summary.major_projects >= 40
    assert 25 <= summary.meetings <= 35
    assert summary.vip_teams == 11 + 2
    assert summary.rotation_periods == 8
    assert summary.courses >= 6
    assert summary.training_sessions >= 20
    assert summary.duty_posts == 4 * 12
    assert all(isinstance(v, int) for v in summary.as_dict().values())


def test_database_rows_match_the_summary(
    loaded: tuple[Engine, DemoSummary], session: Session
) -> None:
    summary = loaded[1]
    assert count(session, Expert) == summary.experts
    assert count(session, Staff) == summary.staff
    assert count(session, Enterprise) == summary.enterprises
    assert count(session, Project) == summary.projects
    assert count(session, Project, Project.is_major) == summary.major_projects
    assert count(session, ReviewMeeting) == summary.meetings
    assert count(session, Absence) == summary.absences


def test_every_major_project_has_a_pending_need_and_visits(session: Session) -> None:
    for project in session.scalars(select(Project).where(Project.is_major)):
        assert any(n.status is NeedStatus.PENDING for n in project.needs), project.name
        assert 2 <= len({n.department_id for n in project.needs}) <= 4
        assert 1 <= project.visits_per_month <= 2
        assert project.investment_wan > 0


def test_every_department_has_five_city_chief_representatives(session: Session) -> None:
    chiefs = Counter(
        session.scalars(
            select(Staff.department_id)
            .join(StaffRoleGrant)
            .where(
                StaffRoleGrant.role == StaffRole.CHIEF_REPRESENTATIVE,
                Staff.level == Level.CITY,
            )
        )
    )
    for department in session.scalars(select(Department)):
        assert chiefs[department.id] >= 5, department.name


def test_case_helpers_have_capacity_and_industries(session: Session) -> None:
    helpers = session.scalars(
        select(Staff).join(StaffRoleGrant).where(StaffRoleGrant.role == StaffRole.CASE_HELPER)
    ).all()
    assert len(helpers) >= 40
    assert all(2 <= s.helper_capacity <= 6 and s.industries for s in helpers)
    assert len({s.employee_no for s in session.scalars(select(Staff))}) == count(session, Staff)


def test_experts_have_overlapping_specialties(session: Session) -> None:
    experts = session.scalars(select(Expert)).all()
    used = {x.specialty_id for e in experts for x in e.specialties}
    assert len(used) >= 20
    assert all(1 <= len(e.specialties) <= 3 for e in experts)
    assert all(sum(x.primary for x in e.specialties) == 1 for e in experts)
    assert all(1 <= x.depth <= 5 for e in experts for x in e.specialties)
    multi = sum(len(e.specialties) >= 2 for e in experts)
    assert multi >= 0.3 * len(experts)
    city = sum(e.pool_level is Level.CITY for e in experts)
    assert 0.5 <= city / len(experts) <= 0.7
    assert all((e.district_id is None) == (e.pool_level is Level.CITY) for e in experts)


def test_contact_details_are_fake(session: Session) -> None:
    phones = [p for p in session.scalars(select(Expert.phone))]
    phones += [p for p in session.scalars(select(Staff.phone))]
    assert all(re.fullmatch(r"199-\d{4}-\d{4}", p or "") for p in phones)
    emails = list(session.scalars(select(Expert.email))) + list(
        session.scalars(select(Staff.email))
    )
    assert all((e or "").endswith("@example.cn") for e in emails)


def test_names_and_labels_are_chinese(session: Session) -> None:
    for name in [*session.scalars(select(Expert.name)), *session.scalars(select(Staff.name))]:
        assert CJK_NAME.match(name), name
    for meeting in session.scalars(select(ReviewMeeting)):
        assert CJK.search(meeting.matter) and CJK.search(meeting.location)
    for text in [
        *session.scalars(select(Enterprise.name)),
        *session.scalars(select(Enterprise.address)),
        *session.scalars(select(Project.name)),
        *session.scalars(select(Staff.title)),
        *session.scalars(select(District.hall_address)),
    ]:
        assert CJK.search(text), text


def test_credit_codes_are_unique_and_well_formed(session: Session) -> None:
    codes = list(session.scalars(select(Enterprise.credit_code)))
    assert len(set(codes)) == len(codes)
    weights = [pow(3, i, 31) for i in range(17)]
    for code in codes:
        assert len(code) == 18 and set(code) <= set(CODE_CHARS), code
        total = sum(CODE_CHARS.index(c) * w for c, w in zip(code[:17], weights, strict=True))
        assert CODE_CHARS[(31 - total % 31) % 31] == code[17], code


def test_adjacency_is_stored_once_smaller_id_first(session: Session) -> None:
    pairs = session.execute(select(DistrictAdjacency.district_id, DistrictAdjacency.neighbour_id))
    rows = pairs.all()
    assert rows and all(a < b for a, b in rows)


def test_meetings_have_seats_and_fall_in_the_coming_weeks(session: Session) -> None:
    meetings = session.scalars(select(ReviewMeeting)).all()
    for m in meetings:
        assert m.seats and all(1 <= s.count <= 3 for s in m.seats)
        assert 1 <= len(m.seats) <= 3
        assert m.ends_at > m.starts_at
        starts, ends = local(m.starts_at), local(m.ends_at)
        assert TODAY < starts.date() <= TODAY + dt.timedelta(weeks=6)
        assert starts.weekday() < 5 and starts.date() == ends.date()
        assert dt.time(9) <= starts.time() and ends.time() <= dt.time(17, 30)
        assert m.reserves_wanted == 2
        assert m.applicant_id == m.project.enterprise.organisation_id
    shared = Counter(m.matter_code for m in meetings)
    assert any(n >= 2 for n in shared.values())


def test_absences_fall_in_the_next_ninety_days(session: Session) -> None:
    absences = session.scalars(select(Absence)).all()
    assert absences
    for a in absences:
        assert a.ends_at > a.starts_at
        assert TODAY < local(a.starts_at).date() <= TODAY + dt.timedelta(days=90)


def test_posts_are_sized_to_their_current_holders(session: Session) -> None:
    for post in session.scalars(select(Post)):
        holders = count(
            session, PostHolding, PostHolding.post_id == post.id, PostHolding.ends_on.is_(None)
        )
        assert post.min_holders <= holders <= post.max_holders, post.code
    holding = select(PostHolding.staff_id).distinct()
    assert len(session.scalars(holding).all()) > 0.8 * count(session, Staff)


def test_same_seed_gives_identical_data_and_other_seed_differs(
    loaded: tuple[Engine, DemoSummary],
) -> None:
    first = snapshot(loaded[0])
    again_engine, again_summary = load(SEED)
    assert snapshot(again_engine) == first
    assert again_summary == loaded[1]
    other_experts, other_staff = snapshot(load(SEED + 1)[0])
    assert other_experts != first[0]
    assert other_staff != first[1]


def test_is_loaded_and_a_second_load_is_refused() -> None:
    engine = fresh_engine()
    with Session(engine) as session:
        assert not is_loaded(session)
        load_demo(session, seed=7, today=TODAY)
        assert is_loaded(session)
        with pytest.raises(ValueError):
            load_demo(session, seed=7, today=TODAY)


def test_loading_is_fast() -> None:
    engine = fresh_engine()
    started = time.perf_counter()
    with Session(engine) as session:
        load_demo(session, today=TODAY)
        session.commit()
    assert time.perf_counter() - started < 5
