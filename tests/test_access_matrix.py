"""The access matrix (QUALITY.md): every URL pattern × role × relationship to the record.

Expected outcomes live in ROUTES below, one row per named route. A route that is missing from the
table fails the suite, so a new page or endpoint cannot ship without saying who may use it.
Relationships: own, same unit, other unit, restricted (same unit, someone else's), non-existent; for
shares, also "shared with my organisation" (live, to the partner's organisation) and "share revoked".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from safeguard.accounts.models import ApiToken, Organisation, User
from safeguard.accounts.services import break_glass, create_api_token
from safeguard.concerns.models import Concern, CumulativeReview
from safeguard.investigations import services as investigation_services
from safeguard.investigations.models import Action, ActionEntry, Investigation, RequiredNotification
from safeguard.people.models import Person
from safeguard.sharing import services as sharing_services
from safeguard.sharing.models import (
    Channel,
    OutboxMessage,
    OutboxState,
    PartnerContact,
    Share,
    ShareKind,
    StrategyDecision,
    StrategyDiscussion,
)
from safeguard.timescales.models import SchoolTerm, TermCalendar
from safeguard.voice.models import VoiceRecord
from tests.casework.models import CaseNote
from tests.conftest import ROLES, Concerns, Force, Notes, People, make_child, make_concern, make_user, sign_in
from tests.sharing.helpers import add_contacts, make_school, send

ANON = "anonymous"
RELATIONS = ["own", "same_unit", "other_unit", "restricted", "missing"]
SHARE_RELATIONS = [*RELATIONS[:-1], "shared", "revoked", "missing"]


def route_names() -> set[str]:
    def walk(patterns: list[Any], ns: str = "") -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                yield ns + (p.name or str(p.pattern))

    return set(walk(get_resolver().url_patterns))


def by_role(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table.update(overrides)
    table[ANON] = anonymous
    return table


ADMIN_ONLY_GET = by_role(403, admin=200)
ADMIN_ONLY_POST = by_role(403, admin=302)

# Record pages: per role, per relationship. 403 on "restricted" is the break-the-glass prompt.
VIEW_RECORD = {
    "officer": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "investigator": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "supervisor": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "hub": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "leader": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "partner": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "auditor": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "admin": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    ANON: dict(own=302, same_unit=302, other_unit=302, restricted=302, missing=302),
}
CHANGE_RECORD = {
    "officer": dict(own=200, same_unit=404, other_unit=404, restricted=404, missing=404),
    "investigator": dict(own=200, same_unit=404, other_unit=404, restricted=404, missing=404),
    "supervisor": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "hub": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "leader": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "partner": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "auditor": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "admin": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    ANON: dict(own=302, same_unit=302, other_unit=302, restricted=302, missing=302),
}


def amend(table: dict[str, dict[str, int]], **changes: dict[str, int]) -> dict[str, dict[str, int]]:
    """A copy of a record table with some roles' outcomes changed."""
    return {role: {**relations, **changes.get(role, {})} for role, relations in table.items()}


def every(table: dict[str, dict[str, int]], old: int, new: int) -> dict[str, dict[str, int]]:
    return {role: {rel: new if s == old else s for rel, s in relations.items()} for role, relations in table.items()}


def only(roles: set[str], table: dict[str, dict[str, int]], refused: int = 403) -> dict[str, dict[str, int]]:
    """``table`` for ``roles``; every other signed-in role is refused by role before any record is read."""
    return {
        role: relations if role in roles or role == ANON else dict.fromkeys(RELATIONS, refused)
        for role, relations in table.items()
    }


# Concern pages that only a draft answers: a submitted concern redirects to its (read-only) page.
DRAFT_PAGE = amend(CHANGE_RECORD, supervisor=dict(same_unit=302), hub=dict(same_unit=302, other_unit=302))
DRAFT_POST = every(DRAFT_PAGE, 200, 302)
# The supervisor's decision: only on a submitted concern (own fixtures are drafts: redirected).
REVIEW_PAGE = only(
    {"supervisor", "hub"},
    amend(CHANGE_RECORD, supervisor=dict(own=302), hub=dict(own=302)),
)
# Persons are nominal records: police case roles see (and may add to) them force-wide.
PERSON_VIEW = amend(
    VIEW_RECORD,
    officer=dict(other_unit=200),
    investigator=dict(other_unit=200),
    supervisor=dict(other_unit=200),
)
PERSON_CHANGE = amend(
    CHANGE_RECORD,
    officer=dict(same_unit=200, other_unit=200, restricted=403),
    investigator=dict(same_unit=200, other_unit=200, restricted=403),
    supervisor=dict(other_unit=200),
)
RECORDERS_ONLY = by_role(403, officer=200, investigator=200, supervisor=200, hub=200)
SEARCHERS_ONLY = by_role(403, officer=200, investigator=200, supervisor=200, hub=200, leader=200)


def open_review_of(records: Any) -> dict[str, Any]:
    return {"pk": CumulativeReview.objects.get(person=records.child, status="open").pk}


API_VIEW_RECORD = {
    role: {**rel, **({} if role != ANON else dict.fromkeys(RELATIONS, 401))} for role, rel in VIEW_RECORD.items()
}


