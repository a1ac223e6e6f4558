"""The child's voice (DOMAIN.md, NCPI's first area for improvement): was the child seen, seen alone,
spoken to — and if not, why not; their own words, kept verbatim; their behaviour and demeanour; their
wishes and feelings; who else was there; and how it changed the officer's decision."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from safeguard.accounts.models import Scope, ScopedRecord, User
from safeguard.people.models import Person


class SeenAlone(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPROPRIATE = "not_appropriate", "Not appropriate"


class ReasonNotSpoken(models.TextChoices):
    """DOMAIN.md: the coded reasons a child was not spoken to."""

    PRE_VERBAL = "pre_verbal", "Pre-verbal"
    ASLEEP = "asleep", "Asleep (not woken)"
    NOT_PRESENT = "not_present", "Not present"
    DECLINED = "declined", "Declined to speak"
    PREVENTED = "prevented", "Parent or carer prevented it"
    COMMUNICATION = "communication", "Communication needs (intermediary or interpreter needed)"
    DISTRESSED = "distressed", "Too distressed"
    DEFERRED_ABE = "deferred_abe", "Deferred to a formal (ABE) interview to protect evidence"
    NOT_SAFE = "not_safe", "Not safe to do so"
    OTHER = "other", "Other"


REASONS_NEEDING_DETAIL = {ReasonNotSpoken.ASLEEP, ReasonNotSpoken.OTHER}


class Demeanour(models.TextChoices):
    CALM = "calm", "Calm"
    WITHDRAWN = "withdrawn", "Quiet or withdrawn"
    UPSET = "upset", "Upset or crying"
    FRIGHTENED = "frightened", "Frightened"
    ANXIOUS = "anxious", "Anxious"
    ANGRY = "angry", "Angry"
    HYPERVIGILANT = "hypervigilant", "Hypervigilant or 'frozen watchfulness'"
    CLINGY = "clingy", "Clingy to carer"
    AVOIDS_CARER = "avoids_carer", "Avoids carer"
    INJURY = "injury", "Visible injury"
    UNKEMPT = "unkempt", "Unkempt or hungry"
    INTOXICATED = "intoxicated", "Intoxicated"
    DISCLOSED = "disclosed", "Disclosed harm"
    OTHER = "other", "Other"


class VoiceRecord(ScopedRecord):
    """One child's voice in one context: a concern, or an investigation (a child met during enquiries,
    or seen again). ``unit``/``owner`` follow that context.

    Corrections after submission are new versions: the old row stays with ``is_current`` False and the
    new one names it in ``supersedes`` with a reason. In an investigation every later record is a new
    version of the child's voice, with the reason it replaces the last (seen again, corrected)."""

    concern = models.ForeignKey(
        "concerns.Concern", null=True, blank=True, on_delete=models.CASCADE, related_name="voice_records"
    )
    investigation = models.ForeignKey(
        "investigations.Investigation", null=True, blank=True, on_delete=models.CASCADE, related_name="voice_records"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="voice_records")
    seen = models.BooleanField()
    seen_alone = models.CharField(max_length=16, choices=SeenAlone.choices, blank=True)
    seen_alone_reason = models.TextField(blank=True)
    spoken_to = models.BooleanField()
    reason_not_spoken = models.CharField(max_length=16, choices=ReasonNotSpoken.choices, blank=True, db_index=True)
    reason_detail = models.TextField(blank=True)
    childs_words = models.TextField(blank=True, help_text="Verbatim. Never paraphrased.")
    demeanour_narrative = models.TextField(blank=True)
    wishes_and_feelings = models.TextField(blank=True)
    others_present = models.TextField(blank=True)
    informed_decision = models.TextField(blank=True)
    observed_at = models.DateTimeField(null=True, blank=True, help_text="When the child was seen (event time)")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)

    access_scope = Scope(record_type="voice.voicerecord")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "person"], condition=models.Q(is_current=True), name="one_current_voice_per_child"
            ),
            models.UniqueConstraint(
                fields=["investigation", "person"],
                condition=models.Q(is_current=True),
                name="one_current_investigation_voice",
            ),
            models.CheckConstraint(
                condition=models.Q(concern__isnull=False, investigation__isnull=True)
                | models.Q(concern__isnull=True, investigation__isnull=False),
                name="voice_has_one_context",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "is_current", "recorded_at"], name="voice_person_idx"),
            models.Index(fields=["spoken_to", "recorded_at"], name="voice_spoken_idx"),
        ]

    def __str__(self) -> str:
        return f"Voice of {self.person}"

    @property
    def demeanour_codes(self) -> list[str]:
        return [o.code for o in self.observations.all()]


class DemeanourObservation(models.Model):
    voice = models.ForeignKey(VoiceRecord, on_delete=models.CASCADE, related_name="observations")
    code = models.CharField(max_length=16, choices=Demeanour.choices, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voice", "code"], name="observation_unique")]

    def __str__(self) -> str:
        return self.get_code_display()
