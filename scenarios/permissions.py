"""Django groups of the governance portal, created after every migrate and by ``setup_governance``.

- 地区管理员 (region administrators): register, edit, confirm or reject and withdraw scenario
  lists for their own region (the region itself comes from ``RegionAdministrator``); read the
  catalog and the publication deliveries, retry deliveries; lift a locked admin login.
- 证照目录管理员 (catalog editors): maintain, publish and withdraw catalog entries; read and retry
  publication deliveries.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

REGION_ADMINS = "地区管理员"
CATALOG_EDITORS = "证照目录管理员"

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
    """post_migrate hook of this app: by then the permissions of catalog and scenarios exist."""
    ensure_groups()