def as_api(table: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """A page's record table for the API: the same outcomes, but 401 (no redirect) without a token."""
    return {role: dict.fromkeys(rels, 401) if role == ANON else rels for role, rels in table.items()}


API_CHANGE_RECORD = as_api(CHANGE_RECORD)
API_VIEW_PERSON = as_api(PERSON_VIEW)
# Recording something new: the roles the policy lets change records of that kind (as RECORDERS_ONLY).
API_RECORD_NEW = by_role(403, anonymous=401, officer=201, investigator=201, supervisor=201, hub=201)
API_SEARCHERS_ONLY = {**SEARCHERS_ONLY, ANON: 401}


def api_change(*, own: int, others: int) -> dict[str, dict[str, int]]:
    """API_CHANGE_RECORD where access is granted, with what the service then answers: ``own`` for the
    caller's own draft concern, ``others`` for the colleagues' submitted ones."""
    return {
        role: {rel: (own if rel == "own" else others) if code == 200 else code for rel, code in rels.items()}
        for role, rels in API_CHANGE_RECORD.items()
    }


# --- Investigations --------------------------------------------------------------------------------
# The fixture's investigations are accepted, each with an open action, an entry and a notification.
INVESTIGATION: dict[str, Any] = dict(record=True, records="investigations")
ACTION_RECORD: dict[str, Any] = dict(record=True, records="actions")
# Accepting: only the officer it is allocated to, while it waits; an accepted one redirects to its page.
ACCEPT_PAGE = amend(
    every(CHANGE_RECORD, 200, 404), officer=dict(own=302), investigator=dict(own=302), supervisor=dict(own=302)
)
# Reviews and sign-off: a supervisor of the officer in the case, who is not the officer in the case.
REVIEW_INVESTIGATION = only({"supervisor"}, amend(CHANGE_RECORD, supervisor=dict(own=403)))
CASE_ROLES_ONLY = by_role(403, officer=200, investigator=200, supervisor=200)


def api_investigation(
    table: dict[str, dict[str, int]], *, own: int, others: int, **roles: dict[str, int]
) -> dict[str, dict[str, int]]:
    """``table`` for the API: 401 without a token; where the page table allows, what the service then
    answers (``own`` for the caller's own case, ``others`` for the rest), with per-role exceptions."""
    out = {
        role: {rel: (own if rel == "own" else others) if code in (200, 302) else code for rel, code in rels.items()}
        for role, rels in as_api(table).items()
    }
    return amend(out, **roles)


# Reviews and sign-off through the API: out of the change scope 404, then the service refuses (422) anyone
# who is not a supervisor of someone else's case; sign-off and refusal also need a closure to decide.
SUPERVISOR_API = api_investigation(CHANGE_RECORD, own=422, others=201, hub=dict(same_unit=422, other_unit=422))


def user_pk(username: str) -> int:
    return User.objects.get(username=username).pk


def open_body(concerns: Any) -> dict[str, Any]:
    return {
        "concern_ids": [concerns.same_unit.pk],
        "officer_id": user_pk("officer"),
        "summary": "Alleged assault of a child at home by a parent.",
        "risk_grade": "medium",
        "risk_rationale": "Repeat incident in a month.",
        "first_review_on": investigation_services.today().isoformat(),
    }


def action_body(records: Any) -> dict[str, Any]:
    return {
        "kind": "cctv",
        "title": "Collect the CCTV",
        "owner_id": user_pk("supervisor"),
        "due_on": investigation_services.today().isoformat(),
    }


def review_body(records: Any) -> dict[str, Any]:
    return {
        "rationale": "The plan is proportionate and the ABE interview is booked.",
        "voice_check": "yes",
        "enquiries_check": "yes",
        "partners_check": "na",
        "delay_check": "yes",
        "risk_grade": "medium",
        "next_review_on": (investigation_services.today() + timedelta(days=7)).isoformat(),
    }


def entry_body(records: Any) -> dict[str, Any]:
    return {"kind": "progress", "text": "Spoke to the school nurse.", "occurred_at": timezone.now().isoformat()}


def voice_body(concerns: Any) -> dict[str, Any]:
    return {
        "person_id": concerns.child.pk,
        "seen": True,
        "seen_alone": "yes",
        "spoken_to": True,
        "childs_words": "I want to stay with my mum.",
        "demeanour": ["calm"],
        "informed_decision": "Her account was consistent with the neighbours' report.",
        "correction_reason": "Corrected after the follow-up visit.",
    }


CONCERN_API: dict[str, Any] = dict(record=True, records="concerns", api=True)


@dataclass
class Voices:
    """The current voice record of each of the ``concerns`` fixture's concerns, in the same relations."""

    own: dict[str, VoiceRecord]
    same_unit: VoiceRecord
    other_unit: VoiceRecord
    restricted: VoiceRecord


@pytest.fixture
def voices(concerns: Concerns) -> Voices:
    def of(concern: Concern) -> VoiceRecord:
        return VoiceRecord.objects.get(concern=concern, is_current=True)

    return Voices(
        own={role: of(c) for role, c in concerns.own.items()},
        same_unit=of(concerns.same_unit),
        other_unit=of(concerns.other_unit),
        restricted=of(concerns.restricted),
    )


@dataclass
class Investigations:
    """Investigations in each relation, opened by the hub: ``own`` has the role's user as officer in
    the case (the roles that can be one); each has a child, an action, an entry and a notification."""

    child: Any
    own: dict[str, Investigation]
    same_unit: Investigation  # the colleague's
    other_unit: Investigation  # the outsider's, in unit B
    restricted: Investigation  # the colleague's, from a restricted concern


@pytest.fixture
def investigations(force: Force) -> Investigations:
    hub, child = force.user("hub"), make_child(force.colleague, "Ivy", "Case")

    def opened(officer: User, restricted: bool = False) -> Investigation:
        concern = make_concern(officer, child, submit=True, restricted=restricted)
        if restricted:
            break_glass(by=hub, obj=concern, reason="Allocating the investigation of it.")
        investigation = investigation_services.open_investigation(
            concerns=[concern],
            officer=officer,
            summary="Secretive allegation of assault at home by a parent.",
            risk_grade="medium",
            risk_rationale="Repeat incident in a month.",
            first_review_on=investigation_services.today(),
            by=hub,
        )
        investigation_services.accept_investigation(investigation=investigation, by=officer)
        details = investigation_services.ActionDetails(
            kind="abe", title="ABE interview", owner=officer, due_on=investigation_services.today()
        )
        action = investigation_services.add_action(investigation=investigation, details=details, by=officer)
        investigation_services.record_entry(
            action=action, kind="progress", text="Suite booked for Friday.", occurred_at=action.created_at, by=officer
        )
        investigation_services.require_notification(
            investigation=investigation, agency="social_care", purpose="Outcome of the interview.", by=officer
        )
        return investigation

    return Investigations(
        child=child,
        own={role: opened(force.user(role)) for role in ("officer", "investigator", "supervisor")},
        same_unit=opened(force.colleague),
        other_unit=opened(force.outsider),
        restricted=opened(force.colleague, restricted=True),
    )


@dataclass
class Actions:
    """The action of each of the ``investigations`` fixture's investigations, in the same relations."""

    own: dict[str, Action]
    same_unit: Action
    other_unit: Action
    restricted: Action


@pytest.fixture
def actions(investigations: Investigations) -> Actions:
    def of(investigation: Investigation) -> Action:
        return investigation.actions.get()

    return Actions(
        own={role: of(i) for role, i in investigations.own.items()},
        same_unit=of(investigations.same_unit),
        other_unit=of(investigations.other_unit),
        restricted=of(investigations.restricted),
    )


def notification_of(pk: int) -> dict[str, Any]:
    notification = RequiredNotification.objects.filter(investigation_id=pk).first()
    return {"notification": notification.pk if notification else 0}


def entry_of(pk: int) -> dict[str, Any]:
    entry = ActionEntry.objects.filter(action_id=pk).first()
    return {"entry": entry.pk if entry else 0}


# --- Sharing ---------------------------------------------------------------------------------------
# Shares in each relation. Officers send Operation Encompass notices from their own concerns (to a school);
# the hub (in unit A) sends MASH referrals to the partner's organisation, children's social care.


@dataclass
class Shares:
    own: dict[str, Share]  # per police role with a unit: their Encompass notice; the hub: its referral
    same_unit: Share  # the colleague's Encompass notice
    other_unit: Share  # the outsider's, in unit B
    restricted: Share  # the colleague's, from a restricted concern
    shared: Share  # the hub's referral, live to the partner's organisation
    revoked: Share  # the hub's referral to the partner's organisation, revoked


@pytest.fixture
def shares(force: Force) -> Shares:
    school, hub = make_school(), force.user("hub")
    add_contacts(force.partner_org)

    def notice(officer: User, restricted: bool = False) -> Share:
        child = make_child(officer, "Nia", "Notice")
        concern = make_concern(officer, child, submit=True, restricted=restricted)
        return send(officer, concern, school, ShareKind.ENCOMPASS, child=child)

    def referral() -> Share:
        return send(hub, make_concern(force.colleague, make_child(force.colleague), submit=True), force.partner_org)

    revoked = referral()
    sharing_services.revoke_share(share=revoked, reason="Sent to the wrong team.", by=hub)
    return Shares(
        own={
            **{role: notice(force.user(role)) for role in ("officer", "investigator", "supervisor")},
            "hub": referral(),
        },
        same_unit=notice(force.colleague),
        other_unit=notice(force.outsider),
        restricted=notice(force.colleague, restricted=True),
        shared=referral(),
        revoked=revoked,
    )


@dataclass
class Discussions:
    """Strategy discussions in each relation, held (a section 47 enquiry), each with one police action
    given to the colleague. The hub (unit A) holds its own; a second hub officer in unit B the others."""

    own: dict[str, StrategyDiscussion]
    same_unit: StrategyDiscussion
    other_unit: StrategyDiscussion
    restricted: StrategyDiscussion


@pytest.fixture
def discussions(force: Force) -> Discussions:
    from safeguard.accounts.models import RoleCode

    hub = force.user("hub")
    other_hub = make_user("hub2", [RoleCode.HUB], force.police, force.unit_b)

    def held(by: User, restricted: bool = False, unit: Any = None) -> StrategyDiscussion:
        concern = make_concern(force.colleague, make_child(force.colleague), submit=True, restricted=restricted)
        if restricted:
            break_glass(by=by, obj=concern, reason="Arranging the strategy discussion.")
        discussion = sharing_services.plan_strategy_discussion(concern=concern, reason="Significant harm.", by=by)
        if unit is not None:
            StrategyDiscussion.objects.filter(pk=discussion.pk).update(unit=unit)
            discussion.refresh_from_db()
        sharing_services.record_strategy_discussion(
            discussion=discussion,
            held_at=timezone.now(),
            attendees=[
                sharing_services.Attendee("police", "Hana Okafor"),
                sharing_services.Attendee("social_care", "Sam Reid"),
            ],
            information_shared="Police history of the household.",
            decision=StrategyDecision.SECTION_47,
            rationale="Unexplained injury to a young child.",
            actions=[
                sharing_services.AgreedAction("Joint visit", "police", sharing_services.today(), force.colleague.pk)
            ],
            by=by,
        )
        return discussion

    return Discussions(
        own={"hub": held(hub)},
        same_unit=held(other_hub, unit=force.unit_a),
        other_unit=held(other_hub),
        restricted=held(other_hub, restricted=True, unit=force.unit_a),
    )


def action_of(pk: int) -> dict[str, Any]:
    discussion = StrategyDiscussion.objects.filter(pk=pk).first()
    return {"pk": discussion.actions.get().pk if discussion else 987654}


def a_dead_alert(force: Force, user: User | None) -> dict[str, Any]:
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        event="share.sent",
        organisation=force.partner_org,
        recipient="gone@partner.example",
        state=OutboxState.DEAD,
        dead_at=timezone.now(),
    )
    return {"pk": message.pk}


