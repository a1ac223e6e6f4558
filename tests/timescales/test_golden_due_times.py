"""Golden due times for every timescale in DOMAIN.md, worked out by hand from a London calendar.

Rules not registered yet are pinned through the calendar function their wording names: "N h" is
``calendar_hours`` (real elapsed time); "within N working day(s) of" is ``end_of_nth_working_day``;
"N working day(s)" after a moment is ``working_days_from``; "before the start of the next school day" is
``SchoolCalendar.next_school_day_start``. Expected times are written with their UTC offset, so a case that
crosses a clock change says which side of it the due time falls (+00:00 GMT, +01:00 BST).

Bank holidays used here (England and Wales): 2026 — Mon 4 May, Mon 25 May, Fri 25 Dec, Sat 26 Dec and
Mon 28 Dec (Boxing Day observed); 2027 — Fri 1 Jan, Good Friday 26 Mar, Easter Monday 29 Mar, Mon 3 May.
Clocks change on Sun 29 Mar 2026, Sun 25 Oct 2026 and Sun 28 Mar 2027.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import holidays
import pytest

from safeguard.concerns.timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION
from safeguard.models import LocalParameter
from safeguard.timescales.calendars import (
    LONDON,
    SchoolCalendar,
    calendar_hours,
    end_of_nth_working_day,
    nth_working_day_after,
    working_days_from,
)

Formula = Callable[[datetime, int], datetime]


def at(text: str) -> datetime:
    """A London wall-clock time: at("2026-12-23 17:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def shown(moment: datetime) -> str:
    """A due time as London shows it, with its offset: 2026-12-24T23:59:59+00:00."""
    return moment.astimezone(LONDON).isoformat()


def case(formula: Formula, start: str, amount: int, due: str, id: str) -> object:
    return pytest.param(formula, start, amount, due, id=id)


hours, within_working_days, working_days = calendar_hours, end_of_nth_working_day, working_days_from

GOLDEN = [
    # Supervision: a submitted concern is endorsed or returned (local: high 4 h, medium 24 h, standard 72 h).
    case(hours, "2026-06-10 09:15", 4, "2026-06-10T13:15:00+01:00", "concern-decision-high-4h"),
    case(hours, "2026-06-10 09:15", 24, "2026-06-11T09:15:00+01:00", "concern-decision-medium-24h"),
    case(hours, "2026-06-10 09:15", 72, "2026-06-13T09:15:00+01:00", "concern-decision-standard-72h-runs-into-weekend"),
    # 23:00 GMT is 23:00 UTC; 4 h later is 03:00 UTC, which is 04:00 BST once the clocks have gone forward.
    case(hours, "2026-03-28 23:00", 4, "2026-03-29T04:00:00+01:00", "concern-decision-high-across-spring-forward"),
    # 23:00 BST is 22:00 UTC; 4 h later is 02:00 UTC, which is 02:00 GMT once the clocks have gone back.
    case(hours, "2026-10-24 23:00", 4, "2026-10-25T02:00:00+00:00", "concern-decision-high-across-fall-back"),
    case(hours, "2026-03-28 12:00", 24, "2026-03-29T13:00:00+01:00", "concern-decision-medium-across-spring-forward"),
    case(hours, "2026-10-23 17:00", 72, "2026-10-26T16:00:00+00:00", "concern-decision-standard-across-fall-back"),
    # Returned concern resubmitted: 2 working days (local), same wall-clock time.
    case(working_days, "2026-06-10 14:00", 2, "2026-06-12T14:00:00+01:00", "resubmission-2-working-days"),
    case(working_days, "2026-12-24 10:00", 2, "2026-12-30T10:00:00+00:00", "resubmission-over-christmas"),
    case(working_days, "2026-06-13 11:00", 2, "2026-06-16T23:59:59+01:00", "resubmission-from-saturday-end-of-tuesday"),
    case(working_days, "2026-03-27 14:00", 2, "2026-03-31T14:00:00+01:00", "resubmission-across-spring-forward"),
    case(working_days, "2026-10-23 14:00", 2, "2026-10-27T14:00:00+00:00", "resubmission-across-fall-back"),
    case(working_days, "2027-03-25 16:00", 2, "2027-03-31T16:00:00+01:00", "resubmission-over-easter-2027"),
    # Cumulative concern: hub review by the end of the 3rd working day (local).
    case(within_working_days, "2026-06-08 10:00", 3, "2026-06-11T23:59:59+01:00", "cumulative-review-monday"),
    case(within_working_days, "2026-12-23 09:00", 3, "2026-12-30T23:59:59+00:00", "cumulative-review-over-christmas"),
    case(within_working_days, "2026-06-13 10:00", 3, "2026-06-17T23:59:59+01:00", "cumulative-review-from-saturday"),
    case(within_working_days, "2027-03-26 12:00", 3, "2027-04-01T23:59:59+01:00", "cumulative-review-from-good-friday"),
    # Investigation accepted by its officer within 24 h of allocation (default): bank holidays count.
    case(hours, "2026-06-08 16:30", 24, "2026-06-09T16:30:00+01:00", "investigation-accepted-24h"),
    case(hours, "2026-12-24 18:00", 24, "2026-12-25T18:00:00+00:00", "investigation-accepted-into-christmas-day"),
    # First supervisory review within 3 working days of allocation (default): May Day is skipped.
    case(within_working_days, "2026-05-01 15:00", 3, "2026-05-07T23:59:59+01:00", "first-review-over-may-day"),
    case(within_working_days, "2026-06-10 11:00", 3, "2026-06-15T23:59:59+01:00", "first-review-over-weekend"),
    # Review cadence by risk (default: high every 7 days, medium 14, standard 28), as elapsed time.
    case(hours, "2026-06-10 10:00", 7 * 24, "2026-06-17T10:00:00+01:00", "review-cadence-high-7-days"),
    case(hours, "2026-06-10 10:00", 14 * 24, "2026-06-24T10:00:00+01:00", "review-cadence-medium-14-days"),
    case(hours, "2026-06-10 10:00", 28 * 24, "2026-07-08T10:00:00+01:00", "review-cadence-standard-28-days"),
    # Police protection (CA89 s.46): at most 72 h; the local authority told within 1 h (default).
    case(hours, "2026-06-10 20:00", 72, "2026-06-13T20:00:00+01:00", "police-protection-72h-maximum"),
    case(hours, "2026-03-28 20:00", 72, "2026-03-31T21:00:00+01:00", "police-protection-72h-across-spring-forward"),
    case(hours, "2026-06-10 20:00", 1, "2026-06-10T21:00:00+01:00", "police-protection-la-told-1h"),
    case(hours, "2026-03-29 00:30", 1, "2026-03-29T02:30:00+01:00", "police-protection-la-told-over-the-missing-hour"),
    # MASH referral: high 1 h from submission; medium and standard 24 h from endorsement (defaults).
    case(hours, "2026-06-09 23:30", 1, "2026-06-10T00:30:00+01:00", "mash-referral-high-1h-past-midnight"),
    case(hours, "2026-12-24 11:00", 24, "2026-12-25T11:00:00+00:00", "mash-referral-medium-24h-christmas-day"),
    case(hours, "2026-10-24 12:00", 24, "2026-10-25T11:00:00+00:00", "mash-referral-standard-24h-across-fall-back"),
    # Health notification 24 h; other partner 24 h (defaults).
    case(hours, "2026-06-12 22:00", 24, "2026-06-13T22:00:00+01:00", "health-notification-24h"),
    case(hours, "2026-06-08 10:00", 24, "2026-06-09T10:00:00+01:00", "other-partner-share-24h"),
    # Return home interview: request sent within 24 h of return (default); interview within 72 h (DfE-Missing).
    # 00:30 BST on 25 Oct is 23:30 UTC on the 24th; 24 h later is 23:30 UTC = 23:30 GMT on the 25th.
    case(hours, "2026-10-25 00:30", 24, "2026-10-25T23:30:00+00:00", "rhi-request-24h-across-fall-back"),
    case(hours, "2026-10-25 00:30", 72, "2026-10-27T23:30:00+00:00", "rhi-interview-72h-across-fall-back"),
    case(hours, "2026-12-24 20:00", 72, "2026-12-27T20:00:00+00:00", "rhi-interview-72h-over-christmas"),
    # Partner acknowledgement: 1 working day (default), same wall-clock time.
    case(working_days, "2026-06-12 15:00", 1, "2026-06-15T15:00:00+01:00", "acknowledgement-friday-to-monday"),
    case(working_days, "2026-12-24 10:00", 1, "2026-12-29T10:00:00+00:00", "acknowledgement-over-christmas"),
    case(working_days, "2026-06-13 09:00", 1, "2026-06-15T23:59:59+01:00", "acknowledgement-from-saturday"),
    # Local authority decision within 1 working day of receipt (WT23).
    case(within_working_days, "2026-12-23 17:00", 1, "2026-12-24T23:59:59+00:00", "la-decision-23-dec-due-24-dec"),
    # 25 Dec, Sat 26 Dec, Sun 27 Dec and Mon 28 Dec (Boxing Day observed) are not working days.
    case(within_working_days, "2026-12-24 12:00", 1, "2026-12-29T23:59:59+00:00", "la-decision-24-dec-due-29-dec"),
    case(within_working_days, "2026-05-22 16:00", 1, "2026-05-26T23:59:59+01:00", "la-decision-over-spring-bank-hol"),
    case(within_working_days, "2026-06-14 13:00", 1, "2026-06-15T23:59:59+01:00", "la-decision-from-sunday"),
    case(within_working_days, "2027-03-25 15:00", 1, "2027-03-30T23:59:59+01:00", "la-decision-over-easter-2027"),
    # Strategy discussion within 1 working day of the decision to hold one (default).
    case(within_working_days, "2026-06-12 18:00", 1, "2026-06-15T23:59:59+01:00", "strategy-discussion-friday"),
    case(within_working_days, "2026-03-27 22:00", 1, "2026-03-30T23:59:59+01:00", "strategy-discussion-spring-forward"),
    # Initial child protection conference within 15 working days of the strategy discussion (WT23).
    # From Wed 16 Dec 2026: 17, 18, 21, 22, 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11 Jan.
    case(within_working_days, "2026-12-16 11:00", 15, "2027-01-11T23:59:59+00:00", "icpc-15-working-days-christmas"),
    # From Mon 15 Mar 2027: 16-19, 22-25, 30, 31 Mar, 1, 2, 5, 6, 7 Apr (Good Friday and Easter Monday out).
    case(within_working_days, "2027-03-15 11:00", 15, "2027-04-07T23:59:59+01:00", "icpc-15-working-days-easter"),
    # Missing, high risk: inspector review 1 h, superintendent informed 4 h; medium every 8 h; low every 24 h.
    case(hours, "2026-06-10 02:10", 1, "2026-06-10T03:10:00+01:00", "missing-high-inspector-review-1h"),
    case(hours, "2026-10-25 00:15", 4, "2026-10-25T03:15:00+00:00", "missing-high-superintendent-4h-fall-back"),
    case(hours, "2026-03-28 21:00", 8, "2026-03-29T06:00:00+01:00", "missing-medium-review-8h-spring-forward"),
    case(hours, "2026-06-10 10:00", 24, "2026-06-11T10:00:00+01:00", "missing-low-review-24h"),
    # Found: safe and well check within 24 h of return (default).
    case(hours, "2026-06-12 23:45", 24, "2026-06-13T23:45:00+01:00", "safe-and-well-24h"),
]


@pytest.mark.parametrize(("formula", "start", "amount", "due"), GOLDEN)
def test_due_time_matches_the_hand_worked_golden_case(formula: Formula, start: str, amount: int, due: str) -> None:
    assert shown(formula(at(start), amount)) == due


# Operation Encompass: before the start of the next school day after the incident (default 08:30).

TERMS_2026_27 = SchoolCalendar.of(
    [
        (date(2026, 9, 3), date(2026, 10, 23)),  # autumn 1, then half-term
        (date(2026, 11, 2), date(2026, 12, 18)),  # autumn 2, then Christmas
        (date(2027, 1, 5), date(2027, 2, 12)),  # spring 1
        (date(2027, 2, 22), date(2027, 3, 25)),  # spring 2, then Easter
        (date(2027, 4, 12), date(2027, 7, 21)),  # summer (May Day, Mon 3 May, falls in it)
    ]
)


@pytest.mark.parametrize(
    ("calendar", "incident", "due"),
    [
        pytest.param(
            TERMS_2026_27, "2026-12-18 21:30", "2027-01-05T08:30:00+00:00", id="last-day-of-term-to-next-term"
        ),
        pytest.param(TERMS_2026_27, "2026-11-03 07:00", "2026-11-03T08:30:00+00:00", id="early-morning-same-day"),
        pytest.param(TERMS_2026_27, "2026-11-03 08:30", "2026-11-04T08:30:00+00:00", id="at-the-bell-next-day"),
        pytest.param(TERMS_2026_27, "2026-11-06 09:00", "2026-11-09T08:30:00+00:00", id="friday-school-day-to-monday"),
        pytest.param(TERMS_2026_27, "2027-04-30 09:00", "2027-05-04T08:30:00+01:00", id="friday-before-may-day"),
        pytest.param(TERMS_2026_27, "2026-11-07 14:00", "2026-11-09T08:30:00+00:00", id="saturday-in-term"),
        pytest.param(TERMS_2026_27, "2026-10-23 16:00", "2026-11-02T08:30:00+00:00", id="half-term-and-fall-back"),
        pytest.param(TERMS_2026_27, "2027-03-25 19:00", "2027-04-12T08:30:00+01:00", id="easter-holidays"),
        # Before the first term entered every working day counts; Mon 31 Aug 2026 is a bank holiday.
        pytest.param(TERMS_2026_27, "2026-08-28 20:00", "2026-09-01T08:30:00+01:00", id="before-terms-working-days"),
        pytest.param(SchoolCalendar(), "2026-12-24 21:00", "2026-12-29T08:30:00+00:00", id="no-terms-over-christmas"),
        pytest.param(
            SchoolCalendar(day_starts=time(8, 45)),
            "2026-06-12 08:40",
            "2026-06-12T08:45:00+01:00",
            id="local-start-0845",
        ),
    ],
)
def test_encompass_notice_is_due_at_the_start_of_the_next_school_day(
    calendar: SchoolCalendar, incident: str, due: str
) -> None:
    assert shown(calendar.next_school_day_start(at(incident))) == due


# The working days the golden cases rest on.


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        pytest.param(date(2026, 12, 23), 1, date(2026, 12, 24), id="23-dec-2026-next-is-24-dec"),
        pytest.param(date(2026, 12, 24), 1, date(2026, 12, 29), id="24-dec-2026-next-is-29-dec"),
        pytest.param(date(2026, 12, 31), 1, date(2027, 1, 4), id="new-year-2027"),
        pytest.param(date(2027, 3, 25), 1, date(2027, 3, 30), id="easter-2027"),
        pytest.param(date(2026, 6, 12), 1, date(2026, 6, 15), id="friday-to-monday"),
        pytest.param(date(2026, 6, 13), 1, date(2026, 6, 15), id="saturday-to-monday"),
        pytest.param(date(2027, 12, 24), 1, date(2027, 12, 29), id="christmas-2027-both-days-substituted"),
    ],
)
def test_nth_working_day_after_skips_weekends_and_bank_holidays(day: date, n: int, expected: date) -> None:
    assert nth_working_day_after(day, n) == expected


