"""The node's check of the trust service's grant, per provider call: target under 1 ms of node CPU.

Every search, info, file and status call a node answers first checks its grant
(``regional_node.grants.check_call``): the SM2 signature against the trust service's key, the
times, the audience and what the call asks, and the nonce, written once to the node's database
(a unique row shared by its processes). This benchmark runs that check with the node's settings
in a throwaway SQLite database (WAL, persistent connection), on fresh grants minted beforehand,
and reports the node's CPU (process time) and wall time per call, medians over rounds, split into
the offline part (signature and scope) and the nonce's insert. The hub's cost of minting one grant
(one SM2 signature) is reported too.

Exit status 1 when the median CPU per call of the whole check is 1 ms or more.

Usage: python benchmarks/bench_grants.py [--quick] [--rounds N] [--calls N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 1.0


def _setup_node(data_dir: Path, hub_public_hex: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "regional_node.settings"
    os.environ["NODE_REGION"] = "SH"
    os.environ["NODE_DEBUG"] = "1"
    os.environ["NODE_DATA_DIR"] = str(data_dir)
    os.environ["NODE_DATABASE_URL"] = f"sqlite:///{data_dir / 'node.sqlite3'}"
    os.environ["NODE_HUB_PUBLIC_KEY"] = hub_public_hex
    os.environ.pop("NODE_TRUST_PUBLIC_KEY", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _search_params(index: int) -> dict:
    return {
        "holder": {"name": "张伟", "codeType": "身份证", "code": "31010419850312257X"},
        "certificateTypeCodes": ["11100000000013127D001", "11200000000013127D001", "11400000000013127D001"],
        "certificateType": "",
        "certificateNumber": "",
        "audit": {
            "useFor": "办理户籍迁移", "itemName": "户籍迁移", "itemCode": "SC-ALL", "itemOrg": "上海市徐汇区政务服务中心",
            "operator": "王五", "bizNum": f"BIZ-{index}", "appId": "app-0001",
        },
    }


def _granted(params: list[dict], key: object) -> list[dict]:
    from ysj_protocol import grants

    out = []
    for p in params:
        audit, holder = p["audit"], p["holder"]
        grant = grants.issue(
            key, region="SH", call="search", app_id=audit["appId"], item_code=audit["itemCode"],
            biz_num=audit["bizNum"], type_codes=p["certificateTypeCodes"], holder=(holder["codeType"], holder["code"]),
        )
        out.append({**p, "grant": grant})
    return out


def _timed(run: Callable[[dict], object], calls: list[dict]) -> tuple[float, float]:
    """(CPU ms, wall ms) per call."""
    cpu, wall = time.process_time(), time.perf_counter()
    for params in calls:
        run(params)
    n = len(calls)
    return (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--calls", type=int, default=0)
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    calls = args.calls or (200 if args.quick else 1000)

    from ysj_protocol.crypto import sm2

    hub_key = sm2.PrivateKey.generate()
    with tempfile.TemporaryDirectory(prefix="bench-grants-") as tmp:
        _setup_node(Path(tmp), hub_key.public_key.hex())
        from regional_node import grants
        from ysj_protocol import grants as grant_format

        public_key = grants.trust_public_key()

        def offline(params: dict) -> object:
            checked = grant_format.check(params["grant"], public_key, region="SH", call="search")
            checked.allows_audit(params["audit"])
            checked.allows_types(params["certificateTypeCodes"])
            return checked.names_holder(params["holder"]["codeType"], params["holder"]["code"])

        def whole(params: dict) -> object:
            return grants.check_call("search", params)

        # Warm up: the key's comb table, the statement cache, the connection.
        for params in _granted([_search_params(i) for i in range(20)], hub_key):
            whole(params)
        figures: dict[str, list[tuple[float, float]]] = {"offline": [], "whole": [], "mint": []}
        for r in range(rounds):
            base = [_search_params(r * calls + i) for i in range(calls)]
            cpu, wall = time.process_time(), time.perf_counter()
            batch = _granted(base, hub_key)
            figures["mint"].append(
                ((time.process_time() - cpu) * 1000 / calls, (time.perf_counter() - wall) * 1000 / calls)
            )
            figures["offline"].append(_timed(offline, batch))
            figures["whole"].append(_timed(whole, batch))

    print(f"grant check at the node, {rounds} rounds x {calls} calls (medians, per call)")
    for name, label in (
        ("offline", "signature, times and scope"),
        ("whole", "check_call (with the nonce's insert)"),
        ("mint", "minting at the hub (one SM2 signature)"),
    ):
        cpu = statistics.median(c for c, _ in figures[name])
        wall = statistics.median(w for _, w in figures[name])
        print(f"  {label:<42} CPU {cpu:6.3f} ms   wall {wall:6.3f} ms")
    whole_cpu = statistics.median(c for c, _ in figures["whole"])
    offline_cpu = statistics.median(c for c, _ in figures["offline"])
    print(f"  nonce insert (difference)                  CPU {whole_cpu - offline_cpu:6.3f} ms")
    ok = whole_cpu < TARGET_MS
    print(f"target: node CPU per call < {TARGET_MS:.1f} ms: {'met' if ok else 'MISSED'} ({whole_cpu:.3f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
