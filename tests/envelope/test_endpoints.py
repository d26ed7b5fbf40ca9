"""The fixed section-12 routes exist, speak the envelope, and are documented in the schema."""

import httpx
import pytest
from django.urls import reverse

from ysj_protocol import envelope

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for

ROUTES = [
    "/api/v1/catalogs/query",
    "/api/v1/scenarios/query",
    "/api/v1/certificates/search",
    "/api/v1/certificates/file/by-id",
    "/api/v1/certificates/file/by-holder",
    "/api/v1/certificates/info/by-id",
    "/api/v1/certificates/info/by-holder",
    "/api/v1/certificates/verify",
    "/api/v1/trust/apps/register",
    "/api/v1/trust/service-codes/verify",
    "/api/v1/trust/holder-tokens",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", ROUTES)
def test_route_speaks_the_envelope(live_server, route):
    ApplicationFactory(app_id="app-routes")
    body = envelope.seal_request("app-routes", {}, hub_key().public_key)
    response = httpx.post(live_server.url + route, json=body, timeout=10)
    assert response.headers["Content-Type"].startswith("application/json")
    opened = envelope.open_response(response.json(), key_for("app-routes"))
    assert opened.status != "9999"
    assert opened.status.isdigit()


def test_schema_documents_business_parameters(client, db):
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    for route in ROUTES:
        assert route in schema["paths"], route
        operation = schema["paths"][route]["post"]
        assert "200" in operation["responses"]
        # 12.1.3 takes no parameters; every other endpoint documents its business parameters.
        assert ("requestBody" in operation) is (route != "/api/v1/catalogs/query")
    search = schema["components"]["schemas"]["HolderQueryParams"]
    assert {"trustedToken", "itemCode", "bizNum"} <= set(search["properties"])
    verify = schema["components"]["schemas"]["VerifyParams"]
    assert "fileEntity" in verify["required"]


def test_docs_page_works_offline(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
    asset = next(part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui-bundle" in part)
    assert client.get(asset).status_code == 200
