"""The investigation pages the journey does not reach, in a real browser, each checked with axe-core in
the state people meet it.

On the seeded demo force, three investigations in PPU-NORTH arranged through the services (each from a
submitted concern of the demo officer's, about a child seen and spoken to):

- one allocated to the officer and not yet accepted: the officer's "My investigations", the accept page
  refusing a decline with no reason, and the supervisor's reallocation page refusing an empty form;
- one the officer accepted, with a line of enquiry in its plan: the officer finds Ellie Hargreaves
  (known to the force, in no concern) and adds her, opens Ellie's voice page, says a partner must be
  told and opens that notification; records progress against the action and opens its correction;
  opens the action to edit while the supervisor saves a change to it, so her save is refused and the
  edit conflict is shown; opens the complete-or-close page. The supervisor's review page refuses an
  empty review with the error summary, then a check answered "No" with no direction;
- one put forward for closure: the supervisor deciding on its closure page, and the officer waiting.

Also "Team investigations" for the supervisor and for the hub, and the open page refusing an empty form.
Every page is screenshotted into artifacts/screenshots (``investigation-a11y-*.png``) and axe-core must
find nothing. Two more checks: keyboard only, the review's "Add another direction" and its radios are
reached with Tab and worked with Enter, Space and the arrow keys; and with JavaScript off, a review is
still recorded.

As in the journey, the server's database is a fresh SQLite file, or a fresh PostgreSQL database when
the test run itself is on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import fresh_database, in_server, serving
from .test_concern_journey import fill_date, first_sign_in, group, heading
from .test_investigation_journey import LONDON, another_page, banner, capture, plan_row, today
from .test_overdue_work_journey import menu, work_row
from .test_timescales_pages_accessibility import error_summary, skip_to_main, tab_to

if TYPE_CHECKING:  # the set-up runs inside the server, where these are imported when it runs
    from safeguard.accounts.models import User
    from safeguard.concerns.models import Concern
    from safeguard.investigations.models import Investigation

pytestmark = pytest.mark.browser

ELLIE = "Ellie Hargreaves"
ACTION = "ABE interview of Noah by a trained interviewer"
VOICE_CHECK = "The child's voice has been captured and used in decisions"
CHECKS = (
    VOICE_CHECK,
    "Every line of enquiry has been pursued, or closed with a reason",
    "Partners have been informed",
    "Any delay is justified",
)


# --- Set-up, run inside the server's database (``manage.py shell``) ---------------------------------


def _submitted_concern(officer: User, given: str, family: str, born: date) -> Concern:
    """A complete concern by ``officer`` about one child, seen and spoken to, submitted."""
    from django.utils import timezone

    from safeguard.concerns import services as concerns
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person
    from safeguard.voice.services import VoiceAnswers, record_voice

    child = create_person(
        details=NewPerson(given_name=given, family_name=family, date_of_birth=born, dob_quality=DobQuality.STATED),
        by=officer,
    )
    concern = concerns.start_concern(by=officer)
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timedelta(hours=30), by=officer)
    concerns.set_where(concern=concern, location="3 Mill Street, Northtown", postcode="NS4 1PL", by=officer)
    concerns.set_types(concern=concern, types=["neglect"], by=officer)
    concerns.set_summary(concern=concern, summary=f"School reported {given} arriving hungry and unwashed.", by=officer)
    concerns.grade_risk(concern=concern, grade="high", rationale="Repeated, and the child is very young.", by=officer)
    concerns.involve(concern=concern, person=child, roles=["subject_child"], by=officer)
    record_voice(
        concern=concern,
        person=child,
        answers=VoiceAnswers(
            seen=True,
            seen_alone="yes",
            spoken_to=True,
            childs_words="There's no food at home so I wait for breakfast club.",
            demeanour=["withdrawn"],
            demeanour_narrative="Quiet, ate quickly.",
            wishes_and_feelings="Wants to stay with mum.",
            others_present="None; seen at school.",
            informed_decision="Their account confirmed the school's report.",
        ),
        by=officer,
    )
    concerns.submit_concern(concern=concern, by=officer)
    return concern


def arrange_investigations() -> None:
    """After ``seed_demo``: an investigation awaiting the officer's acceptance, one under investigation
    with one line of enquiry, one awaiting sign-off; a submitted concern not yet investigated; and Ellie,
    a child known to the force. Prints their ids and references as JSON."""
    from safeguard.accounts.models import User
    from safeguard.investigations import services
    from safeguard.investigations.models import LineOfEnquiry
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person

    officer, supervisor = User.objects.get(username="officer"), User.objects.get(username="supervisor")
    first_review = services.latest_first_review_on(services.today())

    def investigate(given: str, family: str, born: date) -> Investigation:
        return services.open_investigation(
            concerns=[_submitted_concern(officer, given, family, born)],
            officer=officer,
            summary=f"Neglect of {given}: no food in the home, not brought to health appointments.",
            risk_grade="high",
            risk_rationale="Chronic neglect of a young child.",
            first_review_on=first_review,
            by=supervisor,
        )

    allocated = investigate("Lily", "Cartwright", date(2019, 2, 3))
    active = investigate("Noah", "Pemberton", date(2018, 9, 21))
    services.accept_investigation(investigation=active, by=officer)
    action = services.add_action(
        investigation=active,
        details=services.ActionDetails(
            kind=LineOfEnquiry.ABE_INTERVIEW, title=ACTION, owner=officer, due_on=services.today() + timedelta(days=3)
        ),
        by=officer,
    )
    closing = investigate("Ruby", "Ashdown", date(2020, 11, 30))
    services.accept_investigation(investigation=closing, by=officer)
    services.propose_closure(
        investigation=closing,
        outcome="nc_safeguarded",
        rationale="Family engaging with early help; food bank and health visitor in place.",
        by=officer,
    )
    waiting = _submitted_concern(officer, "Theo", "Blackwood", date(2016, 4, 8))
    create_person(
        details=NewPerson(
            given_name="Ellie", family_name="Hargreaves", date_of_birth=date(2015, 7, 19), dob_quality=DobQuality.STATED
        ),
        by=officer,
    )
    print(
        json.dumps(
            {
                "allocated": [allocated.pk, allocated.reference],
                "active": [active.pk, active.reference],
                "action": action.pk,
                "closing": [closing.pk, closing.reference],
                "concern": waiting.pk,
            }
        )
    )


# --- The server -------------------------------------------------------------------------------------


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    allocated: list[int | str]
    active: list[int | str]
    action: int
    closing: list[int | str]
    concern: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database of the server's own, with the investigations arranged in it."""
    tmp = tmp_path_factory.mktemp("safeguard-investigation-pages")
    with fresh_database(tmp) as env:
        yield Served(tmp, env, **in_server(env, __name__, "arrange_investigations()"))


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def officer(browser: Browser, server: str) -> Iterator[Page]:
    """The demo officer, signed in once for the module (a second sign-in would need a fresh code)."""
    with another_page(browser, server) as page:
        first_sign_in(page, server, "officer")
        yield page


