"""An RQ worker whose case-helper jobs use the slow model, killed by a test mid-solve.

Usage: python -m tests.support.rq_slow_worker REDIS_URL QUEUE (DATABASE_URL in the environment)
"""

from __future__ import annotations

import sys

from redis import Redis
from rq import Queue, SimpleWorker

from tests.support.slow import install


def main() -> None:
    """Work the queue until killed."""
    install()
    connection = Redis.from_url(sys.argv[1])
    # SimpleWorker runs jobs in its own process: RQ's forking Worker puts each job in a work
    # horse with its own session id, which outlives a kill of the worker's process group.
    queue = Queue(sys.argv[2], connection=connection)
    SimpleWorker([queue], connection=connection).work()


if __name__ == "__main__":
    main()
