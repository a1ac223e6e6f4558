"""The access log required by DPA18 s.62: append-only, each row chained to the one before by an HMAC."""

from __future__ import annotations

from django.db import models


class Operation(models.TextChoices):
    """The processing operations DPA18 s.62 says must be logged."""

    COLLECT = "collect", "Collection"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination"
    ERASE = "erase", "Erasure"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One audited operation on one or more records. Database triggers refuse UPDATE and DELETE.

    ``seq`` is gap-free and ``chain_hash`` is HMAC(key, previous hash + this row's canonical form),
    so editing, deleting, reordering or forging a row breaks the chain at that row.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(help_text="UTC, read from the database clock")
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    actor_organisation = models.CharField(max_length=200, blank=True)
    operation = models.CharField(max_length=10, choices=Operation.choices)
    record_type = models.CharField(max_length=100)
    record_ids = models.JSONField(default=list, help_text="Every record the operation touched or showed")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    reason = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, blank=True, help_text="web, api or system")
    path = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["record_type", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.operation} {self.record_type} {self.record_ids}"


class AuditChainHead(models.Model):
    """A single row holding the last sequence number and hash; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
