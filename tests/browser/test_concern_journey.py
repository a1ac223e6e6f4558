"""Recording a concern, clicked through in a real browser, as the issue describes it.

An officer records a domestic abuse incident with two children present. She finds Jayden, already
known from an earlier concern, by searching a misspelling of his name; adds his baby sister Ruby as
a new person; records Jayden's words and demeanour; is stopped at submission because Ruby has no
voice record; records Ruby as seen but pre-verbal; and submits. Her supervisor endorses it, and
Jayden's page then shows both concerns in his chronology, with his words quoted.

Every main page is screenshotted into artifacts/screenshots and checked with axe-core; the voice gate
is also checked with JavaScript switched off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import DEMO_PASSWORD, fresh_database, manage, serving
from .test_sign_in import SCREENSHOTS, Authenticator, assert_accessible, fill_login, sign_out

pytestmark = pytest.mark.browser

JAYDEN_WORDS = "Dad threw the remote at Mum and I took Ruby upstairs and shut the door."
JAYDEN_EARLIER_WORDS = "There was no food so I made toast for Ruby and me."
ENDORSEMENT = "Agreed high risk: second call-out, children directly exposed; refer to children's social care today."


# --- Set-up: the demo force plus Jayden, already known ---------------------------------------------


def seed_known_child() -> None:
    """Run inside the server's database (``manage.py shell``), after ``seed_demo``: a colleague of the
    demo officer in PPU-NORTH recorded a neglect concern about Jayden four months ago, and the demo
    supervisor endorsed it. Everything goes through the same services the pages use."""
    from django.utils import timezone

    from safeguard.accounts.models import Role, RoleCode, Unit, User
    from safeguard.concerns import services as concerns
    from safeguard.people.models import DobQuality, Gender
    from safeguard.people.services import NewPerson, create_person
    from safeguard.voice.services import VoiceAnswers, record_voice

    unit = Unit.objects.get(code="PPU-NORTH")
    supervisor = User.objects.get(username="supervisor")
    assert unit.supervisor_id == supervisor.pk
    colleague = User.objects.create_user(
        username="colleague", first_name="Daniel", last_name="Price", organisation=unit.organisation, unit=unit
    )
    colleague.roles.set(Role.objects.filter(code=RoleCode.OFFICER))
    jayden = create_person(
        details=NewPerson(
            given_name="Jayden",
            family_name="Whitmore",
            date_of_birth=date(2016, 8, 14),
            dob_quality=DobQuality.STATED,
            gender=Gender.MALE,
            postcode="NS3 2QP",
            address_line1="14 Larch Close",
            town="Northtown",
        ),
        by=colleague,
    )
    occurred = timezone.localtime(timezone.now() - timedelta(days=120)).replace(hour=16, minute=10, second=0)
    earlier = concerns.start_concern(by=colleague)
    earlier.recorded_at = occurred + timedelta(hours=2)  # written up that evening, not today
    earlier.save(update_fields=["recorded_at"])
    concerns.set_when(concern=earlier, occurred_at=occurred, by=colleague)
    concerns.set_where(concern=earlier, location="14 Larch Close, Northtown", postcode="NS3 2QP", by=colleague)
    concerns.set_types(concern=earlier, types=["neglect"], by=colleague)
    concerns.set_summary(
        concern=earlier,
        summary="School reported Jayden arriving hungry for a week; no food in the house.",
        by=colleague,
    )
    concerns.grade_risk(concern=earlier, grade="standard", rationale="First concern; mother engaging.", by=colleague)
    concerns.involve(concern=earlier, person=jayden, roles=["subject_child"], by=colleague)
    record_voice(
        concern=earlier,
        person=jayden,
        answers=VoiceAnswers(
            seen=True,
            seen_alone="yes",
            spoken_to=True,
            childs_words=JAYDEN_EARLIER_WORDS,
            demeanour=["withdrawn", "unkempt"],
            demeanour_narrative="Quiet, ate everything he was offered.",
            wishes_and_feelings="Wants to stay at home with his mum.",
            others_present="None; seen at school.",
            informed_decision="His account of making his own meals confirmed the school's report.",
        ),
        by=colleague,
    )
    concerns.submit_concern(concern=earlier, by=colleague)
    concerns.endorse_concern(concern=earlier, rationale="Agreed: early help referral.", by=supervisor)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As the conftest's ``server``, plus ``seed_known_child`` in the server's database."""
    tmp = tmp_path_factory.mktemp("safeguard-concern-journey")
    with fresh_database(tmp) as env:
        manage(env, "shell", "--command", f"from {__name__} import seed_known_child; seed_known_child()")
        with serving(tmp, env) as base_url:
            yield base_url


