"""The police sharing pages: a concern's shares, drafting, redacting, previewing and sending, the share
itself, revoking, deciding not to share and its review, a response taken by the hub, the hub's board
and the disclosure ledger. Who may use each, what each shows and audits, and that each goes through
the services end to end."""

from __future__ import annotations

import html as entities
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import AccessGrant, Organisation, OrganisationKind
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.concerns.models import Concern
from safeguard.people.models import IdentifierKind, Person, Source
from safeguard.people.services import add_identifier
from safeguard.sharing import services
from safeguard.sharing.models import (
    Disclosure,
    OutboxMessage,
    OutboxState,
    PartnerProfile,
    PartnerResponse,
    ResponseKind,
    Share,
    ShareKind,
    ShareStatus,
)
from safeguard.sharing.relay import relay
from safeguard.timescales.models import Clock
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, make_user, sign_in
from tests.sharing.helpers import add_contacts, make_school, partner_user, send, submitted_concern

SHARE = "sharing.share"


def text(response: object) -> str:
    """What the page says, without markup."""
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", content)))


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"sharing:{name}", args=[pk] if pk is not None else [])


def consulted(seq: int, record_type: str = SHARE) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.record_type == record_type and e.operation == Operation.CONSULT]


@pytest.fixture
def concern(force: Force) -> Concern:
    return submitted_concern(force)


@pytest.fixture
def child(concern: Concern) -> Person:
    return services.children_of(concern)[0]


@pytest.fixture
def school(force: Force, child: Person) -> Organisation:
    """The child's school, found by the URN on the child's record."""
    school = make_school()
    add_identifier(
        person=child, kind=IdentifierKind.SCHOOL_URN, value="100001", source=Source.FAMILY, by=force.user("officer")
    )
    return school


# --- Drafting, redacting, previewing and sending -------------------------------------------------------


def test_hub_drafts_redacts_previews_and_sends_a_mash_referral(force: Force, concern: Concern) -> None:
    hub = sign_in(Client(), force.user("hub"))
    page = hub.get(url("draft", concern.pk) + "?kind=mash")
    assert page.status_code == 200 and "Testshire Social Care" in text(page)

    made = hub.post(url("draft", concern.pk) + "?kind=mash", {"organisation": force.partner_org.pk})
    share = Share.objects.get(concern=concern)
    assert made.status_code == 302 and made["Location"] == url("edit", share.pk)
    assert share.status == ShareStatus.DRAFT and share.organisation == force.partner_org

    included = ["occurred_at", "types", "summary", "people", "risk", "voice"]  # history left out
    edited = hub.post(
        url("edit", share.pk),
        {
            "included": included,
            "value_summary": "Shouting and a child crying were heard late at night.",
            "value_people": "Amy Smith: subject child",
            "value_risk": "Medium",
            "value_voice": "Spoken to: frightened.",
            "value_history": "Left out",
            "lawful_basis": "ca04_s11",
            "lawful_basis_detail": "Needed to protect the child from further harm.",
        },
    )
    assert edited.status_code == 302 and edited["Location"] == url("preview", share.pk)

    preview = hub.get(url("preview", share.pk))
    shown = text(preview)
    assert "This is exactly what Testshire Social Care will see" in shown
    share.refresh_from_db()
    for item in services.shared_content(share):
        assert item["label"] in shown and item["value"].splitlines()[0] in shown
    assert "Police history relevant to the child" not in shown and "Left out" not in shown
    assert "Children Act 2004 s.11" in shown

    sent = hub.post(url("preview", share.pk), {})
    assert sent.status_code == 302 and sent["Location"] == url("share", share.pk)
    share.refresh_from_db()
    disclosure = Disclosure.objects.get(share=share)
    assert share.status == ShareStatus.SENT and share.open_to == force.partner_org
    assert disclosure.content == services.shared_content(share)
    assert disclosure.lawful_basis == "ca04_s11" and disclosure.disclosed_by == force.user("hub")

    page = hub.get(sent["Location"])
    shown = text(page)
    assert "sent to Testshire Social Care" in shown  # the success banner
    assert disclosure.content_sha256 in shown and "Shouting and a child crying were heard late at night." in shown
    assert "Disclosure ledger entry" in shown and "On time" in shown


