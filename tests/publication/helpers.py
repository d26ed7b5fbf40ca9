"""Reading what a regional node stored, straight from its database file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tests.regional import RegionalNode


def node_publications(node: RegionalNode, after: int = 0) -> list[tuple[str, int, str, str]]:
    """(publicationId, sequence, kind, action) of the publications the node stored after ``after``."""
    with sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10) as connection:
        rows = connection.execute(
            "SELECT publication_id, sequence, kind, action FROM node_exchange_publication WHERE sequence > ? "
            "ORDER BY sequence",
            (after,),
        ).fetchall()
    return [(str(r[0]).replace("-", ""), r[1], r[2], r[3]) for r in rows]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it holds (used only to wait for a real worker, never to measure time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def continue_sequences(regions: dict, nodes) -> dict[str, int]:
    """Start the hub's per-region counters after what each node already holds.

    The nodes live for the whole session while each test starts with an empty hub database; in
    production the counter and the node's history grow together. Returns the starting point.
    """
    from catalog.models import PublicationChannel

    baseline = {}
    for code, region in regions.items():
        stored = node_publications(nodes[code])
        baseline[code] = stored[-1][1] if stored else 0
        PublicationChannel.objects.update_or_create(region=region, defaults={"last_sequence": baseline[code]})
    return baseline
