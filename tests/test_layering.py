"""Enforce the dependency rules of ARCHITECTURE.md by reading imports, without importing."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# scheduler/ must stay readable, testable and benchmarkable alone.
SCHEDULER_ALLOWED = frozenset(sys.stdlib_module_names) | {
    "ortools",
    "pydantic",
    "holidays",
    "scheduler",
}
# models/ is shared by CLI commands, workers and tests, so it must not pull in the web app
# or the solver; SQLAlchemy and Alembic are what it is for.
MODELS_FORBIDDEN = frozenset({"flask", "flask_openapi3", "api", "scheduler", "app"})


@dataclass(frozen=True, order=True)
class Violation:
    """One import that breaks a layering rule."""

    path: Path
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module!r} ({self.rule})"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """List (line, absolute module name) for every import in a file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        # Relative imports stay inside the file's own package, which every rule allows.
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return sorted(found)


def find_violations(root: Path) -> list[Violation]:
    """Check every module under root/scheduler and root/models against its layer's rule."""
    violations: list[Violation] = []
    for path in sorted((root / "scheduler").rglob("*.py")):
        for line, module in imported_modules(path):
            if module.partition(".")[0] not in SCHEDULER_ALLOWED:
                rule = "scheduler/ may import only stdlib, ortools, pydantic, holidays, scheduler"
                violations.append(Violation(path.relative_to(root), line, module, rule))
    for path in sorted((root / "models").rglob("*.py")):
        for line, module in imported_modules(path):
            if module.partition(".")[0] in MODELS_FORBIDDEN:
                rule = "models/ must not import " + ", ".join(sorted(MODELS_FORBIDDEN))
                violations.append(Violation(path.relative_to(root), line, module, rule))
    return violations


def assert_no_violations(violations: list[Violation]) -> None:
    """Fail with one line per offending import."""
    assert not violations, "layering rules broken:\n" + "\n".join(map(str, violations))


def test_project_layers_follow_dependency_rules() -> None:
    # Guard against a wrong ROOT making the check vacuous.
    assert (ROOT / "scheduler" / "__init__.py").is_file()
    assert (ROOT / "models" / "__init__.py").is_file()
    assert_no_violations(find_violations(ROOT))


def write(path: Path, source: str) -> None:
    """Create a source file and its parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_checker_reports_file_line_and_import(tmp_path: Path) -> None:
    write(
        tmp_path / "scheduler" / "bad.py",
        "import os\n"
        "import ortools.sat.python.cp_model\n"
        "from pydantic import BaseModel\n"
        "from . import runner\n"
        "from scheduler.runner import SolveParams\n"
        "import sqlalchemy\n"
        "def f():\n"
        "    from flask import current_app\n",
    )
    write(
        tmp_path / "models" / "migrations" / "versions" / "0001_init.py",
        "import sqlalchemy as sa\nfrom alembic import op\nimport scheduler.panels\n",
    )
    write(tmp_path / "models" / "plan.py", "from sqlalchemy.orm import Mapped\nimport app\n")

    violations = find_violations(tmp_path)

    assert [(str(v.path), v.line, v.module) for v in violations] == [
        (str(Path("scheduler/bad.py")), 6, "sqlalchemy"),
        (str(Path("scheduler/bad.py")), 8, "flask"),
        (str(Path("models/migrations/versions/0001_init.py")), 3, "scheduler.panels"),
        (str(Path("models/plan.py")), 2, "app"),
    ]
    with pytest.raises(AssertionError) as excinfo:
        assert_no_violations(violations)
    message = str(excinfo.value)
    assert f"{Path('scheduler/bad.py')}:6: imports 'sqlalchemy'" in message
    assert f"{Path('models/plan.py')}:2: imports 'app'" in message


def test_checker_accepts_clean_layers(tmp_path: Path) -> None:
    write(tmp_path / "scheduler" / "ok.py", "from __future__ import annotations\nimport holidays\n")
    write(tmp_path / "models" / "ok.py", "import sqlalchemy\nfrom alembic import op\n")
    assert find_violations(tmp_path) == []
