"""The same client at the application's own region's relay (``<node>/ysj``) with the region's key.

The demo nodes relay to this test's live hub. The client registers through the node (a token
obtained at the hub directly is unknown to the node: 2002, renewed through the node), reads its
lists, sends the identity number encrypted to the region (12.2.3), searches and reads 12.1.8;
in DER as well, the node answering in kind.
"""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON
from tests.chain.test_node_relay import relay  # noqa: F401 - the fixture: nodes relaying to this hub
from ysj_portal import demo

from .conftest import PUBLISHED, demo_app, kit_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_client_works_through_its_regions_relay(relay: Any, demo_hub: Any) -> None:  # noqa: F811
    node = relay["SH"]
    with kit_client(demo_hub.url, demo_app(), timeout=60) as direct:
        hub_token = direct.register().access_token
    for der in (False, True):
        with kit_client(
            f"{node.url}/ysj",
            demo_app(),
            provider_key=demo.node_key("SH").public_key,
            access_token=hub_token,
            der=der,
            timeout=60,
        ) as client:
            lists = client.scenarios()
            assert {s.item_code for s in lists} >= set(PUBLISHED)
            holder = client.holder_token(id_no=DEMO_PERSON.code, name=DEMO_PERSON.name, encrypt_id=True)
            with client.case(
                use_for="跨省通办",
                item_name="演示",
                item_code=PUBLISHED[0],
                item_org="上海市徐汇区",
                operator="王五",
            ) as case:
                found = case.search(holder.trusted_token)
                assert found.certificates and not found.unavailable_regions
                info = case.info_by_id(found.certificates[0].certificate_id)
                assert info.certificates[0].certificate_number == found.certificates[0].certificate_number
        # The hub's own token is not the node's: refused once with 2002, renewed through the node.
        assert client.attempts[:2] == [
            ("/api/v1/scenarios/query", "2002"),
            ("/api/v1/trust/apps/register", "0"),
        ]
