"""Bad input on the police sharing pages (QUALITY.md): empty, oversized and hostile answers (markup, a
spreadsheet formula, control characters), ids that do not exist or are not allowed, and tampered forms
(a field the template does not have, a change to a fixed field). Each is refused with a clear error,
changes nothing, and the page stays up."""

from __future__ import annotations

import copy
import html as entities
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.concerns.models import Concern
from safeguard.people.models import Person
from safeguard.sharing import services
from safeguard.sharing.models import OutboxMessage, PartnerResponse, Share, ShareKind, ShareStatus
from safeguard.timescales.models import Clock
from tests.conftest import Force, make_child, sign_in
from tests.sharing.helpers import make_school, send, submitted_concern

XSS = "<script>alert(1)</script>"
FORMULA = '=cmd|" /C calc"!A0'
CONTROL = "Text with a bell\x07 in it"
HOSTILE = [
    pytest.param(XSS, "cannot contain '<' followed by a letter", id="xss"),
    pytest.param(FORMULA, "cannot start with =, + or @", id="formula"),
    pytest.param(CONTROL, "contains characters that cannot be stored", id="control"),
]


def url(name: str, pk: int) -> str:
    return reverse(f"sharing:{name}", args=[pk])


def refused(response: Any, message: str) -> None:
    """A clear error at the top and beside the field, the page still up, nothing hostile echoed."""
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    errors = re.findall(r'govuk-error-summary__list">(.*?)</ul>', content, re.S)
    assert "There is a problem" in content and errors and message in entities.unescape(errors[0]), errors
    assert XSS not in content and "<title>Error:" in content


@pytest.fixture
def concern(force: Force) -> Concern:
    return submitted_concern(force)


@pytest.fixture
def child(concern: Concern) -> Person:
    return services.children_of(concern)[0]


@pytest.fixture
def hub(force: Force) -> Client:
    return sign_in(Client(), force.user("hub"))


@pytest.fixture
def draft(force: Force, concern: Concern) -> Share:
    return services.draft_share(
        concern=concern, kind=ShareKind.MASH_REFERRAL, organisation=force.partner_org, by=force.user("hub")
    )


# --- Drafting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "posted", "message"),
    [
        ("mash", {}, "Choose who to share with"),
        ("mash", {"organisation": "999999"}, "Choose an organisation from the list"),
        ("mash", {"organisation": "not-a-number"}, "Choose an organisation from the list"),
        ("encompass", {"organisation": "SCHOOL"}, "Choose which child this is about"),
        ("encompass", {"organisation": "SCHOOL", "child": "999999"}, "Choose a child from the list"),
        ("encompass", {"organisation": "SOCIAL_CARE", "child": "CHILD"}, "Choose an organisation from the list"),
        ("bogus", {"organisation": "SOCIAL_CARE"}, "Choose a kind of share from the list"),
        ("rhi", {"organisation": "SOCIAL_CARE"}, "Choose a kind of share from the list"),
    ],
)
def test_a_share_cannot_be_drafted_from_bad_answers(
    force: Force, concern: Concern, child: Person, hub: Client, kind: str, posted: dict[str, str], message: str
) -> None:
    school = make_school()
    ids = {"SCHOOL": str(school.pk), "SOCIAL_CARE": str(force.partner_org.pk), "CHILD": str(child.pk)}
    data = {key: ids.get(value, value) for key, value in posted.items()}
    refused(hub.post(url("draft", concern.pk) + f"?kind={kind}", data), message)
    assert not Share.objects.exists()


def test_a_child_from_another_concern_cannot_be_named(force: Force, concern: Concern, hub: Client) -> None:
    stranger = make_child(force.user("officer"), "Zed", "Other")
    answer = hub.post(
        url("draft", concern.pk) + "?kind=encompass", {"organisation": make_school().pk, "child": stranger.pk}
    )
    refused(answer, "Choose a child from the list")
    assert not Share.objects.exists()


# --- Redacting ---------------------------------------------------------------------------------------


