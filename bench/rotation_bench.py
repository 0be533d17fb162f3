"""Benchmark rotation (轮岗) and rotating training (轮训) on a city-scale instance.

Not a test: it generates a deterministic instance from a seed (by default 1,000 staff in 16
departments, 80 posts of which 16 are hall posts, ~1/4 gated by a qualification, some critical,
8 quarters; courses and sessions for the qualifications and for the yearly rotating training),
then runs `scheduler.training.plan_together`: training for the qualification needs (15 s),
rotation with the qualifications gained (80 s, warm-started from the greedy baseline below),
training again against the rotation's posts (15 s). Both plans are re-checked with
`scheduler.rotation_checks`, and breadth (distinct posts per person over the horizon, overall
and for the quartile with the narrowest prior experience) is compared with a greedy baseline
that respects the hard rules where it can (its violations are reported, not hidden). It prints
one JSON object and then two small tables:

    .venv/bin/python -m bench.rotation_bench [--seed N] [--time-limit S] [--workers N]
                                             [--small] [--no-warm-start] [--write FILE.json]

About the bound: the rotation is solved as one monolithic model (~140k variables), so the
reported bound is CP-SAT's proven bound for the whole instance (given the qualifications gained
in the first training stage and one training-spare holder per post). It is weak: the LP
relaxation lets every person reach the maximum number of new posts their minimum stays allow,
ignoring post capacities, so most of the reported gap is bound, not plan. The plan itself is
exact: it passes the independent re-check with zero violations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scheduler.rotation import (
    HistoryEntry,
    Holding,
    Period,
    Post,
    RotationInstance,
    RotationPerson,
    RotationSolution,
    assign_mentors,
    may_hold,
    qualified_from,
)
from scheduler.rotation_checks import (
    check_rotation,
    check_training,
    rotation_objective,
    training_objective,
)
from scheduler.runner import SolveParams, SolveReport
from scheduler.training import (
    Course,
    QualificationNeed,
    Session,
    Trainee,
    TrainingInstance,
    TrainingPost,
    plan_together,
)

QUALIFICATION_BASE = 100
# Training zones: general sessions are held in each zone; qualifying sessions city-wide.
ZONES = 4
GENERAL_TOPICS_PER_YEAR = 4


def quarters(start_year: int, n: int) -> tuple[Period, ...]:
    """Return n quarters from Q1 of start_year."""
    out = []
    for i in range(n):
        year, q = start_year + i // 4, i % 4
        starts = dt.date(year, 3 * q + 1, 1)
        ends = (dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - dt.timedelta(days=1)
        out.append(
            Period(
                id=i + 1,
                code=f"{year}Q{q + 1}",
                label=f"{year}年第{q + 1}季度",
                starts_on=starts,
                ends_on=ends,
            )
        )
    return tuple(out)


def generate(
    seed: int,
    n_staff: int = 1000,
    n_departments: int = 16,
    dept_posts: int = 4,
    hall_posts: int = 16,
    n_periods: int = 8,
) -> tuple[RotationInstance, TrainingInstance]:
    """Return a deterministic rotation instance and its training instance."""
    rng = random.Random(seed)
    periods = quarters(2027, n_periods)
    departments = list(range(1, n_departments + 1))
    staff_dept = [departments[i % n_departments] for i in range(n_staff)]
    hall_ok = [rng.random() < 0.25 for _ in range(n_staff)]
    per_dept = Counter(staff_dept)
    hall_pool = sum(hall_ok)

    posts: list[Post] = []
    n_posts = n_departments * dept_posts + hall_posts
    gated = set(rng.sample(range(n_posts), n_posts // 4))
    n_quals = max(1, len(gated) // 2)
    qual_of = {i: QUALIFICATION_BASE + k % n_quals for k, i in enumerate(sorted(gated))}
    critical = set(rng.sample(range(n_posts), n_posts // 8))
    pid = 0
    # Hall posts take about a third of the hall-eligible people; departments the rest.
    hall_load = hall_pool / 3 / max(1, hall_posts)
    for d in departments:
        shares = [rng.uniform(0.7, 1.3) for _ in range(dept_posts)]
        total = sum(shares)
        expected = per_dept[d] - (hall_load * hall_posts) * per_dept[d] / n_staff
        for share in shares:
            size = expected * share / total
            posts.append(
                _post(
                    pid, d, "department", size, pid in gated, pid in critical, qual_of.get(pid), rng
                )
            )
            pid += 1
    for _ in range(hall_posts):
        posts.append(
            _post(
                pid, None, "hall", hall_load, pid in gated, pid in critical, qual_of.get(pid), rng
            )
        )
        pid += 1

    people: list[RotationPerson] = []
    for i in range(n_staff):
        person = RotationPerson(
            id=i + 1, name=f"人员{i + 1:04d}", department_id=staff_dept[i], hall_eligible=hall_ok[i]
        )
        mine = [s for s in posts if may_hold(person, s)]
        own = [s for s in mine if s.scope == "department"]
        current = rng.choice(own if rng.random() < 0.85 or len(mine) == len(own) else mine)
        history = [
            HistoryEntry(
                post_id=current.id,
                periods_ago_end=1,
                consecutive=rng.randint(1, current.max_consecutive_periods),
            )
        ]
        ago = 1 + history[0].consecutive
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            other = rng.choice(mine)
            if other.id in {h.post_id for h in history}:
                continue
            length = rng.randint(2, 4)
            history.append(
                HistoryEntry(
                    post_id=other.id, periods_ago_end=ago + rng.randint(0, 2), consecutive=length
                )
            )
            ago = history[-1].periods_ago_end + length
        quals = set()
        if current.qualification_id is not None:
            quals.add(current.qualification_id)
        for s in mine:
            if s.qualification_id is not None and rng.random() < 0.08:
                quals.add(s.qualification_id)
        away: set[int] = set()
        r = rng.random()
        if r < 0.06:
            t = rng.randrange(n_periods)
            away = {t, min(n_periods - 1, t + rng.randint(0, 1))}
        elif r < 0.07:
            away = set(range(rng.randrange(2, n_periods), n_periods))  # retires
        people.append(
            person.model_copy(
                update={
                    "qualified_ids": frozenset(quals),
                    "unavailable_periods": frozenset(away),
                    "history": tuple(history),
                }
            )
        )

    rotation = RotationInstance(periods=periods, posts=tuple(posts), people=tuple(people))
    return rotation, _training(rng, rotation)


def _post(
    pid: int,
    dept: int | None,
    scope: str,
    size: float,
    gated: bool,
    critical: bool,
    qualification: int | None,
    rng: random.Random,
) -> Post:
    """Return one post sized around `size` holders."""
    lo = max(1, int(size * 0.6))
    hi = max(lo + 1, int(size * 1.5) + 1)
    if critical:
        lo = max(lo, 2)
        hi = max(hi, lo + 1)
    tenure = rng.choice([4, 4, 6, 8]) if not critical else rng.choice([6, 8])
    return Post(
        id=pid + 1,
        code=f"GW{pid + 1:03d}",
        name=("大厅综合窗口" if scope == "hall" else "业务岗位") + str(pid + 1),
        department_id=dept,
        scope=scope,
        min_holders=lo,
        max_holders=hi,
        min_qualified=(min(lo, rng.randint(1, 2)) if gated else 0),
        max_consecutive_periods=tenure,
        min_stay_periods=2,
        no_return_periods=rng.choice([3, 4]),
        max_trainees_per_mentor=2,
        critical=critical,
        qualification_id=qualification if gated else None,
    )


def _training(rng: random.Random, rotation: RotationInstance) -> TrainingInstance:
    """Return courses, sessions and trainees: yearly rotating training plus qualifying courses."""
    periods = rotation.periods
    years = sorted({p.starts_on.year for p in periods})
    quals = sorted({s.qualification_id for s in rotation.posts if s.qualification_id is not None})
    courses: list[Course] = []
    sessions: list[Session] = []
    n_staff = len(rotation.people)
    zone_of = {p.id: 1 + p.id % ZONES for p in rotation.people}

    def add_session(course: int, day: dt.date, capacity: int, zone: int | None) -> None:
        sid = len(sessions) + 1
        morning = rng.random() < 0.5
        starts = dt.datetime.combine(day, dt.time(9 if morning else 14))
        sessions.append(
            Session(
                id=sid,
                code=f"PX{sid:04d}",
                course_id=course,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3),
                capacity=capacity,
                district_id=zone,
            )
        )

    for year in years:
        for k in range(GENERAL_TOPICS_PER_YEAR):
            cid = len(courses) + 1
            courses.append(
                Course(id=cid, code=f"LX{year}-{k + 1}", name=f"{year}年轮训专题{k + 1}")
            )
            for zone in range(1, ZONES + 1):
                demand = n_staff / ZONES
                for _ in range(3):
                    day = _workday(rng, dt.date(year, 1, 10), dt.date(year, 12, 15))
                    add_session(cid, day, int(demand / 2.2) + 1, zone)
    for q in quals:
        cid = len(courses) + 1
        courses.append(Course(id=cid, code=f"ZG{q}", name=f"资格培训{q}", qualification_id=q))
        for p in periods:
            add_session(
                cid, _workday(rng, p.starts_on, p.ends_on - dt.timedelta(days=10)), 15, None
            )

    # Needs: for each gated post, a few unqualified eligible people to qualify, narrowest first.
    first = qualified_from(rotation)
    n = len(periods)
    needs: dict[int, list[QualificationNeed]] = {}
    for s in rotation.posts:
        if s.qualification_id is None:
            continue
        candidates = [
            p for p in rotation.people if may_hold(p, s) and (p.id, s.qualification_id) not in first
        ]
        candidates.sort(key=lambda p: (len({h.post_id for h in p.history}), rng.random()))
        for p in candidates[:4]:
            needs.setdefault(p.id, []).append(
                QualificationNeed(
                    qualification_id=s.qualification_id, period_index=rng.randrange(2, n)
                )
            )
    trainees = []
    for p in rotation.people:
        # Posts are unknown before the rotation: the first training stage plans for the
        # qualification needs without the post-cover rule; plan_together adds the posts.
        posts: dict[int, int] = {}
        seen_q: set[int] = set()
        mine = [
            x
            for x in needs.get(p.id, [])
            if not (x.qualification_id in seen_q or seen_q.add(x.qualification_id))
        ]
        liked = frozenset(
            s.id for s in sessions if s.district_id == zone_of[p.id] and rng.random() < 0.05
        )
        away = tuple(
            {
                "starts_at": dt.datetime.combine(periods[t].starts_on, dt.time()),
                "ends_at": dt.datetime.combine(periods[t].ends_on, dt.time(23, 59)),
            }
            for t in sorted(p.unavailable_periods)
        )
        # Retiring people (away to the end of the horizon) are exempt from rotating training.
        retiring = n - 1 in p.unavailable_periods and len(p.unavailable_periods) > 2
        trainees.append(
            Trainee(
                id=p.id,
                name=p.name,
                district_id=zone_of[p.id],
                posts=posts,
                required_sessions=0 if retiring else 2,
                needs=tuple(mine),
                preferred_session_ids=liked,
                unavailable=away,
            )
        )
    return TrainingInstance(
        periods=periods,
        posts=tuple(
            TrainingPost(id=s.id, code=s.code, name=s.name, min_holders=s.min_holders)
            for s in rotation.posts
        ),
        courses=tuple(courses),
        sessions=tuple(sessions),
        trainees=tuple(trainees),
    )


def _workday(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """Return a random weekday between lo and hi."""
    while True:
        day = lo + dt.timedelta(days=rng.randrange(max(1, (hi - lo).days)))
        if day.weekday() < 5:
            return day


# --- greedy baseline --------------------------------------------------------------------------


class _Greedy:
    """State of the greedy baseline: each person's current stint and past holdings."""

    def __init__(self, instance: RotationInstance) -> None:
        self.instance = instance
        self.posts = {s.id: s for s in instance.posts}
        self.first = qualified_from(instance)
        self.n = len(instance.periods)
        self.last: dict[int, tuple[int | None, int]] = {}  # current post, consecutive periods
        self.held_at: dict[int, dict[int, list[int]]] = {}  # person -> post -> positions
        self.pos = {p.id: 0 for p in instance.people}
        self.ever = {p.id: {h.post_id for h in p.history} for p in instance.people}
        for p in instance.people:
            cur = p.current()
            self.last[p.id] = (cur.post_id, cur.consecutive) if cur else (None, 0)
            self.held_at[p.id] = {}
            for h in p.history:
                self.held_at[p.id].setdefault(h.post_id, []).extend(
                    range(-h.periods_ago_end - h.consecutive + 1, -h.periods_ago_end + 1)
                )
        self.begin(0)

    def begin(self, t: int) -> None:
        """Start period t with empty posts."""
        self.t = t
        self.count: Counter[int] = Counter()
        self.qual: Counter[int] = Counter()
        self.learners: Counter[int] = Counter()
        self.placed: dict[int, int] = {}

    def qualified(self, pid: int, s: Post) -> bool:
        return (
            s.qualification_id is None
            or self.first.get((pid, s.qualification_id), self.n) <= self.t
        )

    def may_stay(self, p: RotationPerson, s: Post) -> bool:
        cur, run = self.last[p.id]
        return cur == s.id and may_hold(p, s) and run < s.max_consecutive_periods

    def inside_stay(self, p: RotationPerson) -> bool:
        cur, run = self.last[p.id]
        return cur is not None and run < self.posts[cur].min_stay_periods

    def may_take(self, p: RotationPerson, s: Post, *, forced: bool = False) -> bool:
        if p.id in self.placed or not may_hold(p, s) or self.count[s.id] >= s.max_holders:
            return False
        if not self.may_stay(p, s):
            if self.last[p.id][0] == s.id:
                return False  # tenure is up
            k = self.pos[p.id]
            back = self.held_at[p.id].get(s.id, [])
            if any(k - s.no_return_periods <= j <= k - 2 for j in back):
                return False
        if not self.qualified(p.id, s) and not forced:
            return self.learners[s.id] + 1 <= s.max_trainees_per_mentor * self.qual[s.id]
        return True

    def place(self, p: RotationPerson, s: Post) -> None:
        self.placed[p.id] = s.id
        self.count[s.id] += 1
        if self.qualified(p.id, s):
            self.qual[s.id] += 1
        else:
            self.learners[s.id] += 1

    def close(self, active: list[RotationPerson], chosen: list[tuple[int, int, int]]) -> None:
        """Record the period's placements and advance everyone's stint."""
        for p in active:
            s_id = self.placed.get(p.id)
            if s_id is None:
                self.last[p.id] = (None, 0)
            else:
                chosen.append((p.id, s_id, self.t))
                cur, run = self.last[p.id]
                self.last[p.id] = (s_id, run + 1 if cur == s_id else 1)
                self.held_at[p.id].setdefault(s_id, []).append(self.pos[p.id])
                self.ever[p.id].add(s_id)
            self.pos[p.id] += 1


