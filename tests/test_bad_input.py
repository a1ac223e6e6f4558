"""Bad input (QUALITY.md): malformed, oversized and hostile input gets a clear error, changes nothing
and never takes the service down."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safeguard.accounts.models import Organisation, Unit, User
from safeguard.accounts.services import create_api_token
from tests.conftest import Force, sign_in

HOSTILE = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "a\x00b\x1bc",
    "x" * 100_000,
    "'; DROP TABLE accounts_user; --",
    "\u202egnp.exe",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_login_form_survives_hostile_input(db: None, value: str) -> None:
    response = Client().post(reverse("accounts:login"), {"username": value, "password": value, "code": value})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"There is a problem" in response.content


@pytest.mark.parametrize("value", HOSTILE)
def test_admin_user_form_rejects_hostile_input_and_creates_nothing(force: Force, value: str) -> None:
    client = sign_in(Client(), force.user("admin"))
    before = User.objects.count()
    response = client.post(
        reverse("accounts:admin_user_new"),
        {
            "username": value,
            "first_name": value,
            "last_name": "L",
            "email": "not-an-email",
            "organisation": force.police.pk,
            "unit": force.unit_b.pk,
            "roles": ["officer"],
            "password": "short",
        },
    )
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert b"<script>alert(1)</script>" not in response.content
    assert User.objects.count() == before


def test_unit_from_another_organisation_is_refused(force: Force) -> None:
    client = sign_in(Client(), force.user("admin"))
    response = client.post(
        reverse("accounts:admin_user_new"),
        {
            "username": "newperson",
            "first_name": "N",
            "last_name": "P",
            "email": "n@example.org",
            "organisation": force.partner_org.pk,
            "unit": force.unit_a.pk,
            "roles": ["partner"],
            "password": "a-long-enough-password-42",
        },
    )
    assert b"Choose a unit that belongs to the chosen organisation" in response.content
    assert not User.objects.filter(username="newperson").exists()


def test_admin_creates_a_user_with_several_roles(force: Force) -> None:
    client = sign_in(Client(), force.user("admin"))
    response = client.post(
        reverse("accounts:admin_user_new"),
        {
            "username": "dual.role",
            "first_name": "Dana",
            "last_name": "Role",
            "email": "d@example.org",
            "organisation": force.police.pk,
            "unit": force.unit_b.pk,
            "roles": ["officer", "investigator"],
            "password": "a-long-enough-password-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="dual.role").role_codes() == {"officer", "investigator"}


@pytest.mark.parametrize("name", ["", "x" * 300, "<b>bold</b>"])
def test_unit_form_bad_input(force: Force, name: str) -> None:
    client = sign_in(Client(), force.user("admin"))
    before = Unit.objects.count()
    response = client.post(
        reverse("accounts:admin_unit_new"), {"name": name, "code": "bad code!", "organisation": force.police.pk}
    )
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert Unit.objects.count() == before


def test_organisation_form_rejects_unknown_kind(force: Force) -> None:
    client = sign_in(Client(), force.user("admin"))
    response = client.post(reverse("accounts:admin_organisation_new"), {"name": "Org", "kind": "mi5"})
    assert response.status_code == 200 and not Organisation.objects.filter(name="Org").exists()


@pytest.mark.parametrize("days", ["0", "9999", "-1", "abc", ""])
def test_token_form_rejects_out_of_range_days(force: Force, days: str) -> None:
    client = sign_in(Client(), force.user("officer"))
    response = client.post(reverse("accounts:api_tokens"), {"name": "x", "days": days})
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert not force.user("officer").api_tokens.exists()


@pytest.mark.parametrize("header", ["Bearer ", "Bearer " + "x" * 5000, "Basic abc", "Bearer sg_\x00"])
def test_api_rejects_malformed_tokens(db: None, header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_api_path_parameter_out_of_range(force: Force) -> None:
    _, raw = create_api_token(user=force.user("hub"), name="t")
    response = Client().get("/api/v1/casework/99999999999999999999999", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code in (404, 422)
    assert "error" in response.json()


def test_break_the_glass_with_a_bogus_record_type_is_not_found(force: Force) -> None:
    client = sign_in(Client(), force.user("hub"))
    for record_type in ["", "accounts.user", "nope.model", "<script>"]:
        response = client.post(
            reverse("accounts:break_glass"), {"record_type": record_type, "record_id": "1", "reason": "r" * 20}
        )
        assert response.status_code == 404


def test_open_redirect_after_sign_in_is_refused(force: Force) -> None:
    from django.test import override_settings

    with override_settings(SAFEGUARD_REQUIRE_MFA=False):
        response = Client().post(
            reverse("accounts:login") + "?next=https://evil.example/",
            {"username": "officer", "password": "correct-horse-battery-staple", "next": "https://evil.example/"},
        )
    assert response.status_code == 302 and response["Location"] == "/"
