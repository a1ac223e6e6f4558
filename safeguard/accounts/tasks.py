from __future__ import annotations

from django.contrib.sessions.models import Session
from django.tasks import task
from django.utils import timezone

from .models import UserSession


@task
def clear_expired_sessions() -> int:
    """Delete sessions past their cookie lifetime, and the records of which user they belonged to."""
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    keys = list(expired.values_list("session_key", flat=True))
    expired.delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
