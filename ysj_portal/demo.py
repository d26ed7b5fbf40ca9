"""The demo launcher: the hub and one reference regional node per party on one machine.

    python -m ysj_portal.demo --host 127.0.0.1 --port 8000

``make demo`` runs ``manage.py load_demo`` first (which calls ``provision_regions`` below), then this.
The parties are the rows of ``ysj_protocol.regions``, in its order. The launcher creates the nodes'
SM2 keys under ``var/keys/nodes/`` when missing, points the ``trust.Region`` rows at the nodes
(ports 8101, 8102, ... on loopback, in the table's order), starts the nodes with their demo
data and the hub (gunicorn, static files by WhiteNoise), a Celery worker when a broker is
configured, prints where everything is, the demo accounts and what an application developer needs
for a first call (credentials, key files, a runnable example), and stops every child on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ysj_protocol import regions
from ysj_protocol.crypto import sm2

if TYPE_CHECKING:  # Django is set up only once the launcher runs
    from trust.demo import DemoCredentials

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The parties, in the table's order: the order of the nodes' ports.
REGION_ORDER = regions.CODES
NODE_HOST = "127.0.0.1"
NODE_BASE_PORT = 8101
STARTUP_SECONDS = 90.0


def _var_dir() -> Path:
    value = os.environ.get("YSJ_VAR_DIR")
    return Path(value) if value else REPO_ROOT / "var"


def node_key_path(code: str) -> Path:
    return _var_dir() / "keys" / "nodes" / f"{code.lower()}.key"


def node_key(code: str) -> sm2.PrivateKey:
    """The node's key pair, generated on first use (file readable by its owner only)."""
    from regional_node.keys import ensure_key_file

    return ensure_key_file(node_key_path(code))


def node_port(code: str, base_port: int = NODE_BASE_PORT) -> int:
    return base_port + REGION_ORDER.index(code)


def node_url(code: str, base_port: int = NODE_BASE_PORT) -> str:
    return f"http://{NODE_HOST}:{node_port(code, base_port)}"


def provision_regions(base_port: int | None = None) -> list[Any]:
    """Create or update one ``trust.Region`` row per party so that they point at the demo nodes.

    Needs Django set up with the hub's settings (``load_demo`` calls it). The port base can be
    moved with ``YSJ_DEMO_NODE_PORT``; the nodes always listen on loopback.
    """
    from trust.models import Region

    base_port = base_port or int(os.environ.get("YSJ_DEMO_NODE_PORT", NODE_BASE_PORT))
    rows = []
    for info in regions.REGIONS:
        region, _ = Region.objects.update_or_create(
            code=info.code,
            defaults={
                "division_code": info.division_code,
                "name": info.name,
                "endpoint": node_url(info.code, base_port),
                "account_id": f"region-{info.code.lower()}",
                "public_key": node_key(info.code).public_key.hex(),
                "is_active": True,
            },
        )
        rows.append(region)
    return rows


