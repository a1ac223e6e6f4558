"""Rules every piece of free text obeys, whichever door it comes through (pages, API, imports).

Names and short fields hold letters and a little punctuation; narratives may hold almost anything a
person says, but never control characters, markup, or a leading spreadsheet-formula character (a
value starting with = + or @ runs as a formula when an analyst opens an export in a spreadsheet).
Values are still escaped on output; these rules make hostile input fail loudly at the door instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError

NAME = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]*)*$")
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "@", "\t", "\r")
NARRATIVE_LIMIT = 20_000


def check_name(value: str, *, field: str, label: str = "Name") -> str:
    value = value.strip()
    if len(value) > 100:
        raise ValidationError({field: f"{label} must be 100 characters or fewer"})
    if value and not NAME.match(value):
        raise ValidationError({field: f"{label} can only include letters, spaces, hyphens, apostrophes and full stops"})
    return value


def check_text(value: str, *, field: str, label: str, limit: int = NARRATIVE_LIMIT) -> str:
    """A narrative or short free-text field; returned unchanged (a child's words are kept verbatim)."""
    if len(value) > limit:
        raise ValidationError({field: f"{label} must be {limit:,} characters or fewer"})
    if CONTROL.search(value):
        raise ValidationError({field: f"{label} contains characters that cannot be stored; retype it"})
    if MARKUP.search(value):
        raise ValidationError({field: f"{label} cannot contain '<' followed by a letter; write it another way"})
    if value.lstrip(" ").startswith(FORMULA_START):
        raise ValidationError({field: f"{label} cannot start with =, + or @"})
    return value


def required_text(value: str, *, field: str, label: str, minimum: int, what: str) -> str:
    """A narrative that must say something: at least ``minimum`` characters, ``what`` asks for it."""
    check_text(value, field=field, label=label)
    if len(value.strip()) < minimum:
        raise ValidationError({field: f"{what} (at least {minimum} characters)"})
    return value.strip()


def gather(errors: dict[str, str], *checks: Callable[[], object]) -> None:
    """Run every check, keeping each error, so that a form reports all its mistakes at once."""
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
