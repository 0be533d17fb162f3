"""Tests for answering feed polls from the cache: re-rendered exactly when the body would change.

Each test counts how often the feed endpoint renders, and checks that whatever changes the
body (a row's content, a new row, the owner's or a department member's name, the local day)
forces a fresh rendering, while a repeated poll does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api import feeds
from api.feed_cache import FeedCache
from api.feed_content import RenderedFeed
from models import EventStatus, FeedOwner
from tests.api import test_feeds
from tests.api.test_feeds import NOW, add_event, get_feed, issue

# The feed tests' fixtures, under the names the tests below ask for.
app, clock, web, owners = test_feeds.app, test_feeds.clock, test_feeds.web, test_feeds.owners


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the feed endpoint's renderings, one entry (the token id) per rendering."""
    calls: list[int] = []
    real = feeds.build_feed

    def counted(session: Session, token: Any, *args: Any, **kw: Any) -> Any:
        calls.append(token.id)
        return real(session, token, *args, **kw)

    monkeypatch.setattr(feeds, "build_feed", counted)
    return calls


def test_repeated_polls_are_not_rendered_again(web, db_session, owners, renders) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)

    first = get_feed(web, token)
    second = get_feed(web, token)
    revalidated = get_feed(web, token, **{"If-None-Match": first.headers["ETag"]})

    assert len(renders) == 1
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert revalidated.status_code == 304
    assert revalidated.headers["ETag"] == first.headers["ETag"]


def test_a_changed_row_is_rendered_afresh(web, db_session, owners, renders) -> None:  # noqa: ANN001
    row = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1", title="旧标题")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    before = get_feed(web, token)

    # As publishing does: content, sequence and changed_at move together.
    row.title, row.sequence, row.changed_at = "新标题", 1, NOW - dt.timedelta(hours=1)
    db_session.commit()
    after = get_feed(web, token)

    assert len(renders) == 2
    assert "新标题".encode() in after.data and after.headers["ETag"] != before.headers["ETag"]
    assert get_feed(web, token, **{"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_a_cancelled_row_is_rendered_afresh(web, db_session, owners, renders) -> None:  # noqa: ANN001
    row = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    get_feed(web, token)

    row.status, row.sequence, row.changed_at = EventStatus.CANCELLED, 1, NOW
    db_session.commit()

    assert b"STATUS:CANCELLED" in get_feed(web, token).data
    assert len(renders) == 2


def test_a_new_row_is_rendered_afresh(web, db_session, owners, renders) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    get_feed(web, token)

    # Same changed_at as the first row: the count and id sum still tell them apart.
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r2")

    assert b"UID:r2" in get_feed(web, token).data
    assert len(renders) == 2


def test_renaming_the_owner_renames_the_calendar(web, db_session, owners, renders) -> None:  # noqa: ANN001
    staff = owners["staff"]
    token = issue(db_session, FeedOwner.STAFF, staff.id)
    get_feed(web, token)

    staff.name = "改名测试"
    db_session.commit()

    assert "改名测试".encode() in get_feed(web, token).data
    assert len(renders) == 2


def test_renaming_a_member_renews_the_department_feed(web, db_session, owners, renders) -> None:  # noqa: ANN001
    member = owners["colleague"]
    add_event(db_session, FeedOwner.STAFF, member.id, "duty-1")
    token = issue(db_session, FeedOwner.DEPARTMENT, owners["department"].id)
    get_feed(web, token)

    member.name = "新同事"
    db_session.commit()

    assert "新同事：".encode() in get_feed(web, token).data
    assert len(renders) == 2


def test_a_new_local_day_is_rendered_afresh(web, clock, db_session, owners, renders) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    get_feed(web, token)

    clock.advance(days=1)  # the window moved at local midnight
    get_feed(web, token)

    assert len(renders) == 2


def test_feeds_are_cached_per_token(web, db_session, owners, renders) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "r1")
    first = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    second = issue(db_session, FeedOwner.STAFF, owners["staff"].id)

    for token in (first, second, first, second):
        get_feed(web, token)

    assert len(renders) == 2 and len(set(renders)) == 2


def rendered(size: int) -> RenderedFeed:
    """Return a rendered feed of `size` body bytes."""
    return RenderedFeed(body=b"x" * size, etag="e", last_modified=NOW)


def test_cache_keeps_one_rendering_per_token() -> None:
    cache = FeedCache(budget_bytes=100)
    cache.put(1, ("a",), rendered(10))
    cache.put(1, ("b",), rendered(10))

    assert cache.get(1, ("a",)) is None
    assert cache.get(1, ("b",)) is not None
    assert len(cache) == 1


def test_cache_drops_the_least_recently_used_beyond_its_budget() -> None:
    cache = FeedCache(budget_bytes=25)
    cache.put(1, ("k",), rendered(10))
    cache.put(2, ("k",), rendered(10))
    cache.get(1, ("k",))  # 1 is now the most recently used
    cache.put(3, ("k",), rendered(10))

    assert cache.get(2, ("k",)) is None
    assert cache.get(1, ("k",)) is not None and cache.get(3, ("k",)) is not None


def test_cache_refuses_a_body_larger_than_its_budget() -> None:
    cache = FeedCache(budget_bytes=5)
    cache.put(1, ("k",), rendered(4))
    cache.put(1, ("k2",), rendered(6))

    assert len(cache) == 0 and cache.get(1, ("k",)) is None
