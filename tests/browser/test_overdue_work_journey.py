"""Overdue work, clicked through in a real browser: a supervisor finds a late decision and explains it.

An officer in PPU-NORTH submitted a high-risk concern six hours ago; the supervisor's decision was due
four hours after submission and is now two hours late. The sweep has raised the overdue alert. The
supervisor opens "My team", sees the item overdue with the rule's terms, filters by status, opens the
review, is stopped from endorsing until she says why it is late, then endorses with a coded reason and
an explanation. The concern's page shows the clock "Done late" with the reason, and her notifications
hold the overdue alert.

Every main page is screenshotted into artifacts/screenshots and checked with axe-core. What the pages
cannot show (the refused decision changed nothing; the clock stopped as breached) is read from the
server's own database through ``manage.py shell``.

The server's database is a fresh SQLite file, as in the conftest; when the test process has a
PostgreSQL ``DATABASE_URL``, the server gets a fresh, throwaway database on that PostgreSQL instead, so
the same journey (and the sweep) runs on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import fresh_database, in_server, serving
from .test_concern_journey import first_sign_in, group, heading
from .test_sign_in import SCREENSHOTS, assert_accessible

pytestmark = pytest.mark.browser

TERMS = "Supervisor review of a high-risk concern: due 4 h after submission"
RATIONALE = "Agreed high risk: children present at a second call-out; refer to children's social care today."
BREACH_REASON = "Workload or demand on the team"
BREACH_DETAIL = "Two officers off sick and a major incident on the same shift; reviewed as soon as cover came in."
# The page reads "by 2 h" when opened within the minute, "by 2 h 3 min" a few minutes later.
OVERDUE_BY = re.compile(r"\bby 2 h( \d{1,2} min)?")


# --- Set-up, run inside the server's database (``manage.py shell``) ---------------------------------
#
# tests/conftest.py's make_child / make_concern / record_voice cannot be imported there (it imports the
# test-only casework app, which the server's settings do not install), so these follow the same steps
# through the same services, with the risk graded high.


def arrange_overdue_concern() -> None:
    """After ``seed_demo``: the demo officer submits a complete high-risk concern about one child, who
    was seen and spoken to; its decision clock is then moved six hours into the past (started 6 h ago,
    due soon 3 h ago, due 2 h ago, escalating in 2 h) as if the worker had been down, and the sweep
    catches up. Prints the concern's id and reference as JSON."""
    from datetime import date, timedelta

    from django.utils import timezone

    from safeguard.accounts.models import Notification, Unit, User
    from safeguard.concerns import services as concerns
    from safeguard.concerns.models import Concern
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person
    from safeguard.timescales.models import Alert, AlertNotice, Clock, Stage
    from safeguard.timescales.sweep import sweep
    from safeguard.voice.services import VoiceAnswers, record_voice

    unit = Unit.objects.get(code="PPU-NORTH")
    officer = User.objects.get(username="officer")
    supervisor = User.objects.get(username="supervisor")
    assert officer.unit_id == unit.pk and unit.supervisor_id == supervisor.pk

    child = create_person(
        details=NewPerson(
            given_name="Amy", family_name="Smith", date_of_birth=date(2018, 5, 4), dob_quality=DobQuality.STATED
        ),
        by=officer,
    )
    concern = concerns.start_concern(by=officer)
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timedelta(hours=9), by=officer)
    concerns.set_where(concern=concern, location="12 Acacia Road, Northtown", postcode="NS1 4AB", by=officer)
    concerns.set_types(concern=concern, types=["domestic_abuse"], by=officer)
    concerns.set_summary(concern=concern, summary="Neighbours heard shouting and a child crying at 11pm.", by=officer)
    concerns.grade_risk(
        concern=concern, grade="high", rationale="Second incident this month; child present.", by=officer
    )
    concerns.involve(concern=concern, person=child, roles=["subject_child"], by=officer)
    record_voice(
        concern=concern,
        person=child,
        answers=VoiceAnswers(
            seen=True,
            seen_alone="yes",
            spoken_to=True,
            childs_words="Daddy shouted at mummy and I hid under the bed.",
            demeanour=["frightened", "clingy"],
            demeanour_narrative="Held on to her mother throughout.",
            wishes_and_feelings="Wants to stay with mum.",
            others_present="Mother in the next room.",
            informed_decision="Her account of hiding raised the grade to high and a referral.",
        ),
        by=officer,
    )
    concerns.submit_concern(concern=concern, by=officer)

    clock = Clock.objects.get(rule_code="concerns.decision", record_id=concern.pk, stopped_at__isnull=True)
    assert clock.owner_id == supervisor.pk and clock.terms == TERMS, (clock.owner_id, clock.terms)
    now = timezone.now()
    started = now - timedelta(hours=6)
    Concern.objects.filter(pk=concern.pk).update(submitted_at=started)
    # Thresholds as start_clock sets them for a 4 h clock (due soon at 75 %, escalated 4 h after due);
    # the stage and next_at of a clock the sweep has not seen since it started.
    Clock.objects.filter(pk=clock.pk).update(
        started_at=started,
        due_soon_at=started + timedelta(hours=3),
        due_at=started + timedelta(hours=4),
        escalate_at=started + timedelta(hours=8),
        stage=Stage.ON_TIME,
        next_at=started + timedelta(hours=3),
    )
    sweep()  # the demo population's own clocks may move too
    clock.refresh_from_db()
    assert clock.stage == Stage.OVERDUE and clock.next_at == clock.escalate_at, (clock.stage, clock.next_at)
    # Catching up: due soon and overdue both raised, only overdue sent, once, to the supervisor (who is
    # both the owner and the unit's supervisor).
    assert sorted(Alert.objects.filter(clock=clock).values_list("threshold", "superseded")) == [
        (Stage.DUE_SOON, True),
        (Stage.OVERDUE, False),
    ]
    told = AlertNotice.objects.filter(alert__clock=clock)
    assert list(told.values_list("alert__threshold", "user__username")) == [(Stage.OVERDUE, "supervisor")]
    # The decision clock's alerts (the concern also owes the school its Encompass notice, on a clock of its own).
    alerts = Notification.objects.filter(user=supervisor, message__contains=f": {concern.reference}. ", link=clock.link)
    assert [n.message.split(" since ")[0] for n in alerts] == ["Overdue"], list(alerts)
    print(json.dumps({"pk": concern.pk, "reference": concern.reference}))


