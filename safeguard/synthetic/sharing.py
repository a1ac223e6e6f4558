"""The synthetic force's information sharing (DOMAIN.md, "Sharing with partners"; SYNTHETIC.md): for each
submitted concern, the shares the sharing receivers would have owed and the hub and officers would have
made — MASH referrals, Operation Encompass notices to each child's school, health notifications about
under-fives and a few notices to another partner — with decisions not to share and their reviews, the
disclosure ledger, the alerts in the outbox, the partners' acknowledgements and responses, strategy
discussions with their attendees and actions, and every clock as the services would have left it.

Each share's life is drawn whole and then cut at the force's "now": what would have happened later has
not happened yet, so recent work is live (drafts, shares waiting to be acknowledged or decided on,
discussions not yet held). Content follows its kind's template (kinds.py), with values built from the
rows in memory rather than read back; deadlines come from the rules themselves with the shipped values
(``new_clock``), so the history is what the timescales engine would have computed.

Practice quality, so dashboards and audits have something to find: each recording unit sends a share
of its Operation Encompass notices late (``spec.late_share``; a notice is also late whenever the concern
was submitted after the next school day had begun), the hub a share of its referrals and notifications
(``spec.hub_late_share``), each kind of partner a share of its acknowledgements
(``spec.late_acknowledgement``), and police miss a few strategy discussions. The ground truth's
``share_failures`` lists every late or overdue clock and every such absence, read off the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils.text import slugify

from safeguard import parameters
from safeguard.accounts.models import Notification, Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.concerns.models import ConcernStatus, ConcernType, InvolvementRole, RiskGrade
from safeguard.people.models import Identifier, IdentifierKind, Source
from safeguard.sharing.kinds import born, spec, voice_in_words, when
from safeguard.sharing.models import (
    Channel,
    Disclosure,
    OutboxMessage,
    OutboxState,
    PartnerContact,
    PartnerResponse,
    ResponseKind,
    Share,
    ShareKind,
    ShareStatus,
    StrategyAction,
    StrategyAttendee,
    StrategyDecision,
    StrategyDiscussion,
)
from safeguard.sharing.services import PARTNER_LATE, digest, shared_content
from safeguard.sharing.timescales import (
    ACKNOWLEDGEMENT,
    CONFERENCE,
    ENCOMPASS,
    HEALTH,
    LA_DECISION,
    NO_SHARE_REVIEW,
    REFERRAL,
    STRATEGY,
    STRATEGY_ACTION,
    terms_context,
)
from safeguard.timescales.calendars import SchoolCalendar
from safeguard.timescales.models import Clock, ClockOutcome, TermCalendar
from safeguard.timescales.rules import Rule
from safeguard.timescales.services import THRESHOLD_VALUES, new_clock
from safeguard.voice.models import VoiceRecord

from .population import (
    RATIONALES,
    Draw,
    Population,
    Quota,
    Record,
    Recorded,
    ShareFailure,
    _hours,
    _next_id,
    age_on,
    row,
    stop,
)

PARTNER_KINDS = (
    OrganisationKind.CHILDRENS_SOCIAL_CARE,
    OrganisationKind.HEALTH,
    OrganisationKind.SCHOOL,
    OrganisationKind.OTHER,
)
SCHOOL_AGES = range(2, 18)  # primary schools' nurseries take funded two-year-olds; sixth forms to 17
PRIMARY_UNTIL = 10  # the last age at primary school
HEALTH_UNDER = 5  # receivers.HEALTH_AGE_UNDER
OTHER_PARTNER_TYPES = {ConcernType.CSE, ConcernType.CCE, ConcernType.CUSTODY}
NEVER_ACKNOWLEDGED_DAYS = 120  # only shares this recent are left unacknowledged for good
DEAD_ALERT_SHARE = 0.001
DEAD_ALERT_SHARE_RECENT = 0.02  # in the last month, so the hub has failed alerts to act on
RECENT_DAYS = 30
DRAFT_SHARE = 0.4  # of the shares still owed at "now", those a draft has been started for
REVIEW_AGREED = 0.85

LAWFUL_BASIS_DETAIL: dict[str, str] = {
    ShareKind.MASH_REFERRAL: "A referral to children's social care to safeguard the child: sharing to safeguard a "
    "child does not need consent (Working Together 2023).",
    ShareKind.ENCOMPASS: "Operation Encompass: the school's key adult is told before the next school day so "
    "the child can be supported.",
    ShareKind.HEALTH: "The health visitor is told of a concern about a child under five, to safeguard the child.",
    ShareKind.OTHER: "The youth justice service works with the child and needs to know of the risk to keep them safe.",
}
NOT_SHARED_REASONS: dict[str, tuple[str, ...]] = {
    ShareKind.MASH_REFERRAL: (
        "Standard risk, a first concern, and the family already works with early help: the early help lead "
        "was told instead.",
        "The school referred the same incident to children's social care this morning; their referral "
        "reference is on the record.",
        "Referring now would alert the suspect to a covert investigation: agreed with the detective "
        "inspector to refer once the arrest is made.",
    ),
    ShareKind.HEALTH: (
        "The child is on a child protection plan and the health visitor is in the core group: she was told "
        "at today's core group meeting.",
        "The family has moved out of the area: the new area's health visiting team was told by the local authority.",
    ),
}
UNDER_SCHOOL_AGE = (
    "The child is under school age and attends no nursery or early years setting: there is no key adult "
    "to tell. The health visitor is told through the health notification."
)
SCHOOL_NOT_KNOWN = (
    "The child's school is not known: the family says the child is educated at home, and the local "
    "authority's education team was told instead."
)
REVIEW_AGREED_NOTE = "Agreed: the reason is sound and recorded on the concern."
REVIEW_DISAGREED_NOTE = "Share it: the risk to the child outweighs the reason given. Send it today."
REVOKE_REASONS: dict[str, str] = {
    ShareKind.ENCOMPASS: "Sent to the wrong school: the child moved to another school at the start of term.",
    ShareKind.MASH_REFERRAL: "The referral named the wrong child; a corrected referral has been sent.",
    ShareKind.HEALTH: "Sent to the wrong team: the family is registered with another health visiting team.",
    ShareKind.OTHER: "Shared in error: the child is not open to the youth justice service.",
}
# The local authority's decision on a referral, by the concern's risk grade.
LA_DECISION_MIX: dict[str, dict[str, float]] = {
    RiskGrade.HIGH: {
        ResponseKind.STRATEGY_DISCUSSION: 0.30,
        ResponseKind.SECTION_47: 0.15,
        ResponseKind.CHILD_IN_NEED: 0.20,
        ResponseKind.ALREADY_KNOWN: 0.20,
        ResponseKind.EARLY_HELP: 0.08,
        ResponseKind.NO_FURTHER_ACTION: 0.07,
    },
    RiskGrade.MEDIUM: {
        ResponseKind.STRATEGY_DISCUSSION: 0.04,
        ResponseKind.SECTION_47: 0.01,
        ResponseKind.CHILD_IN_NEED: 0.30,
        ResponseKind.EARLY_HELP: 0.30,
        ResponseKind.ALREADY_KNOWN: 0.15,
        ResponseKind.NO_FURTHER_ACTION: 0.20,
    },
    RiskGrade.STANDARD: {
        ResponseKind.CHILD_IN_NEED: 0.08,
        ResponseKind.EARLY_HELP: 0.35,
        ResponseKind.ALREADY_KNOWN: 0.12,
        ResponseKind.NO_FURTHER_ACTION: 0.45,
    },
}
RESPONSE_DETAIL: dict[str, str] = {
    ResponseKind.STRATEGY_DISCUSSION: "Strategy discussion held with police and health; outcome recorded.",
    ResponseKind.SECTION_47: "Section 47 enquiry started at the strategy discussion; social worker allocated.",
    ResponseKind.CHILD_IN_NEED: "Child and family assessment started under section 17.",
    ResponseKind.EARLY_HELP: "The family has been offered early help through the local family hub.",
    ResponseKind.NO_FURTHER_ACTION: "Threshold not met: advice letter sent to the family.",
    ResponseKind.ALREADY_KNOWN: "Open to the service: the allocated social worker has been told.",
    ResponseKind.CONFERENCE: "Initial child protection conference held: the child is subject of a child "
    "protection plan.",
    ResponseKind.SUPPORT_IN_SCHOOL: "The key adult checked in with the child at the start of the day; support "
    "is in place.",
    ResponseKind.HEALTH_FOLLOW_UP: "The health visitor will make a home visit this week.",
    ResponseKind.OTHER: "The child's youth justice worker has been told and will review their plan.",
}
# What the partner says it did after an acknowledgement (besides a referral's decision), and how often.
FOLLOW_UP: dict[str, tuple[str, float, tuple[float, float]]] = {
    ShareKind.ENCOMPASS: (ResponseKind.SUPPORT_IN_SCHOOL, 0.45, (0.1, 5.0)),
    ShareKind.HEALTH: (ResponseKind.HEALTH_FOLLOW_UP, 0.55, (0.5, 10.0)),
    ShareKind.OTHER: (ResponseKind.OTHER, 0.3, (0.5, 7.0)),
}
STRATEGY_OUTCOME: dict[str, dict[str, float]] = {
    ResponseKind.SECTION_47: {StrategyDecision.SECTION_47: 0.9, StrategyDecision.CHILD_IN_NEED: 0.1},
    ResponseKind.STRATEGY_DISCUSSION: {
        StrategyDecision.SECTION_47: 0.5,
        StrategyDecision.CHILD_IN_NEED: 0.35,
        StrategyDecision.NO_FURTHER_ACTION: 0.15,
    },
}
STRATEGY_REASON = "Reasonable cause to suspect the child is suffering, or likely to suffer, significant harm."
INFORMATION_SHARED = (
    "Police shared the incident, the suspect's history and the child's account; social care shared the "
    "family's history with the service; health shared the health visitor's recent contact."
)
STRATEGY_RATIONALE = {
    StrategyDecision.SECTION_47: "The injuries and the child's account give reasonable cause to suspect "
    "significant harm: a section 47 enquiry, jointly with police.",
    StrategyDecision.CHILD_IN_NEED: "No reasonable cause to suspect significant harm, but the family needs "
    "support: a child in need assessment.",
    StrategyDecision.NO_FURTHER_ACTION: "The suspect has left the home and the carer is protective: no "
    "further action by the partnership.",
}
# What strategy discussions agree, by agency, with the days given to do it.
STRATEGY_ACTIONS = (
    (OrganisationKind.POLICE_UNIT, "Visit the child with the social worker and record what the child says.", (1, 5)),
    (OrganisationKind.CHILDRENS_SOCIAL_CARE, "Complete the enquiry and the child and family assessment.", (20, 45)),
    (OrganisationKind.HEALTH, "Health visitor or school nurse to see the child and share any injuries seen.", (2, 10)),
    (OrganisationKind.POLICE_UNIT, "Check the suspect's bail conditions and tell the family what they are.", (1, 7)),
)
ACTION_DONE_NOTE = "Done as agreed at the strategy discussion; the outcome is recorded on the file."
PARTNER_ROLE: dict[str, str] = {
    OrganisationKind.CHILDRENS_SOCIAL_CARE: "Social worker",
    OrganisationKind.HEALTH: "Named nurse for safeguarding children",
    OrganisationKind.SCHOOL: "Designated safeguarding lead",
}
DEAD_REASON = "the mail server refused the address"


# --- Who shares, and with whom ---------------------------------------------------------------------


@dataclass
class PartnerOrg:
    """A partner organisation as the alerts and the portal reach it, read once per load."""

    pk: int
    name: str
    kind: str
    alerts: list[str]  # alert recipients, in the order outbox.queue_alerts writes them
    escalation: list[str]
    webhook: str
    email_alerts: bool
    user: int  # who reads, acknowledges and responds on the portal
    lead: str  # a named contact, who attends strategy discussions
    school_urn: str = ""
    local_authority: str = ""


@dataclass
class Sender:
    """A police user who shares: their id, unit, organisation and how the template names them."""

    pk: int
    unit_id: int | None
    organisation_id: int | None
    contact: str
    name: str


@dataclass
class Partners:
    """The partners each kind of share goes to (the first active one of its kind, preferring those with
    a sharing profile), the schools by age band, and the police users who share."""

    social_care: PartnerOrg | None = None
    health: PartnerOrg | None = None
    other: PartnerOrg | None = None
    primary: list[PartnerOrg] = field(default_factory=list)
    secondary: list[PartnerOrg] = field(default_factory=list)
    hub: Sender | None = None
    hub_users: list[int] = field(default_factory=list)
    senders: dict[int, Sender] = field(default_factory=dict)
    supervisors: dict[int, int | None] = field(default_factory=dict)  # unit id -> its supervisor
    unit_codes: dict[int, str] = field(default_factory=dict)
    terms: str = ""  # the demo schools' local authority's terms, as Encompass clock context

    @property
    def schools(self) -> list[PartnerOrg]:
        return self.primary + [s for s in self.secondary if s not in self.primary]


def find_partners(population: Population) -> Partners:
    """Read the partners, their contacts and the police users once; add a portal user for a partner that
    has none (no usable password, like the synthetic officers) and a supervisor for the hub's unit."""
    staff = population.staff
    orgs = list(Organisation.objects.filter(is_active=True, kind__in=PARTNER_KINDS).select_related("sharing_profile"))
    orgs.sort(key=lambda o: (getattr(o, "sharing_profile", None) is None, o.pk))
    contacts: dict[int, list[PartnerContact]] = {}
    for contact in PartnerContact.objects.filter(organisation__in=orgs, is_active=True).order_by("pk"):
        contacts.setdefault(contact.organisation_id, []).append(contact)
    users: dict[int, int] = {}
    for user_id, org_id in (
        User.objects.filter(is_active=True, roles__code=RoleCode.PARTNER, organisation__in=orgs)
        .order_by("pk")
        .values_list("pk", "organisation_id")
    ):
        users.setdefault(org_id, user_id)
    created: list[User] = []
    draw = Draw(population.spec.seed ^ 0x9A27)
    found = Partners()
    for org in orgs:
        if org.pk not in users:
            user = _synthetic_user(f"{slugify(org.name)[:40]}-portal", org, None, draw, RoleCode.PARTNER, created)
            users[org.pk] = user.pk
        profile = getattr(org, "sharing_profile", None)
        mine = contacts.get(org.pk, [])
        alerts = {c.email.lower(): c.email for c in mine if c.receives_alerts}
        partner = PartnerOrg(
            pk=org.pk,
            name=org.name,
            kind=org.kind,
            alerts=sorted(alerts.values()),
            escalation=sorted({c.email.lower(): c.email for c in mine if c.escalation_contact}.values()),
            webhook=profile.webhook_url if profile else "",
            email_alerts=profile.email_alerts if profile else True,
            user=users[org.pk],
            lead=next((c.name for c in mine if c.receives_alerts), ""),
            school_urn=profile.school_urn if profile else "",
            local_authority=profile.local_authority if profile else "",
        )
        if org.kind == OrganisationKind.SCHOOL:
            if partner.school_urn:
                primary = any(word in org.name.lower() for word in ("primary", "infant", "junior", "nursery"))
                (found.primary if primary else found.secondary).append(partner)
        elif org.kind == OrganisationKind.CHILDRENS_SOCIAL_CARE:
            found.social_care = found.social_care or partner
        elif org.kind == OrganisationKind.HEALTH:
            found.health = found.health or partner
        else:
            found.other = found.other or partner
    if not found.primary or not found.secondary:
        found.primary = found.secondary = found.primary or found.secondary
    authorities = {s.local_authority for s in found.schools}
    if len(authorities) == 1 and (authority := authorities.pop()):
        calendar = TermCalendar.objects.filter(local_authority=authority).first()
        if calendar:
            found.terms = terms_context(SchoolCalendar.of(calendar.terms.values_list("first_day", "last_day")))
    police_ids = {pk for officers in staff.officers.values() for pk in officers}
    hub_users = list(
        User.objects.filter(is_active=True, roles__code=RoleCode.HUB).order_by("pk").values_list("pk", flat=True)
    )
    found.hub_users = list(dict.fromkeys(hub_users))
    if staff.hub is not None:
        police_ids.add(staff.hub)
    for user in User.objects.filter(pk__in=police_ids).select_related("unit", "organisation"):
        unit_name = user.unit.name if user.unit else str(user.organisation)
        found.senders[user.pk] = Sender(
            user.pk, user.unit_id, user.organisation_id, f"{user.display_name}, {unit_name}", user.display_name
        )
    found.hub = found.senders.get(staff.hub) if staff.hub is not None else None
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[*staff.unit_ids.values(), *_hub_unit(found)])}
    for unit in units.values():
        if unit.supervisor_id is None and found.hub is not None and unit.pk == found.hub.unit_id:
            user = _synthetic_user(
                f"{unit.code.lower()}-supervisor", unit.organisation, unit, draw, RoleCode.SUPERVISOR, created
            )
            Unit.objects.filter(pk=unit.pk, supervisor__isnull=True).update(supervisor=user)
            unit.supervisor_id = user.pk
        found.supervisors[unit.pk] = unit.supervisor_id
        found.unit_codes[unit.pk] = unit.code
    if created:
        audit.record(
            actor=None,
            operation=Operation.COLLECT,
            record_type="accounts.user",
            records=created,
            reason="synthetic partner portal users and hub supervisor for the synthetic force",
        )
    return found


