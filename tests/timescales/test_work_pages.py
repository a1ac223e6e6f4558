"""The timescales pages through Django's test client: My work, My team (with its filters), the
Timescales tables on a concern and on a child's page, the breach questions on the supervisor's review
and the officer's check page, and the admin's rules, local values and school term dates.

The work is laid out at fixed London times around NOW, Tuesday 2 June 2026 at 14:00 (BST):

* ``overdue``: the officer's high-risk concern, submitted at 08:00, due 12:00 (overdue by 2 h);
* ``due_soon``: the officer's medium-risk concern, submitted Monday 16:00, due today 16:00;
* ``on_time``: the colleague's medium-risk concern, submitted 09:00, due Wednesday 09:00;
  (those three are owed by unit A's supervisor)
* ``returned``: the officer's concern returned on Monday at 10:00, due back Wednesday 10:00 (the officer's);
* ``unassigned``: the supervisor's own standard-risk concern, nobody's yet, due Friday 10:00;
* ``elsewhere``: three concerns from unit B (no supervisor) about one child, the first of them here,
  and the hub's review of that child's history they raised, due by the end of Friday.
"""

from __future__ import annotations

import html as entities
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from safeguard import parameters
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent, Operation
from safeguard.concerns import services
from safeguard.concerns.models import Concern, ConcernStatus, CumulativeReview, SupervisorDecision
from safeguard.concerns.timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION
from safeguard.models import LocalParameter, ParameterChange
from safeguard.timescales.models import Clock, ClockOutcome, SchoolTerm
from safeguard.timescales.rules import RULES
from tests.conftest import Force, events_since, last_seq, make_child, sign_in
from tests.timescales.helpers import NOW, at, open_clock, submitted

LATE_DETAIL = "Two high-risk jobs came in at once and both supervisors were on them."


@dataclass
class Work:
    overdue: Clock
    due_soon: Clock
    on_time: Clock
    returned: Clock
    unassigned: Clock
    elsewhere: Clock
    review: Clock
    returned_concern: Concern
    overdue_concern: Concern


@pytest.fixture
def work(force: Force) -> Work:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    returned_concern = submitted(officer, make_child(officer, "Ada"), at("2026-06-01 09:00"))
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        services.return_concern(concern=returned_concern, reason="Add the mother's account, please.", by=supervisor)
    due_soon = submitted(officer, make_child(officer, "Bea"), at("2026-06-01 16:00"))
    overdue = submitted(officer, make_child(officer, "Cal"), at("2026-06-02 08:00"), grade="high")
    on_time = submitted(force.colleague, make_child(officer, "Dot"), at("2026-06-02 09:00"))
    unassigned = submitted(supervisor, make_child(supervisor, "Eve"), at("2026-06-02 10:00"), grade="standard")
    zed = make_child(force.outsider, "Zed", "Jones")
    elsewhere = [submitted(force.outsider, zed, at("2026-06-02 10:00")) for _ in range(3)]
    [review] = CumulativeReview.objects.filter(person=zed)
    return Work(
        overdue=open_clock(DECISION, overdue),
        due_soon=open_clock(DECISION, due_soon),
        on_time=open_clock(DECISION, on_time),
        returned=open_clock(RESUBMISSION, returned_concern),
        unassigned=open_clock(DECISION, unassigned),
        elsewhere=open_clock(DECISION, elsewhere[0]),
        review=open_clock(CUMULATIVE_REVIEW, review),
        returned_concern=returned_concern,
        overdue_concern=overdue,
    )


def text(response: Any) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return entities.unescape(response.content.decode())


def page(user: User, name: str, *args: object, when: datetime = NOW, **query: Any) -> str:
    with time_machine.travel(when, tick=False):
        response = sign_in(Client(), user).get(reverse(name, args=args), query)
    assert response.status_code == 200, response.content.decode()[:2000]
    return text(response)


