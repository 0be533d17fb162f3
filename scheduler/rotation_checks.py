"""Re-check rotation and training plans in plain Python, independently of the CP-SAT models.

`check_rotation` and `check_training` re-verify every hard rule of `scheduler.rotation` and
`scheduler.training` from a solution alone and return the violations in coordinators' words;
`rotation_objective` and `training_objective` recompute the soft terms by name. Only the schemas
are imported: no OR-Tools, and no code shared with the models, so one bug cannot hide in both.
The rules are read from the model cards and re-implemented on each person's sequence of posts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from scheduler.rotation import RotationInstance, RotationPerson, RotationSolution
from scheduler.training import TrainingInstance, TrainingSolution

__all__ = ["check_rotation", "check_training", "rotation_objective", "training_objective"]


# --- rotation ---------------------------------------------------------------------------------


class _Person:
    """One person's plan as a sequence over their available periods, with the history."""

    def __init__(self, person: RotationPerson, n_periods: int, plan: dict[int, int]) -> None:
        self.person = person
        self.periods = [t for t in range(n_periods) if t not in person.unavailable_periods]
        self.seq: list[int | None] = [plan.get(t) for t in self.periods]
        self.past: dict[int, int] = {}  # periods ago -> post
        for h in person.history:
            for ago in range(h.periods_ago_end, h.periods_ago_end + h.consecutive):
                self.past[ago] = h.post_id
        cur = self.past.get(1)
        self.current = cur

    def at(self, k: int) -> int | None:
        """Return the post held at timeline position k (negative: history)."""
        if k >= 0:
            return self.seq[k] if k < len(self.seq) else None
        return self.past.get(-k)

    def starts(self) -> list[tuple[int, int]]:
        """Return (position, post) of every start on a post in the horizon."""
        return [(k, s) for k, s in enumerate(self.seq) if s is not None and self.at(k - 1) != s]


def _eligible(person: RotationPerson, scope: str, department_id: int | None) -> bool:
    if scope == "hall":
        return person.hall_eligible
    return person.department_id == department_id


def _plans(
    instance: RotationInstance, solution: RotationSolution, problems: list[str]
) -> dict[int, _Person]:
    """Return each person's sequence, recording malformed holdings as problems."""
    people = {p.id: p for p in instance.people}
    posts = {s.id for s in instance.posts}
    n = len(instance.periods)
    plan: dict[int, dict[int, int]] = defaultdict(dict)
    for h in solution.holdings:
        if h.person_id not in people or h.post_id not in posts or not 0 <= h.period_index < n:
            problems.append(
                f"任职记录 {h.person_id}/{h.post_id}/{h.period_index} 不在本次方案范围内"
            )
            continue
        if h.period_index in plan[h.person_id]:
            code = instance.periods[h.period_index].code
            problems.append(f"{people[h.person_id].label} {code} 同时任多个岗位")
        plan[h.person_id][h.period_index] = h.post_id
    return {p.id: _Person(p, n, plan.get(p.id, {})) for p in instance.people}