def edit_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "included": ["summary", "risk"],
        "value_summary": "A short account of the incident.",
        "value_risk": "Medium",
        "lawful_basis": "dpa18_sch8",
        "lawful_basis_detail": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("value", "message"), HOSTILE)
def test_hostile_text_in_a_shared_field_is_refused(draft: Share, hub: Client, value: str, message: str) -> None:
    before = copy.deepcopy(draft.content)
    refused(hub.post(url("edit", draft.pk), edit_data(value_summary=value)), message)
    draft.refresh_from_db()
    assert draft.content == before


@pytest.mark.parametrize(("value", "message"), HOSTILE)
def test_hostile_text_in_the_lawful_basis_detail_is_refused(
    draft: Share, hub: Client, value: str, message: str
) -> None:
    refused(hub.post(url("edit", draft.pk), edit_data(lawful_basis_detail=value)), message)
    draft.refresh_from_db()
    assert draft.lawful_basis_detail == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_summary": "x" * 8001}, "must be 8,000 characters or fewer"),
        ({"value_summary": "   "}, "Enter 'What happened', or untick it"),
        ({"lawful_basis": None}, "Choose the lawful basis for sharing"),
        ({"lawful_basis": "because"}, "Choose a lawful basis from the list"),
        ({"lawful_basis_detail": "y" * 2001}, "must be 2,000 characters or fewer"),
        ({"included": ["summary", "passport_number"]}, "That field cannot be shared with this kind of share"),
        ({"value_reference": "PPN-FAKE-1"}, "'Police reference' is taken from the record and cannot be changed"),
        ({"value_occurred_at": "Yesterday"}, "'When it happened' is taken from the record and cannot be changed"),
        ({"value_passport_number": "123"}, "a field this kind of share does not have"),
    ],
)
def test_a_draft_cannot_be_changed_by_bad_or_tampered_answers(
    draft: Share, hub: Client, changes: dict[str, Any], message: str
) -> None:
    before = copy.deepcopy(draft.content)
    refused(hub.post(url("edit", draft.pk), edit_data(**changes)), message)
    draft.refresh_from_db()
    assert draft.content == before and draft.lawful_basis == "dpa18_sch8"


def test_a_required_field_stays_shared_when_unticked(draft: Share, hub: Client) -> None:
    assert hub.post(url("edit", draft.pk), edit_data(included=[])).status_code == 302
    draft.refresh_from_db()
    shared = {item["field"] for item in services.shared_content(draft)}
    assert shared == {"reference", "contact"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_child_present": "maybe"}, "Choose an answer for 'Was the child present?' from the list"),
        ({"value_welfare_check": None}, "Choose an answer for 'Is a welfare check advised?'"),
        ({"value_child_name": "Someone Else"}, "'Child's name' is taken from the record and cannot be changed"),
    ],
)
def test_an_encompass_notice_takes_only_its_fixed_answers(
    force: Force, concern: Concern, child: Person, changes: dict[str, Any], message: str
) -> None:
    notice = services.draft_share(
        concern=concern, kind=ShareKind.ENCOMPASS, organisation=make_school(), child=child, by=force.user("officer")
    )
    before = copy.deepcopy(notice.content)
    data = {"value_child_present": "yes", "value_welfare_check": "yes", "lawful_basis": "encompass", **changes}
    officer = sign_in(Client(), force.user("officer"))
    refused(officer.post(url("edit", notice.pk), {k: v for k, v in data.items() if v is not None}), message)
    notice.refresh_from_db()
    assert notice.content == before


def test_a_sent_share_cannot_be_edited_or_sent_again(force: Force, concern: Concern, hub: Client) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    before = copy.deepcopy(share.content)
    assert hub.post(url("edit", share.pk), edit_data())["Location"] == url("share", share.pk)
    assert hub.post(url("preview", share.pk), {})["Location"] == url("share", share.pk)
    share.refresh_from_db()
    assert share.content == before and OutboxMessage.objects.filter(share=share).count() == 0