def rows(html: str) -> list[str]:
    """The body rows of the page's tables, in order."""
    return [row.split("</tr>")[0] for row in html.split('<tr class="govuk-table__row">')[1:] if "<td" in row]


def labels(html: str, *clocks: Clock) -> list[str]:
    """Which of ``clocks`` the page lists, in the order it lists them."""
    found = [(html.index(f">{c.label}<"), c.label) for c in clocks if f">{c.label}<" in html]
    return [label for _, label in sorted(found)]


def row_of(html: str, clock: Clock) -> str:
    [row] = [r for r in rows(html) if f">{clock.label}<" in r]
    return row


def clock_consults(seq: int) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation == Operation.CONSULT and e.record_type == "timescales.clock"]


def everything(work: Work) -> list[Clock]:
    return [work.overdue, work.due_soon, work.on_time, work.returned, work.unassigned, work.elsewhere, work.review]


# --- My work -------------------------------------------------------------------------------------------


def test_my_work_lists_what_the_supervisor_owes_soonest_first_with_terms_due_time_and_status(
    force: Force, work: Work
) -> None:
    html = page(force.user("supervisor"), "timescales:mine")
    assert labels(html, *everything(work)) == [work.overdue.label, work.due_soon.label, work.on_time.label]
    overdue = row_of(html, work.overdue)
    assert "Supervisor review of a high-risk concern: due 4 h after submission" in overdue
    assert "12:00, Tue 2 Jun 2026" in overdue
    assert ">Overdue</strong>" in overdue and " by 2 h</span>" in overdue
    assert f'href="{reverse("concerns:review", args=[work.overdue.record_id])}"' in overdue
    due_soon = row_of(html, work.due_soon)
    assert ">Due soon</strong>" in due_soon and "16:00, Tue 2 Jun 2026" in due_soon and " by " not in due_soon
    on_time = row_of(html, work.on_time)
    assert ">On time</strong>" in on_time and "09:00, Wed 3 Jun 2026" in on_time


def test_the_home_page_says_how_much_is_owed_and_how_much_is_late(force: Force, work: Work) -> None:
    words = " ".join(re.sub(r"<[^>]+>", "", page(force.user("supervisor"), "home")).split())
    assert "You owe 3 items of work: 1 overdue, 1 due soon." in words
    assert "You owe" not in page(force.user("leader"), "home")


def test_my_work_lists_only_what_the_officer_owes(force: Force, work: Work) -> None:
    html = page(force.user("officer"), "timescales:mine")
    assert labels(html, *everything(work)) == [work.returned.label]
    returned = row_of(html, work.returned)
    assert "Returned concern corrected and resubmitted: due 2 working days after return" in returned
    assert "10:00, Wed 3 Jun 2026" in returned and ">On time</strong>" in returned
    assert f'href="{reverse("concerns:check", args=[work.returned.record_id])}"' in returned


def test_my_work_says_so_when_nothing_is_owed(force: Force, work: Work) -> None:
    assert "You owe nothing at the moment." in page(force.colleague, "timescales:mine")


def test_work_done_drops_off_my_work(force: Force, work: Work) -> None:
    with time_machine.travel(NOW, tick=False):
        services.endorse_concern(
            concern=work.overdue_concern,
            rationale="Proportionate and timely.",
            by=force.user("supervisor"),
            breach_reason="demand",
            breach_detail=LATE_DETAIL,
        )
    html = page(force.user("supervisor"), "timescales:mine")
    assert labels(html, *everything(work)) == [work.due_soon.label, work.on_time.label]


# --- My team -------------------------------------------------------------------------------------------


