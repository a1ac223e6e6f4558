"""Recording a child's voice. The only code that writes VoiceRecord rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.people.models import Person
from safeguard.validation import check_text

from .models import REASONS_NEEDING_DETAIL, Demeanour, DemeanourObservation, ReasonNotSpoken, SeenAlone, VoiceRecord

if TYPE_CHECKING:
    from safeguard.concerns.models import Concern
    from safeguard.investigations.models import Investigation

VOICE = "voice.voicerecord"
LABELS = {
    "seen_alone_reason": "Why not seen alone",
    "reason_detail": "Why not spoken to",
    "childs_words": "The child's own words",
    "demeanour_narrative": "Behaviour and demeanour",
    "wishes_and_feelings": "Wishes and feelings",
    "others_present": "Who else was present",
    "informed_decision": "How it informed the decision",
}


@dataclass
class VoiceAnswers:
    seen: bool
    spoken_to: bool
    seen_alone: str = ""
    seen_alone_reason: str = ""
    reason_not_spoken: str = ""
    reason_detail: str = ""
    childs_words: str = ""
    demeanour: list[str] = field(default_factory=list)
    demeanour_narrative: str = ""
    wishes_and_feelings: str = ""
    others_present: str = ""
    informed_decision: str = ""
    observed_at: datetime | None = None


def validate(answers: VoiceAnswers) -> None:
    """The record's own rules (DOMAIN.md). Errors are keyed by field so forms and the API can place them."""
    errors: dict[str, str] = {}
    if answers.seen:
        if answers.seen_alone not in SeenAlone.values:
            errors["seen_alone"] = "Say whether the child was seen alone"
        elif answers.seen_alone == SeenAlone.NOT_APPROPRIATE and not answers.seen_alone_reason.strip():
            errors["seen_alone_reason"] = "Say why it was not appropriate to see the child alone"
    if not answers.spoken_to:
        if answers.reason_not_spoken not in ReasonNotSpoken.values:
            errors["reason_not_spoken"] = "Choose the reason the child was not spoken to"
        elif answers.reason_not_spoken in REASONS_NEEDING_DETAIL and not answers.reason_detail.strip():
            label = ReasonNotSpoken(answers.reason_not_spoken).label
            errors["reason_detail"] = f"Explain '{label}' (for a sleeping child, why they were not woken)"
        if answers.childs_words.strip():
            errors["childs_words"] = "The child's own words can only be recorded if they were spoken to"
    elif answers.reason_not_spoken:
        errors["reason_not_spoken"] = "Leave the reason empty: the child was spoken to"
    unknown = set(answers.demeanour) - set(Demeanour.values)
    if unknown:
        errors["demeanour"] = "Choose behaviour and demeanour from the list"
    if (answers.seen or answers.spoken_to) and not answers.informed_decision.strip():
        errors["informed_decision"] = "Say how what you saw and heard informed your decision"
    for name in (
        "seen_alone_reason",
        "reason_detail",
        "childs_words",
        "demeanour_narrative",
        "wishes_and_feelings",
        "others_present",
        "informed_decision",
    ):
        try:
            check_text(getattr(answers, name), field=name, label=LABELS[name])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if answers.observed_at and answers.observed_at > timezone.now():
        errors["observed_at"] = "The time the child was seen cannot be in the future"
    if errors:
        raise ValidationError(errors)


def _columns(answers: VoiceAnswers) -> dict[str, Any]:
    """The record's columns from the answers, keeping only what the answers make relevant."""
    return dict(
        seen=answers.seen,
        seen_alone=answers.seen_alone if answers.seen else "",
        seen_alone_reason=answers.seen_alone_reason.strip() if answers.seen else "",
        spoken_to=answers.spoken_to,
        reason_not_spoken="" if answers.spoken_to else answers.reason_not_spoken,
        reason_detail="" if answers.spoken_to else answers.reason_detail.strip(),
        childs_words=answers.childs_words if answers.spoken_to else "",  # verbatim: not even stripped
        demeanour_narrative=answers.demeanour_narrative.strip(),
        wishes_and_feelings=answers.wishes_and_feelings.strip(),
        others_present=answers.others_present.strip(),
        informed_decision=answers.informed_decision.strip(),
    )