# --- Helpers ---------------------------------------------------------------------------------------


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"concern-{name}.png"), full_page=True)
    assert_accessible(page, what)


def first_sign_in(page: Page, server: str, username: str) -> Authenticator:
    """Password, then the authenticator set-up every demo user meets on first sign-in."""
    page.goto("/login/")
    fill_login(page, username, DEMO_PASSWORD)
    expect(page).to_have_url(f"{server}/login/set-up-authenticator/")
    phone = Authenticator(page.get_by_test_id("totp-secret").inner_text())
    page.get_by_label("Security code").fill(phone.code())
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{server}/")
    return phone


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def group(page: Page, legend: str) -> Locator:
    """A fieldset by its legend: radios and checkboxes share labels like "Yes" across questions."""
    return page.get_by_role("group", name=legend, exact=True)


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def fill_date(page: Page, legend: str, day: date) -> None:
    fields = group(page, legend)
    fields.get_by_label("Day").fill(str(day.day))
    fields.get_by_label("Month").fill(str(day.month))
    fields.get_by_label("Year").fill(str(day.year))


def search_person(page: Page, given: str, family: str, *, born: date | None = None, postcode: str = "") -> None:
    expect(heading(page)).to_have_text("Have we seen this person before?")
    page.get_by_label("First name").fill(given)
    page.get_by_label("Last name").fill(family)
    if born:
        fill_date(page, "Date of birth", born)
    if postcode:
        page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Search").click()


def choose_roles(page: Page, name: str, *roles: str) -> None:
    expect(heading(page)).to_have_text(f"{name}'s part in this concern")
    for role in roles:
        group(page, "What is their part in this concern?").get_by_label(role, exact=True).check()
    continue_(page)
    expect(heading(page)).to_have_text("People involved")


def voice_link(page: Page, name: str) -> Locator:
    return page.locator(".govuk-task-list").get_by_role("link", name=re.compile(rf"^{name}\b"))


def voice_status(page: Page, name: str) -> Locator:
    """The task-list status of a child's voice record ("Not yet recorded", "Completed")."""
    task = page.locator(".govuk-task-list__item").filter(has=page.get_by_role("link", name=re.compile(rf"^{name}\b")))
    return task.locator(".govuk-task-list__status")


# --- The officer ----------------------------------------------------------------------------------


