"""Clocks through the API (/api/v1/): a record's clocks, my work and my team's work (the same policy,
selectors and audit as the pages), and the breach fields on the concern decisions and submission.

The work is laid out at fixed London times around NOW, Tuesday 2 June 2026 at 14:00 (BST):

* ``overdue``: the officer's high-risk concern, submitted at 08:00, due 12:00 (overdue by 2 h);
* ``on_time``: the colleague's medium-risk concern, submitted 09:00, due Wednesday 09:00;
  (those two are owed by unit A's supervisor)
* ``returned``: the officer's concern returned on Monday at 10:00, due back Wednesday 10:00 (the officer's);
* ``unassigned``: the supervisor's own standard-risk concern, nobody's yet, due Friday 10:00;
* ``elsewhere``: the outsider's concern in unit B, which has no supervisor, due Wednesday 10:00.
"""

from __future__ import annotations

import html as entities
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from safeguard.accounts.models import User
from safeguard.accounts.services import create_api_token
from safeguard.audit.models import AuditEvent, Operation, Outcome
from safeguard.concerns import services
from safeguard.concerns.models import Concern, ConcernStatus, SupervisorDecision
from safeguard.concerns.timescales import DECISION, RESUBMISSION
from safeguard.timescales.models import Clock, ClockOutcome
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, sign_in
from tests.timescales.helpers import NOW, at, open_clock, submitted

API = "/api/v1"


LATE = {"breach_reason": "demand", "breach_detail": "Two high-risk jobs came in at once and both were on them."}


@dataclass
class Work:
    overdue: Clock
    on_time: Clock
    returned: Clock
    unassigned: Clock
    elsewhere: Clock
    overdue_concern: Concern
    returned_concern: Concern


@pytest.fixture
def work(force: Force) -> Work:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    returned_concern = submitted(officer, make_child(officer, "Ada"), at("2026-06-01 09:00"))
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        services.return_concern(concern=returned_concern, reason="Add the mother's account, please.", by=supervisor)
    overdue = submitted(officer, make_child(officer, "Cal"), at("2026-06-02 08:00"), grade="high")
    on_time = submitted(force.colleague, make_child(officer, "Dot"), at("2026-06-02 09:00"))
    unassigned = submitted(supervisor, make_child(supervisor, "Eve"), at("2026-06-02 10:00"), grade="standard")
    elsewhere = submitted(force.outsider, make_child(force.outsider, "Zed"), at("2026-06-02 10:00"))
    return Work(
        overdue=open_clock(DECISION, overdue),
        on_time=open_clock(DECISION, on_time),
        returned=open_clock(RESUBMISSION, returned_concern),
        unassigned=open_clock(DECISION, unassigned),
        elsewhere=open_clock(DECISION, elsewhere),
        overdue_concern=overdue,
        returned_concern=returned_concern,
    )


def api_client(user: User) -> Client:
    _, raw = create_api_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def get(user: User, path: str, when: datetime = NOW, **query: Any) -> Any:
    with time_machine.travel(when, tick=False):
        return api_client(user).get(API + path, query)


def post(user: User, path: str, body: dict[str, Any], when: datetime = NOW) -> Any:
    with time_machine.travel(when, tick=False):
        return api_client(user).post(API + path, body, content_type="application/json")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()]


def fields_of(response: Any) -> set[str]:
    assert response.status_code == 422, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    return {d["field"] for d in body["details"]}


def consults(seq: int, record_type: str) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation == Operation.CONSULT and e.record_type == record_type]


def writes_since(seq: int) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.operation != Operation.CONSULT]


# --- A record's clocks ---------------------------------------------------------------------------------


def test_a_concerns_clocks_are_listed_newest_first_for_someone_who_can_see_it(force: Force, work: Work) -> None:
    concern = work.returned_concern
    with time_machine.travel(NOW, tick=False):
        client = api_client(force.user("officer"))
        seq = last_seq()
        response = client.get(f"{API}/clocks/concerns.concern/{concern.pk}")
    resubmission, decision = response.json()
    assert resubmission == {
        "id": work.returned.pk,
        "rule": "concerns.resubmission",
        "title": "Returned concern corrected and resubmitted",
        "terms": "Returned concern corrected and resubmitted: due 2 working days after return",
        "record_type": "concerns.concern",
        "record_id": concern.pk,
        "label": concern.reference,
        "link": reverse("concerns:check", args=[concern.pk]),
        "owner_id": force.user("officer").pk,
        "owner": "Officer",
        "unit": "Unit A",
        "started_at": "2026-06-01T09:00:00Z",
        "due_soon_at": "2026-06-02T21:00:00Z",
        "due_at": "2026-06-03T09:00:00Z",
        "escalate_at": "2026-06-05T09:00:00Z",
        "status": "on_time",
        "overdue_by": "",
        "stopped_at": None,
        "breach_reason": "",
        "breach_detail": "",
    }
    assert (decision["rule"], decision["status"], decision["stopped_at"]) == (
        "concerns.decision",
        "met",
        "2026-06-01T09:00:00Z",
    )
    [event] = consults(seq, "timescales.clock")
    assert event.record_ids == [str(work.returned.pk), str(decision["id"])]
    assert [e.record_ids for e in consults(seq, "concerns.concern")] == [[str(concern.pk)]]


