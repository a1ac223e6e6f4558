"""An investigation from allocation to sign-off, clicked through in a real browser, as issue 5 tells it.

The demo officer in PPU-NORTH has submitted a high-risk concern about Mia Hollis. Her supervisor opens
the concern, opens an investigation from it, allocates it to the officer, grades the risk and sets the
first review; it waits for acceptance. The officer is told, finds it under "My investigations" and
accepts it, then plans three lines of enquiry. The supervisor reviews it: a rationale, the four checks
(one a gap, "No: directed below") and two directions, which join the plan as actions.

The house-to-house enquiry then falls behind: inside the server its clock is moved back as if it had
been due five days ago, and the sweep escalates it. The supervisor sees it on "Team investigations"
against the officer, on "My team" as "Overdue, escalated", and in her notifications; the leader was told.

Meanwhile the enquiries found Mia's baby brother Alfie, and children's social care must be told of the
outcome (both arranged through the services). So when the officer goes to close the investigation, the
closure page lists exactly what blocks it: the five open actions, Alfie with no voice record, and the
partner not yet told. She puts each right from its link (the late enquiry asks why it is late), records
the outcome and puts it forward; the supervisor signs it off and the case shows "Closed" with its outcome.

Every page visited is screenshotted into artifacts/screenshots (``investigation-NN-*.png``) and checked
with axe-core. What the pages cannot show (the alerts and who was told; the closed case and its stopped
clocks) is read from the server's own database through ``manage.py shell``, as in
test_overdue_work_journey: a fresh SQLite file, or a throwaway PostgreSQL database when the test run is
on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import fresh_database, in_server, serving
from .test_concern_journey import fill_date, first_sign_in, group, heading
from .test_overdue_work_journey import menu, work_row
from .test_sign_in import SCREENSHOTS, assert_accessible

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
OFFICER = "Olivia Marsh"
OFFICER_IN_UNIT = "Olivia Marsh, Public Protection Unit North"
CHILD = "Mia Hollis"
BROTHER = "Alfie Hollis"
SUMMARY = "Mia (9) told her teacher that her mother's partner hit her with a belt; bruising to her arm seen at school."
RISK_RATIONALE = "Injury to a child by an adult in the household, who is still living there."
PLAN = (  # line of enquiry, what is to be done, days from today it is due
    ("ABE interview of the child", "ABE interview of Mia by a trained interviewer", 3),
    ("Medical examination", "Child protection medical for Mia's bruising", 2),
    ("House-to-house enquiries", "House-to-house on Quarry Lane for the night of the incident", 5),
)
LATE = PLAN[2]  # the one that falls behind
REVIEW_RATIONALE = "Plan is proportionate and prompt; partners have not yet been brought in, which is the gap."
DIRECTIONS = (  # what is to be done, detail, days from today it is due
    ("Hold a strategy discussion with children's social care", "Agree who leads and a safety plan for Mia.", 1),
    ("Interview the mother's partner under caution", "Put Mia's account and the medical findings to him.", 4),
)
CHECKS = {
    "The child's voice has been captured and used in decisions": "Yes",
    "Every line of enquiry has been pursued, or closed with a reason": "Yes",
    "Partners have been informed": "No: directed below",
    "Any delay is justified": "Not applicable",
}
BREACH_REASON = "Waiting for information from elsewhere in the force"
BREACH_DETAIL = "House-to-house held back until the neighbourhood team could lend two officers for a full day."
PARTNER = "Children's social care"
OUTCOME = "1 Charged or summonsed"
CLOSURE_RATIONALE = "Partner charged with assault occasioning actual bodily harm; Mia and Alfie safe under a plan."
SIGN_OFF = "Every line pursued, both children heard, partners told; the outcome is right."


# --- Set-up, run inside the server's database (``manage.py shell``) ---------------------------------
#
# As in test_overdue_work_journey: tests/conftest.py's factories cannot be imported in the server's
# settings, so these follow the same steps through the same services the pages use.


def arrange_concern() -> None:
    """After ``seed_demo``: the demo officer submits a complete high-risk concern about Mia, who was seen
    and spoken to. Prints the concern's id and reference as JSON."""
    from django.utils import timezone

    from safeguard.accounts.models import User
    from safeguard.concerns import services as concerns
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person
    from safeguard.voice.services import VoiceAnswers, record_voice

    officer = User.objects.get(username="officer")
    mia = create_person(
        details=NewPerson(
            given_name="Mia", family_name="Hollis", date_of_birth=date(2017, 6, 12), dob_quality=DobQuality.STATED
        ),
        by=officer,
    )
    concern = concerns.start_concern(by=officer)
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timedelta(hours=20), by=officer)
    concerns.set_where(concern=concern, location="7 Quarry Lane, Northtown", postcode="NS2 5HX", by=officer)
    concerns.set_types(concern=concern, types=["physical"], by=officer)
    concerns.set_summary(
        concern=concern, summary="School saw bruising to Mia's arm; she named her mother's partner.", by=officer
    )
    concerns.grade_risk(concern=concern, grade="high", rationale="Injury by an adult still in the home.", by=officer)
    concerns.involve(concern=concern, person=mia, roles=["subject_child", "victim"], by=officer)
    record_voice(
        concern=concern,
        person=mia,
        answers=VoiceAnswers(
            seen=True,
            seen_alone="yes",
            spoken_to=True,
            childs_words="He hit me with his belt because I didn't tidy up.",
            demeanour=["frightened"],
            demeanour_narrative="Pulled her sleeve down over the bruise while she spoke.",
            wishes_and_feelings="Wants him to leave, not her mum.",
            others_present="None; seen at school with her teacher nearby.",
            informed_decision="Her clear account and the injury made it high risk.",
        ),
        by=officer,
    )
    concerns.submit_concern(concern=concern, by=officer)
    print(json.dumps({"pk": concern.pk, "reference": concern.reference}))


