"""The synthetic force's sharing with partners (SYNTHETIC.md; DOMAIN.md "Sharing with partners"): the shares
the concerns owed, made as the services would have made them (ledger content from each kind's template,
partner clocks, alerts, responses, strategy discussions), deterministic for a seed, and a ground truth
that is true of the data — one unit's Encompass notices and one partner's acknowledgements visibly late."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from safeguard.accounts.models import OrganisationKind, User
from safeguard.concerns.models import Concern, ConcernStatus, ConcernType, Involvement, RiskGrade
from safeguard.people.models import Identifier, IdentifierKind, Person
from safeguard.sharing import kinds, services
from safeguard.sharing.models import (
    PROGRESS,
    Disclosure,
    OutboxMessage,
    OutboxState,
    PartnerProfile,
    PartnerResponse,
    Share,
    ShareKind,
    ShareStatus,
    StrategyAttendee,
    StrategyDecision,
    StrategyDiscussion,
)
from safeguard.sharing.timescales import ACKNOWLEDGEMENT, CONFERENCE, ENCOMPASS, LA_DECISION, NO_SHARE_REVIEW, REFERRAL
from safeguard.synthetic.force import MEADOWBANK, build_partners
from safeguard.synthetic.population import GroundTruth, PopulationSpec, load_population
from safeguard.timescales.models import Clock, ClockOutcome
from tests.conftest import Force

TODAY = date(2026, 6, 1)
NOW = datetime.combine(TODAY, time(0), tzinfo=ZoneInfo("Europe/London"))
SHARE = "sharing.share"
ENCOMPASS_FIELDS = {"child_name", "child_dob", "reference", "occurred_at", "child_present", "welfare_check", "contact"}


def spec(**overrides: object) -> PopulationSpec:
    """Three years of a small force in the test force's two units, sharing with the demo's partners; unit
    B sends many more of its Operation Encompass notices late than unit A."""
    values: dict[str, object] = dict(
        persons=500,
        seed=11,
        today=TODAY,
        years=3,
        area_units=("UNIT-A", "UNIT-B"),
        specialist_unit=None,
        late_share={"UNIT-A": 0.03, "UNIT-B": 0.6},
        late_supervision_share={"UNIT-A": 0.05, "UNIT-B": 0.4},
        police_absent_share=0.2,
        revoked_share=0.02,
        progress=False,
    )
    values.update(overrides)
    return PopulationSpec(**values)  # type: ignore[arg-type]


@pytest.fixture
def partners(force: Force) -> Force:
    """The test force, with the demo's partners (profiles and contacts) to share with."""
    build_partners()
    return force


def load(**overrides: object) -> GroundTruth:
    return load_population(spec=spec(**overrides))


def signature() -> list[tuple[object, ...]]:
    """What was generated, without the ids a database sequence hands out (they differ between runs)."""
    shares = Share.objects.order_by("pk").values_list(
        "reference", "kind", "status", "child_id", "organisation__name", "sent_at", "acknowledged_at", "revoked_at"
    )
    digests = Disclosure.objects.order_by("share_id").values_list("share_id", "content_sha256", "on_time")
    keys = OutboxMessage.objects.order_by("key").values_list("key", "state", "recipient")
    clocks = Clock.objects.filter(rule_code__startswith="sharing.").order_by("rule_code", "record_id", "started_at")
    return [
        *shares,
        *digests,
        *keys,
        *clocks.values_list("rule_code", "record_id", "due_at", "stopped_at", "outcome"),
    ]


def test_the_same_seed_gives_the_same_shares_and_another_seed_does_not(partners: Force) -> None:
    with transaction.atomic():
        load()
        first = signature()
        transaction.set_rollback(True)
    with transaction.atomic():
        load(seed=12)
        other = signature()
        transaction.set_rollback(True)
    load()
    assert len(first) > 1000
    assert signature() == first
    assert other != first


