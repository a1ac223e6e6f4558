"""The investigation pages (not the plan's): who may use each, what each shows and audits, and that
each form's answers go through the services end to end, bad input changing nothing."""

from __future__ import annotations

import html as entities
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import RoleCode, User
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.concerns.models import Concern
from safeguard.investigations import services
from safeguard.investigations.models import (
    Action,
    ClosureProposal,
    Investigation,
    InvestigationStatus,
    LineOfEnquiry,
    SupervisoryReview,
)
from safeguard.timescales.models import Clock
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, make_user, sign_in
from tests.investigations.helpers import make_investigation

XSS = "<script>alert(1)</script>"
INVESTIGATION = "investigations.investigation"
RECORD_PAGES = ["detail", "accept", "allocate", "review", "close"]


def page(name: str, investigation: Investigation | None = None) -> str:
    return reverse(f"investigations:{name}", args=[investigation.pk] if investigation else [])


def text(response: object) -> str:
    """What the page says, without markup."""
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", content)))


def as_user(user: User) -> Client:
    return sign_in(Client(), user)


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def consulted(seq: int, record_type: str = INVESTIGATION) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.record_type == record_type and e.operation == Operation.CONSULT]


def refused(response: object, message: str) -> None:
    """The form came back with the error, once at the top and by its field, and nothing hostile ran."""
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    content = response.content.decode()  # type: ignore[attr-defined]
    assert "There is a problem" in content, text(response)[:2000]
    assert message in content, re.findall(r"govuk-error-message\">(.*?)</p>", content, re.S)
    assert XSS not in content


def line(investigation: Investigation, owner: User, *, days: int = 3, title: str = "ABE interview of Amy") -> Action:
    """A line of enquiry for ``owner``, added by the officer in the case."""
    assert investigation.owner is not None
    return services.add_action(
        investigation=investigation,
        details=services.ActionDetails(
            kind=LineOfEnquiry.ABE_INTERVIEW, title=title, owner=owner, due_on=services.today() + timedelta(days=days)
        ),
        by=investigation.owner,
    )


@pytest.fixture
def officer(force: Force) -> User:
    return force.user("officer")


@pytest.fixture
def supervisor(force: Force) -> User:
    return force.user("supervisor")


@pytest.fixture
def case(officer: User, supervisor: User) -> Investigation:
    """An accepted investigation in unit A, its officer the force's officer."""
    return make_investigation(officer, supervisor)


@pytest.fixture
def allocated(officer: User, supervisor: User) -> Investigation:
    """Allocated to the officer and not yet accepted."""
    return make_investigation(officer, supervisor, accept=False)


@pytest.fixture
def investigator_b(force: Force) -> User:
    return make_user("investigator_b", [RoleCode.INVESTIGATOR], force.police, force.unit_b)


# --- Who may use each page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("detail", "officer"),
        ("detail", "supervisor"),
        ("detail", "hub"),
        ("detail", "leader"),
        ("accept", "officer"),
        ("allocate", "supervisor"),
        ("allocate", "hub"),
        ("review", "supervisor"),
        ("close", "officer"),
        ("close", "supervisor"),
        ("close", "leader"),
    ],
)
def test_each_investigation_page_opens_for_the_people_it_is_for(
    force: Force, allocated: Investigation, name: str, role: str
) -> None:
    response = as_user(force.user(role)).get(page(name, allocated))
    assert response.status_code == 200
    assert str(allocated) in text(response)


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_an_investigator_of_another_unit_gets_404_on_every_page(
    investigator_b: User, allocated: Investigation, name: str
) -> None:
    response = as_user(investigator_b).get(page(name, allocated))
    # The review and allocation pages refuse an investigator by role, before looking.
    assert response.status_code == (403 if name in ("review", "allocate") else 404)
    assert str(allocated) not in response.content.decode()


@pytest.mark.parametrize("name", ["mine", "team", "open", *RECORD_PAGES])
def test_a_partner_sees_nothing_of_an_investigation(force: Force, allocated: Investigation, name: str) -> None:
    url = page(name, allocated if name in RECORD_PAGES else None)
    for method in ("get", "post"):
        response = getattr(as_user(force.user("partner")), method)(url)
        assert response.status_code in (403, 404, 405)
        assert str(allocated) not in response.content.decode()
        assert "Amy" not in response.content.decode()


@pytest.mark.parametrize("role", ["hub", "leader", "partner", "auditor", "admin"])
def test_my_investigations_is_refused_to_roles_that_are_never_officer_in_the_case(force: Force, role: str) -> None:
    assert as_user(force.user(role)).get(page("mine")).status_code == 403


