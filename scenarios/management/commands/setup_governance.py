"""Create or update the governance groups and, optionally, make a user a region's administrator."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from scenarios.models import RegionAdministrator
from scenarios.permissions import REGION_ADMINS, ensure_groups
from trust.models import Region


class Command(BaseCommand):
    help = "创建或更新治理门户的用户组与权限；可选：把用户设为某地区的管理员"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="用户名")
        parser.add_argument("--region", help="地区代码：SH、JS、ZJ 或 AH")

    def handle(self, *args, **options) -> None:
        for name, count in ensure_groups().items():
            self.stdout.write(f"用户组「{name}」：{count} 项权限")
        username, code = options.get("user"), options.get("region")
        if not username and not code:
            return
        if not (username and code):
            raise CommandError("--user 与 --region 须同时给出")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        region = Region.objects.filter(code=code.upper()).first()
        if region is None:
            raise CommandError(f"地区 {code} 未登记")
        RegionAdministrator.objects.update_or_create(user=user, defaults={"region": region})
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=REGION_ADMINS))
        self.stdout.write(f"{username} 现为{region.name}的地区管理员")
