"""One JSON line per event, each with the request ID of the call it belongs to, never a number in clear."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import logging.config
import sqlite3

import pytest
from django.test import Client

from regional_node.demo import DEMO_PERSON
from tests.sharing.conftest import app, audit, hub, make_caller  # noqa: F401 - fixtures of the live hub
from trust.models import EnvelopeCall
from ysj_protocol.contrib.observability import (
    RequestIDFilter,
    accepted_request_id,
    logging_config,
    request_id_var,
)


@contextlib.contextmanager
def json_log_lines(logger_name: str):
    """The lines ``logger_name`` writes meanwhile, through the hub's own handler configuration."""
    config = logging_config(
        level="INFO",
        json_lines=True,
        filters={"mask_identifiers": {"()": "ysj_protocol.logmask.MaskIdentifiersFilter"}},
        static_fields={"service": "hub"},
    )
    stream = io.StringIO()
    handler_config = config["handlers"]["console"]
    formatter = logging.config.dictConfigClass(config).configure_formatter(config["formatters"]["main"])
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logging.config.dictConfigClass(config).configure_filter(config["filters"]["mask_identifiers"]))
    handler.addFilter(RequestIDFilter())
    assert handler_config["filters"] == ["mask_identifiers", "request_id"]
    logger = logging.getLogger(logger_name)
    # Earlier tests of the session (an in-process Celery worker, for one) may have disabled or
    # raised loggers; this block hears the logger as production configures it.
    # setLevel, not an assignment: it also clears the answers isEnabledFor has cached, which would
    # otherwise still refuse INFO if the logger was asked while its level was higher.
    saved = (logger.disabled, logger.level)
    logger.disabled = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.disabled = saved[0]
        logger.setLevel(saved[1])
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_the_capture_hears_a_logger_that_refused_info_before() -> None:
    """A logger asked at INFO while its level was WARNING caches "no"; the capture must still hear it."""
    probe = logging.getLogger("tests.ops.cache_probe")
    probe.setLevel(logging.WARNING)
    probe.info("not heard")  # isEnabledFor(INFO) is now cached as False
    with json_log_lines("tests.ops.cache_probe") as lines:
        probe.info("heard")
    assert [line["message"] for line in lines] == ["heard"]
    assert probe.level == logging.WARNING and not probe.isEnabledFor(logging.INFO)


def test_a_plain_request_id_is_kept_and_anything_else_replaced() -> None:
    assert accepted_request_id("app-7f3a.01:x") == "app-7f3a.01:x"
    for hostile in ("two words", "a\nforged line", "x" * 65, "", None, '"quoted"'):
        replaced = accepted_request_id(hostile)
        assert replaced != hostile and len(replaced) == 32


@pytest.mark.django_db
def test_log_lines_written_for_a_request_carry_its_id(client: Client) -> None:
    with json_log_lines("django.request") as lines:
        response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="trace-0001")
    assert response.status_code == 403 and response["X-Request-ID"] == "trace-0001"
    (line,) = lines
    assert line["request_id"] == "trace-0001" and line["level"] == "WARNING" and line["service"] == "hub"
    assert request_id_var.get() == "-"  # forgotten once the response was closed


def test_identity_numbers_are_masked_in_json_lines() -> None:
    with json_log_lines("ysj.test") as lines:
        logging.getLogger("ysj.test").warning("holder %s failed", DEMO_PERSON.code)
    assert DEMO_PERSON.code not in json.dumps(lines) and lines[0]["message"].startswith("holder ")


@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_a_search_to_every_region_and_back(app, regional_nodes) -> None:  # noqa: F811
    request_id = "trace-search-42"
    response = app.client.call(
        "/api/v1/certificates/search",
        audit(trustedToken=app.session.trusted_token),
        head={"accessToken": app.session.access_token},
        check=False,
        request_id=request_id,
    )
    assert response.ok, response.message
    served = EnvelopeCall.objects.get(direction="in", request_id=request_id)
    assert served.status_code == "0"
    assert set(EnvelopeCall.objects.filter(direction="out", request_id=request_id).values_list("account_id", flat=True)) == {
        "SH", "JS", "ZJ", "AH"
    }
    for node in regional_nodes:
        with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10)) as connection:
            rows = connection.execute(
                "SELECT status_code FROM node_exchange_calllog WHERE request_id = ? AND direction = 'in'", (request_id,)
            ).fetchall()
        assert rows, f"{node.code} has no record of {request_id}"
        log = node.log_path.read_text(encoding="utf-8", errors="replace")
        assert DEMO_PERSON.code not in log


def test_download_tokens_are_masked_in_messages_and_in_the_request_django_logs() -> None:
    token = "rDXFWcH0OnnWznKmXh2u_XHySI8hrwVT:1xY8jB:PTwRsecret"  # noqa: S105 - the shape of one
    with json_log_lines("ysj.test") as lines:
        logging.getLogger("ysj.test").warning("Not Found: /api/v1/files/%s", token, extra={"request": object()})
        logging.getLogger("ysj.test").warning("path", extra={"request": _FakeRequest(f"/api/v1/files/{token}")})
    assert token not in json.dumps(lines, ensure_ascii=False)
    assert lines[0]["message"] == "Not Found: /api/v1/files/[已隐去]"
    assert "/api/v1/files/[已隐去]" in lines[1]["request"]


class _FakeRequest:
    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"<WSGIRequest: GET '{self.path}'>"