def test_my_team_shows_the_supervisors_units_clocks_including_unassigned_and_not_other_units(
    force: Force, work: Work
) -> None:
    html = page(force.user("supervisor"), "timescales:team")
    assert labels(html, *everything(work)) == [
        work.overdue.label,
        work.due_soon.label,
        work.on_time.label,
        work.returned.label,
        work.unassigned.label,
    ]
    assert "Unassigned" in row_of(html, work.unassigned) and "Unit A" in row_of(html, work.unassigned)
    assert "Officer" in row_of(html, work.returned)
    assert "Supervisor" in row_of(html, work.overdue)
    assert " by 2 h</span>" in row_of(html, work.overdue)
    at_a_glance = " ".join(
        re.sub(r"<[^>]+>", "", html.split('<ul class="govuk-list govuk-!-margin-bottom-6">')[1]).split()
    )
    assert at_a_glance.startswith("5 open 1 overdue 1 due soon 1 owned by nobody yet")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"person": "unassigned"}, ["unassigned"]),
        ({"person": "officer"}, ["returned"]),
        ({"person": "supervisor"}, ["overdue", "due_soon", "on_time"]),
        ({"rule": "concerns.resubmission"}, ["returned"]),
        ({"rule": "concerns.decision"}, ["overdue", "due_soon", "on_time", "unassigned"]),
        ({"status": "overdue"}, ["overdue"]),
        ({"status": "due_soon"}, ["due_soon"]),
        ({"status": "on_time"}, ["on_time", "returned", "unassigned"]),
        ({"person": "supervisor", "status": "on_time"}, ["on_time"]),
        ({"rule": "concerns.cumulative_review"}, []),
    ],
)
def test_my_team_filters_by_person_rule_and_status(
    force: Force, work: Work, query: dict[str, Any], expected: list[str]
) -> None:
    if query.get("person") in ("officer", "supervisor"):
        query = {**query, "person": str(force.user(query["person"]).pk)}
    html = page(force.user("supervisor"), "timescales:team", **query)
    assert labels(html, *everything(work)) == [getattr(work, name).label for name in expected]
    if not expected:
        assert "Nothing matches." in html


def test_the_hubs_team_view_shows_hub_work_force_wide(force: Force, work: Work) -> None:
    html = page(force.user("hub"), "timescales:team")
    shown = labels(html, *everything(work))
    assert work.review.label in shown and work.elsewhere.label not in shown
    assert "Hub (unassigned)" in row_of(html, work.review) and "Unit B" in row_of(html, work.review)
    assert "Hub review of a child's whole history after 3 concerns" in row_of(html, work.review)


def test_a_leaders_team_view_shows_the_whole_force(force: Force, work: Work) -> None:
    html = page(force.user("leader"), "timescales:team")
    assert set(labels(html, *everything(work))) == {c.label for c in everything(work)}


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("supervisor", "timescales:mine"),
        ("officer", "timescales:mine"),
        ("supervisor", "timescales:team"),
        ("hub", "timescales:team"),
        ("leader", "timescales:team"),
    ],
)
def test_each_work_list_writes_one_consultation_naming_every_clock_shown(
    force: Force, work: Work, role: str, name: str
) -> None:
    seq = last_seq()
    html = page(force.user(role), name)
    shown = [c for c in Clock.objects.filter(stopped_at__isnull=True) if f">{c.label}<" in html]
    order = sorted(shown, key=lambda c: html.index(f">{c.label}<"))
    [event] = clock_consults(seq)
    assert event.record_ids == [str(c.pk) for c in order] and event.actor == force.user(role)


def test_a_filtered_list_names_only_the_clocks_it_shows(force: Force, work: Work) -> None:
    seq = last_seq()
    page(force.user("supervisor"), "timescales:team", status="overdue")
    [event] = clock_consults(seq)
    assert event.record_ids == [str(work.overdue.pk)]


# --- Timescales on a record's pages ----------------------------------------------------------------------


def timescales_table(html: str) -> str:
    start = html.index('id="timescales"')
    return html[start : html.index("</table>", start)]