def check_rotation(instance: RotationInstance, solution: RotationSolution) -> list[str]:
    """Return every hard-rule violation of a rotation plan (empty when the plan is valid)."""
    out: list[str] = []
    posts = {s.id: s for s in instance.posts}
    people = {p.id: p for p in instance.people}
    periods = instance.periods
    n = len(periods)
    seqs = _plans(instance, solution, out)
    qualified_at: dict[tuple[int, int], int] = {}
    for p in instance.people:
        for q in p.qualified_ids:
            qualified_at[p.id, q] = 0
    for x in instance.qualifying:
        old = qualified_at.get((x.person_id, x.qualification_id))
        if old is None or x.period_index < old:
            qualified_at[x.person_id, x.qualification_id] = x.period_index

    def is_qualified(pid: int, post_id: int, t: int) -> bool:
        q = posts[post_id].qualification_id
        return q is None or (pid, q) in qualified_at and qualified_at[pid, q] <= t

    holders: dict[tuple[int, int], list[int]] = defaultdict(list)
    for h in solution.holdings:
        if h.person_id not in people or h.post_id not in posts or not 0 <= h.period_index < n:
            continue
        p, s, code = people[h.person_id], posts[h.post_id], periods[h.period_index].code
        holders[s.id, h.period_index].append(p.id)
        if h.period_index in p.unavailable_periods:
            out.append(f"{p.label} {code} 不在岗，却任岗位 {s.code}")
        if not _eligible(p, s.scope, s.department_id):
            out.append(f"{p.label} 不能任岗位 {s.code}（不属于其轮岗范围）")
        trainee = not is_qualified(p.id, s.id, h.period_index)
        if h.as_trainee != trainee:
            out.append(f"{p.label} {code} 岗位 {s.code} 的带教标记有误")

    # Mentors: every trainee has a qualified holder of the same post and period; caps per mentor.
    mentees: Counter[tuple[int, int, int]] = Counter()
    for h in solution.holdings:
        if h.person_id not in people or h.post_id not in posts or not 0 <= h.period_index < n:
            continue
        code = periods[h.period_index].code
        if not h.as_trainee:
            if h.mentor_id is not None:
                out.append(f"{people[h.person_id].label} {code} 已合格，却登记了带教人")
            continue
        m = h.mentor_id
        ok = (
            m is not None
            and m in holders[h.post_id, h.period_index]
            and is_qualified(m, h.post_id, h.period_index)
        )
        if not ok:
            out.append(
                f"{people[h.person_id].label} {code} 在岗位 {posts[h.post_id].code} 以干代训，"
                "却没有同岗合格带教人"
            )
        else:
            mentees[m, h.post_id, h.period_index] += 1  # type: ignore[index]
    for (m, s_id, t), k in mentees.items():
        cap = posts[s_id].max_trainees_per_mentor
        if k > cap:
            out.append(
                f"{people[m].label} {periods[t].code} 在岗位 {posts[s_id].code} 带教 {k} 人，"
                f"超过上限 {cap} 人"
            )

    for s in instance.posts:
        for t in range(n):
            who = holders[s.id, t]
            label = f"岗位 {s.code} {periods[t].code}"
            if not s.min_holders <= len(who) <= s.max_holders:
                out.append(f"{label}：在岗 {len(who)} 人，应为 {s.min_holders}–{s.max_holders} 人")
            good = sum(1 for pid in who if is_qualified(pid, s.id, t))
            if good < s.min_qualified:
                out.append(f"{label}：合格在岗 {good} 人，少于 {s.min_qualified} 人")
            if len(who) - good > s.max_trainees_per_mentor * good:
                out.append(f"{label}：以干代训 {len(who) - good} 人，合格带教人只有 {good} 人")

    for seq in seqs.values():
        out.extend(_person_violations(instance, seq))

    current_holders: dict[int, set[int]] = defaultdict(set)
    for p in instance.people:
        cur = p.current()
        if cur is not None:
            current_holders[cur.post_id].add(p.id)
    for s in instance.posts:
        if not (s.critical and s.min_holders >= 2):
            continue
        for t in range(n):
            before = set(holders[s.id, t - 1]) if t else current_holders[s.id]
            if t == 0 and len(before) < 2:
                continue
            if not before & set(holders[s.id, t]):
                out.append(f"关键岗位 {s.code} {periods[t].code}：在岗人员全部同时轮换")

    for x in instance.pins:
        if x.person_id not in holders[x.post_id, x.period_index]:
            out.append(
                f"{people[x.person_id].label} {periods[x.period_index].code} "
                f"已锁定任岗位 {posts[x.post_id].code}，却未保留"
            )
    planned = {(h.person_id, h.post_id, h.period_index) for h in solution.holdings}
    changes = sum(
        1 for x in instance.previous if (x.person_id, x.post_id, x.period_index) not in planned
    )
    if changes != solution.changes:
        out.append(f"方案报告变动 {solution.changes} 处，实际为 {changes} 处")
    return out


