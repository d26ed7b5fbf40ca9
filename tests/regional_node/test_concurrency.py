"""Races that must come out right: a ticket used twice at once, a file asked for twice at once, a
publication delivered twice at once. Real threads against a real node."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from regional_node.demo import DEMO_HOLDERS, VALID, certificates_for_region

from .helpers import audit, next_sequence, publication

FILE = "/api/v1/certificates/file"


def test_a_ticket_used_concurrently_serves_exactly_one_download(regional_nodes):
    node = regional_nodes["JS"]
    certificate = next(c for c in certificates_for_region("JS") if c.status == VALID)
    with node.hub_client() as client:
        url = client.call(
            FILE, {"certificateRef": certificate.ref, "fileFormat": "PDF", "audit": audit()}
        ).data["downloadUrl"]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: httpx.get(url, timeout=30).status_code, range(8)))
    assert sorted(codes) == [200] + [403] * 7


def test_a_file_asked_for_concurrently_is_generated_once(regional_nodes):
    node = regional_nodes["AH"]
    # A certificate no other test asks a file of: the last valid one of the region.
    certificate = [c for c in certificates_for_region("AH") if c.status == VALID][-1]

    def ask(_: int) -> dict:
        with node.hub_client(timeout=30) as client:
            return client.call(
                FILE, {"certificateRef": certificate.ref, "fileFormat": "OFD", "audit": audit()}
            ).data

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(6)))
    assert len({a["sm3"] for a in answers}) == 1
    assert len({a["downloadUrl"] for a in answers}) == 6


def test_a_publication_delivered_concurrently_is_applied_once(regional_nodes):
    node = regional_nodes["ZJ"]
    message = publication(next_sequence(node), "RACE-1")

    def deliver(_: int) -> dict:
        with node.hub_client(timeout=30) as client:
            return client.call("/api/v1/publications", message).data

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(deliver, range(6)))
    assert [a["duplicate"] for a in answers].count(False) == 1
    assert all(a["accepted"] for a in answers)


def test_searches_in_parallel_all_answer(regional_nodes):
    node = regional_nodes["SH"]
    holders = [
        h
        for h in DEMO_HOLDERS
        if any(c.region == "SH" for c in certificates_for_region("SH") if c.holder_code == h.code)
    ]

    def search(holder) -> int:
        with node.hub_client(timeout=30) as client:
            params = {
                "holder": holder.as_holder(),
                "certificateTypeCodes": ["111", "112", "113", "114", "115", "311", "312", "313", "314"],
                "audit": audit(),
            }
            return client.call("/api/v1/certificates/search", params).data["total"]

    with ThreadPoolExecutor(16) as pool:
        totals = list(pool.map(search, holders))
    expected = [
        sum(1 for c in certificates_for_region("SH") if c.holder_code == h.code and c.status == VALID)
        for h in holders
    ]
    assert totals == expected
