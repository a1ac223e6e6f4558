"""The page shell's own pages: each role's home page."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from safeguard.accounts.models import RoleCode, User
from safeguard.timescales.selectors import WORK_ROLES, owed_summary


@dataclass(frozen=True)
class RolePanel:
    role: str
    heading: str
    text: str
    links: tuple[tuple[str, str], ...] = ()  # (label, URL name)


# What each role comes to Safeguard for (ARCHITECTURE.md, "Users and roles").
ROLE_PANELS = {
    RoleCode.OFFICER: RolePanel(
        RoleCode.OFFICER,
        "Officer",
        "Record concerns about children, what each child said and how they seemed, and reports of missing children.",
        (
            ("Record a concern", "concerns:new"),
            ("My concerns", "concerns:mine"),
            ("My investigations", "investigations:mine"),
            ("My work", "timescales:mine"),
            ("Find a person", "people:search"),
        ),
    ),
    RoleCode.INVESTIGATOR: RolePanel(
        RoleCode.INVESTIGATOR,
        "Investigator",
        "Run investigations: plans, lines of enquiry, actions and outcomes.",
        (("My investigations", "investigations:mine"), ("My work", "timescales:mine")),
    ),
    RoleCode.SUPERVISOR: RolePanel(
        RoleCode.SUPERVISOR,
        "Supervisor",
        "Review your team's concerns and investigations, give directions and sign off.",
        (
            ("Team concerns to review", "concerns:team"),
            ("Team investigations", "investigations:team"),
            ("My team's work", "timescales:team"),
            ("Find a person", "people:search"),
        ),
    ),
    RoleCode.HUB: RolePanel(
        RoleCode.HUB,
        "Safeguarding hub",
        "Triage concerns force-wide, research history, share with partners and record strategy discussions.",
        (
            ("Hub queue", "concerns:hub"),
            ("Investigations across the force", "investigations:team"),
            ("The hub's work", "timescales:team"),
            ("Find a person", "people:search"),
        ),
    ),
    RoleCode.PARTNER: RolePanel(
        RoleCode.PARTNER,
        "Partner agency",
        "Read what the police have shared with your organisation, acknowledge it and record what you did.",
        (("Shared with your organisation", "portal:home"),),
    ),
    RoleCode.LEADER: RolePanel(
        RoleCode.LEADER,
        "Leader",
        "See the force's child protection measures and escalations; open records when you need to.",
        (("Overdue work across the force", "timescales:team"),),
    ),
    RoleCode.AUDITOR: RolePanel(RoleCode.AUDITOR, "Auditor", "Audit case files you have been granted, read-only."),
    RoleCode.ADMIN: RolePanel(
        RoleCode.ADMIN,
        "Administrator",
        "Manage users, units, organisations and roles. You do not see case content.",
        (
            ("Manage users", "accounts:admin_users"),
            ("Manage units", "accounts:admin_units"),
            ("Manage organisations", "accounts:admin_organisations"),
            ("Rules and timescales", "timescales:rules"),
        ),
    ),
}


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    roles = user.role_codes()
    panels = [panel for code, panel in ROLE_PANELS.items() if code in roles]
    unread = user.notifications.filter(read_at__isnull=True).count()
    owed = owed_summary(user) if user.has_role(*WORK_ROLES) else None
    return render(request, "home.html", {"title": "Home", "panels": panels, "unread": unread, "owed": owed})