@pytest.mark.parametrize("role", ["officer", "investigator", "leader", "partner", "auditor", "admin"])
def test_team_investigations_is_only_for_supervisors_and_the_hub(force: Force, role: str) -> None:
    assert as_user(force.user(role)).get(page("team")).status_code == 403


@pytest.mark.parametrize("role", ["officer", "investigator", "hub", "leader"])
def test_the_review_page_refuses_anyone_but_a_supervisor_before_reading_the_case(
    force: Force, allocated: Investigation, role: str
) -> None:
    seq = last_seq()
    assert as_user(force.user(role)).get(page("review", allocated)).status_code == 403
    assert consulted(seq) == []


def test_the_accept_page_is_only_for_the_officer_it_was_allocated_to(
    force: Force, allocated: Investigation, supervisor: User
) -> None:
    assert as_user(supervisor).get(page("accept", allocated)).status_code == 404
    assert as_user(force.colleague).get(page("accept", allocated)).status_code == 404


def test_a_supervisor_cannot_review_an_investigation_they_lead_themselves(force: Force) -> None:
    supervisor, hub = force.user("supervisor"), force.user("hub")
    own = make_investigation(supervisor, hub)
    assert as_user(supervisor).get(page("review", own)).status_code == 403


def test_the_detail_page_offers_each_person_the_buttons_for_what_they_may_do(
    force: Force, allocated: Investigation, officer: User, supervisor: User
) -> None:
    as_officer = text(as_user(officer).get(page("detail", allocated)))
    assert "Accept or decline" in as_officer and "Record a supervisory review" not in as_officer
    as_supervisor = text(as_user(supervisor).get(page("detail", allocated)))
    assert "Record a supervisory review" in as_supervisor and "Reallocate" in as_supervisor
    assert "Accept or decline" not in as_supervisor
    as_colleague = text(as_user(force.colleague).get(page("detail", allocated)))
    assert not any(b in as_colleague for b in ("Accept or decline", "Reallocate", "Close the investigation"))
    services.accept_investigation(investigation=allocated, by=officer)
    as_officer = text(as_user(officer).get(page("detail", allocated)))
    assert "Close the investigation" in as_officer and "Add a line of enquiry" in as_officer


# --- My investigations and the team page -----------------------------------------------------------


def test_my_investigations_lists_my_cases_with_their_actions_and_what_i_owe_in_others(
    force: Force, case: Investigation, officer: User, supervisor: User
) -> None:
    line(case, officer, days=1)
    overdue = line(case, officer, days=0, title="Medical examination")
    others = make_investigation(force.colleague, supervisor)
    mine_elsewhere = line(others, officer, days=4, title="House-to-house on Acacia Road")
    with time_machine.travel(overdue.due_at + timedelta(hours=2)):
        response = as_user(officer).get(page("mine"))
    body = text(response)
    assert response.status_code == 200
    row = re.search(rf"{case}</a>.*?</tr>", response.content.decode(), re.S)
    assert row and "Under investigation" in row.group(0) and "Medium risk" in row.group(0)
    assert re.search(r"numeric\">2</td>.*?govuk-tag--red\">1</strong>", row.group(0), re.S)
    assert mine_elsewhere.title in body and str(others) in body
    assert "Recently closed" in body


