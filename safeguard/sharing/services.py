"""Sharing with partners: every write, each in one transaction with its audit event, its clocks and its
outbox messages (ARCHITECTURE.md, "Services own writes"; "Transactional outbox").

Who may do what:
- The hub drafts, sends and revokes any kind of share, records decisions not to share, and records
  strategy discussions. Officers, investigators and supervisors may share an Operation Encompass notice
  from a concern they may change (DOMAIN.md: officers send Encompass notices).
- A supervisor reviews a decision not to share made in a unit they supervise (the hub's, for the hub).
- A partner reads, acknowledges and responds to what was shared with their organisation while it is live.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts import policy
from safeguard.accounts.models import Organisation, OrganisationKind, RoleCode, User
from safeguard.accounts.services import notify
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.concerns.models import Concern, ConcernStatus, Involvement
from safeguard.investigations.models import OPEN_STATUSES, RequiredNotification
from safeguard.people.models import Person
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import BreachReason, Clock
from safeguard.timescales.rules import Rule
from safeguard.timescales.services import ON_TIME, Late, open_clock, start_clock, stop_clock, withdraw_clock
from safeguard.validation import check_name, check_text, gather, required_text

from . import outbox
from .kinds import KINDS, propose, spec
from .models import (
    LA_DECISIONS,
    PROGRESS,
    Channel,
    Disclosure,
    LawfulBasis,
    OutboxMessage,
    OutboxState,
    PartnerProfile,
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
from .timescales import (
    ACKNOWLEDGEMENT,
    CONFERENCE,
    ENCOMPASS,
    HEALTH,
    LA_DECISION,
    NO_SHARE_REVIEW,
    REFERRAL,
    STRATEGY,
    STRATEGY_ACTION,
)

SHARE = "sharing.share"
DISCUSSION = "sharing.strategydiscussion"
CASE_ROLES = (RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR)
SHAREABLE = (ConcernStatus.SUBMITTED, ConcernStatus.ENDORSED)
PLAN_HORIZON_DAYS = 366
# The clock each kind of share stops when it is sent (or decided against) for its concern.
SEND_CLOCKS: dict[str, Rule] = {
    ShareKind.MASH_REFERRAL: REFERRAL,
    ShareKind.ENCOMPASS: ENCOMPASS,
    ShareKind.HEALTH: HEALTH,
}
# What a partner may record for each kind of share.
RESPONSES: dict[str, tuple[str, ...]] = {
    ShareKind.MASH_REFERRAL: (*LA_DECISIONS, ResponseKind.CONFERENCE, ResponseKind.OTHER),
    ShareKind.ENCOMPASS: (ResponseKind.SUPPORT_IN_SCHOOL, ResponseKind.OTHER),
    ShareKind.HEALTH: (ResponseKind.HEALTH_FOLLOW_UP, ResponseKind.OTHER),
    ShareKind.RHI_REQUEST: (ResponseKind.RHI_COMPLETED, ResponseKind.OTHER),
    ShareKind.OTHER: tuple(ResponseKind.values),
}
# The partner owes these clocks: when a partner is late, the police record says so without asking them why.
PARTNER_LATE = Late(BreachReason.AWAITING_PARTNER, "The partner recorded this after the time it was due")


def today() -> date:
    return timezone.now().astimezone(LONDON).date()


def _audit(by: User | None, share: Share, operation: str = Operation.ALTER, reason: str = "", **kw: object) -> None:
    audit.record(actor=by, operation=operation, record_type=SHARE, records=[share], reason=reason, **kw)  # type: ignore[arg-type]


# --- Who may do what ---------------------------------------------------------------------------------


def may_share(user: User, concern: Concern, kind: str) -> bool:
    """The hub shares anything; officers share Operation Encompass notices from concerns they may change."""
    if concern.status not in SHAREABLE or not KINDS[kind].from_concern:
        return False
    if user.has_role(RoleCode.HUB):
        return policy.can(user, policy.Action.CHANGE, concern)
    return (
        kind == ShareKind.ENCOMPASS and user.has_role(*CASE_ROLES) and policy.can(user, policy.Action.CHANGE, concern)
    )


def kinds_for(user: User, concern: Concern) -> list[str]:
    return [kind for kind in KINDS if may_share(user, concern, kind)]


def may_manage(user: User, share: Share) -> bool:
    """Edit a draft, send, revoke: whoever drafted it, the hub, or their supervisor."""
    return policy.can(user, policy.Action.CHANGE, share) and (
        user.has_role(RoleCode.HUB) or share.kind == ShareKind.ENCOMPASS or share.owner_id == user.pk
    )


def may_review(user: User, share: Share) -> bool:
    """A supervisor of the unit that decided not to share; never the person who decided."""
    return (
        share.status == ShareStatus.NOT_SHARED
        and share.reviewed_at is None
        and share.owner_id != user.pk
        and user.has_role(RoleCode.SUPERVISOR)
        and share.unit.supervisor_id == user.pk
    )


def is_recipient(user: User, share: Share) -> bool:
    """A partner of the organisation the share is open to, while it is live."""
    return bool(
        user.has_role(RoleCode.PARTNER) and share.open_to_id is not None and share.open_to_id == user.organisation_id
    )


def may_record_response(user: User, share: Share) -> bool:
    """The partner, or the hub on the partner's behalf (told by phone or at a meeting)."""
    if share.status in (ShareStatus.DRAFT, ShareStatus.NOT_SHARED):
        return False
    return is_recipient(user, share) or (
        user.has_role(RoleCode.HUB) and share.is_live and policy.can(user, policy.Action.CHANGE, share)
    )


