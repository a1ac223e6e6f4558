"""The strategy discussion pages: the hub plans one, records it as held with its attendees and actions,
records the conference; an action's owner records it done. Who may use each page, what each shows and
audits, and that bad input on every form is refused with nothing changed."""

from __future__ import annotations

import html as entities
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.concerns.models import Concern
from safeguard.sharing import services
from safeguard.sharing.models import ShareKind, StrategyAction, StrategyDecision, StrategyDiscussion
from safeguard.sharing.timescales import CONFERENCE, STRATEGY, STRATEGY_ACTION
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import Clock
from safeguard.timescales.services import open_clock
from tests.conftest import Force, events_since, last_seq, sign_in
from tests.sharing.helpers import send, submitted_concern

XSS = "<script>alert(1)</script>"
DISCUSSION = "sharing.strategydiscussion"
NOT_HUB = ["officer", "investigator", "supervisor", "leader", "partner", "auditor", "admin"]


def text(response: object) -> str:
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", content)))


def as_user(user: User) -> Client:
    return sign_in(Client(), user)


def when(name_day: str, name_time: str, moment: datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {
        f"{name_day}_0": str(local.day),
        f"{name_day}_1": str(local.month),
        f"{name_day}_2": str(local.year),
        name_time: f"{local:%H:%M}",
    }


def due(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}due_on_0": str(day.day), f"{prefix}due_on_1": str(day.month), f"{prefix}due_on_2": str(day.year)}


def refused(response: object, *messages: str) -> str:
    """The form came back with each error, a summary at the top, and nothing hostile echoed raw."""
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    content = response.content.decode()  # type: ignore[attr-defined]
    assert "There is a problem" in content, text(response)[:3000]
    for message in messages:
        assert entities.escape(message) in content or message in content, (
            message,
            re.findall(r"govuk-error-message\">(.*?)</p>", content, re.S),
        )
    assert XSS not in content
    return content


@pytest.fixture
def hub(force: Force) -> User:
    return force.user("hub")


@pytest.fixture
def concern(force: Force) -> Concern:
    return submitted_concern(force)


@pytest.fixture
def planned(concern: Concern, hub: User) -> StrategyDiscussion:
    return services.plan_strategy_discussion(
        concern=concern, reason="Unexplained bruising to a child of three.", by=hub
    )


def held_form(force: Force, *, decision: str = StrategyDecision.SECTION_47) -> dict[str, str]:
    """A complete record: two attendees (police and social care) and two actions (one police, owned)."""
    today = services.today()
    return {
        "attendees": "3",
        "actions": "2",
        **when("day", "time", timezone.now() - timedelta(minutes=30)),
        "attendee-0-agency": "police",
        "attendee-0-name": "Hannah Okafor",
        "attendee-0-role": "MASH sergeant",
        "attendee-1-agency": "social_care",
        "attendee-1-name": "Sam Reid",
        "attendee-1-role": "Team manager",
        "information_shared": "Police history of the household; the school's concerns about bruising.",
        "decision": decision,
        "rationale": "Unexplained injury to a child under five: reasonable cause to suspect significant harm.",
        "action-0-description": "Joint visit to the child's home with social care",
        "action-0-agency": "police",
        "action-0-owner": str(force.user("officer").pk),
        **due("action-0-", today + timedelta(days=2)),
        "action-1-description": "Child protection medical at the hospital",
        "action-1-agency": "health",
        **due("action-1-", today + timedelta(days=3)),
    }


def held(discussion: StrategyDiscussion, force: Force, **changes: str) -> StrategyDiscussion:
    response = as_user(force.user("hub")).post(
        reverse("sharing:strategy_record", args=[discussion.pk]), {**held_form(force), **changes}
    )
    assert response.status_code == 302, text(response)[:3000]
    discussion.refresh_from_db()
    return discussion


# --- The journey ---------------------------------------------------------------------------------------


def test_the_hub_arranges_records_and_follows_a_strategy_discussion_to_its_conference(
    force: Force, concern: Concern, hub: User
) -> None:
    referral = send(hub, concern, force.partner_org, ShareKind.MASH_REFERRAL)
    client = as_user(hub)
    page = client.get(reverse("sharing:strategy_new", args=[concern.pk]))
    assert page.status_code == 200
    assert referral.reference in page.content.decode()  # type: ignore[operator]
    response = client.post(
        reverse("sharing:strategy_new", args=[concern.pk]),
        {
            "reason": "Unexplained bruising to a child of three, seen at nursery.",
            "share": str(referral.pk),
            **when("day", "time", timezone.now() - timedelta(minutes=90)),
        },
    )
    discussion = StrategyDiscussion.objects.get(concern=concern)
    assert response.status_code == 302 and response["Location"] == reverse("sharing:strategy", args=[discussion.pk])
    assert discussion.share_id == referral.pk and open_clock(STRATEGY, discussion) is not None
    planned_page = text(client.get(response["Location"]))
    assert "Planned" in planned_page and "Not yet: due by" in planned_page and "Record the discussion" in planned_page

    seq = last_seq()
    recorded = client.post(reverse("sharing:strategy_record", args=[discussion.pk]), held_form(force))
    assert recorded.status_code == 302, text(recorded)[:3000]
    discussion.refresh_from_db()
    assert discussion.is_held and discussion.decision == StrategyDecision.SECTION_47
    assert list(discussion.attendees.values_list("agency", "name")) == [
        ("police", "Hannah Okafor"),
        ("social_care", "Sam Reid"),
    ]
    police, health = discussion.actions.order_by("pk")
    assert police.owner_id == force.user("officer").pk and health.owner_id is None
    assert open_clock(STRATEGY, discussion) is None
    assert open_clock(STRATEGY_ACTION, police).owner_id == police.owner_id  # type: ignore[union-attr]
    assert open_clock(STRATEGY_ACTION, health).owner_id is None  # type: ignore[union-attr]
    assert open_clock(CONFERENCE, discussion) is not None
    assert [e.reason for e in events_since(seq) if e.record_type == DISCUSSION and e.operation == Operation.ALTER] == [
        f"held: {discussion.get_decision_display()}"
    ]

    detail = text(client.get(reverse("sharing:strategy", args=[discussion.pk])))
    assert "Police attended: yes" in detail
    assert "Hannah Okafor" in detail and "Children's social care" in detail and "MASH sergeant" in detail
    assert "Joint visit to the child's home with social care" in detail and force.user("officer").display_name in detail
    assert "Not yet held. Due within 15 working days" in detail and "Record the conference" in detail

    conference = client.post(
        reverse("sharing:strategy_conference", args=[discussion.pk]), when("day", "time", timezone.now())
    )
    assert conference.status_code == 302
    discussion.refresh_from_db()
    assert discussion.conference_held_at is not None and open_clock(CONFERENCE, discussion) is None
    assert "Record the conference" not in text(client.get(reverse("sharing:strategy", args=[discussion.pk])))


def test_a_discussion_with_no_police_attendee_says_so_and_starts_no_conference_clock(
    force: Force, planned: StrategyDiscussion
) -> None:
    discussion = held(
        planned,
        force,
        decision=StrategyDecision.NO_FURTHER_ACTION,
        **{"attendee-0-agency": "health", "action-0-description": "", "action-0-agency": "", "action-0-owner": ""},
        **{f"action-0-due_on_{i}": "" for i in range(3)},
    )
    assert open_clock(CONFERENCE, discussion) is None and discussion.actions.count() == 1
    detail = text(as_user(force.user("hub")).get(reverse("sharing:strategy", args=[discussion.pk])))
    assert "Police attended: no" in detail and "Not needed: no section 47 enquiry was started" in detail
    conference = as_user(force.user("hub")).get(reverse("sharing:strategy_conference", args=[discussion.pk]))
    assert conference.status_code == 302


def test_the_officer_given_a_police_action_records_it_done_from_its_page(
    force: Force, planned: StrategyDiscussion
) -> None:
    held(planned, force, **{"action-0-owner": str(force.outsider.pk)})
    action = planned.actions.get(agency="police")
    owner = as_user(force.outsider)  # unit B: outside the discussion's unit, but the action is theirs
    assert owner.get(reverse("sharing:strategy", args=[planned.pk])).status_code == 404
    seq = last_seq()
    page = owner.get(reverse("sharing:strategy_action", args=[action.pk]))
    assert page.status_code == 200 and "Joint visit to the child's home" in text(page)
    [consulted] = [e for e in events_since(seq) if e.operation == Operation.CONSULT]
    assert consulted.record_type == DISCUSSION and consulted.record_ids == [str(planned.pk)]
    assert "owner of action" in consulted.reason
    done = owner.post(reverse("sharing:strategy_action", args=[action.pk]), {"note": "Visited with Sam Reid."})
    assert done.status_code == 302 and done["Location"] == reverse("sharing:strategy_action", args=[action.pk])
    action.refresh_from_db()
    assert action.done_by == force.outsider and action.done_note == "Visited with Sam Reid."
    clock = Clock.objects.get(rule_code=STRATEGY_ACTION.code, record_id=action.pk)
    assert clock.stopped_at is not None and clock.outcome == "met"
    assert "Record it done" not in text(owner.get(reverse("sharing:strategy_action", args=[action.pk])))


def test_a_late_police_action_needs_the_reason_it_is_late(force: Force, planned: StrategyDiscussion) -> None:
    held(planned, force)
    action = planned.actions.get(agency="police")
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        officer = as_user(force.user("officer"))  # signed in then: a session left idle for days has ended
        page = officer.get(reverse("sharing:strategy_action", args=[action.pk]))
        assert "This action is late" in text(page)
        refused(
            officer.post(reverse("sharing:strategy_action", args=[action.pk]), {"note": "Visited at last."}),
            "choose why it is late",
        )
        action.refresh_from_db()
        assert action.done_at is None
        done = officer.post(
            reverse("sharing:strategy_action", args=[action.pk]),
            {"note": "Visited at last.", "breach_reason": "unavailable", "breach_detail": "Officer was on leave."},
        )
        assert done.status_code == 302
    clock = Clock.objects.get(rule_code=STRATEGY_ACTION.code, record_id=action.pk)
    assert clock.outcome == "breached" and clock.breach_reason == "unavailable"


def test_another_agencys_late_action_is_recorded_as_theirs_without_asking_the_hub(
    force: Force, planned: StrategyDiscussion
) -> None:
    held(planned, force)
    action = planned.actions.get(agency="health")
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        hub = as_user(force.user("hub"))
        assert "This action is late" not in text(hub.get(reverse("sharing:strategy_action", args=[action.pk])))
        done = hub.post(reverse("sharing:strategy_action", args=[action.pk]), {"note": "Medical done by health."})
        assert done.status_code == 302 and done["Location"] == reverse("sharing:strategy", args=[planned.pk])
    clock = Clock.objects.get(rule_code=STRATEGY_ACTION.code, record_id=action.pk)
    assert clock.outcome == "breached" and clock.breach_reason == "awaiting_partner"


def test_a_discussion_held_late_asks_why_before_it_is_recorded(force: Force, planned: StrategyDiscussion) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        hub = as_user(force.user("hub"))
        assert "This discussion was held late" in text(hub.get(reverse("sharing:strategy_record", args=[planned.pk])))
        refused(
            hub.post(reverse("sharing:strategy_record", args=[planned.pk]), held_form(force)), "choose why it is late"
        )
        planned.refresh_from_db()
        assert not planned.is_held
        done = hub.post(
            reverse("sharing:strategy_record", args=[planned.pk]),
            {**held_form(force), "breach_reason": "awaiting_partner", "breach_detail": "Social care could not attend."},
        )
        assert done.status_code == 302
    assert Clock.objects.get(rule_code=STRATEGY.code, record_id=planned.pk).outcome == "breached"


def test_the_detail_page_audits_the_discussion_it_shows(force: Force, planned: StrategyDiscussion) -> None:
    seq = last_seq()
    assert as_user(force.user("leader")).get(reverse("sharing:strategy", args=[planned.pk])).status_code == 200
    events = [e for e in events_since(seq) if e.record_type == DISCUSSION]
    assert [(e.operation, e.record_ids) for e in events] == [(Operation.CONSULT, [str(planned.pk)])]


# --- Who may use each page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_HUB)
@pytest.mark.parametrize("name", ["strategy_new", "strategy_record", "strategy_conference"])
def test_only_the_hub_may_arrange_or_record_a_discussion(
    force: Force, concern: Concern, planned: StrategyDiscussion, role: str, name: str
) -> None:
    target = concern.pk if name == "strategy_new" else planned.pk
    client = as_user(force.user(role))
    assert client.get(reverse(f"sharing:{name}", args=[target])).status_code == 403
    assert client.post(reverse(f"sharing:{name}", args=[target]), {"reason": "x" * 20}).status_code == 403
    assert StrategyDiscussion.objects.count() == 1 and not StrategyDiscussion.objects.get().is_held


@pytest.mark.parametrize(
    ("role", "status"),
    [("hub", 200), ("leader", 200), ("officer", 200), ("partner", 404), ("admin", 404), ("auditor", 404)],
)
def test_who_may_see_a_discussion(force: Force, planned: StrategyDiscussion, role: str, status: int) -> None:
    assert as_user(force.user(role)).get(reverse("sharing:strategy", args=[planned.pk])).status_code == status


def test_a_discussion_outside_the_users_scope_or_missing_is_not_found_and_the_attempt_audited(
    force: Force, planned: StrategyDiscussion
) -> None:
    seq = last_seq()
    assert as_user(force.outsider).get(reverse("sharing:strategy", args=[planned.pk])).status_code == 404
    assert as_user(force.user("hub")).get(reverse("sharing:strategy", args=[planned.pk + 999])).status_code == 404
    denied = [e for e in events_since(seq) if e.record_type == DISCUSSION]
    assert [e.outcome for e in denied] == [Outcome.DENIED, Outcome.DENIED]


def test_an_action_is_seen_only_by_its_owner_and_those_who_may_see_its_discussion(
    force: Force, planned: StrategyDiscussion
) -> None:
    held(planned, force)
    action = planned.actions.get(agency="police")
    url = reverse("sharing:strategy_action", args=[action.pk])
    for role in ("partner", "admin", "auditor"):
        assert as_user(force.user(role)).get(url).status_code == 404
    assert as_user(force.outsider).get(url).status_code == 404
    colleague = as_user(force.colleague)  # unit A: may see the discussion, but the action is not theirs
    assert colleague.get(url).status_code == 200
    assert colleague.post(url, {"note": "Not mine to record."}).status_code == 403
    assert as_user(force.user("hub")).get(reverse("sharing:strategy_action", args=[action.pk + 999])).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None


def test_a_restricted_concern_asks_the_hub_to_break_the_glass_before_arranging(force: Force, hub: User) -> None:
    concern = submitted_concern(force)
    Concern.objects.filter(pk=concern.pk).update(is_restricted=True)
    response = as_user(hub).get(reverse("sharing:strategy_new", args=[concern.pk]))
    assert response.status_code == 403 and "reason" in text(response).lower()


# --- Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Say why a strategy discussion is needed"),
        ({"reason": "x" * 20_001}, "must be 20,000 characters or fewer"),
        ({"reason": f"Bruising {XSS}"}, "cannot contain '<' followed by a letter"),
        ({"reason": '=HYPERLINK("http://x")'}, "cannot start with =, + or @"),
        ({"reason": "Bruising\x07 seen"}, "characters that cannot be stored"),
        ({"reason": "Too short"}, "at least 10 characters"),
        ({"share": "987654"}, "Choose a share of this concern from the list"),
        ({"share": "not-a-number"}, "Choose a share of this concern from the list"),
        ({"day_0": "31", "day_1": "2"}, "must be a real date"),
        ({"time": "25:99"}, "Enter a time like 14:30"),
    ],
)
def test_arranging_refuses_bad_answers_and_changes_nothing(
    force: Force, concern: Concern, hub: User, answers: dict[str, str], message: str
) -> None:
    good = {"reason": "Unexplained bruising to a child of three.", **when("day", "time", timezone.now())}
    data = {**good, **answers} if answers else {}
    refused(as_user(hub).post(reverse("sharing:strategy_new", args=[concern.pk]), data), message)
    assert not StrategyDiscussion.objects.exists()


