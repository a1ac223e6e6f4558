"""The kinds of share and their templates (DOMAIN.md, "Sharing with partners": what each may contain).

A template lists the fields a kind may carry, which are proposed (ticked) by default, and which the
sender may edit. Redaction is unticking a field or editing an editable one; nothing outside a kind's
fields can be added. An Operation Encompass notice carries only the child's name and date of birth,
the police reference, when the incident happened, whether the child was present and whether a welfare
check is advised — deliberately no incident detail — and none of its fields is free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from safeguard.accounts.models import OrganisationKind, User
from safeguard.concerns.models import Concern, ConcernStatus, Involvement
from safeguard.people.models import Person
from safeguard.voice.models import VoiceRecord

from .models import LawfulBasis, ShareKind

YES_NO_UNKNOWN = (("yes", "Yes"), ("no", "No"), ("not_known", "Not known"))
YES_NO = (("yes", "Yes"), ("no", "No"))


@dataclass(frozen=True)
class FieldSpec:
    code: str
    label: str
    editable: bool = True  # free text the sender may redact; False: fixed from the record
    proposed: bool = True  # ticked when the draft is made
    required: bool = False  # cannot be unticked (the notice means nothing without it)
    choices: tuple[tuple[str, str], ...] = ()  # a fixed set of answers instead of text
    limit: int = 8000


@dataclass(frozen=True)
class KindSpec:
    kind: ShareKind
    recipients: tuple[str, ...]  # OrganisationKind values the share may go to
    fields: tuple[FieldSpec, ...]
    lawful_basis: str
    per_child: bool = False
    from_concern: bool = True
    hint: str = ""

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.code == code), None)


REFERENCE = FieldSpec("reference", "Police reference", editable=False, required=True)
WHEN = FieldSpec("occurred_at", "When it happened", editable=False)
TYPES = FieldSpec("types", "Kind of concern", editable=False)
SUMMARY = FieldSpec("summary", "What happened")
PEOPLE = FieldSpec("people", "People and their roles")
RISK = FieldSpec("risk", "Risk grade and rationale")
VOICE = FieldSpec("voice", "The child's voice")
HISTORY = FieldSpec("history", "Police history relevant to the child")
CONTACT = FieldSpec("contact", "Police contact", editable=False, required=True)
CHILD = FieldSpec("child", "Child", editable=False, required=True)

KINDS: dict[str, KindSpec] = {
    ShareKind.MASH_REFERRAL: KindSpec(
        ShareKind.MASH_REFERRAL,
        recipients=(OrganisationKind.CHILDRENS_SOCIAL_CARE,),
        fields=(REFERENCE, WHEN, TYPES, SUMMARY, PEOPLE, RISK, VOICE, HISTORY, CONTACT),
        lawful_basis=LawfulBasis.SAFEGUARDING,
        hint="Concern summary, people and roles, risk and rationale, the child's voice and relevant history.",
    ),
    ShareKind.ENCOMPASS: KindSpec(
        ShareKind.ENCOMPASS,
        recipients=(OrganisationKind.SCHOOL,),
        fields=(
            FieldSpec("child_name", "Child's name", editable=False, required=True),
            FieldSpec("child_dob", "Child's date of birth", editable=False, required=True),
            REFERENCE,
            FieldSpec("occurred_at", "Date and time of the incident", editable=False, required=True),
            FieldSpec("child_present", "Was the child present?", choices=YES_NO_UNKNOWN, required=True),
            FieldSpec("welfare_check", "Is a welfare check advised?", choices=YES_NO, required=True),
            CONTACT,
        ),
        lawful_basis=LawfulBasis.ENCOMPASS,
        per_child=True,
        hint="The key adult is told a child was exposed to domestic abuse, with no detail of the incident.",
    ),
    ShareKind.HEALTH: KindSpec(
        ShareKind.HEALTH,
        recipients=(OrganisationKind.HEALTH,),
        fields=(CHILD, REFERENCE, WHEN, TYPES, SUMMARY, RISK, CONTACT),
        lawful_basis=LawfulBasis.SAFEGUARDING,
        per_child=True,
        hint="For the named safeguarding nurse or health visitor: under-fives and pregnancies.",
    ),
    ShareKind.RHI_REQUEST: KindSpec(
        ShareKind.RHI_REQUEST,
        recipients=(OrganisationKind.CHILDRENS_SOCIAL_CARE, OrganisationKind.OTHER),
        fields=(CHILD, REFERENCE, FieldSpec("episode", "Missing episode"), FieldSpec("found", "Where found"), CONTACT),
        lawful_basis=LawfulBasis.SAFEGUARDING,
        per_child=True,
        from_concern=False,
        hint="Sent from a missing episode when the child returns.",
    ),
    ShareKind.OTHER: KindSpec(
        ShareKind.OTHER,
        recipients=(
            OrganisationKind.OTHER,
            OrganisationKind.SCHOOL,
            OrganisationKind.HEALTH,
            OrganisationKind.CHILDRENS_SOCIAL_CARE,
        ),
        fields=(
            REFERENCE,
            CONTACT,
            FieldSpec(WHEN.code, WHEN.label, editable=False, proposed=False),
            FieldSpec(TYPES.code, TYPES.label, editable=False, proposed=False),
            FieldSpec(SUMMARY.code, SUMMARY.label, proposed=False),
            FieldSpec(PEOPLE.code, PEOPLE.label, proposed=False),
            FieldSpec(RISK.code, RISK.label, proposed=False),
            FieldSpec(VOICE.code, VOICE.label, proposed=False),
        ),
        lawful_basis=LawfulBasis.CA04_S11,
        hint="Education, youth justice, housing and others: choose only the fields they need.",
    ),
}


def spec(kind: str) -> KindSpec:
    return KINDS[kind]


def when(moment: object) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}" if moment else "Not recorded"  # type: ignore[arg-type]


def born(day: date | None) -> str:
    return f"{day:%-d %B %Y}" if day else "Not known"


def propose(kind: str, concern: Concern, child: Person | None, by: User) -> list[dict[str, str]]:
    """The kind's template filled from the concern: one entry per field, ticked as the kind proposes.
    Each entry is ``{"field", "label", "value", "included"}``; unticked ones are never sent."""
    template = spec(kind)
    values = _values(template, concern, child, by)
    return [
        {"field": f.code, "label": f.label, "value": values.get(f.code, ""), "included": "yes" if f.proposed else ""}
        for f in template.fields
    ]


def _values(template: KindSpec, concern: Concern, child: Person | None, by: User) -> dict[str, str]:
    codes = {f.code for f in template.fields}
    values: dict[str, str] = {
        "reference": concern.reference or "",
        "occurred_at": when(concern.occurred_at),
        "contact": f"{by.display_name}, {by.unit.name if by.unit else by.organisation}",
    }
    if "types" in codes:
        values["types"] = "; ".join(t.get_type_display() for t in concern.type_tags.all())
    if "summary" in codes:
        values["summary"] = concern.summary
    if child is not None:
        values["child"] = f"{child.full_name}, born {born(child.date_of_birth)}"
        values["child_name"] = child.full_name
        values["child_dob"] = born(child.date_of_birth)
        values["child_present"] = "not_known"
        values["welfare_check"] = "yes"
    if "people" in codes:
        rows = Involvement.objects.filter(concern=concern).select_related("person").order_by("person_id", "role")
        values["people"] = "\n".join(
            f"{i.person.full_name} (born {born(i.person.date_of_birth)}): {i.get_role_display()}" for i in rows
        )
    if "risk" in codes:
        latest = concern.risk_assessments.order_by("-assessed_at", "-pk").first()
        grade = concern.get_risk_grade_display() or "Not graded"
        values["risk"] = f"{grade}: {latest.rationale}" if latest else grade
    if "voice" in codes:
        values["voice"] = _voice(concern, child)
    if "history" in codes:
        values["history"] = _history(concern, child)
    return values


def _voice(concern: Concern, child: Person | None) -> str:
    records = VoiceRecord.objects.filter(concern=concern, is_current=True).select_related("person")
    if child is not None:
        records = records.filter(person=child)
    parts = [voice_in_words(voice.person.full_name, voice) for voice in records.order_by("person_id")]
    return "\n\n".join(parts)


def voice_in_words(name: str, voice: VoiceRecord) -> str:
    """One child's voice record as a referral gives it: spoken to or why not, their own words (quoted),
    behaviour and demeanour, wishes and feelings."""
    lines = [f"{name}: " + ("spoken to" if voice.spoken_to else "not spoken to")]
    if not voice.spoken_to and voice.reason_not_spoken:
        lines.append(f"Why not: {voice.get_reason_not_spoken_display()}")
    if voice.childs_words:
        lines.append(f"In their words: “{voice.childs_words}”")
    if voice.demeanour_narrative:
        lines.append(f"Behaviour and demeanour: {voice.demeanour_narrative}")
    if voice.wishes_and_feelings:
        lines.append(f"Wishes and feelings: {voice.wishes_and_feelings}")
    return "\n".join(lines)


def _history(concern: Concern, child: Person | None) -> str:
    """Earlier concerns about the child(ren): reference, date and kind only. Restricted ones are left
    out (their content opens only with a reason) and so are drafts."""
    children = (
        [child.pk] if child else list(concern.involvements.filter(is_child=True).values_list("person_id", flat=True))
    )
    earlier = (
        Concern.objects.filter(involvements__person_id__in=children, is_restricted=False)
        .exclude(pk=concern.pk)
        .exclude(status=ConcernStatus.DRAFT)
        .prefetch_related("type_tags")
        .distinct()
        .order_by("-occurred_at")[:20]
    )
    lines = [
        f"{c.reference}, {when(c.occurred_at)}: {'; '.join(t.get_type_display() for t in c.type_tags.all())}"
        for c in earlier
    ]
    return "\n".join(lines) or "No earlier concerns recorded"