@pytest.mark.parametrize(
    ("day", "name"),
    [
        pytest.param(date(2026, 12, 25), "Christmas Day", id="christmas-2026"),
        pytest.param(date(2026, 12, 26), "Boxing Day", id="boxing-day-2026-saturday"),
        pytest.param(date(2026, 12, 28), "Boxing Day (observed)", id="boxing-day-2026-observed-monday"),
        pytest.param(date(2027, 1, 1), "New Year's Day", id="new-year-2027"),
        pytest.param(date(2027, 3, 26), "Good Friday", id="good-friday-2027"),
        pytest.param(date(2027, 3, 29), "Easter Monday", id="easter-monday-2027"),
        pytest.param(date(2026, 5, 4), "May Day", id="may-day-2026"),
        pytest.param(date(2026, 5, 25), "Spring Bank Holiday", id="spring-bank-holiday-2026"),
        pytest.param(date(2027, 5, 3), "May Day", id="may-day-2027"),
    ],
)
def test_golden_bank_holidays_are_the_holidays_packages_own(day: date, name: str) -> None:
    assert holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day) == name


# The concern rules as registered, reading the shipped defaults and a force's own values from the database.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("risk", "submitted", "due", "terms"),
    [
        pytest.param("high", "2026-06-10 09:15", "2026-06-10T13:15:00+01:00", "due 4 h after", id="high-4h"),
        pytest.param("medium", "2026-06-10 09:15", "2026-06-11T09:15:00+01:00", "due 24 h after", id="medium-24h"),
        pytest.param("standard", "2026-06-10 09:15", "2026-06-13T09:15:00+01:00", "due 72 h after", id="standard-72h"),
        pytest.param("high", "2026-03-28 23:00", "2026-03-29T04:00:00+01:00", "due 4 h after", id="high-spring-fwd"),
        pytest.param("high", "2026-10-24 23:00", "2026-10-25T02:00:00+00:00", "due 4 h after", id="high-fall-back"),
    ],
)
def test_registered_concern_decision_rule_is_due_hours_after_submission(
    risk: str, submitted: str, due: str, terms: str
) -> None:
    deadline = DECISION.due(at(submitted), {"risk": risk})
    assert shown(deadline.due_at) == due
    assert terms in deadline.terms


