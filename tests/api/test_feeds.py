"""Calendar feeds: every kind read back with an independent parser, golden files, HTTP caching.

Events are inserted as CalendarEvent rows, except in the end-to-end tests, which publish a
case-helper plan through the API. The feed clock is fixed (api.feeds.utcnow is replaced) so
that windows, grace periods and seals do not depend on the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import feed_tokens, feeds, ical
from api.feed_content import member_uid
from api.feed_tokens import issue_feed, revoke_feed
from models import (
    CalendarEvent,
    Department,
    DutyPost,
    EventStatus,
    Expert,
    FeedOwner,
    FeedToken,
    Project,
    Staff,
    VipTeam,
)
from tests.conftest import client_as
from tests.support.ical_reader import Component, parse, physical_lines

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
# The feed clock: 10:00 in Beijing on the demo city's "today".
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH)
GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
NOT_FOUND = "404 未找到\n".encode()

LONG_TITLE = (
    "专家评审会：滨江新区新能源汽车零部件智能制造产业园二期项目施工许可并联审批，"
    "含环评; 能评\\稳评 “三评合一” 现场踏勘（第2轮）"
)
LONG_DESCRIPTION = (
    "会议编号：PM-2026-1203-07\n审批事项：建设工程规划许可证, 施工图设计文件审查; 消防设计审查\n"
    "请携带：营业执照副本、项目备案证明、建设用地规划许可证 📄📎\n"
    "路线：地铁1号线→市民中心站 C 口，步行 300 m；停车场入口在东侧\\北侧均可"
)


# ---- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def app(app):  # noqa: ANN001, ANN201
    """Return the app with the feed blueprints, registered here until api/registry.py does."""
    if "feeds" not in app.blueprints:
        app.register_blueprint(feeds.bp)
    if "feed_tokens" not in app.blueprints:
        app.register_api(feed_tokens.bp)
    return app


class Clock:
    """A settable replacement for the feed endpoint's clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Fix the feed clock at NOW."""
    c = Clock(NOW)
    monkeypatch.setattr(feeds, "utcnow", c)
    return c


@pytest.fixture
def web(app, clock):  # noqa: ANN001, ANN201
    """Return an anonymous client: feeds need no API token."""
    return client_as(app, None)


@pytest.fixture
def owners(db_session: Session) -> dict[str, Any]:
    """Return one demo owner of every kind, and staff of two departments."""
    staff = db_session.scalars(select(Staff).order_by(Staff.id)).all()
    first = staff[0]
    colleague = next(s for s in staff[1:] if s.department_id == first.department_id)
    outsider = next(s for s in staff if s.department_id != first.department_id)
    return {
        "staff": first,
        "colleague": colleague,
        "outsider": outsider,
        "department": db_session.get(Department, first.department_id),
        "expert": db_session.scalars(select(Expert).order_by(Expert.id)).first(),
        "vip_team": db_session.scalars(select(VipTeam).order_by(VipTeam.id)).first(),
        "project": db_session.scalars(select(Project).order_by(Project.id)).first(),
        "duty_post": db_session.scalars(select(DutyPost).order_by(DutyPost.id)).first(),
    }


def add_event(
    s: Session, owner_type: FeedOwner, owner_id: int, uid: str, **kw: Any
) -> CalendarEvent:
    """Insert one event row (timed, tomorrow 09:30-11:30 by default) and commit it."""
    start = kw.pop("starts_at", NOW.replace(hour=9, minute=30) + dt.timedelta(days=1))
    row = CalendarEvent(
        owner_type=owner_type,
        owner_id=owner_id,
        uid=uid,
        kind=kw.pop("kind", "test"),
        starts_at=start,
        ends_at=kw.pop("ends_at", start + dt.timedelta(hours=2)),
        title=kw.pop("title", f"测试事件 {uid}"),
        changed_at=kw.pop("changed_at", NOW - dt.timedelta(days=3)),
        **kw,
    )
    s.add(row)
    s.commit()
    return row


def issue(s: Session, owner_type: FeedOwner, owner_id: int) -> str:
    """Issue a feed and return its plaintext token."""
    _, token = issue_feed(s, owner_type, owner_id, "测试", "test")
    s.commit()
    return token


def get_feed(web, token: str, **headers: str):  # noqa: ANN001, ANN201
    """GET a feed by token."""
    return web.get(f"/feeds/{token}.ics", headers=headers)