def test_officer_sends_an_encompass_notice_to_the_childs_school_which_is_proposed_first(
    force: Force, concern: Concern, child: Person, school: Organisation
) -> None:
    Organisation.objects.create(name="Aardvark Academy", kind=OrganisationKind.SCHOOL)
    officer = sign_in(Client(), force.user("officer"))
    page = officer.get(url("draft", concern.pk) + "?kind=encompass")
    content = page.content.decode()
    options = re.findall(r'<option value="(\d+)"', content)
    assert options[0] == str(school.pk)  # the child's school before "Aardvark Academy"
    assert f'<option value="{school.pk}" selected>' in content and "(the child&#x27;s school)" in content

    made = officer.post(url("draft", concern.pk) + "?kind=encompass", {"organisation": school.pk, "child": child.pk})
    share = Share.objects.get(concern=concern, kind=ShareKind.ENCOMPASS)
    assert made.status_code == 302 and share.child == child and share.organisation == school

    edit = officer.get(url("edit", share.pk))
    assert edit.status_code == 200 and "Always shared" in text(edit)
    assert 'name="value_child_name"' not in edit.content.decode()  # fixed: shown, not editable
    changed = officer.post(
        url("edit", share.pk),
        {"value_child_present": "yes", "value_welfare_check": "no", "lawful_basis": "encompass"},
    )
    assert changed.status_code == 302
    officer.post(url("preview", share.pk), {})
    share.refresh_from_db()
    shared = {item["field"]: item["value"] for item in share.disclosure.content}
    assert share.status == ShareStatus.SENT and shared["child_present"] == "Yes" and shared["welfare_check"] == "No"
    assert "summary" not in shared


def test_an_officer_may_share_only_an_operation_encompass_notice(force: Force, concern: Concern) -> None:
    officer = sign_in(Client(), force.user("officer"))
    page = text(officer.get(url("concern", concern.pk)))
    assert "Draft: Operation Encompass notice to a school" in page
    assert "Draft: MASH referral" not in page and "Arrange a strategy discussion" not in page

    refused = officer.get(url("draft", concern.pk) + "?kind=mash")
    assert refused.status_code == 200 and "Choose a kind of share from the list" in text(refused)
    posted = officer.post(url("draft", concern.pk) + "?kind=mash", {"organisation": force.partner_org.pk})
    assert posted.status_code == 200 and not Share.objects.exists()


def test_a_draft_concern_cannot_be_shared_yet(force: Force) -> None:
    officer = force.user("officer")
    draft = make_concern(officer, make_child(officer))
    client = sign_in(Client(), officer)
    answer = client.get(url("draft", draft.pk) + "?kind=encompass")
    assert answer.status_code == 302 and answer["Location"] == url("concern", draft.pk)
    assert "can be shared once it has been submitted" in text(client.get(answer["Location"]))
    detail = client.get(reverse("concerns:detail", args=[draft.pk]))
    assert "Share with partners" not in text(detail)


def test_the_concern_page_offers_sharing_to_those_who_may_share(force: Force, concern: Concern) -> None:
    for role, offered in [("hub", True), ("officer", True), ("leader", False)]:
        page = sign_in(Client(), force.user(role)).get(reverse("concerns:detail", args=[concern.pk]))
        assert ("Share with partners" in text(page)) is offered, role
    send(force.user("hub"), concern, force.partner_org)
    page = sign_in(Client(), force.user("leader")).get(reverse("concerns:detail", args=[concern.pk]))
    assert "Share with partners" in text(page)  # there is now something shared to see


# --- Who may use the pages -----------------------------------------------------------------------------


def test_partners_get_404_on_police_record_pages_even_for_a_share_open_to_them(force: Force, concern: Concern) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    partner = sign_in(Client(), force.user("partner"))
    seq = last_seq()
    for name in ("share", "edit", "preview", "revoke", "review", "respond"):
        assert partner.get(url(name, share.pk)).status_code in (403, 404), name
    assert partner.get(url("share", share.pk)).status_code == 404
    assert partner.get(url("revoke", share.pk)).status_code == 404
    for name in ("concern", "draft", "not_shared"):
        assert partner.get(url(name, concern.pk)).status_code == 404, name
    assert partner.get(url("board")).status_code == 403 and partner.get(url("ledger")).status_code == 403
    denied = [e for e in consulted(seq) if e.outcome == Outcome.DENIED]
    assert denied and all(e.record_ids == [str(share.pk)] for e in denied)


