from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "regional_node.certificates"
    label = "node_certificates"
    verbose_name = "电子证照"
    default_auto_field = "django.db.models.BigAutoField"
