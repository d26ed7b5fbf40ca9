"""Lift the registration lock (12.2.1) of an application or a client address, as an operator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import throttle


class Command(BaseCommand):
    help = "解除可信应用注册（12.2.1）的失败锁定：按应用标识（全部来源地址）和/或来源地址。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-id", action="append", dest="app_ids", help="应用标识，可重复")
        parser.add_argument("--client", help="来源地址（IP），单独使用时解除该地址的全部锁定")

    def handle(self, *args: Any, app_ids: list[str] | None, client: str | None, **options: Any) -> None:
        if not app_ids and not client:
            raise CommandError("请指定 --app-id 或 --client")
        count = throttle.unlock(app_ids=app_ids or None, client=client)
        self.stdout.write(f"已解除 {count} 个注册锁定范围。")
