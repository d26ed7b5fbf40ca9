from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "regional_node.relay"
    label = "node_relay"
    verbose_name = "本地区应用系统与转接"
    default_auto_field = "django.db.models.BigAutoField"
