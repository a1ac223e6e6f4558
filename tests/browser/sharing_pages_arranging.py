"""Set-up for the sharing pages' accessibility sweep, run inside the server's database (``manage.py
shell``) after ``seed_demo``: it prints one line of JSON naming the records the sweep visits.

Kept apart from the test module so the server's shell imports only Django code and this file's callers.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

SUMMARY = "Police called to a domestic incident; the children were at home and heard it."
REASON = "The family is already open to social care and the allocated social worker was told by phone today."


def arrange_sharing() -> None:
    """On a concern of the demo officer's about one child: the hub's draft MASH referral (to edit and
    preview), a referral the hub sent that social care acknowledged and answered, the officer's decision
    not to share an Encompass notice (for the supervisor to review), and a strategy discussion the hub
    arranged and has not held. From the seed: a held discussion awaiting its conference, an open agreed
    action, and one of the social care partner's contacts. Prints their ids as JSON."""
    from django.utils import timezone

    from safeguard.accounts.models import User
    from safeguard.sharing import services
    from safeguard.sharing.models import PartnerContact, ShareKind, StrategyAction, StrategyDecision, StrategyDiscussion

    from .test_investigation_pages_accessibility import _submitted_concern

    officer, hub, partner = (User.objects.get(username=name) for name in ("officer", "hub", "partner"))
    social_care = partner.organisation
    assert social_care is not None
    concern = _submitted_concern(officer, "Maisie", "Thornbury", date(2017, 5, 14))
    child = services.children_of(concern)[0]

    draft = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)

    sent = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    services.update_draft(
        share=sent,
        included=[entry["field"] for entry in sent.content],
        values={entry["field"]: entry["value"] or SUMMARY for entry in sent.content},
        lawful_basis=sent.lawful_basis,
        lawful_basis_detail="Section 47 threshold may be met: social care must decide today.",
        by=hub,
    )
    services.send_share(share=sent, by=hub)
    services.record_read(share=sent, by=partner)
    services.acknowledge_share(share=sent, by=partner)
    services.record_response(
        share=sent,
        kind="strategy_discussion",
        detail="Strategy discussion held with police and health; section 47 enquiry to follow.",
        occurred_at=timezone.now() - timedelta(hours=1),
        by=partner,
    )

    declined = services.record_not_shared(
        concern=concern, kind=ShareKind.ENCOMPASS, reason=REASON, by=officer, child=child
    )
    planned = services.plan_strategy_discussion(
        concern=concern, reason="Possible significant harm: section 47 threshold.", by=hub, share=sent
    )

    held = StrategyDiscussion.objects.filter(
        held_at__isnull=False, decision=StrategyDecision.SECTION_47, conference_held_at__isnull=True
    ).order_by("pk")[0]
    action = StrategyAction.objects.filter(done_at__isnull=True).order_by("pk")[0]
    contact = PartnerContact.objects.filter(organisation=social_care).order_by("pk")[0]
    print(
        json.dumps(
            {
                "concern": concern.pk,
                "draft": draft.pk,
                "sent": sent.pk,
                "declined": declined.pk,
                "planned": planned.pk,
                "held": held.pk,
                "action": action.pk,
                "partner": social_care.pk,
                "contact": contact.pk,
            }
        )
    )
