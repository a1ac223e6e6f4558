"""The sharing services: drafting with redaction, sending (ledger, access, clocks, alerts, all at once),
deciding not to share, the partner's side, revocation, escalation, and strategy discussions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.accounts import policy
from safeguard.audit.models import AuditEvent, Operation
from safeguard.concerns import services as concerns
from safeguard.concerns.models import RiskGrade
from safeguard.investigations import services as investigations
from safeguard.sharing import services
from safeguard.sharing.models import (
    Channel,
    Disclosure,
    OutboxMessage,
    ResponseKind,
    Share,
    ShareKind,
    ShareStatus,
    StrategyDecision,
)
from safeguard.sharing.timescales import (
    ACKNOWLEDGEMENT,
    CONFERENCE,
    ENCOMPASS,
    HEALTH,
    LA_DECISION,
    NO_SHARE_REVIEW,
    REFERRAL,
    STRATEGY,
    STRATEGY_ACTION,
)
from safeguard.timescales.models import BreachReason, Clock, ClockOutcome
from safeguard.timescales.services import Late, open_clock
from tests.conftest import Force, make_child, make_concern
from tests.sharing.helpers import add_contacts, make_school, partner_user, send, submitted_concern


def clocks(rule_code: str) -> list[Clock]:
    return list(Clock.objects.filter(rule_code=rule_code).order_by("pk"))


@pytest.fixture
def social_care(force: Force):  # type: ignore[no-untyped-def]
    add_contacts(force.partner_org)
    return force.partner_org


# --- Clocks to share, started by the concern's own events -----------------------------------------------


def test_an_endorsed_concern_owes_a_referral_and_its_school_notices(force: Force) -> None:
    concern = submitted_concern(force)
    encompass = open_clock(ENCOMPASS, concern)
    assert encompass is not None and encompass.owner_id == force.user("officer").pk
    referral = open_clock(REFERRAL, concern)
    assert referral is not None and referral.hub_work
    assert referral.due_at == concern.decided_at + timedelta(hours=24)
    assert open_clock(HEALTH, concern) is None  # the child (born 2018) is not under 5


def test_a_high_risk_concern_owes_its_referral_within_the_hour_of_submission(force: Force) -> None:
    officer = force.user("officer")
    concern = make_concern(officer, make_child(officer))
    concerns.grade_risk(concern=concern, grade=RiskGrade.HIGH, rationale="Child injured and scared.", by=officer)
    concerns.submit_concern(concern=concern, by=officer)
    concern.refresh_from_db()
    referral = open_clock(REFERRAL, concern)
    assert referral is not None and referral.due_at == concern.submitted_at + timedelta(hours=1)


def test_a_baby_in_the_concern_owes_health_a_notification(force: Force) -> None:
    officer = force.user("officer")
    baby = make_child(officer, "Bo", "Smith", born=(timezone.localdate() - timedelta(days=300)).isoformat())
    concern = submitted_concern(force, baby)
    assert open_clock(HEALTH, concern) is not None


# --- Drafting and redaction --------------------------------------------------------------------------------


def test_an_encompass_notice_holds_only_what_the_protocol_allows(force: Force) -> None:
    school = make_school()
    child = make_child(force.user("officer"), "Kai", "Lowe")
    concern = submitted_concern(force, child)
    share = services.draft_share(
        concern=concern, kind=ShareKind.ENCOMPASS, organisation=school, child=child, by=force.user("officer")
    )
    fields = [entry["field"] for entry in services.shared_content(share)]
    assert fields == [
        "child_name",
        "child_dob",
        "reference",
        "occurred_at",
        "child_present",
        "welfare_check",
        "contact",
    ]
    shown = " ".join(entry["value"] for entry in services.shared_content(share))
    assert concern.summary not in shown and concern.location not in shown and "Kai Lowe" in shown


def test_an_officer_may_share_only_operation_encompass(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    with pytest.raises(ValidationError):
        services.draft_share(
            concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=force.user("officer")
        )
    assert services.kinds_for(force.user("officer"), concern) == [ShareKind.ENCOMPASS]
    assert ShareKind.MASH_REFERRAL in services.kinds_for(force.user("hub"), concern)


def test_redaction_unticks_and_edits_but_cannot_add_or_change_fixed_fields(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    hub = force.user("hub")
    share = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    services.update_draft(
        share=share,
        included=["reference", "summary", "risk", "location", "contact"],
        values={"summary": "Shouting heard; a child crying.", "reference": "FORGED", "location": "1 Secret St"},
        lawful_basis="dpa18_sch8",
        lawful_basis_detail="To safeguard the children in the household.",
        by=hub,
    )
    content = {entry["field"]: entry["value"] for entry in services.shared_content(share)}
    assert set(content) == {"reference", "summary", "risk", "contact"}
    assert content["summary"] == "Shouting heard; a child crying."
    assert content["reference"] == concern.reference  # fixed: not editable
    assert "1 Secret St" not in str(share.content)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(
            share=share,
            included=["summary"],
            values={"summary": "<script>alert(1)</script>"},
            lawful_basis="nonsense",
            lawful_basis_detail="",
            by=hub,
        )
    assert {"summary", "lawful_basis"} <= set(refused.value.message_dict)
    share.refresh_from_db()
    assert services.shared_content(share)[1]["value"] == "Shouting heard; a child crying."


# --- Sending ---------------------------------------------------------------------------------------


def test_sending_writes_the_ledger_opens_the_share_starts_the_partner_clocks_and_queues_alerts(
    force: Force, social_care
) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    share = send(force.user("hub"), concern, social_care)
    disclosure = Disclosure.objects.get(share=share)
    assert share.status == ShareStatus.SENT and share.open_to_id == social_care.pk
    assert disclosure.content == services.shared_content(share)
    assert disclosure.content_sha256 == services.digest(disclosure.content)
    assert disclosure.on_time is True and disclosure.due_at is not None
    assert Clock.objects.get(rule_code=REFERRAL.code).outcome == ClockOutcome.MET
    assert open_clock(ACKNOWLEDGEMENT, share) is not None and open_clock(LA_DECISION, share) is not None
    messages = OutboxMessage.objects.filter(share=share)
    assert [(m.channel, m.recipient) for m in messages] == [(Channel.EMAIL, "duty@partner.example")]
    event = AuditEvent.objects.filter(operation=Operation.DISCLOSE, record_type="sharing.share").get()
    assert event.record_ids == [str(share.pk)] and social_care.name in event.recipients
    assert policy.can(partner_user(social_care, "duty"), policy.Action.VIEW, share)


def test_a_share_that_fails_after_its_outbox_rows_leaves_nothing(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    hub = force.user("hub")
    share = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_share(share=share, by=hub)
        raise RuntimeError("the database went away after the outbox insert")
    share.refresh_from_db()
    assert share.status == ShareStatus.DRAFT and share.open_to_id is None
    assert not OutboxMessage.objects.exists() and not Disclosure.objects.exists()
    assert open_clock(REFERRAL, concern) is not None


def test_a_late_referral_needs_a_breach_reason(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    hub = force.user("hub")
    share = services.draft_share(concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=social_care, by=hub)
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        assert services.needs_breach_reason(ShareKind.MASH_REFERRAL, concern)
        with pytest.raises(ValidationError):
            services.send_share(share=share, by=hub)
        services.send_share(share=share, by=hub, late=Late(BreachReason.DEMAND, "Three high-risk referrals first."))
    assert Disclosure.objects.get(share=share).on_time is False
    assert Clock.objects.get(rule_code=REFERRAL.code).outcome == ClockOutcome.BREACHED


def test_the_encompass_clock_stops_with_the_last_child(force: Force) -> None:
    school = make_school()
    officer = force.user("officer")
    first, second = make_child(officer, "Ann", "Lowe"), make_child(officer, "Ben", "Lowe")
    concern = submitted_concern(force, first, second)
    send(officer, concern, school, ShareKind.ENCOMPASS, child=first)
    assert open_clock(ENCOMPASS, concern) is not None
    services.record_not_shared(
        concern=concern,
        kind=ShareKind.ENCOMPASS,
        child=second,
        reason="Ben is home-educated and attends no school or nursery.",
        by=officer,
    )
    assert open_clock(ENCOMPASS, concern) is None
    assert Clock.objects.get(rule_code=ENCOMPASS.code).outcome == ClockOutcome.MET


def test_sending_satisfies_the_investigations_required_notification(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    concern = submitted_concern(force)
    investigation = investigations.open_investigation(
        concerns=[concern],
        officer=force.user("officer"),
        summary="Assault of a child at home.",
        risk_grade="medium",
        risk_rationale="Second incident this month.",
        first_review_on=investigations.today(),
        by=force.user("supervisor"),
    )
    required = investigations.require_notification(
        investigation=investigation, agency="social_care", purpose="Referral to MASH.", by=force.user("supervisor")
    )
    share = send(force.user("hub"), concern, social_care)
    required.refresh_from_db()
    assert required.is_sent and share.reference in required.sent_detail


# --- Deciding not to share -----------------------------------------------------------------------------


def test_a_decision_not_to_share_stops_the_clock_and_is_reviewed_by_a_supervisor(force: Force) -> None:
    concern = submitted_concern(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    decided = services.record_not_shared(
        concern=concern,
        kind=ShareKind.ENCOMPASS,
        child=concern.involvements.get().person,
        reason="The child is under two and attends no school or nursery.",
        by=officer,
    )
    assert decided.status == ShareStatus.NOT_SHARED and decided.open_to_id is None
    review = open_clock(NO_SHARE_REVIEW, decided)
    assert review is not None and review.owner_id == supervisor.pk
    with pytest.raises(ValidationError):
        services.review_not_shared(share=decided, agree=False, note="", by=supervisor)
    with pytest.raises(ValidationError):
        services.review_not_shared(share=decided, agree=True, note="", by=officer)
    services.review_not_shared(share=decided, agree=True, note="Agreed.", by=supervisor)
    assert open_clock(NO_SHARE_REVIEW, decided) is None and decided.review_agreed is True


# --- The partner's side ------------------------------------------------------------------------------


def test_the_partner_reads_acknowledges_and_records_its_decision(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    partner = partner_user(social_care, "duty")
    services.record_read(share=share, by=partner)
    assert share.status == ShareStatus.READ and share.first_read_at
    services.acknowledge_share(share=share, by=partner)
    assert share.status == ShareStatus.ACKNOWLEDGED
    assert Clock.objects.get(rule_code=ACKNOWLEDGEMENT.code).outcome == ClockOutcome.MET
    with pytest.raises(ValidationError):
        services.acknowledge_share(share=share, by=partner)
    response = services.record_response(
        share=share,
        kind=ResponseKind.STRATEGY_DISCUSSION,
        detail="Held with police and health.",
        occurred_at=timezone.now(),
        by=partner,
    )
    share.refresh_from_db()
    assert share.status == ShareStatus.ANSWERED and response.share == share
    assert Clock.objects.get(rule_code=LA_DECISION.code).outcome == ClockOutcome.MET


def test_a_late_acknowledgement_is_recorded_late_without_asking_the_partner_why(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        services.acknowledge_share(share=share, by=partner_user(social_care, "duty"))
    clock = Clock.objects.get(rule_code=ACKNOWLEDGEMENT.code)
    assert clock.outcome == ClockOutcome.BREACHED and clock.breach_reason == BreachReason.AWAITING_PARTNER


def test_another_organisation_cannot_acknowledge_or_respond(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    stranger = partner_user(make_school(), "stranger")
    with pytest.raises(ValidationError):
        services.acknowledge_share(share=share, by=stranger)
    with pytest.raises(ValidationError):
        services.record_response(
            share=share, kind=ResponseKind.NO_FURTHER_ACTION, detail="", occurred_at=timezone.now(), by=stranger
        )
    assert not policy.can(stranger, policy.Action.VIEW, share)


def test_a_response_of_the_wrong_kind_or_time_is_refused(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    partner = partner_user(social_care, "duty")
    for kind, when in [
        (ResponseKind.SUPPORT_IN_SCHOOL, timezone.now()),
        (ResponseKind.SECTION_47, timezone.now() + timedelta(days=2)),
        (ResponseKind.SECTION_47, None),
        (ResponseKind.OTHER, timezone.now()),
    ]:
        with pytest.raises(ValidationError):
            services.record_response(share=share, kind=kind, detail="", occurred_at=when, by=partner)
    assert not share.responses.exists() and share.acknowledged_at is None


# --- Revocation and escalation ----------------------------------------------------------------------


def test_revoking_ends_the_partners_access_at_once_and_tells_their_system(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    partner = partner_user(social_care, "duty")
    assert policy.can(partner, policy.Action.VIEW, share)
    services.revoke_share(share=share, reason="Sent to the wrong local authority.", by=force.user("hub"))
    assert not policy.can(partner, policy.Action.VIEW, Share.objects.get(pk=share.pk))
    assert OutboxMessage.objects.filter(share=share, event="share.revoked").exists()
    assert open_clock(ACKNOWLEDGEMENT, share) is None and open_clock(LA_DECISION, share) is None
    assert Clock.objects.get(rule_code=ACKNOWLEDGEMENT.code).outcome == ""
    with pytest.raises(ValidationError):
        services.acknowledge_share(share=share, by=partner)
    with pytest.raises(ValidationError):
        services.revoke_share(share=share, reason="Again, by mistake.", by=force.user("hub"))


def test_an_unacknowledged_share_escalates_to_the_partners_named_contact_once(force: Force, social_care) -> None:  # type: ignore[no-untyped-def]
    share = send(force.user("hub"), submitted_concern(force), social_care)
    assert services.escalate_unacknowledged() == 0
    later = timezone.now() + timedelta(days=6)
    assert services.escalate_unacknowledged(later) == 1
    assert services.escalate_unacknowledged(later) == 0
    escalation = OutboxMessage.objects.get(share=share, event="share.escalated")
    assert escalation.recipient == "manager@partner.example"


# --- Strategy discussions ---------------------------------------------------------------------------


def test_a_strategy_discussion_is_planned_held_with_actions_and_starts_the_conference_clock(force: Force) -> None:
    hub, officer = force.user("hub"), force.user("officer")
    concern = submitted_concern(force)
    with pytest.raises(ValidationError):
        services.plan_strategy_discussion(concern=concern, reason="Significant harm suspected.", by=officer)
    discussion = services.plan_strategy_discussion(concern=concern, reason="Significant harm suspected.", by=hub)
    assert open_clock(STRATEGY, discussion) is not None
    services.record_strategy_discussion(
        discussion=discussion,
        held_at=timezone.now(),
        attendees=[
            services.Attendee("police", "Hannah Okafor", "MASH sergeant"),
            services.Attendee("social_care", "Sam Reid", "Team manager"),
        ],
        information_shared="Police history of the household and the school's concerns.",
        decision=StrategyDecision.SECTION_47,
        rationale="Injury to a child under five, unexplained.",
        actions=[
            services.AgreedAction("Joint visit with social care", "police", services.today(), officer.pk),
            services.AgreedAction("Health check by the GP", "health", services.today() + timedelta(days=3)),
        ],
        by=hub,
    )
    assert open_clock(STRATEGY, discussion) is None
    assert open_clock(CONFERENCE, discussion) is not None
    police_action, health_action = discussion.actions.order_by("pk")
    assert open_clock(STRATEGY_ACTION, police_action).owner_id == officer.pk  # type: ignore[union-attr]
    services.complete_strategy_action(action=police_action, note="Visited with the social worker.", by=officer)
    with pytest.raises(ValidationError):
        services.complete_strategy_action(action=health_action, note="Done by health.", by=officer)
    services.record_conference(discussion=discussion, held_at=timezone.now(), by=hub)
    assert open_clock(CONFERENCE, discussion) is None


def test_a_strategy_discussion_without_its_essentials_is_refused(force: Force) -> None:
    hub = force.user("hub")
    discussion = services.plan_strategy_discussion(
        concern=submitted_concern(force), reason="Significant harm suspected.", by=hub
    )
    with pytest.raises(ValidationError) as refused:
        services.record_strategy_discussion(
            discussion=discussion,
            held_at=timezone.now() + timedelta(days=1),
            attendees=[services.Attendee("martians", "", "")],
            information_shared="",
            decision="maybe",
            rationale="",
            actions=[services.AgreedAction("Visit", "police", services.today() - timedelta(days=1), 987654)],
            by=hub,
        )
    assert {
        "held_at",
        "attendees.0.agency",
        "attendees.0.name",
        "information_shared",
        "decision",
        "rationale",
        "actions.0.due_on",
        "actions.0.owner",
    } <= set(refused.value.message_dict)
    discussion.refresh_from_db()
    assert not discussion.is_held and not discussion.attendees.exists()