def test_a_late_decision_shows_as_done_late_with_its_reason(force: Force, work: Work) -> None:
    with time_machine.travel(NOW, tick=False):
        services.endorse_concern(
            concern=work.overdue_concern, rationale="Proportionate.", by=force.user("supervisor"), **LATE
        )
    [clock] = get(force.user("hub"), f"/clocks/concerns.concern/{work.overdue_concern.pk}").json()
    assert (clock["status"], clock["overdue_by"]) == ("breached", "2 h")
    assert (clock["breach_reason"], clock["breach_detail"]) == (LATE["breach_reason"], LATE["breach_detail"])


def test_a_concern_with_no_clocks_has_an_empty_list(force: Force) -> None:
    draft = make_concern(force.user("officer"), make_child(force.user("officer")))
    response = get(force.user("officer"), f"/clocks/concerns.concern/{draft.pk}")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param("outsider", "/clocks/concerns.concern/{overdue}", id="another-units-concern"),
        pytest.param("partner", "/clocks/concerns.concern/{overdue}", id="partner-not-shared"),
        pytest.param("admin", "/clocks/concerns.concern/{overdue}", id="admin-sees-no-case-content"),
        pytest.param("officer", "/clocks/concerns.concern/999999", id="nonexistent"),
        pytest.param("officer", "/clocks/auth.user/{officer}", id="users-are-not-records"),
        pytest.param("officer", "/clocks/nonsense/1", id="nonsense-type"),
        pytest.param("officer", "/clocks/accounts.unit/{unit}", id="units-are-not-records"),
        pytest.param("officer", "/clocks/concerns.nosuchmodel/1", id="unknown-model"),
    ],
)
def test_clocks_of_a_record_out_of_scope_or_unknown_are_not_found_and_the_attempt_is_audited(
    force: Force, work: Work, role: str, path: str
) -> None:
    user = force.outsider if role == "outsider" else force.user(role)
    path = path.format(overdue=work.overdue_concern.pk, officer=force.user("officer").pk, unit=force.unit_a.pk)
    with time_machine.travel(NOW, tick=False):
        client = api_client(user)
        seq = last_seq()
        response = client.get(API + path)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    [event] = events_since(seq)
    assert (event.operation, event.outcome, event.actor) == (Operation.CONSULT, Outcome.DENIED, user)
    assert event.record_ids == [path.rsplit("/", 1)[1]]


