"""People: children and adults in the force's nominal index, with what identifies them and where each
identifier came from. Name keys are held in indexed columns so that "have we seen this child before?"
is a handful of index lookups on SQLite and PostgreSQL alike (see search.py)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone

from safeguard.accounts.models import Scope, ScopedRecord, User


class DobQuality(models.TextChoices):
    """DOMAIN.md: a date of birth is verified, stated or estimated."""

    VERIFIED = "verified", "Verified (seen on a document or partner record)"
    STATED = "stated", "Stated (told to the officer)"
    ESTIMATED = "estimated", "Estimated (from apparent or stated age)"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Source(models.TextChoices):
    """Where a piece of identity information came from, shown beside it on the child's page."""

    DOCUMENT = "document", "Seen on a document"
    PERSON = "person", "Stated by the person"
    FAMILY = "family", "Stated by family or carer"
    PARTNER = "partner", "Partner agency record"
    POLICE = "police", "Police system"
    OFFICER = "officer", "Officer's observation"


class Person(ScopedRecord):
    """A person in the nominal index. ``unit`` and ``owner`` record who created it; access is force-wide
    for police case roles (a nominal record), and a restricted person needs break-the-glass."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    dob_quality = models.CharField(max_length=10, choices=DobQuality.choices, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed")
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = Scope(record_type="people.person", nominal=True)

    class Meta:
        indexes = [models.Index(fields=["family_name", "given_name"], name="person_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def dob_quality_word(self) -> str:
        return self.dob_quality.capitalize()

    @property
    def age_today(self) -> int | None:
        return self.age_on(timezone.localdate())

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_child_on(self, day: date) -> bool | None:
        """Under 18 on ``day`` (CA89); None when the date of birth is not known."""
        age = self.age_on(day)
        return None if age is None else age < 18


class NameKind(models.TextChoices):
    PRIMARY = "primary", "Name in use"
    ALIAS = "alias", "Also known as"
    PREVIOUS = "previous", "Previous name"
    NICKNAME = "nickname", "Nickname"
    PART = "part", "Part of a double-barrelled surname"


class PersonName(models.Model):
    """One spelling of a person's name with its search keys. Written only by people.services."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=10, choices=NameKind.choices, default=NameKind.PRIMARY)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    given_norm = models.CharField(max_length=100)
    family_norm = models.CharField(max_length=100)
    given_key = models.CharField(max_length=8)
    family_key = models.CharField(max_length=8)
    birth_year = models.SmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OFFICER)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["family_key", "given_key", "birth_year"], name="name_family_given_idx"),
            models.Index(fields=["family_key", "birth_year"], name="name_family_year_idx"),
            models.Index(fields=["given_key", "birth_year"], name="name_given_year_idx"),
            models.Index(fields=["family_norm"], name="name_family_norm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class IdentifierKind(models.TextChoices):
    NHS = "nhs", "NHS number"
    SCHOOL_URN = "school_urn", "School URN (the school attended)"
    POLICE = "police", "Police reference"


class Identifier(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=12, choices=IdentifierKind.choices)
    value = models.CharField(max_length=40)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["value"], name="identifier_value_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, db_index=True, help_text="Normalised: upper case, one space")
    is_current = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OFFICER)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["person", "is_current"], name="address_current_idx")]

    def __str__(self) -> str:
        return ", ".join(p for p in [self.line1, self.line2, self.town, self.postcode] if p)


class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent of"
    STEP_PARENT = "step_parent", "Step-parent of"
    CARER = "carer", "Carer of"
    SIBLING = "sibling", "Sibling of"
    PARTNER = "partner", "Partner of"
    HOUSEHOLD = "household", "Lives in the same household as"
    OTHER = "other", "Other relationship to"


INVERSE = {
    RelationshipKind.PARENT: "Child of",
    RelationshipKind.STEP_PARENT: "Step-child of",
    RelationshipKind.CARER: "Cared for by",
}


class Relationship(models.Model):
    """``person`` is <kind> ``other`` (e.g. A is parent of B). Read in both directions on the child's page."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_from")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_to")
    kind = models.CharField(max_length=12, choices=RelationshipKind.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OFFICER)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "kind"], name="relationship_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("other")), name="relationship_not_self"),
        ]

    def describe_from(self, viewpoint: Person) -> tuple[str, Person]:
        if viewpoint.pk == self.person_id:
            return self.get_kind_display(), self.other
        return INVERSE.get(RelationshipKind(self.kind), self.get_kind_display()), self.person


class FlagKind(models.TextChoices):
    CHILD_IN_CARE = "in_care", "Child in care (looked after)"
    CP_PLAN = "cp_plan", "Child protection plan"
    CIN = "cin", "Child in need"
    SEND = "send", "Special educational needs or disability"
    COMMUNICATION = "communication", "Communication needs (interpreter or intermediary)"
    MISSING_RISK = "missing_risk", "Frequently goes missing"
    EXPLOITATION_RISK = "exploitation_risk", "At risk of exploitation"
    WARNING = "warning", "Officer safety warning"


class Flag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=FlagKind.choices, db_index=True)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OFFICER)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.get_kind_display()


class Merge(models.Model):
    """A combination of two records of the same person (DPA18 s.62 "combination"). The absorbed person
    stays in the table, pointing at the survivor; ``moved`` lists what was re-pointed so the merge can
    be explained later."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges")
    absorbed = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="merged_by")
    reason = models.TextField()
    moved = models.JSONField(default=dict, help_text="Kinds of row moved to the survivor, with their ids")
    merged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.absorbed_id} into {self.survivor_id}"
