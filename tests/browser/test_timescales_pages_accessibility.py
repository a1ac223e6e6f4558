"""The timescales pages in a real browser, each checked with axe-core, in the states people meet them.

On the seeded demo force, plus a busy week in PPU-NORTH arranged through the services (the officer
submits 45 concerns about 45 children, so the supervisor's team list runs to a second page; one
high-risk decision is made due soon, as if submitted three and a half hours ago):

- the officer's home page ("You owe ...") and "My work";
- the supervisor's home page, "My work", "My team" (first page, second page, filtered to overdue work)
  and "Team concerns" with its "Decision due" column;
- the hub's home page, hub queue, a demo child's open cumulative review and that child's page, both
  with their "Timescales" table, and the hub's "My team";
- the admin's "Rules and timescales", the change page of an hours value and of a time of day, a change
  refused (no reason; then "abc") with its error summary, a change made and listed under "Changes",
  and "School term dates": empty, with terms added, a reversed term and an overlapping term refused,
  and a term removed.

Every page is screenshotted into artifacts/screenshots (``timescales-*.png``) and axe-core must find
nothing. Two light keyboard-only checks: a supervisor filters "My team" by status, and the admin opens
a rule's "Change" link, using Tab and Enter and typing only.

Like test_overdue_work_journey, the server's database is a fresh SQLite file, or a fresh PostgreSQL
database when the test run itself is on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import fresh_database, in_server, serving
from .test_concern_journey import fill_date, first_sign_in, group, heading
from .test_sign_in import SCREENSHOTS, assert_accessible, sign_out

pytestmark = pytest.mark.browser

ARRANGED_CONCERNS = 45
PAGE_SIZE = 50  # safeguard.timescales.views.PAGE_SIZE
GIVEN = ["Amelia", "Noah", "Isla", "Leo", "Freya", "Oscar", "Ivy", "Arthur", "Willow"]
FAMILY = ["Bennett", "Carter", "Doyle", "Evans", "Fletcher"]
GRADES = ["standard", "medium", "high"]

LA = "Northshire County Council"
HIGH_HOURS = "concerns.decision_hours_high"
HIGH_DESCRIPTION = "Hours from submission within which a supervisor endorses or returns a high-risk concern"
SCHOOL_DAY_START = "timescales.school_day_start"
NEW_VALUE_REASON = "Partnership agreement of 2 March: high-risk decisions within six hours."


# --- Set-up, run inside the server's database (``manage.py shell``) ---------------------------------


def arrange_busy_week() -> None:
    """After ``seed_demo``: the demo officer submits 45 complete concerns (standard, medium and high
    risk in turn), each about a different child seen and spoken to, so the supervisor owes 45 more
    decisions. The last high-risk one is moved 3.5 hours into the past (due soon, due in 30 minutes)
    and the sweep catches up. Prints, as JSON, the open cumulative review the test opens (the demo
    force's oldest unrestricted one) and the counts the pages should show."""
    from datetime import timedelta

    from django.utils import timezone

    from safeguard.accounts.models import Unit, User
    from safeguard.concerns import services as concerns
    from safeguard.concerns.models import Concern, CumulativeReview, ReviewStatus
    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person
    from safeguard.timescales import selectors
    from safeguard.timescales.models import Clock, Stage
    from safeguard.timescales.sweep import sweep
    from safeguard.voice.services import VoiceAnswers, record_voice

    unit = Unit.objects.get(code="PPU-NORTH")
    officer = User.objects.get(username="officer")
    supervisor = User.objects.get(username="supervisor")
    assert officer.unit_id == unit.pk and unit.supervisor_id == supervisor.pk
    now = timezone.now()
    last_high = None
    for i in range(ARRANGED_CONCERNS):
        given, family = GIVEN[i % len(GIVEN)], FAMILY[i // len(GIVEN) % len(FAMILY)]
        child = create_person(
            details=NewPerson(
                given_name=given,
                family_name=family,
                date_of_birth=date(2012 + i % 8, 1 + i % 12, 1 + i % 28),
                dob_quality=DobQuality.STATED,
            ),
            by=officer,
        )
        grade = GRADES[i % len(GRADES)]
        concern = concerns.start_concern(by=officer)
        concerns.set_when(concern=concern, occurred_at=now - timedelta(hours=30 - i // 2), by=officer)
        concerns.set_where(concern=concern, location=f"{i + 1} Birch Avenue, Northtown", postcode="NS2 1AB", by=officer)
        concerns.set_types(concern=concern, types=["domestic_abuse"], by=officer)
        concerns.set_summary(concern=concern, summary=f"Neighbour reported shouting; {given} was at home.", by=officer)
        concerns.grade_risk(concern=concern, grade=grade, rationale="Child present during the incident.", by=officer)
        concerns.involve(concern=concern, person=child, roles=["subject_child"], by=officer)
        record_voice(
            concern=concern,
            person=child,
            answers=VoiceAnswers(
                seen=True,
                seen_alone="yes",
                spoken_to=True,
                childs_words="They were shouting again and I put my headphones on.",
                demeanour=["withdrawn"],
                demeanour_narrative="Quiet, answered in short sentences.",
                wishes_and_feelings="Wants the shouting to stop.",
                others_present="None; seen in the kitchen.",
                informed_decision="Their account that this happens often informed the grade.",
            ),
            by=officer,
        )
        concerns.submit_concern(concern=concern, by=officer)
        if grade == "high":
            last_high = concern

    assert last_high is not None
    clock = Clock.objects.get(rule_code="concerns.decision", record_id=last_high.pk, stopped_at__isnull=True)
    started = timezone.now() - timedelta(hours=3, minutes=30)
    length, escalation = clock.due_at - clock.started_at, clock.escalate_at - clock.due_at
    assert length == timedelta(hours=4), length
    Concern.objects.filter(pk=last_high.pk).update(submitted_at=started)
    Clock.objects.filter(pk=clock.pk).update(
        started_at=started,
        due_soon_at=started + timedelta(hours=3),
        due_at=started + length,
        escalate_at=started + length + escalation,
        stage=Stage.ON_TIME,
        next_at=started + timedelta(hours=3),
    )
    sweep()
    clock.refresh_from_db()
    assert clock.stage == Stage.DUE_SOON, clock.stage

    team = selectors.my_team(supervisor).count()
    assert team > PAGE_SIZE, f"the supervisor's team owes only {team} items: no second page"
    hub = User.objects.get(username="hub")
    review = (
        CumulativeReview.objects.filter(status=ReviewStatus.OPEN, is_restricted=False, person__is_restricted=False)
        .select_related("person")
        .order_by("raised_at", "pk")
        .first()
    )
    assert review is not None, "the demo force has no open cumulative review"
    assert Clock.objects.filter(record_type="concerns.cumulativereview", record_id=review.pk, stopped_at=None).exists()
    print(
        json.dumps(
            {
                "review": review.pk,
                "child": review.person_id,
                "child_name": review.person.full_name,
                "due_soon": last_high.reference,
                "team": team,
                "supervisor_owes": selectors.my_work(supervisor).count(),
                "hub_team": selectors.my_team(hub).count(),
            }
        )
    )


# --- The server -------------------------------------------------------------------------------------


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    review: int
    child: int
    child_name: str
    due_soon: str
    team: int
    supervisor_owes: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database of the server's own, with a busy week arranged in it."""
    tmp = tmp_path_factory.mktemp("safeguard-timescales-pages")
    with fresh_database(tmp) as env:
        arranged = in_server(env, __name__, "arrange_busy_week()")
        del arranged["hub_team"]
        yield Served(tmp, env, **arranged)


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


# --- Helpers ----------------------------------------------------------------------------------------


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"timescales-{name}.png"), full_page=True)
    assert_accessible(page, what)


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def owed(page: Page) -> Locator:
    return page.locator(".govuk-inset-text").filter(has_text="You owe")


def work_rows(page: Page) -> Locator:
    return page.locator("main table tbody tr")


def statuses(page: Page) -> list[str]:
    """The status tags of the work list's rows."""
    return page.locator("tbody td:nth-child(4) > .govuk-tag").all_inner_texts()


def timescales_table(page: Page) -> Locator:
    """The "Timescales" table of a record's page (timescales/_clocks.html)."""
    return page.locator("table").filter(has=page.get_by_role("columnheader", name="What is owed"))


def error_summary(page: Page) -> Locator:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert page.title().startswith("Error:"), page.title()
    return summary


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def skip_to_main(page: Page) -> None:
    """The first Tab reaches the skip link; Enter moves focus to the main content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")


def tab_to(page: Page, target: Locator, *, limit: int = 15) -> int:
    """Press Tab until ``target`` has the focus (a bounded number of times); returns how many."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if is_focused(target):
            return presses
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def add_term(page: Page, name: str, first: tuple[int, int, int], last: tuple[int, int, int]) -> None:
    page.get_by_label("Local authority").fill(LA)
    page.get_by_label("Term", exact=True).fill(name)
    fill_date(page, "First day of term", date(*first))
    fill_date(page, "Last day of term", date(*last))
    page.get_by_role("button", name="Add term").click()
    expect(heading(page)).to_have_text("School term dates")


# --- Officers, supervisors and the hub ---------------------------------------------------------------


def officer_pages(page: Page) -> None:
    expect(owed(page)).to_contain_text(re.compile(r"You owe \d+ items? of work"))
    capture(page, "01-officer-home", "officer's home page with the work owed")
    menu(page, "My work")
    expect(heading(page)).to_have_text("My work")
    capture(page, "02-officer-my-work", "officer's My work page")


def supervisor_pages(page: Page, served: Served) -> None:
    summary = owed(page)
    expect(summary).to_contain_text(f"You owe {served.supervisor_owes} items of work")
    # The arranged concern is due soon; the demo force's own work (investigation reviews, say) may be too.
    expect(summary).to_contain_text(re.compile(r": (\d+ overdue, )?[1-9]\d* due soon\."))
    capture(page, "03-supervisor-home", "supervisor's home page with overdue and due-soon work")

    summary.get_by_role("link").click()
    expect(heading(page)).to_have_text("My work")
    expect(work_rows(page)).to_have_count(min(served.supervisor_owes, PAGE_SIZE))
    due_soon = work_rows(page).filter(has=page.get_by_role("link", name=served.due_soon, exact=True))
    expect(due_soon.locator(".govuk-tag")).to_have_text("Due soon")
    capture(page, "04-supervisor-my-work", "supervisor's My work page")

    menu(page, "My team")
    expect(heading(page)).to_have_text("My team's work")
    expect(work_rows(page)).to_have_count(PAGE_SIZE)
    pages = page.get_by_role("navigation", name="Pages")
    last = -(-served.team // PAGE_SIZE)
    expect(pages).to_contain_text(f"Page 1 of {last} ({served.team} items)")
    capture(page, "05-supervisor-my-team", "My team page, first page")
    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2$"))
    expect(work_rows(page)).to_have_count(min(served.team - PAGE_SIZE, PAGE_SIZE))
    expect(pages).to_contain_text(f"Page 2 of {last} ({served.team} items)")
    expect(pages.get_by_role("link", name="Previous page")).to_be_visible()
    capture(page, "06-supervisor-my-team-page-2", "My team page, second page")

    menu(page, "Team concerns")
    expect(heading(page)).to_have_text("Team concerns to review")
    expect(page.get_by_role("columnheader", name="Decision due")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=served.due_soon, exact=True))
    expect(row.locator(".govuk-tag").filter(has_text="Due soon")).to_have_count(1)
    capture(page, "07-supervisor-team-concerns", "Team concerns queue with the Decision due column")


def filter_my_team_by_keyboard(page: Page) -> None:
    """Keyboard only: skip to the content, Tab through the filters in order, type to choose a status,
    Tab to the button and press Enter."""
    page.goto("/work/team/")
    expect(heading(page)).to_have_text("My team's work")
    skip_to_main(page)
    owner, rule, status = page.get_by_label("Owner"), page.get_by_label("Rule"), page.get_by_label("Status")
    tab_to(page, owner)
    page.keyboard.press("Tab")
    expect(rule).to_be_focused()
    page.keyboard.press("Tab")
    expect(status).to_be_focused()
    page.keyboard.type("Overdue")
    expect(status).to_have_value("overdue")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Filter")).to_be_focused()
    page.keyboard.press("Enter")

    # The skip link's "#main-content" stays on the address: a GET form without an action keeps it.
    expect(page).to_have_url(re.compile(r"[?&]status=overdue(&|#|$)"))
    expect(heading(page)).to_have_text("My team's work")
    expect(page.get_by_label("Status")).to_have_value("overdue")
    found = statuses(page)
    assert found and set(found) <= {"Overdue", "Overdue, escalated"}, found
    capture(page, "08-supervisor-my-team-overdue", "My team page filtered to overdue work")

    # Tab on (the address's "#main-content" starts the Tab order at the content) to "Clear filters".
    clear = page.get_by_role("link", name="Clear filters")
    tab_to(page, clear, limit=30)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/work/team/$"))  # a link: no query, no fragment
    expect(page.get_by_label("Status")).to_have_value("")


def hub_pages(page: Page, served: Served) -> None:
    capture(page, "09-hub-home", "hub's home page")
    menu(page, "Hub queue")
    expect(heading(page)).to_have_text("Safeguarding hub queue")
    expect(page.get_by_role("columnheader", name="Decision due")).to_be_visible()
    capture(page, "10-hub-queue", "hub queue with the Decision due column")

    page.locator(f'a[href="/concerns/reviews/{served.review}/"]').click()
    expect(heading(page)).to_have_text(served.child_name)
    expect(page.get_by_role("heading", name="Timescales", level=2)).to_be_visible()
    clocks = timescales_table(page)
    expect(clocks.locator("tbody tr")).not_to_have_count(0)
    expect(clocks.locator(".govuk-tag").first).to_have_text(re.compile("Overdue|Due soon|On time"))
    capture(page, "11-hub-cumulative-review", "cumulative review page with its timescales")

    page.get_by_role("link", name=re.compile(r"page and chronology$")).click()
    expect(page).to_have_url(re.compile(rf"/people/{served.child}/$"))
    expect(heading(page)).to_contain_text(served.child_name)
    expect(page.get_by_role("heading", name="Timescales", level=2)).to_be_visible()
    expect(timescales_table(page).get_by_role("columnheader", name="Record")).to_be_visible()
    expect(timescales_table(page).locator("tbody tr")).not_to_have_count(0)
    capture(page, "12-hub-child-page", "child's page with the Timescales table")

    menu(page, "My work")
    expect(heading(page)).to_have_text("My work")
    capture(page, "13-hub-my-work", "hub's My work page")
    menu(page, "My team")
    expect(heading(page)).to_have_text("My team's work")
    expect(work_rows(page).first).to_contain_text("Hub (unassigned)")
    capture(page, "14-hub-my-team", "hub's My team page")


def test_work_pages_are_accessible(page: Page, server: str, served: Served) -> None:
    first_sign_in(page, server, "officer")
    officer_pages(page)
    sign_out(page, server)

    first_sign_in(page, server, "supervisor")
    supervisor_pages(page, served)
    filter_my_team_by_keyboard(page)
    sign_out(page, server)

    first_sign_in(page, server, "hub")
    hub_pages(page, served)


# --- The admin --------------------------------------------------------------------------------------


def rules_change_link_by_keyboard(page: Page) -> None:
    menu(page, "Rules")
    expect(heading(page)).to_have_text("Rules and timescales")
    capture(page, "20-admin-rules", "Rules and timescales page")

    # Keyboard only: past the skip link, the page's first link, then the first rule's first "Change".
    skip_to_main(page)
    change = page.get_by_role("main").get_by_role("link", name=re.compile(r"^Change ")).first
    tab_to(page, change)
    described = (change.get_attribute("aria-label") or change.inner_text()).removeprefix("Change").strip()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/manage/rules/[\w.]+/$"))
    expect(heading(page)).to_have_text(re.compile(re.escape(described), re.IGNORECASE))
    expect(page.get_by_role("button", name="Change value")).to_be_visible()


def parameter_pages(page: Page) -> None:
    page.goto(f"/manage/rules/{HIGH_HOURS}/")
    expect(heading(page)).to_have_text(HIGH_DESCRIPTION)
    expect(page.get_by_label("New value")).to_have_value("4")
    capture(page, "21-admin-parameter", "change page of an hours value")

    # "abc" with no reason: both errors at once, in the GOV.UK words.
    page.get_by_label("New value").fill("abc")
    page.get_by_label("Why is it changing?").fill("")
    page.get_by_role("button", name="Change value").click()
    summary = error_summary(page)
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(summary.get_by_role("link", name="Enter a whole number")).to_have_attribute("href", "#id_value")
    expect(summary.get_by_role("link", name="Say why the value is changing")).to_have_attribute("href", "#id_reason")
    expect(page.get_by_label("Why is it changing?")).to_have_attribute("aria-describedby", re.compile("_error"))
    expect(page.get_by_label("New value")).to_have_value("abc")
    capture(page, "22-admin-parameter-no-reason", "parameter page refusing a change with no reason")

    # With a reason, "abc" is refused as a number; the error link takes the focus to the box.
    page.get_by_label("Why is it changing?").fill(NEW_VALUE_REASON)
    page.get_by_role("button", name="Change value").click()
    summary = error_summary(page)
    value_error = summary.get_by_role("link", name="Enter a whole number")
    expect(value_error).to_have_attribute("href", "#id_value")
    expect(page.locator("#id_value_error")).to_contain_text("Enter a whole number")
    capture(page, "23-admin-parameter-not-a-number", "parameter page refusing a value that is not a number")
    value_error.click()
    expect(page.get_by_label("New value")).to_be_focused()

    page.get_by_label("New value").fill("6")
    page.get_by_role("button", name="Change value").click()
    expect(heading(page)).to_have_text("Rules and timescales")
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"{HIGH_DESCRIPTION}: now 6")
    capture(page, "24-admin-rules-changed", "Rules page after a change")

    page.goto(f"/manage/rules/{HIGH_HOURS}/")
    changes = page.locator("table").filter(has=page.get_by_role("columnheader", name="Why"))
    expect(changes.locator("tbody tr")).to_have_count(1)
    expect(changes).to_contain_text(NEW_VALUE_REASON)
    expect(changes).to_contain_text("Adam Kowalczyk")
    capture(page, "25-admin-parameter-history", "parameter page with its history of changes")

    page.goto(f"/manage/rules/{SCHOOL_DAY_START}/")
    expect(page.get_by_label("New value")).to_have_value("08:30")
    capture(page, "26-admin-parameter-time-of-day", "change page of a time of day")


def term_pages(page: Page) -> None:
    page.goto("/manage/rules/")
    page.get_by_role("main").get_by_role("link", name="School term dates").click()
    expect(heading(page)).to_have_text("School term dates")
    expect(page.get_by_text("No term dates have been entered.")).to_be_visible()
    capture(page, "30-admin-terms-empty", "School term dates page with no terms")

    add_term(page, "Autumn 2026", (2026, 9, 2), (2026, 12, 18))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Autumn 2026 added for {LA}")
    add_term(page, "Spring 2027", (2027, 1, 5), (2027, 3, 26))
    terms = page.get_by_role("table", name=f"Terms for {LA}")
    expect(terms.locator("tbody tr")).to_have_count(2)
    capture(page, "31-admin-terms", "School term dates page with two terms")

    add_term(page, "Summer 2027", (2027, 7, 21), (2027, 4, 12))
    summary = error_summary(page)
    expect(summary).to_contain_text("The last day must be the same as or after the first day")
    expect(group(page, "Last day of term").locator(".govuk-error-message")).to_be_visible()
    capture(page, "32-admin-terms-reversed", "term dates page refusing a reversed term")

    add_term(page, "Autumn half term 2026", (2026, 10, 19), (2026, 11, 6))
    summary = error_summary(page)
    expect(summary).to_contain_text("These dates overlap Autumn 2026")
    expect(group(page, "First day of term").locator(".govuk-error-message")).to_be_visible()
    capture(page, "33-admin-terms-overlapping", "term dates page refusing an overlapping term")

    page.get_by_role("button", name=f"Remove Spring 2027 for {LA}").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Spring 2027 removed from {LA}")
    expect(terms.locator("tbody tr")).to_have_count(1)
    capture(page, "34-admin-terms-removed", "term dates page after a term was removed")


def test_admin_pages_are_accessible(page: Page, server: str) -> None:
    first_sign_in(page, server, "admin")
    rules_change_link_by_keyboard(page)
    parameter_pages(page)
    term_pages(page)
