"""The demo data: valid identifiers, several regions per holder, deterministic, every status present."""

from __future__ import annotations

from collections import Counter

import pytest

from regional_node import demo
from ysj_protocol.identifiers import is_valid_resident_id, is_valid_uscc


def test_every_holder_code_carries_a_valid_check_character():
    for holder in demo.DEMO_HOLDERS:
        check = is_valid_resident_id if holder.code_type == demo.ID_CARD else is_valid_uscc
        assert check(holder.code), holder


def test_a_few_dozen_holders_persons_and_companies():
    kinds = Counter(h.kind for h in demo.DEMO_HOLDERS)
    assert len(demo.DEMO_HOLDERS) >= 30
    assert kinds[demo.PERSON] >= 20
    assert kinds[demo.COMPANY] >= 8
    assert len({h.code for h in demo.DEMO_HOLDERS}) == len(demo.DEMO_HOLDERS)


def test_holders_have_valid_certificates_in_several_regions():
    assert demo.regions_of(demo.DEMO_PERSON) == set(demo.REGION_CODES)
    assert len(demo.regions_of(demo.DEMO_COMPANY)) >= 2
    assert sum(1 for h in demo.DEMO_HOLDERS if len(demo.regions_of(h)) >= 2) >= 15


@pytest.mark.parametrize("region", demo.REGION_CODES)
def test_every_region_has_valid_revoked_and_expired_certificates(region):
    statuses = Counter(c.status for c in demo.certificates_for_region(region))
    assert statuses[demo.VALID] >= 10
    assert statuses[demo.REVOKED] >= 1
    assert statuses[demo.EXPIRED] >= 1


def test_certificates_match_their_type_and_holder_kind():
    for certificate in demo.DEMO_CERTIFICATES:
        ctype = demo.CERTIFICATE_TYPES[certificate.type_code]
        assert ctype.name == certificate.type_name
        holder = demo.holder_by_code(certificate.holder_code)
        assert ctype.holder_kind in ("any", holder.kind)
        assert certificate.surface, certificate
        if certificate.valid_until is not None:
            assert certificate.valid_until > certificate.valid_from
    keys = [(c.region, c.type_code, c.number) for c in demo.DEMO_CERTIFICATES]
    assert len(keys) == len(set(keys))


def test_the_data_is_the_same_on_every_run():
    before = [(c.ref, c.number, c.holder_code, c.issue_date, c.surface) for c in demo.DEMO_CERTIFICATES]
    _, rebuilt = demo._build()
    assert [(c.ref, c.number, c.holder_code, c.issue_date, c.surface) for c in rebuilt] == before


def test_every_certificate_type_has_demo_certificates():
    assert {c.type_code for c in demo.DEMO_CERTIFICATES} == set(demo.CERTIFICATE_TYPES)


def test_every_type_of_the_demo_catalog_has_node_certificates():
    """Codes may differ (the nodes keep local codes, mapped by the published catalog's type names)."""
    from catalog.demo import ENTRIES

    node_names = {c.type_name for c in demo.DEMO_CERTIFICATES}
    assert {name for _, name, *_ in ENTRIES} <= node_names


def test_every_demo_certificate_fits_its_file():
    from ysj_protocol.certfile import CertificateData
    from ysj_protocol.certfile.layout import layout

    for c in demo.DEMO_CERTIFICATES:
        layout(
            CertificateData(
                region_code=c.region,
                certificate_type=c.type_name,
                certificate_type_code=c.type_code,
                certificate_number=c.number,
                holder_name=c.holder_name,
                holder_code=c.holder_code,
                holder_code_type=c.holder_code_type,
                issue_dept=c.issue_dept,
                issue_date=c.issue_date,
                valid_from=c.valid_from,
                valid_until=c.valid_until,
                internal_id=c.ref,
                surface=c.surface,
            )
        )