def test_arranging_cannot_follow_a_share_of_another_concern_or_be_decided_in_the_future(
    force: Force, concern: Concern, hub: User
) -> None:
    other = send(hub, submitted_concern(force), force.partner_org)
    data = {
        "reason": "Unexplained bruising to a child of three.",
        "share": str(other.pk),
        **when("day", "time", timezone.now() + timedelta(days=2)),
    }
    refused(
        as_user(hub).post(reverse("sharing:strategy_new", args=[concern.pk]), data),
        "Choose a share of this concern from the list",
        "must be today or in the past",
    )
    assert not StrategyDiscussion.objects.exists()


def test_recording_nothing_asks_for_everything(force: Force, planned: StrategyDiscussion) -> None:
    refused(
        as_user(force.user("hub")).post(reverse("sharing:strategy_record", args=[planned.pk]), {}),
        "Enter the date it was held",
        "Enter the time it started",
        "Record what information was shared",
        "Choose the decision",
        "Record why this was decided",
    )
    planned.refresh_from_db()
    assert not planned.is_held


def test_recording_without_attendees_says_who_is_missing(force: Force, planned: StrategyDiscussion) -> None:
    blank = {f"attendee-{i}-{f}": "" for i in range(3) for f in ("agency", "name", "role")}
    refused(
        as_user(force.user("hub")).post(
            reverse("sharing:strategy_record", args=[planned.pk]), {**held_form(force), **blank}
        ),
        "Add who took part, with their agency",
    )
    planned.refresh_from_db()
    assert not planned.is_held and not planned.attendees.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action-0-owner": "987654"}, "Choose a police officer from the list"),
        ({"action-0-owner": "<b>1</b>"}, "Choose a police officer from the list"),
        ({"action-0-owner": ""}, "Choose the police officer who does action 1"),
        ({"action-1-owner": "OFFICER"}, "Only a police action has a police officer"),
        (due("action-0-", date(2020, 1, 1)), "Action 1 must be due between today and a year from now"),
        (due("action-1-", date.today() + timedelta(days=800)), "Action 2 must be due between today and a year"),
        ({"action-0-due_on_0": "", "action-0-due_on_1": "", "action-0-due_on_2": ""}, "must be due between today"),
        ({"action-0-agency": "martians"}, "Choose an agency"),
        ({"action-0-description": XSS}, "cannot contain '<' followed by a letter"),
        ({"action-0-description": "x" * 2001}, "must be 2,000 characters or fewer"),
        ({"attendee-1-name": XSS}, "can only include letters"),
        ({"attendee-1-name": "Sam\x00Reid"}, "Null characters are not allowed"),
        ({"attendee-1-name": "Sam\x07Reid"}, "can only include letters"),
        ({"attendee-1-agency": ""}, "Choose the agency of attendee 2"),
        ({"attendee-0-name": ""}, "Enter attendee 1's name"),
        ({"attendee-0-role": "=SUM(A1)"}, "cannot start with =, + or @"),
        ({"attendee-0-role": "r" * 201}, "must be 200 characters or fewer"),
        ({"information_shared": f"History {XSS}"}, "cannot contain '<' followed by a letter"),
        ({"rationale": "x" * 20_001}, "must be 20,000 characters or fewer"),
        ({"decision": "maybe"}, "Select a valid choice"),
        ({"day_2": "2999"}, "must be today or in the past"),
    ],
)
def test_recording_refuses_bad_answers_and_changes_nothing(
    force: Force, planned: StrategyDiscussion, changes: dict[str, str], message: str
) -> None:
    if changes.get("action-1-owner") == "OFFICER":
        changes = {**changes, "action-1-owner": str(force.user("officer").pk)}
    response = as_user(force.user("hub")).post(
        reverse("sharing:strategy_record", args=[planned.pk]), {**held_form(force), **changes}
    )
    refused(response, message)
    planned.refresh_from_db()
    assert not planned.is_held
    assert not planned.attendees.exists() and not StrategyAction.objects.exists()
    assert open_clock(STRATEGY, planned) is not None


