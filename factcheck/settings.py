"""Settings for the claim tracker, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env (written by `make run` for the quickstart, ignored by git) fills in what the
# environment does not set; the environment always wins.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set: a forgotten variable must never mean a debug server in production.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdefghijklmnop"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "integrations",
    "claims",
    "feeds",
    "snapshots",
    "webhooks",
    "digests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view whose database or Redis went away answers 503 with Retry-After (factcheck.unavailable).
    "factcheck.unavailable.ServiceUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "claims.dashboard.no_role.NoRoleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "factcheck.content_security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claims.dashboard.nav.worklists",
            ],
        },
    },
]

_env = environ.Env()
DATABASES = {
    "default": _env.db_url_config(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
# A persistent connection that PostgreSQL dropped (a restart, a failover) is replaced before
# the next request uses it, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout lets the eager worker and the web process share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Security. TLS ends at the proxy, so HTTPS redirects and secure cookies have
# their own switches and stay off by default, even with DEBUG=0.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Email
_email = _env.email_url_config(env_str("EMAIL_URL", "consolemail://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "factcheck@localhost")

# --- Celery. Without REDIS_URL tasks run eagerly in-process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it finishes, and a task whose worker process died
# goes back to the queue: nothing is lost, and the per-article attempt counter
# (EXTRACTION_MAX_ATTEMPTS) stops a task that kills its worker from looping.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_MAX_TASKS_PER_CHILD", 1000)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_MAX_MEMORY_PER_CHILD_KB", 1_500_000)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "factcheck")
# One queue per kind of work, so each can get its own workers
# (`celery -A factcheck worker -Q extraction`); a worker started without -Q serves them all.
TASK_QUEUE_NAMES = (
    CELERY_TASK_DEFAULT_QUEUE,
    "extraction",
    "events",
    "webhooks",
    "email",
    "feeds",
    "maintenance",
)
CELERY_TASK_ROUTES = {
    "claims.tasks.extract_article": {"queue": "extraction"},
    "claims.tasks.dispatch_events": {"queue": "events"},
    "claims.tasks.*": {"queue": "maintenance"},
    "webhooks.tasks.*": {"queue": "webhooks"},
    "digests.tasks.*": {"queue": "email"},
    "feeds.tasks.*": {"queue": "feeds"},
    "snapshots.tasks.*": {"queue": "feeds"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Extraction of the largest accepted article takes seconds; the limits stop a
# pathological one from pinning a worker. The hard limit kills the process.
EXTRACTION_SOFT_TIME_LIMIT = env_int("EXTRACTION_SOFT_TIME_LIMIT", 120)
EXTRACTION_TIME_LIMIT = env_int("EXTRACTION_TIME_LIMIT", 150)
# Deliveries of one article revision's extraction (retries and redeliveries after a
# killed worker included) before the article is failed with the reason.
EXTRACTION_MAX_ATTEMPTS = env_int("EXTRACTION_MAX_ATTEMPTS", 5)
# Articles pending or running for longer than this are swept back into the queue.
EXTRACTION_STALE_SECONDS = env_int("EXTRACTION_STALE_SECONDS", 600)
# A message a dead worker held is redelivered after this many seconds. It must
# exceed the longest task (the hard time limit) and the longest retry countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", max(300, 2 * EXTRACTION_TIME_LIMIT)),
    # Workers look for such messages every 10 s; kombu's default scans only every
    # tenth look (about 100 s), a delay on top of the timeout for one cheap query.
    "unacked_restore_throttle": 1,
}
# A queued extraction's lease (claims.background): while it lives the sweeper leaves the
# pending article alone, its message waiting in the queue. It outlives the visibility
# timeout, and the staleness with a sweep to spare, so the sweeper finds it alive (and
# renews it) the first time it looks at the article.
EXTRACTION_LEASE_SECONDS = env_int(
    "EXTRACTION_LEASE_SECONDS",
    max(CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"], 2 * EXTRACTION_STALE_SECONDS),
)
CELERY_BEAT_SCHEDULE = {
    "reextract-outdated-articles": {
        "task": "claims.tasks.reextract_outdated",
        "schedule": 15 * 60.0,
    },
    "refresh-queue-priorities": {
        "task": "claims.tasks.refresh_priorities",
        "schedule": 30 * 60.0,
    },
    # Delivers any event whose after-commit dispatch was lost (see claims.events).
    "sweep-event-log": {
        "task": "claims.tasks.dispatch_events",
        "schedule": 60.0,
    },
    # Re-queues articles whose extraction was lost or died (see claims.sweeper).
    "sweep-stale-articles": {
        "task": "claims.tasks.sweep_stale_articles",
        "schedule": 60.0,
    },
}

# --- Outbound HTTP (feeds, evidence snapshots, webhooks)
# Development and tests only: lets the server fetch loopback and private addresses.
ALLOW_PRIVATE_URLS = env_bool("ALLOW_PRIVATE_URLS", False)

# --- API
MAX_ARTICLE_BYTES = env_int("MAX_ARTICLE_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_ARTICLE_BYTES + 64 * 1024
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "integrations.permissions.HasRole",
        "integrations.permissions.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations.throttling.KeyOrUserRateThrottle",
        "integrations.throttling.SimilarRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# --- Throttling and API keys (see README, "API keys")
_RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


def _env_rate(name: str, default: str) -> str:
    """A DRF rate such as 600/min; anything else stops the server at startup."""
    value = env_str(name, default).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(f"{name} must look like 600/min (per s, min, hour or day), got {value!r}")
    return value


# Per API key and per logged-in person; generous enough that no test or desk hits it by accident.
API_THROTTLE_RATE = _env_rate("API_THROTTLE_RATE", "600/min")
# /api/v1/claims/similar/ runs the embedding model on every call.
API_SIMILAR_THROTTLE_RATE = _env_rate("API_SIMILAR_THROTTLE_RATE", "60/min")
# After rotateapitoken the previous key keeps working this long, so the CMS can switch over.
ROTATION_GRACE_HOURS = env_int("ROTATION_GRACE_HOURS", 24)
# Password guessing: this many failed logins for one username or from one address lock it for the cool-off.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AUTHENTICATION_BACKENDS = ["integrations.login_guard.LockoutModelBackend"]
# Throttle and lockout counters live in the cache, so every web process shares them when Redis is there.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "factcheck-cache",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claim tracker API",
    "DESCRIPTION": "Articles in, check-worthy claims out, and the review workflow of a fact-check desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers (one body, see claims.api.schema_errors).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.api.schema_errors.add_error_responses",
    ],
    # Fields with the same name and different choices get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "VerdictStateEnum": "claims.models.Verdict.State",
        "VerdictEnum": "claims.models.Verdict.Value",
        "ReextractionJobStateEnum": "claims.models.ReextractionJob.State",
        "ArticleFormatEnum": "claims.models.Article.Format",
    },
}

# --- Product behaviour
REQUIRE_SECOND_REVIEW = env_bool("REQUIRE_SECOND_REVIEW", True)
# The organisation named as author of exported ClaimReview; the site's host name when empty.
FACTCHECK_PUBLISHER = env_str("FACTCHECK_PUBLISHER", "")
# Claim matching (claims/matching.py). Chosen on the seed articles' cross-outlet sentence
# pairs: every pair stating the same claim scored >= 0.84 and no two different claims above
# 0.74, so merges start in the middle of that gap; the same claim reworded by another outlet
# scored down to 0.61 and unrelated pairs up to 0.55, where suggestions start.
MATCH_AUTO_THRESHOLD = env_float("MATCH_AUTO_THRESHOLD", 0.80)
MATCH_SUGGEST_THRESHOLD = env_float("MATCH_SUGGEST_THRESHOLD", 0.55)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "kombu": {"level": "ERROR"},
        # A line per outbound request (every webhook sent) costs the workers more than it tells:
        # deliveries keep their own record, and failures are logged by webhooks.delivery.
        "httpx": {"level": "WARNING"},
    },
}

# --- Feeds and evidence snapshots
# Every server-side fetch (factcheck/outbound.py) is bounded in time and size;
# ALLOW_PRIVATE_URLS above decides whether it may reach private addresses.
OUTBOUND_CONNECT_TIMEOUT = env_float("OUTBOUND_CONNECT_TIMEOUT", 5.0)
OUTBOUND_READ_TIMEOUT = env_float("OUTBOUND_READ_TIMEOUT", 15.0)
OUTBOUND_TOTAL_TIMEOUT = env_float("OUTBOUND_TOTAL_TIMEOUT", 60.0)
OUTBOUND_MAX_BYTES = env_int("OUTBOUND_MAX_BYTES", 5 * 1024 * 1024)
# Poll interval of a feed added without one.
FEED_POLL_MINUTES = env_int("FEED_POLL_MINUTES", 15)
# One poll takes at most this many new entries and stops starting new ones after
# the budget; the rest wait for the next poll, so one busy feed cannot hold a worker.
FEED_MAX_ENTRIES_PER_POLL = env_int("FEED_MAX_ENTRIES_PER_POLL", 30)
FEED_POLL_BUDGET_SECONDS = env_int("FEED_POLL_BUDGET_SECONDS", 240)
# Polls that try an entry whose page timed out or failed before it is given up.
FEED_ENTRY_MAX_ATTEMPTS = env_int("FEED_ENTRY_MAX_ATTEMPTS", 3)
# Pending evidence snapshots untouched for this long are queued again.
SNAPSHOT_RETRY_MINUTES = env_int("SNAPSHOT_RETRY_MINUTES", 10)
# The snapshot's state gets its own name in the OpenAPI schema, apart from other "state" fields.
_enum_names = SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
assert isinstance(_enum_names, dict)
_enum_names["SnapshotStateEnum"] = "snapshots.models.EvidenceSnapshot.State"
CELERY_BEAT_SCHEDULE["poll-due-feeds"] = {"task": "feeds.tasks.poll_due_feeds", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["sweep-pending-snapshots"] = {
    "task": "snapshots.tasks.sweep_pending_snapshots",
    "schedule": 5 * 60.0,
}

# --- Webhooks
# One attempt waits at most this long for the receiver (connect, send and answer).
WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", 10.0)
# Waits before each retry (seconds, jittered by 20%): 30 s, 2 min, 10 min, 1 h, 6 h, 1 day.
WEBHOOK_RETRY_SCHEDULE = (30, 120, 600, 3600, 6 * 3600, 24 * 3600)
# A receiver's Retry-After is honoured up to this many seconds.
WEBHOOK_MAX_RETRY_AFTER = env_int("WEBHOOK_MAX_RETRY_AFTER", 24 * 3600)
# An endpoint whose attempts have all failed for this long is disabled and the admins are emailed.
WEBHOOK_DISABLE_AFTER_HOURS = env_int("WEBHOOK_DISABLE_AFTER_HOURS", 72)
_enum_names["WebhookDeliveryStateEnum"] = "webhooks.models.WebhookDelivery.State"
# Deliveries go out per endpoint in batches (webhooks/drain.py): this many claimed at once, sent this
# many at a time, for up to this many seconds before the drain queues itself again and lets the
# other endpoints have the worker. A queued drain holds its endpoint's lease this long at most.
WEBHOOK_DRAIN_BATCH = env_int("WEBHOOK_DRAIN_BATCH", 100)
WEBHOOK_DRAIN_CONCURRENCY = env_int("WEBHOOK_DRAIN_CONCURRENCY", 8)
WEBHOOK_DRAIN_SECONDS = env_float("WEBHOOK_DRAIN_SECONDS", 20.0)
WEBHOOK_DRAIN_LEASE_SECONDS = env_int("WEBHOOK_DRAIN_LEASE_SECONDS", 60)
CELERY_BEAT_SCHEDULE["send-due-webhooks"] = {"task": "webhooks.tasks.send_due_deliveries", "schedule": 60.0}

# --- Digests and notifications
# A claim in review for longer than this is in its assignee's digest as a reminder.
REVIEW_STALE_DAYS = env_int("REVIEW_STALE_DAYS", 3)
# Instant notifications are gathered for this long, so a person gets at most one email per window.
NOTIFY_BATCH_MINUTES = env_int("NOTIFY_BATCH_MINUTES", 15)
# How many items each section of a digest lists (the counts at the top cover them all).
DIGEST_TOP_N = env_int("DIGEST_TOP_N", 5)
# Retries of an email the mail server could not take for now (4xx, connection errors), with backoff.
EMAIL_SEND_RETRIES = env_int("EMAIL_SEND_RETRIES", 5)
# The first retry's wait in seconds; each next one waits twice as long (jittered, at most 4 minutes).
EMAIL_RETRY_BASE_SECONDS = env_float("EMAIL_RETRY_BASE_SECONDS", 15.0)
# Where the mailto: of List-Unsubscribe goes; the address of DEFAULT_FROM_EMAIL when empty.
DIGEST_UNSUBSCRIBE_MAILTO = env_str("DIGEST_UNSUBSCRIBE_MAILTO", "")
# Digests are due at each subscriber's own hour; beat looks every 15 minutes (digests.schedule).
CELERY_BEAT_SCHEDULE["send-due-digests"] = {"task": "digests.tasks.send_due_digests", "schedule": 15 * 60.0}
CELERY_BEAT_SCHEDULE["send-due-notifications"] = {
    "task": "digests.tasks.send_due_notifications",
    "schedule": 60.0,
}
_enum_names["DigestFrequencyEnum"] = "digests.models.DigestSubscription.Frequency"
# A digest's kinds filter lists the same kinds as a claim's kind: one enum in the schema.
_enum_names["KindEnum"] = "claims.models.Claim.Kind"
