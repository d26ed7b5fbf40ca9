"""Settings for YSJ Portal.

Every value comes from an environment variable (documented in README.md). With nothing but the
secrets set (SECRET_KEY, YSJ_DATA_KEY; ``make demo`` generates its own) the project runs on SQLite
under ``var/`` with Celery tasks executed inline, so it works on a bare machine; production sets
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ysj_portal import secrets_env
from ysj_protocol.contrib.observability import logging_config
from ysj_protocol.envvars import env_bool, env_float, env_int, env_list, env_path, env_str
from ysj_protocol.keyfiles import private_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("YSJ_VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
# With DEBUG off both secrets must come from the environment (make demo generates its own,
# ysj_portal.secrets_env); a public fallback would let anyone forge sessions and read stored
# identity numbers. With DEBUG on, the development key; `check --deploy` refuses it.
SECRET_KEY = secrets_env.require("SECRET_KEY", env_str("SECRET_KEY"), debug=DEBUG) or secrets_env.DEVELOPMENT_SECRET_KEY
# 32 hex digits (SM4 key) protecting stored identity and phone numbers (trust.protect).
YSJ_DATA_KEY = secrets_env.require("YSJ_DATA_KEY", env_str("YSJ_DATA_KEY"), debug=DEBUG)
if YSJ_DATA_KEY:
    YSJ_DATA_KEY = secrets_env.check_data_key(YSJ_DATA_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Admin login lockout; before ysj_portal, whose admin module replaces axes' attempts page.
    "axes",
    "ysj_portal",
    "trust",
    "catalog",
    "scenarios",
    "sharing",
    "notices",
    "notifications",
    "evidence",
    "dashboard",
]

MIDDLEWARE = [
    "ysj_protocol.contrib.observability.RequestIDMiddleware",
    "ysj_portal.middleware.MetricsMiddleware",
    "ysj_portal.middleware.HubEnvelopeGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out admin login into the lockout page (ysj_portal.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ysj_portal.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "ysj_portal.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ysj_portal.sqlite3'}")
# Connections are kept between requests; each request's first query checks its connection first
# (a cheap round trip), so one killed by the server (restart, failover, pg_terminate_backend) is
# replaced instead of failing the request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))  # identity data: owner only (mode 600)
    # Concurrent writers (runserver threads, inline tasks) wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The server ends a session left idle inside a transaction (a hung or half-dead process) after
    # this many seconds, and its row locks (publishing locks every region's channel) go with it.
    _idle_in_transaction = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT", 60)
    if _idle_in_transaction > 0:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c idle_in_transaction_session_timeout={_idle_in_transaction * 1000}"
        ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin logins (django-axes): after YSJ_ADMIN_LOGIN_FAILURE_LIMIT wrong passwords for one account
# from one address, that account is refused from that address for YSJ_ADMIN_LOGIN_COOLOFF_MINUTES
# (each further try restarts the wait); other addresses are not affected. Region administrators
# and superusers lift a lock in the admin (登录锁定, ysj_portal.admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("YSJ_ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("YSJ_ADMIN_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page (templates/security/login_locked.html): in Chinese, saying how long to wait.
AXES_LOCKOUT_CALLABLE = "ysj_portal.lockout.lockout_response"
# The same client address as everywhere else (YSJ_CLIENT_IP_HEADER behind a reverse proxy).
AXES_CLIENT_IP_CALLABLE = "trust.services.client_ip"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，该账户已暂时锁定，请稍后再试或联系管理员解锁。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，该账户已锁定，请联系管理员解锁。"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
# Static files (admin, offline API docs) are served by WhiteNoise, from the app folders when
# collectstatic has not been run (development, tests, demo).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers. Production is served over TLS (YSJ_TLS=1, README "Production"): HTTPS only,
# secure cookies and a year of HSTS for the hub's host name and its subdomains, so that
# ``check --deploy`` passes with no warning; each setting may still be set on its own. The health
# and metrics answers stay reachable over plain HTTP for the load balancer and the scraper.
YSJ_TLS = env_bool("YSJ_TLS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", YSJ_TLS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", YSJ_TLS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", YSJ_TLS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if YSJ_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", YSJ_TLS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", YSJ_TLS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
X_FRAME_OPTIONS = "DENY"

# Envelope bodies carry whole certificate files (12.1.10); the limit is documented in README.
YSJ_ENVELOPE_MAX_BYTES = env_int("YSJ_ENVELOPE_MAX_BYTES", 24 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = YSJ_ENVELOPE_MAX_BYTES
# "head": envelope answers are HTTP 200, the outcome in head.status (12.1.2); "mapped": each status
# code's own HTTP status. Refusals before any envelope is read (method, media type, size) keep theirs.
YSJ_ENVELOPE_HTTP_STATUS = env_str("YSJ_ENVELOPE_HTTP_STATUS", "head").strip().lower()
if YSJ_ENVELOPE_HTTP_STATUS not in {"head", "mapped"}:
    raise ImproperlyConfigured("环境变量 YSJ_ENVELOPE_HTTP_STATUS 应为 head 或 mapped")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "长三角电子证照融合共享服务接口",
    "DESCRIPTION": (
        "第 12 章接口。所有接口均为 POST，请求体为 SM2 加密信封 "
        "{\"head\": {\"accountId\", \"accessToken\"}, \"encryptData\"}，"
        "响应为 {\"head\": {\"status\", \"message\"}, \"encryptData\"}。"
        "各接口文档中的请求与响应为 encryptData 解密后的业务参数。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each operation lists the head.status codes it can answer (trust.envelope.schema.ENDPOINT_STATUSES).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "trust.envelope.schema.postprocess_statuses",
    ],
}

# The hub's own SM2 key pair: never in the database, never shown in the admin.
YSJ_HUB_ACCOUNT_ID = env_str("YSJ_HUB_ACCOUNT_ID", "ysj-hub")
YSJ_HUB_PRIVATE_KEY = env_str("YSJ_HUB_PRIVATE_KEY")
YSJ_HUB_KEY_FILE = env_path("YSJ_HUB_KEY_FILE", VAR_DIR / "keys" / "hub.key")
# Fused search fan-out and region calls.
YSJ_REGION_TIMEOUT = env_float("YSJ_REGION_TIMEOUT", 3.0)
# A region that fails this many calls in a row (timeout, no connection) is skipped for the cool-down
# (seconds) and probed in the background (sharing.regions; per hub process).
YSJ_REGION_BREAKER_FAILURES = env_int("YSJ_REGION_BREAKER_FAILURES", 3)
YSJ_REGION_BREAKER_COOLDOWN = env_float("YSJ_REGION_BREAKER_COOLDOWN", 30.0)
# Public base URL of the hub, used in signed download addresses (12.1.6, 12.1.7).
YSJ_PUBLIC_BASE_URL = env_str("YSJ_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Sharing services (12.1.5-12.1.10): certificate IDs, download addresses, fan-out, holder digests.
YSJ_CERTIFICATE_ID_TTL = env_int("YSJ_CERTIFICATE_ID_TTL", 600)
YSJ_FILE_URL_TTL = env_int("YSJ_FILE_URL_TTL", 300)
YSJ_FANOUT_THREADS = env_int("YSJ_FANOUT_THREADS", 32)
# Longest age of a cached registry read (callers, regions, scenario lists; trust.registry); 0: no cache.
YSJ_REGISTRY_CACHE_SECONDS = env_int("YSJ_REGISTRY_CACHE_SECONDS", 60)
YSJ_HOLDER_KEY_SECRET = env_str("YSJ_HOLDER_KEY_SECRET")
# Holder notices (notices/, 8.4): kept this many days, then purged; the contact each notice names;
# the holder page's attempts per client address within the window (seconds).
YSJ_NOTICE_RETENTION_DAYS = env_int("YSJ_NOTICE_RETENTION_DAYS", 3 * 365)
YSJ_NOTICE_CONTACT = env_str("YSJ_NOTICE_CONTACT", "12345政务服务便民热线")
YSJ_NOTICE_PAGE_ATTEMPTS = env_int("YSJ_NOTICE_PAGE_ATTEMPTS", 10)
YSJ_NOTICE_PAGE_WINDOW = env_int("YSJ_NOTICE_PAGE_WINDOW", 600)

# Trust service (trust/): token lifetimes, the data key protecting identity numbers, rate limits.
YSJ_ACCESS_TOKEN_TTL = env_int("YSJ_ACCESS_TOKEN_TTL", 7200)
YSJ_HOLDER_TOKEN_TTL = env_int("YSJ_HOLDER_TOKEN_TTL", 1800)
# YSJ_DATA_KEY, the data key protecting identity numbers, is read with SECRET_KEY at the top.
YSJ_SERVICE_CODE_SKEW = env_int("YSJ_SERVICE_CODE_SKEW", 60)
YSJ_REGISTER_FAILURE_WINDOW = env_int("YSJ_REGISTER_FAILURE_WINDOW", 900)
YSJ_REGISTER_MAX_FAILURES_PER_APP = env_int("YSJ_REGISTER_MAX_FAILURES_PER_APP", 5)
YSJ_REGISTER_MAX_FAILURES_PER_IP = env_int("YSJ_REGISTER_MAX_FAILURES_PER_IP", 20)
# The first lock after the free failures; each further one doubles, up to the maximum (trust.throttle).
YSJ_REGISTER_LOCK_SECONDS = env_int("YSJ_REGISTER_LOCK_SECONDS", 60)
YSJ_REGISTER_LOCK_MAX_SECONDS = env_int("YSJ_REGISTER_LOCK_MAX_SECONDS", 86400)
# The request header carrying the client address behind a reverse proxy, e.g. X-Real-IP.
YSJ_CLIENT_IP_HEADER = env_str("YSJ_CLIENT_IP_HEADER")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "ysj")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down or silent must not hold anyone for long: no publish retries, short connect
# and socket timeouts (the outbox sweeper re-queues what could not be sent). The socket timeout
# stays above the workers' one-second BRPOP.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 5.0),
}

# Publication outbox (catalog.delivery): retries with exponential backoff, a periodic sweeper.
YSJ_PUBLICATION_RETRY_BASE_SECONDS = env_float("YSJ_PUBLICATION_RETRY_BASE_SECONDS", 5.0)
YSJ_PUBLICATION_RETRY_MAX_SECONDS = env_float("YSJ_PUBLICATION_RETRY_MAX_SECONDS", 600.0)
# Short, and renewed by a heartbeat while a run lasts: a killed worker's region is free again within it.
YSJ_PUBLICATION_LEASE_SECONDS = env_float("YSJ_PUBLICATION_LEASE_SECONDS", 15.0)
# With the lease, bounds how long a killed worker's region waits: lease + sweep, about 20 s.
YSJ_PUBLICATION_SWEEP_SECONDS = env_float("YSJ_PUBLICATION_SWEEP_SECONDS", 5.0)
# The evidence log (evidence app): integrated in batches every few seconds by one integrator
# (Celery beat; without a broker YSJ_EVIDENCE_INTEGRATOR_THREAD runs it on a thread of the web
# process, or ``manage.py run_integrator``), checkpoints signed with the hub's key under the origin
# (empty: ysj_protocol.tlog.note.DEFAULT_ORIGIN), cosigned by the regions' witnesses.
YSJ_EVIDENCE_ORIGIN = env_str("YSJ_EVIDENCE_ORIGIN", "")
YSJ_EVIDENCE_INTEGRATE_SECONDS = env_float("YSJ_EVIDENCE_INTEGRATE_SECONDS", 2.0)
YSJ_EVIDENCE_BATCH_SIZE = env_int("YSJ_EVIDENCE_BATCH_SIZE", 5000)
YSJ_EVIDENCE_INTEGRATOR_THREAD = env_bool("YSJ_EVIDENCE_INTEGRATOR_THREAD", False)
YSJ_EVIDENCE_WITNESS_TIMEOUT = env_float("YSJ_EVIDENCE_WITNESS_TIMEOUT", 3.0)
YSJ_EVIDENCE_WITNESS_QUORUM = env_int("YSJ_EVIDENCE_WITNESS_QUORUM", 1)
# The admin points out a checkpoint still lacking a region's cosignature after this long.
YSJ_EVIDENCE_WITNESS_DELAY_SECONDS = env_int("YSJ_EVIDENCE_WITNESS_DELAY_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    "integrate-evidence-log": {"task": "evidence.integrate_log", "schedule": YSJ_EVIDENCE_INTEGRATE_SECONDS},
    "sweep-publication-outbox": {"task": "catalog.sweep_publications", "schedule": YSJ_PUBLICATION_SWEEP_SECONDS},
    "purge-expired-trust-records": {"task": "trust.purge_expired", "schedule": 3600.0},
    "purge-old-holder-notices": {"task": "notices.purge_expired", "schedule": 3600.0},
    "sweep-notification-emails": {"task": "notifications.sweep_emails", "schedule": 300.0},
}

# E-mail copies of notifications (notifications.tasks): the console backend unless configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ysj-portal@localhost")
# A copy failing transiently (unreachable server, timeout, 4xx) is tried again after the base wait,
# doubling up to the cap, at most this many times in all (notifications.mailing).
YSJ_NOTIFICATION_EMAIL_ATTEMPTS = env_int("YSJ_NOTIFICATION_EMAIL_ATTEMPTS", 5)
YSJ_NOTIFICATION_EMAIL_RETRY_BASE_SECONDS = env_float("YSJ_NOTIFICATION_EMAIL_RETRY_BASE_SECONDS", 60.0)
YSJ_NOTIFICATION_EMAIL_RETRY_MAX_SECONDS = env_float("YSJ_NOTIFICATION_EMAIL_RETRY_MAX_SECONDS", 1800.0)

# /metrics (ysj_portal.metrics): for a scraper presenting this bearer token, or from these networks.
YSJ_METRICS_TOKEN = env_str("YSJ_METRICS_TOKEN")
YSJ_METRICS_ALLOWED_NETWORKS = env_list("YSJ_METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# One JSON line per event (LOG_FORMAT=plain for a terminal), each with the request ID of the call
# it belongs to; identity and mobile numbers are masked in every line (ysj_protocol.logmask).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_config(
    level=LOG_LEVEL,
    json_lines=LOG_FORMAT != "plain",
    filters={"mask_identifiers": {"()": "ysj_protocol.logmask.MaskIdentifiersFilter"}},
    static_fields={"service": "hub"},
)
