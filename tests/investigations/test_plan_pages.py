"""The plan pages of an investigation, through the same door a user uses: the officer in the case, the
person an action is given to and the supervisor can work them; nobody else can change anything; bad
input is refused with nothing stored; corrections keep the earlier version; every page is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.audit.models import Operation, Outcome
from safeguard.investigations import services
from safeguard.investigations.models import (
    Action,
    ActionEntry,
    ActionStatus,
    Investigation,
    InvestigationPerson,
    RequiredNotification,
)
from safeguard.people.models import Person
from safeguard.people.services import NewPerson, create_person
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, events_since, last_seq, make_child, sign_in
from tests.investigations.helpers import make_investigation

XSS = "<script>alert(1)</script>"
LONG = "x" * 25_000


@dataclass
class Case:
    """An accepted investigation run by the officer, with one action given to their colleague, one
    entry against it, a partner to tell, the child from the concern and a child found since."""

    investigation: Investigation
    action: Action
    entry: ActionEntry
    notification: RequiredNotification
    child: Person
    sibling: Person


@pytest.fixture
def case(force: Force) -> Case:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    child = make_child(officer)
    investigation = make_investigation(officer, supervisor, child)
    action = services.add_action(
        investigation=investigation,
        details=services.ActionDetails(
            kind="house_to_house",
            title="House-to-house enquiries in Acacia Road",
            owner=force.colleague,
            due_on=services.today() + timedelta(days=7),
        ),
        by=officer,
    )
    entry = services.record_entry(
        action=action,
        kind="progress",
        text="Numbers 2 to 20 visited; no answer at 14.",
        occurred_at=timezone.now() - timedelta(hours=3),
        by=force.colleague,
    )
    notification = services.require_notification(
        investigation=investigation, agency="social_care", purpose="The outcome of the medical examination", by=officer
    )
    return Case(investigation, action, entry, notification, child, make_child(officer, "Ben", "Smith", "2020-01-01"))


def day_fields(name: str, day: date) -> dict[str, object]:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def hours_ago(hours: int = 1) -> dict[str, object]:
    when = timezone.localtime() - timedelta(hours=hours)
    return {**day_fields("day", when.date()), "time": when.strftime("%H:%M")}


VOICE = {
    "seen": "yes",
    "seen_alone": "yes",
    "spoken_to": "yes",
    "childs_words": "He pushed mummy and I was scared.",
    "demeanour": ["frightened"],
    "informed_decision": "Her account supports the ABE interview and keeps the risk high.",
}


def url(case: Case, page: str) -> str:
    i, a = case.investigation.pk, case.action.pk
    args: dict[str, list[int]] = {
        "add_action": [i],
        "find_person": [i],
        "add_person": [i, case.sibling.pk],
        "voice": [i, case.child.pk],
        "require_notification": [i],
        "notification": [i, case.notification.pk],
        "action": [a],
        "edit_action": [a],
        "finish_action": [a],
        "record_entry": [a],
        "correct_entry": [a, case.entry.pk],
    }
    return reverse(f"investigations:{page}", args=args[page])


def valid(case: Case, page: str) -> dict[str, Any]:
    action = case.action
    return {
        "add_action": {
            "kind": "medical",
            "title": "Medical examination of the child",
            "detail": "At the paediatric unit",
            "owner": case.investigation.owner_id,
            **day_fields("due_on", services.today() + timedelta(days=2)),
        },
        "edit_action": {
            "kind": action.kind,
            "title": "House-to-house enquiries in Acacia Road and Elm Close",
            "detail": "",
            "owner": action.owner_id,
            "version": action.version,
            **day_fields("due_on", action.due_on),
        },
        "finish_action": {"status": "done", "result": "All houses visited; two witnesses found.", "version": 1},
        "record_entry": {"kind": "evidence", "text": "Statement taken from the neighbour at 12.", **hours_ago()},
        "correct_entry": {
            "text": "Numbers 2 to 20 visited; no answer at 16.",
            "reason": "The wrong house number was written down.",
            **hours_ago(3),
        },
        "add_person": {"role": "witness"},
        "voice": VOICE,
        "require_notification": {"agency": "school", "purpose": "The school must know of the bail conditions"},
        "notification": {"detail": "Emailed the duty social worker, MASH reference 4411.", **hours_ago()},
    }[page]


def snapshot() -> tuple[object, ...]:
    """Everything the plan pages write."""
    return (
        list(Action.objects.order_by("pk").values_list("pk", "version", "status", "title", "owner_id", "due_on")),
        list(ActionEntry.objects.order_by("pk").values_list("pk", "is_current", "text")),
        list(RequiredNotification.objects.order_by("pk").values_list("pk", "sent_at", "purpose")),
        list(InvestigationPerson.objects.order_by("pk").values_list("pk", "role")),
        VoiceRecord.objects.filter(investigation__isnull=False).count(),
    )


def refused(response: Any, message: str) -> str:
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    shown = re.findall(r"govuk-error-message\">(.*?)</p>", page, re.S)
    assert "There is a problem" in page and message in page, shown
    assert XSS not in page
    return page


ACTION_PAGES = ["edit_action", "finish_action", "record_entry", "correct_entry"]
INVESTIGATION_PAGES = ["add_action", "add_person", "voice", "require_notification", "notification"]
ALL_PAGES = ["action", "find_person", *ACTION_PAGES, *INVESTIGATION_PAGES]
ACTION_WORKERS = ["officer", "colleague", "supervisor"]  # the officer in the case, the action's owner, the supervisor
PLAN_RUNNERS = ["officer", "supervisor"]


def user(force: Force, who: str) -> Any:
    return force.colleague if who == "colleague" else force.user(who)


# --- Who may use them --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTION_WORKERS)
def test_the_oic_the_owner_and_the_supervisor_see_an_action_with_what_was_recorded(
    force: Force, case: Case, who: str
) -> None:
    response = sign_in(Client(), user(force, who)).get(url(case, "action"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "House-to-house enquiries in Acacia Road" in page and str(case.investigation) in page
    assert "Numbers 2 to 20 visited; no answer at 14." in page and "by Colleague" in page
    assert reverse("investigations:edit_action", args=[case.action.pk]) in page
    assert reverse("investigations:correct_entry", args=[case.action.pk, case.entry.pk]) in page
    assert "Line of enquiry: due by the end of" in page  # the action's clock


@pytest.mark.parametrize("who", ACTION_WORKERS)
@pytest.mark.parametrize("page", ACTION_PAGES)
def test_the_oic_the_owner_and_the_supervisor_can_work_an_action(force: Force, case: Case, page: str, who: str) -> None:
    client = sign_in(Client(), user(force, who))
    assert client.get(url(case, page)).status_code == 200
    response = client.post(url(case, page), valid(case, page))
    assert response.status_code == 302 and response["Location"] == url(case, "action")
    action = Action.objects.get(pk=case.action.pk)
    if page == "edit_action":
        assert action.title == "House-to-house enquiries in Acacia Road and Elm Close" and action.version == 2
    elif page == "finish_action":
        assert action.status == ActionStatus.DONE and action.result == "All houses visited; two witnesses found."
    elif page == "record_entry":
        assert action.entries.filter(kind="evidence", text__startswith="Statement taken").exists()
    else:
        assert action.entries.get(is_current=True).text == "Numbers 2 to 20 visited; no answer at 16."


@pytest.mark.parametrize("who", PLAN_RUNNERS)
@pytest.mark.parametrize("page", INVESTIGATION_PAGES)
def test_the_oic_and_the_supervisor_can_add_to_the_plan(force: Force, case: Case, page: str, who: str) -> None:
    client = sign_in(Client(), user(force, who))
    assert client.get(url(case, page)).status_code == 200
    before = snapshot()
    response = client.post(url(case, page), valid(case, page))
    assert response.status_code == 302, refused(response, "")
    assert response["Location"] == reverse("investigations:detail", args=[case.investigation.pk])
    assert snapshot() != before


def test_the_owner_of_one_action_cannot_change_the_rest_of_the_investigation(force: Force, case: Case) -> None:
    client, before = sign_in(Client(), force.colleague), snapshot()
    for page in INVESTIGATION_PAGES:
        assert client.post(url(case, page), valid(case, page)).status_code == 404, page
    assert snapshot() == before


@pytest.mark.parametrize("page", ALL_PAGES)
def test_an_officer_of_another_unit_gets_404(force: Force, case: Case, page: str) -> None:
    client = sign_in(Client(), force.outsider)
    assert client.get(url(case, page)).status_code == 404
    if page not in ("action", "find_person"):
        before = snapshot()
        assert client.post(url(case, page), valid(case, page)).status_code == 404
        assert snapshot() == before


@pytest.mark.parametrize("role", ["partner", "admin", "leader", "auditor"])
@pytest.mark.parametrize("page", [*ACTION_PAGES, *INVESTIGATION_PAGES])
def test_partners_admins_and_leaders_cannot_change_anything(force: Force, case: Case, role: str, page: str) -> None:
    client, before = sign_in(Client(), force.user(role)), snapshot()
    assert client.get(url(case, page)).status_code in (403, 404)
    assert client.post(url(case, page), valid(case, page)).status_code in (403, 404)
    assert snapshot() == before


def test_an_action_in_a_closed_investigation_is_shown_but_cannot_be_changed(force: Force, case: Case) -> None:
    Investigation.objects.filter(pk=case.investigation.pk).update(status="closed")
    client, before = sign_in(Client(), force.colleague), snapshot()
    response = client.post(url(case, "record_entry"), valid(case, "record_entry"), follow=True)
    assert "is closed: its plan can no longer be changed" in response.content.decode()
    assert reverse("investigations:record_entry", args=[case.action.pk]) not in response.content.decode()
    assert snapshot() == before


# --- What each page does -----------------------------------------------------------------------------


def test_a_new_line_of_enquiry_defaults_to_the_officer_in_the_case(force: Force, case: Case) -> None:
    page = sign_in(Client(), force.user("supervisor")).get(url(case, "add_action")).content.decode()
    officer = case.investigation.owner_id
    assert re.search(rf'<option value="{officer}" selected>', page)
    assert "Supervisor&#x27;s direction" not in page  # directions come from reviews, not the plan page


def test_an_owner_outside_the_team_is_refused(force: Force, case: Case) -> None:
    before = snapshot()
    response = sign_in(Client(), force.user("officer")).post(
        url(case, "add_action"), {**valid(case, "add_action"), "owner": force.outsider.pk}
    )
    refused(response, "Choose an officer of the team running this investigation")
    assert snapshot() == before


def test_a_plan_cannot_be_written_before_the_officer_accepts(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    investigation = make_investigation(officer, supervisor, accept=False)
    data = {
        "kind": "medical",
        "title": "Medical examination of the child",
        "owner": officer.pk,
        **day_fields("due_on", services.today() + timedelta(days=2)),
    }
    response = sign_in(Client(), supervisor).post(reverse("investigations:add_action", args=[investigation.pk]), data)
    refused(response, "once the officer in the case has accepted")
    assert not Action.objects.exists()


def test_entries_are_shown_in_event_time_order_with_when_they_were_recorded(force: Force, case: Case) -> None:
    officer = force.user("officer")
    services.record_entry(
        action=case.action,
        kind="decision",
        text="Decided to widen the area to Elm Close.",
        occurred_at=timezone.now() - timedelta(days=1),
        by=officer,
    )
    page = sign_in(Client(), officer).get(url(case, "action")).content.decode()
    assert page.index("Decided to widen the area") < page.index("Numbers 2 to 20 visited")
    recorded = timezone.localtime(ActionEntry.objects.get(kind="decision").recorded_at)
    assert f"Recorded {recorded:%-d %b %Y %H:%M} by Officer" in page


def test_a_direction_shows_the_review_it_came_from_and_keeps_its_kind(force: Force, case: Case) -> None:
    supervisor = force.user("supervisor")
    review = services.record_review(
        investigation=case.investigation,
        answers=services.ReviewAnswers(
            rationale="Plan is sound but the medical is missing.",
            checks={"voice_check": "yes", "enquiries_check": "no", "partners_check": "yes", "delay_check": "yes"},
            risk_grade=case.investigation.risk_grade,
            next_review_on=services.today() + timedelta(days=7),
            directions=[
                services.ActionDetails(
                    kind="",
                    title="Arrange the medical examination",
                    owner=force.user("officer"),
                    due_on=services.today() + timedelta(days=2),
                )
            ],
        ),
        by=supervisor,
    )
    direction = review.directions.get()
    client = sign_in(Client(), force.user("officer"))
    page = client.get(reverse("investigations:action", args=[direction.pk])).content.decode()
    assert "Directed in the supervisory review of" in page and "by Supervisor" in page
    edit_url = reverse("investigations:edit_action", args=[direction.pk])
    assert 'name="kind"' not in client.get(edit_url).content.decode()
    due = services.today() + timedelta(days=3)
    data = {"title": "Arrange the medical", "owner": direction.owner_id, "version": 1, **day_fields("due_on", due)}
    assert client.post(edit_url, data).status_code == 302
    direction.refresh_from_db()
    assert (direction.kind, direction.title, direction.due_on) == ("direction", "Arrange the medical", due)


def test_a_correction_keeps_the_earlier_version_and_shows_it_as_corrected(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("supervisor"))
    form = client.get(url(case, "correct_entry")).content.decode()
    assert "Numbers 2 to 20 visited; no answer at 14.</textarea>" in form  # prefilled
    assert client.post(url(case, "correct_entry"), valid(case, "correct_entry")).status_code == 302

    old, new = ActionEntry.objects.order_by("pk")
    assert (old.is_current, old.text) == (False, "Numbers 2 to 20 visited; no answer at 14.")
    assert (new.is_current, new.supersedes, new.version) == (True, old, 2)
    assert new.correction_reason == "The wrong house number was written down."
    page = client.get(url(case, "action")).content.decode()
    assert page.index("no answer at 16.") < page.index("no answer at 14.")  # the current version first
    assert "Corrected" in page and "The wrong house number was written down." in page
    assert reverse("investigations:correct_entry", args=[case.action.pk, old.pk]) not in page


def test_an_earlier_version_cannot_be_corrected_again(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("officer"))
    client.post(url(case, "correct_entry"), valid(case, "correct_entry"))
    before = snapshot()
    response = client.post(url(case, "correct_entry"), valid(case, "correct_entry"), follow=True)
    assert "already been corrected: correct the latest version" in response.content.decode()
    assert snapshot() == before


def test_a_late_action_asks_why_before_it_is_finished(force: Force, case: Case) -> None:
    from safeguard.timescales.models import Clock

    past = timezone.now() - timedelta(hours=1)
    Clock.objects.filter(record_id=case.action.pk, record_type="investigations.action").update(
        due_soon_at=past - timedelta(hours=1), due_at=past
    )
    client = sign_in(Client(), force.colleague)
    assert "Why is this late?" in client.get(url(case, "finish_action")).content.decode()
    refused(client.post(url(case, "finish_action"), valid(case, "finish_action")), "choose why it is late")
    assert Action.objects.get(pk=case.action.pk).is_open
    data = {
        **valid(case, "finish_action"),
        "breach_reason": "unavailable",
        "breach_detail": "Two officers were off sick all week.",
    }
    response = client.post(url(case, "finish_action"), data)
    assert response.status_code == 302, refused(response, "")
    assert (
        Clock.objects.get(record_id=case.action.pk, record_type="investigations.action").breach_reason == "unavailable"
    )


def test_find_person_links_each_result_to_adding_them(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("officer"))
    page = client.get(url(case, "find_person"), {"given_name": "Ben", "family_name": "Smith"}).content.decode()
    assert url(case, "add_person") in page


def test_a_person_of_unknown_age_is_asked_about_and_added_as_a_child(force: Force, case: Case) -> None:
    officer = force.user("officer")
    stranger = create_person(details=NewPerson(given_name="Kai", family_name="Moss"), by=officer)
    client = sign_in(Client(), officer)
    add = reverse("investigations:add_person", args=[case.investigation.pk, stranger.pk])
    assert "Are they under 18?" in client.get(add).content.decode()
    refused(client.post(add, {"role": "witness"}), "Say whether they are under 18")
    assert client.post(add, {"role": "witness", "is_child": "yes"}).status_code == 302
    assert case.investigation.people.get(person=stranger).is_child


def test_the_voice_page_is_only_for_a_child_in_the_investigation(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("officer"))
    assert client.get(reverse("investigations:voice", args=[case.investigation.pk, case.sibling.pk])).status_code == 404
    adult = create_person(
        details=NewPerson(given_name="Dan", family_name="Smith", date_of_birth=date(1980, 1, 1), dob_quality="stated"),
        by=force.user("officer"),
    )
    services.add_person(investigation=case.investigation, person=adult, role="suspect", by=force.user("officer"))
    assert client.get(reverse("investigations:voice", args=[case.investigation.pk, adult.pk])).status_code == 404


def test_a_second_voice_record_needs_a_reason_and_keeps_the_first(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("officer"))
    assert client.post(url(case, "voice"), VOICE).status_code == 302
    page = client.get(url(case, "voice")).content.decode()
    assert "He pushed mummy and I was scared." in page and "Why does this replace the earlier record?" in page
    again = {**VOICE, "childs_words": "He pushed mummy into the door."}
    refused(client.post(url(case, "voice"), again), "Say why this replaces the earlier record")
    assert VoiceRecord.objects.filter(investigation=case.investigation).count() == 1
    response = client.post(url(case, "voice"), {**again, "correction_reason": "Seen again at the ABE interview."})
    assert response.status_code == 302
    first, second = VoiceRecord.objects.filter(investigation=case.investigation).order_by("version")
    assert (first.is_current, second.is_current, second.supersedes) == (False, True, first)
    assert first.childs_words == "He pushed mummy and I was scared."


def test_a_notification_is_shown_and_recorded_as_sent_once(force: Force, case: Case) -> None:
    client = sign_in(Client(), force.user("supervisor"))
    page = client.get(url(case, "notification")).content.decode()
    assert "The outcome of the medical examination" in page and "Not sent" in page
    assert client.post(url(case, "notification"), valid(case, "notification")).status_code == 302
    sent = RequiredNotification.objects.get(pk=case.notification.pk)
    assert sent.is_sent and sent.sent_by == force.user("supervisor") and "MASH reference 4411" in sent.sent_detail
    page = client.get(url(case, "notification")).content.decode()
    assert "MASH reference 4411" in page and "Record as sent" not in page


# --- Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["record_entry", "correct_entry", "notification"])
def test_a_future_event_time_is_refused_and_nothing_stored(force: Force, case: Case, page: str) -> None:
    client, before = sign_in(Client(), force.user("officer")), snapshot()
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {**valid(case, page), **day_fields("day", tomorrow)}
    refused(client.post(url(case, page), data), "must be today or in the past")
    now = timezone.localtime()
    if now.hour < 23:
        later = {**valid(case, page), **day_fields("day", now.date()), "time": "23:59"}
        refused(client.post(url(case, page), later), "must be in the past")
    assert snapshot() == before


TEXT_FIELDS = [
    ("add_action", "title"),
    ("add_action", "detail"),
    ("edit_action", "title"),
    ("finish_action", "result"),
    ("record_entry", "text"),
    ("correct_entry", "text"),
    ("correct_entry", "reason"),
    ("require_notification", "purpose"),
    ("notification", "detail"),
    ("voice", "informed_decision"),
]


@pytest.mark.parametrize(("page", "name"), TEXT_FIELDS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", ""),
        (XSS + " at the door", "cannot contain"),
        (LONG, "characters or fewer"),
        ("Note \x1b[31m here", "cannot be stored"),
        ('=HYPERLINK("http://example.invalid","x")', "cannot start with"),
    ],
)
def test_empty_hostile_or_oversized_text_is_refused_and_nothing_stored(
    force: Force, case: Case, page: str, name: str, value: str, message: str
) -> None:
    if value == "" and name == "detail" and page == "add_action":
        pytest.skip("the detail of a line of enquiry is optional")
    client, before = sign_in(Client(), force.user("officer")), snapshot()
    response = client.post(url(case, page), {**valid(case, page), name: value})
    refused(response, message)
    assert snapshot() == before


def test_an_oversized_title_is_refused_with_its_limit(force: Force, case: Case) -> None:
    before = snapshot()
    response = sign_in(Client(), force.user("officer")).post(
        url(case, "add_action"), {**valid(case, "add_action"), "title": "x" * 201}
    )
    refused(response, "What is to be done must be 200 characters or fewer")
    assert snapshot() == before


@pytest.mark.parametrize("due", [timedelta(days=-1), timedelta(days=400)])
def test_a_due_date_in_the_past_or_beyond_a_year_is_refused(force: Force, case: Case, due: timedelta) -> None:
    before = snapshot()
    data = {**valid(case, "edit_action"), **day_fields("due_on", services.today() + due)}
    response = sign_in(Client(), force.user("officer")).post(url(case, "edit_action"), data)
    refused(response, "The due date must be")
    assert snapshot() == before


# --- Audit ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
def test_each_plan_page_writes_one_consultation_naming_its_investigation_or_action(
    force: Force, case: Case, page: str
) -> None:
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    assert client.get(url(case, page)).status_code == 200
    on_action = page == "action" or page in ACTION_PAGES
    record_type, pk = (
        ("investigations.action", case.action.pk)
        if on_action
        else ("investigations.investigation", case.investigation.pk)
    )
    events = [e for e in events_since(seq) if e.record_type.startswith("investigations.")]
    assert [(e.record_type, e.operation, e.outcome, e.record_ids) for e in events] == [
        (record_type, Operation.CONSULT, Outcome.ALLOWED, [str(pk)])
    ]


def test_a_denied_plan_page_is_audited_as_denied(force: Force, case: Case) -> None:
    client, seq = sign_in(Client(), force.outsider), last_seq()
    assert client.get(url(case, "edit_action")).status_code == 404
    [event] = [e for e in events_since(seq) if e.record_type == "investigations.action"]
    assert event.outcome == Outcome.DENIED and event.record_ids == [str(case.action.pk)]


def test_recording_an_entry_writes_one_alteration_of_the_action(force: Force, case: Case) -> None:
    client, seq = sign_in(Client(), force.colleague), last_seq()
    client.post(url(case, "record_entry"), valid(case, "record_entry"))
    writes = [e for e in events_since(seq) if e.operation != Operation.CONSULT]
    assert [(e.operation, e.record_type, e.record_ids) for e in writes] == [
        (Operation.ALTER, "investigations.action", [str(case.action.pk)])
    ]
