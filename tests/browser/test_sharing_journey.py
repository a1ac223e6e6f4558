"""Information sharing, clicked through in a real browser with real delivery (issue 6's journey).

A domestic abuse concern about a Meadowbank pupil has been submitted by the demo officer and endorsed.
The officer sends the school an Operation Encompass notice (draft, choose what to share, check, send);
the school's designated safeguarding lead reads it in the partner portal, where only the notice's fields
are shown, and acknowledges it. The hub refers the child to children's social care, leaving out the
child's voice; social care reads it and records that a strategy discussion was held. The hub then sees
both shares and the response in the child's chronology, and the referral answered.

Delivery is real: the server and the worker (``manage.py worker``, on the server's database) send
alerts to an SMTP server (aiosmtpd) and to social care's HTTPS webhook receiver on loopback, whose
self-signed certificate the relay is told to trust. Every page is screenshotted into
artifacts/screenshots and checked with axe-core; the final states are read from the server's database
through ``manage.py shell``. The database is SQLite, or a throwaway PostgreSQL database when the test
run has a PostgreSQL ``DATABASE_URL``.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Locator, Page, expect

from tests.sharing.receivers import (
    SECRET,
    MailReceiver,
    WebhookReceiver,
    WorkerProcess,
    make_certificate,
    webhook_receiver,
)
from tests.sharing.receivers import free_port as free_mail_port

from .conftest import fresh_database, in_server, serving
from .sharing_arranging import CHILD_FAMILY, CHILD_GIVEN, CHILDS_WORDS, SUMMARY
from .test_concern_journey import first_sign_in, group, heading
from .test_sign_in import SCREENSHOTS, assert_accessible

pytestmark = pytest.mark.browser

ARRANGING = "tests.browser.sharing_arranging"
SCHOOL = "Meadowbank Primary School"
SOCIAL_CARE = "Northshire Children's Social Care"
CHILD = f"{CHILD_GIVEN} {CHILD_FAMILY}"
# What an Operation Encompass notice may hold (kinds.py, DOMAIN.md), in the order it is shown.
ENCOMPASS_FIELDS = [
    "Child's name",
    "Child's date of birth",
    "Police reference",
    "Date and time of the incident",
    "Was the child present?",
    "Is a welfare check advised?",
    "Police contact",
]
REFERRAL_FIELDS = [
    "Police reference",
    "When it happened",
    "Kind of concern",
    "What happened",
    "People and their roles",
    "Risk grade and rationale",
    "Police history relevant to the child",
    "Police contact",
]
RESPONSE = "Strategy discussion held"
RESPONSE_DETAIL = "Held with police and Meadowbank's DSL; agreed a single-agency child and family assessment."
SITE_URL = "http://safeguard.test"
LONDON = ZoneInfo("Europe/London")
# How long a delivery may take before the test gives up (a bound, not an assertion on speed).
DELIVERY_WAIT = 60.0


# --- The server, its receivers and its worker ---------------------------------------------------------


class CountingInbox(MailReceiver):
    """The SMTP receiver, also counting every message it is handed by its X-Safeguard-Key: the
    receiver keeps one of each key, and the staff's own clock alerts (which carry no key) share one."""

    def __init__(self) -> None:
        super().__init__()
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received[str(message["X-Safeguard-Key"])] += 1
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def counting_inbox(port: int) -> Iterator[CountingInbox]:
    inbox = CountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Served:
    tmp: Path
    env: dict[str, str]
    concern_pk: int
    reference: str
    child_pk: int
    inbox: CountingInbox
    webhooks: WebhookReceiver


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A fresh database with the concern arranged, an SMTP server and social care's webhook receiver on
    loopback, and the worker relaying alerts to them. The server (below) sends mail to the same place."""
    tmp = tmp_path_factory.mktemp("safeguard-sharing-journey")
    certificate = make_certificate(tmp / "tls")
    mail_port = free_mail_port()
    with (
        counting_inbox(mail_port) as inbox,
        webhook_receiver(certificate) as webhooks,
        fresh_database(tmp) as env,
    ):
        env.update(
            {
                "SAFEGUARD_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "SAFEGUARD_EMAIL_HOST": "127.0.0.1",
                "SAFEGUARD_EMAIL_PORT": str(mail_port),
                "SAFEGUARD_WEBHOOK_CA_FILE": str(certificate.cert),
                # Where the alerts' links point (the relay, in the worker, writes them).
                "SAFEGUARD_SITE_URL": SITE_URL,
            }
        )
        arranged = in_server(env, ARRANGING, f"arrange_encompass_concern({webhooks.url!r}, {SECRET!r})")
        worker = WorkerProcess(env, tmp / "worker.log", "--tick", "0.2", "--interval", "0.1")
        worker.start()
        try:
            yield Served(tmp, env, arranged["pk"], arranged["reference"], arranged["child"], inbox, webhooks)
        finally:
            worker.stop()


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    """As the conftest's ``server``, on the database ``served`` arranged, mailing the test's SMTP server."""
    with serving(served.tmp, served.env) as base_url:
        yield base_url


@contextmanager
def signed_in(browser: Browser, server: str, username: str) -> Iterator[Page]:
    """A browser of this user's own (so each keeps their session), signed in with MFA set up."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        first_sign_in(page, server, username)
        yield page
    finally:
        context.close()


