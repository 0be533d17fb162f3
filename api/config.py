"""Configuration read from the environment, with the embedded SQLite default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_PORT = 5000
# Request bodies larger than this are refused with 413 before they are parsed.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024


def _positive(name: str, default: int) -> int:
    """Return a positive integer from the environment, or fail naming the variable."""
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the app configuration: overrides, then environment, then defaults."""
    overrides = overrides or {}
    sqlite_file = Path(instance_path) / "zerodistance.sqlite3"
    config: dict[str, Any] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_file}",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # A random key per process is safe for an API of bearer tokens; set SECRET_KEY to keep
        # signed values (console sessions) valid across restarts and processes.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
        # Solve jobs: executor (thread, rq, inline; default rq with REDIS_URL, else thread),
        # worker threads per process, RQ queue name, heartbeat timeout in seconds.
        "JOB_EXECUTOR": os.environ.get("JOB_EXECUTOR") or None,
        "JOB_WORKERS": _positive("JOB_WORKERS", 2),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE") or "zerodistance",
        "JOB_STALE_S": _positive("JOB_STALE_S", 30),
        "JSON_AS_ASCII": False,
        # Bytes of rendered calendar feeds each process keeps to answer polls cheaply.
        "FEED_CACHE_BYTES": _positive("FEED_CACHE_BYTES", 64 * 1024 * 1024),
    }
    config.update(overrides)
    return config
