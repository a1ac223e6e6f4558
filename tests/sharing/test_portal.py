"""The partner portal (/partner/): a partner reads what was shared with their organisation, acknowledges
it and records what they did, and the police record moves with them; everything else answers 404 (another
organisation's share, a revoked one from the next request, a draft, a decision not to share); police get
403; every share shown is audited once, refused attempts too; bad input is refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeguard.audit.models import Operation, Outcome
from safeguard.sharing import portal, services
from safeguard.sharing.models import PartnerResponse, Share, ShareKind, ShareStatus
from safeguard.sharing.timescales import ACKNOWLEDGEMENT, LA_DECISION
from safeguard.timescales.models import Clock
from tests.conftest import Force, events_since, last_seq, make_child, sign_in
from tests.sharing.helpers import make_school, partner_user, send, submitted_concern

XSS = "<script>alert(1)</script>"


def clock(rule: Any, share: Share) -> Clock:
    return Clock.objects.get(rule_code=rule.code, record_type="sharing.share", record_id=share.pk)


def share_events(seq: int) -> list[Any]:
    return [e for e in events_since(seq) if e.record_type == "sharing.share"]


def referral(force: Force) -> Share:
    """A MASH referral the hub sent to the force's children's social care."""
    return send(force.user("hub"), submitted_concern(force), force.partner_org)


def respond_form(kind: str = "s47", detail: str = "Section 47 enquiry opened by the duty team.", **change: str) -> dict:
    done = timezone.localtime() - timedelta(minutes=30)
    form = {
        "kind": kind,
        "detail": detail,
        "day_0": str(done.day),
        "day_1": str(done.month),
        "day_2": str(done.year),
        "time": f"{done:%H:%M}",
    }
    form.update(change)
    return form


# --- The journey ------------------------------------------------------------------------------------


def test_partner_reads_acknowledges_and_records_a_response_and_the_police_clocks_stop(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))

    home = partner.get(reverse("portal:home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert "Shared with Testshire Social Care" in page and share.reference in page and "New" in page
    assert f'href="{reverse("portal:share", args=[share.pk])}"' in page

    read = partner.get(reverse("portal:share", args=[share.pk]))
    assert read.status_code == 200
    page = read.content.decode()
    assert "Neighbours heard shouting" in page  # the referral's summary, as disclosed
    assert share.disclosure.get_lawful_basis_display() in page
    assert "Hub, Unit A" in page  # who sent it: name and unit, from the disclosure
    assert "Acknowledge that you have received this" in page and "Record what you did" in page
    share.refresh_from_db()
    assert share.status == ShareStatus.READ and share.first_read_at is not None

    acknowledged = partner.post(reverse("portal:acknowledge", args=[share.pk]), follow=True)
    assert acknowledged.redirect_chain == [(reverse("portal:share", args=[share.pk]), 302)]
    assert f"You acknowledged {share.reference}" in acknowledged.content.decode()
    assert "Acknowledge that you have received this" not in acknowledged.content.decode()
    share.refresh_from_db()
    assert share.status == ShareStatus.ACKNOWLEDGED and share.acknowledged_by == force.user("partner")
    assert clock(ACKNOWLEDGEMENT, share).stopped_at is not None

    form = partner.get(reverse("portal:respond", args=[share.pk]))
    assert form.status_code == 200 and "Section 47 enquiry started" in form.content.decode()
    answered = partner.post(reverse("portal:respond", args=[share.pk]), respond_form(), follow=True)
    assert answered.redirect_chain == [(reverse("portal:share", args=[share.pk]), 302)]
    page = answered.content.decode()
    assert "Recorded: Section 47 enquiry started" in page and "Section 47 enquiry opened by the duty team." in page
    share.refresh_from_db()
    assert share.status == ShareStatus.ANSWERED and share.answered_at is not None
    [response] = share.responses.all()
    assert response.kind == "s47" and response.recorded_by == force.user("partner")
    assert response.occurred_at < response.recorded_at
    assert clock(LA_DECISION, share).stopped_at is not None
    assert "Answered" in partner.get(reverse("portal:home")).content.decode()


def test_a_response_acknowledges_an_unacknowledged_share(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    answered = partner.post(reverse("portal:respond", args=[share.pk]), respond_form("nfa", ""))
    assert answered.status_code == 302
    share.refresh_from_db()
    assert share.acknowledged_at is not None and share.status == ShareStatus.ANSWERED
    assert clock(ACKNOWLEDGEMENT, share).stopped_at is not None


def test_acknowledging_twice_says_so_and_changes_nothing(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    partner.post(reverse("portal:acknowledge", args=[share.pk]))
    first = Share.objects.get(pk=share.pk).acknowledged_at
    again = partner.post(reverse("portal:acknowledge", args=[share.pk]), follow=True)
    assert "already been acknowledged" in again.content.decode()
    assert Share.objects.get(pk=share.pk).acknowledged_at == first


def test_the_home_page_shows_when_acknowledgement_is_due_and_flags_it_overdue(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    due = clock(ACKNOWLEDGEMENT, share).due_at
    page = partner.get(reverse("portal:home")).content.decode()
    assert timezone.localtime(due).strftime("%H:%M") in page and "Overdue" not in page
    Clock.objects.filter(pk=clock(ACKNOWLEDGEMENT, share).pk).update(
        started_at=timezone.now() - timedelta(days=9),
        due_soon_at=timezone.now() - timedelta(days=3),
        due_at=timezone.now() - timedelta(days=2),
        escalate_at=timezone.now() - timedelta(days=1),
    )
    assert "Overdue" in partner.get(reverse("portal:home")).content.decode()
    assert "Overdue" in partner.get(reverse("portal:share", args=[share.pk])).content.decode()


def test_the_home_page_lists_only_live_shares_to_the_organisation_newest_first_a_page_at_a_time(
    force: Force, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = force.user("hub")
    concern = submitted_concern(force)
    school = make_school()
    mine = [send(hub, concern, force.partner_org, ShareKind.OTHER) for _ in range(3)]
    revoked = send(hub, concern, force.partner_org, ShareKind.OTHER)
    services.revoke_share(share=revoked, reason="Sent to the wrong team by mistake", by=hub)
    services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    theirs = send(hub, concern, school, ShareKind.OTHER)
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    partner, seq = sign_in(Client(), force.user("partner")), last_seq()

    first = partner.get(reverse("portal:home")).content.decode()
    second = partner.get(reverse("portal:home"), {"page": 2}).content.decode()
    assert first.index(mine[2].reference) < first.index(mine[1].reference) and mine[0].reference not in first
    assert mine[0].reference in second and "Page 2 of 2 (3 items)" in second
    for other in (revoked, theirs):
        assert other.reference not in first + second
    assert [e.record_ids for e in share_events(seq)] == [
        [str(mine[2].pk), str(mine[1].pk)],
        [str(mine[0].pk)],
    ]


def test_the_home_page_query_count_does_not_grow_with_the_shares_shown(force: Force) -> None:
    hub = force.user("hub")
    concern = submitted_concern(force)
    partner = sign_in(Client(), force.user("partner"))
    send(hub, concern, force.partner_org)
    partner.get(reverse("portal:home"))  # warm the session and the caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert partner.get(reverse("portal:home")).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(5):
        send(hub, concern, force.partner_org, ShareKind.OTHER)
    assert Share.objects.filter(open_to=force.partner_org).count() == 6
    assert queries() == few


# --- What a partner must never see ------------------------------------------------------------------


def test_a_partner_sees_only_the_fields_that_were_shared_never_the_concern(force: Force) -> None:
    """A notice to 'another partner' proposes only the reference and the police contact: the concern's
    summary, its address and the child's words stay with the police, on every page the partner can reach."""
    share = send(force.user("hub"), submitted_concern(force), force.partner_org, ShareKind.OTHER)
    partner = sign_in(Client(), force.user("partner"))
    pages = [
        partner.get(reverse("portal:home")),
        partner.get(reverse("portal:share", args=[share.pk])),
        partner.get(reverse("portal:respond", args=[share.pk])),
        partner.post(reverse("portal:respond", args=[share.pk]), respond_form("other", "")),
        partner.get(reverse("portal:share", args=[share.pk + 1000])),
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 404]
    assert share.concern.reference in pages[1].content.decode()  # the police reference was shared
    for page in pages:
        content = page.content.decode()
        for unshared in ("Neighbours heard shouting", "Acacia Road", "NS1 4AB", "hid under the bed", "Second incident"):
            assert unshared not in content, unshared


