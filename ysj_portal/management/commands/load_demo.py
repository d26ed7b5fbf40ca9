"""``manage.py load_demo``: the demo's parties, applications, catalog and scenario lists, then what a
developer needs to make a first call as a demo application (the launcher prints it again)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示数据：四地登记、演示应用、证照目录、用证清单与各地区管理员（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hub-url",
            default="",
            help="调用示例中融合共享服务系统的地址（默认 YSJ_PUBLIC_BASE_URL）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from catalog.demo import load as load_catalog
        from scenarios.demo import load as load_scenarios
        from trust.demo import load_applications

        from ...demo import application_lines, provision_regions

        with transaction.atomic():
            regions = provision_regions()
            applications = load_applications()
            load_catalog()
            load_scenarios()
        self.stdout.write(self.style.SUCCESS(f"已登记 {len(regions)} 个地区、{len(applications)} 个演示应用"))
        for line in application_lines(options["hub_url"] or settings.YSJ_PUBLIC_BASE_URL):
            self.stdout.write(line)
