"""The police side of sharing with partners: a concern's shares, drafting and redacting a share, the
preview of exactly what the partner will see, sending, revoking, decisions not to share and their
review, a partner's response taken by the hub, the hub's board of every share's state and the
disclosure ledger. Views parse, authorise through web.access and call services; partners use the
portal (portal.py), never these pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.accounts.models import Organisation, RoleCode, User
from safeguard.concerns.models import Concern
from safeguard.people.models import Person
from safeguard.timescales.forms import add_breach_fields
from safeguard.timescales.models import Clock
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.timescales.services import Late, needs_breach_reason
from safeguard.web.access import get_or_404, shown, shown_rows, signed_in, with_role
from safeguard.web.forms import errors_to_form

from . import selectors, services
from .forms import (
    VALUE_PREFIX,
    BoardFilterForm,
    DraftForm,
    EditForm,
    KindForm,
    LedgerFilterForm,
    NotSharedForm,
    RespondForm,
    ReviewForm,
    RevokeForm,
    SendForm,
    kind_label,
)
from .kinds import spec
from .models import Disclosure, OutboxMessage, Share, ShareKind, ShareStatus
from .timescales import NO_SHARE_REVIEW

# Everyone who works for the force and sees case content; a partner reads shares in the portal.
POLICE_ROLES = (
    RoleCode.OFFICER,
    RoleCode.INVESTIGATOR,
    RoleCode.SUPERVISOR,
    RoleCode.HUB,
    RoleCode.LEADER,
    RoleCode.AUDITOR,
)
BOARD_ROLES = (RoleCode.HUB, RoleCode.SUPERVISOR)
LEDGER_ROLES = (RoleCode.HUB, RoleCode.LEADER, RoleCode.AUDITOR)
PAGE_SIZE = 50
MAX_SHARES_ON_CONCERN = 500


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so that it is validated and its errors shown)."""
    return request.POST if request.method == "POST" else None


def _late(data: dict[str, Any]) -> Late:
    return Late(data.get("breach_reason", ""), data.get("breach_detail", ""))


def _share(request: HttpRequest, pk: int, action: policy.Action = policy.Action.VIEW) -> Share:
    """One share, for a police page. A partner whose organisation it is open to gets 404 here, as for
    anything else on the police side: their door is the portal."""
    user = signed_in(request)
    related = Share.objects.select_related(
        "concern", "organisation", "unit", "owner", "sent_by", "acknowledged_by", "revoked_by", "reviewed_by"
    )
    if not user.has_role(*POLICE_ROLES):
        related = related.none()
    return get_or_404(request, Share, pk, action=action, queryset=related)