@pytest.mark.django_db
def test_registered_concern_decision_rule_uses_the_forces_own_hours() -> None:
    LocalParameter.objects.create(key="concerns.decision_hours_high", value=2)
    deadline = DECISION.due(at("2026-03-29 00:30"), {"risk": "high"})
    assert shown(deadline.due_at) == "2026-03-29T03:30:00+01:00"
    assert "due 2 h after" in deadline.terms


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("returned", "due"),
    [
        pytest.param("2026-06-10 14:00", "2026-06-12T14:00:00+01:00", id="wednesday-to-friday"),
        pytest.param("2026-12-24 10:00", "2026-12-30T10:00:00+00:00", id="over-christmas"),
        pytest.param("2026-06-13 11:00", "2026-06-16T23:59:59+01:00", id="from-saturday-end-of-tuesday"),
        pytest.param("2026-03-27 14:00", "2026-03-31T14:00:00+01:00", id="across-spring-forward"),
    ],
)
def test_registered_resubmission_rule_is_due_two_working_days_after_return(returned: str, due: str) -> None:
    deadline = RESUBMISSION.due(at(returned), {})
    assert shown(deadline.due_at) == due
    assert "due 2 working days after return" in deadline.terms


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raised", "due"),
    [
        pytest.param("2026-06-08 10:00", "2026-06-11T23:59:59+01:00", id="monday-to-thursday"),
        pytest.param("2026-12-23 09:00", "2026-12-30T23:59:59+00:00", id="over-christmas"),
        pytest.param("2027-03-26 12:00", "2027-04-01T23:59:59+01:00", id="from-good-friday"),
    ],
)
def test_registered_cumulative_review_is_due_by_the_end_of_the_third_working_day(raised: str, due: str) -> None:
    deadline = CUMULATIVE_REVIEW.due(at(raised), {"count": "3"})
    assert shown(deadline.due_at) == due
    assert "after 3 concerns" in deadline.terms
    assert "by the end of 3 working days" in deadline.terms