def test_another_units_officer_gets_404_and_a_leader_may_look_but_not_share(force: Force, concern: Concern) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    outsider = sign_in(Client(), force.outsider)
    for name, pk in [("concern", concern.pk), ("draft", concern.pk), ("not_shared", concern.pk), ("share", share.pk)]:
        assert outsider.get(url(name, pk)).status_code == 404, name
    leader = sign_in(Client(), force.user("leader"))
    assert leader.get(url("share", share.pk)).status_code == 200
    assert leader.get(url("concern", concern.pk)).status_code == 200
    assert leader.get(url("draft", concern.pk)).status_code == 404
    assert leader.get(url("revoke", share.pk)).status_code == 404
    assert leader.get(url("board")).status_code == 403 and leader.get(url("ledger")).status_code == 200


def test_only_the_hub_records_a_response_or_retries_an_alert(force: Force, concern: Concern) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    for role in ("officer", "supervisor", "leader"):
        client = sign_in(Client(), force.user(role))
        assert client.get(url("respond", share.pk)).status_code == 403, role
        assert client.post(url("retry", 1)).status_code == 403, role
    assert sign_in(Client(), force.user("officer")).get(url("board")).status_code == 403


def test_the_officer_who_drafted_an_encompass_notice_may_revoke_it_but_a_colleague_may_not(
    force: Force, concern: Concern, child: Person, school: Organisation
) -> None:
    share = send(force.user("officer"), concern, school, kind=ShareKind.ENCOMPASS, child=child)
    assert sign_in(Client(), force.colleague).get(url("revoke", share.pk)).status_code == 404
    assert sign_in(Client(), force.user("officer")).get(url("revoke", share.pk)).status_code == 200


# --- A concern's shares ------------------------------------------------------------------------------


def test_the_concern_page_lists_shares_decisions_and_the_clocks_owed(
    force: Force, concern: Concern, child: Person, school: Organisation
) -> None:
    hub = force.user("hub")
    referral = send(hub, concern, force.partner_org)
    decision = services.record_not_shared(
        concern=concern,
        kind=ShareKind.ENCOMPASS,
        child=child,
        reason="The school already knows from the family and the social worker.",
        by=hub,
    )
    client = sign_in(Client(), hub)
    seq = last_seq()
    page = client.get(url("concern", concern.pk))
    shown = text(page)
    assert page.status_code == 200
    assert str(referral) in shown and str(decision) in shown
    assert "MASH referral to children's social care" in shown and "Testshire Social Care" in shown
    assert "Amy Smith" in shown and "Decided not to share" in shown and "Sent" in shown
    assert "Partner acknowledges the share" in shown  # the referral's running clock
    assert "MASH referral: due 24 h after endorsement" in shown and "Done on time" in shown  # the send clock
    assert "Arrange a strategy discussion" in shown and "Record a decision not to share" in shown
    [event] = consulted(seq)
    assert set(event.record_ids) == {str(referral.pk), str(decision.pk)}
    assert [e.record_ids for e in consulted(seq, "concerns.concern")] == [[str(concern.pk)]]
    assert [e.record_ids for e in consulted(seq, "people.person")] == [[str(child.pk)]]
    assert "Amy" not in page.content.decode().split("<title>")[1].split("</title>")[0]


# --- One share ---------------------------------------------------------------------------------------


def test_the_share_page_shows_the_timeline_ledger_entry_delivery_and_responses(force: Force, concern: Concern) -> None:
    add_contacts(force.partner_org)
    PartnerProfile.objects.create(organisation=force.partner_org, webhook_url="https://partner.invalid/hook")
    hub = force.user("hub")
    share = send(hub, concern, force.partner_org)
    relay()  # the email is delivered (the test mailer), the webhook has no signing secret: dead
    services.record_response(
        share=share,
        kind=ResponseKind.SECTION_47,
        detail="Enquiry opened by the duty team.",
        occurred_at=timezone.now(),
        by=force.user("partner"),
    )
    client = sign_in(Client(), hub)
    seq = last_seq()
    page = client.get(url("share", share.pk))
    shown = text(page)
    for step in (
        "Drafted",
        "Sent",
        "Alert delivered to the partner",
        "Acknowledged by the partner",
        "The partner's response recorded",
    ):
        assert step in shown, step
    assert "duty@partner.example" in shown and "https://partner.invalid/hook" in shown
    assert "Failed: will not be retried" in shown and "no webhook signing secret" in shown
    assert "Send again" in shown  # the hub may retry the dead alert
    assert "Section 47 enquiry started" in shown and "Enquiry opened by the duty team." in shown
    assert share.disclosure.content_sha256 in shown and "Revoke" in shown
    [event] = consulted(seq)
    assert event.record_ids == [str(share.pk)] and event.outcome == Outcome.ALLOWED
    assert f"<title>Share {share.reference}" in page.content.decode()


