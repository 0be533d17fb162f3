"""Tests for the training model and plan_together, re-checked by scheduler.rotation_checks.

Default weights: away 10 points per attendance, preference 5 points (reward) per preferred
session attended.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from scheduler import training
from scheduler.rotation import (
    HistoryEntry,
    Period,
    PinnedHolding,
    Post,
    RotationInstance,
    RotationPerson,
    RotationWeights,
)
from scheduler.rotation_checks import check_rotation, check_training, training_objective
from scheduler.runner import SolveParams, SolveStatus
from scheduler.training import (
    Course,
    Interval,
    QualificationNeed,
    Session,
    Trainee,
    TrainingInstance,
    TrainingPost,
    TrainingSolution,
    plan_together,
    solve,
)

ONE = SolveParams(time_limit_s=20, workers=1, seed=7)
PERIODS = (
    Period(id=1, code="2027Q1", starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 3, 31)),
    Period(id=2, code="2027Q2", starts_on=dt.date(2027, 4, 1), ends_on=dt.date(2027, 6, 30)),
)
GENERAL = Course(id=1, code="LX1", name="轮训")
GENERAL2 = Course(id=2, code="LX2", name="轮训二")
QUALIFYING = Course(id=3, code="ZG5", name="资格培训", qualification_id=5)


def session(sid: int, day: int, *, course: int = 1, hour: int = 9, cap: int = 10, **kw: object):
    """Return session sid on 2027-03-<day> at hour for three hours."""
    starts = dt.datetime(2027, 3, day, hour)
    return Session(
        id=sid,
        code=f"PX{sid:03d}",
        course_id=course,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        capacity=cap,
        **kw,
    )


def trainee(pid: int, **kw: object) -> Trainee:
    """Return trainee pid, named 人员<pid>."""
    return Trainee(id=pid, name=f"人员{pid}", **kw)


def instance(sessions: list[Session], trainees: list[Trainee], **kw: object) -> TrainingInstance:
    """Return the instance with the three courses and two periods."""
    kw.setdefault("courses", (GENERAL, GENERAL2, QUALIFYING))
    return TrainingInstance(
        periods=PERIODS, sessions=tuple(sessions), trainees=tuple(trainees), **kw
    )


def solved(inst: TrainingInstance) -> TrainingSolution:
    """Solve to proven optimality and re-check the solution."""
    result = solve(inst, ONE)
    report = result.report
    assert report.status is SolveStatus.OPTIMAL, report.diagnosis
    assert report.objective == report.best_bound
    solution = result.solution
    assert solution is not None and solution.objective == report.objective
    assert check_training(inst, solution) == []
    assert training_objective(inst, solution) == report.penalties
    return solution


def conflicts(inst: TrainingInstance) -> dict[str, str]:
    """Solve an infeasible instance and return its diagnosis as detail by name."""
    result = solve(inst, ONE)
    assert result.report.status is SolveStatus.INFEASIBLE and result.solution is None
    return {c.name: c.detail for c in result.report.diagnosis}


def attended(solution: TrainingSolution) -> set[tuple[int, int]]:
    """Return (person, session) pairs."""
    return {(a.person_id, a.session_id) for a in solution.attendances}


# --- meta ---------------------------------------------------------------------------------------


def test_every_rule_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [r.__name__ for r in training.RULES if f"test_{r.__name__}" not in source]
    assert missing == []


def test_malformed_instances_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown course 9"):
        instance([session(1, 2, course=9)], [])
    with pytest.raises(ValidationError, match="session ids must be unique"):
        instance([session(1, 2), session(1, 3)], [])
    with pytest.raises(ValidationError, match="unknown post 4"):
        instance([], [trainee(1, posts={0: 4})])
    with pytest.raises(ValidationError, match="unknown session 8"):
        instance([], [trainee(1, preferred_session_ids=frozenset({8}))])
    with pytest.raises(ValidationError, match="ends before"):
        Session(
            id=1,
            code="PX1",
            course_id=1,
            starts_at=dt.datetime(2027, 3, 2, 9),
            ends_at=dt.datetime(2027, 3, 2, 8),
            capacity=1,
        )
    with pytest.raises(ValidationError):
        trainee(1, required_sessions=-1)
    with pytest.raises(ValidationError):
        instance([], [], year=2027)


# --- hard rules ---------------------------------------------------------------------------------


def test_add_required_sessions_everybody_gets_their_share() -> None:
    inst = instance(
        [session(1, 2), session(2, 3, course=2)], [trainee(i, required_sessions=2) for i in (1, 2)]
    )
    solution = solved(inst)
    assert len(solution.attendances) == 4 and solution.objective == 40


def test_add_required_sessions_too_few_open_sessions() -> None:
    # One session in a district the person does not belong to: only one open session remains.
    inst = instance(
        [session(1, 2), session(2, 3, course=2, district_id=2)],
        [trainee(1, district_id=1, required_sessions=2)],
    )
    assert conflicts(inst) == {"required:1:2027": "人员1 2027 年须参加 2 期轮训"}


def test_add_capacity_full_session() -> None:
    sessions = [session(1, 2, cap=1), session(2, 3, course=2, cap=1)]
    found = conflicts(instance(sessions, [trainee(i, required_sessions=1) for i in (1, 2, 3)]))
    assert "capacity:PX001" in found and "capacity:PX002" in found
    # Just inside: two people, two seats.
    solution = solved(instance(sessions, [trainee(i, required_sessions=1) for i in (1, 2)]))
    assert {s for _, s in attended(solution)} == {1, 2}


def test_add_one_session_at_a_time_overlapping_sessions() -> None:
    clash = [session(1, 2, hour=9), session(2, 2, course=2, hour=10)]
    found = conflicts(instance(clash, [trainee(1, required_sessions=2)]))
    assert set(found) == {"overlap", "required:1:2027"}
    # Back to back (9-12, 12-15) is not an overlap.
    fine = [session(1, 2, hour=9), session(2, 2, course=2, hour=12)]
    assert len(solved(instance(fine, [trainee(1, required_sessions=2)])).attendances) == 2


def test_add_one_sitting_per_course_no_repeats() -> None:
    same = [session(1, 2), session(2, 3)]
    found = conflicts(instance(same, [trainee(1, required_sessions=2)]))
    assert set(found) == {"repeat", "required:1:2027"}


def test_add_qualification_gate_before_the_period_starts() -> None:
    # The qualifying session on 2027-03-02 ends before 2027Q2 starts; none before 2027Q1.
    need = QualificationNeed(qualification_id=5, period_index=1)
    solution = solved(instance([session(1, 2, course=3)], [trainee(1, needs=(need,))]))
    assert attended(solution) == {(1, 1)}
    early = QualificationNeed(qualification_id=5, period_index=0)
    found = conflicts(instance([session(1, 2, course=3)], [trainee(1, needs=(early,))]))
    assert found == {"need:1:5:2027Q1": "人员1 须在 2027Q1 前取得资格 5（参加相应培训）"}


def test_add_qualification_gate_seats_are_for_those_who_need_them() -> None:
    # Person 2 needs nothing: the qualifying session is not open to them, the general one is.
    need = QualificationNeed(qualification_id=5, period_index=1)
    inst = instance(
        [session(1, 2, course=3), session(2, 3)],
        [trainee(1, needs=(need,)), trainee(2, required_sessions=1)],
    )
    assert attended(solved(inst)) == {(1, 1), (2, 2)}


def cover(n_holders: int, minimum: int) -> TrainingInstance:
    """n holders of post 1 (min `minimum`) each need one session; all sessions on one day."""
    sessions = [session(i, 2, course=1 + (i % 2), hour=9 + 3 * (i // 2), cap=5) for i in (1, 2)]
    return instance(
        sessions,
        [trainee(i, posts={0: 1}, required_sessions=1) for i in range(1, n_holders + 1)],
        posts=(TrainingPost(id=1, code="GW001", name="受理窗口", min_holders=minimum),),
    )


def test_add_post_cover_minimum_on_training_days() -> None:
    found = conflicts(cover(2, 1))
    assert found["cover:GW001"] == "岗位 GW001 受理窗口：培训当天在岗人员不得少于 1 人"
    # Just inside: with minimum 0 both may train the same day.
    assert len(solved(cover(2, 0)).attendances) == 2


def test_add_post_cover_different_days_are_fine() -> None:
    sessions = [session(1, 2), session(2, 3)]
    post = TrainingPost(id=1, code="GW001", min_holders=1)
    inst = instance(
        sessions,
        [trainee(i, posts={0: 1}, required_sessions=1) for i in (1, 2)],
        posts=(post,),
    )
    solution = solved(inst)
    assert {s for _, s in attended(solution)} == {1, 2}


def test_add_pins_keep_the_pinned_session() -> None:
    inst = instance(
        [session(1, 2), session(2, 3)],
        [trainee(1, required_sessions=1, pinned_session_ids=frozenset({2}))],
    )
    assert attended(solved(inst)) == {(1, 2)}
    away = Interval(starts_at=dt.datetime(2027, 3, 3), ends_at=dt.datetime(2027, 3, 4))
    pinned_twice = instance(
        [session(1, 2), session(2, 2, course=2, hour=10)],
        [trainee(1, pinned_session_ids=frozenset({1, 2}), unavailable=(away,))],
    )
    assert set(conflicts(pinned_twice)) == {"overlap", "pin:1:PX001", "pin:1:PX002"}


# --- soft goals ---------------------------------------------------------------------------------


def test_add_time_away_no_more_than_required() -> None:
    inst = instance([session(1, 2), session(2, 3, course=2)], [trainee(1, required_sessions=1)])
    assert solved(inst).objective == 10
    assert solved(instance([session(1, 2)], [trainee(1)])).objective == 0


def test_add_preferences_replace_but_do_not_add() -> None:
    liked = trainee(1, required_sessions=1, preferred_session_ids=frozenset({2}))
    solution = solved(instance([session(1, 2), session(2, 3, course=2)], [liked]))
    assert attended(solution) == {(1, 2)} and solution.objective == 10 - 5
    # An unavailable preferred session cannot be attended.
    away = Interval(starts_at=dt.datetime(2027, 3, 3), ends_at=dt.datetime(2027, 3, 4))
    busy = liked.model_copy(update={"unavailable": (away,)})
    solution = solved(instance([session(1, 2), session(2, 3, course=2)], [busy]))
    assert attended(solution) == {(1, 1)} and solution.objective == 10


# --- rotation and training together -------------------------------------------------------------


def test_plan_together_trains_first_then_rotates_with_the_new_qualification() -> None:
    # Post 12 needs a qualified holder in 2027Q2; only person 2 is available then and gains
    # qualification 5 by the March session.
    gated = Post(
        id=12,
        code="GW012",
        name="并联审批窗口",
        scope="hall",
        min_holders=1,
        max_holders=2,
        min_qualified=1,
        qualification_id=5,
    )
    other = Post(id=13, code="GW013", scope="hall", min_holders=0, max_holders=3)
    people = (
        RotationPerson(
            id=1,
            name="甲",
            qualified_ids=frozenset({5}),
            unavailable_periods=frozenset({1}),
            history=(HistoryEntry(post_id=12, periods_ago_end=1, consecutive=1),),
        ),
        RotationPerson(id=2, name="乙"),
    )
    rot = RotationInstance(
        periods=PERIODS,
        posts=(gated, other),
        people=people,
        weights=RotationWeights(breadth=0, fairness=0),
        # Person 2 learns by doing next to person 1 in 2027Q1, so one of them can train.
        pins=(PinnedHolding(person_id=2, post_id=12, period_index=0),),
    )
    need = QualificationNeed(qualification_id=5, period_index=1)
    tr = instance(
        [session(1, 2, course=3), session(2, 9)],
        [trainee(1, required_sessions=1), trainee(2, required_sessions=1, needs=(need,))],
        posts=(
            TrainingPost(id=12, code="GW012", min_holders=1),
            TrainingPost(id=13, code="GW013", min_holders=0),
        ),
    )

    # No training spare: with two people, a spare holder would leave nobody for GW013.
    joint = plan_together(rot, tr, ONE, training_spare=0)

    assert joint.status is SolveStatus.OPTIMAL
    assert joint.rotation is not None and joint.rotation.solution is not None
    assert joint.rotation_instance is not None and joint.training_instance is not None
    assert joint.rotation_instance.qualifying[0].period_index == 1
    assert check_rotation(joint.rotation_instance, joint.rotation.solution) == []
    got = {(h.person_id, h.period_index): h for h in joint.rotation.solution.holdings}
    assert got[2, 1].post_id == 12 and not got[2, 1].as_trainee
    assert got[2, 0].as_trainee and got[2, 0].mentor_id == 1
    assert joint.training is not None and joint.training.solution is not None
    assert check_training(joint.training_instance, joint.training.solution) == []
    # Person 1 is the only holder of GW012 in 2027Q1 and cannot leave it to train on 3-09;
    # person 2 qualifies on 3-02 and is kept there.
    final = attended(joint.training.solution)
    assert (2, 1) in final


def test_plan_together_stops_when_training_is_infeasible() -> None:
    rot = RotationInstance(periods=PERIODS, posts=(), people=())
    tr = instance([], [trainee(1, required_sessions=1)])
    tr = tr.model_copy(update={"sessions": (session(1, 2, district_id=9),)})
    joint = plan_together(rot, tr, ONE)
    assert joint.status is SolveStatus.INFEASIBLE and joint.rotation is None