def concern_state(pk: int) -> None:
    """Prints, as JSON, the concern's status and decisions and its decision clock."""
    from safeguard.concerns.models import Concern
    from safeguard.timescales.models import Clock

    concern = Concern.objects.get(pk=pk)
    clock = Clock.objects.filter(rule_code="concerns.decision", record_id=pk).order_by("-pk").first()
    assert clock is not None
    print(
        json.dumps(
            {
                "status": concern.status,
                "decisions": list(concern.decisions.values_list("decision", flat=True)),
                "clock_open": clock.stopped_at is None,
                "clocks": Clock.objects.filter(rule_code="concerns.decision", record_id=pk).count(),
                "outcome": clock.outcome,
                "breach_reason": clock.breach_reason,
                "breach_detail": clock.breach_detail,
                "stopped_by": clock.stopped_by.username if clock.stopped_by else None,
            }
        )
    )


# --- The server -------------------------------------------------------------------------------------


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    concern_pk: int
    reference: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database of the server's own, with the overdue concern arranged in it."""
    tmp = tmp_path_factory.mktemp("safeguard-overdue-journey")
    with fresh_database(tmp) as env:
        arranged = in_server(env, __name__, "arrange_overdue_concern()")
        yield Served(tmp, env, arranged["pk"], arranged["reference"])


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


# --- Helpers ----------------------------------------------------------------------------------------


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"overdue-{name}.png"), full_page=True)
    assert_accessible(page, what)


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def work_row(page: Page, reference: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=reference, exact=True))


