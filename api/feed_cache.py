"""Remember rendered feeds by a cheap fingerprint of everything their bodies depend on.

Calendar apps poll the same feed every few minutes to hours and nearly always find it unchanged.
Rendering a year of events for each poll only to compute the same ETag again makes a 304 cost as
much as a 200. Instead, a feed's body is a pure function of: the owner's name (the calendar's
name), the names of a department's members (they prefix its events), the local day (the window
and the grace period move at midnight), the window settings, and the rows shown. Every change to
a row's content bumps its `changed_at` and `sequence` (api.planning), a sealed row becoming
visible changes how many rows are shown, and rows are never deleted, so an aggregate of count,
id sum, sequence sum and latest change over the shown rows stands for the rows themselves.

The cache maps (token, fingerprint) to the rendered feed, within a byte budget, least recently
used first out. Each process keeps its own: the ETag is still the hash of the body, so processes
agree, and a new release starts empty, so a renderer change can never be hidden behind an old
ETag. A fingerprint costs two or three indexed aggregate queries instead of loading and
rendering every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.feed_content import FeedWindow, RenderedFeed, owned_rows, shown_rows
from api.feed_owners import owner_name
from api.ical import LOCAL
from models import CalendarEvent, FeedOwner, FeedToken, Staff

DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024

Fingerprint = tuple[Hashable, ...]


def fingerprint(
    session: Session, token: FeedToken, now: dt.datetime, window: FeedWindow
) -> Fingerprint | None:
    """Return what the token's feed body depends on, or None when its owner no longer exists."""
    name = owner_name(session, token.owner_type, token.owner_id)
    if name is None:
        return None
    today = now.astimezone(LOCAL).date()
    owned = owned_rows(token.owner_type, token.owner_id, now)
    shown = session.execute(
        select(
            func.count(CalendarEvent.id),
            func.coalesce(func.sum(CalendarEvent.id), 0),
            func.coalesce(func.sum(CalendarEvent.sequence), 0),
            func.max(CalendarEvent.changed_at),
            func.max(CalendarEvent.sealed_until),
        ).where(shown_rows(owned, today, window))
    ).one()
    # Last-Modified also counts changes to rows outside the window.
    latest = session.scalar(select(func.max(CalendarEvent.changed_at)).where(owned))
    members: tuple[tuple[int, str], ...] = ()
    if token.owner_type is FeedOwner.DEPARTMENT:
        members = tuple(
            session.execute(
                select(Staff.id, Staff.name)
                .where(Staff.department_id == token.owner_id)
                .order_by(Staff.id)
            ).tuples()
        )
    digest = hashlib.sha256(repr(members).encode()).hexdigest() if members else ""
    return (name, digest, today, window, tuple(shown), latest, token.created_at)


class FeedCache:
    """A thread-safe LRU of rendered feeds, one per token, bounded by the bytes of their bodies."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[int, tuple[Fingerprint, RenderedFeed]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, token_id: int, key: Fingerprint) -> RenderedFeed | None:
        """Return the token's feed if it was rendered for this very fingerprint."""
        with self._lock:
            entry = self._entries.get(token_id)
            if entry is None or entry[0] != key:
                self.misses += 1
                return None
            self._entries.move_to_end(token_id)
            self.hits += 1
            return entry[1]

    def put(self, token_id: int, key: Fingerprint, feed: RenderedFeed) -> None:
        """Hold the token's latest rendering in place of any older one."""
        with self._lock:
            old = self._entries.pop(token_id, None)
            if old is not None:
                self._bytes -= len(old[1].body)
            if len(feed.body) > self.budget_bytes:
                return
            self._entries[token_id] = (key, feed)
            self._bytes += len(feed.body)
            while self._bytes > self.budget_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        """Forget every rendered feed."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
