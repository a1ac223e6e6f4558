"""The access matrix (QUALITY.md): every URL pattern × role × relationship to the record.

Expected outcomes live in ROUTES below, one row per named route. A route that is missing from the
table fails the suite, so a new page or endpoint cannot ship without saying who may use it.
Relationships: own, same unit, other unit, restricted (same unit, someone else's), non-existent.
"Shared with my organisation" and "share revoked" join when sharing does (issue 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from safeguard.accounts.models import ApiToken, User
from safeguard.accounts.services import create_api_token
from tests.casework.models import CaseNote
from tests.conftest import ROLES, Force, Notes, sign_in

ANON = "anonymous"
RELATIONS = ["own", "same_unit", "other_unit", "restricted", "missing"]


def route_names() -> set[str]:
    def walk(patterns: list[Any], ns: str = "") -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                yield ns + (p.name or str(p.pattern))

    return set(walk(get_resolver().url_patterns))


def by_role(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table.update(overrides)
    table[ANON] = anonymous
    return table


ADMIN_ONLY_GET = by_role(403, admin=200)
ADMIN_ONLY_POST = by_role(403, admin=302)

# Record pages: per role, per relationship. 403 on "restricted" is the break-the-glass prompt.
VIEW_RECORD = {
    "officer": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "investigator": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "supervisor": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "hub": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "leader": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "partner": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "auditor": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "admin": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    ANON: dict(own=302, same_unit=302, other_unit=302, restricted=302, missing=302),
}
CHANGE_RECORD = {
    "officer": dict(own=200, same_unit=404, other_unit=404, restricted=404, missing=404),
    "investigator": dict(own=200, same_unit=404, other_unit=404, restricted=404, missing=404),
    "supervisor": dict(own=200, same_unit=200, other_unit=404, restricted=403, missing=404),
    "hub": dict(own=200, same_unit=200, other_unit=200, restricted=403, missing=404),
    "leader": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "partner": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "auditor": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    "admin": dict(own=404, same_unit=404, other_unit=404, restricted=404, missing=404),
    ANON: dict(own=302, same_unit=302, other_unit=302, restricted=302, missing=302),
}
API_VIEW_RECORD = {
    role: {**rel, **({} if role != ANON else dict.fromkeys(RELATIONS, 401))} for role, rel in VIEW_RECORD.items()
}


@dataclass
class Route:
    method: str
    expected: dict[str, int] | dict[str, dict[str, int]]
    kwargs: Callable[[Force, User | None], dict[str, Any]] = lambda force, user: {}
    data: dict[str, Any] = field(default_factory=dict)
    record: bool = False  # expected is role -> relation -> status
    api: bool = False


ROUTES: dict[str, Route] = {
    "home": Route("GET", by_role(200)),
    "accounts:login": Route("GET", by_role(302, anonymous=200)),
    "accounts:mfa_setup": Route("GET", by_role(200, anonymous=302)),
    "accounts:logout": Route("POST", by_role(302, anonymous=302)),
    "accounts:profile": Route("GET", by_role(200)),
    "accounts:api_tokens": Route("GET", by_role(200)),
    "accounts:revoke_token": Route("POST", by_role(302), kwargs=lambda force, user: {"pk": own_token(user)}),
    "accounts:notifications": Route("GET", by_role(200)),
    "accounts:break_glass": Route("POST", by_role(404), data={"record_type": "casework.casenote", "record_id": "0"}),
    "accounts:admin_users": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_user_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_user": Route("GET", ADMIN_ONLY_GET, kwargs=lambda force, user: {"pk": force.colleague.pk}),
    "accounts:admin_user_disable": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_user_enable": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_user_reset_mfa": Route("POST", ADMIN_ONLY_POST, kwargs=lambda f, u: {"pk": f.colleague.pk}),
    "accounts:admin_units": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_unit_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_unit": Route("GET", ADMIN_ONLY_GET, kwargs=lambda force, user: {"pk": force.unit_b.pk}),
    "accounts:admin_organisations": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_organisation_new": Route("GET", ADMIN_ONLY_GET),
    "accounts:admin_organisation": Route("GET", ADMIN_ONLY_GET, kwargs=lambda f, u: {"pk": f.partner_org.pk}),
    "api:api-root": Route("GET", by_role(404, anonymous=404), api=True),
    "api:openapi-json": Route("GET", by_role(200, anonymous=200), api=True),
    "api:openapi-view": Route("GET", by_role(200, anonymous=200), api=True),
    "api:me": Route("GET", by_role(200, anonymous=401), api=True),
    "api:notifications": Route("GET", by_role(200, anonymous=401), api=True),
    "api:organisations": Route("GET", by_role(200, anonymous=401), api=True),
    "api:units": Route("GET", by_role(200, anonymous=401), api=True),
    "api:users": Route("GET", by_role(403, anonymous=401, admin=200), api=True),
    "api:list_notes": Route("GET", by_role(200, anonymous=401), api=True),
    "api:get_note": Route("GET", API_VIEW_RECORD, record=True, api=True),
    "casework:list": Route("GET", by_role(200)),
    "casework:detail": Route("GET", VIEW_RECORD, record=True),
    "casework:edit": Route("GET", CHANGE_RECORD, record=True),
}

RECORD_KWARG = {"api:get_note": "note_id"}


def own_token(user: User | None) -> int:
    if user is None:
        return 1
    token = ApiToken.objects.filter(user=user).first()
    return token.pk if token else create_api_token(user=user, name="matrix")[0].pk


def record_pk(notes: Notes, role: str, relation: str) -> int:
    if relation == "own":
        return notes.own[role].pk if role in notes.own else notes.same_unit.pk
    if relation == "missing":
        return 987654
    return {"same_unit": notes.same_unit, "other_unit": notes.other_unit, "restricted": notes.restricted}[relation].pk


def client_for(force: Force, role: str, api: bool) -> tuple[Client, User | None, dict[str, str]]:
    if role == ANON:
        return Client(), None, {}
    user = force.user(role)
    if api:
        _, raw = create_api_token(user=user, name="matrix")
        return Client(), user, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return sign_in(Client(), user), user, {}


def test_every_route_is_in_the_access_matrix() -> None:
    missing = route_names() - set(ROUTES)
    stale = set(ROUTES) - route_names()
    assert not missing, f"routes with no row in the access matrix: {sorted(missing)}"
    assert not stale, f"access matrix rows for routes that no longer exist: {sorted(stale)}"


def cases() -> list[tuple[str, str, str]]:
    out = []
    for name, route in ROUTES.items():
        for role in [*ROLES, ANON]:
            for relation in RELATIONS if route.record else ["-"]:
                out.append((name, role, relation))
    return out


@pytest.mark.parametrize(("name", "role", "relation"), cases())
def test_access_matrix(force: Force, notes: Notes, name: str, role: str, relation: str) -> None:
    route = ROUTES[name]
    client, user, headers = client_for(force, role, route.api)
    kwargs = route.kwargs(force, user)
    if route.record:
        kwargs[RECORD_KWARG.get(name, "pk")] = record_pk(notes, role, relation)
        expected = route.expected[role][relation]  # type: ignore[index]
    else:
        expected = route.expected[role]
    url = reverse(name, kwargs=kwargs)
    response = client.get(url, **headers) if route.method == "GET" else client.post(url, route.data, **headers)  # type: ignore[arg-type]
    assert response.status_code == expected, (
        f"{route.method} {url} as {role} ({relation}): expected {expected}, got {response.status_code}"
    )
    if route.record and response.status_code in (403, 404):
        note = CaseNote.objects.filter(pk=record_pk(notes, role, relation)).first()
        assert note is None or note.title.encode() not in response.content, "a refusal revealed the record"
