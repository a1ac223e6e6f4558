"""The strategy discussion pages: the hub plans one from a concern (its clock starts), records it as held
(who took part by agency, what was shared, the decision and the actions), records the initial child
protection conference after a section 47 decision, and an action's owner records it done. Views parse,
authorise through web.access and call the sharing services (WT23; DOMAIN.md, "Strategy discussion")."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.accounts.models import OrganisationKind, RoleCode, User
from safeguard.audit.models import Outcome
from safeguard.concerns.models import Concern
from safeguard.timescales.forms import add_breach_fields
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import Rule
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.timescales.services import Late, needs_breach_reason
from safeguard.web.access import audit_consult, get_or_404, shown, signed_in, with_role
from safeguard.web.forms import errors_to_form

from . import services
from .models import Share, ShareStatus, StrategyAction, StrategyDecision, StrategyDiscussion
from .strategy_forms import (
    ActionForm,
    AttendeeForm,
    CompleteForm,
    ConferenceForm,
    PlanForm,
    RecordForm,
    answers,
)
from .timescales import CONFERENCE, STRATEGY, STRATEGY_ACTION

ACTION = "sharing.strategyaction"
MAX_ROWS = 20
DEFAULT_ATTENDEES = 3
DEFAULT_ACTIONS = 2
# The service's names for the fields it checks, where the page asks them under another name.
FIELD_NAMES = {"held_at": "day", "decided_at": "day"}


def _late(data: dict[str, Any]) -> Late:
    return Late(data.get("breach_reason", ""), data.get("breach_detail", ""))


def _discussion(request: HttpRequest, pk: int, action: policy.Action = policy.Action.VIEW) -> StrategyDiscussion:
    related = StrategyDiscussion.objects.select_related("concern", "share", "share__organisation", "recorded_by")
    return get_or_404(request, StrategyDiscussion, pk, action=action, queryset=related)


def _errors_to(form: Any, exc: ValidationError) -> None:
    """A service error on the page's form, the service's field names translated to the page's."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError({FIELD_NAMES.get(k, k): v for k, v in exc.message_dict.items()})
    errors_to_form(form, exc)


def _running(clocks: list[Clock], rule: Rule) -> Clock | None:
    return next((c for c in clocks if c.rule_code == rule.code and c.stopped_at is None), None)


# --- Planning ----------------------------------------------------------------------------------------


def _shares_of(user: User, concern: Concern) -> QuerySet[Share]:
    """The shares of the concern a discussion may follow: those sent (live, answered or revoked)."""
    sent = Share.objects.filter(concern=concern, sent_at__isnull=False).exclude(status=ShareStatus.DRAFT)
    return policy.visible_to(user, sent).select_related("organisation").order_by("-sent_at", "-pk")


@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The hub records the decision to hold a strategy discussion about a concern; its clock starts."""
    user = with_role(request, RoleCode.HUB)
    concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
    if not services.may_record_discussion(user, concern):
        raise PermissionDenied
    shares = _shares_of(user, concern)
    listed = shown(request, shares)
    now = timezone.localtime()
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        shares=shares.filter(pk__in=[s.pk for s in listed]),
        initial={"day": now.date(), "time": now.strftime("%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            discussion = services.plan_strategy_discussion(
                concern=concern, reason=data["reason"], share=data["share"], decided_at=form.decided_at(), by=user
            )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, f"Strategy discussion {discussion} arranged. Record it once it has been held.")
            return redirect("sharing:strategy", pk=discussion.pk)
    return render(
        request,
        "sharing/strategy_plan.html",
        {"title": f"Arrange a strategy discussion about {concern}", "concern": concern, "form": form},
    )


# --- The discussion ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One strategy discussion: planned or held, its clocks, who took part by agency (police attendance
    shown plainly), what was shared, the decision, the actions and the conference."""
    discussion = _discussion(request, pk)
    user = signed_in(request)
    concerns = shown(request, policy.visible_to(user, Concern.objects.filter(pk=discussion.concern_id)))
    shares = shown(request, policy.visible_to(user, Share.objects.filter(pk=discussion.share_id or 0)))
    attendees = list(discussion.attendees.all())
    agencies = dict(OrganisationKind.choices)
    by_agency = [
        (agencies.get(agency, agency), list(people))
        for agency, people in groupby(sorted(attendees, key=lambda a: (a.agency, a.pk)), key=lambda a: a.agency)
    ]
    actions = list(discussion.actions.select_related("owner", "owner__unit", "done_by"))
    clocks = with_status(clocks_for(user, [(services.DISCUSSION, discussion.pk), *[(ACTION, a.pk) for a in actions]]))
    action_clocks = {c.record_id: c for c in clocks if c.record_type == ACTION}
    for row in actions:
        row.clock = action_clocks.get(row.pk)  # type: ignore[attr-defined]
        row.agency_label = agencies.get(row.agency, row.agency)  # type: ignore[attr-defined]
        row.may_complete = services.may_complete_action(user, row)  # type: ignore[attr-defined]
    conference = next((c for c in clocks if c.rule_code == CONFERENCE.code), None)
    hub = services.may_record_discussion(user, discussion.concern)
    return render(
        request,
        "sharing/strategy_detail.html",
        {
            "title": f"Strategy discussion {discussion}",
            "discussion": discussion,
            "concern": concerns[0] if concerns else None,
            "share": shares[0] if shares else None,
            "by_agency": by_agency,
            "attendees": attendees,
            "police_attended": any(a.agency == OrganisationKind.POLICE_UNIT for a in attendees),
            "actions": actions,
            "clocks": [c for c in clocks if c.record_type == services.DISCUSSION],
            "strategy_clock": next((c for c in clocks if c.rule_code == STRATEGY.code), None),
            "conference_clock": conference,
            "section_47": discussion.decision == StrategyDecision.SECTION_47,
            "may_record": hub and not discussion.is_held,
            "may_record_conference": hub
            and discussion.decision == StrategyDecision.SECTION_47
            and discussion.conference_held_at is None,
        },
    )