def test_the_supervisors_and_hubs_concern_queues_show_when_each_decision_is_due(force: Force, work: Work) -> None:
    for role, queue in (("supervisor", "concerns:team"), ("hub", "concerns:hub")):
        html = page(force.user(role), queue)
        row = next(r for r in rows(html) if work.overdue_concern.reference in r)
        assert "12:00, 2 Jun" in row and "Overdue" in row and "by 2 h" in row


def test_a_concerns_page_shows_its_clocks(force: Force, work: Work) -> None:
    html = page(force.user("officer"), "concerns:detail", work.returned_concern.pk)
    table = timescales_table(html)
    assert "Supervisor review of a medium-risk concern: due 24 h after submission" in table
    assert "Done on time" in table
    assert "Returned concern corrected and resubmitted: due 2 working days after return" in table
    assert "10:00, Wed 3 Jun 2026" in table and ">On time</strong>" in table


def test_the_childs_page_shows_open_and_breached_clocks_but_not_work_done_on_time(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    amy = make_child(officer)
    late = submitted(officer, amy, NOW - timedelta(hours=6), grade="high")
    met = submitted(officer, amy, NOW - timedelta(hours=3))
    waiting = submitted(force.colleague, amy, NOW - timedelta(hours=1))
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        services.endorse_concern(
            concern=late, rationale="Proportionate.", by=supervisor, breach_reason="demand", breach_detail=LATE_DETAIL
        )
        services.endorse_concern(concern=met, rationale="Proportionate.", by=supervisor)
    review = CumulativeReview.objects.get(person=amy)
    table = timescales_table(page(officer, "people:detail", amy.pk))
    assert f">{late.reference}<" in table and "Done late" in table and "by 1 h" in table
    assert f"Workload or demand on the team: {LATE_DETAIL}" in table
    assert f">{waiting.reference}<" in table and f">Cumulative review {review.pk}<" in table
    assert f">{met.reference}<" not in table and "Done on time" not in table


# --- The breach questions on the pages that stop a clock ------------------------------------------------


def test_the_review_page_for_an_overdue_concern_asks_why_and_refuses_a_decision_without_a_reason(
    force: Force, work: Work
) -> None:
    supervisor, concern = force.user("supervisor"), work.overdue_concern
    url = reverse("concerns:review", args=[concern.pk])
    with time_machine.travel(NOW, tick=False):
        client = sign_in(Client(), supervisor)
        shown = text(client.get(url))
        assert "Why is this late?" in shown and "Explain what happened" in shown
        assert "You will be asked why it is late" in shown and " by 2 h</span>" in shown
        seq = last_seq()
        refused = client.post(url, {"decision": "endorse", "rationale": "Proportionate and timely."})
        assert refused.status_code == 200
        html = text(refused)
        assert "There is a problem" in html
        assert "This was due by 12:00 on 2 June 2026: choose why it is late" in html
        assert "Explain why it is late (at least 10 characters)" in html
        assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
        assert not SupervisorDecision.objects.filter(concern=concern).exists()
        assert open_clock(DECISION, concern).pk == work.overdue.pk
        assert [e for e in events_since(seq) if e.operation != Operation.CONSULT] == []

        accepted = client.post(
            url,
            {
                "decision": "endorse",
                "rationale": "Proportionate and timely.",
                "breach_reason": "demand",
                "breach_detail": LATE_DETAIL,
            },
        )
    assert accepted.status_code == 302
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.ENDORSED
    clock = Clock.objects.get(pk=work.overdue.pk)
    assert (clock.outcome, clock.breach_reason, clock.breach_detail) == (ClockOutcome.BREACHED, "demand", LATE_DETAIL)


def test_the_review_page_refuses_a_late_return_without_a_reason(force: Force, work: Work) -> None:
    concern = work.overdue_concern
    with time_machine.travel(NOW, tick=False):
        response = sign_in(Client(), force.user("supervisor")).post(
            reverse("concerns:review", args=[concern.pk]),
            {
                "decision": "return",
                "rationale": "Add the mother's account, please.",
                "breach_reason": "",
                "breach_detail": "",
            },
        )
    assert response.status_code == 200 and "There is a problem" in text(response)
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    assert not Clock.objects.filter(rule_code=RESUBMISSION.code, record_id=concern.pk).exists()


def test_the_review_page_for_a_concern_on_time_asks_no_breach_questions(force: Force, work: Work) -> None:
    html = page(force.user("supervisor"), "concerns:review", work.on_time.record_id)
    assert "Why is this late?" not in html and ">On time</strong>" in html


def test_the_check_page_for_a_late_resubmission_asks_for_the_reason(force: Force, work: Work) -> None:
    officer, concern = force.user("officer"), work.returned_concern
    url = reverse("concerns:check", args=[concern.pk])
    thursday = at("2026-06-04 09:00")
    with time_machine.travel(thursday, tick=False):
        client = sign_in(Client(), officer)
        shown = text(client.get(url))
        assert "This is late" in shown and "10:00, Wed 3 Jun 2026" in shown and "Why is this late?" in shown
        refused = client.post(url, {"breach_reason": "", "breach_detail": ""})
        html = text(refused)
        assert refused.status_code == 200 and "There is a problem" in html
        assert "This was due by 10:00 on 3 June 2026: choose why it is late" in html
        assert "Returned by Supervisor" in html and "Submit to supervisor" in html
        assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.RETURNED
        assert open_clock(RESUBMISSION, concern).pk == work.returned.pk

        accepted = client.post(url, {"breach_reason": "unavailable", "breach_detail": LATE_DETAIL})
    assert accepted.status_code == 302
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    clock = Clock.objects.get(pk=work.returned.pk)
    assert (clock.outcome, clock.stopped_at, clock.breach_reason) == (ClockOutcome.BREACHED, thursday, "unavailable")


def test_the_check_page_for_an_on_time_resubmission_asks_nothing(force: Force, work: Work) -> None:
    html = page(force.user("officer"), "concerns:check", work.returned_concern.pk)
    assert "This is late" not in html and "Why is this late?" not in html


# --- The admin's rules and local values ----------------------------------------------------------------

REASON = "Partnership agreement of 1 June 2026 shortened the review time."


def admin_client(force: Force) -> Client:
    return sign_in(Client(), force.user("admin"))


def test_the_rules_page_lists_every_registered_rule_with_its_source_and_parameters(force: Force) -> None:
    html = text(admin_client(force).get(reverse("timescales:rules")))
    assert RULES
    for rule in RULES.values():
        assert rule.title in html and rule.source in html and rule.starts in html and rule.stops in html
        for key in rule.parameters:
            parameter = parameters.PARAMETERS[key]
            assert parameter.description in html
            assert reverse("timescales:parameter", args=[key]) in html
    assert "4 hours" in html  # the high-risk decision time, now and by default
    assert parameters.PARAMETERS["timescales.school_day_start"].description in html and "08:30" in html


def test_an_admin_changes_a_local_value_with_a_reason_audited_and_shown_in_its_history(force: Force) -> None:
    client, admin = admin_client(force), force.user("admin")
    url = reverse("timescales:parameter", args=["concerns.decision_hours_high"])
    assert "4 hours" in text(client.get(url))
    seq = last_seq()
    response = client.post(url, {"value": "6", "reason": REASON})
    assert response.status_code == 302 and response["Location"] == reverse("timescales:rules")
    assert parameters.value("concerns.decision_hours_high") == 6
    [event] = [e for e in events_since(seq) if e.operation != Operation.CONSULT]
    assert (event.operation, event.record_type, event.record_ids, event.actor) == (
        Operation.ALTER,
        "safeguard.localparameter",
        ["concerns.decision_hours_high"],
        admin,
    )
    assert ParameterChange.objects.get().reason == REASON
    assert "now 6 hours" in text(client.get(reverse("timescales:rules")))
    html = text(client.get(url))
    assert "4 hours to 6 hours" in html and REASON in html and admin.display_name in html


def test_a_time_of_day_is_changed_as_hours_and_minutes(force: Force) -> None:
    client = admin_client(force)
    url = reverse("timescales:parameter", args=["timescales.school_day_start"])
    assert 'value="08:30"' in text(client.get(url))
    assert client.post(url, {"value": "09:00", "reason": REASON}).status_code == 302
    assert parameters.value("timescales.school_day_start") == 9 * 60


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        pytest.param("abc", REASON, "Enter a whole number", id="not-a-number"),
        pytest.param("99999", REASON, "Enter a value from 1 hour to 240 hours", id="out-of-range"),
        pytest.param("0", REASON, "Enter a value from 1 hour to 240 hours", id="zero"),
        pytest.param("", REASON, "Enter the new value", id="empty"),
        pytest.param("12345678901", REASON, "must be 10 characters or fewer", id="oversized-value"),
        pytest.param("6", "<script>x", "cannot contain", id="markup"),
        pytest.param("6", "=1+1 because the board said", "cannot start with =, + or @", id="formula"),
        pytest.param("6", "@SUM(A1) from the board", "cannot start with =, + or @", id="at-formula"),
        pytest.param("6", "Board said\x07 so, in June", "cannot be stored", id="control"),
        pytest.param("6", "short", "at least 10 characters", id="reason-too-short"),
        pytest.param("6", "x" * 2001, "must be 2,000 characters or fewer", id="oversized-reason"),
    ],
)
def test_a_bad_local_value_shows_an_error_and_changes_nothing(
    force: Force, value: str, reason: str, message: str
) -> None:
    seq = last_seq()
    response = admin_client(force).post(
        reverse("timescales:parameter", args=["concerns.decision_hours_high"]), {"value": value, "reason": reason}
    )
    html = text(response)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert not LocalParameter.objects.exists() and not ParameterChange.objects.exists()
    assert [e for e in events_since(seq) if e.operation != Operation.CONSULT] == []
    assert parameters.value("concerns.decision_hours_high") == 4


