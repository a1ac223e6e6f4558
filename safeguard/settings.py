"""Safeguard settings, read top to bottom from the environment.

Two modes:

* the embedded default (``SAFEGUARD_ENV`` unset or ``demo``): SQLite under ``var/``, a generated
  secret kept in ``var/``, plain HTTP on localhost;
* production (``SAFEGUARD_ENV=production``): every secret and host comes from the environment and
  ``manage.py check --deploy`` passes with no warning.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFEGUARD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def local_secret(name: str) -> str:
    """A secret generated once for this installation and kept in var/ (never in the repository)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"{name}.secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


ENVIRONMENT = os.environ.get("SAFEGUARD_ENV", "demo")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = os.environ["SAFEGUARD_SECRET_KEY"]
    AUDIT_CHAIN_KEY = os.environ["SAFEGUARD_AUDIT_KEY"]
    ALLOWED_HOSTS = [h.strip() for h in os.environ["SAFEGUARD_ALLOWED_HOSTS"].split(",") if h.strip()]
    DEBUG = False
else:
    SECRET_KEY = os.environ.get("SAFEGUARD_SECRET_KEY") or local_secret("django")
    AUDIT_CHAIN_KEY = os.environ.get("SAFEGUARD_AUDIT_KEY") or local_secret("audit")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
    DEBUG = env_bool("SAFEGUARD_DEBUG", False)

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "ninja",
    "safeguard",
    "safeguard.accounts",
    "safeguard.audit",
    "safeguard.people",
    "safeguard.concerns",
    "safeguard.voice",
    "safeguard.timescales",
    "safeguard.investigations",
    "safeguard.sharing",
    # Last, so that our GOV.UK widget templates (safeguard/templates/django/forms/...) win over Django's.
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safeguard.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safeguard.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "safeguard.web.middleware.NoStoreMiddleware",
    "safeguard.audit.middleware.AuditMiddleware",
    "safeguard.web.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguard.web.context.navigation",
            ],
        },
    },
]
FORM_RENDERER = "safeguard.web.forms.GovukFormRenderer"

# --- Database -----------------------------------------------------------------------------------
# SQLite is the embedded default: WAL so readers never wait for the writer, a busy timeout so a
# writer waits its turn instead of failing, and IMMEDIATE transactions so two writers never
# deadlock upgrading a read lock. PostgreSQL comes from DATABASE_URL.

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SAFEGUARD_SQLITE_PATH", str(VAR_DIR / "safeguard.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    }

# --- Background work ----------------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Authentication and sessions ----------------------------------------------------------------

AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Multi-factor authentication is enforced for every user in production. A demo may relax it;
# ``check --deploy`` then fails (safeguard.E001).
SAFEGUARD_REQUIRE_MFA = env_bool("SAFEGUARD_REQUIRE_MFA", True)
OTP_TOTP_ISSUER = "Safeguard"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SAFEGUARD_SESSION_IDLE_SECONDS = env_int("SAFEGUARD_SESSION_IDLE_MINUTES", 15) * 60
SAFEGUARD_SESSION_ABSOLUTE_SECONDS = env_int("SAFEGUARD_SESSION_ABSOLUTE_HOURS", 10) * 3600
SESSION_COOKIE_AGE = SAFEGUARD_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "safeguard_session"
CSRF_COOKIE_HTTPONLY = True

SAFEGUARD_LOCKOUT_THRESHOLD = env_int("SAFEGUARD_LOCKOUT_THRESHOLD", 10)
SAFEGUARD_LOCKOUT_SECONDS = env_int("SAFEGUARD_LOCKOUT_MINUTES", 15) * 60
SAFEGUARD_BREAK_GLASS_SECONDS = env_int("SAFEGUARD_BREAK_GLASS_MINUTES", 60) * 60

# --- Security headers ---------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SAFEGUARD_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SAFEGUARD_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SAFEGUARD_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# --- Static files -------------------------------------------------------------------------------
# GOV.UK Frontend is compiled at set-up (npm run build) into build/static, then collected.

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("SAFEGUARD_MANIFEST_STATIC", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------------------------

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "SAFEGUARD_EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": (
            {
                "host": os.environ.get("SAFEGUARD_EMAIL_HOST", "localhost"),
                "port": env_int("SAFEGUARD_EMAIL_PORT", 25),
                "timeout": env_int("SAFEGUARD_EMAIL_TIMEOUT_SECONDS", 10),
            }
            if PRODUCTION or os.environ.get("SAFEGUARD_EMAIL_HOST")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("SAFEGUARD_FROM_EMAIL", "safeguard@localhost")
# Where emails point people to sign in (they carry a link, never case content).
SAFEGUARD_SITE_URL = os.environ.get("SAFEGUARD_SITE_URL", "http://localhost:8000")

# --- Alerts to partners (the outbox: safeguard/sharing/relay.py) --------------------------------
# The relay claims due alerts under a lease, sends each, and retries a temporary failure after
# min(cap, base x 2^attempts) seconds (less up to a fifth, so retries spread out): 10 s, 20 s, 40 s ...
# then hourly, until ``max_attempts`` (9 to 11 hours in all) marks it dead and tells the hub.
# A lease must outlast a send's timeout: a relay stops sending its batch when less than one timeout
# of its lease is left, so a row is never sent by a relay whose lease has passed. A relay that dies
# holding a batch delays those alerts by at most the lease.

SAFEGUARD_OUTBOX = {
    "lease_seconds": env_int("SAFEGUARD_OUTBOX_LEASE_SECONDS", 30),
    "timeout_seconds": env_int("SAFEGUARD_OUTBOX_TIMEOUT_SECONDS", 10),
    "backoff_base_seconds": env_int("SAFEGUARD_OUTBOX_BACKOFF_BASE_SECONDS", 10),
    "backoff_cap_seconds": env_int("SAFEGUARD_OUTBOX_BACKOFF_CAP_SECONDS", 3600),
    "max_attempts": env_int("SAFEGUARD_OUTBOX_MAX_ATTEMPTS", 20),
    "batch": env_int("SAFEGUARD_OUTBOX_BATCH", 100),
    # The worker runs the relay this often as a safety net; a committed alert wakes it at once.
    "relay_every_seconds": env_int("SAFEGUARD_OUTBOX_RELAY_EVERY_SECONDS", 60),
    "run_seconds": env_int("SAFEGUARD_OUTBOX_RUN_SECONDS", 50),
}
# Webhooks are verified against the system's trusted CAs; this file adds CAs to trust as well
# (a partner's private CA, or the tests' self-signed receiver).
SAFEGUARD_WEBHOOK_CA_FILE = os.environ.get("SAFEGUARD_WEBHOOK_CA_FILE", "")

# --- Internationalisation and time --------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEGUARD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SAFEGUARD_SERVICE_NAME = "Safeguard"
LOGIN_URL_PATH = "/login/"
