"""Re-check duty rosters in plain Python, independently of the CP-SAT model in roster.py.

`check_roster` re-verifies every hard rule of `scheduler.roster` from the solution alone and
returns the violations in coordinators' words (empty: the roster is valid); `roster_objective`
recomputes every soft term. Only the schemas are shared with the model: a bug in the model's
formulation cannot hide in here too. Runs are computed as maximal runs of working days (or days
off); a run that touches the first or last day of the horizon is exempt from the minimum-length
rules, as in the Curtois & Qu benchmark.
"""

from __future__ import annotations

from collections import Counter

from scheduler.roster import Employee, RosterInstance, RosterSolution


def _runs(row: tuple[str, ...], working: bool) -> list[tuple[int, int]]:
    """Return (first day, length) of every maximal run of working days (or of days off)."""
    out = []
    start = None
    for d, sid in enumerate((*row, None)):
        on = sid is not None and (sid != "") == working
        if on and start is None:
            start = d
        elif not on and start is not None:
            out.append((start, d - start))
            start = None
    return out


def _weekend_days(instance: RosterInstance) -> dict[int, list[int]]:
    """Return the days (Saturday, Sunday) of each weekend in the horizon."""
    out: dict[int, list[int]] = {}
    for d in range(instance.horizon_days):
        absolute = instance.first_weekday + d
        if absolute % 7 in (5, 6):
            out.setdefault(absolute // 7, []).append(d)
    return out


def _employee_violations(
    instance: RosterInstance, emp: Employee, row: tuple[str, ...]
) -> list[str]:
    """Return one employee's breaches of the hard rules that concern a single row."""
    out: list[str] = []
    who = f"员工 {emp.id}"
    h = instance.horizon_days
    shifts = {s.id: s for s in instance.shifts}
    for d, sid in enumerate(row):
        if sid and sid not in shifts:
            out.append(f"{who}：第 {d} 天的班次 {sid} 不存在")
    if any(sid and sid not in shifts for sid in row):
        return out
    for d, sid in enumerate(row):
        need = shifts[sid].qualification if sid else None
        if need is not None and need not in emp.qualifications:
            out.append(f"{who}：第 {d} 天上 {sid} 班，但没有{need}资质")
        if sid and d in emp.fixed_days_off:
            out.append(f"{who}：第 {d} 天为固定休息或请假，却排了 {sid} 班")
        if sid and d + 1 < h and row[d + 1] in shifts[sid].forbidden_next:
            out.append(f"{who}：第 {d} 天 {sid} 班之后第 {d + 1} 天不能上 {row[d + 1]} 班")
    counts = Counter(sid for sid in row if sid)
    for sid, n in sorted(counts.items()):
        limit = emp.max_shifts.get(sid)
        if limit is not None and n > limit:
            out.append(f"{who}：{sid} 班 {n} 次，超过上限 {limit} 次")
    minutes = sum(shifts[sid].minutes for sid in row if sid)
    if minutes < emp.min_total_minutes:
        out.append(f"{who}：总工时 {minutes} 分钟，少于下限 {emp.min_total_minutes} 分钟")
    if emp.max_total_minutes is not None and minutes > emp.max_total_minutes:
        out.append(f"{who}：总工时 {minutes} 分钟，超过上限 {emp.max_total_minutes} 分钟")
    for first, length in _runs(row, working=True):
        inside = first > 0 and first + length < h
        if emp.max_consecutive_shifts is not None and length > emp.max_consecutive_shifts:
            out.append(
                f"{who}：第 {first} 天起连续上班 {length} 天，超过上限 "
                f"{emp.max_consecutive_shifts} 天"
            )
        if inside and length < emp.min_consecutive_shifts:
            out.append(
                f"{who}：第 {first} 天起只连续上班 {length} 天，少于下限 "
                f"{emp.min_consecutive_shifts} 天"
            )
    for first, length in _runs(row, working=False):
        inside = first > 0 and first + length < h
        if inside and length < emp.min_consecutive_days_off:
            out.append(
                f"{who}：第 {first} 天起只连续休息 {length} 天，少于下限 "
                f"{emp.min_consecutive_days_off} 天"
            )
    if emp.max_weekends is not None:
        worked = sum(1 for days in _weekend_days(instance).values() if any(row[d] for d in days))
        if worked > emp.max_weekends:
            out.append(f"{who}：上了 {worked} 个周末，超过上限 {emp.max_weekends} 个")
    return out


def check_roster(instance: RosterInstance, solution: RosterSolution) -> list[str]:
    """Return every hard-rule violation of the roster (and a misreported objective)."""
    violations: list[str] = []
    staff = {e.id: e for e in instance.employees}
    for eid in solution.assignments:
        if eid not in staff:
            violations.append(f"员工 {eid} 不在本次排班中")
    rows: dict[str, tuple[str, ...]] = {}
    for emp in instance.employees:
        row = solution.assignments.get(emp.id)
        if row is None:
            violations.append(f"员工 {emp.id} 没有排班")
            continue
        if len(row) != instance.horizon_days:
            violations.append(
                f"员工 {emp.id}：排了 {len(row)} 天，排班周期为 {instance.horizon_days} 天"
            )
            continue
        rows[emp.id] = row
        violations.extend(_employee_violations(instance, emp, row))
    for pin in instance.pins:
        row = rows.get(pin.employee)
        if row is not None and row[pin.day] != pin.shift:
            got = row[pin.day] or "休息"
            want = pin.shift or "休息"
            violations.append(f"员工 {pin.employee}：第 {pin.day} 天已锁定为 {want}，实为 {got}")
    if not violations and solution.objective is not None:
        total = sum(roster_objective(instance, solution).values())
        if total != solution.objective:
            violations.append(f"方案报告目标值 {solution.objective}，重算为 {total}")
    return violations


def roster_objective(instance: RosterInstance, solution: RosterSolution) -> dict[str, int]:
    """Return the points of every soft term of a roster whose rows are complete."""
    rows = solution.assignments
    h = instance.horizon_days
    on = off = 0
    for r in instance.requests:
        sid = rows[r.employee][r.day]
        hit = bool(sid) if r.shift is None else sid == r.shift
        if r.kind == "on" and not hit:
            on += r.weight
        if r.kind == "off" and hit:
            off += r.weight
    staffed = Counter((d, sid) for row in rows.values() for d, sid in enumerate(row) if sid)
    short = surplus = 0
    for c in instance.covers:
        have = staffed[c.day, c.shift]
        short += c.weight_under * max(0, c.requirement - have)
        surplus += c.weight_over * max(0, have - c.requirement)
    w = instance.weights
    changes = 0
    if instance.previous:
        for eid, before in instance.previous.items():
            changes += sum(1 for d in range(h) if rows[eid][d] != before[d])
    nights = {s.id for s in instance.shifts if s.night}
    weekends = _weekend_days(instance)
    night_totals, weekend_totals, holiday_totals = [], [], []
    for emp in instance.employees:
        row = rows[emp.id]
        carry = instance.carry_over.get(emp.id)
        night_totals.append(sum(1 for sid in row if sid in nights) + (carry.nights if carry else 0))
        weekend_totals.append(
            sum(1 for days in weekends.values() if any(row[d] for d in days))
            + (carry.weekends if carry else 0)
        )
        holiday_totals.append(
            sum(1 for d in instance.holidays if row[d]) + (carry.holidays if carry else 0)
        )

    def spread(totals: list[int], weight: int, relevant: bool) -> int:
        if not weight or not relevant or len(totals) < 2:
            return 0
        return weight * (max(totals) - min(totals))

    return {
        "shift_on_requests": on,
        "shift_off_requests": off,
        "cover_shortfall": short,
        "cover_surplus": surplus,
        "minimal_change": w.minimal_change * changes,
        "fair_nights": spread(night_totals, w.fair_nights, bool(nights)),
        "fair_weekends": spread(weekend_totals, w.fair_weekends, bool(weekends)),
        "fair_holidays": spread(holiday_totals, w.fair_holidays, bool(instance.holidays)),
    }
