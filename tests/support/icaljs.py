"""Install Mozilla's ical.js from the npm registry and run tests/js/validate.mjs with it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parents[1] / "js"
VALIDATOR = JS_DIR / "validate.mjs"
SAMPLE = JS_DIR / "sample.ics"
NODE = shutil.which("node")
NPM = shutil.which("npm")
NPM_TIMEOUT_S = 600
NODE_TIMEOUT_S = 300
# npm error codes that mean the registry could not be reached (or is down), not a broken setup.
UNREACHABLE = re.compile(
    r"npm (?:error|ERR!) code "
    r"(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH"
    r"|EHOSTUNREACH|ENETDOWN|ERR_SOCKET_TIMEOUT|E50[0234])\b"
)


@contextmanager
def install_lock() -> Iterator[None]:
    """Hold an exclusive lock on package.json so that parallel sessions install one at a time."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; installs are rarely concurrent anyway
        yield
        return
    with open(JS_DIR / "package.json", "rb") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def install_validator() -> Path:
    """Install tests/js's npm dependencies (skip when Node.js or the registry is missing)."""
    if NODE is None or NPM is None:
        pytest.skip("node and npm are not on PATH (ical.js needs Node.js)")
    # No package-lock.json: package.json's caret range is the pin; nothing new in the tree.
    cmd = [NPM, "install", "--no-audit", "--no-fund", "--no-package-lock", "--prefix", str(JS_DIR)]
    env = {**os.environ, "NPM_CONFIG_UPDATE_NOTIFIER": "false"}
    try:
        with install_lock():
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, env=env, check=False
            )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm registry unreachable: `npm install` took over {NPM_TIMEOUT_S} s")
    if done.returncode != 0:
        unreachable = UNREACHABLE.search(done.stderr)
        if unreachable:
            detail = next(
                (ln for ln in done.stderr.splitlines() if "request to" in ln), unreachable[0]
            )
            pytest.skip(f"npm registry unreachable ({unreachable[1]}): {detail.strip()}")
        pytest.fail(f"`{' '.join(cmd)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return VALIDATOR


def run_validator(validator: Path, *paths: Path) -> tuple[int, dict[str, Any], str]:
    """Run validate.mjs on files or directories; return exit code, summary and stderr."""
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(validator), *map(str, paths)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validate.mjs printed no JSON ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.returncode, summary, done.stderr
