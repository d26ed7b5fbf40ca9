"""Fused search with every region answering in 100 ms: parallel fan-out vs a region-by-region loop.

Four reference nodes each delay their answers by 100 ms (drills). Measured in the same run:

- each node alone, called as the hub calls it (the slowest median is the reference);
- the four nodes asked one after the other (what a sequential hub would cost, target >= 400 ms);
- the hub's 12.1.5 search end to end over HTTP (application -> hub -> four regions -> answer);
- the same search relayed by the application's own region (application -> SH node ``/ysj`` -> hub
  -> four regions -> back through the node): the hub's search plus the node's hop. The relaying
  node is a separate process with the SH region's key and account, as its own node would be.

Target: the hub's median search within 1.5x the slowest node. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _stack  # noqa: E402
from ysj_protocol.client import EnvelopeClient, Peer  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

DELAY_MS = 100
ROUNDS = 30


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def deliver_publications(stack: _stack.Stack) -> None:
    """The setup publishes the catalog without delivering it: send it now, so that the nodes map
    their local type codes to the shared ones the hub searches for."""
    sweep = "from catalog.tasks import sweep_publications; sweep_publications()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", sweep], cwd=_stack.ROOT, env=stack.env, check=True, capture_output=True
    )


def start_relay(stack: _stack.Stack, hub_public_hex: str) -> tuple[subprocess.Popen, str]:
    """A node serving the SH region's relay for the benchmark application, its token bound to it."""
    port = _stack.free_port()
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "NODE_REGION": "SH",
            "NODE_DATA_DIR": str(stack.workdir / "relay-sh"),
            "NODE_PRIVATE_KEY": stack.nodes["SH"].private_hex,
            "NODE_HUB_PUBLIC_KEY": hub_public_hex,
            "NODE_HUB_URL": stack.hub_url,
            "NODE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(_stack.ROOT),
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "regional_node", "serve", "--port", str(port), "--threads", "32"],
        cwd=_stack.ROOT, env=env, stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _stack.wait_http(url + "/healthz", proc=proc)
    app_public = sm2.PrivateKey.from_hex(stack.app_private_hex).public_key.hex()
    manage = [sys.executable, "-m", "regional_node"]
    subprocess.run(
        [*manage, "add_application", "--app-id", _stack.APP_ID, "--public-key", app_public, "--name", "性能测试应用"],
        cwd=_stack.ROOT, env=env, check=True, capture_output=True,
    )
    # The setup issued the token at the hub directly; bind it as if 12.2.1 had come through the node.
    bind = (
        "from regional_node.relay.models import Application; from regional_node.relay.views import keep_token; "
        f"keep_token(Application.objects.get(app_id={_stack.APP_ID!r}), {{'accessToken': {stack.access_token!r}}})"
    )
    subprocess.run([*manage, "shell", "-c", bind], cwd=_stack.ROOT, env=env, check=True, capture_output=True)
    return proc, url


def main() -> int:
    quick = "--quick" in sys.argv
    rounds = 10 if quick else ROUNDS
    stack = _stack.start(hub_workers=1, hub_threads=8)
    relay_proc = None
    try:
        hub_key = sm2.PrivateKey.from_hex(stack.hub_private_hex)
        app = EnvelopeClient(
            Peer(stack.hub_url, hub_key.public_key, name="hub"), account_id=_stack.APP_ID,
            private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=10,
        )
        nodes = {
            code: EnvelopeClient(
                Peer(node.url, sm2.PrivateKey.from_hex(node.private_hex).public_key, name=code),
                account_id="ysj-hub", private_key=hub_key, timeout=10,
            )
            for code, node in stack.nodes.items()
        }
        deliver_publications(stack)
        relay_proc, relay_url = start_relay(stack, hub_key.public_key.hex())
        via_node = EnvelopeClient(
            Peer(f"{relay_url}/ysj", sm2.PrivateKey.from_hex(stack.nodes["SH"].private_hex).public_key, name="node-SH"),
            account_id=_stack.APP_ID, private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=10,
        )
        head = {"accessToken": stack.access_token}
        region_params = {
            "holder": stack.holder,
            "certificateTypeCodes": sorted(_stack.TYPES),
            "audit": {**_stack.search_params(), "appId": _stack.APP_ID},
        }

        def hub_search() -> None:
            opened = app.call("/api/v1/certificates/search", _stack.search_params(trustedToken=stack.trusted_token), head=head)
            assert opened.data["unavailableRegions"] == [], opened.data
            assert opened.data["total"] == 4, opened.data

        def relayed_search() -> None:
            params = _stack.search_params(trustedToken=stack.trusted_token)
            opened = via_node.call("/api/v1/certificates/search", params, head=head)
            assert opened.data["unavailableRegions"] == [], opened.data
            assert opened.data["total"] == 4, opened.data

        def for_node(code: str) -> dict:
            """Each call as the hub makes it: with the trust service's grant for it (one use each)."""
            return _stack.granted(region_params, code, stack.hub_private_hex)

        stack.set_delay(DELAY_MS)
        for _ in range(5):  # warm up: connections, imports, database
            hub_search()
            relayed_search()
            for code, client in nodes.items():
                client.call("/api/v1/certificates/search", for_node(code))

        per_node = {code: [] for code in nodes}
        loop, fused, relayed = [], [], []
        for _ in range(rounds):
            for code, client in nodes.items():
                per_node[code].append(timed(lambda c=client, r=code: c.call("/api/v1/certificates/search", for_node(r))))
            loop.append(timed(lambda: [c.call("/api/v1/certificates/search", for_node(r)) for r, c in nodes.items()]))
            fused.append(timed(hub_search))
            relayed.append(timed(relayed_search))

        node_ms = {code: median_ms(samples) for code, samples in per_node.items()}
        slowest = max(node_ms.values())
        loop_ms, fused_ms = median_ms(loop), median_ms(fused)
        fused_p95 = statistics.quantiles(fused, n=20)[18] * 1000
        relayed_ms = median_ms(relayed)
        relayed_p95 = statistics.quantiles(relayed, n=20)[18] * 1000
        print(f"nodes delaying {DELAY_MS} ms, {rounds} rounds, medians:")
        for code, value in node_ms.items():
            print(f"  node {code} alone             {value:7.1f} ms")
        print(f"  region-by-region loop      {loop_ms:7.1f} ms")
        print(f"  hub fused search (12.1.5)  {fused_ms:7.1f} ms  (p95 {fused_p95:.1f} ms)")
        print(f"  relayed by node SH (/ysj)  {relayed_ms:7.1f} ms  (p95 {relayed_p95:.1f} ms)")
        print(f"  the node's hop             {relayed_ms - fused_ms:7.1f} ms  (relayed - fused, medians)")
        print(f"  fused / slowest node       {fused_ms / slowest:7.2f}x  (target <= 1.5x)")
        print(f"  loop / fused               {loop_ms / fused_ms:7.2f}x")
        ok = fused_ms <= 1.5 * slowest and loop_ms >= 400
        if not ok:
            print("TARGET MISSED: fused search within 1.5x the slowest node, loop >= 400 ms")
        return 0 if ok else 1
    finally:
        if relay_proc is not None:
            relay_proc.terminate()
            relay_proc.wait(timeout=10)
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