def recipients(kind: str, child: Person | None = None) -> QuerySet[Organisation]:
    """The active organisations a kind of share may go to; for a school notice, the child's school first."""
    orgs = Organisation.objects.filter(is_active=True, kind__in=spec(kind).recipients).select_related("sharing_profile")
    return orgs.order_by("name")


def school_of(child: Person) -> Organisation | None:
    """The school the child attends, by the school URN on their record."""
    from safeguard.people.models import IdentifierKind

    urns = list(child.identifiers.filter(kind=IdentifierKind.SCHOOL_URN).values_list("value", flat=True))
    if not urns:
        return None
    return Organisation.objects.filter(
        is_active=True, kind=OrganisationKind.SCHOOL, sharing_profile__school_urn__in=urns
    ).first()


def children_of(concern: Concern) -> list[Person]:
    ids = Involvement.objects.filter(concern=concern, is_child=True).values_list("person_id", flat=True)
    return list(Person.objects.filter(pk__in=ids).order_by("family_name", "given_name", "pk"))


# --- Drafting ------------------------------------------------------------------------------------


def draft_share(
    *, concern: Concern, kind: str, organisation: Organisation | None, by: User, child: Person | None = None
) -> Share:
    """A draft from the kind's template. Nothing is disclosed until it is sent."""
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose what kind of share this is"})
    if concern.status not in SHAREABLE:
        raise ValidationError("Only a submitted or endorsed concern can be shared")
    if not may_share(by, concern, kind):
        raise ValidationError({"kind": "Your role cannot send this kind of share from this concern"})
    template = spec(kind)
    errors: dict[str, str] = {}
    if organisation is None or not organisation.is_active or organisation.kind not in template.recipients:
        errors["organisation"] = "Choose who to share with"
    if template.per_child and (child is None or child.pk not in {c.pk for c in children_of(concern)}):
        errors["child"] = "Choose which child this is about"
    if errors:
        raise ValidationError(errors)
    assert organisation is not None
    with transaction.atomic():
        share = Share.objects.create(
            kind=kind,
            concern=concern,
            child=child if template.per_child else None,
            organisation=organisation,
            unit_id=by.unit_id or concern.unit_id,
            owner=by,
            is_restricted=concern.is_restricted,
            lawful_basis=template.lawful_basis,
            content=propose(kind, concern, child, by),
        )
        _give_reference(share)
        _audit(by, share, Operation.COLLECT, reason=f"drafted: {share.get_kind_display()}")
    return share


def _give_reference(share: Share) -> str:
    """A share's reference (SH-2026-000123), once it has a primary key: shown to partners, never a name."""
    share.reference = f"SH-{share.created_at:%Y}-{share.pk:06d}"
    share.save(update_fields=["reference"])
    return share.reference


def update_draft(
    *,
    share: Share,
    included: Iterable[str],
    values: Mapping[str, str],
    lawful_basis: str,
    lawful_basis_detail: str,
    by: User,
) -> Share:
    """Redact: untick what the partner need not see, and edit what may be edited. Fields outside the
    kind's template cannot be added, fixed fields cannot be changed, and required ones stay."""
    if not share.is_draft:
        raise ValidationError("This share has been sent: it cannot be changed")
    if not may_manage(by, share):
        raise ValidationError("You cannot change this share")
    template = spec(share.kind)
    wanted = set(included)
    errors: dict[str, str] = {}
    content = []
    for entry in share.content:
        field = template.field(entry["field"])
        if field is None:
            continue
        value = entry["value"]
        if field.editable and field.code in values:
            value = values[field.code].replace("\r\n", "\n")
            if field.choices:
                if value not in {code for code, _ in field.choices}:
                    errors[field.code] = f"Choose an answer for '{field.label}'"
            else:
                try:
                    check_text(value, field=field.code, label=field.label, limit=field.limit)
                except ValidationError as exc:
                    errors.update({k: v[0] for k, v in exc.message_dict.items()})
        on = field.required or field.code in wanted
        if on and field.editable and not field.choices and not value.strip():
            errors[field.code] = f"Enter '{field.label}', or untick it so it is not shared"
        content.append({**entry, "value": value, "included": "yes" if on else ""})
    gather(errors, lambda: _check_basis(lawful_basis, lawful_basis_detail))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.status != ShareStatus.DRAFT:
            raise ValidationError("This share has been sent: it cannot be changed")
        share.content, share.lawful_basis, share.lawful_basis_detail = (
            content,
            lawful_basis,
            lawful_basis_detail.strip(),
        )
        share.save(update_fields=["content", "lawful_basis", "lawful_basis_detail"])
        _audit(by, share, reason="draft changed")
    return share