# --- Sending late ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({}, "choose why it is late"),
        ({"breach_reason": "not-a-reason", "breach_detail": "Busy shift"}, "Select a valid choice"),
        ({"breach_reason": "demand", "breach_detail": "short"}, "Explain why it is late"),
        ({"breach_reason": "demand", "breach_detail": XSS}, "cannot contain '<' followed by a letter"),
    ],
)
def test_a_late_share_is_not_sent_without_a_reason(draft: Share, posted: dict[str, str], message: str) -> None:
    import time_machine

    due = Clock.objects.get(rule_code="sharing.referral", record_id=draft.concern_id).due_at
    with time_machine.travel(due + timedelta(hours=1)):
        client = sign_in(Client(), draft.owner)  # type: ignore[arg-type]
        refused(client.post(url("preview", draft.pk), posted), message)
    draft.refresh_from_db()
    assert draft.status == ShareStatus.DRAFT and not hasattr(draft, "disclosure")


# --- Deciding not to share ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({}, "Say why the information is not shared"),
        ({"kind": "mash", "reason": "Too short"}, "Say why the information is not shared (at least 20"),
        ({"kind": "mash", "reason": "z" * 4001}, "must be 4,000 characters or fewer"),
        ({"kind": "mash", "reason": XSS + " and more words here"}, "cannot contain '<' followed by a letter"),
        ({"kind": "mash", "reason": FORMULA + " and more words here"}, "cannot start with =, + or @"),
        ({"kind": "mash", "reason": CONTROL + " and more words here"}, "contains characters that cannot be stored"),
        ({"kind": "bogus", "reason": "A perfectly good reason for this."}, "Choose a kind of share from the list"),
        ({"kind": "rhi", "reason": "A perfectly good reason for this."}, "Choose a kind of share from the list"),
        ({"kind": "encompass", "reason": "A perfectly good reason for this."}, "Choose which child this decision"),
        (
            {"kind": "encompass", "child": "999999", "reason": "A perfectly good reason for this."},
            "Choose a child from the list",
        ),
        (
            {"kind": "mash", "organisation": "999999", "reason": "A perfectly good reason for this."},
            "Choose an organisation from the list",
        ),
        (
            {"kind": "mash", "organisation": "SCHOOL", "reason": "A perfectly good reason for this."},
            "That organisation cannot receive this kind of share",
        ),
    ],
)
def test_a_decision_not_to_share_needs_a_good_reason_and_real_choices(
    concern: Concern, hub: Client, posted: dict[str, str], message: str
) -> None:
    school = make_school()
    data = {key: (str(school.pk) if value == "SCHOOL" else value) for key, value in posted.items()}
    refused(hub.post(url("not_shared", concern.pk), data), message)
    assert not Share.objects.exists()


def test_an_officer_cannot_decide_against_a_referral(force: Force, concern: Concern) -> None:
    officer = sign_in(Client(), force.user("officer"))
    answer = officer.post(
        url("not_shared", concern.pk), {"kind": "mash", "reason": "The hub will refer it, not the officer."}
    )
    refused(answer, "Choose a kind of share from the list")
    assert not Share.objects.exists()


# --- Reviewing, revoking, responding ------------------------------------------------------------------


