"""Meter windows: the calendar day (default), ISO week or month in the site's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month")


@dataclass(frozen=True)
class Window:
    period: str
    start: date
    ends_at: datetime  # aware; the first instant of the next window

    @property
    def id(self) -> str:
        return f"{self.period}:{self.start.isoformat()}"


def window_for(now: datetime, period: str, time_zone: str) -> Window:
    if period not in PERIODS:
        raise ValueError(f"unknown meter period {period!r}")
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    if period == "day":
        start, following = today, today + timedelta(days=1)
    elif period == "week":
        start = today - timedelta(days=today.weekday())
        following = start + timedelta(days=7)
    else:
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
    return Window(period, start, datetime.combine(following, time.min, tzinfo=zone))
