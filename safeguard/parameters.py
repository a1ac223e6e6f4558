"""Local rules' parameters (DOMAIN.md marks them *(default)* or *local*): the shipped default, where it
comes from, and the force's own value if one has been set. Domain code reads them only through
``value``; the shipped defaults live here, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

if TYPE_CHECKING:
    from safeguard.accounts.models import User


@dataclass(frozen=True)
class Parameter:
    """A local value. ``unit`` says how to read it: a count, hours, days, working days, a percentage,
    or a time of day stored as minutes after midnight."""

    key: str
    default: int
    description: str
    source: str
    minimum: int = 0
    maximum: int = 10_000
    unit: str = "count"

    def show(self, number: int) -> str:
        if self.unit == "time of day":
            return f"{number // 60:02d}:{number % 60:02d}"
        if self.unit == "count":
            return str(number)
        if self.unit == "percent":
            return f"{number}%"
        return f"{number} {self.unit if number != 1 else self.unit.rstrip('s')}"

    def editable(self, number: int) -> str:
        """The value as an admin types it: '08:30' for a time of day, the bare number otherwise."""
        return self.show(number) if self.unit == "time of day" else str(number)

    def parse(self, text: str) -> int:
        """A value typed by an admin: a whole number, or HH:MM for a time of day."""
        text = text.strip()
        try:
            if self.unit == "time of day":
                hours, minutes = text.split(":")
                number = int(hours) * 60 + int(minutes)
                if not (0 <= int(minutes) < 60 and 0 <= int(hours) < 24):
                    raise ValueError
            else:
                number = int(text)
        except ValueError as exc:
            form = "a time such as 08:30" if self.unit == "time of day" else "a whole number"
            raise ValidationError({"value": f"Enter {form}"}) from exc
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(
                {"value": f"Enter a value from {self.show(self.minimum)} to {self.show(self.maximum)}"}
            )
        return number


def _decision(grade: str, hours: int) -> Parameter:
    return Parameter(
        f"concerns.decision_hours_{grade}",
        hours,
        f"Hours from submission within which a supervisor endorses or returns a {grade}-risk concern",
        "Local (DOMAIN.md default: high 4 h, medium 24 h, standard 72 h from submission)",
        minimum=1,
        maximum=240,
        unit="hours",
    )


def _cadence(grade: str, days: int) -> Parameter:
    return Parameter(
        f"investigations.review_days_{grade}",
        days,
        f"Longest gap in days between supervisory reviews of a {grade}-risk investigation",
        "Local (DOMAIN.md default: high every 7 days, medium 14, standard 28)",
        minimum=1,
        maximum=90,
        unit="days",
    )


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        Parameter(
            "concerns.cumulative_count",
            3,
            "Concerns about the same child that raise a hub review of their whole history",
            "Local (DOMAIN.md default, as in forces that review '3 green notices in 3 months')",
            minimum=2,
            maximum=20,
        ),
        Parameter(
            "concerns.cumulative_days",
            90,
            "Days over which those concerns are counted",
            "Local (DOMAIN.md default)",
            minimum=7,
            maximum=730,
            unit="days",
        ),
        _decision("high", 4),
        _decision("medium", 24),
        _decision("standard", 72),
        Parameter(
            "concerns.resubmit_working_days",
            2,
            "Working days an officer has to correct and resubmit a returned concern",
            "Local (Safeguard default)",
            minimum=1,
            maximum=20,
            unit="working days",
        ),
        Parameter(
            "concerns.cumulative_review_working_days",
            3,
            "Working days the hub has to review a child's history once the cumulative-concern rule fires",
            "Local (Safeguard default)",
            minimum=1,
            maximum=30,
            unit="working days",
        ),
        Parameter(
            "investigations.accept_hours",
            24,
            "Hours from allocation within which the officer in the case accepts an investigation",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=168,
            unit="hours",
        ),
        Parameter(
            "investigations.first_review_working_days",
            3,
            "Working days from allocation by which the first supervisory review is due",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=20,
            unit="working days",
        ),
        _cadence("high", 7),
        _cadence("medium", 14),
        _cadence("standard", 28),
        Parameter(
            "investigations.drift_days",
            14,
            "Days without any recorded activity after which an open investigation is drifting",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=180,
            unit="days",
        ),
        Parameter(
            "investigations.sign_off_working_days",
            2,
            "Working days a supervisor has to sign off (or refuse) a closure put forward by the officer",
            "Local (Safeguard default)",
            minimum=1,
            maximum=20,
            unit="working days",
        ),
        Parameter(
            "sharing.referral_hours_high",
            1,
            "Hours from submission within which a high-risk concern is referred to children's social care "
            "(or a decision not to share is recorded)",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=24,
            unit="hours",
        ),
        Parameter(
            "sharing.referral_hours",
            24,
            "Hours from endorsement within which a medium or standard concern is referred to children's "
            "social care (or a decision not to share is recorded)",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=168,
            unit="hours",
        ),
        Parameter(
            "sharing.health_hours",
            24,
            "Hours from endorsement within which health is told of a concern about a child under 5",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=168,
            unit="hours",
        ),
        Parameter(
            "sharing.acknowledge_working_days",
            1,
            "Working days a partner has to acknowledge a share before the hub supervisor and the partner's "
            "escalation contact are told",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=10,
            unit="working days",
        ),
        Parameter(
            "sharing.strategy_working_days",
            1,
            "Working days from the decision to hold a strategy discussion to holding it",
            "Local (DOMAIN.md default)",
            minimum=1,
            maximum=10,
            unit="working days",
        ),
        Parameter(
            "sharing.no_share_review_working_days",
            1,
            "Working days a supervisor has to review a decision not to share",
            "Local (Safeguard default)",
            minimum=1,
            maximum=10,
            unit="working days",
        ),
        Parameter(
            "timescales.due_soon_percent",
            75,
            "Share of a clock's time that has passed when it is marked due soon and its owner is alerted",
            "Local (Safeguard default)",
            minimum=10,
            maximum=95,
            unit="percent",
        ),
        Parameter(
            "timescales.escalate_after_percent",
            100,
            "How long after a breach, as a share of the clock's own time, it escalates to leaders",
            "Local (Safeguard default: a 4 h clock escalates 4 h after it is breached)",
            minimum=10,
            maximum=1000,
            unit="percent",
        ),
        Parameter(
            "timescales.school_day_start",
            8 * 60 + 30,
            "When the school day starts: Operation Encompass notices are due before it",
            "Local (DOMAIN.md default 08:30)",
            minimum=6 * 60,
            maximum=10 * 60,
            unit="time of day",
        ),
        Parameter(
            "voice.seen_alone_age",
            4,
            "Age from which a child not seen alone without a reason fails the voice quality check",
            "Local (DOMAIN.md default)",
            maximum=17,
            unit="years",
        ),
        Parameter(
            "voice.informed_decision_min_chars",
            20,
            "Shortest 'how it informed the decision' that passes the voice quality check",
            "Local (DOMAIN.md default)",
            maximum=500,
            unit="characters",
        ),
    ]
}


def values(keys: Iterable[str]) -> dict[str, int]:
    """Several values in one query: the force's own where set, the shipped default otherwise."""
    from .models import LocalParameter

    keys = list(keys)
    stored = dict(LocalParameter.objects.filter(key__in=keys).values_list("key", "value"))
    return {key: stored.get(key, PARAMETERS[key].default) for key in keys}


