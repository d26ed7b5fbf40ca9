"""Database connections killed under the hub (pg_terminate_backend): the next call must succeed.

The hub runs as in production (gunicorn, connections kept ``CONN_MAX_AGE`` seconds) on the test
database; its connection is killed by the server for real. With one thread, the next request is
served on the very connection that was killed.
"""

from __future__ import annotations

import httpx

from trust.models import AccessToken
from ysj_protocol import envelope

from ..keys import hub_key
from ..trust.factories import call, registered_app
from .processes import hub_server, terminate_other_backends

REGISTER = "/api/v1/trust/apps/register"


def register(http: httpx.Client, app, secret: str):  # noqa: ANN001
    params = {"appId": app.app_id, "appSecret": secret, "corpName": app.corp_name, "corpCode": app.corp_code}
    return call(http, REGISTER, params, account=app.app_id)


def test_the_call_after_the_database_killed_the_hubs_connections_succeeds(postgresql, tmp_path):
    app, secret = registered_app("app-db-fault")
    with hub_server(tmp_path / "hub.log") as url, httpx.Client(base_url=url, timeout=30) as http:
        assert register(http, app, secret).status == "0"  # the hub now holds a kept connection
        assert terminate_other_backends() >= 1
        answer = register(http, app, secret)
        assert (answer.http_status, answer.status) == (200, "0")
        assert terminate_other_backends() >= 1
        assert register(http, app, secret).status == "0"
    assert AccessToken.objects.filter(application=app).count() == 3


def test_without_health_checks_the_killed_connection_fails_the_next_call(postgresql, tmp_path):
    """The fault itself, reproduced: what the health check prevents (kept here so the test above proves something)."""
    app, secret = registered_app("app-db-fault-off")
    with hub_server(tmp_path / "hub.log", DB_CONN_HEALTH_CHECKS="0") as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert register(http, app, secret).status == "0"
        assert terminate_other_backends() >= 1
        body = envelope.seal_request(app.app_id, {"appId": app.app_id}, hub_key().public_key)
        response = http.post(REGISTER, json=body)
        assert response.json()["head"]["status"] == "9999"  # the killed connection was used as is
        assert register(http, app, secret).status == "0"  # Django drops it only after the error