@pytest.fixture(scope="module")
def supervisor(browser: Browser, server: str) -> Iterator[Page]:
    """The officer's supervisor, signed in once for the module."""
    with another_page(browser, server) as page:
        first_sign_in(page, server, "supervisor")
        yield page


# --- Helpers ----------------------------------------------------------------------------------------


def refused(page: Page) -> Locator:
    """The error summary, each of whose links must lead to a field on the page (GOV.UK: the link moves
    the focus to the question)."""
    summary = error_summary(page)
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href") or ""
        assert target.startswith("#"), target
        expect(page.locator(f"[id='{target[1:]}']"), f"{link.inner_text()} leads nowhere").to_have_count(1)
    return summary


# --- The officer ------------------------------------------------------------------------------------


def my_investigations_and_accept(page: Page, served: Served) -> None:
    menu(page, "My investigations")
    expect(heading(page)).to_have_text("My investigations")
    for (_, reference), shown in ((served.allocated, "Awaiting acceptance"), (served.closing, "Closure awaiting")):
        expect(work_row(page, str(reference)).locator(".govuk-tag").first).to_contain_text(shown)
    capture(page, "a11y-01-my-investigations", "officer's My investigations page")

    work_row(page, str(served.allocated[1])).get_by_role("link", name=re.compile("^Accept or decline")).click()
    expect(heading(page)).to_have_text("Accept or decline this investigation")
    capture(page, "a11y-02-accept", "accept-or-decline page")
    group(page, "Will you take this investigation?").get_by_label("No, I cannot take it").check()
    page.get_by_role("button", name="Save").click()
    expect(refused(page).get_by_role("link")).to_have_text(["Say why you cannot take it"])
    capture(page, "a11y-03-accept-decline-needs-reason", "accept page refusing a decline with no reason")