def arrange_overdue_action(pk: int, title: str) -> None:
    """The action ``title`` of investigation ``pk`` falls behind: its due date and clock are moved back
    as if it had been planned a week ago, due in two days, five days ago (the clock's thresholds worked
    out by the engine itself, with the force's values). The sweep escalates it. Checks the alerts and
    who was told; prints how many overdue actions the officer owes in the supervisor's team."""
    from django.utils import timezone

    from safeguard import parameters
    from safeguard.accounts.models import Notification, RoleCode, User
    from safeguard.investigations import selectors, services
    from safeguard.investigations.models import Action
    from safeguard.investigations.timescales import ACTION, end_of
    from safeguard.timescales.models import Alert, AlertNotice, Clock, Stage
    from safeguard.timescales.services import THRESHOLD_VALUES, new_clock
    from safeguard.timescales.sweep import sweep

    action = Action.objects.get(investigation_id=pk, title=title)
    clock = Clock.objects.get(rule_code=ACTION.code, record_id=action.pk, stopped_at__isnull=True)
    due_on = services.today() - timedelta(days=5)
    moved = new_clock(
        rule=ACTION,
        record_type=clock.record_type,
        record_id=action.pk,
        label=clock.label,
        unit_id=clock.unit_id,
        owner_id=clock.owner_id,
        started_at=end_of(due_on) - timedelta(days=2),
        context={"due_on": due_on.isoformat(), "direction": ""},
        values=parameters.values([*ACTION.parameters, *THRESHOLD_VALUES]),
    )
    Action.objects.filter(pk=action.pk).update(due_on=due_on, due_at=end_of(due_on))
    Clock.objects.filter(pk=clock.pk).update(
        started_at=moved.started_at,
        due_soon_at=moved.due_soon_at,
        due_at=moved.due_at,
        escalate_at=moved.escalate_at,
        terms=moved.terms,
        stage=Stage.ON_TIME,
        next_at=moved.due_soon_at,
    )
    sweep()  # the demo population's own clocks may move too
    clock.refresh_from_db()
    assert clock.stage == Stage.ESCALATED and clock.next_at is None, (clock.stage, clock.next_at)

    # Catching up: due soon, overdue and escalated all raised, only the escalation sent, to the unit's
    # supervisor and the force's leaders.
    assert sorted(Alert.objects.filter(clock=clock).values_list("threshold", "superseded")) == [
        (Stage.DUE_SOON, True),
        (Stage.OVERDUE, True),
        (Stage.ESCALATED, False),
    ]
    told = set(AlertNotice.objects.filter(alert__clock=clock).values_list("alert__threshold", "user__username"))
    leaders = User.objects.filter(roles__code=RoleCode.LEADER, is_active=True).values_list("username", flat=True)
    assert "leader" in leaders
    assert told == {(Stage.ESCALATED, name) for name in ["supervisor", *leaders]}, told
    for username in ["supervisor", "leader"]:
        notices = Notification.objects.filter(user__username=username, message__contains=clock.label)
        assert [n.message.split(",")[0] for n in notices] == ["Escalated to you"], (username, list(notices))

    supervisor, officer = User.objects.get(username="supervisor"), User.objects.get(username="officer")
    load = next(row for row in selectors.per_officer(supervisor, timezone.now()) if row.officer == officer)
    print(json.dumps({"label": clock.label, "terms": clock.terms, "overdue_actions": load.overdue_actions}))


