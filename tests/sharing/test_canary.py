"""The canary test (QUALITY.md): a unique marker in every field that is not shared with a partner never
appears in anything a partner can reach — the portal's pages, the API with the partner's own token, the
alert emails and webhooks their systems receive (through a real SMTP server and a real HTTPS receiver),
and the error pages they meet when they try what they may not.

The concern, the child's voice, the people, the supervisor's decision and the police-only parts of each
share (a redacted summary, a decision not to share, a revocation) all carry markers; the partner is sent
a MASH referral with only some fields ticked and its summary rewritten, and the school an Operation
Encompass notice, which holds no incident detail at all.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import RoleCode
from safeguard.accounts.services import create_api_token
from safeguard.concerns import services as concerns
from safeguard.people.models import Person
from safeguard.sharing import services
from safeguard.sharing.models import PartnerProfile, Share, ShareKind
from safeguard.sharing.relay import relay
from tests.conftest import Force, make_child, make_user, record_voice, sign_in
from tests.sharing.helpers import add_contacts, make_school
from tests.sharing.receivers import SECRET, MailReceiver, WebhookReceiver

CANARY = re.compile(rb"canary", re.IGNORECASE)


def marker(field: str) -> str:
    return f"Canary {field} marker"


def leaks(content: bytes | str) -> list[str]:
    data = content.encode() if isinstance(content, str) else content
    return [data[max(0, m.start() - 40) : m.end() + 40].decode(errors="replace") for m in CANARY.finditer(data)]


def canary_concern(force: Force) -> tuple[Any, Person, Person]:
    """A submitted and endorsed concern with a marker in every free-text field, a suspect whose name is a
    marker, and a child whose voice record is full of them (the child's own name is shared by Encompass)."""
    officer = force.user("officer")
    child = make_child(officer, "Kai", "Lowe")
    suspect = make_child(officer, "Canaryman", "Canaryson", born="1980-02-03")
    concern = concerns.start_concern(by=officer)
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timezone.timedelta(hours=3), by=officer)
    concerns.set_where(concern=concern, location=marker("location"), postcode="NS1 4AB", by=officer)
    concerns.set_types(concern=concern, types=["domestic_abuse"], by=officer)
    concerns.set_summary(concern=concern, summary=marker("summary"), by=officer)
    concerns.grade_risk(concern=concern, grade="medium", rationale=marker("risk rationale"), by=officer)
    concerns.involve(concern=concern, person=child, roles=["subject_child"], by=officer)
    concerns.involve(concern=concern, person=suspect, roles=["suspect"], by=officer)
    record_voice(
        concern,
        child,
        officer,
        childs_words=marker("child's words"),
        demeanour_narrative=marker("demeanour"),
        wishes_and_feelings=marker("wishes"),
        others_present=marker("others present"),
        informed_decision=marker("how it informed the decision"),
    )
    concerns.submit_concern(concern=concern, by=officer)
    concerns.endorse_concern(concern=concern, rationale=marker("endorsement"), by=force.user("supervisor"))
    concern.refresh_from_db()
    return concern, child, suspect


