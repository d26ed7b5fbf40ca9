"""Face numbers (照面编号) at rest: sealed, found by keyed digest, masked in the admin.

A person's identity card has their identity number as its face number, and the demo person's
driving licences carry it too: after a search, retrievals by ID and a verification, neither the
certificate-ID table nor the retrieval items may hold it in plain text, while every service that
reads the face number keeps answering it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from regional_node.demo import DEMO_PERSON
from sharing.holders import FACE_NUMBER_PURPOSE, face_number_key, holder_key
from sharing.models import CertificateID, Obtained, Retrieval, RetrievalKind, RetrievedCertificate
from trust import protect

from ..factories import ApplicationFactory, RegionFactory
from ..trust.holders import resident_id
from .test_verify import ID_CARD, genuine_file, verify

SEARCH_TABLES = ("sharing_certificateid", "sharing_retrievedcertificate")
PERSON_ID = resident_id("31010119900307006")  # a valid number whose check character is X
MASKED = "310101********006X"


def _table_text(table: str) -> str:
    """Every column of every row, as the database holds it (what a dump would show)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - fixed table names
        rows = cursor.fetchall()
    assert rows, f"{table} is empty: nothing was checked"
    return "\n".join(repr(row) for row in rows)


def _retrieval(application: Any, region: Any, *, holder: str = "", number: str = "") -> Retrieval:
    retrieval = Retrieval.objects.create(
        kind=RetrievalKind.SEARCH, application=application, holder_key=holder, scenario_code="SC-ALL",
        use_for="办理户籍迁移", item_name="户籍迁移", item_org="徐汇区政务服务中心", operator="王五",
        biz_num="BIZ-FACE-1",
    )
    RetrievedCertificate.objects.create(
        retrieval=retrieval, region=region, certificate_type="居民身份证", certificate_type_code="111",
        certificate_number=number, obtained=Obtained.SUMMARY,
    )
    return retrieval


# ---------------------------------------------------------------------------- over the live regions
@pytest.mark.django_db(transaction=True)
def test_no_plain_identity_number_in_the_tables_after_search_retrieval_and_verification(app, regional_nodes):
    found = app.search()
    assert found.ok, found.message
    numbers = {item["certificateNumber"] for item in found.data["dataList"]}
    assert len(numbers) == 3  # identity card and driving licence share the identity number
    id_card = next(i for i in found.data["dataList"] if i["certificateType"] == "居民身份证")
    assert id_card["certificateNumber"] == DEMO_PERSON.code  # the face number is the identity number
    licence_id = next(i["certificateID"] for i in found.data["dataList"] if i["certificateType"] == "机动车驾驶证")
    info = app.by_id("/api/v1/certificates/info/by-id", licence_id)
    assert info.ok, info.message
    assert info.data["dataList"][0]["certificateNumber"] == DEMO_PERSON.code
    files = app.by_id("/api/v1/certificates/file/by-id", licence_id)  # reads the ID's stored summary
    assert files.ok, files.message
    assert {entry["certificateNumber"] for entry in files.data["dataList"]} == {DEMO_PERSON.code}
    checked = verify(app, genuine_file(regional_nodes["SH"], ID_CARD, "PDF"), "PDF")
    assert checked.data["result"] == "1" and checked.data["certificateNumber"] == DEMO_PERSON.code

    for table in SEARCH_TABLES:
        text = _table_text(table)
        for number in numbers:
            assert number not in text, f"{table} holds a face number in plain text"
        assert DEMO_PERSON.code.lower() not in text.lower()

    # Read back through the model and found by the keyed digest, whatever the service.
    assert {row.certificate_number for row in CertificateID.objects.all()} == numbers
    by_number = RetrievedCertificate.objects.with_number(DEMO_PERSON.code)
    assert {row.retrieval.kind for row in by_number} == {
        RetrievalKind.SEARCH, RetrievalKind.INFO_BY_ID, RetrievalKind.FILE_BY_ID, RetrievalKind.VERIFY
    }
    assert CertificateID.objects.with_number(DEMO_PERSON.code.lower()).count() == 2  # identity card, licence
    assert Retrieval.objects.naming(DEMO_PERSON.code).filter(kind=RetrievalKind.VERIFY).exists()


