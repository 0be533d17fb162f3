"""Every read-only resource lists, pages, filters and refuses bad input in the error envelope."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from api import org, plans
from api.readonly import MAX_ID, MAX_PER_PAGE, Resource
from api.registry import READONLY_MODULES
from models import (
    Enterprise,
    Expert,
    HalfDay,
    JobStatus,
    MeetingStatus,
    PeriodGranularity,
    Plan,
    PlanKind,
    PlanStatus,
    Project,
    ReviewMeeting,
    RotationPeriod,
    ShiftType,
    Staff,
    VipTeam,
    Visit,
    VisitStatus,
)

BEIJING = ZoneInfo("Asia/Shanghai")
# Plans have their own blueprint (jobs, publish, pins) but list and get like every resource.
ALL: dict[str, Resource] = {r.name: r for m in READONLY_MODULES for r in m.RESOURCES} | {
    "plans": plans.RESOURCE
}
# The resources of the domain modules; the vocabularies in api/org.py have their own tests.
DOMAIN = [name for name, r in ALL.items() if r not in org.RESOURCES]
PRIVATE_KEYS = {"phone", "email", "contact_name", "contact_phone", "seed", "note"}
ENVELOPE_KEYS = {"code", "message", "details"}

Item = dict[str, Any]
Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def get_json(client, url: str, expect: int = 200, /, **params: Any) -> Json:  # noqa: ANN001
    """GET a URL with query parameters and return the JSON body, checking the status."""
    resp = client.get(url, query_string=params)
    assert resp.status_code == expect, (url, params, resp.status_code, resp.get_data(as_text=True))
    assert resp.is_json
    return resp.json


def assert_error(client, url: str, expect: int, /, **params: Any) -> Json:  # noqa: ANN001
    """GET a URL expecting an error in the one envelope, and return the error body."""
    body = get_json(client, url, expect, **params)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == ENVELOPE_KEYS, body
    assert body["error"]["message"], body
    return body["error"]


def fetch_all(client, name: str, /, **params: Any) -> list[Item]:  # noqa: ANN001
    """Return every item of a list, following the pages."""
    items: list[Item] = []
    page = 1
    while True:
        body = get_json(client, f"/api/v1/{name}", page=page, per_page=MAX_PER_PAGE, **params)
        items.extend(body["items"])
        if page >= body["pages"]:
            assert len(items) == body["total"]
            return items
        page += 1


def keys_of(doc: Any) -> Iterator[str]:
    """Yield every key at any depth of a JSON document."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield key
            yield from keys_of(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from keys_of(value)


def instant(text: str) -> dt.datetime:
    """Parse an output timestamp, which must carry an offset."""
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def beijing_midnight(day: str) -> dt.datetime:
    """Return 00:00 Beijing time of an ISO date."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), BEIJING)


def enum_fields(query: type) -> dict[str, type[enum.Enum]]:
    """Return the query fields whose values are members of an enum."""
    found = {}
    for name, info in query.model_fields.items():
        for arg in (info.annotation, *typing.get_args(info.annotation)):
            if isinstance(arg, type) and issubclass(arg, enum.Enum):
                found[name] = arg
    return found


# ---------------------------------------------------------------------------------------------
# Plans and visits: the demo city has none (solves make them); add a few for each test
# ---------------------------------------------------------------------------------------------

SECRET_SEED = 918_273_645_546_372_819


def add_test_rows(session) -> list[Plan]:  # noqa: ANN001
    """Add plans of several kinds and states, visits of two plan versions, and some variety."""
    day = dt.date(2026, 12, 2)
    draw = Plan(
        kind=PlanKind.PANEL,
        scope="meeting:TEST-1",
        version=1,
        status=PlanStatus.DRAFT,
        job_status=JobStatus.SUCCEEDED,
        title="专家抽取（测试）",
        seed=SECRET_SEED,
        seed_commitment="ab" * 32,
        # A solver that echoes its parameters must not leak the seed through the report.
        report={"status": "optimal", "objective": 12, "params": {"seed": SECRET_SEED}},
    )
    old = Plan(
        kind=PlanKind.VISIT,
        scope="city",
        version=1,
        status=PlanStatus.SUPERSEDED,
        job_status=JobStatus.SUCCEEDED,
        title="上门服务 12 月（第 1 版）",
        horizon_start=day,
        horizon_end=day + dt.timedelta(days=27),
        published_at=dt.datetime(2026, 11, 25, 10, tzinfo=BEIJING),
        report={"status": "feasible", "gap": 0.02},
    )
    new = Plan(
        kind=PlanKind.VISIT,
        scope="city",
        version=2,
        status=PlanStatus.PUBLISHED,
        job_status=JobStatus.SUCCEEDED,
        title="上门服务 12 月（第 2 版）",
        horizon_start=day,
        horizon_end=day + dt.timedelta(days=27),
        based_on=old,
        published_at=dt.datetime(2026, 11, 28, 16, 30, tzinfo=BEIJING),
    )
    roster = Plan(
        kind=PlanKind.ROSTER,
        scope="district:zhangdian",
        version=1,
        job_status=JobStatus.RUNNING,
    )
    session.add_all([draw, old, new, roster])
    majors = session.scalars(select(Project).where(Project.is_major).order_by(Project.id)).all()
    teams = session.scalars(select(VipTeam).order_by(VipTeam.id)).all()
    statuses = list(VisitStatus)
    for plan, count in ((old, 3), (new, 8)):
        for i, project in enumerate(majors[:count]):
            when = day + dt.timedelta(days=i // 2)
            slot = HalfDay.AM if i % 2 == 0 else HalfDay.PM
            start = dt.time(9) if slot is HalfDay.AM else dt.time(14, 30)
            starts_at = dt.datetime.combine(when, start, BEIJING)
            session.add(
                Visit(
                    plan=plan,
                    project=project,
                    team=teams[i % len(teams)] if i % 4 else None,
                    day=when,
                    slot=slot,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(hours=2, minutes=30),
                    status=statuses[i % len(statuses)],
                )
            )
    # The demo city is uniform in a few filtered columns; vary them so filters can be seen.
    session.scalars(select(Staff).order_by(Staff.id.desc()).limit(1)).one().active = False
    teams[-1].active = False
    session.add(
        RotationPeriod(
            code="2027-01",
            label="2027年1月",
            granularity=PeriodGranularity.MONTH,
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 1, 31),
        )
    )
    session.add(
        ShiftType(
            code="T-NIGHT", name="夜班（测试）", starts=dt.time(22), minutes=600, is_night=True
        )
    )
    meeting = session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.id).limit(1)).one()
    meeting.status = MeetingStatus.HELD
    session.flush()
    return [draw, old, new, roster]


@pytest.fixture
def client(client, db_session):  # noqa: ANN001, ANN201
    """Return a test client on the demo city plus a few plans and visits."""
    add_test_rows(db_session)
    return client


# ---------------------------------------------------------------------------------------------
# Filter cases: how to pick a value from an item and whether an item matches it
# ---------------------------------------------------------------------------------------------


def ref(key: str, attr: str = "code") -> Callable[[Item], list[Any]]:
    """Return the attribute of a nested reference, if present."""
    return lambda item: [item[key][attr]] if item.get(key) else []


def refs(key: str, attr: str = "code") -> Callable[[Item], list[Any]]:
    """Return the attribute of every reference in a nested list."""
    return lambda item: [r[attr] for r in item[key]]


def field(key: str) -> Callable[[Item], list[Any]]:
    """Return a plain field (booleans and enums as sent in a query string)."""

    def values(item: Item) -> list[Any]:
        value = item[key]
        return [] if value is None else [str(value).lower() if isinstance(value, bool) else value]

    return values


def substring(*keys: str) -> Callable[[Item], list[Any]]:
    """Return candidate search texts (whole field values), matched as substrings."""
    return lambda item: [item[k] for k in keys if item.get(k)]


def day_of(key: str) -> Callable[[Item], list[Any]]:
    """Return the Beijing date of a timestamp field."""
    return lambda item: [instant(item[key]).astimezone(BEIJING).date().isoformat()]


@dataclass(frozen=True)
class Case:
    """A filter of a resource: candidate values taken from items, and the matching rule."""

    resource: str
    param: str
    values: Callable[[Item], list[Any]]
    # Whether an item matches the value; by default, when the item offers that value.
    holds: Callable[[Item, Any], bool] | None = None

    def matches(self, item: Item, value: Any) -> bool:
        """Tell whether an item should be in the filtered list."""
        if self.holds is not None:
            return self.holds(item, value)
        return value in self.values(item)

    def __str__(self) -> str:
        return f"{self.resource}?{self.param}"


def contains_text(*keys: str) -> Callable[[Item, Any], bool]:
    """Return the rule of a case-insensitive substring search over some fields."""
    return lambda item, text: any(text.lower() in (item.get(k) or "").lower() for k in keys)


def at_or_after(key: str) -> Callable[[Item, Any], bool]:
    """Return the rule of a starts_after filter."""
    return lambda item, text: instant(item[key]) >= instant(text)


def strictly_before(key: str) -> Callable[[Item, Any], bool]:
    """Return the rule of a starts_before filter."""
    return lambda item, text: instant(item[key]) < instant(text)


CASES = [
    Case("experts", "pool_level", field("pool_level")),
    Case("experts", "district", ref("district")),
    Case("experts", "specialty", refs("specialties")),
    Case("experts", "status", field("status")),
    Case("experts", "employer_id", ref("employer", "id")),
    Case("experts", "q", substring("name"), contains_text("name", "expert_no")),
    Case("staff", "department", ref("department")),
    Case("staff", "district", ref("district")),
    Case("staff", "level", field("level")),
    Case("staff", "role", lambda item: item["roles"]),
    Case("staff", "qualification", lambda item: item["qualifications"]),
    Case("staff", "active", field("active")),
    Case("staff", "q", substring("name"), contains_text("name", "employee_no")),
    Case("absences", "staff_id", ref("staff", "id")),
    Case("absences", "expert_id", ref("expert", "id")),
    Case("absences", "kind", field("kind")),
    Case(
        "absences",
        "overlaps_from",
        day_of("starts_at"),
        lambda item, day: instant(item["ends_at"]) > beijing_midnight(day),
    ),
    Case(
        "absences",
        "overlaps_to",
        day_of("ends_at"),
        lambda item, day: instant(item["starts_at"]) < beijing_midnight(day) + dt.timedelta(days=1),
    ),
    Case("enterprises", "district", ref("district")),
    Case("enterprises", "industry", ref("industry")),
    Case("enterprises", "epidemic_priority", field("epidemic_priority")),
    Case("enterprises", "q", substring("name"), contains_text("name", "credit_code")),
    Case("projects", "district", ref("district")),
    Case("projects", "industry", ref("industry")),
    Case("projects", "is_major", field("is_major")),
    Case("projects", "in_1n_scope", field("in_1n_scope")),
    Case("projects", "green_channel", field("green_channel")),
    Case("projects", "stage", field("stage")),
    Case("projects", "enterprise_id", ref("enterprise", "id")),
    Case("projects", "q", substring("name"), contains_text("name", "code")),
    Case("review-meetings", "pool_level", field("pool_level")),
    Case("review-meetings", "district", ref("district")),
    Case("review-meetings", "mode", field("mode")),
    Case("review-meetings", "status", field("status")),
    Case("review-meetings", "project_id", ref("project", "id")),
    Case("review-meetings", "starts_after", field("starts_at"), at_or_after("starts_at")),
    Case("review-meetings", "starts_before", field("starts_at"), strictly_before("starts_at")),
    Case("joint-sessions", "kind", field("kind")),
    Case("joint-sessions", "mode", field("mode")),
    Case("joint-sessions", "district", ref("district")),
    Case("joint-sessions", "department", refs("departments")),
    Case("joint-sessions", "project_id", refs("projects", "id")),
    Case("joint-sessions", "starts_after", field("starts_at"), at_or_after("starts_at")),
    Case("joint-sessions", "starts_before", field("starts_at"), strictly_before("starts_at")),
    Case("vip-teams", "district", ref("district")),
    Case("vip-teams", "active", field("active")),
    Case("vip-teams", "q", substring("name"), contains_text("name")),
    Case("visits", "plan_id", field("plan_id")),
    Case("visits", "project_id", ref("project", "id")),
    Case("visits", "team_id", ref("team", "id")),
    Case("visits", "status", field("status")),
    Case("visits", "slot", field("slot")),
    Case("visits", "day_from", field("day"), lambda item, day: item["day"] >= day),
    Case("visits", "day_to", field("day"), lambda item, day: item["day"] <= day),
    Case("posts", "department", ref("department")),
    Case("posts", "district", ref("district")),
    Case("posts", "scope", field("scope")),
    Case("posts", "critical", field("critical")),
    Case("posts", "q", substring("name"), contains_text("name", "code")),
    Case("rotation-periods", "granularity", field("granularity")),
    Case("courses", "qualification", ref("qualification")),
    Case("courses", "q", substring("name"), contains_text("name", "code")),
    Case("training-sessions", "course_id", ref("course", "id")),
    Case("training-sessions", "district", ref("district")),
    Case("training-sessions", "starts_after", field("starts_at"), at_or_after("starts_at")),
    Case("training-sessions", "starts_before", field("starts_at"), strictly_before("starts_at")),
    Case("duty-posts", "kind", field("kind")),
    Case("duty-posts", "district", ref("district")),
    Case("duty-posts", "q", substring("name"), contains_text("name", "code")),
    Case("shift-types", "is_night", field("is_night")),
    Case("plans", "kind", field("kind")),
    Case("plans", "scope", field("scope")),
    Case("plans", "status", field("status")),
    Case("plans", "job_status", field("job_status")),
]

# Filters by the code of a vocabulary entry: an unknown code is an empty list, not an error.
CODE_FILTERS = [
    (c.resource, c.param)
    for c in CASES
    if c.param in {"district", "department", "specialty", "industry", "qualification"}
]


def query_fields(name: str) -> set[str]:
    """Return the filter names of a resource (without pagination)."""
    return set(ALL[name].query.model_fields) - {"page", "per_page"}


# ---------------------------------------------------------------------------------------------
# The document and the lists
# ---------------------------------------------------------------------------------------------


def test_every_domain_filter_has_a_case() -> None:
    covered = {(c.resource, c.param) for c in CASES}
    declared = {(name, f) for name in DOMAIN for f in query_fields(name)}
    assert declared == covered


def test_openapi_lists_every_resource_path(client) -> None:  # noqa: ANN001
    doc = get_json(client, "/openapi.json")
    for name in ALL:
        assert f"/api/v1/{name}" in doc["paths"], name
        assert f"/api/v1/{name}/{{id}}" in doc["paths"], name
        listed = doc["paths"][f"/api/v1/{name}"]["get"]
        assert {p["name"] for p in listed["parameters"]} >= query_fields(name)
    # The schemas of what the API returns do not even mention private fields; only the
    # request bodies that add a person take a phone number or an e-mail address.
    written = {"StaffCreate", "ExpertCreate"}
    returned = {k: v for k, v in doc["components"]["schemas"].items() if k not in written}
    assert not PRIVATE_KEYS & set(keys_of(returned)) - {"note"}
    for name in written:
        assert {"phone", "email"} <= set(doc["components"]["schemas"][name]["properties"])


@pytest.mark.parametrize("name", DOMAIN)
def test_list_pages_the_demo_city(client, db_session, name: str) -> None:  # noqa: ANN001
    body = get_json(client, f"/api/v1/{name}")
    assert set(body) == {"items", "page", "per_page", "total", "pages"}
    model = ALL[name].model
    assert body["total"] == db_session.scalar(select(func.count()).select_from(model))
    assert body["total"] > 0, f"neither the demo city nor the fixture has {name}"
    assert body["page"] == 1 and body["per_page"] == 50
    assert body["pages"] == math.ceil(body["total"] / 50)
    assert len(body["items"]) == min(50, body["total"])


@pytest.mark.parametrize("name", DOMAIN)
def test_get_by_id_returns_the_listed_object(client, name: str) -> None:  # noqa: ANN001
    items = get_json(client, f"/api/v1/{name}", per_page=3)["items"]
    for item in items:
        assert get_json(client, f"/api/v1/{name}/{item['id']}") == item


@pytest.mark.parametrize("name", DOMAIN)
def test_pages_split_the_list(client, name: str) -> None:  # noqa: ANN001
    everything = fetch_all(client, name)
    ids = [item["id"] for item in everything]
    assert len(ids) == len(set(ids)), "an item appears on two pages"
    if len(everything) < 2:
        pytest.skip(f"the demo city has fewer than two {name}")
    per_page = max(1, len(everything) // 3)
    first = get_json(client, f"/api/v1/{name}", page=1, per_page=per_page)
    second = get_json(client, f"/api/v1/{name}", page=2, per_page=per_page)
    assert len(first["items"]) == per_page
    assert first["pages"] == second["pages"] == math.ceil(len(everything) / per_page)
    assert first["total"] == second["total"] == len(everything)
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    assert [i["id"] for i in first["items"] + second["items"]] == ids[: 2 * per_page]
    beyond = get_json(client, f"/api/v1/{name}", page=first["pages"] + 1, per_page=per_page)
    assert beyond["items"] == [] and beyond["total"] == len(everything)


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


def discriminating(case: Case, items: list[Item]) -> Iterable[Any]:
    """Yield values offered by items, those matching only part of the list first."""
    seen: list[Any] = []
    for item in items:
        for value in case.values(item):
            if value not in seen:
                seen.append(value)
    partial = [v for v in seen if 0 < sum(case.matches(i, v) for i in items) < len(items)]
    return partial + [v for v in seen if v not in partial]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_filter_keeps_exactly_the_matching_items(client, case: Case) -> None:  # noqa: ANN001
    everything = fetch_all(client, case.resource)
    values = list(discriminating(case, everything))
    if not values:
        pytest.skip(f"no {case.resource} in the demo city offers a value for {case.param}")
    value = values[0]
    expected = [i["id"] for i in everything if case.matches(i, value)]
    got = [i["id"] for i in fetch_all(client, case.resource, **{case.param: value})]
    assert got == expected, value
    assert got, value
    if len(got) == len(everything):
        pytest.skip(f"every {case.resource} matches {case.param}={value} in the demo city")


def test_filters_combine(client) -> None:  # noqa: ANN001
    everything = fetch_all(client, "projects")
    district = everything[0]["district"]["code"]
    expected = [i["id"] for i in everything if i["district"]["code"] == district and i["is_major"]]
    got = fetch_all(client, "projects", district=district, is_major="true")
    assert [i["id"] for i in got] == expected


def test_expert_specialties_carry_depth_and_primary(client) -> None:  # noqa: ANN001
    experts = fetch_all(client, "experts")
    assert any(e["specialties"] for e in experts)
    for expert in experts:
        for spec in expert["specialties"]:
            assert set(spec) == {"id", "code", "name", "depth", "primary"}
            assert 1 <= spec["depth"] <= 5


@pytest.mark.parametrize(("name", "param"), CODE_FILTERS, ids=[f"{n}?{p}" for n, p in CODE_FILTERS])
def test_unknown_code_gives_an_empty_list(client, name: str, param: str) -> None:  # noqa: ANN001
    body = get_json(client, f"/api/v1/{name}", **{param: "no-such-code"})
    assert body["items"] == [] and body["total"] == 0 and body["pages"] == 0


@pytest.mark.parametrize("name", ["review-meetings", "joint-sessions", "training-sessions"])
def test_times_without_offset_are_beijing_time(client, name: str) -> None:  # noqa: ANN001
    everything = fetch_all(client, name)
    start = instant(everything[len(everything) // 2]["starts_at"])
    local = start.astimezone(BEIJING)
    spellings = [
        local.isoformat(),
        local.replace(tzinfo=None).isoformat(),
        start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        # Typed into a URL without encoding, the plus of "+08:00" arrives as a space.
        local.isoformat().replace("+", " "),
    ]
    results = [[i["id"] for i in fetch_all(client, name, starts_after=s)] for s in spellings] + [
        [i["id"] for i in everything if instant(i["starts_at"]) >= start]
    ]
    assert all(r == results[0] for r in results), spellings
    # A bare date is the start of that day in Beijing.
    day = local.date()
    by_date = [i["id"] for i in fetch_all(client, name, starts_before=day.isoformat())]
    midnight = dt.datetime.combine(day, dt.time(), BEIJING)
    assert by_date == [i["id"] for i in everything if instant(i["starts_at"]) < midnight]


@pytest.mark.parametrize("name", ["review-meetings", "joint-sessions", "absences", "plans"])
def test_timestamps_are_shown_in_beijing_time(client, name: str) -> None:  # noqa: ANN001
    for item in fetch_all(client, name):
        for key in ("starts_at", "ends_at", "created_at", "published_at"):
            if item.get(key):
                assert item[key].endswith("+08:00"), (key, item[key])


def test_creation_times_are_true_instants(client, db_session) -> None:  # noqa: ANN001
    # Defaults are written in UTC and domain times in Beijing time; both must read back true.
    plan = Plan(kind=PlanKind.ROSTER, scope="district:boshan", version=1)
    db_session.add(plan)
    db_session.flush()
    shown = instant(get_json(client, f"/api/v1/plans/{plan.id}")["created_at"])
    assert abs(shown - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5), shown


# ---------------------------------------------------------------------------------------------
# Privacy
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOMAIN)
def test_no_contact_details_or_seed_in_bodies(client, db_session, name: str) -> None:  # noqa: ANN001
    secrets = set()
    for column in (Staff.phone, Staff.email, Expert.phone, Expert.email, Enterprise.contact_phone):
        secrets |= {v for v in db_session.scalars(select(column)) if v}
    # Seeds too short to be told from other numbers are still absent as keys below.
    secrets |= {str(s) for s in db_session.scalars(select(Plan.seed)) if s and s > 10**6}
    listed = get_json(client, f"/api/v1/{name}", per_page=MAX_PER_PAGE)
    bodies = [listed] + [
        get_json(client, f"/api/v1/{name}/{item['id']}") for item in listed["items"][:5]
    ]
    for body in bodies:
        assert not PRIVATE_KEYS & set(keys_of(body)), name
        text = json.dumps(body, ensure_ascii=False)
        leaked = [s for s in secrets if s in text]
        assert not leaked, leaked[:3]


# ---------------------------------------------------------------------------------------------
# Bad input: 400 or 404 in the envelope, never a 500
# ---------------------------------------------------------------------------------------------

BAD_PAGINATION = [
    {"bogus": "1"},
    {"page": "0"},
    {"page": "-1"},
    {"page": "abc"},
    {"page": str(10**30)},
    {"per_page": "0"},
    {"per_page": str(MAX_PER_PAGE + 1)},
    {"per_page": "1.5"},
]


@pytest.mark.parametrize("name", list(ALL))
def test_bad_list_input_is_400(client, name: str) -> None:  # noqa: ANN001
    for params in BAD_PAGINATION:
        error = assert_error(client, f"/api/v1/{name}", 400, **params)
        assert error["code"] == "invalid_request"
        assert any(next(iter(params)) in d["field"] for d in error["details"]), error


@pytest.mark.parametrize("name", [n for n, r in ALL.items() if enum_fields(r.query)])
def test_bad_enum_values_are_400(client, name: str) -> None:  # noqa: ANN001
    for param, enum_cls in enum_fields(ALL[name].query).items():
        error = assert_error(client, f"/api/v1/{name}", 400, **{param: "no_such_value"})
        assert error["details"][0]["field"] == param
        # Values are the enum values, not member names.
        member = next(iter(enum_cls))
        if member.name != member.value:
            assert_error(client, f"/api/v1/{name}", 400, **{param: member.name})
        get_json(client, f"/api/v1/{name}", **{param: member.value})


NASTY_VALUES = [
    "",
    " ",
    "x" * 500,
    "%",
    "_",
    "'; DROP TABLE staff; --",
    "-1",
    "0",
    str(2**63),
    str(10**40),
    "1e999",
    "nan",
    "2026-13-45",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "2026-12-01T09:00:00+25:00",
    "2026-12-01T09:00:00-23:59",
    "-99999999999999",
    "true",
    "中文",
]


@pytest.mark.parametrize("name", list(ALL))
def test_no_filter_value_gives_a_500(client, name: str) -> None:  # noqa: ANN001
    for param in sorted(query_fields(name)):
        for value in NASTY_VALUES:
            resp = client.get(f"/api/v1/{name}", query_string={param: value})
            assert resp.status_code in (200, 400), (param, value, resp.status_code)
            if resp.status_code == 400:
                assert set(resp.json["error"]) == ENVELOPE_KEYS


def text_fields(query: type) -> list[str]:
    """Return the query fields holding free text or codes (strings without a format)."""
    found = []
    for name, prop in query.model_json_schema()["properties"].items():
        options = prop.get("anyOf", [prop])
        if any(o.get("type") == "string" and "format" not in o for o in options):
            found.append(name)
    return found


@pytest.mark.parametrize("name", [n for n, r in ALL.items() if text_fields(r.query)])
def test_nul_characters_are_400(client, name: str) -> None:  # noqa: ANN001
    for param in text_fields(ALL[name].query):
        error = assert_error(client, f"/api/v1/{name}", 400, **{param: "a\x00b"})
        assert error["details"][0]["field"] == param


BAD_IDS = ["abc", "0", "-1", "1.5", str(MAX_ID + 1), str(10**40), "%00"]


@pytest.mark.parametrize("name", list(ALL))
def test_bad_ids_are_400_and_unknown_ids_404(client, name: str) -> None:  # noqa: ANN001
    for bad in BAD_IDS:
        error = assert_error(client, f"/api/v1/{name}/{bad}", 400)
        assert error["code"] == "invalid_request", bad
    for unknown in (MAX_ID, 10**9):
        error = assert_error(client, f"/api/v1/{name}/{unknown}", 404)
        assert error["code"] == "not_found"


# ---------------------------------------------------------------------------------------------
# Query count: related rows are loaded in bulk, not once per item
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOMAIN)
def test_lists_load_related_rows_in_bulk(client, connection, name: str) -> None:  # noqa: ANN001
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def statements_for(per_page: int) -> int:
        statements.clear()
        get_json(client, f"/api/v1/{name}", per_page=per_page)
        return len(statements)

    event.listen(connection, "before_cursor_execute", count)
    try:
        one, many = statements_for(1), statements_for(MAX_PER_PAGE)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    # A count, the page, and one statement per eager-loaded relationship at most; the plan list
    # first fails jobs whose worker stopped sending heartbeats (one UPDATE).
    settle = 1 if name == "plans" else 0
    assert many <= 2 + 2 * len(ALL[name].options) + 2 + settle, statements
    assert many <= one + 2, statements
