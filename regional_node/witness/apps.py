from django.apps import AppConfig


class WitnessConfig(AppConfig):
    """The region as a witness of the hub's evidence log, and the check of its own calls in it."""

    name = "regional_node.witness"
    label = "node_witness"
    verbose_name = "证据日志见证"
    default_auto_field = "django.db.models.BigAutoField"
