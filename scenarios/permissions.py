"""Django groups of the governance portal, created after every migrate and by ``setup_governance``.

- 地区管理员 (region administrators): register, edit, confirm or reject and withdraw scenario
  lists for their own region (the region itself comes from ``RegionAdministrator``); read the
  catalog and the publication deliveries, retry deliveries; lift a locked admin login.
- 证照目录管理员 (catalog editors): maintain, publish and withdraw catalog entries; read and retry
  publication deliveries.
- 审计员 (auditors): read everything recorded or governed (evidence log, call and retrieval records,
  holder notices, scenario lists, catalog, their history), every region's; change nothing.

Region administrators also read the call, retrieval and evidence records, of their own region only
(``ysj_portal.audit.restrict``).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

REGION_ADMINS = "地区管理员"
CATALOG_EDITORS = "证照目录管理员"
AUDITORS = "审计员"

#: The records region administrators and auditors read (rows scoped by ysj_portal.audit).
RECORD_VIEWS = [
    "trust.view_envelopecall",
    "sharing.view_retrieval",
    "sharing.view_retrievedcertificate",
    "evidence.view_evidenceentry",
    "evidence.view_checkpoint",
    "evidence.view_cosignature",
]

GROUPS: dict[str, list[str]] = {
    REGION_ADMINS: [
        "scenarios.view_scenariolist",
        "scenarios.add_scenariolist",
        "scenarios.change_scenariolist",
        "scenarios.confirm_scenariolist",
        "scenarios.withdraw_scenariolist",
        "scenarios.view_scenarioconfirmation",
        "scenarios.view_scenarioevent",
        "scenarios.view_regionadministrator",
        "catalog.view_catalogentry",
        "catalog.view_publication",
        "catalog.view_publicationdelivery",
        "catalog.retry_publicationdelivery",
        "trust.view_trustedapplication",
        *RECORD_VIEWS,
        # Lift a colleague's admin-login lock (ysj_portal.admin; not a superuser's).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    CATALOG_EDITORS: [
        "catalog.view_catalogentry",
        "catalog.add_catalogentry",
        "catalog.change_catalogentry",
        "catalog.publish_catalogentry",
        "catalog.view_publication",
        "catalog.view_publicationdelivery",
        "catalog.retry_publicationdelivery",
        "scenarios.view_scenariolist",
    ],
    # View permissions only: the role can change nothing (a permission not installed yet, such as
    # the holder notices' before their app exists, is skipped and granted by a later migrate).
    AUDITORS: [
        *RECORD_VIEWS,
        "notices.view_holdernotice",
        "scenarios.view_scenariolist",
        "scenarios.view_historicalscenariolist",
        "scenarios.view_scenarioconfirmation",
        "scenarios.view_scenarioevent",
        "scenarios.view_regionadministrator",
        "catalog.view_catalogentry",
        "catalog.view_historicalcatalogentry",
        "catalog.view_publication",
        "catalog.view_publicationdelivery",
        "trust.view_region",
        "trust.view_historicalregion",
        "trust.view_trustedapplication",
        "trust.view_historicaltrustedapplication",
    ],
}


def ensure_groups() -> dict[str, int]:
    """Create or update the groups so that they hold exactly the listed permissions."""
    result: dict[str, int] = {}
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
        result[name] = len(wanted)
    return result


def ensure_groups_after_migrate(sender: object, **kwargs: object) -> None:
    """post_migrate hook of this app: the permissions of the apps after it are created first, so
    that the groups hold those of the records (sharing, evidence, notices) on a fresh database too."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_groups()