@pytest.fixture
def decision(force: Force, concern: Concern) -> Share:
    return services.record_not_shared(
        concern=concern,
        kind=ShareKind.MASH_REFERRAL,
        reason="Social care already hold this and are visiting today.",
        by=force.user("hub"),
    )


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({}, "Say whether you agree"),
        ({"agree": "perhaps"}, "Choose yes or no"),
        ({"agree": "no", "note": ""}, "Say what should be shared, and with whom"),
        ({"agree": "no", "note": XSS + " share it with social care"}, "cannot contain '<' followed by a letter"),
        ({"agree": "yes", "note": FORMULA}, "cannot start with =, + or @"),
        ({"agree": "yes", "note": "n" * 4001}, "must be 4,000 characters or fewer"),
    ],
)
def test_a_review_needs_a_clear_answer(force: Force, decision: Share, posted: dict[str, str], message: str) -> None:
    supervisor = sign_in(Client(), force.user("supervisor"))
    refused(supervisor.post(url("review", decision.pk), posted), message)
    decision.refresh_from_db()
    assert decision.reviewed_at is None and decision.review_agreed is None


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({}, "Say why it is withdrawn"),
        ({"reason": "Oops"}, "Say why it is withdrawn (at least 10"),
        ({"reason": XSS + " wrong partner"}, "cannot contain '<' followed by a letter"),
        ({"reason": FORMULA}, "cannot start with =, + or @"),
        ({"reason": CONTROL}, "contains characters that cannot be stored"),
        ({"reason": "r" * 4001}, "must be 4,000 characters or fewer"),
    ],
)
def test_a_revocation_needs_a_reason(
    force: Force, concern: Concern, hub: Client, posted: dict[str, str], message: str
) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    refused(hub.post(url("revoke", share.pk), posted), message)
    share.refresh_from_db()
    assert share.is_live and share.status == ShareStatus.SENT


def response_data(**changes: Any) -> dict[str, Any]:
    now = timezone.localtime()
    data: dict[str, Any] = {
        "kind": "nfa",
        "detail": "",
        "day_0": now.day,
        "day_1": now.month,
        "day_2": now.year,
        "time": "00:01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": None}, "Choose what was done"),
        ({"kind": "school_support"}, "Choose what was done from the list"),  # not a response to a referral
        ({"kind": "other"}, "Say what was done"),
        ({"detail": XSS}, "cannot contain '<' followed by a letter"),
        ({"detail": FORMULA}, "cannot start with =, + or @"),
        ({"detail": "d" * 4001}, "must be 4,000 characters or fewer"),
        ({"day_0": "31", "day_1": "2"}, "must be a real date"),
        ({"day_2": str(timezone.localdate().year + 1)}, "must be today or in the past"),
        ({"time": "25:99"}, "Enter a time like 14:30"),
    ],
)
def test_a_response_needs_real_answers(
    force: Force, concern: Concern, hub: Client, changes: dict[str, Any], message: str
) -> None:
    share = send(force.user("hub"), concern, force.partner_org)
    refused(hub.post(url("respond", share.pk), response_data(**changes)), message)
    share.refresh_from_db()
    assert not PartnerResponse.objects.exists() and share.acknowledged_at is None


# --- Filters and the retry button ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?status=lost", "Choose a state from the list"),
        ("?kind=" + XSS, "Choose a kind from the list"),
    ],
)
def test_the_board_refuses_bad_filters_and_stays_up(hub: Client, query: str, message: str) -> None:
    refused(hub.get(reverse("sharing:board") + query), message)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?organisation=999999", "Choose an organisation from the list"),
        ("?organisation=abc", "Choose an organisation from the list"),
        ("?since_0=31&since_1=2&since_2=2026", "must be a real date"),
        ("?since_0=2&since_1=3&since_2=2026&until_0=1&until_1=3&until_2=2026", "'To' must be the same as or after"),
    ],
)
def test_the_ledger_refuses_bad_filters_and_stays_up(hub: Client, query: str, message: str) -> None:
    refused(hub.get(reverse("sharing:ledger") + query), message)


def test_retry_refuses_a_get_a_missing_alert_and_one_that_is_not_dead(
    force: Force, concern: Concern, hub: Client
) -> None:
    from tests.sharing.helpers import add_contacts

    add_contacts(force.partner_org)
    share = send(force.user("hub"), concern, force.partner_org)
    pending = OutboxMessage.objects.get(share=share, event="share.sent")
    assert hub.get(reverse("sharing:retry", args=[pending.pk])).status_code == 405
    assert hub.post(reverse("sharing:retry", args=[999999])).status_code == 404
    answer = hub.post(reverse("sharing:retry", args=[pending.pk]), follow=True)
    assert answer.status_code == 200 and "only one that failed" in answer.content.decode()
    pending.refresh_from_db()
    assert pending.state == "pending" and pending.attempts == 0
