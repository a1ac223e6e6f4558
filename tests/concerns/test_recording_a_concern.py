"""The officer's journey through the pages: one question per page, "seen before?", the voice gate,
submission, the supervisor's endorsement, and the child's page (HTTP through Django's test client)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.concerns.models import Concern, ConcernStatus
from safeguard.people.models import Person
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, events_since, last_seq, make_child, sign_in


def post(client: Client, name: str, data: dict, **kwargs: object) -> object:
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def test_officer_records_a_concern_page_by_page_and_the_supervisor_endorses_it(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    known = make_child(force.outsider, "Jayden", "Whitmore", "2016-08-14", postcode="NS3 2QP")
    client = sign_in(Client(), officer)
    start = client.post(reverse("concerns:new"))
    concern = Concern.objects.get(owner=officer)
    assert start["Location"] == reverse("concerns:when", args=[concern.pk])
    yesterday = timezone.localtime() - timedelta(days=1)
    post(
        client,
        "concerns:when",
        {"day_0": yesterday.day, "day_1": yesterday.month, "day_2": yesterday.year, "time": "21:30"},
        pk=concern.pk,
    )
    post(client, "concerns:where", {"location": "14 Larch Close, Northtown", "postcode": "ns3 2qp"}, pk=concern.pk)
    post(client, "concerns:types", {"types": ["domestic_abuse", "emotional"]}, pk=concern.pk)
    post(
        client,
        "concerns:summary",
        {"summary": "Call from neighbour: shouting, a smashed window, two children in the house."},
        pk=concern.pk,
    )
    post(
        client,
        "concerns:risk",
        {"grade": "high", "rationale": "Escalating violence, children present, weapon mentioned."},
        pk=concern.pk,
    )

    # "Have we seen this child before?" finds Jayden despite the misspelt name.
    found = client.get(
        reverse("concerns:find_person", args=[concern.pk]), {"given_name": "Jaden", "family_name": "Whitmoore"}
    )
    assert found.status_code == 200
    assert f"Person {known.pk}".encode() in found.content and b"spelt similarly" in found.content
    post(client, "concerns:involve", {"roles": ["subject_child", "victim"]}, pk=concern.pk, person=known.pk)

    # A baby not seen before is added as a new person.
    client.get(reverse("concerns:find_person", args=[concern.pk]), {"given_name": "Ruby", "family_name": "Whitmore"})
    post(
        client,
        "concerns:new_person",
        {
            "given_name": "Ruby",
            "family_name": "Whitmore",
            "date_of_birth_0": "3",
            "date_of_birth_1": "2",
            "date_of_birth_2": str(timezone.localdate().year - 1),
            "dob_quality": "stated",
            "gender": "female",
            "postcode": "NS3 2QP",
        },
        pk=concern.pk,
    )
    ruby = Person.objects.get(given_name="Ruby")
    post(client, "concerns:involve", {"roles": ["subject_child"]}, pk=concern.pk, person=ruby.pk)

    # Jayden's voice; then the gate stops submission because Ruby has none.
    post(
        client,
        "concerns:voice",
        {
            "seen": "yes",
            "seen_alone": "yes",
            "spoken_to": "yes",
            "childs_words": "Dad threw the phone at the window. I took Ruby upstairs.",
            "demeanour": ["frightened", "hypervigilant"],
            "demeanour_narrative": "Watched the door the whole time.",
            "wishes_and_feelings": "Wants his mum to be safe.",
            "others_present": "Nobody; mother downstairs.",
            "informed_decision": "His account of protecting his sister raised the grade to high.",
        },
        pk=concern.pk,
        person=known.pk,
    )
    stopped = client.post(reverse("concerns:check", args=[concern.pk]))
    assert stopped.status_code == 200
    assert b"You cannot submit this concern yet" in stopped.content
    assert b"Ruby Whitmore: record whether they were seen and spoken to" in stopped.content
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.DRAFT

    post(
        client,
        "concerns:voice",
        {
            "seen": "yes",
            "seen_alone": "not_appropriate",
            "seen_alone_reason": "A baby: seen in her mother's arms.",
            "spoken_to": "no",
            "reason_not_spoken": "pre_verbal",
            "demeanour": ["calm"],
            "informed_decision": "Seen well and clean; no marks; feeding normally.",
        },
        pk=concern.pk,
        person=ruby.pk,
    )
    post(client, "concerns:check", {}, pk=concern.pk)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.SUBMITTED and concern.reference

    boss = sign_in(Client(), supervisor)
    queue = boss.get(reverse("concerns:team"))
    assert concern.reference.encode() in queue.content
    post(
        boss,
        "concerns:review",
        {"decision": "endorse", "rationale": "Right grade; referral to MASH today."},
        pk=concern.pk,
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ENDORSED

    page = client.get(reverse("people:detail", args=[known.pk]))
    assert page.status_code == 200
    assert concern.reference.encode() in page.content
    assert "“Dad threw the phone at the window. I took Ruby upstairs.”".encode() in page.content


def test_the_childs_page_writes_one_event_per_kind_naming_every_record_shown(force: Force) -> None:
    from tests.conftest import make_concern

    officer = force.user("officer")
    amy = make_child(officer)
    first = make_concern(officer, amy, submit=True)
    second = make_concern(force.colleague, amy, submit=True)
    hidden = make_concern(force.outsider, amy, submit=True)  # another unit: not shown to this officer
    client, seq = sign_in(Client(), officer), last_seq()
    response = client.get(reverse("people:detail", args=[amy.pk]))
    assert response.status_code == 200
    events = {e.record_type: e for e in events_since(seq)}
    assert events["people.person"].record_ids == [str(amy.pk)]
    assert set(events["concerns.concern"].record_ids) == {str(first.pk), str(second.pk)}
    voices = VoiceRecord.objects.filter(person=amy, concern__in=[first, second])
    assert set(events["voice.voicerecord"].record_ids) == {str(v.pk) for v in voices}
    assert hidden.reference.encode() not in response.content


def test_the_childs_page_query_count_is_flat_as_the_history_grows(
    force: Force, django_assert_max_num_queries: object
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_concern

    officer = force.user("officer")
    amy = make_child(officer)
    client = sign_in(Client(), officer)
    counts = []
    for _ in range(3):
        make_concern(officer, amy, submit=True)
        make_concern(officer, amy, submit=True)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("people:detail", args=[amy.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
