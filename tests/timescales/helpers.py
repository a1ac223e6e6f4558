"""Helpers the timescales tests share: London times, concerns submitted at a given moment, their clocks."""

from __future__ import annotations

from datetime import datetime

import time_machine

from safeguard.accounts.models import User
from safeguard.concerns import services
from safeguard.concerns.models import Concern, CumulativeReview
from safeguard.people.models import Person
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import Rule
from tests.conftest import make_concern


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


# Tuesday 2 June 2026, 14:00 BST: "now" in the pages' and the API's tests.
NOW = at("2026-06-02 14:00")


def submitted(by: User, child: Person, when: datetime, grade: str = "medium") -> Concern:
    """A complete concern about ``child`` submitted by ``by`` at ``when`` (medium risk unless told)."""
    with time_machine.travel(when, tick=False):
        concern = make_concern(by, child)
        if grade != "medium":
            services.grade_risk(concern=concern, grade=grade, rationale="Re-graded for this test.", by=by)
        return services.submit_concern(concern=concern, by=by)


def open_clock(rule: Rule, record: Concern | CumulativeReview) -> Clock:
    return Clock.objects.get(
        rule_code=rule.code, record_type=record._meta.label_lower, record_id=record.pk, stopped_at__isnull=True
    )
