"""Investigations (DOMAIN.md, "Supervision"): opened from concerns, allocated to an officer in the case
who must accept it, run to a plan of lines of enquiry, reviewed by a supervisor on a cadence set by
risk, and closed only through the closure gates with an outcome and the supervisor's sign-off.

Event time ("when it happened") is kept apart from recording time ("when it was written down"), and a
correction is a new version with its reason: nothing recorded about a child's case is overwritten.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from safeguard.accounts.models import OrganisationKind, Scope, ScopedRecord, User
from safeguard.concerns.models import Concern, InvolvementRole, RiskGrade
from safeguard.people.models import Person


class InvestigationStatus(models.TextChoices):
    ALLOCATED = "allocated", "Awaiting acceptance"
    UNALLOCATED = "unallocated", "Declined: to be reallocated"
    ACTIVE = "active", "Under investigation"
    CLOSURE_PROPOSED = "closure_proposed", "Closure awaiting sign-off"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (
    InvestigationStatus.ALLOCATED,
    InvestigationStatus.UNALLOCATED,
    InvestigationStatus.ACTIVE,
    InvestigationStatus.CLOSURE_PROPOSED,
)


class Outcome(models.TextChoices):
    """Home Office crime outcome codes (Crime Outcomes framework), and the non-crime outcomes of a
    safeguarding investigation where no crime was recorded (DOMAIN.md, "Closure")."""

    CHARGED = "1", "1 Charged or summonsed"
    CHARGED_ALTERNATIVE = "1A", "1A Charged or summonsed for an alternative offence"
    YOUTH_CAUTION = "2", "2 Youth caution"
    ADULT_CAUTION = "3", "3 Adult caution"
    TIC = "4", "4 Taken into consideration"
    OFFENDER_DIED = "5", "5 The offender has died"
    PENALTY_NOTICE = "6", "6 Penalty notice for disorder"
    CANNABIS_WARNING = "7", "7 Cannabis or khat warning"
    COMMUNITY_RESOLUTION = "8", "8 Community resolution"
    NOT_PUBLIC_INTEREST_CPS = "9", "9 Prosecution not in the public interest (CPS decision)"
    NOT_PUBLIC_INTEREST_POLICE = "10", "10 Formal action not in the public interest (police decision)"
    SUSPECT_UNDER_AGE = "11", "11 Prosecution prevented: suspect under the age of criminal responsibility"
    SUSPECT_TOO_ILL = "12", "12 Prosecution prevented: suspect too ill"
    VICTIM_TOO_ILL = "13", "13 Prosecution prevented: victim or key witness dead or too ill"
    NO_SUSPECT_NO_SUPPORT = "14", "14 Evidential difficulties: suspect not identified, victim does not support"
    EVIDENTIAL_VICTIM_SUPPORTS = "15", "15 Evidential difficulties: suspect identified, victim supports action"
    EVIDENTIAL_NO_SUPPORT = "16", "16 Evidential difficulties: suspect identified, victim does not support action"
    TIME_LIMIT = "17", "17 Prosecution time limit expired"
    NO_SUSPECT = "18", "18 Investigation complete: no suspect identified"
    OTHER_BODY = "20", "20 Further action resulting from the crime report will be taken by another body"
    NOT_PUBLIC_INTEREST_INVESTIGATION = "21", "21 Further investigation not in the public interest (police decision)"
    DIVERSION = "22", "22 Diversionary, educational or intervention activity"
    NON_CRIME_SAFEGUARDED = "nc_safeguarded", "Non-crime: safeguarding measures in place, no further police action"
    NON_CRIME_PARTNER_LEAD = "nc_partner", "Non-crime: a partner agency leads, police action complete"
    NON_CRIME_UNSUBSTANTIATED = "nc_unsubstantiated", "Non-crime: the concern was not substantiated"


class Investigation(ScopedRecord):
    """One investigation. ``owner`` is the officer in the case (OIC) and ``unit`` their unit, so the
    access policy gives the OIC, their unit and its supervisor the case, as for any record."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(max_length=20, choices=InvestigationStatus.choices, default=InvestigationStatus.ALLOCATED)
    summary = models.TextField(help_text="What is being investigated, in a few sentences")
    risk_grade = models.CharField(max_length=10, choices=RiskGrade.choices)
    risk_rank = models.SmallIntegerField(default=0)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True, help_text="The date the next supervisory review is due")
    last_activity_at = models.DateTimeField(default=timezone.now, help_text="The latest thing recorded (drift)")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, help_text="Set at sign-off")
    closed_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    access_scope = Scope(record_type="investigations.investigation")

    class Meta:
        indexes = [
            models.Index(fields=["unit", "status", "last_activity_at"], name="investigation_unit_idx"),
            models.Index(fields=["owner", "status"], name="investigation_owner_idx"),
            models.Index(fields=["status", "next_review_on"], name="investigation_review_idx"),
            models.Index(fields=["status", "last_activity_at"], name="investigation_drift_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Investigation {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_workable(self) -> bool:
        """The plan can be worked on: accepted and not yet put forward for closure."""
        return self.status == InvestigationStatus.ACTIVE


class InvestigationConcern(models.Model):
    """A concern under investigation. A concern is investigated by at most one open investigation."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="concern_links")
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="investigation_links")
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["investigation", "concern"], name="investigation_concern_unique")
        ]


class InvestigationPerson(models.Model):
    """A person's part in the investigation: copied from its concerns when it opens, added as enquiries
    find others (a sibling, a second suspect). ``is_child`` decides who the voice gate applies to."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="investigation_roles")
    role = models.CharField(max_length=15, choices=InvolvementRole.choices)
    is_child = models.BooleanField(default=False)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["investigation", "person", "role"], name="investigation_person_unique")
        ]
        indexes = [models.Index(fields=["person", "investigation"], name="investigation_person_idx")]


