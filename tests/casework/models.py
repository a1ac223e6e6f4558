from django.db import models

from safeguard.accounts.models import Scope, ScopedRecord


class CaseNote(ScopedRecord):
    """A stand-in for a case record: owned by an officer, belonging to a unit, maybe restricted."""

    title = models.CharField(max_length=200)
    body = models.TextField()

    access_scope = Scope(record_type="casework.casenote")