def _check_basis(basis: str, detail: str) -> None:
    if basis not in LawfulBasis.values:
        raise ValidationError({"lawful_basis": "Choose the lawful basis for sharing"})
    check_text(detail, field="lawful_basis_detail", label="Why this basis applies", limit=2000)


def shared_content(share: Share) -> list[dict[str, str]]:
    """Exactly what the partner will see: the ticked fields, with answers in words."""
    template = spec(share.kind)
    shown = []
    for entry in share.content:
        field = template.field(entry["field"])
        if field is None or not (field.required or entry.get("included")):
            continue
        value = dict(field.choices).get(entry["value"], entry["value"]) if field.choices else entry["value"]
        shown.append({"field": field.code, "label": field.label, "value": value})
    return shown


def digest(content: Sequence[Mapping[str, str]]) -> str:
    return hashlib.sha256(json.dumps(list(content), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- Sending, and deciding not to ----------------------------------------------------------------


def _send_clock(kind: str, concern: Concern) -> Clock | None:
    rule = SEND_CLOCKS.get(kind)
    return open_clock(rule, concern) if rule else None


def needs_breach_reason(kind: str, concern: Concern, *, child: Person | None = None) -> bool:
    """Would sending (or deciding not to send) this now stop a clock late? Pages ask, to show the questions."""
    clock = _send_clock(kind, concern)
    return bool(clock and timezone.now() > clock.due_at and _completes(kind, concern, child))


def _completes(kind: str, concern: Concern, child: Person | None, also: int | None = None) -> bool:
    """Does a share of ``kind`` (for ``child``) complete what the concern owes? An Encompass notice is owed
    for every child: the clock stops with the last one."""
    if kind != ShareKind.ENCOMPASS:
        return True
    done = set(
        Share.objects.filter(concern=concern, kind=kind)
        .exclude(status=ShareStatus.DRAFT)
        .exclude(pk=also or 0)
        .values_list("child_id", flat=True)
    )
    if child is not None:
        done.add(child.pk)
    return all(c.pk in done for c in children_of(concern))


def _stop_send_clock(share: Share, by: User, late: Late, at: datetime) -> Clock | None:
    rule = SEND_CLOCKS.get(share.kind)
    if rule is None or not _completes(share.kind, share.concern, share.child, also=share.pk):
        return _send_clock(share.kind, share.concern)
    return stop_clock(
        rule=rule, record=share.concern, by=by, breach_reason=late.reason, breach_detail=late.detail, at=at
    )


def send_share(*, share: Share, by: User, late: Late = ON_TIME) -> Disclosure:
    """Disclose: the ledger entry, the partner's access, their clocks and the content-free alerts, at once."""
    if not may_manage(by, share):
        raise ValidationError("You cannot send this share")
    errors: dict[str, str] = {}
    gather(errors, lambda: _check_basis(share.lawful_basis, share.lawful_basis_detail))
    organisation = share.organisation
    if organisation is None or not organisation.is_active:
        errors["organisation"] = "The organisation is no longer active: draft the share again"
    content = shared_content(share)
    if not content:
        errors["content"] = "There is nothing to share"
    if errors:
        raise ValidationError(errors)
    assert organisation is not None
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.status != ShareStatus.DRAFT:
            raise ValidationError("This share has already been sent")
        now = timezone.now()
        clock = _stop_send_clock(share, by, late, now)
        share.status, share.sent_at, share.sent_by, share.open_to = ShareStatus.SENT, now, by, organisation
        share.save(update_fields=["status", "sent_at", "sent_by", "open_to"])
        disclosure = Disclosure.objects.create(
            share=share,
            organisation=organisation,
            disclosed_by=by,
            disclosed_at=now,
            lawful_basis=share.lawful_basis,
            lawful_basis_detail=share.lawful_basis_detail,
            content=content,
            content_sha256=digest(content),
            due_at=clock.due_at if clock else None,
            on_time=(now <= clock.due_at) if clock else None,
        )
        # The partner's clocks, tracked by the hub: acknowledgement, and a local authority's decision on a referral.
        for rule in (ACKNOWLEDGEMENT, LA_DECISION) if share.kind == ShareKind.MASH_REFERRAL else (ACKNOWLEDGEMENT,):
            start_clock(
                rule=rule,
                record=share,
                label=share.reference or str(share.pk),
                unit_id=share.unit_id,
                owner_id=None,
                started_at=now,
                is_restricted=share.is_restricted,
            )
        outbox.queue_alerts(organisation=organisation, event="share.sent", share=share)
        _satisfy_required_notifications(share, by, now)
        _audit(
            by, share, Operation.DISCLOSE, reason=f"sent: {share.get_kind_display()}", recipients=[organisation.name]
        )
    return disclosure


def _satisfy_required_notifications(share: Share, by: User, at: datetime) -> None:
    """A partner an open investigation of this concern must tell is told by this share: the closure gate
    reads the ledger, not a hand-typed note."""
    assert share.organisation is not None
    RequiredNotification.objects.filter(
        investigation__concern_links__concern=share.concern,
        investigation__status__in=OPEN_STATUSES,
        agency=share.organisation.kind,
        sent_at__isnull=True,
    ).update(
        sent_at=at,
        sent_recorded_at=at,
        sent_by=by,
        sent_detail=f"{share.reference} sent through Safeguard to {share.organisation.name}",
    )


def record_not_shared(
    *,
    concern: Concern,
    kind: str,
    reason: str,
    by: User,
    organisation: Organisation | None = None,
    child: Person | None = None,
    late: Late = ON_TIME,
) -> Share:
    """A decision not to share, with its reason, for a supervisor to review (DOMAIN.md)."""
    if kind not in KINDS or not may_share(by, concern, kind):
        raise ValidationError({"kind": "Your role cannot decide on this kind of share from this concern"})
    errors: dict[str, str] = {}
    gather(
        errors,
        lambda: required_text(
            reason, field="reason", label="The reason", minimum=20, what="Say why the information is not shared"
        ),
    )
    if spec(kind).per_child and (child is None or child.pk not in {c.pk for c in children_of(concern)}):
        errors["child"] = "Choose which child this decision is about"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Concern.objects.select_for_update().filter(pk=concern.pk).first()
        now = timezone.now()
        share = Share.objects.create(
            kind=kind,
            concern=concern,
            child=child if spec(kind).per_child else None,
            organisation=organisation,
            unit_id=by.unit_id or concern.unit_id,
            owner=by,
            is_restricted=concern.is_restricted,
            status=ShareStatus.NOT_SHARED,
            not_shared_reason=reason.strip(),
            created_at=now,
        )
        reference = _give_reference(share)
        _stop_send_clock(share, by, late, now)
        supervisor_id = share.unit.supervisor_id
        start_clock(
            rule=NO_SHARE_REVIEW,
            record=share,
            label=reference,
            unit_id=share.unit_id,
            owner_id=supervisor_id if supervisor_id != by.pk else None,
            started_at=now,
            is_restricted=share.is_restricted,
        )
        if supervisor_id and supervisor_id != by.pk:
            notify(
                user_id=supervisor_id,
                message=f"{share.reference}: a decision not to share is waiting for your review",
                link=reverse("sharing:share", args=[share.pk]),
            )
        _audit(by, share, Operation.COLLECT, reason=f"decided not to share: {share.get_kind_display()}")
    return share


def review_not_shared(*, share: Share, agree: bool, note: str, by: User, late: Late = ON_TIME) -> Share:
    if not may_review(by, share):
        raise ValidationError("Only the supervisor of the team that decided can review this decision")
    errors: dict[str, str] = {}
    gather(
        errors,
        lambda: required_text(
            note,
            field="note",
            label="Your review",
            minimum=0 if agree else 20,
            what="Say what should be shared, and with whom",
        ),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.reviewed_at is not None:
            raise ValidationError("This decision has already been reviewed")
        stop_clock(rule=NO_SHARE_REVIEW, record=share, by=by, breach_reason=late.reason, breach_detail=late.detail)
        share.reviewed_at, share.reviewed_by, share.review_agreed = timezone.now(), by, agree
        share.review_note = note.strip()
        share.save(update_fields=["reviewed_at", "reviewed_by", "review_agreed", "review_note"])
        if not agree and share.owner_id:
            notify(
                user_id=share.owner_id,
                message=f"{share.reference}: your supervisor disagrees with the decision not to share",
                link=reverse("sharing:share", args=[share.pk]),
            )
        _audit(by, share, reason="decision not to share reviewed: " + ("agreed" if agree else "disagreed"))
    return share


# --- The partner's side --------------------------------------------------------------------------


def _advance(share: Share, status: str) -> None:
    """Move the share's status on, never back (a late delivery report cannot undo an acknowledgement)."""
    if share.status in PROGRESS and PROGRESS.index(ShareStatus(status)) > PROGRESS.index(ShareStatus(share.status)):
        share.status = status
        Share.objects.filter(pk=share.pk).update(status=status)


def record_read(*, share: Share, by: User) -> None:
    """The partner opened the share (the view audits the consultation itself)."""
    if not is_recipient(by, share):
        return
    with transaction.atomic():
        if share.first_read_at is None:
            share.first_read_at = timezone.now()
            Share.objects.filter(pk=share.pk, first_read_at__isnull=True).update(first_read_at=share.first_read_at)
        _advance(share, ShareStatus.READ)


def acknowledge_share(*, share: Share, by: User) -> Share:
    if not is_recipient(by, share):
        raise ValidationError("Only the organisation this was shared with can acknowledge it")
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.open_to_id is None:
            raise ValidationError("This share has been withdrawn")
        if locked.acknowledged_at is not None:
            raise ValidationError("This share has already been acknowledged")
        _acknowledge(share, by)
        _audit(by, share, reason="acknowledged by the partner")
    return share


def _acknowledge(share: Share, by: User) -> None:
    now = timezone.now()
    _stop_partner_clock(ACKNOWLEDGEMENT, share, by, now)
    share.acknowledged_at, share.acknowledged_by = now, by
    if share.first_read_at is None:
        share.first_read_at = now
    share.save(update_fields=["acknowledged_at", "acknowledged_by", "first_read_at"])
    _advance(share, ShareStatus.ACKNOWLEDGED)


def _stop_partner_clock(rule: Rule, record: Share | StrategyDiscussion, by: User, at: datetime) -> None:
    clock = open_clock(rule, record)
    if clock is not None:
        late = PARTNER_LATE if at > clock.due_at else ON_TIME
        stop_clock(rule=rule, record=record, by=by, breach_reason=late.reason, breach_detail=late.detail, at=at)


def response_kinds(share: Share) -> list[tuple[str, str]]:
    allowed = RESPONSES[share.kind]
    return [(value, label) for value, label in ResponseKind.choices if value in allowed]


def record_response(*, share: Share, kind: str, detail: str, occurred_at: datetime | None, by: User) -> PartnerResponse:
    """What the partner did. A response is also a receipt: an unacknowledged share is acknowledged."""
    if not may_record_response(by, share):
        raise ValidationError("Only the organisation this was shared with can record what it did")
    errors: dict[str, str] = {}
    if kind not in dict(response_kinds(share)):
        errors["kind"] = "Choose what was done"
    if kind == ResponseKind.OTHER:
        gather(
            errors,
            lambda: required_text(detail, field="detail", label="What was done", minimum=10, what="Say what was done"),
        )
    else:
        gather(errors, lambda: check_text(detail, field="detail", label="The detail", limit=4000))
    now = timezone.now()
    if occurred_at is None:
        errors["occurred_at"] = "Enter when it was done"
    elif occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = "When it was done must be in the past"
    elif share.sent_at and occurred_at < share.sent_at - timedelta(days=1):
        errors["occurred_at"] = "When it was done must be after the information was shared"
    if errors:
        raise ValidationError(errors)
    assert occurred_at is not None
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.open_to_id is None:
            raise ValidationError("This share has been withdrawn")
        share.acknowledged_at = locked.acknowledged_at
        if share.acknowledged_at is None:
            _acknowledge(share, by)
        response = PartnerResponse.objects.create(
            share=share, kind=kind, detail=detail.strip(), occurred_at=occurred_at, recorded_at=now, recorded_by=by
        )
        if share.answered_at is None:
            share.answered_at = now
            Share.objects.filter(pk=share.pk).update(answered_at=now)
        _advance(share, ShareStatus.ANSWERED)
        if kind in LA_DECISIONS:
            _stop_partner_clock(LA_DECISION, share, by, now)
        if kind == ResponseKind.CONFERENCE:
            for discussion in StrategyDiscussion.objects.filter(
                concern=share.concern, decision=StrategyDecision.SECTION_47, conference_held_at__isnull=True
            ):
                _conference_held(discussion, occurred_at, by)
        _audit(by, share, reason=f"partner response recorded: {response.get_kind_display()}")
        if share.owner_id and share.owner_id != by.pk:
            notify(
                user_id=share.owner_id,
                message=f"{share.reference}: {share.organisation} recorded '{response.get_kind_display()}'",
                link=reverse("sharing:share", args=[share.pk]),
            )
    return response


def revoke_share(*, share: Share, reason: str, by: User) -> Share:
    """Withdraw a share: the partner's access ends with this transaction; their system is told."""
    if not may_manage(by, share):
        raise ValidationError("You cannot revoke this share")
    errors: dict[str, str] = {}
    gather(
        errors,
        lambda: required_text(reason, field="reason", label="The reason", minimum=10, what="Say why it is withdrawn"),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.open_to_id is None:
            raise ValidationError("Only a share that is live can be revoked")
        organisation = locked.open_to
        assert organisation is not None
        now = timezone.now()
        share.open_to, share.status = None, ShareStatus.REVOKED
        share.revoked_at, share.revoked_by, share.revoke_reason = now, by, reason.strip()
        share.save(update_fields=["open_to", "status", "revoked_at", "revoked_by", "revoke_reason"])
        for rule in (ACKNOWLEDGEMENT, LA_DECISION):
            withdraw_clock(rule=rule, record=share, by=by, at=now)
        outbox.queue_alerts(organisation=organisation, event="share.revoked", share=share)
        _audit(by, share, reason=f"revoked: {reason.strip()}"[:500])
    return share


def escalate_unacknowledged(now: datetime | None = None) -> int:
    """Shares whose acknowledgement is overdue and whose partner's escalation contact has not yet been
    told: tell them (content-free), once. The hub's supervisors are told by the sweep, as for any
    overdue hub work."""
    now = now or timezone.now()
    overdue = Clock.objects.filter(
        rule_code=ACKNOWLEDGEMENT.code, stopped_at__isnull=True, due_at__lte=now
    ).values_list("record_id", flat=True)
    escalated = 0
    for share_id in list(
        Share.objects.filter(
            pk__in=overdue, open_to__isnull=False, acknowledged_at__isnull=True, escalated_at__isnull=True
        ).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            share = (
                Share.objects.select_for_update()
                .filter(pk=share_id, open_to__isnull=False, acknowledged_at__isnull=True, escalated_at__isnull=True)
                .select_related("open_to")
                .first()
            )
            if share is None:
                continue
            assert share.open_to is not None
            share.escalated_at = now
            share.save(update_fields=["escalated_at"])
            outbox.queue_alerts(organisation=share.open_to, event="share.escalated", share=share, escalation=True)
            _audit(None, share, reason="unacknowledged: the partner's escalation contact told")
            escalated += 1
    return escalated


# --- Strategy discussions ------------------------------------------------------------------------


def may_record_discussion(user: User, concern: Concern) -> bool:
    return user.has_role(RoleCode.HUB) and policy.can(user, policy.Action.CHANGE, concern)


def plan_strategy_discussion(
    *, concern: Concern, reason: str, by: User, share: Share | None = None, decided_at: datetime | None = None
) -> StrategyDiscussion:
    """The decision to hold a strategy discussion: its clock starts."""
    if not may_record_discussion(by, concern):
        raise ValidationError("Only the safeguarding hub can arrange a strategy discussion")
    errors: dict[str, str] = {}
    gather(
        errors,
        lambda: required_text(
            reason, field="reason", label="The reason", minimum=10, what="Say why a strategy discussion is needed"
        ),
    )
    now = timezone.now()
    decided_at = decided_at or now
    if decided_at > now + timedelta(minutes=5):
        errors["decided_at"] = "The decision must be in the past"
    if share is not None and share.concern_id != concern.pk:
        errors["share"] = "That share is about another concern"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        discussion = StrategyDiscussion.objects.create(
            concern=concern,
            share=share,
            decided_at=decided_at,
            reason=reason.strip(),
            unit_id=by.unit_id or concern.unit_id,
            owner=by,
            is_restricted=concern.is_restricted,
        )
        discussion.reference = f"SD-{discussion.decided_at:%Y}-{discussion.pk:06d}"
        discussion.save(update_fields=["reference"])
        start_clock(
            rule=STRATEGY,
            record=discussion,
            label=discussion.reference,
            unit_id=discussion.unit_id,
            owner_id=None,
            started_at=decided_at,
            is_restricted=discussion.is_restricted,
        )
        audit.record(
            actor=by, operation=Operation.COLLECT, record_type=DISCUSSION, records=[discussion], reason="planned"
        )
    return discussion


@dataclass(frozen=True)
class Attendee:
    agency: str  # an OrganisationKind value
    name: str
    role: str = ""
    organisation_id: int | None = None


@dataclass(frozen=True)
class AgreedAction:
    description: str
    agency: str
    due_on: date | None
    owner_id: int | None = None


def police_owners() -> QuerySet[User]:
    """Police officers a strategy discussion's action can be given to."""
    return (
        User.objects.filter(is_active=True, disabled_at__isnull=True, roles__code__in=CASE_ROLES)
        .exclude(organisation__kind__in=[k for k in OrganisationKind.values if k != OrganisationKind.POLICE_UNIT])
        .distinct()
        .order_by("last_name", "first_name")
    )


def _check_attendees(attendees: Sequence[Attendee], errors: dict[str, str]) -> None:
    if not attendees:
        errors["attendees"] = "Add who took part, with their agency"
    named = {a.organisation_id for a in attendees if a.organisation_id is not None}
    known = set(Organisation.objects.filter(pk__in=named).values_list("pk", flat=True))
    for n, person in enumerate(attendees):
        if person.agency not in OrganisationKind.values:
            errors[f"attendees.{n}.agency"] = f"Choose the agency of attendee {n + 1}"
        if person.organisation_id is not None and person.organisation_id not in known:
            errors[f"attendees.{n}.organisation"] = f"Choose the organisation of attendee {n + 1} from the list"
        gather(errors, partial(check_name, person.name, field=f"attendees.{n}.name", label=f"Attendee {n + 1}'s name"))
        if not person.name.strip():
            errors[f"attendees.{n}.name"] = f"Enter attendee {n + 1}'s name"
        gather(errors, partial(check_text, person.role, field=f"attendees.{n}.role", label="The role", limit=200))


def _check_actions(actions: Sequence[AgreedAction], errors: dict[str, str]) -> dict[int, User]:
    owners = {u.pk: u for u in police_owners().filter(pk__in=[a.owner_id for a in actions if a.owner_id])}
    for n, action in enumerate(actions):
        where = f"actions.{n}"
        gather(
            errors,
            partial(
                required_text,
                action.description,
                field=f"{where}.description",
                label="The action",
                minimum=5,
                what="Say what is to be done",
            ),
        )
        if action.agency not in OrganisationKind.values:
            errors[f"{where}.agency"] = f"Choose which agency does action {n + 1}"
        if action.due_on is None or not today() <= action.due_on <= today() + timedelta(days=PLAN_HORIZON_DAYS):
            errors[f"{where}.due_on"] = f"Action {n + 1} must be due between today and a year from now"
        if action.agency == OrganisationKind.POLICE_UNIT and action.owner_id not in owners:
            errors[f"{where}.owner"] = f"Choose the police officer who does action {n + 1}"
    return owners


def record_strategy_discussion(
    *,
    discussion: StrategyDiscussion,
    held_at: datetime | None,
    attendees: Sequence[Attendee],
    information_shared: str,
    decision: str,
    rationale: str,
    actions: Sequence[AgreedAction],
    by: User,
    late: Late = ON_TIME,
) -> StrategyDiscussion:
    """The discussion was held: who took part by agency, what was shared, the decision (section 47 or not)
    and the actions, each with its clock; a section 47 decision starts the conference clock."""
    if not may_record_discussion(by, discussion.concern):
        raise ValidationError("Only the safeguarding hub can record a strategy discussion")
    errors: dict[str, str] = {}
    now = timezone.now()
    if held_at is None:
        errors["held_at"] = "Enter when the discussion was held"
    elif held_at > now + timedelta(minutes=5):
        errors["held_at"] = "When it was held must be in the past"
    elif held_at < discussion.decided_at - timedelta(days=1):
        errors["held_at"] = "When it was held must be after the decision to hold it"
    _check_attendees(attendees, errors)
    gather(
        errors,
        lambda: required_text(
            information_shared,
            field="information_shared",
            label="What was shared",
            minimum=10,
            what="Record what information was shared",
        ),
        lambda: required_text(
            rationale, field="rationale", label="The rationale", minimum=10, what="Record why this was decided"
        ),
    )
    if decision not in StrategyDecision.values:
        errors["decision"] = "Choose the decision"
    owners = _check_actions(actions, errors)
    if errors:
        raise ValidationError(errors)
    assert held_at is not None
    with transaction.atomic():
        locked = StrategyDiscussion.objects.select_for_update().get(pk=discussion.pk)
        if locked.held_at is not None:
            raise ValidationError("This strategy discussion has already been recorded")
        stop_clock(
            rule=STRATEGY, record=discussion, by=by, breach_reason=late.reason, breach_detail=late.detail, at=now
        )
        discussion.held_at, discussion.information_shared = held_at, information_shared.strip()
        discussion.decision, discussion.rationale = decision, rationale.strip()
        discussion.recorded_at, discussion.recorded_by = now, by
        discussion.save(
            update_fields=["held_at", "information_shared", "decision", "rationale", "recorded_at", "recorded_by"]
        )
        StrategyAttendee.objects.bulk_create(
            StrategyAttendee(
                discussion=discussion,
                agency=a.agency,
                organisation_id=a.organisation_id,
                name=a.name.strip(),
                role=a.role.strip(),
            )
            for a in attendees
        )
        for n, agreed in enumerate(actions, start=1):
            owner = owners.get(agreed.owner_id or 0) if agreed.agency == OrganisationKind.POLICE_UNIT else None
            assert agreed.due_on is not None
            action = StrategyAction.objects.create(
                discussion=discussion,
                description=agreed.description.strip(),
                agency=agreed.agency,
                owner=owner,
                due_on=agreed.due_on,
            )
            start_clock(
                rule=STRATEGY_ACTION,
                record=action,
                label=f"{discussion.reference} action {n}",
                unit_id=owner.unit_id if owner and owner.unit_id else discussion.unit_id,
                owner_id=owner.pk if owner else None,
                started_at=now,
                context={"due_on": agreed.due_on.isoformat()},
                is_restricted=discussion.is_restricted,
            )
            if owner and owner.pk != by.pk:
                notify(
                    user_id=owner.pk,
                    message=f"{discussion.reference}: a strategy discussion gave you an action",
                    link=reverse("sharing:strategy_action", args=[action.pk]),
                )
        if decision == StrategyDecision.SECTION_47:
            start_clock(
                rule=CONFERENCE,
                record=discussion,
                label=discussion.reference or str(discussion.pk),
                unit_id=discussion.unit_id,
                owner_id=None,
                started_at=held_at,
                is_restricted=discussion.is_restricted,
            )
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type=DISCUSSION,
            records=[discussion],
            reason=f"held: {discussion.get_decision_display()}",
        )
    return discussion


def may_complete_action(user: User, action: StrategyAction) -> bool:
    if action.done_at is not None:
        return False
    if action.owner_id is not None:
        return action.owner_id == user.pk or may_record_discussion(user, action.discussion.concern)
    return may_record_discussion(user, action.discussion.concern)


def complete_strategy_action(*, action: StrategyAction, note: str, by: User, late: Late = ON_TIME) -> StrategyAction:
    if not may_complete_action(by, action):
        raise ValidationError("You cannot record this action as done")
    errors: dict[str, str] = {}
    gather(
        errors, lambda: required_text(note, field="note", label="What was done", minimum=5, what="Say what was done")
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = StrategyAction.objects.select_for_update().get(pk=action.pk)
        if locked.done_at is not None:
            raise ValidationError("This action has already been recorded as done")
        now = timezone.now()
        # Another agency's action is the partner's clock: a late one is recorded without asking the hub why.
        if action.agency != OrganisationKind.POLICE_UNIT and late == ON_TIME:
            clock = open_clock(STRATEGY_ACTION, action)
            late = PARTNER_LATE if clock and now > clock.due_at else ON_TIME
        stop_clock(rule=STRATEGY_ACTION, record=action, by=by, breach_reason=late.reason, breach_detail=late.detail)
        action.done_at, action.done_by, action.done_note = now, by, note.strip()
        action.save(update_fields=["done_at", "done_by", "done_note"])
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type=DISCUSSION,
            records=[action.discussion_id],
            reason=f"action {action.pk} done",
        )
    return action


def record_conference(*, discussion: StrategyDiscussion, held_at: datetime | None, by: User) -> StrategyDiscussion:
    """The initial child protection conference was held (the hub records it when social care has not)."""
    if not may_record_discussion(by, discussion.concern):
        raise ValidationError("Only the safeguarding hub can record the conference")
    if discussion.decision != StrategyDecision.SECTION_47:
        raise ValidationError("A conference follows a strategy discussion that started a section 47 enquiry")
    if discussion.conference_held_at is not None:
        raise ValidationError("The conference has already been recorded")
    now = timezone.now()
    if held_at is None or held_at > now + timedelta(minutes=5) or (discussion.held_at and held_at < discussion.held_at):
        raise ValidationError(
            {"held_at": "Enter when the conference was held: after the discussion, not in the future"}
        )
    with transaction.atomic():
        _conference_held(discussion, held_at, by)
        audit.record(
            actor=by, operation=Operation.ALTER, record_type=DISCUSSION, records=[discussion], reason="conference held"
        )
    return discussion


def _conference_held(discussion: StrategyDiscussion, held_at: datetime, by: User) -> None:
    _stop_partner_clock(CONFERENCE, discussion, by, timezone.now())
    discussion.conference_held_at = held_at
    StrategyDiscussion.objects.filter(pk=discussion.pk).update(conference_held_at=held_at)


# --- Re-sending an alert the relay gave up on (the hub's board) ---------------------------------------


def may_requeue(user: User, message: OutboxMessage) -> bool:
    """The hub, for a dead alert about a share it may change (the hub is told of every dead alert)."""
    return (
        message.state == OutboxState.DEAD
        and user.has_role(RoleCode.HUB)
        and (message.share is None or policy.can(user, policy.Action.CHANGE, message.share))
    )


def requeue_dead(*, message: OutboxMessage, by: User) -> OutboxMessage:
    """Try a dead alert again, once the hub has put right what stopped it (the partner fixed their mailbox
    or registered a new endpoint): pending from now with a fresh count of attempts, to the webhook the
    partner has registered now. Its key is kept, so a receiver that did get it after all drops the copy."""
    if not may_requeue(by, message):
        raise ValidationError("Only the safeguarding hub can send an alert again, and only one that failed")
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().filter(pk=message.pk, state=OutboxState.DEAD).first()
        if locked is None:
            raise ValidationError("This alert is no longer waiting to be sent again")
        if locked.channel == Channel.WEBHOOK:
            profile = PartnerProfile.objects.filter(organisation_id=locked.organisation_id).first()
            if profile is None or not profile.webhook_url:
                raise ValidationError("The partner no longer has a webhook registered: alert them another way")
            locked.recipient = profile.webhook_url
        locked.state, locked.attempts, locked.next_attempt_at = OutboxState.PENDING, 0, timezone.now()
        locked.dead_at, locked.lease_until, locked.claimed_by = None, None, ""
        locked.save(
            update_fields=["recipient", "state", "attempts", "next_attempt_at", "dead_at", "lease_until", "claimed_by"]
        )
        why = f"alert {locked.pk} ({locked.event} by {locked.get_channel_display().lower()}) queued again"
        if locked.share_id is not None:
            audit.record(actor=by, operation=Operation.ALTER, record_type=SHARE, records=[locked.share_id], reason=why)
        else:
            audit.record(
                actor=by, operation=Operation.ALTER, record_type="sharing.outboxmessage", records=[locked], reason=why
            )
        transaction.on_commit(outbox.wake, robust=True)
    return locked
