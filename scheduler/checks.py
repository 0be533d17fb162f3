"""Re-check solutions in plain Python, independently of the CP-SAT models.

Each `check_<problem>` re-verifies every hard rule of a problem module and recomputes its soft
penalties and objective from the solution alone. It shares no code with the model on purpose:
one bug cannot hide in both. Tests, manual edits in the API and benchmarks all use it.

The checkers of the later problems live in modules of their own (visit_checks, rotation_checks)
and are re-exported here, so this stays the one place to look.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.helpers import HelperInstance, HelperSolution
from scheduler.panels import YEAR_DAYS, PanelExpert, PanelInstance, PanelMeeting, PanelSolution
from scheduler.rotation_checks import (
    check_rotation,
    check_training,
    rotation_objective,
    training_objective,
)
from scheduler.visit_checks import check_visits, visit_objective

__all__ = [
    "CheckResult",
    "check_case_helpers",
    "check_panels",
    "check_rotation",
    "check_training",
    "check_visits",
    "rotation_objective",
    "training_objective",
    "visit_objective",
]


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


def check_panels(instance: PanelInstance, solution: PanelSolution) -> CheckResult:
    """Re-check an expert draw: seats, eligibility, employers, clashes, loads, caps, reserves.

    Confirmed experts keep their confirmed seat whatever the screening says now (that is what
    confirming means), so only the rules between panels (employers, clashes, loads, caps) apply
    to them. `penalties` holds the recomputed total affinity and the worst panel's affinity,
    for information; the solution's own totals must equal them.
    """
    violations: list[str] = []
    policy = instance.policy
    experts = {e.id: e for e in instance.experts}
    meetings = {m.id: m for m in instance.meetings}
    row = {m.id: i for i, m in enumerate(instance.meetings)}
    col = {e.id: i for i, e in enumerate(instance.experts)}

    def who(expert_id: int) -> str:
        e = experts.get(expert_id)
        return f"专家 {expert_id}（{e.name}）" if e is not None and e.name else f"专家 {expert_id}"

    def spec(s: int) -> str:
        return instance.specialty_names.get(s, str(s))

    def points(m: PanelMeeting, e: PanelExpert, s: int) -> int:
        if instance.scores is not None:
            return instance.scores[row[m.id]][col[e.id]]
        return 20 * e.specialties.get(s, 0) + min(e.years, 20)

    for mid in solution.panels:
        if mid not in meetings:
            violations.append(f"会议编号 {mid} 不在本次抽取中，却有专家席位")
    for mid in solution.reserves:
        if mid not in meetings:
            violations.append(f"会议编号 {mid} 不在本次抽取中，却有备选专家")

    # meetings each expert sits on, in instance order
    sits: dict[int, list[PanelMeeting]] = {}
    sums: list[int] = []
    for m in instance.meetings:
        seats = solution.panels.get(m.id, ())
        filled = Counter(seat.specialty_id for seat in seats)
        for s, need in m.seats.items():
            if filled[s] != need:
                violations.append(
                    f"会议 {m.code}：专业 {spec(s)} 需要 {need} 席，实际 {filled[s]} 席"
                )
        for s in filled:
            if s not in m.seats:
                violations.append(f"会议 {m.code}：专业 {spec(s)} 不是本会议所需专业，却有席位")
        for e_id, n in Counter(seat.expert_id for seat in seats).items():
            if n > 1:
                violations.append(f"会议 {m.code}：{who(e_id)} 占了 {n} 个席位")
        panel_sum = 0
        members: list[PanelExpert] = []
        for seat in seats:
            e = experts.get(seat.expert_id)
            if e is None:
                violations.append(f"会议 {m.code}：专家编号 {seat.expert_id} 不在本次专家库中")
                continue
            if e not in members:
                members.append(e)
            got = points(m, e, seat.specialty_id)
            panel_sum += got
            if seat.affinity != got:
                violations.append(
                    f"会议 {m.code}：{who(e.id)} 的匹配分记为 {seat.affinity}，重算为 {got}"
                )
            if m.confirmed.get(e.id) == seat.specialty_id:
                continue
            generic = instance.scores is not None and not e.specialties
            if not generic and seat.specialty_id not in e.specialties:
                violations.append(
                    f"会议 {m.code}：{who(e.id)} 不具备专业 {spec(seat.specialty_id)}，却入选该席"
                )
            for text in _ineligible(instance, m, e):
                violations.append(f"会议 {m.code}：{who(e.id)}{text}，却入选评审组")
        sums.append(panel_sum)
        for e in members:
            sits.setdefault(e.id, []).append(m)
        for e_id, s in m.confirmed.items():
            if not any(x.expert_id == e_id and x.specialty_id == s for x in seats):
                violations.append(
                    f"会议 {m.code}：{who(e_id)} 已确认出席专业 {spec(s)} 席位，却未被保留"
                )
        if policy.one_per_employer:
            by_employer = Counter(e.employer_id for e in members if e.employer_id is not None)
            for employer, n in sorted(by_employer.items()):
                if n > 1:
                    ids = "、".join(str(e.id) for e in members if e.employer_id == employer)
                    violations.append(
                        f"会议 {m.code}：专家 {ids} 同属单位 {employer}，同一单位至多一名专家"
                    )

    for e_id, mine in sits.items():
        e = experts[e_id]
        violations.extend(_clashes(instance, e_id, mine, who))
        violations.extend(_load_violations(instance, e, mine, who))
        violations.extend(_applicant_violations(instance, e, mine, who))
    for e in instance.experts:
        n = len(sits.get(e.id, ()))
        if e.min_load and n < e.min_load:
            violations.append(f"{who(e.id)} 本批仅 {n} 场评审，少于最少 {e.min_load} 场")

    for m in instance.meetings:
        violations.extend(_reserve_violations(instance, m, solution, sits, who))

    total = sum(sums)
    worst = min(sums) if sums else None
    if solution.affinity != total:
        violations.append(f"方案报告总匹配分 {solution.affinity}，重算为 {total}")
    if solution.worst_panel != worst:
        violations.append(f"方案报告最低评审组匹配分 {solution.worst_panel}，重算为 {worst}")
    penalties = {"affinity": total, "worst_panel": worst if worst is not None else 0}
    return CheckResult(violations, penalties)


def _ineligible(instance: PanelInstance, m: PanelMeeting, e: PanelExpert) -> list[str]:
    """Return every screening rule (other than specialty) the expert breaks for the meeting."""
    out: list[str] = []
    if m.pool_level == "city" and e.pool_level != "city":
        out.append("不在市级专家库")
    elif m.pool_level == "district" and not (
        e.pool_level == "district" and e.district_id == m.district_id
    ):
        out.append(f"不在区县 {m.district_id} 的专家库")
    if not e.active:
        out.append("非在库状态（停用或退休）")
    if m.applicant_id is not None:
        if e.employer_id == m.applicant_id:
            out.append("与申请人同单位")
        limit = instance.policy.conflict_years * YEAR_DAYS
        for tie in e.ties:
            if tie.organisation_id != m.applicant_id:
                continue
            if tie.kind == "declared_relation":
                out.append("申报与申请人有利害关系")
            elif tie.until_day is None or m.day - tie.until_day <= limit:
                out.append(f"近 {instance.policy.conflict_years} 年内曾在申请人处任职或合作")
    if m.matter_code and m.matter_code in e.matters:
        out.append(f"曾参与同一事项 {m.matter_code}")
    if e.id in m.declined:
        out.append("已谢绝本次会议")
    if m.start is not None and m.end is not None:
        for b in e.busy:
            if b.start < m.end and m.start < b.end:
                out.append(f"{b.start}–{b.end} 请假或有其他安排")
                break
    return out


def _travel_gap(instance: PanelInstance, a: PanelMeeting, b: PanelMeeting) -> int:
    """Return the minutes one person needs between two meetings: travel between districts."""
    both_on_site = a.mode == "on_site" and b.mode == "on_site"
    return (
        instance.policy.travel_buffer_min if both_on_site and a.district_id != b.district_id else 0
    )


def _cannot_attend_both(instance: PanelInstance, a: PanelMeeting, b: PanelMeeting) -> bool:
    """Return whether two timed meetings are closer than the travel gap (or overlap)."""
    if a.start is None or a.end is None or b.start is None or b.end is None:
        return False
    gap = _travel_gap(instance, a, b)
    return a.start < b.end + gap and b.start < a.end + gap


def _clashes(
    instance: PanelInstance, e_id: int, mine: list[PanelMeeting], who: Callable[[int], str]
) -> list[str]:
    """Return the pairs of meetings one expert cannot both attend."""
    out = []
    for i, a in enumerate(mine):
        for b in mine[i + 1 :]:
            if _cannot_attend_both(instance, a, b):
                gap = _travel_gap(instance, a, b)
                extra = f"（异地现场会议需间隔 {gap} 分钟）" if gap else ""
                out.append(f"{who(e_id)} 同时入选会议 {a.code} 与 {b.code}，时间冲突{extra}")
    return out


def _load_violations(
    instance: PanelInstance, e: PanelExpert, mine: list[PanelMeeting], who: Callable[[int], str]
) -> list[str]:
    """Return the expert's breaches of max_load and of the rolling load cap (history counted)."""
    out = []
    if e.max_load is not None and len(mine) > e.max_load:
        out.append(f"{who(e.id)} 本批 {len(mine)} 场评审，超过上限 {e.max_load} 场")
    cap, window = instance.policy.load_cap, instance.policy.load_window_days
    if cap is None:
        return out
    days = [m.day for m in mine]
    past = [h.day for h in e.history]
    # A fullest window starts on the day of one of the panels it holds.
    for d in sorted(set(days) | set(past)):
        new = sum(1 for x in days if d <= x < d + window)
        old = sum(1 for x in past if d <= x < d + window)
        if new and new + old > cap:
            out.append(
                f"{who(e.id)} 在第 {d} 日起的 {window} 天内评审 {new + old} 场"
                f"（含既往 {old} 场），超过上限 {cap} 场"
            )
            break
    return out


