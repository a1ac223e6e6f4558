"""Clocks, the alerts they raise, and the school terms that school-day rules count in.

A clock is one rule running against one record. Its due time and plain-words terms are fixed when it
starts. ``stage`` says how far along it is (on time, due soon, overdue, escalated) and ``next_at`` when it
next moves; the sweep finds due clocks by ``next_at`` alone, through a partial index holding only open
clocks that still have a threshold ahead of them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q

from safeguard.accounts.models import Scope, Unit, User


class Stage(models.IntegerChoices):
    ON_TIME = 0, "On time"
    DUE_SOON = 1, "Due soon"
    OVERDUE = 2, "Overdue"
    ESCALATED = 3, "Overdue, escalated"


class ClockOutcome(models.TextChoices):
    MET = "met", "Done on time"
    BREACHED = "breached", "Done late"


class BreachReason(models.TextChoices):
    DEMAND = "demand", "Workload or demand on the team"
    UNAVAILABLE = "unavailable", "The person who owed it was unavailable (leave, sickness, abstraction)"
    AWAITING_PARTNER = "awaiting_partner", "Waiting for information from a partner agency"
    AWAITING_FORCE = "awaiting_force", "Waiting for information from elsewhere in the force"
    COMPLEXITY = "complexity", "The case needed more time to get right"
    NOT_KNOWN = "not_known", "The work was not known about in time"
    SYSTEM = "system", "A system or technical problem"
    OTHER = "other", "Another reason"


class Clock(models.Model):
    rule_code = models.CharField(max_length=60)
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    label = models.CharField(max_length=60, help_text="The record's reference: never personal data")
    terms = models.CharField(max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    hub_work = models.BooleanField(default=False)
    is_restricted = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    due_soon_at = models.DateTimeField()
    due_at = models.DateTimeField()
    escalate_at = models.DateTimeField()
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.ON_TIME)
    next_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=12, choices=ClockOutcome.choices, blank=True)
    breach_reason = models.CharField(max_length=20, choices=BreachReason.choices, blank=True)
    breach_detail = models.TextField(blank=True)

    access_scope = Scope(record_type="timescales.clock")

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "record_type", "record_id"],
                condition=Q(stopped_at__isnull=True),
                name="one_open_clock_per_rule_and_record",
            ),
            models.CheckConstraint(
                condition=Q(due_soon_at__lte=models.F("due_at")) & Q(due_at__lte=models.F("escalate_at")),
                name="clock_thresholds_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["next_at"], condition=Q(next_at__isnull=False), name="clock_next_at"),
            models.Index(fields=["record_type", "record_id"], name="clock_record"),
            models.Index(fields=["owner", "due_at"], condition=Q(stopped_at__isnull=True), name="clock_owner_open"),
            models.Index(fields=["unit", "due_at"], condition=Q(stopped_at__isnull=True), name="clock_unit_open"),
            models.Index(fields=["due_at"], condition=Q(stopped_at__isnull=True), name="clock_open"),
            # The full sweep walks open clocks in id order; without this it walks every clock ever kept.
            models.Index(fields=["id"], condition=Q(stopped_at__isnull=True), name="clock_open_id"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.terms}"

    @property
    def link(self) -> str:
        """The page where the work is done."""
        from .rules import RULES

        rule = RULES.get(self.rule_code)
        return rule.link(self.record_id) if rule else ""

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    def stage_at(self, now: datetime) -> Stage:
        """Where the clock stands at ``now`` (the sweep stores this; pages read it live)."""
        if now >= self.escalate_at:
            return Stage.ESCALATED
        if now >= self.due_at:
            return Stage.OVERDUE
        if now >= self.due_soon_at:
            return Stage.DUE_SOON
        return Stage.ON_TIME


class Alert(models.Model):
    """A clock crossing one threshold. The unique constraint is what makes alerts exactly once: two
    sweepers racing over the same clock both try to insert; only one row can exist."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="alerts")
    threshold = models.PositiveSmallIntegerField(choices=Stage.choices)
    raised_at = models.DateTimeField()
    sweep_id = models.UUIDField(db_index=True)
    superseded = models.BooleanField(
        default=False, help_text="A later threshold was reached in the same sweep (catching up): only that one was sent"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["clock", "threshold"], name="one_alert_per_clock_threshold")]


class AlertNotice(models.Model):
    """One person told of one alert: in the app at once, by email when the worker sends it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="one_notice_per_alert_user")]
        indexes = [models.Index(fields=["emailed_at"], condition=Q(emailed_at__isnull=True), name="notice_unsent")]


class TermCalendar(models.Model):
    """A local authority's school terms (term dates differ between authorities)."""

    local_authority = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["local_authority"]

    def __str__(self) -> str:
        return self.local_authority


class SchoolTerm(models.Model):
    calendar = models.ForeignKey(TermCalendar, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60)
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="term_ends_after_it_starts")
        ]