# ---------------------------------------------------------------------- children
@dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str]
    health_url: str = ""
    log_path: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        output = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            output = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own programs, fixed argument lists
            self.args,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops children in order
        )
        if output is not None:
            output.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(
                    f"{self.name} 启动失败（退出码 {self.process.returncode if self.process else '?'}）{self._log_hint()}"
                )
            if not self.health_url:
                return
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.health_url, timeout=1.0).status_code < 500:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} 在 {timeout:.0f} 秒内未就绪{self._log_hint()}")

    def _log_hint(self) -> str:
        return f"，日志见 {self.log_path}" if self.log_path else ""

    def terminate(self) -> None:
        """Ask the child's whole process group to stop gracefully."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def finish(self, deadline: float) -> None:
        """Wait until ``deadline`` (monotonic) for the child to stop, then kill its group."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def stop_all(children: list[Child], timeout: float = 10.0) -> None:
    """Stop every child at once (each gets the same grace period), the hub first."""
    for child in reversed(children):
        child.terminate()
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        child.finish(deadline)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def node_children(hub_public_hex: str, hub_account_id: str, base_port: int, hub_url: str = "") -> list[Child]:
    """One child per party; ``hub_url`` is where each node relays its own applications' calls."""
    children = []
    node_env_names = ("NODE_DATABASE_URL", "NODE_PRIVATE_KEY", "NODE_DATA_DIR", "NODE_REGION", "NODE_KEY_FILE")
    base_env = {
        k: v for k, v in _child_env().items() if k not in node_env_names and k != "DJANGO_SETTINGS_MODULE"
    }
    for code in REGION_ORDER:
        port = node_port(code, base_port)
        data_dir = _var_dir() / "nodes" / code.lower()
        env = {
            **base_env,
            "NODE_REGION": code,
            "NODE_DATA_DIR": str(data_dir),
            "NODE_KEY_FILE": str(node_key_path(code)),
            "NODE_HUB_PUBLIC_KEY": hub_public_hex,
            "NODE_HUB_ACCOUNT_ID": hub_account_id,
            "NODE_HUB_URL": hub_url,
            "NODE_PUBLIC_URL": node_url(code, base_port),
            # Demo facilities: fault drills and service codes (never in production).
            "NODE_DRILLS": os.environ.get("NODE_DRILLS", "1"),
            "NODE_SERVICE_CODES": os.environ.get("NODE_SERVICE_CODES", "1"),
        }
        children.append(
            Child(
                name=f"地区节点 {code}",
                args=[sys.executable, "-m", "regional_node", "serve", "--host", NODE_HOST, "--port", str(port), "--seed"],
                env=env,
                health_url=f"{node_url(code, base_port)}/healthz",
                log_path=data_dir / "node.log",
            )
        )
    return children


def hub_url_for(host: str, port: int) -> str:
    """Where the demo hub is reached on this machine, whatever address it listens on."""
    public_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - a listen address
    return f"http://{public_host}:{port}"


def register_node_applications(nodes: list[Child]) -> int:
    """Register each demo application at its own region's node (7.2 b), as at the hub: same appId and key.

    Run once the nodes are up (``serve`` has migrated their databases); returns how many were registered.
    """
    from trust.demo import credentials

    by_region: dict[str, list[DemoCredentials]] = {}
    for app in credentials():
        by_region.setdefault(app.region, []).append(app)
    registered = 0
    for child in nodes:
        for app in by_region.get(child.env.get("NODE_REGION", ""), []):
            result = subprocess.run(  # noqa: S603 - our own program, fixed argument list
                [
                    sys.executable, "-m", "regional_node", "add_application",
                    "--app-id", app.app_id, "--public-key", app.public_key, "--name", app.name,
                ],
                cwd=REPO_ROOT,
                env=child.env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"{child.name} 登记应用系统 {app.app_id} 失败：{result.stderr.strip()[-500:]}")
            registered += 1
    return registered


