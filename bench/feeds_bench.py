"""Benchmark the calendar feeds over HTTP: full bodies, then conditional requests (304).

Not a test: it builds a database (a temporary SQLite file by default; with --database-url a
PostgreSQL database, in a schema of its own that is dropped afterwards) holding N staff members,
each with a year of calendar events (timed and all-day, Chinese titles, a few cancelled), issues
one feed per person with api.feed_tokens.issue_feed, serves the app with a threaded WSGI server
in a thread of this process and fetches random feeds from C client threads, each on its own
http.client connection kept alive between requests, for D seconds per phase:

- full: plain GET /feeds/<token>.ics, counting 200 responses;
- conditional: the same with If-None-Match set to the feed's ETag, counting 304 responses.

A warm-up pass fetches every feed once first (checking 200, text/calendar and an ETag) and is
not timed. The server is cheroot when it is installed (keep-alive), else werkzeug's threaded
server, which closes the connection after every response, so that clients reconnect each time
(counted as reconnects). Clients and server share one process, and so the GIL: on a small
machine the numbers are a lower bound for a production server. It prints one JSON object,
then a table:

    .venv/bin/python -m bench.feeds_bench [--people N] [--events N] [--clients C]
                                          [--duration S] [--database-url URL] [--seed N]
                                          [--server auto|cheroot|werkzeug] [--keep]
                                          [--cache-bytes N]

Feeds are cached per process (api/feed_cache.py), so after the warm-up both phases are answered
from the cache; `--cache-bytes 1` turns the cache off and measures rendering every request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib
import importlib.util
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import WSGIRequestHandler, make_server

from models import CalendarEvent, Department, EventStatus, FeedOwner, Level, Staff, migrate
from models.db import make_engine, normalise_url
from models.demo_names import DEPARTMENTS, DISTRICT_HALLS, GIVEN_CHARS, PENDING_ITEMS, SURNAMES

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))
SCHEMA = "feeds_bench"
ALL_DAY_SHARE = 0.2
CANCELLED_SHARE = 0.03
INSERT_BATCH = 5000
FIRST_DAY_AGO = 80
KINDS = ("case_helper", "panel", "duty", "training", "visit")
TITLES = {
    "case_helper": "帮办代办：{item}",
    "panel": "专家评审会：{item}技术审查",
    "duty": "值班：{hall}综合受理窗口",
    "training": "业务培训：{item}办理要点与常见问题",
    "visit": "重点企业走访：{item}现场服务",
}
DESCRIPTION = (
    "请提前十五分钟到达，携带工作证。\n"
    "事项：{item}\n"
    "地点：{hall}\n"
    "如需调整，请在系统中提交申请，并告知所在科室负责人。"
)


def feeds_api() -> tuple[Any, Callable[..., Any]]:
    """Return api.feeds and api.feed_tokens.issue_feed, or exit saying what is missing."""
    try:
        feeds = importlib.import_module("api.feeds")
        issue_feed = importlib.import_module("api.feed_tokens").issue_feed
    except (ImportError, AttributeError) as exc:
        sys.exit(f"feeds_bench: the calendar feeds are not available yet: {exc}")
    return feeds, issue_feed


@contextmanager
def database(url: str | None, keep: bool) -> Iterator[str]:
    """Yield the URL of an empty migrated database: a temporary SQLite file by default.

    On PostgreSQL the bench works in its own schema (search_path), recreated on each run and
    dropped afterwards unless keep; a given SQLite file must not hold staff already.
    """
    if url is None:
        with tempfile.TemporaryDirectory(prefix="feeds-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            migrate.upgrade(url)
            yield url
        return
    base = normalise_url(url)
    if make_url(base).get_backend_name() != "postgresql":
        migrate.upgrade(base)
        engine = make_engine(base)
        with Session(engine) as s:
            if s.scalar(select(func.count()).select_from(Staff)):
                sys.exit(f"feeds_bench: {url} already holds staff; give an empty database")
        engine.dispose()
        yield base
        return
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    scoped = make_url(base).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    scoped_url = scoped.render_as_string(hide_password=False)
    try:
        migrate.upgrade(scoped_url)
        yield scoped_url
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def person_name(rng: random.Random) -> str:
    """Return a fictional Chinese name."""
    given = "".join(rng.choices(GIVEN_CHARS, k=rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def year_of_events(
    rng: random.Random, owner_id: int, n: int, first_day: dt.date, now: dt.datetime
) -> list[dict[str, Any]]:
    """Return n events of one person spread over the 365 days from first_day."""
    items = [item for _, group in PENDING_ITEMS for item in group]
    halls = [hall for _, hall in DISTRICT_HALLS]
    days = sorted(rng.choices(range(365), k=n))
    rows = []
    for i, offset in enumerate(days):
        day = first_day + dt.timedelta(days=offset)
        kind = rng.choice(KINDS)
        item, hall = rng.choice(items), rng.choice(halls)
        if rng.random() < ALL_DAY_SHARE:
            start = dt.datetime.combine(day, dt.time(), LOCAL_TZ)
            end = start + dt.timedelta(days=rng.choice((1, 1, 1, 2, 3)))
            all_day = True
        else:
            start = dt.datetime.combine(day, dt.time(8, 30), LOCAL_TZ) + dt.timedelta(
                minutes=30 * rng.randrange(17)
            )
            end = start + dt.timedelta(minutes=30 * rng.randint(1, 6))
            all_day = False
        cancelled = rng.random() < CANCELLED_SHARE
        rows.append(
            {
                "owner_type": FeedOwner.STAFF,
                "owner_id": owner_id,
                "uid": f"bench-{kind}-{owner_id}-{i}@zerodistance.bench",
                "plan_id": None,
                "kind": kind,
                "starts_at": start,
                "ends_at": end,
                "all_day": all_day,
                "title": TITLES[kind].format(item=item, hall=hall),
                "location": hall,
                "description": DESCRIPTION.format(item=item, hall=hall),
                "url": "",
                "status": EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED,
                "sequence": rng.randint(1, 3) if cancelled else rng.choice((0, 0, 0, 1)),
                "sealed_until": None,
                # Cancelled within the feeds' 30-day grace period, so that they are served too.
                "changed_at": now - dt.timedelta(minutes=rng.randrange(60 * 24 * 20)),
            }
        )
    return rows


def build(url: str, people: int, events: int, seed: int) -> list[int]:
    """Insert one department, the staff and their events; return the staff ids."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Inside the feeds' default window (90 days back, 366 ahead), so that every event is served.
    first_day = now.astimezone(LOCAL_TZ).date() - dt.timedelta(days=FIRST_DAY_AGO)
    engine = make_engine(url)
    with Session(engine) as s:
        code, name, short, name_en = DEPARTMENTS[-3]
        dept = Department(code=code, name=name, short_name=short, name_en=name_en)
        s.add(dept)
        s.flush()
        staff = [
            Staff(
                employee_no=f"FB{i:05d}",
                name=person_name(rng),
                department_id=dept.id,
                level=Level.CITY,
                title="审批服务专员",
            )
            for i in range(people)
        ]
        s.add_all(staff)
        s.flush()
        ids = [p.id for p in staff]
        batch: list[dict[str, Any]] = []
        for owner_id in ids:
            batch += year_of_events(rng, owner_id, events, first_day, now)
            if len(batch) >= INSERT_BATCH:
                s.execute(insert(CalendarEvent), batch)
                batch = []
        if batch:
            s.execute(insert(CalendarEvent), batch)
        s.commit()
    engine.dispose()
    return ids