def find_and_add_ellie(page: Page, served: Served) -> None:
    page.goto(f"/investigations/{served.active[0]}/")
    page.get_by_role("link", name="Add a person").click()
    expect(heading(page)).to_have_text("Find a person to add")
    capture(page, "a11y-04-find-person", "find-a-person page")
    page.get_by_label("First name").fill("Elly")
    page.get_by_label("Last name").fill("Hargreaves")
    page.get_by_role("button", name="Search").click()
    ellie = page.get_by_role("row").filter(has=page.get_by_role("link", name=ELLIE, exact=True))
    expect(ellie).to_have_count(1)
    capture(page, "a11y-05-find-person-results", "find-a-person page with results")
    ellie.get_by_role("link", name=re.compile("^Choose")).click()

    expect(heading(page)).to_have_text(f"{ELLIE}'s part in this investigation")
    capture(page, "a11y-06-add-person", "add-a-person page")
    page.get_by_role("button", name="Add to the investigation").click()
    expect(refused(page)).to_contain_text("Choose their part in this investigation")
    capture(page, "a11y-07-add-person-no-part", "add-a-person page refusing an empty part")
    group(page, "What is their part in this investigation?").get_by_label("Witness").check()
    page.get_by_role("button", name="Add to the investigation").click()
    expect(banner(page)).to_contain_text(f"{ELLIE} is in this investigation as Witness.")

    page.get_by_role("link", name=f"Record {ELLIE}'s voice").click()
    expect(heading(page)).to_contain_text(f"{ELLIE}'s voice")
    capture(page, "a11y-08-voice", "a child's voice page in an investigation")
    page.get_by_role("button", name="Save Ellie's voice").click()
    expect(refused(page).get_by_role("link")).to_have_count(2)  # seen? spoken to?
    capture(page, "a11y-09-voice-errors", "voice page refusing an empty record")


def partner_to_notify(page: Page, served: Served) -> None:
    page.goto(f"/investigations/{served.active[0]}/")
    page.get_by_role("link", name="Partner to notify").click()
    expect(heading(page)).to_have_text("A partner who must be told")
    capture(page, "a11y-10-require-notification", "require-a-notification page")
    group(page, "Which partner must be told?").get_by_label("Health").check()
    page.get_by_label("What must they be told, and why?").fill("Noah's missed health appointments and the plan.")
    page.get_by_role("button", name="Save").click()
    expect(banner(page)).to_contain_text("Health must be told before the investigation can close.")

    partners = page.locator("table").filter(has=page.get_by_role("columnheader", name="Partner", exact=True))
    partners.get_by_role("link", name="Health", exact=True).click()
    expect(heading(page)).to_have_text("Telling Health")
    capture(page, "a11y-11-notification", "partner notification page, not yet sent")
    page.get_by_role("button", name="Record as sent").click()
    expect(refused(page)).to_contain_text("Enter the date it was sent")
    capture(page, "a11y-12-notification-errors", "notification page refusing an empty form")


def record_and_correct_an_entry(page: Page, served: Served) -> None:
    page.goto(f"/investigations/{served.active[0]}/")
    plan_row(page, ACTION).get_by_role("link", name=ACTION).click()
    expect(heading(page)).to_have_text(ACTION)
    page.get_by_role("link", name="Record progress, evidence or a decision").click()
    expect(heading(page)).to_have_text("Record progress, evidence or a decision")
    capture(page, "a11y-13-record-entry", "record-an-entry page")
    happened = datetime.now(LONDON) - timedelta(minutes=30)
    group(page, "What are you recording?").get_by_label("Progress").check()
    page.get_by_label("What happened").fill("Interview booked at the suite in Northtown for Thursday.")
    fill_date(page, "Date it happened", happened.date())
    page.get_by_label("Time it happened").fill(f"{happened:%H:%M}")
    page.get_by_role("button", name="Save").click()
    expect(banner(page)).to_contain_text("Your progress entry was recorded.")

    page.get_by_role("link", name=re.compile("^Correct the progress recorded for")).click()
    expect(heading(page)).to_have_text("Correct a record")
    expect(page.get_by_label("What happened")).to_have_value(re.compile("Interview booked"))
    capture(page, "a11y-14-correct-entry", "correct-an-entry page")