def a_contact(force: Force, user: User | None) -> dict[str, Any]:
    contact, _ = PartnerContact.objects.get_or_create(
        organisation=force.partner_org, email="matrix@partner.example", defaults={"name": "Matrix Contact"}
    )
    return {"pk": force.partner_org.pk, "contact": contact.pk}


def shares_table(
    table: dict[str, dict[str, int]], *, partner: dict[str, int] | None = None, **roles: dict[str, int]
) -> dict[str, dict[str, int]]:
    """A record table over shares: "shared" and "revoked" (the hub's referrals, in unit A) answer as the
    same unit does for police roles; the partner answers as ``partner`` says (404 unless told)."""
    out = {role: {**rels, "shared": rels["same_unit"], "revoked": rels["same_unit"]} for role, rels in table.items()}
    out["partner"] = {rel: 404 for rel in SHARE_RELATIONS} | (partner or {})
    return amend(out, **roles)


SHARE: dict[str, Any] = dict(record=True, records="shares", relations=SHARE_RELATIONS)
DISCUSSION: dict[str, Any] = dict(record=True, records="discussions")
SHARE_VIEW = shares_table(VIEW_RECORD)


@dataclass
class Route:
    method: str
    expected: dict[str, int] | dict[str, dict[str, int]]
    kwargs: Callable[[Force, User | None], dict[str, Any]] = lambda force, user: {}
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)  # or from the records
    record: bool = False  # expected is role -> relation -> status
    api: bool = False
    records: str = "notes"  # the fixture holding the records in each relation: notes, concerns or people
    record_kwargs: Callable[[Any], dict[str, Any]] = lambda records: {}  # more URL arguments from that fixture
    of_record: Callable[[int], dict[str, Any]] = lambda pk: {}  # URL arguments from the chosen record's pk
    query: str = ""  # appended to the URL, e.g. "?family_name=Smith"
    relations: list[str] = field(default_factory=lambda: RELATIONS)


