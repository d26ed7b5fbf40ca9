from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "共享可信服务"
