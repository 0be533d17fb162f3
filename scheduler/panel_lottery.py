"""Probability-capped panel draw (按概率上限抽取专家): a lottery in which nobody is too likely.

The deterministic draw of scheduler.panels puts the best-matching experts on every panel, so an
applicant who knows the pool can predict, and approach, the experts who will judge them. The
capped draw (Jecmen et al. 2020, "Mitigating manipulation in peer review via randomized reviewer
assignments") instead picks a random assignment in which no expert sits on any given meeting
with probability above q, and among such lotteries it maximises the expected affinity.

Steps
 1. Optimum: scheduler.panels.solve on a copy of the instance with the max-sum objective, no
    tie break, no balance term and no candidate_limit (the lottery draws from every eligible
    expert, so the yardstick must too). Its report is returned, and its affinity is the
    yardstick: `fraction` = expected affinity of the lottery / optimum (the price of the cap).
 2. Marginals: an LP (OR-Tools GLOP) over x[m, e, s] in [0, q] for every candidate triple of
    `screen`; an expert fills at most one seat of a meeting with total probability <= q;
    confirmed experts are fixed at 1 (the cap does not apply to them and they are left out of
    `max_marginal`). Every hard rule of scheduler.panels holds fractionally: the rows are read
    from the CP-SAT model that scheduler.panels.build makes (guards switched on), so the lottery
    always applies the same rules as the deterministic draw: seats, one seat per expert and
    meeting, employer diversity, time clashes, load_cap windows and max_load, min_load, the
    applicant cap within the batch, confirmed seats. Maximise the expected affinity
    (instance.scores when given, else panels.affinity).
 3. Sample: bipartite dependent rounding (Gandhi et al. 2006), done as rounding of a
    circulation so that several specialties per (meeting, expert) stay correct. Nodes: a hub H,
    one node per seat group (m, s), one per candidate pair (m, e), one per expert e; arcs
    H -> (m, s) carrying the seat count, (m, s) -> (m, e) carrying x[m, e, s], (m, e) -> e
    carrying y[m, e] = sum_s x[m, e, s], and e -> H carrying the expert's fractional load. Flow
    is conserved at every node and every node's total is an integer, so the arcs with
    fractional flow contain a cycle; pushing +a or -b round it with probabilities b/(a+b) and
    a/(a+b) keeps every arc's expectation, conserves flow and makes at least one arc integral.
    Repeating until all arcs are integral gives, for every sample:
     - every seat group exactly its seats; every expert at most one seat per meeting;
     - every expert's batch load within floor/ceil of the fractional load, hence within
       [min_load, max_load] (and within a load_cap window that covers all of the expert's
       candidate meetings of the batch);
     - P(e fills seat s of m) = x[m, e, s] exactly, so P(e sits on m) = y[m, e] <= q.
    `random.Random(instance.seed)` drives the walk: the same seed gives the same sample.

What the lottery enforces, and how
 - by construction (every sample): seats, screening (pool, avoidance, availability, declined,
   applicant cap from history), one seat per expert and meeting, confirmed seats, per-batch
   loads (max_load, min_load);
 - by rejection: employer diversity, time clashes (with travel buffer), load_cap windows that
   cover only part of the batch, and the applicant cap within the batch. Each sample is checked
   against every row of the panels model; one breaking a rule is discarded and another drawn,
   up to `max_tries` times; if none passes, the status is "rejected" and the message names the
   rules. Rejection conditions the lottery on acceptance: with acceptance rate r the realised
   probability of a pair is at most q / r (not q), and the marginals drift from the LP's.
   `attempts` and `rejections` report how often this happened; on the public data sets, which
   have none of these rules, it never does.

The LP relaxes the rules enforced by rejection, so on instances with employers or clashes its
expected affinity may exceed what any lottery over feasible panels achieves; on instances without
them (bipartite b-matching, as in the data sets) the LP with q = 1 is integral, so
expected_affinity <= optimum.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ortools.linear_solver import pywraplp

from scheduler.panels import (
    PanelInstance,
    PanelPolicy,
    PanelSolution,
    PanelVars,
    Screening,
    Seat,
    build,
    draw_reserves,
    solve,
)
from scheduler.runner import SolveParams, SolveReport, SolveStatus

__all__ = ["CappedResult", "LotteryStatus", "capped_draw", "round_circulation"]

LotteryStatus = Literal["ok", "infeasible", "rejected", "unknown"]

# A flow within this distance of an integer counts as integral.
EPS = 1e-9
DEFAULT_MAX_TRIES = 500

# Constraint kinds the lottery understands; any other kind in the panels model is an error.
_KINDS = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
# CP-SAT stores unbounded sides of a linear constraint as the int64 extremes.
_INT64_EDGE = 2**62


@dataclass(frozen=True)
class CappedResult:
    """A capped draw: the sampled panels, the lottery's marginals and its price."""

    solution: PanelSolution | None
    report: SolveReport  # of the max-sum optimum solve
    q: float
    status: LotteryStatus
    message: str
    max_marginal: float  # largest P(e sits on m) over unconfirmed pairs; <= q + 1e-9
    expected_affinity: int  # LP objective, rounded
    optimum: int  # affinity of the max-sum draw (0 when it has none)
    fraction: float  # expected_affinity / optimum
    marginals: dict[tuple[int, int], float] = field(default_factory=dict)  # (meeting, expert)
    attempts: int = 0  # samples drawn, the accepted one included
    rejections: dict[str, int] = field(default_factory=dict)  # rule -> rejected samples


