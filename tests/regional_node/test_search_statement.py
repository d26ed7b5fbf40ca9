"""The search's hand-written statement finds exactly what the equivalent queryset finds.

``services.search`` sends one SQL statement of its own (the queryset cost more CPU to build and
compile than the rest of a search). The queryset below is the definition it must match: every
demo holder, several sets of type codes, a wrong name, a spelled-differently code, narrowing by
type name and face number, shared catalog codes published as aliases of local type names, and
certificates at the edges of validity and order.
Run in a node's own Django (``python -m regional_node shell``) on a node database of its own.
"""

from __future__ import annotations

from ..regional import make_node

SCRIPT = r"""
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from regional_node.certificates import services
from regional_node.certificates.models import Certificate, Holder
from regional_node.demo import DEMO_HOLDERS
from regional_node.exchange.models import PublishedEntry


def reference(holder, codes, type_name="", number=""):
    aliases = services.catalog_aliases(codes)
    queryset = (
        Certificate.objects.effective_valid()
        .filter(holder__code=holder["code"].strip().upper(), holder__code_type=holder["codeType"])
        .filter(Q(type_code__in=codes) | Q(type_name__in=list(aliases)))
    )
    name = (holder.get("name") or "").strip()
    if name:
        queryset = queryset.filter(holder__name=name)
    if type_name:
        queryset = queryset.filter(type_name=type_name)
    if number:
        queryset = queryset.filter(number=number)
    return [
        (c.ref, aliases.get(c.type_name) if c.type_code not in codes else c.type_code)
        for c in queryset.order_by("type_code", "-issue_date", "id")
    ]


# Edge cases beside the demo data: validity starting or ending today, not yet valid, expired by
# date, revoked, several of one type (order by issue date, then id).
today = timezone.localdate()
person = Holder.objects.get(code=DEMO_HOLDERS[0].code)
for i, (valid_from, valid_until, status, issued) in enumerate([
    (today, today, "valid", 30),
    (today + timedelta(days=1), None, "valid", 20),
    (today - timedelta(days=100), today - timedelta(days=1), "valid", 90),
    (today - timedelta(days=100), None, "revoked", 10),
    (today - timedelta(days=5), None, "valid", 50),
    (today - timedelta(days=5), None, "valid", 50),
    (today - timedelta(days=5), None, "valid", 5),
]):
    Certificate.objects.create(
        ref=f"EDGE-{i}", holder=person, type_name="居民身份证", type_code="111", number=f"EDGE-{i}",
        issue_dept="测试", issue_date=today - timedelta(days=issued), valid_from=valid_from,
        valid_until=valid_until, status=status,
    )

for code, name, withdrawn in [
    ("SHARED-ID", "居民身份证", False),
    ("SHARED-ID-2", "居民身份证", False),
    ("SHARED-DL", "机动车驾驶证", False),
    ("SHARED-MC", "结婚证", True),
]:
    PublishedEntry.objects.create(
        kind="catalog", code=code, sequence=len(code) * 1000 + int(withdrawn), action="publish",
        payload={"certificateType": name, "certificateTypeCode": code},
        published_at="2025-03-01 09:30:00", first_published_at="2025-03-01 09:30:00", withdrawn=withdrawn,
    )

code_sets = [
    ["111"], ["111", "112", "113", "114", "115", "311", "312", "313", "314"], ["311", "312"], ["999"],
    ["SHARED-ID"], ["SHARED-ID-2", "SHARED-ID", "113"], ["111", "SHARED-DL", "SHARED-MC"],
]
compared = found = 0
for demo in DEMO_HOLDERS:
    base = demo.as_holder()
    own = list(Certificate.objects.filter(holder__code=base["code"]).order_by("id")[:2])
    narrowing = [{}] + [{"type_name": c.type_name} for c in own] + [{"number": c.number} for c in own]
    for holder in [base, {**base, "name": ""}, {**base, "name": "别人"}, {**base, "code": base["code"].lower() + " "}]:
        for codes in code_sets:
            for narrow in narrowing:
                got = [
                    (c.ref, getattr(c, "shared_type_code", c.type_code))
                    for c in services.search(holder, codes, **narrow)
                ]
                assert got == reference(holder, codes, **narrow), (holder, codes, narrow, got)
                compared += 1
                found += bool(got)
print(compared, found)
"""


def test_the_search_statement_matches_the_queryset(tmp_path, node_template):
    node = make_node("SH", node_template, tmp_path / "node")
    node.manage("seed_demo")
    output = node.manage("shell", "--no-imports", "-c", SCRIPT)
    compared, found = map(int, output.strip().splitlines()[-1].split())
    assert compared > 2500
    assert found > 500