# Drafting (or deciding not to share) needs change rights on a submitted concern; own concerns are drafts.
SHARE_FROM_CONCERN = amend(
    CHANGE_RECORD,
    officer=dict(own=302),
    investigator=dict(own=302),
    supervisor=dict(own=302),
    hub=dict(own=302),
)
# A sent share's draft pages redirect to the share, for whoever may change it.
# A supervisor may change the drafts of their team, and its Encompass notices, but not the hub's referrals.
HUB_REFERRALS = dict(shared=403, revoked=403)
SENT_SHARE = shares_table(every(CHANGE_RECORD, 200, 302), supervisor=HUB_REFERRALS)
REVOKE_PAGE = shares_table(CHANGE_RECORD, hub=dict(revoked=302), supervisor=HUB_REFERRALS)
# Reviews and responses are refused by role before any record is read (the partner included).
REVIEW_SHARE = shares_table(
    only({"supervisor"}, every(CHANGE_RECORD, 200, 302)), partner=dict.fromkeys(SHARE_RELATIONS, 403)
)
RESPOND_PAGE = shares_table(
    only({"hub"}, CHANGE_RECORD), hub=dict(revoked=302), partner=dict.fromkeys(SHARE_RELATIONS, 403)
)
STRATEGY_ACTION_PAGE = VIEW_RECORD
PORTAL_SHARE = shares_table(
    {role: dict.fromkeys(RELATIONS, 302 if role == ANON else 403) for role in [*ROLES, ANON]}, partner={"shared": 200}
)


def draft_body(concerns: Any) -> dict[str, Any]:
    return {"concern_id": concerns.same_unit.pk, "kind": "mash", "organisation_id": organisation_pk("social_care")}


def not_shared_body(concerns: Any) -> dict[str, Any]:
    return {
        "concern_id": concerns.same_unit.pk,
        "kind": "mash",
        "reason": "Already open to children's social care under a child protection plan.",
    }


def plan_body(concerns: Any) -> dict[str, Any]:
    return {"concern_id": concerns.same_unit.pk, "reason": "Significant harm is suspected."}


def response_body(shares: Any) -> dict[str, Any]:
    return {"kind": "other", "detail": "Spoke to the family and the school.", "occurred_at": timezone.now().isoformat()}


def record_body(discussions: Any) -> dict[str, Any]:
    return {
        "held_at": timezone.now().isoformat(),
        "attendees": [{"agency": "police", "name": "Hana Okafor"}],
        "information_shared": "Police history of the household.",
        "decision": "cin",
        "rationale": "No injury; the family accept help.",
        "actions": [],
    }


def organisation_pk(kind: str) -> int:
    return Organisation.objects.filter(kind=kind).values_list("pk", flat=True).first() or 0


API_SHARE_VIEW = as_api(shares_table(VIEW_RECORD, partner={"shared": 200}))
API_SENT_SHARE = as_api(shares_table(every(CHANGE_RECORD, 200, 422)))
API_REVOKE = as_api(shares_table(CHANGE_RECORD, hub=dict(revoked=422), supervisor=dict(shared=422, revoked=422)))
API_ACKNOWLEDGE = as_api(shares_table(every(VIEW_RECORD, 200, 422), partner={"shared": 200}))
API_RESPOND = as_api(
    shares_table(only({"hub"}, every(CHANGE_RECORD, 200, 201)), partner={"shared": 201}, hub=dict(revoked=422))
)
API_DRAFT_SHARE = by_role(403, anonymous=401, officer=422, investigator=422, supervisor=422, hub=201)
API_PLAN_DISCUSSION = by_role(403, anonymous=401, officer=422, investigator=422, supervisor=422, hub=201)
# The discussions' "own" is the hub's alone: other roles are shown the same unit's (which they cannot change).
API_RECORD_DISCUSSION = as_api(amend(every(CHANGE_RECORD, 200, 422), officer=dict(own=404), investigator=dict(own=404)))
# The hub completes any action it can see; others who see the discussion are refused by the service.
API_COMPLETE_ACTION = as_api(every(VIEW_RECORD, 200, 422))
API_COMPLETE_ACTION["hub"] = VIEW_RECORD["hub"]

