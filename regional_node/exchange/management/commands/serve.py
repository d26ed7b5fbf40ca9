"""Serve the node with gunicorn (threads), the forwarding sweeper running in each worker.

The check that this region's calls are in the hub's evidence log (``check_evidence --loop``)
runs as one process beside the workers, started and stopped by gunicorn's master, so that several
workers never check the same calls at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

from regional_node import drills
from regional_node.keys import hub_public_key, node_public_key


def _start_sweeper(worker: Any) -> None:
    from regional_node.exchange.forwarding import Sweeper

    worker.node_sweeper = Sweeper()
    worker.node_sweeper.start()


def _stop_sweeper(server: Any, worker: Any) -> None:
    sweeper = getattr(worker, "node_sweeper", None)
    if sweeper is not None:
        sweeper.stop()


def _start_evidence_checker(server: Any) -> None:
    if settings.NODE_EVIDENCE_CHECK_SECONDS <= 0:
        return
    import subprocess
    import sys

    command = [sys.executable, "-m", "regional_node", "check_evidence", "--loop"]  # fixed arguments
    server.evidence_checker = subprocess.Popen(command)  # noqa: S603


def _stop_evidence_checker(server: Any) -> None:
    checker = getattr(server, "evidence_checker", None)
    if checker is not None and checker.poll() is None:
        checker.terminate()
        try:
            checker.wait(timeout=10)
        except Exception:  # a checker that does not stop in time is killed with the node
            checker.kill()


class NodeServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from regional_node.wsgi import application

        return application


class Command(BaseCommand):
    help = "运行本地区电子证照管理系统参考节点（gunicorn）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8101)
        parser.add_argument(
            "--workers", type=int, default=settings.NODE_WORKERS, help="进程数（默认 NODE_WORKERS）"
        )
        parser.add_argument("--threads", type=int, default=32)
        parser.add_argument("--seed", action="store_true", help="启动前载入演示数据")
        parser.add_argument("--no-migrate", action="store_true", help="不执行数据库迁移")
        parser.add_argument("--access-log", action="store_true")

    def handle(self, *args, **options) -> None:
        # Fail now, with a clear message, rather than on the first call.
        try:
            node_key = node_public_key()
            hub_public_key()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_migrate"]:
            call_command("migrate", verbosity=0, interactive=False)
        if options["seed"]:
            call_command("seed_demo", verbosity=0)
        drills.clear()
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        connections.close_all()
        self.stdout.write(
            f"{settings.NODE_REGION_NAME}电子证照管理系统 http://{options['host']}:{options['port']}/ "
            f"公钥 {node_key.hex()}",
        )
        self.stdout.flush()
        NodeServer(
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "timeout": 180,
                "graceful_timeout": 5,
                "keepalive": 15,
                "accesslog": "-" if options["access_log"] else None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": f"ysj-node-{settings.NODE_REGION.lower()}",
                "post_worker_init": _start_sweeper,
                "worker_exit": _stop_sweeper,
                "when_ready": _start_evidence_checker,
                "on_exit": _stop_evidence_checker,
            }
        ).run()
