"""Information sharing with safeguarding partners (DOMAIN.md, "Sharing with partners").

A ``Share`` is one referral or notification to one partner organisation, drafted from a concern. Its
content is a list of fields proposed by the kind's template (kinds.py), which the sender may redact
before sending. Sending writes the disclosure ledger entry (``Disclosure``: who, to whom, exactly what,
why, when, and when it was due) and the content-free alerts (``OutboxMessage``) in the same transaction.
A partner sees a share only while it is live: ``open_to`` holds the recipient organisation from the
moment it is sent until it is revoked, and the access policy reads that column (Scope.partner_org).

A decision not to share is a ``Share`` too, with status ``not_shared`` and its reason, so the ledger
holds both, and a supervisor reviews it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from safeguard.accounts.models import Organisation, Scope, ScopedRecord, User
from safeguard.concerns.models import Concern
from safeguard.people.models import Person


class ShareKind(models.TextChoices):
    MASH_REFERRAL = "mash", "MASH referral to children's social care"
    ENCOMPASS = "encompass", "Operation Encompass notice to a school"
    HEALTH = "health", "Health notification"
    RHI_REQUEST = "rhi", "Return home interview request"
    OTHER = "other", "Notification to another partner"


class LawfulBasis(models.TextChoices):
    """Why the force may share (DOMAIN.md: sharing to safeguard a child does not need consent)."""

    SAFEGUARDING = (
        "dpa18_sch8",
        "DPA 2018 Part 3 (law enforcement processing), Schedule 8: safeguarding of children and of individuals at risk",
    )
    CA04_S11 = "ca04_s11", "Children Act 2004 s.11: duty to safeguard and promote the welfare of children"
    CA04_S10 = "ca04_s10", "Children Act 2004 s.10: co-operation to improve the well-being of children"
    CA89_S47 = "ca89_s47", "Children Act 1989 s.47: enquiries where a child may be suffering significant harm"
    ENCOMPASS = "encompass", "Victims and Prisoners Act 2024: Operation Encompass statutory duty"


class ShareStatus(models.TextChoices):
    """How far a share has got. Each step has its own time column; ``status`` is the furthest."""

    DRAFT = "draft", "Drafted"
    NOT_SHARED = "not_shared", "Decided not to share"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read by the partner"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ANSWERED = "answered", "Partner's response recorded"
    REVOKED = "revoked", "Revoked"


# The order in which a live share moves on; a step never moves a share backwards.
PROGRESS = [
    ShareStatus.SENT,
    ShareStatus.DELIVERED,
    ShareStatus.READ,
    ShareStatus.ACKNOWLEDGED,
    ShareStatus.ANSWERED,
]


class PartnerProfile(models.Model):
    """How Safeguard reaches a partner organisation: alert emails to its contacts, and/or a webhook to
    its own system signed with a per-partner secret. A school's URN and local authority find the right
    school and its term dates for an Operation Encompass notice."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sharing_profile")
    school_urn = models.CharField(max_length=10, blank=True, db_index=True, help_text="Schools: the DfE URN")
    local_authority = models.CharField(max_length=100, blank=True, help_text="Schools: whose term dates apply")
    email_alerts = models.BooleanField(default=True, help_text="Email an alert to each alert contact")
    webhook_url = models.URLField(max_length=500, blank=True, help_text="https:// only; registered here")
    webhook_secret = models.CharField(max_length=128, blank=True)

    def __str__(self) -> str:
        return f"Sharing profile of {self.organisation}"


class PartnerContact(models.Model):
    """A person at a partner organisation: who gets the content-free alerts, and who is the named
    escalation contact when a share goes unacknowledged (DOMAIN.md)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    receives_alerts = models.BooleanField(default=True)
    escalation_contact = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "email"], name="contact_email_unique_in_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Share(ScopedRecord):
    """One referral or notification to one partner, from draft to response (or revocation). ``owner``
    is the person who drafted it and ``unit`` their unit; ``open_to`` is the partner while it is live."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=12, choices=ShareKind.choices)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="shares")
    child = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="shares", help_text="Per-child notices"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="shares_received"
    )
    open_to = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(max_length=12, choices=ShareStatus.choices, default=ShareStatus.DRAFT)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices, blank=True)
    lawful_basis_detail = models.TextField(blank=True, help_text="Why this basis applies to this share")
    content = models.JSONField(default=list, help_text="The draft: [{field, label, value}] as the partner will see it")
    not_shared_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="The first alert reached the partner")
    first_read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="The partner's escalation contact told")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="A decision not to share, reviewed")
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_agreed = models.BooleanField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    access_scope = Scope(record_type="sharing.share", partner_org="open_to")

    class Meta:
        indexes = [
            models.Index(fields=["status", "sent_at"], name="share_status_idx"),
            models.Index(fields=["open_to", "status", "sent_at"], name="share_partner_idx"),
            models.Index(fields=["concern", "kind"], name="share_concern_idx"),
            models.Index(fields=["unit", "status"], name="share_unit_idx"),
            models.Index(fields=["kind", "sent_at"], name="share_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(open_to__isnull=True) | Q(open_to=models.F("organisation")),
                name="share_open_only_to_its_recipient",
            ),
            models.CheckConstraint(
                condition=Q(open_to__isnull=True) | Q(revoked_at__isnull=True), name="share_revoked_is_closed"
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft share {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.open_to_id is not None

    @property
    def is_draft(self) -> bool:
        return self.status == ShareStatus.DRAFT


class Disclosure(models.Model):
    """The disclosure ledger: one entry per share sent, written once and never changed. ``content`` is
    exactly what the partner sees; ``content_sha256`` lets an auditor show it is unchanged."""

    share = models.OneToOneField(Share, on_delete=models.PROTECT, related_name="disclosure")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    disclosed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField()
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    lawful_basis_detail = models.TextField(blank=True)
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the share was due (its clock), if one ran")
    on_time = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-disclosed_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "disclosed_at"], name="disclosure_org_idx")]