ROUTES: dict[str, Route] = {
    "home": Route("GET", by_role(200)),
    "accounts:login": Route("GET", by_role(302, anonymous=200)),
    "accounts:mfa_setup": Route("GET", by_role(200, anonymous=302)),
    "accounts:logout": Route("POST", by_role(302, anonymous=302)),
    "accounts:profile": Route("GET", by_role(200)),
    "accounts:api_tokens": Route("GET", by_role(200)),
    "accounts:revoke_token": Route("POST", by_role(302), kwargs=lambda force, user: {"pk": own_token(user)}),
    "accounts:notifications": Route("GET", by_role(200)),
    "accounts:break_glass": Route("POST", by_role(404), data={"record_type": "casework.casenote", "record_id": "0"}),
    "accounts:admin_users": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_user_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_user": Route("GET", ADMIN_ONLY_GET, kwargs=lambda force, user: {"pk": force.colleague.pk}),
    "accounts:admin_user_disable": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_user_enable": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_user_reset_mfa": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_units": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_unit_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_unit": Route("GET", ADMIN_ONLY_GET, kwargs=lambda force, user: {"pk": force.unit_b.pk}),
    "accounts:admin_organisations": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_organisation_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_organisation": Route("GET", ADMIN_ONLY_GET, kwargs=lambda f, u: {"pk": f.partner_org.pk}),
    "api:api-root": Route("GET", by_role(404, anonymous=404), api=True),
    "api:openapi-json": Route("GET", by_role(200, anonymous=200), api=True),
    "api:openapi-view": Route("GET", by_role(200, anonymous=200), api=True),
    "api:me": Route("GET", by_role(200, anonymous=401), api=True),
    "api:notifications": Route("GET", by_role(200, anonymous=401), api=True),
    "api:organisations": Route("GET", by_role(200, anonymous=401), api=True),
    "api:units": Route("GET", by_role(200, anonymous=401), api=True),
    "api:users": Route("GET", by_role(403, anonymous=401, admin=200), api=True),
    "api:list_notes": Route("GET", by_role(200, anonymous=401), api=True),
    "api:get_note": Route("GET", API_VIEW_RECORD, record=True, api=True),
    "api:search_people": Route("GET", API_SEARCHERS_ONLY, query="?family_name=Smith", api=True),
    "api:get_person": Route("GET", API_VIEW_PERSON, record=True, records="people", api=True),
    "api:create_person": Route("POST", API_RECORD_NEW, data={"given_name": "New", "family_name": "Child"}, api=True),
    "api:create_concern": Route("POST", API_RECORD_NEW, data={"location": "Park", "types": ["neglect"]}, api=True),
    "api:get_concern": Route("GET", API_VIEW_RECORD, record=True, records="concerns", api=True),
    "api:submit_concern": Route("POST", api_change(own=200, others=422), record=True, records="concerns", api=True),
    "api:endorse_concern": Route(
        "POST", api_change(own=422, others=200), data={"rationale": "Proportionate and timely."}, **CONCERN_API
    ),
    "api:return_concern": Route(
        "POST", api_change(own=422, others=200), data={"reason": "Add the mother's account."}, **CONCERN_API
    ),
    "api:record_voice": Route("POST", api_change(own=200, others=200), data=voice_body, **CONCERN_API),
    "api:get_voice": Route("GET", API_VIEW_RECORD, record=True, records="voices", api=True),
    "casework:list": Route("GET", by_role(200)),
    "concerns:mine": Route("GET", RECORDERS_ONLY),
    "concerns:new": Route("GET", RECORDERS_ONLY),
    "concerns:team": Route("GET", by_role(403, supervisor=200)),
    "concerns:hub": Route("GET", by_role(403, hub=200)),
    "concerns:cumulative_review": Route("GET", by_role(403, hub=200), records="concerns", record_kwargs=open_review_of),
    "concerns:detail": Route("GET", VIEW_RECORD, record=True, records="concerns"),
    "concerns:when": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:where": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:types": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:summary": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:risk": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:people": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:find_person": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:new_person": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:check": Route("GET", DRAFT_PAGE, record=True, records="concerns"),
    "concerns:involve": Route(
        "GET", DRAFT_PAGE, record=True, records="concerns", record_kwargs=lambda r: {"person": r.child.pk}
    ),
    "concerns:remove_person": Route(
        "POST", DRAFT_POST, record=True, records="concerns", record_kwargs=lambda r: {"person": r.child.pk}
    ),
    "concerns:voice": Route(
        "GET", CHANGE_RECORD, record=True, records="concerns", record_kwargs=lambda r: {"person": r.child.pk}
    ),
    "concerns:review": Route("GET", REVIEW_PAGE, record=True, records="concerns"),
    "people:search": Route("GET", SEARCHERS_ONLY),
    "people:detail": Route("GET", PERSON_VIEW, record=True, records="people"),
    "people:add": Route("GET", PERSON_CHANGE, record=True, records="people", record_kwargs=lambda r: {"kind": "name"}),
    "people:merge": Route("GET", only({"hub"}, PERSON_VIEW), record=True, records="people"),
    "people:merge_confirm": Route(
        "GET",
        by_role(403, hub=200),
        records="people",
        record_kwargs=lambda r: {"pk": r.same_unit.pk, "other": r.other_unit.pk},
    ),
    "timescales:mine": Route("GET", RECORDERS_ONLY),
    "timescales:team": Route("GET", by_role(403, supervisor=200, hub=200, leader=200)),
    "timescales:rules": Route("GET", ADMIN_ONLY_GET),
    "timescales:parameter": Route("GET", ADMIN_ONLY_GET, kwargs=lambda f, u: {"key": "concerns.decision_hours_high"}),
    "timescales:terms": Route("GET", ADMIN_ONLY_GET),
    "timescales:remove_term": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": a_term().pk}),
    "api:record_clocks": Route(
        "GET",
        API_VIEW_RECORD,
        record=True,
        api=True,
        records="concerns",
        record_kwargs=lambda r: {"record_type": "concerns.concern"},
    ),
    "api:my_work": Route("GET", {**RECORDERS_ONLY, ANON: 401}, api=True),
    "api:my_team": Route("GET", by_role(403, anonymous=401, supervisor=200, hub=200, leader=200), api=True),
    "investigations:mine": Route("GET", CASE_ROLES_ONLY),
    "investigations:team": Route("GET", by_role(403, supervisor=200, hub=200)),
    "investigations:open": Route("GET", by_role(403, supervisor=200, hub=200)),
    "investigations:detail": Route("GET", VIEW_RECORD, **INVESTIGATION),
    "investigations:close": Route("GET", VIEW_RECORD, **INVESTIGATION),
    "investigations:accept": Route("GET", ACCEPT_PAGE, **INVESTIGATION),
    "investigations:allocate": Route("GET", only({"supervisor", "hub"}, CHANGE_RECORD), **INVESTIGATION),
    "investigations:review": Route("GET", REVIEW_INVESTIGATION, **INVESTIGATION),
    "investigations:add_action": Route("GET", CHANGE_RECORD, **INVESTIGATION),
    "investigations:find_person": Route("GET", CHANGE_RECORD, **INVESTIGATION),
    "investigations:add_person": Route(
        "GET", CHANGE_RECORD, record_kwargs=lambda r: {"person": r.child.pk}, **INVESTIGATION
    ),
    "investigations:voice": Route(
        "GET", CHANGE_RECORD, record_kwargs=lambda r: {"person": r.child.pk}, **INVESTIGATION
    ),
    "investigations:require_notification": Route("GET", CHANGE_RECORD, **INVESTIGATION),
    "investigations:notification": Route("GET", CHANGE_RECORD, of_record=notification_of, **INVESTIGATION),
    "investigations:action": Route("GET", VIEW_RECORD, **ACTION_RECORD),
    "investigations:edit_action": Route("GET", CHANGE_RECORD, **ACTION_RECORD),
    "investigations:finish_action": Route("GET", CHANGE_RECORD, **ACTION_RECORD),
    "investigations:record_entry": Route("GET", CHANGE_RECORD, **ACTION_RECORD),
    "investigations:correct_entry": Route("GET", CHANGE_RECORD, of_record=entry_of, **ACTION_RECORD),
    "api:list_investigations": Route("GET", by_role(200, anonymous=401), api=True),
    "api:open_investigation": Route(
        "POST",
        by_role(403, anonymous=401, officer=422, investigator=422, supervisor=201, hub=201),
        data=open_body,
        records="concerns",
        api=True,
    ),
    "api:get_investigation": Route("GET", API_VIEW_RECORD, api=True, **INVESTIGATION),
    "api:accept_investigation": Route(
        "POST", api_investigation(CHANGE_RECORD, own=422, others=422), api=True, **INVESTIGATION
    ),
    "api:decline_investigation": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=422, others=422),
        data={"reason": "I know the family well."},
        api=True,
        **INVESTIGATION,
    ),
    "api:allocate_investigation": Route(
        "POST",
        api_investigation(
            CHANGE_RECORD,
            own=200,
            others=200,
            officer=dict(own=422),  # role: only a supervisor or the hub allocates
            investigator=dict(own=422),
            supervisor=dict(same_unit=422),  # the colleague is already the officer in that case
            hub=dict(own=422, same_unit=422),
        ),
        data=lambda r: {"officer_id": user_pk("colleague"), "reason": "Rebalancing the team's work."},
        api=True,
        **INVESTIGATION,
    ),
    "api:add_action": Route(
        "POST",
        # The owner given is unit A's supervisor: not one of unit B's team.
        api_investigation(CHANGE_RECORD, own=201, others=201, hub=dict(other_unit=422)),
        data=action_body,
        api=True,
        **INVESTIGATION,
    ),
    "api:require_notification": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=201, others=201),
        data={"agency": "school", "purpose": "Tell the designated safeguarding lead."},
        api=True,
        **INVESTIGATION,
    ),
    "api:notification_sent": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=200, others=200),
        data=lambda r: {"sent_at": timezone.now().isoformat(), "detail": "Emailed the MASH duty team."},
        of_record=lambda pk: {"notification_id": notification_of(pk)["notification"]},
        api=True,
        **INVESTIGATION,
    ),
    "api:record_review": Route(
        "POST",
        SUPERVISOR_API,
        data=review_body,
        api=True,
        **INVESTIGATION,
    ),
    "api:propose_closure": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=422, others=422),
        data={"outcome": "18", "rationale": "Investigation complete: no suspect identified."},
        api=True,
        **INVESTIGATION,
    ),
    "api:sign_off_closure": Route(
        "POST",
        every(SUPERVISOR_API, 201, 422),
        data={"rationale": "All complete."},
        api=True,
        **INVESTIGATION,
    ),
    "api:refuse_closure": Route(
        "POST",
        every(SUPERVISOR_API, 201, 422),
        data={"rationale": "Speak to the school."},
        api=True,
        **INVESTIGATION,
    ),
    "api:get_action": Route("GET", API_VIEW_RECORD, api=True, **ACTION_RECORD),
    "api:update_action": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=200, others=200),
        data={"version": 1, "title": "Collect the CCTV"},
        api=True,
        **ACTION_RECORD,
    ),
    "api:finish_action": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=200, others=200),
        data={"version": 1, "status": "done", "result": "Interview completed and recorded."},
        api=True,
        **ACTION_RECORD,
    ),
    "api:record_entry": Route(
        "POST", api_investigation(CHANGE_RECORD, own=201, others=201), data=entry_body, api=True, **ACTION_RECORD
    ),
    "api:correct_entry": Route(
        "POST",
        api_investigation(CHANGE_RECORD, own=201, others=201),
        data=lambda r: {
            "text": "Spoke to the school nurse.",
            "occurred_at": timezone.now().isoformat(),
            "reason": "Wrong person named.",
        },
        of_record=lambda pk: {"entry_id": entry_of(pk)["entry"]},
        api=True,
        **ACTION_RECORD,
    ),
    "sharing:board": Route("GET", by_role(403, supervisor=200, hub=200)),
    "sharing:ledger": Route("GET", by_role(403, hub=200, leader=200, auditor=200)),
    "sharing:concern": Route("GET", VIEW_RECORD, record=True, records="concerns"),
    # Drafting needs change rights on a submitted concern: the roles' own concerns are drafts (redirected).
    "sharing:draft": Route("GET", SHARE_FROM_CONCERN, record=True, records="concerns"),
    "sharing:not_shared": Route("GET", SHARE_FROM_CONCERN, record=True, records="concerns"),
    "sharing:share": Route("GET", SHARE_VIEW, **SHARE),
    "sharing:edit": Route("GET", SENT_SHARE, **SHARE),
    "sharing:preview": Route("GET", SENT_SHARE, **SHARE),
    "sharing:revoke": Route("GET", REVOKE_PAGE, **SHARE),
    "sharing:review": Route("GET", REVIEW_SHARE, **SHARE),
    "sharing:respond": Route("GET", RESPOND_PAGE, **SHARE),
    "sharing:retry": Route("POST", by_role(403, hub=302), kwargs=a_dead_alert),
    "sharing:strategy_new": Route("GET", only({"hub"}, CHANGE_RECORD), record=True, records="concerns"),
    "sharing:strategy": Route("GET", VIEW_RECORD, **DISCUSSION),
    "sharing:strategy_record": Route("GET", only({"hub"}, every(CHANGE_RECORD, 200, 302)), **DISCUSSION),
    "sharing:strategy_conference": Route("GET", only({"hub"}, CHANGE_RECORD), **DISCUSSION),
    "sharing:strategy_action": Route("GET", STRATEGY_ACTION_PAGE, of_record=action_of, **DISCUSSION),
    "sharing:partners": Route("GET", ADMIN_ONLY_GET),
    "sharing:partner": Route("GET", ADMIN_ONLY_GET, kwargs=lambda f, u: {"pk": f.partner_org.pk}),
    "sharing:add_contact": Route("GET", ADMIN_ONLY_GET, kwargs=lambda f, u: {"pk": f.partner_org.pk}),
    "sharing:contact": Route("GET", ADMIN_ONLY_GET, kwargs=a_contact),
    "portal:home": Route("GET", by_role(403, partner=200)),
    "portal:share": Route("GET", PORTAL_SHARE, **SHARE),
    "portal:acknowledge": Route("POST", every(PORTAL_SHARE, 200, 302), **SHARE),
    "portal:respond": Route("GET", PORTAL_SHARE, **SHARE),
    "api:list_shares": Route("GET", by_role(200, anonymous=401), api=True),
    "api:draft_share": Route("POST", API_DRAFT_SHARE, data=draft_body, records="concerns", api=True),
    "api:not_shared": Route("POST", API_DRAFT_SHARE, data=not_shared_body, records="concerns", api=True),
    "api:get_share": Route("GET", API_SHARE_VIEW, api=True, **SHARE),
    "api:list_responses": Route("GET", API_SHARE_VIEW, api=True, **SHARE),
    "api:update_draft": Route("PATCH", API_SENT_SHARE, data={"lawful_basis": "ca04_s11"}, api=True, **SHARE),
    "api:send_share": Route("POST", API_SENT_SHARE, api=True, **SHARE),
    "api:revoke_share": Route("POST", API_REVOKE, data={"reason": "Sent to the wrong school."}, api=True, **SHARE),
    "api:acknowledge_share": Route("POST", API_ACKNOWLEDGE, api=True, **SHARE),
    "api:record_response": Route("POST", API_RESPOND, data=response_body, api=True, **SHARE),
    "api:list_discussions": Route("GET", by_role(200, anonymous=401), api=True),
    "api:plan_discussion": Route("POST", API_PLAN_DISCUSSION, data=plan_body, records="concerns", api=True),
    "api:get_discussion": Route("GET", API_VIEW_RECORD, api=True, **DISCUSSION),
    "api:record_discussion": Route("POST", API_RECORD_DISCUSSION, data=record_body, api=True, **DISCUSSION),
    "api:complete_action": Route(
        "POST",
        API_COMPLETE_ACTION,
        data={"note": "Visited with the social worker."},
        of_record=lambda pk: {"action_id": action_of(pk)["pk"]},
        api=True,
        **DISCUSSION,
    ),
    "casework:detail": Route("GET", VIEW_RECORD, record=True),
    "casework:edit": Route("GET", CHANGE_RECORD, record=True),
}

