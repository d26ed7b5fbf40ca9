"""The whole chain for the sharing benchmarks: one regional node per party, the hub under gunicorn, a caller.

Everything runs as real processes on loopback: each reference node (``python -m regional_node
serve``) with its own key, SQLite store and demo data; the hub under gunicorn on the database
named by ``DATABASE_URL`` (a throw-away SQLite file when unset); and the benchmark process as the
application system. Node faults (answer delay) are set through the nodes' drill file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ysj_protocol.regions import CODES as REGIONS

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "bench-app"
SCENARIO = "BENCH-SC"
TYPES = {"111": "居民身份证", "112": "机动车驾驶证", "114": "不动产权证书"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@dataclass
class Node:
    region: str
    port: int
    data_dir: Path
    private_hex: str
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_drill(self, **body: Any) -> None:
        """Switch the node's fault drill (its ``/api/v1/drills`` endpoint, on with NODE_DRILLS)."""
        httpx.post(f"{self.url}/api/v1/drills", json=body, timeout=5.0).raise_for_status()


@dataclass
class Stack:
    """Nodes, hub and the application's tokens; ``close()`` stops every process it started."""

    workdir: Path
    hub_private_hex: str
    env: dict[str, str]
    nodes: dict[str, Node] = field(default_factory=dict)
    hub_proc: subprocess.Popen | None = None
    hub_url: str = ""
    app_private_hex: str = ""
    access_token: str = ""
    trusted_token: str = ""
    holder: Any = None

    def close(self) -> None:
        procs = [n.proc for n in self.nodes.values()] + [self.hub_proc]
        for proc in procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            if proc is not None:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def set_delay(self, delay_ms: int) -> None:
        for node in self.nodes.values():
            node.set_drill(delayMs=delay_ms)


BENCH_DATABASE = "ysj_bench"


def hub_database_url(workdir: Path) -> str:
    """PostgreSQL (a fresh ``ysj_bench`` database) when reachable, as in production; else SQLite.

    ``BENCH_DATABASE_URL`` names another server; its database is dropped and recreated.
    """
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}")
    try:
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url
    except Exception as exc:  # no PostgreSQL here: say so, and measure on SQLite
        print(f"PostgreSQL not available ({type(exc).__name__}): the hub runs on SQLite", file=sys.stderr)
        return f"sqlite:///{workdir / 'hub.sqlite3'}"


def _hub_env(workdir: Path, hub_private_hex: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = hub_database_url(workdir)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ysj_portal.settings",
            "YSJ_HUB_PRIVATE_KEY": hub_private_hex,
            "YSJ_VAR_DIR": str(workdir / "hub"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "PYTHONWARNINGS": "ignore::UserWarning",
        }
    )
    return env


def start(*, hub_workers: int = 4, hub_threads: int = 8, node_threads: int = 32, urlconf: str | None = None) -> Stack:
    """Start the nodes (one per party) and the hub, register everything, and issue the application's tokens."""
    from ysj_protocol.crypto import sm2

    workdir = Path(tempfile.mkdtemp(prefix="ysj-bench-"))
    hub_key = sm2.PrivateKey.generate()
    stack = Stack(workdir=workdir, hub_private_hex=hub_key.hex(), env=_hub_env(workdir, hub_key.hex()))
    try:
        for region in REGIONS:
            node = Node(region, free_port(), workdir / f"node-{region.lower()}", sm2.PrivateKey.generate().hex())
            node_env = dict(os.environ)
            node_env.update(
                {
                    "NODE_REGION": region,
                    "NODE_DATA_DIR": str(node.data_dir),
                    "NODE_PRIVATE_KEY": node.private_hex,
                    "NODE_HUB_PUBLIC_KEY": hub_key.public_key.hex(),
                    "NODE_DRILLS": "1",
                    "NODE_LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(ROOT),
                }
            )
            node_env.pop("DATABASE_URL", None)
            node.proc = subprocess.Popen(
                [sys.executable, "-m", "regional_node", "serve", "--seed", "--port", str(node.port),
                 "--threads", str(node_threads)],
                cwd=ROOT, env=node_env, stdout=subprocess.DEVNULL,
            )
            stack.nodes[region] = node
        _prepare_hub_database(stack)
        hub_port = free_port()
        stack.hub_url = f"http://127.0.0.1:{hub_port}"
        env = dict(stack.env, YSJ_PUBLIC_BASE_URL=stack.hub_url)
        if urlconf:
            env["YSJ_BENCH_URLCONF"] = urlconf
        stack.hub_proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "benchmarks._hub_wsgi:application" if urlconf else "ysj_portal.wsgi:application",
             "--bind", f"127.0.0.1:{hub_port}", "--workers", str(hub_workers), "--threads", str(hub_threads),
             "--worker-class", "gthread", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=env,
        )
        for node in stack.nodes.values():
            wait_http(node.url + "/healthz", proc=node.proc)
        wait_http(stack.hub_url + "/", proc=stack.hub_proc)
        return stack
    except BaseException:
        stack.close()
        raise


def _prepare_hub_database(stack: Stack) -> None:
    """Migrate the hub database and register regions, application, catalog, scenario list, tokens."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=stack.env, check=True
    )
    script = ROOT / "benchmarks" / "_hub_setup.py"
    nodes = {code: {"url": n.url, "public": _public_of(n.private_hex)} for code, n in stack.nodes.items()}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=stack.env, check=True, capture_output=True, text=True,
        input=json.dumps({"nodes": nodes, "app_id": APP_ID, "scenario": SCENARIO, "types": TYPES}),
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    stack.app_private_hex = data["app_private"]
    stack.access_token = data["access_token"]
    stack.trusted_token = data["trusted_token"]
    stack.holder = data["holder"]


def _public_of(private_hex: str) -> str:
    from ysj_protocol.crypto import sm2

    return sm2.PrivateKey.from_hex(private_hex).public_key.hex()


def granted(params: dict[str, Any], region: str, hub_private_hex: str) -> dict[str, Any]:
    """A provider search of the hub to ``region`` with a fresh grant, as the hub's trust service mints it."""
    from ysj_protocol import grants
    from ysj_protocol.crypto import sm2

    audit, holder = params["audit"], params["holder"]
    grant = grants.issue(
        sm2.PrivateKey.from_hex(hub_private_hex), region=region, call="search", app_id=audit["appId"],
        item_code=audit["itemCode"], biz_num=audit["bizNum"], type_codes=params["certificateTypeCodes"],
        holder=(holder["codeType"], holder["code"]),
    )
    return {**params, "grant": grant}


def search_params(**extra: Any) -> dict[str, Any]:
    return {
        "useFor": "性能测试",
        "itemName": "性能测试场景",
        "itemCode": SCENARIO,
        "itemOrg": "长三角一网通办",
        "operator": "测试员",
        "bizNum": f"BENCH-{time.time_ns()}",
        **extra,
    }