def record_the_incident(page: Page, occurred: date) -> None:
    """From 'My concerns' through the question pages to the (empty) people page."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My concerns").click()
    page.get_by_role("button", name="Record a concern").click()
    expect(heading(page)).to_have_text("Record a concern")
    capture(page, "01-start", "start page")
    page.get_by_role("button", name="Start now").click()

    expect(heading(page)).to_have_text("When did it happen?")
    fill_date(page, "Date it happened", occurred)
    page.get_by_label("Time it happened").fill("21:30")
    capture(page, "02-when", "'when' question")
    continue_(page)

    expect(heading(page)).to_have_text("Where did it happen?")
    page.get_by_label("Address or place").fill("14 Larch Close, Northtown")
    page.get_by_label("Postcode (if known)").fill("NS3 2QP")
    capture(page, "03-where", "'where' question")
    continue_(page)

    expect(heading(page)).to_have_text("What kind of concern is it?")
    expect(
        page.locator(".govuk-checkboxes__item").first,
        "choices should render as GOV.UK checkboxes (safeguard/templates/django/forms/widgets/checkbox_select.html)",
    ).to_be_visible()
    page.get_by_label("Domestic abuse with a child present or normally resident").check()
    capture(page, "04-type", "type question")
    continue_(page)

    expect(heading(page)).to_have_text("What happened?")
    page.get_by_label("Describe what happened").fill(
        "Neighbour called 999 hearing screaming and glass breaking. Father had left before we arrived; "
        "mother had a cut to her hand. Jayden (10) and his baby sister Ruby were upstairs."
    )
    capture(page, "05-what-happened", "'what happened' question")
    continue_(page)

    expect(heading(page)).to_have_text("What is the risk to the children?")
    expect(
        page.locator(".govuk-radios__item").first,
        "choices should render as GOV.UK radios (safeguard/templates/django/forms/widgets/radio.html)",
    ).to_be_visible()
    group(page, "Risk grade").get_by_label("High").check()
    page.get_by_label("Why this grade?").fill(
        "Second call-out to the address; injury to mother; both children present; father's whereabouts unknown."
    )
    capture(page, "06-risk", "risk question")
    continue_(page)

    expect(heading(page)).to_have_text("People involved")
    expect(page.get_by_text("No one added yet.")).to_be_visible()
    capture(page, "07-people-empty", "people page before anyone is added")


def add_jayden_by_a_misspelling(page: Page) -> None:
    page.get_by_role("link", name="Add a person").click()
    capture(page, "08-find-person", "'have we seen this person before?' page")
    search_person(page, "Jaden", "Whitmoore", born=date(2016, 8, 14))

    expect(page.locator("#results")).to_contain_text("possible match")
    jayden = page.get_by_role("row").filter(has=page.get_by_role("link", name="Jayden Whitmore", exact=True))
    expect(jayden).to_have_count(1)
    expect(jayden).to_contain_text("14 Aug 2016")
    expect(jayden).to_contain_text("spelt similarly")
    expect(page.get_by_role("link", name="Add a new person")).to_be_visible()
    capture(page, "09-search-results", "search results")
    jayden.get_by_role("link", name=re.compile("^Choose")).click()

    expect(page.get_by_text("Born 14 August 2016 (stated).")).to_be_visible()
    capture(page, "10-involve", "'their part' page")
    choose_roles(page, "Jayden Whitmore", "Subject child", "Victim")
    expect(voice_status(page, "Jayden Whitmore")).to_have_text("Not yet recorded")


def add_ruby_as_a_new_person(page: Page, born: date) -> None:
    page.get_by_role("link", name="Add a person").click()
    search_person(page, "Ruby", "Whitmore", postcode="NS3 2QP")
    expect(page.get_by_role("link", name=re.compile("^Ruby Whitmore"))).to_have_count(0)
    page.get_by_role("link", name="Add a new person").click()

    expect(heading(page)).to_have_text("Add a new person")
    # What was searched for is carried over, so it is not typed twice.
    expect(page.get_by_label("First name")).to_have_value("Ruby")
    expect(page.get_by_label("Last name")).to_have_value("Whitmore")
    expect(page.get_by_label("Postcode")).to_have_value("NS3 2QP")
    fill_date(page, "Date of birth", born)
    page.get_by_label("Stated (told to the officer)").check()
    group(page, "Gender").get_by_label("Female").check()
    page.get_by_label("Address line 1").fill("14 Larch Close")
    page.get_by_label("Town").fill("Northtown")
    capture(page, "11-new-person", "new person page")
    continue_(page)

    choose_roles(page, "Ruby Whitmore", "Subject child")
    expect(voice_status(page, "Ruby Whitmore")).to_have_text("Not yet recorded")
    capture(page, "12-people", "people page with both children")


def record_jaydens_voice(page: Page) -> None:
    voice_link(page, "Jayden Whitmore").click()
    expect(heading(page)).to_contain_text("Jayden Whitmore's voice")
    group(page, "Did you see the child?").get_by_label("Yes").check()
    group(page, "Did you see them alone?").get_by_label("Yes").check()
    group(page, "Did you speak to the child?").get_by_label("Yes").check()
    page.get_by_label("The child's own words").fill(JAYDEN_WORDS)
    behaviour = group(page, "Behaviour and demeanour")
    behaviour.get_by_label("Frightened").check()
    behaviour.get_by_label("Hypervigilant or 'frozen watchfulness'").check()
    page.get_by_label("Describe their behaviour and demeanour").fill(
        "Sat very still, watching the door; flinched when the front door banged."
    )
    page.get_by_label("Their wishes and feelings").fill("Wants Dad not to come back tonight.")
    page.get_by_label("Who else was present?").fill("Nobody; spoken to in his bedroom with PC Marsh's colleague.")
    page.get_by_label("How did what you saw and heard inform your decision?").fill(
        "He protected his sister himself and is frightened of his father returning: raised the grade to high."
    )
    capture(page, "13-voice-jayden", "Jayden's voice page")
    page.get_by_role("button", name="Save Jayden's voice").click()
    expect(heading(page)).to_have_text("People involved")
    expect(voice_status(page, "Jayden Whitmore")).to_have_text("Completed")


def the_gate_stops_submission(page: Page) -> str:
    """Submitting with Ruby's voice missing: the error summary names her. Returns the check page path."""
    page.get_by_role("link", name="Continue").click()
    expect(heading(page)).to_have_text("Check your answers before submitting")
    check_path = urlparse(page.url).path
    page.get_by_role("button", name="Submit to supervisor").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("You cannot submit this concern yet")
    expect(summary.get_by_role("listitem")).to_have_count(1)
    expect(summary).to_contain_text("Ruby Whitmore: record whether they were seen and spoken to")
    expect(summary).not_to_contain_text("Jayden")
    capture(page, "14-voice-gate", "check page with the voice gate error")
    return check_path