def greedy(instance: RotationInstance) -> RotationSolution:
    """Return a period-by-period greedy plan that respects the hard rules where it can.

    Each period: people inside their minimum stay stay; a critical post keeps one previous
    holder; posts are filled to their qualified minimum and then their minimum, current holders
    first; everyone else moves to a post new to them when one has room (narrowest experience
    first), else stays, else takes any post with room, else is in reserve. Every placement
    checks scope, capacity, tenure, no-return and the mentor cap; what the greedy cannot fix
    shows in the re-check.
    """
    g = _Greedy(instance)
    posts = g.posts
    order = sorted(instance.people, key=lambda p: (len({h.post_id for h in p.history}), p.id))
    chosen: list[tuple[int, int, int]] = []
    for t in range(g.n):
        g.begin(t)
        active = [p for p in order if t not in p.unavailable_periods]
        # 1. minimum stays, qualified holders first so trainees find their mentors.
        stayers = [p for p in active if g.last[p.id][0] is not None and g.inside_stay(p)]
        stayers.sort(key=lambda p: not g.qualified(p.id, posts[g.last[p.id][0]]))  # type: ignore[index]
        for p in stayers:
            cur = posts[g.last[p.id][0]]  # type: ignore[index]
            if g.may_take(p, cur, forced=True):
                g.place(p, cur)
        # Trainees who must stay need mentors: bring qualified people, holders first.
        for s in instance.posts:
            pool = sorted(active, key=lambda p, s=s: not g.may_stay(p, s))
            for p in pool:
                if g.learners[s.id] <= s.max_trainees_per_mentor * g.qual[s.id]:
                    break
                if g.qualified(p.id, s) and g.may_take(p, s):
                    g.place(p, s)
        # 2. critical posts keep one previous holder.
        for s in instance.posts:
            if s.critical and s.min_holders >= 2:
                before = [p for p in active if g.last[p.id][0] == s.id]
                if before and not any(g.placed.get(p.id) == s.id for p in before):
                    for p in before:
                        if g.may_take(p, s):
                            g.place(p, s)
                            break
        # 3. qualified minimum, then minimum holders: current holders first, then newcomers.
        for need_qualified in (True, False):
            for s in instance.posts:
                pool = sorted(
                    active, key=lambda p, s=s: (not g.may_stay(p, s), not g.qualified(p.id, s))
                )
                for p in pool:
                    short = (
                        g.qual[s.id] < s.min_qualified
                        if need_qualified
                        else g.count[s.id] < s.min_holders
                    )
                    if not short:
                        break
                    if need_qualified and not g.qualified(p.id, s):
                        continue
                    if g.may_take(p, s):
                        g.place(p, s)
        # 4. everyone else: a new post with room, else stay, else any post with room.
        for p in active:
            if p.id in g.placed:
                continue
            new = [s for s in instance.posts if s.id not in g.ever[p.id] and g.may_take(p, s)]
            new.sort(key=lambda s, p=p: (not g.qualified(p.id, s), g.count[s.id] - s.max_holders))
            cur_id = g.last[p.id][0]
            cur = posts[cur_id] if cur_id is not None else None
            if new and not g.inside_stay(p):
                g.place(p, new[0])
            elif cur is not None and g.may_stay(p, cur) and g.may_take(p, cur):
                g.place(p, cur)
            else:
                rest = [s for s in instance.posts if g.may_take(p, s)]
                rest.sort(
                    key=lambda s, p=p: (not g.qualified(p.id, s), g.count[s.id] - s.max_holders)
                )
                if rest:
                    g.place(p, rest[0])
        g.close(active, chosen)
    return RotationSolution(holdings=assign_mentors(instance, chosen), changes=0, objective=None)


