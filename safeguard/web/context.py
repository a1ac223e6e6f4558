"""Template context shared by every page: the service navigation for the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from safeguard.accounts.models import RoleCode, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]  # empty: everyone signed in

    @property
    def url(self) -> str:
        return reverse(self.url_name)


CASE_ROLES = frozenset(
    {RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR, RoleCode.HUB, RoleCode.LEADER, RoleCode.AUDITOR}
)

# Later capabilities add their entries here (my work, concerns, investigations, shares, dashboards...).
NAVIGATION: list[NavItem] = [
    NavItem("Home", "home", frozenset()),
    NavItem(
        "My work",
        "timescales:mine",
        frozenset({RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR, RoleCode.HUB}),
    ),
    NavItem("My team", "timescales:team", frozenset({RoleCode.SUPERVISOR, RoleCode.HUB, RoleCode.LEADER})),
    NavItem("My concerns", "concerns:mine", frozenset({RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR})),
    NavItem("Team concerns", "concerns:team", frozenset({RoleCode.SUPERVISOR})),
    NavItem("Hub queue", "concerns:hub", frozenset({RoleCode.HUB})),
    NavItem(
        "My investigations",
        "investigations:mine",
        frozenset({RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR}),
    ),
    NavItem("Team investigations", "investigations:team", frozenset({RoleCode.SUPERVISOR, RoleCode.HUB})),
    NavItem(
        "Find a person",
        "people:search",
        frozenset({RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR, RoleCode.HUB, RoleCode.LEADER}),
    ),
    NavItem("Sharing", "sharing:board", frozenset({RoleCode.SUPERVISOR, RoleCode.HUB})),
    NavItem("Disclosure ledger", "sharing:ledger", frozenset({RoleCode.LEADER, RoleCode.AUDITOR})),
    NavItem("Shared with us", "portal:home", frozenset({RoleCode.PARTNER})),
    NavItem("Notifications", "accounts:notifications", frozenset()),
    NavItem("Users", "accounts:admin_users", frozenset({RoleCode.ADMIN})),
    NavItem("Units", "accounts:admin_units", frozenset({RoleCode.ADMIN})),
    NavItem("Organisations", "accounts:admin_organisations", frozenset({RoleCode.ADMIN})),
    NavItem("Partners", "sharing:partners", frozenset({RoleCode.ADMIN})),
    NavItem("Rules", "timescales:rules", frozenset({RoleCode.ADMIN})),
    NavItem("Profile", "accounts:profile", frozenset()),
]


def navigation_for(user: User) -> list[NavItem]:
    roles = user.role_codes()
    return [item for item in NAVIGATION if not item.roles or item.roles & roles]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"service_navigation": []}
    items = navigation_for(user)  # type: ignore[arg-type]
    current = request.path
    # The most specific item whose URL the current page sits under is the active one
    # (on /concerns/team/ that is "Team concerns", not "My concerns" at /concerns/).
    matches = [i.url for i in items if current == i.url or (i.url != "/" and current.startswith(i.url))]
    active = max(matches, key=len) if matches else None
    return {"service_navigation": [{"label": i.label, "url": i.url, "active": i.url == active} for i in items]}
