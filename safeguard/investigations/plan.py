"""The plan pages of an investigation: its lines of enquiry and what is recorded against them, the people
the enquiries find, each child's voice, and the partners who must be told. Views parse, authorise
through web.access and call services (STYLE.md).

Two people may edit one plan item at once: each page carries the version it was opened on, and a save
from an older version is refused (services.EditConflict). The editor is told who changed it and when,
shown their saved values beside their own, and may then save again deliberately."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.concerns.forms import VoiceForm
from safeguard.people.forms import SearchForm
from safeguard.people.models import Person
from safeguard.people.views import run_search
from safeguard.timescales.forms import add_breach_fields
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.timescales.services import needs_breach_reason
from safeguard.voice.models import VoiceRecord
from safeguard.voice.services import record_investigation_voice
from safeguard.web.access import get_or_404, shown_rows, signed_in
from safeguard.web.forms import errors_to_form

from . import selectors, services
from .models import Action, ActionEntry, Investigation, LineOfEnquiry
from .plan_forms import (
    ActionForm,
    CorrectionForm,
    EntryForm,
    FinishForm,
    NotificationForm,
    PersonRoleForm,
    SentForm,
)
from .timescales import ACTION


def _investigation(request: HttpRequest, pk: int) -> Investigation:
    """For the pages that add to the plan: those who run it (the officer in the case, their supervisor,
    the hub), while the investigation is open."""
    investigation = get_or_404(
        request, Investigation, pk, action=policy.Action.CHANGE, queryset=Investigation.objects.select_related("unit")
    )
    if not services.may_work_on(signed_in(request), investigation):
        raise Http404
    return investigation


def changes_action(
    *, finished_too: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For the pages that change an action: the view gets it if this user may edit it (its owner, or
    someone who runs the investigation). A finished action, or one in a closed investigation, is shown
    read-only instead."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
            user = signed_in(request)
            runs = policy.changeable_by(user, Investigation.objects.all())
            editable = Action.objects.filter(Q(owner=user) | Q(investigation__in=runs))
            action = get_or_404(
                request, Action, pk, queryset=editable.select_related("investigation", "owner", "updated_by")
            )
            if not action.investigation.is_open:
                messages.warning(request, f"{action.investigation} is closed: its plan can no longer be changed.")
                return redirect("investigations:action", pk=action.pk)
            if not services.may_edit_action(user, action):
                raise Http404
            if not (finished_too or action.is_open):
                messages.warning(request, _finished_message(action, posted=request.method == "POST"))
                return redirect("investigations:action", pk=action.pk)
            return view(request, action, **kwargs)

        return wrapper

    return decorate


def _finished_message(action: Action, *, posted: bool) -> str:
    when = timezone.localtime(action.finished_at or action.updated_at)
    return (
        f"{action.updated_by.display_name} marked this action {action.get_status_display().lower()} at "
        f"{when:%H:%M on %-d %B %Y}. It can no longer be changed"
        + (": your changes have not been saved." if posted else ".")
    )


def _place(form: forms.Form, exc: ValidationError, **renames: str) -> None:
    """A service's errors on this form, its field names mapped to the form's (occurred_at → time)."""
    if hasattr(exc, "error_dict") and renames:
        exc = ValidationError({renames.get(name, name): errors for name, errors in exc.error_dict.items()})
    errors_to_form(form, exc)


def _late(data: dict[str, Any]) -> services.Late:
    return services.Late(data.get("breach_reason", ""), data.get("breach_detail", ""))


def _conflict_message(current: Action) -> str:
    when = timezone.localtime(current.updated_at)
    return (
        f"{current.updated_by.display_name} changed this action at {when:%H:%M on %-d %B %Y} while you were "
        "editing. Your changes have not been saved."
    )


# --- Adding to the plan --------------------------------------------------------------------------


def _details(data: dict[str, Any], kind: str) -> services.ActionDetails:
    return services.ActionDetails(
        kind=data.get("kind", kind),
        title=data["title"],
        detail=data["detail"],
        owner=data["owner"],
        due_on=data["due_on"],
    )


@require_http_methods(["GET", "POST"])
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    form = ActionForm(request.POST or None, investigation=investigation, initial={"owner": investigation.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_action(
                investigation=investigation, details=_details(form.cleaned_data, ""), by=signed_in(request)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"'{form.cleaned_data['title']}' was added to the plan.")
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/action_form.html",
        {"title": "Add a line of enquiry", "investigation": investigation, "form": form},
    )


# --- One action ----------------------------------------------------------------------------------


@dataclass
class EntryHistory:
    """An entry as it now stands, with the versions it corrected, newest first, each paired with the
    version that corrected it (which holds the reason)."""

    current: ActionEntry
    earlier: list[tuple[ActionEntry, ActionEntry]] = field(default_factory=list)


def _entries(action: Action) -> list[EntryHistory]:
    """The current entries in event-time order, each with its earlier versions."""
    rows = list(action.entries.select_related("recorded_by"))
    by_pk = {row.pk: row for row in rows}
    histories = []
    for row in rows:
        if row.is_current:
            history, newer = EntryHistory(row), row
            while newer.supersedes_id in by_pk:
                older = by_pk[newer.supersedes_id]
                history.earlier.append((older, newer))
                newer = older
            histories.append(history)
    return histories


@require_http_methods(["GET"])
def action(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    item = get_or_404(
        request,
        Action,
        pk,
        queryset=Action.objects.select_related("investigation", "owner", "updated_by", "review__reviewed_by"),
    )
    return render(
        request,
        "investigations/action.html",
        {
            "title": item.title,
            "action": item,
            "entries": _entries(item),
            "clocks": with_status(clocks_for(user, [(services.ACTION_TYPE, item.pk)])),
            "may_edit": item.investigation.is_open and services.may_edit_action(user, item),
        },
    )


def _differences(current: Action, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What the other person saved beside what this editor typed, where the two differ."""

    def day(value: Any) -> str:
        return f"{value:%-d %B %Y}" if value else ""

    theirs = {
        "Line of enquiry": current.get_kind_display(),
        "What is to be done": current.title,
        "Detail": current.detail,
        "Who will do it": current.owner.display_name if current.owner else "",
        "Due date": day(current.due_on),
    }
    owner = data.get("owner")
    yours = {
        "Line of enquiry": LineOfEnquiry(data.get("kind", current.kind)).label,
        "What is to be done": data.get("title", ""),
        "Detail": data.get("detail", ""),
        "Who will do it": owner.display_name if owner else "",
        "Due date": day(data.get("due_on")),
    }
    rows = [(label, theirs[label], yours[label]) for label in theirs if theirs[label].strip() != yours[label].strip()]
    if not current.is_open:
        rows.insert(0, ("Status", current.get_status_display(), "Open"))
    return rows


