"""/healthz and /readyz of the hub and the nodes: what a load balancer acts on."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from tests.sharing.conftest import app, hub, make_caller  # noqa: F401 - fixtures of the live hub
from trust import keys as hub_keys
from ysj_protocol.contrib import observability

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "hub"}


def test_readyz_is_ready_with_database_key_and_inline_tasks(client: Client, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True, "mode": "inline"}
    assert body["checks"]["hubKey"] == {"ok": True}
    assert "regions" in body


def test_readyz_is_unavailable_when_the_broker_does_not_answer(client: Client, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["mode"] == "broker"


def test_readyz_is_unavailable_without_the_hub_key(client: Client, settings, tmp_path) -> None:
    settings.YSJ_HUB_PRIVATE_KEY = ""
    settings.YSJ_HUB_KEY_FILE = str(tmp_path / "missing.key")
    hub_keys.reset_cache()
    try:
        response = client.get("/readyz")
    finally:
        hub_keys.reset_cache()
    assert response.status_code == 503
    assert response.json()["checks"]["hubKey"]["ok"] is False


def test_readyz_is_unavailable_with_unapplied_migrations(client: Client, monkeypatch) -> None:
    # A release whose migrations have not run yet: the executor's plan is what says so.
    monkeypatch.setattr(observability, "_migrated", set())
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", lambda self, targets: [("a", False)]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "unapplied": 1}


def test_health_answers_stay_reachable_over_http_with_tls_redirects(client: Client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_each_node_answers_readyz(regional_nodes) -> None:
    for node in regional_nodes:
        response = httpx.get(f"{node.url}/readyz", timeout=5)
        body = response.json()
        assert response.status_code == 200, body
        assert body["region"] == node.code
        assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_ready_with_a_broker_that_answers(client: Client, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/14"
    try:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI starts one)")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "broker"}


@pytest.mark.django_db(transaction=True)
def test_readyz_names_each_regions_last_successful_call(app, client: Client) -> None:  # noqa: F811
    assert app.search().ok
    regions = client.get("/readyz").json()["regions"]
    assert set(regions) == {"SH", "JS", "ZJ", "AH"}
    for state in regions.values():
        assert state["lastSuccess"] is not None and state["secondsSinceSuccess"] < 60
        assert state["breaker"] == "closed"