def test_the_team_page_shows_each_officer_reviews_due_overdue_actions_and_drift(
    force: Force, officer: User, supervisor: User
) -> None:
    quiet = make_investigation(officer, supervisor)
    busy = make_investigation(force.colleague, supervisor)
    waiting = make_investigation(force.colleague, supervisor, accept=False)
    late = line(busy, force.colleague, days=1, title="Suspect interview")
    elsewhere = make_investigation(force.outsider, force.user("hub"))
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        services.record_entry(
            action=late,
            kind="progress",
            text="Suspect's solicitor asked to rearrange.",
            occurred_at=timezone.now(),
            by=force.colleague,
        )
        response = as_user(supervisor).get(page("team"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = {
        m.group(1): [int(n) for n in re.findall(r">(\d+)<", m.group(2))]
        for m in re.finditer(r'<th scope="row" class="govuk-table__header">(\w+)</th>(.*?)</tr>', html, re.S)
    }
    # open, reviews due, overdue actions, drifting
    assert rows == {"Colleague": [2, 2, 1, 1], "Officer": [1, 1, 0, 1]}
    body = text(response)
    assert f"{quiet} Officer" in body and f"{waiting} Awaiting acceptance Colleague" in body
    assert str(busy) in body and str(elsewhere) not in body
    assert "Closures awaiting sign-off None." in body


def test_the_hub_sees_the_team_page_force_wide(force: Force, case: Investigation) -> None:
    elsewhere = make_investigation(force.outsider, force.user("hub"), accept=False)
    body = text(as_user(force.user("hub")).get(page("team")))
    assert "across the force" in body and str(elsewhere) in body and "Outsider" in body


def test_the_team_page_costs_the_same_queries_for_three_investigations_as_for_ten(
    force: Force, supervisor: User
) -> None:
    officers = [force.user("officer"), force.colleague]

    def add(n: int) -> None:
        for i in range(n):
            make_investigation(officers[i % 2], supervisor, accept=bool(i % 3))

    def queries() -> int:
        client = as_user(supervisor)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page("team")).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(7)
    assert Investigation.objects.count() == 10
    assert queries() == few


# --- Opening ---------------------------------------------------------------------------------------


def test_the_concern_page_offers_to_open_an_investigation_until_one_is_open(
    force: Force, officer: User, supervisor: User
) -> None:
    concern = make_concern(officer, make_child(officer), submit=True)
    url = reverse("concerns:detail", args=[concern.pk])
    assert "Open an investigation" in text(as_user(supervisor).get(url))
    assert "Open an investigation" in text(as_user(force.user("hub")).get(url))
    assert "Open an investigation" not in text(as_user(officer).get(url))
    make_investigation(officer, supervisor)  # another concern: this one is still free
    assert "Open an investigation" in text(as_user(supervisor).get(url))
    services.open_investigation(
        concerns=[concern],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="medium",
        risk_rationale="Repeat incident and a young child.",
        first_review_on=services.today(),
        by=supervisor,
    )
    assert "Open an investigation" not in text(as_user(supervisor).get(url))


def test_a_supervisor_opens_an_investigation_from_two_concerns(force: Force, officer: User, supervisor: User) -> None:
    amy, ben = make_child(officer), make_child(officer, "Ben", "Jones", "2016-01-02")
    first, second = make_concern(officer, amy, submit=True), make_concern(force.colleague, ben, submit=True)
    url = f"{page('open')}?concern={first.pk}&concern={second.pk}"
    client = as_user(supervisor)
    form = client.get(url)
    assert form.status_code == 200 and "No later than" in text(form)
    assert 'value="medium" id="id_risk_grade_1" class="govuk-radios__input" checked' in form.content.decode()
    response = client.post(
        url,
        {
            "concerns": [str(first.pk), str(second.pk)],
            "officer": str(force.colleague.pk),
            "summary": "Both children hurt by their stepfather: two reports in a week.",
            "risk_grade": "high",
            "risk_rationale": "Injuries to a young child, repeated within days.",
            **date_fields("first_review_on", services.today() + timedelta(days=1)),
        },
        follow=True,
    )
    investigation = Investigation.objects.get()
    assert response.redirect_chain[-1][0] == page("detail", investigation)
    assert "opened and allocated to Colleague" in text(response)
    assert investigation.owner == force.colleague and investigation.risk_grade == "high"
    assert set(investigation.concern_links.values_list("concern_id", flat=True)) == {first.pk, second.pk}
    assert investigation.status == InvestigationStatus.ALLOCATED


def test_opening_refuses_a_first_review_too_late_and_hostile_text_and_opens_nothing(
    officer: User, supervisor: User
) -> None:
    concern = make_concern(officer, make_child(officer), submit=True)
    url = f"{page('open')}?concern={concern.pk}"
    response = as_user(supervisor).post(
        url,
        {
            "concerns": [str(concern.pk)],
            "officer": str(officer.pk),
            "summary": f"Alleged assault {XSS} at home by a parent.",
            "risk_grade": "medium",
            "risk_rationale": "Repeat incident and a young child.",
            **date_fields("first_review_on", services.today() + timedelta(days=30)),
        },
    )
    refused(response, "cannot contain")
    assert "The first review must be between today and" in response.content.decode()
    assert Investigation.objects.count() == 0


def test_only_a_supervisor_or_the_hub_opens_an_investigation_and_only_from_concerns_they_may_change(
    force: Force, officer: User, supervisor: User
) -> None:
    concern = make_concern(officer, make_child(officer), submit=True)
    theirs = make_concern(force.outsider, make_child(force.outsider), submit=True)
    assert as_user(officer).get(f"{page('open')}?concern={concern.pk}").status_code == 403
    assert as_user(supervisor).get(f"{page('open')}?concern={theirs.pk}").status_code == 404


# --- Accepting, declining, allocating ---------------------------------------------------------------


def test_the_officer_accepts_an_allocated_investigation(officer: User, allocated: Investigation) -> None:
    response = as_user(officer).post(page("accept", allocated), {"decision": "accept"}, follow=True)
    assert "You accepted" in text(response)
    allocated.refresh_from_db()
    assert allocated.status == InvestigationStatus.ACTIVE and allocated.accepted_at is not None


def test_declining_needs_a_reason_and_sends_the_case_back_to_be_allocated(
    officer: User, allocated: Investigation
) -> None:
    client = as_user(officer)
    refused(client.post(page("accept", allocated), {"decision": "decline", "reason": ""}), "Say why you cannot take it")
    assert Investigation.objects.get(pk=allocated.pk).status == InvestigationStatus.ALLOCATED
    response = client.post(
        page("accept", allocated), {"decision": "decline", "reason": "I interviewed the father last year."}
    )
    assert response.status_code == 302 and response["Location"] == page("mine")
    allocated.refresh_from_db()
    assert allocated.status == InvestigationStatus.UNALLOCATED and allocated.owner is None
    assert allocated.allocations.get().decline_reason == "I interviewed the father last year."


def test_late_acceptance_asks_why_and_accepts_nothing_until_told(officer: User, allocated: Investigation) -> None:
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        client = as_user(officer)
        assert "Why is this late?" in text(client.get(page("accept", allocated)))
        refused(client.post(page("accept", allocated), {"decision": "accept"}), "choose why it is late")
        assert Investigation.objects.get(pk=allocated.pk).status == InvestigationStatus.ALLOCATED
        response = client.post(
            page("accept", allocated),
            {"decision": "accept", "breach_reason": "unavailable", "breach_detail": "On a rest day when allocated."},
        )
    assert response.status_code == 302
    assert Clock.objects.get(rule_code="investigations.acceptance", record_id=allocated.pk).outcome == "breached"


def test_a_supervisor_reallocates_a_declined_investigation(
    force: Force, officer: User, supervisor: User, allocated: Investigation
) -> None:
    services.decline_investigation(investigation=allocated, reason="Conflict of interest: a neighbour.", by=officer)
    client = as_user(supervisor)
    assert "Allocate this investigation" in text(client.get(page("allocate", allocated)))
    refused(client.post(page("allocate", allocated), {"officer": str(force.colleague.pk), "reason": XSS}), "cannot")
    assert Investigation.objects.get(pk=allocated.pk).owner is None
    response = client.post(
        page("allocate", allocated), {"officer": str(force.colleague.pk), "reason": "Colleague has capacity now."}
    )
    assert response.status_code == 302
    allocated.refresh_from_db()
    assert allocated.owner == force.colleague and allocated.status == InvestigationStatus.ALLOCATED


# --- The supervisory review ---------------------------------------------------------------------------


def review_answers(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "rationale": "Plan proportionate; ABE interview booked; partners informed at the strategy meeting.",
        "voice_check": "yes",
        "enquiries_check": "no",
        "partners_check": "yes",
        "delay_check": "na",
        "check_notes": "",
        "risk_grade": "medium",
        "risk_rationale": "",
        **date_fields("next_review_on", services.today() + timedelta(days=7)),
    }
    answers.update(changes)
    return answers


def direction(row: int, title: str, owner: User, days: int) -> dict[str, str]:
    return {
        f"direction-{row}-title": title,
        f"direction-{row}-detail": "",
        f"direction-{row}-owner": str(owner.pk),
        **date_fields(f"direction-{row}-due_on", services.today() + timedelta(days=days)),
    }


def test_the_review_page_shows_the_case_in_brief(supervisor: User, officer: User, case: Investigation) -> None:
    line(case, officer, title="Medical examination of Amy")
    body = text(as_user(supervisor).get(page("review", case)))
    assert "Daddy shouted at mummy and I hid under the bed." in body
    assert "Frightened" in body and "raised the grade to medium" in body
    assert "Medical examination of Amy" in body
    assert "no later than" in body and "comes sooner" in body
    assert body.count("What is to be done") == 3


def test_a_review_with_two_directions_creates_two_actions_and_ignores_blank_rows(
    force: Force, supervisor: User, officer: User, case: Investigation
) -> None:
    data = {
        **review_answers(),
        **direction(0, "Obtain the school's records for Amy", officer, 5),
        **direction(2, "Book the medical examination", force.colleague, 3),
    }
    response = as_user(supervisor).post(page("review", case), data, follow=True)
    assert "recorded with 2 directions" in text(response)
    review = SupervisoryReview.objects.get(investigation=case)
    given = Action.objects.filter(review=review).order_by("due_on")
    assert [(a.title, a.owner, a.kind) for a in given] == [
        ("Book the medical examination", force.colleague, LineOfEnquiry.DIRECTION),
        ("Obtain the school's records for Amy", officer, LineOfEnquiry.DIRECTION),
    ]
    assert review.enquiries_check == "no"
    assert "Book the medical examination" in text(as_user(officer).get(page("detail", case)))


def test_a_direction_error_lands_on_the_row_it_came_from(supervisor: User, officer: User, case: Investigation) -> None:
    data = {
        **review_answers(),
        **direction(0, "Obtain the school's records", officer, 5),
        **direction(2, "Book it", officer, 400),
    }
    response = as_user(supervisor).post(page("review", case), data)
    refused(response, "The due date must be within a year")
    html = response.content.decode()
    assert 'id="id_direction-2-due_on_error"' in html and 'id="id_direction-0-due_on_error"' not in html
    assert 'href="#id_direction-2-due_on_0"' in html
    assert SupervisoryReview.objects.count() == 0 and Action.objects.count() == 0


def test_a_check_answered_no_needs_a_direction(supervisor: User, case: Investigation) -> None:
    refused(as_user(supervisor).post(page("review", case), review_answers()), "needs a direction")
    assert SupervisoryReview.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({**date_fields("next_review_on", date.today() + timedelta(days=40))}, "no later than"),
        ({"rationale": ""}, "Record your rationale"),
        ({"rationale": f"Looks fine {XSS} to me, plan agreed."}, "cannot contain"),
        ({"risk_grade": "high", "risk_rationale": ""}, "Explain the risk grade"),
        ({"voice_check": ""}, "Answer: the child&#x27;s voice has been captured"),
    ],
)
def test_bad_review_answers_are_refused_and_record_nothing(
    supervisor: User, officer: User, case: Investigation, changes: dict[str, str], message: str
) -> None:
    data = {**review_answers(**changes), **direction(0, "Obtain the school's records", officer, 5)}
    response = as_user(supervisor).post(page("review", case), data)
    refused(response, message)
    assert SupervisoryReview.objects.count() == 0 and Action.objects.count() == 0
    assert Investigation.objects.get(pk=case.pk).risk_grade == "medium"


