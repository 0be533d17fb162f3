"""Solve jobs: run a queued plan's solve with heartbeat, live progress and cancel, on an executor.

Executors: `thread` (worker threads in the web process, the embedded default), `rq` (an RQ
queue on Redis, run by any number of `rq worker` processes) and `inline` (in the caller's
thread: the CLI and tests on a single connection). Job state lives in the plan row, never only
in memory: a job whose worker dies stops sending heartbeats and is marked failed by the next
reader (`reap_stale`), and a restarted web process fails the thread jobs it can no longer run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import get_db, short_write
from api.db import session as request_session
from api.problems import Solved, adapter_for
from models import JobStatus, Plan, record
from models.base import utcnow
from scheduler.runner import CancelToken, ProgressEvent, SolveParams, SolveStatus

logger = logging.getLogger("zerodistance.jobs")

EXTENSION = "zerodistance.jobs"
QUEUE_NAME = "zerodistance"
# How often a running job proves it is alive, publishes progress and looks for a cancel.
HEARTBEAT_S = 1.0
# A running job silent for this long has lost its worker.
DEFAULT_STALE_S = 30.0
# RQ kills a job that runs this much longer than its solve time limit (loading, storing).
RQ_MARGIN_S = 600
ERROR_LIMIT = 2000

Factory = Callable[[], Session]


class Executor(Protocol):
    """Something that runs queued plans."""

    name: str

    def submit(self, plan_id: int, time_limit_s: float) -> None:
        """Arrange for the plan's job to run."""


class InlineExecutor:
    """Run the job in the caller's thread, without heartbeat (one connection, no threads)."""

    name = "inline"

    def __init__(self, factory: Factory) -> None:
        self._factory = factory

    def submit(self, plan_id: int, time_limit_s: float) -> None:
        """Run the job now."""
        run_job(plan_id, self._factory, heartbeat=False)


class ThreadExecutor:
    """Run jobs on worker threads of this process (one process: the embedded default)."""

    name = "thread"

    def __init__(self, factory: Factory, workers: int) -> None:
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="solve")
        self._recovered = False
        self._lock = threading.Lock()

    def recover(self, session: Session) -> int:
        """Once per process, before it runs anything: fail thread jobs a dead process left."""
        with self._lock:
            if self._recovered:
                return 0
            failed = fail_interrupted(session)
            session.commit()
            self._recovered = True
            return failed

    def submit(self, plan_id: int, time_limit_s: float) -> None:
        """Queue the job on the pool."""
        self._pool.submit(_logged, plan_id, self._factory)

    def shutdown(self) -> None:
        """Wait for running jobs and stop the pool."""
        self._pool.shutdown(wait=True)


class RqExecutor:
    """Put jobs on an RQ queue for `rq worker` processes."""

    name = "rq"

    def __init__(self, redis_url: str, queue_name: str = QUEUE_NAME) -> None:
        from redis import Redis
        from rq import Queue

        self.queue = Queue(queue_name, connection=Redis.from_url(redis_url))

    def submit(self, plan_id: int, time_limit_s: float) -> None:
        """Enqueue the job; the worker calls `api.jobs.rq_entry(plan_id)`."""
        self.queue.enqueue(
            "api.jobs.rq_entry",
            plan_id,
            job_id=f"plan-{plan_id}",
            job_timeout=int(time_limit_s) + RQ_MARGIN_S,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )


def init_jobs(app: Flask) -> Executor:
    """Choose the app's executor: inline on a test connection, rq with Redis, else threads."""
    db = get_db(app)
    name = app.config.get("JOB_EXECUTOR") or (
        "inline"
        if app.config.get("DB_CONNECTION") is not None
        else "rq"
        if app.config.get("REDIS_URL")
        else "thread"
    )
    executor: Executor
    if name == "inline":
        executor = InlineExecutor(db.factory)
    elif name == "rq":
        if not app.config.get("REDIS_URL"):
            raise ValueError("JOB_EXECUTOR=rq needs REDIS_URL")
        executor = RqExecutor(app.config["REDIS_URL"], app.config.get("RQ_QUEUE", QUEUE_NAME))
    elif name == "thread":
        executor = ThreadExecutor(db.factory, int(app.config.get("JOB_WORKERS", 2)))
    else:
        raise ValueError(f"JOB_EXECUTOR must be inline, thread or rq, not {name!r}")
    app.extensions[EXTENSION] = executor
    return executor


def executor() -> Executor:
    """Return the executor of the current app."""
    return current_app.extensions[EXTENSION]