class ResponseKind(models.TextChoices):
    """What the partner did. The first six are a local authority's decision on a referral (WT23)."""

    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion held"
    SECTION_47 = "s47", "Section 47 enquiry started"
    CHILD_IN_NEED = "cin", "Child in need assessment (section 17)"
    EARLY_HELP = "early_help", "Early help offered"
    NO_FURTHER_ACTION = "nfa", "No further action"
    ALREADY_KNOWN = "known", "Already open to the service: added to the existing case"
    CONFERENCE = "icpc", "Initial child protection conference held"
    SUPPORT_IN_SCHOOL = "school_support", "Support in school put in place"
    HEALTH_FOLLOW_UP = "health_follow_up", "Health follow-up arranged"
    RHI_COMPLETED = "rhi_completed", "Return home interview completed"
    OTHER = "other", "Something else"


LA_DECISIONS = (
    ResponseKind.STRATEGY_DISCUSSION,
    ResponseKind.SECTION_47,
    ResponseKind.CHILD_IN_NEED,
    ResponseKind.EARLY_HELP,
    ResponseKind.NO_FURTHER_ACTION,
    ResponseKind.ALREADY_KNOWN,
)


class PartnerResponse(models.Model):
    """What a partner recorded they did with a share. Shown on the police record and the chronology."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=20, choices=ResponseKind.choices)
    detail = models.TextField(blank=True)
    occurred_at = models.DateTimeField(help_text="When the partner did it")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="response_kind_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class StrategyDecision(models.TextChoices):
    SECTION_47 = "s47", "Section 47 enquiry: reasonable cause to suspect significant harm"
    CHILD_IN_NEED = "cin", "No section 47: child in need assessment (section 17)"
    NO_FURTHER_ACTION = "nfa", "No section 47: no further action"


class StrategyDiscussion(ScopedRecord):
    """A multi-agency strategy discussion about a concern (WT23): planned when the decision to hold one
    is made (its clock starts), recorded when held. ``unit`` and ``owner`` are the hub's."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="strategy_discussions")
    share = models.ForeignKey(
        Share, null=True, blank=True, on_delete=models.PROTECT, related_name="strategy_discussions"
    )
    decided_at = models.DateTimeField(default=timezone.now, help_text="When it was decided to hold one")
    reason = models.TextField(help_text="Why one is needed")
    held_at = models.DateTimeField(null=True, blank=True)
    information_shared = models.TextField(blank=True)
    decision = models.CharField(max_length=6, choices=StrategyDecision.choices, blank=True)
    rationale = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conference_held_at = models.DateTimeField(
        null=True, blank=True, help_text="The initial child protection conference"
    )

    access_scope = Scope(record_type="sharing.strategydiscussion")

    class Meta:
        indexes = [models.Index(fields=["held_at", "decided_at"], name="strategy_held_idx")]

    def __str__(self) -> str:
        return self.reference or f"Strategy discussion {self.pk}"

    @property
    def is_held(self) -> bool:
        return self.held_at is not None


class StrategyAttendee(models.Model):
    """Who took part, by agency. Police attendance is what the inspection looks for."""

    discussion = models.ForeignKey(StrategyDiscussion, on_delete=models.CASCADE, related_name="attendees")
    agency = models.CharField(max_length=20)  # an OrganisationKind value: police, social_care, school, ...
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]


class StrategyAction(models.Model):
    """An action agreed at a strategy discussion, with its owner and due date. A police action has a
    clock owed by its owner; another agency's is tracked by the hub."""

    discussion = models.ForeignKey(StrategyDiscussion, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    agency = models.CharField(max_length=20)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    DEAD = "dead", "Failed: will not be retried"


class OutboxMessage(models.Model):
    """A content-free alert to a partner, written in the same transaction as the change it announces.
    The relay (relay.py) claims due rows under a lease, sends each with its idempotency ``key`` and
    retries with capped exponential backoff; a row whose lease lapses is claimed again. The receiver
    deduplicates by ``key``, so a message sent twice (a relay killed after sending, before marking it
    sent) is received once."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    event = models.CharField(max_length=40, help_text="share.sent, share.revoked, share.escalated, …")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.PROTECT, related_name="outbox")
    recipient = models.CharField(max_length=500, help_text="An email address or the registered webhook URL")
    state = models.CharField(max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="outbox_due_idx"),
            models.Index(fields=["share", "state"], name="outbox_share_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.organisation} by {self.channel} ({self.state})"
