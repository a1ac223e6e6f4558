"""Investigations through the API (/api/v1/): the journey from a concern to a signed-off closure, the
same policy (out of scope is 404, a partner sees nothing) and audit as the pages, edits from an older
version refused with the other change shown, and a clear 422 for bad input with nothing stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.accounts.services import create_api_token
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.investigations import services as inv
from safeguard.investigations.models import Action, ActionEntry, Investigation, SupervisoryReview
from tests.conftest import Force, events_since, last_seq, make_child, make_concern

API = "/api/v1"


def api_client(user: User) -> Client:
    _, raw = create_api_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


def fields_of(response: Any) -> dict[str, str]:
    body = response.json()["error"]
    assert body["code"] == "invalid" and body["message"]
    return {d["field"]: d["message"] for d in body["details"]}


def consults(seq: int, record_type: str) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation == Operation.CONSULT and e.record_type == record_type]


def writes_since(seq: int) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation != Operation.CONSULT]


def in_days(days: int) -> str:
    return (inv.today() + timedelta(days=days)).isoformat()


def open_case(force: Force) -> Investigation:
    """An accepted investigation of one concern about Amy, run by the officer, supervised in unit A."""
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = make_concern(officer, make_child(officer), submit=True)
    investigation = inv.open_investigation(
        concerns=[concern],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="high",
        risk_rationale="Repeat incident, young child.",
        first_review_on=inv.today(),
        by=supervisor,
    )
    inv.accept_investigation(investigation=investigation, by=officer)
    return investigation


def plan_item(investigation: Investigation, by: User, title: str = "Arrange the ABE interview of Amy") -> Action:
    details = inv.ActionDetails(kind="abe", title=title, owner=by, due_on=inv.today() + timedelta(days=3))
    return inv.add_action(investigation=investigation, details=details, by=by)


# --- The journey ----------------------------------------------------------------------------------


def test_investigation_runs_from_a_concern_to_a_signed_off_closure_through_the_api(force: Force) -> None:
    officer_user = force.user("officer")
    officer, supervisor = api_client(officer_user), api_client(force.user("supervisor"))
    amy = make_child(officer_user)
    concern = make_concern(officer_user, amy, submit=True)

    opened = post(
        supervisor,
        "/investigations",
        {
            "concern_ids": [concern.pk],
            "officer_id": officer_user.pk,
            "summary": "Alleged assault of a child at home by a parent.",
            "risk_grade": "high",
            "risk_rationale": "Repeat incident, young child.",
            "first_review_on": in_days(0),
        },
    )
    assert opened.status_code == 201, opened.content
    case = opened.json()
    assert case["status"] == "allocated" and case["reference"].startswith("INV-")
    assert case["concerns"] == [{"id": concern.pk, "reference": concern.reference}]
    assert [(p["person"]["name"], p["role"], p["is_child"]) for p in case["people"]] == [
        ("Amy Smith", "subject_child", True)
    ]
    assert "The officer in the case has not accepted the investigation" in case["closure_blockers"]
    url = f"/investigations/{case['id']}"

    accepted = post(officer, f"{url}/accept", {})
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    assert accepted.json()["allocations"][0]["accepted_at"]

    titles = ["Arrange the ABE interview of Amy", "Medical examination of Amy", "House-to-house on Acacia Road"]
    for kind, title in zip(["abe", "medical", "house_to_house"], titles, strict=True):
        added = post(
            officer,
            f"{url}/actions",
            {"kind": kind, "title": title, "owner_id": officer_user.pk, "due_on": in_days(3)},
        )
        assert added.status_code == 201, added.content
        assert (added.json()["status"], added.json()["version"], added.json()["entries"]) == ("open", 1, [])

    reviewed = post(
        supervisor,
        f"{url}/reviews",
        {
            "rationale": "Plan is proportionate; the child's account must be secured quickly.",
            "voice_check": "yes",
            "enquiries_check": "no",
            "partners_check": "yes",
            "delay_check": "na",
            "risk_grade": "high",
            "next_review_on": in_days(7),
            "directions": [
                {"title": "Seize the father's phone", "owner_id": officer_user.pk, "due_on": in_days(2)},
                {"title": "Speak to the school's DSL", "owner_id": force.colleague.pk, "due_on": in_days(2)},
            ],
        },
    )
    assert reviewed.status_code == 201, reviewed.content
    assert len(reviewed.json()["direction_ids"]) == 2 and reviewed.json()["enquiries_check"] == "no"

    blocked = post(
        officer, f"{url}/closure", {"outcome": "nc_safeguarded", "rationale": "Safeguards are in place now."}
    )
    assert blocked.status_code == 422
    messages = [d["message"] for d in blocked.json()["error"]["details"]]
    assert len(messages) == 5
    for title in [*titles, "Seize the father's phone", "Speak to the school's DSL"]:
        assert any(title in m for m in messages), (title, messages)
    assert Investigation.objects.get(pk=case["id"]).status == "active"

    read = officer.get(f"{API}{url}").json()
    assert read["closure_blockers"] == messages
    assert sorted(a["id"] for a in read["actions"] if a["is_direction"]) == sorted(reviewed.json()["direction_ids"])
    for action in read["actions"]:
        done = post(
            officer,
            f"/actions/{action['id']}/finish",
            {"status": "done", "result": "Completed as planned, see the statement.", "version": action["version"]},
        )
        assert done.status_code == 200, done.content
        assert (done.json()["status"], done.json()["version"]) == ("done", 2)

    proposed = post(
        officer, f"{url}/closure", {"outcome": "nc_safeguarded", "rationale": "Safeguards are in place now."}
    )
    assert proposed.status_code == 200, proposed.content
    assert proposed.json()["status"] == "closure_proposed" and proposed.json()["closure_blockers"] == []

    signed = post(supervisor, f"{url}/closure/sign-off", {"rationale": "Every line of enquiry is complete."})
    assert signed.status_code == 200, signed.content
    closed = signed.json()
    assert (closed["status"], closed["outcome"], closed["signed_off_by"]) == ("closed", "nc_safeguarded", "Supervisor")
    assert closed["closure_proposals"][0]["decision"] == "signed_off" and closed["closed_at"]


def test_officer_declines_and_the_supervisor_reallocates(force: Force) -> None:
    officer_user = force.user("officer")
    concern = make_concern(officer_user, make_child(officer_user), submit=True)
    investigation = inv.open_investigation(
        concerns=[concern],
        officer=officer_user,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="medium",
        risk_rationale="Single incident, older child.",
        first_review_on=inv.today(),
        by=force.user("supervisor"),
    )
    url = f"/investigations/{investigation.pk}"
    declined = post(api_client(officer_user), f"{url}/decline", {"reason": "I know the family socially."})
    assert declined.status_code == 200 and declined.json()["status"] == "unallocated"
    assert declined.json()["owner"] is None
    allocated = post(
        api_client(force.user("supervisor")),
        f"{url}/allocate",
        {"officer_id": force.colleague.pk, "reason": "The first officer has a conflict."},
    )
    assert allocated.status_code == 200, allocated.content
    assert (allocated.json()["status"], allocated.json()["owner_id"]) == ("allocated", force.colleague.pk)
    assert [a["officer_id"] for a in allocated.json()["allocations"]] == [officer_user.pk, force.colleague.pk]


def test_an_entry_is_corrected_as_a_new_version_and_both_are_shown(force: Force) -> None:
    officer = force.user("officer")
    action = plan_item(open_case(force), officer)
    client = api_client(officer)
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    first = post(
        client,
        f"/actions/{action.pk}/entries",
        {"kind": "progress", "text": "Booked the ABE suite.", "occurred_at": when},
    )
    assert first.status_code == 201, first.content
    corrected = post(
        client,
        f"/actions/{action.pk}/entries/{first.json()['id']}/correct",
        {"text": "Booked the ABE suite for Friday.", "occurred_at": when, "reason": "The day was left out."},
    )
    assert corrected.status_code == 201, corrected.content
    assert (corrected.json()["version"], corrected.json()["supersedes_id"]) == (2, first.json()["id"])
    entries = client.get(f"{API}/actions/{action.pk}").json()["entries"]
    assert [(e["version"], e["is_current"], e["text"]) for e in entries] == [
        (1, False, "Booked the ABE suite."),
        (2, True, "Booked the ABE suite for Friday."),
    ]
    assert all(e["occurred_at"] != e["recorded_at"] for e in entries)


def test_a_required_notification_blocks_closure_until_it_is_recorded_as_sent(force: Force) -> None:
    investigation = open_case(force)
    client = api_client(force.user("officer"))
    url = f"/investigations/{investigation.pk}"
    required = post(client, f"{url}/notifications", {"agency": "school", "purpose": "The DSL must know of the risk."})
    assert required.status_code == 201, required.content
    blockers = client.get(f"{API}{url}").json()["closure_blockers"]
    assert blockers == ["School has not been told: record when it was sent"]
    sent = post(
        client,
        f"{url}/notifications/{required.json()['id']}/sent",
        {"sent_at": (timezone.now() - timedelta(minutes=5)).isoformat(), "detail": "Phoned Mrs Jones, the DSL."},
    )
    assert sent.status_code == 200 and sent.json()["sent_at"] and sent.json()["sent_by"] == "Officer"
    assert client.get(f"{API}{url}").json()["closure_blockers"] == []


# --- Two people editing one action ----------------------------------------------------------------


def test_second_edit_from_the_same_version_gets_409_with_the_current_values_and_changes_nothing(
    force: Force,
) -> None:
    officer = force.user("officer")
    action = plan_item(open_case(force), officer)
    first = post(api_client(officer), f"/actions/{action.pk}", {"version": 1, "title": "ABE interview on Friday"})
    assert first.status_code == 200, first.content
    assert (first.json()["title"], first.json()["version"]) == ("ABE interview on Friday", 2)

    second = post(
        api_client(force.user("supervisor")),
        f"/actions/{action.pk}",
        {"version": 1, "title": "ABE interview today", "due_on": in_days(1)},
    )
    assert second.status_code == 409
    body = second.json()
    assert body["error"]["code"] == "conflict"
    assert "changed by Officer" in body["error"]["message"] and "version 2" in body["error"]["message"]
    assert (body["current"]["title"], body["current"]["version"]) == ("ABE interview on Friday", 2)
    assert body["current"]["due_on"] == in_days(3)
    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.version, stored.due_on, stored.updated_by_id) == (
        "ABE interview on Friday",
        2,
        date.fromisoformat(in_days(3)),
        officer.pk,
    )


def test_finishing_from_an_old_version_gets_409_and_leaves_the_action_open(force: Force) -> None:
    officer = force.user("officer")
    action = plan_item(open_case(force), officer)
    client = api_client(officer)
    assert post(client, f"/actions/{action.pk}", {"version": 1, "detail": "At the suite."}).status_code == 200
    stale = post(client, f"/actions/{action.pk}/finish", {"version": 1, "status": "done", "result": "Interview done."})
    assert stale.status_code == 409 and stale.json()["current"]["detail"] == "At the suite."
    assert Action.objects.get(pk=action.pk).status == "open"


def test_an_edit_without_its_version_is_refused(force: Force) -> None:
    officer = force.user("officer")
    action = plan_item(open_case(force), officer)
    response = post(api_client(officer), f"/actions/{action.pk}", {"title": "ABE interview on Friday"})
    assert response.status_code == 422 and "version" in fields_of(response)
    assert Action.objects.get(pk=action.pk).version == 1


# --- Access ---------------------------------------------------------------------------------------


def test_an_officer_of_another_unit_gets_404_for_everything(force: Force) -> None:
    investigation = open_case(force)
    action = plan_item(investigation, force.user("officer"))
    outsider, seq = api_client(force.outsider), last_seq()
    url = f"/investigations/{investigation.pk}"
    responses = [
        outsider.get(f"{API}{url}"),
        outsider.get(f"{API}/actions/{action.pk}"),
        post(outsider, f"{url}/accept", {}),
        post(outsider, f"/actions/{action.pk}", {"version": 1, "title": "Taken over by unit B"}),
        post(outsider, f"/actions/{action.pk}/finish", {"version": 1, "status": "done", "result": "Nothing found."}),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert all(r.json()["error"]["code"] == "not_found" and b"Amy" not in r.content for r in responses)
    assert outsider.get(f"{API}/investigations").json() == []
    assert writes_since(seq) == []
    denied = [e for e in events_since(seq) if e.outcome == Outcome.DENIED]
    assert len(denied) == 5
    assert Action.objects.get(pk=action.pk).version == 1


def test_a_partner_sees_nothing(force: Force) -> None:
    investigation = open_case(force)
    action = plan_item(investigation, force.user("officer"))
    partner = api_client(force.user("partner"))
    assert partner.get(f"{API}/investigations/{investigation.pk}").status_code == 404
    assert partner.get(f"{API}/actions/{action.pk}").status_code == 404
    listed = partner.get(f"{API}/investigations")
    assert listed.status_code == 200 and listed.json() == []
    concern = investigation.concern_links.get().concern
    body = {
        "concern_ids": [concern.pk],
        "officer_id": force.user("officer").pk,
        "summary": "Alleged assault of a child at home by a parent.",
        "risk_grade": "high",
        "risk_rationale": "Repeat incident, young child.",
        "first_review_on": in_days(0),
    }
    assert post(partner, "/investigations", body).status_code == 403
    for response in (listed, partner.get(f"{API}/investigations/{investigation.pk}")):
        assert b"Amy" not in response.content and b"assault" not in response.content


def test_calls_without_a_token_get_401(force: Force) -> None:
    investigation = open_case(force)
    anonymous = Client()
    assert anonymous.get(f"{API}/investigations").status_code == 401
    assert anonymous.get(f"{API}/investigations/{investigation.pk}").status_code == 401
    assert post(anonymous, f"/investigations/{investigation.pk}/accept", {}).status_code == 401


def test_the_list_shows_what_the_caller_may_see_and_filters_mine_and_status(force: Force) -> None:
    investigation = open_case(force)
    colleague = api_client(force.colleague)
    listed = colleague.get(f"{API}/investigations").json()
    assert [i["id"] for i in listed] == [investigation.pk]
    assert listed[0]["owner"] == "Officer" and listed[0]["risk"] == "high" and listed[0]["unit"] == "Unit A"
    assert colleague.get(f"{API}/investigations", {"mine": "true"}).json() == []
    assert colleague.get(f"{API}/investigations", {"status": "closed"}).json() == []
    mine = api_client(force.user("officer")).get(f"{API}/investigations", {"mine": "true", "status": "active"})
    assert [i["id"] for i in mine.json()] == [investigation.pk]
    bad = colleague.get(f"{API}/investigations", {"status": "lost"})
    assert bad.status_code == 422 and "query.status" in fields_of(bad)


def test_a_restricted_investigation_is_listed_with_its_content_withheld_and_opens_only_to_its_owner(
    force: Force,
) -> None:
    investigation = open_case(force)
    Investigation.objects.filter(pk=investigation.pk).update(is_restricted=True)
    colleague = api_client(force.colleague)
    [listed] = colleague.get(f"{API}/investigations").json()
    assert (listed["restricted"], listed["risk"], listed["reference"]) == (True, None, investigation.reference)
    locked = colleague.get(f"{API}/investigations/{investigation.pk}")
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "restricted"
    assert b"assault" not in locked.content
    owner = api_client(force.user("officer")).get(f"{API}/investigations/{investigation.pk}")
    assert owner.status_code == 200 and owner.json()["summary"].startswith("Alleged assault")


def test_an_action_is_worked_by_its_owner_and_only_read_by_the_rest_of_the_unit(force: Force) -> None:
    investigation = open_case(force)
    officer = force.user("officer")
    theirs = plan_item(investigation, officer, "Speak to the school's DSL")
    inv.update_action(
        action=theirs,
        details=inv.ActionDetails(kind="abe", title=theirs.title, owner=force.colleague, due_on=theirs.due_on),
        version=1,
        by=officer,
    )
    not_theirs = plan_item(investigation, officer)
    colleague = api_client(force.colleague)
    entry = {"kind": "progress", "text": "Left a message for the DSL.", "occurred_at": timezone.now().isoformat()}
    assert post(colleague, f"/actions/{theirs.pk}/entries", entry).status_code == 201
    assert colleague.get(f"{API}/actions/{not_theirs.pk}").status_code == 200
    assert post(colleague, f"/actions/{not_theirs.pk}/entries", entry).status_code == 404
    assert post(colleague, f"/actions/{not_theirs.pk}", {"version": 1, "title": "Mine now"}).status_code == 404
    assert list(ActionEntry.objects.values_list("action_id", flat=True)) == [theirs.pk]


def test_the_officer_cannot_review_their_own_investigation(force: Force) -> None:
    investigation = open_case(force)
    review = {
        "rationale": "I think my own plan is proportionate and timely.",
        "voice_check": "yes",
        "enquiries_check": "yes",
        "partners_check": "yes",
        "delay_check": "na",
        "next_review_on": in_days(7),
    }
    refused = post(api_client(force.user("officer")), f"/investigations/{investigation.pk}/reviews", review)
    assert refused.status_code == 422
    assert "supervisor" in refused.json()["error"]["details"][0]["message"]
    assert post(api_client(force.colleague), f"/investigations/{investigation.pk}/reviews", review).status_code == 404
    assert not SupervisoryReview.objects.exists()


# --- Bad input ------------------------------------------------------------------------------------

HOSTILE_TEXT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "2025-13-45T25:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2024-01-01T10:00:00"}, "occurred_at"),  # no time zone: ambiguous
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"text": f"{HOSTILE_TEXT} was on the child's phone"}, "text"),
        ({"text": '=HYPERLINK("http://evil.example")'}, "text"),
        ({"text": "x" * 100_000}, "text"),
        ({"text": "Spoke to the\x00 school"}, "text"),
        ({"kind": "gossip"}, "kind"),
    ],
)
def test_a_bad_entry_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    officer = force.user("officer")
    action = plan_item(open_case(force), officer)
    body = {
        "kind": "evidence",
        "text": "Seized the phone.",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    }
    client, seq = api_client(officer), last_seq()
    response = post(client, f"/actions/{action.pk}/entries", {**body, **change})
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert not ActionEntry.objects.exists() and writes_since(seq) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_on": "31/02/2030"}, "due_on"),
        ({"due_on": "2030-02-31"}, "due_on"),
        ({"due_on": (timezone.localdate() - timedelta(days=1)).isoformat()}, "due_on"),
        ({"title": f"Find {HOSTILE_TEXT}"}, "title"),
        ({"detail": "x" * 100_000}, "detail"),
        ({"owner_id": 99999999}, "owner_id"),
        ({"owner_id": "abc"}, "owner_id"),
        ({"kind": "astrology"}, "kind"),
    ],
)
def test_a_bad_action_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    officer = force.user("officer")
    investigation = open_case(force)
    body = {"kind": "medical", "title": "Medical examination of Amy", "owner_id": officer.pk, "due_on": in_days(2)}
    client, seq = api_client(officer), last_seq()
    response = post(client, f"/investigations/{investigation.pk}/actions", {**body, **change})
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert not Action.objects.exists() and writes_since(seq) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"concern_ids": [99999999]}, "concern_ids.0"),
        ({"concern_ids": []}, "concern_ids"),
        ({"officer_id": 99999999}, "officer_id"),
        ({"first_review_on": "tomorrow"}, "first_review_on"),
        ({"first_review_on": "2020-01-01"}, "first_review_on"),
        ({"summary": f"{HOSTILE_TEXT} in the house at night"}, "summary"),
        ({"summary": "x" * 100_000}, "summary"),
        ({"risk_grade": "extreme"}, "risk_grade"),
    ],
)
def test_a_bad_opening_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    officer = force.user("officer")
    concern = make_concern(officer, make_child(officer), submit=True)
    body = {
        "concern_ids": [concern.pk],
        "officer_id": officer.pk,
        "summary": "Alleged assault of a child at home by a parent.",
        "risk_grade": "high",
        "risk_rationale": "Repeat incident, young child.",
        "first_review_on": in_days(0),
    }
    client, seq = api_client(force.user("supervisor")), last_seq()
    response = post(client, "/investigations", {**body, **change})
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert not Investigation.objects.exists() and writes_since(seq) == []


def test_a_bad_direction_is_placed_under_its_index_and_no_review_is_stored(force: Force) -> None:
    investigation = open_case(force)
    review = {
        "rationale": "Plan is proportionate; the child's account must be secured quickly.",
        "voice_check": "yes",
        "enquiries_check": "no",
        "partners_check": "yes",
        "delay_check": "yes",
        "next_review_on": in_days(7),
        "directions": [
            {"title": "Seize the father's phone", "owner_id": force.user("officer").pk, "due_on": in_days(2)},
            {"title": "Speak to the DSL", "owner_id": force.outsider.pk, "due_on": in_days(2)},
        ],
    }
    response = post(api_client(force.user("supervisor")), f"/investigations/{investigation.pk}/reviews", review)
    assert response.status_code == 422
    assert list(fields_of(response)) == ["directions.1.owner_id"]
    too_late = post(
        api_client(force.user("supervisor")),
        f"/investigations/{investigation.pk}/reviews",
        {**review, "directions": review["directions"][:1], "next_review_on": in_days(8)},
    )
    assert too_late.status_code == 422 and "next_review_on" in fields_of(too_late)
    assert not SupervisoryReview.objects.exists() and not Action.objects.exists()


# --- Audit ----------------------------------------------------------------------------------------


def test_reading_an_investigation_writes_one_consultation_per_kind_of_record_shown(force: Force) -> None:
    investigation = open_case(force)
    action = plan_item(investigation, force.user("officer"))
    child = investigation.people.get().person_id
    client, seq = api_client(force.colleague), last_seq()
    response = client.get(f"{API}/investigations/{investigation.pk}")
    assert response.status_code == 200
    [event] = consults(seq, "investigations.investigation")
    assert (event.outcome, event.record_ids, event.channel) == (Outcome.ALLOWED, [str(investigation.pk)], "api")
    assert event.actor_id == force.colleague.pk and event.request_id == response["X-Request-ID"]
    assert [e.record_ids for e in consults(seq, "people.person")] == [[str(child)]]
    assert [e.record_ids for e in consults(seq, "investigations.action")] == [[str(action.pk)]]
    assert writes_since(seq) == []


def test_the_list_writes_one_event_naming_every_investigation_returned(force: Force) -> None:
    first, second = open_case(force), open_case(force)
    client, seq = api_client(force.user("supervisor")), last_seq()
    assert len(client.get(f"{API}/investigations").json()) == 2
    [event] = consults(seq, "investigations.investigation")
    assert sorted(event.record_ids) == sorted([str(first.pk), str(second.pk)])


def test_writes_are_audited_by_the_services_in_the_same_call(force: Force) -> None:
    investigation = open_case(force)
    officer = force.user("officer")
    client, seq = api_client(officer), last_seq()
    added = post(
        client,
        f"/investigations/{investigation.pk}/actions",
        {"kind": "digital", "title": "Download the father's phone", "owner_id": officer.pk, "due_on": in_days(5)},
    )
    assert added.status_code == 201
    [collect] = writes_since(seq)
    assert (collect.operation, collect.record_type, collect.record_ids, collect.channel) == (
        Operation.COLLECT,
        "investigations.action",
        [str(added.json()["id"])],
        "api",
    )


# --- The schema -----------------------------------------------------------------------------------


def test_openapi_schema_documents_the_investigation_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    for path, method in [
        ("/api/v1/investigations", "get"),
        ("/api/v1/investigations", "post"),
        ("/api/v1/investigations/{investigation_id}", "get"),
        ("/api/v1/investigations/{investigation_id}/reviews", "post"),
        ("/api/v1/investigations/{investigation_id}/closure/sign-off", "post"),
        ("/api/v1/actions/{action_id}", "post"),
        ("/api/v1/actions/{action_id}/entries/{entry_id}/correct", "post"),
    ]:
        assert method in schema["paths"][path], (path, method)
    assert "409" in schema["paths"]["/api/v1/actions/{action_id}"]["post"]["responses"]
    components = schema["components"]["schemas"]
    assert "nc_safeguarded" in components["Outcome"]["enum"] and "abe" in components["LineOfEnquiry"]["enum"]
