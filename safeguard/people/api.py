"""API endpoints for the nominal index: "have we seen this person before?", a person's identity, and
adding a person. Reads go through the access policy and are audited as the pages' are
(safeguard.web.access); adding a person goes through people.services, which audits itself.

The small helpers at the top (the caller, who may record a new record, text without control
characters, placing a service's errors) are shared with the concerns and voice routers, which sit
above people in the layers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.audit.models import Operation, Outcome
from safeguard.audit.services import PendingEvent
from safeguard.validation import CONTROL
from safeguard.web.access import get_or_404, shown_rows
from safeguard.web.access import signed_in as caller

from . import services
from .models import DobQuality, FlagKind, Gender, IdentifierKind, NameKind, Person, Source
from .search import Query as SearchQuery
from .search import search
from .selectors import identity_of, relationships_of

router = Router(tags=["people"])

# --- Shared by the case routers ---------------------------------------------------------------------

_LINE_BREAKS = ("\t", "\n", "\r")


def _single_line(value: str) -> str:
    """Names, places and codes: no control characters (safeguard.validation's), tabs or line breaks."""
    if CONTROL.search(value) or any(c in value for c in _LINE_BREAKS):
        raise PydanticCustomError("control_characters", "This contains characters that cannot be stored; retype it")
    return value


def _narrative(value: str) -> str:
    """Free text: line breaks and tabs are fine. The services check the rest (safeguard.validation);
    this covers the fields that reach no check_text."""
    if CONTROL.search(value):
        raise PydanticCustomError("control_characters", "This contains characters that cannot be stored; retype it")
    return value


Name = Annotated[str, Field(max_length=100), AfterValidator(_single_line)]
Line = Annotated[str, Field(max_length=300), AfterValidator(_single_line)]
Code = Annotated[str, Field(max_length=40), AfterValidator(_single_line)]
Postcode = Annotated[str, Field(max_length=10), AfterValidator(_single_line)]
# Free text is limited by the services (with a message saying what to do); this only bounds the request.
Text = Annotated[str, Field(max_length=200_000), AfterValidator(_narrative)]


def may_record(request: HttpRequest, model: type[models.Model]) -> User:
    """Only someone the policy lets change records of this kind may start a new one; the refusal is
    audited like any other denied attempt."""
    user = caller(request)
    if policy.changeable_by(user, model._default_manager.all()).query.is_empty():
        trail = getattr(request, "audit", None)
        if trail is not None:
            trail.add(
                PendingEvent(
                    Operation.COLLECT,
                    policy.record_type_of(model),
                    [],
                    outcome=Outcome.DENIED,
                    reason="role may not record this",
                )
            )
        raise PermissionDenied
    return user


@contextmanager
def errors_at(prefix: str, renamed: dict[str, str] | None = None) -> Iterator[None]:
    """Re-raise a service's ValidationError with its fields placed in the request body: ``summary``
    stays ``summary``; under ``involvements.1`` a ``roles`` error becomes ``involvements.1.roles``."""
    try:
        yield
    except ValidationError as exc:
        renamed = renamed or {}

        def place(name: str) -> str:
            name = renamed.get(name, name)
            if name == NON_FIELD_ERRORS:
                return prefix or NON_FIELD_ERRORS
            return f"{prefix}.{name}" if prefix else name

        if hasattr(exc, "error_dict"):
            raise ValidationError({place(k): v for k, v in exc.error_dict.items()}) from exc
        if prefix:
            raise ValidationError({prefix: exc.error_list}) from exc
        raise


class PersonRef(Schema):
    """A person named inside another record; the name is withheld while the person is restricted."""

    id: int
    name: str | None
    restricted: bool


def person_refs(request: HttpRequest, people: list[Person], *, audit: bool = True) -> dict[int, PersonRef]:
    """References to ``people`` for a response, with one consultation naming them all (unless the
    caller has already audited them, e.g. by fetching them with get_or_404)."""
    unique = list({p.pk: p for p in people}.values())
    if audit:
        shown_rows(request, unique)
    unlocked = policy.unlocked_ids(caller(request), unique)
    return {
        p.pk: PersonRef(id=p.pk, name=p.full_name if p.pk in unlocked else None, restricted=p.pk not in unlocked)
        for p in unique
    }


# --- Schemas ------------------------------------------------------------------------------------------


class SearchIn(Schema):
    given_name: Name = ""
    family_name: Name = ""
    date_of_birth: date | None = None
    birth_year: int | None = Field(None, ge=1900, description="Born around this year (±1)")
    age: int | None = Field(None, ge=0, le=120, description="Apparent or stated age in years")
    postcode: Postcode = ""
    identifier: Code = Field("", description="NHS number, school URN or police reference")

    @field_validator("birth_year")
    @classmethod
    def _not_future(cls, year: int | None) -> int | None:
        if year and year > timezone.localdate().year:
            raise PydanticCustomError("future_year", "Year born must be this year or earlier")
        return year


class CandidateOut(Schema):
    id: int
    restricted: bool = Field(description="A match exists but its content needs break-the-glass to open")
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    dob_quality: DobQuality | None
    score: int = Field(description="Out of 100: points earned for what was searched on")
    reasons: list[str]


class NameOut(Schema):
    given_name: str
    family_name: str
    kind: NameKind
    source: Source
    recorded_at: datetime


class IdentifierOut(Schema):
    kind: IdentifierKind
    value: str
    source: Source
    recorded_at: datetime


class AddressOut(Schema):
    line1: str
    line2: str
    town: str
    postcode: str
    source: Source
    recorded_at: datetime


class FlagOut(Schema):
    kind: FlagKind
    note: str
    source: Source
    recorded_at: datetime


class RelationshipOut(Schema):
    description: str = Field(description="How this person relates to the other, e.g. 'Parent of', 'Child of'")
    person: PersonRef


class PersonOut(Schema):
    id: int
    given_name: str
    family_name: str
    names: list[NameOut]
    date_of_birth: date | None
    dob_quality: DobQuality | None
    gender: Gender
    identifiers: list[IdentifierOut]
    current_address: AddressOut | None
    flags: list[FlagOut]
    relationships: list[RelationshipOut]
    merged_into_id: int | None
    created_at: datetime


class PersonIn(Schema):
    given_name: Name = Field(description="Or 'Unknown'")
    family_name: Name = Field(description="Or 'Unknown'")
    date_of_birth: date | None = None
    dob_quality: DobQuality | None = Field(None, description="Required with a date of birth")
    gender: Gender = Gender.UNKNOWN
    address_line1: Annotated[str, Field(max_length=200), AfterValidator(_single_line)] = ""
    town: Name = ""
    postcode: Postcode = ""
    nhs_number: Annotated[str, Field(max_length=14), AfterValidator(_single_line)] = ""
    identifier_source: Source = Field(Source.PERSON, description="Where the NHS number came from")
    is_restricted: bool = Field(False, description="Restricted: others must break the glass to open it")


def _person_out(request: HttpRequest, person: Person, *, audit_related: bool = True) -> PersonOut:
    identity = identity_of(person)
    related = relationships_of(person)
    refs = person_refs(request, [other for _, other in related], audit=audit_related) if related else {}
    current = identity.current_address
    return PersonOut(
        id=person.pk,
        given_name=person.given_name,
        family_name=person.family_name,
        names=[
            NameOut(
                given_name=n.given_name,
                family_name=n.family_name,
                kind=NameKind(n.kind),
                source=Source(n.source),
                recorded_at=n.recorded_at,
            )
            for n in identity.names
        ],
        date_of_birth=person.date_of_birth,
        dob_quality=DobQuality(person.dob_quality) if person.dob_quality else None,
        gender=Gender(person.gender),
        identifiers=[
            IdentifierOut(
                kind=IdentifierKind(i.kind), value=i.value, source=Source(i.source), recorded_at=i.recorded_at
            )
            for i in identity.identifiers
        ],
        current_address=None
        if current is None
        else AddressOut(
            line1=current.line1,
            line2=current.line2,
            town=current.town,
            postcode=current.postcode,
            source=Source(current.source),
            recorded_at=current.recorded_at,
        ),
        flags=[
            FlagOut(kind=FlagKind(f.kind), note=f.note, source=Source(f.source), recorded_at=f.recorded_at)
            for f in identity.flags
        ],
        relationships=[RelationshipOut(description=text, person=refs[other.pk]) for text, other in related],
        merged_into_id=person.merged_into_id,
        created_at=person.created_at,
    )


# --- Endpoints ----------------------------------------------------------------------------------------


@router.get("/search", response=list[CandidateOut], summary="Have we seen this person before?")
def search_people(request: HttpRequest, filters: Query[SearchIn]) -> list[CandidateOut]:
    """The best matches, each with its score and the reasons it matched. Restricted people are shown
    as a match with their content withheld. One access-log entry names every person returned."""
    query = SearchQuery(
        given_name=filters.given_name,
        family_name=filters.family_name,
        date_of_birth=filters.date_of_birth,
        birth_year=filters.birth_year,
        age=filters.age,
        postcode=filters.postcode,
        identifier=filters.identifier,
    )
    people = policy.visible_to(request.user, Person.objects.all())
    if people.query.is_empty():
        raise PermissionDenied  # a role that sees no one (partner, admin) has no index to search
    if query.is_empty:
        raise ValidationError("Give a name, date of birth, birth year, age, postcode or identifier to search on")
    candidates = search(query, people)
    shown_rows(request, [c.person for c in candidates])
    out = []
    for c in candidates:
        person, locked = c.person, c.person.is_locked_for_viewer  # type: ignore[attr-defined]
        out.append(
            CandidateOut(
                id=person.pk,
                restricted=locked,
                given_name=None if locked else person.given_name,
                family_name=None if locked else person.family_name,
                date_of_birth=None if locked else person.date_of_birth,
                dob_quality=None if locked or not person.dob_quality else DobQuality(person.dob_quality),
                score=c.score,
                reasons=[] if locked else c.reasons,
            )
        )
    return out


@router.get("/{person_id}", response=PersonOut, summary="A person's identity")
def get_person(request: HttpRequest, person_id: int) -> PersonOut:
    """Names (with kind and source), date of birth and how it is known, identifiers, current address,
    flags and relationships."""
    return _person_out(request, get_or_404(request, Person, person_id))


@router.post("", response={201: PersonOut}, summary="Add a person to the index")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    """Search first: adding someone who is already known makes a duplicate for the hub to merge."""
    user = may_record(request, Person)
    details = services.NewPerson(
        given_name=payload.given_name,
        family_name=payload.family_name,
        date_of_birth=payload.date_of_birth,
        dob_quality=payload.dob_quality or "",
        gender=payload.gender,
        postcode=payload.postcode,
        address_line1=payload.address_line1,
        town=payload.town,
        nhs_number=payload.nhs_number,
        identifier_source=payload.identifier_source,
        is_restricted=payload.is_restricted,
    )
    with errors_at("", renamed={"value": "nhs_number"}):
        person = services.create_person(details=details, by=user)
    return Status(201, _person_out(request, person, audit_related=False))
