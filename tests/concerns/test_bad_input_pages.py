"""Bad input on the concern and person pages (QUALITY.md): a clear error, nothing stored, nothing run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.concerns.models import Concern
from safeguard.people.models import Person
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, make_child, make_concern, sign_in

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture
def draft(force: Force) -> Concern:
    from safeguard.concerns.services import start_concern

    return start_concern(by=force.user("officer"))


def refused(response: object, message: str) -> None:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    content = response.content.decode()  # type: ignore[attr-defined]
    import re

    shown = re.findall(r"govuk-error-message\">(.*?)</p>", content, re.S)
    assert "There is a problem" in content and message in content, shown
    assert XSS not in content


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("32", "1", "2026", "must be a real date"),
        ("29", "2", "2025", "must be a real date"),
        ("1", "13", "2026", "must be a real date"),
        ("1", "", "2026", "must include a month"),
        ("1", "2", "26", "4-digit year"),
        ("x", "2", "2026", "must be a real date"),
        ("", "", "", "Enter the date it happened"),
    ],
)
def test_malformed_event_dates_are_refused(
    force: Force, draft: Concern, day: str, month: str, year: str, message: str
) -> None:
    client = sign_in(Client(), force.user("officer"))
    response = client.post(
        reverse("concerns:when", args=[draft.pk]), {"day_0": day, "day_1": month, "day_2": year, "time": "10:00"}
    )
    refused(response, message)
    assert Concern.objects.get(pk=draft.pk).occurred_at is None


def test_a_future_event_time_is_refused(force: Force, draft: Concern) -> None:
    client = sign_in(Client(), force.user("officer"))
    later = timezone.localtime() + timedelta(hours=2)
    response = client.post(
        reverse("concerns:when", args=[draft.pk]),
        {"day_0": later.day, "day_1": later.month, "day_2": later.year + 1, "time": later.strftime("%H:%M")},
    )
    refused(response, "must be today or in the past")
    assert Concern.objects.get(pk=draft.pk).occurred_at is None


def test_an_event_time_later_today_is_refused(force: Force, draft: Concern) -> None:
    client = sign_in(Client(), force.user("officer"))
    now = timezone.localtime()
    if now.hour == 23:
        pytest.skip("no later time today")
    response = client.post(
        reverse("concerns:when", args=[draft.pk]),
        {"day_0": now.day, "day_1": now.month, "day_2": now.year, "time": "23:59"},
    )
    refused(response, "must be in the past")


def test_an_nhs_number_with_a_wrong_check_digit_creates_no_one(force: Force, draft: Concern) -> None:
    client = sign_in(Client(), force.user("officer"))
    before = Person.objects.count()
    response = client.post(
        reverse("concerns:new_person", args=[draft.pk]),
        {"given_name": "Amy", "family_name": "Stone", "gender": "female", "nhs_number": "999 123 4561"},
    )
    refused(response, "valid 10-digit NHS number")
    assert Person.objects.count() == before


@pytest.mark.parametrize("value", [XSS, FORMULA, "Amy\x00", "x" * 101])
def test_hostile_names_create_no_one(force: Force, draft: Concern, value: str) -> None:
    client = sign_in(Client(), force.user("officer"))
    before = Person.objects.count()
    response = client.post(
        reverse("concerns:new_person", args=[draft.pk]), {"given_name": value, "family_name": "Stone", "gender": "male"}
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert XSS.encode() not in response.content
    assert Person.objects.count() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 100_000, "characters or fewer"),
        (XSS + " the child said", "cannot contain"),
        (FORMULA, "cannot start with"),
        ("Child said \x1b[31m hi", "cannot be stored"),
    ],
)
def test_hostile_or_oversized_narratives_store_nothing(force: Force, draft: Concern, value: str, message: str) -> None:
    client = sign_in(Client(), force.user("officer"))
    response = client.post(reverse("concerns:summary", args=[draft.pk]), {"summary": value})
    refused(response, message)
    assert Concern.objects.get(pk=draft.pk).summary == ""


@pytest.mark.parametrize("value", ["x" * 100_000, XSS, FORMULA])
def test_hostile_childs_words_store_no_voice_record(force: Force, value: str) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    concern = make_concern(officer)
    from safeguard.concerns.services import involve

    involve(concern=concern, person=amy, roles=["victim"], by=officer)
    client = sign_in(Client(), officer)
    response = client.post(
        reverse("concerns:voice", args=[concern.pk, amy.pk]),
        {
            "seen": "yes",
            "seen_alone": "yes",
            "spoken_to": "yes",
            "childs_words": value,
            "informed_decision": "Her account changed the risk grade to medium.",
        },
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert XSS.encode() not in response.content
    assert not VoiceRecord.objects.filter(concern=concern).exists()


def test_the_childs_words_are_kept_verbatim_and_escaped(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    words = '  He said "don\'t tell" & I <3 my nan.\n\nThen he left.  '
    concern = make_concern(officer)
    from safeguard.concerns.services import involve
    from tests.conftest import record_voice

    involve(concern=concern, person=amy, roles=["victim"], by=officer)
    record_voice(concern, amy, officer, childs_words=words)
    assert VoiceRecord.objects.get(concern=concern).childs_words == words
    page = sign_in(Client(), officer).get(reverse("concerns:check", args=[concern.pk]))
    assert "&quot;don&#x27;t tell&quot; &amp; I &lt;3 my nan." in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "2015"},
        {"age": "-1"},
        {"postcode": "NOT A CODE"},
        {},
    ],
)
def test_bad_searches_get_a_clear_error(force: Force, query: dict) -> None:
    client = sign_in(Client(), force.user("officer"))
    response = client.get(reverse("people:search"), {**query, "submitted": "1"} if query else {"given_name": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
