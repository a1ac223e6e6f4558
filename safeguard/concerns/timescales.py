"""The concern clocks (DOMAIN.md, "Supervision" and "People and concerns"). Found by the timescales
app when the app registry is ready; concerns' services start and stop them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from safeguard.timescales.calendars import calendar_hours, end_of_nth_working_day, working_days_from
from safeguard.timescales.rules import Deadline, Rule, register


def _decision(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    risk = context["risk"]
    hours = values[f"concerns.decision_hours_{risk}"]
    return Deadline(
        calendar_hours(start, hours), f"Supervisor review of a {risk}-risk concern: due {hours} h after submission"
    )


def _resubmission(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["concerns.resubmit_working_days"]
    return Deadline(
        working_days_from(start, days),
        f"Returned concern corrected and resubmitted: due {days} working day{'s' if days != 1 else ''} after return",
    )


def _cumulative_review(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["concerns.cumulative_review_working_days"]
    return Deadline(
        end_of_nth_working_day(start, days),
        f"Hub review of a child's whole history after {context.get('count', 'several')} concerns: "
        f"due by the end of {days} working day{'s' if days != 1 else ''}",
    )


DECISION = register(
    Rule(
        code="concerns.decision",
        title="Supervisor decision on a submitted concern",
        source="Local (DOMAIN.md default: high 4 h, medium 24 h, standard 72 h from submission)",
        statutory=False,
        starts="The officer submits the concern",
        stops="A supervisor (or the hub) endorses or returns it",
        owner="The supervisor of the officer's unit; unassigned when the unit has none or the supervisor recorded it",
        deadline=_decision,
        url_name="concerns:review",
        parameters=(
            "concerns.decision_hours_high",
            "concerns.decision_hours_medium",
            "concerns.decision_hours_standard",
        ),
    )
)

RESUBMISSION = register(
    Rule(
        code="concerns.resubmission",
        title="Returned concern corrected and resubmitted",
        source="Local (Safeguard default)",
        statutory=False,
        starts="A supervisor returns the concern with what needs doing",
        stops="The officer resubmits it",
        owner="The officer who recorded the concern",
        deadline=_resubmission,
        url_name="concerns:check",
        parameters=("concerns.resubmit_working_days",),
    )
)

CUMULATIVE_REVIEW = register(
    Rule(
        code="concerns.cumulative_review",
        title="Hub review of a child's history (cumulative concern)",
        source="Local (DOMAIN.md cumulative-concern rule; review time is a Safeguard default)",
        statutory=False,
        starts="A submitted concern brings a child to the cumulative-concern threshold",
        stops="The hub records the outcome of the review",
        owner="The safeguarding hub",
        deadline=_cumulative_review,
        url_name="concerns:cumulative_review",
        parameters=(
            "concerns.cumulative_count",
            "concerns.cumulative_days",
            "concerns.cumulative_review_working_days",
        ),
        hub_work=True,
    )
)