def test_a_row_error_from_the_service_lands_on_the_row_it_came_from(force: Force, planned: StrategyDiscussion) -> None:
    """With a blank row in between, the service's 'action 2' is the page's third row."""
    data = {
        **held_form(force),
        "actions": "3",
        "action-1-description": "",
        "action-1-agency": "",
        **{f"action-1-due_on_{i}": "" for i in range(3)},
        "action-2-description": "Police check of the address history",
        "action-2-agency": "police",
        **due("action-2-", services.today() + timedelta(days=1)),
    }
    content = refused(
        as_user(force.user("hub")).post(reverse("sharing:strategy_record", args=[planned.pk]), data),
        "Choose the police officer who does action 2",
    )
    assert 'id="id_action-2-owner_error"' in content


def test_add_another_attendee_or_action_keeps_what_was_typed_and_saves_nothing(
    force: Force, planned: StrategyDiscussion
) -> None:
    hub = as_user(force.user("hub"))
    url = reverse("sharing:strategy_record", args=[planned.pk])
    data = {**held_form(force), "attendee-2-name": "Priya Shah", "add_attendee": "1"}
    page = hub.post(url, data)
    content = page.content.decode()
    assert page.status_code == 200 and "There is a problem" not in content
    assert 'name="attendee-3-name"' in content and 'name="attendee-4-name"' not in content
    assert 'value="Hannah Okafor"' in content and 'value="Priya Shah"' in content
    assert "Police history of the household" in content
    assert f'<option value="{force.user("officer").pk}" selected>' in content
    assert re.search(r'name="action-0-due_on_0"[^>]*value="\d+"', content)
    assert 'name="attendees" value="4"' in content
    again = hub.post(url, {**data, "attendees": "4", "add_attendee": "", "add_action": "1"})
    content = again.content.decode()
    assert 'name="action-2-description"' in content and 'name="attendee-3-name"' in content
    assert 'name="actions" value="3"' in content and "There is a problem" not in content
    planned.refresh_from_db()
    assert not planned.is_held and not planned.attendees.exists()