class Allocation(models.Model):
    """Who was made officer in the case, by whom and when; and whether they accepted or declined."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="allocations")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    allocated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, help_text="Why it was (re)allocated to this officer")
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["allocated_at", "pk"]


class InvestigationRisk(models.Model):
    """A risk grade with its rationale: re-grading adds a row, nothing is overwritten (DOMAIN.md)."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="risk_history")
    grade = models.CharField(max_length=10, choices=RiskGrade.choices)
    rationale = models.TextField()
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_at", "pk"]


class LineOfEnquiry(models.TextChoices):
    ABE_INTERVIEW = "abe", "ABE interview of the child"
    MEDICAL = "medical", "Medical examination"
    FORENSIC = "forensic", "Forensic examination"
    HOUSE_TO_HOUSE = "house_to_house", "House-to-house enquiries"
    DIGITAL = "digital", "Digital devices"
    CCTV = "cctv", "CCTV and other footage"
    WITNESSES = "witnesses", "Witness statements"
    SUSPECT_INTERVIEW = "suspect", "Suspect interview"
    PARTNER_CHECKS = "partner_checks", "Partner agency checks"
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"
    SAFEGUARDING = "safeguarding", "Safeguarding measures"
    DIRECTION = "direction", "Supervisor's direction"
    OTHER = "other", "Other enquiry"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Completed"
    CLOSED = "closed", "Closed without being completed"


