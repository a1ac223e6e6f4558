"""Every change to a concern: drafting, involving people, grading risk, submitting through the voice
gate, and the supervisor's endorsement or return. Each is one transaction with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from safeguard import parameters
from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.accounts.services import notify
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.people import identity
from safeguard.people.models import Person
from safeguard.timescales.services import start_clock, stop_clock
from safeguard.validation import check_text
from safeguard.voice.models import VoiceRecord
from safeguard.voice.quality import quality_issues

from .models import (
    RISK_RANK,
    Concern,
    ConcernStatus,
    ConcernType,
    ConcernTypeTag,
    CumulativeReview,
    Decision,
    Involvement,
    InvolvementRole,
    ReviewStatus,
    RiskAssessment,
    RiskGrade,
    SupervisorDecision,
)
from .signals import concern_endorsed, concern_submitted
from .timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION

CONCERN = "concerns.concern"


def _editable(concern: Concern, by: User) -> None:
    if not concern.is_editable:
        raise ValidationError("This concern has been submitted and can no longer be changed here")
    if not policy.can(by, policy.Action.CHANGE, concern):
        raise ValidationError("You cannot change this concern")


def _audit(by: User, concern: Concern, operation: str = Operation.ALTER, reason: str = "") -> None:
    audit.record(actor=by, operation=operation, record_type=CONCERN, records=[concern], reason=reason)


def start_concern(*, by: User) -> Concern:
    if by.unit_id is None or not by.has_role(*policy.RECORDERS):
        raise ValidationError(
            "Only an officer, investigator, supervisor or hub member of a police unit can record a concern"
        )
    with transaction.atomic():
        concern = Concern.objects.create(unit_id=by.unit_id, owner=by)
        _audit(by, concern, Operation.COLLECT)
    return concern


def set_when(*, concern: Concern, occurred_at: datetime, by: User) -> Concern:
    _editable(concern, by)
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_at": "The time it happened must be in the past"})
    if occurred_at < concern.recorded_at - timedelta(days=365 * 30):
        raise ValidationError({"occurred_at": "The time it happened must be within the last 30 years"})
    with transaction.atomic():
        concern.occurred_at = occurred_at
        concern.save(update_fields=["occurred_at"])
        _refresh_children(concern)
        _audit(by, concern, reason="when")
    return concern


def set_where(*, concern: Concern, location: str, postcode: str, by: User) -> Concern:
    _editable(concern, by)
    normal = ""
    if postcode.strip():
        normal = identity.normalise_postcode(postcode) or ""
        if not normal:
            raise ValidationError({"postcode": "Enter a real postcode, like NS1 4AB, or leave it empty"})
    if not location.strip():
        raise ValidationError({"location": "Enter where it happened"})
    check_text(location, field="location", label="Where it happened", limit=300)
    with transaction.atomic():
        concern.location, concern.location_postcode = location.strip()[:300], normal
        concern.save(update_fields=["location", "location_postcode"])
        _audit(by, concern, reason="where")
    return concern


def set_types(*, concern: Concern, types: list[str], by: User) -> Concern:
    _editable(concern, by)
    if not types:
        raise ValidationError({"types": "Choose at least one type of concern"})
    if set(types) - set(ConcernType.values):
        raise ValidationError({"types": "Choose types from the list"})
    with transaction.atomic():
        concern.type_tags.all().delete()
        ConcernTypeTag.objects.bulk_create([ConcernTypeTag(concern=concern, type=t) for t in dict.fromkeys(types)])
        _audit(by, concern, reason="types")
    return concern


def set_summary(*, concern: Concern, summary: str, by: User) -> Concern:
    _editable(concern, by)
    check_text(summary, field="summary", label="What happened")
    if len(summary.strip()) < 20:
        raise ValidationError({"summary": "Describe what happened in at least 20 characters"})
    with transaction.atomic():
        concern.summary = summary.strip()
        concern.save(update_fields=["summary"])
        _audit(by, concern, reason="summary")
    return concern


def grade_risk(*, concern: Concern, grade: str, rationale: str, by: User) -> RiskAssessment:
    """Grade or re-grade. Before submission the officer grades; afterwards a supervisor or the hub may
    re-grade. Either way the grade is a new row with its rationale; nothing is overwritten."""
    if grade not in RiskGrade.values:
        raise ValidationError({"grade": "Choose standard, medium or high"})
    if len(rationale.strip()) < 10:
        raise ValidationError({"rationale": "Explain the risk grade (at least 10 characters)"})
    check_text(rationale, field="rationale", label="The rationale")
    if concern.is_editable:
        _editable(concern, by)
    elif not (by.has_role(RoleCode.SUPERVISOR, RoleCode.HUB) and policy.can(by, policy.Action.CHANGE, concern)):
        raise ValidationError("Only a supervisor or the hub can re-grade a submitted concern")
    with transaction.atomic():
        assessment = RiskAssessment.objects.create(
            concern=concern, grade=grade, rationale=rationale.strip(), assessed_by=by
        )
        concern.risk_grade, concern.risk_rank = grade, RISK_RANK[RiskGrade(grade)]
        concern.save(update_fields=["risk_grade", "risk_rank"])
        _audit(by, concern, reason=f"risk graded {grade}")
    return assessment


def child_status(person: Person, concern: Concern, answer: bool | None) -> bool:
    """Is this person a child in this concern? From the date of birth at the event time; otherwise
    the officer's answer (required when the date of birth is not known)."""
    when = (concern.occurred_at or timezone.now()).date()
    known = person.is_child_on(when)
    if known is not None:
        return known
    if answer is None:
        raise ValidationError({"is_child": f"Say whether {person.full_name} is under 18"})
    return answer