@dataclass(frozen=True)
class _Row:
    """One hard rule of the panels model, over the assignment triples: lo <= sum <= hi."""

    rule: str  # guard name, e.g. "employer:M1"; "model" when unguarded
    detail: str  # coordinator-facing text of the guard
    terms: tuple[tuple[tuple[int, int, int], int], ...]  # (triple, coefficient)
    lo: float
    hi: float


def capped_draw(
    instance: PanelInstance,
    q: float,
    params: SolveParams,
    *,
    max_tries: int = DEFAULT_MAX_TRIES,
) -> CappedResult:
    """Draw panels at random so that no expert sits on a meeting with probability above q."""
    if not 0 < q <= 1:
        raise ValueError(f"q must lie in (0, 1], got {q!r}")
    if max_tries < 1:
        raise ValueError(f"max_tries must be >= 1, got {max_tries!r}")

    update = {"objective": "max_sum", "tie_break": False, "balance_weight": 0}
    if "candidate_limit" in PanelPolicy.model_fields:
        # The lottery draws from every eligible expert, so the yardstick must too.
        update["candidate_limit"] = None
    plain = instance.model_copy(update={"policy": instance.policy.model_copy(update=update)})
    best = solve(plain, params)
    report = best.report
    empty = {"max_marginal": 0.0, "expected_affinity": 0, "fraction": 0.0}
    if best.solution is None:
        if report.status is SolveStatus.INFEASIBLE:
            details = "；".join(c.detail for c in report.diagnosis) or "未能定位冲突的规则"
            message = f"无可行方案，无法抽签：{details}"
            return CappedResult(None, report, q, "infeasible", message, optimum=0, **empty)
        message = f"最优方案未在时限内求得（{report.status.value}），无法计算概率上限抽取"
        return CappedResult(None, report, q, "unknown", message, optimum=0, **empty)
    optimum = best.solution.affinity

    model_vars = build(plain)
    screening, points = model_vars.screening, model_vars.points
    rows = _model_rows(model_vars)
    x = _solve_lp(instance, points, rows, q)
    if x is None:
        message = _shortage(instance, screening, q)
        return CappedResult(None, report, q, "infeasible", message, optimum=optimum, **empty)

    marginals: dict[tuple[int, int], float] = defaultdict(float)
    for (m, e, _), v in x.items():
        if v > EPS:
            marginals[m, e] += v
    confirmed = {(m.id, e) for m in instance.meetings for e in m.confirmed}
    max_marginal = max((v for k, v in marginals.items() if k not in confirmed), default=0.0)
    expected = round(sum(points[k] * v for k, v in x.items()))
    fraction = expected / optimum if optimum else (1.0 if expected >= optimum else 0.0)
    common = {
        "report": report,
        "q": q,
        "max_marginal": max_marginal,
        "expected_affinity": expected,
        "optimum": optimum,
        "fraction": fraction,
        "marginals": dict(marginals),
    }

    rng = random.Random(instance.seed)
    checker = _Checker(rows)
    rejections: Counter[str] = Counter()
    broken_rows: list[_Row] = []
    for attempt in range(1, max_tries + 1):
        chosen = _sample(instance, x, rng)
        broken = checker.broken(chosen)
        if broken is None:
            solution = _solution(instance, screening, chosen, points, marginals, q)
            message = f"按概率上限 q={q:g} 抽取，期望匹配分为最优方案的 {fraction:.1%}"
            if report.status is not SolveStatus.OPTIMAL:
                message += "（最优方案未证明最优，比值可能偏高）"
            return CappedResult(
                solution,
                status="ok",
                message=message,
                attempts=attempt,
                rejections=dict(rejections),
                **common,
            )
        rejections[broken.rule.partition(":")[0]] += 1
        broken_rows.append(broken)
    rules = "；".join(dict.fromkeys(r.detail for r in broken_rows))
    message = f"抽样 {max_tries} 次均违反规则（{rules}），未得到可行方案；请提高 q 或放宽规则"
    return CappedResult(
        None,
        status="rejected",
        message=message,
        attempts=max_tries,
        rejections=dict(rejections),
        **common,
    )