def test_row_counts_are_bounded_whatever_the_page_sends(force: Force, planned: StrategyDiscussion) -> None:
    page = as_user(force.user("hub")).post(
        reverse("sharing:strategy_record", args=[planned.pk]),
        {"attendees": "100000", "actions": "0", "add_action": "1"},
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="attendee-19-name"' in content and 'name="attendee-20-name"' not in content
    assert 'name="action-1-description"' in content and 'name="action-2-description"' not in content


def test_a_discussion_already_recorded_cannot_be_recorded_again(force: Force, planned: StrategyDiscussion) -> None:
    held(planned, force)
    again = as_user(force.user("hub")).post(reverse("sharing:strategy_record", args=[planned.pk]), held_form(force))
    assert again.status_code == 302 and planned.attendees.count() == 2


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Enter the date the conference was held"),
        ({"time": "noon"}, "Enter a time like 14:30"),
        ("future", "must be today or in the past"),
        ("before", "after the discussion, not in the future"),
    ],
)
def test_the_conference_page_refuses_bad_answers(
    force: Force, planned: StrategyDiscussion, answers: object, message: str
) -> None:
    held(planned, force)
    if answers == "future":
        data = when("day", "time", timezone.now() + timedelta(days=3))
    elif answers == "before":
        data = when("day", "time", planned.held_at - timedelta(days=2))  # type: ignore[operator]
    else:
        data = answers  # type: ignore[assignment]
    refused(as_user(force.user("hub")).post(reverse("sharing:strategy_conference", args=[planned.pk]), data), message)
    planned.refresh_from_db()
    assert planned.conference_held_at is None


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Say what was done"),
        (XSS, "cannot contain '<' followed by a letter"),
        ("x" * 20_001, "must be 20,000 characters or fewer"),
        ("+1 visit", "cannot start with =, + or @"),
        ("ok", "at least 5 characters"),
    ],
)
def test_completing_an_action_refuses_bad_notes(
    force: Force, planned: StrategyDiscussion, note: str, message: str
) -> None:
    held(planned, force)
    action = planned.actions.get(agency="police")
    refused(
        as_user(force.user("officer")).post(reverse("sharing:strategy_action", args=[action.pk]), {"note": note}),
        message,
    )
    action.refresh_from_db()
    assert action.done_at is None


def test_audit_events_name_only_the_records_shown(force: Force, planned: StrategyDiscussion) -> None:
    """The detail page of a held discussion audits the discussion and its concern, nothing else."""
    held(planned, force)
    seq = last_seq()
    as_user(force.user("hub")).get(reverse("sharing:strategy", args=[planned.pk]))
    seen = {(e.record_type, tuple(e.record_ids)) for e in AuditEvent.objects.filter(seq__gt=seq)}
    assert seen == {(DISCUSSION, (str(planned.pk),)), ("concerns.concern", (str(planned.concern_id),))}