def involve(
    *, concern: Concern, person: Person, roles: list[str], by: User, is_child: bool | None = None
) -> list[Involvement]:
    _editable(concern, by)
    if not roles:
        raise ValidationError({"roles": f"Choose {person.full_name}'s part in this concern"})
    if set(roles) - set(InvolvementRole.values):
        raise ValidationError({"roles": "Choose roles from the list"})
    if person.merged_into_id:
        raise ValidationError("This person's record was merged; choose the record it was merged into")
    child = child_status(person, concern, is_child)
    with transaction.atomic():
        concern.involvements.filter(person=person).exclude(role__in=roles).delete()
        rows = []
        for role in dict.fromkeys(roles):
            row, _ = Involvement.objects.update_or_create(
                concern=concern, person=person, role=role, defaults={"is_child": child}
            )
            rows.append(row)
        concern.involvements.filter(person=person).update(is_child=child)
        _audit(by, concern, reason="people involved")
        audit.record(actor=by, operation=Operation.ALTER, record_type="people.person", records=[person])
    return rows


def remove_person(*, concern: Concern, person: Person, by: User) -> None:
    _editable(concern, by)
    with transaction.atomic():
        concern.involvements.filter(person=person).delete()
        VoiceRecord.objects.filter(concern=concern, person=person).delete()
        _audit(by, concern, reason="person removed")


def _refresh_children(concern: Concern) -> None:
    """When the event time changes, who counts as a child may too (for people with a known birth date)."""
    when = (concern.occurred_at or timezone.now()).date()
    for inv in concern.involvements.select_related("person"):
        known = inv.person.is_child_on(when)
        if known is not None and known != inv.is_child:
            inv.is_child = known
            inv.save(update_fields=["is_child"])


@dataclass(frozen=True)
class ChildVoice:
    """One involved child and where their voice stands, for the check page, the gate and the supervisor."""

    person: Person
    age: int | None
    voice: VoiceRecord | None
    issues: list[str]

    @property
    def missing(self) -> str:
        if self.voice is None:
            return (
                f"{self.person.full_name}: record whether they were seen and spoken to, "
                "or the coded reason they were not spoken to"
            )
        return ""


def children_of(concern: Concern) -> list[ChildVoice]:
    """Every child involved, with their current voice record and its quality issues (3 queries)."""
    when = (concern.occurred_at or timezone.now()).date()
    people: dict[int, Person] = {}
    for inv in concern.involvements.filter(is_child=True).select_related("person").order_by("person_id"):
        people.setdefault(inv.person_id, inv.person)
    voices = {
        v.person_id: v
        for v in VoiceRecord.objects.filter(concern=concern, is_current=True).prefetch_related("observations")
    }
    out = []
    for pid, person in people.items():
        voice = voices.get(pid)
        age = person.age_on(when)
        out.append(ChildVoice(person, age, voice, quality_issues(voice, age=age) if voice else []))
    return out


def submission_problems(concern: Concern) -> list[str]:
    """Everything that stops submission, each saying exactly what to do. The voice gate (DOMAIN.md):
    no child may have neither a voice record nor a coded reason they were not spoken to."""
    problems = []
    if concern.occurred_at is None:
        problems.append("Say when it happened")
    if not concern.location:
        problems.append("Say where it happened")
    if not concern.type_tags.exists():
        problems.append("Choose the type of concern")
    if len(concern.summary) < 20:
        problems.append("Describe what happened")
    if not concern.risk_grade:
        problems.append("Grade the risk, with a rationale")
    children = children_of(concern)
    if not children:
        problems.append("Add at least one child: a concern is about a child")
    problems += [c.missing for c in children if c.missing]
    return problems


