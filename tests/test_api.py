"""The API: personal tokens (stored hashed, revocable), the OpenAPI 3.1 schema, one error body."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from safeguard.accounts.models import ApiToken
from safeguard.accounts.services import create_api_token, disable_user
from tests.conftest import Force, sign_in


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_created_in_the_ui_is_shown_once_and_stored_hashed(force: Force) -> None:
    client = sign_in(Client(), force.user("investigator"))
    page = client.post(reverse("accounts:api_tokens"), {"name": "analysis script", "days": "30"})
    raw = page.context["raw_token"]
    assert raw.startswith("sg_") and raw.encode() in page.content
    token = ApiToken.objects.get(user=force.user("investigator"))
    assert token.digest != raw and raw not in token.digest and token.hint == raw[:10]
    assert raw.encode() not in client.get(reverse("accounts:api_tokens")).content
    me = Client().get("/api/v1/me", **bearer(raw)).json()
    assert me["username"] == "investigator" and me["roles"] == ["investigator"]


def test_revoked_token_stops_working_at_once(force: Force) -> None:
    user = force.user("officer")
    token, raw = create_api_token(user=user, name="t")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    sign_in(Client(), user).post(reverse("accounts:revoke_token", args=[token.pk]))
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_someone_elses_token_cannot_be_revoked(force: Force) -> None:
    token, _ = create_api_token(user=force.user("officer"), name="t")
    response = sign_in(Client(), force.user("hub")).post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_disabled_users_tokens_stop_working(force: Force) -> None:
    _, raw = create_api_token(user=force.user("officer"), name="t")
    disable_user(by=force.user("admin"), user=force.user("officer"), reason="left")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_openapi_schema_is_3_1_and_documents_token_auth(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/me" in schema["paths"]
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_api_docs_are_served_without_a_cdn(db: None) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    assert b"cdn." not in page.content and b"/static/ninja/swagger-ui-bundle" in page.content


def test_errors_share_one_body(force: Force) -> None:
    _, raw = create_api_token(user=force.user("officer"), name="t")
    not_found = Client().get("/api/v1/casework/999999", **bearer(raw))
    invalid = Client().get("/api/v1/casework/not-a-number", **bearer(raw))
    forbidden = Client().get("/api/v1/users", **bearer(raw))
    for response, status, code in [
        (not_found, 404, "not_found"),
        (invalid, 422, "invalid"),
        (forbidden, 403, "forbidden"),
    ]:
        assert response.status_code == status
        assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
