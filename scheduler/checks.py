"""Re-check solutions in plain Python, independently of the CP-SAT models.

Each `check_<problem>` re-verifies every hard rule of a problem module and recomputes its soft
penalties and objective from the solution alone. It shares no code with the model on purpose:
one bug cannot hide in both. Tests, manual edits in the API and benchmarks all use it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from scheduler.helpers import HelperInstance, HelperSolution


@dataclass(frozen=True)
class CheckResult:
    """Hard-rule violations in coordinators' words, and the recomputed penalties."""

    violations: list[str] = field(default_factory=list)
    penalties: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return whether no hard rule is violated."""
        return not self.violations

    @property
    def objective(self) -> int:
        """Return the recomputed objective: the sum of the penalties."""
        return sum(self.penalties.values())


def check_case_helpers(instance: HelperInstance, solution: HelperSolution) -> CheckResult:
    """Re-check a case-helper solution: one helper each, capacity, district, pins; penalties."""
    violations: list[str] = []
    helpers = {h.id: h for h in instance.helpers}
    projects = {p.id: p for p in instance.projects}
    seen = Counter(a.project_id for a in solution.assignments)
    for pid, n in seen.items():
        if pid not in projects:
            violations.append(f"项目编号 {pid} 不在本次请求中")
        elif n > 1:
            violations.append(f"项目 {projects[pid].code} 有 {n} 名帮办代办员")
    for p in instance.projects:
        if seen[p.id] == 0:
            violations.append(f"项目 {p.code} 没有帮办代办员")
    helper_of = {
        a.project_id: a.helper_id for a in solution.assignments if a.project_id in projects
    }
    load = Counter(helper_of.values())
    for hid, n in load.items():
        h = helpers.get(hid)
        if h is None:
            violations.append(f"帮办代办员编号 {hid} 不在本次请求中")
        elif n > h.capacity:
            violations.append(f"帮办代办员 {h.name} 帮办 {n} 个项目，超过上限 {h.capacity}")
    for pid, hid in helper_of.items():
        p, h = projects[pid], helpers.get(hid)
        if h is None:
            continue
        if not h.available:
            violations.append(f"帮办代办员 {h.name} 不在岗，却分配了项目 {p.code}")
        if h.district_id is not None and h.district_id != p.district_id:
            violations.append(f"帮办代办员 {h.name} 不属于项目 {p.code} 所在区县")
        if p.pinned_helper_id is not None and p.pinned_helper_id != hid:
            violations.append(f"项目 {p.code} 已锁定，但帮办代办员被更换")

    w = instance.weights
    changes = sum(
        1
        for p in instance.projects
        if p.previous_helper_id is not None and helper_of.get(p.id) != p.previous_helper_id
    )
    mismatched = sum(
        1
        for pid, hid in helper_of.items()
        if projects[pid].industry_id is not None
        and hid in helpers
        and projects[pid].industry_id not in helpers[hid].industry_ids
    )
    peak = max(
        (
            math.ceil(100 * n / helpers[hid].capacity)
            for hid, n in load.items()
            if hid in helpers and helpers[hid].capacity > 0
        ),
        default=0,
    )
    penalties = {
        "continuity": w.continuity * changes,
        "industry_match": w.industry_match * mismatched,
        "peak_load": w.peak_load * peak,
    }
    if solution.changes != changes:
        violations.append(f"方案报告更换 {solution.changes} 个项目，实际为 {changes} 个")
    return CheckResult(violations, penalties)
