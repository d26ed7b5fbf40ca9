"""Lift a witness refusal after a log conflict, with the reason recorded."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from regional_node.witness import services
from regional_node.witness.models import WitnessedLog


class Command(BaseCommand):
    help = "解除本节点对证据日志的拒绝见证状态（记录理由与操作人）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--origin", default=None, help="日志标识（默认 NODE_EVIDENCE_ORIGIN）")
        parser.add_argument("--reason", required=True, help="解除理由（必填，写入记录）")
        parser.add_argument("--operator", default=None, help="操作人（默认当前系统用户）")
        parser.add_argument(
            "--forget", action="store_true", help="同时清除已见证状态：下一个检查点按首次见证处理"
        )

    def handle(self, *args, **options) -> None:
        origin = options["origin"] or services.evidence_origin()
        operator = options["operator"] or getpass.getuser()
        try:
            record = services.reset(
                origin=origin, reason=options["reason"], operator=operator, forget=options["forget"]
            )
        except WitnessedLog.DoesNotExist:
            raise CommandError(f"本节点没有日志 {origin} 的见证记录") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        state = "并清除已见证状态" if record.forgot_state else "（保留已见证状态）"
        self.stdout.write(f"已解除对日志 {origin} 的拒绝见证{state}，记录编号 {record.pk}")