def the_gate_works_without_javascript(browser: Browser, page: Page, server: str, check_path: str) -> None:
    """The same refusal in a context with JavaScript off (same session), so it never depends on it."""
    context = browser.new_context(
        base_url=server, java_script_enabled=False, storage_state=page.context.storage_state()
    )
    try:
        nojs = context.new_page()
        nojs.goto(check_path)
        expect(nojs.locator("body")).not_to_have_class(re.compile("js-enabled"))
        nojs.get_by_role("button", name="Submit to supervisor").click()
        expect(nojs.locator(".govuk-error-summary")).to_contain_text("Ruby Whitmore: record whether")
        expect(nojs.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting")
    finally:
        context.close()


def record_rubys_voice_and_submit(page: Page) -> str:
    """Ruby is seen but pre-verbal. Returns the submitted concern's reference."""
    page.get_by_role("link", name="Record Ruby's voice").click()
    expect(heading(page)).to_contain_text("Ruby Whitmore's voice")
    group(page, "Did you see the child?").get_by_label("Yes").check()
    group(page, "Did you see them alone?").get_by_label("Not appropriate").check()
    page.get_by_label("If not alone, why not?").fill("She is a baby; seen in her mother's arms.")
    group(page, "Did you speak to the child?").get_by_label("No").check()
    group(page, "If not, why not?").get_by_label("Pre-verbal").check()
    group(page, "Behaviour and demeanour").get_by_label("Calm").check()
    page.get_by_label("How did what you saw and heard inform your decision?").fill(
        "Clean, fed and settled, no marks seen; her age makes her the most vulnerable in the house."
    )
    capture(page, "15-voice-ruby", "Ruby's voice page")
    page.get_by_role("button", name="Save Ruby's voice").click()
    expect(voice_status(page, "Ruby Whitmore")).to_have_text("Completed")

    page.get_by_role("link", name="Continue").click()
    expect(heading(page)).to_have_text("Check your answers before submitting")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_role("heading", name="Still to do")).to_have_count(0)
    expect(page.get_by_text("Domestic abuse with a child present or normally resident")).to_be_visible()
    expect(page.locator("blockquote.sg-quote")).to_contain_text(JAYDEN_WORDS)
    expect(page.get_by_text("No – Pre-verbal")).to_be_visible()
    capture(page, "16-check-answers", "check your answers page")
    page.get_by_role("button", name="Submit to supervisor").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("submitted to your supervisor")
    reference = re.search(r"PPN-\d{4}-\d+", banner.inner_text())
    assert reference, banner.inner_text()
    expect(heading(page)).to_have_text(f"Concern {reference[0]}")
    expect(page.get_by_text("Awaiting supervisor")).to_be_visible()
    capture(page, "17-submitted", "submitted concern page")
    return reference[0]


# --- The supervisor -------------------------------------------------------------------------------


