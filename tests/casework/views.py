from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safeguard.accounts import policy
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.web.access import get_or_404, shown
from safeguard.web.forms import GovukForm

from .models import CaseNote


class NoteForm(GovukForm):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea)


@require_http_methods(["GET"])
def note_list(request: HttpRequest) -> HttpResponse:
    notes = shown(request, policy.visible_to(request.user, CaseNote.objects.order_by("pk")))
    return render(request, "casework/list.html", {"notes": notes, "title": "Case notes"})


@require_http_methods(["GET"])
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_or_404(request, CaseNote, pk)
    return render(request, "casework/detail.html", {"note": note, "title": note.title})


@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_or_404(request, CaseNote, pk, action=policy.Action.CHANGE)
    form = NoteForm(request.POST or None, initial={"title": note.title, "body": note.body})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            note.title, note.body = form.cleaned_data["title"], form.cleaned_data["body"]
            note.save()
            audit.record(actor=request.user, operation=Operation.ALTER, record_type="casework.casenote", records=[note])  # type: ignore[arg-type]
        return redirect("casework:detail", pk=note.pk)
    return render(request, "casework/edit.html", {"note": note, "form": form, "title": "Edit note"})
