"""Write one RFC 5545 VCALENDAR of events, byte for byte the same for the same input.

Why a serializer of our own rather than the `icalendar` package: a feed must be byte-identical
between requests when nothing changed (its strong ETag is a hash of the body), and the package
adds a random UID and the current DTSTAMP when a calendar is built with `Calendar.new()`, chooses
the order of properties and parameters itself and may change its output between versions. The
subset a feed needs (text escaping, 75-octet folding between UTF-8 characters, UTC and TZID
date-times, DATE values, one fixed VTIMEZONE) fits in this module, where every byte written is
visible and covered by golden files. The tests parse the output with an independent parser and
tests/js/validate.mjs checks it with Mozilla's ical.js.

This module knows nothing of the database: callers pass plain `Event` values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

PRODID = "-//zerodistance//零距离审批服务调度//ZH"
TZID = "Asia/Shanghai"
# Asia/Shanghai has kept +08:00 without daylight saving time since 1991. The VTIMEZONE below says
# exactly that, and local times are computed with the same fixed offset, so the two always agree.
LOCAL = dt.timezone(dt.timedelta(hours=8))
REFRESH = "PT1H"
MAX_OCTETS = 75
STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})

_NEWLINES = re.compile(r"\r\n|\r|\n")
# TEXT may not hold control characters other than HTAB (RFC 5545 3.3.11); newlines are escaped.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# Lone surrogates cannot be encoded as UTF-8 at all.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Parameter values holding these must be quoted (RFC 5545 3.2).
_PARAM_SPECIALS = re.compile(r'[:;,"]')

VTIMEZONE = (
    ("BEGIN", "VTIMEZONE"),
    ("TZID", TZID),
    ("BEGIN", "STANDARD"),
    ("DTSTART", "19700101T000000"),
    ("TZOFFSETFROM", "+0800"),
    ("TZOFFSETTO", "+0800"),
    ("TZNAME", "CST"),
    ("END", "STANDARD"),
    ("END", "VTIMEZONE"),
)


@dataclass(frozen=True)
class Event:
    """One VEVENT as a feed shows it; times are aware datetimes."""

    uid: str
    sequence: int
    status: str
    # DTSTAMP and LAST-MODIFIED: when the event last changed, never the time of the request.
    changed_at: dt.datetime
    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    # Sealed panels: CLASS:CONFIDENTIAL asks shared calendars to hide the details.
    confidential: bool = False


def clean_text(value: str) -> str:
    """Return text with newlines unified and characters that TEXT cannot carry removed."""
    value = _NEWLINES.sub("\n", value)
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", value))


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newline (RFC 5545 3.3.11)."""
    value = clean_text(value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def clean_uri(value: str) -> str:
    """Return a URI value without the control characters and spaces a content line cannot hold."""
    return _SURROGATES.sub("", _CONTROLS.sub("", _NEWLINES.sub("", value))).replace(" ", "%20")


def fold(line: str) -> bytes:
    """Fold a content line into CRLF-ended lines of at most 75 octets, never inside a character."""
    data = line.encode("utf-8")
    parts: list[bytes] = []
    start, limit = 0, MAX_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        parts.append(data[start:cut])
        # Continuation lines begin with a space, which counts towards their 75 octets.
        start, limit = cut, MAX_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _param(value: str) -> str:
    """Return a parameter value, quoted when it holds a separator."""
    return f'"{value}"' if _PARAM_SPECIALS.search(value) else value


def content_line(name: str, value: str, **params: str) -> bytes:
    """Return one folded content line; the value must already be escaped for its type."""
    head = name + "".join(f";{k.replace('_', '-')}={_param(v)}" for k, v in params.items())
    return fold(f"{head}:{value}")


def utc_stamp(at: dt.datetime) -> str:
    """Return a UTC DATE-TIME value (form 2), whole seconds."""
    u = at.astimezone(dt.UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def local_stamp(at: dt.datetime) -> str:
    """Return an Asia/Shanghai DATE-TIME value for use with TZID (form 3), whole seconds."""
    t = at.astimezone(LOCAL)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}"


def date_value(day: dt.date) -> str:
    """Return a DATE value."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def all_day_dates(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.date, dt.date]:
    """Return the first local day and the exclusive end day covering [starts_at, ends_at)."""
    first = starts_at.astimezone(LOCAL).date()
    last = (ends_at - dt.timedelta(microseconds=1)).astimezone(LOCAL).date()
    return first, max(last, first) + dt.timedelta(days=1)


def event_lines(ev: Event) -> list[bytes]:
    """Return the folded content lines of one VEVENT."""
    status = ev.status.upper()
    if status not in STATUSES:
        raise ValueError(f"unknown STATUS {ev.status!r}")
    lines = [
        content_line("BEGIN", "VEVENT"),
        content_line("UID", escape_text(ev.uid)),
        content_line("DTSTAMP", utc_stamp(ev.changed_at)),
        content_line("LAST-MODIFIED", utc_stamp(ev.changed_at)),
        content_line("SEQUENCE", str(max(ev.sequence, 0))),
        content_line("STATUS", status),
    ]
    if ev.all_day:
        first, after = all_day_dates(ev.starts_at, ev.ends_at)
        lines.append(content_line("DTSTART", date_value(first), VALUE="DATE"))
        lines.append(content_line("DTEND", date_value(after), VALUE="DATE"))
    else:
        start = ev.starts_at.replace(microsecond=0)
        # Whole seconds only: keep the end after the start even for sub-second events.
        end = max(ev.ends_at.replace(microsecond=0), start + dt.timedelta(seconds=1))
        lines.append(content_line("DTSTART", local_stamp(start), TZID=TZID))
        lines.append(content_line("DTEND", local_stamp(end), TZID=TZID))
    lines.append(content_line("SUMMARY", escape_text(ev.summary)))
    if ev.location:
        lines.append(content_line("LOCATION", escape_text(ev.location)))
    if ev.description:
        lines.append(content_line("DESCRIPTION", escape_text(ev.description)))
    url = clean_uri(ev.url)
    if url:
        lines.append(content_line("URL", url, VALUE="URI"))
    if ev.confidential:
        lines.append(content_line("CLASS", "CONFIDENTIAL"))
    # A term-long all-day event or a cancelled one must not show its owner as busy.
    transparent = ev.all_day or status == "CANCELLED"
    lines.append(content_line("TRANSP", "TRANSPARENT" if transparent else "OPAQUE"))
    lines.append(content_line("END", "VEVENT"))
    return lines


def render(name: str, events: Iterable[Event]) -> bytes:
    """Return the UTF-8 bytes of a published calendar named `name` holding the events."""
    text_name = escape_text(name)
    lines = [
        content_line("BEGIN", "VCALENDAR"),
        content_line("VERSION", "2.0"),
        content_line("PRODID", escape_text(PRODID)),
        content_line("CALSCALE", "GREGORIAN"),
        content_line("METHOD", "PUBLISH"),
        content_line("NAME", text_name),
        content_line("X-WR-CALNAME", text_name),
        content_line("X-WR-TIMEZONE", TZID),
        content_line("REFRESH-INTERVAL", REFRESH, VALUE="DURATION"),
        content_line("X-PUBLISHED-TTL", REFRESH),
    ]
    lines += [content_line(k, v) for k, v in VTIMEZONE]
    for ev in sorted(events, key=lambda e: (e.starts_at, e.ends_at, e.uid)):
        lines += event_lines(ev)
    lines.append(content_line("END", "VCALENDAR"))
    return b"".join(lines)
