"""Set-up and read-back for the sharing journey, run inside the server's database (``manage.py shell``).

tests/conftest.py's helpers cannot be imported there (they import the test-only casework app, which the
server's settings do not install), so these take the same steps through the same services.
"""

from __future__ import annotations

import json

CHILD_GIVEN, CHILD_FAMILY = "Lily", "Hartley"
SUMMARY = "Neighbour called 999 after hearing a man threaten to smash the kitchen at Larkspur Close."
CHILDS_WORDS = "I put my headphones on and hid in the wardrobe until it went quiet."
MEADOWBANK_URN = "990101"


def arrange_encompass_concern(webhook_url: str, secret: str) -> None:
    """After ``seed_demo``: the demo officer submits a domestic abuse concern about a child at Meadowbank
    Primary School (the child's record holds the school's URN) and the supervisor endorses it; children's
    social care registers its webhook. Prints the concern's and the child's ids and the reference."""
    from datetime import date, timedelta

    from django.utils import timezone

    from safeguard.accounts.models import Organisation, User
    from safeguard.concerns import services as concerns
    from safeguard.people.models import DobQuality, IdentifierKind, Source
    from safeguard.people.services import NewPerson, add_identifier, create_person
    from safeguard.sharing.models import PartnerProfile
    from safeguard.sharing.services import school_of
    from safeguard.voice.services import VoiceAnswers, record_voice

    officer = User.objects.get(username="officer")
    supervisor = User.objects.get(username="supervisor")
    child = create_person(
        details=NewPerson(
            given_name=CHILD_GIVEN,
            family_name=CHILD_FAMILY,
            date_of_birth=date(2017, 9, 14),
            dob_quality=DobQuality.STATED,
        ),
        by=officer,
    )
    add_identifier(person=child, kind=IdentifierKind.SCHOOL_URN, value=MEADOWBANK_URN, source=Source.PERSON, by=officer)
    school = school_of(child)
    assert school is not None and school.name == "Meadowbank Primary School", school

    concern = concerns.start_concern(by=officer)
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timedelta(hours=2), by=officer)
    concerns.set_where(concern=concern, location="7 Larkspur Close, Northtown", postcode="NS2 7LP", by=officer)
    concerns.set_types(concern=concern, types=["domestic_abuse"], by=officer)
    concerns.set_summary(concern=concern, summary=SUMMARY, by=officer)
    concerns.grade_risk(
        concern=concern, grade="medium", rationale="Child at home during a verbal assault; first call-out.", by=officer
    )
    concerns.involve(concern=concern, person=child, roles=["subject_child"], by=officer)
    record_voice(
        concern=concern,
        person=child,
        answers=VoiceAnswers(
            seen=True,
            seen_alone="yes",
            spoken_to=True,
            childs_words=CHILDS_WORDS,
            demeanour=["frightened"],
            demeanour_narrative="Quiet, and kept close to her mother.",
            wishes_and_feelings="Wants things to be calm at home.",
            others_present="Mother downstairs.",
            informed_decision="Her account shows she was present: a school notice and a referral.",
        ),
        by=officer,
    )
    concerns.submit_concern(concern=concern, by=officer)
    concerns.endorse_concern(
        concern=concern, rationale="Proportionate: tell the school and refer to the MASH.", by=supervisor
    )

    social_care = Organisation.objects.get(name="Northshire Children's Social Care")
    PartnerProfile.objects.filter(organisation=social_care).update(webhook_url=webhook_url, webhook_secret=secret)
    print(json.dumps({"pk": concern.pk, "reference": concern.reference, "child": child.pk}))


def sharing_state(concern_pk: int) -> None:
    """Prints, as JSON, each share of the concern (oldest first) with its status, the partner's
    acknowledgement and responses, its disclosure ledger entry and its alerts in the outbox."""
    from safeguard.sharing.models import Disclosure, OutboxMessage, Share

    shares = []
    for share in Share.objects.filter(concern_id=concern_pk).select_related("organisation").order_by("pk"):
        disclosure = Disclosure.objects.filter(share=share).first()
        shares.append(
            {
                "reference": share.reference,
                "kind": share.kind,
                "status": share.status,
                "organisation": share.organisation.name if share.organisation else None,
                "child": share.child_id,
                "acknowledged_by": share.acknowledged_by.username if share.acknowledged_by else None,
                "responses": list(share.responses.values_list("kind", flat=True)),
                "disclosed": [e["field"] for e in disclosure.content] if disclosure else None,
                "lawful_basis": disclosure.lawful_basis if disclosure else None,
                "alerts": [
                    {"channel": m.channel, "recipient": m.recipient, "key": str(m.key), "state": m.state}
                    for m in OutboxMessage.objects.filter(share=share, event="share.sent").order_by("pk")
                ],
            }
        )
    print(json.dumps({"shares": shares}))