# ---------------------------------------------------------------------------- the models
@pytest.mark.django_db
def test_face_number_is_sealed_bound_to_its_purpose_and_found_by_digest():
    application, region = ApplicationFactory(app_id="app-face"), RegionFactory(code="SH")
    item = _retrieval(application, region, number=PERSON_ID).items.get()
    row = RetrievedCertificate.objects.get(pk=item.pk)
    assert row.certificate_number == PERSON_ID
    assert PERSON_ID not in row.certificate_number_sealed
    assert protect.unseal(row.certificate_number_sealed, FACE_NUMBER_PURPOSE) == PERSON_ID
    with pytest.raises(ValueError):
        protect.unseal(row.certificate_number_sealed, "holder_code")  # not movable to another column
    assert row.certificate_number_key == face_number_key(PERSON_ID) != holder_key("身份证", PERSON_ID)
    assert list(RetrievedCertificate.objects.with_number(f" {PERSON_ID.lower()} ")) == [row]
    assert not RetrievedCertificate.objects.with_number(PERSON_ID[:-1]).exists()
    assert not RetrievedCertificate.objects.with_number("").exists()
    assert row.certificate_number_masked == MASKED
    assert PERSON_ID not in str(row)
    sealed = row.certificate_number_sealed
    row.certificate_number_sealed = sealed[:-1] + ("0" if sealed[-1] != "0" else "1")  # altered, or another key
    with pytest.raises(ValueError):
        _ = row.certificate_number  # the services never hand out a number they cannot vouch for
    assert row.certificate_number_masked == "（无法解密）"


@pytest.mark.django_db
def test_certificate_id_summary_keeps_no_plain_face_number():
    from sharing.certificate_ids import issue_certificate_id, resolve_certificate_id

    application = ApplicationFactory(app_id="app-face-id")
    RegionFactory(code="JS")
    summary = {"certificateType": "机动车驾驶证", "certificateTypeCode": "112", "issueDept": "南京市公安局交通管理局",
               "certificateNumber": PERSON_ID, "issueDate": "2019-05-06"}
    holder = type("Holder", (), {"code_type": "身份证", "code": PERSON_ID})()
    value = issue_certificate_id(
        application=application, holder=holder, scenario_list="SC-1", region_code="JS",
        certificate_ref="ref-9", summary=summary,
    )
    stored = CertificateID.objects.values("stored_summary", "certificate_number_sealed").get()
    assert "certificateNumber" not in stored["stored_summary"]
    assert PERSON_ID not in repr(stored)
    row = resolve_certificate_id(value, application=application, scenario_code="SC-1")
    assert row.summary == summary  # what 12.1.6 hands out again
    assert row.certificate_number == PERSON_ID