def _rows(request: HttpRequest, name: str, default: int) -> int:
    """How many rows of a repeated question the page had (a hidden field), within bounds."""
    raw = request.POST.get(name, "")
    count = int(raw) if raw.isdigit() else default
    return min(max(count, 1), MAX_ROWS)


def _record_form(data: Any, late: bool, initial: dict[str, Any] | None = None) -> RecordForm:
    form = RecordForm(data, initial=initial)
    if late:
        add_breach_fields(form)
    return form


def _another_row(
    posted: Any,
    form: RecordForm,
    people: list[AttendeeForm],
    actions: list[ActionForm],
    *,
    late: bool,
    owners: QuerySet[User],
) -> tuple[RecordForm, list[AttendeeForm], list[ActionForm]]:
    """The page again with one more attendee or action row and everything typed kept, unchecked: the
    person asked for a row, not to save, so nothing is marked wrong yet."""
    form = _record_form(None, late, initial=answers(form))
    people = [AttendeeForm(initial=answers(row), prefix=row.prefix) for row in people]
    actions = [ActionForm(initial=answers(row), prefix=row.prefix, owners=owners) for row in actions]
    if "add_attendee" in posted and len(people) < MAX_ROWS:
        people.append(AttendeeForm(prefix=f"attendee-{len(people)}"))
    if "add_action" in posted and len(actions) < MAX_ROWS:
        actions.append(ActionForm(prefix=f"action-{len(actions)}", owners=owners))
    return form, people, actions


def _cleaned(rows: list[Any]) -> list[dict[str, Any]]:
    return [row.cleaned_data for row in rows]


def _place_errors(
    form: RecordForm, people: list[AttendeeForm], actions: list[ActionForm], exc: ValidationError
) -> None:
    """The service numbers attendees and actions as it was given them (blank rows left out): put each
    ``attendees.<n>.<field>`` or ``actions.<n>.<field>`` error on the row it came from, the rest on the
    discussion's form."""
    if not hasattr(exc, "error_dict"):
        errors_to_form(form, exc)
        return
    rows: dict[str, list[Any]] = {"attendees": people, "actions": actions}
    rest: dict[str, list[str]] = {}
    for key, errors in exc.message_dict.items():
        parts = key.split(".", 2)
        if len(parts) == 3 and parts[0] in rows and parts[1].isdigit() and int(parts[1]) < len(rows[parts[0]]):
            row = rows[parts[0]][int(parts[1])]
            row.add_error(parts[2] if parts[2] in row.fields else None, errors)
        else:
            rest[key] = errors
    if rest:
        _errors_to(form, ValidationError(rest))


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """The discussion as held. Attendees and actions are repeated rows; "Add another" submits the page
    and shows it again with one more row and everything typed kept, so it works without JavaScript."""
    user = with_role(request, RoleCode.HUB)
    discussion = _discussion(request, pk, policy.Action.CHANGE)
    if discussion.is_held:
        return redirect("sharing:strategy", pk=discussion.pk)
    if not services.may_record_discussion(user, discussion.concern):
        raise PermissionDenied
    late = needs_breach_reason(STRATEGY, discussion)
    owners = services.police_owners()
    posted = request.POST if request.method == "POST" else None
    form = _record_form(posted, late)
    people = [
        AttendeeForm(posted, prefix=f"attendee-{i}") for i in range(_rows(request, "attendees", DEFAULT_ATTENDEES))
    ]
    actions = [
        ActionForm(posted, prefix=f"action-{i}", owners=owners)
        for i in range(_rows(request, "actions", DEFAULT_ACTIONS))
    ]
    if posted is not None and ("add_attendee" in posted or "add_action" in posted):
        form, people, actions = _another_row(posted, form, people, actions, late=late, owners=owners)
    elif posted is not None and all([form.is_valid(), *[row.is_valid() for row in (*people, *actions)]]):
        data = form.cleaned_data
        took_part = [row for row in people if not row.is_blank()]
        agreed = [row for row in actions if not row.is_blank()]
        try:
            services.record_strategy_discussion(
                discussion=discussion,
                held_at=form.held_at(),
                attendees=[services.Attendee(r["agency"], r["name"], r["role"]) for r in _cleaned(took_part)],
                information_shared=data["information_shared"],
                decision=data["decision"],
                rationale=data["rationale"],
                actions=[
                    services.AgreedAction(
                        r["description"], r["agency"], r["due_on"], r["owner"].pk if r["owner"] else None
                    )
                    for r in _cleaned(agreed)
                ],
                by=user,
                late=_late(data),
            )
        except ValidationError as exc:
            _place_errors(form, took_part, agreed, exc)
        else:
            done = f"Strategy discussion {discussion} recorded: {discussion.get_decision_display()}."
            if discussion.decision == StrategyDecision.SECTION_47:
                done += " The initial child protection conference is now due within 15 working days."
            messages.success(request, done)
            return redirect("sharing:strategy", pk=discussion.pk)
    forms = [form, *people, *actions]
    return render(
        request,
        "sharing/strategy_record.html",
        {
            "title": f"Record strategy discussion {discussion}",
            "discussion": discussion,
            "form": form,
            "people": people,
            "actions": actions,
            "forms": forms,
            "has_errors": any(f.is_bound and f.errors for f in forms),
            "late": late,
            "max_rows": MAX_ROWS,
            "clock": _running(with_status(clocks_for(user, [(services.DISCUSSION, discussion.pk)])), STRATEGY),
        },
    )