def edit_conflict(page: Page, supervisor: Page, served: Served) -> None:
    """The officer opens the action to edit; the supervisor saves a change first; the officer's save is
    refused and she is shown what the supervisor saved beside her own change."""
    page.goto(f"/investigations/actions/{served.action}/edit/")
    expect(heading(page)).to_have_text("Change this line of enquiry")
    capture(page, "a11y-15-edit-action", "edit-an-action page")

    supervisor.goto(f"/investigations/actions/{served.action}/edit/")
    supervisor.get_by_label("What is to be done").fill(f"{ACTION}, with an intermediary")
    supervisor.get_by_role("button", name="Save changes").click()
    expect(banner(supervisor)).to_contain_text("was updated")

    page.get_by_label("Detail (optional)").fill("Noah prefers a female interviewer.")
    page.get_by_role("button", name="Save changes").click()
    expect(refused(page)).to_contain_text("Sana Whitfield changed this action at")
    expect(page.get_by_role("heading", name="What Sana Whitfield saved")).to_be_visible()
    differences = page.locator("table").filter(has=page.get_by_role("columnheader", name="Your changes"))
    expect(differences.get_by_role("row").filter(has_text="What is to be done")).to_contain_text("with an intermediary")
    expect(page.get_by_role("button", name="Save my changes instead")).to_be_visible()
    capture(page, "a11y-16-edit-conflict", "edit-an-action page showing an edit conflict")


def finish_action(page: Page, served: Served) -> None:
    page.goto(f"/investigations/actions/{served.action}/")
    page.get_by_role("link", name="Complete or close").click()
    expect(heading(page)).to_have_text(re.compile("^Complete or close: "))
    capture(page, "a11y-17-finish-action", "complete-or-close page")
    page.get_by_role("button", name="Save").click()
    expect(refused(page)).to_contain_text("Say whether it was completed")
    capture(page, "a11y-18-finish-action-errors", "complete-or-close page refusing an empty form")


def officer_waits_for_sign_off(page: Page, served: Served) -> None:
    page.goto(f"/investigations/{served.closing[0]}/close/")
    expect(heading(page)).to_have_text("Closure awaiting sign-off")
    expect(page.get_by_text("Waiting for the supervisor of the officer in the case")).to_be_visible()
    capture(page, "a11y-19-close-waiting", "closure page of an officer waiting for sign-off")


# --- The supervisor and the hub --------------------------------------------------------------------


def team_and_allocate(page: Page, served: Served) -> None:
    menu(page, "Team investigations")
    expect(heading(page)).to_have_text("Team investigations")
    expect(page.get_by_role("link", name=str(served.allocated[1]), exact=True)).to_be_visible()
    capture(page, "a11y-20-team-investigations", "supervisor's Team investigations page")

    page.get_by_role("link", name=str(served.allocated[1]), exact=True).click()
    page.get_by_role("link", name="Reallocate").click()
    expect(heading(page)).to_have_text("Reallocate this investigation")
    capture(page, "a11y-21-allocate", "reallocation page")
    page.get_by_role("button", name="Allocate").click()
    expect(refused(page).get_by_role("link")).to_have_text(["Choose the officer", "Say why"])
    capture(page, "a11y-22-allocate-errors", "reallocation page refusing an empty form")


def open_page_errors(page: Page, served: Served) -> None:
    page.goto(f"/investigations/open/?concern={served.concern}")
    expect(heading(page)).to_have_text("Open an investigation")
    page.get_by_role("button", name="Open the investigation").click()
    expect(refused(page)).to_contain_text("Say what is being investigated")
    capture(page, "a11y-23-open-errors", "open-an-investigation page refusing an empty form")


def review_errors(page: Page, served: Served) -> None:
    page.goto(f"/investigations/{served.active[0]}/review/")
    expect(heading(page)).to_have_text("Record a supervisory review")
    page.get_by_role("button", name="Record the review").click()
    summary = refused(page)
    expect(summary).to_contain_text("Record your rationale")
    expect(summary).to_contain_text(f"Answer: {VOICE_CHECK.lower()}?")
    expect(summary).to_contain_text("Enter the date of the next review")
    capture(page, "a11y-24-review-errors", "review page with its error summary")

    # A gap with no direction: refused by the service, said at the top.
    page.get_by_label("Your rationale").fill("Good progress; the ABE interview is booked for this week.")
    for question in CHECKS:
        group(page, question).get_by_label("No: directed below" if question == VOICE_CHECK else "Yes").check()
    fill_date(page, "Date of the next review", today() + timedelta(days=5))
    page.get_by_role("button", name="Record the review").click()
    expect(refused(page)).to_contain_text("A check answered 'no' needs a direction")
    capture(page, "a11y-25-review-gap-needs-direction", "review page refusing a gap with no direction")


