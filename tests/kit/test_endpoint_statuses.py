"""Each endpoint's schema lists the statuses it can answer: every status the status-code cases
cause (``tests/envelope/test_status_codes.py``, one real call per code) on an endpoint is in that
endpoint's list (``trust.envelope.schema.ENDPOINT_STATUSES``), read from the hub's own records of
the calls it served during the case, and the listed statuses are in ``/api/docs/``'s schema."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient
from django.urls import reverse

from trust.envelope.schema import ENDPOINT_STATUSES, endpoint_statuses
from trust.models import CallDirection, EnvelopeCall
from ysj_protocol import status as st

from ..envelope.test_status_codes import CASES, World, _fast_password_hasher, world  # noqa: F401 - fixtures

#: Cases answered outside the hub's envelope endpoints: the download address (4031), a path with
#: no endpoint (1012), the regional node's check of the trust service's grants (2041-2045).
ELSEWHERE = {
    st.DOWNLOAD_LINK_INVALID.code,
    st.NOT_FOUND.code,
    st.GRANT_MISSING.code,
    st.GRANT_INVALID.code,
    st.GRANT_EXPIRED.code,
    st.GRANT_REPLAYED.code,
    st.GRANT_EXCEEDED.code,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("code", sorted(set(CASES) - ELSEWHERE))
def test_every_status_caused_on_an_endpoint_is_listed_for_it(world: World, code: str) -> None:  # noqa: F811
    before = EnvelopeCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    answer = CASES[code](world)
    assert answer.status == code
    served = set(
        EnvelopeCall.objects.filter(pk__gt=before, direction=CallDirection.SERVED).values_list(
            "endpoint", "status_code"
        )
    )
    caused = {(path, status) for path, status in served if path in ENDPOINT_STATUSES}
    assert any(status == code for _, status in caused), f"the case for {code} left no record of it: {served}"
    for path, status in caused:
        assert status in {s.code for s in endpoint_statuses(path)}, f"{path} answered {status}, not listed"


@pytest.mark.django_db
def test_every_endpoint_of_the_schema_has_its_list_shown() -> None:
    schema = DjangoClient().get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    envelope_paths = {
        path for path, item in schema["paths"].items() if path.startswith("/api/v1/") and "post" in item
    }
    assert envelope_paths == set(ENDPOINT_STATUSES), "every envelope endpoint needs its list of statuses"
    for path in envelope_paths:
        operation = schema["paths"][path]["post"]
        listed = [item["status"] for item in operation["x-ysj-statuses"]]
        assert listed == [s.code for s in endpoint_statuses(path)]
        assert "本接口可能答复的状态码" in operation["description"]
        for item in operation["x-ysj-statuses"]:
            known = st.lookup(item["status"])
            assert known is not None and (item["httpStatus"], item["message"]) == (
                known.http_status,
                known.message,
            )