# ---------------------------------------------------------------------------- the migration
BEFORE = [("sharing", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the test database; the app registry of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migration_seals_the_rows_already_stored_and_goes_back():
    application, region = ApplicationFactory(app_id="app-face-migrate"), RegionFactory(code="SH")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE)
        retrieval = old.get_model("sharing", "Retrieval").objects.create(
            kind="search", application_id=application.pk, scenario_code="SC-ALL", use_for="u", item_name="i",
            item_org="o", operator="p", biz_num="BIZ-MIGRATE",
        )
        old.get_model("sharing", "RetrievedCertificate").objects.create(
            retrieval=retrieval, region_id=region.pk, certificate_number=PERSON_ID, obtained="summary",
        )
        old.get_model("sharing", "CertificateID").objects.create(
            key_hash="k" * 64, application_id=application.pk, holder_key="h", scenario_code="SC-ALL",
            region_id=region.pk, certificate_ref="ref-1", certificate_number=PERSON_ID,
            summary={"certificateType": "居民身份证", "certificateNumber": PERSON_ID},
            expires_at=timezone.now(),
        )

        _migrate(latest)  # 0002-0004 seal the numbers; the current models read the latest state
        for table in SEARCH_TABLES:
            assert PERSON_ID not in _table_text(table)
        row = CertificateID.objects.get()
        assert row.summary == {"certificateType": "居民身份证", "certificateNumber": PERSON_ID}
        assert RetrievedCertificate.objects.with_number(PERSON_ID).get().certificate_number == PERSON_ID
        assert CertificateID.objects.with_number(PERSON_ID).get() == row

        old = _migrate(BEFORE)  # reversible while the data key is unchanged
        assert old.get_model("sharing", "RetrievedCertificate").objects.get().certificate_number == PERSON_ID
        back = old.get_model("sharing", "CertificateID").objects.get()
        assert (back.certificate_number, back.summary["certificateNumber"]) == (PERSON_ID, PERSON_ID)
    finally:
        _migrate(latest)


# ---------------------------------------------------------------------------- the admin
@pytest.fixture
def staff(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("admin", "admin@example.gov.cn", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_finds_a_retrieval_by_the_full_holder_number(staff):
    application, region = ApplicationFactory(app_id="app-face-admin"), RegionFactory(code="SH")
    mine = _retrieval(application, region, holder=holder_key("身份证", PERSON_ID), number="沪A-2024-0001")
    _retrieval(application, region, holder=holder_key("身份证", resident_id("44030119851231001")))
    url = reverse("admin:sharing_retrieval_changelist")
    response = staff.get(url, {"q": PERSON_ID})
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    assert list(staff.get(url, {"q": PERSON_ID.lower()}).context["cl"].result_list) == [mine]
    assert not staff.get(url, {"q": PERSON_ID[:10]}).context["cl"].result_list  # a partial number names nobody
    # A full face number finds the retrievals listing it; the ordinary fields still work.
    assert list(staff.get(url, {"q": "沪A-2024-0001"}).context["cl"].result_list) == [mine]
    assert len(staff.get(url, {"q": "BIZ-FACE-1"}).context["cl"].result_list) == 2


@pytest.mark.django_db
def test_admin_finds_a_verification_by_the_face_number_it_checked(staff):
    application, region = ApplicationFactory(app_id="app-face-verify"), RegionFactory(code="SH")
    checked = _retrieval(application, region, number=PERSON_ID)  # 12.1.10 records name no holder
    response = staff.get(reverse("admin:sharing_retrieval_changelist"), {"q": PERSON_ID})
    assert list(response.context["cl"].result_list) == [checked]


@pytest.mark.django_db
def test_admin_pages_show_face_numbers_masked(staff):
    from sharing.certificate_ids import issue_certificate_id

    application, region = ApplicationFactory(app_id="app-face-mask"), RegionFactory(code="SH")
    retrieval = _retrieval(application, region, holder=holder_key("身份证", PERSON_ID), number=PERSON_ID)
    holder = type("Holder", (), {"code_type": "身份证", "code": PERSON_ID})()
    issue_certificate_id(
        application=application, holder=holder, scenario_list="SC-1", region_code="SH", certificate_ref="ref-1",
        summary={"certificateType": "居民身份证", "certificateTypeCode": "111", "certificateNumber": PERSON_ID},
    )
    certificate_id = CertificateID.objects.get()
    pages = {
        "retrieval detail": reverse("admin:sharing_retrieval_change", args=[retrieval.pk]),
        "certificate ID list": reverse("admin:sharing_certificateid_changelist"),
        "certificate ID detail": reverse("admin:sharing_certificateid_change", args=[certificate_id.pk]),
        "file link list": reverse("admin:sharing_filelink_changelist"),
    }
    for name, url in pages.items():
        response = staff.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert PERSON_ID not in html, name
        if name != "file link list":
            assert MASKED in html, name
    found = staff.get(pages["certificate ID list"], {"q": PERSON_ID}).context["cl"].result_list
    assert list(found) == [certificate_id]
