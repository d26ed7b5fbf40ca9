"""Hostile input at the hub's operations endpoints: /healthz, /readyz, /metrics.

A balancer and a scraper are their callers, but anyone can reach them: every odd request is a
4xx (or the ordinary answer, for a query string nobody reads), never a 500, and writes nothing.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

OUTSIDER = "203.0.113.9"


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.db_table in tables
    }


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_405(client, path, method) -> None:
    before = row_counts()
    response = getattr(client, method)(path, data=b"\xff" * 100_000, content_type="application/octet-stream")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "不支持该请求方法：本地址仅支持 GET、HEAD\n"
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_is_answered_as_get_is(client, path) -> None:
    """A balancer's HEAD probe gets the GET's status, without a body."""
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code and head.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_query_string_is_ignored(client, path) -> None:
    response = client.get(path + "?verbose=" + "9" * 400 + "&x=%ff%fe&x=1&verbose=-1")
    assert response.status_code in (200, 503) and response.json()["service"] == "hub"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer " + "A" * 100_000,
        "Bearer \u00e4\u00bb\u00a4\u00e7\u0089\u008c",  # "令牌" in UTF-8, as a WSGI server hands it over (latin-1)
        "Bearer scrape-secret\u00ff",
        "bearer scrape-secret",
        "Basic c2NyYXBlLXNlY3JldA==",
        "Bearer scrape-secret extra",
        "Bearer \x00",
    ],
)
def test_a_wrong_metrics_token_is_403_in_chinese(client, settings, authorization) -> None:
    settings.YSJ_METRICS_TOKEN = "scrape-secret"  # noqa: S105 - a test's own
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 403, response.content[:200]
    assert "禁止访问" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "peer", ["", "not-an-address", "999.1.1.1", "::ffff:999.0.0.1", "127.0.0.1\x00", "1" * 400]
)
def test_an_odd_peer_address_is_403(client, settings, peer) -> None:
    settings.YSJ_METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR=peer)
    assert response.status_code == 403 and "禁止访问" in response.content.decode()
