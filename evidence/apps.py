from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "存证日志"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
