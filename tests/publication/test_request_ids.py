"""The request ID of the admin action that publishes follows the delivery: its log lines and the region's record.

Tasks queued during a request carry its ID to the worker in their headers; a publication keeps the
ID on its row, since its deliveries are sent later by whichever run reaches them. Both with tasks
run inline (no broker) and by a real Celery worker (CELERY_BROKER_URL).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from catalog.models import DeliveryState, Publication, PublicationDelivery
from tests.ops.test_logging import json_log_lines
from trust.models import EnvelopeCall
from ysj_portal.celery import app as celery_app
from ysj_protocol.contrib.observability import request_id_var

from ..catalog.factories import CatalogEntryFactory, gb_type_code
from .helpers import continue_sequences, node_publications, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Root-pass-1"  # noqa: S105 - test account only


@celery_app.task(name="tests.request_id_probe", ignore_result=True)
def request_id_probe(label: str) -> None:
    """A task that only writes a log line, to hear which request ID the worker gave it."""
    logging.getLogger("tests.request_id_probe").info("probe %s", label)


def _publish_in_admin(entry, request_id: str) -> None:
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    client = Client()
    client.force_login(root)
    response = client.post(
        reverse("admin:catalog_catalogentry_changelist"),
        {"action": "publish_selected", "_selected_action": [entry.pk], "confirmed": "yes"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 302 and response["X-Request-ID"] == request_id


def _node_calls(node, request_id: str) -> list[tuple[str, str]]:
    """(endpoint, status code) of the calls the node served under ``request_id``, from its own call log."""
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10)) as connection:
        return connection.execute(
            "SELECT endpoint, status_code FROM node_exchange_calllog WHERE request_id = ? AND direction = 'in'",
            (request_id,),
        ).fetchall()


def _assert_followed(request_id: str, code: str, lines: list[dict], regional_nodes, base) -> None:
    (publication,) = Publication.objects.filter(code=code)
    assert publication.request_id == request_id
    delivered = [
        line for line in lines if line["message"].startswith(f"publication {publication.id} delivered")
    ]
    assert len(delivered) == 4 and {line["request_id"] for line in delivered} == {request_id}
    made = EnvelopeCall.objects.filter(
        direction="out", endpoint="/api/v1/publications", request_id=request_id
    )
    assert made.count() == 4
    for node in regional_nodes:
        assert [row[0] for row in node_publications(node, base[node.code])] == [publication.id.hex]
        assert _node_calls(node, request_id) == [("/api/v1/publications", "0")], node.code


def test_an_admin_publication_is_delivered_under_the_admin_request_id_inline(live_regions, regional_nodes):
    base = continue_sequences(live_regions, regional_nodes)
    entry = CatalogEntryFactory(type_name="请求编号测试证照", type_code=gb_type_code(951))
    with json_log_lines("catalog.delivery") as lines:
        _publish_in_admin(entry, "admin-publish-inline-1")
    _assert_followed("admin-publish-inline-1", entry.type_code, lines, regional_nodes, base)
    assert request_id_var.get() == "-"  # the request's ID ended with it


def test_a_publication_outside_any_request_names_itself(live_regions, regional_nodes):
    """A change made by a command or the shell has no request: its deliveries carry the publication's own ID."""
    from catalog import services as catalog_services

    base = continue_sequences(live_regions, regional_nodes)
    entry = CatalogEntryFactory(type_name="无请求发布证照", type_code=gb_type_code(952))
    catalog_services.publish_entry(entry, actor=None)
    (publication,) = Publication.objects.filter(code=entry.type_code)
    assert publication.request_id == ""
    own = f"pub-{publication.id.hex}"
    for node in regional_nodes:
        assert len(node_publications(node, base[node.code])) == 1
        assert _node_calls(node, own) == [("/api/v1/publications", "0")]


@pytest.mark.celery_worker
def test_a_real_worker_delivers_under_the_admin_request_id(celery_worker_queue, live_regions, regional_nodes):
    base = continue_sequences(live_regions, regional_nodes)
    entry = CatalogEntryFactory(type_name="请求编号测试证照乙", type_code=gb_type_code(953))
    with json_log_lines("catalog.delivery") as lines:
        # Queued after commit by the outbox's sender thread (no request there): the row carries the ID.
        _publish_in_admin(entry, "admin-publish-worker-1")
        assert wait_for(
            lambda: PublicationDelivery.objects.filter(
                publication__code=entry.type_code, state=DeliveryState.DELIVERED
            ).count()
            == 4
        )
    _assert_followed("admin-publish-worker-1", entry.type_code, lines, regional_nodes, base)


@pytest.mark.celery_worker
def test_a_task_queued_under_a_request_logs_under_its_id_in_the_worker(celery_worker_queue):
    with json_log_lines("tests.request_id_probe") as lines:
        token = request_id_var.set("trace-task-7")
        try:
            request_id_probe.delay("queued-in-request")
        finally:
            request_id_var.reset(token)
        for n in range(4):  # queued outside a request, after it: the worker threads keep no old ID
            request_id_probe.delay(f"queued-outside-{n}")
        assert wait_for(lambda: len(lines_so_far()) == 5)
    by_label = {line["message"]: line["request_id"] for line in lines}
    assert by_label == {"probe queued-in-request": "trace-task-7"} | {
        f"probe queued-outside-{n}": "-" for n in range(4)
    }


def lines_so_far() -> list[str]:
    """The probe's lines written so far (``json_log_lines`` parses them when its block ends)."""
    logger = logging.getLogger("tests.request_id_probe")
    handler = next(h for h in logger.handlers if isinstance(getattr(h, "stream", None), io.StringIO))
    return handler.stream.getvalue().splitlines()


@pytest.mark.celery_worker
def test_a_forged_request_id_header_is_replaced_in_the_worker(celery_worker_queue):
    """A message's header is input: one that would break a log line is replaced, never written."""
    with json_log_lines("tests.request_id_probe") as lines:
        request_id_probe.apply_async(("forged",), headers={"ysj_request_id": 'x"\n{"level": "ERROR"}'})
        assert wait_for(lambda: len(lines_so_far()) == 1)
    (line,) = lines
    assert (
        line["message"] == "probe forged" and len(line["request_id"]) == 32 and "\n" not in line["request_id"]
    )
