"""Every call of the kit's client once, against the live hub and the demo's real nodes.

The client registers by itself on its first call (12.2.1), reads the catalog and the lists,
obtains a holder token, and under a published list searches, follows a certificateID through
12.1.6 (and downloads the file), 12.1.8 and 12.1.10, asks by holder (12.1.7, 12.1.9), and
presents a service code (12.2.2). Results are the typed dataclasses; what they hold is checked
against the demo data, not only for presence.
"""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from ysj_portal import demo
from ysj_protocol.app import Client, results
from ysj_protocol.certfile.verify import verify_file

from .conftest import PUBLISHED, issue_service_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_call_once(client: Client, demo_network: Any) -> None:
    catalog = client.catalogs()
    assert catalog and all(isinstance(e, results.CatalogEntry) for e in catalog)
    assert all(len(e.certificate_type_code) == 21 and e.share_start for e in catalog)
    assert client.token_expires is not None, "the first call registered by itself"

    lists = client.scenarios()
    assert {s.item_code for s in lists} >= set(PUBLISHED)
    item = next(s for s in lists if s.item_code == PUBLISHED[0])
    allowed = {t.certificate_type for t in item.types}

    holder = client.holder_token(id_no=DEMO_PERSON.code, name=DEMO_PERSON.name)
    assert holder.trusted_token and holder.expires_at is not None
    case = client.case(
        use_for="办理跨省通办业务",
        item_name=item.item_name,
        item_code=item.item_code,
        item_org="上海市徐汇区政务服务中心",
        operator="王五",
    )
    with case:
        found = case.search(holder.trusted_token)
        assert found.unavailable_regions == ()
        valid = {
            c.number for c in certificates_of(DEMO_PERSON) if c.status == VALID and c.type_name in allowed
        }
        assert {c.certificate_number for c in found.certificates} == valid
        assert found.total == len(found.certificates) > 0
        first = found.certificates[0]
        assert first.certificate_type in allowed

        info = case.info_by_id(first.certificate_id)
        assert [c.certificate_number for c in info.certificates] == [first.certificate_number]
        assert info.certificates[0].holder_code.upper() == DEMO_PERSON.code.upper()

        link, download = case.fetch(first.certificate_id, file_format="PDF")
        assert link.file_format == "PDF" and download.content.startswith(b"%PDF")
        assert download.content_type == "application/pdf"
        keys = {code: demo.node_key(code).public_key for code in demo.REGION_ORDER}
        local = verify_file(download.content, "PDF", keys.get)
        assert local.ok and local.certificate_number == first.certificate_number

        verdict = case.verify(download.content, "pdf")
        assert verdict.ok and verdict.certificate_number == first.certificate_number
        assert verdict.certificate_status == "valid"

        by_holder = case.info_by_holder(holder.trusted_token)
        assert {c.certificate_number for c in by_holder.certificates} == valid
        files = case.files_by_holder(holder.trusted_token, file_format="OFD")
        assert {f.file_format for f in files.links} == {"OFD"} and len(files.links) == len(valid)

        notices = case.notices(holder.trusted_token)
        assert notices.total >= 1 and notices.items, "the holder is told what was obtained (8.4)"

        code = issue_service_code(demo.node_url("SH", demo_network.base_port))
        decoded = case.service_code(code)
        assert decoded.id_card.upper() == DEMO_PERSON.code.upper() and decoded.token.trusted_token
        assert all(c.certificate_id for c in decoded.certificates)

    assert all(outcome == "0" for _, outcome in client.attempts if outcome not in ("download",)), (
        client.attempts
    )
