"""Starting and stopping clocks, and the admin's school terms. Domain services call ``start_clock`` and
``stop_clock`` inside their own transaction, so the clock commits with the event or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from safeguard import parameters
from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.validation import check_text

from .models import BreachReason, Clock, ClockOutcome, SchoolTerm, Stage, TermCalendar
from .rules import Rule

BREACH_DETAIL_MIN = 10


@dataclass(frozen=True)
class Late:
    """Why work is done after its due time (the breach reason and its explanation), when it is."""

    reason: str = ""
    detail: str = ""


ON_TIME = Late()


def record_type_of(record: models.Model) -> str:
    return record._meta.label_lower


THRESHOLD_VALUES = ("timescales.due_soon_percent", "timescales.escalate_after_percent")


def new_clock(
    *,
    rule: Rule,
    record_type: str,
    record_id: int,
    label: str,
    unit_id: int,
    owner_id: int | None,
    started_at: datetime,
    context: Mapping[str, str],
    values: Mapping[str, int],
    is_restricted: bool = False,
    now: datetime | None = None,
) -> Clock:
    """An unsaved clock. Thresholds: due soon once the local share of the time has passed; escalated
    once it has been overdue for the local share of its own time again. ``now`` sets the stage a clock
    made after the fact (the synthetic force's history) has already reached, without alerts."""
    # In UTC: aware arithmetic in a zone with clock changes would add wall-clock time, not real time.
    started_at = started_at.astimezone(UTC)
    deadline = rule.deadline(started_at, context, values)
    allowed = max(deadline.due_at - started_at, timedelta(0))
    due_soon_at = started_at + allowed * values["timescales.due_soon_percent"] / 100
    escalate_at = deadline.due_at + allowed * values["timescales.escalate_after_percent"] / 100
    clock = Clock(
        rule_code=rule.code,
        record_type=record_type,
        record_id=record_id,
        label=label[:60],
        terms=deadline.terms[:200],
        unit_id=unit_id,
        owner_id=owner_id,
        hub_work=rule.hub_work,
        is_restricted=is_restricted,
        started_at=started_at,
        due_soon_at=due_soon_at,
        due_at=deadline.due_at,
        escalate_at=escalate_at,
    )
    clock.stage = clock.stage_at(now) if now else Stage.ON_TIME
    clock.next_at = {
        Stage.ON_TIME: due_soon_at,
        Stage.DUE_SOON: deadline.due_at,
        Stage.OVERDUE: escalate_at,
        Stage.ESCALATED: None,
    }[Stage(clock.stage)]
    return clock


def start_clock(
    *,
    rule: Rule,
    record: models.Model,
    label: str,
    unit_id: int,
    owner_id: int | None,
    started_at: datetime | None = None,
    context: Mapping[str, str] | None = None,
    is_restricted: bool = False,
) -> Clock:
    """Start ``rule`` against ``record``, with the force's local values as they are now."""
    clock = new_clock(
        rule=rule,
        record_type=record_type_of(record),
        record_id=record.pk,
        label=label,
        unit_id=unit_id,
        owner_id=owner_id,
        started_at=started_at or timezone.now(),
        context=context or {},
        values=parameters.values([*rule.parameters, *THRESHOLD_VALUES]),
        is_restricted=is_restricted,
    )
    clock.save()
    return clock


def open_clock(rule: Rule, record: models.Model) -> Clock | None:
    return Clock.objects.filter(
        rule_code=rule.code, record_type=record_type_of(record), record_id=record.pk, stopped_at__isnull=True
    ).first()


KEEP_OWNER = -1


def move_clocks(
    *,
    record: models.Model | None = None,
    record_type: str = "",
    record_ids: Iterable[int] = (),
    rule: Rule | None = None,
    unit_id: int | None = None,
    owner_id: int | None = KEEP_OWNER,
) -> int:
    """Hand the open clocks of ``record`` (or of ``record_ids`` of ``record_type``) to another unit or
    owner, as when work is reallocated. Due times stay as they were: the work is still owed by then."""
    if record is not None:
        record_type, record_ids = record_type_of(record), [record.pk]
    changes: dict[str, int | None] = {}
    if unit_id is not None:
        changes["unit_id"] = unit_id
    if owner_id != KEEP_OWNER:
        changes["owner_id"] = owner_id
    clocks = Clock.objects.filter(record_type=record_type, record_id__in=list(record_ids), stopped_at__isnull=True)
    if rule is not None:
        clocks = clocks.filter(rule_code=rule.code)
    return clocks.update(**changes) if changes else 0


def needs_breach_reason(rule: Rule, record: models.Model, now: datetime | None = None) -> bool:
    """Would stopping this clock now be late? Pages ask, to show the breach reason questions."""
    clock = open_clock(rule, record)
    return bool(clock and (now or timezone.now()) > clock.due_at)


def stop_clock(
    *,
    rule: Rule,
    record: models.Model,
    by: User | None,
    breach_reason: str = "",
    breach_detail: str = "",
    at: datetime | None = None,
) -> Clock | None:
    """The work is done. Late work cannot be marked done without a coded breach reason and an
    explanation. A record with no open clock (started before clocks existed) stops nothing."""
    at = at or timezone.now()
    clock = (
        Clock.objects.select_for_update()
        .filter(rule_code=rule.code, record_type=record_type_of(record), record_id=record.pk, stopped_at__isnull=True)
        .first()
    )
    if clock is None:
        return None
    late = at > clock.due_at
    if late:
        _check_breach(clock, breach_reason, breach_detail)
    clock.stopped_at, clock.stopped_by, clock.next_at = at, by, None
    clock.outcome = ClockOutcome.BREACHED if late else ClockOutcome.MET
    clock.breach_reason = breach_reason if late else ""
    clock.breach_detail = breach_detail.strip() if late else ""
    clock.save(update_fields=["stopped_at", "stopped_by", "next_at", "outcome", "breach_reason", "breach_detail"])
    return clock


def withdraw_clock(*, rule: Rule, record: models.Model, by: User | None, at: datetime | None = None) -> int:
    """The work is no longer owed (a share withdrawn, say): the clock stops with no outcome, so it counts
    neither as done on time nor as late, and no breach reason is asked for."""
    return Clock.objects.filter(
        rule_code=rule.code, record_type=record_type_of(record), record_id=record.pk, stopped_at__isnull=True
    ).update(stopped_at=at or timezone.now(), stopped_by=by, next_at=None)


def _check_breach(clock: Clock, reason: str, detail: str) -> None:
    due = timezone.localtime(clock.due_at)
    errors = {}
    if reason not in BreachReason.values:
        errors["breach_reason"] = f"This was due by {due:%H:%M on %-d %B %Y}: choose why it is late"
    check_text(detail, field="breach_detail", label="The explanation", limit=2000)
    if len(detail.strip()) < BREACH_DETAIL_MIN:
        errors["breach_detail"] = f"Explain why it is late (at least {BREACH_DETAIL_MIN} characters)"
    if errors:
        raise ValidationError(errors)


# --- School terms ---------------------------------------------------------------------------------


def add_term(*, local_authority: str, name: str, first_day: date, last_day: date, by: User) -> SchoolTerm:
    local_authority, name = local_authority.strip(), name.strip()
    check_text(local_authority, field="local_authority", label="The local authority", limit=100)
    check_text(name, field="name", label="The term's name", limit=60)
    if not local_authority:
        raise ValidationError({"local_authority": "Enter the local authority"})
    if not name:
        raise ValidationError({"name": "Enter the term's name, for example Autumn 2026"})
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day must be the same as or after the first day"})
    if (last_day - first_day).days > 120:
        raise ValidationError({"last_day": "A term is at most 120 days long: enter each term separately"})
    with transaction.atomic():
        calendar, _ = TermCalendar.objects.get_or_create(local_authority=local_authority)
        overlapping = calendar.terms.filter(first_day__lte=last_day, last_day__gte=first_day).first()
        if overlapping:
            raise ValidationError({"first_day": f"These dates overlap {overlapping.name}"})
        term = SchoolTerm.objects.create(calendar=calendar, name=name, first_day=first_day, last_day=last_day)
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type="timescales.schoolterm",
            records=[term],
            reason=f"{local_authority}: {name} {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d} added",
        )
    return term


def remove_term(*, term: SchoolTerm, by: User) -> None:
    with transaction.atomic():
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type="timescales.schoolterm",
            records=[term],
            reason=f"{term.calendar.local_authority}: {term.name} removed",
        )
        term.delete()
