"""The concerns and voice records on a person's page (registered with people.history)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.people.history import Banner, Entry, History
from safeguard.people.models import Person
from safeguard.voice.models import VoiceRecord
from safeguard.web.access import shown_rows

from .models import Concern, ConcernStatus, CumulativeReview, Involvement, ReviewStatus

HISTORY_LIMIT = 500


def concern_history(request: HttpRequest, person: Person) -> History:
    """Every concern about the person that this user may see, with the person's voice record in each.
    Six queries whatever the length of the history; every concern and voice record shown is audited."""
    user = request.user
    assert isinstance(user, User)
    roles: dict[int, list[str]] = defaultdict(list)
    as_child: set[int] = set()
    for inv in Involvement.objects.filter(person=person).only("concern_id", "role", "is_child"):
        roles[inv.concern_id].append(inv.get_role_display())
        if inv.is_child:
            as_child.add(inv.concern_id)
    concerns = list(
        policy.visible_to(user, Concern.objects.filter(pk__in=list(roles)))
        .filter(~Q(status=ConcernStatus.DRAFT) | Q(owner=user))
        .prefetch_related("type_tags")
        .order_by("-occurred_at", "-pk")[:HISTORY_LIMIT]
    )
    shown_rows(request, concerns)
    voices = list(
        policy.visible_to(
            user, VoiceRecord.objects.filter(person=person, is_current=True, concern_id__in=[c.pk for c in concerns])
        ).prefetch_related("observations")
    )
    shown_rows(request, voices)
    voice_by_concern = {v.concern_id: v for v in voices}
    entries = [
        Entry(
            occurred_at=c.occurred_at or c.recorded_at,
            recorded_at=c.recorded_at,
            template="concerns/_chronology_entry.html",
            context={
                "concern": c,
                "voice": voice_by_concern.get(c.pk),
                "types": [t.get_type_display() for t in c.type_tags.all()],
                "roles": roles[c.pk],
                "is_child": c.pk in as_child,
            },
        )
        for c in concerns
    ]
    banners = []
    review = CumulativeReview.objects.filter(person=person, status=ReviewStatus.OPEN).first()
    if review is not None:
        is_hub = user.has_role(RoleCode.HUB)
        banners.append(
            Banner(
                heading=f"{review.concern_count} concerns in {review.window_days} days",
                text=f"This child has met the cumulative-concern rule. The safeguarding hub reviews "
                f"{person.given_name}'s whole history so that no concern is closed alone.",
                link=reverse("concerns:cumulative_review", args=[review.pk]) if is_hub else "",
                link_text="Review the history" if is_hub else "",
            )
        )
    reviews = policy.visible_to(user, CumulativeReview.objects.filter(person=person)).values_list("pk", flat=True)
    records = [("concerns.concern", c.pk) for c in concerns] + [("concerns.cumulativereview", pk) for pk in reviews]
    return History(entries=entries, banners=banners, records=records)
