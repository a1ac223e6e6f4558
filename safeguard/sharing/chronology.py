"""What was shared about a child, what partners did with it, and the strategy discussions about them, on
the child's page (registered with people.history). The inspection asks whether information reached the
right partner on time and whether the partner's response was recorded: the chronology shows both."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import HttpRequest

from safeguard.accounts import policy
from safeguard.accounts.models import OrganisationKind, User
from safeguard.concerns.models import Involvement
from safeguard.people.history import Entry, History
from safeguard.people.models import Person
from safeguard.web.access import shown_rows

from .models import PartnerResponse, Share, ShareStatus, StrategyDiscussion

HISTORY_LIMIT = 200
SHARE = "sharing.share"
DISCUSSION = "sharing.strategydiscussion"


def sharing_history(request: HttpRequest, person: Person) -> History:
    """Every share about the child that this user may see (sent, revoked, or decided against), each
    partner response to them, and the strategy discussions of the concerns the child is in. A share
    about one child of a concern (an Encompass notice) shows only on that child's page. Seven queries
    at most, whatever the length of the history; every share and discussion shown is audited."""
    user = request.user
    assert isinstance(user, User)
    concern_ids = list(
        Involvement.objects.filter(person=person, is_child=True).values_list("concern_id", flat=True).distinct()
    )
    if not concern_ids:
        return History()
    responses = Prefetch("responses", queryset=PartnerResponse.objects.select_related("recorded_by"))
    shares = list(
        policy.visible_to(
            user,
            Share.objects.filter(concern_id__in=concern_ids)
            .filter(Q(child=person) | Q(child__isnull=True))
            .exclude(status=ShareStatus.DRAFT),
        )
        .select_related("organisation")
        .prefetch_related(responses)
        .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
    )
    shown_rows(request, shares)
    discussions = list(
        policy.visible_to(user, StrategyDiscussion.objects.filter(concern_id__in=concern_ids))
        .prefetch_related("attendees")
        .order_by("-decided_at", "-pk")[:HISTORY_LIMIT]
    )
    shown_rows(request, discussions)
    entries = []
    for share in shares:
        at = share.sent_at or share.created_at
        entries.append(
            Entry(occurred_at=at, recorded_at=at, template="sharing/_chronology_share.html", context={"share": share})
        )
        if share.is_locked_for_viewer:  # type: ignore[attr-defined]
            continue
        entries += [
            Entry(
                occurred_at=response.occurred_at,
                recorded_at=response.recorded_at,
                template="sharing/_chronology_response.html",
                context={"share": share, "response": response},
            )
            for response in share.responses.all()
        ]
    for discussion in discussions:
        entries.append(
            Entry(
                occurred_at=discussion.held_at or discussion.decided_at,
                recorded_at=discussion.recorded_at or discussion.decided_at,
                template="sharing/_chronology_strategy.html",
                context={
                    "discussion": discussion,
                    "police_attended": any(
                        a.agency == OrganisationKind.POLICE_UNIT for a in discussion.attendees.all()
                    ),
                },
            )
        )
    records = [(SHARE, s.pk) for s in shares] + [(DISCUSSION, d.pk) for d in discussions]
    return History(entries=entries, records=records)