def test_each_concern_gets_the_shares_the_rules_owe_in_the_expected_numbers(partners: Force) -> None:
    truth = load()
    concerns = Concern.objects.exclude(status=ConcernStatus.DRAFT)
    shares = Share.objects.all()
    counts = Counter(shares.values_list("kind", flat=True))
    # Every endorsed concern has been referred (or not, with a reason), unless its clock is still running.
    referred = set(shares.filter(kind=ShareKind.MASH_REFERRAL).values_list("concern_id", flat=True))
    owed = set(
        Clock.objects.filter(rule_code=REFERRAL.code, stopped_at__isnull=True).values_list("record_id", flat=True)
    )
    endorsed = set(concerns.filter(status=ConcernStatus.ENDORSED).values_list("pk", flat=True))
    assert endorsed <= referred | owed
    # Every child in a submitted domestic abuse concern has a notice or a decision, unless still owed.
    abuse = concerns.filter(type_tags__type=ConcernType.DOMESTIC_ABUSE)
    children = set(Involvement.objects.filter(concern__in=abuse, is_child=True).values_list("concern_id", "person_id"))
    noticed = set(shares.filter(kind=ShareKind.ENCOMPASS).values_list("concern_id", "child_id"))
    open_encompass = set(
        Clock.objects.filter(rule_code=ENCOMPASS.code, stopped_at__isnull=True).values_list("record_id", flat=True)
    )
    assert {c for c in children - noticed} <= {(cid, pid) for cid, pid in children if cid in open_encompass}
    # About one referral per concern, notices and health notifications besides, a few to another partner.
    assert 0.8 < counts[ShareKind.MASH_REFERRAL] / concerns.count() < 1.05
    assert 0.2 < counts[ShareKind.ENCOMPASS] / concerns.count() < 0.8
    assert 0.1 < counts[ShareKind.HEALTH] / concerns.count() < 0.6
    assert 0 < counts[ShareKind.OTHER] < counts[ShareKind.HEALTH]
    assert 1.4 < shares.count() / concerns.count() < 2.4
    not_shared = shares.filter(status=ShareStatus.NOT_SHARED).count() / shares.count()
    assert 0.02 < not_shared < 0.09
    assert sum(n for key, n in truth.counts.items() if key.startswith("shares_")) == shares.count()
    statuses = set(shares.values_list("status", flat=True))
    assert {ShareStatus.ANSWERED, ShareStatus.ACKNOWLEDGED, ShareStatus.REVOKED, ShareStatus.NOT_SHARED} <= statuses
    assert shares.filter(escalated_at__isnull=False).exists()
    assert StrategyDiscussion.objects.filter(decision=StrategyDecision.SECTION_47).exists()
    assert PartnerResponse.objects.filter(kind="icpc").exists()
    assert OutboxMessage.objects.filter(state=OutboxState.DEAD).exists()


def test_every_disclosure_is_exactly_what_its_share_would_show_and_its_digest_matches(partners: Force) -> None:
    load()
    disclosures = Disclosure.objects.select_related("share")
    assert disclosures.count() > 500
    for disclosure in disclosures:
        share = disclosure.share
        assert disclosure.content_sha256 == services.digest(disclosure.content), share.reference
        assert disclosure.content == services.shared_content(share), share.reference
        assert disclosure.organisation_id == share.organisation_id and disclosure.disclosed_at == share.sent_at
        assert disclosure.lawful_basis == kinds.spec(share.kind).lawful_basis and disclosure.lawful_basis_detail
        template = [f.code for f in kinds.spec(share.kind).fields]
        assert [entry["field"] for entry in share.content] == template


def test_the_content_is_what_the_template_proposes_from_the_records(partners: Force) -> None:
    """The generator fills each template from the rows in memory; ``kinds.propose`` reads the database.
    They agree on every field but the history (propose lists the child's later concerns too) and the
    sender's answers to an Encompass notice's two questions."""
    load()
    sample = Share.objects.filter(sent_at__isnull=False).select_related("concern", "child", "sent_by__unit")
    checked: Counter[str] = Counter()
    for kind in (ShareKind.MASH_REFERRAL, ShareKind.HEALTH, ShareKind.ENCOMPASS):
        for share in sample.filter(kind=kind).order_by("pk")[:15]:
            assert share.sent_by is not None
            proposed = {e["field"]: e["value"] for e in kinds.propose(kind, share.concern, share.child, share.sent_by)}
            sent = {e["field"]: e["value"] for e in share.content}
            for name in set(proposed) - {"history", "child_present", "welfare_check"}:
                assert sent[name] == proposed[name], (share.reference, name)
            checked[kind] += 1
    assert min(checked.values()) == 15


def test_an_encompass_notice_carries_no_detail_of_the_incident(partners: Force) -> None:
    load()
    notices = Disclosure.objects.filter(share__kind=ShareKind.ENCOMPASS).select_related("share__concern")
    assert notices.count() > 50
    for notice in notices:
        assert {entry["field"] for entry in notice.content} <= ENCOMPASS_FIELDS
        concern = notice.share.concern
        text = " ".join(entry["value"] for entry in notice.content)
        assert concern.summary not in text and concern.location not in text
        assert notice.organisation.kind == OrganisationKind.SCHOOL


