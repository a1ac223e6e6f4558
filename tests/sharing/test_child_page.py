"""The child's page shows what was shared about them, what the partners did, and the strategy discussions
about them: read through the access policy, every share and discussion shown audited, and the number of
queries the same however long the history."""

from __future__ import annotations

import html as entities
import re
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeguard.audit.models import Operation
from safeguard.concerns import services as concerns
from safeguard.concerns.models import Concern
from safeguard.people.models import Person
from safeguard.sharing import services
from safeguard.sharing.models import ResponseKind, Share, ShareKind, StrategyDecision, StrategyDiscussion
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, sign_in
from tests.sharing.helpers import make_school, send, submitted_concern

SHARE = "sharing.share"
DISCUSSION = "sharing.strategydiscussion"


def text(response: object) -> str:
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", content)))


def page_of(client: Client, child: Person) -> str:
    response = client.get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 200
    return text(response)


def referral_answered(force: Force, concern: Concern) -> Share:
    """A MASH referral the hub sent and social care answered."""
    share = send(force.user("hub"), concern, force.partner_org)
    services.record_response(
        share=share,
        kind=ResponseKind.SECTION_47,
        detail="Section 47 enquiry opened by the duty team.",
        occurred_at=timezone.now() - timedelta(minutes=5),
        by=force.user("partner"),
    )
    return share


def discussion_held(force: Force, concern: Concern, *, police: bool = True) -> StrategyDiscussion:
    hub = force.user("hub")
    discussion = services.plan_strategy_discussion(concern=concern, reason="Unexplained bruising to a child.", by=hub)
    agency = "police" if police else "health"
    return services.record_strategy_discussion(
        discussion=discussion,
        held_at=timezone.now(),
        attendees=[services.Attendee(agency, "Hannah Okafor"), services.Attendee("social_care", "Sam Reid")],
        information_shared="Police history and the school's concerns.",
        decision=StrategyDecision.SECTION_47,
        rationale="Unexplained injury to a young child.",
        actions=[],
        by=hub,
    )


def test_the_childs_page_shows_shares_responses_and_discussions_and_audits_them(force: Force) -> None:
    child = make_child(force.user("officer"))
    concern = submitted_concern(force, child)
    share = referral_answered(force, concern)
    discussion = discussion_held(force, concern)
    seq = last_seq()
    page = page_of(sign_in(Client(), force.colleague), child)  # unit A: the hub's unit
    assert "MASH referral to children's social care to Testshire Social Care" in page
    assert "Partner's response recorded" in page
    assert "Testshire Social Care: Section 47 enquiry started" in page
    assert "Section 47 enquiry opened by the duty team." in page
    assert f"Strategy discussion {discussion.reference}" in page and "Police attended: yes" in page
    assert discussion.get_decision_display() in page
    events = events_since(seq)
    shares = [e for e in events if e.record_type == SHARE and e.operation == Operation.CONSULT]
    discussions = [e for e in events if e.record_type == DISCUSSION and e.operation == Operation.CONSULT]
    assert [e.record_ids for e in shares] == [[str(share.pk)]]
    assert [e.record_ids for e in discussions] == [[str(discussion.pk)]]


def test_a_decision_not_to_share_and_a_planned_discussion_show_as_such(force: Force) -> None:
    hub = force.user("hub")
    child = make_child(force.user("officer"))
    concern = submitted_concern(force, child)
    services.record_not_shared(
        concern=concern,
        kind=ShareKind.MASH_REFERRAL,
        reason="Already open to social care; they were told by phone the same evening.",
        by=hub,
    )
    services.plan_strategy_discussion(concern=concern, reason="Unexplained bruising to a child.", by=hub)
    page = page_of(sign_in(Client(), hub), child)
    assert "Decided not to share: MASH referral to children's social care" in page
    assert "Why: Already open to social care" in page and "Waiting for a supervisor's review" in page
    assert "Planned" in page and "Decided to hold one" in page


