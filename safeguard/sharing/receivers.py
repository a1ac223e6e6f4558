"""The clocks to share, started by the concern's own events (inside its transaction): a MASH referral
from submission (high risk) or endorsement (otherwise); an Operation Encompass notice from submission of
a domestic abuse concern involving a child; a health notification from endorsement when a child is
under 5. A clock is not started for work already done: the hub may share before the supervisor endorses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from safeguard.concerns.models import Concern, ConcernType, RiskGrade
from safeguard.concerns.signals import concern_endorsed, concern_submitted
from safeguard.timescales.calendars import SchoolCalendar
from safeguard.timescales.models import TermCalendar
from safeguard.timescales.rules import Rule
from safeguard.timescales.services import open_clock, start_clock

from .models import Share, ShareKind, ShareStatus
from .services import children_of, school_of
from .timescales import ENCOMPASS, HEALTH, REFERRAL, terms_context

HEALTH_AGE_UNDER = 5


def _done(concern: Concern, kind: str) -> bool:
    return Share.objects.filter(concern=concern, kind=kind).exclude(status=ShareStatus.DRAFT).exists()


def _start(
    rule: Rule, concern: Concern, context: dict[str, str], started_at: datetime | None, owner_id: int | None = None
) -> None:
    if open_clock(rule, concern) is not None:
        return  # resubmitted after a return: the first clock is still running
    start_clock(
        rule=rule,
        record=concern,
        label=concern.reference or str(concern.pk),
        unit_id=concern.unit_id,
        owner_id=owner_id,
        started_at=started_at,
        context=context,
        is_restricted=concern.is_restricted,
    )


def encompass_context(concern: Concern) -> dict[str, str]:
    """When the incident happened, and the term dates that apply: those of the children's school's local
    authority when every child's school is known and they share one; otherwise every working day counts
    as a school day, which can only make the notice due sooner, never later."""
    context = {"occurred_at": concern.occurred_at.isoformat() if concern.occurred_at else ""}
    authorities = set()
    for child in children_of(concern):
        school = school_of(child)
        profile = getattr(school, "sharing_profile", None) if school else None
        authorities.add(profile.local_authority if profile else "")
    if len(authorities) == 1 and (authority := authorities.pop()):
        calendar = TermCalendar.objects.filter(local_authority=authority).first()
        if calendar:
            terms = calendar.terms.values_list("first_day", "last_day")
            context["terms"] = terms_context(SchoolCalendar.of(terms))
    return context


@receiver(concern_submitted)
def start_clocks_on_submission(sender: Any, concern: Concern, **kwargs: Any) -> None:
    if concern.risk_grade == RiskGrade.HIGH and not _done(concern, ShareKind.MASH_REFERRAL):
        _start(REFERRAL, concern, {"risk": concern.risk_grade}, concern.submitted_at)
    domestic_abuse = concern.type_tags.filter(type=ConcernType.DOMESTIC_ABUSE).exists()
    if domestic_abuse and children_of(concern) and not _done(concern, ShareKind.ENCOMPASS):
        _start(ENCOMPASS, concern, encompass_context(concern), concern.submitted_at, owner_id=concern.owner_id)


@receiver(concern_endorsed)
def start_clocks_on_endorsement(sender: Any, concern: Concern, **kwargs: Any) -> None:
    if concern.risk_grade != RiskGrade.HIGH and not _done(concern, ShareKind.MASH_REFERRAL):
        _start(REFERRAL, concern, {"risk": concern.risk_grade}, concern.decided_at)
    day = concern.occurred_at.date() if concern.occurred_at else None
    under_five = any(
        (age := child.age_on(day) if day else child.age_today) is not None and age < HEALTH_AGE_UNDER
        for child in children_of(concern)
    )
    if under_five and not _done(concern, ShareKind.HEALTH):
        _start(HEALTH, concern, {}, concern.decided_at)
