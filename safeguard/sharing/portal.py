"""The partner portal: what the police shared with a partner organisation, and nothing else.

A partner lands here from a content-free alert. They see the live shares to their organisation, read
one (its disclosure exactly as it was sent, audited as a consultation of the disclosure), acknowledge
receipt and record what they did. Nothing is read from the concern a share came from: the only
content shown is ``share.disclosure.content``, the ledger's snapshot. The access policy lets a partner
see a share only while it is open to their organisation, so a revoked share answers 404 on the very
next request, like a share of another organisation, a draft or a decision not to share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.concerns.forms import london
from safeguard.timescales.models import Clock
from safeguard.web.access import get_or_404, shown_rows, with_role
from safeguard.web.forms import GovukDateField, GovukForm, errors_to_form

from . import services
from .models import Share
from .timescales import ACKNOWLEDGEMENT

PAGE_SIZE = 50
DETAIL_LIMIT = 4000  # services.record_response's limit on the detail
# Written on the consultation event, so the access log tells a partner's reading of what was disclosed
# to them apart from a police officer looking at the same share.
PARTNER_READ = "partner reading a disclosure to their organisation"
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


def with_acknowledgement_due(shares: QuerySet[Share]) -> QuerySet[Share]:
    """Each share with ``acknowledge_by``: the due time of its open acknowledgement clock (None once
    acknowledged, withdrawn, or never sent), in the same query as the shares."""
    due = Clock.objects.filter(
        rule_code=ACKNOWLEDGEMENT.code,
        record_type=services.SHARE,
        record_id=OuterRef("pk"),
        stopped_at__isnull=True,
    ).values("due_at")[:1]
    return shares.annotate(acknowledge_by=Subquery(due))


def shared_with(user: User) -> QuerySet[Share]:
    """The live shares to the user's organisation, newest first: what the policy lets a partner see."""
    live = Share.objects.filter(open_to__isnull=False).select_related("organisation")
    return with_acknowledgement_due(policy.visible_to(user, live)).order_by("-sent_at", "-pk")


def partner_status(share: Share) -> tuple[str, str]:
    """Where the share stands from the partner's side, with its tag colour: new, read, acknowledged or
    answered (the police steps in between, such as delivery, mean nothing to them)."""
    if share.answered_at is not None:
        return "Answered", "govuk-tag--green"
    if share.acknowledged_at is not None:
        return "Acknowledged", "govuk-tag--turquoise"
    if share.first_read_at is not None:
        return "Read", "govuk-tag--blue"
    return "New", "govuk-tag--yellow"


def _mark(share: Share, now: datetime) -> Share:
    label, colour = partner_status(share)
    due = getattr(share, "acknowledge_by", None)
    share.partner_status, share.status_colour = label, colour  # type: ignore[attr-defined]
    share.acknowledgement_overdue = bool(due and share.acknowledged_at is None and due < now)  # type: ignore[attr-defined]
    return share


def _share(request: HttpRequest, pk: int, *, reason: str = "") -> Share:
    """A live share to the partner's organisation; 404 (audited) for anything else."""
    live = Share.objects.filter(open_to__isnull=False).select_related("organisation", "disclosure__disclosed_by__unit")
    return get_or_404(request, Share, pk, queryset=live, reason=reason)


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Shared with the partner's organisation: one consultation names every share on the page."""
    user = with_role(request, RoleCode.PARTNER)
    page = Paginator(shared_with(user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    shares = [_mark(s, now) for s in shown_rows(request, list(page))]
    return render(
        request,
        "sharing/portal_home.html",
        {"title": "Shared with your organisation", "organisation": user.organisation, "page": page, "shares": shares},
    )


@require_http_methods(["GET"])
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The disclosure as it was sent, who sent it and when, and what the organisation has done about it.
    Opening it is the partner's first read, which the police see on their record."""
    user = with_role(request, RoleCode.PARTNER)
    shared = _share(request, pk, reason=PARTNER_READ)
    services.record_read(share=shared, by=user)
    disclosure = shared.disclosure
    label, colour = partner_status(shared)
    clock = Clock.objects.filter(
        rule_code=ACKNOWLEDGEMENT.code, record_type=services.SHARE, record_id=shared.pk, stopped_at__isnull=True
    ).first()
    return render(
        request,
        "sharing/portal_share.html",
        {
            "title": f"{shared.get_kind_display()} {shared.reference}",
            "share": shared,
            "disclosure": disclosure,
            "sender": disclosure.disclosed_by,
            "status_label": label,
            "status_colour": colour,
            "acknowledge_by": clock.due_at if clock else None,
            "overdue": bool(clock and clock.due_at < timezone.now()),
            "responses": list(shared.responses.select_related("recorded_by")),
        },
    )


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = with_role(request, RoleCode.PARTNER)
    shared = _share(request, pk)
    try:
        services.acknowledge_share(share=shared, by=user)
    except ValidationError as exc:
        messages.warning(request, exc.messages[0])
    else:
        messages.success(request, f"You acknowledged {shared.reference}. The police can see you have received it.")
    return redirect("portal:share", pk=shared.pk)


class ResponseForm(GovukForm):
    """What the organisation did, and when it did it (event time: the time it is recorded is kept apart).
    The choices are the ones this kind of share allows (services.response_kinds)."""

    kind = forms.ChoiceField(
        label="What did you do?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what was done", "invalid_choice": "Choose what was done"},
    )
    detail = forms.CharField(
        label="Detail",
        help_text="Required if you chose 'Something else'. Do not repeat what the police shared with you.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DETAIL_LIMIT,
        required=False,
    )
    day = GovukDateField(label="Date it was done", help_text="For example, 27 3 2026")
    time = forms.TimeField(
        label="Time it was done",
        input_formats=TIME_FORMATS,
        help_text="Use the 24-hour clock, for example 14:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter a time like 14:30", "required": "Enter the time it was done"},
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]

    def occurred_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


def _on_form_fields(exc: ValidationError) -> ValidationError:
    """The service names the time ``occurred_at``; the form asks for it in ``day`` and ``time``."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {("day" if name == "occurred_at" else name): errors for name, errors in exc.error_dict.items()}
    )


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what the organisation did. Recording it also acknowledges receipt, if that was not done."""
    user = with_role(request, RoleCode.PARTNER)
    shared = _share(request, pk)
    form = ResponseForm(request.POST or None, kinds=services.response_kinds(shared))
    if request.method == "POST" and form.is_valid():
        try:
            response = services.record_response(
                share=shared,
                kind=form.cleaned_data["kind"],
                detail=form.cleaned_data["detail"],
                occurred_at=form.occurred_at(),
                by=user,
            )
        except ValidationError as exc:
            errors_to_form(form, _on_form_fields(exc))
        else:
            messages.success(request, f"Recorded: {response.get_kind_display()}. The police can see it.")
            return redirect("portal:share", pk=shared.pk)
    return render(
        request,
        "sharing/portal_respond.html",
        {"title": f"Record what you did about {shared.reference}", "share": shared, "form": form},
    )