def test_status_and_time_columns_agree(partners: Force) -> None:
    load()
    responses = set(PartnerResponse.objects.values_list("share_id", flat=True))
    dead_only = set(
        Share.objects.filter(outbox__state=OutboxState.DEAD)
        .exclude(outbox__state=OutboxState.SENT)
        .values_list("pk", flat=True)
    )
    for share in Share.objects.all():
        ref = share.reference
        if share.status == ShareStatus.DRAFT:
            assert share.sent_at is None and share.open_to_id is None and share.content, ref
            continue
        if share.status == ShareStatus.NOT_SHARED:
            assert share.not_shared_reason and share.sent_at is None and share.open_to_id is None, ref
            assert not Disclosure.objects.filter(share=share).exists()
            continue
        assert share.sent_at is not None and share.sent_by_id is not None, ref
        for later in (share.delivered_at, share.first_read_at, share.acknowledged_at, share.answered_at):
            assert later is None or later >= share.sent_at, ref
        if share.acknowledged_at:
            assert share.first_read_at is not None and share.first_read_at <= share.acknowledged_at, ref
            assert share.acknowledged_by_id is not None, ref
        if share.answered_at:
            assert share.pk in responses and share.acknowledged_at <= share.answered_at, ref  # type: ignore[operator]
        if share.status == ShareStatus.REVOKED:
            assert share.open_to_id is None and share.revoked_at and share.revoke_reason, ref
            continue
        assert share.open_to_id == share.organisation_id and share.revoked_at is None, ref
        furthest = (
            ShareStatus.ANSWERED
            if share.answered_at
            else ShareStatus.ACKNOWLEDGED
            if share.acknowledged_at
            else ShareStatus.READ
            if share.first_read_at
            else ShareStatus.DELIVERED
            if share.delivered_at
            else ShareStatus.SENT
        )
        assert share.status == furthest, ref
        assert share.status in PROGRESS
        assert share.delivered_at is not None or share.pk in dead_only, ref


def test_the_partner_clocks_are_those_the_services_would_have_left(partners: Force) -> None:
    load()
    sent = Share.objects.filter(sent_at__isnull=False)
    acks = {c.record_id: c for c in Clock.objects.filter(rule_code=ACKNOWLEDGEMENT.code, record_type=SHARE)}
    decisions = {c.record_id: c for c in Clock.objects.filter(rule_code=LA_DECISION.code, record_type=SHARE)}
    assert set(acks) == set(sent.values_list("pk", flat=True))
    assert set(decisions) == set(sent.filter(kind=ShareKind.MASH_REFERRAL).values_list("pk", flat=True))
    for share in sent:
        ack = acks[share.pk]
        assert ack.started_at == share.sent_at
        if share.acknowledged_at:
            assert ack.stopped_at == share.acknowledged_at, share.reference
            assert ack.outcome == (ClockOutcome.BREACHED if share.acknowledged_at > ack.due_at else ClockOutcome.MET)
        elif share.status == ShareStatus.REVOKED:
            assert ack.stopped_at == share.revoked_at and ack.outcome == "", share.reference
        else:
            assert ack.stopped_at is None, share.reference
        # Unacknowledged past its due time: the partner's escalation contact was told, once.
        if share.escalated_at is not None:
            assert share.escalated_at > ack.due_at, share.reference
            assert share.acknowledged_at is None or share.acknowledged_at > share.escalated_at, share.reference
        elif ack.stopped_at is None:
            assert ack.due_at > NOW - timedelta(minutes=5), share.reference
    reviews = {c.record_id: c for c in Clock.objects.filter(rule_code=NO_SHARE_REVIEW.code)}
    for share in Share.objects.filter(status=ShareStatus.NOT_SHARED):
        assert (reviews[share.pk].stopped_at is not None) == (share.reviewed_at is not None), share.reference
    # Discussions that started a section 47 enquiry run the conference clock until it is held.
    for discussion in StrategyDiscussion.objects.filter(decision=StrategyDecision.SECTION_47):
        clock = Clock.objects.get(rule_code=CONFERENCE.code, record_id=discussion.pk)
        assert clock.started_at == discussion.held_at
        assert (clock.stopped_at is None) == (discussion.conference_held_at is None)


def test_the_ground_truth_is_true_of_the_data(partners: Force) -> None:
    truth = load()
    failures: dict[str, set[int]] = {kind: set() for kind in ("acknowledgement_overdue", "dead_alert")}
    for failure in truth.share_failures:
        failures.setdefault(failure.kind, set()).add(failure.record_id)
    late = set(Disclosure.objects.filter(on_time=False).values_list("share_id", flat=True))
    assert late and failures["late_share"] == late
    overdue_acks = Clock.objects.filter(rule_code=ACKNOWLEDGEMENT.code, stopped_at__isnull=True, due_at__lt=NOW)
    assert failures["acknowledgement_overdue"] == set(overdue_acks.values_list("record_id", flat=True))
    late_acks = Clock.objects.filter(rule_code=ACKNOWLEDGEMENT.code, outcome=ClockOutcome.BREACHED)
    assert failures["late_acknowledgement"] == set(late_acks.values_list("record_id", flat=True))
    held = StrategyDiscussion.objects.filter(held_at__isnull=False)
    with_police = set(
        StrategyAttendee.objects.filter(agency=OrganisationKind.POLICE_UNIT).values_list("discussion_id", flat=True)
    )
    absent = set(held.values_list("pk", flat=True)) - with_police
    assert absent and failures["police_absent"] == absent
    dead = set(OutboxMessage.objects.filter(state=OutboxState.DEAD).values_list("share_id", flat=True))
    assert failures["dead_alert"] == dead


