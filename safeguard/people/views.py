from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.web.access import get_or_404, shown_rows, signed_in
from safeguard.web.forms import errors_to_form

from . import services
from .forms import DETAIL_FORMS, ChooseDuplicateForm, MergeForm, SearchForm
from .history import history_of
from .models import Merge, Person
from .search import Candidate, Query, search
from .selectors import household_of, identity_of, relationships_of


def run_search(request: HttpRequest, query: Query, *, exclude: int | None = None) -> list[Candidate]:
    """The search through the access policy, with every person shown written to the audit log."""
    people = policy.visible_to(request.user, Person.objects.all())
    if exclude:
        people = people.exclude(pk=exclude)
    candidates = search(query, people)
    shown_rows(request, [c.person for c in candidates])
    return candidates


@require_http_methods(["GET"])
def person_search(request: HttpRequest) -> HttpResponse:
    """'Have we seen this child before?' on its own, from the navigation."""
    if not signed_in(request).has_role(*policy.NOMINAL_SEARCHERS):
        raise PermissionDenied
    form = SearchForm(request.GET or None)
    candidates = run_search(request, form.query()) if form.is_valid() else None
    return render(
        request,
        "people/search.html",
        {"title": "Have we seen this person before?", "form": form, "candidates": candidates},
    )


@require_http_methods(["GET"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The child's (or adult's) page: identity, relationships, flags, and their history newest first."""
    person = get_or_404(request, Person, pk)
    identity = identity_of(person)
    related = relationships_of(person)
    related_ids = {other.pk for _, other in related}
    household = [other for other in household_of(person) if other.pk not in related_ids]
    shown_rows(request, [p for _, p in related] + household)
    history = history_of(request, person)
    clocks = [c for c in clocks_for(signed_in(request), history.records) if c.is_open or c.outcome == "breached"]
    return render(
        request,
        "people/detail.html",
        {
            "title": person.full_name,
            "person": person,
            "identity": identity,
            "related": related,
            "household": household,
            "history": history,
            "clocks": with_status(clocks),
            "merges": Merge.objects.filter(survivor=person).select_related("absorbed", "merged_by"),
            "may_merge": signed_in(request).has_role(RoleCode.HUB),
            "may_change": policy.can(request.user, policy.Action.CHANGE, person),
        },
    )


@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add a name, identifier, address, flag or relationship, or correct the date of birth."""
    if kind not in DETAIL_FORMS:
        raise Http404
    person = get_or_404(request, Person, pk, action=policy.Action.CHANGE)
    form_class, heading = DETAIL_FORMS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, by = form.cleaned_data, signed_in(request)
        try:
            if kind == "name":
                services.add_name(
                    person=person,
                    given=data["given_name"],
                    family=data["family_name"],
                    kind=data["kind"],
                    source=data["source"],
                    by=by,
                )
            elif kind == "identifier":
                services.add_identifier(
                    person=person, kind=data["kind"], value=data["value"], source=data["source"], by=by
                )
            elif kind == "address":
                services.add_address(
                    person=person,
                    line1=data["line1"],
                    town=data["town"],
                    postcode=data["postcode"],
                    source=data["source"],
                    by=by,
                )
            elif kind == "flag":
                services.add_flag(person=person, kind=data["kind"], note=data["note"], source=data["source"], by=by)
            elif kind == "relationship":
                other = get_or_404(request, Person, data["other"])
                services.relate(person=person, other=other, kind=data["kind"], source=data["source"], by=by)
            else:
                services.set_date_of_birth(
                    person=person, value=data["date_of_birth"], quality=data["dob_quality"], by=by
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/add.html", {"title": heading, "heading": heading, "form": form, "person": person})


def _hub(request: HttpRequest) -> User:
    user = signed_in(request)
    if not user.has_role(RoleCode.HUB):
        raise PermissionDenied
    return user


@require_http_methods(["GET"])
def merge_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Hub: possible duplicates of this person, found by the same search as 'seen before?'."""
    _hub(request)
    person = get_or_404(request, Person, pk)
    query = Query(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )
    candidates = run_search(request, query, exclude=person.pk)
    form = ChooseDuplicateForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("people:merge_confirm", pk=person.pk, other=form.cleaned_data["other"])
    return render(
        request,
        "people/merge_choose.html",
        {
            "title": f"Possible duplicates of {person.full_name}",
            "person": person,
            "candidates": candidates,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def merge_confirm(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Hub: compare two records side by side and merge ``other`` into ``pk`` with a reason."""
    hub = _hub(request)
    survivor = get_or_404(request, Person, pk, action=policy.Action.CHANGE)
    absorbed = get_or_404(request, Person, other, action=policy.Action.CHANGE)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_people(survivor=survivor, absorbed=absorbed, reason=form.cleaned_data["reason"], by=hub)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{absorbed.full_name} (person {absorbed.pk}) was merged into this record.")
            return redirect("people:detail", pk=survivor.pk)
    return render(
        request,
        "people/merge_confirm.html",
        {
            "title": "Merge two records",
            "form": form,
            "pair": [(survivor, identity_of(survivor)), (absorbed, identity_of(absorbed))],
            "survivor": survivor,
            "absorbed": absorbed,
        },
    )