def events_by_uid(cal: Component) -> dict[str, Component]:
    """Return a calendar's VEVENTs by UID, refusing duplicates."""
    found = [(e.text("UID"), e) for e in cal.components("VEVENT")]
    uids = Counter(uid for uid, _ in found)
    assert all(n == 1 for n in uids.values()), uids
    return {uid: e for uid, e in found if uid is not None}


def utc_text(at: dt.datetime) -> str:
    """Format an instant as a UTC DATE-TIME."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def assert_event_matches(
    ev: Component, row: CalendarEvent, *, uid: str | None = None, summary: str | None = None
) -> None:
    """Compare every property of a parsed VEVENT with the row it came from."""
    assert ev.text("UID") == (uid or row.uid)
    assert ev.text("SUMMARY") == (summary or row.title)
    assert ev.text("LOCATION") == (row.location or None)
    assert ev.text("DESCRIPTION") == (row.description or None)
    assert ev.value("URL") == (row.url or None)
    assert ev.value("SEQUENCE") == str(row.sequence)
    assert ev.value("STATUS") == row.status.value.upper()
    assert ev.value("DTSTAMP") == utc_text(row.changed_at)
    assert ev.value("LAST-MODIFIED") == utc_text(row.changed_at)
    start, end = ev.one("DTSTART"), ev.one("DTEND")
    assert start is not None and end is not None
    if row.all_day:
        assert start.params == end.params == {"VALUE": "DATE"}
        assert start.value == row.starts_at.astimezone(SH).strftime("%Y%m%d")
        # Rows here end at local midnight: DTEND is that (exclusive) day.
        assert end.value == row.ends_at.astimezone(SH).strftime("%Y%m%d")
    else:
        assert start.params == end.params == {"TZID": "Asia/Shanghai"}
        assert start.value == row.starts_at.astimezone(SH).strftime("%Y%m%dT%H%M%S")
        assert end.value == row.ends_at.astimezone(SH).strftime("%Y%m%dT%H%M%S")
    assert ev.value("CLASS") == ("CONFIDENTIAL" if row.sealed_until else None)
    assert not ev.all("ATTENDEE") and not ev.all("ORGANIZER")


# ---- every kind of feed, read back independently -------------------------------------------


@pytest.mark.parametrize("kind", ["staff", "expert", "vip_team", "project", "duty_post"])
def test_every_owner_kind_reads_back_field_for_field(web, db_session, owners, kind) -> None:  # noqa: ANN001
    owner = owners[kind]
    owner_type = FeedOwner(kind)
    timed = add_event(
        db_session,
        owner_type,
        owner.id,
        f"{kind}/timed@zerodistance",
        title=LONG_TITLE,
        location="市民中心三楼 308 会议室, 东侧电梯; 近 B 口",
        description=LONG_DESCRIPTION,
        url="https://zerodistance.example/plans/17?tab=events&lang=zh",
        sequence=4,
        status=EventStatus.TENTATIVE,
    )
    all_day = add_event(
        db_session,
        owner_type,
        owner.id,
        f"{kind}/all-day@zerodistance",
        starts_at=dt.datetime(2026, 12, 5, tzinfo=SH),
        ends_at=dt.datetime(2026, 12, 8, tzinfo=SH),
        all_day=True,
        title="帮办代办：全天",
    )
    token = issue(db_session, owner_type, owner.id)

    resp = get_feed(web, token)

    assert resp.status_code == 200
    cal = parse(resp.data)
    assert cal.text("NAME") == cal.text("X-WR-CALNAME") == f"{owner.name}的零距离日程"
    found = events_by_uid(cal)
    assert set(found) == {timed.uid, all_day.uid}
    assert_event_matches(found[timed.uid], timed)
    assert_event_matches(found[all_day.uid], all_day)
    # The local dates of an all-day event, DTEND exclusive; a timed event in Beijing time.
    assert found[all_day.uid].value("DTSTART") == "20261205"
    assert found[all_day.uid].value("DTEND") == "20261208"
    assert found[timed.uid].value("DTSTART") == "20261202T093000"
    assert found[timed.uid].value("TRANSP") == "OPAQUE"
    assert found[all_day.uid].value("TRANSP") == "TRANSPARENT"


def test_calendar_header_and_time_zone(web, db_session, owners) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "h@zerodistance")
    resp = get_feed(web, issue(db_session, FeedOwner.STAFF, owners["staff"].id))

    cal = parse(resp.data)
    assert cal.value("VERSION") == "2.0"
    assert cal.text("PRODID") == "-//zerodistance//零距离审批服务调度//ZH"
    assert cal.value("CALSCALE") == "GREGORIAN"
    assert cal.value("METHOD") == "PUBLISH"
    assert cal.text("X-WR-CALNAME") == f"{owners['staff'].name}的零距离日程"
    assert cal.value("X-WR-TIMEZONE") == "Asia/Shanghai"
    refresh = cal.one("REFRESH-INTERVAL")
    assert refresh is not None and refresh.params == {"VALUE": "DURATION"}
    assert refresh.value == "PT1H"
    assert cal.value("X-PUBLISHED-TTL") == "PT1H"
    (tz,) = cal.components("VTIMEZONE")
    assert tz.value("TZID") == "Asia/Shanghai"
    assert not tz.components("DAYLIGHT")
    (std,) = tz.components("STANDARD")
    assert std.value("TZOFFSETFROM") == std.value("TZOFFSETTO") == "+0800"
    assert b"ATTENDEE" not in resp.data and b"ORGANIZER" not in resp.data
    assert b"\n" not in resp.data.replace(b"\r\n", b"")


def test_department_feed_shows_its_peoples_duties(web, db_session, owners) -> None:  # noqa: ANN001
    dept = owners["department"]
    own = add_event(db_session, FeedOwner.DEPARTMENT, dept.id, "dept/meeting@zerodistance")
    mine = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "case_helper/P1@zerodistance")
    # A project handed from one colleague to the other: both rows carry the same UID.
    moved = add_event(
        db_session,
        FeedOwner.STAFF,
        owners["colleague"].id,
        "case_helper/P1@zerodistance",
        status=EventStatus.CANCELLED,
        sequence=1,
    )
    add_event(db_session, FeedOwner.STAFF, owners["outsider"].id, "other/dept@zerodistance")
    sealed = add_event(
        db_session,
        FeedOwner.STAFF,
        owners["colleague"].id,
        "sealed/staff@zerodistance",
        sealed_until=NOW + dt.timedelta(days=1),
    )

    body = get_feed(web, issue(db_session, FeedOwner.DEPARTMENT, dept.id)).data

    cal = parse(body)
    assert cal.text("NAME") == f"{dept.name}的零距离日程"
    found = events_by_uid(cal)
    mine_uid = f"case_helper/P1/staff-{owners['staff'].id}@zerodistance"
    moved_uid = f"case_helper/P1/staff-{owners['colleague'].id}@zerodistance"
    assert set(found) == {own.uid, mine_uid, moved_uid}
    assert_event_matches(found[own.uid], own)
    assert_event_matches(
        found[mine_uid], mine, uid=mine_uid, summary=f"{owners['staff'].name}：{mine.title}"
    )
    assert_event_matches(
        found[moved_uid], moved, uid=moved_uid, summary=f"{owners['colleague'].name}：{moved.title}"
    )
    assert sealed.title.encode() not in body


def test_untitled_events_and_non_web_links(web, db_session, owners) -> None:  # noqa: ANN001
    sid = owners["staff"].id
    add_event(db_session, FeedOwner.STAFF, sid, "untitled", title="", url="javascript:alert(1)")
    add_event(db_session, FeedOwner.STAFF, sid, "linked", url="http://intranet.example/a")

    found = events_by_uid(parse(get_feed(web, issue(db_session, FeedOwner.STAFF, sid)).data))

    assert found["untitled"].text("SUMMARY") == "（无标题）"
    assert found["untitled"].value("URL") is None
    assert found["linked"].value("URL") == "http://intranet.example/a"


# ---- window, grace period, seals -----------------------------------------------------------


def test_window_is_past_90_days_to_next_12_months(web, db_session, owners) -> None:  # noqa: ANN001
    sid = owners["staff"].id
    day = dt.timedelta(days=1)
    shown = {
        add_event(db_session, FeedOwner.STAFF, sid, "past-80", starts_at=NOW - 80 * day).uid,
        add_event(
            db_session,
            FeedOwner.STAFF,
            sid,
            "straddles-start",
            starts_at=NOW - 100 * day,
            ends_at=NOW - 85 * day,
        ).uid,
        add_event(
            db_session, FeedOwner.STAFF, sid, "next-11-months", starts_at=NOW + 330 * day
        ).uid,
    }
    add_event(db_session, FeedOwner.STAFF, sid, "past-100", starts_at=NOW - 100 * day)
    add_event(db_session, FeedOwner.STAFF, sid, "in-13-months", starts_at=NOW + 400 * day)

    cal = parse(get_feed(web, issue(db_session, FeedOwner.STAFF, sid)).data)

    assert set(events_by_uid(cal)) == shown


def test_cancelled_events_stay_30_days_then_drop_out(web, clock, db_session, owners) -> None:  # noqa: ANN001
    sid = owners["staff"].id
    recent = add_event(
        db_session,
        FeedOwner.STAFF,
        sid,
        "cancelled-recently",
        status=EventStatus.CANCELLED,
        sequence=2,
        changed_at=NOW - dt.timedelta(days=10),
    )
    add_event(
        db_session,
        FeedOwner.STAFF,
        sid,
        "cancelled-long-ago",
        status=EventStatus.CANCELLED,
        sequence=1,
        changed_at=NOW - dt.timedelta(days=40),
        starts_at=NOW + dt.timedelta(days=5),
    )
    token = issue(db_session, FeedOwner.STAFF, sid)

    found = events_by_uid(parse(get_feed(web, token).data))
    assert set(found) == {recent.uid}
    assert_event_matches(found[recent.uid], recent)
    assert found[recent.uid].value("STATUS") == "CANCELLED"
    assert found[recent.uid].value("TRANSP") == "TRANSPARENT"

    clock.advance(days=21)
    assert events_by_uid(parse(get_feed(web, token).data)) == {}


def test_cancelling_bumps_sequence_stamp_and_etag(web, clock, db_session, owners) -> None:  # noqa: ANN001
    row = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "to-cancel@zerodistance")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    before = get_feed(web, token)
    assert events_by_uid(parse(before.data))[row.uid].value("SEQUENCE") == "0"

    row.status, row.sequence, row.changed_at = EventStatus.CANCELLED, 1, NOW - dt.timedelta(hours=1)
    db_session.commit()
    after = get_feed(web, token)

    ev = events_by_uid(parse(after.data))[row.uid]
    assert_event_matches(ev, row)
    assert (ev.value("STATUS"), ev.value("SEQUENCE")) == ("CANCELLED", "1")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert get_feed(web, token, **{"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_sealed_panels_show_only_in_the_experts_own_feed(web, clock, db_session, owners) -> None:  # noqa: ANN001
    meeting = NOW + dt.timedelta(days=2)
    expert = add_event(
        db_session,
        FeedOwner.EXPERT,
        owners["expert"].id,
        "panel/M1/expert@zerodistance",
        starts_at=meeting,
        sealed_until=meeting,
        title="专家评审会：保密",
    )
    # Defence in depth: a sealed row in anyone else's calendar must not leak before the meeting.
    leaked = {}
    for kind in ("staff", "project", "vip_team", "duty_post", "department"):
        leaked[kind] = add_event(
            db_session,
            FeedOwner(kind),
            owners[kind].id,
            f"panel/M1/{kind}@zerodistance",
            starts_at=meeting,
            sealed_until=meeting,
            title=f"保密会议 {kind}",
        )
    tokens = {k: issue(db_session, FeedOwner(k), owners[k].id) for k in leaked}

    found = events_by_uid(
        parse(get_feed(web, issue(db_session, FeedOwner.EXPERT, owners["expert"].id)).data)
    )
    assert_event_matches(found[expert.uid], expert)
    for kind, token in tokens.items():
        body = get_feed(web, token).data
        assert events_by_uid(parse(body)) == {}, kind
        assert "保密".encode() not in body

    clock.now = meeting + dt.timedelta(minutes=1)
    staff_uid = member_uid(leaked["staff"].uid, owners["staff"].id)
    for kind, token in tokens.items():
        resp = get_feed(web, token)
        expected = {leaked[kind].uid} | ({staff_uid} if kind == "department" else set())
        assert set(events_by_uid(parse(resp.data))) == expected, kind
        # The row appeared when the seal lifted; Last-Modified says so.
        assert resp.last_modified == meeting.astimezone(UTC).replace(microsecond=0)


# ---- HTTP: stable bodies, validators, 304, 404 ---------------------------------------------


def test_body_is_byte_identical_between_requests(web, clock, db_session, owners) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "a", title=LONG_TITLE)
    add_event(
        db_session,
        FeedOwner.STAFF,
        owners["staff"].id,
        "b",
        all_day=True,
        starts_at=dt.datetime(2026, 12, 3, tzinfo=SH),
        ends_at=dt.datetime(2026, 12, 4, tzinfo=SH),
    )
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)

    first = get_feed(web, token)
    clock.advance(hours=3, minutes=17)  # later the same day: window and grace have not moved
    second = get_feed(web, token)
    head = web.head(f"/feeds/{token}.ics")

    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"] == head.headers["ETag"]
    assert head.status_code == 200 and head.data == b""


def test_response_headers(web, db_session, owners) -> None:  # noqa: ANN001
    row = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "x")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)

    resp = get_feed(web, token, **{"Accept-Encoding": "gzip, br"})

    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert resp.headers["Cache-Control"] == "private, max-age=300"
    assert "Content-Encoding" not in resp.headers
    etag = resp.headers["ETag"]
    assert not etag.startswith("W/")  # strong
    assert etag == f'"{hashlib.sha256(resp.data).hexdigest()[:32]}"'
    assert resp.last_modified == row.changed_at.replace(microsecond=0)


def test_conditional_requests_answer_304_both_ways(web, db_session, owners) -> None:  # noqa: ANN001
    row = add_event(db_session, FeedOwner.STAFF, owners["staff"].id, "c")
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    full = get_feed(web, token)
    etag, modified = full.headers["ETag"], full.headers["Last-Modified"]
    earlier = "Mon, 02 Nov 2026 00:00:00 GMT"

    cases = [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"other", {etag}'}, 304),
        ({"If-None-Match": f"W/{etag}"}, 304),  # weak comparison for If-None-Match
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"stale"'}, 200),
        ({"If-Modified-Since": modified}, 304),
        ({"If-Modified-Since": earlier}, 200),
        ({"If-Modified-Since": "not a date"}, 200),
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        ({"If-None-Match": '"stale"', "If-Modified-Since": modified}, 200),
        ({"If-None-Match": etag, "If-Modified-Since": earlier}, 304),
    ]
    for headers, status in cases:
        resp = get_feed(web, token, **headers)
        assert resp.status_code == status, headers
        if status == 304:
            assert resp.data == b""
            assert resp.headers["ETag"] == etag
            assert resp.headers["Cache-Control"] == "private, max-age=300"
        else:
            assert resp.data == full.data

    # A change makes both validators move on.
    row.title, row.sequence, row.changed_at = "改期后的事件", 1, NOW - dt.timedelta(minutes=5)
    db_session.commit()
    changed = get_feed(web, token, **{"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.last_modified > full.last_modified
    assert get_feed(web, token, **{"If-Modified-Since": modified}).status_code == 200


def test_empty_feed_dates_from_its_token(web, db_session, owners) -> None:  # noqa: ANN001
    row, token = issue_feed(db_session, FeedOwner.VIP_TEAM, owners["vip_team"].id, "", "test")
    db_session.commit()

    resp = get_feed(web, token)

    assert resp.status_code == 200
    assert parse(resp.data).components("VEVENT") == []
    assert resp.last_modified == row.created_at.replace(microsecond=0)


def test_far_future_event_entering_the_window_moves_last_modified(
    web, clock, db_session, owners
) -> None:  # noqa: ANN001
    sid = owners["staff"].id
    add_event(db_session, FeedOwner.STAFF, sid, "near", changed_at=NOW - dt.timedelta(days=50))
    far = add_event(
        db_session,
        FeedOwner.STAFF,
        sid,
        "far",
        starts_at=NOW + dt.timedelta(days=367),
        changed_at=NOW - dt.timedelta(days=60),
    )
    token = issue(db_session, FeedOwner.STAFF, sid)
    before = get_feed(web, token)
    assert far.uid not in events_by_uid(parse(before.data))

    clock.advance(days=2)
    after = get_feed(web, token, **{"If-Modified-Since": before.headers["Last-Modified"]})

    # An If-Modified-Since-only client must not be told 304: the body gained an event.
    assert after.status_code == 200
    assert far.uid in events_by_uid(parse(after.data))


@pytest.mark.parametrize(
    "path",
    [
        "/feeds",
        "/feeds/",
        "/feeds//x",
        "/feeds/x.ics",
        "/feeds/zc_short.ics",
        "/feeds/zc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",  # well formed, never issued
        "/feeds/zc_" + "A" * 10_000 + ".ics",
        "/feeds/zc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%00.ics",
        "/feeds/zc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA汉.ics",
        "/feeds/../api/v1/health",
    ],
)
def test_bad_paths_get_a_bare_404(web, path: str) -> None:  # noqa: ANN001
    resp = web.get(path)

    assert resp.status_code == 404
    assert resp.mimetype == "text/plain"
    assert resp.data == NOT_FOUND


def test_real_tokens_in_odd_shapes_get_a_bare_404(web, db_session, owners) -> None:  # noqa: ANN001
    token = issue(db_session, FeedOwner.STAFF, owners["staff"].id)
    assert get_feed(web, token).status_code == 200
    odd = [
        f"/feeds/{token}",
        f"/feeds/{token}.ICS",
        f"/feeds/{token}.ics/",
        f"/feeds/{token}.ics/extra",
        f"/feeds/{token}.ics.ics",
        f"/feeds/{token.upper()}.ics",
        f"/feeds/{token[:-1]}.ics",
        f"/api/v1/feeds/{token}.ics",
    ]
    for path in odd:
        resp = web.get(path)
        assert resp.status_code in (401, 404, 405), path
        assert token.encode() not in resp.data
        if path.startswith("/feeds"):
            assert resp.data == NOT_FOUND, path
    post = web.post(f"/feeds/{token}.ics")
    assert post.status_code == 404 and post.data == NOT_FOUND


def test_revoked_token_is_404_at_once(web, db_session, owners) -> None:  # noqa: ANN001
    row, token = issue_feed(db_session, FeedOwner.STAFF, owners["staff"].id, "", "test")
    db_session.commit()
    assert get_feed(web, token).status_code == 200

    revoke_feed(db_session, row, "test")
    db_session.commit()

    resp = get_feed(web, token)
    assert resp.status_code == 404 and resp.data == NOT_FOUND


def test_rotation_makes_the_old_url_404_at_once(app, web, tokens, db_session, owners) -> None:  # noqa: ANN001
    add_event(db_session, FeedOwner.EXPERT, owners["expert"].id, "r@zerodistance")
    row, old = issue_feed(db_session, FeedOwner.EXPERT, owners["expert"].id, "", "test")
    db_session.commit()
    body = get_feed(web, old).data

    resp = client_as(app, tokens["coordinator"]).post(f"/api/v1/feeds/{row.id}/rotate")

    assert resp.status_code == 201
    new = resp.json["token"]
    assert get_feed(web, old).data == NOT_FOUND
    fresh = get_feed(web, new)
    assert fresh.status_code == 200 and fresh.data == body


# ---- golden files --------------------------------------------------------------------------


def golden_event(uid: str, **kw: Any) -> ical.Event:
    """Return a serializer event with fixed defaults."""
    start = kw.pop("starts_at", dt.datetime(2026, 12, 3, 9, 30, tzinfo=SH))
    values: dict[str, Any] = {
        "uid": uid,
        "sequence": 0,
        "status": "CONFIRMED",
        "changed_at": dt.datetime(2026, 11, 28, 2, 0, 7, 123456, tzinfo=UTC),
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "all_day": False,
        "summary": "帮办代办",
    }
    values.update(kw)
    return ical.Event(**values)


GOLDEN_CASES = {
    "empty": ("空日历的零距离日程", []),
    "folding": (
        "滨江新区新能源汽车零部件智能制造产业园二期项目建设指挥部的零距离日程",
        [
            golden_event(
                "panel/PM-2026-1203-07/expert/1042@zerodistance",
                summary=LONG_TITLE * 2,
                location=(
                    "淄博市张店区人民西路 1 号市民中心三楼三〇八会议室"
                    "（企业服务专区，靠近东侧电梯）"
                ),
                description=LONG_DESCRIPTION + "\n" + "🧾" * 40 + "a" + "é" * 40,
            )
        ],
    ),
    "escaping": (
        "转义, 测试; 日历\\名称",
        [
            golden_event(
                "uid,with;specials\\@zerodistance",
                summary="逗号, 分号; 反斜杠\\ 换行\n结束",
                location="A\\,B;C",
                description=(
                    "Windows 换行\r\n旧 Mac 换行\r制表\t保留，控制字符\x07\x1b去掉\n\n空行之后"
                ),
                url="https://zerodistance.example/a b?x=1,2;3",
            )
        ],
    ),
    "cancelled": (
        "取消的零距离日程",
        [
            golden_event("kept@zerodistance", sequence=1),
            golden_event(
                "dropped@zerodistance",
                sequence=3,
                status="CANCELLED",
                starts_at=dt.datetime(2026, 12, 4, 14, 0, tzinfo=SH),
            ),
        ],
    ),
    "all_day_and_timed": (
        "全天与定时的零距离日程",
        [
            golden_event(
                "all-day@zerodistance",
                all_day=True,
                starts_at=dt.datetime(2026, 12, 1, tzinfo=SH),
                ends_at=dt.datetime(2027, 3, 1, tzinfo=SH),
                summary="帮办代办：一季度",
            ),
            golden_event(
                "all-day-not-midnight@zerodistance",
                all_day=True,
                starts_at=dt.datetime(2026, 12, 7, 15, 0, tzinfo=SH),
                ends_at=dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH),
                summary="值班：跨两天",
            ),
            golden_event(
                "timed-utc-input@zerodistance",
                starts_at=dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
                summary="跨年夜值班（北京时间 1 月 1 日）",
                confidential=True,
            ),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_serializer_matches_golden_file(case: str) -> None:
    name, events = GOLDEN_CASES[case]
    body = ical.render(name, events)
    path = GOLDEN / f"{case}.ics"
    if UPDATE_GOLDEN:
        path.write_bytes(body)
    # Compare with CRLF restored, whatever a checkout did to the line ends.
    expected = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    assert body == expected
    assert ical.render(name, list(reversed(events))) == body  # order of input does not matter
    for line in physical_lines(body):  # at most 75 octets, each valid UTF-8 alone
        assert len(line) <= 75
    cal = parse(body)
    assert cal.text("NAME") == ical.clean_text(name)
    for ev, parsed in zip(
        sorted(events, key=lambda e: (e.starts_at, e.ends_at, e.uid)),
        cal.components("VEVENT"),
        strict=True,
    ):
        assert parsed.text("UID") == ev.uid
        assert parsed.text("SUMMARY") == ical.clean_text(ev.summary)
        assert parsed.text("LOCATION") == (ical.clean_text(ev.location) or None)
        assert parsed.text("DESCRIPTION") == (ical.clean_text(ev.description) or None)


def test_golden_folding_uses_the_whole_line() -> None:
    lines = physical_lines((GOLDEN / "folding.ics").read_bytes())
    folded = [line for line in lines if line.startswith(b" ")]
    assert len(folded) > 10
    # Lines are cut as late as a whole character allows: 73 to 75 octets before a fold.
    for before, after in zip(lines, lines[1:], strict=False):
        if after.startswith(b" "):
            assert 72 <= len(before) <= 75, before


def test_escaping_golden_shows_the_rules() -> None:
    text = (GOLDEN / "escaping.ics").read_bytes().decode()
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:逗号\\, 分号\\; 反斜杠\\\\ 换行\\n结束\r\n" in unfolded
    assert "Windows 换行\\n旧 Mac 换行\\n制表\t保留，控制字符去掉\\n\\n空行之后" in unfolded
    assert "URL;VALUE=URI:https://zerodistance.example/a%20b?x=1,2;3\r\n" in unfolded


# ---- end to end: publish a case-helper plan ------------------------------------------------

PLAN = {
    "kind": "case_helper",
    "horizon_start": "2026-12-01",
    "horizon_end": "2027-02-28",
    "settings": {"time_limit_s": 20, "workers": 1, "random_seed": 7},
}


def publish(coord) -> dict:  # noqa: ANN001
    """Solve and publish a case-helper plan; return the published plan."""
    resp = coord.post("/api/v1/plans", json=PLAN)
    assert resp.status_code == 202, resp.json
    plan = coord.get(f"/api/v1/plans/{resp.json['id']}").json
    assert plan["job_status"] == "succeeded", plan["error"]
    resp = coord.post(
        f"/api/v1/plans/{plan['id']}/publish", json={"lock_version": plan["lock_version"]}
    )
    assert resp.status_code == 200, resp.json
    return resp.json


def subscribe(coord, owner_type: FeedOwner, owner_id: int) -> str:  # noqa: ANN001
    """Issue a feed through the API and return its path."""
    resp = coord.post("/api/v1/feeds", json={"owner_type": owner_type.value, "owner_id": owner_id})
    assert resp.status_code == 201, resp.json
    return resp.json["path"]


def owner_rows(s: Session, owner_type: FeedOwner, owner_id: int) -> dict[str, CalendarEvent]:
    """Return an owner's event rows by UID, fresh from the database."""
    s.expire_all()
    rows = s.scalars(
        select(CalendarEvent).where(
            CalendarEvent.owner_type == owner_type, CalendarEvent.owner_id == owner_id
        )
    )
    return {r.uid: r for r in rows}


