"""A region's node finds the hub's calls to it in the live hub's log, under a checkpoint it cosigned."""

from __future__ import annotations

import re

import pytest

from evidence.integrate import integrate
from evidence.witnesses import collect_cosignatures

from ..sharing.conftest import make_caller

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_node_confirms_its_served_calls_against_the_live_hub(live_server, witnesses, regional_nodes,
                                                                  clean_log) -> None:
    caller = make_caller(live_server, "app-evidence-check")
    try:
        assert caller.search().ok
    finally:
        caller.client.close()
    integrate()
    assert all(outcome.cosigned for outcome in collect_cosignatures())
    node = regional_nodes["JS"]
    saved = dict(node.extra_env)
    node.extra_env.update({"NODE_HUB_URL": live_server.url, "NODE_EVIDENCE_GRACE_SECONDS": "0"})
    try:
        output = node.manage("check_evidence")
    finally:
        node.extra_env.clear()
        node.extra_env.update(saved)
    line = next(line for line in output.splitlines() if line.startswith("本次核对"))
    confirmed, mismatched = (int(re.search(rf"{word} (\d+)", line).group(1)) for word in ("确认", "不一致"))
    assert confirmed >= 1 and mismatched == 0, line
