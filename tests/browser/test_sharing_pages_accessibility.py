"""The sharing pages, in a real browser, each checked with axe-core in the state people meet it.

On the seeded demo force (thousands of shares, strategy discussions and dead alerts from the synthetic
population), ``sharing_pages_arranging`` adds a concern of the demo officer's with: the hub's draft MASH
referral, a referral the hub sent that social care read, acknowledged and answered, the officer's decision
not to share an Encompass notice, and a strategy discussion the hub arranged but has not held.

- The hub: the board (filtered, and its second page), the ledger (filtered), the concern's sharing page,
  the draft's kind question and its form for a kind, the draft to edit (and refusing an emptied field),
  its preview, the sent referral with the partner's response, the hub's response page, revoking with no
  reason, recording a decision not to share with no reason, arranging a strategy discussion, a held one,
  recording the planned one with nothing filled in, the conference page and an agreed action.
- The administrator: the partner organisations, one of them, its new-contact page (and refusing an empty
  form) and a contact.
- The supervisor: the decision not to share, and its review page.
- The social care partner: the portal's home, the referral, and recording a response with nothing filled
  in.

Every page is screenshotted into artifacts/screenshots (``sharing-a11y-*.png``) and axe-core must find
nothing. Two more checks: keyboard only, the draft's kind question is answered with Tab, Space, the arrow
keys and Enter; and with JavaScript off, "Add another attendee" adds a row to the strategy discussion.

The server's database is a fresh SQLite file, or a fresh PostgreSQL database when the test run itself is
on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import fresh_database, in_server, serving
from .test_concern_journey import first_sign_in, heading
from .test_investigation_journey import another_page
from .test_investigation_pages_accessibility import refused
from .test_sign_in import SCREENSHOTS, assert_accessible
from .test_timescales_pages_accessibility import skip_to_main, tab_to

pytestmark = pytest.mark.browser


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    concern: int
    draft: int
    sent: int
    declined: int
    planned: int
    held: int
    action: int
    partner: int
    contact: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database of the server's own, with the shares arranged in it."""
    tmp = tmp_path_factory.mktemp("safeguard-sharing-pages")
    with fresh_database(tmp) as env:
        yield Served(tmp, env, **in_server(env, "tests.browser.sharing_pages_arranging", "arrange_sharing()"))


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def hub(browser: Browser, server: str) -> Iterator[Page]:
    """The demo hub worker, signed in once for the module (a second sign-in would need a fresh code)."""
    with another_page(browser, server) as page:
        first_sign_in(page, server, "hub")
        yield page


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sharing-a11y-{name}.png"), full_page=True)
    assert_accessible(page, what)


def visit(page: Page, path: str, title: str | re.Pattern[str]) -> None:
    page.goto(path)
    expect(heading(page)).to_have_text(title)


def submit(page: Page, button: str) -> Locator:
    page.get_by_role("button", name=button, exact=True).click()
    return refused(page)


# --- The hub, and the administrator's partner pages -----------------------------------------------------


def board_and_ledger(page: Page) -> None:
    visit(page, "/sharing/", re.compile("."))
    capture(page, "01-board", "sharing board")
    page.get_by_label("Kind").select_option("encompass")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"kind=encompass"))
    capture(page, "02-board-filtered", "sharing board filtered by kind")
    page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"kind=encompass"))
    capture(page, "03-board-page-2", "sharing board, second page of a filter")

    visit(page, "/sharing/ledger/", re.compile("."))
    capture(page, "04-ledger", "disclosure ledger")
    page.get_by_label("Organisation").select_option(label="Northshire Children's Social Care")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"organisation=\d+"))
    capture(page, "05-ledger-filtered", "disclosure ledger filtered by organisation")


