"""The rule registry. Each domain app declares its clocks in its own ``timescales.py`` (found when the
app registry is ready) with ``register``; this module knows nothing about them beyond what a Rule says.

A rule says where it comes from (statutory source or local default), what starts and stops it, who owes
it, who it escalates to, which local parameters it reads, and how to work out its due time. The due
time and the plain-words terms are fixed when the clock starts: changing a parameter affects clocks
started afterwards, never one already running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.urls import reverse


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    terms: str  # plain words: "Supervisor review of a high-risk concern: due 4 h after submission"


@dataclass(frozen=True)
class Rule:
    code: str  # "concerns.decision"
    title: str  # "Supervisor decision on a submitted concern"
    source: str  # "WT23: within 1 working day of receipt" or "Local (DOMAIN.md default)"
    statutory: bool
    starts: str  # the event that starts the clock
    stops: str  # the event that stops it
    owner: str  # who owes it
    # (start, context, the local values named in ``parameters``) -> Deadline: a pure function, so the
    # synthetic force can replay it without the database.
    deadline: Callable[[datetime, Mapping[str, str], Mapping[str, int]], Deadline]
    url_name: str  # the page where the work is done, given the record's pk
    parameters: tuple[str, ...] = ()
    hub_work: bool = False  # owed by the safeguarding hub as a whole until someone takes it
    escalation: str = field(
        default="Due soon: the owner; unowned work goes to the unit's supervisor (hub work: to the hub). "
        "Overdue: those and the supervisor (hub work: the hub's supervisors). Escalated: the supervisor and "
        "the force's leaders."
    )

    def due(self, start: datetime, context: Mapping[str, str] | None = None) -> Deadline:
        """The deadline of a clock starting now-ish at ``start``, with the force's current values."""
        from safeguard import parameters

        return self.deadline(start.astimezone(UTC), context or {}, parameters.values(self.parameters))

    def link(self, record_id: int) -> str:
        return reverse(self.url_name, args=[record_id])


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.code in RULES and RULES[rule.code] != rule:
        raise ValueError(f"two rules claim the code {rule.code}")
    RULES[rule.code] = rule
    return rule


def rule(code: str) -> Rule:
    return RULES[code]
