"""The supervisor's and hub's queues, the cumulative-concern rule, and merging duplicate people."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.audit.models import Operation
from safeguard.concerns import services
from safeguard.concerns.models import Concern, CumulativeReview, Involvement
from safeguard.models import LocalParameter
from safeguard.people.models import Merge, Person
from safeguard.people.services import merge_people
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, sign_in


def test_hub_queue_orders_force_wide_concerns_by_risk_then_age(force: Force) -> None:
    amy = make_child(force.user("officer"))
    older_medium = make_concern(force.user("officer"), amy, submit=True)
    high = make_concern(force.outsider, amy)
    services.grade_risk(concern=high, grade="high", rationale="Weapon used in front of child.", by=force.outsider)
    services.submit_concern(concern=high, by=force.outsider)
    newer_medium = make_concern(force.colleague, amy, submit=True)
    Concern.objects.filter(pk=older_medium.pk).update(submitted_at=timezone.now() - timedelta(hours=5))
    page = sign_in(Client(), force.user("hub")).get(reverse("concerns:hub")).content.decode()
    positions = [page.index(c.reference) for c in (high, older_medium, newer_medium)]
    assert positions == sorted(positions)


def test_supervisor_queue_holds_only_their_teams_concerns(force: Force) -> None:
    amy = make_child(force.user("officer"))
    mine = make_concern(force.user("officer"), amy, submit=True)
    elsewhere = make_concern(force.outsider, amy, submit=True)
    page = sign_in(Client(), force.user("supervisor")).get(reverse("concerns:team")).content.decode()
    assert mine.reference in page and elsewhere.reference not in page


def test_three_concerns_in_ninety_days_raise_one_hub_review_shown_on_the_childs_page(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    make_concern(officer, amy, submit=True)
    make_concern(officer, amy, submit=True)
    assert not CumulativeReview.objects.exists()
    third = make_concern(officer, amy, submit=True)
    [review] = CumulativeReview.objects.all()
    assert (review.person, review.triggered_by, review.concern_count) == (amy, third, 3)
    make_concern(officer, amy, submit=True)
    assert CumulativeReview.objects.count() == 1
    page = sign_in(Client(), officer).get(reverse("people:detail", args=[amy.pk])).content.decode()
    assert "concerns in 90 days" in page and "cumulative-concern rule" in page
    hub = sign_in(Client(), force.user("hub"))
    assert amy.full_name in hub.get(reverse("concerns:hub")).content.decode()
    response = hub.post(
        reverse("concerns:cumulative_review", args=[review.pk]),
        {"outcome": "Pattern of neglect across all three; strategy discussion requested with social care."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "completed"


def test_the_cumulative_rule_is_a_local_parameter(force: Force) -> None:
    LocalParameter.objects.create(key="concerns.cumulative_count", value=2)
    officer = force.user("officer")
    amy = make_child(officer)
    make_concern(officer, amy, submit=True)
    make_concern(officer, amy, submit=True)
    assert CumulativeReview.objects.filter(person=amy, concern_count=2).exists()


def test_concerns_outside_the_window_do_not_count(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    for _ in range(2):
        old = make_concern(officer, amy)
        services.set_when(concern=old, occurred_at=timezone.now() - timedelta(days=120), by=officer)
        services.submit_concern(concern=old, by=officer)
    make_concern(officer, amy, submit=True)
    assert not CumulativeReview.objects.exists()


def test_hub_merges_duplicates_keeping_every_record_and_explaining_it(force: Force) -> None:
    officer, hub = force.user("officer"), force.user("hub")
    alex = make_child(officer, "Alexander", "Brown", "2014-03-07", nhs_number="9434765919")
    sandy = make_child(force.outsider, "Sandy", "Browne", "2014-07-03")
    first = make_concern(officer, alex, submit=True)
    second = make_concern(force.outsider, sandy, submit=True)
    client = sign_in(Client(), hub)
    candidates = client.get(reverse("people:merge", args=[alex.pk])).content.decode()
    assert f"Person {sandy.pk}" in candidates and "day and month swapped" in candidates
    seq = last_seq()
    response = client.post(
        reverse("people:merge_confirm", args=[alex.pk, sandy.pk]),
        {"reason": "Mother confirmed Sandy is Alexander; DOB recorded US-style on the second notice."},
    )
    assert response.status_code == 302
    sandy.refresh_from_db()
    assert sandy.merged_into == alex
    assert set(Involvement.objects.filter(person=alex).values_list("concern", flat=True)) == {first.pk, second.pk}
    assert VoiceRecord.objects.filter(person=alex).count() == 2
    assert alex.names.filter(given_name="Sandy", kind="alias").exists()
    combine = [e for e in events_since(seq) if e.operation == Operation.COMBINE]
    assert len(combine) == 1 and combine[0].record_ids == [str(alex.pk), str(sandy.pk)]
    merge = Merge.objects.get(absorbed=sandy)
    assert merge.moved["concerns.involvement.person"] and merge.moved["voice.voicerecord.person"]
    page = client.get(reverse("people:detail", args=[alex.pk])).content.decode()
    assert "Merged records" in page and "Mother confirmed Sandy is Alexander" in page
    assert "was merged into" in client.get(reverse("people:detail", args=[sandy.pk])).content.decode()


def test_only_the_hub_can_merge(force: Force) -> None:
    officer = force.user("officer")
    a, b = make_child(officer), make_child(officer, "Amie", "Smith")
    response = sign_in(Client(), officer).post(
        reverse("people:merge_confirm", args=[a.pk, b.pk]), {"reason": "Looks like the same child to me"}
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=b.pk).merged_into is None
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        merge_people(survivor=a, absorbed=b, reason="Looks like the same child to me", by=officer)


def test_search_audits_every_person_shown_and_explains_each_match(force: Force) -> None:
    officer = force.user("officer")
    alex = make_child(officer, "Alexander", "Smith", "2015-04-09", postcode="NS2 7HD")
    make_child(officer, "Alexandra", "Smyth", "2015-09-04")
    make_child(officer, "Unrelated", "Person", "1980-01-01")
    client, seq = sign_in(Client(), officer), last_seq()
    page = client.get(
        reverse("people:search"),
        {
            "given_name": "Alex",
            "family_name": "Smith",
            "date_of_birth_0": "9",
            "date_of_birth_1": "4",
            "date_of_birth_2": "2015",
        },
    ).content.decode()
    assert "is another form of" in page and "Date of birth is the same" in page
    assert "Unrelated" not in page
    [event] = [e for e in events_since(seq) if e.record_type == "people.person"]
    shown = {p.pk for p in Person.objects.exclude(given_name="Unrelated") if f"Person {p.pk}" in page}
    assert {int(i) for i in event.record_ids} == shown and alex.pk in shown


def test_a_partner_sees_no_person_and_no_concern(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    concern = make_concern(officer, amy, submit=True)
    client = sign_in(Client(), force.user("partner"))
    assert client.get(reverse("people:detail", args=[amy.pk])).status_code == 404
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 404
    assert client.get(reverse("people:search"), {"family_name": "Smith"}).status_code == 403