class Action(ScopedRecord):
    """A line of enquiry in the plan, or a supervisor's direction: something to do, by someone, by a date.

    ``unit`` follows the investigation and ``owner`` is whoever must do it, so the policy lets the
    person tasked see it (and the clock on it) even when they are not the officer in the case.
    ``version`` counts saved edits: an edit made from an older version is refused and the editor is
    shown what changed, so two people editing one plan item never overwrite each other silently."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=LineOfEnquiry.choices)
    title = models.CharField(max_length=200, help_text="What is to be done")
    detail = models.TextField(blank=True, help_text="How, and what it should establish")
    due_on = models.DateField()
    due_at = models.DateTimeField(help_text="The end of the due day, Europe/London")
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    result = models.TextField(blank=True, help_text="What it found, or why it was closed without being done")
    review = models.ForeignKey(
        "SupervisoryReview", null=True, blank=True, on_delete=models.PROTECT, related_name="directions"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    access_scope = Scope(record_type="investigations.action", opens_with="investigation")

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["investigation", "status"], name="action_investigation_idx"),
            models.Index(fields=["owner", "status", "due_at"], name="action_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    @property
    def is_direction(self) -> bool:
        return self.review_id is not None


class EntryKind(models.TextChoices):
    PROGRESS = "progress", "Progress"
    EVIDENCE = "evidence", "Evidence"
    DECISION = "decision", "Decision"


class ActionEntry(models.Model):
    """Progress, evidence or a decision recorded against an action. ``occurred_at`` is when it happened,
    ``recorded_at`` when it was written down. A correction is a new version naming the one it replaces,
    with a reason; the replaced version stays, no longer current."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    text = models.TextField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["action", "is_current"], name="entry_action_idx")]


class Check(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No: directed below"
    NOT_APPLICABLE = "na", "Not applicable"


REVIEW_CHECKS = {
    "voice_check": "The child's voice has been captured and used in decisions",
    "enquiries_check": "Every line of enquiry has been pursued, or closed with a reason",
    "partners_check": "Partners have been informed",
    "delay_check": "Any delay is justified",
}


class SupervisoryReview(models.Model):
    """A supervisor's review (DOMAIN.md): rationale, what was checked, SMART directions (Actions naming
    this review) and the next review date, which may not be later than the cadence for the risk grade."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    risk_grade = models.CharField(max_length=10, choices=RiskGrade.choices)
    rationale = models.TextField()
    voice_check = models.CharField(max_length=3, choices=Check.choices)
    enquiries_check = models.CharField(max_length=3, choices=Check.choices)
    partners_check = models.CharField(max_length=3, choices=Check.choices)
    delay_check = models.CharField(max_length=3, choices=Check.choices)
    check_notes = models.TextField(blank=True)
    next_review_on = models.DateField()

    class Meta:
        ordering = ["reviewed_at", "pk"]
        indexes = [models.Index(fields=["reviewed_at"], name="review_when_idx")]

    def checks(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, f"get_{name}_display")()) for name, label in REVIEW_CHECKS.items()]


class Agency(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = OrganisationKind.CHILDRENS_SOCIAL_CARE.value, "Children's social care"
    SCHOOL = OrganisationKind.SCHOOL.value, "School"
    HEALTH = OrganisationKind.HEALTH.value, "Health"
    OTHER = OrganisationKind.OTHER.value, "Another partner agency"


class RequiredNotification(models.Model):
    """A partner the investigation must tell (DOMAIN.md, "Closure": required shares sent). Set by the
    officer or the supervisor; the investigation cannot close until each is recorded as sent."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="notifications")
    agency = models.CharField(max_length=20, choices=Agency.choices)
    purpose = models.TextField(help_text="What the partner must be told, and why")
    required_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    required_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was sent (event time)")
    sent_recorded_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_detail = models.TextField(blank=True, help_text="To whom, how, and any reference")

    class Meta:
        ordering = ["required_at", "pk"]

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class ClosureDecision(models.TextChoices):
    SIGNED_OFF = "signed_off", "Signed off"
    REFUSED = "refused", "Refused"


class ClosureProposal(models.Model):
    """The officer in the case puts the investigation forward for closure with an outcome; the
    supervisor signs it off or refuses it, saying what is still to do. Every proposal is kept."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="closure_proposals")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rationale = models.TextField()
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=12, choices=ClosureDecision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]
