"""Settings of Chính Quyền Số, all read from the environment (see README)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CQS_VAR_DIR", BASE_DIR / "var"))

# CQS_ENV=production demands real secrets and turns debugging off.
PRODUCTION = env.env_str("CQS_ENV", "development") == "production"
DEBUG = env.env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.secret_key(production=PRODUCTION, var_dir=VAR_DIR)
ALLOWED_HOSTS = env.env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "procrastinate.contrib.django",
    "cqs.core",
    "cqs.units",
    "cqs.accounts",
    "cqs.catalog",
    "cqs.notifications",
    "cqs.signing",
    "cqs.dossiers",
    "cqs.documents",
    "cqs.desk",
    "cqs.portal",
    "cqs.administration",
    "cqs.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cqs.core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cqs.core.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cqs.core.locale.ChosenLanguageMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cqs.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cqs.accounts.middleware.OfficialSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "cqs.core.forms.SiteFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cqs" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cqs.core.context_processors.platform",
                "cqs.core.context_processors.security",
                "cqs.notifications.context_processors.unread_notifications",
                "cqs.administration.context_processors.navigation",
            ],
        },
    }
]

# Database: DATABASE_URL when given, else the embedded PostgreSQL under var/. The platform connects with
# DATABASE_URL as a role that owns no table; migrations run as the owner, DATABASE_OWNER_URL (the same
# database; see docs/audit.md). Without DATABASE_OWNER_URL one role does both (not for production).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
if not DATABASE_URL:
    from config.embedded_db import database_url, owner_url

    DATABASE_URL = database_url()
    DATABASE_OWNER_URL = DATABASE_OWNER_URL or owner_url()


def _database_from_url(url: str) -> dict[str, object]:
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_URL phải là một địa chỉ PostgreSQL (postgresql://…).")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or parts.hostname or ""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": query,
        "TEST": {"NAME": os.environ.get("DATABASE_TEST_NAME") or None},
    }


DATABASES = {"default": _database_from_url(DATABASE_URL)}
# A streaming replica (same role and database, read-only): dashboards, registers and searches read from it
# (cqs.core.dbrouters.reading_from_replica); everything else stays on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**_database_from_url(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["cqs.core.dbrouters.ReplicaRouter"]
# The owner's credentials, put in place of the application's for migrations (cqs.core.dbroles.owner_connection).
CQS_DATABASE_OWNER = _database_from_url(DATABASE_OWNER_URL) if DATABASE_OWNER_URL else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["cqs.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "administration:landing"  # each role's own work (cqs.administration.navigation)
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling (docs/accounts-security.md). Per account *and* address: LOGIN_FAILURE_LIMIT free failures
# within the window, then a wait that doubles from CQS_LOGIN_DELAY_SECONDS up to CQS_LOGIN_DELAY_MAX_SECONDS;
# the same account keeps working from other addresses. Per address, whatever the account: at most
# CQS_LOGIN_ADDRESS_FAILURE_LIMIT failures within the window.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "3600"))
CQS_LOGIN_DELAY_SECONDS = int(os.environ.get("CQS_LOGIN_DELAY_SECONDS", "60"))
CQS_LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("CQS_LOGIN_DELAY_MAX_SECONDS", "900"))
CQS_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("CQS_LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
OTP_TOTP_ISSUER = "Chính Quyền Số"

# One-time codes (stored as keyed digests, single use, void after CQS_CODE_MAX_ATTEMPTS wrong tries).
CQS_TOTP_ACTIVATION_HOURS = int(os.environ.get("CQS_TOTP_ACTIVATION_HOURS", "72"))
# Reset codes handed over in person (an administrator to an official, the one-stop officer at the counter).
CQS_HANDED_RESET_CODE_HOURS = int(os.environ.get("CQS_HANDED_RESET_CODE_HOURS", "24"))
CQS_PASSWORD_RESET_MINUTES = int(os.environ.get("CQS_PASSWORD_RESET_MINUTES", "15"))
CQS_REGISTRATION_CODE_MINUTES = int(os.environ.get("CQS_REGISTRATION_CODE_MINUTES", "30"))
CQS_CODE_MAX_ATTEMPTS = int(os.environ.get("CQS_CODE_MAX_ATTEMPTS", "5"))
# Requests one address may make per hour: registrations and password-reset requests (0: no limit);
# reset codes one account may be sent per hour.
CQS_REGISTER_RATE_PER_HOUR = int(os.environ.get("CQS_REGISTER_RATE_PER_HOUR", "10"))
CQS_PASSWORD_RESET_RATE_PER_HOUR = int(os.environ.get("CQS_PASSWORD_RESET_RATE_PER_HOUR", "10"))
CQS_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR = int(os.environ.get("CQS_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR", "3"))
# Bearer tokens: the lifetime when none is asked for, and the longest that may be asked for (days).
CQS_API_TOKEN_DAYS = int(os.environ.get("CQS_API_TOKEN_DAYS", "90"))
CQS_API_TOKEN_MAX_DAYS = int(os.environ.get("CQS_API_TOKEN_MAX_DAYS", "365"))
# Officials' sessions end after this many idle minutes and ask the TOTP code again this many hours after it
# was given.
CQS_OFFICIAL_IDLE_MINUTES = int(os.environ.get("CQS_OFFICIAL_IDLE_MINUTES", "30"))
CQS_OFFICIAL_SESSION_HOURS = int(os.environ.get("CQS_OFFICIAL_SESSION_HOURS", "12"))

# VNeID (OpenID Connect) for citizens: enabled only when a client is configured.
VNEID_OIDC = {
    "CLIENT_ID": os.environ.get("VNEID_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("VNEID_CLIENT_SECRET", ""),
    "AUTHORIZATION_ENDPOINT": os.environ.get("VNEID_AUTHORIZATION_ENDPOINT", ""),
    "TOKEN_ENDPOINT": os.environ.get("VNEID_TOKEN_ENDPOINT", ""),
    "USERINFO_ENDPOINT": os.environ.get("VNEID_USERINFO_ENDPOINT", ""),
    "JWKS_ENDPOINT": os.environ.get("VNEID_JWKS_ENDPOINT", ""),
    "SCOPES": os.environ.get("VNEID_SCOPES", "openid profile"),
    "IDENTIFIER_CLAIM": os.environ.get("VNEID_IDENTIFIER_CLAIM", "citizen_id"),
    "ISSUER": os.environ.get("VNEID_ISSUER", ""),
    "REDIRECT_URI": os.environ.get("VNEID_REDIRECT_URI", ""),
    "TOKEN_AUTH_METHOD": os.environ.get("VNEID_TOKEN_AUTH_METHOD", "client_secret_basic"),
}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch's choice outlives the browser session; Accept-Language is never consulted.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "cqs" / "static",
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Media (uploads, signed PDFs, edXML packages): MEDIA_ROOT, or private objects of an S3 bucket (docs/deploy.md).
CQS_MEDIA_STORAGE, _media_storage = env.media_storage()
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Uploads: catalog imports and attachments are bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
CQS_UPLOAD_SCANNER = os.environ.get("CQS_UPLOAD_SCANNER", "")
CQS_TEMPLATE_MAX_BYTES = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HTTPS in production (docs/accounts-security.md): HSTS for a year with subdomains; plain HTTP is redirected
# by Django unless CQS_TLS_REDIRECT_AT_PROXY says the load balancer redirects it itself.
CQS_TLS_REDIRECT_AT_PROXY = env.env_bool("CQS_TLS_REDIRECT_AT_PROXY", default=False)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env.env_str("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_SSL_REDIRECT = not CQS_TLS_REDIRECT_AT_PROXY
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's health probe speaks plain HTTP
# The one deploy check that cannot pass when the proxy, not Django, redirects HTTP to HTTPS.
SILENCED_SYSTEM_CHECKS = ["security.W008"] if CQS_TLS_REDIRECT_AT_PROXY else []
# Content-Security-Policy (cqs.core.headers): where browsers report what it blocked (empty: no reports).
CQS_CSP_REPORT_URI = env.env_str("CQS_CSP_REPORT_URI", "")

# Behind the province's load balancers: their addresses (IPs or networks, comma-separated) and the header
# in which they pass the caller's address. Without them the peer's address is the caller's.
CQS_TRUSTED_PROXIES = env.env_list("CQS_TRUSTED_PROXIES", [])
CQS_CLIENT_IP_HEADER = env.env_str("CQS_CLIENT_IP_HEADER", "X-Forwarded-For")

# The audit log (docs/audit.md): the key of its MACs, never stored in the database; the append-only file
# the chain's head is written to (signed, see CQS_AUDIT_SEAL) at most every CQS_AUDIT_ANCHOR_SECONDS after a
# change and by `manage.py audit_anchor`; callables (dotted paths) that also send each anchor to another system.
CQS_AUDIT_KEY = env.audit_key(production=PRODUCTION, var_dir=VAR_DIR)
CQS_AUDIT_ANCHOR_FILE = Path(env.env_str("CQS_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit" / "anchors.log")))
CQS_AUDIT_ANCHOR_SECONDS = int(env.env_str("CQS_AUDIT_ANCHOR_SECONDS", "300"))
CQS_AUDIT_ANCHOR_SINKS = env.env_list("CQS_AUDIT_ANCHOR_SINKS", [])
# The module that signs each anchor with the platform's certificate and checks it (empty: the MAC alone).
CQS_AUDIT_SEAL = env.env_str("CQS_AUDIT_SEAL", "cqs.signing.audit_seal")

# One cache for every web and worker process: a table in PostgreSQL (created by core's migration 0008), never
# a process's memory, so that what one process caches or forgets the others see (docs/deploy.md).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cqs_cache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The province this installation serves (province code from vietnam-provinces).
CQS_PROVINCE_CODE = int(os.environ.get("CQS_PROVINCE_CODE", "40"))
CQS_SITE_NAME = os.environ.get("CQS_SITE_NAME", "Cổng dịch vụ công")

# Office hours: two periods making the 8 working hours of a working day (Decree 118: 1 day = 8 hours).
CQS_WORKING_PERIODS = os.environ.get("CQS_WORKING_PERIODS", "07:30-11:30,13:30-17:30")

# Officials must confirm a TOTP code after their password (enrolment is forced on first login).
CQS_OFFICIAL_TOTP_REQUIRED = env.env_bool("CQS_OFFICIAL_TOTP_REQUIRED", default=True)

# Dossier codes: two digits of the system owner before the daily sequence ([U]; empty = none).
CQS_DOSSIER_SYSTEM_OWNER = os.environ.get("CQS_DOSSIER_SYSTEM_OWNER", "")
CQS_ATTACHMENT_MAX_BYTES = int(os.environ.get("CQS_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# Email: SMTP in production (EMAIL_HOST…); in development the messages are written under var/mail.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cổng dịch vụ công <khong-tra-loi@localhost>")
# Text messages (cqs.notifications.sms): the operator's gateway class; in development they are written under var/sms.
CQS_SMS_BACKEND = env.env_str(
    "CQS_SMS_BACKEND",
    "cqs.notifications.sms.DisabledSmsBackend" if PRODUCTION else "cqs.notifications.sms.FileSmsBackend",
)
CQS_SMS_FILE_PATH = VAR_DIR / "sms"
# The address citizens reach the portal at, for links in e-mails and the QR codes of electronic results
# (`make demo` sets it to where it serves); required in production.
CQS_PUBLIC_URL = env.env_str("CQS_PUBLIC_URL", None if PRODUCTION else "http://127.0.0.1:8000")

# How many demo dossiers `make demo` creates over the last twelve months.
CQS_DEMO_DOSSIERS = int(os.environ.get("CQS_DEMO_DOSSIERS", "1500"))
CQS_DEMO_DOCUMENTS = int(
    os.environ.get("CQS_DEMO_DOCUMENTS", "150")
)  # incoming documents of the demo (outgoing: a quarter)

# Digital signatures: who holds the private keys (default: stored encrypted in the database) and an
# optional timestamp authority (PAdES B-T; without it, B-B).
CQS_SIGNER_BACKEND = os.environ.get("CQS_SIGNER_BACKEND", "cqs.signing.signers.stored_key_signer")
CQS_TSA_URL = os.environ.get("CQS_TSA_URL", "")
# Seconds a remote signer (CQS_SIGNER_BACKEND) or the TSA may take before signing gives up with an
# error and nothing signed.
CQS_SIGNING_TIMEOUT = float(env.env_str("CQS_SIGNING_TIMEOUT", "30"))
CQS_TSA_TIMEOUT = float(env.env_str("CQS_TSA_TIMEOUT", "10"))

# Reading the text of an uploaded PDF for search runs in a child process with these limits (seconds
# of CPU, the wait at most twice that plus one; megabytes of memory); a file past them is kept
# without its text, the reason recorded.
CQS_TEXT_EXTRACTION_SECONDS = int(env.env_str("CQS_TEXT_EXTRACTION_SECONDS", "5"))
CQS_TEXT_EXTRACTION_MEMORY_MB = int(env.env_str("CQS_TEXT_EXTRACTION_MEMORY_MB", "512"))

# edXML exchange between agencies (QCVN 102:2016): the largest package taken, the HTTP timeout of a
# send (seconds), how many times a failed send is retried (with backoff) and whether a package is
# sent by a job deferred with the transaction that queued it (else by the relay the worker runs every minute).
CQS_EXCHANGE_MAX_BYTES = int(env.env_str("CQS_EXCHANGE_MAX_BYTES", str(40 * 1024 * 1024)))
CQS_EXCHANGE_TIMEOUT = float(env.env_str("CQS_EXCHANGE_TIMEOUT", "10"))
CQS_EXCHANGE_MAX_ATTEMPTS = int(env.env_str("CQS_EXCHANGE_MAX_ATTEMPTS", "10"))
CQS_EXCHANGE_RELAY_ON_COMMIT = env.env_bool("CQS_EXCHANGE_RELAY_ON_COMMIT", default=True)
# The background worker (Procrastinate, docs/worker.md): jobs are rows of this database, deferred through
# Django's own connection inside the transaction of the change that needs them; `manage.py procrastinate worker`
# runs them. Finished jobs are deleted; failed ones stay for the administrator's page.
PROCRASTINATE_ON_APP_READY = "cqs.core.jobs.on_app_ready"
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}
# A worker writes a heartbeat every CQS_WORKER_HEARTBEAT_SECONDS; the jobs left "doing" by a worker silent for
# CQS_WORKER_STALLED_SECONDS (killed, machine lost) are put back in the queue by the job `core.jobs_stalled_retry`.
CQS_WORKER_HEARTBEAT_SECONDS = float(env.env_str("CQS_WORKER_HEARTBEAT_SECONDS", "10"))
CQS_WORKER_STALLED_SECONDS = float(env.env_str("CQS_WORKER_STALLED_SECONDS", "30"))
# Messages one address may post to the edXML endpoint in a minute, counted by each web process (0: no limit).
CQS_EXCHANGE_RATE_PER_MINUTE = int(env.env_str("CQS_EXCHANGE_RATE_PER_MINUTE", "600"))
# Public dossier look-ups (/tra-cuu-ho-so/ and /api/v1/dossiers/lookup/) one address may make in a minute,
# both counted together across every process (0: no limit): a person checks a few codes, a script walking
# the codes of a day is stopped with 429 and Retry-After.
CQS_LOOKUP_RATE_PER_MINUTE = int(env.env_str("CQS_LOOKUP_RATE_PER_MINUTE", "30"))

# Backups (docs/backup.md): where `make backup` writes its files.
BACKUP_DIR = Path(env.env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
# How long an API write's Idempotency-Key is remembered (hours; docs/api.md).
CQS_IDEMPOTENCY_HOURS = int(env.env_str("CQS_IDEMPOTENCY_HOURS", "24"))