def create_node_superusers(nodes: list[Child]) -> None:
    """Each node's demo superuser (``regional_node.demo.NODE_ADMIN``), for the node admin link printed."""
    for child in nodes:
        result = subprocess.run(  # noqa: S603 - our own program, fixed argument list
            [sys.executable, "-m", "regional_node", "shell", "-c",
             "from regional_node.demo import ensure_node_superuser; ensure_node_superuser()"],
            cwd=REPO_ROOT, env=child.env, capture_output=True, text=True, timeout=120, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{child.name} 创建节点管理员失败：{result.stderr.strip()[-500:]}")


def hub_children(host: str, port: int, workers: int) -> list[Child]:
    env = _child_env(DJANGO_SETTINGS_MODULE="ysj_portal.settings")
    # Download addresses (12.1.6, 12.1.7) must point at where this demo hub really listens.
    public_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - a listen address
    env.setdefault("YSJ_PUBLIC_BASE_URL", f"http://{public_host}:{port}")
    children = [
        Child(
            name="融合共享服务系统",
            args=[
                sys.executable, "-m", "gunicorn", "ysj_portal.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", "8", "--worker-class", "gthread",
                "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
            ],
            env=env,
            health_url=f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/",  # noqa: S104 - a listen address, not a bind
            log_path=_var_dir() / "hub.log",
        )
    ]
    if os.environ.get("CELERY_BROKER_URL"):
        for role in ("worker", "beat"):
            children.append(
                Child(
                    name=f"Celery {role}",
                    args=[sys.executable, "-m", "celery", "-A", "ysj_portal", role, "-l", "warning"]
                    + (["--schedule", str(_var_dir() / "celerybeat-schedule")] if role == "beat" else []),
                    env=env,
                    log_path=_var_dir() / f"celery-{role}.log",
                )
            )
    return children


# ---------------------------------------------------------------------- what is printed
REGISTER_PATH = "/api/v1/trust/apps/register"
SCENARIO_QUERY_PATH = "/api/v1/scenarios/query"


def shown_path(path: Path) -> str:
    """``path`` relative to the project when it lies inside it (``var/...``), else in full.

    Not resolved: the virtualenv's ``python`` is a symbolic link that must stay inside ``.venv``.
    """
    path = path.absolute()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def first_call_example(app: DemoCredentials, hub_url: str, hub_public_hex: str) -> list[str]:
    """What a developer pastes in the project folder: 12.2.1, then 12.1.4 with the token.

    First the ``ysj`` command line, configured by the ``YSJ_*`` variables as in
    ``docs/quickstart.md``; then, as a second option, the same two calls through the application
    client ``ysj_protocol.app.Client``, which reads the same variables. Both are the project's own
    code, so the envelope (SM2, C1C3C2, head) and the token handling are the real ones.
    """
    variables = {
        "YSJ_BASE_URL": hub_url,
        "YSJ_HUB_PUBLIC_KEY": hub_public_hex,
        "YSJ_APP_ID": app.app_id,
        "YSJ_APP_SECRET": app.app_secret,
        "YSJ_CORP_NAME": app.corp_name,
        "YSJ_CORP_CODE": app.corp_code,
        "YSJ_KEY_FILE": shown_path(app.key_path),
    }
    bin_dir = Path(sys.executable).parent
    return [
        *(f"export {name}={shlex.quote(value)}" for name, value in variables.items()),
        f"{shown_path(bin_dir / 'ysj')} register",
        f"{shown_path(bin_dir / 'ysj')} scenarios",
        "  或在同一终端以 Python 客户端 ysj_protocol.app.Client（读取同样的 YSJ_* 环境变量）：",
        f"{shown_path(Path(sys.executable))} - <<'EOF'",
        "from ysj_protocol.app import load_settings",
        "",
        "with load_settings().client() as client:  # a ysj_protocol.app.Client",
        f"    registration = client.register()  # 12.2.1 {REGISTER_PATH}",
        '    print("令牌", registration.access_token[:12] + "…", "过期时间", registration.expires_at)',
        f"    for scenario in client.scenarios():  # 12.1.4 {SCENARIO_QUERY_PATH}",
        "        print(scenario.item_code, scenario.item_name)",
        "EOF",
    ]


def application_lines(hub_url: str) -> list[str]:
    """The demo applications with everything a developer needs for a first call, and that call."""
    from django.core.exceptions import ImproperlyConfigured

    from trust.demo import credentials
    from trust.keys import hub_public_key

    apps = credentials()
    if not apps:
        return ["  演示应用尚未登记（运行 python manage.py load_demo）"]
    try:
        hub_public_hex = hub_public_key().hex()
    except ImproperlyConfigured:  # no key yet: everything else is still worth printing
        hub_public_hex = ""
    lines = [
        "  演示应用系统（appSecret 仅以明文保存在本机私钥旁的 .secret 文件中，权限 600；平台只存其摘要）："
    ]
    for app in apps:
        lines += [
            f"    {app.app_id}（{app.region}）{app.name}",
            f"      appId      {app.app_id}",
            f"      appSecret  {app.app_secret or '（与平台登记不符，请重新运行 load_demo）'}",
            f"      corpName   {app.corp_name}",
            f"      corpCode   {app.corp_code}",
            f"      私钥文件   {shown_path(app.key_path)}",
            f"      公钥       {app.public_key}",
        ]
    if not hub_public_hex:
        lines.append(
            "  融合共享服务系统尚无 SM2 密钥（python manage.py generate_sm2_keypair），无法给出调用示例"
        )
        return lines
    lines.append(f"  融合共享服务系统地址 {hub_url}  公钥 {hub_public_hex}")
    first = next((app for app in apps if app.app_secret), None)
    if first is None:  # every kept secret was replaced in the admin: an example would be refused
        return lines
    lines += [
        f"  第一次调用示例（{first.app_id}：12.2.1 可信应用注册取得令牌，再以令牌调用 12.1.4 用证清单获取；"
        "其他应用换用其 appId、appSecret、单位与私钥文件），在项目目录下以 ysj 命令行运行：",
        *first_call_example(first, hub_url, hub_public_hex),
    ]
    return lines


def account_lines(hub_url: str) -> list[str]:
    """The demo region administrators and application systems that ``load_demo`` created."""
    from regional_node.demo import NODE_ADMIN, NODE_ADMIN_PASSWORD
    from scenarios.demo import ADMINS, AUDITOR, DEMO_PASSWORD

    lines = [
        f"  地区管理员 {username}（{code}）密码 {DEMO_PASSWORD}  治理门户 /admin/"
        for code, username in ADMINS.items()
    ]
    lines.append(f"  审计员 {AUDITOR}（只读，各地区）密码 {DEMO_PASSWORD}  治理门户 /admin/")
    lines.append(f"  节点管理员 {NODE_ADMIN}（各地区节点的超级用户）密码 {NODE_ADMIN_PASSWORD}  节点管理 节点地址加 /admin/")
    return lines + application_lines(hub_url)


def summary(host: str, port: int, base_port: int) -> str:
    from regional_node.demo import DEMO_COMPANY, DEMO_PERSON, NODE_ADMIN, regions_of

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - a listen address
    hub = f"http://{shown_host}:{port}"
    lines = [
        "",
        "长三角电子证照融合共享服务系统（演示）已启动",
        f"  治理门户     {hub}/admin/",
        f"  接口文档     {hub}/api/docs/   OpenAPI {hub}/api/schema/",
        "  地区电子证照管理系统（参考节点）：",
    ]
    for code in REGION_ORDER:
        url = node_url(code, base_port)
        lines.append(
            f"    {code}  {url}   节点管理 {url}/admin/（{NODE_ADMIN}）   日志 {_var_dir() / 'nodes' / code.lower() / 'node.log'}"
        )
    lines.append(
        f"  本地区应用系统经本地区节点调用：节点地址加 /ysj，接口路径与融合共享服务系统相同"
        f"（如 {node_url(REGION_ORDER[0], base_port)}/ysj/api/v1/certificates/search，以节点公钥加密）"
    )
    lines += ["  演示账号：", *account_lines(hub)]
    lines += [
        "  演示持证主体：",
        f"    {DEMO_PERSON.name} 身份证 {DEMO_PERSON.code}（证照分布于 {'、'.join(sorted(regions_of(DEMO_PERSON)))}）",
        f"    {DEMO_COMPANY.name} 统一社会信用代码 {DEMO_COMPANY.code}（证照分布于 {'、'.join(sorted(regions_of(DEMO_COMPANY)))}）",
        f"  签发演示政务服务码：curl -X POST {node_url('SH', base_port)}/api/v1/service-codes/issue "
        f'-d \'{{"holderCode": "{DEMO_PERSON.code}"}}\'',
        f"  故障演练：curl -X POST {node_url('JS', base_port)}/api/v1/drills -d '{{\"delayMs\": 500}}'"
        "（malformed: garbage / bad-envelope / no-head / truncated / off）",
        "按 Ctrl-C 停止全部服务。",
        "",
    ]
    return "\n".join(lines)


class OutboxSweeper:
    """Without a Celery broker nobody runs the periodic outbox sweep: the launcher does it itself.

    Publications made before the nodes were up (``load_demo``) and retries of failed deliveries
    reach the nodes this way; with a broker, Celery beat does it and this stays idle.
    """

    def __init__(self) -> None:
        from django.conf import settings

        self.enabled = not os.environ.get("CELERY_BROKER_URL")
        self.interval = float(getattr(settings, "YSJ_PUBLICATION_SWEEP_SECONDS", 15.0))
        self.next_run = 0.0

    def maybe_run(self) -> None:
        if not self.enabled or time.monotonic() < self.next_run:
            return
        self.next_run = time.monotonic() + self.interval
        from django.db import close_old_connections

        try:
            from catalog.tasks import sweep_publications
        except ImportError:
            self.enabled = False
            return
        try:
            sweep_publications()
        except Exception as exc:  # a failed sweep is retried at the next interval
            print(f"发布投递巡检失败：{exc}", file=sys.stderr, flush=True)
        finally:
            close_old_connections()


class EvidenceIntegrator:
    """Without a Celery broker nobody runs the evidence log's integrator: the launcher does it itself.

    Every ``YSJ_EVIDENCE_INTEGRATE_SECONDS`` the calls' pending entries are integrated, a checkpoint
    signed and the nodes' cosignatures collected (``evidence.runner.run_once``); with a broker,
    Celery beat does it and this stays idle.
    """

    def __init__(self) -> None:
        from django.conf import settings

        self.enabled = not os.environ.get("CELERY_BROKER_URL")
        self.interval = float(getattr(settings, "YSJ_EVIDENCE_INTEGRATE_SECONDS", 2.0))
        self.next_run = 0.0

    def maybe_run(self) -> None:
        if not self.enabled or time.monotonic() < self.next_run:
            return
        self.next_run = time.monotonic() + self.interval
        from django.db import close_old_connections

        from evidence.runner import run_once

        try:
            run_once()
        except Exception as exc:  # the entries stay pending; the next run takes them
            print(f"存证日志入账失败：{exc}", file=sys.stderr, flush=True)
        finally:
            close_old_connections()


# ---------------------------------------------------------------------- main
def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ysj_portal.settings")
    import logging

    import django

    django.setup()
    # The readiness polling would otherwise log every request.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run(host: str, port: int, base_port: int, workers: int) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from trust.keys import hub_public_key

    try:
        hub_public_hex = hub_public_key().hex()
    except ImproperlyConfigured as exc:
        print(f"无法启动：{exc}", file=sys.stderr)
        return 2
    try:
        provision_regions(base_port)
    except DatabaseError as exc:
        print(f"无法登记地区节点：{exc}（请先运行 `python manage.py migrate`）", file=sys.stderr)
        return 2
    from django.db import connections

    connections.close_all()

    busy = [
        p
        for p in [port, *(node_port(c, base_port) for c in REGION_ORDER)]
        if not _port_free(NODE_HOST if p != port else host, p)
    ]
    if busy:
        print(f"端口已被占用：{', '.join(map(str, busy))}（已有演示在运行？）", file=sys.stderr)
        return 2

    nodes = node_children(hub_public_hex, settings.YSJ_HUB_ACCOUNT_ID, base_port, hub_url_for(host, port))
    children = nodes + hub_children(host, port, workers)
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"正在启动{regions.numeral()}个地区节点与融合共享服务系统……", flush=True)
        for child in children:
            child.start()
        for child in children:
            if stopping:
                return 130
            child.wait_ready()
        register_node_applications(nodes)
        create_node_superusers(nodes)
        print(summary(host, port, base_port), flush=True)
        sweeper = OutboxSweeper()
        integrator = EvidenceIntegrator()
        while not stopping:
            sweeper.maybe_run()
            integrator.maybe_run()
            for child in children:
                if not child.alive and not stopping:
                    print(
                        f"{child.name} 已退出（退出码 {child.process.returncode}），停止全部服务",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        return 1
    finally:
        print("正在停止……", flush=True)
        stop_all(children)
        print("已停止。", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ysj_portal.demo", description=f"启动演示：融合共享服务系统与{regions.numeral()}个地区节点"
    )
    parser.add_argument("--host", default="127.0.0.1", help="融合共享服务系统监听地址")
    parser.add_argument("--port", type=int, default=8000, help="融合共享服务系统端口")
    parser.add_argument(
        "--node-port",
        type=int,
        default=int(os.environ.get("YSJ_DEMO_NODE_PORT", NODE_BASE_PORT)),
        help=f"第一个地区节点的端口（{REGION_ORDER[0]}；其后依次为 {'、'.join(REGION_ORDER[1:])}）",
    )
    parser.add_argument("--workers", type=int, default=2, help="融合共享服务系统的 gunicorn 进程数")
    args = parser.parse_args(argv)
    return run(args.host, args.port, args.node_port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
