from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "regional_node.exchange"
    label = "node_exchange"
    verbose_name = "目录与清单发布、接口调用"
    default_auto_field = "django.db.models.BigAutoField"