def arrange_more_to_do(pk: int) -> None:
    """The enquiries found Mia's baby brother Alfie, now in the investigation with no voice record yet;
    and the officer noted that children's social care must be told of the outcome."""
    from safeguard.accounts.models import User
    from safeguard.investigations import services
    from safeguard.investigations.models import Agency, Investigation
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person

    officer = User.objects.get(username="officer")
    investigation = Investigation.objects.get(pk=pk)
    alfie = create_person(
        details=NewPerson(
            given_name="Alfie",
            family_name="Hollis",
            date_of_birth=services.today() - timedelta(days=400),
            dob_quality=DobQuality.STATED,
        ),
        by=officer,
    )
    services.add_person(investigation=investigation, person=alfie, role="household", by=officer)
    services.require_notification(
        investigation=investigation,
        agency=Agency.CHILDRENS_SOCIAL_CARE,
        purpose="The outcome, and any bail conditions keeping him away from the children.",
        by=officer,
    )
    print(json.dumps({"alfie": alfie.pk}))


def investigation_state(pk: int) -> None:
    """Prints, as JSON, the investigation's status and outcome and the clocks on it and its actions."""
    from safeguard.investigations import services
    from safeguard.investigations.models import Investigation
    from safeguard.timescales.models import Clock

    investigation = Investigation.objects.get(pk=pk)
    actions = list(investigation.actions.values_list("pk", flat=True))
    clocks = Clock.objects.filter(record_type=services.INVESTIGATION, record_id=pk) | Clock.objects.filter(
        record_type=services.ACTION_TYPE, record_id__in=actions
    )
    print(
        json.dumps(
            {
                "status": investigation.status,
                "outcome": investigation.outcome,
                "signed_off_by": investigation.signed_off_by.username if investigation.signed_off_by else None,
                "actions": sorted(investigation.actions.values_list("status", flat=True)),
                "clocks": sorted(clocks.values_list("rule_code", flat=True)),
                "open_clocks": clocks.filter(stopped_at__isnull=True).count(),
                "late": list(clocks.exclude(breach_reason="").values_list("rule_code", "breach_reason")),
            }
        )
    )


