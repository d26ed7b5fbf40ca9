from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ExchangeConfig(AppConfig):
    name = "regional_node.exchange"
    label = "node_exchange"
    verbose_name = "目录与清单发布、接口调用"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every change of the region's configuration, by a publication or in the admin, reaches
        # the caches of all the node's processes (published.py).
        from . import published
        from .models import PublishedEntry

        post_save.connect(published.entry_changed, sender=PublishedEntry, dispatch_uid="node-published-save")
        post_delete.connect(
            published.entry_changed, sender=PublishedEntry, dispatch_uid="node-published-delete"
        )
