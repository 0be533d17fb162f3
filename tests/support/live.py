"""Helpers for tests on the live database: apps, tokens, published plans, waiting on jobs."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import planning
from api.plans_cli import request_and_solve
from models import ApiRole, Assignment, CalendarEvent, JobStatus, Plan, PlanKind
from models.auth import issue_token
from models.db import make_engine
from scheduler.runner import SolveParams

START = dt.date(2026, 12, 1)
END = dt.date(2027, 2, 28)


def live_app(url: str, **config: Any):  # noqa: ANN201 - flask app
    """Return an app on the live database with real executors."""
    from app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, **config})


def issue(url: str, role: ApiRole = ApiRole.COORDINATOR) -> str:
    """Issue and commit a token on the live database; return its plaintext."""
    eng = make_engine(url)
    with Session(eng) as s:
        _, plaintext = issue_token(s, f"live-{role.value}", role, created_by="test")
        s.commit()
    eng.dispose()
    return plaintext


def request_data(**overrides: Any) -> planning.PlanRequestData:
    """Return a case-helper request for the demo quarter."""
    values: dict[str, Any] = {
        "kind": PlanKind.CASE_HELPER,
        "scope": "city",
        "title": "",
        "horizon_start": START,
        "horizon_end": END,
        "params": SolveParams(time_limit_s=20, workers=1, seed=7).model_dump(mode="json"),
    }
    values.update(overrides)
    return planning.PlanRequestData(**values)


def solved_draft(factory: Any) -> Plan:
    """Solve a case-helper draft in this process and return it (succeeded)."""
    plan = request_and_solve(factory, request_data(), "test", executor="inline", heartbeat=False)
    assert plan.job_status is JobStatus.SUCCEEDED, plan.error
    return plan


def publish_fresh(factory: Any) -> int:
    """Solve and publish a case-helper plan; return its id."""
    plan = solved_draft(factory)
    with factory() as s:
        fresh = planning.get_plan(s, plan.id)
        planning.publish_plan(s, fresh, fresh.lock_version, "test")
        s.commit()
    return plan.id


def snapshot(factory: Any, plan_id: int) -> dict[str, Any]:
    """Return what must not change about a published plan: state, assignments and events."""
    with factory() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        rows = s.scalars(select(Assignment).where(Assignment.plan_id == plan_id)).all()
        events = s.scalars(select(CalendarEvent).where(CalendarEvent.plan_id == plan_id)).all()
        return {
            "status": plan.status,
            "lock_version": plan.lock_version,
            "assignments": sorted((a.key, a.staff_id) for a in rows),
            "events": sorted((e.uid, e.owner_type.value, e.owner_id, e.sequence) for e in events),
        }


def wait_for(client: Any, plan_id: int, states: set[str], timeout: float = 30.0) -> dict:
    """Poll the plan until its job status is one of the states; return the last body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/plans/{plan_id}").json
        if body["job_status"] in states or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def live_factory(url: str):  # noqa: ANN201 - sessionmaker
    """Return a writer session factory on the live database (BEGIN IMMEDIATE on SQLite)."""
    from sqlalchemy.orm import sessionmaker

    from models.db import writer_engine

    return sessionmaker(bind=writer_engine(make_engine(url)), expire_on_commit=False)