def test_add_another_direction_adds_a_row_up_to_ten(supervisor: User, case: Investigation) -> None:
    client = as_user(supervisor)
    assert "?directions=5" in client.get(page("review", case) + "?directions=4").content.decode()
    assert text(client.get(page("review", case) + "?directions=50")).count("What is to be done") == 10


# --- Closure ------------------------------------------------------------------------------------------


def test_the_closure_page_lists_every_blocker_with_its_link_and_closes_nothing(
    officer: User, case: Investigation
) -> None:
    action = line(case, officer, title="ABE interview of Amy")
    services.require_notification(
        investigation=case, agency="social_care", purpose="Tell them the outcome of the ABE.", by=officer
    )
    client = as_user(officer)
    response = client.get(page("close", case))
    body, html = text(response), response.content.decode()
    assert "You cannot close this investigation yet" in body
    assert "'ABE interview of Amy' (Officer) is open" in body
    assert "Children's social care has not been told" in body
    assert f'href="{reverse("investigations:action", args=[action.pk])}"' in html
    assert "Put forward for closure" not in body
    response = client.post(page("close", case), {"outcome": "nc_safeguarded", "rationale": "All done, close it now."})
    assert response.status_code == 200 and "You cannot close this investigation yet" in text(response)
    assert ClosureProposal.objects.count() == 0 and Investigation.objects.get(pk=case.pk).status == "active"


