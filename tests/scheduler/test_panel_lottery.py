"""Tests of the probability-capped panel draw (scheduler.panel_lottery)."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from scheduler.panel_lottery import CappedResult, capped_draw, round_circulation
from scheduler.panels import PanelExpert, PanelInstance, PanelMeeting, PanelPolicy
from scheduler.runner import SolveParams

DATA = Path("/work/shared/data/reviewer-assignment")
PARAMS = SolveParams(time_limit_s=30, workers=2)
FAST = SolveParams(time_limit_s=10, workers=1)
PLAIN = PanelPolicy(applicant_cap=None, load_cap=None, one_per_employer=False, tie_break=False)


def load_dataset(name: str, seed: int = 0) -> PanelInstance:
    """Return a reviewer-assignment data set as a panel instance (scores x 10000 as ints)."""
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    conflicts: dict[int, set[int]] = {}
    for m, e in data["conflicts"]:
        conflicts.setdefault(m, set()).add(e)
    meetings = tuple(
        PanelMeeting(
            id=m,
            code=f"M{m}",
            pool_level="any",
            seats={0: data["panel_size"]},
            declined=frozenset(conflicts.get(m, ())),
        )
        for m in range(data["meetings"])
    )
    experts = tuple(PanelExpert(id=e, max_load=data["max_load"]) for e in range(data["experts"]))
    scores = tuple(tuple(round(v * 10000) for v in row) for row in data["scores"])
    return PanelInstance(meetings=meetings, experts=experts, policy=PLAIN, seed=seed, scores=scores)


@cache
def preflib1_draw() -> CappedResult:
    """Return the q = 0.5 draw on preflib1 (computed once per test session)."""
    return capped_draw(load_dataset("preflib1"), 0.5, PARAMS)


def check_panels(instance: PanelInstance, result: CappedResult) -> None:
    """Assert that the sampled panels fill every seat and respect screening and loads."""
    assert result.solution is not None
    loads: Counter[int] = Counter()
    max_load = {e.id: e.max_load for e in instance.experts}
    for m in instance.meetings:
        seats = result.solution.panels[m.id]
        assert Counter(seat.specialty_id for seat in seats) == Counter(m.seats)
        on_panel = [seat.expert_id for seat in seats]
        assert len(on_panel) == len(set(on_panel))
        assert not set(on_panel) & m.declined
        loads.update(on_panel)
    for e, n in loads.items():
        assert max_load[e] is None or n <= max_load[e]


def small_instance(seed: int) -> PanelInstance:
    """Return 2 meetings x 2 seats, 6 experts, two of them capped at one panel."""
    meetings = tuple(
        PanelMeeting(id=m, code=f"M{m}", pool_level="any", seats={0: 2}) for m in range(2)
    )
    experts = tuple(PanelExpert(id=e, max_load=1 if e < 2 else None) for e in range(6))
    scores = ((9, 8, 7, 3, 2, 1), (8, 9, 2, 7, 1, 3))
    return PanelInstance(meetings=meetings, experts=experts, policy=PLAIN, seed=seed, scores=scores)


def within_4_sigma(p: float, hits: int, n: int) -> bool:
    """Return whether hits / n lies within four binomial standard deviations of p."""
    return abs(hits / n - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-9


def test_preflib1_caps_marginals_and_samples_valid_panels() -> None:
    instance = load_dataset("preflib1")
    result = preflib1_draw()
    assert result.status == "ok"
    assert result.max_marginal <= 0.5 + 1e-9
    assert all(v <= 0.5 + 1e-9 for v in result.marginals.values())
    check_panels(instance, result)
    for seed in (1, 2, 3):
        check_panels(instance, capped_draw(load_dataset("preflib1", seed), 0.5, PARAMS))


def test_preflib1_fraction_of_optimum() -> None:
    result = preflib1_draw()
    assert result.expected_affinity <= result.optimum
    assert 0.5 <= result.fraction <= 1.0
    assert result.fraction == pytest.approx(result.expected_affinity / result.optimum)
    seat = result.solution.panels[0][0]
    assert seat.why.startswith("按概率上限 q=0.5 抽取：入选概率 ")


def test_empirical_marginals_match_the_lp() -> None:
    n = 300
    hits: Counter[tuple[int, int]] = Counter()
    first = capped_draw(small_instance(0), 0.5, FAST)
    for seed in range(n):
        result = capped_draw(small_instance(seed), 0.5, FAST)
        assert result.status == "ok"
        assert result.marginals == first.marginals
        check_panels(small_instance(seed), result)
        for m, seats in result.solution.panels.items():
            hits.update((m, seat.expert_id) for seat in seats)
    assert first.max_marginal <= 0.5 + 1e-9
    for m in range(2):
        for e in range(6):
            p = first.marginals.get((m, e), 0.0)
            assert within_4_sigma(p, hits[m, e], n), (m, e, p, hits[m, e])


def test_several_specialties_per_meeting_keep_marginals() -> None:
    # Without scores, experts holding both specialties may fill either seat: the flow rounding
    # must keep one seat per expert and meeting and every specialty's marginal.
    specs = ({1: 5, 2: 1}, {1: 1, 2: 5}, {1: 3, 2: 3}, {1: 2, 2: 4}, {1: 4}, {2: 2})
    experts = tuple(PanelExpert(id=e, specialties=s) for e, s in enumerate(specs))
    meeting = PanelMeeting(id=7, code="M7", pool_level="any", seats={1: 1, 2: 1})
    hits: Counter[tuple[int, int]] = Counter()
    n = 300
    first = None
    for seed in range(n):
        instance = PanelInstance(meetings=(meeting,), experts=experts, policy=PLAIN, seed=seed)
        result = capped_draw(instance, 0.4, FAST)
        assert result.status == "ok"
        first = first or result
        check_panels(instance, result)
        hits.update((seat.expert_id, seat.specialty_id) for seat in result.solution.panels[7])
    assert first.max_marginal <= 0.4 + 1e-9
    for e in range(6):
        assert within_4_sigma(first.marginals.get((7, e), 0.0), hits[e, 1] + hits[e, 2], n)


def test_cap_too_small_for_the_seats_is_infeasible() -> None:
    # 6 eligible experts at most 0.3 each fill 1.8 seats in expectation, not 2.
    result = capped_draw(small_instance(0), 0.3, FAST)
    assert result.status == "infeasible"
    assert result.solution is None
    assert "M0" in result.message
    assert "可选 6 名" in result.message
    assert "需要 2 席" in result.message


def test_same_seed_same_sample() -> None:
    a = capped_draw(load_dataset("preflib1", 11), 0.5, PARAMS)
    b = capped_draw(load_dataset("preflib1", 11), 0.5, PARAMS)
    assert a.solution == b.solution
    panels = [capped_draw(load_dataset("preflib1", s), 0.5, PARAMS).solution for s in (12, 13)]
    assert a.solution.panels != panels[0].panels or a.solution.panels != panels[1].panels


def test_confirmed_expert_keeps_the_seat() -> None:
    base = small_instance(3)
    meetings = (base.meetings[0].model_copy(update={"confirmed": {5: 0}}), base.meetings[1])
    result = capped_draw(base.model_copy(update={"meetings": meetings}), 0.5, FAST)
    assert result.status == "ok"
    assert result.marginals[0, 5] == pytest.approx(1.0)
    assert result.max_marginal <= 0.5 + 1e-9
    assert 5 in {seat.expert_id for seat in result.solution.panels[0]}


def test_employer_diversity_by_rejection() -> None:
    # Employers 0, 1, 2 each employ two experts; the rounding alone may seat two colleagues.
    experts = tuple(PanelExpert(id=e, employer_id=e % 3) for e in range(6))
    meeting = PanelMeeting(id=0, code="M0", pool_level="any", seats={0: 2})
    policy = PLAIN.model_copy(update={"one_per_employer": True})
    retried = None
    for seed in range(30):
        instance = PanelInstance(
            meetings=(meeting,), experts=experts, policy=policy, seed=seed, scores=((1,) * 6,)
        )
        result = capped_draw(instance, 0.5, FAST)
        assert result.status == "ok"
        assert result.max_marginal <= 0.5 + 1e-9
        employers = [seat.expert_id % 3 for seat in result.solution.panels[0]]
        assert len(set(employers)) == 2
        if result.attempts > 1:
            assert result.rejections == {"employer": result.attempts - 1}
            retried = retried or instance
    assert retried is not None, "no seed exercised the rejection step"
    failed = capped_draw(retried, 0.5, FAST, max_tries=1)
    assert failed.status == "rejected"
    assert failed.solution is None
    assert "同一单位至多一名专家" in failed.message


def test_round_circulation_keeps_expectations() -> None:
    # A triangle with 0.5 on each arc plus a second cycle through node "a".
    arcs = [("a", "b", 0.5), ("b", "c", 0.5), ("c", "a", 0.5), ("a", "d", 0.25), ("d", "a", 0.25)]
    rng = random.Random(5)
    n = 2000
    sums = [0] * len(arcs)
    for _ in range(n):
        out = round_circulation(arcs, rng)
        assert all(v in (0, 1) for v in out)
        assert out[0] == out[1] == out[2] and out[3] == out[4]
        sums = [s + v for s, v in zip(sums, out, strict=True)]
    for (_, _, f), s in zip(arcs, sums, strict=True):
        assert within_4_sigma(f, s, n)
