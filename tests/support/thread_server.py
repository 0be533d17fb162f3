"""A web process with the thread executor and the slow model, killed by a test mid-solve.

Usage: python -m tests.support.thread_server DATABASE_URL TOKEN
Prints the id of the plan it queued, then waits to be killed.
"""

from __future__ import annotations

import sys
import time

from tests.support.slow import install


def main() -> None:
    """Queue one slow case-helper job on worker threads and sleep."""
    url, token = sys.argv[1], sys.argv[2]
    install()
    from app import create_app

    app = create_app({"DATABASE_URL": url, "JOB_EXECUTOR": "thread"})
    client = app.test_client()
    resp = client.post(
        "/api/v1/plans",
        json={
            "kind": "case_helper",
            "horizon_start": "2026-12-01",
            "settings": {"time_limit_s": 300, "workers": 1},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    print(resp.json["id"], flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