# --- The server -------------------------------------------------------------------------------------


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    concern_pk: int
    concern: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database of the server's own, with Mia's concern arranged in it."""
    tmp = tmp_path_factory.mktemp("safeguard-investigation-journey")
    with fresh_database(tmp) as env:
        arranged = in_server(env, __name__, "arrange_concern()")
        yield Served(tmp, env, arranged["pk"], arranged["reference"])


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


# --- Helpers (the accessibility sweep uses them too) ------------------------------------------------


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"investigation-{name}.png"), full_page=True)
    assert_accessible(page, what)


@contextmanager
def another_page(browser: Browser, server: str) -> Iterator[Page]:
    """A second person at their own browser, as the conftest's ``page``: each signs in once."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def today() -> date:
    return datetime.now(LONDON).date()


def short_day(day: date) -> str:
    """As the pages write a date in a table: "3 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


def in_a_group(scope: Locator, legend: str, day: date) -> None:
    """A GOV.UK date input inside ``scope`` (a direction row: every row has its own "Due by")."""
    fields = scope.get_by_role("group", name=legend, exact=True)
    fields.get_by_label("Day").fill(str(day.day))
    fields.get_by_label("Month").fill(str(day.month))
    fields.get_by_label("Year").fill(str(day.year))


def banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def status(page: Page) -> Locator:
    """The investigation's status tag above its heading."""
    return page.locator(".govuk-caption-l > .govuk-tag").first


def plan_table(page: Page) -> Locator:
    return page.locator("table").filter(has=page.get_by_role("columnheader", name="Action", exact=True))


def plan_row(page: Page, title: str) -> Locator:
    return plan_table(page).get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def blockers(page: Page) -> Locator:
    return page.locator(".govuk-error-summary").filter(has_text="You cannot close this investigation yet")


# --- The journey ------------------------------------------------------------------------------------


def supervisor_opens_and_allocates(page: Page, served: Served, first_review: date) -> tuple[str, str]:
    """From the concern to a new investigation awaiting the officer. Returns its reference and path."""
    menu(page, "Team concerns")
    expect(heading(page)).to_have_text("Team concerns to review")
    page.get_by_role("link", name=served.concern, exact=True).click()
    expect(heading(page)).to_have_text(f"Concern {served.concern}")
    capture(page, "01-concern", "concern page with 'Open an investigation'")
    page.get_by_role("link", name="Open an investigation").click()

    expect(heading(page)).to_have_text("Open an investigation")
    expect(group(page, "Concerns to investigate").get_by_label(served.concern)).to_be_checked()
    # The grade starts at the highest of the concerns'.
    expect(group(page, "Risk grade").get_by_label("High")).to_be_checked()
    page.get_by_label("Officer in the case").select_option(label=OFFICER_IN_UNIT)
    page.get_by_label("What is being investigated?").fill(SUMMARY)
    page.get_by_label("Why this grade?").fill(RISK_RATIONALE)
    fill_date(page, "Date of the first supervisory review", first_review)
    capture(page, "02-open", "open-an-investigation page")
    page.get_by_role("button", name="Open the investigation").click()

    expect(banner(page)).to_contain_text(f"allocated to {OFFICER}, who must now accept it")
    found = re.search(r"INV-\d{4}-\d{6}", heading(page).inner_text())
    assert found, heading(page).inner_text()
    reference = found[0]
    expect(heading(page)).to_have_text(f"Investigation {reference}")
    expect(status(page)).to_have_text("Awaiting acceptance")
    expect(page.get_by_text(f"{OFFICER} (not yet accepted)")).to_be_visible()
    expect(page.get_by_text("The plan can be written once the officer in the case accepts")).to_be_visible()
    expect(page.get_by_role("link", name=served.concern, exact=True)).to_be_visible()
    capture(page, "03-awaiting-acceptance", "investigation awaiting acceptance")
    return reference, urlparse(page.url).path


