"""The OpenAPI document: the holder's listing, and holderNotice in the answers that hand certificates out."""

from django.urls import reverse


def test_the_listing_and_the_answer_field_are_documented(client, db):
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    listing = schema["paths"]["/api/v1/holders/notices"]["post"]
    assert "200" in listing["responses"] and "requestBody" in listing
    params = schema["components"]["schemas"]["HolderNoticesParams"]["properties"]
    assert {"trustedToken", "pageNum", "pageSize", "itemCode", "bizNum"} <= set(params)
    assert params["pageSize"]["maximum"] == 50
    for name in ("FileResult", "InfoResult", "ServiceCodeResult"):
        field = schema["components"]["schemas"][name]["properties"]["holderNotice"]
        assert "本系统扩展" in field["description"], name
    for route in ("file/by-id", "file/by-holder", "info/by-id", "info/by-holder"):
        assert "holderNotice" in schema["paths"][f"/api/v1/certificates/{route}"]["post"]["description"]
    assert "holderNotice" in schema["paths"]["/api/v1/trust/service-codes/verify"]["post"]["description"]
