"""API endpoints for the child's voice. A voice record is read here; it is written through its concern
(``POST /concerns/{id}/voice`` in safeguard.concerns.api), whose access it follows."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import AwareDatetime

from safeguard.people.api import PersonRef, Text, person_refs
from safeguard.web.access import get_or_404

from .models import Demeanour, ReasonNotSpoken, SeenAlone, VoiceRecord
from .quality import quality_issues
from .services import VoiceAnswers

router = Router(tags=["voice"])


class VoiceAnswersIn(Schema):
    """DOMAIN.md, "The child's voice". Not spoken to needs a coded reason; seen or spoken to needs how it
    informed the decision."""

    seen: bool
    spoken_to: bool
    seen_alone: SeenAlone | None = Field(None, description="Required when the child was seen")
    seen_alone_reason: Text = ""
    reason_not_spoken: ReasonNotSpoken | None = Field(None, description="Required when not spoken to")
    reason_detail: Text = Field("", description="Required for 'asleep' and 'other'")
    childs_words: Text = Field("", description="Verbatim: stored exactly as sent")
    demeanour: list[Demeanour] = Field(default_factory=list, max_length=len(Demeanour.values))
    demeanour_narrative: Text = ""
    wishes_and_feelings: Text = ""
    others_present: Text = ""
    informed_decision: Text = ""
    observed_at: AwareDatetime | None = Field(None, description="When the child was seen; defaults to the event time")

    def answers(self) -> VoiceAnswers:
        return VoiceAnswers(
            seen=self.seen,
            spoken_to=self.spoken_to,
            seen_alone=self.seen_alone or "",
            seen_alone_reason=self.seen_alone_reason,
            reason_not_spoken=self.reason_not_spoken or "",
            reason_detail=self.reason_detail,
            childs_words=self.childs_words,
            demeanour=[str(d) for d in self.demeanour],
            demeanour_narrative=self.demeanour_narrative,
            wishes_and_feelings=self.wishes_and_feelings,
            others_present=self.others_present,
            informed_decision=self.informed_decision,
            observed_at=self.observed_at,
        )


class VoiceOut(Schema):
    id: int
    concern_id: int | None = Field(description="The concern it was recorded in, or null")
    investigation_id: int | None = Field(description="The investigation it was recorded in, or null")
    person: PersonRef
    seen: bool
    seen_alone: SeenAlone | None
    seen_alone_reason: str
    spoken_to: bool
    reason_not_spoken: ReasonNotSpoken | None
    reason_detail: str
    childs_words: str
    demeanour: list[Demeanour]
    demeanour_narrative: str
    wishes_and_feelings: str
    others_present: str
    informed_decision: str
    observed_at: datetime | None
    recorded_at: datetime
    recorded_by: str
    version: int
    is_current: bool
    supersedes_id: int | None
    correction_reason: str
    quality_issues: list[str] = Field(description="What is weak about this record, for the supervisor")


def voice_out(request: HttpRequest, voice: VoiceRecord, *, audit_person: bool = True) -> VoiceOut:
    person = voice.person
    day = voice.observed_at or (voice.concern.occurred_at if voice.concern else None) or voice.recorded_at
    ref = person_refs(request, [person], audit=audit_person)[person.pk]
    return VoiceOut(
        id=voice.pk,
        concern_id=voice.concern_id,
        investigation_id=voice.investigation_id,
        person=ref,
        seen=voice.seen,
        seen_alone=SeenAlone(voice.seen_alone) if voice.seen_alone else None,
        seen_alone_reason=voice.seen_alone_reason,
        spoken_to=voice.spoken_to,
        reason_not_spoken=ReasonNotSpoken(voice.reason_not_spoken) if voice.reason_not_spoken else None,
        reason_detail=voice.reason_detail,
        childs_words=voice.childs_words,
        demeanour=sorted(Demeanour(code) for code in voice.demeanour_codes),
        demeanour_narrative=voice.demeanour_narrative,
        wishes_and_feelings=voice.wishes_and_feelings,
        others_present=voice.others_present,
        informed_decision=voice.informed_decision,
        observed_at=voice.observed_at,
        recorded_at=voice.recorded_at,
        recorded_by=voice.recorded_by.display_name,
        version=voice.version,
        is_current=voice.is_current,
        supersedes_id=voice.supersedes_id,
        correction_reason=voice.correction_reason,
        quality_issues=quality_issues(voice, age=person.age_on(day.date())),
    )


@router.get("/{voice_id}", response=VoiceOut, summary="One child's voice record")
def get_voice(request: HttpRequest, voice_id: int) -> VoiceOut:
    """Earlier versions stay readable: a correction names the version it supersedes and why."""
    queryset = VoiceRecord.objects.select_related("person", "concern", "recorded_by").prefetch_related("observations")
    return voice_out(request, get_or_404(request, VoiceRecord, voice_id, queryset=queryset))