def _person_violations(instance: RotationInstance, seq: _Person) -> list[str]:
    """Return tenure, minimum stay and no-return violations of one person."""
    out: list[str] = []
    posts = {s.id: s for s in instance.posts}
    p = seq.person
    deepest = max(seq.past, default=0)
    # Tenure: the longest run through each horizon position, history included.
    run_post, run = None, 0
    for k in range(-deepest, len(seq.seq)):
        s = seq.at(k)
        run = run + 1 if s is not None and s == run_post else (1 if s is not None else 0)
        run_post = s
        if k >= 0 and s is not None and run > posts[s].max_consecutive_periods:
            out.append(
                f"{p.label} 连续 {run} 个周期任岗位 {posts[s].code}，"
                f"超过上限 {posts[s].max_consecutive_periods}"
            )
            run = -(10**9)  # report once per run
    for k, s in seq.starts():
        post = posts[s]
        end = min(k + post.min_stay_periods, len(seq.seq))
        if any(seq.seq[j] != s for j in range(k + 1, end)):
            out.append(f"{p.label} 到岗 {post.code} 后未满 {post.min_stay_periods} 个周期即离岗")
        if any(seq.at(j) == s for j in range(k - post.no_return_periods, k - 1)):
            out.append(f"{p.label} 离开岗位 {post.code} 后 {post.no_return_periods} 个周期内返回")
    cur = p.current()
    if cur is not None:
        post = posts[cur.post_id]
        if cur.consecutive < post.min_stay_periods and _eligible(p, post.scope, post.department_id):
            keep = min(post.min_stay_periods - cur.consecutive, len(seq.seq))
            if any(seq.seq[j] != cur.post_id for j in range(keep)):
                out.append(
                    f"{p.label} 现任岗位 {post.code} 未满 {post.min_stay_periods} 个周期即离岗"
                )
    return out


def rotation_objective(instance: RotationInstance, solution: RotationSolution) -> dict[str, int]:
    """Recompute the soft terms of a rotation plan by name (breadth is negative: a reward)."""
    w = instance.weights
    posts = {s.id: s for s in instance.posts}
    n = len(instance.periods)
    seqs = _plans(instance, solution, [])
    reserve = sum(1 for x in seqs.values() for s in x.seq if s is None)
    planned = {(h.person_id, h.post_id, h.period_index) for h in solution.holdings}
    change = sum(
        1 for x in instance.previous if (x.person_id, x.post_id, x.period_index) not in planned
    )
    holders: dict[tuple[int, int], set[int]] = defaultdict(set)
    for h in solution.holdings:
        holders[h.post_id, h.period_index].add(h.person_id)
    lost = 0
    for s in posts.values():
        if not (s.critical and s.min_holders <= 1):
            continue
        for t in range(n):
            if t:
                before = holders[s.id, t - 1]
            else:
                before = {p.id for p in instance.people if (c := p.current()) and c.post_id == s.id}
            if before and not before & holders[s.id, t]:
                lost += 1
    excess = 0
    reward = 0
    for x in seqs.values():
        moves = sum(1 for k, _ in x.starts() if k > 0 or x.current is not None)
        excess += max(0, moves - w.fair_moves)
        known = {h.post_id for h in x.person.history}
        new = {s for s in x.seq if s is not None} - known
        reward += len(new) * w.breadth * (1 + max(0, w.narrow_experience - len(known)))
    return {
        "continuity": w.continuity * lost,
        "reserve": w.reserve * reserve,
        "change": w.change * change,
        "fairness": w.fairness * excess,
        "breadth": -reward,
    }


# --- training ---------------------------------------------------------------------------------