@pytest.mark.parametrize("key", ["timescales.due_soon_percent", "concerns.decision_hours_high"])
def test_the_value_offered_for_editing_is_accepted_as_it_stands(force: Force, key: str) -> None:
    admin = force.user("admin")
    html = page(admin, "timescales:parameter", key)
    shown = html.split('name="value"')[1].split('value="')[1].split('"')[0]
    assert shown == str(parameters.PARAMETERS[key].default)
    client = sign_in(Client(), admin)
    response = client.post(
        reverse("timescales:parameter", args=[key]), {"value": shown, "reason": "Re-confirmed by the board."}
    )
    assert response.status_code == 302 and parameters.value(key) == parameters.PARAMETERS[key].default


def test_an_unknown_parameter_is_not_found(force: Force) -> None:
    client = admin_client(force)
    assert client.get(reverse("timescales:parameter", args=["no.such.value"])).status_code == 404
    response = client.post(reverse("timescales:parameter", args=["no.such.value"]), {"value": "6", "reason": REASON})
    assert response.status_code == 404 and not LocalParameter.objects.exists()


# --- School term dates ---------------------------------------------------------------------------------


def term(local_authority: str, name: str, first: date, last: date) -> dict[str, object]:
    return {
        "local_authority": local_authority,
        "name": name,
        "first_day_0": first.day,
        "first_day_1": first.month,
        "first_day_2": first.year,
        "last_day_0": last.day,
        "last_day_1": last.month,
        "last_day_2": last.year,
    }