def _next_version(current: VoiceRecord | None, *, reason: str, **fields: Any) -> VoiceRecord:
    """A new version of a child's voice in its context (``concern=`` or ``investigation=``, which also
    gives it its unit, owner and restriction). The current version, if any, is kept but no longer
    current, and the new one names it with the reason it was replaced."""
    context = fields.get("concern") or fields.get("investigation")
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    return VoiceRecord.objects.create(
        unit_id=context.unit_id,  # type: ignore[union-attr]
        owner_id=context.owner_id,  # type: ignore[union-attr]
        is_restricted=context.is_restricted,  # type: ignore[union-attr]
        version=(current.version + 1) if current else 1,
        supersedes=current,
        correction_reason=reason.strip() if current else "",
        **fields,
    )


def record_voice(
    *, concern: Concern, person: Person, answers: VoiceAnswers, by: User, correction_reason: str = ""
) -> VoiceRecord:
    """Write a child's voice for a concern. While the concern is a draft the record is replaced; once it
    has been submitted, a change is a correction: a new version with a reason, the old one kept."""
    validate(answers)
    check_text(correction_reason, field="correction_reason", label="The reason for the correction")
    if not policy.can(by, policy.Action.CHANGE, concern):
        raise ValidationError("You cannot record a voice on this concern")
    if not concern.involvements.filter(person=person, is_child=True).exists():
        raise ValidationError(
            {"person": f"Add {person.full_name} to the concern as a child before recording their voice"}
        )
    current = VoiceRecord.objects.filter(concern=concern, person=person, is_current=True).first()
    correcting = current is not None and not concern.is_editable
    if correcting and len(correction_reason.strip()) < 10:
        raise ValidationError({"correction_reason": "Say why this voice record is being corrected"})
    if not concern.is_editable and current is None:
        raise ValidationError("This concern has been submitted; its voice records can only be corrected")
    with transaction.atomic():
        values = dict(
            **_columns(answers),
            observed_at=answers.observed_at or concern.occurred_at,
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        if current is not None and not correcting:
            for name, value in values.items():
                setattr(current, name, value)
            current.save()
            voice, operation = current, Operation.ALTER
            voice.observations.all().delete()
        else:
            voice = _next_version(current, concern=concern, person=person, reason=correction_reason, **values)
            operation = Operation.ALTER if current else Operation.COLLECT
        DemeanourObservation.objects.bulk_create(
            [DemeanourObservation(voice=voice, code=code) for code in dict.fromkeys(answers.demeanour)]
        )
        audit.record(
            actor=by,
            operation=operation,
            record_type=VOICE,
            records=[voice],
            reason=f"correction: {correction_reason.strip()}" if correcting else "",
        )
    return voice


def record_investigation_voice(
    *, investigation: Investigation, person: Person, answers: VoiceAnswers, by: User, reason: str = ""
) -> VoiceRecord:
    """Write a child's voice in an investigation: a child met during enquiries, or seen again. Every
    record after the first is a new version of the child's voice in this investigation, with the reason
    it replaces the last; the earlier version is kept."""
    validate(answers)
    check_text(reason, field="correction_reason", label="The reason")
    if not investigation.is_open or not policy.can(by, policy.Action.CHANGE, investigation):
        raise ValidationError("You cannot record a voice in this investigation")
    if not investigation.people.filter(person=person, is_child=True).exists():
        raise ValidationError({"person": f"Add {person.full_name} to the investigation as a child first"})
    with transaction.atomic():
        current = (
            VoiceRecord.objects.select_for_update()
            .filter(investigation=investigation, person=person, is_current=True)
            .first()
        )
        if current is not None and len(reason.strip()) < 10:
            raise ValidationError(
                {"correction_reason": "Say why this replaces the earlier record (for example: seen again at interview)"}
            )
        voice = _next_version(
            current,
            investigation=investigation,
            person=person,
            reason=reason,
            **_columns(answers),
            observed_at=answers.observed_at or timezone.now(),
            recorded_by=by,
        )
        DemeanourObservation.objects.bulk_create(
            [DemeanourObservation(voice=voice, code=code) for code in dict.fromkeys(answers.demeanour)]
        )
        audit.record(
            actor=by,
            operation=Operation.ALTER if current else Operation.COLLECT,
            record_type=VOICE,
            records=[voice],
            reason=f"replaces version {current.version}: {reason.strip()}" if current else "investigation",
        )
    return voice