def _persons(request: HttpRequest, user: User, ids: Iterable[int | None]) -> dict[int, Person]:
    """The children named on a page, each audited; ``is_locked_for_viewer`` marks restricted ones."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    rows = shown_rows(request, list(policy.visible_to(user, Person.objects.filter(pk__in=wanted))))
    return {p.pk: p for p in rows}


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _no_kinds(request: HttpRequest, concern: Concern) -> HttpResponse:
    """Nothing this person may share from the concern: too early (a draft), or not their role."""
    if concern.status not in services.SHAREABLE:
        messages.info(request, f"{concern} can be shared once it has been submitted.")
        return redirect("sharing:concern", pk=concern.pk)
    raise PermissionDenied


# --- One concern -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def concern_shares(request: HttpRequest, pk: int) -> HttpResponse:
    """A concern's shares and decisions not to share, the clocks to share it owes, and what this person
    may do next: draft each kind they may send, record a decision not to, arrange a strategy discussion."""
    concern = get_or_404(request, Concern, pk)
    user = signed_in(request)
    shares = shown(request, selectors.concern_shares(user, concern), limit=MAX_SHARES_ON_CONCERN)
    children = _persons(request, user, [s.child_id for s in shares])
    clocks = selectors.clocks_of(user, concern, shares)
    running = selectors.running_by_share(clocks)
    for row in shares:
        row.running = running.get(row.pk, [])  # type: ignore[attr-defined]
        row.child_shown = children.get(row.child_id or 0)  # type: ignore[attr-defined]
    kinds = services.kinds_for(user, concern)
    return render(
        request,
        "sharing/concern.html",
        {
            "title": f"Sharing: concern {concern}",
            "concern": concern,
            "shares": shares,
            "clocks": clocks,
            "kinds": [(kind, kind_label(kind), spec(kind).hint) for kind in kinds],
            "shareable": concern.status in services.SHAREABLE,
            "may_plan": concern.status in services.SHAREABLE and services.may_record_discussion(user, concern),
        },
    )


@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a share: its kind (asked first if the address does not give one), who it goes to (for an
    Operation Encompass notice, the child's school first) and, for a notice about one child, which."""
    user = signed_in(request)
    concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
    kinds = services.kinds_for(user, concern)
    if not kinds:
        return _no_kinds(request, concern)
    kind = request.GET.get("kind", "")
    if kind not in kinds:
        chooser = KindForm({"kind": kind} if kind else None, kinds=kinds)
        if kind:
            chooser.is_valid()  # an unknown or forbidden kind: say so, and ask again
        return render(
            request,
            "sharing/draft.html",
            {"title": f"Share concern {concern}", "concern": concern, "form": chooser, "choosing": True},
        )
    template = spec(kind)
    children = services.children_of(concern) if template.per_child else []
    shown_children = _persons(request, user, [c.pk for c in children])
    schools = {c.pk: services.school_of(c) for c in children} if kind == ShareKind.ENCOMPASS else {}
    first = list(dict.fromkeys(s.pk for s in schools.values() if s is not None))
    organisations = services.recipients(kind).order_by(
        Case(When(pk__in=first, then=Value(0)), default=Value(1), output_field=IntegerField()), "name"
    )
    initial: dict[str, Any] = {}
    if len(children) == 1:
        initial["child"] = children[0].pk
    if len(first) == 1:
        initial["organisation"] = first[0]
    locked = {pk for pk, person in shown_children.items() if person.is_locked_for_viewer}  # type: ignore[attr-defined]
    form = DraftForm(
        _posted(request),
        template=template,
        organisations=organisations,
        first=first,
        children=children,
        locked=locked,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = services.draft_share(
                concern=concern, kind=kind, organisation=data["organisation"], child=data.get("child"), by=user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{share} drafted. Choose what to share: nothing is sent until you send it.")
            return redirect("sharing:edit", pk=share.pk)
    return render(
        request,
        "sharing/draft.html",
        {
            "title": f"{kind_label(kind)}: concern {concern}",
            "concern": concern,
            "form": form,
            "kind": kind,
            "kind_label": kind_label(kind),
            "hint": template.hint,
            "choosing": False,
        },
    )


def _manage(request: HttpRequest, pk: int) -> tuple[User, Share]:
    """A share the signed-in person may edit, send or revoke (whoever drafted it, the hub, or for an
    Operation Encompass notice the officers who may change it); 403 otherwise."""
    user = signed_in(request)
    share = _share(request, pk, policy.Action.CHANGE)
    if not services.may_manage(user, share):
        raise PermissionDenied
    return user, share


def _place_edit_errors(form: EditForm, exc: ValidationError) -> None:
    """The service names a field by its template code; the form names its answer ``value_<code>``."""
    if not hasattr(exc, "error_dict"):
        errors_to_form(form, exc)
        return
    for key, errors in exc.message_dict.items():
        name = VALUE_PREFIX + key if VALUE_PREFIX + key in form.fields else key
        form.add_error(name if name in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Redact the draft: untick what the partner need not see, edit what may be edited, and give the
    lawful basis. Fields fixed from the record are shown but cannot be changed."""
    user, share = _manage(request, pk)
    if not share.is_draft:
        return redirect("sharing:share", pk=share.pk)
    form = EditForm(_posted(request), share=share)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_draft(
                share=share,
                included=data["included"],
                values=form.values(),
                lawful_basis=data["lawful_basis"],
                lawful_basis_detail=data["lawful_basis_detail"],
                by=user,
            )
        except ValidationError as exc:
            _place_edit_errors(form, exc)
        else:
            return redirect("sharing:preview", pk=share.pk)
    return render(
        request,
        "sharing/edit.html",
        {
            "title": f"Choose what to share: {share}",
            "share": share,
            "form": form,
            "rows": form.rows(),
            "hint": spec(share.kind).hint,
        },
    )


def _send_clock(user: User, share: Share) -> Clock | None:
    rule = services.SEND_CLOCKS.get(share.kind)
    if rule is None:
        return None
    running = [
        c
        for c in clocks_for(user, [(selectors.CONCERN, share.concern_id)])
        if c.rule_code == rule.code and c.stopped_at is None
    ]
    return with_status(running)[0] if running else None


@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly what the partner will see (the same include the portal uses), the lawful basis, and Send.
    Sending late asks why, as any late work does."""
    user, share = _manage(request, pk)
    if not share.is_draft:
        return redirect("sharing:share", pk=share.pk)
    form = SendForm(_posted(request))
    late = services.needs_breach_reason(share.kind, share.concern, child=share.child)
    if late:
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_share(share=share, by=user, late=_late(form.cleaned_data))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            assert share.organisation is not None
            messages.success(
                request,
                f"{share} sent to {share.organisation.name}. They have been alerted and can read it in the "
                "partner portal.",
            )
            return redirect("sharing:share", pk=share.pk)
    return render(
        request,
        "sharing/preview.html",
        {
            "title": f"Check and send {share}",
            "share": share,
            "form": form,
            "content": services.shared_content(share),
            "clock": _send_clock(user, share),
            "late": late,
        },
    )


# --- One share -------------------------------------------------------------------------------------


def _timeline(share: Share) -> list[tuple[datetime, str, User | None]]:
    """Each step the share has taken, in the order it happened."""
    steps: list[tuple[datetime | None, str, User | None]] = [
        (
            share.created_at,
            "Decision not to share recorded" if share.status == ShareStatus.NOT_SHARED else "Drafted",
            share.owner,
        ),
        (share.sent_at, "Sent", share.sent_by),
        (share.delivered_at, "Alert delivered to the partner", None),
        (share.first_read_at, "Read by the partner", None),
        (share.acknowledged_at, "Acknowledged by the partner", share.acknowledged_by),
        (share.escalated_at, "Not acknowledged in time: the partner's escalation contact told", None),
        (share.answered_at, "The partner's response recorded", None),
        (share.revoked_at, "Revoked: the partner's access ended", share.revoked_by),
        (share.reviewed_at, "Decision not to share reviewed", share.reviewed_by),
    ]
    return sorted(((at, what, by) for at, what, by in steps if at is not None), key=lambda step: step[0])


@require_http_methods(["GET"])
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The police view of one share: its state and timeline, the disclosure ledger entry with the content
    exactly as disclosed, the alerts' delivery, the partner's responses, a decision not to share and its
    review, the clocks, and what this person may do next."""
    record = _share(request, pk)
    user = signed_in(request)
    disclosure = Disclosure.objects.filter(share=record).select_related("disclosed_by", "organisation").first()
    children = _persons(request, user, [record.child_id])
    clocks = with_status(clocks_for(user, [(services.SHARE, record.pk)]))
    alerts = list(record.outbox.select_related("organisation").order_by("created_at", "pk"))
    hub = user.has_role(RoleCode.HUB)
    return render(
        request,
        "sharing/share.html",
        {
            "title": f"Share {record}",
            "share": record,
            "child": children.get(record.child_id or 0),
            "disclosure": disclosure,
            "content": disclosure.content if disclosure else services.shared_content(record),
            "timeline": _timeline(record),
            "alerts": alerts,
            "responses": list(record.responses.select_related("recorded_by")),
            "clocks": clocks,
            "may_edit": record.is_draft and services.may_manage(user, record),
            "may_revoke": record.is_live and services.may_manage(user, record),
            "may_review": services.may_review(user, record),
            "may_respond": hub and services.may_record_response(user, record),
            "may_retry": hub,
        },
    )


@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a live share: the partner's access ends with this transaction, and their system is told."""
    user, record = _manage(request, pk)
    if not record.is_live:
        return redirect("sharing:share", pk=record.pk)
    form = RevokeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_share(share=record, reason=form.cleaned_data["reason"], by=user)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{record} revoked. {record.organisation} can no longer read it.")
            return redirect("sharing:share", pk=record.pk)
    return render(request, "sharing/revoke.html", {"title": f"Revoke {record}", "share": record, "form": form})


@require_http_methods(["GET", "POST"])
def not_shared(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a decision not to share, with its reason, for a supervisor to review. It stops the clock to
    share as sending would; late, it asks why."""
    user = signed_in(request)
    concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
    kinds = services.kinds_for(user, concern)
    if not kinds:
        return _no_kinds(request, concern)
    children = services.children_of(concern)
    shown_children = _persons(request, user, [c.pk for c in children])
    receivers = {kind for k in kinds for kind in spec(k).recipients}
    organisations = Organisation.objects.filter(is_active=True, kind__in=receivers).order_by("name")
    asked = request.GET.get("kind", "")
    form = NotSharedForm(
        _posted(request),
        kinds=kinds,
        children=children,
        locked={pk for pk, p in shown_children.items() if p.is_locked_for_viewer},  # type: ignore[attr-defined]
        organisations=organisations,
        initial={"kind": asked} if asked in kinds else {},
    )
    late = any(
        services.needs_breach_reason(kind, concern, child=child)
        for kind in kinds
        for child in (children if spec(kind).per_child else [None])
    )
    if late:
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.record_not_shared(
                concern=concern,
                kind=data["kind"],
                reason=data["reason"],
                organisation=data.get("organisation"),
                child=data.get("child"),
                by=user,
                late=_late(data),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Decision not to share recorded as {decision}. A supervisor will review it.")
            return redirect("sharing:share", pk=decision.pk)
    return render(
        request,
        "sharing/not_shared.html",
        {"title": f"Decide not to share: concern {concern}", "concern": concern, "form": form, "late": late},
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor of the team that decided not to share agrees, or disagrees and says what to share."""
    user = with_role(request, RoleCode.SUPERVISOR)
    record = _share(request, pk, policy.Action.CHANGE)
    if record.status != ShareStatus.NOT_SHARED or record.reviewed_at is not None:
        return redirect("sharing:share", pk=record.pk)
    if not services.may_review(user, record):
        raise PermissionDenied
    form = ReviewForm(_posted(request))
    late = needs_breach_reason(NO_SHARE_REVIEW, record)
    if late:
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_not_shared(
                share=record, agree=data["agree"] == "yes", note=data["note"], by=user, late=_late(data)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            done = "agreed" if data["agree"] == "yes" else "disagreed: the person who decided has been told"
            messages.success(request, f"Review of {record} recorded: you {done}.")
            return redirect("sharing:share", pk=record.pk)
    clock = next((c for c in with_status(clocks_for(user, [(services.SHARE, record.pk)])) if c.is_open), None)
    return render(
        request,
        "sharing/review.html",
        {"title": f"Review decision {record}", "share": record, "form": form, "clock": clock, "late": late},
    )


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The hub records what a partner did, on the partner's behalf (told by phone or at a meeting)."""
    user = with_role(request, RoleCode.HUB)
    record = _share(request, pk, policy.Action.CHANGE)
    if not services.may_record_response(user, record):
        return redirect("sharing:share", pk=record.pk)
    form = RespondForm(_posted(request), kinds=services.response_kinds(record))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.record_response(
                share=record, kind=data["kind"], detail=data["detail"], occurred_at=form.occurred_at(), by=user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{record}: '{response.get_kind_display()}' recorded for {record.organisation}.")
            return redirect("sharing:share", pk=record.pk)
    return render(
        request,
        "sharing/respond.html",
        {"title": f"Record a partner's response to {record}", "share": record, "form": form},
    )


# --- The hub's board, the ledger, and alerts that could not be delivered -----------------------------


@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    """Every share's state (the hub's: the force's; a supervisor's: their units'), filtered by state, kind
    and lateness at any step, with the count in each state; alerts that could not be delivered first."""
    user = with_role(request, *BOARD_ROLES)
    now = timezone.now()
    shares = selectors.board(user, now)
    counts = selectors.board_counts(shares, now)
    form = BoardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filtered = selectors.filter_board(
        shares,
        now=now,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        late=bool(filters.get("overdue")),
    )
    page = _page(request, filtered)
    rows = list(page)
    dead = list(selectors.dead_alerts(user)[: selectors.DEAD_SHOWN])
    listed = {row.pk for row in rows}
    also = {m.share_id: m.share for m in dead if m.share is not None and m.share_id not in listed}
    shown_rows(request, rows + list(also.values()))  # type: ignore[operator]
    return render(
        request,
        "sharing/board.html",
        {
            "title": "Shares with partners",
            "page": page,
            "shares": rows,
            "counts": [(state, state.label, counts[state.value]) for state in selectors.BOARD_STATES],
            "overdue": counts["overdue"],
            "dead": dead,
            "form": form,
            "query": _query_without_page(request),
            "may_retry": user.has_role(RoleCode.HUB),
        },
    )


@require_http_methods(["GET"])
def ledger(request: HttpRequest) -> HttpResponse:
    """The disclosure ledger (DPA18 s.62: who disclosed what, to whom, when and why) with the decisions
    not to share, newest first, filtered by organisation and dates."""
    user = with_role(request, *LEDGER_ROLES)
    form = LedgerFilterForm(request.GET or None, organisations=selectors.partner_organisations())
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.filter_ledger(
        selectors.ledger(user),
        organisation=filters.get("organisation"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = _page(request, entries)
    rows = shown_rows(request, list(page))
    return render(
        request,
        "sharing/ledger.html",
        {
            "title": "Disclosure ledger",
            "page": page,
            "entries": rows,
            "form": form,
            "query": _query_without_page(request),
        },
    )


@require_http_methods(["POST"])
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """The hub sends a dead alert again, after putting right what stopped it."""
    user = with_role(request, RoleCode.HUB)
    message = OutboxMessage.objects.select_related("organisation").filter(pk=pk).first()
    if message is None:
        raise Http404
    if message.share_id is not None:
        message.share = _share(request, message.share_id, policy.Action.CHANGE)
    try:
        services.requeue_dead(message=message, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"The {message.get_channel_display().lower()} alert to {message.organisation} will be sent again."
        )
    if request.POST.get("back") == "share" and message.share_id is not None:
        return redirect("sharing:share", pk=message.share_id)
    return redirect("sharing:board")