def _action_form(data: Any, action: Action, version: int) -> ActionForm:
    form = ActionForm(
        data,
        investigation=action.investigation,
        direction=action.is_direction,
        editing=True,
        initial={
            "kind": action.kind,
            "title": action.title,
            "detail": action.detail,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "version": version,
        },
    )
    if needs_breach_reason(ACTION, action):
        add_breach_fields(form)
    return form


@require_http_methods(["GET", "POST"])
@changes_action()
def edit_action(request: HttpRequest, action: Action) -> HttpResponse:
    user = signed_in(request)
    form = _action_form(request.POST or None, action, action.version)
    conflict: Action | None = None
    differences: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(
                action=action, details=_details(data, action.kind), version=data["version"], by=user, late=_late(data)
            )
        except services.EditConflict as exc:
            conflict = exc.current
            differences = _differences(conflict, data)
            saved = conflict.version
            form = _after_conflict(request, conflict, lambda posted: _action_form(posted, action, saved))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"'{action.title}' was updated.")
            return redirect("investigations:action", pk=action.pk)
    return render(
        request,
        "investigations/action_form.html",
        {
            "title": f"Change '{action.title}'",
            "investigation": action.investigation,
            "action": conflict or action,
            "form": form,
            "conflict": conflict,
            "differences": differences,
            "late": "breach_reason" in form.fields,
        },
    )