def test_an_investigation_is_put_forward_for_closure_then_signed_off(
    supervisor: User, officer: User, case: Investigation
) -> None:
    client = as_user(officer)
    assert "Non-crime outcomes" in client.get(page("close", case)).content.decode()
    refused(client.post(page("close", case), {"outcome": "", "rationale": "short"}), "Choose the outcome")
    refused(
        client.post(page("close", case), {"outcome": "18", "rationale": f"Investigation complete {XSS} nobody."}),
        "cannot contain",
    )
    assert ClosureProposal.objects.count() == 0
    response = client.post(
        page("close", case),
        {"outcome": "nc_safeguarded", "rationale": "Children safe with mother; father moved out; CSC lead."},
        follow=True,
    )
    assert "put forward for closure" in text(response)
    assert Investigation.objects.get(pk=case.pk).status == InvestigationStatus.CLOSURE_PROPOSED
    assert "Waiting for the supervisor" in text(client.get(page("close", case)))
    assert client.post(page("close", case), {"decision": "signed_off", "rationale": "x" * 20}).status_code == 403

    sup = as_user(supervisor)
    proposal = sup.get(page("close", case))
    assert "Non-crime: safeguarding measures in place" in text(proposal) and "Sign off the closure" in text(proposal)
    refused(sup.post(page("close", case), {"decision": "signed_off", "rationale": ""}), "Record your rationale")
    response = sup.post(
        page("close", case), {"decision": "signed_off", "rationale": "Agreed: the children are safe."}, follow=True
    )
    assert "signed off and closed" in text(response)
    case.refresh_from_db()
    assert case.status == InvestigationStatus.CLOSED and case.outcome == "nc_safeguarded"
    assert case.signed_off_by == supervisor
    assert sup.get(page("close", case))["Location"] == page("detail", case)