def decision_row(page: Page, reference: str) -> Locator:
    """The concern's decision clock in a work list (the concern also owes sharing clocks, listed apart)."""
    return work_row(page, reference).filter(has_text=TERMS)


def filter_team(page: Page, status: str, code: str) -> None:
    """Filter "My team" by status (a GET form: the filter is in the address)."""
    page.get_by_label("Status").select_option(label=status)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"[?&]status={code}(&|$)"))
    expect(heading(page)).to_have_text("My team's work")
    expect(page.get_by_label("Status")).to_have_value(code)


def statuses(page: Page) -> list[str]:
    """The status tags of the work list's rows."""
    return page.locator("tbody td:nth-child(4) > .govuk-tag").all_inner_texts()


# --- The journey ------------------------------------------------------------------------------------


def my_team_shows_it_overdue(page: Page, reference: str) -> None:
    menu(page, "My team")
    expect(heading(page)).to_have_text("My team's work")
    row = decision_row(page, reference)
    expect(row).to_have_count(1)
    expect(row.locator(".govuk-tag")).to_have_text("Overdue")
    expect(row).to_contain_text(OVERDUE_BY)
    expect(row).to_contain_text(TERMS)
    expect(row).to_contain_text("Sana Whitfield")
    capture(page, "01-my-team", "My team page with an overdue item")

    # The demo force's own clocks are in the list too: each filter shows only its status.
    filter_team(page, "Overdue", "overdue")
    expect(decision_row(page, reference)).to_have_count(1)
    assert set(statuses(page)) <= {"Overdue", "Overdue, escalated"}, statuses(page)
    capture(page, "02-my-team-overdue", "My team page filtered to overdue work")

    filter_team(page, "On time", "on_time")
    expect(decision_row(page, reference)).to_have_count(0)
    assert set(statuses(page)) <= {"On time"}, statuses(page)

    filter_team(page, "Any status", "")
    expect(decision_row(page, reference)).to_have_count(1)

    # She owes it herself, so it is in her own work too.
    menu(page, "My work")
    expect(heading(page)).to_have_text("My work")
    expect(decision_row(page, reference).locator(".govuk-tag")).to_have_text("Overdue")
    menu(page, "My team")


def late_decision_needs_a_reason(page: Page, served: Served, server: str) -> None:
    """Endorsing without saying why it is late: the error summary, and nothing changed."""
    decision_row(page, served.reference).get_by_role("link", name=served.reference, exact=True).click()
    expect(page).to_have_url(f"{server}/concerns/{served.concern_pk}/review/")
    expect(heading(page)).to_have_text("Endorse or return this concern")
    notice = page.locator(".govuk-inset-text").filter(has_text=TERMS)
    expect(notice).to_contain_text("Overdue")
    expect(notice).to_contain_text(OVERDUE_BY)
    expect(notice).to_contain_text("You will be asked why it is late.")
    expect(group(page, "Why is this late?")).to_be_visible()
    expect(page.get_by_label("Explain what happened")).to_be_visible()

    group(page, "Your decision").get_by_label("Endorse").check()
    page.get_by_label("Your rationale").fill(RATIONALE)
    capture(page, "03-review-overdue", "review page of an overdue concern")
    page.get_by_role("button", name="Save decision").click()

    expect(heading(page)).to_have_text("Endorse or return this concern")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    errors = summary.get_by_role("listitem")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text(re.compile(r"This was due by \d\d:\d\d on .*: choose why it is late"))
    expect(errors.nth(1)).to_have_text("Explain why it is late (at least 10 characters)")
    # Each error links to its question (a radio group by its first radio), and the question shows the
    # error beside it.
    reason_link = summary.get_by_role("link", name=re.compile("choose why it is late"))
    expect(reason_link).to_have_attribute("href", "#id_breach_reason_0")
    expect(summary.get_by_role("link", name=re.compile("Explain why"))).to_have_attribute("href", "#id_breach_detail")
    expect(page.locator(".govuk-error-message")).to_have_count(2)
    expect(group(page, "Why is this late?").locator(".govuk-error-message")).to_contain_text("choose why it is late")
    expect(page.get_by_label("Explain what happened")).to_have_attribute("aria-describedby", re.compile("_error"))
    reason_link.click()
    expect(group(page, "Why is this late?").get_by_label(BREACH_REASON)).to_be_focused()
    explain_link = summary.get_by_role("link", name=re.compile("Explain why"))
    explain_link.click()
    expect(page.get_by_label("Explain what happened")).to_be_focused()
    # What she wrote is kept.
    expect(group(page, "Your decision").get_by_label("Endorse")).to_be_checked()
    expect(page.get_by_label("Your rationale")).to_have_value(RATIONALE)
    capture(page, "04-review-needs-reason", "review page asking why the decision is late")

    state = in_server(served.env, __name__, f"concern_state({served.concern_pk})")
    assert state["status"] == "submitted", state
    assert state["decisions"] == [], state
    assert state["clock_open"] and state["clocks"] == 1 and state["outcome"] == "", state


