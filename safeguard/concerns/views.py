"""Recording a concern one question per page, the check-your-answers page with the voice gate, the
supervisor's decision, and the queues. Views parse, authorise through web.access and call services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.people.forms import PersonForm, SearchForm
from safeguard.people.models import Person
from safeguard.people.services import NewPerson, create_person
from safeguard.people.views import run_search
from safeguard.timescales.forms import BreachForm, add_breach_fields
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.timescales.services import needs_breach_reason
from safeguard.voice.models import VoiceRecord
from safeguard.voice.services import record_voice
from safeguard.web.access import get_or_404, shown, shown_rows, signed_in
from safeguard.web.forms import errors_to_form

from . import services
from .forms import (
    DecisionForm,
    InvolveForm,
    ReviewOutcomeForm,
    RiskForm,
    SummaryForm,
    TypesForm,
    VoiceForm,
    WhenForm,
    WhereForm,
)
from .models import Concern, ConcernStatus, CumulativeReview, Involvement, ReviewStatus
from .timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION

CONCERN_TYPE = "concerns.concern"

FLOW = ["when", "where", "types", "summary", "risk", "people", "check"]


def draft_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the pages that record a concern: the view gets the concern if this user may change it and it
    is still a draft (or returned); a submitted concern redirects to its read-only page."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
        if not concern.is_editable:
            return redirect("concerns:detail", pk=concern.pk)
        return view(request, concern, **kwargs)

    return wrapper


def _next(request: HttpRequest, concern: Concern, step: str) -> HttpResponse:
    if request.GET.get("next") == "check":
        return redirect("concerns:check", pk=concern.pk)
    return redirect(f"concerns:{FLOW[FLOW.index(step) + 1]}", pk=concern.pk)


def _question(
    request: HttpRequest,
    concern: Concern,
    *,
    step: str,
    form_class: type[forms.Form],
    initial: Callable[[Concern], dict[str, Any]],
    save: Callable[[Concern, forms.Form, User], object],
    heading: str,
) -> HttpResponse:
    form = form_class(request.POST or None, initial=initial(concern))
    if request.method == "POST" and form.is_valid():
        try:
            save(concern, form, signed_in(request))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return _next(request, concern, step)
    back = FLOW[FLOW.index(step) - 1] if FLOW.index(step) else None
    return render(
        request,
        "concerns/question.html",
        {"title": heading, "heading": heading, "form": form, "concern": concern, "back": back, "step": step},
    )


def _recorder(request: HttpRequest) -> User:
    """Police officers, investigators, supervisors and hub staff in a unit record concerns."""
    user = signed_in(request)
    if not user.has_role(*policy.RECORDERS) or not user.unit_id:
        raise PermissionDenied
    return user


@require_http_methods(["GET"])
def my_concerns(request: HttpRequest) -> HttpResponse:
    user = _recorder(request)
    mine = policy.visible_to(user, Concern.objects.filter(owner=user)).order_by("-recorded_at")
    rows = shown(request, mine, limit=200)
    return render(request, "concerns/mine.html", {"title": "My concerns", "concerns": rows})


@require_http_methods(["GET", "POST"])
def new_concern(request: HttpRequest) -> HttpResponse:
    user = _recorder(request)
    if request.method == "POST":
        concern = services.start_concern(by=user)
        return redirect("concerns:when", pk=concern.pk)
    return render(request, "concerns/new.html", {"title": "Record a concern"})


@require_http_methods(["GET", "POST"])
@draft_page
def when(request: HttpRequest, concern: Concern) -> HttpResponse:
    def initial(c: Concern) -> dict[str, Any]:
        if not c.occurred_at:
            return {}
        local = timezone.localtime(c.occurred_at)
        return {"day": local.date(), "time": local.strftime("%H:%M")}

    return _question(
        request,
        concern,
        step="when",
        form_class=WhenForm,
        initial=initial,
        save=lambda c, f, u: services.set_when(concern=c, occurred_at=f.occurred_at(), by=u),  # type: ignore[attr-defined]
        heading="When did it happen?",
    )


@require_http_methods(["GET", "POST"])
@draft_page
def where(request: HttpRequest, concern: Concern) -> HttpResponse:
    return _question(
        request,
        concern,
        step="where",
        form_class=WhereForm,
        initial=lambda c: {"location": c.location, "postcode": c.location_postcode},
        save=lambda c, f, u: services.set_where(
            concern=c, location=f.cleaned_data["location"], postcode=f.cleaned_data["postcode"], by=u
        ),
        heading="Where did it happen?",
    )


@require_http_methods(["GET", "POST"])
@draft_page
def types(request: HttpRequest, concern: Concern) -> HttpResponse:
    return _question(
        request,
        concern,
        step="types",
        form_class=TypesForm,
        initial=lambda c: {"types": list(c.type_tags.values_list("type", flat=True))},
        save=lambda c, f, u: services.set_types(concern=c, types=f.cleaned_data["types"], by=u),
        heading="What kind of concern is it?",
    )


@require_http_methods(["GET", "POST"])
@draft_page
def summary(request: HttpRequest, concern: Concern) -> HttpResponse:
    return _question(
        request,
        concern,
        step="summary",
        form_class=SummaryForm,
        initial=lambda c: {"summary": c.summary},
        save=lambda c, f, u: services.set_summary(concern=c, summary=f.cleaned_data["summary"], by=u),
        heading="What happened?",
    )


@require_http_methods(["GET", "POST"])
@draft_page
def risk(request: HttpRequest, concern: Concern) -> HttpResponse:
    def initial(c: Concern) -> dict[str, Any]:
        latest = c.risk_assessments.order_by("-assessed_at", "-pk").first()
        return {"grade": latest.grade, "rationale": latest.rationale} if latest else {}

    return _question(
        request,
        concern,
        step="risk",
        form_class=RiskForm,
        initial=initial,
        save=lambda c, f, u: services.grade_risk(
            concern=c, grade=f.cleaned_data["grade"], rationale=f.cleaned_data["rationale"], by=u
        ),
        heading="What is the risk to the children?",
    )


def _involved_people(request: HttpRequest, concern: Concern) -> list[dict[str, Any]]:
    """Each person in the concern once, with their roles; every person shown is audited."""
    rows: dict[int, dict[str, Any]] = {}
    for inv in concern.involvements.select_related("person").order_by("added_at", "pk"):
        entry = rows.setdefault(inv.person_id, {"person": inv.person, "roles": [], "is_child": inv.is_child})
        entry["roles"].append(inv.get_role_display())
    shown_rows(request, [r["person"] for r in rows.values()])
    return list(rows.values())


@require_http_methods(["GET"])
@draft_page
def people(request: HttpRequest, concern: Concern) -> HttpResponse:
    involved = _involved_people(request, concern)
    children = services.children_of(concern)
    shown_rows(request, [c.voice for c in children if c.voice])
    return render(
        request,
        "concerns/people.html",
        {"title": "People involved", "concern": concern, "involved": involved, "children": children},
    )


@require_http_methods(["GET"])
@draft_page
def find_person(request: HttpRequest, concern: Concern) -> HttpResponse:
    form = SearchForm(request.GET or None)
    candidates = run_search(request, form.query()) if form.is_valid() else None
    new_url = reverse("concerns:new_person", args=[concern.pk])
    if form.is_valid():
        prefill = {k: request.GET.get(k, "") for k in ("given_name", "family_name", "postcode")}
        new_url += "?" + "&".join(f"{k}={v}" for k, v in prefill.items() if v and v.isprintable())
    return render(
        request,
        "concerns/find_person.html",
        {
            "title": "Have we seen this person before?",
            "concern": concern,
            "form": form,
            "candidates": candidates,
            "choose_url": "concerns:involve",
            "new_url": new_url,
        },
    )


@require_http_methods(["GET", "POST"])
@draft_page
def new_person(request: HttpRequest, concern: Concern) -> HttpResponse:
    initial = {k: request.GET.get(k, "")[:100] for k in ("given_name", "family_name", "postcode")}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = create_person(
                details=NewPerson(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                    dob_quality=data["dob_quality"],
                    gender=data["gender"],
                    postcode=data["postcode"],
                    address_line1=data["address_line1"],
                    town=data["town"],
                    nhs_number=data["nhs_number"],
                ),
                by=signed_in(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("concerns:involve", pk=concern.pk, person=person.pk)
    return render(request, "concerns/new_person.html", {"title": "Add a new person", "concern": concern, "form": form})


@require_http_methods(["GET", "POST"])
@draft_page
def involve(request: HttpRequest, concern: Concern, person: int) -> HttpResponse:
    subject = get_or_404(request, Person, person)
    when = (concern.occurred_at or timezone.now()).date()
    needs_age = subject.is_child_on(when) is None
    current = list(concern.involvements.filter(person=subject).values_list("role", flat=True))
    form = InvolveForm(request.POST or None, initial={"roles": current}, needs_age=needs_age)
    if request.method == "POST" and form.is_valid():
        try:
            services.involve(
                concern=concern,
                person=subject,
                roles=form.cleaned_data["roles"],
                is_child=form.under_18(),
                by=signed_in(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("concerns:people", pk=concern.pk)
    return render(
        request,
        "concerns/involve.html",
        {"title": f"{subject.full_name}'s part", "concern": concern, "subject": subject, "form": form},
    )


@require_http_methods(["POST"])
@draft_page
def remove_person(request: HttpRequest, concern: Concern, person: int) -> HttpResponse:
    subject = get_or_404(request, Person, person)
    services.remove_person(concern=concern, person=subject, by=signed_in(request))
    messages.success(request, f"{subject.full_name} was removed from this concern.")
    return redirect("concerns:people", pk=concern.pk)


@require_http_methods(["GET", "POST"])
def voice(request: HttpRequest, pk: int, person: int) -> HttpResponse:
    """The child's voice for one child in this concern. After submission, a change is a correction."""
    concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
    child = get_or_404(request, Person, person)
    if not concern.involvements.filter(person=child, is_child=True).exists():
        raise Http404
    current = VoiceRecord.objects.filter(concern=concern, person=child, is_current=True).first()
    if current is not None:
        shown_rows(request, [current])
    correcting = current is not None and not concern.is_editable
    if not concern.is_editable and current is None:
        return redirect("concerns:detail", pk=concern.pk)
    form = VoiceForm(request.POST or None, initial=VoiceForm.initial_from(current), correcting=correcting)
    if request.method == "POST" and form.is_valid():
        try:
            record_voice(
                concern=concern,
                person=child,
                answers=form.answers(),
                by=signed_in(request),
                correction_reason=form.cleaned_data.get("correction_reason", ""),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if correcting:
                messages.success(
                    request, f"{child.full_name}'s voice record was corrected; the earlier version is kept."
                )
                return redirect("concerns:detail", pk=concern.pk)
            return redirect("concerns:people", pk=concern.pk)
    return render(
        request,
        "concerns/voice.html",
        {
            "title": f"{child.full_name}'s voice",
            "concern": concern,
            "child": child,
            "age": child.age_on((concern.occurred_at or timezone.now()).date()),
            "form": form,
            "correcting": correcting,
        },
    )


def _concern_view(request: HttpRequest, concern: Concern) -> dict[str, Any]:
    """Everything the check page, the detail page and the supervisor's page show about a concern."""
    children = services.children_of(concern)
    shown_rows(request, [c.voice for c in children if c.voice])
    user = signed_in(request)
    return {
        "concern": concern,
        "clocks": with_status(clocks_for(user, [(CONCERN_TYPE, concern.pk)])),
        "types": [t.get_type_display() for t in concern.type_tags.all()],
        "risks": list(concern.risk_assessments.select_related("assessed_by")),
        "involved": _involved_people(request, concern),
        "children": children,
        "decisions": list(concern.decisions.select_related("decided_by")),
        "quality_issues": [f"{c.person.full_name}: {i}" for c in children for i in c.issues],
    }


STEP_OF_PROBLEM = {
    "Say when it happened": "when",
    "Say where it happened": "where",
    "Choose the type of concern": "types",
    "Describe what happened": "summary",
    "Grade the risk, with a rationale": "risk",
    "Add at least one child: a concern is about a child": "find_person",
}


def _problem_links(concern: Concern, problems: list[str], children: list[services.ChildVoice]) -> list[tuple[str, str]]:
    """Each reason the concern cannot be submitted, with the page that puts it right."""
    voice_pages = {c.missing: reverse("concerns:voice", args=[concern.pk, c.person.pk]) for c in children if c.missing}
    links = []
    for problem in problems:
        step = STEP_OF_PROBLEM.get(problem)
        href = voice_pages.get(problem) or (reverse(f"concerns:{step}", args=[concern.pk]) if step else "")
        links.append((problem, href))
    return links


@require_http_methods(["GET", "POST"])
@draft_page
def check(request: HttpRequest, concern: Concern) -> HttpResponse:
    problems: list[str] = []
    late = needs_breach_reason(RESUBMISSION, concern)
    breach = BreachForm(request.POST or None) if late else None
    if request.method == "POST" and (breach is None or breach.is_valid()):
        extra = breach.cleaned_data if breach is not None else {}
        try:
            services.submit_concern(
                concern=concern,
                by=signed_in(request),
                breach_reason=extra.get("breach_reason", ""),
                breach_detail=extra.get("breach_detail", ""),
            )
        except ValidationError as exc:
            if breach is not None and hasattr(exc, "error_dict") and set(exc.error_dict) <= set(breach.fields):
                errors_to_form(breach, exc)
            else:
                problems = exc.messages
        else:
            messages.success(request, f"Concern {concern.reference} submitted to your supervisor.")
            return redirect("concerns:detail", pk=concern.pk)
    context = _concern_view(request, concern)
    return render(
        request,
        "concerns/check.html",
        {
            **context,
            "title": "Check your answers before submitting",
            "problems": _problem_links(concern, problems, context["children"]),
            "outstanding": problems or services.submission_problems(concern),
            "form": breach,
        },
    )


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_or_404(request, Concern, pk)
    user = signed_in(request)
    context = _concern_view(request, concern)
    may_decide = (
        concern.status == ConcernStatus.SUBMITTED
        and user.has_role(RoleCode.SUPERVISOR, RoleCode.HUB)
        and concern.owner_id != user.pk
        and policy.can(user, policy.Action.CHANGE, concern)
    )
    return render(
        request,
        "concerns/detail.html",
        {
            **context,
            "title": str(concern),
            "may_decide": may_decide,
            "may_edit": concern.is_editable and policy.can(user, policy.Action.CHANGE, concern),
            "may_correct": not concern.is_editable and policy.can(user, policy.Action.CHANGE, concern),
        },
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor endorses (with a rationale, and a reason to pass failed voice checks) or returns."""
    user = signed_in(request)
    if not user.has_role(RoleCode.SUPERVISOR, RoleCode.HUB):
        raise PermissionDenied
    concern = get_or_404(request, Concern, pk, action=policy.Action.CHANGE)
    if concern.status != ConcernStatus.SUBMITTED:
        return redirect("concerns:detail", pk=concern.pk)
    context = _concern_view(request, concern)
    form = DecisionForm(request.POST or None)
    if not context["quality_issues"]:
        del form.fields["quality_override"]
    if needs_breach_reason(DECISION, concern):
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        late = {"breach_reason": data.get("breach_reason", ""), "breach_detail": data.get("breach_detail", "")}
        try:
            if data["decision"] == "endorse":
                services.endorse_concern(
                    concern=concern,
                    rationale=data["rationale"],
                    quality_override=data.get("quality_override", ""),
                    by=user,
                    **late,
                )
                messages.success(request, f"{concern.reference} endorsed.")
            else:
                services.return_concern(concern=concern, reason=data["rationale"], by=user, **late)
                messages.success(request, f"{concern.reference} returned to the officer.")
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("concerns:team" if not user.has_role(RoleCode.HUB) else "concerns:hub")
    return render(request, "concerns/review.html", {**context, "title": f"Review {concern}", "form": form})


def _queue(queryset: Any) -> Any:
    return (
        queryset.filter(status=ConcernStatus.SUBMITTED)
        .select_related("owner", "unit")
        .order_by("-risk_rank", "submitted_at", "pk")
    )


@require_http_methods(["GET"])
def team(request: HttpRequest) -> HttpResponse:
    """Supervisor: submitted concerns of the teams they supervise, highest risk and oldest first."""
    user = signed_in(request)
    if not user.has_role(RoleCode.SUPERVISOR):
        raise PermissionDenied
    # The policy's change scope for a supervisor is exactly their own records and their teams'.
    rows = shown(request, _queue(policy.changeable_by(user, Concern.objects.exclude(owner=user))), limit=500)
    return render(
        request,
        "concerns/queue.html",
        {"title": "Team concerns to review", "concerns": _with_decision_clock(user, rows), "now": timezone.now()},
    )


def _with_decision_clock(user: User, concerns: list[Concern]) -> list[Concern]:
    """Each waiting concern with its running decision clock, so a queue shows what is late."""
    clocks = clocks_for(user, [(CONCERN_TYPE, c.pk) for c in concerns])
    running = {c.record_id: c for c in with_status(clocks) if c.is_open and c.rule_code == DECISION.code}
    for concern in concerns:
        concern.decision_clock = running.get(concern.pk)  # type: ignore[attr-defined]
    return concerns


@require_http_methods(["GET"])
def hub(request: HttpRequest) -> HttpResponse:
    """Hub: every submitted concern force-wide, by risk then age; and children due a cumulative review."""
    user = signed_in(request)
    if not user.has_role(RoleCode.HUB):
        raise PermissionDenied
    rows = shown(request, _queue(policy.visible_to(user, Concern.objects.all())), limit=500)
    reviews = shown(
        request,
        policy.visible_to(user, CumulativeReview.objects.filter(status=ReviewStatus.OPEN))
        .select_related("person")
        .order_by("raised_at", "pk"),
        limit=200,
    )
    shown_rows(request, [r.person for r in reviews])
    return render(
        request,
        "concerns/queue.html",
        {
            "title": "Safeguarding hub queue",
            "concerns": _with_decision_clock(user, rows),
            "reviews": reviews,
            "now": timezone.now(),
            "hub": True,
        },
    )


@require_http_methods(["GET", "POST"])
def cumulative_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if not user.has_role(RoleCode.HUB):
        raise PermissionDenied
    review_row = get_or_404(request, CumulativeReview, pk, action=policy.Action.CHANGE)
    person = get_or_404(request, Person, review_row.person_id)
    concern_ids = Involvement.objects.filter(person=person).values_list("concern_id", flat=True)
    history = shown(
        request,
        policy.visible_to(user, Concern.objects.filter(pk__in=concern_ids))
        .exclude(status=ConcernStatus.DRAFT)
        .order_by("-occurred_at"),
        limit=200,
    )
    form = ReviewOutcomeForm(request.POST or None)
    if review_row.status == ReviewStatus.OPEN and needs_breach_reason(CUMULATIVE_REVIEW, review_row):
        add_breach_fields(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.complete_cumulative_review(
                review=review_row,
                outcome=data["outcome"],
                by=user,
                breach_reason=data.get("breach_reason", ""),
                breach_detail=data.get("breach_detail", ""),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Review of {person.full_name}'s history recorded.")
            return redirect("concerns:hub")
    return render(
        request,
        "concerns/cumulative_review.html",
        {
            "title": "Review a child's history",
            "review": review_row,
            "person": person,
            "history": history,
            "form": form,
            "clocks": with_status(clocks_for(user, [("concerns.cumulativereview", review_row.pk)])),
        },
    )
