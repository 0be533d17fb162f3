"""A deliberately slow problem for job tests: cancel, kill and progress need a solve that lasts.

It replaces the case-helper adapter's model with a multi-dimensional knapsack that CP-SAT keeps
improving for far longer than any test waits, while load, storage and events stay real.
"""

from __future__ import annotations

import random
from typing import Any

from api import problems
from api.case_helpers import CaseHelperAdapter
from api.problems import Solved
from models import PlanKind
from scheduler.runner import ModelBuilder, run

ITEMS = 400
DIMENSIONS = 25


class SlowAdapter(CaseHelperAdapter):
    """Case-helper adapter whose solve is a hard knapsack that never finishes in a test."""

    def solve(self, instance: Any, params: Any, progress: Any, cancel: Any) -> Solved:
        """Search the knapsack until the time limit or a cancel; report no plan."""
        rng = random.Random(params.seed)
        builder = ModelBuilder("slow_knapsack")
        model = builder.model
        x = [model.new_bool_var(f"x{i}") for i in range(ITEMS)]
        load = [0] * ITEMS
        for _ in range(DIMENSIONS):
            weights = [rng.randint(20, 100) for _ in range(ITEMS)]
            load = [a + w for a, w in zip(load, weights, strict=True)]
            model.add(sum(w * v for w, v in zip(weights, x, strict=True)) <= sum(weights) // 4)
        # Values correlated with weights make the bound weak and the search long.
        values = [a // DIMENSIONS + rng.randint(0, 10) for a in load]
        builder.add_reward("value", sum(v * b for v, b in zip(values, x, strict=True)), 1)
        outcome = run(builder, params, progress=progress, cancel=cancel)
        return Solved(outcome.report, None)


def install() -> None:
    """Make every case-helper job in this process use the slow model."""
    slow = SlowAdapter()
    problems._adapters = lambda: {PlanKind.CASE_HELPER: slow}  # type: ignore[assignment]