def drafting(page: Page, served: Served) -> None:
    visit(page, f"/sharing/concerns/{served.concern}/", "Sharing with partners")
    capture(page, "06-concern", "a concern's sharing page")
    visit(page, f"/sharing/concerns/{served.concern}/new/", "What do you want to share?")
    capture(page, "07-draft-kind", "draft: the kind question")
    visit(page, f"/sharing/concerns/{served.concern}/new/?kind=mash", re.compile("MASH referral"))
    capture(page, "08-draft-mash", "draft form for a MASH referral")

    visit(page, f"/sharing/shares/{served.draft}/edit/", "Choose what to share")
    capture(page, "09-edit", "choose-what-to-share page")
    page.locator("form textarea").first.fill("")
    submit(page, "Continue to check and send")
    capture(page, "10-edit-errors", "choose-what-to-share page refusing an emptied field")

    visit(page, f"/sharing/shares/{served.draft}/preview/", "Check and send")
    capture(page, "11-preview", "check-and-send page")


def sent_share(page: Page, served: Served) -> None:
    visit(page, f"/sharing/shares/{served.sent}/", re.compile("^Share SH-"))
    expect(page.get_by_text("Strategy discussion held with police and health").first).to_be_visible()
    capture(page, "12-share-sent", "a sent share with the partner's response")
    visit(page, f"/sharing/shares/{served.sent}/response/", "Record the partner's response")
    capture(page, "13-respond", "hub recording a partner's response")
    submit(page, "Record the response")
    capture(page, "14-respond-errors", "hub's response page refusing an empty form")
    visit(page, f"/sharing/shares/{served.sent}/revoke/", "Revoke this share")
    capture(page, "15-revoke", "revoke page")
    expect(submit(page, "Revoke the share")).to_contain_text("Say why it is withdrawn")
    capture(page, "16-revoke-errors", "revoke page refusing no reason")
    visit(page, f"/sharing/concerns/{served.concern}/not-shared/", "Record a decision not to share")
    capture(page, "17-not-shared", "decision-not-to-share page")
    submit(page, "Record the decision")
    capture(page, "18-not-shared-errors", "decision-not-to-share page refusing an empty form")


def strategy(page: Page, served: Served) -> None:
    visit(page, f"/sharing/concerns/{served.concern}/strategy/new/", "Arrange a strategy discussion")
    capture(page, "19-strategy-new", "arrange-a-strategy-discussion page")
    visit(page, f"/sharing/strategy/{served.held}/", re.compile("^Strategy discussion SD-"))
    capture(page, "20-strategy-held", "a held strategy discussion")
    visit(page, f"/sharing/strategy/{served.planned}/record/", "Record the strategy discussion")
    capture(page, "21-strategy-record", "record-a-strategy-discussion page")
    submit(page, "Record the discussion")
    capture(page, "22-strategy-record-errors", "record-a-strategy-discussion page refusing an empty form")
    visit(page, f"/sharing/strategy/{served.held}/conference/", "Record the initial child protection conference")
    capture(page, "23-strategy-conference", "record-the-conference page")
    visit(page, f"/sharing/strategy-actions/{served.action}/", "An agreed action")
    capture(page, "24-strategy-action", "an agreed action")


def partners(page: Page, served: Served) -> None:
    visit(page, "/sharing/partners/", "Partner organisations")
    capture(page, "25-partners", "partner organisations")
    visit(page, f"/sharing/partners/{served.partner}/", "Northshire Children's Social Care")
    capture(page, "26-partner", "a partner organisation")
    visit(page, f"/sharing/partners/{served.partner}/contacts/new/", "Add a contact")
    capture(page, "27-add-contact", "add-a-contact page")
    expect(submit(page, "Save")).to_contain_text("Enter the contact's name")
    capture(page, "28-add-contact-errors", "add-a-contact page refusing an empty form")
    visit(page, f"/sharing/partners/{served.partner}/contacts/{served.contact}/", "Change a contact")
    capture(page, "29-contact", "change-a-contact page")


# --- The tests --------------------------------------------------------------------------------------


def test_hub_pages_are_accessible(hub: Page, served: Served) -> None:
    board_and_ledger(hub)
    drafting(hub, served)
    sent_share(hub, served)
    strategy(hub, served)


