"""Solve jobs on real executors: worker threads, RQ workers, cancel, dead workers, races."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.case_helpers import CaseHelperAdapter
from api.jobs import EXTENSION, ThreadExecutor
from models import ApiRole, Assignment, AuditRecord, JobStatus, Plan, PlanKind, PlanStatus
from scheduler.checks import check_case_helpers
from scheduler.helpers import HelperAssignment, HelperSolution
from tests.conftest import client_as
from tests.support import slow
from tests.support.live import (
    issue,
    live_app,
    live_factory,
    publish_fresh,
    snapshot,
    solved_draft,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL not set")
BODY = {"kind": "case_helper", "horizon_start": "2026-12-01", "horizon_end": "2027-02-28"}


@pytest.fixture
def thread_app(live_url: str) -> Iterator:
    """Return an app on the live database running jobs on worker threads."""
    app = live_app(live_url, JOB_EXECUTOR="thread", JOB_STALE_S=2)
    yield app
    executor = app.extensions[EXTENSION]
    assert isinstance(executor, ThreadExecutor)
    executor.shutdown()


@pytest.fixture
def slow_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make case-helper jobs in this process run the slow knapsack."""
    monkeypatch.setattr(
        "api.problems._adapters", lambda: {PlanKind.CASE_HELPER: slow.SlowAdapter()}
    )


def _env(url: str) -> dict[str, str]:
    """Return the environment of a child process on the live database."""
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


def _wait_running_with_progress(client, plan_id: int) -> dict:  # noqa: ANN001
    """Wait until the job runs and has reported at least one improving solution."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/plans/{plan_id}").json
        if body["job_status"] == "running" and body["progress"].get("solutions", 0) >= 1:
            return body
        time.sleep(0.1)
    raise AssertionError(f"plan {plan_id} never reported progress: {body}")


def test_thread_job_succeeds_with_progress_and_a_checked_plan(thread_app, live_url) -> None:  # noqa: ANN001
    c = client_as(thread_app, issue(live_url))
    resp = c.post("/api/v1/plans", json=BODY)
    assert resp.status_code == 202
    assert resp.headers["Location"] == f"/api/v1/plans/{resp.json['id']}"
    assert resp.json["job_status"] in ("queued", "running")
    body = wait_for(c, resp.json["id"], {"succeeded", "failed", "infeasible"})
    assert body["job_status"] == "succeeded", body["error"]
    assert body["executor"] == "thread"
    report = body["report"]
    assert report["status"] == "optimal"
    assert report["objective"] == report["best_bound"]
    assert body["progress"]["solutions"] >= 1
    assert body["progress"]["objective"] == report["objective"]

    factory = live_factory(live_url)
    with factory() as s:
        plan = s.get(Plan, body["id"])
        instance = CaseHelperAdapter().load(s, plan)
        rows = s.scalars(select(Assignment).where(Assignment.plan_id == plan.id)).all()
    solution = HelperSolution(
        assignments=tuple(
            HelperAssignment(project_id=a.project_id, helper_id=a.staff_id) for a in rows
        ),
        changes=report["changes"],
        objective=report["objective"],
    )
    checked = check_case_helpers(instance, solution)
    assert checked.ok, checked.violations
    assert checked.objective == report["objective"]
    assert len(rows) == len(instance.projects)


def test_cancel_stops_a_running_solve(thread_app, live_url, slow_model) -> None:  # noqa: ANN001
    c = client_as(thread_app, issue(live_url))
    body = {**BODY, "settings": {"time_limit_s": 120, "workers": 1}}
    plan_id = c.post("/api/v1/plans", json=body).json["id"]
    running = _wait_running_with_progress(c, plan_id)
    assert running["progress"]["objective"] is not None  # live progress while it runs
    asked = time.monotonic()
    resp = c.post(f"/api/v1/plans/{plan_id}/cancel")
    assert resp.status_code == 202
    assert resp.json["cancel_requested"] is True
    done = wait_for(c, plan_id, {"cancelled", "succeeded", "failed"}, timeout=20)
    assert done["job_status"] == "cancelled"
    assert time.monotonic() - asked < 10  # far inside the 120 s limit
    assert c.get(f"/api/v1/plans/{plan_id}/assignments").json["total"] == 0
    again = c.post(f"/api/v1/plans/{plan_id}/cancel")
    assert again.status_code == 409


def test_killed_web_process_leaves_a_failed_job_and_the_published_plan(live_url) -> None:  # noqa: ANN001
    factory = live_factory(live_url)
    published = publish_fresh(factory)
    before = snapshot(factory, published)
    token = issue(live_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.thread_server", live_url, token],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(live_url),
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        plan_id = int(proc.stdout.readline())
        _wait_state(factory, plan_id, JobStatus.RUNNING)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # The restarted service fails the job it can no longer run, at the first look at plans.
    app = live_app(live_url, JOB_EXECUTOR="thread")
    body = client_as(app, token).get(f"/api/v1/plans/{plan_id}").json
    app.extensions[EXTENSION].shutdown()
    assert body["job_status"] == "failed"
    assert "重启" in body["error"]
    assert snapshot(factory, published) == before


@needs_redis
def test_rq_worker_runs_a_job(live_url) -> None:  # noqa: ANN001
    queue = f"zd-test-{uuid.uuid4().hex[:8]}"
    app = live_app(live_url, JOB_EXECUTOR="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=queue)
    c = client_as(app, issue(live_url))
    resp = c.post("/api/v1/plans", json=BODY)
    assert resp.status_code == 202
    assert resp.json["executor"] == "rq"
    assert resp.json["job_status"] == "queued"  # nothing runs it until a worker starts
    subprocess.run(
        [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", REDIS_URL, queue],
        env=_env(live_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    body = c.get(f"/api/v1/plans/{resp.json['id']}").json
    assert body["job_status"] == "succeeded", body["error"]
    assert body["report"]["objective"] == body["report"]["best_bound"]
    assert c.get(f"/api/v1/plans/{body['id']}/assignments").json["total"] > 0


@needs_redis
def test_killed_rq_worker_leaves_a_failed_job_and_the_published_plan(live_url) -> None:  # noqa: ANN001
    factory = live_factory(live_url)
    published = publish_fresh(factory)
    before = snapshot(factory, published)
    queue = f"zd-test-{uuid.uuid4().hex[:8]}"
    app = live_app(live_url, JOB_EXECUTOR="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=queue, JOB_STALE_S=2)
    c = client_as(app, issue(live_url))
    body = {**BODY, "settings": {"time_limit_s": 300, "workers": 1}}
    plan_id = c.post("/api/v1/plans", json=body).json["id"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.rq_slow_worker", REDIS_URL, queue],
        env=_env(live_url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_running_with_progress(c, plan_id)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its work horse
        proc.wait()
    done = wait_for(c, plan_id, {"failed"}, timeout=15)
    assert done["job_status"] == "failed"
    assert "心跳" in done["error"]
    assert snapshot(factory, published) == before


def _wait_state(factory, plan_id: int, state: JobStatus, timeout: float = 30) -> None:  # noqa: ANN001
    """Wait until the plan's job reaches the state, reading the database directly."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with factory() as s:
            if s.get(Plan, plan_id).job_status is state:
                return
        time.sleep(0.1)
    raise AssertionError(f"plan {plan_id} never reached {state}")


