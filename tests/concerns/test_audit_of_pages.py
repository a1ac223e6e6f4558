"""Audit completeness for the concern and person pages: every page that shows a concern, person or
voice record writes one consultation per kind naming each record shown; every write one event."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safeguard.audit.models import Operation, Outcome
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, record_voice, sign_in

DRAFT_PAGES = ["when", "where", "types", "summary", "risk", "people", "find_person", "new_person", "check", "detail"]


def by_type(seq: int) -> dict[str, list]:
    out: dict[str, list] = {}
    for event in events_since(seq):
        out.setdefault(event.record_type, []).append(event)
    return out


@pytest.mark.parametrize("page", DRAFT_PAGES)
def test_each_concern_page_consults_the_concern_once(force: Force, page: str) -> None:
    officer = force.user("officer")
    concern = make_concern(officer, make_child(officer))
    client, seq = sign_in(Client(), officer), last_seq()
    assert client.get(reverse(f"concerns:{page}", args=[concern.pk])).status_code == 200
    [event] = by_type(seq)["concerns.concern"]
    assert (event.operation, event.outcome, event.record_ids) == (Operation.CONSULT, Outcome.ALLOWED, [str(concern.pk)])


def test_the_check_page_also_names_every_person_and_voice_record_it_shows(force: Force) -> None:
    officer = force.user("officer")
    amy, ben = make_child(officer), make_child(officer, "Ben", "Smith", "2019-02-02")
    concern = make_concern(officer, amy, ben)
    client, seq = sign_in(Client(), officer), last_seq()
    client.get(reverse("concerns:check", args=[concern.pk]))
    events = by_type(seq)
    assert [sorted(e.record_ids) for e in events["people.person"]] == [sorted([str(amy.pk), str(ben.pk)])]
    voices = sorted(str(v.pk) for v in VoiceRecord.objects.filter(concern=concern))
    assert [sorted(e.record_ids) for e in events["voice.voicerecord"]] == [voices]


def test_a_denied_concern_page_is_audited_as_denied(force: Force) -> None:
    concern = make_concern(force.outsider, make_child(force.outsider), submit=True)
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 404
    [event] = by_type(seq)["concerns.concern"]
    assert event.outcome == Outcome.DENIED and event.record_ids == [str(concern.pk)]


def test_each_answer_writes_one_alteration_of_the_concern(force: Force) -> None:
    officer = force.user("officer")
    concern = make_concern(officer)
    client, seq = sign_in(Client(), officer), last_seq()
    client.post(reverse("concerns:where", args=[concern.pk]), {"location": "Park, Northtown", "postcode": ""})
    writes = [e for e in events_since(seq) if e.operation != Operation.CONSULT]
    assert [(e.operation, e.record_type, e.record_ids) for e in writes] == [
        (Operation.ALTER, "concerns.concern", [str(concern.pk)])
    ]


def test_a_voice_record_is_collected_once_and_a_correction_is_an_alteration_with_its_reason(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    amy = make_child(officer)
    concern = make_concern(officer)
    from safeguard.concerns.services import involve, submit_concern

    involve(concern=concern, person=amy, roles=["victim"], by=officer)
    seq = last_seq()
    first = record_voice(concern, amy, officer)
    [collect] = [e for e in events_since(seq) if e.record_type == "voice.voicerecord"]
    assert collect.operation == Operation.COLLECT and collect.record_ids == [str(first.pk)]  # type: ignore[attr-defined]
    submit_concern(concern=concern, by=officer)
    client, seq = sign_in(Client(), supervisor), last_seq()
    response = client.post(
        reverse("concerns:voice", args=[concern.pk, amy.pk]),
        {
            "seen": "yes",
            "seen_alone": "yes",
            "spoken_to": "yes",
            "childs_words": "Daddy shouted at mummy and I hid under the bed. He hit the door.",
            "demeanour": ["frightened"],
            "informed_decision": "The full account confirms the medium grade and the referral.",
            "correction_reason": "Officer's pocket notebook has the rest of what she said.",
        },
    )
    assert response.status_code == 302
    versions = list(VoiceRecord.objects.filter(concern=concern, person=amy).order_by("version"))
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert versions[0].childs_words == "Daddy shouted at mummy and I hid under the bed."
    [alter] = [e for e in events_since(seq) if e.operation == Operation.ALTER]
    assert alter.record_ids == [str(versions[1].pk)] and "pocket notebook" in alter.reason
