import time

from django.conf import settings
from django.core.management.base import BaseCommand

from regional_node.exchange.forwarding import sweep


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "向订阅的应用系统转发到期的发布（--loop 持续运行）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args, **options) -> None:
        while True:
            attempted = sweep()
            if not options["loop"]:
                self.stdout.write(f"尝试转发 {attempted} 条")
                return
            time.sleep(settings.NODE_FORWARD_SWEEP_SECONDS)