def test_revoking_ends_the_partners_access_and_tells_their_system(force: Force, concern: Concern) -> None:
    add_contacts(force.partner_org)
    share = send(force.user("hub"), concern, force.partner_org)
    client = sign_in(Client(), force.user("hub"))
    form = client.get(url("revoke", share.pk))
    assert "can no longer read it from the moment you revoke it" in text(form)
    done = client.post(url("revoke", share.pk), {"reason": "Shared with the wrong local authority."})
    assert done.status_code == 302 and done["Location"] == url("share", share.pk)
    share.refresh_from_db()
    assert share.status == ShareStatus.REVOKED and share.open_to is None
    assert OutboxMessage.objects.filter(share=share, event="share.revoked").exists()
    page = text(client.get(done["Location"]))
    assert "Revoked because: Shared with the wrong local authority." in page and "Access ended" in page
    assert client.get(url("revoke", share.pk))["Location"] == url("share", share.pk)  # nothing left to revoke


def test_a_decision_not_to_share_is_reviewed_by_the_units_supervisor(
    force: Force, concern: Concern, child: Person
) -> None:
    officer = sign_in(Client(), force.user("officer"))
    form = officer.get(url("not_shared", concern.pk))
    assert form.status_code == 200 and "Amy Smith" in text(form)
    done = officer.post(
        url("not_shared", concern.pk),
        {"kind": "encompass", "child": child.pk, "reason": "The child has left the school and is home educated."},
    )
    decision = Share.objects.get(concern=concern, status=ShareStatus.NOT_SHARED)
    assert done.status_code == 302 and done["Location"] == url("share", decision.pk)
    assert Clock.objects.get(record_type=SHARE, record_id=decision.pk).owner == force.user("supervisor")

    assert officer.get(url("review", decision.pk)).status_code == 403  # not a supervisor
    assert sign_in(Client(), force.user("hub")).get(url("review", decision.pk)).status_code == 403
    supervisor = sign_in(Client(), force.user("supervisor"))
    page = supervisor.get(url("share", decision.pk))
    assert "Review this decision" in text(page) and "home educated" in text(page)
    reviewed = supervisor.post(
        url("review", decision.pk), {"agree": "no", "note": "Tell the new school's designated lead today."}
    )
    assert reviewed.status_code == 302
    decision.refresh_from_db()
    assert decision.review_agreed is False and decision.reviewed_by == force.user("supervisor")
    assert force.user("officer").notifications.filter(message__contains="disagrees").exists()
    assert "Disagreed" in text(supervisor.get(url("share", decision.pk)))


def test_the_hub_records_a_partners_response_on_their_behalf(force: Force, concern: Concern) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    client = sign_in(Client(), force.user("hub"))
    form = client.get(url("respond", share.pk))
    assert "Strategy discussion held" in text(form) and "Support in school" not in text(form)
    today = timezone.localtime()
    answer = client.post(
        url("respond", share.pk),
        {
            "kind": "strategy_discussion",
            "detail": "Told by the duty manager by phone.",
            "day_0": today.day,
            "day_1": today.month,
            "day_2": today.year,
            "time": "00:00",
        },
    )
    assert answer.status_code == 302
    response = PartnerResponse.objects.get(share=share)
    assert response.recorded_by == force.user("hub") and response.kind == ResponseKind.STRATEGY_DISCUSSION
    share.refresh_from_db()
    assert share.status == ShareStatus.ANSWERED and share.acknowledged_at is not None


