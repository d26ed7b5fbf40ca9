"""End to end with the real hub: the node witnesses the hub's log and confirms its calls in it.

A live hub (the test's server) and a node of its own pointed at it. The hub's calls to the node are
made with the hub's envelope client and key, and logged through the hub's own evidence path
(``evidence.calls.call_leaf``, ``append``, ``integrate``); the hub collects the node's cosignature
over real HTTP (``collect_cosignatures``); the node's ``check_evidence`` asks the live hub's
``/api/v1/evidence/entries`` and ``/evidence/proof/inclusion`` and confirms each call.
"""

from __future__ import annotations

import importlib
import time

import pytest
from django.db import transaction
from django.utils import timezone

from evidence.append import append
from evidence.calls import call_leaf
from evidence.integrate import integrate
from evidence.witnesses import collect_cosignatures
from regional_node.demo import DEMO_HOLDERS
from trust.models import Region
from ysj_protocol import profile
from ysj_protocol.records import CallRecord

from ..factories import RegionFactory
from ..regional import make_node
from .helpers import search_params

pytestmark = pytest.mark.django_db(transaction=True)

wipe_log = importlib.import_module("tests.evidence.conftest").wipe_log


@pytest.fixture
def hub_and_node(live_server, tmp_path_factory, node_template):
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("witness-hub-node"),
        NODE_HUB_URL=live_server.url,
        NODE_EVIDENCE_GRACE_SECONDS="0",
        NODE_DRILLS="0",
    )
    node.start()
    Region.objects.update(is_active=False)
    values = {"endpoint": node.url, "account_id": "region-sh", "public_key": node.public_key.hex()}
    region = RegionFactory(code="SH", **values)
    for name, value in values.items():
        setattr(region, name, value)
    region.is_active = True
    region.save()
    try:
        yield node
    finally:
        node.stop()
        wipe_log()


def log_calls(records: list[CallRecord]) -> None:
    """Log the hub's calls to the region as the hub does, and integrate them under a new checkpoint."""
    with transaction.atomic():
        append([call_leaf(r, parties={}, region="SH", at=timezone.now()) for r in records])
    integrate(sign=True)


def test_the_node_cosigns_the_hubs_checkpoints_and_confirms_its_calls_in_them(hub_and_node):
    node = hub_and_node
    records: list[CallRecord] = []
    with node.hub_client() as client:
        for _ in range(3):
            client.call(profile.SEARCH_PATH, search_params(DEMO_HOLDERS[0]), recorder=records.append)
    log_calls(records[:2])
    assert [o.cosigned for o in collect_cosignatures()] == [True]
    log_calls(records[2:])
    assert [o.cosigned for o in collect_cosignatures()] == [True]  # with a consistency proof from 2
    time.sleep(0.3)  # the node writes each served call's record once its answer is out
    output = node.manage("check_evidence")
    assert "本次核对 3 条：确认 3" in output, output
    assert "累计：已确认 3，待确认 0，缺失 0，不一致 0" in output, output