# --- reporting --------------------------------------------------------------------------------


def breadth(instance: RotationInstance, holdings: tuple[Holding, ...]) -> dict[str, float]:
    """Return mean distinct posts per person over the horizon, overall and for the narrowest
    quartile of prior experience."""
    distinct: dict[int, set[int]] = {p.id: set() for p in instance.people}
    for h in holdings:
        distinct[h.person_id].add(h.post_id)
    ranked = sorted(instance.people, key=lambda p: (len({h.post_id for h in p.history}), p.id))
    narrow = ranked[: max(1, len(ranked) // 4)]
    return {
        "mean_distinct_posts": round(statistics.mean(len(x) for x in distinct.values()), 3),
        "narrowest_quartile": round(statistics.mean(len(distinct[p.id]) for p in narrow), 3),
        "mean_new_posts": round(
            statistics.mean(
                len(distinct[p.id] - {h.post_id for h in p.history}) for p in instance.people
            ),
            3,
        ),
    }


def summary(report: SolveReport) -> dict[str, Any]:
    """Return the numbers of one solve."""
    return {
        "status": report.status.value,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": None if report.gap is None else round(report.gap, 4),
        "wall_time_s": round(report.wall_time_s, 2),
        "penalties": report.penalties,
        "model_size": report.model_size,
        "diagnosis": [c.detail for c in report.diagnosis][:5],
    }


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def table(rows: list[list[object]], head: list[str]) -> str:
    """Return rows as a fixed-width table."""
    cells = [head, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON summary and table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per solve stage (default 60 for rotation, 20 training)",
    )
    parser.add_argument("--small", action="store_true", help="120 staff, 12 posts, 4 quarters")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-warm-start", action="store_true", help="do not hint the rotation with the greedy"
    )
    parser.add_argument("--write", type=Path, default=None, help="dump the instance as JSON")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.small:
        rotation, training = generate(
            args.seed, n_staff=120, n_departments=3, dept_posts=3, hall_posts=3, n_periods=4
        )
    else:
        rotation, training = generate(args.seed)
    generated_s = time.perf_counter() - started
    if args.write is not None:
        args.write.write_text(
            json.dumps(
                {
                    "rotation": rotation.model_dump(mode="json"),
                    "training": training.model_dump(mode="json"),
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    limit = args.time_limit or (20.0 if args.small else 80.0)
    params = SolveParams(time_limit_s=limit, workers=args.workers, seed=1)
    tparams = SolveParams(time_limit_s=min(limit, 15.0), workers=args.workers, seed=1)

    started = time.perf_counter()
    start = None if args.no_warm_start else greedy
    joint = plan_together(rotation, training, params, training_params=tparams, rotation_start=start)
    joint_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "instance": {
            "seed": args.seed,
            "staff": len(rotation.people),
            "posts": len(rotation.posts),
            "hall_posts": sum(s.scope == "hall" for s in rotation.posts),
            "gated_posts": sum(s.qualification_id is not None for s in rotation.posts),
            "critical_posts": sum(s.critical for s in rotation.posts),
            "periods": len(rotation.periods),
            "sessions": len(training.sessions),
            "qualification_needs": sum(len(p.needs) for p in training.trainees),
            "generate_s": round(generated_s, 2),
        },
        "params": params.model_dump(),
        "training_params": tparams.model_dump(),
        "warm_start": start is not None,
        "total_s": round(joint_s, 2),
        "training_first": summary(joint.first_training.report),
    }
    ok = True
    if joint.rotation is not None:
        out["rotation"] = summary(joint.rotation.report)
        sol = joint.rotation.solution
        if sol is not None:
            used = joint.rotation_instance
            violations = check_rotation(used, sol)
            objective = rotation_objective(used, sol)
            out["rotation"]["violations"] = violations[:10]
            out["rotation"]["violation_count"] = len(violations)
            out["rotation"]["recomputed_objective"] = sum(objective.values())
            out["rotation"]["breadth"] = breadth(rotation, sol.holdings)
            ok &= not violations and sum(objective.values()) == joint.rotation.report.objective
            g_started = time.perf_counter()
            base = greedy(used)
            g_violations = check_rotation(used, base)
            g_objective = rotation_objective(used, base)
            out["greedy"] = {
                "wall_time_s": round(time.perf_counter() - g_started, 2),
                "objective": sum(g_objective.values()),
                "penalties": g_objective,
                "violation_count": len(g_violations),
                "violations": g_violations[:5],
                "breadth": breadth(rotation, base.holdings),
            }
    if joint.training is not None:
        out["training_final"] = summary(joint.training.report)
        if joint.training.solution is not None:
            final_instance = joint.training_instance
            tv = check_training(final_instance, joint.training.solution)
            out["training_final"]["violation_count"] = len(tv)
            out["training_final"]["violations"] = tv[:10]
            out["training_final"]["recomputed_objective"] = sum(
                training_objective(final_instance, joint.training.solution).values()
            )
            ok &= not tv
    out["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(out, ensure_ascii=False))
    print()
    stages = [("training (needs)", "training_first"), ("rotation", "rotation")]
    stages.append(("training (final)", "training_final"))
    rows = [[label, *_row(out[key])] for label, key in stages if key in out]
    print(table(rows, ["stage", "status", "objective", "bound", "gap", "time_s", "violations"]))
    if "greedy" in out:
        print()
        b, g = out["rotation"]["breadth"], out["greedy"]["breadth"]
        print(
            table(
                [
                    [
                        "cp-sat",
                        b["mean_distinct_posts"],
                        b["narrowest_quartile"],
                        b["mean_new_posts"],
                        out["rotation"]["violation_count"],
                    ],
                    [
                        "greedy",
                        g["mean_distinct_posts"],
                        g["narrowest_quartile"],
                        g["mean_new_posts"],
                        out["greedy"]["violation_count"],
                    ],
                ],
                ["plan", "distinct/person", "narrowest 25%", "new/person", "violations"],
            )
        )
    print(f"peak RSS {out['peak_rss_mib']} MiB, total {out['total_s']} s")
    return 0 if ok else 1


def _row(s: dict[str, Any]) -> list[object]:
    return [
        s["status"],
        s["objective"],
        s["best_bound"],
        s["gap"],
        s["wall_time_s"],
        s.get("violation_count"),
    ]


if __name__ == "__main__":
    sys.exit(main())
