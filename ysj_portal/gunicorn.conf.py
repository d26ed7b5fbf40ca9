"""gunicorn settings for the hub in production: ``gunicorn -c ysj_portal/gunicorn.conf.py ysj_portal.wsgi``.

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``. gunicorn's own
lines (errors and the access log) are JSON too, one per event, the access line carrying the
request ID the hub answered with, so a call is followed through the load balancer, the hub's
lines and the regions'. Under several workers, ``/metrics`` sums every worker's values when
``PROMETHEUS_MULTIPROC_DIR`` names an empty directory (created here when missing).
"""

from __future__ import annotations

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Restart workers now and then: a slow leak in any library never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

logger_class = "ysj_portal.gunicorn_logging.MaskedLogger"  # download tokens and numbers masked
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "bytes": %(B)s, "duration_ms": %(M)s, '
    '"peer": "%(h)s", "service": "hub"}'
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "static_fields": {"service": "hub"},
            "timestamp": "time",
        },
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}

_multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _multiproc:
    Path(_multiproc).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    """A worker's metric files are marked dead, so its gauges stop counting (prometheus-client)."""
    if _multiproc:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
