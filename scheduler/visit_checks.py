"""Re-check VIP-visit plans in plain Python, independently of the CP-SAT model.

`check_visits` re-verifies every hard rule of scheduler/visits.py from the instance and the
solution alone and returns the violations in coordinators' words (empty: the plan is valid);
`visit_objective` recomputes each soft goal in weighted points under the model's term names.
Only the schemas are imported from the model module: sharing its helpers (eligibility, previous
members, fairness groups) would let one bug hide in both, so they are written again here.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scheduler.visits import VisitInstance, VisitPerson, VisitProject, VisitSolution

_HALVES = ("am", "pm")


def _who(people: dict[int, VisitPerson], m: int) -> str:
    person = people.get(m)
    return f"{person.name}（{m}）" if person is not None else f"人员编号 {m}"


def _may_serve(m: VisitPerson, p: VisitProject) -> bool:
    """Return whether m's department, role and district let them join p's visits."""
    if m.department_id not in p.departments:
        return False
    if m.role == "backbone" and p.backbones < 1:
        return False
    return m.district_id in (None, p.district_id)


def check_visits(instance: VisitInstance, solution: VisitSolution) -> list[str]:
    """Return every hard-rule violation of the solution (empty list: the plan is valid)."""
    out: list[str] = []
    n_slots = 2 * len(instance.days)
    people = {m.id: m for m in instance.people}
    projects = {p.id: p for p in instance.projects}
    sessions = {s.id: s for s in instance.sessions}
    adjacent = {d.id: d.adjacent for d in instance.districts}

    # who is busy in which slot, and where each person is on site each day
    busy: dict[tuple[int, int], list[str]] = defaultdict(list)
    on_site: dict[tuple[int, int], set[int]] = defaultdict(set)
    visits_per_day: Counter[tuple[int, int]] = Counter()
    slots_of: dict[int, list[int]] = defaultdict(list)

    for visit in solution.visits:
        p = projects.get(visit.project_id)
        if p is None:
            out.append(f"项目编号 {visit.project_id} 不在本次请求中，却安排了上门")
            continue
        t = visit.slot
        if not 0 <= t < n_slots:
            out.append(f"项目 {p.code}：时段 {t} 不在本月范围内")
            continue
        day_index, half = divmod(t, 2)
        day = instance.days[day_index]
        if visit.day != day or visit.half != _HALVES[half]:
            out.append(
                f"项目 {p.code}：时段 {t} 应为 {day} {_HALVES[half]}，方案写作 "
                f"{visit.day} {visit.half}"
            )
        slots_of[p.id].append(t)
        label = f"项目 {p.code} {day}{'上午' if half == 0 else '下午'}"
        # 6. enterprise windows
        if day in p.blocked_days:
            out.append(f"{label}：企业 {p.enterprise_name} 当天不便接待")
        # 2. team composition
        members = list(visit.member_ids)
        for m, n in Counter(members).items():
            if n > 1:
                out.append(f"{label}：{_who(people, m)} 在成员名单中出现 {n} 次")
        team = [people[m] for m in dict.fromkeys(members) if m in people]
        for m in members:
            if m not in people:
                out.append(f"{label}：成员编号 {m} 不在本次人员名单中")
        for d in p.departments:
            chiefs = [m for m in team if m.role == "chief" and m.department_id == d]
            if len(chiefs) != 1:
                out.append(f"{label}：部门 {d} 首席代表应为 1 名，实际 {len(chiefs)} 名")
        backbones = [m for m in team if m.role == "backbone"]
        if len(backbones) != p.backbones:
            out.append(f"{label}：业务骨干应为 {p.backbones} 名，实际 {len(backbones)} 名")
        for m in team:
            if m.department_id not in p.departments:
                out.append(f"{label}：{_who(people, m.id)} 所在部门不是项目所需部门")
            elif m.district_id is not None and m.district_id != p.district_id:
                out.append(f"{label}：{_who(people, m.id)} 不负责项目所在区县")
        if visit.lead_id not in members:
            out.append(f"{label}：组长 {_who(people, visit.lead_id)} 不是本次成员")
        elif visit.lead_id in people and not people[visit.lead_id].can_lead:
            out.append(f"{label}：组长 {_who(people, visit.lead_id)} 不能担任组长")
        for m in team:
            # 3. availability
            if t in m.unavailable_slots:
                out.append(f"{label}：{_who(people, m.id)} 该时段请假或另有安排")
            busy[m.id, t].append(f"项目 {p.code} 上门")
            on_site[m.id, day_index].add(p.district_id)
            visits_per_day[m.id, day_index] += 1

    # 1. coverage
    for p in instance.projects:
        got = slots_of.get(p.id, [])
        if len(got) != p.visits_required:
            out.append(f"项目 {p.code}：需上门 {p.visits_required} 次，实际 {len(got)} 次")
        for t, n in Counter(got).items():
            if n > 1:
                out.append(f"项目 {p.code}：时段 {t} 安排了 {n} 次上门")
        # 7. spacing
        days = sorted(t // 2 for t in got)
        for a, b in zip(days, days[1:], strict=False):
            if b - a < p.min_days_between:
                out.append(
                    f"项目 {p.code}：两次上门相隔 {b - a} 个工作日，少于 {p.min_days_between} 个"
                )

    # 8. sessions
    seen_sessions = Counter(a.session_id for a in solution.sessions)
    for s_id, n in seen_sessions.items():
        if s_id not in sessions:
            out.append(f"会议编号 {s_id} 不在本次请求中")
        elif n > 1:
            out.append(f"会议 {sessions[s_id].code} 出现 {n} 次出席名单")
    attendance = {a.session_id: a.member_ids for a in solution.sessions}
    for s in instance.sessions:
        if s.id not in attendance:
            out.append(f"会议 {s.code}：没有出席名单")
            continue
        members = attendance[s.id]
        attending = [people[m] for m in dict.fromkeys(members) if m in people]
        if len(attending) != len(members):
            out.append(f"会议 {s.code}：出席名单有重复或未知人员")
        for d in s.department_ids:
            n = sum(1 for m in attending if m.role == "chief" and m.department_id == d)
            if n != 1:
                out.append(f"会议 {s.code}：部门 {d} 首席代表应出席 1 名，实际 {n} 名")
        for m in attending:
            if m.role != "chief" or m.department_id not in s.department_ids:
                out.append(f"会议 {s.code}：{_who(people, m.id)} 不是所需部门的首席代表")
            for t in s.slots:
                if t in m.unavailable_slots:
                    out.append(f"会议 {s.code}：{_who(people, m.id)} 在时段 {t} 请假或另有安排")
                busy[m.id, t].append(f"会议 {s.code}")
            if s.mode == "on_site" and s.district_id is not None:
                for i in {t // 2 for t in s.slots}:
                    on_site[m.id, i].add(s.district_id)
        for m in s.pinned_member_ids:
            if m not in members:
                out.append(f"会议 {s.code}：已确认出席的 {_who(people, m)} 未被保留")

    # 4. no double booking
    for (m, t), what in sorted(busy.items()):
        if len(what) > 1:
            out.append(f"{_who(people, m)} 在时段 {t} 同时安排了：{'、'.join(what)}")
    # 5. travel
    for (m, i), where in sorted(on_site.items()):
        ds = sorted(where)
        for k, a in enumerate(ds):
            for b in ds[k + 1 :]:
                if b not in adjacent.get(a, frozenset()):
                    out.append(
                        f"{_who(people, m)} 在 {instance.days[i]} 的现场活动分处不相邻的区县 "
                        f"{a} 与 {b}"
                    )
    for (m, i), n in sorted(visits_per_day.items()):
        if n > people[m].max_visits_per_day:
            out.append(
                f"{_who(people, m)} 在 {instance.days[i]} 上门 {n} 次，"
                f"超过上限 {people[m].max_visits_per_day} 次"
            )

    # 9. pins
    planned = {(v.project_id, v.slot): v for v in solution.visits}
    for pin in instance.pins:
        code = projects[pin.project_id].code
        v = planned.get((pin.project_id, pin.slot))
        if v is None:
            out.append(f"项目 {code}：已确认的时段 {pin.slot} 上门未被保留")
            continue
        if sorted(v.member_ids) != sorted(pin.member_ids):
            out.append(f"项目 {code}：已确认的时段 {pin.slot} 上门成员被改动")
        if v.lead_id != pin.lead_id:
            out.append(f"项目 {code}：已确认的时段 {pin.slot} 上门组长被改动")

    # reported numbers
    kept = {(v.project_id, v.slot, tuple(sorted(v.member_ids))) for v in solution.visits}
    changes = sum(
        1
        for prev in instance.previous
        if (prev.project_id, prev.slot, tuple(sorted(prev.member_ids))) not in kept
    )
    if solution.changes != changes:
        out.append(f"方案报告改动 {solution.changes} 次已发布上门，实际为 {changes} 次")
    total = sum(visit_objective(instance, solution).values())
    if solution.objective is not None and solution.objective != total:
        out.append(f"方案报告目标值 {solution.objective}，重算为 {total}")
    return out


def visit_objective(instance: VisitInstance, solution: VisitSolution) -> dict[str, int]:
    """Recompute each soft goal of the solution in weighted points, by the model's term names."""
    w = instance.weights
    projects = {p.id: p for p in instance.projects}
    by_slot = {(v.project_id, v.slot): set(v.member_ids) for v in solution.visits}

    moved = dropped = 0
    for prev in instance.previous:
        team = by_slot.get((prev.project_id, prev.slot))
        if team is None:
            moved += 1
            dropped += len(prev.member_ids)
        else:
            dropped += sum(1 for m in prev.member_ids if m not in team)

    horizon = set(instance.days)
    off_days = 0
    for v in solution.visits:
        p = projects.get(v.project_id)
        if p is None:
            continue
        wanted = {d for d in p.preferred_days if d in horizon}
        if wanted and instance.days[v.slot // 2] not in wanted:
            off_days += 1

    newcomers = 0
    for v in solution.visits:
        p = projects.get(v.project_id)
        if p is None:
            continue
        known = set(p.previous_member_ids)
        known.update(m.id for m in instance.people if p.id in m.previous_project_ids)
        if known:
            newcomers += sum(1 for m in v.member_ids if m not in known)

    load: Counter[int] = Counter(m for v in solution.visits for m in v.member_ids)
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    n_slots = 2 * len(instance.days)
    for m in instance.people:
        free = any(t not in m.unavailable_slots for t in range(n_slots))
        useful = any(p.visits_required > 0 and _may_serve(m, p) for p in instance.projects)
        if free and useful:
            groups[m.department_id, m.role].append(load[m.id])
    spread = sum(max(ls) - min(ls) for ls in groups.values() if len(ls) > 1)

    return {
        "minimal_change": w.change_slot * moved + w.change_member * dropped,
        "preferred_days": w.preferred_day * off_days,
        "continuity": w.continuity * newcomers,
        "fairness": w.fairness * spread,
    }
