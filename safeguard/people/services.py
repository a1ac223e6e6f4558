"""Every change to a person goes through here: validated, written with its search keys, and audited
in the same transaction (DPA18 s.62: collection, alteration, combination)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.validation import check_name, check_text

from . import identity
from .models import (
    Address,
    DobQuality,
    Flag,
    Gender,
    Identifier,
    IdentifierKind,
    Merge,
    NameKind,
    Person,
    PersonName,
    Relationship,
    Source,
)

PERSON = "people.person"


def name_row(
    person: Person, given: str, family: str, *, kind: str = NameKind.PRIMARY, source: str = Source.OFFICER
) -> PersonName:
    """An unsaved PersonName with its keys. The synthetic force bulk-inserts these directly."""
    year = person.date_of_birth.year if person.date_of_birth else None
    return PersonName(
        person=person,
        kind=kind,
        given_name=given,
        family_name=family,
        given_norm=identity.normalise(given),
        family_norm=identity.normalise(family),
        given_key=identity.name_key(given),
        family_key=identity.name_key(family),
        birth_year=year,
        source=source,
    )


def name_rows(person: Person, given: str, family: str, *, kind: str = NameKind.PRIMARY) -> list[PersonName]:
    """The name plus one searchable row per part of a double-barrelled surname."""
    rows = [name_row(person, given, family, kind=kind)]
    rows += [name_row(person, given, part, kind=NameKind.PART) for part in identity.surname_parts(family)]
    return rows


def validate_date_of_birth(value: date | None, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if value is None:
        return
    if value > today:
        raise ValidationError({"date_of_birth": "Date of birth must be today or in the past"})
    if value.year < today.year - 120:
        raise ValidationError({"date_of_birth": "Date of birth must be within the last 120 years"})


def clean_identifier(kind: str, value: str) -> str:
    value = value.strip()
    if kind == IdentifierKind.NHS:
        if not identity.nhs_number_is_valid(value):
            raise ValidationError({"value": "Enter a valid 10-digit NHS number, like 999 123 4560"})
        return identity.format_nhs_number(value)
    if kind == IdentifierKind.SCHOOL_URN:
        if not value.isdigit() or len(value) != 6:
            raise ValidationError({"value": "A school URN is 6 digits, like 123456"})
        return value
    if not value or len(value) > 40 or not all(c.isalnum() or c in "/-" for c in value):
        raise ValidationError({"value": "A police reference has letters, digits, '/' and '-' only, up to 40"})
    return value.upper()


@dataclass
class NewPerson:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    dob_quality: str = ""
    gender: str = Gender.UNKNOWN
    postcode: str = ""
    address_line1: str = ""
    town: str = ""
    nhs_number: str = ""
    identifier_source: str = Source.PERSON
    is_restricted: bool = False


def create_person(*, details: NewPerson, by: User) -> Person:
    if not by.has_role(*policy.RECORDERS):
        raise ValidationError("Only officers, investigators, supervisors and hub staff add people")
    if details.gender not in Gender.values:
        raise ValidationError({"gender": "Choose a gender from the list"})
    if details.dob_quality and details.dob_quality not in DobQuality.values:
        raise ValidationError({"dob_quality": "Choose verified, stated or estimated"})
    if details.identifier_source not in Source.values:
        raise ValidationError({"identifier_source": "Choose where the identifier came from"})
    check_name(details.given_name, field="given_name", label="First name")
    check_name(details.family_name, field="family_name", label="Last name")
    check_text(details.address_line1, field="address_line1", label="Address", limit=200)
    check_text(details.town, field="town", label="Town", limit=100)
    if not identity.normalise(details.given_name) and not identity.normalise(details.family_name):
        raise ValidationError({"family_name": "Enter the person's name, or 'Unknown' if it is not known"})
    validate_date_of_birth(details.date_of_birth)
    if details.date_of_birth and not details.dob_quality:
        raise ValidationError({"dob_quality": "Say whether the date of birth is verified, stated or estimated"})
    postcode = ""
    if details.postcode:
        postcode = identity.normalise_postcode(details.postcode) or ""
        if not postcode:
            raise ValidationError({"postcode": "Enter a real postcode, like NS1 4AB"})
    nhs = clean_identifier(IdentifierKind.NHS, details.nhs_number) if details.nhs_number else ""
    if by.unit_id is None:
        raise ValidationError("Only a member of a police unit can add a person")
    with transaction.atomic():
        person = Person.objects.create(
            unit_id=by.unit_id,
            owner=by,
            is_restricted=details.is_restricted,
            given_name=details.given_name.strip(),
            family_name=details.family_name.strip(),
            date_of_birth=details.date_of_birth,
            dob_quality=details.dob_quality if details.date_of_birth else "",
            gender=details.gender or Gender.UNKNOWN,
        )
        PersonName.objects.bulk_create(name_rows(person, person.given_name, person.family_name))
        if postcode:
            Address.objects.create(
                person=person, line1=details.address_line1.strip(), town=details.town.strip(), postcode=postcode
            )
        if nhs:
            Identifier.objects.create(
                person=person, kind=IdentifierKind.NHS, value=nhs, source=details.identifier_source, recorded_by=by
            )
        audit.record(actor=by, operation=Operation.COLLECT, record_type=PERSON, records=[person])
    return person


def add_name(*, person: Person, given: str, family: str, kind: str, source: str, by: User) -> PersonName:
    check_name(given, field="given_name", label="First name")
    check_name(family, field="family_name", label="Last name")
    if not identity.normalise(given + family):
        raise ValidationError({"family_name": "Enter a name"})
    with transaction.atomic():
        rows = name_rows(person, given.strip(), family.strip(), kind=kind)
        rows[0].source = source
        PersonName.objects.bulk_create(rows)
        audit.record(actor=by, operation=Operation.ALTER, record_type=PERSON, records=[person], reason="name added")
    return rows[0]


def add_identifier(*, person: Person, kind: str, value: str, source: str, by: User) -> Identifier:
    cleaned = clean_identifier(kind, value)
    with transaction.atomic():
        ident = Identifier.objects.create(person=person, kind=kind, value=cleaned, source=source, recorded_by=by)
        audit.record(
            actor=by, operation=Operation.ALTER, record_type=PERSON, records=[person], reason="identifier added"
        )
    return ident


def add_address(*, person: Person, line1: str, town: str, postcode: str, source: str, by: User) -> Address:
    check_text(line1, field="line1", label="Address", limit=200)
    check_text(town, field="town", label="Town", limit=100)
    normal = identity.normalise_postcode(postcode)
    if not normal:
        raise ValidationError({"postcode": "Enter a real postcode, like NS1 4AB"})
    with transaction.atomic():
        person.addresses.filter(is_current=True).update(is_current=False)
        address = Address.objects.create(
            person=person, line1=line1.strip(), town=town.strip(), postcode=normal, source=source
        )
        audit.record(actor=by, operation=Operation.ALTER, record_type=PERSON, records=[person], reason="address")
    return address


def relate(*, person: Person, other: Person, kind: str, source: str, by: User) -> Relationship:
    if person.pk == other.pk:
        raise ValidationError("A person cannot be related to themselves")
    with transaction.atomic():
        rel, _ = Relationship.objects.get_or_create(person=person, other=other, kind=kind, defaults={"source": source})
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type=PERSON,
            records=[person, other],
            reason=f"relationship: {kind}",
        )
    return rel


def add_flag(*, person: Person, kind: str, note: str, source: str, by: User) -> Flag:
    check_text(note, field="note", label="Note", limit=500)
    with transaction.atomic():
        flag = Flag.objects.create(person=person, kind=kind, note=note.strip(), source=source, recorded_by=by)
        audit.record(actor=by, operation=Operation.ALTER, record_type=PERSON, records=[person], reason="flag")
    return flag


def set_date_of_birth(*, person: Person, value: date, quality: str, by: User) -> Person:
    validate_date_of_birth(value)
    if quality not in DobQuality.values:
        raise ValidationError({"dob_quality": "Choose verified, stated or estimated"})
    with transaction.atomic():
        person.date_of_birth, person.dob_quality = value, quality
        person.save(update_fields=["date_of_birth", "dob_quality"])
        person.names.update(birth_year=value.year)
        audit.record(actor=by, operation=Operation.ALTER, record_type=PERSON, records=[person], reason="dob")
    return person


def merge_people(*, survivor: Person, absorbed: Person, reason: str, by: User) -> Merge:
    """Combine two records of one person. Nothing is deleted: names, identifiers, addresses, flags,
    relationships and every record that involves the absorbed person move to the survivor, the
    absorbed person stays pointing at the survivor, and the Merge row lists what moved."""
    if not by.has_role(RoleCode.HUB):
        raise ValidationError("Only safeguarding hub staff can merge people")
    if survivor.pk == absorbed.pk:
        raise ValidationError("Choose two different people")
    if survivor.merged_into_id or absorbed.merged_into_id:
        raise ValidationError("One of these people has already been merged")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Explain why these are the same person (at least 10 characters)"})
    with transaction.atomic():
        moved: dict[str, list[int]] = {}
        for own_model in (PersonName, Identifier, Address, Flag):
            rows = list(own_model.objects.filter(person=absorbed).values_list("pk", flat=True))
            own_model.objects.filter(pk__in=rows).update(person=survivor)
            moved[own_model._meta.label_lower] = rows
        PersonName.objects.filter(pk__in=moved["people.personname"], kind=NameKind.PRIMARY).update(kind=NameKind.ALIAS)
        for side, label in (("person", "from"), ("other", "to")):
            counterpart = "other_id" if side == "person" else "person_id"
            # A relationship between the two records of one person means nothing once they are one.
            rels = Relationship.objects.filter(**{side: absorbed}).exclude(**{counterpart: survivor.pk})
            moved[f"people.relationship.{label}"] = _repoint(rels, side, survivor)
        # Records in other apps that name a person (involvements, voice records, …) follow the person.
        for model, field_name in _person_references():
            rows = _repoint(model._default_manager.filter(**{field_name: absorbed}), field_name, survivor)
            if rows:
                moved[f"{model._meta.label_lower}.{field_name}"] = rows
        if not survivor.date_of_birth and absorbed.date_of_birth:
            survivor.date_of_birth, survivor.dob_quality = absorbed.date_of_birth, absorbed.dob_quality
        survivor.is_restricted = survivor.is_restricted or absorbed.is_restricted
        survivor.save(update_fields=["date_of_birth", "dob_quality", "is_restricted"])
        absorbed.merged_into = survivor
        absorbed.save(update_fields=["merged_into"])
        merge = Merge.objects.create(
            survivor=survivor, absorbed=absorbed, reason=reason.strip(), moved=moved, merged_by=by
        )
        audit.record(
            actor=by, operation=Operation.COMBINE, record_type=PERSON, records=[survivor, absorbed], reason=reason
        )
    return merge


def _person_references() -> list[tuple[type[models.Model], str]]:
    """Every foreign key to Person outside this app, so a merge never leaves a record behind."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label == "people":
            continue
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model is Person and field.concrete:
                found.append((model, field.name))
    return found


def _repoint(rows: models.QuerySet[Any], field_name: str, survivor: Person) -> list[int]:
    """Point ``rows`` at the survivor one by one; a row that would duplicate one the survivor already
    has (the same child twice in one concern, say) stays on the absorbed record, where it is kept."""
    moved = []
    for pk in rows.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                rows.model._default_manager.filter(pk=pk).update(**{field_name: survivor})
        except IntegrityError:
            continue
        moved.append(pk)
    return moved