def test_a_restricted_concerns_clocks_need_the_glass_broken_first(force: Force) -> None:
    colleague = force.colleague
    restricted = make_concern(colleague, make_child(colleague), submit=True, restricted=True)
    response = get(force.user("officer"), f"/clocks/concerns.concern/{restricted.pk}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "restricted"
    assert ids(get(colleague, f"/clocks/concerns.concern/{restricted.pk}")) == [open_clock(DECISION, restricted).pk]


# --- My work and my team's work ------------------------------------------------------------------------


def page_labels(user: User, name: str, clocks: list[Clock], **query: Any) -> list[str]:
    """The labels the page lists, in the page's order."""
    with time_machine.travel(NOW, tick=False):
        html = entities.unescape(sign_in(Client(), user).get(reverse(name), query).content.decode())
    found = [(html.index(f">{c.label}<"), c.label) for c in clocks if f">{c.label}<" in html]
    return [label for _, label in sorted(found)]


def everything(work: Work) -> list[Clock]:
    return [work.overdue, work.on_time, work.returned, work.unassigned, work.elsewhere]


def test_my_work_is_what_i_owe_soonest_first_as_the_page_shows_it(force: Force, work: Work) -> None:
    supervisor = force.user("supervisor")
    response = get(supervisor, "/work")
    assert ids(response) == [work.overdue.pk, work.on_time.pk]
    assert [c["label"] for c in response.json()] == page_labels(supervisor, "timescales:mine", everything(work))
    overdue = response.json()[0]
    assert (overdue["status"], overdue["overdue_by"], overdue["link"]) == (
        "overdue",
        "2 h",
        reverse("concerns:review", args=[work.overdue_concern.pk]),
    )
    assert overdue["terms"] == "Supervisor review of a high-risk concern: due 4 h after submission"
    assert overdue["due_at"] == "2026-06-02T11:00:00Z"  # 12:00 BST
    assert ids(get(force.user("officer"), "/work")) == [work.returned.pk]
    assert ids(get(force.colleague, "/work")) == []


def test_my_work_is_written_to_the_access_log_as_one_consultation(force: Force, work: Work) -> None:
    with time_machine.travel(NOW, tick=False):
        client = api_client(force.user("supervisor"))
        seq = last_seq()
        client.get(f"{API}/work")
    [event] = events_since(seq)
    assert (event.operation, event.record_type, event.record_ids) == (
        Operation.CONSULT,
        "timescales.clock",
        [str(work.overdue.pk), str(work.on_time.pk)],
    )


def test_my_teams_work_is_the_supervisors_units_including_unassigned_as_the_page_shows_it(
    force: Force, work: Work
) -> None:
    supervisor = force.user("supervisor")
    response = get(supervisor, "/work/team")
    assert ids(response) == [work.overdue.pk, work.on_time.pk, work.returned.pk, work.unassigned.pk]
    assert [c["label"] for c in response.json()] == page_labels(supervisor, "timescales:team", everything(work))
    assert response.json()[-1]["owner_id"] is None and response.json()[-1]["owner"] is None


def test_a_leaders_team_is_the_whole_force(force: Force, work: Work) -> None:
    assert set(ids(get(force.user("leader"), "/work/team"))) == {c.pk for c in everything(work)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"person": "unassigned"}, ["unassigned"]),
        ({"person": "officer"}, ["returned"]),
        ({"person": "supervisor"}, ["overdue", "on_time"]),
        ({"rule": "concerns.resubmission"}, ["returned"]),
        ({"status": "overdue"}, ["overdue"]),
        ({"status": "on_time"}, ["on_time", "returned", "unassigned"]),
        ({"status": "due_soon"}, []),
        ({"limit": 2}, ["overdue", "on_time"]),
        ({"limit": 2, "offset": 2}, ["returned", "unassigned"]),
        ({"offset": 4}, []),
        ({"person": "supervisor", "status": "on_time"}, ["on_time"]),
    ],
)
def test_my_teams_work_filters_and_pages(force: Force, work: Work, query: dict[str, Any], expected: list[str]) -> None:
    supervisor = force.user("supervisor")
    if query.get("person") in ("officer", "supervisor"):
        query = {**query, "person": str(force.user(query["person"]).pk)}
    response = get(supervisor, "/work/team", **query)
    assert ids(response) == [getattr(work, name).pk for name in expected]
    if "limit" not in query and "offset" not in query:
        labels = page_labels(supervisor, "timescales:team", everything(work), **query)
        assert [c["label"] for c in response.json()] == labels


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"limit": "many"},
        {"status": "late"},
        {"status": "<script>"},
        {"person": "1" * 21},
        {"rule": "r" * 61},
    ],
)
def test_bad_team_filters_are_refused(force: Force, work: Work, query: dict[str, Any]) -> None:
    assert fields_of(get(force.user("supervisor"), "/work/team", **query)) == {f"query.{next(iter(query))}"}


@pytest.mark.parametrize("role", ["leader", "auditor", "admin", "partner"])
def test_my_work_is_forbidden_to_roles_that_owe_none(force: Force, role: str) -> None:
    response = get(force.user(role), "/work")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ["officer", "investigator", "auditor", "admin", "partner"])
def test_my_teams_work_is_forbidden_to_roles_without_a_team(force: Force, role: str) -> None:
    response = get(force.user(role), "/work/team")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_the_work_lists_need_a_token(force: Force) -> None:
    assert Client().get(f"{API}/work").status_code == 401
    assert Client().get(f"{API}/work/team").status_code == 401