RECORD_KWARG = {
    **{
        f"api:{name}": "share_id"
        for name in (
            "get_share",
            "list_responses",
            "update_draft",
            "send_share",
            "revoke_share",
            "acknowledge_share",
            "record_response",
        )
    },
    "api:get_discussion": "discussion_id",
    "api:record_discussion": "discussion_id",
    "api:complete_action": "action_id",
    "api:record_clocks": "record_id",
    "api:get_note": "note_id",
    "api:get_person": "person_id",
    "api:get_concern": "concern_id",
    "api:submit_concern": "concern_id",
    "api:endorse_concern": "concern_id",
    "api:return_concern": "concern_id",
    "api:record_voice": "concern_id",
    "api:get_voice": "voice_id",
    **{
        f"api:{name}": "investigation_id"
        for name in (
            "get_investigation",
            "accept_investigation",
            "decline_investigation",
            "allocate_investigation",
            "add_action",
            "require_notification",
            "notification_sent",
            "record_review",
            "propose_closure",
            "sign_off_closure",
            "refuse_closure",
        )
    },
    **{
        f"api:{name}": "action_id"
        for name in ("get_action", "update_action", "finish_action", "record_entry", "correct_entry")
    },
}


def a_term() -> SchoolTerm:
    calendar, _ = TermCalendar.objects.get_or_create(local_authority="Testshire")
    return SchoolTerm.objects.create(
        calendar=calendar, name="Autumn 2026", first_day=date(2026, 9, 3), last_day=date(2026, 10, 23)
    )