# --- Helpers ----------------------------------------------------------------------------------------


def capture(page: Page, name: str, what: str) -> None:
    """A full-page screenshot for the CI artifacts, then axe-core on the same page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sharing-{name}.png"), full_page=True)
    assert_accessible(page, what)


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def shown_fields(page: Page) -> list[str]:
    """The labels of the shared content (the include the preview, police page and portal all use)."""
    content = page.locator("dl.govuk-summary-list").filter(has=page.get_by_text("Police reference", exact=True))
    return [label.strip() for label in content.locator("dt").all_inner_texts()]


def success(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DELIVERY_WAIT
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.2)


def state(served: Served) -> list[dict[str, Any]]:
    shares: list[dict[str, Any]] = in_server(served.env, ARRANGING, f"sharing_state({served.concern_pk})")["shares"]
    return shares


# --- The journey ------------------------------------------------------------------------------------


def officer_sends_an_encompass_notice(page: Page, served: Served) -> str:
    page.goto(f"/concerns/{served.concern_pk}/")
    expect(heading(page)).to_have_text(f"Concern {served.reference}")
    page.get_by_role("link", name="Share with partners").click()
    expect(heading(page)).to_have_text("Sharing with partners")
    capture(page, "01-officer-sharing", "concern's sharing page (officer)")

    page.get_by_role("link", name="Draft: Operation Encompass notice to a school").click()
    expect(heading(page)).to_have_text("Operation Encompass notice to a school")
    # The child and the child's school are proposed.
    expect(group(page, "Which child is it about?").get_by_label(CHILD, exact=False)).to_be_checked()
    organisation = page.get_by_label("Who is it going to?")
    expect(organisation.locator("option:checked")).to_have_text(f"{SCHOOL} (the child's school)")
    capture(page, "02-encompass-draft", "Encompass draft page")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text("Choose what to share")
    expect(success(page)).to_contain_text("drafted")
    # Nothing here is free text: the two answers are choices, everything else is fixed from the record.
    expect(page.get_by_role("textbox")).to_have_count(1)  # only "why this basis applies"
    group(page, "Was the child present?: answer to share").get_by_label("Yes", exact=True).check()
    group(page, "Is a welfare check advised?: answer to share").get_by_label("Yes", exact=True).check()
    capture(page, "03-encompass-edit", "Encompass choose-what-to-share page")
    page.get_by_role("button", name="Continue to check and send").click()

    expect(heading(page)).to_have_text("Check and send")
    expect(page.get_by_role("heading", name=f"This is exactly what {SCHOOL} will see")).to_be_visible()
    assert shown_fields(page) == ENCOMPASS_FIELDS, shown_fields(page)
    content = page.content()
    assert SUMMARY not in content and CHILDS_WORDS not in content
    capture(page, "04-encompass-preview", "Encompass check-and-send page")
    page.get_by_role("button", name=f"Send to {SCHOOL}").click()

    expect(success(page)).to_contain_text(f"sent to {SCHOOL}")
    share_heading = heading(page).inner_text()
    assert share_heading.startswith("Share "), share_heading
    capture(page, "05-encompass-sent", "police page of the sent Encompass notice")
    return share_heading.removeprefix("Share ")


def school_reads_and_acknowledges(page: Page, reference: str) -> None:
    menu(page, "Shared with us")
    expect(heading(page)).to_have_text(f"Shared with {SCHOOL}")
    capture(page, "06-school-portal", "partner portal list (school)")
    page.get_by_role("link", name=reference, exact=True).click()

    expect(heading(page)).to_have_text("Operation Encompass notice to a school")
    assert shown_fields(page) == ENCOMPASS_FIELDS, shown_fields(page)
    expect(page.locator("dl.govuk-summary-list").last).to_contain_text(CHILD)
    content = page.content()
    assert SUMMARY not in content, "the concern's summary reached the school"
    assert CHILDS_WORDS not in content, "the child's words reached the school"
    assert "Larkspur Close" not in content, "the incident's address reached the school"
    capture(page, "07-school-notice", "Encompass notice in the partner portal")

    page.get_by_role("button", name="Acknowledge that you have received this").click()
    expect(success(page)).to_contain_text(f"You acknowledged {reference}")
    expect(page.get_by_role("button", name="Acknowledge that you have received this")).to_have_count(0)
    capture(page, "08-school-acknowledged", "acknowledged Encompass notice in the partner portal")


def hub_refers_to_social_care(page: Page, served: Served) -> str:
    page.goto(f"/concerns/{served.concern_pk}/")
    page.get_by_role("link", name="Share with partners").click()
    expect(heading(page)).to_have_text("Sharing with partners")
    # The officer's notice is listed, acknowledged.
    expect(page.get_by_role("row").filter(has_text=SCHOOL)).to_contain_text("Acknowledged")
    capture(page, "09-hub-sharing", "concern's sharing page (hub)")

    page.get_by_role("link", name="Draft: MASH referral to children's social care").click()
    expect(heading(page)).to_have_text("MASH referral to children's social care")
    page.get_by_label("Who is it going to?").select_option(label=SOCIAL_CARE)
    capture(page, "10-referral-draft", "MASH referral draft page")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text("Choose what to share")
    voice = page.get_by_label("Share the child's voice")
    expect(voice).to_be_checked()
    voice.uncheck()  # redacted: social care will hear the child themselves
    capture(page, "11-referral-edit", "MASH referral choose-what-to-share page")
    page.get_by_role("button", name="Continue to check and send").click()

    expect(heading(page)).to_have_text("Check and send")
    assert shown_fields(page) == REFERRAL_FIELDS, shown_fields(page)
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    assert CHILDS_WORDS not in page.content()
    capture(page, "12-referral-preview", "MASH referral check-and-send page")
    page.get_by_role("button", name=f"Send to {SOCIAL_CARE}").click()

    expect(success(page)).to_contain_text(f"sent to {SOCIAL_CARE}")
    reference = heading(page).inner_text().removeprefix("Share ")
    capture(page, "13-referral-sent", "police page of the sent MASH referral")
    return reference


def social_care_records_a_strategy_discussion(page: Page, reference: str) -> None:
    menu(page, "Shared with us")
    expect(heading(page)).to_have_text(f"Shared with {SOCIAL_CARE}")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(heading(page)).to_have_text("MASH referral to children's social care")
    assert shown_fields(page) == REFERRAL_FIELDS, shown_fields(page)
    assert CHILDS_WORDS not in page.content(), "the redacted child's voice reached social care"
    capture(page, "14-social-care-referral", "MASH referral in the partner portal")

    page.get_by_role("link", name="Record what you did").click()
    expect(heading(page)).to_have_text("Record what you did")
    group(page, "What did you do?").get_by_label(RESPONSE, exact=True).check()
    page.get_by_label("Detail").fill(RESPONSE_DETAIL)
    now = datetime.now(LONDON)
    when = group(page, "Date it was done")
    when.get_by_label("Day").fill(str(now.day))
    when.get_by_label("Month").fill(str(now.month))
    when.get_by_label("Year").fill(str(now.year))
    page.get_by_label("Time it was done").fill(f"{now:%H:%M}")
    capture(page, "15-social-care-respond", "partner's record-what-you-did page")
    page.get_by_role("button", name="Save").click()

    expect(success(page)).to_contain_text(f"Recorded: {RESPONSE}.")
    expect(page.locator("dl.govuk-summary-list").last).to_contain_text(RESPONSE_DETAIL)
    capture(page, "16-social-care-answered", "MASH referral with the response in the partner portal")


def hub_sees_both_in_the_chronology(page: Page, served: Served, notice: str, referral: str) -> None:
    page.goto(f"/people/{served.child_pk}/")
    expect(heading(page)).to_contain_text(CHILD)
    entries = page.locator(".sg-timeline__entry")
    notice_entry = entries.filter(has_text=f"Operation Encompass notice to a school to {SCHOOL}")
    expect(notice_entry).to_have_count(1)
    expect(notice_entry).to_contain_text(notice)
    expect(notice_entry).to_contain_text("Acknowledged")
    referral_entry = entries.filter(has_text=f"MASH referral to children's social care to {SOCIAL_CARE}")
    expect(referral_entry).to_have_count(1)
    expect(referral_entry).to_contain_text(referral)
    expect(referral_entry).to_contain_text("Partner's response recorded")
    response_entry = entries.filter(has_text=f"{SOCIAL_CARE}: {RESPONSE}")
    expect(response_entry).to_have_count(1)
    expect(response_entry).to_contain_text(f"In response to {referral}")
    expect(response_entry).to_contain_text(RESPONSE_DETAIL)
    capture(page, "17-child-chronology", "child's page with both shares and the response")

    response_entry.get_by_role("link", name=referral, exact=True).click()
    expect(heading(page)).to_have_text(f"Share {referral}")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Partner's response recorded")
    expect(page.get_by_text(RESPONSE, exact=False).first).to_be_visible()
    capture(page, "18-referral-answered", "police page of the answered MASH referral")


def test_encompass_notice_and_mash_referral_reach_partners(browser: Browser, server: str, served: Served) -> None:
    with signed_in(browser, server, "officer") as officer:
        notice = officer_sends_an_encompass_notice(officer, served)

    # The school's alert contacts are emailed (content-free); the school has no webhook.
    [sent_notice] = state(served)
    assert sent_notice["reference"] == notice and sent_notice["organisation"] == SCHOOL, sent_notice
    assert sent_notice["disclosed"] == [
        "child_name",
        "child_dob",
        "reference",
        "occurred_at",
        "child_present",
        "welfare_check",
        "contact",
    ], sent_notice
    school_keys = {a["key"] for a in sent_notice["alerts"]}
    assert {a["channel"] for a in sent_notice["alerts"]} == {"email"}, sent_notice["alerts"]
    assert {a["recipient"] for a in sent_notice["alerts"]} == {
        "sadie.fenwick@meadowbank-primary.example",
        "tom.ashcroft@meadowbank-primary.example",
    }, sent_notice["alerts"]

    with signed_in(browser, server, "school") as school:
        school_reads_and_acknowledges(school, notice)

    wait_until(lambda: school_keys <= set(served.inbox.keys), "the school's alert emails")
    school_mails = [m for m in served.inbox.mails if m.key in school_keys]
    assert sorted(r for m in school_mails for r in m.to) == sorted(a["recipient"] for a in sent_notice["alerts"])
    for mail in school_mails:
        assert mail.subject == f"Safeguard: new information shared with {SCHOOL}", mail.subject
        assert f"{SITE_URL}/partner/shares/" in mail.text, mail.text
        for personal in (CHILD_GIVEN, CHILD_FAMILY, SUMMARY, notice, served.reference):
            assert personal not in mail.subject and personal not in mail.text, (personal, mail.text)

    with signed_in(browser, server, "hub") as hub:
        referral = hub_refers_to_social_care(hub, served)

        sent_referral = state(served)[1]
        assert sent_referral["reference"] == referral and sent_referral["organisation"] == SOCIAL_CARE
        assert "voice" not in sent_referral["disclosed"] and "summary" in sent_referral["disclosed"], sent_referral
        [hook] = [a for a in sent_referral["alerts"] if a["channel"] == "webhook"]
        assert hook["recipient"] == served.webhooks.url
        assert served.webhooks.wait_for(1, timeout=DELIVERY_WAIT), served.webhooks.rejected
        delivery = served.webhooks.deliveries[hook["key"]]  # the receiver checked its HMAC signature
        assert delivery.payload == {
            "id": hook["key"],
            "event": "share.sent",
            "share": referral,
            "organisation": SOCIAL_CARE,
            "link": delivery.payload["link"],
            "created_at": delivery.payload["created_at"],
        }, delivery.payload
        assert delivery.payload["link"].startswith(f"{SITE_URL}/partner/shares/")
        body = str(delivery.payload)
        assert CHILD_GIVEN not in body and CHILD_FAMILY not in body and SUMMARY not in body

        with signed_in(browser, server, "partner") as social_care:
            social_care_records_a_strategy_discussion(social_care, referral)

        hub_sees_both_in_the_chronology(hub, served, notice, referral)

    social_keys = {a["key"] for a in sent_referral["alerts"] if a["channel"] == "email"}
    wait_until(lambda: social_keys <= set(served.inbox.keys), "social care's alert email")
    # Every alert reached its receiver once: no key twice, nothing refused, none left undelivered.
    for key in school_keys | social_keys:
        assert served.inbox.received[key] == 1, (key, served.inbox.received)
    assert served.webhooks.duplicates == 0 and served.webhooks.requests == 1
    for mail in served.inbox.mails:  # the partners' alerts and the staff's own: no personal data
        for personal in (CHILD_GIVEN, CHILD_FAMILY, SUMMARY):
            assert personal not in mail.subject and personal not in mail.text, (personal, mail.text)
    assert served.webhooks.rejected == [] and served.webhooks.keys == [hook["key"]]
    notice_state, referral_state = state(served)
    for share in (notice_state, referral_state):
        assert {a["state"] for a in share["alerts"]} == {"sent"}, share["alerts"]
    assert notice_state["status"] == "acknowledged" and notice_state["acknowledged_by"] == "school", notice_state
    assert notice_state["lawful_basis"] == "encompass", notice_state
    assert referral_state["status"] == "answered", referral_state
    assert referral_state["responses"] == ["strategy_discussion"], referral_state