def _hub_unit(found: Partners) -> list[int]:
    return [found.hub.unit_id] if found.hub is not None and found.hub.unit_id is not None else []


def _synthetic_user(
    username: str, organisation: Organisation, unit: Unit | None, draw: Draw, role: str, created: list[User]
) -> User:
    """The user of that name, or a new one with no usable password (added to ``created``, to be audited)."""
    user = User.objects.filter(username__iexact=username).first()
    if user is not None:
        return user
    gender = draw.rng.choice(("female", "male"))
    user = User(
        username=username,
        first_name=draw.given(gender),
        last_name=draw.surname(),
        organisation=organisation,
        unit=unit,
    )
    user.set_unusable_password()
    user.save()
    user.roles.set(Role.objects.filter(code=role))
    created.append(user)
    return user


# --- The writer ----------------------------------------------------------------------------------


@dataclass
class Life:
    """A sent share's partner side, drawn whole before it is cut at "now" (or at its revocation)."""

    delivered_at: datetime | None = None
    read_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Earlier:
    """A child's concern as the history field of a later share lists it."""

    concern_id: int
    submitted_at: datetime
    occurred_at: datetime
    line: str


History = Mapping[int, list[Earlier]]


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


class SharingWriter:
    """The shares owed by a household's concerns, with everything that followed them. Its own random
    source, so adding sharing leaves the people, concerns and investigations of a seed as they were."""

    def __init__(self, population: Population) -> None:
        self.p = population
        self.spec = population.spec
        self.draw = Draw(population.spec.seed ^ 0x54A2E)
        self.rng = self.draw.rng
        self.now = population.now.astimezone(UTC)
        self.enabled = not population.spec.people_only
        self.partners = find_partners(population) if self.enabled else Partners()
        self.next_share = _next_id(Share)
        self.next_discussion = _next_id(StrategyDiscussion)
        self.next_action = _next_id(StrategyAction)
        self.values = parameters.defaults(THRESHOLD_VALUES)
        self.late_sends, self.late_acks, self.never_acks, self.dead = Quota(), Quota(), Quota(), Quota()
        self.late_reviews, self.late_decisions = Quota(), Quota()
        self.statuses: dict[str, int] = {}

    # -- schools

    def school_for(self, individual: int, age: int | None) -> PartnerOrg | None:
        """The school a child of ``age`` attends, if it is one of the force's partners: most children's
        school is known (``spec.school_known``), the same for every record of the child."""
        if age not in SCHOOL_AGES or not self.partners.primary:
            return None
        known = (individual * 2_654_435_761 + self.spec.seed) % 10_000 < self.spec.school_known * 10_000
        if not known:
            return None
        band = self.partners.primary if age is not None and age <= PRIMARY_UNTIL else self.partners.secondary
        return band[individual % len(band)]

    def school_identifier(self, record: Record, recorded_at: datetime) -> Identifier | None:
        """The URN of the school the child attends now, on each of their records."""
        if not self.enabled:
            return None
        school = self.school_for(record.individual, age_on(record.dob, self.p.today))
        if school is None:
            return None
        return row(
            Identifier,
            person_id=record.pid,
            kind=IdentifierKind.SCHOOL_URN,
            value=school.school_urn,
            source=Source.PARTNER,
            recorded_at=recorded_at,
            recorded_by_id=record.owner_id,
        )

    # -- a household's concerns

    def write(self, recorded: list[Recorded]) -> None:
        if not self.enabled or not recorded:
            return
        history: dict[int, list[Earlier]] = {}
        for item in recorded:
            concern = item.concern
            if concern.is_restricted:
                continue
            line = f"{concern.reference}, {when(item.occurred_at)}: {item.types_text}"
            for child in item.children:
                history.setdefault(child.pid, []).append(Earlier(concern.pk, item.submitted_at, item.occurred_at, line))
        for item in sorted(recorded, key=lambda r: r.submitted_at):
            self._concern(item, history)

    def _concern(self, item: Recorded, history: History) -> None:
        concern, partners = item.concern, self.partners
        status = concern.status
        submitted = item.submitted_at.astimezone(UTC)
        endorsed = (
            concern.decided_at.astimezone(UTC) if status == ConcernStatus.ENDORSED and concern.decided_at else None
        )
        limit = item.returned_at.astimezone(UTC) if item.returned_at else self.now
        if ConcernType.DOMESTIC_ABUSE in item.types and item.children:
            self._encompass(item, submitted, limit, history)
        if partners.hub is None:
            return
        start = submitted if concern.risk_grade == RiskGrade.HIGH else endorsed
        if partners.social_care is not None and start is not None:
            self._hub_share(
                ShareKind.MASH_REFERRAL, REFERRAL, item, [None], partners.social_care, start, limit, history
            )
        on = item.on
        young: list[Record | None] = [
            r for r in item.children if (age := age_on(r.dob, on)) is not None and age < HEALTH_UNDER
        ]
        if partners.health is not None and endorsed is not None and young:
            self._hub_share(ShareKind.HEALTH, HEALTH, item, young, partners.health, endorsed, limit, history)
        if (
            partners.other is not None
            and endorsed is not None
            and OTHER_PARTNER_TYPES & set(item.types)
            and self.draw.chance(self.spec.other_share)
        ):
            self._other(item, endorsed, history)

    def _hub_share(
        self,
        kind: str,
        rule: Rule,
        item: Recorded,
        children: list[Record | None],
        partner: PartnerOrg,
        start: datetime,
        limit: datetime,
        history: History,
    ) -> None:
        """A referral or health notification the hub owes: sent (on time, or at the hub's rate late), or
        a decision not to share; still owed, perhaps drafted, if its time has not come by "now"."""
        concern, hub = item.concern, self.partners.hub
        assert hub is not None
        context = {"risk": concern.risk_grade} if rule is REFERRAL else {}
        clock = self.p.clock(rule, concern, concern.reference or "", None, start, **context)
        due = clock.due_at
        if self.late_sends.take(f"hub:{kind}", self.spec.hub_late_share):
            at = due + _hours(self.rng.uniform(0.5, 30))
        else:
            at = start + (due - start) * self.rng.uniform(0.05, 0.9)
        if at >= limit:
            if limit == self.now and self.draw.chance(DRAFT_SHARE):
                created = start + (self.now - start) * self.rng.uniform(0.1, 0.9)
                for child in children:
                    self._draft(kind, item, child, partner, hub, created, history)
            self._judge_send(clock, hub)
            return
        if self.draw.chance(self.spec.not_shared_share):
            reason = self.rng.choice(NOT_SHARED_REASONS[kind])
            for child in children:
                self._not_shared(kind, item, child, partner, hub, at, reason, disagree=True, history=history)
        else:
            for child in children:
                self._send(kind, item, child, partner, hub, at, due, history)
        stop(clock, at, hub.pk, self.draw)
        self._judge_send(clock, hub)

    def _encompass(
        self,
        item: Recorded,
        submitted: datetime,
        limit: datetime,
        history: History,
    ) -> None:
        """An Operation Encompass notice to each child's school, sent by the officer who recorded the
        concern, or a decision not to share for a child with no school to tell. The clock stops with the
        last child; a notice is late when the concern was submitted after the school day began."""
        concern = item.concern
        officer = self.partners.senders.get(concern.owner_id)  # type: ignore[arg-type]
        if officer is None:
            return
        on = item.on
        schools = [(child, self.school_for(child.individual, age_on(child.dob, on))) for child in item.children]
        context = {"occurred_at": item.occurred_at.isoformat()}
        authorities = {school.local_authority if school else "" for _, school in schools}
        if self.partners.terms and len(authorities) == 1 and authorities.pop():
            context["terms"] = self.partners.terms
        clock = self.p.clock(ENCOMPASS, concern, concern.reference or "", concern.owner_id, submitted, **context)
        due = clock.due_at
        unit = item.unit
        if self.late_sends.take(f"encompass:{unit}", self.spec.late_share.get(unit, 0.1)):
            at = max(due, submitted) + _hours(self.rng.uniform(2, 60))
        else:
            at = submitted + _minutes(self.rng.uniform(2, 40))
        if at + _minutes(len(schools)) >= limit:
            self._judge_send(clock, officer)
            return
        for n, (child, school) in enumerate(schools):
            moment = at + _minutes(n)
            if school is not None:
                self._send(ShareKind.ENCOMPASS, item, child, school, officer, moment, due, history)
            else:
                known_age = age_on(child.dob, on)
                reason = UNDER_SCHOOL_AGE if known_age is not None and known_age < SCHOOL_AGES[0] else SCHOOL_NOT_KNOWN
                self._not_shared(ShareKind.ENCOMPASS, item, child, None, officer, moment, reason, history=history)
        stop(clock, at + _minutes(len(schools) - 1), officer.pk, self.draw)
        self._judge_send(clock, officer)

    def _other(self, item: Recorded, endorsed: datetime, history: History) -> None:
        """A notice to another partner (the youth justice service, for exploitation and custody): no
        clock owes it, so its ledger entry has no due time."""
        hub, other = self.partners.hub, self.partners.other
        assert hub is not None and other is not None
        at = endorsed + _hours(self.rng.uniform(1, 72))
        if at < self.now:
            self._send(ShareKind.OTHER, item, None, other, hub, at, None, history)

    # -- one share

    def _share(
        self, kind: str, item: Recorded, child: Record | None, partner: PartnerOrg | None, by: Sender, at: datetime
    ) -> Share:
        concern = item.concern
        pk = self.next_share
        self.next_share += 1
        share = row(
            Share,
            pk=pk,
            reference=f"SH-{at.astimezone(UTC):%Y}-{pk:06d}",
            kind=kind,
            concern_id=concern.pk,
            child_id=child.pid if child is not None and spec(kind).per_child else None,
            organisation_id=partner.pk if partner else None,
            unit_id=by.unit_id or concern.unit_id,
            owner_id=by.pk,
            is_restricted=concern.is_restricted,
            created_at=at,
        )
        self.p.rows.shares.append(share)
        return share

    def _draft(
        self,
        kind: str,
        item: Recorded,
        child: Record | None,
        partner: PartnerOrg,
        by: Sender,
        at: datetime,
        history: History,
    ) -> None:
        share = self._share(kind, item, child, partner, by, at)
        share.lawful_basis = spec(kind).lawful_basis
        share.content = self._content(kind, item, child, by, at, history)
        self._count(share)

    def _not_shared(
        self,
        kind: str,
        item: Recorded,
        child: Record | None,
        partner: PartnerOrg | None,
        by: Sender,
        at: datetime,
        reason: str,
        *,
        history: History,
        disagree: bool = False,
    ) -> None:
        """A decision not to share, and the supervisor's review of it (at the unit's rate, late). One the
        supervisor disagrees with is shared after all, by the hub, once the review is in."""
        share = self._share(kind, item, child, partner, by, at)
        share.status, share.not_shared_reason = ShareStatus.NOT_SHARED, reason
        supervisor = self.partners.supervisors.get(share.unit_id)
        owner = supervisor if supervisor != by.pk else None
        clock = self.p.clock(NO_SHARE_REVIEW, share, share.reference or "", owner, at)
        code = self.partners.unit_codes.get(share.unit_id, "")
        late = self.late_reviews.take(code, self.spec.late_supervision_share.get(code, 0.1))
        if late:
            reviewed = clock.due_at + _hours(self.rng.uniform(2, 72))
        else:
            reviewed = at + (clock.due_at - at) * self.rng.uniform(0.05, 0.9)
        if owner is not None and reviewed < self.now:
            agree = not disagree or self.draw.chance(REVIEW_AGREED)
            share.reviewed_at, share.reviewed_by_id, share.review_agreed = reviewed, owner, agree
            share.review_note = REVIEW_AGREED_NOTE if agree else REVIEW_DISAGREED_NOTE
            stop(clock, reviewed, owner, self.draw)
            if not agree and partner is not None and self.partners.hub is not None:
                sent = reviewed + _hours(self.rng.uniform(0.5, 6))
                if sent < self.now:
                    self._send(kind, item, child, partner, self.partners.hub, sent, None, history)
        self._judge(clock, "no_share_review", share.unit_id, share.pk)
        self._count(share)

    def _send(
        self,
        kind: str,
        item: Recorded,
        child: Record | None,
        partner: PartnerOrg,
        by: Sender,
        at: datetime,
        due: datetime | None,
        history: History,
    ) -> Share:
        """Sent at ``at``: the ledger entry, the partner's access and clocks, the alerts, and what the
        partner did next, up to "now"."""
        rows = self.p.rows
        share = self._share(kind, item, child, partner, by, at - _minutes(self.rng.uniform(1, 20)))
        share.lawful_basis = spec(kind).lawful_basis
        share.lawful_basis_detail = LAWFUL_BASIS_DETAIL[kind]
        share.content = self._content(kind, item, child, by, at, history)
        share.status, share.sent_at, share.sent_by_id, share.open_to_id = ShareStatus.SENT, at, by.pk, partner.pk
        content = shared_content(share)
        rows.disclosures.append(
            row(
                Disclosure,
                share_id=share.pk,
                organisation_id=partner.pk,
                disclosed_by_id=by.pk,
                disclosed_at=at,
                lawful_basis=share.lawful_basis,
                lawful_basis_detail=share.lawful_basis_detail,
                content=content,
                content_sha256=digest(content),
                due_at=due,
                on_time=(at <= due) if due is not None else None,
            )
        )
        if due is not None and at > due:
            self._fail("late_share", share.pk, share.unit_id, kind)
        self._partner_side(share, item, partner, by)
        self._count(share)
        return share

    def _partner_side(self, share: Share, item: Recorded, partner: PartnerOrg, by: Sender) -> None:
        """Alerts, reading, acknowledgement (at the partner's rate, late; a few recent ones never), the
        partner's response, a strategy discussion when the referral calls for one, and now and then a
        revocation: cut at "now", and at the revocation."""
        rng, draw, now = self.rng, self.draw, self.now
        sent = share.sent_at
        assert sent is not None
        label = share.reference or ""
        ack_clock = self.p.clock(ACKNOWLEDGEMENT, share, label, None, sent)
        la_clock = (
            self.p.clock(LA_DECISION, share, label, None, sent) if share.kind == ShareKind.MASH_REFERRAL else None
        )
        revoked = sent + _hours(rng.uniform(0.3, 20)) if draw.chance(self.spec.revoked_share) else None
        end = min(revoked, now) if revoked else now
        life = Life()
        delivered = [m.sent_at for m in self._alerts(partner, "share.sent", share, sent) if m.sent_at]
        life.delivered_at = min(delivered) if delivered else None
        # The partner's acknowledgement, and a first look before it.
        ack_due = ack_clock.due_at
        if self.late_acks.take(partner.name, self.spec.late_acknowledgement.get(partner.kind, 0.05)):
            acknowledged: datetime | None = ack_due + _hours(rng.uniform(1, 96))
        else:
            acknowledged = sent + (ack_due - sent) * rng.uniform(0.03, 0.8)
        recent = sent > now - timedelta(days=NEVER_ACKNOWLEDGED_DAYS)
        never = self.spec.late_acknowledgement.get(partner.kind, 0.05) / 4
        if recent and self.never_acks.take(partner.name, never):
            acknowledged = None
        read = sent + ((acknowledged or now) - sent) * rng.uniform(0.1, 0.9)
        # Some never open it, or acknowledge straight from the alert's link.
        if read < end and not draw.chance(0.1 if acknowledged is None else 0.02):
            life.read_at = read
        responder = partner.user if draw.chance(0.92) else (self.partners.hub.pk if self.partners.hub else partner.user)
        if acknowledged is not None and acknowledged < end:
            life.acknowledged_at, life.acknowledged_by = acknowledged, partner.user
            life.read_at = min(life.read_at or acknowledged, acknowledged)
        # What the partner did.
        if share.kind == ShareKind.MASH_REFERRAL and acknowledged is not None and la_clock is not None:
            self._la_decision(share, item, la_clock, acknowledged, end, life, responder)
        elif share.kind in FOLLOW_UP and acknowledged is not None:
            kind, rate, days = FOLLOW_UP[share.kind]
            if draw.chance(rate):
                done = acknowledged + timedelta(days=rng.uniform(*days))
                self._response(share, kind, done, done + _hours(rng.uniform(0.2, 8)), end, life, responder)
        # Stop (or withdraw) the partner's clocks, escalate a late acknowledgement.
        if life.acknowledged_at is not None:
            self._stop_partner(ack_clock, life.acknowledged_at, life.acknowledged_by)
        escalated = ack_due + _minutes(rng.uniform(1, 5))
        if escalated < end and (life.acknowledged_at is None or life.acknowledged_at > escalated):
            share.escalated_at = escalated
            told = [m.sent_at for m in self._alerts(partner, "share.escalated", share, escalated, escalation=True)]
            # The relay counts an escalation reaching the partner as delivery too.
            life.delivered_at = life.delivered_at or min(filter(None, told), default=None)
        if revoked is not None and revoked < now:
            share.open_to_id, share.status = None, ShareStatus.REVOKED
            share.revoked_at, share.revoked_by_id = revoked, by.pk
            share.revoke_reason = REVOKE_REASONS[share.kind]
            for clock in (ack_clock, la_clock):
                if clock is not None and clock.stopped_at is None:
                    clock.stopped_at, clock.stopped_by_id, clock.next_at = revoked, by.pk, None
                    clock.stage = clock.stage_at(revoked)
            self._alerts(partner, "share.revoked", share, revoked)
        else:
            share.status = self._progress(life)
        share.delivered_at, share.first_read_at = life.delivered_at, life.read_at
        share.acknowledged_at, share.acknowledged_by_id = life.acknowledged_at, life.acknowledged_by
        share.answered_at = life.answered_at
        self._judge(ack_clock, "acknowledgement", share.unit_id, share.pk, partner.name)
        if la_clock is not None:
            self._judge(la_clock, "la_decision", share.unit_id, share.pk, partner.name)

    @staticmethod
    def _progress(life: Life) -> str:
        if life.answered_at:
            return ShareStatus.ANSWERED
        if life.acknowledged_at:
            return ShareStatus.ACKNOWLEDGED
        if life.read_at:
            return ShareStatus.READ
        return ShareStatus.DELIVERED if life.delivered_at else ShareStatus.SENT

    def _la_decision(
        self, share: Share, item: Recorded, clock: Clock, acknowledged: datetime, end: datetime, life: Life, by: int
    ) -> None:
        """Children's social care's decision on the referral (WT23: within 1 working day). A decision to
        hold a strategy discussion, or to start a section 47 enquiry, is recorded once the discussion is
        held; the others on the day, at the partner's rate late."""
        rng = self.rng
        kind = self.draw.weighted(LA_DECISION_MIX[RiskGrade(item.concern.risk_grade)])
        response = None
        if kind in STRATEGY_OUTCOME:
            held = self._strategy(share, item, kind, acknowledged + _minutes(rng.uniform(5, 90)), end, by)
            if held is not None:
                occurred, recorded = held
                response = self._response(
                    share, kind, occurred, recorded + _minutes(rng.uniform(10, 240)), end, life, by
                )
        else:
            late = self.spec.late_acknowledgement.get(OrganisationKind.CHILDRENS_SOCIAL_CARE, 0.05)
            if self.late_decisions.take("la", late):
                recorded = clock.due_at + _hours(rng.uniform(1, 48))
            elif acknowledged < clock.due_at:
                recorded = acknowledged + (clock.due_at - acknowledged) * rng.uniform(0.0, 0.7)
            else:
                recorded = acknowledged + _minutes(rng.uniform(1, 30))
            assert share.sent_at is not None
            occurred = max(recorded - _minutes(rng.uniform(5, 180)), share.sent_at)
            response = self._response(share, kind, occurred, recorded, end, life, by)
        if response is not None:
            self._stop_partner(clock, response.recorded_at, by)

    def _response(
        self, share: Share, kind: str, occurred: datetime, recorded: datetime, end: datetime, life: Life, by: int
    ) -> PartnerResponse | None:
        """The partner records what it did: also a receipt, and the share's answer."""
        if recorded >= end:
            return None
        response = row(
            PartnerResponse,
            share_id=share.pk,
            kind=kind,
            detail=RESPONSE_DETAIL[kind],
            occurred_at=min(occurred, recorded),
            recorded_at=recorded,
            recorded_by_id=by,
        )
        self.p.rows.responses.append(response)
        if life.acknowledged_at is None or life.acknowledged_at > recorded:
            life.acknowledged_at, life.acknowledged_by = recorded, by
            life.read_at = min(life.read_at or recorded, recorded)
        life.answered_at = min(life.answered_at or recorded, recorded)
        return response

    def _stop_partner(self, clock: Clock, at: datetime, by: int | None) -> None:
        """As the services stop a clock the partner owes: late without asking the partner why."""
        if clock.stopped_at is not None:
            return
        clock.stopped_at, clock.stopped_by_id, clock.next_at = at, by, None
        clock.stage = clock.stage_at(at)
        late = at > clock.due_at
        clock.outcome = ClockOutcome.BREACHED if late else ClockOutcome.MET
        if late:
            clock.breach_reason, clock.breach_detail = PARTNER_LATE.reason, PARTNER_LATE.detail

    # -- strategy discussions

    def _strategy(
        self, share: Share, item: Recorded, la_kind: str, decided: datetime, end: datetime, social_worker: int
    ) -> tuple[datetime, datetime] | None:
        """Planned by the hub, held (at the hub's rate, late) and recorded with who attended, the decision
        and actions; a section 47 decision is followed by the initial conference. Returns when it was
        held and recorded, or None if that is still to come."""
        rng, draw, hub = self.rng, self.draw, self.partners.hub
        if hub is None or decided >= end:
            return None
        concern = item.concern
        pk = self.next_discussion
        self.next_discussion += 1
        unit_id = hub.unit_id or concern.unit_id
        discussion = row(
            StrategyDiscussion,
            pk=pk,
            reference=f"SD-{decided:%Y}-{pk:06d}",
            concern_id=concern.pk,
            share_id=share.pk,
            decided_at=decided,
            reason=STRATEGY_REASON,
            unit_id=unit_id,
            owner_id=hub.pk,
            is_restricted=concern.is_restricted,
        )
        self.p.rows.discussions.append(discussion)
        label = discussion.reference or ""
        clock = self.p.clock(STRATEGY, discussion, label, None, decided)
        if self.late_sends.take("strategy", self.spec.hub_late_share):
            held = clock.due_at + _hours(rng.uniform(2, 48))
        else:
            held = decided + (clock.due_at - decided) * rng.uniform(0.05, 0.8)
        recorded = held + _hours(rng.uniform(0.5, 6))
        if recorded >= end:
            self._judge(clock, "strategy", unit_id, pk)
            return None
        stop(clock, recorded, hub.pk, draw)
        self._judge(clock, "strategy", unit_id, pk)
        decision = draw.weighted(STRATEGY_OUTCOME[la_kind])
        discussion.held_at, discussion.information_shared = held, INFORMATION_SHARED
        discussion.decision, discussion.rationale = decision, STRATEGY_RATIONALE[StrategyDecision(decision)]
        discussion.recorded_at, discussion.recorded_by_id = recorded, hub.pk
        self._attendees(discussion, item, hub)
        self._actions(discussion, item, recorded)
        if decision == StrategyDecision.SECTION_47:
            self._conference(discussion, share, held, end, social_worker)
        return held, recorded

    def _attendees(self, discussion: StrategyDiscussion, item: Recorded, hub: Sender) -> None:
        rows, draw, partners = self.p.rows, self.draw, self.partners
        pk = discussion.pk
        if draw.chance(1 - self.spec.police_absent_share):
            officer = partners.senders.get(item.concern.owner_id) or hub  # type: ignore[arg-type]
            rows.attendees.append(
                row(
                    StrategyAttendee,
                    discussion_id=pk,
                    agency=OrganisationKind.POLICE_UNIT,
                    organisation_id=officer.organisation_id,
                    name=officer.name,
                    role="Officer in the case" if officer is not hub else "Safeguarding hub",
                )
            )
        else:
            self._fail("police_absent", pk, discussion.unit_id, "strategy")
        attending = [partners.social_care]
        if draw.chance(0.65):
            attending.append(partners.health)
        school = next(
            (s for c in item.children if (s := self.school_for(c.individual, age_on(c.dob, item.on))) is not None),
            None,
        )
        if school is not None and draw.chance(0.5):
            attending.append(school)
        for partner in attending:
            if partner is None:
                continue
            name = partner.lead if partner.kind == OrganisationKind.SCHOOL and partner.lead else self._person()
            rows.attendees.append(
                row(
                    StrategyAttendee,
                    discussion_id=pk,
                    agency=partner.kind,
                    organisation_id=partner.pk,
                    name=name,
                    role=PARTNER_ROLE.get(partner.kind, ""),
                )
            )

    def _person(self) -> str:
        gender = self.rng.choice(("female", "male"))
        return f"{self.draw.given(gender)} {self.draw.surname()}"

    def _actions(self, discussion: StrategyDiscussion, item: Recorded, recorded: datetime) -> None:
        """One to three actions, each with its clock; the police ones owed by the officer in the case, at
        their unit's rate late; the others tracked by the hub. A withdrawn referral does not stop them:
        the discussion was about the child."""
        rng, draw, partners = self.rng, self.draw, self.partners
        hub = partners.hub
        assert hub is not None
        officer = partners.senders.get(item.concern.owner_id) or hub  # type: ignore[arg-type]
        chosen = [STRATEGY_ACTIONS[0], STRATEGY_ACTIONS[1]][: rng.randint(1, 2)]
        if draw.chance(0.3):
            chosen.append(rng.choice(STRATEGY_ACTIONS[2:]))
        day = recorded.astimezone(self.p.zone).date()
        for number, (agency, description, days) in enumerate(chosen, start=1):
            police = agency == OrganisationKind.POLICE_UNIT
            owner = officer if police else None
            due_on = day + timedelta(days=rng.randint(*days))
            action = row(
                StrategyAction,
                pk=self.next_action,
                discussion_id=discussion.pk,
                description=description,
                agency=agency,
                owner_id=owner.pk if owner else None,
                due_on=due_on,
            )
            self.next_action += 1
            self.p.rows.strategy_actions.append(action)
            unit_id = owner.unit_id if owner and owner.unit_id else discussion.unit_id
            clock = new_clock(
                rule=STRATEGY_ACTION,
                record_type=StrategyAction._meta.label_lower,
                record_id=action.pk,
                label=f"{discussion.reference} action {number}",
                unit_id=unit_id,
                owner_id=owner.pk if owner else None,
                started_at=recorded,
                context={"due_on": due_on.isoformat()},
                values=self.values,
                is_restricted=discussion.is_restricted,
                now=self.now,
            )
            self.p.rows.clocks.append(clock)
            late = draw.chance(self.spec.late_supervision_share.get(item.unit, 0.1) if police else 0.1)
            done = (
                clock.due_at + _hours(rng.uniform(4, 120))
                if late
                else recorded + (clock.due_at - recorded) * rng.uniform(0.1, 0.9)
            )
            if done < self.now:
                by = owner.pk if owner else hub.pk
                action.done_at, action.done_by_id, action.done_note = done, by, ACTION_DONE_NOTE
                if police:
                    stop(clock, done, by, draw)
                else:
                    self._stop_partner(clock, done, by)
            self._judge(clock, "strategy_action", unit_id, action.pk)

    def _conference(
        self, discussion: StrategyDiscussion, share: Share, held: datetime, end: datetime, social_worker: int
    ) -> None:
        """The initial child protection conference (WT23: within 15 working days), recorded by social
        care on the referral; a fifth late, as nationally."""
        rng = self.rng
        clock = self.p.clock(CONFERENCE, discussion, discussion.reference or "", None, held)
        if self.draw.chance(0.2):
            occurred = clock.due_at + timedelta(days=rng.uniform(1, 10))
        else:
            occurred = held + (clock.due_at - held) * rng.uniform(0.5, 0.95)
        recorded = occurred + _hours(rng.uniform(1, 30))
        if recorded < end:
            self.p.rows.responses.append(
                row(
                    PartnerResponse,
                    share_id=share.pk,
                    kind=ResponseKind.CONFERENCE,
                    detail=RESPONSE_DETAIL[ResponseKind.CONFERENCE],
                    occurred_at=occurred,
                    recorded_at=recorded,
                    recorded_by_id=social_worker,
                )
            )
            discussion.conference_held_at = occurred
            self._stop_partner(clock, recorded, social_worker)
        self._judge(clock, "conference", discussion.unit_id, discussion.pk)

    # -- content

    def _content(
        self,
        kind: str,
        item: Recorded,
        child: Record | None,
        by: Sender,
        at: datetime,
        history: History,
    ) -> list[dict[str, str]]:
        """The kind's template filled as ``kinds.propose`` would fill it from these rows, then ticked as
        the sender chose: now and then a referral leaves out the history, and a notice to another partner
        ticks only what that partner needs."""
        concern, draw = item.concern, self.draw
        template = spec(kind)
        codes = {f.code for f in template.fields}
        values: dict[str, str] = {
            "reference": concern.reference or "",
            "occurred_at": when(item.occurred_at),
            "contact": by.contact,
        }
        if "types" in codes:
            values["types"] = item.types_text
        if "summary" in codes:
            values["summary"] = concern.summary
        if child is not None:
            values["child"] = f"{child.given} {child.family}, born {born(child.dob)}"
            values["child_name"] = f"{child.given} {child.family}"
            values["child_dob"] = born(child.dob)
            values["child_present"] = draw.weighted({"yes": 0.7, "no": 0.2, "not_known": 0.1})
            values["welfare_check"] = "yes" if draw.chance(0.6) else "no"
        if "people" in codes:
            values["people"] = "\n".join(
                f"{r.given} {r.family} (born {born(r.dob)}): {InvolvementRole(role).label}"
                for r, role, _ in sorted(item.people, key=lambda p: (p[0].pid, p[1]))
            )
        if "risk" in codes:
            grade = RiskGrade(concern.risk_grade)
            values["risk"] = f"{grade.label}: {RATIONALES[grade]}"
        if "voice" in codes:
            values["voice"] = self._voice(item, child)
        if "history" in codes:
            values["history"] = self._history(item, child, at, history)
        ticked = {f.code for f in template.fields if f.proposed}
        if kind == ShareKind.MASH_REFERRAL and draw.chance(0.03):
            ticked.discard("history")
        if kind == ShareKind.OTHER:
            ticked |= {"occurred_at", "types", "risk"}
        return [
            {
                "field": f.code,
                "label": f.label,
                "value": values.get(f.code, ""),
                "included": "yes" if f.code in ticked else "",
            }
            for f in template.fields
        ]

    @staticmethod
    def _voice(item: Recorded, child: Record | None) -> str:
        """As ``kinds._voice``: each child's current voice record, in words."""
        names = {r.pid: f"{r.given} {r.family}" for r, _, _ in item.people}
        voices: list[VoiceRecord] = sorted(item.voices, key=lambda v: v.person_id)
        parts = []
        for voice in voices:
            if child is not None and voice.person_id != child.pid:
                continue
            parts.append(voice_in_words(names.get(voice.person_id, ""), voice))
        return "\n\n".join(parts)

    @staticmethod
    def _history(item: Recorded, child: Record | None, at: datetime, history: History) -> str:
        """As ``kinds._history``: the children's other concerns submitted before the share, newest first."""
        children = [child] if child is not None else item.children
        earlier = {
            e.concern_id: e
            for record in children
            for e in history.get(record.pid, [])
            if e.submitted_at < at and e.concern_id != item.concern.pk
        }
        lines = [e.line for e in sorted(earlier.values(), key=lambda e: e.occurred_at, reverse=True)[:20]]
        return "\n".join(lines) or "No earlier concerns recorded"

    # -- alerts

    def _alerts(
        self, partner: PartnerOrg, event: str, share: Share, at: datetime, *, escalation: bool = False
    ) -> list[OutboxMessage]:
        """The content-free alerts ``outbox.queue_alerts`` would have written, as the relay left them: sent
        within the minute, or (a handful) dead, with every hub user told."""
        recipients = [
            (Channel.EMAIL, r)
            for r in (partner.escalation if escalation else partner.alerts if partner.email_alerts else [])
        ]
        if partner.webhook and not escalation:
            recipients.append((Channel.WEBHOOK, partner.webhook))
        messages = []
        for channel, recipient in recipients:
            sent = at + timedelta(seconds=self.rng.uniform(1, 45))
            recent = at > self.now - timedelta(days=RECENT_DAYS)
            message = row(
                OutboxMessage,
                key=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                channel=channel,
                event=event,
                organisation_id=partner.pk,
                share_id=share.pk,
                recipient=recipient,
                created_at=at,
                next_attempt_at=at,
            )
            if sent >= self.now:
                message.state = OutboxState.PENDING
            elif self.dead.take(
                "recent" if recent else "alerts", DEAD_ALERT_SHARE_RECENT if recent else DEAD_ALERT_SHARE
            ):
                message.state, message.attempts, message.dead_at = OutboxState.DEAD, 1, sent
                message.last_error = f"{DEAD_REASON}: {{'{recipient}': (550, b'5.1.1 Recipient address rejected')}}"
                self._tell_hub(share, partner, channel, sent)
                self._fail("dead_alert", share.pk, share.unit_id, share.kind, partner.name)
            else:
                message.state, message.attempts, message.sent_at = OutboxState.SENT, 1, sent
            messages.append(message)
        self.p.rows.outbox.extend(messages)
        return messages

    def _tell_hub(self, share: Share, partner: PartnerOrg, channel: str, at: datetime) -> None:
        """As the relay tells every hub user of a dead alert; read by now unless it is recent."""
        text = (
            f"{share.reference}: the {Channel(channel).label.lower()} alert to {partner.name} could not be "
            f"delivered ({DEAD_REASON}). Contact them another way."
        )
        link = reverse("sharing:share", args=[share.pk])
        unread = at > self.now - timedelta(days=RECENT_DAYS)
        for user_id in self.partners.hub_users:
            self.p.rows.notifications_to_hub.append(
                row(
                    Notification,
                    user_id=user_id,
                    message=text[:300],
                    link=link,
                    created_at=at,
                    read_at=None if unread else at + _hours(self.rng.uniform(0.5, 48)),
                )
            )

    # -- ground truth

    def _judge_send(self, clock: Clock, by: Sender) -> None:
        """A share still owed past its due time (the late ones are judged by their ledger entry)."""
        if clock.stopped_at is None and clock.due_at < self.now:
            kind = {REFERRAL.code: ShareKind.MASH_REFERRAL, ENCOMPASS.code: ShareKind.ENCOMPASS}.get(
                clock.rule_code, ShareKind.HEALTH
            )
            self._fail("share_overdue", clock.record_id, clock.unit_id, kind)

    def _judge(self, clock: Clock, what: str, unit_id: int, record_id: int, partner: str = "") -> None:
        """Ground truth of a late or overdue clock, read off the clock itself."""
        kind = ""
        if clock.stopped_at is None and clock.due_at < self.now:
            kind = f"{what}_overdue"
        elif clock.outcome == ClockOutcome.BREACHED:
            kind = f"late_{what}"
        if kind:
            self._fail(kind, record_id, unit_id, clock.rule_code, partner)

    def _fail(self, kind: str, record_id: int, unit_id: int, about: str, partner: str = "") -> None:
        unit = self.partners.unit_codes.get(unit_id, "")
        self.p.truth.share_failures.append(ShareFailure(kind, record_id, unit, about, partner))

    def _count(self, share: Share) -> None:
        self.statuses[share.status] = self.statuses.get(share.status, 0) + 1
