"""Concerns (public protection notices): what happened, to whom, how risky, and what the supervisor
decided. Everything a queue, search or dashboard filters on is a typed, indexed column."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from safeguard.accounts.models import Scope, ScopedRecord, User
from safeguard.people.models import Person


class ConcernType(models.TextChoices):
    """DOMAIN.md, "People and concerns". A concern may carry several types."""

    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse with a child present or normally resident"
    PHYSICAL = "physical", "Physical abuse"
    SEXUAL = "sexual", "Sexual abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    NEGLECT = "neglect", "Neglect"
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation (including county lines)"
    ONLINE = "online", "Online abuse (including indecent images and grooming)"
    HARMFUL_PRACTICES = "harmful_practices", "FGM, forced marriage or so-called honour-based abuse"
    CUSTODY = "custody", "Child in police custody"
    POLICE_PROTECTION = "police_protection", "Police protection (Children Act 1989 s.46)"
    MISSING = "missing", "Missing (recorded through a missing episode)"
    OTHER_WELFARE = "other_welfare", "Other welfare concern"


class RiskGrade(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_RANK = {RiskGrade.STANDARD: 1, RiskGrade.MEDIUM: 2, RiskGrade.HIGH: 3}


class ConcernStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting supervisor"
    RETURNED = "returned", "Returned to officer"
    ENDORSED = "endorsed", "Endorsed"


class Concern(ScopedRecord):
    """One incident or report involving at least one child. ``occurred_at`` is when it happened;
    ``recorded_at`` is when it was written down — they are kept apart (ARCHITECTURE.md, Time)."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.DRAFT)
    occurred_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    location = models.CharField(max_length=300, blank=True)
    location_postcode = models.CharField(max_length=8, blank=True)
    summary = models.TextField(blank=True)
    risk_grade = models.CharField(max_length=10, choices=RiskGrade.choices, blank=True)
    risk_rank = models.SmallIntegerField(default=0, help_text="3 high, 2 medium, 1 standard, 0 not graded")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    access_scope = Scope(record_type="concerns.concern")

    class Meta:
        indexes = [
            models.Index(fields=["status", "-risk_rank", "submitted_at"], name="concern_queue_idx"),
            models.Index(fields=["unit", "status", "submitted_at"], name="concern_unit_queue_idx"),
            models.Index(fields=["owner", "status"], name="concern_owner_idx"),
            models.Index(fields=["occurred_at"], name="concern_occurred_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft concern {self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ConcernStatus.DRAFT, ConcernStatus.RETURNED)


class ConcernTypeTag(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="type_tags")
    type = models.CharField(max_length=20, choices=ConcernType.choices, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "type"], name="concern_type_unique")]

    def __str__(self) -> str:
        return self.get_type_display()


class RiskAssessment(models.Model):
    """A risk grade with its rationale. Re-grading adds a row; nothing is overwritten (DOMAIN.md)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="risk_assessments")
    grade = models.CharField(max_length=10, choices=RiskGrade.choices)
    rationale = models.TextField()
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_at", "pk"]

    def __str__(self) -> str:
        return self.get_grade_display()


class InvolvementRole(models.TextChoices):
    SUBJECT_CHILD = "subject_child", "Subject child"
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    PARENT_CARER = "parent_carer", "Parent or carer"
    HOUSEHOLD = "household", "Other household member"
    WITNESS = "witness", "Witness"
    REPORTING = "reporting", "Reporting person"
    OTHER = "other", "Other"


class Involvement(models.Model):
    """A person's part in a concern: one row per role. ``is_child`` is fixed from the date of birth at
    the event time, or, when that is not known, from the officer's answer."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(max_length=15, choices=InvolvementRole.choices)
    is_child = models.BooleanField(default=False, db_index=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "person", "role"], name="involvement_unique")]
        indexes = [models.Index(fields=["person", "concern"], name="involvement_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Decision(models.TextChoices):
    ENDORSE = "endorse", "Endorse"
    RETURN = "return", "Return to officer"


class SupervisorDecision(models.Model):
    """A supervisor's endorsement or return, with its rationale. Endorsing past failed voice quality
    checks records why in ``quality_override``."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    rationale = models.TextField()
    quality_issues = models.TextField(blank=True, help_text="The voice quality checks failing at the time")
    quality_override = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return self.get_decision_display()


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"


class CumulativeReview(ScopedRecord):
    """A hub review of a child's whole history, raised when the cumulative-concern rule is met
    (DOMAIN.md, local: default 3 concerns in 90 days), so repeated standard concerns are not each
    closed alone. ``unit`` is the unit of the concern that met the rule."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cumulative_reviews")
    triggered_by = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="+")
    concern_count = models.PositiveSmallIntegerField()
    window_days = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    outcome = models.TextField(blank=True)
    completed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    access_scope = Scope(record_type="concerns.cumulativereview")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="open"), name="one_open_cumulative_review"
            )
        ]
        indexes = [models.Index(fields=["status", "raised_at"], name="cumulative_queue_idx")]

    def __str__(self) -> str:
        return f"Cumulative review of {self.person}"
