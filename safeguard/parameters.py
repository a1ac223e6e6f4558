"""Local rules' parameters (DOMAIN.md marks them *(default)* or *local*): the shipped default, where it
comes from, and the force's own value if one has been set. Domain code reads them only through
``value``; the shipped defaults live here, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    key: str
    default: int
    description: str
    source: str
    minimum: int = 0
    maximum: int = 10_000


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        Parameter(
            "concerns.cumulative_count",
            3,
            "Concerns about the same child that raise a hub review of their whole history",
            "Local (DOMAIN.md default, as in forces that review '3 green notices in 3 months')",
            minimum=2,
            maximum=20,
        ),
        Parameter(
            "concerns.cumulative_days",
            90,
            "Days over which those concerns are counted",
            "Local (DOMAIN.md default)",
            minimum=7,
            maximum=730,
        ),
        Parameter(
            "voice.seen_alone_age",
            4,
            "Age from which a child not seen alone without a reason fails the voice quality check",
            "Local (DOMAIN.md default)",
            maximum=17,
        ),
        Parameter(
            "voice.informed_decision_min_chars",
            20,
            "Shortest 'how it informed the decision' that passes the voice quality check",
            "Local (DOMAIN.md default)",
            maximum=500,
        ),
    ]
}


def value(key: str) -> int:
    from .models import LocalParameter

    parameter = PARAMETERS[key]
    stored = LocalParameter.objects.filter(key=key).values_list("value", flat=True).first()
    return parameter.default if stored is None else stored
