from django.http import HttpRequest
from ninja import Router, Schema

from safeguard.accounts import policy
from safeguard.web.access import get_or_404, shown

from .models import CaseNote

router = Router(tags=["casework (tests only)"])


class NoteOut(Schema):
    id: int
    title: str
    body: str


@router.get("/", response=list[NoteOut])
def list_notes(request: HttpRequest) -> list[NoteOut]:
    notes = shown(request, policy.visible_to(request.user, CaseNote.objects.order_by("pk")))
    return [
        NoteOut(
            id=n.pk,
            title="Restricted" if n.is_locked_for_viewer else n.title,  # type: ignore[attr-defined]
            body="" if n.is_locked_for_viewer else n.body,
        )
        for n in notes
    ]  # type: ignore[attr-defined]


@router.get("/{note_id}", response=NoteOut)
def get_note(request: HttpRequest, note_id: int) -> NoteOut:
    note = get_or_404(request, CaseNote, note_id)
    return NoteOut(id=note.pk, title=note.title, body=note.body)