def test_one_unit_and_one_partner_are_visibly_worse(partners: Force) -> None:
    truth = load()
    notices = Disclosure.objects.filter(share__kind=ShareKind.ENCOMPASS)
    rates = {}
    for unit in ("UNIT-A", "UNIT-B"):
        mine = notices.filter(share__unit__code=unit)
        rates[unit] = mine.filter(on_time=False).count() / mine.count()
    assert rates["UNIT-B"] > rates["UNIT-A"] + 0.2
    late = Counter(f.partner for f in truth.share_failures if f.kind == "late_acknowledgement")
    sent = Counter(Share.objects.filter(sent_at__isnull=False).values_list("organisation__name", flat=True))
    health = "Northshire Community Health"
    others = [name for name in sent if name != health and sent[name] > 50]
    assert others
    assert all(late[health] / sent[health] > 2.5 * late[name] / sent[name] for name in others)


def test_school_age_children_carry_their_schools_urn_and_notices_go_to_that_school(partners: Force) -> None:
    load()
    urns = set(PartnerProfile.objects.exclude(school_urn="").values_list("school_urn", flat=True))
    identifiers = Identifier.objects.filter(kind=IdentifierKind.SCHOOL_URN)
    assert identifiers.exists() and set(identifiers.values_list("value", flat=True)) <= urns
    school_age = [p for p in Person.objects.filter(date_of_birth__isnull=False) if 4 <= (p.age_on(TODAY) or 0) <= 16]
    with_urn = set(identifiers.values_list("person_id", flat=True))
    assert 0.9 < sum(p.pk in with_urn for p in school_age) / len(school_age) <= 1
    # A notice about a child at the same school now went to that school.
    for share in Share.objects.filter(kind=ShareKind.ENCOMPASS, sent_at__isnull=False).select_related("child")[:100]:
        assert share.child is not None
        school = services.school_of(share.child)
        age_then = share.child.age_on(share.concern.occurred_at.date())  # type: ignore[union-attr]
        age_now = share.child.age_on(TODAY)
        if school is not None and age_then is not None and age_now is not None and (age_then > 10) == (age_now > 10):
            assert share.organisation_id == school.pk, share.reference


def test_strategy_discussions_record_who_attended_what_was_decided_and_the_actions(partners: Force) -> None:
    load()
    held = StrategyDiscussion.objects.filter(held_at__isnull=False).prefetch_related("attendees", "actions")
    assert held.count() > 5
    for discussion in held:
        assert discussion.decision and discussion.rationale and discussion.information_shared
        agencies = {a.agency for a in discussion.attendees.all()}
        assert OrganisationKind.CHILDRENS_SOCIAL_CARE in agencies
        assert discussion.actions.exists()
        assert discussion.share is not None and discussion.share.kind == ShareKind.MASH_REFERRAL
        assert discussion.concern.risk_grade in (RiskGrade.HIGH, RiskGrade.MEDIUM)
        for action in discussion.actions.all():
            assert (action.owner_id is not None) == (action.agency == OrganisationKind.POLICE_UNIT)
    police = StrategyAttendee.objects.filter(agency=OrganisationKind.POLICE_UNIT).count()
    assert 0.6 < police / held.count() < 1


@pytest.mark.django_db
def test_seed_demo_loads_shares_and_lists_the_partner_logins(tmp_path: object) -> None:
    out = io.StringIO()
    args = ["--password", "demo-pass-for-tests", "--persons", "300", "--ground-truth", f"{tmp_path}/t.json"]
    call_command("seed_demo", *args, stdout=out)
    text = out.getvalue()
    assert f"{Share.objects.count()} shares with partners" in text
    assert Share.objects.filter(kind=ShareKind.ENCOMPASS, organisation__name=MEADOWBANK).exists()
    school = User.objects.select_related("organisation").get(username="school")
    assert school.organisation is not None and school.organisation.name == MEADOWBANK
    assert f"school        demo-pass-for-tests   (partner, {MEADOWBANK})" in text
    assert "health        demo-pass-for-tests   (partner, Northshire Community Health)" in text