def test_sending_late_asks_why_and_the_ledger_records_it_late(force: Force, concern: Concern) -> None:
    hub = force.user("hub")
    share = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=force.partner_org, by=hub)
    due = Clock.objects.get(record_type="concerns.concern", record_id=concern.pk, rule_code="sharing.referral").due_at
    with time_machine.travel(due + timedelta(hours=2)):
        client = sign_in(Client(), hub)
        page = client.get(url("preview", share.pk))
        assert "Why is this late?" in text(page) and "Overdue" in text(page)
        refused = client.post(url("preview", share.pk), {})
        assert refused.status_code == 200 and "choose why it is late" in text(refused)
        assert Share.objects.get(pk=share.pk).status == ShareStatus.DRAFT
        sent = client.post(
            url("preview", share.pk),
            {"breach_reason": "demand", "breach_detail": "Three high-risk referrals came in at once."},
        )
        assert sent.status_code == 302
    disclosure = Disclosure.objects.get(share=share)
    assert disclosure.on_time is False and disclosure.due_at == due


def test_each_step_is_audited(force: Force, concern: Concern) -> None:
    client = sign_in(Client(), force.user("hub"))
    seq = last_seq()
    client.post(url("draft", concern.pk) + "?kind=mash", {"organisation": force.partner_org.pk})
    share = Share.objects.get(concern=concern)
    client.post(url("preview", share.pk), {})
    written = [(e.operation, e.record_ids, e.recipients) for e in events_since(seq) if e.record_type == SHARE]
    assert (Operation.COLLECT, [str(share.pk)], []) in written
    assert (Operation.DISCLOSE, [str(share.pk)], ["Testshire Social Care"]) in written


# --- The board, the ledger and dead alerts -------------------------------------------------------------


def test_the_board_counts_each_state_filters_and_finds_the_overdue(force: Force, concern: Concern) -> None:
    hub = force.user("hub")
    sent = send(hub, concern, force.partner_org)
    drafted = services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    client = sign_in(Client(), hub)
    page = text(client.get(url("board")))
    assert "1 drafted" in page and "1 sent" in page and "0 overdue at some step" in page
    only_drafts = text(client.get(url("board") + "?status=draft"))
    assert str(drafted) in only_drafts and str(sent) not in only_drafts
    by_kind = text(client.get(url("board") + "?kind=mash"))
    assert str(sent) in by_kind and str(drafted) not in by_kind

    acknowledgement = Clock.objects.get(record_type=SHARE, record_id=sent.pk, rule_code="sharing.acknowledgement")
    with time_machine.travel(acknowledgement.due_at + timedelta(minutes=5)):
        client = sign_in(Client(), hub)
        late = text(client.get(url("board") + "?overdue=on"))
        assert "1 overdue at some step" in late and str(sent) in late and str(drafted) not in late


def test_a_supervisor_sees_the_board_for_their_units_only(force: Force, concern: Concern) -> None:
    outsider_concern = submitted_concern_in_unit_b(force)
    hub = force.user("hub")
    ours = send(hub, concern, force.partner_org)
    theirs = services.draft_share(
        concern=outsider_concern,
        kind=ShareKind.ENCOMPASS,
        organisation=make_school(),
        by=force.outsider,
        child=services.children_of(outsider_concern)[0],
    )
    page = text(sign_in(Client(), force.user("supervisor")).get(url("board")))
    assert str(ours) in page and str(theirs) not in page
    assert str(theirs) in text(sign_in(Client(), hub).get(url("board")))


def submitted_concern_in_unit_b(force: Force) -> Concern:
    return make_concern(force.outsider, make_child(force.outsider, "Bea", "Jones"), submit=True)


def test_dead_alerts_are_listed_first_and_the_hub_sends_one_again(force: Force, concern: Concern) -> None:
    PartnerProfile.objects.create(organisation=force.partner_org, webhook_url="https://partner.invalid/hook")
    share = send(force.user("hub"), concern, force.partner_org)
    relay()
    dead = OutboxMessage.objects.get(share=share)
    assert dead.state == OutboxState.DEAD
    client = sign_in(Client(), force.user("hub"))
    page = text(client.get(url("board")))
    assert "1 alert could not be delivered" in page and "no webhook signing secret" in page and "Send again" in page
    supervisor_page = text(sign_in(Client(), force.user("supervisor")).get(url("board")))
    assert "1 alert could not be delivered" in supervisor_page and "Send again" not in supervisor_page

    PartnerProfile.objects.filter(organisation=force.partner_org).update(
        webhook_url="https://partner.invalid/new-hook", webhook_secret="s3cret"
    )
    seq = last_seq()
    answer = client.post(url("retry", dead.pk))
    assert answer.status_code == 302 and answer["Location"] == url("board")
    dead.refresh_from_db()
    assert (dead.state, dead.attempts, dead.recipient) == (OutboxState.PENDING, 0, "https://partner.invalid/new-hook")
    written = sorted((e.operation, e.record_ids) for e in events_since(seq) if e.record_type == SHARE)
    assert written == [(Operation.ALTER, [str(share.pk)]), (Operation.CONSULT, [str(share.pk)])]
    again = client.post(url("retry", dead.pk), {"back": "share"})  # no longer dead: refused, nothing changes
    assert again["Location"] == url("share", share.pk)
    assert "only one that failed" in text(client.get(again["Location"]))