def _finish_form(data: Any, *, late: bool, initial: dict[str, Any] | None = None) -> FinishForm:
    form = FinishForm(data, initial=initial)
    if late:
        add_breach_fields(form)
    return form


def _after_conflict(request: HttpRequest, conflict: Action, make_form: Callable[[Any], forms.Form]) -> Any:
    """The form again with what they typed, carrying the version now saved, so that saving again
    replaces the other person's change knowingly; the conflict is said at the top."""
    posted = request.POST.copy()
    posted["version"] = str(conflict.version)
    form = make_form(posted)
    form.is_valid()
    form.add_error(None, _conflict_message(conflict))
    return form


@require_http_methods(["GET", "POST"])
@changes_action()
def finish_action(request: HttpRequest, action: Action) -> HttpResponse:
    form = _finish_form(
        request.POST or None, initial={"version": action.version}, late=needs_breach_reason(ACTION, action)
    )
    conflict: Action | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finish_action(
                action=action,
                status=data["status"],
                result=data["result"],
                version=data["version"],
                by=signed_in(request),
                late=_late(data),
            )
        except services.EditConflict as exc:
            conflict = exc.current
            form = _after_conflict(request, conflict, lambda posted: _finish_form(posted, late="breach_reason" in data))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"'{action.title}' is {action.get_status_display().lower()}.")
            return redirect("investigations:action", pk=action.pk)
    return render(
        request,
        "investigations/finish_action.html",
        {
            "title": f"Complete or close '{action.title}'",
            "clock": selectors.running_clock(signed_in(request), action, ACTION),
            "action": conflict or action,
            "form": form,
            "conflict": conflict,
        },
    )


@require_http_methods(["GET", "POST"])
@changes_action(finished_too=True)
def record_entry(request: HttpRequest, action: Action) -> HttpResponse:
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_entry(
                action=action,
                kind=data["kind"],
                text=data["text"],
                occurred_at=form.occurred_at(),
                by=signed_in(request),
            )
        except ValidationError as exc:
            _place(form, exc, occurred_at="time")
        else:
            messages.success(request, f"Your {data['kind']} entry was recorded.")
            return redirect("investigations:action", pk=action.pk)
    return render(
        request,
        "investigations/entry_form.html",
        {"title": "Record progress, evidence or a decision", "action": action, "form": form},
    )