def officer_accepts(page: Page, server: str, reference: str, path: str) -> None:
    first_sign_in(page, server, "officer")
    menu(page, "Notifications")
    told = page.get_by_role("link", name=f"{reference} has been allocated to you: accept it to start the plan")
    expect(told).to_have_attribute("href", path)
    capture(page, "04-officer-notifications", "officer's notifications with the allocation")

    menu(page, "My investigations")
    expect(heading(page)).to_have_text("My investigations")
    row = work_row(page, reference)
    expect(row.locator(".govuk-tag").first).to_have_text("Awaiting acceptance")
    capture(page, "05-my-investigations", "officer's My investigations page")
    row.get_by_role("link", name=f"Accept or decline {reference}").click()

    expect(heading(page)).to_have_text("Accept or decline this investigation")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Officer in the case accepts the investigation")
    group(page, "Will you take this investigation?").get_by_label("Yes, I accept it").check()
    capture(page, "06-accept", "accept-or-decline page")
    page.get_by_role("button", name="Save").click()

    expect(banner(page)).to_contain_text(f"You accepted {reference}. Write the plan")
    expect(status(page)).to_have_text("Under investigation")


def officer_plans_three_lines(page: Page) -> None:
    for n, (kind, title, days) in enumerate(PLAN, start=1):
        page.get_by_role("link", name="Add a line of enquiry").click()
        expect(heading(page)).to_have_text("Add a line of enquiry")
        group(page, "Line of enquiry").get_by_label(kind, exact=True).check()
        page.get_by_label("What is to be done").fill(title)
        page.get_by_label("Who will do it").select_option(label=OFFICER)
        fill_date(page, "Due date", today() + timedelta(days=days))
        if n == 1:
            capture(page, "07-add-line-of-enquiry", "add-a-line-of-enquiry page")
        page.get_by_role("button", name="Add to the plan").click()
        expect(banner(page)).to_contain_text(f"'{title}' was added to the plan.")

    for kind, title, days in PLAN:
        row = plan_row(page, title)
        expect(row).to_contain_text(kind)
        expect(row).to_contain_text(OFFICER)
        expect(row).to_contain_text(short_day(today() + timedelta(days=days)))
        expect(row.locator(".govuk-tag")).to_have_text("On time")
    capture(page, "08-planned", "investigation with three lines of enquiry")


def supervisor_reviews_with_two_directions(page: Page, path: str, next_review: date) -> None:
    page.goto(path)
    page.get_by_role("link", name="Record a supervisory review").click()
    expect(heading(page)).to_have_text("Record a supervisory review")
    page.get_by_label("Your rationale").fill(REVIEW_RATIONALE)
    for question, answer in CHECKS.items():
        group(page, question).get_by_label(answer, exact=True).check()
    expect(group(page, "Risk grade").get_by_label("High")).to_be_checked()
    fill_date(page, "Date of the next review", next_review)
    for n, (title, detail, days) in enumerate(DIRECTIONS, start=1):
        row = group(page, f"Direction {n}")
        row.get_by_label("What is to be done").fill(title)
        row.get_by_label("How, and what it should establish").fill(detail)
        row.get_by_label("Who must do it").select_option(label=OFFICER_IN_UNIT)
        in_a_group(row, "Due by", today() + timedelta(days=days))
    capture(page, "09-review", "supervisory review page, filled in")
    page.get_by_role("button", name="Record the review").click()

    expect(banner(page)).to_contain_text("recorded with 2 directions")
    review = page.locator(".govuk-summary-card").filter(has_text=REVIEW_RATIONALE)
    expect(review).to_have_count(1)
    for question, answer in CHECKS.items():
        expect(review.locator(".govuk-summary-list__row").filter(has_text=question)).to_contain_text(answer)
    expect(review).to_contain_text(short_day(next_review))
    for title, _, days in DIRECTIONS:
        expect(review.get_by_role("link", name=title, exact=True)).to_be_visible()
        row = plan_row(page, title)
        expect(row).to_contain_text("Supervisor's direction")
        expect(row).to_contain_text(OFFICER)
        expect(row).to_contain_text(short_day(today() + timedelta(days=days)))
    expect(plan_table(page).locator("tbody tr")).to_have_count(len(PLAN) + len(DIRECTIONS))
    capture(page, "10-reviewed", "investigation with its review and the directions in the plan")


