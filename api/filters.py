"""Query filter types and output time types shared by the read-only resources."""

import datetime as dt
import re
from operator import attrgetter
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from sqlalchemy.orm import InstrumentedAttribute

from api.readonly import MAX_ID, Filter

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Query datetimes outside this range are refused (400) instead of overflowing in the driver.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

UNKNOWN_CODE = "未知编码返回空列表"


def _no_nul(value: str) -> str:
    """Refuse NUL characters, which PostgreSQL text cannot hold (would be a 500, not a miss)."""
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符")
    return value


# "+08:00" typed into a URL arrives as " 08:00" (a plus is a space in query strings).
_SPACED_OFFSET = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$"
)


def _restore_plus(value: Any) -> Any:
    """Put back the plus sign of a positive UTC offset decoded as a space."""
    return _SPACED_OFFSET.sub(r"\1+\2", value) if isinstance(value, str) else value


def _bounded_moment(value: dt.datetime) -> dt.datetime:
    """Read a naive query datetime (or a bare date) as Beijing time and check its range."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    if not EARLIEST <= value < LATEST:
        raise ValueError("时间须在 1970 年至 2200 年之间")
    return value


def _local(value: dt.datetime) -> dt.datetime:
    """Show a stored instant in Beijing time (models return aware UTC, naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ)


def _bounded_day(value: dt.date) -> dt.date:
    """Check a query date's range."""
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("日期须在 1970 年至 2200 年之间")
    return value


def code_field(what: str) -> Any:
    """Return a query field selecting by the code of a district, department, specialty …."""
    return Field(None, description=f"{what}编码（{UNKNOWN_CODE}）")


def search_field(what: str = "名称或编号") -> Any:
    """Return a query field matching a substring, case-insensitively."""
    return Field(None, description=f"{what}中包含的文字（不区分大小写）")


def id_field(what: str) -> Any:
    """Return a query field selecting by the id of a related row."""
    return Field(None, ge=1, le=MAX_ID, description=f"{what}编号")


Code = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
Search = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_no_nul)]
# A point in time in a query: ISO 8601 datetime or date; without an offset it is Beijing time.
Moment = Annotated[dt.datetime, BeforeValidator(_restore_plus), AfterValidator(_bounded_moment)]
Day = Annotated[dt.date, AfterValidator(_bounded_day)]
# A stored instant in output, always with the +08:00 offset whatever the backend.
Instant = Annotated[dt.datetime, AfterValidator(_local)]
# Relationships have no order in the models; lists in output are sorted by id to be stable.
ById = AfterValidator(lambda items: sorted(items, key=attrgetter("id")))


def has_code(relationship: InstrumentedAttribute[Any]) -> Filter:
    """Return a filter on the code of a many-to-one related row (no match → empty list)."""
    return lambda stmt, value: stmt.where(relationship.has(code=value))


def at_or_after(column: InstrumentedAttribute[Any]) -> Filter:
    """Return a filter keeping rows whose column is at or after the query instant."""
    return lambda stmt, value: stmt.where(column >= value)


def before(column: InstrumentedAttribute[Any]) -> Filter:
    """Return a filter keeping rows whose column is strictly before the query instant."""
    return lambda stmt, value: stmt.where(column < value)


def start_of_day(day: dt.date) -> dt.datetime:
    """Return 00:00 Beijing time of a day."""
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ)
