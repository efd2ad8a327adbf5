"""The one source of "now". Tests and the demo inject a fixed clock; nothing else calls datetime.now()."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


def parse_utc(value: str | None) -> datetime | None:
    """A stored time (UTC text "YYYY-MM-DD HH:MM:SS.ffffff") back to an aware datetime."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)
