from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "证照目录"

    def ready(self) -> None:
        from trust import registry

        from .models import CatalogEntry

        registry.watch(CatalogEntry)
