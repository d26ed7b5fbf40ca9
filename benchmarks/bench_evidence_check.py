"""The node's evidence check at a small and a large history of calls already checked.

A region's node checks, every minute, that the calls it served are in the hub's evidence log
(``regional_node.witness.checking.check_calls``). The run's cost should follow the calls still to
check, not the calls checked before. This benchmark fills a throwaway node database (SQLite in WAL
mode, or ``--database-url``) with ``N`` served calls already confirmed (and the node's own calls
to the hub beside them, one per check, as the check writes them), then adds 50 new served calls
whose entries an in-process stand-in for the hub serves from a real Merkle tree the node has
witnessed, and times:

- a run that confirms the 50 new calls (entry, leaf digests, inclusion proof each);
- an idle run afterwards, with nothing due (what every minute costs once caught up).

The stand-in hub answers from memory: the figures are the node's own work (its queries and
the proof checks), not the network. Informational: the exit status is 0.

Usage: python benchmarks/bench_evidence_check.py [--quick] [--sizes 100,100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NEW_CALLS = 50
HUB_ACCOUNT = "ysj-hub"


def _setup_node(data_dir: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "regional_node.settings"
    os.environ["NODE_REGION"] = "SH"
    os.environ["NODE_DATA_DIR"] = str(data_dir)
    os.environ["NODE_DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'node.sqlite3'}"
    os.environ["NODE_HUB_ACCOUNT_ID"] = HUB_ACCOUNT
    os.environ["NODE_EVIDENCE_GRACE_SECONDS"] = "30"
    os.environ.setdefault("NODE_SECRET_KEY", secrets.token_urlsafe(40))  # a throwaway node's own
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class LocalHub:
    """The hub's two evidence answers (entry by request digest, inclusion path) from memory."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.by_digest: dict[str, int] = {}
        self.hashes: dict = {}

    def add(self, request_digest: str, response_digest: str) -> None:
        fields = {"requestDigest": request_digest, "responseDigest": response_digest, "direction": "made"}
        self.by_digest[request_digest] = len(self.leaves)
        self.leaves.append(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())

    def tree(self) -> tuple[int, bytes]:
        from ysj_protocol.tlog import hashing, merkle

        leaf_hashes = [hashing.leaf_hash(leaf) for leaf in self.leaves]
        self.hashes = {(0, i): h for i, h in enumerate(leaf_hashes)}
        self.hashes.update(merkle.extend(0, leaf_hashes, {}))
        return len(self.leaves), merkle.root(len(self.leaves), self.hashes)

    def entry(self, request_digest: str) -> tuple[int, bytes] | None:
        index = self.by_digest.get(request_digest)
        return None if index is None else (index, self.leaves[index])

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        from ysj_protocol.tlog import merkle

        return merkle.inclusion_path(index, size, self.hashes)

    def close(self) -> None:
        pass


def _reset() -> None:
    from regional_node.exchange.models import CallLog
    from regional_node.witness.models import CallCheck, WitnessedLog

    CallCheck.objects.all().delete()
    CallLog.objects.all().delete()
    WitnessedLog.objects.all().delete()
    try:  # the watermark of the keyset-paged check, where the code has one
        from regional_node.witness.models import CallCheckWatermark

        CallCheckWatermark.objects.all().delete()
    except ImportError:
        pass


def _call(*, direction: str, request_digest: str, response_digest: str):
    from regional_node.exchange.models import CallLog

    return CallLog(
        direction=direction,
        account_id=HUB_ACCOUNT,
        endpoint="/api/v1/certificates/search" if direction == "in" else "/api/v1/evidence/entries",
        http_status=200,
        status_code="0",
        latency_ms=12.0,
        biz_num="BIZ",
        request_id=secrets.token_hex(8),
        request_digest=request_digest,
        response_digest=response_digest,
    )


