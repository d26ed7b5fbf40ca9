"""Check that the calls this node served are in the hub's evidence log (once, or in a loop)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from regional_node.witness import checking


class Command(BaseCommand):
    help = "核对本节点受理的调用已记入融合共享服务系统的存证日志（包含证明对照本节点见证的检查点）"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="持续运行，每 NODE_EVIDENCE_CHECK_SECONDS 秒核对一次，直至收到终止信号",
        )
        parser.add_argument(
            "--every", type=float, default=None, help="循环间隔秒数（默认 NODE_EVIDENCE_CHECK_SECONDS）"
        )
        parser.add_argument(
            "--recheck-given-up",
            action="store_true",
            help="先将已放弃查找的调用重新排入核对队列（各再查找一次），再核对",
        )

    def handle(self, *args, **options) -> None:
        if options["recheck_given_up"]:
            requeued = checking.recheck_given_up()
            self.stdout.write(f"已将 {requeued} 条放弃查找的调用重新排入核对队列")
        if not options["loop"]:
            self._report(checking.check_calls(), totals=True)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        interval = options["every"] if options["every"] is not None else settings.NODE_EVIDENCE_CHECK_SECONDS
        if interval <= 0:
            raise CommandError("循环间隔必须大于 0 秒（NODE_EVIDENCE_CHECK_SECONDS 或 --every）")
        checker = checking.Checker(interval)
        while True:
            # Each run's own counts only: the totals count the whole history, which a loop
            # running for months would pay for at every turn (they are in the node admin).
            self._report(checker.run_once(), totals=False)
            if stop.wait(interval):
                break

    def _report(self, result: checking.RunResult, *, totals: bool) -> None:
        line = (
            f"本次核对 {result.checked} 条：确认 {result.confirmed}，未找到 {result.absent}，"
            f"待见证 {result.unwitnessed}，不一致 {result.mismatched}。"
        )
        if totals:
            counts = checking.summary()
            line += (
                f"累计：已确认 {counts.confirmed}，待确认 {counts.pending}，"
                f"缺失 {counts.missing}，不一致 {counts.mismatched}"
            )
        if result.stopped:
            line += f"（提前结束：{result.stopped}）"
        self.stdout.write(line)
        self.stdout.flush()