def issue_feeds(url: str, issue_feed: Callable[..., Any], staff_ids: list[int]) -> list[str]:
    """Issue one feed per person; return the plaintext tokens."""
    engine = make_engine(url)
    tokens = []
    with sessionmaker(bind=engine)() as s:
        for owner_id in staff_ids:
            _, token = issue_feed(s, FeedOwner.STAFF, owner_id, "bench", "bench")
            tokens.append(token)
        s.commit()
    engine.dispose()
    return tokens


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a handled request."""


@dataclass
class Running:
    """A WSGI server serving in a thread."""

    name: str
    port: int
    stop: Callable[[], None]


def serve(app: Any, kind: str, threads: int) -> Running:
    """Start the app on an ephemeral port in a thread: cheroot, or werkzeug's threaded server.

    Werkzeug 3 answers every request with Connection: close (its server cannot drain a request
    body before the next request line), so its clients reconnect for each request; cheroot
    keeps HTTP/1.1 connections open. "auto" takes cheroot when it is installed.
    """
    if kind == "auto":
        kind = "cheroot" if importlib.util.find_spec("cheroot") else "werkzeug"
    if kind == "cheroot":
        import cheroot
        from cheroot import wsgi

        server = wsgi.Server(("127.0.0.1", 0), app, numthreads=threads)
        server.prepare()
        thread = threading.Thread(target=server.serve, name="feeds-bench-server", daemon=True)
        thread.start()

        def stop() -> None:
            server.stop()
            thread.join()

        return Running(
            f"cheroot {cheroot.__version__} ({threads} threads)", server.bind_addr[1], stop
        )
    wz = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    wz_thread = threading.Thread(target=wz.serve_forever, name="feeds-bench-server", daemon=True)
    wz_thread.start()

    def stop_wz() -> None:
        wz.shutdown()
        wz_thread.join()
        wz.server_close()

    return Running("werkzeug threaded (Connection: close)", wz.port, stop_wz)


@dataclass
class Phase:
    """What one timed phase measured."""

    expected: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    reconnects: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, Any]:
        """Return requests, rate and latency percentiles of the expected responses."""
        lat = sorted(self.latencies)
        ok = len(lat)
        return {
            "expected_status": self.expected,
            "requests": ok,
            "requests_per_s": round(ok / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": percentile(lat, 50),
            "p95_ms": percentile(lat, 95),
            "p99_ms": percentile(lat, 99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "mean_body_bytes": round(self.bytes / ok) if ok else 0,
            "unexpected_statuses": {
                str(k): v for k, v in sorted(self.statuses.items()) if k != self.expected
            },
            "failures": dict(self.failures),
            "reconnects": self.reconnects,
            "elapsed_s": round(self.elapsed, 2),
        }


def percentile(sorted_s: list[float], q: float) -> float | None:
    """Return the nearest-rank percentile of sorted seconds, in milliseconds."""
    if not sorted_s:
        return None
    rank = max(1, min(len(sorted_s), round(q / 100 * len(sorted_s) + 0.5)))
    return round(sorted_s[rank - 1] * 1000, 2)


def get(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> tuple[int, http.client.HTTPResponse, bytes]:
    """Send one GET on the connection and read the whole response."""
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return response.status, response, body


def warm_up(port: int, tokens: list[str]) -> tuple[dict[str, str], list[int], list[int]]:
    """Fetch every feed once; return the ETags by token, the body sizes and event counts."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    etags: dict[str, str] = {}
    sizes = []
    events = []
    try:
        for token in tokens:
            status, response, body = get(conn, f"/feeds/{token}.ics", {})
            ctype = response.getheader("Content-Type", "")
            if status != 200 or not ctype.startswith("text/calendar"):
                sys.exit(f"feeds_bench: warm-up got {status} {ctype}: {body[:300]!r}")
            etag = response.getheader("ETag")
            if not etag:
                sys.exit("feeds_bench: a feed response has no ETag")
            etags[token] = etag
            sizes.append(len(body))
            events.append(body.count(b"\r\nBEGIN:VEVENT\r\n"))
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    finally:
        conn.close()
    return etags, sizes, events


