"""My work, my team, and the admin's rules, parameters and school term dates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard import parameters
from safeguard.accounts.models import User
from safeguard.models import ParameterChange
from safeguard.web.access import administrator, shown_rows, with_role
from safeguard.web.forms import errors_to_form

from . import selectors, services
from .forms import ParameterForm, TeamFilterForm, TermForm
from .models import SchoolTerm, TermCalendar
from .rules import RULES

PAGE_SIZE = 50


def _page(request: HttpRequest, clocks: object) -> object:
    return Paginator(clocks, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@require_http_methods(["GET"])
def mine(request: HttpRequest) -> HttpResponse:
    user = with_role(request, *selectors.WORK_ROLES)
    now = timezone.now()
    page = _page(request, selectors.my_work(user).select_related("unit"))
    rows = selectors.with_status(shown_rows(request, list(page)), now)  # type: ignore[call-overload]
    return render(request, "timescales/mine.html", {"title": "My work", "page": page, "clocks": rows, "now": now})


@require_http_methods(["GET"])
def team(request: HttpRequest) -> HttpResponse:
    user = with_role(request, *selectors.TEAM_ROLES)
    now = timezone.now()
    clocks = selectors.my_team(user)
    counts = selectors.summary(clocks, now)
    owners = User.objects.filter(pk__in=clocks.exclude(owner=None).values("owner")).order_by("last_name")
    form = TeamFilterForm(request.GET or None, people=[(str(u.pk), u.display_name) for u in owners])
    filters = form.cleaned_data if form.is_valid() else {}
    clocks = selectors.filtered(
        clocks,
        now=now,
        person=filters.get("person", ""),
        rule=filters.get("rule", ""),
        status=filters.get("status", ""),
    )
    page = _page(request, clocks.select_related("owner", "unit"))
    rows = selectors.with_status(shown_rows(request, list(page)), now)  # type: ignore[call-overload]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "timescales/team.html",
        {
            "title": "My team's work",
            "page": page,
            "clocks": rows,
            "form": form,
            "query": query.urlencode(),
            "counts": counts,
        },
    )


@require_http_methods(["GET"])
def rules(request: HttpRequest) -> HttpResponse:
    administrator(request)
    rows = [
        {"rule": rule, "parameters": [(parameters.PARAMETERS[key], parameters.value(key)) for key in rule.parameters]}
        for rule in sorted(RULES.values(), key=lambda r: r.code)
    ]
    named = {key for rule in RULES.values() for key in rule.parameters}
    others = [(p, parameters.value(p.key)) for p in parameters.PARAMETERS.values() if p.key not in named]
    return render(request, "timescales/rules.html", {"title": "Rules and timescales", "rows": rows, "others": others})


@require_http_methods(["GET", "POST"])
def parameter(request: HttpRequest, key: str) -> HttpResponse:
    admin = administrator(request)
    found = parameters.PARAMETERS.get(key)
    if found is None:
        raise Http404
    form = ParameterForm(
        request.POST or None, parameter=found, initial={"value": found.editable(parameters.value(key))}
    )
    form.fields["value"].help_text = (
        "A time of day, for example 08:30"
        if found.unit == "time of day"
        else f"In {found.unit}, from {found.minimum} to {found.maximum}"
    )
    if request.method == "POST" and form.is_valid():
        try:
            parameters.set_value(key=key, text=form.cleaned_data["value"], reason=form.cleaned_data["reason"], by=admin)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{found.description}: now {found.show(parameters.value(key))}.")
            return redirect("timescales:rules")
    history = ParameterChange.objects.filter(key=key).select_related("changed_by")[:20]
    return render(
        request,
        "timescales/parameter.html",
        {
            "title": "Change a local value",
            "parameter": found,
            "current": found.show(parameters.value(key)),
            "form": form,
            "history": [(c, found.show(c.old_value), found.show(c.new_value)) for c in history],
        },
    )


@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest) -> HttpResponse:
    admin = administrator(request)
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            term = services.add_term(
                local_authority=data["local_authority"],
                name=data["name"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                by=admin,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{term.name} added for {term.calendar.local_authority}.")
            return redirect("timescales:terms")
    calendars = TermCalendar.objects.prefetch_related("terms")
    return render(
        request, "timescales/terms.html", {"title": "School term dates", "calendars": calendars, "form": form}
    )


@require_http_methods(["POST"])
def remove_term(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    term = SchoolTerm.objects.select_related("calendar").filter(pk=pk).first()
    if term is None:
        raise Http404
    services.remove_term(term=term, by=admin)
    messages.success(request, f"{term.name} removed from {term.calendar.local_authority}.")
    return redirect("timescales:terms")