def _model_rows(v: PanelVars) -> list[_Row]:
    """Return the hard rules of the panels model as rows over the assignment triples.

    Reading the rules from the model that scheduler.panels.build makes keeps the lottery on
    exactly the rules of the deterministic draw. Guards count as switched on (as in a solve);
    unguarded constraints over helper variables of the goals are left out.
    """
    proto = v.builder.model.proto
    key_of = {var.index: k for k, var in v.x.items()}
    guards = {g.literal.index: g for g in v.builder.guards.values()}

    def fixed(index: int) -> int | None:
        domain = list(proto.variables[index].domain)
        return domain[0] if len(domain) == 2 and domain[0] == domain[1] else None

    rows: list[_Row] = []
    for index, ct in enumerate(proto.constraints):
        if index in v.redundant:
            continue  # implied by the rules: a search bound, not a rule to sample under
        enforcement = list(ct.enforcement_literal)
        if any(lit not in guards for lit in enforcement):
            raise NotImplementedError("panel_lottery: a panels rule is enforced by a non-guard")
        rule = guards[enforcement[0]].name if enforcement else "model"
        detail = (
            guards[enforcement[0]].detail if enforcement else "基本约束（每名专家每场至多一席）"
        )
        kind = _kind(ct)
        if kind == "linear":
            terms, shift, helper = [], 0, False
            for index, coeff in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
                if index in key_of:
                    terms.append((key_of[index], coeff))
                elif (value := fixed(index)) is not None:
                    shift += coeff * value
                else:
                    helper = True
            if helper:
                if enforcement:
                    raise NotImplementedError(f"panel_lottery: rule {rule} uses helper variables")
                continue
            domain = list(ct.linear.domain)
            if len(domain) != 2:
                raise NotImplementedError(f"panel_lottery: rule {rule} has a holed domain")
            lo = -math.inf if domain[0] <= -_INT64_EDGE else domain[0] - shift
            hi = math.inf if domain[1] >= _INT64_EDGE else domain[1] - shift
            rows.append(_Row(rule, detail, tuple(terms), lo, hi))
        elif kind in _KINDS:
            literals = list(getattr(ct, kind).literals)
            if any(lit < 0 or (lit not in key_of and fixed(lit) is None) for lit in literals):
                raise NotImplementedError(f"panel_lottery: rule {rule} is not over assignments")
            ones = sum(1 for lit in literals if lit not in key_of and fixed(lit) == 1)
            terms = tuple((key_of[lit], 1) for lit in literals if lit in key_of)
            if kind == "bool_or" and not ones:
                rows.append(_Row(rule, detail, terms, 1, math.inf))
            elif kind == "bool_and":
                rows += [_Row(rule, detail, (t,), 1, 1) for t in terms]
                if len(literals) > len(terms) + ones:
                    rows.append(_Row(rule, detail, (), 1, 1))  # a literal fixed to false
            elif kind != "bool_or":
                hi = 1 - ones
                rows.append(
                    _Row(rule, detail, terms, hi if kind == "exactly_one" else -math.inf, hi)
                )
        elif kind is not None:
            raise NotImplementedError(f"panel_lottery: rule {rule} is a {kind} constraint")
    return rows


def _kind(ct: object) -> str | None:
    """Return which constraint a CP-SAT constraint proto holds (protobuf or pybind proto)."""
    which = getattr(ct, "WhichOneof", None)
    if which is not None:
        return which("constraint")
    for kind in _KINDS:
        if getattr(ct, f"has_{kind}")():
            return kind
    for name in dir(ct):
        if name.startswith("has_") and getattr(ct, name)():
            return name[4:]
    return None


