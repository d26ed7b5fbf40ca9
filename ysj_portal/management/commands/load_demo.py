from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示数据：四地登记、演示应用、证照目录、用证清单与各地区管理员（可重复执行）。"

    def handle(self, *args, **options) -> None:
        from catalog.demo import load as load_catalog
        from scenarios.demo import load as load_scenarios
        from trust.demo import load_applications

        from ...demo import provision_regions

        with transaction.atomic():
            regions = provision_regions()
            applications = load_applications()
            load_catalog()
            load_scenarios()
        self.stdout.write(self.style.SUCCESS(f"已登记 {len(regions)} 个地区、{len(applications)} 个演示应用"))
        for app_id, secret in applications:
            self.stdout.write(f"  应用 {app_id}  appSecret={secret}")
