"""The investigation clocks (DOMAIN.md, "Supervision"). Found by the timescales app when the app
registry is ready; the investigation services start and stop them.

A review or an action is due at the end of the day the supervisor or officer chose (Europe/London).
The chosen day is checked against the cadence when it is set (services.py); the clock keeps the day
it was given, so the sweep and the queues need no knowledge of cadences.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from safeguard.timescales.calendars import END_OF_DAY, at_london, calendar_hours, end_of_nth_working_day
from safeguard.timescales.rules import Deadline, Rule, register

REVIEW_CADENCE = (
    "investigations.review_days_high",
    "investigations.review_days_medium",
    "investigations.review_days_standard",
)


def end_of(day: date) -> datetime:
    """The last second of ``day`` in London: what "due on 3 December" means."""
    return at_london(day, END_OF_DAY)


def _acceptance(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    hours = values["investigations.accept_hours"]
    return Deadline(
        calendar_hours(start, hours), f"Officer in the case accepts the investigation: due {hours} h after allocation"
    )


def _review(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    day = date.fromisoformat(context["due_on"])
    risk = context.get("risk", "")
    if context.get("first"):
        limit = values["investigations.first_review_working_days"]
        why = f"first review, within {limit} working day{'s' if limit != 1 else ''} of allocation"
    else:
        limit = values.get(f"investigations.review_days_{risk}", 0)
        why = f"{risk}-risk cadence, at most every {limit} days"
    return Deadline(end_of(day), f"Supervisory review of the investigation: due by the end of {day:%-d %B %Y} ({why})")


def _action(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    day = date.fromisoformat(context["due_on"])
    what = "Supervisor's direction" if context.get("direction") else "Line of enquiry"
    return Deadline(end_of(day), f"{what}: due by the end of {day:%-d %B %Y}")


def _sign_off(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["investigations.sign_off_working_days"]
    return Deadline(
        end_of_nth_working_day(start, days),
        f"Supervisor signs off or refuses the closure: due by the end of {days} working day{'s' if days != 1 else ''}",
    )


ACCEPTANCE = register(
    Rule(
        code="investigations.acceptance",
        title="Officer in the case accepts an allocated investigation",
        source="Local (DOMAIN.md default: within 24 h of allocation)",
        statutory=False,
        starts="A supervisor or the hub allocates the investigation to an officer",
        stops="The officer accepts or declines it, or it is reallocated",
        owner="The officer it was allocated to",
        deadline=_acceptance,
        url_name="investigations:detail",
        parameters=("investigations.accept_hours",),
    )
)

REVIEW = register(
    Rule(
        code="investigations.review",
        title="Supervisory review of an investigation",
        source="Local (DOMAIN.md default: first within 3 working days of allocation; then high 7 days, "
        "medium 14, standard 28)",
        statutory=False,
        starts="Allocation (the first review), then each review, which sets the date of the next",
        stops="The supervisor records the review, or signs off the closure",
        owner="The supervisor of the officer in the case's unit",
        deadline=_review,
        url_name="investigations:review",
        parameters=("investigations.first_review_working_days", *REVIEW_CADENCE),
    )
)

ACTION = register(
    Rule(
        code="investigations.action",
        title="Action in an investigation plan (a line of enquiry or a supervisor's direction)",
        source="Local (the due date set in the plan or by the supervisor)",
        statutory=False,
        starts="The action is added to the plan, or directed in a supervisory review",
        stops="The action is completed, or closed with a reason",
        owner="The person the action is given to",
        deadline=_action,
        url_name="investigations:action",
    )
)

SIGN_OFF = register(
    Rule(
        code="investigations.sign_off",
        title="Supervisor's sign-off of a closure",
        source="Local (Safeguard default)",
        statutory=False,
        starts="The officer in the case puts the investigation forward for closure with an outcome",
        stops="The supervisor signs the closure off, or refuses it with directions",
        owner="The supervisor of the officer in the case's unit",
        deadline=_sign_off,
        url_name="investigations:close",
        parameters=("investigations.sign_off_working_days",),
    )
)