def test_partner_administration_pages_are_accessible(browser: Browser, server: str, served: Served) -> None:
    with another_page(browser, server) as page:
        first_sign_in(page, server, "admin")
        partners(page, served)


def test_supervisor_review_pages_are_accessible(browser: Browser, server: str, served: Served) -> None:
    with another_page(browser, server) as page:
        first_sign_in(page, server, "supervisor")
        visit(page, f"/sharing/shares/{served.declined}/", re.compile("^Decision not to share SH-"))
        capture(page, "30-share-not-shared", "a decision not to share")
        page.get_by_role("link", name="Review this decision").click()
        expect(heading(page)).to_have_text("Review a decision not to share")
        capture(page, "31-review", "review of a decision not to share")
        submit(page, "Record your review")
        capture(page, "32-review-errors", "review page refusing an empty form")


def test_partner_portal_pages_are_accessible(browser: Browser, server: str, served: Served) -> None:
    with another_page(browser, server) as page:
        first_sign_in(page, server, "partner")
        visit(page, "/partner/", "Shared with Northshire Children's Social Care")
        capture(page, "33-portal-home", "partner portal home")
        visit(page, f"/partner/shares/{served.sent}/", re.compile("MASH referral"))
        capture(page, "34-portal-share", "a share in the partner portal")
        visit(page, f"/partner/shares/{served.sent}/respond/", "Record what you did")
        capture(page, "35-portal-respond", "partner's record-what-you-did page")
        submit(page, "Save")
        capture(page, "36-portal-respond-errors", "partner's response page refusing an empty form")


def test_kind_question_works_by_keyboard(hub: Page, served: Served) -> None:
    """Keyboard only: Tab to the first kind, choose it with Space, move with an arrow key, and send the
    form with Enter on Continue."""
    hub.goto(f"/sharing/concerns/{served.concern}/new/")
    skip_to_main(hub)
    kinds = hub.get_by_role("group", name="What do you want to share?").get_by_role("radio")
    first, second = kinds.nth(0), kinds.nth(1)
    tab_to(hub, first, limit=20)
    hub.keyboard.press("Space")
    expect(first).to_be_checked()
    hub.keyboard.press("ArrowDown")
    expect(second).to_be_checked()
    expect(second).to_be_focused()
    chosen = second.get_attribute("value")
    tab_to(hub, hub.get_by_role("button", name="Continue"), limit=5)
    hub.keyboard.press("Enter")
    expect(hub).to_have_url(re.compile(rf"[?&]kind={chosen}(#main-content)?$"))
    capture(hub, "37-draft-by-keyboard", "draft form reached by keyboard")


def test_another_attendee_without_javascript(browser: Browser, hub: Page, server: str, served: Served) -> None:
    """The same session with JavaScript off: "Add another attendee" is a plain submit button that adds a
    row, keeping what was typed."""
    context = browser.new_context(base_url=server, java_script_enabled=False, storage_state=hub.context.storage_state())
    try:
        nojs = context.new_page()
        nojs.goto(f"/sharing/strategy/{served.planned}/record/")
        expect(nojs.locator("body")).not_to_have_class(re.compile("js-enabled"))
        rows = nojs.get_by_label("Name", exact=True)
        before = rows.count()
        rows.first.fill("Priya Shah")
        nojs.get_by_role("button", name="Add another attendee").click()
        expect(heading(nojs)).to_have_text("Record the strategy discussion")
        expect(nojs.get_by_label("Name", exact=True)).to_have_count(before + 1)
        expect(nojs.get_by_label("Name", exact=True).first).to_have_value("Priya Shah")
        # A screenshot only: axe-core is JavaScript, so it cannot run here (the page is checked above).
        nojs.screenshot(path=str(SCREENSHOTS / "sharing-a11y-38-another-attendee-no-js.png"), full_page=True)
    finally:
        context.close()