@require_http_methods(["GET", "POST"])
def conference(request: HttpRequest, pk: int) -> HttpResponse:
    """The hub records when the initial child protection conference was held (WT23: within 15 working
    days of the discussion that started a section 47 enquiry)."""
    user = with_role(request, RoleCode.HUB)
    discussion = _discussion(request, pk, policy.Action.CHANGE)
    if discussion.decision != StrategyDecision.SECTION_47 or discussion.conference_held_at is not None:
        return redirect("sharing:strategy", pk=discussion.pk)
    form = ConferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_conference(discussion=discussion, held_at=form.held_at(), by=user)
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, f"Initial child protection conference recorded for {discussion}.")
            return redirect("sharing:strategy", pk=discussion.pk)
    return render(
        request,
        "sharing/strategy_conference.html",
        {
            "title": f"Record the conference after {discussion}",
            "discussion": discussion,
            "form": form,
            "clock": _running(with_status(clocks_for(user, [(services.DISCUSSION, discussion.pk)])), CONFERENCE),
        },
    )


# --- An agreed action --------------------------------------------------------------------------------


def _action(request: HttpRequest, pk: int) -> StrategyAction:
    """The action, to its police owner (who was given it, whichever unit holds the discussion) or to
    whoever the policy lets see its discussion; 404 otherwise. Either way the opening is audited."""
    user = signed_in(request)
    action = (
        StrategyAction.objects.select_related("owner", "owner__unit", "done_by", "discussion").filter(pk=pk).first()
    )
    if action is None:
        audit_consult(request, ACTION, [str(pk)[:64]], outcome=Outcome.DENIED, reason="not found")
        raise Http404
    if action.owner_id is not None and action.owner_id == user.pk:
        audit_consult(request, services.DISCUSSION, [str(action.discussion_id)], reason=f"owner of action {action.pk}")
        return action
    action.discussion = _discussion(request, action.discussion_id)
    return action


@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreed action; its owner (or the hub) records it done. A late police action needs the reason
    it is late; another agency's lateness is the partner's and is recorded as such by the service."""
    user = signed_in(request)
    agreed = _action(request, pk)
    discussion = agreed.discussion
    may_complete = services.may_complete_action(user, agreed)
    if request.method == "POST" and not may_complete:
        raise PermissionDenied
    late = agreed.agency == OrganisationKind.POLICE_UNIT and needs_breach_reason(STRATEGY_ACTION, agreed)
    form = CompleteForm(request.POST if request.method == "POST" else None) if may_complete else None
    if form is not None and late:
        add_breach_fields(form)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.complete_strategy_action(
                action=agreed, note=form.cleaned_data["note"], by=user, late=_late(form.cleaned_data)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Action from strategy discussion {discussion} recorded as done.")
            if policy.can(user, policy.Action.VIEW, discussion):
                return redirect("sharing:strategy", pk=discussion.pk)
            return redirect("sharing:strategy_action", pk=agreed.pk)
    clocks = with_status(clocks_for(user, [(ACTION, agreed.pk)]))
    return render(
        request,
        "sharing/strategy_action.html",
        {
            "title": f"Action from strategy discussion {discussion}",
            "action": agreed,
            "discussion": discussion,
            "agency": dict(OrganisationKind.choices).get(agreed.agency, agreed.agency),
            "may_see_discussion": policy.can(user, policy.Action.VIEW, discussion),
            "form": form,
            "late": late,
            "clock": _running(clocks, STRATEGY_ACTION),
            "clocks": clocks,
        },
    )
