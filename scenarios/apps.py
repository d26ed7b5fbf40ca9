from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "scenarios"
    verbose_name = "用证清单"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from catalog.signals import catalog_entry_changed
        from trust import registry
        from trust.access import register_usage_check

        from .models import ScenarioList
        from .permissions import ensure_groups_after_migrate
        from .propagation import on_catalog_entry_changed
        from .usage import check_usage

        registry.watch(ScenarioList)  # its applications and published entries included
        register_usage_check(check_usage)  # the 7.3 checks of every call made under a scenario list
        catalog_entry_changed.connect(on_catalog_entry_changed, dispatch_uid="scenarios-follow-catalog")
        # After the auth app's own post_migrate handler has created the permissions.
        post_migrate.connect(ensure_groups_after_migrate, sender=self, dispatch_uid="scenarios-governance-groups")