def supervisor_sees_the_escalation(page: Page, reference: str, escalated: dict[str, object]) -> None:
    menu(page, "Team investigations")
    expect(heading(page)).to_have_text("Team investigations")
    officers = page.locator("table").filter(has=page.get_by_role("columnheader", name="Overdue actions they owe"))
    olivia = officers.get_by_role("row").filter(has=page.get_by_role("rowheader", name=OFFICER, exact=True))
    expect(olivia.locator("td").nth(2)).to_have_text(str(escalated["overdue_actions"]))
    capture(page, "11-team-investigations", "Team investigations page with the overdue action")

    menu(page, "My team")
    page.get_by_label("Owner").select_option(label=OFFICER)
    page.get_by_label("Rule").select_option(value="investigations.action")
    page.get_by_label("Status").select_option(label="Overdue")
    page.get_by_role("button", name="Filter").click()
    expect(heading(page)).to_have_text("My team's work")
    row = work_row(page, str(escalated["label"]))
    expect(row).to_have_count(1)
    expect(row.locator(".govuk-tag")).to_have_text("Overdue, escalated")
    expect(row).to_contain_text(str(escalated["terms"]))
    expect(row).to_contain_text(OFFICER)
    capture(page, "12-my-team-escalated", "My team page with the escalated action")

    menu(page, "Notifications")
    alert = page.get_by_role("listitem").filter(has_text="Escalated to you, overdue since")
    alert = alert.filter(has_text=f"{escalated['label']}.")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(str(escalated["terms"]))
    capture(page, "13-supervisor-notifications", "supervisor's notifications with the escalation")
    alert.get_by_role("link").click()
    expect(heading(page)).to_have_text(LATE[1])
    expect(page.locator(".govuk-caption-l")).to_have_text(reference)
    capture(page, "14-escalated-action", "the escalated action's page")


def closure_is_blocked(page: Page, path: str) -> str:
    """The officer's closure page lists every blocker. Returns the closure page's path."""
    page.goto(path)
    page.get_by_role("link", name="Close the investigation").click()
    expect(heading(page)).to_have_text("Close this investigation")
    listed = blockers(page).get_by_role("listitem")
    titles = [title for _, title, _ in PLAN] + [title for title, _, _ in DIRECTIONS]
    expect(listed).to_have_count(len(titles) + 2)
    for title in titles:
        expect(
            listed.filter(has_text=f"'{title}' ({OFFICER}) is open: complete it, or close it with a reason")
        ).to_have_count(1)
    expect(listed.filter(has_text=f"{BROTHER}: record whether they were seen and spoken to")).to_have_count(1)
    expect(listed.filter(has_text=f"{PARTNER} has not been told: record when it was sent")).to_have_count(1)
    expect(page.get_by_label("Outcome")).to_have_count(0)
    expect(page.get_by_role("button", name="Put forward for closure")).to_have_count(0)
    assert page.title().startswith("Error:"), page.title()
    capture(page, "15-closure-blocked", "closure page listing what blocks it")
    return urlparse(page.url).path


def late_work_must_say_why(page: Page, n: int) -> None:
    """Completing the escalated enquiry without saying why it is late is refused, what was written kept."""
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        [
            re.compile(r"^This was due by 23:59 on .*: choose why it is late$"),
            "Explain why it is late (at least 10 characters)",
        ]
    )
    expect(group(page, "Was it completed?").get_by_label("Yes, it was completed")).to_be_checked()
    capture(page, f"{17 + 2 * n:02d}-finish-late-needs-reason", "complete-or-close page asking why it is late")
    group(page, "Why is this late?").get_by_label(BREACH_REASON).check()
    page.get_by_label("Explain what happened").fill(BREACH_DETAIL)


