"""The investigation pages other than the plan: my investigations, the supervisor's team at a glance,
opening one from concerns, the case itself, acceptance, (re)allocation, the supervisory review and
closure. Views parse, authorise through web.access and call services; plan.py holds the plan's pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard import parameters
from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.concerns.models import RISK_RANK, Concern, RiskGrade
from safeguard.people.models import Person
from safeguard.timescales.forms import add_breach_fields
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.timescales.services import needs_breach_reason
from safeguard.web.access import get_or_404, shown, shown_rows, signed_in, with_role
from safeguard.web.forms import errors_to_form

from . import selectors, services
from .forms import (
    MAX_DIRECTIONS,
    AcceptForm,
    AllocateForm,
    ClosureForm,
    DirectionForm,
    OpenForm,
    ReviewForm,
    SignOffForm,
)
from .models import (
    REVIEW_CHECKS,
    ActionStatus,
    ClosureDecision,
    Investigation,
    InvestigationStatus,
    LineOfEnquiry,
)
from .timescales import ACCEPTANCE, REVIEW, SIGN_OFF

TEAM_ROLES = (RoleCode.SUPERVISOR, RoleCode.HUB)
REALLOCATABLE = (InvestigationStatus.ALLOCATED, InvestigationStatus.UNALLOCATED, InvestigationStatus.ACTIVE)
MAX_CONCERNS = 20
DEFAULT_DIRECTIONS = 3


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


def _late(data: dict[str, Any]) -> services.Late:
    return services.Late(data.get("breach_reason", ""), data.get("breach_detail", ""))


def _investigation(request: HttpRequest, pk: int, action: policy.Action = policy.Action.VIEW) -> Investigation:
    related = Investigation.objects.select_related("unit", "owner", "opened_by", "signed_off_by")
    return get_or_404(request, Investigation, pk, action=action, queryset=related)


@require_http_methods(["GET"])
def mine(request: HttpRequest) -> HttpResponse:
    """The user's investigations as officer in the case, and what they owe in other people's."""
    user = with_role(request, *services.CASE_ROLES)
    now = timezone.now()
    open_rows = list(selectors.my_open(user, now)[:200])
    closed_rows = list(selectors.my_recently_closed(user, now)[: selectors.RECENTLY_CLOSED])
    shown_rows(request, open_rows + closed_rows)
    actions = shown(request, selectors.my_actions_elsewhere(user), limit=200)
    return render(
        request,
        "investigations/mine.html",
        {"title": "My investigations", "open": open_rows, "closed": closed_rows, "actions": actions, "now": now},
    )


@require_http_methods(["GET"])
def team(request: HttpRequest) -> HttpResponse:
    """The supervisor's own page (the hub's, force-wide): per officer, reviews due, overdue actions and
    drift; then each list, linking to the cases."""
    user = with_role(request, *TEAM_ROLES)
    now = timezone.now()
    drifting = shown(request, selectors.drifting(user, now), limit=200)
    for row in drifting:
        row.silent_days = (now - row.last_activity_at).days  # type: ignore[attr-defined]
    return render(
        request,
        "investigations/team.html",
        {
            "title": "Team investigations",
            "officers": selectors.per_officer(user, now),
            "reviews": shown(request, selectors.reviews_due(user, now), limit=200),
            "drifting": drifting,
            "awaiting": shown(request, selectors.awaiting_acceptance(user), limit=200),
            "sign_off": shown(request, selectors.awaiting_sign_off(user), limit=200),
            "drift_days": parameters.value("investigations.drift_days"),
            "hub": user.has_role(RoleCode.HUB),
            "reviewer": user.has_role(RoleCode.SUPERVISOR),
            "now": now,
        },
    )


@require_http_methods(["GET", "POST"])
def open_investigation(request: HttpRequest) -> HttpResponse:
    """A supervisor or the hub opens an investigation from the concerns named in the address
    (?concern=1&concern=2), allocates it and sets the risk and the first review."""
    user = with_role(request, *TEAM_ROLES)
    wanted = list(dict.fromkeys(request.GET.getlist("concern")))[:MAX_CONCERNS]
    concerns = [get_or_404(request, Concern, pk, action=policy.Action.CHANGE) for pk in wanted]
    graded = [c for c in concerns if c.risk_grade]
    highest = max(graded, key=lambda c: RISK_RANK[RiskGrade(c.risk_grade)]).risk_grade if graded else ""
    latest = services.latest_first_review_on(services.today())
    form = OpenForm(
        request.POST or None,
        concerns=concerns,
        officers=services.allocatable_officers(user),
        latest_review=_day(latest),
        initial={"concerns": [str(c.pk) for c in concerns], "risk_grade": highest},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            investigation = services.open_investigation(
                concerns=[c for c in concerns if str(c.pk) in data["concerns"]],
                officer=data["officer"],
                summary=data["summary"],
                risk_grade=data["risk_grade"],
                risk_rationale=data["risk_rationale"],
                first_review_on=data["first_review_on"],
                by=user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                f"{investigation} opened and allocated to {data['officer'].display_name}, who must now accept it.",
            )
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/open.html",
        {"title": "Open an investigation", "concerns": concerns, "form": form},
    )


def _people(
    request: HttpRequest, user: User, investigation: Investigation, *, children_only: bool = False
) -> list[dict[str, Any]]:
    """Each person in the investigation once, with their parts in it; every person shown is audited."""
    query = investigation.people.order_by("-is_child", "added_at", "pk")
    links = list(query.filter(is_child=True) if children_only else query)
    ids = {link.person_id for link in links}
    persons = {p.pk: p for p in shown_rows(request, list(policy.visible_to(user, Person.objects.filter(pk__in=ids))))}
    rows: dict[int, dict[str, Any]] = {}
    for link in links:
        if link.person_id in persons:
            row = rows.setdefault(link.person_id, {"person": persons[link.person_id], "roles": [], "is_child": False})
            row["roles"].append(link.get_role_display())
            row["is_child"] = row["is_child"] or link.is_child
    return list(rows.values())


def _children(
    request: HttpRequest, user: User, investigation: Investigation, people: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The children among ``people`` with their latest voice record (audited) and whether the voice
    gate is met for each."""
    people = [row for row in people if row["is_child"]]
    voices = selectors.latest_voices(user, investigation)
    shown_rows(request, list(voices.values()))
    unheard = {p.pk for p in services.children_without_voice(investigation)}
    return [{**row, "voice": voices.get(row["person"].pk), "heard": row["person"].pk not in unheard} for row in people]


