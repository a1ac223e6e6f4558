"""Normalising and validating what identifies a person: names and their search keys, NHS numbers,
postcodes. Pure functions, shared by the services, the search and the synthetic force."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import jellyfish
from nicknames import NickNamer

_NON_LETTERS = re.compile(r"[^a-z]")
_SEPARATORS = re.compile(r"[\s\-]+")


def normalise(name: str) -> str:
    """Lower case ASCII letters only: 'Zoë O'Brien-Smith' -> 'zoeobriensmith'."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = decomposed.encode("ascii", "ignore").decode()
    return _NON_LETTERS.sub("", ascii_only.lower())


def name_key(name: str) -> str:
    """The blocking key of one name: Soundex of its letters. Soundex keeps the first letter and the
    consonant shape, so spelling variants (Smith/Smyth) and most transpositions (Smith/Smtih) share it."""
    letters = normalise(name)
    return jellyfish.soundex(letters) if letters else ""


def surname_parts(family_name: str) -> list[str]:
    """The parts of a double-barrelled or multi-word surname, each searchable on its own."""
    parts = [p for p in _SEPARATORS.split(family_name.strip()) if normalise(p)]
    return parts if len(parts) > 1 else []


@cache
def _namer() -> NickNamer:
    return NickNamer()


def given_variants(given_name: str) -> set[str]:
    """The normalised forms a given name may be recorded under: itself, its nicknames and the full names
    it is short for (Alex -> Alexander, Alexandra; Sandy -> Alexander). Uses the ``nicknames`` list."""
    base = normalise(given_name)
    if not base:
        return set()
    namer = _namer()
    variants = {base} | namer.nicknames_of(base) | namer.canonicals_of(base)
    for canonical in namer.canonicals_of(base):
        variants |= namer.nicknames_of(canonical)
    return {normalise(v) for v in variants if normalise(v)}


def given_keys(given_name: str) -> set[str]:
    return {jellyfish.soundex(v) for v in given_variants(given_name)}


def is_nickname_of(a: str, b: str) -> bool:
    na, nb = normalise(a), normalise(b)
    return na != nb and nb in given_variants(na)


# --- NHS numbers ----------------------------------------------------------------------------------


def nhs_number_digits(value: str) -> str:
    return re.sub(r"[\s\-]", "", value)


def nhs_number_is_valid(value: str) -> bool:
    """Modulus 11 check digit (NHS Data Dictionary): weights 10..2 over the first nine digits."""
    digits = nhs_number_digits(value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def format_nhs_number(value: str) -> str:
    d = nhs_number_digits(value)
    return f"{d[:3]} {d[3:6]} {d[6:]}"


# --- Postcodes ------------------------------------------------------------------------------------

# The UK postcode shape (outward code, space, inward code), including the GIR 0AA special case.
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(value: str) -> str | None:
    """'ns1 4ab' -> 'NS1 4AB'; None when it is not a UK postcode shape."""
    compact = re.sub(r"\s+", "", value.upper())
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def outward_code(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""
