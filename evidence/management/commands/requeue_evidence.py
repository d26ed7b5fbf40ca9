"""Send quarantined pending entries back to the integrator once this version reads their bytes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from evidence.services import requeue_quarantined


class Command(BaseCommand):
    help = "将隔离的待入账存证重新交给入账程序（仅限本版本能够读取的叶子数据；每条只能重新入账一次）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="隔离记录编号；不填则处理全部尚未重新入账的记录")
        parser.add_argument("--operator", required=True, help="操作人")
        parser.add_argument("--reason", required=True, help="说明（记录在案）")

    def handle(self, *args, **options) -> None:
        try:
            result = requeue_quarantined(
                ids=options["ids"] or None, operator=options["operator"], reason=options["reason"]
            )
        except ValueError as exc:
            raise CommandError(f"操作人与说明不能为空（{exc}）") from exc
        self.stdout.write(f"已重新交给入账程序：{len(result.requeued)} 条 {list(result.requeued)}")
        if result.unreadable:
            self.stdout.write(
                f"本版本仍无法读取、保留在隔离中：{len(result.unreadable)} 条 {list(result.unreadable)}"
            )