def supervisor_endorses(page: Page, reference: str) -> str:
    """From Team concerns to the decision. Returns the concern's path."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Team concerns").click()
    expect(heading(page)).to_have_text("Team concerns to review")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference, exact=True))
    expect(row).to_contain_text("High risk")
    expect(row).to_contain_text("Olivia Marsh")
    capture(page, "18-team-queue", "team concerns page")
    row.get_by_role("link", name=reference).click()
    concern_path = urlparse(page.url).path

    expect(heading(page)).to_have_text(f"Concern {reference}")
    page.get_by_role("link", name="Endorse or return").click()
    expect(heading(page)).to_have_text("Endorse or return this concern")
    expect(page.locator("blockquote.sg-quote")).to_contain_text(JAYDEN_WORDS)
    # Both voice records pass the quality checks, so no override is asked for.
    expect(page.get_by_text("fail these quality checks")).to_have_count(0)
    group(page, "Your decision").get_by_label("Endorse").check()
    page.get_by_label("Your rationale").fill(ENDORSEMENT)
    capture(page, "19-supervisor-review", "supervisor's review page")
    page.get_by_role("button", name="Save decision").click()

    expect(heading(page)).to_have_text("Team concerns to review")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{reference} endorsed.")
    expect(page.get_by_role("link", name=reference, exact=True)).to_have_count(0)
    return concern_path


def jaydens_page_shows_both_concerns(page: Page, concern_path: str, reference: str) -> None:
    page.goto(concern_path)
    expect(page.get_by_text("Endorsed", exact=True)).to_be_visible()
    expect(page.get_by_text(ENDORSEMENT)).to_be_visible()
    page.get_by_role("link", name="Jayden Whitmore", exact=True).click()

    expect(heading(page)).to_have_text("Jayden Whitmore")
    timeline = page.locator(".sg-timeline > .sg-timeline__item")
    expect(timeline).to_have_count(2)
    newest, earlier = timeline.nth(0), timeline.nth(1)
    expect(newest.get_by_role("link", name=reference, exact=True)).to_be_visible()
    expect(newest).to_contain_text("Domestic abuse with a child present or normally resident")
    expect(newest).to_contain_text("Subject child, Victim")
    expect(newest).to_contain_text("High risk")
    expect(newest).to_contain_text("Endorsed")
    expect(newest.locator("blockquote.sg-quote")).to_have_text(f"\u201c{JAYDEN_WORDS}\u201d")
    expect(newest).to_contain_text("Frightened")
    expect(earlier).to_contain_text("Neglect")
    expect(earlier).to_contain_text("Endorsed")
    expect(earlier.locator("blockquote.sg-quote")).to_have_text(f"\u201c{JAYDEN_EARLIER_WORDS}\u201d")
    capture(page, "20-child-page", "Jayden's page")

    # Ruby's page: her one concern, with the coded reason she was not spoken to.
    page.goto(concern_path)
    page.get_by_role("link", name="Ruby Whitmore", exact=True).click()
    expect(heading(page)).to_have_text("Ruby Whitmore")
    expect(page.locator(".sg-timeline > .sg-timeline__item")).to_have_count(1)
    expect(page.get_by_text("Not spoken to: Pre-verbal")).to_be_visible()


# --- The journey ----------------------------------------------------------------------------------


def test_officer_records_a_concern_and_supervisor_endorses_it(browser: Browser, page: Page, server: str) -> None:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    occurred = today - timedelta(days=1)  # 21:30 yesterday is in the past whatever the time now
    ruby_born = date(today.year - 1, 3, 2)

    first_sign_in(page, server, "officer")
    record_the_incident(page, occurred)
    add_jayden_by_a_misspelling(page)
    add_ruby_as_a_new_person(page, ruby_born)
    record_jaydens_voice(page)
    check_path = the_gate_stops_submission(page)
    the_gate_works_without_javascript(browser, page, server, check_path)
    reference = record_rubys_voice_and_submit(page)
    sign_out(page, server)

    first_sign_in(page, server, "supervisor")
    concern_path = supervisor_endorses(page, reference)
    jaydens_page_shows_both_concerns(page, concern_path, reference)
