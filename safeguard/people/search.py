"""'Have we seen this child before?' — find existing people by name (any spelling, nicknames, transposed
letters), date of birth (exact, approximate or age), postcode or identifier, and say why each matched.

How it stays fast: candidates come only from index lookups ("blocks"), each capped, never a scan:

| block                              | catches                                   | index                      |
|------------------------------------|-------------------------------------------|----------------------------|
| both name keys + birth year ±1     | the usual case: spelling and nicknames    | name_family_given_idx      |
| surname key + given-name keys      | misspellings, nicknames, unknown birth    | name_family_given_idx      |
| surname key + birth year ±1        | a wrong given name (no exact birth date)  | name_family_year_idx       |
| given-name keys + birth year ±1    | a changed surname (no exact birth date)   | name_given_year_idx        |
| date of birth, or day/month swapped| both names wrong                          | Person.date_of_birth       |
| identifier, postcode               | exact identifiers, the household          | identifier / postcode      |

Keys are Soundex codes (identity.name_key); a given name's keys cover its nicknames and the full names
it is short for. Candidates are then scored (``score``) and the best returned with their reasons.

The score, out of 100, is the points a candidate earns divided by the points available for what was
searched on:

| evidence   | points                                                                                    |
|------------|-------------------------------------------------------------------------------------------|
| surname    | 30 same · 26 part of a double-barrelled name · 30×similarity (≥ 0.85, max 26) · 18 alike |
| given name | 25 same · 22 nickname or short form · 25×similarity (≥ 0.85, max 21) · 15 sounds alike    |
| birth      | 30 same date · 22 day/month swapped · 15 same month · 10 same year · 6 within a year; −15 if 3+ years |
| age given  | 20 consistent with the age · 8 within a year of it                                         |
| postcode   | 10 same · 4 same outward code                                                               |
| identifier | 40 same identifier                                                                          |

Similarity is Jaro-Winkler (rapidfuzz), which forgives transposed and dropped letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from rapidfuzz.distance import JaroWinkler

from . import identity
from .models import Address, Identifier, IdentifierKind, Person, PersonName

BLOCK_LIMIT = 300
SIMILAR = 0.85


@dataclass(frozen=True)
class Query:
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    birth_year: int | None = None  # "born around"
    age: int | None = None
    postcode: str = ""
    identifier: str = ""
    today: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            identity.normalise(self.given_name + self.family_name)
            or self.date_of_birth
            or self.birth_year
            or self.age is not None
            or self.postcode.strip()
            or self.identifier.strip()
        )

    def years(self) -> tuple[int, int] | None:
        today = self.today or timezone.localdate()
        if self.date_of_birth:
            return self.date_of_birth.year - 1, self.date_of_birth.year + 1
        if self.birth_year:
            return self.birth_year - 1, self.birth_year + 1
        if self.age is not None:
            return today.year - self.age - 2, today.year - self.age + 1
        return None


@dataclass
class Candidate:
    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)


def _swapped(day: date) -> date | None:
    try:
        return day.replace(month=day.day, day=day.month) if day.day != day.month else None
    except ValueError:
        return None


def candidate_ids(query: Query) -> set[int]:
    """Person ids from the blocks above; each block is one indexed query capped at BLOCK_LIMIT."""
    fk = identity.name_key(query.family_name)
    gks = identity.given_keys(query.given_name)
    years = query.years()
    names = PersonName.objects.values_list("person_id", flat=True)
    blocks: list[QuerySet] = []
    if fk and gks and years:
        blocks.append(names.filter(family_key=fk, given_key__in=gks, birth_year__range=years))
    if fk and gks:
        blocks.append(names.filter(family_key=fk, given_key__in=gks))
    if not query.date_of_birth:
        # With an exact date of birth the date block below already covers a wrong name; without one,
        # each name alone with the birth year catches a wrong or changed other name.
        if fk and years:
            blocks.append(names.filter(family_key=fk, birth_year__range=years))
        if gks and years:
            blocks.append(names.filter(given_key__in=gks, birth_year__range=years))
    if fk and not gks and not years:
        blocks.append(names.filter(family_key=fk))
    if gks and not fk and not years:
        blocks.append(names.filter(given_key__in=gks))
    if query.date_of_birth:
        days = [d for d in (query.date_of_birth, _swapped(query.date_of_birth)) if d]
        blocks.append(Person.objects.filter(date_of_birth__in=days).values_list("pk", flat=True))
    if query.identifier.strip():
        value = query.identifier.strip()
        variants = {value, value.upper()}
        if identity.nhs_number_is_valid(value):
            variants.add(identity.format_nhs_number(value))
        blocks.append(Identifier.objects.filter(value__in=variants).values_list("person_id", flat=True))
    postcode = identity.normalise_postcode(query.postcode) if query.postcode else None
    if postcode:
        blocks.append(Address.objects.filter(postcode=postcode).values_list("person_id", flat=True))
    ids: set[int] = set()
    for block in blocks:
        ids.update(block[:BLOCK_LIMIT])
    return ids


def search(query: Query, people: QuerySet[Person], *, limit: int = 10) -> list[Candidate]:
    """The best ``limit`` matches among ``people`` (already scoped by the access policy)."""
    if query.is_empty:
        return []
    ids = candidate_ids(query)
    if not ids:
        return []
    rows = list(
        people.filter(pk__in=ids, merged_into__isnull=True).only(
            "pk", "given_name", "family_name", "date_of_birth", "dob_quality", "gender", "is_restricted", "owner_id"
        )
    )
    evidence = _evidence([p.pk for p in rows])
    scored = [score(query, person, evidence.get(person.pk)) for person in rows]
    scored = [c for c in scored if c.score > 0]
    scored.sort(key=lambda c: (-c.score, c.person.family_name, c.person.given_name, c.person.pk))
    return scored[:limit]


@dataclass
class Evidence:
    """What the score reads about one candidate, fetched for all candidates in three plain queries
    (model instances and per-row prefetch querysets cost more than the scoring itself)."""

    names: list[tuple[str, str, str]] = field(default_factory=list)  # given, family, kind
    postcodes: set[str] = field(default_factory=set)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # kind, value


def _evidence(person_ids: list[int]) -> dict[int, Evidence]:
    found: dict[int, Evidence] = {pk: Evidence() for pk in person_ids}
    for pid, given, family, kind in PersonName.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "given_name", "family_name", "kind"
    ):
        found[pid].names.append((given, family, kind))
    for pid, postcode in Address.objects.filter(person_id__in=person_ids).values_list("person_id", "postcode"):
        found[pid].postcodes.add(postcode)
    for pid, kind, value in Identifier.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "kind", "value"
    ):
        found[pid].identifiers.append((kind, value))
    return found


def _name_points(wanted: str, recorded: list[str], *, exact: int, cap: int, alike: int) -> tuple[int, str]:
    target = identity.normalise(wanted)
    best, why = 0, ""
    for name in recorded:
        norm = identity.normalise(name)
        if not norm:
            continue
        if norm == target:
            return exact, f"'{name}' is the same"
        similarity = JaroWinkler.similarity(target, norm)
        if similarity >= SIMILAR and min(cap, round(exact * similarity)) > best:
            best, why = min(cap, round(exact * similarity)), f"'{name}' is spelt similarly"
        if identity.name_key(target) == identity.name_key(norm) and alike > best:
            best, why = alike, f"'{name}' sounds alike"
    return best, why


def score(query: Query, person: Person, evidence: Evidence | None = None) -> Candidate:
    if evidence is None:
        evidence = _evidence([person.pk])[person.pk]
    names = evidence.names
    available, earned, reasons = 0, 0, []
    if identity.normalise(query.family_name):
        available += 30
        families = [family for _, family, kind in names if kind != "part"]
        points, why = _name_points(query.family_name, families, exact=30, cap=26, alike=18)
        parts = [family for _, family, kind in names if kind == "part"]
        if points < 26 and identity.normalise(query.family_name) in {identity.normalise(p) for p in parts}:
            points, why = 26, f"'{query.family_name}' is part of the surname '{person.family_name}'"
        if points:
            earned += points
            reasons.append(f"Surname: {why}")
    if identity.normalise(query.given_name):
        available += 25
        givens = [given for given, _, _ in names]
        points, why = _name_points(query.given_name, givens, exact=25, cap=21, alike=15)
        if points < 22:
            for given in givens:
                if identity.is_nickname_of(query.given_name, given):
                    points, why = 22, f"'{query.given_name}' is another form of '{given}'"
                    break
        if points:
            earned += points
            reasons.append(f"Given name: {why}")
    born = person.date_of_birth
    if query.date_of_birth:
        available += 30
        points, why = _birth_points(query.date_of_birth, born)
        earned += points
        if why:
            reasons.append(why)
    elif query.birth_year:
        available += 20
        if born and born.year == query.birth_year:
            earned += 20
            reasons.append(f"Born in {born.year}")
        elif born and abs(born.year - query.birth_year) <= 1:
            earned += 8
            reasons.append(f"Born in {born.year}, within a year of {query.birth_year}")
    elif query.age is not None:
        available += 20
        age = person.age_on(query.today or timezone.localdate())
        if age == query.age:
            earned += 20
            reasons.append(f"Aged {age}")
        elif age is not None and abs(age - query.age) <= 1:
            earned += 8
            reasons.append(f"Aged {age}, within a year of {query.age}")
    wanted_postcode = identity.normalise_postcode(query.postcode) if query.postcode else None
    if wanted_postcode:
        available += 10
        postcodes = evidence.postcodes
        if wanted_postcode in postcodes:
            earned += 10
            reasons.append(f"Has lived at {wanted_postcode}")
        elif identity.outward_code(wanted_postcode) in {identity.outward_code(p) for p in postcodes}:
            earned += 4
            reasons.append(f"Has lived in {identity.outward_code(wanted_postcode)}")
    if query.identifier.strip():
        available += 40
        wanted = {query.identifier.strip().upper()}
        if identity.nhs_number_is_valid(query.identifier):
            wanted.add(identity.format_nhs_number(query.identifier))
        for kind, value in evidence.identifiers:
            if value.upper() in wanted:
                earned += 40
                reasons.append(f"{IdentifierKind(kind).label} is the same")
                break
    total = round(100 * earned / available) if available else 0
    return Candidate(person=person, score=max(0, min(100, total)), reasons=reasons)


def _birth_points(wanted: date, born: date | None) -> tuple[int, str]:
    if born is None:
        return 0, ""
    if born == wanted:
        return 30, "Date of birth is the same"
    if _swapped(wanted) == born:
        return 22, f"Date of birth {born:%d/%m/%Y} has the day and month swapped"
    if (born.year, born.month) == (wanted.year, wanted.month):
        return 15, f"Born in the same month ({born:%m/%Y})"
    if born.year == wanted.year:
        return 10, f"Born in the same year ({born.year})"
    if abs((born - wanted).days) <= 366:
        return 6, f"Born within a year ({born:%d/%m/%Y})"
    if abs(born.year - wanted.year) > 2:
        return -15, f"Date of birth {born:%d/%m/%Y} is more than 2 years apart"
    return 0, ""
