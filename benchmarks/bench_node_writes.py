"""The regional node's appends on the provider path: prepared statements against the ORM, same run.

Every call a node serves writes a call-log row, and the certificate calls write disclosure rows
and download tickets. ``regional_node.statements`` keeps the INSERT text per shape instead of
letting the ORM build and compile it per call; it should stay only if that pays for itself by
more than the noise. This benchmark writes the rows the call sites write, in a throwaway SQLite
database with the node's settings (WAL, persistent connection), both ways in alternating rounds:

- ``statements.insert(rows)``;
- ``Model.objects.bulk_create(rows)`` (the ORM, one transaction).

It reports the node's CPU per call (process time) and wall time, medians over the rounds, and the
ratio ORM / statements with its spread across rounds. Informational: the exit status is 0.

Usage: python benchmarks/bench_node_writes.py [--quick] [--rounds N] [--calls N]
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


def _setup_node(data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "regional_node.settings"
    os.environ["NODE_REGION"] = "SH"
    os.environ["NODE_DATA_DIR"] = str(data_dir)
    os.environ["NODE_DATABASE_URL"] = f"sqlite:///{data_dir / 'node.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _row_makers() -> dict[str, Callable[[], list]]:
    """Fresh unsaved rows as each call site builds them (a row is written once)."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from regional_node.certificates.models import Certificate, CertificateFile, Disclosure, DownloadTicket
    from regional_node.certificates.services import seed_demo
    from regional_node.exchange.models import CallLog

    seed_demo("SH")
    certificates = list(Certificate.objects.order_by("pk")[:4])
    file, _ = CertificateFile.objects.get_or_create(
        certificate=certificates[0],
        file_format="pdf",
        defaults={"path": "bench.pdf", "size": 1, "sm3": "0" * 64, "signer_fingerprint": "0" * 64},
    )

    def call_log() -> list:
        return [
            CallLog(
                direction="in", account_id="ysj-hub", endpoint="/api/v1/certificates/search",
                http_status=200, status_code="0", latency_ms=12, biz_num="BIZ-1",
                request_id=secrets.token_hex(16), request_digest="A" * 64, response_digest="B" * 64, error="",
            )
        ]

    def disclosures(count: int) -> Callable[[], list]:
        def make() -> list:
            return [
                Disclosure(
                    action="search", certificate=certificate, app_id="app-0001", item_code="SC-ALL",
                    item_org="上海市徐汇区政务服务中心", operator="王五", use_for="办理户籍迁移",
                    biz_num="BIZ-1", request_id=secrets.token_hex(16),
                )
                for certificate in certificates[:count]
            ]

        return make

    def ticket() -> list:
        return [
            DownloadTicket(
                token_digest=secrets.token_hex(32), file=file, biz_num="BIZ-1",
                expires_at=timezone.now() + dt.timedelta(seconds=300),
            )
        ]

    return {
        "call log, 1 row": call_log,
        "disclosure, 1 row": disclosures(1),
        "disclosures, 4 rows": disclosures(4),
        "download ticket": ticket,
    }


def _per_call(write: Callable[[list], None], make: Callable[[], list], calls: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per call, the rows built outside the timing."""
    batches = [make() for _ in range(calls)]
    cpu, wall = time.process_time(), time.perf_counter()
    for rows in batches:
        write(rows)
    return (time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=300, help="calls per round and way")
    args = parser.parse_args(argv)
    rounds, calls = (5, 100) if args.quick else (max(2, args.rounds), max(10, args.calls))

    with tempfile.TemporaryDirectory(prefix="ysj-node-writes-") as tmp:
        _setup_node(Path(tmp))
        from regional_node import statements

        def orm(rows: list) -> None:
            type(rows[0]).objects.bulk_create(rows)

        ways: dict[str, Callable[[list], None]] = {"statements": statements.insert, "ORM": orm}
        print(f"node writes, SQLite (WAL), {rounds} rounds x {calls} calls per way, alternating order")
        print(f"{'write':<22} {'statements cpu':>15} {'ORM cpu':>10} {'ORM/stmt':>9} {'spread':>13}  wall stmt / ORM")
        for label, make in _row_makers().items():
            for write in ways.values():  # warm: compiled text, prepared statement cache, connection
                _per_call(write, make, 20)
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            ratios = []
            for round_no in range(rounds):
                order = list(ways) if round_no % 2 == 0 else list(reversed(ways))
                this_round = {name: _per_call(ways[name], make, calls) for name in order}
                for name, sample in this_round.items():
                    samples[name].append(sample)
                ratios.append(this_round["ORM"][0] / this_round["statements"][0])
            cpu = {name: statistics.median(s[0] for s in runs) for name, runs in samples.items()}
            wall = {name: statistics.median(s[1] for s in runs) for name, runs in samples.items()}
            quartiles = statistics.quantiles(ratios, n=4)
            print(
                f"{label:<22} {cpu['statements'] * 1e6:12.0f} µs {cpu['ORM'] * 1e6:7.0f} µs "
                f"{statistics.median(ratios):8.2f}x  [{quartiles[0]:.2f}-{quartiles[2]:.2f}]  "
                f"{wall['statements'] * 1e6:.0f} / {wall['ORM'] * 1e6:.0f} µs"
            )
    print("spread: the interquartile range of the per-round ratios (1.00 inside it: within noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