def run_phase(
    port: int,
    tokens: list[str],
    etags: dict[str, str] | None,
    clients: int,
    duration: float,
    seed: int,
) -> Phase:
    """Fetch random feeds from client threads for duration seconds; return the measurements."""
    phase = Phase(expected=304 if etags else 200)
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        failures: Counter[str] = Counter()
        size = reconnects = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        while time.perf_counter() < deadline[0]:
            token = rng.choice(tokens)
            headers = {"If-None-Match": etags[token]} if etags else {}
            began = time.perf_counter()
            try:
                status, response, body = get(conn, f"/feeds/{token}.ics", headers)
            except (OSError, http.client.HTTPException) as exc:
                failures[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                reconnects += 1
                continue
            took = time.perf_counter() - began
            statuses[status] += 1
            if status == phase.expected:
                latencies.append(took)
                size += len(body)
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                reconnects += 1
        conn.close()
        with phase.lock:
            phase.latencies += latencies
            phase.statuses.update(statuses)
            phase.failures.update(failures)
            phase.bytes += size
            phase.reconnects += reconnects

    threads = [
        threading.Thread(target=client, args=(i,), name=f"feeds-bench-client-{i}")
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start.wait()
    for t in threads:
        t.join()
    phase.elapsed = time.perf_counter() - began
    return phase


def table(doc: dict[str, Any]) -> str:
    """Return the phases as a text table."""
    head = f"{'phase':<18}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    lines = [head + f"{'bytes':>9}  other", "-" * (len(head) + 16)]
    for name, p in doc["phases"].items():
        other = {**p["unexpected_statuses"], **p["failures"]}
        lines.append(
            f"{name + ' (' + str(p['expected_status']) + ')':<18}{p['requests']:>9}"
            f"{p['requests_per_s']:>9}{p['p50_ms']!s:>9}{p['p95_ms']!s:>9}{p['p99_ms']!s:>9}"
            f"{p['mean_body_bytes']:>9}  {other or '-'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200, help="staff with a feed each")
    parser.add_argument("--events", type=int, default=250, help="events per person (a year)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench schema")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--server",
        choices=("auto", "cheroot", "werkzeug"),
        default="auto",
        help="WSGI server (auto: cheroot when installed, which keeps connections alive)",
    )
    parser.add_argument(
        "--cache-bytes",
        type=int,
        default=None,
        help="FEED_CACHE_BYTES of the app (default: the app's; 1 renders every request afresh)",
    )
    args = parser.parse_args(argv)
    if args.cache_bytes is not None and args.cache_bytes < 1:
        parser.error("--cache-bytes must be positive")
    if min(args.people, args.events, args.clients) < 1 or args.duration <= 0:
        parser.error("--people, --events, --clients and --duration must be positive")

    feeds, issue_feed = feeds_api()
    from app import create_app

    with database(args.database_url, args.keep) as url:
        began = time.perf_counter()
        staff_ids = build(url, args.people, args.events, args.seed)
        build_s = time.perf_counter() - began
        began = time.perf_counter()
        tokens = issue_feeds(url, issue_feed, staff_ids)
        issue_s = time.perf_counter() - began

        config = {"DATABASE_URL": url, "JOB_EXECUTOR": "inline"}
        if args.cache_bytes is not None:
            config["FEED_CACHE_BYTES"] = args.cache_bytes
        app = create_app(config)
        if "feeds" not in app.blueprints:
            sys.exit(f"feeds_bench: {feeds.__name__} exists but the app does not register 'feeds'")
        server = serve(app, args.server, args.clients)
        try:
            began = time.perf_counter()
            etags, sizes, served = warm_up(server.port, tokens)
            warm_s = time.perf_counter() - began
            full = run_phase(server.port, tokens, None, args.clients, args.duration, args.seed)
            cond = run_phase(server.port, tokens, etags, args.clients, args.duration, args.seed)
        finally:
            server.stop()
        backend = make_url(url).get_backend_name()

    doc = {
        "backend": backend,
        "people": args.people,
        "events_per_person": args.events,
        "events": args.people * args.events,
        "clients": args.clients,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server": server.name,
        "feed_cache_bytes": app.config["FEED_CACHE_BYTES"],
        "build_s": round(build_s, 2),
        "issue_s": round(issue_s, 2),
        "warm_up_s": round(warm_s, 2),
        "feed_events_mean": round(sum(served) / len(served), 1),
        "feed_bytes_mean": round(sum(sizes) / len(sizes)),
        "feed_bytes_max": max(sizes),
        "phases": {"full": full.summary(), "conditional": cond.summary()},
    }
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    print()
    print(table(doc))
    bad = any(p["unexpected_statuses"] or p["failures"] for p in doc["phases"].values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