def review_by_keyboard(page: Page, served: Served) -> None:
    """Keyboard only: Tab to "Add another direction" and press Enter; then Tab to the first check's
    radios, choose with Space and move the choice with an arrow key."""
    page.goto(f"/investigations/{served.active[0]}/review/")
    skip_to_main(page)
    more = page.get_by_role("link", name="Add another direction")
    tab_to(page, more, limit=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]directions=4$"))
    expect(page.get_by_role("group", name=re.compile(r"^Direction \d+$"))).to_have_count(4)

    skip_to_main(page)
    voice = group(page, VOICE_CHECK)
    tab_to(page, voice.get_by_label("Yes", exact=True), limit=30)
    page.keyboard.press("Space")
    expect(voice.get_by_label("Yes", exact=True)).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(voice.get_by_label("No: directed below")).to_be_checked()
    expect(voice.get_by_label("No: directed below")).to_be_focused()
    page.keyboard.press("Tab")
    expect(group(page, CHECKS[1]).get_by_label("Yes", exact=True)).to_be_focused()
    capture(page, "a11y-26-review-four-directions", "review page with four direction rows")


def review_without_javascript(browser: Browser, page: Page, server: str, served: Served) -> None:
    """The same session with JavaScript off: the review form is plain HTML and still records a review."""
    context = browser.new_context(
        base_url=server, java_script_enabled=False, storage_state=page.context.storage_state()
    )
    try:
        nojs = context.new_page()
        nojs.goto(f"/investigations/{served.active[0]}/review/")
        expect(nojs.locator("body")).not_to_have_class(re.compile("js-enabled"))
        nojs.get_by_label("Your rationale").fill("Interview booked; partners told; no delay. Plan is right.")
        for question in CHECKS:
            group(nojs, question).get_by_label("Yes", exact=True).check()
        fill_date(nojs, "Date of the next review", today() + timedelta(days=5))
        nojs.get_by_role("button", name="Record the review").click()
        expect(banner(nojs)).to_contain_text(f"Review of {served.active[1]} recorded.")
        expect(heading(nojs)).to_have_text(f"Investigation {served.active[1]}")
    finally:
        context.close()


def sign_off_page(page: Page, served: Served) -> None:
    menu(page, "Team investigations")
    waiting = page.locator("table").filter(has=page.get_by_role("columnheader", name="Put forward"))
    waiting.get_by_role("link", name=str(served.closing[1]), exact=True).click()
    expect(heading(page)).to_have_text("Closure awaiting sign-off")
    expect(group(page, "Your decision")).to_be_visible()
    capture(page, "a11y-27-sign-off", "closure page of a supervisor deciding")
    page.get_by_role("button", name="Save decision").click()
    expect(refused(page)).to_contain_text("Say whether you sign off or refuse the closure")
    capture(page, "a11y-28-sign-off-errors", "sign-off page refusing an empty decision")


def hub_team(page: Page) -> None:
    menu(page, "Team investigations")
    expect(heading(page)).to_have_text("Team investigations")
    expect(page.get_by_text("Open investigations across the force")).to_be_visible()
    capture(page, "a11y-29-hub-team-investigations", "hub's Team investigations page")


# --- The tests --------------------------------------------------------------------------------------


def test_officer_pages_are_accessible(officer: Page, supervisor: Page, served: Served) -> None:
    my_investigations_and_accept(officer, served)
    find_and_add_ellie(officer, served)
    partner_to_notify(officer, served)
    record_and_correct_an_entry(officer, served)
    edit_conflict(officer, supervisor, served)
    finish_action(officer, served)
    officer_waits_for_sign_off(officer, served)


def test_supervisor_and_hub_pages_are_accessible(
    browser: Browser, server: str, supervisor: Page, served: Served
) -> None:
    team_and_allocate(supervisor, served)
    open_page_errors(supervisor, served)
    review_errors(supervisor, served)
    sign_off_page(supervisor, served)
    with another_page(browser, server) as hub:
        first_sign_in(hub, server, "hub")
        hub_team(hub)


def test_review_directions_and_checks_work_by_keyboard(supervisor: Page, served: Served) -> None:
    review_by_keyboard(supervisor, served)


def test_review_is_recorded_without_javascript(browser: Browser, server: str, supervisor: Page, served: Served) -> None:
    review_without_javascript(browser, supervisor, server, served)