def test_published_case_helper_plan_reaches_helper_and_project_feeds(
    app,
    web,
    tokens,
    db_session,  # noqa: ANN001
) -> None:
    coord = client_as(app, tokens["coordinator"])
    plan = publish(coord)
    rows = db_session.scalars(
        select(CalendarEvent).where(CalendarEvent.plan_id == plan["id"])
    ).all()
    staff_rows = [r for r in rows if r.owner_type is FeedOwner.STAFF]
    helper_id = Counter(r.owner_id for r in staff_rows).most_common(1)[0][0]
    helped = {r.uid for r in staff_rows if r.owner_id == helper_id}
    # One of the helper's projects: its event has the same UID in both calendars.
    project_id = next(
        r.owner_id for r in rows if r.owner_type is FeedOwner.PROJECT and r.uid in helped
    )
    helper_path = subscribe(coord, FeedOwner.STAFF, helper_id)
    project_path = subscribe(coord, FeedOwner.PROJECT, project_id)

    for owner_type, owner_id, path in (
        (FeedOwner.STAFF, helper_id, helper_path),
        (FeedOwner.PROJECT, project_id, project_path),
    ):
        expected = owner_rows(db_session, owner_type, owner_id)
        resp = web.get(path)
        assert resp.status_code == 200
        found = events_by_uid(parse(resp.data))
        assert set(found) == set(expected) and found
        for uid, ev in found.items():
            assert_event_matches(ev, expected[uid])
            # The term 2026-12-01 to 2027-02-28 as local dates, DTEND exclusive.
            assert (ev.value("DTSTART"), ev.value("DTEND")) == ("20261201", "20270301")

    # Re-plan without the busiest helper: their events are cancelled, the projects' move on.
    db_session.execute(update(Staff).where(Staff.id == helper_id).values(helper_capacity=0))
    db_session.commit()
    publish(coord)

    helper_events = events_by_uid(parse(web.get(helper_path).data))
    assert helper_events and all(
        (e.value("STATUS"), e.value("SEQUENCE")) == ("CANCELLED", "1")
        for e in helper_events.values()
    )
    project_feed = events_by_uid(parse(web.get(project_path).data))
    expected = owner_rows(db_session, FeedOwner.PROJECT, project_id)
    for uid, ev in project_feed.items():
        assert_event_matches(ev, expected[uid])
        assert ev.value("SEQUENCE") == "1" and ev.value("STATUS") == "CONFIRMED"
        assert db_session.get(Staff, helper_id).name not in ev.text("SUMMARY")


