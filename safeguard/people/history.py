"""What other capabilities know about a person, for the person's page. People sits below concerns,
voice, missing and the rest (ARCHITECTURE.md, Layers), so it cannot import them; instead each
registers a provider here from its AppConfig.ready(), as domain apps register rules with timescales.

A provider receives the request (so it reads only through the access policy and audits what it
shows) and the person, and returns entries for the chronology and any banners for the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from .models import Person


@dataclass
class Entry:
    occurred_at: datetime
    recorded_at: datetime
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Banner:
    heading: str
    text: str
    link: str = ""
    link_text: str = ""


@dataclass
class History:
    entries: list[Entry] = field(default_factory=list)
    banners: list[Banner] = field(default_factory=list)
    records: list[tuple[str, int]] = field(default_factory=list)  # (record type, pk): whose clocks to show


Provider = Callable[[HttpRequest, Person], History]
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def history_of(request: HttpRequest, person: Person) -> History:
    """Every provider's entries, newest event first, and their banners."""
    combined = History()
    for provider in PROVIDERS:
        part = provider(request, person)
        combined.entries += part.entries
        combined.banners += part.banners
        combined.records += part.records
    combined.entries.sort(key=lambda e: (e.occurred_at, e.recorded_at), reverse=True)
    return combined