def _race(app, token: str, calls: list[tuple[int, int]]) -> list[int]:  # noqa: ANN001
    """Publish (plan id, lock version) pairs from parallel threads; return the statuses."""
    gate = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def publish(i: int, plan_id: int, lock: int) -> None:
        c = client_as(app, token)
        gate.wait()
        statuses[i] = c.post(
            f"/api/v1/plans/{plan_id}/publish", json={"lock_version": lock}
        ).status_code

    threads = [
        threading.Thread(target=publish, args=(i, p, lock)) for i, (p, lock) in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _published(factory) -> list[int]:  # noqa: ANN001
    """Return the ids of published case-helper plans."""
    with factory() as s:
        return list(
            s.scalars(
                select(Plan.id).where(
                    Plan.kind == PlanKind.CASE_HELPER, Plan.status == PlanStatus.PUBLISHED
                )
            )
        )


def test_two_concurrent_publishes_of_rival_drafts_one_wins(live_url) -> None:  # noqa: ANN001
    factory = live_factory(live_url)
    a, b = solved_draft(factory), solved_draft(factory)
    assert a.based_on_id == b.based_on_id
    app = live_app(live_url, JOB_EXECUTOR="inline")
    statuses = _race(app, issue(live_url), [(a.id, a.lock_version), (b.id, b.lock_version)])
    assert sorted(statuses) == [200, 409]
    winner = a.id if statuses[0] == 200 else b.id
    assert _published(factory) == [winner]


def test_two_concurrent_publishes_of_one_draft_one_wins(live_url) -> None:  # noqa: ANN001
    factory = live_factory(live_url)
    draft = solved_draft(factory)
    app = live_app(live_url, JOB_EXECUTOR="inline")
    statuses = _race(app, issue(live_url), [(draft.id, draft.lock_version)] * 2)
    assert sorted(statuses) == [200, 409]
    assert _published(factory) == [draft.id]
    with factory() as s:
        audits = s.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "plan.publish", AuditRecord.object_id == draft.id)
        )
    assert audits == 1  # the losing attempt left no trace


def test_viewer_token_cannot_request_plans(thread_app, live_url) -> None:  # noqa: ANN001
    c = client_as(thread_app, issue(live_url, ApiRole.VIEWER))
    assert c.post("/api/v1/plans", json=BODY).status_code == 403