# ---- Mozilla ical.js (installed once per session by the validator fixture) ----------------


def test_feeds_of_every_kind_parse_in_ical_js(web, db_session, owners, tmp_path, validator) -> None:  # noqa: ANN001
    node = shutil.which("node")
    assert node is not None  # the validator fixture skips without Node.js
    for kind in ("staff", "expert", "vip_team", "project", "department", "duty_post"):
        owner = owners[kind]
        add_event(
            db_session,
            FeedOwner(kind),
            owner.id,
            f"{kind}@zerodistance",
            title=LONG_TITLE,
            description=LONG_DESCRIPTION,
        )
        add_event(
            db_session,
            FeedOwner(kind),
            owner.id,
            f"{kind}/day@zerodistance",
            all_day=True,
            starts_at=dt.datetime(2026, 12, 2, tzinfo=SH),
            ends_at=dt.datetime(2026, 12, 3, tzinfo=SH),
            status=EventStatus.CANCELLED,
        )
        body = get_feed(web, issue(db_session, FeedOwner(kind), owner.id)).data
        (tmp_path / f"{kind}.ics").write_bytes(body)
    for name, (cal_name, events) in GOLDEN_CASES.items():
        (tmp_path / f"golden-{name}.ics").write_bytes(ical.render(cal_name, events))

    done = subprocess.run(
        [node, str(validator), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_feed_tokens_are_stored_hashed(db_session, owners) -> None:  # noqa: ANN001
    row, token = issue_feed(db_session, FeedOwner.STAFF, owners["staff"].id, "", "test")
    assert token.startswith("zc_") and len(token) == 35
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert db_session.scalar(select(FeedToken).where(FeedToken.token_hash == token)) is None
