"""One slow region must not take the others' capacity: 12.1.5 search load with one region 6 s slow.

The whole chain as in bench_load.py (four nodes, the hub under gunicorn on PostgreSQL, 16 clients
on keep-alive connections, requests sealed in advance). First every region answers promptly; then
the ZJ node answers after 6 s (its drill) while the hub gives each region 3 s. Without a breaker
every search waited for the timeout; with it each hub process skips ZJ after a few timed-out calls,
lists it in ``unavailableRegions`` and probes it in the background. The first seconds after the
delay is set, while each process learns the region is slow (three timed-out calls each), are
measured and reported on their own; the slow phase proper follows. Target: throughput with the
slow region at least 70% of throughput without it, same run.
``--no-breaker`` runs the same with the breaker out of reach (the behaviour before it), for comparison.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from benchmarks import _stack  # noqa: E402
from benchmarks.bench_load import CLIENTS, percentiles, run_load  # noqa: E402
from ysj_protocol import envelope  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

DURATION = 20.0
SLOW_REGION = "ZJ"
SLOW_MS = 6000
TARGET_RATIO = 0.70
#: Reported apart: the calls that teach each hub process the region is slow.
LEARNING_SECONDS = 5.0


def main() -> int:
    duration = 8.0 if "--quick" in sys.argv else DURATION
    breaker = "--no-breaker" not in sys.argv
    if not breaker:
        os.environ["YSJ_REGION_BREAKER_FAILURES"] = str(10**9)  # read by the hub processes
    stack = _stack.start(hub_workers=4, hub_threads=8)
    try:
        hub_public = sm2.PrivateKey.from_hex(stack.hub_private_hex).public_key
        app_key = sm2.PrivateKey.from_hex(stack.app_private_hex)
        params = [_stack.search_params(trustedToken=stack.trusted_token, bizNum=f"SLOW-{n}") for n in range(64)]
        sealed = [
            json.dumps(envelope.seal_request(_stack.APP_ID, p, hub_public, head={"accessToken": stack.access_token})).encode()
            for p in params
        ]
        url = stack.hub_url + "/api/v1/certificates/search"

        def ok(response: httpx.Response) -> bool:
            return response.status_code == 200 and response.json()["head"]["status"] == "0"

        def unavailable_now() -> list[str]:
            with httpx.Client(timeout=30) as http:
                answer = http.post(url, content=sealed[0], headers={"Content-Type": "application/json; charset=utf-8"})
            return envelope.open_response(answer.json(), app_key).data["unavailableRegions"]

        run_load(url, sealed, 2.0, ok)  # warm up
        assert unavailable_now() == [], "a region did not answer before the fault"
        base_rps, base_lat, base_err = run_load(url, sealed, duration, ok)
        stack.nodes[SLOW_REGION].set_drill(delayMs=SLOW_MS)
        learn_rps, _, learn_err = run_load(url, sealed, LEARNING_SECONDS, ok)
        slow_rps, slow_lat, slow_err = run_load(url, sealed, duration, ok)
        listed = unavailable_now()
        stack.nodes[SLOW_REGION].set_drill(delayMs=0)
        ratio = slow_rps / base_rps
        b50, b95, b99 = percentiles(base_lat)
        s50, s95, s99 = percentiles(slow_lat)
        print(f"{CLIENTS} concurrent clients, {duration:.0f} s each, hub: gunicorn 4 workers x 8 threads, "
              f"database: {stack.env['DATABASE_URL'].split(':')[0]}, region timeout 3 s")
        print(f"  every region prompt          {base_rps:7.1f} req/s  p50 {b50:7.1f}  p95 {b95:7.1f}  p99 {b99:7.1f} ms  "
              f"errors {base_err}")
        print(f"  {SLOW_REGION} {SLOW_MS / 1000:.0f} s slow ({'breaker' if breaker else 'no breaker'})  {slow_rps:7.1f} req/s  p50 {s50:7.1f}  "
              f"p95 {s95:7.1f}  p99 {s99:7.1f} ms  errors {slow_err}")
        print(f"  first {LEARNING_SECONDS:.0f} s after the fault      {learn_rps:7.1f} req/s  (each process learning; "
              f"errors {learn_err})")
        print(f"  throughput ratio slow / none {ratio:7.3f}  (target >= {TARGET_RATIO:.2f})")
        print(f"  unavailableRegions while slow: {listed}")
        if base_err or slow_err or learn_err:
            print("TARGET MISSED: failed requests under load")
            return 1
        if listed != [SLOW_REGION]:
            print(f"TARGET MISSED: the slow region is not listed unavailable ({listed})")
            return 1
        if ratio < TARGET_RATIO:
            print("TARGET MISSED: one slow region took the others' capacity")
            return 1
        return 0
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
