"""Rotation plans (轮岗 and 轮训): a year of who holds which post, planned with its training.

Scope `year:YYYY`; the horizon is the year, and the plan covers the rotation periods starting
in it and the training sittings held in it. The rotation comes first, asking one spare holder
per post where a pool has the people (`with_training_slack`); then the year's training (轮训) is
planned against the posts of that rotation, so no post drops below its minimum on a training
day. Unqualified holders of gated posts learn by doing under a mentor (以干代训); planning a
qualifying sitting before a rotation needs it (scheduler.training.plan_together) is what the
file CLIs and the benchmark do, not yet this API.

One assignment per person and period, keyed `rotation/<period>/<employee no>`, so a move to
another post in a re-plan is a move in the diff and a SEQUENCE bump in the calendar; one per
training seat, keyed `training/<sitting>/<employee no>`. Post periods are all-day ranges in the
holder's calendar, sittings timed events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from api.problems import EventSpec, Solved
from api.rotation_load import RotationData, build_rotation, holdings_of, periods_of, year_of
from api.training_load import build_training
from models import Assignment, AssignmentRole, FeedOwner, Plan, PlanKind, TrainingSession
from scheduler import rotation, training
from scheduler.rotation_checks import check_rotation, check_training
from scheduler.runner import CancelToken, ProgressEvent, SolveParams

LOCAL = ZoneInfo("Asia/Shanghai")


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the instant local midnight begins a day."""
    return dt.datetime.combine(day, dt.time(), LOCAL)


@dataclass(frozen=True)
class YearSolution:
    """The rotation (with the instance it solved) and the training planned against it."""

    rotation_instance: rotation.RotationInstance
    rotation: rotation.RotationSolution
    training: training.TrainingSolution


def with_training_slack(
    instance: rotation.RotationInstance,
) -> tuple[rotation.RotationInstance, set[int | None]]:
    """Ask one holder above the minimum on every post of each pool that has people to spare;
    return the instance and those pools.

    A post staffed at its minimum all year can never send a holder to training (the post-cover
    rule), so the rotation should leave one spare holder per post; but a small hall whose people
    barely fill its posts' minimums cannot, and asking would make the rotation impossible. So
    the spare is asked pool by pool, where the pool's people outnumber its posts' minimums plus
    one per post. People of the other pools are exempt from the yearly 轮训 requirement this
    year (their posts come first; the report counts them); they still train for qualifications
    they need.
    """
    people: dict[int | None, int] = {}
    for p in instance.people:
        people[p.department_id] = people.get(p.department_id, 0) + 1
    need: dict[int | None, int] = {}
    for post in instance.posts:
        need[post.department_id] = need.get(post.department_id, 0) + post.min_holders + 1
    roomy = {pool for pool, n in need.items() if people.get(pool, 0) > n}
    posts = tuple(
        post.model_copy(update={"min_holders": min(post.max_holders, post.min_holders + 1)})
        if post.department_id in roomy
        else post
        for post in instance.posts
    )
    return instance.model_copy(update={"posts": posts}), roomy


REQUIRED_GUARD = re.compile(r"^required:(\d+):")
# Rounds of lifting the 轮训 requirement of the people a diagnosis names before giving up.
TRAINING_ROUNDS = 5


def _train(
    instance: training.TrainingInstance, params: SolveParams, cancel: CancelToken
) -> tuple[training.TrainingResult, list[str]]:
    """Plan training; whoever cannot be seated without leaving a post short is excused, named.

    Post cover comes before the yearly 轮训 requirement: when the requirement of some people
    cannot be met on any sitting their post can spare them for, the diagnosis names them, their
    requirement is lifted for this year and the plan is made again; the report lists them.
    """
    names = {t.id: t.label for t in instance.trainees}
    excused: set[int] = set()
    for _ in range(TRAINING_ROUNDS):
        result = training.solve(instance, params, cancel=cancel)
        if result.solution is not None or cancel.cancelled:
            break
        named = {
            int(m.group(1))
            for c in result.report.diagnosis
            if (m := REQUIRED_GUARD.match(c.name)) and int(m.group(1)) not in excused
        }
        if not named:
            break
        excused |= named
        instance = instance.model_copy(
            update={
                "trainees": tuple(
                    t.model_copy(update={"required_sessions": 0}) if t.id in named else t
                    for t in instance.trainees
                )
            }
        )
    return result, sorted(names[i] for i in excused)


class YearInstance(BaseModel):
    """The rotation and training instances of one year, planned together."""

    model_config = ConfigDict(frozen=True)

    rotation: rotation.RotationInstance
    training: training.TrainingInstance


def load_year(
    session: Session, plan: Plan
) -> tuple[YearInstance, RotationData, dict[int, TrainingSession]]:
    """Return the year's instances and the rows they were built from."""
    data = build_rotation(session, plan)
    train, sittings = build_training(session, plan, data)
    return YearInstance(rotation=data.instance, training=train), data, sittings


