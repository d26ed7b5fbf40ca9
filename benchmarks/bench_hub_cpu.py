"""The hub's CPU per fused search against the four nodes' together: the ceiling of the whole system.

One application system searches (12.1.5) over and over through the whole chain (the hub under
gunicorn, the four reference nodes, real HTTP and SM2 envelopes). CPU time is read from
``/proc/<pid>/stat`` (user + system) of every process of the hub (gunicorn's master and workers)
and of each node, before and after, and divided by the number of searches: what each side spends
per search, whatever else the machine is doing. ``--profile`` also records the hub worker with
py-spy and prints where its time goes.

Target: the hub spends less CPU per search than the four nodes together. Exit status 1 if missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _stack  # noqa: E402
from benchmarks.bench_search import deliver_publications  # noqa: E402
from ysj_protocol.client import EnvelopeClient, Peer  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

SEARCHES = 400
CLIENTS = 4
TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (gunicorn's workers), from /proc."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of ``pids`` (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def main() -> int:
    quick = "--quick" in sys.argv
    profile = "--profile" in sys.argv
    searches = 100 if quick else SEARCHES
    stack = _stack.start(hub_workers=1, hub_threads=8)
    try:
        hub_key = sm2.PrivateKey.from_hex(stack.hub_private_hex)
        deliver_publications(stack)
        head = {"accessToken": stack.access_token}

        def client() -> EnvelopeClient:
            return EnvelopeClient(
                Peer(stack.hub_url, hub_key.public_key, name="hub"), account_id=_stack.APP_ID,
                private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=30,
            )

        def run(count: int) -> None:
            with client() as app:
                for _ in range(count):
                    opened = app.call(
                        "/api/v1/certificates/search", _stack.search_params(trustedToken=stack.trusted_token), head=head
                    )
                    assert opened.data["total"] == 4 and opened.data["unavailableRegions"] == [], opened.data

        run(20)  # warm up: connections, imports, caches
        hub_pids = tree(stack.hub_proc.pid)
        node_pids = {code: tree(node.proc.pid) for code, node in stack.nodes.items()}
        recorder = None
        if profile:
            worker = max(hub_pids)  # gunicorn's one worker
            out = Path(tempfile.mkdtemp(prefix="ysj-profile-")) / "hub.txt"
            recorder = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(worker), "--format", "raw",
                 "--output", str(out), "--rate", "200", "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        hub_before = cpu_seconds(hub_pids)
        nodes_before = {code: cpu_seconds(pids) for code, pids in node_pids.items()}
        started = time.perf_counter()
        per_client = searches // CLIENTS
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(run, [per_client] * CLIENTS))
        wall = time.perf_counter() - started
        done = per_client * CLIENTS
        hub_ms = (cpu_seconds(hub_pids) - hub_before) * 1000 / done
        node_ms = {code: (cpu_seconds(node_pids[code]) - nodes_before[code]) * 1000 / done for code in node_pids}
        nodes_ms = sum(node_ms.values())
        print(f"{done} fused searches from {CLIENTS} clients in {wall:.1f} s ({done / wall:.1f} searches/s)")
        print(f"  hub CPU per search             {hub_ms:7.2f} ms")
        for code, value in node_ms.items():
            print(f"  node {code} CPU per search       {value:7.2f} ms")
        print(f"  four nodes together            {nodes_ms:7.2f} ms")
        print(f"  hub / four nodes               {hub_ms / nodes_ms:7.2f}x  (target < 1.00x)")
        if recorder is not None:
            recorder.send_signal(2)
            recorder.wait(timeout=60)
            print_profile(out)
        ok = hub_ms < nodes_ms
        if not ok:
            print("TARGET MISSED: the hub spends more CPU per search than the four nodes together")
        return 0 if ok else 1
    finally:
        stack.close()


def print_profile(path: Path, top: int = 25) -> None:
    """Self and inclusive sample counts per function from py-spy's raw (collapsed) output."""
    if not path.exists():
        print("  (py-spy wrote no profile: it needs ptrace permission)")
        return
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        frames = stack.split(";")
        if any("idle" in frame or "wait" in frame.split(" ")[0] for frame in frames[-1:]):
            continue
        total += samples
        own[frames[-1]] = own.get(frames[-1], 0) + samples
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    print(f"  hub worker profile: {total} busy samples; top inclusive frames of the project and its libraries:")
    for frame, samples in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
        print(f"    {samples * 100 / max(total, 1):5.1f}%  {frame[:110]}")
    print("  top own frames:")
    for frame, samples in sorted(own.items(), key=lambda item: -item[1])[:top]:
        print(f"    {samples * 100 / max(total, 1):5.1f}%  {frame[:110]}")


if __name__ == "__main__":
    sys.exit(main())
