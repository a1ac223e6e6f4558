"""Two people editing the same plan item at once (issue 5): the second to save is told, shown the other
change, keeps what they typed, and nothing is silently overwritten."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse

from safeguard.investigations import services
from safeguard.investigations.models import Action, ActionStatus, Investigation
from tests.conftest import Force, sign_in
from tests.investigations.helpers import make_investigation


def plan_item(investigation: Investigation, by: object) -> Action:
    return services.add_action(
        investigation=investigation,
        details=services.ActionDetails(
            kind="abe",
            title="ABE interview of the child",
            owner=investigation.owner,
            due_on=services.today() + timedelta(days=7),
            detail="By a trained interviewer",
        ),
        by=by,  # type: ignore[arg-type]
    )


def edit(action: Action, *, title: str, detail: str, due_in_days: int, version: str) -> dict[str, object]:
    due = services.today() + timedelta(days=due_in_days)
    return {
        "kind": action.kind,
        "title": title,
        "detail": detail,
        "owner": action.owner_id,
        "due_on_0": due.day,
        "due_on_1": due.month,
        "due_on_2": due.year,
        "version": version,
    }


def hidden_version(html: str) -> str:
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', html)
    assert match, "the edit page carries the version it was opened on"
    return match.group(1)


def test_the_second_of_two_simultaneous_edits_is_refused_and_shown_the_first(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = plan_item(make_investigation(officer, supervisor), officer)
    url = reverse("investigations:edit_action", args=[action.pk])
    oic, boss = sign_in(Client(), officer), sign_in(Client(), supervisor)

    opened_by_oic, opened_by_boss = oic.get(url), boss.get(url)
    assert hidden_version(opened_by_oic.content.decode()) == hidden_version(opened_by_boss.content.decode()) == "1"

    first = oic.post(url, edit(action, title="ABE interview at the suite", detail="Booked", due_in_days=3, version="1"))
    assert first.status_code == 302

    second = boss.post(
        url, edit(action, title="ABE interview with an intermediary", detail="Needs help", due_in_days=10, version="1")
    )
    page = second.content.decode()
    assert second.status_code == 200
    assert "There is a problem" in page
    assert "Officer changed this action at" in page and "Your changes have not been saved." in page
    # The other person's saved values are shown beside the second editor's own...
    assert "ABE interview at the suite" in page and "Booked" in page
    assert f"{services.today() + timedelta(days=3):%-d %B %Y}" in page
    # ...and the second editor's input is still in the form, now carrying the version saved since.
    assert 'value="ABE interview with an intermediary"' in page and "Needs help</textarea>" in page
    assert hidden_version(page) == "2"

    saved = Action.objects.get(pk=action.pk)
    assert (saved.title, saved.detail, saved.version) == ("ABE interview at the suite", "Booked", 2)
    assert saved.updated_by == officer and saved.due_on == services.today() + timedelta(days=3)


def test_saving_again_from_the_conflict_page_replaces_the_other_change_deliberately(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = plan_item(make_investigation(officer, supervisor), officer)
    url = reverse("investigations:edit_action", args=[action.pk])
    oic, boss = sign_in(Client(), officer), sign_in(Client(), supervisor)
    oic.get(url), boss.get(url)
    oic.post(url, edit(action, title="ABE interview at the suite", detail="Booked", due_in_days=3, version="1"))
    mine = edit(action, title="ABE interview with an intermediary", detail="Needs help", due_in_days=10, version="1")
    refused = boss.post(url, mine)

    again = boss.post(url, {**mine, "version": hidden_version(refused.content.decode())})

    assert again.status_code == 302 and again["Location"] == reverse("investigations:action", args=[action.pk])
    saved = Action.objects.get(pk=action.pk)
    assert (saved.title, saved.detail, saved.version, saved.updated_by) == (
        "ABE interview with an intermediary",
        "Needs help",
        3,
        supervisor,
    )


def test_finishing_an_action_someone_else_just_changed_is_refused_and_shows_their_change(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = plan_item(make_investigation(officer, supervisor), officer)
    oic, boss = sign_in(Client(), officer), sign_in(Client(), supervisor)
    finish_url = reverse("investigations:finish_action", args=[action.pk])
    boss.get(finish_url)
    edit_url = reverse("investigations:edit_action", args=[action.pk])
    oic.post(edit_url, edit(action, title="ABE interview at the suite", detail="Booked", due_in_days=3, version="1"))

    response = boss.post(finish_url, {"status": "done", "result": "Interview completed, account given.", "version": 1})

    page = response.content.decode()
    assert response.status_code == 200 and "Officer changed this action at" in page
    assert "ABE interview at the suite" in page and hidden_version(page) == "2"
    saved = Action.objects.get(pk=action.pk)
    assert (saved.status, saved.result, saved.version) == (ActionStatus.OPEN, "", 2)


def test_an_action_finished_by_someone_else_meanwhile_cannot_be_finished_again(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = plan_item(make_investigation(officer, supervisor), officer)
    oic, boss = sign_in(Client(), officer), sign_in(Client(), supervisor)
    url = reverse("investigations:finish_action", args=[action.pk])
    oic.get(url), boss.get(url)
    oic.post(url, {"status": "closed", "result": "Not needed: the child was interviewed by CSC.", "version": 1})

    response = boss.post(
        url, {"status": "done", "result": "Interview completed, account given.", "version": 1}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain == [(reverse("investigations:action", args=[action.pk]), 302)]
    assert "Officer marked this action closed without being completed at" in page
    assert "your changes have not been saved" in page
    assert "Not needed: the child was interviewed by CSC." in page
    assert "Interview completed, account given." not in page
    saved = Action.objects.get(pk=action.pk)
    assert (saved.status, saved.result, saved.version) == (
        ActionStatus.CLOSED,
        "Not needed: the child was interviewed by CSC.",
        2,
    )
