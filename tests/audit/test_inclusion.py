"""Each entry says whether the latest cosigned checkpoint includes it; checkpoints lacking a witness stand out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evidence.models import Checkpoint, EvidenceEntry

from .conftest import client_for
from .factories import application, auditor, cosign, integrate_log, served

pytestmark = pytest.mark.django_db

ENTRIES = "admin:evidence_evidenceentry_changelist"
CHECKPOINTS = "admin:evidence_checkpoint_changelist"


def _row_html(page: str, index: int) -> str:
    start = page.index(f'/admin/evidence/evidenceentry/{index}/change/')
    return page[start:page.index("</tr>", start)]


def test_inclusion_in_the_latest_cosigned_checkpoint(regions):
    app = application("app-sh", "SH")
    first = served(app)
    checkpoint = integrate_log()
    client = client_for(auditor())
    entry = EvidenceEntry.objects.get(call=first.call)
    page = client.get(reverse(ENTRIES)).content.decode()
    assert "尚未纳入已联署的检查点" in _row_html(page, entry.pk)  # signed, but no witness yet

    cosign(checkpoint, "SH", "JS")
    second = served(app)
    integrate_log()  # a newer checkpoint, not cosigned yet
    later = EvidenceEntry.objects.get(call=second.call)
    page = client.get(reverse(ENTRIES)).content.decode()
    row = _row_html(page, entry.pk)
    assert f"已纳入检查点（{checkpoint.size} 条），2 个地区见证" in row
    proof = reverse("evidence:inclusion-proof") + f"?index={entry.pk}&amp;size={checkpoint.size}"
    assert proof in row
    assert "尚未纳入已联署的检查点" in _row_html(page, later.pk)
    # The link answers the proof itself.
    answer = client.get(reverse("evidence:inclusion-proof"), {"index": entry.pk, "size": checkpoint.size})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")


def test_a_checkpoint_lacking_a_witness_past_the_delay_is_shown(regions, settings):
    settings.YSJ_EVIDENCE_WITNESS_DELAY_SECONDS = 0
    served(application("app-sh", "SH"))
    checkpoint = integrate_log()
    cosign(checkpoint, "SH", "JS")
    client = client_for(auditor())
    response = client.get(reverse(CHECKPOINTS))
    page = response.content.decode()
    assert f"检查点 {checkpoint.size}" in page and "仍缺少见证：安徽省、浙江省" in page
    assert "上海市、江苏省" not in page.split("仍缺少见证：")[1].split("<")[0]
    lacking = client.get(reverse(CHECKPOINTS), {"lacking": "yes"}).context["cl"].result_list
    assert [row.pk for row in lacking] == [checkpoint.pk]

    cosign(checkpoint, "ZJ", "AH")
    page = client.get(reverse(CHECKPOINTS)).content.decode()
    assert "仍缺少见证：" not in page
    assert list(client.get(reverse(CHECKPOINTS), {"lacking": "yes"}).context["cl"].result_list) == []
    assert Checkpoint.objects.count() == 1