def own_token(user: User | None) -> int:
    if user is None:
        return 1
    token = ApiToken.objects.filter(user=user).first()
    return token.pk if token else create_api_token(user=user, name="matrix")[0].pk


def record_pk(records: Any, role: str, relation: str) -> int:
    """The record in ``relation`` to ``role`` from a Notes, Concerns or People fixture (same shape)."""
    if relation == "own":
        return records.own[role].pk if role in records.own else records.same_unit.pk
    if relation == "missing":
        return 987654
    return getattr(records, relation).pk  # type: ignore[no-any-return]


def secret_of(records: Any, pk: int) -> bytes:
    """Text of the record that a refusal must never contain."""
    if isinstance(records, Notes):
        note = CaseNote.objects.filter(pk=pk).first()
        return note.title.encode() if note else b"\x00"
    if isinstance(records, People):
        person = Person.objects.filter(pk=pk).first()
        return person.family_name.encode() if person else b"\x00"
    if isinstance(records, Voices):
        voice = VoiceRecord.objects.filter(pk=pk).first()
        return voice.childs_words.encode() if voice else b"\x00"
    if isinstance(records, Investigations):
        investigation = Investigation.objects.filter(pk=pk).first()
        return investigation.summary.encode() if investigation else b"\x00"
    if isinstance(records, Actions):
        action = Action.objects.filter(pk=pk).first()
        return action.entries.get().text.encode() if action else b"\x00"
    if isinstance(records, Shares):
        share = Share.objects.filter(pk=pk).first()
        return share.concern.location.encode() if share else b"\x00"
    if isinstance(records, Discussions):
        discussion = StrategyDiscussion.objects.filter(pk=pk).first()
        return discussion.information_shared.encode() if discussion else b"\x00"
    concern = Concern.objects.filter(pk=pk).first()
    return concern.location.encode() if concern else b"\x00"