# --- The breach fields on decisions and submission ------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("endorse", {"rationale": "Proportionate and timely."}),
        ("return", {"reason": "Add the mother's account, please."}),
    ],
)
def test_a_late_decision_without_the_breach_fields_is_422_and_changes_nothing(
    force: Force, work: Work, action: str, body: dict[str, str]
) -> None:
    supervisor, concern = force.user("supervisor"), work.overdue_concern
    seq = last_seq()
    refused = post(supervisor, f"/concerns/{concern.pk}/{action}", body)
    assert fields_of(refused) == {"breach_reason", "breach_detail"}
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    assert not SupervisorDecision.objects.filter(concern=concern).exists()
    assert open_clock(DECISION, concern).pk == work.overdue.pk
    assert not Clock.objects.filter(rule_code=RESUBMISSION.code, record_id=concern.pk).exists()
    assert [e.record_type for e in writes_since(seq)] == ["accounts.apitoken"]  # the test's token, nothing else

    accepted = post(supervisor, f"/concerns/{concern.pk}/{action}", {**body, **LATE})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == ("endorsed" if action == "endorse" else "returned")
    clock = Clock.objects.get(pk=work.overdue.pk)
    assert (clock.outcome, clock.breach_reason, clock.breach_detail) == (
        ClockOutcome.BREACHED,
        LATE["breach_reason"],
        LATE["breach_detail"],
    )


@pytest.mark.parametrize(
    ("late", "field", "message"),
    [
        pytest.param(
            {"breach_reason": "because", "breach_detail": LATE["breach_detail"]},
            "breach_reason",
            "Choose one of: demand, unavailable, awaiting_partner",
            id="reason-not-in-the-list",
        ),
        pytest.param(
            {"breach_reason": ["demand"], "breach_detail": LATE["breach_detail"]},
            "breach_reason",
            "valid string",
            id="reason-not-a-string",
        ),
        pytest.param({"breach_reason": "demand"}, "breach_detail", "at least 10 characters", id="no-explanation"),
        pytest.param(
            {"breach_reason": "demand", "breach_detail": "late"},
            "breach_detail",
            "at least 10 characters",
            id="explanation-too-short",
        ),
        pytest.param(
            {"breach_reason": "demand", "breach_detail": "<script>alert(1)</script> it was"},
            "breach_detail",
            "cannot contain '<'",
            id="markup",
        ),
        pytest.param(
            {"breach_reason": "demand", "breach_detail": '=HYPERLINK("x") it was'},
            "breach_detail",
            "cannot start with =, + or @",
            id="formula",
        ),
        pytest.param(
            {"breach_reason": "demand", "breach_detail": "held up\x00 by it"},
            "breach_detail",
            "cannot be stored",
            id="control-character",
        ),
        pytest.param(
            {"breach_reason": "demand", "breach_detail": "x" * 2001},
            "breach_detail",
            "2,000 characters or fewer",
            id="oversized",
        ),
    ],
)
def test_bad_breach_fields_are_422_and_change_nothing(
    force: Force, work: Work, late: dict[str, Any], field: str, message: str
) -> None:
    concern = work.overdue_concern
    body = {"rationale": "Proportionate and timely.", **late}
    response = post(force.user("supervisor"), f"/concerns/{concern.pk}/endorse", body)
    assert fields_of(response) == {field}
    assert message in response.json()["error"]["details"][0]["message"]
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    assert open_clock(DECISION, concern).pk == work.overdue.pk


def test_an_on_time_decision_needs_no_breach_fields(force: Force, work: Work) -> None:
    concern = Concern.objects.get(pk=work.on_time.record_id)
    response = post(force.user("supervisor"), f"/concerns/{concern.pk}/endorse", {"rationale": "Proportionate."})
    assert response.status_code == 200 and Clock.objects.get(pk=work.on_time.pk).outcome == ClockOutcome.MET


def test_a_late_resubmission_without_the_breach_fields_is_422_and_changes_nothing(force: Force, work: Work) -> None:
    officer, concern = force.user("officer"), work.returned_concern
    thursday = at("2026-06-04 09:00")
    for body in ({}, {"breach_reason": "", "breach_detail": ""}):
        refused = post(officer, f"/concerns/{concern.pk}/submit", body, when=thursday)
        assert fields_of(refused) == {"breach_reason", "breach_detail"}
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.RETURNED
    assert open_clock(RESUBMISSION, concern).pk == work.returned.pk
    assert Clock.objects.filter(rule_code=DECISION.code, record_id=concern.pk, stopped_at=None).count() == 0

    accepted = post(officer, f"/concerns/{concern.pk}/submit", LATE, when=thursday)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "submitted"
    clock = Clock.objects.get(pk=work.returned.pk)
    assert (clock.outcome, clock.breach_reason) == (ClockOutcome.BREACHED, LATE["breach_reason"])
    assert open_clock(DECISION, concern).started_at == thursday


def test_an_on_time_resubmission_needs_no_body(force: Force, work: Work) -> None:
    concern = work.returned_concern
    with time_machine.travel(NOW, tick=False):
        response = api_client(force.user("officer")).post(
            f"{API}/concerns/{concern.pk}/submit", content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert Clock.objects.get(pk=work.returned.pk).outcome == ClockOutcome.MET