AUTUMN = term("Northshire", "Autumn 2026", date(2026, 9, 3), date(2026, 12, 18))


def test_an_admin_adds_a_term_audited_and_listed(force: Force) -> None:
    client, admin = admin_client(force), force.user("admin")
    seq = last_seq()
    response = client.post(reverse("timescales:terms"), AUTUMN)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = SchoolTerm.objects.get()
    assert (added.calendar.local_authority, added.name, added.first_day, added.last_day) == (
        "Northshire",
        "Autumn 2026",
        date(2026, 9, 3),
        date(2026, 12, 18),
    )
    [event] = [e for e in events_since(seq) if e.operation != Operation.CONSULT]
    assert (event.operation, event.record_type, event.record_ids, event.actor) == (
        Operation.ALTER,
        "timescales.schoolterm",
        [str(added.pk)],
        admin,
    )
    html = text(client.get(reverse("timescales:terms")))
    assert "Northshire" in html and "Autumn 2026" in html and "Thu 3 Sep 2026" in html and "Fri 18 Dec 2026" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            term("Northshire", "Half term", date(2026, 10, 1), date(2026, 10, 20)),
            "These dates overlap Autumn 2026",
            id="overlapping",
        ),
        pytest.param(
            term("Northshire", "Spring 2027", date(2027, 3, 31), date(2027, 1, 5)),
            "The last day must be the same as or after the first day",
            id="reversed",
        ),
        pytest.param(
            term("Northshire", "Whole year", date(2027, 1, 5), date(2027, 7, 20)),
            "A term is at most 120 days long",
            id="too-long",
        ),
        pytest.param(
            term("<script>alert(1)</script>", "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
            "cannot contain",
            id="markup-authority",
        ),
        pytest.param(
            term('=HYPERLINK("http://x")', "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
            "cannot start with =, + or @",
            id="formula-authority",
        ),
        pytest.param(
            term("North\x1bshire", "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
            "cannot be stored",
            id="control-authority",
        ),
        pytest.param(
            term("N" * 101, "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
            "must be 100 characters or fewer",
            id="oversized-authority",
        ),
        pytest.param(
            term("   ", "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
            "Enter the local authority",
            id="blank-authority",
        ),
        pytest.param(
            {**term("Northshire", "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)), "first_day_1": "13"},
            "First day of term must be a real date",
            id="impossible-date",
        ),
        pytest.param(
            {**term("Northshire", "Spring 2027", date(2027, 1, 5), date(2027, 3, 26)), "last_day_2": "27"},
            "4-digit year",
            id="two-digit-year",
        ),
    ],
)
def test_a_bad_term_is_refused_and_changes_nothing(force: Force, data: dict[str, object], message: str) -> None:
    client = admin_client(force)
    assert client.post(reverse("timescales:terms"), AUTUMN).status_code == 302
    seq = last_seq()
    response = client.post(reverse("timescales:terms"), data)
    html = text(response)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert list(SchoolTerm.objects.values_list("name", flat=True)) == ["Autumn 2026"]
    assert [e for e in events_since(seq) if e.operation != Operation.CONSULT] == []


def test_the_same_dates_may_be_entered_for_another_local_authority(force: Force) -> None:
    client = admin_client(force)
    assert client.post(reverse("timescales:terms"), AUTUMN).status_code == 302
    assert client.post(reverse("timescales:terms"), {**AUTUMN, "local_authority": "Southshire"}).status_code == 302
    assert SchoolTerm.objects.count() == 2


def test_an_admin_removes_a_term_audited(force: Force) -> None:
    client, admin = admin_client(force), force.user("admin")
    assert client.post(reverse("timescales:terms"), AUTUMN).status_code == 302
    added = SchoolTerm.objects.get()
    seq = last_seq()
    response = client.post(reverse("timescales:remove_term", args=[added.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("timescales:terms")
    assert not SchoolTerm.objects.exists()
    [event] = [e for e in events_since(seq) if e.operation != Operation.CONSULT]
    assert (event.operation, event.record_type, event.record_ids, event.actor) == (
        Operation.ALTER,
        "timescales.schoolterm",
        [str(added.pk)],
        admin,
    )
    assert "removed" in event.reason
    assert client.post(reverse("timescales:remove_term", args=[added.pk])).status_code == 404