def stale_after() -> float:
    """Return the heartbeat timeout of the current app, in seconds."""
    return float(current_app.config.get("JOB_STALE_S", DEFAULT_STALE_S))


def fail_interrupted(session: Session) -> int:
    """Fail thread jobs left queued or running by a process that is gone; return how many."""
    done = session.execute(
        update(Plan)
        .where(
            Plan.executor == ThreadExecutor.name,
            Plan.job_status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
        )
        .values(
            job_status=JobStatus.FAILED,
            error="服务进程重启，求解任务被中断，请重新提交",
            finished_at=utcnow(),
            lock_version=Plan.lock_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount:
        logger.warning("marked %d interrupted thread jobs failed", done.rowcount)
    return done.rowcount


def settle() -> None:
    """Before jobs are read or queued: fail jobs whose process or worker is gone."""
    running = executor()
    with short_write() as s:
        changed = 0
        if isinstance(running, ThreadExecutor):
            changed += running.recover(s)
        changed += reap_stale(s, stale_after())
        s.commit()
        if changed and s is not request_session():
            # The request's own read snapshot predates these writes; start a fresh one.
            request_session().rollback()


def reap_stale(session: Session, stale_s: float) -> int:
    """Fail running jobs whose heartbeat stopped (their worker died); return how many."""
    limit = utcnow() - dt.timedelta(seconds=stale_s)
    done = session.execute(
        update(Plan)
        .where(
            Plan.job_status == JobStatus.RUNNING,
            Plan.executor != InlineExecutor.name,
            Plan.heartbeat_at < limit,
        )
        .values(
            job_status=JobStatus.FAILED,
            error=f"执行求解任务的进程已停止（超过 {stale_s:g} 秒没有心跳）",
            finished_at=utcnow(),
            lock_version=Plan.lock_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount:
        logger.warning("marked %d jobs with a stale heartbeat failed", done.rowcount)
    return done.rowcount


def rq_entry(plan_id: int) -> None:
    """Run one plan's job inside an `rq worker`, with the app's database configuration."""
    from app import create_app

    app = create_app({"JOB_EXECUTOR": "inline"})
    try:
        run_job(plan_id, get_db(app).factory)
    finally:
        engine = get_db(app).engine
        if engine is not None:
            engine.dispose()


def _logged(plan_id: int, factory: Factory) -> None:
    """Run a job on a pool thread; a crash is logged, never lost silently."""
    try:
        run_job(plan_id, factory)
    except Exception:
        logger.exception("solve job for plan %d crashed", plan_id)


def run_job(
    plan_id: int,
    factory: Factory,
    *,
    heartbeat: bool = True,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> JobStatus | None:
    """Claim a queued plan, solve it and store the outcome; return the final job status."""
    started = time.monotonic()
    with factory() as s:
        claimed = s.execute(
            update(Plan)
            .where(Plan.id == plan_id, Plan.job_status == JobStatus.QUEUED)
            .values(job_status=JobStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        s.commit()
        if claimed != 1:
            logger.info("plan %d is not queued any more; nothing to run", plan_id)
            return None
        plan = s.get(Plan, plan_id)
        assert plan is not None
        try:
            adapter = adapter_for(plan.kind)
            params = SolveParams(**plan.request.get("params", {}))
            instance = adapter.load(s, plan)
        except Exception as exc:
            logger.exception("could not load plan %d", plan_id)
            s.rollback()
            return _fail(s, plan_id, f"读取排程数据失败：{exc}")
        # Record the exact inputs with the request, so that the solve can be replayed and
        # audited later even after the underlying rows change.
        s.execute(
            update(Plan)
            .where(Plan.id == plan_id)
            .values(request={**plan.request, "instance": instance.model_dump(mode="json")})
            .execution_options(synchronize_session=False)
        )
        s.commit()  # end the read transaction before a long solve (SQLite snapshots, PG locks)

    token = CancelToken()
    live: dict[str, Any] = {"elapsed_s": 0.0, "solutions": 0, "time_limit_s": params.time_limit_s}

    def progress(event: ProgressEvent) -> None:
        live.update(event.model_dump())
        if on_progress is not None:
            on_progress(dict(live))

    beat = _Heartbeat(plan_id, factory, token, live, started) if heartbeat else None
    try:
        solved = adapter.solve(instance, params, progress, token)
    except Exception as exc:
        logger.exception("solve of plan %d failed", plan_id)
        with factory() as s:
            return _fail(s, plan_id, f"求解出错：{exc}")
    finally:
        if beat is not None:
            beat.stop()
    live["elapsed_s"] = round(time.monotonic() - started, 3)
    with factory() as s:
        return _finish(s, plan_id, adapter, instance, solved, live)


def _finish(
    s: Session, plan_id: int, adapter: Any, instance: Any, solved: Solved, live: dict[str, Any]
) -> JobStatus | None:
    """Store the outcome of a solve unless the job was failed or cancelled meanwhile."""
    report = solved.report
    status, error = _job_status(report.status, solved.solution is not None, report)
    body = report.model_dump(mode="json")
    body["changes"] = solved.changes
    body.update(solved.extra)
    if status is JobStatus.FAILED and solved.extra.get("message"):
        error = solved.extra["message"]
    values: dict[str, Any] = {
        "job_status": status,
        "report": body,
        "diagnosis": {"conflicts": [c.model_dump() for c in report.diagnosis]},
        "progress": live,
        "solver_version": report.solver_version,
        "error": error[:ERROR_LIMIT],
        "finished_at": utcnow(),
        "lock_version": Plan.lock_version + 1,
    }
    done = s.execute(
        update(Plan)
        .where(Plan.id == plan_id, Plan.job_status == JobStatus.RUNNING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        s.rollback()
        logger.warning("plan %d left the running state during its solve; result dropped", plan_id)
        return None
    if status is JobStatus.SUCCEEDED:
        plan = s.get(Plan, plan_id)
        rows = adapter.assignments(s, plan, instance, solved)
        for row in rows:
            row.plan_id = plan_id
        s.add_all(rows)
    record(
        s,
        "system",
        "plan.solved",
        "plan",
        plan_id,
        status=status.value,
        objective=report.objective,
        best_bound=report.best_bound,
        changes=solved.changes,
        wall_time_s=round(report.wall_time_s, 3),
    )
    s.commit()
    return status


def _job_status(status: SolveStatus, has_solution: bool, report: Any) -> tuple[JobStatus, str]:
    """Map a solve status to the job status and a message for coordinators."""
    if status is SolveStatus.CANCELLED:
        return JobStatus.CANCELLED, "已按请求取消"
    if status is SolveStatus.INFEASIBLE:
        reasons = "；".join(c.detail for c in report.diagnosis) or "未能定位冲突的规则"
        return JobStatus.INFEASIBLE, f"无可行方案：{reasons}"
    if has_solution:
        return JobStatus.SUCCEEDED, ""
    limit = report.params.time_limit_s
    return JobStatus.FAILED, f"在 {limit:g} 秒的时间限制内未找到可行方案，请延长时间限制后重试"


def _fail(s: Session, plan_id: int, message: str) -> JobStatus | None:
    """Mark a running job failed with a message."""
    done = s.execute(
        update(Plan)
        .where(Plan.id == plan_id, Plan.job_status == JobStatus.RUNNING)
        .values(
            job_status=JobStatus.FAILED,
            error=message[:ERROR_LIMIT],
            finished_at=utcnow(),
            lock_version=Plan.lock_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:
        record(s, "system", "plan.failed", "plan", plan_id, error=message[:200])
    s.commit()
    return JobStatus.FAILED if done.rowcount == 1 else None


class _Heartbeat:
    """Background thread: prove the job alive, publish progress, turn a cancel flag into a stop."""

    def __init__(
        self,
        plan_id: int,
        factory: Factory | sessionmaker[Session],
        token: CancelToken,
        live: dict[str, Any],
        started: float,
    ) -> None:
        self._plan_id = plan_id
        self._factory = factory
        self._token = token
        self._live = live
        self._started = started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{plan_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and wait for the thread."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        """Beat until stopped; a failed beat is logged and retried on the next tick."""
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self._beat()
            except Exception:
                logger.exception("heartbeat of plan %d failed", self._plan_id)

    def _beat(self) -> None:
        """Write heartbeat and progress; cancel the solve when asked or when no longer running."""
        self._live["elapsed_s"] = round(time.monotonic() - self._started, 3)
        with self._factory() as s:
            s.execute(
                update(Plan)
                .where(Plan.id == self._plan_id, Plan.job_status == JobStatus.RUNNING)
                .values(heartbeat_at=utcnow(), progress=dict(self._live))
                .execution_options(synchronize_session=False)
            )
            row = s.execute(
                select(Plan.cancel_requested, Plan.job_status).where(Plan.id == self._plan_id)
            ).one()
            s.commit()
        if row.cancel_requested or row.job_status is not JobStatus.RUNNING:
            self._token.cancel()
