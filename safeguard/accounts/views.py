"""Pages for signing in, a user's own profile and tokens, notifications, break-the-glass, and the
administration of users, units and organisations (which never shows case content)."""

from __future__ import annotations

import base64

import segno
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.web.access import administrator, audit_consult, signed_in
from safeguard.web.forms import errors_to_form

from . import policy, services, signin
from .forms import (
    ApiTokenForm,
    BreakGlassForm,
    DisableUserForm,
    LoginForm,
    OrganisationForm,
    TotpConfirmForm,
    UnitForm,
    UserForm,
)
from .models import ApiToken, Organisation, Unit, User


def _safe_next(request: HttpRequest, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


# --- Signing in and out -------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = signin.attempt(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
        )
        if outcome.result == signin.Result.SIGNED_IN:
            return redirect(_safe_next(request))
        if outcome.result == signin.Result.ENROL:
            return redirect("accounts:mfa_setup")
        form.add_error(None, signin.failed_message())
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", ""), "title": "Sign in"}
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: at first sign-in (pending session) or later from the profile."""
    user: User | None = signed_in(request) if request.user.is_authenticated else signin.pending_enrolment(request)
    if user is None:
        return redirect("accounts:login")
    if signin.confirmed_device(user) is not None:
        messages.info(request, "You already have an authenticator set up.")
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "Authenticator app"})
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            signin.complete(request, user, device)
            messages.success(request, "Your authenticator is set up. You will need a code each time you sign in.")
            return redirect("home")
        form.add_error("code", "That code is not right. Check the time on your phone is correct and try again.")
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, omitsize=True, title="QR code for your authenticator app"
    )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4)),
            "title": "Set up your authenticator app",
        },
    )


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


# --- The user's own pages -----------------------------------------------------------------------


@require_http_methods(["GET"])
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "accounts/profile.html",
        {
            "title": "Your profile",
            "profile_user": user,
            "has_mfa": signin.confirmed_device(user) is not None,
            "sessions": user.sessions.all()[:20],
            "current_session": request.session.session_key,
        },
    )


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _, raw = services.create_api_token(user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "title": "API tokens",
            "form": form,
            "raw_token": raw,
            "tokens": user.api_tokens.all(),
        },
    )


@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=signed_in(request)).first()
    if token is None:
        raise Http404
    services.revoke_api_token(by=signed_in(request), token=token)
    messages.success(request, f"Token '{token.name}' revoked. It no longer works.")
    return redirect("accounts:api_tokens")


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if request.method == "POST":
        services.mark_notifications_read(user=user)
        return redirect("accounts:notifications")
    return render(
        request,
        "accounts/notifications.html",
        {
            "title": "Notifications",
            "notifications": user.notifications.all()[:100],
        },
    )


# --- Break the glass ----------------------------------------------------------------------------


def break_glass_prompt(request: HttpRequest, obj: models.Model, form: BreakGlassForm | None = None) -> HttpResponse:
    return render(
        request,
        "accounts/break_glass.html",
        {
            "title": "This record is restricted",
            "form": form or BreakGlassForm(),
            "record_type": policy.record_type_of(obj),
            "record_id": obj.pk,
            "next": request.get_full_path() if request.method == "GET" else _safe_next(request),
        },
        status=403,
    )


@require_POST
def break_glass(request: HttpRequest) -> HttpResponse:
    record_type = request.POST.get("record_type", "")
    try:
        model = apps.get_model(record_type)
        policy.scope_of(model)
    except (LookupError, ValueError, TypeError) as exc:
        raise Http404 from exc
    user = signed_in(request)
    obj = policy.visible_to(user, model._default_manager.filter(pk=request.POST.get("record_id"))).first()
    if obj is None:
        audit_consult(
            request,
            record_type,
            [request.POST.get("record_id", "")[:64]],
            outcome="denied",
            reason="break the glass refused: out of scope",
        )
        raise Http404
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            services.break_glass(by=user, obj=obj, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            return redirect(_safe_next(request))
    return break_glass_prompt(request, obj, form)


# --- Administration -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def admin_users(request: HttpRequest) -> HttpResponse:
    administrator(request)
    users = list(User.objects.select_related("organisation", "unit").prefetch_related("roles")[:500])
    audit_consult(request, "accounts.user", [str(u.pk) for u in users])
    return render(request, "accounts/admin_users.html", {"title": "Users", "users": users})


@require_http_methods(["GET", "POST"])
def admin_user_new(request: HttpRequest) -> HttpResponse:
    admin = administrator(request)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_user(
                by=admin,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                unit=data["unit"],
                roles=list(data["roles"]),
                password=data["password"],
                collar_number=data["collar_number"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"User {created.username} created.")
            return redirect("accounts:admin_user", pk=created.pk)
    return render(request, "accounts/admin_user_form.html", {"title": "Add a user", "form": form})


@require_http_methods(["GET", "POST"])
def admin_user(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    subject = User.objects.filter(pk=pk).select_related("organisation", "unit").first()
    if subject is None:
        raise Http404
    initial = {
        "first_name": subject.first_name,
        "last_name": subject.last_name,
        "email": subject.email,
        "collar_number": subject.collar_number,
        "organisation": subject.organisation_id,
        "unit": subject.unit_id,
        "roles": list(subject.roles.all()),
    }
    form = UserForm(request.POST or None, initial=initial, editing=subject)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                by=admin,
                user=subject,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                unit=data["unit"],
                roles=list(data["roles"]),
                collar_number=data["collar_number"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"User {subject.username} updated.")
            return redirect("accounts:admin_user", pk=subject.pk)
    if request.method == "GET":
        audit_consult(request, "accounts.user", [str(subject.pk)])
    return render(
        request,
        "accounts/admin_user.html",
        {
            "title": f"User {subject.username}",
            "form": form,
            "subject": subject,
            "disable_form": DisableUserForm(),
            "has_mfa": signin.confirmed_device(subject) is not None,
        },
    )


@require_POST
def admin_user_disable(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    subject = User.objects.filter(pk=pk).first()
    if subject is None:
        raise Http404
    form = DisableUserForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for disabling the account.")
        return redirect("accounts:admin_user", pk=pk)
    try:
        services.disable_user(by=admin, user=subject, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{subject.username} is disabled and every session they had has ended.")
    return redirect("accounts:admin_user", pk=pk)


@require_POST
def admin_user_enable(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    subject = User.objects.filter(pk=pk).first()
    if subject is None:
        raise Http404
    services.enable_user(by=admin, user=subject)
    messages.success(request, f"{subject.username} is enabled.")
    return redirect("accounts:admin_user", pk=pk)


@require_POST
def admin_user_reset_mfa(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    subject = User.objects.filter(pk=pk).first()
    if subject is None:
        raise Http404
    services.reset_mfa(by=admin, user=subject)
    messages.success(request, f"{subject.username} will set up a new authenticator when they next sign in.")
    return redirect("accounts:admin_user", pk=pk)


@require_http_methods(["GET"])
def admin_units(request: HttpRequest) -> HttpResponse:
    administrator(request)
    units = Unit.objects.select_related("organisation", "supervisor").all()
    return render(request, "accounts/admin_units.html", {"title": "Units", "units": units})


@require_http_methods(["GET", "POST"])
def admin_unit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    admin = administrator(request)
    unit = None
    if pk is not None:
        unit = Unit.objects.filter(pk=pk).first()
        if unit is None:
            raise Http404
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_unit(by=admin, unit=form.save(commit=False))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Unit {saved.name} saved.")
            return redirect("accounts:admin_units")
    return render(
        request,
        "accounts/admin_form.html",
        {
            "title": f"Unit {unit.name}" if unit else "Add a unit",
            "form": form,
            "back": reverse("accounts:admin_units"),
        },
    )


@require_http_methods(["GET"])
def admin_organisations(request: HttpRequest) -> HttpResponse:
    administrator(request)
    return render(
        request,
        "accounts/admin_organisations.html",
        {
            "title": "Organisations",
            "organisations": Organisation.objects.all(),
        },
    )


@require_http_methods(["GET", "POST"])
def admin_organisation(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    admin = administrator(request)
    organisation = None
    if pk is not None:
        organisation = Organisation.objects.filter(pk=pk).first()
        if organisation is None:
            raise Http404
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_organisation(by=admin, organisation=form.save(commit=False))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Organisation {saved.name} saved.")
            return redirect("accounts:admin_organisations")
    return render(
        request,
        "accounts/admin_form.html",
        {
            "title": f"Organisation {organisation.name}" if organisation else "Add an organisation",
            "form": form,
            "back": reverse("accounts:admin_organisations"),
        },
    )