def test_a_notice_about_one_child_shows_only_on_that_childs_page(force: Force) -> None:
    officer = force.user("officer")
    amy, ben = make_child(officer), make_child(officer, "Ben", "Smith", "2016-02-01")
    concern = submitted_concern(force, amy, ben)
    school = make_school()
    notice = send(officer, concern, school, ShareKind.ENCOMPASS, child=amy)
    hub = sign_in(Client(), force.user("hub"))
    assert notice.reference in page_of(hub, amy)  # type: ignore[operator]
    assert notice.reference not in page_of(hub, ben)  # type: ignore[operator]


def test_an_adult_in_the_concern_does_not_get_the_childs_shares(force: Force) -> None:
    officer = force.user("officer")
    child = make_child(officer)
    parent = make_child(officer, "Dee", "Smith", "1985-01-01")
    concern = make_concern(officer, child)
    concerns.involve(concern=concern, person=parent, roles=["parent_carer"], by=officer)
    concerns.submit_concern(concern=concern, by=officer)
    concerns.endorse_concern(concern=concern, rationale="Proportionate; refer to MASH.", by=force.user("supervisor"))
    share = send(force.user("hub"), concern, force.partner_org)
    hub = sign_in(Client(), force.user("hub"))
    assert share.reference in page_of(hub, child)  # type: ignore[operator]
    assert share.reference not in page_of(hub, parent)  # type: ignore[operator]


def test_someone_outside_the_hubs_unit_sees_none_of_it_and_nothing_is_audited(force: Force) -> None:
    child = make_child(force.user("officer"))
    concern = submitted_concern(force, child)
    share = referral_answered(force, concern)
    discussion = discussion_held(force, concern)
    seq = last_seq()
    page = page_of(sign_in(Client(), force.outsider), child)
    assert share.reference not in page and discussion.reference not in page  # type: ignore[operator]
    assert "Section 47 enquiry opened" not in page
    assert not [e for e in events_since(seq) if e.record_type in (SHARE, DISCUSSION)]


def test_a_restricted_share_shows_that_it_exists_but_not_what_it_was(force: Force) -> None:
    child = make_child(force.user("officer"))
    share = referral_answered(force, submitted_concern(force, child))
    Share.objects.filter(pk=share.pk).update(is_restricted=True)  # as a share of a restricted concern is
    page = page_of(sign_in(Client(), force.user("leader")), child)
    assert "Restricted share" in page
    assert "Testshire Social Care" not in page and "Section 47 enquiry opened" not in page
    assert share.reference not in page  # type: ignore[operator]


def test_a_partner_never_reaches_the_childs_page(force: Force) -> None:
    child = make_child(force.user("officer"))
    referral_answered(force, submitted_concern(force, child))
    response = sign_in(Client(), force.user("partner")).get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 404


def test_the_childs_page_takes_the_same_number_of_queries_however_long_the_history(force: Force) -> None:
    child = make_child(force.user("officer"))
    concern = submitted_concern(force, child)
    referral_answered(force, concern)
    discussion_held(force, concern)
    hub = sign_in(Client(), force.user("hub"))
    url = reverse("people:detail", args=[child.pk])
    hub.get(url)  # the session and caches settle
    with CaptureQueriesContext(connection) as short:
        hub.get(url)
    for _ in range(4):
        referral_answered(force, concern)
        discussion_held(force, concern, police=False)
    services.record_not_shared(
        concern=concern,
        kind=ShareKind.HEALTH,
        reason="No child under five lives in the household.",
        child=child,
        by=force.user("hub"),
    )
    with CaptureQueriesContext(connection) as long:
        response = hub.get(url)
    assert text(response).count("Testshire Social Care: Section 47 enquiry started") == 5
    assert text(response).count("Police attended: no") == 4
    assert len(long.captured_queries) == len(short.captured_queries), [q["sql"][:120] for q in long.captured_queries]
