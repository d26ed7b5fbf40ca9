"""Settings of one regional node, all from environment variables (README, "The reference regional node").

One process serves one region (``NODE_REGION``). With nothing else set it keeps its SQLite
database, key and certificate files under ``var/nodes/<region>/`` and ``var/keys/nodes/``.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol import regions
from ysj_protocol.contrib.observability import logging_config
from ysj_protocol.envvars import env_bool, env_float, env_int, env_list, env_path, env_str
from ysj_protocol.keyfiles import private_file
from ysj_protocol.tlog.note import DEFAULT_ORIGIN

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("YSJ_VAR_DIR", BASE_DIR / "var")

#: The parties a node may serve: code -> (name, division code), from the one table.
REGIONS = {info.code: (info.name, info.division_code) for info in regions.REGIONS}

NODE_REGION = env_str("NODE_REGION", "SH").strip().upper()
if NODE_REGION not in REGIONS:
    raise ImproperlyConfigured(f"NODE_REGION must be one of {', '.join(REGIONS)}, not {NODE_REGION!r}")
NODE_REGION_NAME, NODE_DIVISION_CODE = REGIONS[NODE_REGION]

NODE_DATA_DIR = env_path("NODE_DATA_DIR", VAR_DIR / "nodes" / NODE_REGION.lower())
NODE_FILE_ROOT = NODE_DATA_DIR / "files"
NODE_PRIVATE_KEY = env_str("NODE_PRIVATE_KEY")
NODE_KEY_FILE = env_path("NODE_KEY_FILE", VAR_DIR / "keys" / "nodes" / f"{NODE_REGION.lower()}.key")
# The hub: the only caller of the provider endpoints and the signer of publications.
NODE_HUB_PUBLIC_KEY = env_str("NODE_HUB_PUBLIC_KEY")
NODE_HUB_ACCOUNT_ID = env_str("NODE_HUB_ACCOUNT_ID", "ysj-hub")
# The shared trust service, whose grants every provider call must carry (10.1 d); it runs in the hub.
NODE_TRUST_PUBLIC_KEY = env_str("NODE_TRUST_PUBLIC_KEY") or NODE_HUB_PUBLIC_KEY
# Our own accountId when we call the region's application systems (publication forwarding).
NODE_ACCOUNT_ID = env_str("NODE_ACCOUNT_ID", f"region-{NODE_REGION.lower()}")
# The hub's base URL, where the node relays its own applications' section-12 calls (/ysj/...).
NODE_HUB_URL = env_str("NODE_HUB_URL").rstrip("/")
NODE_HUB_TIMEOUT = env_float("NODE_HUB_TIMEOUT", 60.0)
# Largest relayed request (12.1.10 carries a whole certificate file), as the hub's own limit.
NODE_RELAY_MAX_BYTES = env_int("NODE_RELAY_MAX_BYTES", 24 * 1024 * 1024)
# Base of the download addresses handed to the hub; empty: taken from the request.
NODE_PUBLIC_URL = env_str("NODE_PUBLIC_URL").rstrip("/")
NODE_TICKET_SECONDS = env_int("NODE_TICKET_SECONDS", 60)
NODE_FORWARD_TIMEOUT = env_float("NODE_FORWARD_TIMEOUT", 5.0)
NODE_FORWARD_MAX_ATTEMPTS = env_int("NODE_FORWARD_MAX_ATTEMPTS", 8)
NODE_FORWARD_SWEEP_SECONDS = env_float("NODE_FORWARD_SWEEP_SECONDS", 2.0)
# Answer only under scenario lists published to this region, with their types (7.3 a, 10.2 b).
NODE_ENFORCE_SCENARIOS = env_bool("NODE_ENFORCE_SCENARIOS", False)
# gunicorn worker processes of `serve` (each with its threads); SM2 work is CPU-bound.
NODE_WORKERS = env_int("NODE_WORKERS", 2)
# Facilities for demos and drills; never on in production.
NODE_DRILLS = env_bool("NODE_DRILLS", False)
NODE_SERVICE_CODES = env_bool("NODE_SERVICE_CODES", False)
NODE_SERVICE_CODE_SECONDS = env_int("NODE_SERVICE_CODE_SECONDS", 300)
# The hub's evidence log this node witnesses (its origin line, also the hub's key name), and the
# check that the calls this node served are in it: every CHECK seconds (`check_evidence --loop`),
# calls older than GRACE seconds; one still not found after MISSING seconds is shown as missing,
# and after GIVE_UP seconds it is no longer looked for.
NODE_EVIDENCE_ORIGIN = env_str("NODE_EVIDENCE_ORIGIN") or DEFAULT_ORIGIN
NODE_EVIDENCE_CHECK_SECONDS = env_float("NODE_EVIDENCE_CHECK_SECONDS", 60.0)
NODE_EVIDENCE_GRACE_SECONDS = env_float("NODE_EVIDENCE_GRACE_SECONDS", 30.0)
NODE_EVIDENCE_MISSING_SECONDS = env_float("NODE_EVIDENCE_MISSING_SECONDS", 3600.0)
NODE_EVIDENCE_GIVE_UP_SECONDS = env_float("NODE_EVIDENCE_GIVE_UP_SECONDS", 86400.0)

DEBUG = env_bool("NODE_DEBUG", False)
# Signs the node admin's sessions: with NODE_DEBUG off it must come from the environment
# (NODE_SECRET_KEY, or SECRET_KEY when the node has its own host); `make demo` generates one.
SECRET_KEY = env_str("NODE_SECRET_KEY") or env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "未设置环境变量 NODE_SECRET_KEY：NODE_DEBUG 关闭时必须在环境中提供（见 README；本机演示请使用 make demo）"
        )
    SECRET_KEY = "insecure-node-development-key-set-NODE_SECRET_KEY"  # noqa: S105 - NODE_DEBUG only
ALLOWED_HOSTS = env_list("NODE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("NODE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "regional_node.certificates",
    "regional_node.exchange",
    "regional_node.relay",
    "regional_node.witness",
]

MIDDLEWARE = [
    "ysj_protocol.contrib.observability.RequestIDMiddleware",
    "regional_node.middleware.NodeEnvelopeGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "regional_node.drills.DrillMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "regional_node.urls"
WSGI_APPLICATION = "regional_node.wsgi.application"

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
    },
]

NODE_DATABASE_URL = env_str("NODE_DATABASE_URL", f"sqlite:///{NODE_DATA_DIR / 'node.sqlite3'}")
# Seconds a request thread keeps its database connection (0: a new one per request). SQLite too:
# opening a connection (PRAGMAs) and closing it (with WAL, the last close checkpoints) cost more
# than a search's queries. Threads that end (forwarding) close theirs; see forwarding.py.
# Kept connections are checked at the first query of each request (NODE_DB_CONN_HEALTH_CHECKS), so
# a connection the database server dropped is replaced rather than failing that request.
DATABASES = {
    "default": dj_database_url.parse(
        NODE_DATABASE_URL,
        conn_max_age=env_int("NODE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("NODE_DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))  # holders' data: owner only (mode 600)
    # Request threads and the forwarder write concurrently: wait for the lock instead of failing.
    # WAL lets reads proceed during a write and makes each small write (call log, disclosures)
    # cheap; NORMAL synchronisation stays durable across a process crash.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("NODE_STATIC_ROOT", NODE_DATA_DIR / "static")
WHITENOISE_USE_FINDERS = True

X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("NODE_BEHIND_TLS_PROXY") else None

# Publications and provider calls are small; nothing large is ever posted to a node.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("NODE_ENVELOPE_MAX_BYTES", 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

# One JSON line per event (NODE_LOG_FORMAT=plain for a terminal) with the call's request ID, the
# hub's own; identity and mobile numbers masked in every line.
LOGGING = logging_config(
    level=env_str("NODE_LOG_LEVEL", "INFO"),
    json_lines=env_str("NODE_LOG_FORMAT", "json") != "plain",
    filters={"mask_identifiers": {"()": "ysj_protocol.logmask.MaskIdentifiersFilter"}},
    static_fields={"service": f"node-{NODE_REGION}"},
    plain_prefix=f"node-{NODE_REGION} ",
)
