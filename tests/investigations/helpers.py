"""Investigations built through the services, as a supervisor would open them, for page and API tests."""

from __future__ import annotations

from safeguard.accounts.models import User
from safeguard.investigations import services
from safeguard.investigations.models import Investigation
from safeguard.people.models import Person
from tests.conftest import make_child, make_concern


def make_investigation(
    officer: User, supervisor: User, *children: Person, accept: bool = True, risk: str = "medium"
) -> Investigation:
    """An investigation opened by ``supervisor`` (a supervisor of the officer's unit, or the hub) from a
    concern ``officer`` submitted about ``children`` (one new child if none), with ``officer`` as officer
    in the case; accepted unless ``accept`` is False. Its first review is due on the latest day allowed."""
    concern = make_concern(officer, *(children or (make_child(officer),)), submit=True)
    investigation = services.open_investigation(
        concerns=[concern],
        officer=officer,
        summary="Alleged assault of a child at home by a parent, reported by a neighbour.",
        risk_grade=risk,
        risk_rationale="Repeat incident in a month and a young child in the home.",
        first_review_on=services.latest_first_review_on(services.today()),
        by=supervisor,
    )
    if accept:
        services.accept_investigation(investigation=investigation, by=officer)
    return investigation
