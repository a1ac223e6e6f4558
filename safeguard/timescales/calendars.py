"""Calendars for due times: calendar hours, working days and school days, in Europe/London.

Every function takes and returns aware datetimes. Elapsed-time rules ("4 h after submission") add real
hours, so a clock change does not stretch or shrink them. Day-based rules work on London dates and
wall-clock times, so "end of the 3rd working day" is 23:59:59 London time whatever the UTC offset,
and "2 working days from 14:00" lands at 14:00 London time on both sides of a clock change.

Working days are Monday to Friday except England and Wales bank holidays (the ``holidays`` package,
subdivision ENG: England and Wales share their bank holidays, including substitute days). School days
are working days inside the local authority's term dates; outside the span of the dates an admin has
entered (or when none are entered) every working day counts as a school day, which can only make a
"before the next school day" clock earlier, never later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, substitute days included."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("due times are computed from aware datetimes only")
    return moment.astimezone(LONDON)


def at_london(day: date, wall: time) -> datetime:
    """``wall`` o'clock on ``day`` in London. In the spring gap (01:00-02:00 on the last Sunday in
    March) the time does not exist; zoneinfo reads it with the pre-change offset, i.e. an hour later."""
    return datetime.combine(day, wall, tzinfo=LONDON)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def nth_working_day_after(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts). ``n`` >= 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    for _ in range(n):
        day = next_working_day(day)
    return day


def calendar_hours(start: datetime, hours: float) -> datetime:
    """``hours`` of elapsed time after ``start`` (DST-proof: arithmetic in UTC). Adding a timedelta to
    a datetime in a zone such as London moves its wall clock, not time: 23:00 + 4 h on the night the
    clocks go forward would be only 3 real hours, so the sum is done, and returned, in UTC. (Returned in
    London, a result in the hour repeated when the clocks go back carries fold=1, and Python never finds
    such a time equal to any time in another zone: PEP 495.)"""
    return local(start).astimezone(UTC) + timedelta(hours=hours)


def end_of_nth_working_day(start: datetime, n: int) -> datetime:
    """The end (23:59:59 London) of the ``n``-th working day after the day ``start`` falls on:
    "within 1 working day of receipt" on a Friday is the end of Monday (or Tuesday after a bank holiday)."""
    return at_london(nth_working_day_after(local(start).date(), n), END_OF_DAY)


def working_days_from(start: datetime, n: int) -> datetime:
    """``n`` working days from a moment: the same London wall-clock time on the ``n``-th working day
    after it. A start on a weekend or bank holiday has no working time to keep, so it is due at the end
    of the ``n``-th working day after it: a Saturday report with 1 working day is due by the end of Monday."""
    moment = local(start)
    if not is_working_day(moment.date()):
        return end_of_nth_working_day(start, n)
    return at_london(nth_working_day_after(moment.date(), n), moment.timetz().replace(tzinfo=None))


@dataclass(frozen=True)
class SchoolCalendar:
    """A local authority's school terms: inclusive (first day, last day) pairs, and the time the
    school day starts. Days outside the span of the terms fall back to working days."""

    terms: tuple[tuple[date, date], ...] = ()
    day_starts: time = time(8, 30)

    @classmethod
    def of(cls, terms: Iterable[tuple[date, date]], day_starts: time = time(8, 30)) -> SchoolCalendar:
        return cls(tuple(sorted(terms)), day_starts)

    def is_school_day(self, day: date) -> bool:
        if not is_working_day(day):
            return False
        if not self.terms or day < self.terms[0][0] or day > max(end for _, end in self.terms):
            return True
        return any(first <= day <= last for first, last in self.terms)

    def next_school_day_start(self, moment: datetime) -> datetime:
        """The start of the first school day that starts after ``moment`` (Operation Encompass:
        the school is told before the child arrives). An incident at 07:00 on a school day is due
        at that morning's start; one at 21:00 on the last day of term, at the start of next term."""
        when = local(moment)
        day = when.date()
        if self.is_school_day(day) and at_london(day, self.day_starts) > when:
            return at_london(day, self.day_starts)
        day += timedelta(days=1)
        while not self.is_school_day(day):
            day += timedelta(days=1)
        return at_london(day, self.day_starts)
