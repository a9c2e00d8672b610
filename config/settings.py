"""Margin settings: wiring only, every knob read from the environment with a safe local default."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
LOCAL_SECRET_KEY = "margin-local-development-key-change-me-in-production"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]"}
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# A fixed key is only acceptable on this machine; serving any other host needs SECRET_KEY set.
SECRET_KEY = os.environ.get("SECRET_KEY", LOCAL_SECRET_KEY)
if SECRET_KEY == LOCAL_SECRET_KEY and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS:
    raise RuntimeError("Set SECRET_KEY: the built-in key is only for local use (see docs/deploy.md).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "margin.core",
    "margin.accounts",
    "margin.crm",
    "margin.notifications",
    "margin.projects",
    "margin.rates",
    "margin.contracts",
    "margin.resourcing",
    "margin.timesheets",
    "margin.expenses",
    "margin.billing",
    "margin.receivables",
    "margin.books",
    "margin.revenue",
    "margin.closing",
    "margin.risks",
    "margin.collaboration",
    "margin.reporting",
    "margin.api",
    "margin.web",
    "margin.demo",
    "margin.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# SQLite by default so `make run` works on a bare machine; PostgreSQL through DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'margin.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
PREPARED_STATEMENTS = os.environ.get("DATABASE_PREPARED_STATEMENTS", "on") != "off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing half-way;
    # WAL lets readers run beside the writer. Temporary b-trees and statement journals (every statement on
    # a table with triggers keeps one) in memory, not in files: inserting 100,000 time entries one by one
    # took a third less time. Pages read through a memory map and a 64 MiB page cache (the default 2 MiB
    # holds a twentieth of a firm with 100,000 entries; an invoice run read each page several times from
    # the operating system and took 40 % longer).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif PREPARED_STATEMENTS:
    # Statements of server-binding cursors are prepared at their first run (margin.core.prepared): only the
    # hot reports use such cursors; Django's own client-binding cursors never prepare. Set
    # DATABASE_PREPARED_STATEMENTS=off behind a transaction-mode pooler that cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # zxcvbn, fed with the user's names and e-mail and their organisation's and companies' names.
    {"NAME": "margin.accounts.passwords.GuessablePasswordValidator", "OPTIONS": {"min_score": 3}},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Sessions end this long after sign-in (default 12 hours), or when the browser closes if asked to.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
# Password-reset links are good for this long (default 1 hour).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))

# Single sign-on with OpenID Connect (mozilla-django-oidc), on when the client and the provider's endpoints are
# set. Users are matched by e-mail to accounts an administrator invited; nobody is created (docs/deploy.md).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT") or None
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
# A PEM public key instead of the JWKS endpoint (for a provider whose tokens carry no `kid`).
OIDC_RP_IDP_SIGN_KEY = os.environ.get("OIDC_RP_IDP_SIGN_KEY") or None
# When set, the ID token's `iss` must be exactly this.
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
# Trust an e-mail the provider does not say it verified (`email_verified`); off unless the provider is known
# to vouch for every address it issues (Microsoft Entra ID sends no `email_verified`).
OIDC_TRUST_UNVERIFIED_EMAIL = env_bool("OIDC_TRUST_UNVERIFIED_EMAIL", False)
OIDC_SIGN_IN_LABEL = os.environ.get("OIDC_SIGN_IN_LABEL", "Sign in with single sign-on")
LOGIN_REDIRECT_URL_FAILURE = "web:login"
OIDC_CALLBACK_CLASS = "margin.integrations.oidc.views.CallbackView"
OIDC_AUTHENTICATE_CLASS = "margin.integrations.oidc.views.AuthenticateView"
if OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT:
    AUTHENTICATION_BACKENDS.append("margin.integrations.oidc.backend.InvitedUserBackend")

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise expects the collectstatic folder to exist even when it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package.json); we serve their published dist folders as is.
STATICFILES_DIRS = [
    ("vendor/tabler", NODE_MODULES / "@tabler" / "core" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/frappe-gantt", NODE_MODULES / "frappe-gantt" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
]
# Uploaded files (expense receipts, time imports waiting for their commit). Never served as static files: receipts
# go through margin.expenses.serving, which checks access and sends only the checked content type.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Requests bigger than this are refused before they reach a view (huge JSON bodies).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024)))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Margin <margin@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Business rules that are configuration, not code.
MARGIN = {
    # How far ahead of today a work date may be (days).
    "MAX_FUTURE_DAYS": int(os.environ.get("MARGIN_MAX_FUTURE_DAYS", "31")),
    # The address people reach Margin at: links in e-mails start with it.
    "BASE_URL": os.environ.get("MARGIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    # API tokens: the lifetime when none is asked for, and the longest one may ask for (days).
    "API_TOKEN_DAYS": int(os.environ.get("MARGIN_API_TOKEN_DAYS", "90")),
    "API_TOKEN_MAX_DAYS": int(os.environ.get("MARGIN_API_TOKEN_MAX_DAYS", "365")),
    # How long an invitation's set-password link works (days).
    "INVITATION_DAYS": int(os.environ.get("MARGIN_INVITATION_DAYS", "7")),
    # Sign-in throttling: this many failures in the window lock an account name, or an address, until the
    # oldest of them leaves the window.
    "SIGN_IN_WINDOW_MINUTES": int(os.environ.get("MARGIN_SIGN_IN_WINDOW_MINUTES", "15")),
    "SIGN_IN_ACCOUNT_FAILURES": int(os.environ.get("MARGIN_SIGN_IN_ACCOUNT_FAILURES", "5")),
    "SIGN_IN_ADDRESS_FAILURES": int(os.environ.get("MARGIN_SIGN_IN_ADDRESS_FAILURES", "20")),
    # Proxies in front of Margin that append to X-Forwarded-For (0: use the connection's address).
    "TRUSTED_PROXIES": int(os.environ.get("MARGIN_TRUSTED_PROXIES", "0")),
    # Comments: how long their author may edit or delete them (minutes); the largest attachment (MB).
    "COMMENT_EDIT_MINUTES": int(os.environ.get("MARGIN_COMMENT_EDIT_MINUTES", "15")),
    "ATTACHMENT_MAX_MB": int(os.environ.get("MARGIN_ATTACHMENT_MAX_MB", "25")),
}

# --- HTTP hardening and API reliability (issue 9: the API, jobs and headers workstream) ------------
# Every POST under /api/v1/ takes an Idempotency-Key (margin.api.idempotency); after authentication.
MIDDLEWARE.append("margin.api.idempotency.IdempotencyMiddleware")
# Content-Security-Policy (margin.web.headers): scripts only from our own static files (no inline script, no
# eval: htmx runs with allowEval off); styles also inline, for the style="" attributes of progress bars, Gantt
# bars and Swagger UI. Frames: none may embed Margin (with X-Frame-Options DENY above).
# Right after SecurityMiddleware, so it wraps every answer (idempotent replays too).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "margin.web.headers.ContentSecurityPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS (docs/deploy.md): behind a proxy that terminates TLS and sets X-Forwarded-Proto, turn these on.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# HSTS is only sent on HTTPS responses; 0 (the default) sends none.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a per-domain decision that is hard to undo, not a default: no reminder from check --deploy.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Swagger UI for /api/v1/docs comes from npm like the other front-end libraries (no CDN, works offline).
STATICFILES_DIRS.append(("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"))