def _applicant_violations(
    instance: PanelInstance, e: PanelExpert, mine: list[PanelMeeting], who: Callable[[int], str]
) -> list[str]:
    """Return the expert's breaches of the yearly cap per applicant (history counted)."""
    cap = instance.policy.applicant_cap
    if cap is None:
        return []
    out = []
    for applicant in sorted({m.applicant_id for m in mine if m.applicant_id is not None}):
        days = [m.day for m in mine if m.applicant_id == applicant]
        past = [h.day for h in e.history if h.applicant_id == applicant]
        # The year before each of these meetings, the meeting's own day included.
        for d in sorted(set(days)):
            new = sum(1 for x in days if d - YEAR_DAYS < x <= d)
            old = sum(1 for x in past if d - YEAR_DAYS < x <= d)
            if new + old > cap:
                out.append(
                    f"{who(e.id)} 截至第 {d} 日一年内为申请人 {applicant} 评审 {new + old} 场"
                    f"（含既往 {old} 场），超过上限 {cap} 场"
                )
                break
    return out


def _reserve_violations(
    instance: PanelInstance,
    m: PanelMeeting,
    solution: PanelSolution,
    sits: dict[int, list[PanelMeeting]],
    who: Callable[[int], str],
) -> list[str]:
    """Return what is wrong with a meeting's reserves: on the panel, ineligible, busy, order."""
    out = []
    reserves = solution.reserves.get(m.id, ())
    experts = {e.id: e for e in instance.experts}
    on_panel = {seat.expert_id for seat in solution.panels.get(m.id, ())}
    if len(reserves) > m.reserves:
        out.append(f"会议 {m.code}：备选 {len(reserves)} 名，多于所需 {m.reserves} 名")
    if [r.rank for r in reserves] != list(range(1, len(reserves) + 1)):
        out.append(f"会议 {m.code}：备选顺位不是从 1 起连续编号")
    for e_id, n in Counter(r.expert_id for r in reserves).items():
        if n > 1:
            out.append(f"会议 {m.code}：{who(e_id)} 重复列为备选")
    cap = instance.policy.applicant_cap
    for r in reserves:
        e = experts.get(r.expert_id)
        if e is None:
            out.append(f"会议 {m.code}：备选专家编号 {r.expert_id} 不在本次专家库中")
            continue
        if e.id in on_panel:
            out.append(f"会议 {m.code}：{who(e.id)} 已在评审组中，不能同时作为备选")
        generic = instance.scores is not None and not e.specialties
        usable = set(m.seats) if generic else set(m.seats) & set(e.specialties)
        if not r.specialties or not set(r.specialties) <= usable:
            out.append(f"会议 {m.code}：备选 {who(e.id)} 的可替补专业与本会议或其专业不符")
        for text in _ineligible(instance, m, e):
            out.append(f"会议 {m.code}：备选 {who(e.id)}{text}")
        if cap is not None and m.applicant_id is not None:
            recent = sum(
                1
                for h in e.history
                if h.applicant_id == m.applicant_id and 0 <= m.day - h.day < YEAR_DAYS
            )
            if recent >= cap:
                out.append(
                    f"会议 {m.code}：备选 {who(e.id)} 一年内已为该申请人评审 {recent} 场，达到上限"
                )
        for other in sits.get(e.id, ()):
            if other.id != m.id and _cannot_attend_both(instance, m, other):
                out.append(f"会议 {m.code}：备选 {who(e.id)} 已入选时间冲突的会议 {other.code}")
    return out