@pytest.fixture
def reached(force: Force, mailbox: MailReceiver, webhook: WebhookReceiver) -> dict[str, Any]:
    """Everything each partner can reach once the shares are sent, delivered, read and answered."""
    hub, officer = force.user("hub"), force.user("officer")
    social_care = force.partner_org
    add_contacts(social_care)
    PartnerProfile.objects.create(organisation=social_care, webhook_url=webhook.url, webhook_secret=SECRET)
    school = make_school()
    concern, child, suspect = canary_concern(force)

    referral = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    services.update_draft(
        share=referral,
        included=["reference", "occurred_at", "types", "summary", "contact"],
        values={"summary": "Shouting heard at the address late at night; a child was present."},
        lawful_basis="dpa18_sch8",
        lawful_basis_detail="To safeguard the child in the household.",
        by=hub,
    )
    services.send_share(share=referral, by=hub)
    notice = services.draft_share(
        concern=concern, kind=ShareKind.ENCOMPASS, organisation=school, child=child, by=officer
    )
    services.send_share(share=notice, by=officer)
    # A draft holding the whole proposal (the summary, the voice, the risk rationale), never sent.
    services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    services.record_not_shared(
        concern=concern, kind=ShareKind.HEALTH, child=child, reason=marker("reason not to share"), by=hub
    )
    revoked = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    services.send_share(share=revoked, by=hub)
    services.revoke_share(share=revoked, reason=marker("revocation reason"), by=hub)

    while relay().claimed:
        pass
    assert webhook.keys and mailbox.mails, "the partners' systems received their alerts"

    surfaces: dict[str, bytes] = {}
    for organisation, username in ((social_care, "duty"), (school, "dsl")):
        user = make_user(username, [RoleCode.PARTNER], organisation, None)
        client = sign_in(Client(), user)
        _, token = create_api_token(user=user, name="partner system")
        api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        live = list(Share.objects.filter(open_to=organisation))
        pages = [reverse("home"), reverse("portal:home"), reverse("accounts:notifications")]
        for share in live:
            pages += [reverse("portal:share", args=[share.pk]), reverse("portal:respond", args=[share.pk])]
        # What they may not see: the police pages of the same records, other shares, the revoked one.
        refused = [
            reverse("concerns:detail", args=[concern.pk]),
            reverse("people:detail", args=[child.pk]),
            reverse("sharing:share", args=[referral.pk]),
            reverse("sharing:concern", args=[concern.pk]),
            reverse("portal:share", args=[revoked.pk]),
            reverse("portal:share", args=[notice.pk if organisation == social_care else referral.pk]),
            reverse("portal:share", args=[987654]),
        ]
        for url in pages + refused:
            response = client.get(url)
            surfaces[f"{username} page {url} ({response.status_code})"] = response.content
        for share in live:
            client.post(reverse("portal:acknowledge", args=[share.pk]))
            response = client.post(
                reverse("portal:respond", args=[share.pk]),
                {"kind": "other", "detail": "Spoke to the family.", "occurred_at_0": "", "occurred_at_1": ""},
            )
            surfaces[f"{username} respond error page {share.pk}"] = response.content
        endpoints = ["/api/v1/shares", "/api/v1/strategy-discussions", f"/api/v1/concerns/{concern.pk}"]
        for share in [*live, revoked, referral, notice]:
            endpoints += [f"/api/v1/shares/{share.pk}", f"/api/v1/shares/{share.pk}/responses"]
        for url in endpoints:
            response = Client().get(url, **api)  # type: ignore[arg-type]
            surfaces[f"{username} api {url} ({response.status_code})"] = response.content
        response = Client().post(
            f"/api/v1/shares/{referral.pk}/responses",
            json.dumps({"kind": "nonsense", "detail": "<script>", "occurred_at": "yesterday"}),
            content_type="application/json",
            **api,  # type: ignore[arg-type]
        )
        surfaces[f"{username} api error ({response.status_code})"] = response.content
    for mail in mailbox.mails:
        surfaces[f"email to {mail.to}"] = mail.message.as_bytes()
    for key, delivery in webhook.deliveries.items():
        surfaces[f"webhook {key}"] = json.dumps({"payload": delivery.payload, "headers": delivery.headers}).encode()
    return {"surfaces": surfaces, "referral": referral, "notice": notice, "suspect": suspect}


def test_no_marker_of_an_unshared_field_reaches_a_partner(reached: dict[str, Any]) -> None:
    surfaces = reached["surfaces"]
    found = {name: leaks(content) for name, content in surfaces.items() if leaks(content)}
    assert not found, f"police-only content reached a partner: {found}"


def test_the_partners_did_reach_what_was_shared_with_them(reached: dict[str, Any]) -> None:
    """The canary proves nothing if the surfaces were empty: each partner saw their own share's content."""
    surfaces = reached["surfaces"]
    referral_page = next(
        v for k, v in surfaces.items() if k.startswith(f"duty page /partner/shares/{reached['referral'].pk}/ (200")
    )
    notice_page = next(
        v for k, v in surfaces.items() if k.startswith(f"dsl page /partner/shares/{reached['notice'].pk}/ (200")
    )
    assert b"Shouting heard at the address late at night" in referral_page
    assert b"Kai Lowe" in notice_page and b"Shouting heard" not in notice_page
    assert any(k.startswith("email to") for k in surfaces) and any(k.startswith("webhook") for k in surfaces)
    assert any(" (404)" in k for k in surfaces), "the refused attempts were made"