def _fill(history: int, now: dt.datetime) -> None:
    """``history`` served calls confirmed, each followed by the node's own call to the hub."""
    from django.db import transaction

    from regional_node.exchange.models import CallLog
    from regional_node.witness.models import CallCheck, CallCheckState

    old = now - dt.timedelta(days=2)
    chunk = 5000
    for start in range(0, history, chunk):
        count = min(chunk, history - start)
        rows = []
        for _ in range(count):
            rows.append(_call(direction="in", request_digest=secrets.token_hex(32), response_digest="b" * 64))
            rows.append(
                _call(direction="out", request_digest=secrets.token_hex(32), response_digest="c" * 64)
            )
        with transaction.atomic():
            CallLog.objects.bulk_create(rows)
    CallLog.objects.update(created_at=old)
    served = CallLog.objects.filter(direction="in").order_by("id").values_list("id", flat=True)
    checks = [
        CallCheck(
            call_id=call_id,
            state=CallCheckState.CONFIRMED,
            index=0,
            checkpoint_size=1,
            attempts=1,
            checked_at=old,
            confirmed_at=old,
        )
        for call_id in served.iterator()
    ]
    for start in range(0, len(checks), chunk):
        with transaction.atomic():
            CallCheck.objects.bulk_create(checks[start : start + chunk])
    try:  # the keyset-paged check keeps its watermark at the last call it looked at
        from regional_node.witness.models import CallCheckWatermark

        CallCheckWatermark.objects.update_or_create(
            key=CallCheckWatermark.SERVED_CALLS, defaults={"through_id": served.last() or 0}
        )
    except ImportError:
        pass


def _new_calls(hub: LocalHub, now: dt.datetime) -> None:
    from regional_node.exchange.models import CallLog
    from regional_node.witness.models import WitnessedLog
    from regional_node.witness.services import evidence_origin

    rows = []
    for _ in range(NEW_CALLS):
        request, response = secrets.token_hex(32), secrets.token_hex(32)
        hub.add(request, response)
        rows.append(_call(direction="in", request_digest=request, response_digest=response))
    CallLog.objects.bulk_create(rows)
    CallLog.objects.filter(created_at__gt=now - dt.timedelta(minutes=1)).update(
        created_at=now - dt.timedelta(minutes=5)
    )
    size, root = hub.tree()
    WitnessedLog.objects.update_or_create(
        origin=evidence_origin(), defaults={"size": size, "root": root.hex()}
    )


def _timed_run(hub: LocalHub, now: dt.datetime) -> tuple[float, int]:
    from regional_node.witness.checking import check_calls

    started = time.perf_counter()
    result = check_calls(hub=hub, now=now)
    elapsed = time.perf_counter() - started
    return elapsed, result.confirmed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="sizes 100 and 20,000, 3 rounds")
    parser.add_argument("--sizes", default="100,100000", help="calls already checked, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--database-url", default="", help="an empty node database (default: SQLite in a temp dir)"
    )
    args = parser.parse_args(argv)
    sizes = [100, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rounds = 3 if args.quick else max(1, args.rounds)

    with tempfile.TemporaryDirectory(prefix="ysj-evidence-check-") as tmp:
        _setup_node(Path(tmp), args.database_url)
        _migrate()
        from django.db import connection
        from django.utils import timezone

        print(
            f"evidence check on {connection.vendor}, {NEW_CALLS} new calls per round, {rounds} rounds (medians)"
        )
        print(f"{'already checked':>16} {'run confirming new':>20} {'idle run':>10}")
        for history in sizes:
            now = timezone.now()
            _reset()
            _fill(history, now)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            busy, idle = [], []
            for round_no in range(rounds + 1):  # the first round warms up and is not counted
                hub = LocalHub()
                _new_calls(hub, now)
                elapsed, confirmed = _timed_run(hub, now)
                if confirmed != NEW_CALLS:
                    print(f"  expected {NEW_CALLS} confirmed, got {confirmed}")
                idle_elapsed = _timed_run(hub, now)[0]
                if round_no:
                    busy.append(elapsed)
                    idle.append(idle_elapsed)
                # The next round's new calls come after these: mark these as history.
                now = now + dt.timedelta(seconds=1)
            print(
                f"{history:>16,} {statistics.median(busy) * 1e3:>17.1f} ms {statistics.median(idle) * 1e3:>7.1f} ms"
            )
        _reset()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
