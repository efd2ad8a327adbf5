"""Bộ chỉ số 766 score rule and report periods (pure)."""

from __future__ import annotations

from datetime import date, datetime, UTC
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.scorecard import (DEFS, GROUPS, INDICATORS, NO_DATA, Period, PeriodError, from_parts, indicator,
                                      parse_day, percent, score, with_target)


def test_full_points_when_the_target_is_met_else_proportional():
    assert score(Fraction(85, 100), Fraction(80, 100), Fraction(11)) == 11
    assert score(Fraction(80, 100), Fraction(80, 100), Fraction(11)) == 11
    assert score(Fraction(40, 100), Fraction(80, 100), Fraction(11)) == Fraction(11, 2)
    assert score(Fraction(0), Fraction(9, 10), Fraction(6)) == 0
    assert score(None, Fraction(1), Fraction(4)) is None


@given(st.integers(0, 500), st.integers(1, 500), st.integers(1, 100), st.integers(1, 30))
def test_score_is_between_zero_and_points_and_grows_with_the_ratio(num, den, target_pct, points):
    num = min(num, den)
    target, pts = Fraction(target_pct, 100), Fraction(points)
    s = score(Fraction(num, den), target, pts)
    assert 0 <= s <= pts
    if num < den:
        assert s <= score(Fraction(num + 1, den), target, pts)
    assert (s == pts) == (Fraction(num, den) >= target)


def test_indicators_carry_target_points_and_not_available():
    i = indicator("4.2", 6, 10)
    assert (i.ratio, i.target, i.met, i.score) == (Fraction(3, 5), Fraction(4, 5), False,
                                                   Fraction(3, 5) / Fraction(4, 5) * 4)
    na = from_parts("3.6", None)
    assert na.ratio is None and na.score is None and na.met is None and percent(na.ratio) == "—"
    assert not na.available and na.note == NO_DATA  # never a made-up 0
    assert from_parts("2.1", (0, 0)).ratio is None  # nothing handled: no ratio, not 0 %
    changed = with_target(DEFS, "3.x", target=Fraction(1, 5))
    assert indicator("3.x", 1, 4, defs=changed).score == changed["3.x"].points
    assert percent(Fraction(7, 8)) == "87,5%"


def test_the_table_is_domain_md_points_as_data_with_their_source():
    """Issue 17: the points as the national portal's charts show them (domain.md), not invented."""
    points = {d.code: int(d.points) for d in INDICATORS}
    assert points == {"1.4": 6, "2.1": 20, "3.x": 12, "3.5": 2, "3.5b": 2, "3.6": 6, "4.1": 6, "4.2": 4, "4.2b": 2,
                      "4.3": 2, "4.4": 4, "4.5a": 2, "4.5b": 2, "5.2": 6, "5.3": 6, "5.4": 6}
    assert DEFS["4.2"].target == DEFS["4.3"].target == Fraction(4, 5)
    for d in INDICATORS:
        assert d.source and d.definition and d.group in GROUPS
    for group, weight in GROUPS.items():
        assert sum(d.points for d in INDICATORS if d.group == group) <= weight


def test_periods_day_week_month_and_bounds_in_utc():
    d = date(2026, 11, 24)  # a Tuesday (and a holiday: periods are calendar days, not working days)
    assert Period.day(d) == Period(d, d)
    assert Period.week(d) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period.month(d) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert Period.month(date(2027, 2, 10)).end == date(2027, 2, 28)
    assert Period.month(d).shift("month", 2) == Period(date(2027, 1, 1), date(2027, 1, 31))
    assert Period.week(d).shift("week", -1).start == date(2026, 11, 16)
    lo, hi = Period.day(date(2027, 1, 1)).utc_bounds()
    assert (lo, hi) == (datetime(2026, 12, 31, 17, tzinfo=UTC), datetime(2027, 1, 1, 17, tzinfo=UTC))
    assert len(Period.month(d).days) == 30
    with pytest.raises(PeriodError):
        Period(date(2026, 11, 2), date(2026, 11, 1))


@pytest.mark.parametrize("text", ["24/11/2026", "24-11-2026", "2026-11-24", " 24/11/2026 "])
def test_dates_are_read_vietnamese_style_or_iso(text):
    assert parse_day(text) == date(2026, 11, 24)


def test_a_bad_date_is_a_vietnamese_error():
    with pytest.raises(PeriodError, match="Ngày không hợp lệ"):
        parse_day("31/02/2026")