def client_for(force: Force, role: str, api: bool) -> tuple[Client, User | None, dict[str, str]]:
    if role == ANON:
        return Client(), None, {}
    user = force.user(role)
    if api:
        _, raw = create_api_token(user=user, name="matrix")
        return Client(), user, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return sign_in(Client(), user), user, {}


def test_every_route_is_in_the_access_matrix() -> None:
    missing = route_names() - set(ROUTES)
    stale = set(ROUTES) - route_names()
    assert not missing, f"routes with no row in the access matrix: {sorted(missing)}"
    assert not stale, f"access matrix rows for routes that no longer exist: {sorted(stale)}"


def cases() -> list[tuple[str, str]]:
    return [(name, role) for name in ROUTES for role in [*ROLES, ANON]]


@pytest.mark.parametrize(("name", "role"), cases())
def test_access_matrix(request: pytest.FixtureRequest, force: Force, name: str, role: str) -> None:
    """One route as one role, against the record in every relation (one set of records for them all: each
    relation is a different record, so a change made through one does not alter the next)."""
    route = ROUTES[name]
    records = request.getfixturevalue(route.records)
    client, user, headers = client_for(force, role, route.api)
    wrong = []
    for relation in route.relations if route.record else ["-"]:
        if relation == "own" and role not in records.own:
            continue  # this role owns no such record: "own" would only be the same unit's again
        kwargs = {**route.kwargs(force, user), **route.record_kwargs(records)}
        if route.record:
            kwargs[RECORD_KWARG.get(name, "pk")] = record_pk(records, role, relation)
            kwargs.update(route.of_record(record_pk(records, role, relation)))
            expected = route.expected[role][relation]  # type: ignore[index]
        else:
            expected = route.expected[role]
        url = reverse(name, kwargs=kwargs) + route.query
        data = route.data(records) if callable(route.data) else route.data
        if route.method == "GET":
            response = client.get(url, **headers)  # type: ignore[arg-type]
        elif route.method == "PATCH":
            response = client.patch(url, data, content_type="application/json", **headers)  # type: ignore[arg-type]
        elif route.api:
            response = client.post(url, data, content_type="application/json", **headers)  # type: ignore[arg-type]
        else:
            response = client.post(url, data, **headers)  # type: ignore[arg-type]
        if response.status_code != expected:
            wrong.append(
                f"{route.method} {url} as {role} ({relation}): expected {expected}, got {response.status_code}"
            )
        elif (
            route.record
            and response.status_code in (403, 404)
            and secret_of(records, record_pk(records, role, relation)) in response.content
        ):
            wrong.append(f"{route.method} {url} as {role} ({relation}): a refusal revealed the record")
    assert not wrong, "\n".join(wrong)