def _solve_lp(
    instance: PanelInstance,
    points: dict[tuple[int, int, int], int],
    rows: Sequence[_Row],
    q: float,
) -> dict[tuple[int, int, int], float] | None:
    """Return the capped marginals of greatest expected affinity, or None when there are none.

    The rows (every hard rule of the panels model) hold fractionally; each unconfirmed pair
    gets probability at most q, each confirmed seat probability 1.
    """
    lp = pywraplp.Solver.CreateSolver("GLOP")
    kept = {(m.id, e, s) for m in instance.meetings for e, s in m.confirmed.items()}
    confirmed = {(m, e) for m, e, _ in kept}
    var: dict[tuple[int, int, int], pywraplp.Variable] = {}
    upper: dict[tuple[int, int, int], float] = {}
    pairs: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for k in points:
        if k[:2] in confirmed:
            upper[k] = lo = 1.0 if k in kept else 0.0
        else:
            lo, upper[k] = 0.0, q
        var[k] = lp.NumVar(lo, upper[k], f"x[{k[0]},{k[1]},{k[2]}]")
        pairs[k[:2]].append(k)
    inf = lp.infinity()

    def add(lo: float, hi: float, terms: Sequence[tuple[tuple[int, int, int], float]]) -> None:
        ct = lp.Constraint(max(lo, -inf), min(hi, inf))
        for k, c in terms:
            ct.SetCoefficient(var[k], c)

    for pair, keys in pairs.items():
        if len(keys) > 1 and pair not in confirmed:
            add(-inf, q, [(k, 1.0) for k in keys])
    for row in rows:
        add(row.lo, row.hi, row.terms)
    objective = lp.Objective()
    for k, v in var.items():
        objective.SetCoefficient(v, points[k])
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    x = {k: min(max(v.solution_value(), 0.0), upper[k]) for k, v in var.items()}
    # Keep every unconfirmed pair within the cap exactly, despite the LP's tolerance.
    for pair, keys in pairs.items():
        total = sum(x[k] for k in keys)
        if len(keys) > 1 and pair not in confirmed and total > q:
            for k in keys:
                x[k] *= q / total
    return x


def _shortage(instance: PanelInstance, screening: Screening, q: float) -> str:
    """Return why no lottery under the cap exists, naming a short seat group if there is one."""
    for m in instance.meetings:
        cands = screening.candidates[m.id]
        for s, count in m.seats.items():
            kept = sum(1 for e, ss in m.confirmed.items() if ss == s and e in cands)
            free = sum(1 for e, specs in cands.items() if s in specs and e not in m.confirmed)
            if kept + free * q < count - EPS:
                name = instance.specialty_names.get(s, str(s))
                return (
                    f"{m.code} · {name}：可选 {free} 名，每名入选概率至多 {q:g}，"
                    f"期望至多 {free * q:g} 席"
                    + (f"（另有 {kept} 名已确认）" if kept else "")
                    + f"，需要 {count} 席；请提高 q 或扩大专家库"
                )
        free = sum(1 for e in cands if e not in m.confirmed)
        total = sum(m.seats.values())
        if len(m.confirmed) + free * q < total - EPS:
            return (
                f"{m.code}：可选 {free} 名，每名入选概率至多 {q:g}，期望至多 {free * q:g} 席，"
                f"需要 {total} 席；请提高 q 或扩大专家库"
            )
    return (
        f"在概率上限 q={q:g} 下，席位、专家场次上限与回避规则无法同时满足"
        "（无可行的随机方案）；请提高 q 或放宽规则"
    )


def round_circulation(
    arcs: Sequence[tuple[Hashable, Hashable, float]], rng: random.Random
) -> list[int]:
    """Round a circulation to integers, keeping each arc's expectation and flow conservation.

    `arcs` are (tail, head, flow); flow must be conserved at every node. Each result lies at
    the floor or the ceiling of its arc's flow, and E[result] = flow. Deterministic given the
    state of `rng`.
    """
    val = [float(f) for _, _, f in arcs]
    adj: dict[Hashable, set[int]] = defaultdict(set)
    for i, (u, v, f) in enumerate(arcs):
        if abs(f - round(f)) > EPS:
            adj[u].add(i)
            adj[v].add(i)
        else:
            val[i] = float(round(f))

    def settle(i: int) -> None:
        val[i] = float(round(val[i]))
        u, v, _ = arcs[i]
        adj[u].discard(i)
        adj[v].discard(i)

    starts = list(adj)
    next_start = 0
    path: list[Hashable] = []  # nodes of the walk
    via: list[int] = []  # via[k]: arc from path[k] to path[k + 1]
    pos: dict[Hashable, int] = {}
    while True:
        if not path:
            while next_start < len(starts) and not adj[starts[next_start]]:
                next_start += 1
            if next_start == len(starts):
                break
            path, via, pos = [starts[next_start]], [], {starts[next_start]: 0}
        node = path[-1]
        came = via[-1] if via else -1
        arc = next((i for i in adj[node] if i != came), None)
        if arc is None:
            # Only float noise can leave a node with one fractional arc: settle it and back up.
            if came >= 0:
                settle(came)
                via.pop()
            path.pop()
            del pos[node]
            continue
        tail, head, _ = arcs[arc]
        nxt = head if tail == node else tail
        if nxt not in pos:
            pos[nxt] = len(path)
            path.append(nxt)
            via.append(arc)
            continue
        # A cycle: path[k] ... node, then back to path[k] along `arc`.
        k = pos[nxt]
        cycle = via[k:] + [arc]
        signs = [1 if arcs[a][0] == path[k + j] else -1 for j, a in enumerate(cycle)]
        up = min(
            (math.ceil(val[a]) - val[a]) if sg > 0 else (val[a] - math.floor(val[a]))
            for a, sg in zip(cycle, signs, strict=True)
        )
        down = min(
            (val[a] - math.floor(val[a])) if sg > 0 else (math.ceil(val[a]) - val[a])
            for a, sg in zip(cycle, signs, strict=True)
        )
        delta = up if rng.random() < down / (up + down) else -down
        for a, sg in zip(cycle, signs, strict=True):
            val[a] += sg * delta
            if abs(val[a] - round(val[a])) <= EPS:
                settle(a)
        for n in path[k + 1 :]:
            del pos[n]
        del path[k + 1 :]
        del via[k:]
    return [round(v) for v in val]