def check_training(instance: TrainingInstance, solution: TrainingSolution) -> list[str]:
    """Return every hard-rule violation of a training plan (empty when the plan is valid)."""
    out: list[str] = []
    sessions = {s.id: s for s in instance.sessions}
    people = {p.id: p for p in instance.trainees}
    grants = {c.id: c.qualification_id for c in instance.courses}
    posts = {s.id: s for s in instance.posts}
    mine: dict[int, list[int]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for a in solution.attendances:
        if a.person_id not in people or a.session_id not in sessions:
            out.append(f"参训记录 {a.person_id}/{a.session_id} 不在本次培训范围内")
            continue
        if (a.person_id, a.session_id) in seen:
            out.append(
                f"{people[a.person_id].label} 重复登记培训场次 {sessions[a.session_id].code}"
            )
            continue
        seen.add((a.person_id, a.session_id))
        mine[a.person_id].append(a.session_id)

    taken = Counter(s_id for ids in mine.values() for s_id in ids)
    for s_id, k in taken.items():
        if k > sessions[s_id].capacity:
            out.append(
                f"培训场次 {sessions[s_id].code} 有 {k} 人参加，超过容量 {sessions[s_id].capacity}"
            )

    years = sorted({s.starts_at.year for s in instance.sessions})
    for p in instance.trainees:
        ids = mine.get(p.id, [])
        for s_id in ids:
            s = sessions[s_id]
            if s_id in p.pinned_session_ids:
                continue
            if s.district_id is not None and s.district_id != p.district_id:
                out.append(f"{p.label} 参加了其他区县的培训场次 {s.code}")
            if any(s.starts_at < u.ends_at and u.starts_at < s.ends_at for u in p.unavailable):
                out.append(f"{p.label} 在不可参训时段参加培训场次 {s.code}")
            q = grants[s.course_id]
            wanted = {n.qualification_id for n in p.needs}
            if q is not None and q not in wanted and s_id not in p.preferred_session_ids:
                out.append(f"{p.label} 不需要资格 {q}，却占用资格培训场次 {s.code}")
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                x, y = sessions[a], sessions[b]
                if x.starts_at < y.ends_at and y.starts_at < x.ends_at:
                    out.append(f"{p.label} 同时参加培训场次 {x.code} 与 {y.code}")
                if x.course_id == y.course_id:
                    out.append(f"{p.label} 重复参加同一课程的场次 {x.code} 与 {y.code}")
        if p.required_sessions:
            for year in years:
                k = sum(1 for s_id in ids if sessions[s_id].starts_at.year == year)
                if k < p.required_sessions:
                    out.append(f"{p.label} {year} 年参训 {k} 期，少于 {p.required_sessions} 期")
        for need in p.needs:
            starts = instance.periods[need.period_index].starts_on
            if not any(
                grants[sessions[s_id].course_id] == need.qualification_id
                and sessions[s_id].ends_at.date() < starts
                for s_id in ids
            ):
                out.append(
                    f"{p.label} 未在 {instance.periods[need.period_index].code} 前"
                    f"取得资格 {need.qualification_id}"
                )
        for s_id in p.pinned_session_ids:
            if s_id not in ids:
                out.append(f"{p.label} 已锁定参加培训场次 {sessions[s_id].code}，却未保留")

    # Post cover, day by day.
    days: set[dt.date] = set()
    for s in instance.sessions:
        d = s.starts_at.date()
        while dt.datetime.combine(d, dt.time()) < s.ends_at:
            days.add(d)
            d += dt.timedelta(days=1)
    for day in sorted(days):
        t = next(
            (i for i, p in enumerate(instance.periods) if p.starts_on <= day <= p.ends_on), None
        )
        if t is None:
            continue
        start, end = (
            dt.datetime.combine(day, dt.time()),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
        )
        group: dict[int, list[int]] = defaultdict(list)
        for p in instance.trainees:
            if t in p.posts:
                group[p.posts[t]].append(p.id)
        for post_id, ids in group.items():
            gone = sum(
                1
                for pid in ids
                if any(
                    sessions[s_id].starts_at < end and start < sessions[s_id].ends_at
                    for s_id in mine.get(pid, [])
                )
            )
            floor = posts[post_id].min_holders
            if gone and len(ids) - gone < floor:
                out.append(
                    f"岗位 {posts[post_id].code} {day.isoformat()}：{gone} 人参训，"
                    f"在岗少于 {floor} 人"
                )
    return out


def training_objective(instance: TrainingInstance, solution: TrainingSolution) -> dict[str, int]:
    """Recompute the soft terms of a training plan by name (preference is negative: a reward)."""
    w = instance.weights
    liked = {p.id: p.preferred_session_ids for p in instance.trainees}
    hits = sum(1 for a in solution.attendances if a.session_id in liked.get(a.person_id, ()))
    return {"away": w.away * len(solution.attendances), "preference": -w.preference * hits}