def test_the_ledger_lists_disclosures_and_decisions_newest_first_and_filters(
    force: Force, concern: Concern, child: Person, school: Organisation
) -> None:
    hub = force.user("hub")
    first = send(hub, concern, force.partner_org)
    decision = services.record_not_shared(
        concern=concern,
        kind=ShareKind.ENCOMPASS,
        child=child,
        organisation=school,
        reason="The child is not on the school's roll any more.",
        by=hub,
    )
    draft = services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    client = sign_in(Client(), force.user("leader"))
    seq = last_seq()
    page = text(client.get(url("ledger")))
    assert page.index(str(decision)) < page.index(str(first)) and str(draft) not in page
    assert first.disclosure.content_sha256[:10] in page and "Decided not to share" in page
    [event] = consulted(seq)
    assert set(event.record_ids) == {str(first.pk), str(decision.pk)}

    by_org = text(client.get(url("ledger") + f"?organisation={force.partner_org.pk}"))
    assert str(first) in by_org and str(decision) not in by_org
    tomorrow = timezone.localdate() + timedelta(days=1)
    later = text(
        client.get(url("ledger") + f"?since_0={tomorrow.day}&since_1={tomorrow.month}&since_2={tomorrow.year}")
    )
    assert "No entries match" in later


def test_an_auditor_sees_only_the_ledger_entries_granted(force: Force, concern: Concern) -> None:
    hub = force.user("hub")
    granted, other = send(hub, concern, force.partner_org), send(hub, concern, force.partner_org, kind=ShareKind.OTHER)
    auditor = force.user("auditor")
    AccessGrant.objects.create(
        user=auditor,
        kind=AccessGrant.Kind.AUDIT,
        record_type=SHARE,
        record_id=str(granted.pk),
        reason="Case-file audit",
        expires_at=timezone.now() + timedelta(days=1),
    )
    page = text(sign_in(Client(), auditor).get(url("ledger")))
    assert str(granted) in page and str(other) not in page


def _queries(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_board_and_the_ledger_cost_the_same_queries_for_3_or_10_shares(force: Force, concern: Concern) -> None:
    PartnerProfile.objects.create(organisation=force.partner_org, webhook_url="https://partner.invalid/hook")
    hub = force.user("hub")

    def add(n: int) -> None:
        for _ in range(n):
            share = send(hub, concern, force.partner_org, kind=ShareKind.OTHER)
            services.record_not_shared(
                concern=concern, kind=ShareKind.OTHER, reason="Not needed by this partner at this stage.", by=hub
            )
            assert share.is_live
        relay()  # each share's webhook alert dies: the board lists every one

    client = sign_in(Client(), hub)
    pages = [url("board"), url("ledger"), url("board") + "?overdue=on&kind=other"]
    add(3)
    few = [_queries(client, page) for page in pages]
    add(7)
    many = [_queries(client, page) for page in pages]
    assert few == many
    assert OutboxMessage.objects.filter(state=OutboxState.DEAD).count() == 10


def test_partner_user_of_another_organisation_gets_404(force: Force, concern: Concern) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    other = Organisation.objects.create(name="Elsewhere Social Care", kind=OrganisationKind.CHILDRENS_SOCIAL_CARE)
    client = sign_in(Client(), partner_user(other, "elsewhere"))
    assert client.get(url("share", share.pk)).status_code == 404


def test_a_user_with_no_role_here_is_refused(force: Force, concern: Concern) -> None:
    admin = make_user("plainadmin", ["admin"], force.police, None)
    client = sign_in(Client(), admin)
    assert client.get(url("concern", concern.pk)).status_code == 404
    assert client.get(url("board")).status_code == 403
