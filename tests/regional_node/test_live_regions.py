"""The fixtures others build on, and the demo launcher's registration of the regions."""

from __future__ import annotations

import pytest

from regional_node.demo import DEMO_PERSON
from sharing.regions import SEARCH_PATH, Call, GrantScope, params_with_grant
from trust.keys import hub_private_key
from trust.models import Region
from ysj_portal import demo as launcher
from ysj_protocol.client import EnvelopeClient, Peer

from .helpers import search_params


def test_live_regions_point_the_registry_at_the_running_nodes(live_regions, regional_nodes, settings):
    assert set(live_regions) == {"SH", "JS", "ZJ", "AH"}
    for region in Region.objects.all():
        node = regional_nodes[region.code]
        assert region.endpoint == node.url
        assert region.sm2_public_key == node.public_key
        # What the hub itself would do: its account, its key, the registered address and key,
        # and the trust service's grant for the call.
        peer = Peer(base_url=region.endpoint, public_key=region.sm2_public_key, name=region.code)
        params = search_params(DEMO_PERSON)
        scope = GrantScope(
            app_id=params["audit"]["appId"],
            item_code=params["audit"]["itemCode"],
            type_codes=tuple(params["certificateTypeCodes"]),
            biz_num=params["audit"]["bizNum"],
            holder=(DEMO_PERSON.code_type, DEMO_PERSON.code),
        )
        with EnvelopeClient(
            peer, account_id=region.caller_account_id, private_key=hub_private_key()
        ) as client:
            granted = params_with_grant(Call(region, SEARCH_PATH, params, scope=scope))
            assert client.call(SEARCH_PATH, granted).data["total"] >= 1


def test_a_stopped_node_is_up_again_for_the_next_test(live_regions, regional_nodes):
    regional_nodes["ZJ"].stop()
    regional_nodes["AH"].set_delay(5000)
    assert not regional_nodes["ZJ"].running


def test_the_previous_test_left_no_fault_behind(live_regions, regional_nodes):
    assert regional_nodes["ZJ"].running
    for node in regional_nodes:
        with node.hub_client(timeout=3) as client:
            assert client.call("/api/v1/certificates/status", {"certificateRef": "none"}).ok


@pytest.mark.django_db
def test_provision_regions_registers_the_demo_nodes_with_their_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("YSJ_VAR_DIR", str(tmp_path))
    regions = launcher.provision_regions()
    assert [r.code for r in regions] == ["SH", "JS", "ZJ", "AH"]
    assert [r.endpoint for r in regions] == [f"http://127.0.0.1:{p}" for p in (8101, 8102, 8103, 8104)]
    keys = {code: launcher.node_key(code) for code in launcher.REGION_ORDER}
    assert all(r.public_key == keys[r.code].public_key.hex() for r in regions)
    assert oct((tmp_path / "keys" / "nodes" / "sh.key").stat().st_mode & 0o777) == "0o600"
    # Idempotent: a second run keeps the keys and the rows.
    again = launcher.provision_regions()
    assert [r.pk for r in again] == [r.pk for r in regions]
    assert Region.objects.get(code="JS").public_key == keys["JS"].public_key.hex()


@pytest.mark.django_db
def test_the_launcher_summary_names_every_node_and_the_demo_holder(tmp_path, monkeypatch):
    monkeypatch.setenv("YSJ_VAR_DIR", str(tmp_path))
    text = launcher.summary("127.0.0.1", 8000, 8101)
    for port in (8101, 8102, 8103, 8104):
        assert f"http://127.0.0.1:{port}" in text
    assert DEMO_PERSON.code in text
    assert "http://127.0.0.1:8000/admin/" in text
