"""Command lines for rotation and training plans from files.

`flask --app app rotation plan FILE.json --out OUT.json` and `training plan …` read the JSON
form of `scheduler.rotation.RotationInstance` or `scheduler.training.TrainingInstance` and
re-check the plan with `scheduler.rotation_checks`. Exit codes and OUT.json as api/file_cli.py
says. The groups need no app (no database), so their commands run without an app context.
"""

from __future__ import annotations

from pathlib import Path

from flask.cli import AppGroup

from api.file_cli import checked, plan_file, solve_options
from scheduler import rotation, training
from scheduler.rotation_checks import (
    check_rotation,
    check_training,
    rotation_objective,
    training_objective,
)
from scheduler.runner import SolveParams

rotation_cli = AppGroup("rotation", help="轮岗：按数据文件编制轮岗方案 (rotation plans from files)")
training_cli = AppGroup("training", help="轮训：按数据文件安排培训 (training plans from files)")


@rotation_cli.command("plan", with_appcontext=False)
@solve_options
def rotation_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Plan the rotation of FILE.json (a RotationInstance) into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    step = checked(rotation.solve, check_rotation, rotation_objective)
    plan_file(file, out, rotation.RotationInstance, step, params)


@training_cli.command("plan", with_appcontext=False)
@solve_options
def training_plan(file: Path, out: Path, time_limit: float, workers: int, seed: int) -> None:
    """Plan the training of FILE.json (a TrainingInstance) into OUT.json."""
    params = SolveParams(time_limit_s=time_limit, workers=workers, seed=seed)
    step = checked(training.solve, check_training, training_objective)
    plan_file(file, out, training.TrainingInstance, step, params)
