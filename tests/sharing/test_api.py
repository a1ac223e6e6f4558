"""Sharing through the API (/api/v1/): the hub drafts, redacts, sends and revokes; a partner's own system,
with a token made by one of its users, lists only its organisation's live shares, reads one exactly as the
portal shows it, acknowledges it and records a response; another organisation's share and a revoked one
answer 404; strategy discussions are arranged, recorded and their actions completed; every read is
audited like the pages'; bad input is a 422 in the API's error shape with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.accounts.services import create_api_token
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.sharing import portal, services
from safeguard.sharing.models import (
    PartnerResponse,
    Share,
    ShareKind,
    ShareStatus,
    StrategyAction,
    StrategyDiscussion,
)
from safeguard.sharing.timescales import ACKNOWLEDGEMENT, LA_DECISION, STRATEGY
from safeguard.timescales.models import Clock
from tests.conftest import Force, events_since, last_seq, make_child
from tests.sharing.helpers import make_school, partner_user, send, submitted_concern

API = "/api/v1"
XSS = "<script>alert(1)</script>"
# What the concern holds that an 'other partner' notice does not propose: it must never reach the partner.
UNSHARED = ("Neighbours heard shouting", "Acacia Road", "NS1 4AB", "hid under the bed", "Second incident")
PARTNER_FIELDS = {
    "id",
    "reference",
    "kind",
    "status",
    "sent_at",
    "sent_by",
    "sent_by_unit",
    "lawful_basis",
    "lawful_basis_detail",
    "content",
    "acknowledged_at",
    "acknowledgement_due_at",
    "responses",
    "response_kinds",
}


def api_client(user: User) -> Client:
    _, raw = create_api_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, body or {}, content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(API + path, body, content_type="application/json")


def fields_of(response: Any) -> dict[str, str]:
    body = response.json()["error"]
    assert body["code"] == "invalid" and body["message"]
    return {d["field"]: d["message"] for d in body["details"]}


def writes_since(seq: int) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation != Operation.CONSULT and e.outcome == Outcome.ALLOWED]


def consults(seq: int, record_type: str = "sharing.share") -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation == Operation.CONSULT and e.record_type == record_type]


def clock(rule: Any, share: Share) -> Clock:
    return Clock.objects.get(rule_code=rule.code, record_type="sharing.share", record_id=share.pk)


def ago(**delta: int) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def referral(force: Force) -> Share:
    return send(force.user("hub"), submitted_concern(force), force.partner_org)


# --- A partner's own system -------------------------------------------------------------------------


def test_a_partners_system_lists_reads_acknowledges_and_responds_with_its_own_token(force: Force) -> None:
    hub = force.user("hub")
    concern = submitted_concern(force)
    school = make_school()
    share = send(hub, concern, force.partner_org)
    elsewhere = send(hub, concern, school, ShareKind.OTHER)
    withdrawn = send(hub, concern, force.partner_org, ShareKind.OTHER)
    services.revoke_share(share=withdrawn, reason="Sent to the wrong team by mistake", by=hub)
    services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    system = api_client(force.user("partner"))

    listed = system.get(f"{API}/shares")
    assert listed.status_code == 200
    [item] = listed.json()
    assert (item["id"], item["reference"], item["kind"], item["status"]) == (share.pk, share.reference, "mash", "sent")
    assert item["acknowledgement_due_at"] is not None and item["organisation"] == "Testshire Social Care"

    read = system.get(f"{API}/shares/{share.pk}")
    assert read.status_code == 200
    body = read.json()
    assert set(body) == PARTNER_FIELDS
    assert body["content"] == [
        {"field": c["field"], "label": c["label"], "value": c["value"]} for c in share.disclosure.content
    ]
    assert body["sent_by"] == "Hub" and body["sent_by_unit"] == "Unit A"
    assert body["status"] == "read"  # reading it through the API is the partner's first read
    assert "s47" in {k["code"] for k in body["response_kinds"]}
    assert Share.objects.get(pk=share.pk).status == ShareStatus.READ

    acknowledged = post(system, f"/shares/{share.pk}/acknowledge")
    assert acknowledged.status_code == 200, acknowledged.content
    assert acknowledged.json()["acknowledged_at"] and acknowledged.json()["status"] == "acknowledged"
    assert clock(ACKNOWLEDGEMENT, share).stopped_at is not None

    recorded = post(
        system,
        f"/shares/{share.pk}/responses",
        {"kind": "s47", "detail": "Section 47 enquiry opened.", "occurred_at": ago(minutes=20)},
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["kind"] == "s47" and recorded.json()["recorded_by"] == "Partner"
    share.refresh_from_db()
    assert share.status == ShareStatus.ANSWERED and clock(LA_DECISION, share).stopped_at is not None
    assert [r["kind"] for r in system.get(f"{API}/shares/{share.pk}/responses").json()] == ["s47"]

    for other in (elsewhere, withdrawn):
        for response in (
            system.get(f"{API}/shares/{other.pk}"),
            system.get(f"{API}/shares/{other.pk}/responses"),
            post(system, f"/shares/{other.pk}/acknowledge"),
            post(
                system,
                f"/shares/{other.pk}/responses",
                {"kind": "other", "detail": "Visited the family at home.", "occurred_at": ago(minutes=5)},
            ),
        ):
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not PartnerResponse.objects.exclude(share=share).exists()


def test_after_revocation_the_partners_next_request_is_refused(force: Force) -> None:
    share = referral(force)
    system, hub = api_client(force.user("partner")), api_client(force.user("hub"))
    assert system.get(f"{API}/shares/{share.pk}").status_code == 200
    revoked = post(hub, f"/shares/{share.pk}/revoke", {"reason": "Sent about the wrong child"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked" and not revoked.json()["live"]
    assert system.get(f"{API}/shares/{share.pk}").status_code == 404
    assert post(system, f"/shares/{share.pk}/acknowledge").status_code == 404
    assert system.get(f"{API}/shares").json() == []
    assert Share.objects.get(pk=share.pk).acknowledged_at is None


def test_a_partner_reaches_only_the_fields_that_were_shared(force: Force) -> None:
    share = send(force.user("hub"), submitted_concern(force), force.partner_org, ShareKind.OTHER)
    system = api_client(force.user("partner"))
    responses = [
        system.get(f"{API}/shares"),
        system.get(f"{API}/shares/{share.pk}"),
        system.get(f"{API}/shares/{share.pk}/responses"),
        post(system, f"/shares/{share.pk}/acknowledge"),
        post(system, f"/shares/{share.pk}/responses", {"kind": "other", "detail": "", "occurred_at": ago(minutes=5)}),
        system.get(f"{API}/shares/{share.pk + 1000}"),
        patch(system, f"/shares/{share.pk}", {"lawful_basis_detail": "x"}),
        system.get(f"{API}/strategy-discussions"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 422, 404, 404, 200]
    assert share.concern.reference in responses[1].content.decode()
    for response in responses:
        content = response.content.decode()
        assert "concern_id" not in content and "draft" not in content
        for unshared in UNSHARED:
            assert unshared not in content, (unshared, content)


def test_a_partner_cannot_draft_send_revoke_or_see_strategy_discussions(force: Force) -> None:
    hub = force.user("hub")
    concern = submitted_concern(force)
    draft = services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub)
    live = send(hub, concern, force.partner_org)
    discussion = services.plan_strategy_discussion(concern=concern, reason="Reasonable cause to suspect harm.", by=hub)
    system, seq = api_client(force.user("partner")), last_seq()
    body = {"concern_id": concern.pk, "kind": "other", "organisation_id": force.partner_org.pk}
    assert post(system, "/shares", body).status_code == 403
    assert (
        post(system, "/shares/not-shared", {**body, "reason": "They already know about this child."}).status_code == 403
    )
    assert (
        post(
            system, "/strategy-discussions", {"concern_id": concern.pk, "reason": "We should meet about this."}
        ).status_code
        == 403
    )
    for share in (draft, live):
        assert patch(system, f"/shares/{share.pk}", {"lawful_basis_detail": "Because."}).status_code == 404
        assert post(system, f"/shares/{share.pk}/send").status_code == 404
        assert post(system, f"/shares/{share.pk}/revoke", {"reason": "We do not want it."}).status_code == 404
    assert system.get(f"{API}/strategy-discussions/{discussion.pk}").status_code == 404
    assert system.get(f"{API}/strategy-discussions").json() == []
    assert writes_since(seq) == []
    assert Share.objects.get(pk=draft.pk).status == ShareStatus.DRAFT and Share.objects.get(pk=live.pk).is_live


# --- The police side --------------------------------------------------------------------------------


def test_the_hub_drafts_redacts_sends_and_revokes_a_referral(force: Force) -> None:
    concern = submitted_concern(force)
    hub = api_client(force.user("hub"))
    drafted = post(hub, "/shares", {"concern_id": concern.pk, "kind": "mash", "organisation_id": force.partner_org.pk})
    assert drafted.status_code == 201, drafted.content
    body = drafted.json()
    assert body["status"] == "draft" and body["concern_id"] == concern.pk and body["disclosure"] is None
    assert [s["step"] for s in body["timeline"]] == ["drafted"]
    fields = {f["field"]: f for f in body["draft"]}
    assert fields["history"]["included"] and fields["reference"]["required"] and not fields["reference"]["editable"]

    redacted = patch(
        hub,
        f"/shares/{body['id']}",
        {
            "included": [f for f in fields if f not in ("history", "people")],
            "values": {"summary": "Shouting heard at the address; a child was crying."},
            "lawful_basis_detail": "To safeguard the child: a second incident this month.",
        },
    )
    assert redacted.status_code == 200, redacted.content
    fields = {f["field"]: f for f in redacted.json()["draft"]}
    assert not fields["history"]["included"] and not fields["people"]["included"]
    assert fields["summary"]["value"] == "Shouting heard at the address; a child was crying."

    sent = post(hub, f"/shares/{body['id']}/send")
    assert sent.status_code == 200, sent.content
    disclosure = sent.json()["disclosure"]
    assert sent.json()["status"] == "sent" and sent.json()["live"]
    assert {c["field"] for c in disclosure["content"]} == {
        "reference",
        "occurred_at",
        "types",
        "summary",
        "risk",
        "voice",
        "contact",
    }
    assert disclosure["lawful_basis_detail"] == "To safeguard the child: a second incident this month."
    assert disclosure["on_time"] is True and len(disclosure["content_sha256"]) == 64
    assert [s["step"] for s in sent.json()["timeline"]] == ["drafted", "sent"]
    assert patch(hub, f"/shares/{body['id']}", {"lawful_basis_detail": "Changed afterwards."}).status_code == 422

    revoked = post(hub, f"/shares/{body['id']}/revoke", {"reason": "Sent before the supervisor agreed"})
    assert revoked.status_code == 200
    last = revoked.json()["timeline"][-1]
    assert (last["step"], last["by"], last["detail"]) == ("revoked", "Hub", "Sent before the supervisor agreed")


def test_an_officer_sends_an_encompass_notice_but_not_a_referral(force: Force) -> None:
    officer_user = force.user("officer")
    school = make_school()
    amy = make_child(officer_user)
    concern = submitted_concern(force, amy)
    officer = api_client(officer_user)
    refused = post(
        officer, "/shares", {"concern_id": concern.pk, "kind": "mash", "organisation_id": force.partner_org.pk}
    )
    assert refused.status_code == 422 and "kind" in fields_of(refused)
    no_child = post(officer, "/shares", {"concern_id": concern.pk, "kind": "encompass", "organisation_id": school.pk})
    assert no_child.status_code == 422 and "child_id" in fields_of(no_child)
    drafted = post(
        officer,
        "/shares",
        {"concern_id": concern.pk, "kind": "encompass", "organisation_id": school.pk, "child_id": amy.pk},
    )
    assert drafted.status_code == 201, drafted.content
    assert post(officer, f"/shares/{drafted.json()['id']}/send").status_code == 200
    dsl = api_client(partner_user(school, "dsl"))
    notice = dsl.get(f"{API}/shares/{drafted.json()['id']}").json()
    assert {c["field"] for c in notice["content"]} <= {
        "child_name",
        "child_dob",
        "reference",
        "occurred_at",
        "child_present",
        "welfare_check",
        "contact",
    }
    assert "Neighbours heard shouting" not in str(notice)


def test_a_decision_not_to_share_is_recorded_and_never_reaches_the_partner(force: Force) -> None:
    concern = submitted_concern(force)
    hub = api_client(force.user("hub"))
    decided = post(
        hub,
        "/shares/not-shared",
        {
            "concern_id": concern.pk,
            "kind": "mash",
            "organisation_id": force.partner_org.pk,
            "reason": "Social care were at the scene and opened an assessment themselves.",
        },
    )
    assert decided.status_code == 201, decided.content
    assert decided.json()["status"] == "not_shared" and decided.json()["timeline"][0]["step"] == "not_shared"
    assert api_client(force.user("partner")).get(f"{API}/shares/{decided.json()['id']}").status_code == 404
    short = post(hub, "/shares/not-shared", {"concern_id": concern.pk, "kind": "mash", "reason": "No."})
    assert short.status_code == 422 and "reason" in fields_of(short)


def test_the_police_list_is_scoped_filtered_and_audited_in_one_event(force: Force) -> None:
    hub_user = force.user("hub")
    concern = submitted_concern(force)
    referral_ = send(hub_user, concern, force.partner_org)
    other = send(hub_user, concern, force.partner_org, ShareKind.OTHER)
    draft = services.draft_share(concern=concern, kind=ShareKind.OTHER, organisation=force.partner_org, by=hub_user)
    hub, seq = api_client(hub_user), last_seq()
    everything = hub.get(f"{API}/shares").json()
    assert [s["id"] for s in everything] == [draft.pk, other.pk, referral_.pk]
    [event] = consults(seq)
    assert sorted(event.record_ids) == sorted(str(s.pk) for s in (draft, other, referral_))
    assert [s["id"] for s in hub.get(f"{API}/shares", {"status": "draft"}).json()] == [draft.pk]
    assert [s["id"] for s in hub.get(f"{API}/shares", {"kind": "mash"}).json()] == [referral_.pk]
    assert [s["id"] for s in hub.get(f"{API}/shares", {"limit": 1, "offset": 1}).json()] == [other.pk]
    assert api_client(force.outsider).get(f"{API}/shares").json() == []
    assert api_client(force.outsider).get(f"{API}/shares/{referral_.pk}").status_code == 404


def test_the_hub_records_a_response_on_the_partners_behalf_and_an_officer_cannot(force: Force) -> None:
    share = referral(force)
    body = {"kind": "nfa", "detail": "Told by phone: no further action.", "occurred_at": ago(hours=1)}
    assert post(api_client(force.user("officer")), f"/shares/{share.pk}/responses", body).status_code == 403
    recorded = post(api_client(force.user("hub")), f"/shares/{share.pk}/responses", body)
    assert recorded.status_code == 201 and recorded.json()["recorded_by"] == "Hub"
    acknowledging = post(api_client(force.user("hub")), f"/shares/{share.pk}/acknowledge")
    assert acknowledging.status_code == 422 and "organisation" in acknowledging.json()["error"]["details"][0]["message"]


# --- The access log ---------------------------------------------------------------------------------


def test_reads_write_one_consultation_per_share_and_a_partners_says_so(force: Force) -> None:
    share = referral(force)
    seq = last_seq()
    police = api_client(force.user("supervisor")).get(f"{API}/shares/{share.pk}")
    partner = api_client(force.user("partner")).get(f"{API}/shares/{share.pk}")
    assert police.status_code == partner.status_code == 200
    [by_police, by_partner] = consults(seq)
    assert (by_police.actor_id, by_police.record_ids, by_police.reason, by_police.channel) == (
        force.user("supervisor").pk,
        [str(share.pk)],
        "",
        "api",
    )
    assert (by_partner.actor_id, by_partner.record_ids, by_partner.reason) == (
        force.user("partner").pk,
        [str(share.pk)],
        portal.PARTNER_READ,
    )
    assert by_partner.request_id == partner["X-Request-ID"]


def test_refused_attempts_are_audited_as_denied(force: Force) -> None:
    school = make_school()
    share = send(force.user("hub"), submitted_concern(force), school, ShareKind.OTHER)
    system, seq = api_client(force.user("partner")), last_seq()
    system.get(f"{API}/shares/{share.pk}")
    post(system, f"/shares/{share.pk}/acknowledge")
    post(system, "/shares", {"concern_id": share.concern_id, "kind": "other", "organisation_id": school.pk})
    denied = [e for e in events_since(seq) if e.outcome == Outcome.DENIED]
    assert [(e.record_type, e.record_ids) for e in denied] == [
        ("sharing.share", [str(share.pk)]),
        ("sharing.share", [str(share.pk)]),
        ("sharing.share", []),
    ]


def test_writes_are_audited_by_the_services_in_the_same_call(force: Force) -> None:
    share = referral(force)
    system, seq = api_client(force.user("partner")), last_seq()
    post(system, f"/shares/{share.pk}/acknowledge")
    [write] = writes_since(seq)
    assert (write.operation, write.record_ids, write.channel, write.actor_id) == (
        Operation.ALTER,
        [str(share.pk)],
        "api",
        force.user("partner").pk,
    )


def test_calls_without_a_token_get_401(force: Force) -> None:
    share = referral(force)
    anonymous = Client()
    assert anonymous.get(f"{API}/shares").status_code == 401
    assert anonymous.get(f"{API}/shares/{share.pk}").status_code == 401
    assert post(anonymous, f"/shares/{share.pk}/acknowledge").status_code == 401


# --- Strategy discussions ---------------------------------------------------------------------------


def test_the_hub_arranges_and_records_a_strategy_discussion_and_an_officer_completes_their_action(
    force: Force,
) -> None:
    share = referral(force)
    hub_user, officer_user = force.user("hub"), force.user("officer")
    hub = api_client(hub_user)
    planned = post(
        hub,
        "/strategy-discussions",
        {
            "concern_id": share.concern_id,
            "share_id": share.pk,
            "reason": "Reasonable cause to suspect significant harm.",
        },
    )
    assert planned.status_code == 201, planned.content
    discussion_id = planned.json()["id"]
    assert planned.json()["share_id"] == share.pk and planned.json()["held_at"] is None
    discussion = StrategyDiscussion.objects.get(pk=discussion_id)
    assert Clock.objects.get(rule_code=STRATEGY.code, record_id=discussion_id).stopped_at is None

    recorded = post(
        hub,
        f"/strategy-discussions/{discussion_id}/record",
        {
            "held_at": ago(hours=1),
            "attendees": [
                {"agency": "police", "name": "Hub Officer", "role": "MASH sergeant"},
                {"agency": "social_care", "name": "Sam Worker", "organisation_id": force.partner_org.pk},
            ],
            "information_shared": "Police history and the child's account of the incident.",
            "decision": "s47",
            "rationale": "The child's account and the second incident this month.",
            "actions": [
                {
                    "description": "Arrange an ABE interview",
                    "agency": "police",
                    "owner_id": officer_user.pk,
                    "due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
                },
                {
                    "description": "Visit the family at home",
                    "agency": "social_care",
                    "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
                },
            ],
        },
    )
    assert recorded.status_code == 200, recorded.content
    body = recorded.json()
    assert body["decision"] == "s47" and [a["agency"] for a in body["attendees"]] == ["police", "social_care"]
    assert {a["agency"]: a["owner_id"] for a in body["actions"]} == {"police": officer_user.pk, "social_care": None}
    assert Clock.objects.get(rule_code=STRATEGY.code, record_id=discussion_id).stopped_at is not None

    listed = hub.get(f"{API}/strategy-discussions", {"held": "true"}).json()
    assert [d["id"] for d in listed] == [discussion_id]
    assert hub.get(f"{API}/strategy-discussions", {"held": "false"}).json() == []
    assert hub.get(f"{API}/strategy-discussions/{discussion_id}").json()["reason"] == discussion.reason

    police_action = StrategyAction.objects.get(discussion=discussion, agency="police")
    officer, seq = api_client(officer_user), last_seq()
    done = post(officer, f"/strategy-actions/{police_action.pk}/complete", {"note": "ABE interview booked for Friday."})
    assert done.status_code == 200, done.content
    assert done.json()["done_by"] == "Officer" and done.json()["done_at"]
    assert [e.record_ids for e in consults(seq, "sharing.strategydiscussion")] == [[str(discussion_id)]]
    again = post(officer, f"/strategy-actions/{police_action.pk}/complete", {"note": "Booked it twice."})
    assert again.status_code == 422
    partner_action = StrategyAction.objects.get(discussion=discussion, agency="social_care")
    assert (
        post(
            api_client(force.outsider), f"/strategy-actions/{partner_action.pk}/complete", {"note": "Visited them."}
        ).status_code
        == 404
    )
    assert (
        post(
            api_client(force.user("partner")),
            f"/strategy-actions/{partner_action.pk}/complete",
            {"note": "Visited them."},
        ).status_code
        == 404
    )
    assert (
        post(
            hub, f"/strategy-actions/{partner_action.pk}/complete", {"note": "Social care visited on Tuesday."}
        ).status_code
        == 200
    )


def test_only_the_hub_arranges_a_strategy_discussion(force: Force) -> None:
    concern = submitted_concern(force)
    refused = post(
        api_client(force.user("officer")),
        "/strategy-discussions",
        {"concern_id": concern.pk, "reason": "We should meet about this child."},
    )
    assert refused.status_code == 422 and "hub" in refused.json()["error"]["details"][0]["message"]
    assert not StrategyDiscussion.objects.exists()


# --- Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"kind": "school_support"}, "kind"),  # not an answer to a MASH referral
        ({"occurred_at": "2025-13-45T25:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2024-01-01T10:00:00"}, "occurred_at"),  # no time zone: ambiguous
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"occurred_at": ago(days=10)}, "occurred_at"),  # before it was shared
        ({"detail": f"Visited. {XSS}"}, "detail"),
        ({"detail": '=HYPERLINK("http://evil.example")'}, "detail"),
        ({"detail": "x" * 4001}, "detail"),
        ({"detail": "x" * 300_000}, "detail"),
        ({"detail": "Visited\x00 the family"}, "detail"),
        ({"kind": "other", "detail": ""}, "detail"),
        ({"kind": ["s47"]}, "kind"),
    ],
)
def test_a_bad_response_is_refused_with_the_field_and_nothing_changes(
    force: Force, change: dict[str, Any], field: str
) -> None:
    share = referral(force)
    system, seq = api_client(force.user("partner")), last_seq()
    body = {"kind": "s47", "detail": "Enquiry opened.", "occurred_at": ago(minutes=10), **change}
    response = post(system, f"/shares/{share.pk}/responses", body)
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert not PartnerResponse.objects.exists() and writes_since(seq) == []
    assert Share.objects.get(pk=share.pk).acknowledged_at is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"included": ["summary", "horoscope"]}, "included.1"),
        ({"included": ["summary; DROP TABLE"]}, "included.0"),
        ({"values": {"horoscope": "Gemini"}}, "values.horoscope"),
        ({"values": {"reference": "SOMETHING-ELSE"}}, "values.reference"),
        ({"values": {"summary": f"Shouting {XSS}"}}, "values.summary"),
        ({"values": {"summary": "+1 to the neighbour's account"}}, "values.summary"),
        ({"values": {"summary": "   "}}, "values.summary"),
        ({"values": {"summary": "x" * 8001}}, "values.summary"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"lawful_basis_detail": "Over\x07 there"}, "lawful_basis_detail"),
        ({"included": "summary"}, "included"),
    ],
)
def test_a_bad_redaction_is_refused_with_the_field_and_the_draft_is_unchanged(
    force: Force, change: dict[str, Any], field: str
) -> None:
    hub_user = force.user("hub")
    share = services.draft_share(
        concern=submitted_concern(force), kind=ShareKind.MASH_REFERRAL, organisation=force.partner_org, by=hub_user
    )
    before = Share.objects.get(pk=share.pk).content
    hub, seq = api_client(hub_user), last_seq()
    response = patch(hub, f"/shares/{share.pk}", change)
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert Share.objects.get(pk=share.pk).content == before and writes_since(seq) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"concern_id": "abc"}, "concern_id"),
        ({"concern_id": 99_999_999}, "concern_id"),
        ({"organisation_id": 99_999_999}, "organisation_id"),
        ({"kind": "gossip"}, "kind"),
        ({"child_id": -1}, "child_id"),
        ({"organisation_id": 2**80}, "organisation_id"),
    ],
)
def test_a_bad_draft_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    concern = submitted_concern(force)
    hub, seq = api_client(force.user("hub")), last_seq()
    body = {"concern_id": concern.pk, "kind": "mash", "organisation_id": force.partner_org.pk, **change}
    response = post(hub, "/shares", body)
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert not Share.objects.exists() and writes_since(seq) == []


def _in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_at": (timezone.now() + timedelta(days=1)).isoformat()}, "held_at"),
        ({"held_at": "tomorrow"}, "held_at"),
        ({"attendees": []}, "attendees"),
        ({"attendees": [{"agency": "police", "name": "R2D2"}]}, "attendees.0.name"),
        ({"attendees": [{"agency": "wizards", "name": "Sam Worker"}]}, "attendees.0.agency"),
        (
            {"attendees": [{"agency": "social_care", "name": "Sam Worker", "organisation_id": 99_999_999}]},
            "attendees.0.organisation_id",
        ),
        ({"attendees": [{"agency": "police", "name": "Sam\nWorker"}]}, "attendees.0.name"),
        ({"decision": "maybe"}, "decision"),
        ({"rationale": XSS}, "rationale"),
        ({"information_shared": "short"}, "information_shared"),
        (
            {"actions": [{"description": "Visit the family", "agency": "social_care", "due_on": _in_days(-1)}]},
            "actions.0.due_on",
        ),
        (
            {"actions": [{"description": "Visit the family", "agency": "police", "due_on": _in_days(2)}]},
            "actions.0.owner_id",
        ),
        (
            {
                "actions": [
                    {
                        "description": "Visit the family",
                        "agency": "police",
                        "due_on": _in_days(2),
                        "owner_id": 99_999_999,
                    }
                ]
            },
            "actions.0.owner_id",
        ),
        ({"actions": [{"description": "Visit", "agency": "police", "due_on": "2026-02-31"}]}, "actions.0.due_on"),
        ({"attendees": [{"agency": "police", "name": "Sam Worker"}] * 51}, "attendees"),
    ],
)
def test_a_bad_strategy_discussion_record_is_refused_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    hub_user = force.user("hub")
    discussion = services.plan_strategy_discussion(
        concern=submitted_concern(force), reason="Reasonable cause to suspect significant harm.", by=hub_user
    )
    body = {
        "held_at": ago(hours=1),
        "attendees": [{"agency": "social_care", "name": "Sam Worker"}],
        "information_shared": "Police history and the child's account of the incident.",
        "decision": "cin",
        "rationale": "Needs are met by a child in need assessment.",
        "actions": [],
        **change,
    }
    hub, seq = api_client(hub_user), last_seq()
    response = post(hub, f"/strategy-discussions/{discussion.pk}/record", body)
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    discussion.refresh_from_db()
    assert discussion.held_at is None and not discussion.attendees.exists() and writes_since(seq) == []


def test_malformed_json_and_oversized_bodies_get_the_uniform_error(force: Force) -> None:
    share = referral(force)
    system = api_client(force.user("partner"))
    broken = system.post(f"{API}/shares/{share.pk}/responses", "{not json", content_type="application/json")
    huge = system.post(
        f"{API}/shares/{share.pk}/responses", '{"detail": "' + "x" * 3_000_000 + '"}', content_type="application/json"
    )
    assert broken.status_code in (400, 422) and broken.json()["error"]["code"]
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    bad_id = system.get(f"{API}/shares/not-a-number")
    assert bad_id.status_code in (404, 422) and bad_id.json()["error"]["code"]
    bad_filter = system.get(f"{API}/shares", {"status": "secret", "limit": 10_000})
    assert bad_filter.status_code == 422 and {"status", "limit"} <= {f.split(".")[-1] for f in fields_of(bad_filter)}
    assert not PartnerResponse.objects.exists() and Share.objects.get(pk=share.pk).acknowledged_at is None


# --- The schema -------------------------------------------------------------------------------------


def test_openapi_schema_documents_the_sharing_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    for path, method in [
        ("/api/v1/shares", "get"),
        ("/api/v1/shares", "post"),
        ("/api/v1/shares/not-shared", "post"),
        ("/api/v1/shares/{share_id}", "get"),
        ("/api/v1/shares/{share_id}", "patch"),
        ("/api/v1/shares/{share_id}/send", "post"),
        ("/api/v1/shares/{share_id}/revoke", "post"),
        ("/api/v1/shares/{share_id}/acknowledge", "post"),
        ("/api/v1/shares/{share_id}/responses", "get"),
        ("/api/v1/shares/{share_id}/responses", "post"),
        ("/api/v1/strategy-discussions", "get"),
        ("/api/v1/strategy-discussions", "post"),
        ("/api/v1/strategy-discussions/{discussion_id}", "get"),
        ("/api/v1/strategy-discussions/{discussion_id}/record", "post"),
        ("/api/v1/strategy-actions/{action_id}/complete", "post"),
    ]:
        assert method in schema["paths"][path], (path, method)
    components = schema["components"]["schemas"]
    assert "encompass" in components["ShareKind"]["enum"] and "s47" in components["ResponseKind"]["enum"]
    assert "concern_id" not in components["PartnerShareOut"]["properties"]
