"""Choose the calendar event rows one feed shows and render them, with ETag and Last-Modified.

A feed shows the rows of its owner (a department's feed also its staff's rows) that overlap
the window around the request's local day, except cancelled rows past their grace period.
Window and grace move at local midnight only, so the body changes when a row changes or once
a day, never between two requests a second apart. Rows still sealed (a panel before its
meeting) appear only in the feed of the expert who owns them.

Last-Modified is the latest change of any of the owner's rows (shown or not, so a row moved
out of the window counts), or the day a far-future row came into the window, or the moment a
sealed row became visible; a feed with nothing to show dates from its token. Rows leaving the
window or their grace period change the body, and so the ETag, but not Last-Modified: a client
that only sends If-Modified-Since keeps such a row a little longer, which is harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from api.feed_owners import calendar_name, owner_name, owner_names
from api.ical import LOCAL, Event, render
from models import CalendarEvent, EventStatus, FeedOwner, FeedToken, Staff

UNTITLED = "（无标题）"
WEB_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class FeedWindow:
    """Which rows a feed shows, in whole days around the request's local day."""

    past_days: int = 90
    future_days: int = 366
    cancelled_grace_days: int = 30


@dataclass(frozen=True)
class RenderedFeed:
    """A feed body with its validators."""

    body: bytes
    etag: str
    last_modified: dt.datetime


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the instant Asia/Shanghai's day begins."""
    return dt.datetime.combine(day, dt.time(), LOCAL)


def owned_rows(owner_type: FeedOwner, owner_id: int, now: dt.datetime) -> ColumnElement[bool]:
    """Return the condition selecting an owner's rows that its feed may ever show."""
    own = and_(CalendarEvent.owner_type == owner_type, CalendarEvent.owner_id == owner_id)
    if owner_type is FeedOwner.DEPARTMENT:
        members = select(Staff.id).where(Staff.department_id == owner_id)
        staff_rows = and_(
            CalendarEvent.owner_type == FeedOwner.STAFF, CalendarEvent.owner_id.in_(members)
        )
        own = or_(own, staff_rows)
    if owner_type is FeedOwner.EXPERT:
        return own  # an expert's own feed is the one place its sealed panels appear
    return and_(own, or_(CalendarEvent.sealed_until.is_(None), CalendarEvent.sealed_until <= now))


def shown_rows(
    owned: ColumnElement[bool], today: dt.date, window: FeedWindow
) -> ColumnElement[bool]:
    """Return the condition selecting the owned rows a feed shows on a local day."""
    return and_(
        owned,
        CalendarEvent.ends_at > local_midnight(today - dt.timedelta(days=window.past_days)),
        CalendarEvent.starts_at < local_midnight(today + dt.timedelta(days=window.future_days)),
        or_(
            CalendarEvent.status != EventStatus.CANCELLED,
            CalendarEvent.changed_at
            >= local_midnight(today - dt.timedelta(days=window.cancelled_grace_days)),
        ),
    )


def member_uid(uid: str, staff_id: int) -> str:
    """Return a UID unique within a department's feed (two people may share a row's UID)."""
    local, at, domain = uid.rpartition("@")
    return f"{local}/staff-{staff_id}@{domain}" if at else f"{uid}/staff-{staff_id}"


def build_feed(
    session: Session, token: FeedToken, now: dt.datetime, window: FeedWindow | None = None
) -> RenderedFeed | None:
    """Return the token owner's feed as of now, or None when the owner no longer exists."""
    window = window or FeedWindow()
    name = owner_name(session, token.owner_type, token.owner_id)
    if name is None:
        return None
    today = now.astimezone(LOCAL).date()
    owned = owned_rows(token.owner_type, token.owner_id, now)
    rows = session.scalars(select(CalendarEvent).where(shown_rows(owned, today, window))).all()
    own_feed = token.owner_type is FeedOwner.EXPERT
    # Defence in depth: the query already left these out.
    rows = [r for r in rows if own_feed or r.sealed_until is None or r.sealed_until <= now]
    events = _events(session, token, rows)
    body = render(calendar_name(name), events)
    latest = session.scalar(select(func.max(CalendarEvent.changed_at)).where(owned))
    stamps = [latest] if latest is not None else []
    for r in rows:
        first_day = r.starts_at.astimezone(LOCAL).date() + dt.timedelta(days=1 - window.future_days)
        stamps.append(local_midnight(first_day))
        if r.sealed_until is not None and not own_feed:
            stamps.append(r.sealed_until)
    last_modified = max(stamps) if rows else max([token.created_at, *stamps])
    # Never later than the response itself (RFC 9110 8.8.2.1).
    last_modified = min(last_modified, now)
    etag = hashlib.sha256(body).hexdigest()[:32]
    return RenderedFeed(body=body, etag=etag, last_modified=last_modified)


def _events(session: Session, token: FeedToken, rows: list[CalendarEvent]) -> list[Event]:
    """Turn rows into feed events; a department's feed names whose duty each one is."""
    department = token.owner_type is FeedOwner.DEPARTMENT
    members: dict[int, str] = {}
    if department:
        ids = {r.owner_id for r in rows if r.owner_type is FeedOwner.STAFF}
        members = owner_names(session, FeedOwner.STAFF, ids)
    events = []
    for r in rows:
        uid, summary = r.uid, r.title or UNTITLED
        if department and r.owner_type is FeedOwner.STAFF:
            uid = member_uid(r.uid, r.owner_id)
            summary = f"{members.get(r.owner_id, '')}：{summary}"
        events.append(
            Event(
                uid=uid,
                sequence=r.sequence,
                status=r.status.value.upper(),
                changed_at=r.changed_at,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                all_day=r.all_day,
                summary=summary,
                location=r.location or "",
                description=r.description or "",
                # Only web links: a calendar app may open the URL of an event with one tap.
                url=r.url if r.url and r.url.startswith(WEB_SCHEMES) else "",
                confidential=r.sealed_until is not None,
            )
        )
    return events
