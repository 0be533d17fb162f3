"""The problem kinds the platform can solve, each behind one adapter with the same four steps.

An adapter turns database rows into a pure scheduler instance (`load`), solves it (`solve`),
turns the solution into assignment rows (`assignments`) and turns published assignments into
calendar events (`events`). Jobs, publishing, pins and diffs are generic over adapters, so a new
kind adds one adapter module and one line here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from sqlalchemy.orm import Session

from models import Assignment, EventStatus, FeedOwner, Plan, PlanKind
from scheduler.runner import CancelToken, ProgressEvent, SolveParams, SolveReport


class ScopeError(ValueError):
    """The requested scope does not exist or does not fit the kind; the message is for users."""


@dataclass(frozen=True)
class EventSpec:
    """One calendar event a published assignment puts in one owner's calendar."""

    owner_type: FeedOwner
    owner_id: int
    uid: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    all_day: bool = False
    location: str = ""
    description: str = ""
    status: EventStatus = EventStatus.CONFIRMED
    sealed_until: dt.datetime | None = None


@dataclass(frozen=True)
class Solved:
    """What a solve produced: its report and, when a solution exists, its assignment rows."""

    report: SolveReport
    solution: Any | None
    changes: int | None = None
    # Kind-specific numbers for the report, e.g. a lottery's largest marginal probability.
    extra: dict[str, Any] = field(default_factory=dict)


class ProblemAdapter(Protocol):
    """The four steps that connect one scheduler module to the database."""

    kind: PlanKind
    label_zh: str

    def check_scope(self, session: Session, scope: str) -> None:
        """Raise ScopeError when the scope is unknown for this kind."""

    def load(self, session: Session, plan: Plan) -> Any:
        """Return the pure instance for the plan, with pins and the base plan applied."""

    def solve(
        self,
        instance: Any,
        params: SolveParams,
        progress: Callable[[ProgressEvent], None],
        cancel: CancelToken,
    ) -> Solved:
        """Solve the instance."""

    def assignments(
        self, session: Session, plan: Plan, instance: Any, solved: Solved
    ) -> list[Assignment]:
        """Return the assignment rows of a solution (not yet added to the session)."""

    def events(self, session: Session, plan: Plan) -> list[EventSpec]:
        """Return the calendar events of a plan's assignments."""

    def check_edit(
        self, session: Session, plan: Plan, assignment: Assignment, staff_id: int
    ) -> list[str]:
        """Return the hard rules a manual edit would break, in coordinators' words."""


def _adapters() -> Mapping[PlanKind, ProblemAdapter]:
    """Return the adapter of every solvable kind."""
    from api.case_helpers import CaseHelperAdapter
    from api.panel_draws import PanelAdapter
    from api.roster_plans import RosterAdapter
    from api.rotation_plans import RotationAdapter
    from api.vip_visits import VisitAdapter

    return MappingProxyType(
        {
            PlanKind.PANEL: PanelAdapter(),
            PlanKind.CASE_HELPER: CaseHelperAdapter(),
            PlanKind.VISIT: VisitAdapter(),
            PlanKind.ROTATION: RotationAdapter(),
            PlanKind.ROSTER: RosterAdapter(),
        }
    )


def adapter_for(kind: PlanKind) -> ProblemAdapter:
    """Return the adapter of a kind; KeyError when the kind cannot be solved yet."""
    return _adapters()[kind]


def solvable_kinds() -> tuple[PlanKind, ...]:
    """Return the kinds that have an adapter."""
    return tuple(_adapters())
