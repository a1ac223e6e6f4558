"""Reads about one person for their page. Each is a fixed number of queries, whatever the history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .models import Address, Flag, Identifier, NameKind, Person, PersonName, Relationship

HOUSEHOLD_LIMIT = 30


@dataclass
class Identity:
    names: list[PersonName]
    identifiers: list[Identifier]
    addresses: list[Address]
    flags: list[Flag]

    @property
    def current_address(self) -> Address | None:
        return next((a for a in self.addresses if a.is_current), None)


def identity_of(person: Person) -> Identity:
    return Identity(
        names=list(person.names.exclude(kind=NameKind.PART).order_by("recorded_at", "pk")),
        identifiers=list(person.identifiers.select_related("recorded_by").order_by("kind", "recorded_at")),
        addresses=list(person.addresses.order_by("-is_current", "-recorded_at")),
        flags=list(person.flags.order_by("-recorded_at")),
    )


def relationships_of(person: Person) -> list[tuple[str, Person]]:
    """(description, other person) in both directions: 'Parent of' Amy, and Amy is 'Child of' them."""
    rels = Relationship.objects.filter(Q(person=person) | Q(other=person)).select_related("person", "other")
    return [rel.describe_from(person) for rel in rels.order_by("kind", "pk")]


def household_of(person: Person) -> list[Person]:
    """Other people whose current address is this person's current address."""
    current = person.addresses.filter(is_current=True).first()
    if current is None:
        return []
    others = (
        Address.objects.filter(is_current=True, postcode=current.postcode, line1__iexact=current.line1)
        .exclude(person=person)
        .filter(person__merged_into__isnull=True)
        .values_list("person_id", flat=True)[:HOUSEHOLD_LIMIT]
    )
    return list(Person.objects.filter(pk__in=list(others)).order_by("date_of_birth", "pk"))