def test_a_refused_closure_goes_back_to_the_officer(supervisor: User, officer: User, case: Investigation) -> None:
    services.propose_closure(
        investigation=case, outcome="18", rationale="No suspect identified after all enquiries.", by=officer
    )
    response = as_user(supervisor).post(
        page("close", case), {"decision": "refused", "rationale": "Check the CCTV from the shop first."}
    )
    assert response.status_code == 302
    assert Investigation.objects.get(pk=case.pk).status == InvestigationStatus.ACTIVE
    assert ClosureProposal.objects.get().decision == "refused"


# --- Audit --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("detail", "officer"),
        ("accept", "officer"),
        ("allocate", "supervisor"),
        ("review", "supervisor"),
        ("close", "officer"),
    ],
)
def test_each_investigation_page_consults_the_investigation_once(
    force: Force, allocated: Investigation, name: str, role: str
) -> None:
    client, seq = as_user(force.user(role)), last_seq()
    assert client.get(page(name, allocated)).status_code == 200
    [event] = consulted(seq)
    assert (event.outcome, event.record_ids) == (Outcome.ALLOWED, [str(allocated.pk)])


def test_the_detail_page_names_every_person_action_and_voice_record_it_shows(
    force: Force, officer: User, case: Investigation
) -> None:
    first = line(case, officer)
    second = line(case, force.colleague, title="House-to-house on Acacia Road")
    client, seq = as_user(officer), last_seq()
    client.get(page("detail", case))
    [people] = consulted(seq, "people.person")
    assert sorted(people.record_ids) == sorted(str(p) for p in case.people.values_list("person_id", flat=True))
    [actions] = consulted(seq, "investigations.action")
    assert sorted(actions.record_ids) == sorted([str(first.pk), str(second.pk)])
    [voices] = consulted(seq, "voice.voicerecord")
    assert len(voices.record_ids) == 1


def test_lists_name_every_investigation_they_show_in_one_event_per_list(
    force: Force, officer: User, supervisor: User
) -> None:
    first, second = make_investigation(officer, supervisor), make_investigation(officer, supervisor, accept=False)
    seq = last_seq()
    as_user(officer).get(page("mine"))
    [listed] = consulted(seq)
    assert sorted(listed.record_ids) == sorted([str(first.pk), str(second.pk)])
    seq = last_seq()
    as_user(supervisor).get(page("team"))
    [awaiting] = consulted(seq)
    assert awaiting.record_ids == [str(second.pk)]


def test_a_denied_investigation_page_is_audited_as_denied(investigator_b: User, allocated: Investigation) -> None:
    seq = last_seq()
    assert as_user(investigator_b).get(page("detail", allocated)).status_code == 404
    [event] = consulted(seq)
    assert event.outcome == Outcome.DENIED and event.record_ids == [str(allocated.pk)]


def test_opening_audits_each_concern_it_was_opened_from(officer: User, supervisor: User) -> None:
    concern = make_concern(officer, make_child(officer), submit=True)
    seq = last_seq()
    as_user(supervisor).get(f"{page('open')}?concern={concern.pk}")
    [event] = consulted(seq, "concerns.concern")
    assert event.record_ids == [str(concern.pk)] and Concern.objects.count() == 1
