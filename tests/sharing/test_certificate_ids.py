"""certificateID: opaque, stored hashed, bound to application and scenario list, ten minutes."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from sharing.certificate_ids import issue_certificate_id, purge_expired, resolve_certificate_id
from sharing.holders import holder_key
from sharing.models import CertificateID
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from ..factories import ApplicationFactory, RegionFactory


@dataclass
class Holder:
    name: str = "张三"
    code_type: str = "身份证"
    code: str = "31010119900307001X"
    token: str = "t"


SUMMARY = {"certificateType": "居民身份证", "certificateTypeCode": "111", "certificateNumber": "N-1"}


def _issue(app, scenario="SC-1", **kwargs):
    RegionFactory(code="JS")
    return issue_certificate_id(
        application=app, holder=Holder(), scenario_list=scenario, region_code="JS",
        certificate_ref="ref-1", summary=SUMMARY, **kwargs,
    )


@pytest.mark.django_db
def test_value_is_opaque_and_stored_hashed():
    app = ApplicationFactory(app_id="app-ids")
    values = {_issue(app) for _ in range(20)}
    assert len(values) == 20
    for value in values:
        assert len(value) == 32  # 192 bits, URL-safe Base64
        assert not CertificateID.objects.filter(key_hash=value).exists()
    row = resolve_certificate_id(next(iter(values)), application=app, scenario_code="SC-1")
    assert row.region.code == "JS"
    assert row.certificate_ref == "ref-1"
    assert row.certificate_number == "N-1"
    assert row.holder_key == holder_key("身份证", "31010119900307001x")
    assert row.expires_at - row.issued_at == timedelta(minutes=10)


@pytest.mark.django_db
def test_foreign_application_and_scenario_are_refused():
    app, other = ApplicationFactory(app_id="app-a"), ApplicationFactory(app_id="app-b")
    value = _issue(app)
    with pytest.raises(EnvelopeError) as foreign:
        resolve_certificate_id(value, application=other)
    assert foreign.value.status is st.CERTIFICATE_ID_FOREIGN
    with pytest.raises(EnvelopeError) as scenario:
        resolve_certificate_id(value, application=app, scenario_code="SC-2")
    assert scenario.value.status is st.CERTIFICATE_ID_FOREIGN


@pytest.mark.django_db
def test_expired_and_unknown_values_are_refused():
    app = ApplicationFactory(app_id="app-exp")
    value = _issue(app)
    CertificateID.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(EnvelopeError) as expired:
        resolve_certificate_id(value, application=app)
    assert expired.value.status is st.CERTIFICATE_ID_EXPIRED
    for bad in ["", "x" * 500, value[:-1] + ("A" if value[-1] != "A" else "B")]:
        with pytest.raises(EnvelopeError) as invalid:
            resolve_certificate_id(bad, application=app)
        assert invalid.value.status is st.CERTIFICATE_ID_INVALID


@pytest.mark.django_db
def test_purge_keeps_recently_expired_ids():
    app = ApplicationFactory(app_id="app-purge")
    _issue(app)
    _issue(app)
    CertificateID.objects.filter(pk=CertificateID.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    assert purge_expired() == 1
    assert CertificateID.objects.count() == 1