def endorse_late_with_a_reason(page: Page, served: Served) -> None:
    group(page, "Why is this late?").get_by_label(BREACH_REASON).check()
    page.get_by_label("Explain what happened").fill(BREACH_DETAIL)
    page.get_by_role("button", name="Save decision").click()

    expect(heading(page)).to_have_text("Team concerns to review")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{served.reference} endorsed.")
    expect(page.get_by_role("link", name=served.reference, exact=True)).to_have_count(0)

    state = in_server(served.env, __name__, f"concern_state({served.concern_pk})")
    assert state["status"] == "endorsed", state
    assert state["decisions"] == ["endorse"], state
    assert not state["clock_open"] and state["clocks"] == 1, state
    assert state["outcome"] == "breached", state
    assert state["breach_reason"] == "demand", state
    assert state["breach_detail"] == BREACH_DETAIL, state
    assert state["stopped_by"] == "supervisor", state

    page.goto(f"/concerns/{served.concern_pk}/")
    expect(heading(page)).to_have_text(f"Concern {served.reference}")
    expect(page.get_by_text("Endorsed", exact=True)).to_be_visible()
    timescales = page.locator("table").filter(has=page.get_by_role("columnheader", name="What is owed"))
    row = timescales.get_by_role("row").filter(has_text=TERMS)
    expect(row).to_have_count(1)
    expect(row.locator(".govuk-tag")).to_have_text("Done late")
    expect(row).to_contain_text(OVERDUE_BY)
    expect(row).to_contain_text("by Sana Whitfield")
    expect(row).to_contain_text(f"{BREACH_REASON}: {BREACH_DETAIL}")
    capture(page, "05-concern-done-late", "concern page with its decision done late")

    # Done, so it has left the team's list.
    menu(page, "My team")
    expect(decision_row(page, served.reference)).to_have_count(0)


def notifications_hold_the_alert(page: Page, served: Served) -> None:
    menu(page, "Notifications")
    expect(heading(page)).to_have_text("Notifications")
    # The decision clock's alerts (the concern's Encompass notice, owed too, alerts on a clock of its own).
    decision = page.get_by_role("listitem").filter(has_text=TERMS)
    alert = decision.filter(has_text=re.compile(rf"Overdue since .*: {served.reference}\."))
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(TERMS)
    expect(alert.get_by_role("link")).to_have_attribute("href", f"/concerns/{served.concern_pk}/review/")
    # Submission told her too; the due-soon alert was superseded by the overdue one, so never sent.
    expect(page.get_by_text(f"{served.reference} (High risk) is waiting for your review")).to_be_visible()
    expect(decision.filter(has_text=f": {served.reference}. ")).to_have_count(1)
    capture(page, "06-notifications", "notifications page with the overdue alert")


def test_supervisor_explains_an_overdue_decision(page: Page, server: str, served: Served) -> None:
    first_sign_in(page, server, "supervisor")
    my_team_shows_it_overdue(page, served.reference)
    late_decision_needs_a_reason(page, served, server)
    endorse_late_with_a_reason(page, served)
    notifications_hold_the_alert(page, served)