def complete_from_the_blocker(page: Page, close_path: str, title: str, n: int) -> None:
    page.goto(close_path)
    blockers(page).get_by_role("link", name=re.compile(rf"^'{re.escape(title)}'")).click()
    expect(heading(page)).to_have_text(title)
    capture(page, f"{16 + 2 * n:02d}-action", f"action page of '{title}'")
    page.get_by_role("link", name="Complete or close").click()
    expect(heading(page)).to_have_text(f"Complete or close: {title}")
    group(page, "Was it completed?").get_by_label("Yes, it was completed").check()
    page.get_by_label("What did it find, or why is it being closed?").fill(
        "Completed as planned; what it found is recorded on the action."
    )
    if title == LATE[1]:
        late_work_must_say_why(page, n)
    else:
        expect(group(page, "Why is this late?")).to_have_count(0)
    capture(page, f"{17 + 2 * n:02d}-finish", f"complete-or-close page of '{title}'")
    page.get_by_role("button", name="Save").click()
    expect(banner(page)).to_contain_text(f"'{title}' is completed.")
    expect(page.locator(".govuk-summary-list__row").filter(has_text="Status")).to_contain_text("Completed")
    if n == 0:
        capture(page, "17-finished", f"action page of '{title}', completed")


def record_the_partner_told(page: Page, close_path: str) -> None:
    page.goto(close_path)
    blockers(page).get_by_role("link", name=re.compile(rf"^{PARTNER} has not been told")).click()
    expect(heading(page)).to_have_text(f"Telling {PARTNER}")
    sent = datetime.now(LONDON) - timedelta(minutes=20)
    fill_date(page, "Date it was sent", sent.date())
    page.get_by_label("Time it was sent").fill(f"{sent:%H:%M}")
    page.get_by_label("To whom, how, and any reference").fill(
        "Emailed the duty social worker, J Patel; MASH ref 40211."
    )
    capture(page, "26-notification", "partner notification page")
    page.get_by_role("button", name="Record as sent").click()
    expect(banner(page)).to_contain_text(f"Recorded: {PARTNER} has been told.")


def record_alfies_voice(page: Page, close_path: str) -> None:
    page.goto(close_path)
    blockers(page).get_by_role("link", name=re.compile(rf"^{BROTHER}: record whether")).click()
    expect(heading(page)).to_contain_text(f"{BROTHER}'s voice")
    group(page, "Did you see the child?").get_by_label("Yes").check()
    group(page, "Did you see them alone?").get_by_label("Not appropriate").check()
    page.get_by_label("If not alone, why not?").fill("He is a baby; seen in his grandmother's arms.")
    group(page, "Did you speak to the child?").get_by_label("No").check()
    group(page, "If not, why not?").get_by_label("Pre-verbal").check()
    group(page, "Behaviour and demeanour").get_by_label("Calm").check()
    page.get_by_label("How did what you saw and heard inform your decision?").fill(
        "Clean, fed and content, no marks; staying with his grandmother while the partner is on bail."
    )
    capture(page, "27-voice", "Alfie's voice page")
    page.get_by_role("button", name="Save Alfie's voice").click()
    expect(banner(page)).to_contain_text(f"{BROTHER}'s voice was recorded")
    children = page.locator("table").filter(has=page.get_by_role("columnheader", name="Voice"))
    expect(children.get_by_role("row").filter(has_text=BROTHER)).to_contain_text("Seen, not spoken to: pre-verbal")


