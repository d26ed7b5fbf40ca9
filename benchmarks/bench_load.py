"""Sustained 12.1.5 search load: the hub under gunicorn on PostgreSQL, 16 concurrent clients.

The load comes from this (second) process on loopback: 16 threads, each with its own keep-alive
connection, for a fixed duration. Requests are sealed in advance (the application's own SM2 cost
is not the hub's) and answers are checked by their ``head.status``. In the same run, the same
parameters are sent as plain JSON to a plain DRF view (benchmarks/_hub_wsgi.py, benchmark only):
the ratio is what the envelope, the access checks and the four-region fan-out cost.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from benchmarks import _stack  # noqa: E402
from ysj_protocol import envelope  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

CLIENTS = 16
DURATION = 20.0


def run_load(url: str, bodies: list[bytes], duration: float, check) -> tuple[float, list[float], int]:  # noqa: ANN001
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker(index: int) -> None:
        nonlocal errors
        with httpx.Client(timeout=30, headers={"Content-Type": "application/json; charset=utf-8"}) as http:
            i = index
            while time.monotonic() < stop_at:
                body = bodies[i % len(bodies)]
                i += CLIENTS
                started = time.perf_counter()
                try:
                    response = http.post(url, content=body)
                    ok = check(response)
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return len(latencies) / wall, latencies, errors


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def main() -> int:
    duration = 8.0 if "--quick" in sys.argv else DURATION
    stack = _stack.start(hub_workers=4, hub_threads=8, urlconf="benchmarks._hub_wsgi")
    try:
        hub_public = sm2.PrivateKey.from_hex(stack.hub_private_hex).public_key
        params = [_stack.search_params(trustedToken=stack.trusted_token, bizNum=f"LOAD-{n}") for n in range(64)]
        sealed = [
            json.dumps(envelope.seal_request(_stack.APP_ID, p, hub_public, head={"accessToken": stack.access_token})).encode()
            for p in params
        ]
        plain = [json.dumps(p, ensure_ascii=False).encode() for p in params]

        def envelope_ok(response: httpx.Response) -> bool:
            return response.status_code == 200 and response.json()["head"]["status"] == "0"

        def plain_ok(response: httpx.Response) -> bool:
            return response.status_code == 200 and response.json()["total"] == 4

        run_load(stack.hub_url + "/api/v1/certificates/search", sealed, 2.0, envelope_ok)  # warm up
        run_load(stack.hub_url + "/bench/plain-search", plain, 2.0, plain_ok)
        plain_rps, plain_lat, plain_err = run_load(stack.hub_url + "/bench/plain-search", plain, duration, plain_ok)
        rps, lat, err = run_load(stack.hub_url + "/api/v1/certificates/search", sealed, duration, envelope_ok)
        p50, p95, p99 = percentiles(lat)
        b50, b95, b99 = percentiles(plain_lat)
        print(f"{CLIENTS} concurrent clients, {duration:.0f} s each, hub: gunicorn 4 workers x 8 threads, "
              f"database: {stack.env['DATABASE_URL'].split(':')[0]}")
        print(f"  12.1.5 search (envelope, 4 regions)  {rps:7.1f} req/s  p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms  errors {err}")
        print(f"  plain DRF view (no envelope)         {plain_rps:7.1f} req/s  p50 {b50:6.1f}  p95 {b95:6.1f}  p99 {b99:6.1f} ms  errors {plain_err}")
        print(f"  throughput ratio search / plain      {rps / plain_rps:7.3f}")
        print(f"  p50 ratio search / plain             {p50 / b50:7.1f}x")
        if err:
            print("TARGET MISSED: failed requests under load")
            return 1
        return 0
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
