"""Concerns, people and the child's voice through the API (/api/v1/): the same policy, the same audit
and the same voice gate as the pages, one transaction per call, and a clear 422 for bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.accounts.services import create_api_token
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.concerns.models import Concern, ConcernStatus
from safeguard.people.models import Person
from safeguard.voice.models import VoiceRecord
from tests.conftest import Concerns, Force, events_since, last_seq, make_child, make_concern

API = "/api/v1"

VOICE = {
    "seen": True,
    "seen_alone": "yes",
    "spoken_to": True,
    "childs_words": "Daddy shouted at mummy and I hid under the bed.",
    "demeanour": ["frightened", "clingy"],
    "demeanour_narrative": "Held on to her mother throughout.",
    "wishes_and_feelings": "Wants to stay with mum.",
    "others_present": "Mother in the next room.",
    "informed_decision": "Her account of hiding raised the grade to medium and a referral.",
}


def api_client(user: User) -> Client:
    _, raw = create_api_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


def concern_body(*children: Person, voice_for: list[Person] | None = None, submit: bool = False) -> dict[str, Any]:
    return {
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "location": "12 Acacia Road, Northtown",
        "postcode": "ns1 4ab",
        "types": ["domestic_abuse"],
        "summary": "Neighbours heard shouting and a child crying at 11pm.",
        "risk": {"grade": "medium", "rationale": "Second incident this month."},
        "involvements": [{"person_id": c.pk, "roles": ["subject_child"]} for c in children],
        "voice": [{**VOICE, "person_id": c.pk} for c in (children if voice_for is None else voice_for)],
        "submit": submit,
    }


def stored() -> tuple[int, int, int]:
    return Concern.objects.count(), VoiceRecord.objects.count(), Person.objects.count()


def writes_since(seq: int) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation != Operation.CONSULT]


def consults(seq: int, record_type: str) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation == Operation.CONSULT and e.record_type == record_type]


def fields_of(response: Any) -> dict[str, str]:
    body = response.json()["error"]
    assert body["code"] == "invalid" and body["message"]
    return {d["field"]: d["message"] for d in body["details"]}


# --- The journey ----------------------------------------------------------------------------------


def test_officer_records_two_children_and_supervisor_endorses_through_the_api(force: Force) -> None:
    officer, supervisor = api_client(force.user("officer")), api_client(force.user("supervisor"))
    amy = post(
        officer,
        "/people",
        {
            "given_name": "Amy",
            "family_name": "Smith",
            "date_of_birth": "2018-05-04",
            "dob_quality": "stated",
            "postcode": "ns1 4ab",
            "address_line1": "12 Acacia Road",
            "nhs_number": "943 476 5919",
            "identifier_source": "partner",
        },
    )
    ben = post(
        officer,
        "/people",
        {"given_name": "Ben", "family_name": "Smith", "date_of_birth": "2016-01-02", "dob_quality": "verified"},
    )
    assert amy.status_code == 201 and ben.status_code == 201, amy.content
    assert amy.json()["identifiers"] == [
        {
            "kind": "nhs",
            "value": "943 476 5919",
            "source": "partner",
            "recorded_at": amy.json()["identifiers"][0]["recorded_at"],
        }
    ]
    assert amy.json()["current_address"]["postcode"] == "NS1 4AB"
    amy_id, ben_id = amy.json()["id"], ben.json()["id"]

    found = officer.get(f"{API}/people/search", {"family_name": "Smyth", "birth_year": 2018})
    assert found.status_code == 200
    assert found.json()[0]["id"] == amy_id and found.json()[0]["reasons"]

    children = Person.objects.filter(pk__in=[amy_id, ben_id]).order_by("pk")
    created = post(officer, "/concerns", concern_body(*children, submit=True))
    assert created.status_code == 201, created.content
    concern = created.json()
    assert concern["status"] == "submitted" and concern["reference"].startswith("PPN-")
    assert [c["person"]["name"] for c in concern["children"]] == ["Amy Smith", "Ben Smith"]
    assert all(c["voice"]["spoken_to"] and not c["quality_issues"] for c in concern["children"])

    endorsed = post(supervisor, f"/concerns/{concern['id']}/endorse", {"rationale": "Proportionate and timely."})
    assert endorsed.status_code == 200, endorsed.content

    read = officer.get(f"{API}/concerns/{concern['id']}").json()
    assert read["status"] == "endorsed" and read["decided_at"]
    assert [(d["decision"], d["rationale"]) for d in read["decisions"]] == [("endorse", "Proportionate and timely.")]
    assert [(r["grade"], r["rationale"]) for r in read["risk_history"]] == [("medium", "Second incident this month.")]
    assert {i["person"]["id"]: i["roles"] for i in read["involvements"]} == {
        amy_id: ["subject_child"],
        ben_id: ["subject_child"],
    }
    voice = officer.get(f"{API}/voice/{read['children'][0]['voice']['id']}").json()
    assert voice["childs_words"] == VOICE["childs_words"] and voice["demeanour"] == ["clingy", "frightened"]


def test_supervisor_returns_a_concern_with_a_reason(force: Force) -> None:
    concern = make_concern(force.user("officer"), make_child(force.user("officer")), submit=True)
    supervisor = api_client(force.user("supervisor"))
    too_short = post(supervisor, f"/concerns/{concern.pk}/return", {"reason": "no"})
    assert too_short.status_code == 422 and "reason" in fields_of(too_short)
    returned = post(supervisor, f"/concerns/{concern.pk}/return", {"reason": "Add the mother's account please."})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["decisions"][0]["decision"] == "return"


def test_voice_is_corrected_after_submission_as_a_new_version_with_a_reason(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    concern = make_concern(officer, amy, submit=True)
    client = api_client(officer)
    body = {**VOICE, "person_id": amy.pk, "childs_words": "I hid under the bed with my brother."}
    refused = post(client, f"/concerns/{concern.pk}/voice", body)
    assert refused.status_code == 422 and "correction_reason" in fields_of(refused)
    corrected = post(client, f"/concerns/{concern.pk}/voice", {**body, "correction_reason": "Misheard the first time."})
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["version"] == 2 and corrected.json()["supersedes_id"]
    earlier = client.get(f"{API}/voice/{corrected.json()['supersedes_id']}").json()
    assert earlier["is_current"] is False and earlier["childs_words"] == VOICE["childs_words"]


# --- The voice gate -------------------------------------------------------------------------------


def test_submitting_in_one_call_without_a_childs_voice_names_the_child_and_stores_nothing(force: Force) -> None:
    officer = force.user("officer")
    amy, ben = make_child(officer), make_child(officer, "Ben", "Smith", "2016-01-02")
    client, before, seq = api_client(officer), stored(), last_seq()
    response = post(client, "/concerns", concern_body(amy, ben, voice_for=[amy], submit=True))
    assert response.status_code == 422
    assert list(fields_of(response).values()) == [
        "Ben Smith: record whether they were seen and spoken to, or the coded reason they were not spoken to"
    ]
    assert stored() == before
    assert writes_since(seq) == [], "a refused call left audit rows for writes that never happened"


def test_submit_endpoint_applies_the_voice_gate_then_lets_a_coded_reason_through(force: Force) -> None:
    officer = force.user("officer")
    amy, baby = (
        make_child(officer),
        make_child(officer, "Ben", "Smith", (timezone.localdate() - timedelta(days=200)).isoformat()),
    )
    client = api_client(officer)
    draft = post(client, "/concerns", concern_body(amy, baby, voice_for=[amy])).json()
    assert draft["status"] == "draft" and any("Ben Smith" in p for p in draft["submission_problems"])
    refused = post(client, f"/concerns/{draft['id']}/submit", {})
    assert refused.status_code == 422 and "Ben Smith" in refused.json()["error"]["details"][0]["message"]
    assert Concern.objects.get(pk=draft["id"]).status == ConcernStatus.DRAFT
    voice = {
        "person_id": baby.pk,
        "seen": True,
        "seen_alone": "not_appropriate",
        "seen_alone_reason": "A baby: seen in his mother's arms.",
        "spoken_to": False,
        "reason_not_spoken": "pre_verbal",
        "demeanour": ["calm"],
        "informed_decision": "Seen well cared for, no injuries visible; supports a medium grade.",
    }
    assert post(client, f"/concerns/{draft['id']}/voice", voice).status_code == 200
    submitted = post(client, f"/concerns/{draft['id']}/submit", {})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_voice_for_someone_not_in_the_concern_is_refused(force: Force) -> None:
    officer = force.user("officer")
    amy, stranger = make_child(officer), make_child(officer, "Cara", "Jones", "2015-02-03")
    client, before = api_client(officer), stored()
    response = post(client, "/concerns", {**concern_body(amy), "voice": [{**VOICE, "person_id": stranger.pk}]})
    assert response.status_code == 422 and "voice.0.person" in fields_of(response)
    assert stored() == before


def test_child_status_is_asked_when_the_date_of_birth_is_unknown(force: Force) -> None:
    officer = force.user("officer")
    unknown = post(api_client(officer), "/people", {"given_name": "Unknown", "family_name": "Child"}).json()
    client, before = api_client(officer), stored()
    body = {**concern_body(), "involvements": [{"person_id": unknown["id"], "roles": ["victim"]}]}
    response = post(client, "/concerns", body)
    assert response.status_code == 422
    assert fields_of(response) == {"involvements.0.is_child": "Say whether Unknown Child is under 18"}
    assert stored() == before


# --- Bad input ------------------------------------------------------------------------------------

HOSTILE_TEXT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "2025-13-45T25:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2024-01-01T10:00:00"}, "occurred_at"),  # no time zone: ambiguous
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"summary": "x" * 100_000}, "summary"),
        ({"summary": "Shouting heard\x00 and a child crying"}, "summary"),
        ({"location": "x" * 301}, "location"),
        ({"location": "Park\u202e"}, "location"),
        ({"postcode": "NOT A CODE"}, "postcode"),
        ({"types": ["mi5"]}, "types"),
        ({"risk": {"grade": "extreme", "rationale": "Second incident this month."}}, "risk.grade"),
        ({"risk": {"grade": "high", "rationale": "bad"}}, "risk.rationale"),
        ({"involvements": [{"person_id": 99999999, "roles": ["victim"]}]}, "involvements.0.person_id"),
        ({"involvements": [{"person_id": "abc", "roles": ["victim"]}]}, "involvements.0.person_id"),
        ({"involvements": [{"person_id": 1, "roles": []}]}, "involvements.0.roles"),
        ({"voice": [{**VOICE, "person_id": 0, "spoken_to": False}]}, "voice.0.reason_not_spoken"),
    ],
)
def test_bad_concern_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    client, before, seq = api_client(officer), stored(), last_seq()
    body = {**concern_body(amy), **change}
    if field.startswith("voice.0"):
        body["voice"][0]["person_id"] = amy.pk
    response = post(client, "/concerns", body)
    assert response.status_code == 422, response.content
    assert any(name == field or name.startswith(f"{field}.") for name in fields_of(response)), fields_of(response)
    assert stored() == before and writes_since(seq) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "31/02/2019"}, "date_of_birth"),
        ({"date_of_birth": "2019-02-31"}, "date_of_birth"),
        (
            {"date_of_birth": (timezone.localdate() + timedelta(days=3)).isoformat(), "dob_quality": "stated"},
            "date_of_birth",
        ),
        ({"date_of_birth": "2019-02-03"}, "dob_quality"),
        ({"nhs_number": "943 476 5910"}, "nhs_number"),  # wrong check digit
        ({"given_name": "A" * 101}, "given_name"),
        ({"given_name": "a\x1bb"}, "given_name"),
        ({"gender": "robot"}, "gender"),
        ({"given_name": "", "family_name": ""}, "family_name"),
    ],
)
def test_bad_person_is_refused_with_the_field_and_nothing_is_stored(
    force: Force, change: dict[str, Any], field: str
) -> None:
    client, before, seq = api_client(force.user("officer")), stored(), last_seq()
    response = post(client, "/people", {"given_name": "Amy", "family_name": "Smith", **change})
    assert response.status_code == 422, response.content
    assert field in fields_of(response), fields_of(response)
    assert stored() == before and writes_since(seq) == []


def test_malformed_json_and_oversized_bodies_get_the_uniform_error(force: Force) -> None:
    client, before = api_client(force.user("officer")), stored()
    broken = client.post(f"{API}/concerns", "{not json", content_type="application/json")
    huge = client.post(f"{API}/concerns", '{"summary": "' + "x" * 3_000_000 + '"}', content_type="application/json")
    assert broken.status_code in (400, 422) and broken.json()["error"]["code"]
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    assert stored() == before


def test_empty_search_asks_for_something_to_search_on(force: Force) -> None:
    response = api_client(force.user("officer")).get(f"{API}/people/search")
    assert response.status_code == 422 and "search" in response.json()["error"]["details"][0]["message"]


@pytest.mark.parametrize(
    ("part", "key", "value"),
    [
        ("summary", "summary", f"{HOSTILE_TEXT} was written on the wall by the suspect"),
        ("summary", "summary", f"{FORMULA} — what the neighbour wrote down for us"),
        ("location", "location", "=cmd|' /C calc'!A0"),
        ("voice", "childs_words", f"He said {HOSTILE_TEXT}"),
        ("voice", "childs_words", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("risk", "rationale", '+HYPERLINK("http://evil.example")'),
    ],
)
def test_markup_and_spreadsheet_formulas_are_refused_at_the_door(force: Force, part: str, key: str, value: str) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    body = concern_body(amy)
    if part == "voice":
        body["voice"][0][key] = value
        field = f"voice.0.{key}"
    elif part == "risk":
        body["risk"][key] = value
        field = f"risk.{key}"
    else:
        body[key] = value
        field = key
    client, before = api_client(officer), stored()
    response = post(client, "/concerns", body)
    assert response.status_code == 422 and field in fields_of(response), response.content
    assert stored() == before


def test_text_that_only_looks_hostile_is_stored_verbatim_and_returned_only_as_json(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    client = api_client(officer)
    body = concern_body(amy)
    body["summary"] = "Mum said 'he hits me < 1 time a week, or >= 2' and =that's all; email bob@example.org & 1+1=2"
    body["location"] = "Flat 2 <> Block C, 'Tower' & \"Annexe\""
    body["voice"][0]["childs_words"] = "  I don't like it when he's angry.\n  I hide under the bed <3 >.  "
    created = post(client, "/concerns", body)
    assert created.status_code == 201, created.content
    concern = Concern.objects.get(pk=created.json()["id"])
    assert concern.summary == body["summary"] and concern.location == body["location"]
    read = client.get(f"{API}/concerns/{concern.pk}")
    voice = client.get(f"{API}/voice/{read.json()['children'][0]['voice']['id']}")
    for response in (read, voice):
        assert response["Content-Type"].startswith("application/json")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert read.json()["summary"] == body["summary"] and read.json()["location"] == body["location"]
    assert voice.json()["childs_words"] == body["voice"][0]["childs_words"]  # verbatim: not even stripped


# --- Audit completeness ---------------------------------------------------------------------------


def test_reading_a_concern_writes_one_consultation_per_record_shown(force: Force) -> None:
    officer = force.user("officer")
    amy, ben = make_child(officer), make_child(officer, "Ben", "Smith", "2016-01-02")
    concern = make_concern(officer, amy, ben)
    voices = sorted(str(pk) for pk in VoiceRecord.objects.filter(concern=concern).values_list("pk", flat=True))
    client, seq = api_client(force.colleague), last_seq()
    response = client.get(f"{API}/concerns/{concern.pk}")
    assert response.status_code == 200
    [event] = consults(seq, "concerns.concern")
    assert (event.outcome, event.record_ids, event.channel) == (Outcome.ALLOWED, [str(concern.pk)], "api")
    assert event.actor_id == force.colleague.pk and event.request_id == response["X-Request-ID"]
    [people] = consults(seq, "people.person")
    assert sorted(people.record_ids) == sorted([str(amy.pk), str(ben.pk)])
    [voice] = consults(seq, "voice.voicerecord")
    assert sorted(voice.record_ids) == voices
    assert writes_since(seq) == []


def test_reading_a_person_and_a_voice_record_each_write_one_consultation(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    voice = make_concern(officer, amy).voice_records.get()
    client, seq = api_client(force.outsider), last_seq()
    assert client.get(f"{API}/people/{amy.pk}").status_code == 200
    [event] = consults(seq, "people.person")
    assert event.record_ids == [str(amy.pk)]
    seq = last_seq()
    assert api_client(officer).get(f"{API}/voice/{voice.pk}").status_code == 200
    assert [e.record_ids for e in consults(seq, "voice.voicerecord")] == [[str(voice.pk)]]
    assert [e.record_ids for e in consults(seq, "people.person")] == [[str(amy.pk)]]


def test_search_writes_one_event_naming_every_person_shown_and_masks_restricted_ones(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(force.colleague)
    amie = make_child(force.colleague, "Amie", "Smith", "2018-05-04")
    hidden = make_child(force.colleague, "Amy", "Smith", "2018-05-04", is_restricted=True)
    client, seq = api_client(officer), last_seq()
    response = client.get(
        f"{API}/people/search", {"given_name": "Amy", "family_name": "Smith", "date_of_birth": "2018-05-04"}
    )
    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()}
    assert set(results) == {amy.pk, amie.pk, hidden.pk}
    assert results[hidden.pk] == {
        "id": hidden.pk,
        "restricted": True,
        "given_name": None,
        "family_name": None,
        "date_of_birth": None,
        "dob_quality": None,
        "score": results[hidden.pk]["score"],
        "reasons": [],
    }
    assert results[amy.pk]["given_name"] == "Amy" and results[amy.pk]["score"] == 100
    [event] = consults(seq, "people.person")
    assert sorted(event.record_ids) == sorted(str(pk) for pk in results)
    assert client.get(f"{API}/people/{hidden.pk}").json()["error"]["code"] == "restricted"


def test_writes_are_audited_by_the_services_in_the_same_call(force: Force) -> None:
    officer = force.user("officer")
    client, seq = api_client(officer), last_seq()
    person = post(
        client,
        "/people",
        {"given_name": "Amy", "family_name": "Smith", "date_of_birth": "2018-05-04", "dob_quality": "stated"},
    ).json()
    [collect] = writes_since(seq)
    assert (collect.operation, collect.record_type, collect.record_ids) == (
        Operation.COLLECT,
        "people.person",
        [str(person["id"])],
    )
    seq = last_seq()
    amy = Person.objects.get(pk=person["id"])
    concern = post(client, "/concerns", concern_body(amy, submit=True)).json()
    written = writes_since(seq)
    assert {(e.operation, e.record_type) for e in written} == {
        (Operation.COLLECT, "concerns.concern"),
        (Operation.ALTER, "concerns.concern"),
        (Operation.ALTER, "people.person"),
        (Operation.COLLECT, "voice.voicerecord"),
    }
    assert all(e.channel == "api" and e.actor_id == officer.pk for e in written)
    assert "submitted" in [e.reason for e in written if e.record_type == "concerns.concern"]
    supervisor = api_client(force.user("supervisor"))
    seq = last_seq()
    post(supervisor, f"/concerns/{concern['id']}/endorse", {"rationale": "Proportionate."})
    assert [(e.operation, e.reason) for e in writes_since(seq)] == [(Operation.ALTER, "endorsed")]


def test_denied_attempts_are_audited_as_denied(force: Force, concerns: Concerns) -> None:
    officer, leader = api_client(force.user("officer")), api_client(force.user("leader"))
    seq = last_seq()
    assert officer.get(f"{API}/concerns/{concerns.other_unit.pk}").status_code == 404
    assert post(officer, f"/concerns/{concerns.same_unit.pk}/submit", {}).status_code == 404
    assert officer.get(f"{API}/concerns/{concerns.restricted.pk}").status_code == 403
    assert post(leader, "/concerns", {}).status_code == 403
    events = [e for e in events_since(seq) if e.record_type == "concerns.concern"]
    assert [(e.outcome, e.record_ids) for e in events] == [
        (Outcome.DENIED, [str(concerns.other_unit.pk)]),
        (Outcome.DENIED, [str(concerns.same_unit.pk)]),
        (Outcome.DENIED, [str(concerns.restricted.pk)]),
        (Outcome.DENIED, []),
    ]
    assert events[-1].operation == Operation.COLLECT


# --- A partner sees nothing -----------------------------------------------------------------------


def test_a_partner_sees_nothing(force: Force, concerns: Concerns) -> None:
    partner = api_client(force.user("partner"))
    voice = concerns.same_unit.voice_records.get()
    responses = [
        partner.get(f"{API}/concerns/{concerns.same_unit.pk}"),
        partner.get(f"{API}/people/{concerns.child.pk}"),
        partner.get(f"{API}/voice/{voice.pk}"),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert partner.get(f"{API}/people/search", {"family_name": "Smith"}).status_code == 403
    assert post(partner, "/concerns", concern_body(concerns.child)).status_code == 403
    assert post(partner, "/people", {"given_name": "Amy", "family_name": "Smith"}).status_code == 403
    for response in responses:
        assert b"Smith" not in response.content and b"Acacia" not in response.content
        assert b"Daddy" not in response.content


# --- The schema -----------------------------------------------------------------------------------


def test_openapi_schema_documents_the_new_endpoints_with_precise_types(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    for path in [
        "/api/v1/people/search",
        "/api/v1/people/{person_id}",
        "/api/v1/people",
        "/api/v1/concerns",
        "/api/v1/concerns/{concern_id}",
        "/api/v1/concerns/{concern_id}/submit",
        "/api/v1/concerns/{concern_id}/endorse",
        "/api/v1/concerns/{concern_id}/return",
        "/api/v1/concerns/{concern_id}/voice",
        "/api/v1/voice/{voice_id}",
    ]:
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    assert "domestic_abuse" in components["ConcernType"]["enum"]
    assert "pre_verbal" in components["ReasonNotSpoken"]["enum"]
    occurred = components["ConcernIn"]["properties"]["occurred_at"]["anyOf"][0]
    assert occurred["format"] == "date-time"
    assert "201" in schema["paths"]["/api/v1/concerns"]["post"]["responses"]