def submit_concern(*, concern: Concern, by: User, breach_reason: str = "", breach_detail: str = "") -> Concern:
    _editable(concern, by)
    problems = submission_problems(concern)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        if not locked.is_editable:
            raise ValidationError("This concern has already been submitted")
        # A late resubmission without its reason is refused before the caller's concern is touched, so the
        # page that shows the refusal still shows the concern as returned.
        now = timezone.now()
        stop_clock(
            rule=RESUBMISSION, record=concern, by=by, breach_reason=breach_reason, breach_detail=breach_detail, at=now
        )
        concern.status, concern.submitted_at = ConcernStatus.SUBMITTED, now
        if not concern.reference:
            concern.reference = f"PPN-{concern.recorded_at:%Y}-{concern.pk:06d}"
        concern.save(update_fields=["status", "submitted_at", "reference"])
        _audit(by, concern, reason="submitted")
        supervisor_id = concern.unit.supervisor_id
        start_clock(
            rule=DECISION,
            record=concern,
            label=concern.reference or str(concern.pk),
            unit_id=concern.unit_id,
            owner_id=supervisor_id if supervisor_id != by.pk else None,
            started_at=concern.submitted_at,
            context={"risk": concern.risk_grade},
            is_restricted=concern.is_restricted,
        )
        if supervisor_id and supervisor_id != by.pk:
            notify(
                user_id=supervisor_id,
                message=f"{concern.reference} ({concern.get_risk_grade_display()} risk) is waiting for your review",
                link=reverse("concerns:review", args=[concern.pk]),
            )
        raise_cumulative_reviews(concern)
        concern_submitted.send(sender=Concern, concern=concern)
    return concern


def raise_cumulative_reviews(concern: Concern) -> list[CumulativeReview]:
    """The cumulative-concern rule (DOMAIN.md, local): N concerns about the same child within D days,
    any grade, raise one open hub review of the child's whole history."""
    threshold = parameters.value("concerns.cumulative_count")
    window = parameters.value("concerns.cumulative_days")
    since = (concern.occurred_at or timezone.now()) - timedelta(days=window)
    child_ids = set(concern.involvements.filter(is_child=True).values_list("person_id", flat=True))
    counts = (
        Involvement.objects.filter(
            person_id__in=child_ids,
            concern__occurred_at__gte=since,
            concern__occurred_at__lte=concern.occurred_at,
        )
        .exclude(concern__status=ConcernStatus.DRAFT)
        .values("person_id")
        .annotate(n=Count("concern", distinct=True))
    )
    raised = []
    for row in counts:
        if row["n"] < threshold:
            continue
        if CumulativeReview.objects.filter(person_id=row["person_id"], status=ReviewStatus.OPEN).exists():
            continue
        try:
            with transaction.atomic():
                review = CumulativeReview.objects.create(
                    person_id=row["person_id"],
                    triggered_by=concern,
                    concern_count=row["n"],
                    window_days=window,
                    unit_id=concern.unit_id,
                    owner=None,
                )
        except IntegrityError:
            continue  # another submission raised it at the same moment: one open review is enough
        audit.record(
            actor=None,
            operation=Operation.COLLECT,
            record_type="concerns.cumulativereview",
            records=[review],
            reason=f"{row['n']} concerns in {window} days",
        )
        start_clock(
            rule=CUMULATIVE_REVIEW,
            record=review,
            label=f"Cumulative review {review.pk}",
            unit_id=review.unit_id,
            owner_id=None,
            started_at=review.raised_at,
            context={"count": str(row["n"])},
            is_restricted=concern.is_restricted,
        )
        raised.append(review)
    return raised


def _may_decide(concern: Concern, by: User) -> None:
    """Called inside the decision's transaction: the row lock makes two decisions at once impossible."""
    concern.status = Concern.objects.select_for_update().values_list("status", flat=True).get(pk=concern.pk)
    if concern.status != ConcernStatus.SUBMITTED:
        raise ValidationError("Only a submitted concern can be endorsed or returned")
    if not by.has_role(RoleCode.SUPERVISOR, RoleCode.HUB) or not policy.can(by, policy.Action.CHANGE, concern):
        raise ValidationError("Only the team's supervisor or the hub can decide on this concern")
    if concern.owner_id == by.pk:
        raise ValidationError("You cannot endorse or return a concern you recorded")


