"""Demo region administrators and scenario lists (for ``manage.py load_demo``), idempotent.

One administrator per region and one auditor (``AUDITOR``, the read-only 审计员 role), password
``DEMO_PASSWORD`` (demo only; README, "Demo accounts").
Lists in several states, so that the portal shows the workflow at once: two published by all
the parties and associated with the demo service counters, one with three confirmations waiting
for Anhui, one rejected by Zhejiang, one just registered. The parties are the rows of
``ysj_protocol.regions``; the administrators' user names follow their codes.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from catalog.models import CatalogEntry
from trust.demo import DEMO_APPLICATIONS
from trust.models import Region, TrustedApplication
from ysj_protocol import regions

from . import services
from .models import Decision, RegionAdministrator, ScenarioList
from .permissions import AUDITORS, CATALOG_EDITORS, REGION_ADMINS, ensure_groups

DEMO_PASSWORD = "ysj-demo-2026"  # noqa: S105 - demo accounts only, documented in README
ADMINS = {code: f"admin_{code.lower()}" for code in regions.CODES}
AUDITOR = "auditor"
DEMO_APPS = [app_id for app_id, *_ in DEMO_APPLICATIONS]
ALL = list(regions.CODES)

# code, name, proposing region, type names, confirming regions, rejection (region, reason)
LISTS = [
    ("YSJ-QYKB-001", "企业开办（跨省通办）", "SH", ["营业执照", "居民身份证"], ALL, None),
    ("YSJ-BDC-002", "不动产登记（跨省通办）", "ZJ", ["不动产权证书", "居民身份证", "结婚证"], ALL, None),
    ("YSJ-SPJY-003", "食品经营许可（长三角一网通办）", "JS", ["食品经营许可证", "营业执照"], ["SH", "JS", "ZJ"], None),
    ("YSJ-JSZ-004", "机动车驾驶证业务", "AH", ["机动车驾驶证", "居民身份证"], ["AH"],
     ("ZJ", "浙江省驾驶证业务已纳入全国互通，建议不单列清单")),
    ("YSJ-CSYX-005", "新生儿出生一件事", "SH", ["出生医学证明", "居民身份证", "结婚证"], [], None),
]


def administrators() -> dict[str, object]:
    """Create or refresh one demo administrator per registered party; returns them by region code."""
    ensure_groups()
    groups = [Group.objects.get(name=REGION_ADMINS), Group.objects.get(name=CATALOG_EDITORS)]
    users = {}
    for code, username in ADMINS.items():
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "first_name": f"{region.name}管理员"}
        )
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.save()
        user.groups.add(*groups)
        RegionAdministrator.objects.update_or_create(user=user, defaults={"region": region})
        users[code] = user
    return users


def auditor() -> object:
    """Create or refresh the demo auditor: staff, the 审计员 group only, no region."""
    ensure_groups()
    user, created = get_user_model().objects.get_or_create(
        username=AUDITOR, defaults={"is_staff": True, "first_name": "审计员"}
    )
    if created or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
    user.is_staff = True
    user.save()
    user.groups.set([Group.objects.get(name=AUDITORS)])
    return user


@transaction.atomic
def load() -> None:
    auditor()
    users = administrators()
    if set(users) != set(ADMINS):
        return  # regions are provisioned first (ysj_portal.demo); nothing to confirm without all of them
    by_name = {e.type_name: e for e in CatalogEntry.objects.all()}
    apps = list(TrustedApplication.objects.filter(app_id__in=DEMO_APPS))
    for code, name, proposer, type_names, confirming, rejection in LISTS:
        if ScenarioList.objects.filter(code=code).exists():
            continue
        entries = [by_name[n] for n in type_names if n in by_name]
        if not entries:
            continue
        scenario = services.register_proposal(
            actor=users[proposer], code=code, name=name, entries=entries, reason="演示数据",
            applications=apps if confirming == ALL else [],
        )
        for region_code in confirming:
            services.decide(scenario, actor=users[region_code], region=users[region_code].region_admin.region,
                            revision=scenario.revision, decision=Decision.CONFIRMED)
        if rejection:
            region_code, reason = rejection
            services.decide(scenario, actor=users[region_code], region=users[region_code].region_admin.region,
                            revision=scenario.revision, decision=Decision.REJECTED, reason=reason)
