"""Calendar feeds parse in Mozilla's ical.js, the iCalendar parser inside Thunderbird.

The validator is tests/js/validate.mjs (see its header for what it checks). These tests need
Node.js: they skip when `node` or `npm` is not on PATH, and when the npm registry cannot be
reached to install ical.js into tests/js/node_modules (once per session; later sessions reuse
it offline).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import CalendarEvent
from tests.support.icaljs import JS_DIR, NODE, NPM, run_validator

SAMPLE = JS_DIR / "sample.ics"

pytestmark = pytest.mark.skipif(
    NODE is None or NPM is None, reason="node and npm are not on PATH (ical.js needs Node.js)"
)


def errors_text(summary: dict[str, Any], limit: int = 30) -> str:
    """Return the first errors of a summary, one a line, for assertion messages."""
    lines = [json.dumps(e, ensure_ascii=False) for e in summary["errors"][:limit]]
    more = len(summary["errors"]) - limit
    return "\n".join(lines + ([f"... and {more} more"] if more > 0 else []))


def sample_bytes() -> bytes:
    """Return the sample with CRLF line ends, whatever a checkout did to them."""
    return SAMPLE.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_sample_calendar_passes_ical_js(validator: Path, tmp_path: Path) -> None:
    path = tmp_path / "sample.ics"
    path.write_bytes(sample_bytes())
    assert any(len(line) == 75 for line in path.read_bytes().split(b"\r\n")), "sample not folded"

    code, summary, stderr = run_validator(validator, tmp_path)

    assert code == 0, errors_text(summary) or stderr
    assert summary["files"] == 1
    assert summary["events"] == 3
    assert summary["all_day"] == 1
    assert summary["cancelled"] == 1
    assert summary["warnings"] == []


def test_validator_rejects_broken_calendars(validator: Path, tmp_path: Path) -> None:
    good = sample_bytes()
    broken = {
        # A TZID without its VTIMEZONE.
        "no-vtimezone": re.sub(rb"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n", b"", good, flags=re.S),
        # An event without SEQUENCE.
        "no-sequence": good.replace(b"SEQUENCE:0\r\n", b"", 1),
        # A fold in the middle of a UTF-8 character.
        "split-character": good.replace(
            b"LOCATION:", b"LOCATION:" + "汉".encode()[:2] + b"\r\n " + "汉".encode()[2:], 1
        ),
        # The end before the start.
        "ends-first": good.replace(b"20261203T113000", b"20261203T083000", 1),
    }
    for name, data in broken.items():
        assert data != good, name
        (tmp_path / f"{name}.ics").write_bytes(data)

    code, summary, _ = run_validator(validator, tmp_path)

    assert code == 1
    assert summary["files"] == len(broken)
    messages: dict[str, str] = {}
    for e in summary["errors"]:
        stem = Path(e["file"]).stem
        messages[stem] = messages.get(stem, "") + e["message"] + "\n"
    assert "without a VTIMEZONE" in messages["no-vtimezone"]
    assert "no SEQUENCE" in messages["no-sequence"]
    assert "UTF-8" in messages["split-character"]
    assert "not after start" in messages["ends-first"]


def test_demo_feeds_parse_in_ical_js(validator: Path, cli_app: Any, tmp_path: Path) -> None:
    feeds = pytest.importorskip(
        "api.feeds", reason="api.feeds (calendar feeds) is not written yet", exc_type=ImportError
    )
    feed_tokens = pytest.importorskip(
        "api.feed_tokens", reason="api.feed_tokens is not written yet", exc_type=ImportError
    )
    issue_feed = getattr(feed_tokens, "issue_feed", None)
    if issue_feed is None:
        pytest.skip("api.feed_tokens has no issue_feed yet")
    if "feeds" not in cli_app.blueprints:
        pytest.skip(f"{feeds.__name__} exists but the app does not register blueprint 'feeds'")
    from api.db import get_db

    loaded = cli_app.test_cli_runner().invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output

    db = get_db(cli_app)
    with db.writer() as s:
        owners = s.execute(
            select(CalendarEvent.owner_type, CalendarEvent.owner_id)
            .distinct()
            .order_by(CalendarEvent.owner_type, CalendarEvent.owner_id)
        ).all()
        assert owners, "publishing the demo plans wrote no calendar events"
        issued = []
        for owner_type, owner_id in owners:
            _, token = issue_feed(s, owner_type, owner_id, "ical.js", "test")
            issued.append((f"{owner_type.value}-{owner_id}", token))
        s.commit()

    out = tmp_path / "feeds"
    out.mkdir()
    client = cli_app.test_client()
    for name, token in issued:
        response = client.get(f"/feeds/{token}.ics")
        assert response.status_code == 200, (name, response.status_code, response.data[:300])
        assert response.mimetype == "text/calendar", (name, response.content_type)
        (out / f"{name}.ics").write_bytes(response.data)

    code, summary, stderr = run_validator(validator, out)

    assert code == 0, errors_text(summary) or stderr
    assert summary["files"] == len(issued)
    assert summary["events"] > 0
    if summary["warnings"]:
        warnings.warn(
            f"ical.js validation warnings: {summary['warnings'][:10]}", UserWarning, stacklevel=1
        )