def officer_puts_it_forward(page: Page, close_path: str, reference: str) -> None:
    page.goto(close_path)
    expect(heading(page)).to_have_text("Close this investigation")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_text("Every closure condition is met.")).to_be_visible()
    page.get_by_label("Outcome").select_option(label=OUTCOME)
    page.get_by_label("Why is the investigation ready to close?").fill(CLOSURE_RATIONALE)
    capture(page, "28-close", "closure page with the outcome form")
    page.get_by_role("button", name="Put forward for closure").click()
    expect(banner(page)).to_contain_text(f"{reference} put forward for closure: the supervisor must now sign it off.")
    expect(status(page)).to_have_text("Closure awaiting sign-off")
    expect(page.get_by_role("link", name="Close the investigation")).to_have_count(0)
    capture(page, "29-closure-awaiting-sign-off", "investigation awaiting sign-off")


def supervisor_signs_off(page: Page, reference: str) -> None:
    menu(page, "Team investigations")
    waiting = page.locator("table").filter(has=page.get_by_role("columnheader", name="Put forward"))
    waiting.get_by_role("link", name=reference, exact=True).click()
    expect(heading(page)).to_have_text("Closure awaiting sign-off")
    expect(page.locator(".govuk-summary-list__row").filter(has_text="Proposed outcome")).to_contain_text(OUTCOME)
    expect(page.get_by_text(CLOSURE_RATIONALE)).to_be_visible()
    group(page, "Your decision").get_by_label("Sign off the closure").check()
    page.get_by_label("Your rationale").fill(SIGN_OFF)
    capture(page, "30-sign-off", "sign-off page")
    page.get_by_role("button", name="Save decision").click()

    expect(banner(page)).to_contain_text(f"{reference} signed off and closed.")
    expect(status(page)).to_have_text("Closed")
    outcome = page.locator(".govuk-summary-list__row").filter(has=page.locator("dt", has_text="Outcome"))
    expect(outcome).to_contain_text(OUTCOME)
    expect(outcome).to_contain_text("signed off by Sana Whitfield")
    expect(page.get_by_role("link", name="Record a supervisory review")).to_have_count(0)
    expect(plan_table(page).locator(".govuk-tag")).to_have_text(["Completed"] * (len(PLAN) + len(DIRECTIONS)))
    capture(page, "31-closed", "closed investigation")


def test_investigation_from_allocation_to_sign_off(browser: Browser, page: Page, server: str, served: Served) -> None:
    supervisor = page  # the conftest's page; the officer works at a browser of her own
    first_sign_in(supervisor, server, "supervisor")
    reference, path = supervisor_opens_and_allocates(supervisor, served, first_review=today() + timedelta(days=1))
    pk = int(path.strip("/").split("/")[-1])

    with another_page(browser, server) as officer:
        officer_accepts(officer, server, reference, path)
        officer_plans_three_lines(officer)

        supervisor_reviews_with_two_directions(supervisor, path, next_review=today() + timedelta(days=6))

        escalated = in_server(served.env, __name__, f"arrange_overdue_action({pk}, {LATE[1]!r})")
        supervisor_sees_the_escalation(supervisor, reference, escalated)

        in_server(served.env, __name__, f"arrange_more_to_do({pk})")
        close_path = closure_is_blocked(officer, path)
        titles = [title for _, title, _ in PLAN] + [title for title, _, _ in DIRECTIONS]
        for n, title in enumerate(titles):
            complete_from_the_blocker(officer, close_path, title, n)
        record_the_partner_told(officer, close_path)
        record_alfies_voice(officer, close_path)
        officer_puts_it_forward(officer, close_path, reference)

    supervisor_signs_off(supervisor, reference)
    state = in_server(served.env, __name__, f"investigation_state({pk})")
    assert state["status"] == "closed" and state["outcome"] == "1", state
    assert state["signed_off_by"] == "supervisor", state
    assert state["actions"] == ["done"] * 5, state
    assert state["open_clocks"] == 0, state
    assert sorted(set(state["clocks"])) == [
        "investigations.acceptance",
        "investigations.action",
        "investigations.review",
        "investigations.sign_off",
    ], state
    assert state["late"] == [["investigations.action", "awaiting_force"]], state