# --- Who may reach what -----------------------------------------------------------------------------


def test_another_organisations_share_is_not_found(force: Force) -> None:
    school = make_school()
    share = send(force.user("hub"), submitted_concern(force), school, ShareKind.OTHER)
    partner, seq = sign_in(Client(), force.user("partner")), last_seq()
    for response in (
        partner.get(reverse("portal:share", args=[share.pk])),
        partner.post(reverse("portal:acknowledge", args=[share.pk])),
        partner.get(reverse("portal:respond", args=[share.pk])),
        partner.post(reverse("portal:respond", args=[share.pk]), respond_form("other", "Talked to the family.")),
    ):
        assert response.status_code == 404 and "Page not found" in response.content.decode()
        assert share.reference not in response.content.decode()
    share.refresh_from_db()
    assert share.first_read_at is None and share.acknowledged_at is None and not share.responses.exists()
    denied = share_events(seq)
    assert [(e.outcome, e.record_ids) for e in denied] == [(Outcome.DENIED, [str(share.pk)])] * 4
    # The school's own partner reads it.
    school_partner = sign_in(Client(), partner_user(school, "dsl"))
    assert school_partner.get(reverse("portal:share", args=[share.pk])).status_code == 200


def test_a_revoked_share_is_refused_on_the_very_next_request(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    assert partner.get(reverse("portal:share", args=[share.pk])).status_code == 200
    services.revoke_share(share=share, reason="Sent about the wrong child", by=force.user("hub"))
    assert partner.get(reverse("portal:share", args=[share.pk])).status_code == 404
    assert partner.post(reverse("portal:acknowledge", args=[share.pk])).status_code == 404
    assert partner.post(reverse("portal:respond", args=[share.pk]), respond_form()).status_code == 404
    assert share.reference not in partner.get(reverse("portal:home")).content.decode()
    share.refresh_from_db()
    assert share.acknowledged_at is None and not share.responses.exists()


def test_a_draft_and_a_decision_not_to_share_are_not_found(force: Force) -> None:
    hub = force.user("hub")
    concern = submitted_concern(force)
    draft = services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    decided = services.record_not_shared(
        concern=concern,
        kind=ShareKind.MASH_REFERRAL,
        organisation=force.partner_org,
        reason="Already known to social care; they were at the scene and took the referral in person.",
        by=hub,
    )
    partner = sign_in(Client(), force.user("partner"))
    for share in (draft, decided):
        assert partner.get(reverse("portal:share", args=[share.pk])).status_code == 404
        assert partner.get(reverse("portal:respond", args=[share.pk])).status_code == 404
        assert partner.post(reverse("portal:acknowledge", args=[share.pk])).status_code == 404
    assert "Nothing has been shared with your organisation" in partner.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("role", ["officer", "investigator", "supervisor", "hub", "leader", "auditor", "admin"])
def test_the_portal_is_for_partners_only(force: Force, role: str) -> None:
    share = referral(force)
    client = sign_in(Client(), force.user(role))
    for response in (
        client.get(reverse("portal:home")),
        client.get(reverse("portal:share", args=[share.pk])),
        client.post(reverse("portal:acknowledge", args=[share.pk])),
        client.get(reverse("portal:respond", args=[share.pk])),
        client.post(reverse("portal:respond", args=[share.pk]), respond_form()),
    ):
        assert response.status_code == 403 and "Neighbours heard shouting" not in response.content.decode()
    share.refresh_from_db()
    assert share.first_read_at is None and share.acknowledged_at is None and not share.responses.exists()


def test_signed_out_visitors_are_sent_to_sign_in(force: Force) -> None:
    share = referral(force)
    response = Client().get(reverse("portal:share", args=[share.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_partners_home_page_and_navigation_lead_to_the_portal(force: Force) -> None:
    page = sign_in(Client(), force.user("partner")).get(reverse("home")).content.decode()
    assert page.count(f'href="{reverse("portal:home")}"') == 2  # the panel and the service navigation
    officer_page = sign_in(Client(), force.user("officer")).get(reverse("home")).content.decode()
    assert reverse("portal:home") not in officer_page


# --- The access log ---------------------------------------------------------------------------------


def test_reading_a_share_writes_one_consultation_saying_a_partner_read_the_disclosure(force: Force) -> None:
    share = referral(force)
    partner, seq = sign_in(Client(), force.user("partner")), last_seq()
    response = partner.get(reverse("portal:share", args=[share.pk]))
    [event] = events_since(seq)
    assert (event.operation, event.outcome, event.record_type, event.record_ids) == (
        Operation.CONSULT,
        Outcome.ALLOWED,
        "sharing.share",
        [str(share.pk)],
    )
    assert event.reason == portal.PARTNER_READ and event.actor_id == force.user("partner").pk
    assert event.actor_organisation == "Testshire Social Care" and event.request_id == response["X-Request-ID"]


def test_acknowledging_and_responding_are_audited_as_changes_by_the_partner(force: Force) -> None:
    share = referral(force)
    partner, seq = sign_in(Client(), force.user("partner")), last_seq()
    partner.post(reverse("portal:acknowledge", args=[share.pk]))
    partner.post(reverse("portal:respond", args=[share.pk]), respond_form())
    changes = [e for e in share_events(seq) if e.operation == Operation.ALTER]
    assert [e.record_ids for e in changes] == [[str(share.pk)], [str(share.pk)]]
    assert all(e.actor_id == force.user("partner").pk for e in changes)
    assert "acknowledged" in changes[0].reason and "Section 47" in changes[1].reason


# --- Bad input --------------------------------------------------------------------------------------


def _in(hours: int) -> dict[str, str]:
    moment = timezone.localtime() + timedelta(hours=hours)
    return {"day_0": str(moment.day), "day_1": str(moment.month), "day_2": str(moment.year), "time": f"{moment:%H:%M}"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": ""}, "Choose what was done"),
        ({"kind": "school_support"}, "Choose what was done"),  # not an answer to a MASH referral
        ({"kind": "' OR 1=1 --"}, "Choose what was done"),
        ({"kind": "other", "detail": ""}, "Say what was done"),
        ({"detail": f"Visited the family. {XSS}"}, "cannot contain"),
        ({"detail": '=HYPERLINK("http://example.invalid","x")'}, "cannot start with"),
        ({"detail": "Visited\x1b the family"}, "cannot be stored"),
        ({"detail": "Visited\x00 the family"}, "Null characters are not allowed"),
        ({"detail": "x" * 4001}, "4,000 characters or fewer"),
        ({"day_0": "31", "day_1": "2"}, "must be a real date"),
        ({"day_2": "26"}, "4-digit year"),
        ({"day_0": "", "day_1": "", "day_2": ""}, "Enter the date it was done"),
        ({"time": "25:99"}, "Enter a time like 14:30"),
        ({"time": ""}, "Enter the time it was done"),
        (_in(3), "in the past"),
        (_in(-24 * 5), "after the information was shared"),
    ],
)
def test_bad_responses_are_refused_with_a_clear_error_and_nothing_changes(
    force: Force, change: dict[str, str], message: str
) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    seq = last_seq()
    response = partner.post(reverse("portal:respond", args=[share.pk]), respond_form(**change))
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content and message in content, content
    assert XSS not in content and "<title>Error:" in content
    assert not PartnerResponse.objects.exists()
    share.refresh_from_db()
    assert share.acknowledged_at is None and share.status == ShareStatus.SENT
    assert [e for e in events_since(seq) if e.operation != Operation.CONSULT] == []


def test_the_acknowledge_button_only_posts(force: Force) -> None:
    share = referral(force)
    partner = sign_in(Client(), force.user("partner"))
    assert partner.get(reverse("portal:acknowledge", args=[share.pk])).status_code == 405
    assert Share.objects.get(pk=share.pk).acknowledged_at is None


def test_an_encompass_notice_offers_the_schools_answers(force: Force) -> None:
    officer = force.user("officer")
    school = make_school()
    amy = make_child(officer)
    concern = submitted_concern(force, amy)
    share = send(officer, concern, school, ShareKind.ENCOMPASS, child=amy)
    dsl = sign_in(Client(), partner_user(school, "dsl"))
    page = dsl.get(reverse("portal:share", args=[share.pk])).content.decode()
    assert "Amy Smith" in page and "Neighbours heard shouting" not in page
    form = dsl.get(reverse("portal:respond", args=[share.pk])).content.decode()
    assert "Support in school put in place" in form and "Section 47" not in form
    assert dsl.post(reverse("portal:respond", args=[share.pk]), respond_form("school_support", "")).status_code == 302


def test_a_share_of_a_restricted_record_opens_to_its_partner_without_breaking_the_glass(force: Force) -> None:
    """What was disclosed was chosen for the partner: the police record's restriction does not lock it."""
    from safeguard.accounts.services import create_api_token

    share = referral(force)
    Share.objects.filter(pk=share.pk).update(is_restricted=True)  # as sent from a restricted concern
    partner = sign_in(Client(), force.user("partner"))
    page = partner.get(reverse("portal:share", args=[share.pk]))
    assert page.status_code == 200 and "Neighbours heard shouting" in page.content.decode()
    _, raw = create_api_token(user=force.user("partner"), name="system")
    read = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(f"/api/v1/shares/{share.pk}")
    assert read.status_code == 200 and read.json()["reference"] == share.reference
    other = sign_in(Client(), partner_user(make_school(), "dsl"))
    assert other.get(reverse("portal:share", args=[share.pk])).status_code == 404