@require_http_methods(["GET", "POST"])
@changes_action(finished_too=True)
def correct_entry(request: HttpRequest, action: Action, entry: int) -> HttpResponse:
    original = action.entries.select_related("recorded_by").filter(pk=entry).first()
    if original is None:
        raise Http404
    if not original.is_current:
        messages.info(request, "That version has already been corrected: correct the latest version.")
        return redirect("investigations:action", pk=action.pk)
    original.action = action
    when = timezone.localtime(original.occurred_at)
    form = CorrectionForm(
        request.POST or None, initial={"text": original.text, "day": when.date(), "time": when.strftime("%H:%M")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correct_entry(
                entry=original,
                text=data["text"],
                occurred_at=form.occurred_at(),
                reason=data["reason"],
                by=signed_in(request),
            )
        except ValidationError as exc:
            _place(form, exc, occurred_at="time")
        else:
            messages.success(request, "The correction was recorded; the earlier version is kept.")
            return redirect("investigations:action", pk=action.pk)
    return render(
        request,
        "investigations/entry_form.html",
        {"title": "Correct a record", "action": action, "form": form, "entry": original},
    )


# --- People and their voices ---------------------------------------------------------------------


@require_http_methods(["GET"])
def find_person(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    form = SearchForm(request.GET or None)
    candidates = run_search(request, form.query()) if form.is_valid() else None
    return render(
        request,
        "investigations/find_person.html",
        {
            "title": "Find a person to add",
            "investigation": investigation,
            "form": form,
            "candidates": candidates,
            "choose_url": "investigations:add_person",
        },
    )


@require_http_methods(["GET", "POST"])
def add_person(request: HttpRequest, pk: int, person: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    subject = get_or_404(request, Person, person)
    needs_age = subject.is_child_on(services.today()) is None
    form = PersonRoleForm(request.POST or None, needs_age=needs_age)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.add_person(
                investigation=investigation,
                person=subject,
                role=form.cleaned_data["role"],
                is_child=form.under_18(),
                by=signed_in(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{subject.full_name} is in this investigation as {row.get_role_display()}.")
            return redirect("investigations:detail", pk=investigation.pk)
    roles = [p.get_role_display() for p in investigation.people.filter(person=subject)]
    return render(
        request,
        "investigations/add_person.html",
        {
            "title": f"{subject.full_name}'s part",
            "investigation": investigation,
            "subject": subject,
            "roles": roles,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def voice(request: HttpRequest, pk: int, person: int) -> HttpResponse:
    """A child's voice in the investigation. A later record replaces the current one with a reason; the
    earlier one is kept."""
    investigation = _investigation(request, pk)
    child = get_or_404(request, Person, person)
    if not investigation.people.filter(person=child, is_child=True).exists():
        raise Http404
    current = VoiceRecord.objects.filter(investigation=investigation, person=child, is_current=True).first()
    if current is not None:
        shown_rows(request, [current])
    form = VoiceForm(request.POST or None, initial=VoiceForm.initial_from(current), correcting=current is not None)
    if current is not None:
        form.fields["correction_reason"].label = "Why does this replace the earlier record?"
        form.fields["correction_reason"].help_text = "For example, seen again at the ABE interview"
    if request.method == "POST" and form.is_valid():
        try:
            record_investigation_voice(
                investigation=investigation,
                person=child,
                answers=form.answers(),
                by=signed_in(request),
                reason=form.cleaned_data.get("correction_reason", ""),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            kept = "; the earlier record is kept" if current is not None else ""
            messages.success(request, f"{child.full_name}'s voice was recorded{kept}.")
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/voice.html",
        {
            "title": f"{child.full_name}'s voice",
            "investigation": investigation,
            "child": child,
            "age": child.age_on(services.today()),
            "current": current,
            "form": form,
        },
    )


# --- Partners who must be told -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def require_notification(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    form = NotificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.require_notification(
                investigation=investigation,
                agency=form.cleaned_data["agency"],
                purpose=form.cleaned_data["purpose"],
                by=signed_in(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{row.get_agency_display()} must be told before the investigation can close.")
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/notification_form.html",
        {"title": "A partner who must be told", "investigation": investigation, "form": form},
    )


@require_http_methods(["GET", "POST"])
def notification(request: HttpRequest, pk: int, notification: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    row = investigation.notifications.select_related("required_by", "sent_by").filter(pk=notification).first()
    if row is None:
        raise Http404
    row.investigation = investigation
    form = None if row.is_sent else SentForm(request.POST or None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.record_notification_sent(
                notification=row, sent_at=form.sent_at(), detail=form.cleaned_data["detail"], by=signed_in(request)
            )
        except ValidationError as exc:
            _place(form, exc, sent_at="time")
        else:
            messages.success(request, f"Recorded: {row.get_agency_display()} has been told.")
            return redirect("investigations:detail", pk=investigation.pk)
    return render(
        request,
        "investigations/notification.html",
        {
            "title": f"Telling {row.get_agency_display()}",
            "investigation": investigation,
            "notification": row,
            "form": form,
        },
    )
