"""Structural invariants of the demo-city vocabularies in ``models.demo_names``."""

from __future__ import annotations

import string

import models.demo_names as dn

EMPLOYER_KINDS = {
    "university",
    "institute",
    "design",
    "consultancy",
    "enterprise",
    "hospital",
    "law_firm",
    "government_affiliated",
}


def _codes(rows):
    return [row[0] for row in rows]


def _unique(values) -> bool:
    values = list(values)
    return len(values) == len(set(values))


def _is_han(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


DISTRICT_CODES = set(_codes(dn.DISTRICTS))
DEPARTMENT_CODES = set(_codes(dn.DEPARTMENTS))
SPECIALTY_CODES = set(_codes(dn.SPECIALTIES))
INDUSTRY_CODES = set(_codes(dn.INDUSTRIES))


def test_exports_are_immutable():
    for name in dn.__all__:
        value = getattr(dn, name)
        assert isinstance(value, tuple | str | frozenset), name


def test_names_of_people():
    assert 75 <= len(dn.SURNAMES) <= 90
    assert _unique(dn.SURNAMES)
    assert all(_is_han(s) and len(s) <= 2 for s in dn.SURNAMES)
    assert 2 <= sum(len(s) == 2 for s in dn.SURNAMES) <= 4
    assert dn.SURNAMES[:3] == ("王", "李", "张")
    assert 140 <= len(dn.GIVEN_CHARS) <= 170
    assert _unique(dn.GIVEN_CHARS)
    assert all(_is_han(c) and len(c) == 1 for c in dn.GIVEN_CHARS)


def test_districts():
    assert len(dn.DISTRICTS) == 11
    assert _unique(_codes(dn.DISTRICTS))
    assert _unique(row[1] for row in dn.DISTRICTS)
    assert {row[3] for row in dn.DISTRICTS} == {"district", "zone"}
    zones = {row[0] for row in dn.DISTRICTS if row[3] == "zone"}
    assert zones == {"hightech", "jingkai", "wenchanghu"}
    assert dn.CITY_HALL == "淄博市政务服务中心"
    assert dn.CITY_HALL_DISTRICT in DISTRICT_CODES


def test_adjacency_is_a_simple_connected_graph():
    seen = set()
    for a, b in dn.DISTRICT_ADJACENCY:
        assert a in DISTRICT_CODES and b in DISTRICT_CODES
        assert a != b
        pair = frozenset((a, b))
        assert pair not in seen, (a, b)
        seen.add(pair)
    # every district has a neighbour and the city is connected
    reached, frontier = set(), ["zhangdian"]
    while frontier:
        here = frontier.pop()
        if here in reached:
            continue
        reached.add(here)
        frontier.extend(b if a == here else a for a, b in dn.DISTRICT_ADJACENCY if here in (a, b))
    assert reached == DISTRICT_CODES
    assert frozenset(("zhangdian", "zichuan")) in seen
    assert frozenset(("boshan", "yiyuan")) in seen


def test_every_district_has_streets_and_a_hall_on_one_of_them():
    streets = dict(dn.DISTRICT_STREETS)
    halls = dict(dn.DISTRICT_HALLS)
    assert len(streets) == len(dn.DISTRICT_STREETS)
    assert len(halls) == len(dn.DISTRICT_HALLS)
    assert set(streets) == DISTRICT_CODES
    assert set(halls) == DISTRICT_CODES
    names = dict((row[0], row[1]) for row in dn.DISTRICTS)
    for code, road_names in streets.items():
        assert len(road_names) >= 5, code
        assert _unique(road_names), code
        hall = halls[code]
        assert hall.startswith(names[code]), code
        assert "政务服务中心" in hall
        assert any(f"（{road}）" in hall for road in road_names), code


def test_departments():
    assert len(dn.DEPARTMENTS) == 12
    assert _unique(_codes(dn.DEPARTMENTS))
    assert set(_codes(dn.DEPARTMENTS)) == {
        "fgw",
        "gxj",
        "zrzyj",
        "sthjj",
        "zjj",
        "jtj",
        "slj",
        "whlyj",
        "yjj",
        "spj",
        "gaj",
        "qxj",
    }
    for _code, full, short, english in dn.DEPARTMENTS:
        assert full.startswith("市") and _is_han(full)
        assert _is_han(short) and english


def test_pending_items_cover_every_department():
    items = dict(dn.PENDING_ITEMS)
    assert len(items) == len(dn.PENDING_ITEMS)
    assert set(items) == DEPARTMENT_CODES
    assert all(len(v) >= 2 and _unique(v) for v in items.values())


def test_specialties_and_clusters():
    assert len(dn.SPECIALTIES) >= 24
    assert _unique(_codes(dn.SPECIALTIES))
    assert _unique(row[1] for row in dn.SPECIALTIES)
    for code, name, english, department in dn.SPECIALTIES:
        assert code.isidentifier() and _is_han(name) and english
        assert department in DEPARTMENT_CODES, code
    clustered = set()
    for cluster in dn.SPECIALTY_CLUSTERS:
        assert len(cluster) >= 2 and _unique(cluster), cluster
        assert set(cluster) <= SPECIALTY_CODES, cluster
        clustered.update(cluster)
    assert clustered == SPECIALTY_CODES
    assert _unique(frozenset(c) for c in dn.SPECIALTY_CLUSTERS)


def test_expert_employers():
    assert 40 <= len(dn.EXPERT_EMPLOYERS) <= 60
    assert _unique(row[0] for row in dn.EXPERT_EMPLOYERS)
    assert {row[1] for row in dn.EXPERT_EMPLOYERS} == EMPLOYER_KINDS
    assert all(row[2] in DISTRICT_CODES for row in dn.EXPERT_EMPLOYERS)
    assert "山东理工大学" in {row[0] for row in dn.EXPERT_EMPLOYERS}


def test_titles():
    for titles in (dn.EXPERT_TITLES, dn.STAFF_TITLES):
        assert len(titles) >= 6 and _unique(titles)
    assert "正高级工程师" in dn.EXPERT_TITLES
    assert "四级主任科员" in dn.STAFF_TITLES


def test_enterprises_and_industries():
    assert 55 <= len(dn.ENTERPRISE_PREFIXES) <= 70
    assert _unique(dn.ENTERPRISE_PREFIXES)
    assert all(_is_han(p) and len(p) == 2 for p in dn.ENTERPRISE_PREFIXES)
    assert 14 <= len(dn.INDUSTRIES) <= 18
    assert _unique(_codes(dn.INDUSTRIES))
    assert dn.SERVICE_INDUSTRIES < INDUSTRY_CODES
    suffixes = dict(dn.ENTERPRISE_SUFFIXES)
    assert len(suffixes) == len(dn.ENTERPRISE_SUFFIXES)
    assert set(suffixes) == INDUSTRY_CODES
    assert all(s and all(x.endswith("公司") for x in s) for s in suffixes.values())
    name = dn.ENTERPRISE_NAME_PATTERN.format(prefix="齐盛", suffix="化工有限公司")
    assert name == "淄博齐盛化工有限公司"


def test_products_and_project_patterns():
    products = dict(dn.PRODUCTS)
    assert len(products) == len(dn.PRODUCTS)
    assert set(products) == INDUSTRY_CODES
    for industry, rows in products.items():
        assert len(rows) >= 4 and _unique(r[0] for r in rows), industry
        for product, unit, low, high in rows:
            assert product and unit and 0 < low < high, product
    assert 28 <= len(dn.PROJECT_PATTERNS) <= 35
    assert _unique(p for _, p in dn.PROJECT_PATTERNS)
    sectors = {s for s, _ in dn.PROJECT_PATTERNS}
    assert sectors == {"manufacturing", "service", "any"}
    allowed = {"n", "unit", "product"}
    for _sector, pattern in dn.PROJECT_PATTERNS:
        fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
        assert "product" in fields and fields <= allowed, pattern
        assert pattern.endswith("项目")
    # every industry can name a project with a pattern of its sector
    for industry, rows in products.items():
        sector = "service" if industry in dn.SERVICE_INDUSTRIES else "manufacturing"
        usable = [p for s, p in dn.PROJECT_PATTERNS if s in (sector, "any")]
        assert usable, industry
        product, unit, low, _high = rows[0]
        for pattern in usable:
            assert product in pattern.format(n=low, unit=unit, product=product)