def defaults(keys: Iterable[str]) -> dict[str, int]:
    """The shipped defaults, for generating synthetic history without reading the database."""
    return {key: PARAMETERS[key].default for key in keys}


def value(key: str) -> int:
    from .models import LocalParameter

    parameter = PARAMETERS[key]
    stored = LocalParameter.objects.filter(key=key).values_list("value", flat=True).first()
    return parameter.default if stored is None else stored


def set_value(*, key: str, text: str, reason: str, by: User) -> int:
    """An admin changes a local value. It applies to what starts afterwards (a running clock keeps the
    due time it was given); the change is kept with its reason and audited."""
    from safeguard.audit import services as audit
    from safeguard.audit.models import Operation
    from safeguard.validation import check_text

    from .models import LocalParameter, ParameterChange

    parameter = PARAMETERS.get(key)
    if parameter is None:
        raise ValidationError({"value": "There is no such parameter"})
    number = parameter.parse(text)
    check_text(reason, field="reason", label="The reason")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Say why the value is changing (at least 10 characters)"})
    with transaction.atomic():
        old = value(key)
        LocalParameter.objects.update_or_create(key=key, defaults={"value": number, "changed_by": by})
        ParameterChange.objects.create(key=key, old_value=old, new_value=number, reason=reason.strip(), changed_by=by)
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type="safeguard.localparameter",
            records=[key],
            reason=f"{parameter.show(old)} to {parameter.show(number)}: {reason.strip()}"[:500],
        )
    return number
