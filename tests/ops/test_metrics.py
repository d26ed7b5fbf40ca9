"""/metrics: what it counts, and that only a scraper with the token or from an allowed network reads it."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.sharing.conftest import app, hub, make_caller  # noqa: F401 - fixtures of the live hub

pytestmark = pytest.mark.django_db(transaction=True)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _scrape(client: Client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    return _samples(response.content.decode())


def test_closed_to_other_networks_without_the_token(client: Client, settings) -> None:
    settings.YSJ_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    right = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert right.status_code == 200
    settings.YSJ_METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_mistyped_network_admits_no_one_and_fails_the_system_check(client: Client, settings) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.YSJ_METRICS_TOKEN = ""
    settings.YSJ_METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24", "10.0.0.0/33", "localhost"]
    # The good entry still admits its peers; the typos admit no one and answer no 500.
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    with pytest.raises(SystemCheckError) as failed:
        call_command("check")
    message = str(failed.value)
    assert "ysj_portal.E003" in message and "'10.0.0.0/33'" in message and "'localhost'" in message
    settings.YSJ_METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24", "::1/128"]
    call_command("check")


def test_refused_envelopes_are_counted_by_route_and_status(client: Client) -> None:
    key = ("ysj_requests_total", (("endpoint", "api/v1/certificates/search"), ("http", "200"), ("status", "1001")))
    before = _scrape(client).get(key, 0.0)
    answer = client.post("/api/v1/certificates/search", data=b"{not json", content_type="application/json")
    assert answer.json()["head"]["status"] == "1001"
    assert _scrape(client)[key] == before + 1


def test_a_search_counts_region_calls_token_checks_and_the_outbox(client: Client, app) -> None:  # noqa: F811
    response = app.search()
    assert response.ok, response.message
    values = _scrape(client)
    for region in ("SH", "JS", "ZJ", "AH"):
        assert values[("ysj_region_call_seconds_count", (("region", region),))] >= 1
    assert values[("ysj_token_checks_total", (("result", "0"), ("token", "access")))] >= 1
    assert values[("ysj_token_checks_total", (("result", "0"), ("token", "holder")))] >= 1
    assert values[("ysj_database_up", ())] == 1


def test_the_outbox_backlog_is_read_from_the_database(client: Client) -> None:
    from catalog.models import Publication, PublicationAction, PublicationDelivery, PublicationKind
    from tests.factories import RegionFactory

    region = RegionFactory(code="SH")
    publication = Publication.objects.create(
        kind=PublicationKind.CATALOG, action=PublicationAction.PUBLISH, code="TEST", object_id=1, payload={}
    )
    PublicationDelivery.objects.create(publication=publication, region=region, sequence=1)
    values = _scrape(client)
    assert values[("ysj_outbox_backlog", (("region", "SH"),))] == 1
    assert values[("ysj_outbox_oldest_pending_seconds", (("region", "SH"),))] >= 0
