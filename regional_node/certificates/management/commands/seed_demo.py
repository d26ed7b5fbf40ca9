from django.conf import settings
from django.core.management.base import BaseCommand

from regional_node.certificates.services import seed_demo


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "载入本地区的演示持证主体与电子证照（可重复执行）"

    def handle(self, *args, **options) -> None:
        holders, certificates = seed_demo(settings.NODE_REGION)
        self.stdout.write(f"{settings.NODE_REGION_NAME}: {holders} 个持证主体, {certificates} 张电子证照")
