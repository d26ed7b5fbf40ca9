from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "共享可信服务"

    def ready(self) -> None:
        from . import registry
        from .models import Region, TrustedApplication

        registry.watch(Region, TrustedApplication)
