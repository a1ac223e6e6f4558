"""The sharing clocks (DOMAIN.md, "Sharing with partners"). Found by the timescales app when the app
registry is ready; the sharing services and the concern signals start and stop them.

The clocks to share run against the concern (one per kind); the partner's clocks run against the share
(acknowledgement; a local authority's decision on a referral) and are tracked by the hub, since the
partner owes them; strategy discussions, conferences and their actions run against the discussion.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from safeguard.timescales.calendars import (
    END_OF_DAY,
    SchoolCalendar,
    at_london,
    calendar_hours,
    end_of_nth_working_day,
    working_days_from,
)
from safeguard.timescales.rules import Deadline, Rule, register

CONFERENCE_WORKING_DAYS = 15  # WT23: statutory, fixed in code
LA_DECISION_WORKING_DAYS = 1  # WT23: statutory, fixed in code


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _referral(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    if context.get("risk") == "high":
        hours = values["sharing.referral_hours_high"]
        return Deadline(
            calendar_hours(start, hours), f"MASH referral of a high-risk concern: due {hours} h after submission"
        )
    hours = values["sharing.referral_hours"]
    return Deadline(calendar_hours(start, hours), f"MASH referral: due {hours} h after endorsement")


def terms_context(calendar: SchoolCalendar) -> str:
    """A school calendar's terms as clock context ("2026-09-03:2026-12-18,…"): the deadline stays a pure
    function of its inputs, so the synthetic force can replay it without the database."""
    return ",".join(f"{first:%Y-%m-%d}:{last:%Y-%m-%d}" for first, last in calendar.terms)


def school_calendar(context: Mapping[str, str], values: Mapping[str, int]) -> SchoolCalendar:
    from datetime import time

    minutes = values["timescales.school_day_start"]
    terms = []
    for pair in filter(None, context.get("terms", "").split(",")):
        first, last = pair.split(":")
        terms.append((date.fromisoformat(first), date.fromisoformat(last)))
    return SchoolCalendar.of(terms, time(minutes // 60, minutes % 60))


def _encompass(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    incident = datetime.fromisoformat(context["occurred_at"]) if context.get("occurred_at") else start
    due = school_calendar(context, values).next_school_day_start(incident)
    # A concern recorded after that morning has already passed is due at once: late from the start.
    due = max(due, start)
    return Deadline(due, "Operation Encompass notice: due before the start of the next school day after the incident")


def _health(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    hours = values["sharing.health_hours"]
    return Deadline(
        calendar_hours(start, hours), f"Health notification of a concern about a child under 5: due {hours} h"
    )


def _acknowledgement(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["sharing.acknowledge_working_days"]
    return Deadline(
        working_days_from(start, days),
        f"Partner acknowledges the share: due {_plural(days, 'working day')} after it was sent",
    )


def _la_decision(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    return Deadline(
        end_of_nth_working_day(start, LA_DECISION_WORKING_DAYS),
        "Local authority's decision on the referral: due within 1 working day of receipt",
    )


def _strategy(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["sharing.strategy_working_days"]
    return Deadline(
        working_days_from(start, days),
        f"Strategy discussion held: due {_plural(days, 'working day')} after the decision to hold one",
    )


def _conference(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    return Deadline(
        end_of_nth_working_day(start, CONFERENCE_WORKING_DAYS),
        "Initial child protection conference: due within 15 working days of the strategy discussion",
    )


def _strategy_action(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    day = date.fromisoformat(context["due_on"])
    return Deadline(at_london(day, END_OF_DAY), f"Strategy discussion action: due by the end of {day:%-d %B %Y}")


def _no_share_review(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    days = values["sharing.no_share_review_working_days"]
    return Deadline(
        end_of_nth_working_day(start, days),
        f"Supervisor reviews a decision not to share: due by the end of {_plural(days, 'working day')}",
    )


REFERRAL = register(
    Rule(
        code="sharing.referral",
        title="MASH referral to children's social care (or a recorded decision not to share)",
        source="Local (DOMAIN.md default: high 1 h from submission; medium and standard 24 h from endorsement)",
        statutory=False,
        starts="A high-risk concern is submitted, or a medium or standard one is endorsed",
        stops="The referral is sent, or a decision not to share is recorded",
        owner="The safeguarding hub",
        deadline=_referral,
        url_name="sharing:concern",
        parameters=("sharing.referral_hours_high", "sharing.referral_hours"),
        hub_work=True,
    )
)

ENCOMPASS = register(
    Rule(
        code="sharing.encompass",
        title="Operation Encompass notice to each child's school",
        source="Encompass (Victims and Prisoners Act 2024; Home Office statutory guidance): before the start "
        "of the next school day after the incident; school day start is local (default 08:30)",
        statutory=True,
        starts="A domestic abuse concern involving a child is submitted",
        stops="Every child in the concern has a notice sent, or a decision not to share recorded",
        owner="The officer who recorded the concern",
        deadline=_encompass,
        url_name="sharing:concern",
        parameters=("timescales.school_day_start",),
    )
)

HEALTH = register(
    Rule(
        code="sharing.health",
        title="Health notification about a child under 5",
        source="Local (DOMAIN.md default: 24 h)",
        statutory=False,
        starts="A concern involving a child under 5 is endorsed",
        stops="The notification is sent, or a decision not to share is recorded",
        owner="The safeguarding hub",
        deadline=_health,
        url_name="sharing:concern",
        parameters=("sharing.health_hours",),
        hub_work=True,
    )
)

ACKNOWLEDGEMENT = register(
    Rule(
        code="sharing.acknowledgement",
        title="Partner acknowledges a share",
        source="Local (DOMAIN.md default: 1 working day)",
        statutory=False,
        starts="The share is sent",
        stops="The partner acknowledges it, or the share is revoked",
        owner="The partner; tracked by the safeguarding hub",
        deadline=_acknowledgement,
        url_name="sharing:share",
        parameters=("sharing.acknowledge_working_days",),
        hub_work=True,
        escalation="Overdue: the hub's supervisors, and the partner's named escalation contact by email (no "
        "case content). Escalated: the force's leaders.",
    )
)

LA_DECISION = register(
    Rule(
        code="sharing.la_decision",
        title="Local authority's decision on a referral",
        source="WT23: within 1 working day of receipt",
        statutory=True,
        starts="The MASH referral is sent",
        stops="Children's social care records its decision (strategy discussion, section 47, child in need, "
        "early help, no further action, or already known)",
        owner="Children's social care; tracked by the safeguarding hub",
        deadline=_la_decision,
        url_name="sharing:share",
        hub_work=True,
    )
)

STRATEGY = register(
    Rule(
        code="sharing.strategy",
        title="Strategy discussion held",
        source="WT23: held when there is reasonable cause to suspect significant harm; Local (DOMAIN.md "
        "default: within 1 working day of the decision to hold one)",
        statutory=False,
        starts="The decision to hold a strategy discussion is recorded",
        stops="The discussion is recorded as held",
        owner="The safeguarding hub",
        deadline=_strategy,
        url_name="sharing:strategy",
        parameters=("sharing.strategy_working_days",),
        hub_work=True,
    )
)

CONFERENCE = register(
    Rule(
        code="sharing.conference",
        title="Initial child protection conference",
        source="WT23: within 15 working days of the strategy discussion at which a section 47 enquiry was started",
        statutory=True,
        starts="A strategy discussion decides on a section 47 enquiry",
        stops="The conference is recorded as held (by the hub, or by social care on the portal)",
        owner="Children's social care; tracked by the safeguarding hub",
        deadline=_conference,
        url_name="sharing:strategy",
        hub_work=True,
    )
)

STRATEGY_ACTION = register(
    Rule(
        code="sharing.strategy_action",
        title="Action agreed at a strategy discussion",
        source="Local (the due date agreed at the discussion)",
        statutory=False,
        starts="The strategy discussion is recorded with its actions",
        stops="The action is recorded as done",
        owner="The police officer it was given to; another agency's actions are tracked by the hub",
        deadline=_strategy_action,
        url_name="sharing:strategy_action",
    )
)

NO_SHARE_REVIEW = register(
    Rule(
        code="sharing.no_share_review",
        title="Supervisor reviews a decision not to share",
        source="DOMAIN.md: a decision not to share is reviewed by a supervisor; Local (Safeguard default: "
        "1 working day)",
        statutory=False,
        starts="A decision not to share is recorded",
        stops="A supervisor agrees with it, or disagrees and says what to share",
        owner="The supervisor of the unit that decided (the hub's supervisors for the hub)",
        deadline=_no_share_review,
        url_name="sharing:share",
        parameters=("sharing.no_share_review_working_days",),
    )
)
