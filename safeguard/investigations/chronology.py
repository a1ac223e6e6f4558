"""The investigations a person is part of, on the person's page (registered with people.history)."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.people.history import Entry, History
from safeguard.people.models import Person
from safeguard.web.access import shown_rows

from .models import Investigation, InvestigationPerson

HISTORY_LIMIT = 200


def investigation_history(request: HttpRequest, person: Person) -> History:
    """Each investigation the person is part of that this user may see, with their part in it. Three
    queries whatever the length of the history; every investigation shown is audited."""
    user = request.user
    assert isinstance(user, User)
    roles: dict[int, list[str]] = defaultdict(list)
    for part in InvestigationPerson.objects.filter(person=person).only("investigation_id", "role"):
        roles[part.investigation_id].append(part.get_role_display())
    investigations = list(
        policy.visible_to(user, Investigation.objects.filter(pk__in=list(roles)))
        .select_related("owner", "unit")
        .order_by("-opened_at", "-pk")[:HISTORY_LIMIT]
    )
    shown_rows(request, investigations)
    entries = [
        Entry(
            occurred_at=i.opened_at,
            recorded_at=i.opened_at,
            template="investigations/_chronology_entry.html",
            context={"investigation": i, "roles": roles[i.pk]},
        )
        for i in investigations
    ]
    return History(entries=entries, records=[("investigations.investigation", i.pk) for i in investigations])
