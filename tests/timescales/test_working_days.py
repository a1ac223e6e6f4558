"""Properties of the due-time calendars (safeguard/timescales/calendars.py) over start moments from 2020 to
2035, checked against an oracle built straight from the ``holidays`` package and the weekday, independently
of the module's own helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.timescales.calendars import (
    LONDON,
    SchoolCalendar,
    calendar_hours,
    end_of_nth_working_day,
    nth_working_day_after,
    working_days_from,
)

FIRST = datetime(2020, 1, 1)
LAST = datetime(2035, 12, 31, 23, 59, 59)
# Results run past the last start by up to a couple of months; a few spare years keeps the oracle whole.
ENGLAND_AND_WALES = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2038))
SETTINGS = settings(max_examples=200, deadline=None)


def oracle_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in ENGLAND_AND_WALES


def working_days_between(after: date, up_to: date) -> int:
    """Working days in (after, up_to]."""
    return sum(oracle_working_day(after + timedelta(days=i)) for i in range(1, (up_to - after).days + 1))


def wall(moment: datetime) -> datetime:
    """The London wall clock, as a naive datetime."""
    return moment.astimezone(LONDON).replace(tzinfo=None)


def elapsed(start: datetime, end: datetime) -> timedelta:
    # Subtracting two datetimes that share a tzinfo compares wall clocks; UTC compares real time.
    return end.astimezone(UTC) - start.astimezone(UTC)


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() - 6) % 7)


moments = st.datetimes(min_value=FIRST, max_value=LAST).map(lambda naive: naive.replace(tzinfo=UTC).astimezone(LONDON))
days = st.dates(min_value=FIRST.date(), max_value=LAST.date())
counts = st.integers(min_value=1, max_value=30)


@st.composite
def moments_around_clock_changes(draw: st.DrawFn) -> datetime:
    """A London moment within ten days either side of a spring-forward or fall-back (01:00 UTC on the last
    Sunday of March or October)."""
    year = draw(st.integers(min_value=2020, max_value=2035))
    month = draw(st.sampled_from([3, 10]))
    change = datetime.combine(last_sunday(year, month), time(1), tzinfo=UTC)
    offset = draw(st.integers(min_value=-10 * 24 * 3600, max_value=10 * 24 * 3600))
    return (change + timedelta(seconds=offset)).astimezone(LONDON)


@st.composite
def school_calendars(draw: st.DrawFn) -> SchoolCalendar:
    """One to six terms of 1-90 days with holidays of 1-21 days between them, and a school day start
    in the range an admin may set (06:00-10:00)."""
    first = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2034, 6, 30)))
    terms = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        last = first + timedelta(days=draw(st.integers(min_value=0, max_value=89)))
        terms.append((first, last))
        first = last + timedelta(days=draw(st.integers(min_value=2, max_value=22)))
    minutes = draw(st.integers(min_value=6 * 60, max_value=10 * 60))
    return SchoolCalendar.of(terms, time(minutes // 60, minutes % 60))


def oracle_school_day(calendar: SchoolCalendar, day: date) -> bool:
    """A working day inside a term; outside the span of the terms (or with none), any working day."""
    if not oracle_working_day(day):
        return False
    if not calendar.terms:
        return True
    span_first = min(first for first, _ in calendar.terms)
    span_last = max(last for _, last in calendar.terms)
    if not span_first <= day <= span_last:
        return True
    return any(first <= day <= last for first, last in calendar.terms)


def in_holiday_between_terms(calendar: SchoolCalendar, day: date) -> bool:
    terms = sorted(calendar.terms)
    return any(left[1] < day < right[0] for left, right in pairwise(terms))


@st.composite
def calendar_and_moment(draw: st.DrawFn) -> tuple[SchoolCalendar, datetime]:
    """A school calendar and a moment from a month before its first term to a month after its last."""
    calendar = draw(school_calendars())
    span_first = calendar.terms[0][0] - timedelta(days=30)
    span_last = max(last for _, last in calendar.terms) + timedelta(days=30)
    naive = draw(
        st.datetimes(min_value=datetime.combine(span_first, time()), max_value=datetime.combine(span_last, time()))
    )
    return calendar, naive.replace(tzinfo=UTC).astimezone(LONDON)


# Working days ---------------------------------------------------------------------------------------------


@SETTINGS
@given(day=days, n=counts)
def test_nth_working_day_is_a_working_day_with_exactly_n_working_days_after_the_start(day: date, n: int) -> None:
    result = nth_working_day_after(day, n)
    assert result > day
    assert oracle_working_day(result)
    assert working_days_between(day, result) == n


@SETTINGS
@given(day=days, n=counts)
def test_working_day_results_skip_weekends_and_bank_holidays(day: date, n: int) -> None:
    """Every day skipped between the (n-1)-th and the n-th working day is a weekend or a bank holiday."""
    before = day if n == 1 else nth_working_day_after(day, n - 1)
    result = nth_working_day_after(day, n)
    skipped = [before + timedelta(days=i) for i in range(1, (result - before).days)]
    assert all(d.weekday() >= 5 or d in ENGLAND_AND_WALES for d in skipped)


@SETTINGS
@given(day=days, n=counts)
def test_one_more_working_day_is_always_a_later_date(day: date, n: int) -> None:
    assert nth_working_day_after(day, n + 1) > nth_working_day_after(day, n)


@SETTINGS
@given(start=moments, n=counts)
def test_end_of_nth_working_day_is_the_last_second_of_a_working_day_after_the_start_day(
    start: datetime, n: int
) -> None:
    due = end_of_nth_working_day(start, n)
    assert due > start
    assert wall(due).time() == time(23, 59, 59)
    assert oracle_working_day(wall(due).date())
    assert working_days_between(wall(start).date(), wall(due).date()) == n


@SETTINGS
@given(start=moments, n=counts)
def test_end_of_working_day_due_times_grow_with_the_number_of_working_days(start: datetime, n: int) -> None:
    assert wall(end_of_nth_working_day(start, n + 1)).date() > wall(end_of_nth_working_day(start, n)).date()


@SETTINGS
@given(start=moments, n=counts)
def test_working_days_from_a_working_day_keep_the_london_wall_clock_time(start: datetime, n: int) -> None:
    due = working_days_from(start, n)
    assert due > start
    assert oracle_working_day(wall(due).date())
    assert working_days_between(wall(start).date(), wall(due).date()) == n
    if oracle_working_day(wall(start).date()):
        assert wall(due).time() == wall(start).time()
    else:
        assert due == end_of_nth_working_day(start, n)
        assert wall(due).time() == time(23, 59, 59)


@SETTINGS
@given(start=moments, n=counts)
def test_working_days_from_never_goes_back_as_the_number_of_days_grows(start: datetime, n: int) -> None:
    earlier, later = working_days_from(start, n), working_days_from(start, n + 1)
    assert later > earlier
    assert wall(later).date() > wall(earlier).date()


@SETTINGS
@given(start=moments_around_clock_changes(), n=st.integers(min_value=1, max_value=10))
def test_working_days_from_keeps_wall_clock_time_across_clock_changes(start: datetime, n: int) -> None:
    """Real elapsed time is the calendar days between the dates, give or take the hour the clocks moved."""
    due = working_days_from(start, n)
    if not oracle_working_day(wall(start).date()):
        assert due == end_of_nth_working_day(start, n)
        return
    assert wall(due).time() == wall(start).time()
    calendar_days = timedelta(days=(wall(due).date() - wall(start).date()).days)
    offset_change = start.utcoffset() - due.utcoffset()  # type: ignore[operator]
    assert elapsed(start, due) == calendar_days + offset_change
    assert abs(offset_change) in (timedelta(0), timedelta(hours=1))


# Calendar hours -------------------------------------------------------------------------------------------


@SETTINGS
@given(start=moments | moments_around_clock_changes(), hours=st.integers(min_value=1, max_value=240))
def test_calendar_hours_add_real_elapsed_time_even_across_clock_changes(start: datetime, hours: int) -> None:
    due = calendar_hours(start, hours)
    assert elapsed(start, due) == timedelta(hours=hours)
    # On the London wall clock the same span reads an hour more or less when the clocks change between.
    wall_difference = wall(due) - wall(start)
    assert wall_difference == timedelta(hours=hours) + (
        due.astimezone(LONDON).utcoffset() - start.astimezone(LONDON).utcoffset()
    )  # type: ignore[operator]
    assert wall_difference - timedelta(hours=hours) in (timedelta(hours=-1), timedelta(0), timedelta(hours=1))


@SETTINGS
@given(start=moments, hours=st.integers(min_value=1, max_value=240))
def test_calendar_hours_give_the_same_moment_from_utc_or_london_starts(start: datetime, hours: int) -> None:
    assert calendar_hours(start, hours) == calendar_hours(start.astimezone(UTC), hours)


# School days ----------------------------------------------------------------------------------------------


@SETTINGS
@given(case=calendar_and_moment())
def test_next_school_day_start_is_the_first_school_day_start_after_the_moment(
    case: tuple[SchoolCalendar, datetime],
) -> None:
    calendar, moment = case
    due = calendar.next_school_day_start(moment)
    assert due > moment
    assert wall(due).time() == calendar.day_starts
    assert oracle_school_day(calendar, wall(due).date())
    assert calendar.is_school_day(wall(due).date())
    # No earlier school day start was missed.
    day = wall(moment).date()
    while day < wall(due).date():
        if oracle_school_day(calendar, day):
            assert datetime.combine(day, calendar.day_starts, tzinfo=LONDON) <= moment
        day += timedelta(days=1)


@SETTINGS
@given(case=calendar_and_moment())
def test_days_in_the_holidays_between_terms_are_never_school_days(case: tuple[SchoolCalendar, datetime]) -> None:
    calendar, moment = case
    due = calendar.next_school_day_start(moment)
    assert not in_holiday_between_terms(calendar, wall(due).date())


@SETTINGS
@given(calendar=school_calendars(), day=days)
def test_school_days_are_working_days_in_term_or_outside_the_terms_span(calendar: SchoolCalendar, day: date) -> None:
    assert calendar.is_school_day(day) == oracle_school_day(calendar, day)


@SETTINGS
@given(start=moments, minutes=st.integers(min_value=6 * 60, max_value=10 * 60))
def test_without_term_dates_the_next_school_day_is_the_next_working_day(start: datetime, minutes: int) -> None:
    day_starts = time(minutes // 60, minutes % 60)
    today = wall(start).date()
    this_morning = datetime.combine(today, day_starts, tzinfo=LONDON)
    if oracle_working_day(today) and this_morning > start:
        expected = this_morning
    else:
        expected = datetime.combine(nth_working_day_after(today, 1), day_starts, tzinfo=LONDON)
    assert SchoolCalendar(day_starts=day_starts).next_school_day_start(start) == expected