class RotationAdapter:
    """Connect scheduler.rotation to the database."""

    kind = PlanKind.ROTATION
    label_zh = "轮岗"

    def check_scope(self, session: Session, scope: str) -> None:
        """Accept a year with rotation periods."""
        periods_of(session, scope)

    def horizon(self, scope: str) -> tuple[dt.date, dt.date]:
        """Return the year a scope names."""
        return year_of(scope, "轮岗")

    def load(self, session: Session, plan: Plan) -> YearInstance:
        """Return the year's rotation and training instances."""
        return load_year(session, plan)[0]

    def solve(
        self,
        instance: YearInstance,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Plan the rotation, then the year's training against its posts."""
        slack, roomy = with_training_slack(instance.rotation)
        exempt = {p.id for p in slack.people if p.department_id not in roomy}
        train = instance.training.model_copy(
            update={
                "trainees": tuple(
                    t.model_copy(update={"required_sessions": 0}) if t.id in exempt else t
                    for t in instance.training.trainees
                )
            }
        )
        rot = rotation.solve(slack, params, progress=progress, cancel=cancel)
        if rot.solution is None:
            return Solved(rot.report, None)
        posted = _with_posts(train, list(rot.solution.holdings), ())
        trained, unseated = _train(posted, params, cancel)
        if trained.solution is None:
            return Solved(trained.report, None)
        joint = YearSolution(slack, rot.solution, trained.solution)
        report = rot.report.model_copy(
            update={
                "penalties": {
                    **rot.report.penalties,
                    **{f"training_{k}": v for k, v in trained.report.penalties.items()},
                }
            }
        )
        extra = {
            "training": {
                "status": trained.report.status.value,
                "objective": trained.report.objective,
                "best_bound": trained.report.best_bound,
                "attendances": len(trained.solution.attendances),
                # People whose pool has no holder to spare keep their posts covered this year.
                "exempt_from_required": len(exempt),
                # People no sitting could take without leaving their post short (named).
                "not_seated": unseated,
            }
        }
        return Solved(report, joint, rot.solution.changes, extra)

    def assignments(
        self, session: Session, plan: Plan, instance: YearInstance, solved: Solved
    ) -> list[Assignment]:
        """Return one holding per person and period, and one seat per training attendance."""
        _, data, sittings = load_year(session, plan)
        joint: YearSolution = solved.solution
        rows = self._holdings(data, joint.rotation_instance, joint.rotation)
        for a in joint.training.attendances:
            sitting, person = sittings[a.session_id], data.staff[a.person_id]
            rows.append(
                Assignment(
                    key=f"training/{sitting.code}/{person.employee_no}",
                    role=AssignmentRole.TRAINEE,
                    staff_id=a.person_id,
                    training_session_id=sitting.id,
                    starts_at=sitting.starts_at,
                    ends_at=sitting.ends_at,
                    explanation={"summary": f"参加{sitting.course.name}（{sitting.code}）"},
                )
            )
        return rows

    def _holdings(
        self,
        data: RotationData,
        instance: rotation.RotationInstance,
        solution: rotation.RotationSolution,
    ) -> list[Assignment]:
        """Return one holding per person and period, trainees with their mentors."""
        pinned = {(p.person_id, p.post_id, p.period_index) for p in instance.pins}
        previous = {(p.person_id, p.period_index): p.post_id for p in instance.previous}
        rows = []
        for h in solution.holdings:
            period, post, person = (
                data.periods[h.period_index],
                data.posts[h.post_id],
                data.staff[h.person_id],
            )
            mentor = data.staff.get(h.mentor_id) if h.mentor_id else None
            kept = previous.get((h.person_id, h.period_index)) == h.post_id
            rows.append(
                Assignment(
                    key=f"rotation/{period.code}/{person.employee_no}",
                    role=AssignmentRole.POST_TRAINEE
                    if h.as_trainee
                    else AssignmentRole.POST_HOLDER,
                    pinned=(h.person_id, h.post_id, h.period_index) in pinned,
                    staff_id=h.person_id,
                    post_id=h.post_id,
                    rotation_period_id=period.id,
                    mentor_id=h.mentor_id,
                    starts_at=local_midnight(period.starts_on),
                    ends_at=local_midnight(period.ends_on + dt.timedelta(days=1)),
                    explanation={
                        "trainee": h.as_trainee,
                        "mentor": mentor.name if mentor else None,
                        "kept": kept,
                        "summary": _why(
                            post.name, h.as_trainee, mentor.name if mentor else "", kept
                        ),
                    },
                )
            )
        return rows

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return an all-day range per holding and a timed event per training seat."""
        _, data, sittings = load_year(session, plan)
        specs = self._holding_events(data, plan)
        for a in plan.assignments:
            sitting = sittings.get(a.training_session_id) if a.training_session_id else None
            if sitting is None:
                continue
            course = sitting.course
            specs.append(
                EventSpec(
                    FeedOwner.STAFF,
                    a.staff_id,
                    uid=f"{a.key}@zerodistance",
                    kind="training",
                    starts_at=sitting.starts_at,
                    ends_at=sitting.ends_at,
                    title=f"培训：{course.name}",
                    location=sitting.location,
                    description=(
                        f"课程：{course.name}（{course.code}，{course.hours} 学时）\n"
                        f"场次：{sitting.code}\n地点：{sitting.location}"
                        + (f"\n内容：{course.description}" if course.description else "")
                    ),
                )
            )
        return specs

    def _holding_events(self, data: RotationData, plan: Plan) -> list[EventSpec]:
        """Return an all-day range per holding, in the holder's calendar."""
        periods = {p.id: p for p in data.periods}
        trainees: dict[tuple[int, int], list[str]] = {}
        for a in holdings_of(plan):
            if a.mentor_id is not None:
                name = data.staff[a.staff_id].name if a.staff_id in data.staff else ""
                trainees.setdefault((a.mentor_id, a.rotation_period_id), []).append(name)
        specs = []
        for a in holdings_of(plan):
            period, post = periods.get(a.rotation_period_id), data.posts[a.post_id]
            if period is None:
                continue
            mentor = data.staff.get(a.mentor_id) if a.mentor_id else None
            lines = [f"岗位：{post.name}（{post.code}）", f"轮岗周期：{period.label}"]
            if mentor is not None:
                lines.append(f"以干代训，带教导师：{mentor.name}")
            mentees = trainees.get((a.staff_id, a.rotation_period_id))
            if mentees:
                lines.append(f"带教学员：{'、'.join(mentees)}")
            title = f"{'以干代训' if mentor else '轮岗'}：{post.name}"
            specs.append(
                EventSpec(
                    FeedOwner.STAFF,
                    a.staff_id,
                    uid=f"{a.key}@zerodistance",
                    kind="rotation",
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    title=title,
                    all_day=True,
                    description="\n".join(lines),
                )
            )
        return specs

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Re-check the whole draft with the holding or seat given to someone else."""
        year, data, _ = load_year(session, plan)
        if staff_id not in data.staff:
            return [f"工作人员 {staff_id} 不在轮岗人员范围内"]
        seats = _attendances(plan, assignment, staff_id)
        holdings = _holdings_of(plan, data, assignment, staff_id)
        # Recheck against what the joint plan solved: qualifications gained by the seats, and
        # for training, the posts the rotation gives each person.
        gained = training.qualifications_gained(year.training, seats)
        rot = data.instance.model_copy(update={"qualifying": data.instance.qualifying + gained})
        if assignment.role is AssignmentRole.TRAINEE:
            return check_training(_with_posts(year.training, holdings, gained), seats)
        kept = {(h.person_id, h.post_id, h.period_index) for h in holdings}
        changes = sum((p.person_id, p.post_id, p.period_index) not in kept for p in rot.previous)
        solution = rotation.RotationSolution(
            holdings=tuple(holdings), changes=changes, objective=None
        )
        return check_rotation(rot, solution)


def _holdings_of(
    plan: Plan, data: RotationData, edited: Assignment, staff_id: int
) -> list[rotation.Holding]:
    """Return a plan's holdings, with one holding given to someone else."""
    index = {p.id: i for i, p in enumerate(data.periods)}
    return [
        rotation.Holding(
            person_id=staff_id if a.id == edited.id else a.staff_id,
            post_id=a.post_id,
            period_index=index[a.rotation_period_id],
            as_trainee=a.role is AssignmentRole.POST_TRAINEE,
            mentor_id=a.mentor_id,
        )
        for a in holdings_of(plan)
        if a.rotation_period_id in index
    ]


def _with_posts(
    instance: training.TrainingInstance,
    holdings: list[rotation.Holding],
    gained: tuple[rotation.QualifyingTraining, ...],
) -> training.TrainingInstance:
    """Return the training instance with each trainee's posts and qualification needs."""
    posts: dict[int, dict[int, int]] = {}
    for h in holdings:
        posts.setdefault(h.person_id, {})[h.period_index] = h.post_id
    needs: dict[int, list[training.QualificationNeed]] = {}
    for x in gained:
        needs.setdefault(x.person_id, []).append(
            training.QualificationNeed(
                qualification_id=x.qualification_id, period_index=x.period_index
            )
        )
    trainees = tuple(
        t.model_copy(update={"posts": posts.get(t.id, {}), "needs": tuple(needs.get(t.id, ()))})
        for t in instance.trainees
    )
    return instance.model_copy(update={"trainees": trainees})


def _attendances(
    plan: Plan, edited: Assignment | None, staff_id: int | None
) -> training.TrainingSolution:
    """Return a plan's training seats as a solution, with one seat given to someone else."""
    seats = tuple(
        training.Attendance(
            person_id=staff_id if edited is not None and a.id == edited.id else a.staff_id,
            session_id=a.training_session_id,
        )
        for a in plan.assignments
        if a.role is AssignmentRole.TRAINEE
    )
    return training.TrainingSolution(attendances=seats, objective=None)


def _why(post: str, trainee: bool, mentor: str, kept: bool) -> str:
    """Return one sentence on why this person holds this post this period."""
    parts = [f"以干代训，由 {mentor} 带教" if trainee else "具备岗位资格"]
    if kept:
        parts.append("延续上一版方案")
    return f"{post}：" + "；".join(parts)