def _sample(
    instance: PanelInstance, x: dict[tuple[int, int, int], float], rng: random.Random
) -> set[tuple[int, int, int]]:
    """Return one integral assignment whose probabilities are the marginals x."""
    seats = {(m.id, s): count for m in instance.meetings for s, count in m.seats.items()}
    arcs: list[tuple[Hashable, Hashable, float]] = []
    triples: list[tuple[int, int, int]] = []
    pair: dict[tuple[int, int], float] = defaultdict(float)
    chosen: set[tuple[int, int, int]] = set()
    for (m, e, s), v in x.items():
        if (m, s) not in seats:
            # A confirmed seat outside the meeting's seat groups: fixed, outside the flow.
            if v > 0.5:
                chosen.add((m, e, s))
            continue
        if v <= EPS:
            continue
        arcs.append((("g", m, s), ("p", m, e), v))
        triples.append((m, e, s))
        pair[m, e] += v
    load: dict[int, float] = defaultdict(float)
    for (m, e), v in pair.items():
        arcs.append((("p", m, e), ("e", e), v))
        load[e] += v
    arcs += [(("e", e), "hub", v) for e, v in load.items()]
    arcs += [("hub", ("g", m, s), float(c)) for (m, s), c in seats.items()]
    flows = round_circulation(arcs, rng)
    chosen.update(t for t, f in zip(triples, flows[: len(triples)], strict=True) if f == 1)
    return chosen


class _Checker:
    """Checks samples against every row, touching only the rows of the chosen triples."""

    def __init__(self, rows: Sequence[_Row]) -> None:
        self.rows = rows
        self.index: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
        for i, row in enumerate(rows):
            for k, c in row.terms:
                self.index[k].append((i, c))

    def broken(self, chosen: set[tuple[int, int, int]]) -> _Row | None:
        """Return the first hard rule the sample breaks, or None when it satisfies them all."""
        totals = [0] * len(self.rows)
        for k in chosen:
            for i, c in self.index.get(k, ()):
                totals[i] += c
        return next(
            (r for r, t in zip(self.rows, totals, strict=True) if not r.lo <= t <= r.hi), None
        )


def _solution(
    instance: PanelInstance,
    screening: Screening,
    chosen: set[tuple[int, int, int]],
    points: dict[tuple[int, int, int], int],
    marginals: dict[tuple[int, int], float],
    q: float,
) -> PanelSolution:
    """Return the sampled panels as a PanelSolution, with reserves and reasons."""
    panels = {}
    for m in instance.meetings:
        seats = []
        for mm, e, s in chosen:
            if mm != m.id:
                continue
            if e in m.confirmed:
                why = "已确认出席，保留席位"
            else:
                why = (
                    f"按概率上限 q={q:g} 抽取：入选概率 {marginals[m.id, e]:.2f}；"
                    f"匹配分 {points[mm, e, s]}"
                )
            seats.append(Seat(expert_id=e, specialty_id=s, affinity=points[mm, e, s], why=why))
        panels[m.id] = tuple(sorted(seats, key=lambda seat: (seat.specialty_id, seat.expert_id)))
    sums = [sum(seat.affinity for seat in seats) for seats in panels.values()]
    return PanelSolution(
        panels=panels,
        reserves=draw_reserves(instance, screening, panels),
        affinity=sum(sums),
        worst_panel=min(sums) if sums else None,
    )