@transaction.atomic
def return_concern(
    *, concern: Concern, reason: str, by: User, breach_reason: str = "", breach_detail: str = ""
) -> SupervisorDecision:
    _may_decide(concern, by)
    if len(reason.strip()) < 10:
        raise ValidationError({"rationale": "Say what the officer needs to do (at least 10 characters)"})
    check_text(reason, field="rationale", label="The reason")
    # Late work is refused before anything (the caller's concern included) is touched.
    stop_clock(rule=DECISION, record=concern, by=by, breach_reason=breach_reason, breach_detail=breach_detail)
    decision = SupervisorDecision.objects.create(
        concern=concern, decision=Decision.RETURN, rationale=reason.strip(), decided_by=by
    )
    concern.status = ConcernStatus.RETURNED
    concern.save(update_fields=["status"])
    _audit(by, concern, reason="returned")
    start_clock(
        rule=RESUBMISSION,
        record=concern,
        label=concern.reference or str(concern.pk),
        unit_id=concern.unit_id,
        owner_id=concern.owner_id,
        is_restricted=concern.is_restricted,
    )
    if concern.owner_id:
        notify(
            user_id=concern.owner_id,
            message=f"{concern.reference} was returned to you: {reason.strip()}",
            link=reverse("concerns:check", args=[concern.pk]),
        )
    return decision


@transaction.atomic
def endorse_concern(
    *,
    concern: Concern,
    rationale: str,
    by: User,
    quality_override: str = "",
    breach_reason: str = "",
    breach_detail: str = "",
) -> SupervisorDecision:
    """Endorse. If any child's voice record fails the quality checks, the supervisor must say why they
    endorse anyway (DOMAIN.md); the failing checks are kept beside the decision."""
    _may_decide(concern, by)
    if len(rationale.strip()) < 10:
        raise ValidationError({"rationale": "Record your rationale for endorsing (at least 10 characters)"})
    check_text(rationale, field="rationale", label="The rationale")
    check_text(quality_override, field="quality_override", label="The reason")
    issues = [f"{c.person.full_name}: {issue}" for c in children_of(concern) for issue in c.issues]
    if issues and len(quality_override.strip()) < 10:
        raise ValidationError(
            {"quality_override": "The child's voice fails quality checks: say why you endorse it anyway"}
        )
    with transaction.atomic():
        stop_clock(rule=DECISION, record=concern, by=by, breach_reason=breach_reason, breach_detail=breach_detail)
        decision = SupervisorDecision.objects.create(
            concern=concern,
            decision=Decision.ENDORSE,
            rationale=rationale.strip(),
            quality_issues="\n".join(issues),
            quality_override=quality_override.strip() if issues else "",
            decided_by=by,
        )
        concern.status, concern.decided_at, concern.decided_by = ConcernStatus.ENDORSED, timezone.now(), by
        concern.save(update_fields=["status", "decided_at", "decided_by"])
        _audit(by, concern, reason="endorsed")
        concern_endorsed.send(sender=Concern, concern=concern)
    return decision


def complete_cumulative_review(
    *, review: CumulativeReview, outcome: str, by: User, breach_reason: str = "", breach_detail: str = ""
) -> CumulativeReview:
    if not by.has_role(RoleCode.HUB):
        raise ValidationError("Only the hub completes cumulative reviews")
    if review.status != ReviewStatus.OPEN:
        raise ValidationError("This review is already complete")
    check_text(outcome, field="outcome", label="The outcome")
    if len(outcome.strip()) < 20:
        raise ValidationError({"outcome": "Record what the review of the child's history found (20+ characters)"})
    with transaction.atomic():
        # The row lock makes two hub staff completing the same review at once impossible.
        if CumulativeReview.objects.select_for_update().values_list("status", flat=True).get(pk=review.pk) != (
            ReviewStatus.OPEN
        ):
            raise ValidationError("This review is already complete")
        stop_clock(
            rule=CUMULATIVE_REVIEW, record=review, by=by, breach_reason=breach_reason, breach_detail=breach_detail
        )
        review.status, review.outcome = ReviewStatus.COMPLETED, outcome.strip()
        review.completed_by, review.completed_at = by, timezone.now()
        review.save()
        audit.record(actor=by, operation=Operation.ALTER, record_type="concerns.cumulativereview", records=[review])
    return review