def _actions(request: HttpRequest, user: User, investigation: Investigation) -> list[Any]:
    """The plan as this person may see it, open actions first, soonest due first (audited)."""
    actions = policy.visible_to(user, investigation.actions.all()).select_related("owner").order_by("due_on", "pk")
    return shown_rows(request, sorted(actions, key=lambda a: not a.is_open))


def _may(user: User, investigation: Investigation) -> dict[str, bool]:
    """Which buttons this person sees: each matches the rule the service will apply."""
    status = investigation.status
    supervises = investigation.is_open and services.may_supervise(user, investigation)
    works = services.may_work_on(user, investigation)
    return {
        "may_accept": status == InvestigationStatus.ALLOCATED and investigation.owner_id == user.pk,
        "may_review": supervises,
        "may_allocate": status in REALLOCATABLE
        and user.has_role(*TEAM_ROLES)
        and policy.can(user, policy.Action.CHANGE, investigation),
        "may_sign_off": supervises and status == InvestigationStatus.CLOSURE_PROPOSED,
        "may_work": works,
        "may_plan": works and investigation.is_workable,
        "may_close": works and status == InvestigationStatus.ACTIVE,
    }


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one investigation: the case, its people and their voices, the plan, the
    reviews, notifications, closure and the clocks."""
    investigation = _investigation(request, pk)
    user = signed_in(request)
    concerns = shown(
        request,
        policy.visible_to(user, Concern.objects.filter(investigation_links__investigation=investigation)).order_by(
            "occurred_at", "pk"
        ),
    )
    people = _people(request, user, investigation)
    children = _children(request, user, investigation, people)
    actions = _actions(request, user, investigation)
    clocks = with_status(
        clocks_for(
            user,
            [(services.INVESTIGATION, investigation.pk), *[(services.ACTION_TYPE, a.pk) for a in actions]],
        )
    )
    running = {c.record_id: c for c in clocks if c.record_type == services.ACTION_TYPE and c.stopped_at is None}
    for action in actions:
        action.clock = running.get(action.pk)  # type: ignore[attr-defined]
    reviews = list(investigation.reviews.select_related("reviewed_by"))
    for review_row in reviews:
        review_row.given = [a for a in actions if a.review_id == review_row.pk]  # type: ignore[attr-defined]
    return render(
        request,
        "investigations/detail.html",
        {
            "title": str(investigation),
            "investigation": investigation,
            "concerns": concerns,
            "people": people,
            "children": children,
            "actions": actions,
            "reviews": reviews,
            "notifications": list(investigation.notifications.select_related("sent_by")),
            "proposals": list(investigation.closure_proposals.select_related("proposed_by", "decided_by")),
            "allocations": list(investigation.allocations.select_related("officer", "allocated_by")),
            "risks": list(investigation.risk_history.select_related("assessed_by")),
            "clocks": clocks,
            **_may(user, investigation),
        },
    )


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer it was allocated to accepts it, or declines it saying why."""
    user = signed_in(request)
    investigation = _investigation(request, pk, policy.Action.CHANGE)
    if investigation.owner_id != user.pk:
        raise Http404
    if investigation.status != InvestigationStatus.ALLOCATED:
        return redirect("investigations:detail", pk=investigation.pk)
    form = AcceptForm(request.POST or None)
    if needs_breach_reason(ACCEPTANCE, investigation):
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.accept_investigation(investigation=investigation, by=user, late=_late(data))
            else:
                services.decline_investigation(
                    investigation=investigation, reason=data["reason"], by=user, late=_late(data)
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if data["decision"] == "accept":
                messages.success(request, f"You accepted {investigation}. Write the plan: add the lines of enquiry.")
                return redirect("investigations:detail", pk=investigation.pk)
            messages.success(request, f"You declined {investigation}. It has gone back to be allocated again.")
            return redirect("investigations:mine")
    return render(
        request,
        "investigations/accept.html",
        {
            "title": f"Accept or decline {investigation}",
            "investigation": investigation,
            "form": form,
            "clock": selectors.running_clock(user, investigation, ACCEPTANCE),
        },
    )


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor or the hub gives the investigation to another officer, who must accept it."""
    user = with_role(request, *TEAM_ROLES)
    investigation = _investigation(request, pk, policy.Action.CHANGE)
    if investigation.status not in REALLOCATABLE:
        return redirect("investigations:detail", pk=investigation.pk)
    officers = services.allocatable_officers(user).exclude(pk=investigation.owner_id or 0)
    form = AllocateForm(request.POST or None, officers=officers)
    if needs_breach_reason(ACCEPTANCE, investigation):
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.allocate(
                investigation=investigation, officer=data["officer"], reason=data["reason"], by=user, late=_late(data)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, f"{investigation} allocated to {data['officer'].display_name}, who must now accept it."
            )
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/allocate.html",
        {
            "title": f"Allocate {investigation}",
            "investigation": investigation,
            "form": form,
            "allocations": list(investigation.allocations.select_related("officer", "allocated_by")),
            "clock": selectors.running_clock(user, investigation, ACCEPTANCE),
        },
    )


def _direction_rows(request: HttpRequest) -> int:
    asked = request.GET.get("directions", "")
    count = int(asked) if asked.isdigit() else DEFAULT_DIRECTIONS
    return min(max(count, 1), MAX_DIRECTIONS)


def _place_review_errors(form: ReviewForm, given: list[DirectionForm], exc: ValidationError) -> None:
    """The service numbers directions as it was given them (blank rows left out): put each
    ``direction-<n>-<field>`` error on the row it came from, the rest on the review form."""
    if not hasattr(exc, "error_dict"):
        errors_to_form(form, exc)
        return
    rest: dict[str, list[str]] = {}
    for key, errors in exc.message_dict.items():
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == "direction" and parts[1].isdigit() and int(parts[1]) < len(given):
            row = given[int(parts[1])]
            row.add_error(parts[2] if parts[2] in row.fields else None, errors)
        else:
            rest[key] = errors
    if rest:
        errors_to_form(form, ValidationError(rest))


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisory review: the case in brief, then the rationale, the four checks, the risk, the
    next review date within the cadence, and SMART directions that become actions."""
    user = with_role(request, RoleCode.SUPERVISOR)
    investigation = _investigation(request, pk, policy.Action.CHANGE)
    if investigation.owner_id == user.pk:
        raise PermissionDenied
    if not investigation.is_open:
        return redirect("investigations:detail", pk=investigation.pk)
    today = services.today()
    grade = investigation.risk_grade
    latest = services.latest_review_on(grade, today)
    hint = (
        f"For a {grade}-risk investigation, no later than {_day(latest)}. "
        "If you raise the risk grade, the latest date comes sooner. For example, 27 3 2026"
    )
    form = ReviewForm(request.POST or None, initial={"risk_grade": grade}, next_review_hint=hint)
    late = needs_breach_reason(REVIEW, investigation)
    if late:
        add_breach_fields(form)
    owners = services.assignable_owners(investigation)
    count = _direction_rows(request)
    rows = [DirectionForm(request.POST or None, prefix=f"direction-{i}", owners=owners) for i in range(count)]
    if request.method == "POST":
        valid = [form.is_valid(), *[row.is_valid() for row in rows]]
        if all(valid):
            data = form.cleaned_data
            given = [row for row in rows if not row.is_blank()]
            answers = services.ReviewAnswers(
                rationale=data["rationale"],
                checks={name: data[name] for name in REVIEW_CHECKS},
                risk_grade=data["risk_grade"],
                next_review_on=data["next_review_on"],
                check_notes=data["check_notes"],
                risk_rationale=data["risk_rationale"],
                directions=[
                    services.ActionDetails(
                        kind=LineOfEnquiry.DIRECTION,
                        title=row.cleaned_data["title"],
                        owner=row.cleaned_data["owner"],
                        due_on=row.cleaned_data["due_on"],
                        detail=row.cleaned_data["detail"],
                    )
                    for row in given
                ],
            )
            try:
                services.record_review(investigation=investigation, answers=answers, by=user, late=_late(data))
            except ValidationError as exc:
                _place_review_errors(form, given, exc)
            else:
                made = f" with {len(given)} direction{'s' if len(given) != 1 else ''}" if given else ""
                messages.success(request, f"Review of {investigation} recorded{made}.")
                return redirect("investigations:detail", pk=investigation.pk)
    actions = _actions(request, user, investigation)
    return render(
        request,
        "investigations/review.html",
        {
            "title": f"Review {investigation}",
            "investigation": investigation,
            "children": _children(
                request, user, investigation, _people(request, user, investigation, children_only=True)
            ),
            "open_actions": [a for a in actions if a.status == ActionStatus.OPEN],
            "notifications": list(investigation.notifications.all()),
            "form": form,
            "directions": rows,
            "more": count + 1 if count < MAX_DIRECTIONS else None,
            "clock": selectors.running_clock(user, investigation, REVIEW),
            "forms": [form, *rows],
            "has_errors": any(f.errors for f in (form, *rows)),
            "late": late,
            "today": today,
        },
    )


def _audit_blockers(request: HttpRequest, user: User, investigation: Investigation) -> None:
    """The blockers name open actions and children: those records are shown, so they are audited."""
    shown(request, policy.visible_to(user, investigation.actions.filter(status=ActionStatus.OPEN)), limit=500)
    unheard = [p.pk for p in services.children_without_voice(investigation)]
    shown(request, policy.visible_to(user, Person.objects.filter(pk__in=unheard)), limit=500)


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closure: what still blocks it, each with the page that puts it right; when nothing does, the
    outcome and rationale. Put forward, it waits for the supervisor to sign it off or refuse it."""
    investigation = _investigation(request, pk)
    user = signed_in(request)
    if investigation.status == InvestigationStatus.CLOSED:
        return redirect("investigations:detail", pk=investigation.pk)
    blockers = services.closure_blockers(investigation)
    proposing = investigation.status == InvestigationStatus.ACTIVE and services.may_work_on(user, investigation)
    deciding = investigation.status == InvestigationStatus.CLOSURE_PROPOSED and services.may_supervise(
        user, investigation
    )
    if request.method == "POST" and not (proposing or deciding):
        raise PermissionDenied
    form: ClosureForm | SignOffForm | None = None
    if proposing and not blockers:
        form = ClosureForm(request.POST or None)
    elif deciding:
        form = SignOffForm(request.POST or None)
        if needs_breach_reason(SIGN_OFF, investigation):
            add_breach_fields(form)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if isinstance(form, ClosureForm):
                services.propose_closure(
                    investigation=investigation, outcome=data["outcome"], rationale=data["rationale"], by=user
                )
                done = f"{investigation} put forward for closure: the supervisor must now sign it off."
            elif data["decision"] == ClosureDecision.SIGNED_OFF:
                services.sign_off_closure(
                    investigation=investigation, rationale=data["rationale"], by=user, late=_late(data)
                )
                done = f"{investigation} signed off and closed."
            else:
                services.refuse_closure(
                    investigation=investigation, reason=data["rationale"], by=user, late=_late(data)
                )
                done = f"Closure of {investigation} refused: it is back with the officer in the case."
        except ValidationError as exc:
            errors_to_form(form, exc)
            blockers = services.closure_blockers(investigation)
        else:
            messages.success(request, done)
            return redirect("investigations:detail", pk=investigation.pk)
    _audit_blockers(request, user, investigation)
    proposal = investigation.closure_proposals.filter(decision="").select_related("proposed_by").last()
    return render(
        request,
        "investigations/close.html",
        {
            "title": f"Close {investigation}",
            "investigation": investigation,
            "blockers": blockers,
            "proposal": proposal if investigation.status == InvestigationStatus.CLOSURE_PROPOSED else None,
            "form": form,
            "proposing": proposing,
            "deciding": deciding,
            "clock": selectors.running_clock(user, investigation, SIGN_OFF),
        },
    )
