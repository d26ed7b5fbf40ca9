"""Mixed load over the whole chain, then faults during that load: what an operator rehearses.

The chain runs as in production: the hub under gunicorn on PostgreSQL, a Redis of the drill's
own (so that it can be stopped), a Celery worker and beat, the four reference nodes. This
process is the application system and the operators:

- application threads search (12.1.5), ask information by ID (12.1.8), fetch files by ID and
  download them (12.1.6), and verify files (12.1.10);
- an operator publishes and withdraws a catalog entry through the admin every few seconds;
- a governance process registers a scenario list and has every region confirm it, now and then.

Phase one is load alone: throughput, p50/p95/p99 per call, errors (must be 0), and each process's
memory growth. Then, one after another under the same load: the Celery worker killed (SIGKILL)
and restarted, Redis stopped for a minute, a regional node stopped and restarted, the hub's
database connections killed. After each, the drill waits until everything has caught up and
reports how long that took; at the end it checks from the records that no publication, evidence
entry, confirmation or call record was lost or duplicated. Exit status 1 if any check fails.

``make drill`` runs it (``--minutes`` for the load phase, ``--fault-seconds``; ``--quick``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _stack  # noqa: E402
from benchmarks.bench_search import deliver_publications  # noqa: E402
from ysj_protocol.client import ClientError, EnvelopeClient, Peer  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

ROOT = _stack.ROOT
DRILL_DATABASE = "ysj_drill"
OPERATOR = "drill-operator"
OPERATOR_PASSWORD = "Drill-operator-1"  # noqa: S105 - the drill's own throw-away account
SEARCH = "/api/v1/certificates/search"
INFO_BY_ID = "/api/v1/certificates/info/by-id"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
VERIFY = "/api/v1/certificates/verify"


# ---------------------------------------------------------------- processes


def start_redis(port: int, workdir: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            import socket

            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def celery(kind: str, env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ysj_portal", kind, "-l", "warning", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (gunicorn's workers), in MiB."""
    total = 0
    for each in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue.extend(int(child) for child in (task / "children").read_text().split())
    return pids


def manage(env: dict[str, str], code: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout


def sql(env: dict[str, str], query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        return list(conn.execute(query).fetchall())


# ---------------------------------------------------------------- load


@dataclass
class Tally:
    """What the application threads did: latencies per call, errors, and every answered request ID."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    answered: list[tuple[str, str, bool]] = field(default_factory=list)
    last_error: str = ""

    def add(self, name: str, seconds: float, request_id: str | None, error: str = "") -> None:
        with self.lock:
            if error:
                self.errors[name] += 1
                self.last_error = f"{name}: {error}"
            else:
                self.latencies[name].append(seconds)
            if request_id:
                self.answered.append((name, request_id, not error))

    def reset(self) -> Tally:
        with self.lock:
            done = Tally(latencies=self.latencies, errors=self.errors, answered=self.answered, last_error=self.last_error)
            self.latencies, self.errors, self.answered = defaultdict(list), defaultdict(int), []
        return done


class Application:
    """One application thread: the calls of a service counter, mixed."""

    def __init__(self, stack: _stack.Stack, tally: Tally, stop: threading.Event, sample_file: tuple[str, str]) -> None:
        self.stack, self.tally, self.stop, self.sample_file = stack, tally, stop, sample_file
        hub_public = sm2.PrivateKey.from_hex(stack.hub_private_hex).public_key
        self.client = EnvelopeClient(
            Peer(stack.hub_url, hub_public, name="hub"), account_id=_stack.APP_ID,
            private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=30,
        )
        self.http = httpx.Client(timeout=30)
        self.ids: list[str] = []

    def call(self, name: str, path: str, params: dict) -> dict | None:
        request_id = os.urandom(12).hex()
        started = time.perf_counter()
        try:
            opened = self.client.call(path, params, head={"accessToken": self.stack.access_token}, check=False,
                                      request_id=request_id)
        except ClientError as exc:
            self.tally.add(name, 0.0, None, error=str(exc)[:120])
            return None
        elapsed = time.perf_counter() - started
        if not opened.ok:
            self.tally.add(name, elapsed, request_id, error=f"{opened.status} {opened.message}")
            return None
        self.tally.add(name, elapsed, request_id)
        return opened.data

    def run(self) -> None:
        while not self.stop.is_set():
            roll = random.random()
            audit = _stack.search_params()
            if roll < 0.55 or not self.ids:
                data = self.call("search 12.1.5", SEARCH, {**audit, "trustedToken": self.stack.trusted_token})
                if data:
                    self.ids = [item["certificateID"] for item in data["dataList"]]
            elif roll < 0.72:
                self.call("info 12.1.8", INFO_BY_ID, {**audit, "certificateID": random.choice(self.ids)})
            elif roll < 0.86:
                data = self.call("file 12.1.6", FILE_BY_ID, {**audit, "certificateID": random.choice(self.ids)})
                for item in (data or {}).get("dataList", [])[:1]:
                    self.download(item["fileUrl"])
            else:
                content, file_format = self.sample_file
                self.call("verify 12.1.10", VERIFY, {**audit, "fileEntity": content, "fileFormat": file_format})

    def download(self, url: str) -> None:
        started = time.perf_counter()
        try:
            response = self.http.get(url)
            response.raise_for_status()
            self.tally.add("download", time.perf_counter() - started, response.headers.get("X-Request-ID"))
        except httpx.HTTPError as exc:
            self.tally.add("download", 0.0, None, error=str(exc)[:120])


class Operator:
    """Publishes and withdraws one catalog entry through the hub's admin, over and over."""

    def __init__(self, hub_url: str, entry_pk: int, stop: threading.Event, tally: Tally) -> None:
        self.http = httpx.Client(base_url=hub_url, timeout=30, follow_redirects=True)
        self.entry_pk, self.stop, self.tally = entry_pk, stop, tally
        self.published = False
        self.done = 0

    def _csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise RuntimeError("no CSRF token")
        return match.group(1)

    def login(self) -> None:
        page = self.http.get("/admin/login/")
        self.http.post("/admin/login/?next=/admin/", data={
            "username": OPERATOR, "password": OPERATOR_PASSWORD, "csrfmiddlewaretoken": self._csrf(page.text)})

    def toggle(self) -> None:
        listing = "/admin/catalog/catalogentry/"
        page = self.http.get(listing)
        action = "withdraw_selected" if self.published else "publish_selected"
        data = {"action": action, "_selected_action": str(self.entry_pk), "index": "0", "confirmed": "yes",
                "csrfmiddlewaretoken": self._csrf(page.text), "reason": "演练"}
        started = time.perf_counter()
        answer = self.http.post(listing, data=data)
        if answer.status_code != 200 or "errornote" in answer.text:
            self.tally.add("publication (admin)", 0.0, None, error=f"HTTP {answer.status_code}")
            return
        self.tally.add("publication (admin)", time.perf_counter() - started, None)
        self.published = not self.published
        self.done += 1

    def run(self, every: float) -> None:
        try:
            self.login()
        except Exception as exc:  # the drill reports it as an error of this kind
            self.tally.add("publication (admin)", 0.0, None, error=str(exc)[:120])
            return
        while not self.stop.wait(every):
            try:
                self.toggle()
            except Exception as exc:  # a fault phase may break one toggle; count it, go on
                self.tally.add("publication (admin)", 0.0, None, error=str(exc)[:120])


GOVERNANCE = """
import datetime as dt, json
from django.utils import timezone
from catalog.models import CatalogEntry
from scenarios import services
from scenarios.models import Decision, RegionAdministrator, ScenarioList
admins = {ra.region.code: ra for ra in RegionAdministrator.objects.select_related("user", "region")}
code = "DRILL-%(n)d"
scenario = services.register_proposal(actor=admins["SH"].user, code=code, name="演练清单 %(n)d",
    entries=list(CatalogEntry.objects.filter(type_code__in=%(codes)r)), valid_start=timezone.now() - dt.timedelta(days=1),
    applications=[])
for region in scenario.needed_regions:
    services.decide(scenario, actor=admins[region].user, region=admins[region].region, revision=scenario.revision,
                    decision=Decision.CONFIRMED)
"""


def governance_loop(env: dict[str, str], codes: list[str], stop: threading.Event, tally: Tally, every: float,
                    registered: list[str]) -> None:
    n = 0
    while not stop.wait(every):
        n += 1
        started = time.perf_counter()
        try:
            manage(env, GOVERNANCE % {"n": n, "codes": codes})
            registered.append(f"DRILL-{n}")
            tally.add("confirmation round (4 regions)", time.perf_counter() - started, None)
        except Exception as exc:  # a fault may refuse one round; it must then leave nothing behind
            tally.add("confirmation round (4 regions)", 0.0, None, error=str(exc).strip().splitlines()[-1][:160])


# ---------------------------------------------------------------- checks


def backlog(env: dict[str, str], before: str | None = None) -> tuple[int, int]:
    """(publication deliveries not delivered, evidence entries not integrated) created before ``before``.

    Under load new calls keep adding entries that the integrator takes every few seconds, so the
    pending table is never empty: what must be gone is everything written before the fault ended.
    """
    since = f" AND created_at < '{before}'" if before else ""
    deliveries = sql(env, f"SELECT count(*) FROM catalog_publicationdelivery WHERE state <> 'delivered'{since}")[0][0]
    pending = sql(env, f"SELECT count(*) FROM evidence_pendingentry WHERE true{since}")[0][0]
    return deliveries, pending


def wait_caught_up(env: dict[str, str], timeout: float) -> float | None:
    """Seconds until everything written before now is delivered and integrated (None: not within ``timeout``)."""
    started = time.monotonic()
    cutoff = str(sql(env, "SELECT now()")[0][0])
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):
            if backlog(env, cutoff) == (0, 0):
                return time.monotonic() - started
        time.sleep(0.5)
    return None


def node_publication_ids(node: _stack.Node) -> list[str]:
    path = node.data_dir / "node.sqlite3"
    with contextlib.closing(sqlite3.connect(path, timeout=10)) as connection:
        rows = connection.execute("SELECT publication_id FROM node_exchange_publication").fetchall()
    return [str(row[0]).replace("-", "") for row in rows]


def final_checks(stack: _stack.Stack, answered: list[str], registered: list[str]) -> list[str]:
    env, problems = stack.env, []
    hub_publications = {str(row[0]).replace("-", "") for row in sql(env, "SELECT id FROM catalog_publication")}
    for code, node in stack.nodes.items():
        ids = node_publication_ids(node)
        if len(ids) != len(set(ids)):
            problems.append(f"{code}: a publication stored twice")
        missing = hub_publications - set(ids)
        if missing:
            problems.append(f"{code}: {len(missing)} publications never delivered")
    served = {row[0]: row[1] for row in sql(env, "SELECT request_id, count(*) FROM trust_envelopecall "
                                                 "WHERE direction = 'in' GROUP BY request_id")}
    downloaded = {row[0] for row in sql(env, "SELECT request_id FROM evidence_evidenceentry WHERE kind = 'download'")}
    lost: dict[str, int] = defaultdict(int)
    unrecorded_refusals = 0
    for name, request_id, ok in answered:
        if name == "download":  # a download is no envelope call: its record is its evidence entry
            if request_id not in downloaded:
                lost[name] += 1
        elif request_id not in served:
            if ok:
                lost[name] += 1
            else:
                unrecorded_refusals += 1
    for name, count in sorted(lost.items()):
        problems.append(f"{count} answered {name} calls have no record")
    if unrecorded_refusals:
        print(f"  {unrecorded_refusals} refused calls left no call record (answered while the database was unreachable)")
    doubled = [rid for rid, count in served.items() if count > 1]
    if doubled:
        problems.append(f"{len(doubled)} calls recorded twice (e.g. {doubled[0]})")
    entries = sql(env, "SELECT count(*), coalesce(max(index), -1) FROM evidence_evidenceentry")[0]
    if entries[0] != entries[1] + 1:
        problems.append(f"evidence log has gaps: {entries[0]} entries, last index {entries[1]}")
    served_entries = sql(env, "SELECT count(*) FROM evidence_evidenceentry WHERE kind = 'served'")[0][0]
    served_calls = sql(env, "SELECT count(*) FROM trust_envelopecall WHERE direction = 'in'")[0][0]
    if served_entries != served_calls:
        problems.append(f"{served_calls} served calls but {served_entries} evidence entries of served calls")
    for code in registered:
        rows = sql(env, "SELECT s.status, s.revision, count(c.id), count(DISTINCT c.region_id) FROM scenarios_scenariolist s "
                        "LEFT JOIN scenarios_scenarioconfirmation c ON c.scenario_list_id = s.id AND c.revision = s.revision "
                        f"WHERE s.code = '{code}' GROUP BY s.status, s.revision")
        if not rows or rows[0][0] != "published" or rows[0][2] != rows[0][3]:
            problems.append(f"scenario list {code}: {rows}")
    verify = subprocess.run([sys.executable, "manage.py", "verify_evidence"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if verify.returncode != 0:
        problems.append("verify_evidence: " + (verify.stderr or verify.stdout).strip().splitlines()[-1])
    return problems


# ---------------------------------------------------------------- report


def report(title: str, tally: Tally, seconds: float) -> int:
    print(f"\n{title} ({seconds:.0f} s)")
    print(f"  {'call':<32} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    errors = 0
    for name in sorted(set(tally.latencies) | set(tally.errors)):
        samples = sorted(tally.latencies.get(name, []))
        failed = tally.errors.get(name, 0)
        errors += failed
        if len(samples) >= 2:
            cuts = statistics.quantiles(samples, n=100)
            p50, p95, p99 = statistics.median(samples) * 1000, cuts[94] * 1000, cuts[98] * 1000
        else:
            p50 = p95 = p99 = samples[0] * 1000 if samples else 0.0
        print(f"  {name:<32} {len(samples):>7} {len(samples) / seconds:>7.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {failed:>7}")
    if tally.last_error:
        print(f"  last error: {tally.last_error}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the load phase")
    parser.add_argument("--fault-seconds", type=float, default=60.0, help="how long each fault lasts")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="30 s of load, 15 s faults")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.fault_seconds = 0.5, 15.0

    redis_port = _stack.free_port()
    workdir_redis = Path(os.environ.get("TMPDIR", "/tmp"))
    redis = start_redis(redis_port, workdir_redis)
    os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.setdefault("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DRILL_DATABASE}")
    os.environ["YSJ_PUBLICATION_SWEEP_SECONDS"] = "2"
    os.environ["YSJ_EVIDENCE_INTEGRATE_SECONDS"] = "2"
    stack = _stack.start(hub_workers=2, hub_threads=8)
    if not stack.env["DATABASE_URL"].startswith("postgres"):
        print("the drill needs PostgreSQL (BENCH_DATABASE_URL)")
        stack.close()
        return 1
    procs: dict[str, subprocess.Popen] = {"redis": redis}
    failed = False
    try:
        env = dict(stack.env, CELERY_BROKER_URL=os.environ["CELERY_BROKER_URL"])
        logs = stack.workdir
        procs["worker"] = celery("worker", env, logs / "worker.log", "-P", "threads", "-c", "4", "--without-gossip",
                                 "--without-mingle", "-Q", env.get("CELERY_TASK_DEFAULT_QUEUE", "ysj"))
        procs["beat"] = celery("beat", env, logs / "beat.log", "-s", str(logs / "beat-schedule"))
        deliver_publications(stack)
        setup = manage(env, f"""
import json
from django.contrib.auth import get_user_model
from catalog.models import CatalogEntry, CatalogStatus
from tests.catalog.factories import CatalogEntryFactory
from tests.trust.factories import _region_admin
get_user_model().objects.create_superuser({OPERATOR!r}, password={OPERATOR_PASSWORD!r})
for code in ("SH", "JS", "ZJ", "AH"):
    _region_admin(code)
entry = CatalogEntryFactory(type_name="演练证照")
published = CatalogEntry.objects.filter(status=CatalogStatus.PUBLISHED).values_list("type_code", flat=True)
print(json.dumps({{"entry": entry.pk, "codes": list(published)}}))
""")
        prepared = json.loads(setup.strip().splitlines()[-1])
        sample = fetch_sample_file(stack)

        tally, stop = Tally(), threading.Event()
        registered: list[str] = []
        apps = [Application(stack, tally, stop, sample) for _ in range(args.clients)]
        operator = Operator(stack.hub_url, prepared["entry"], stop, tally)
        threads = [threading.Thread(target=app.run, daemon=True) for app in apps]
        threads.append(threading.Thread(target=operator.run, args=(5.0,), daemon=True))
        threads.append(threading.Thread(target=governance_loop, daemon=True,
                                        args=(env, prepared["codes"], stop, tally, 20.0, registered)))
        watched = {"hub": stack.hub_proc.pid, "worker": procs["worker"].pid,
                   **{f"node {code}": node.proc.pid for code, node in stack.nodes.items()}}
        for thread in threads:
            thread.start()
        time.sleep(10)  # warm: imports, connections, first allocations
        tally.reset()
        memory_before = {name: rss_mib(pid) for name, pid in watched.items()}
        started = time.monotonic()
        time.sleep(args.minutes * 60)
        phase = tally.reset()
        answered = list(phase.answered)
        elapsed = time.monotonic() - started
        errors = report("Mixed load", phase, elapsed)
        memory_after = {name: rss_mib(pid) for name, pid in watched.items()}
        print("  memory (RSS, MiB)  " + "  ".join(
            f"{name} {memory_before[name]:.0f}→{memory_after[name]:.0f}" for name in watched))
        if errors:
            print(f"FAILED: {errors} errors under load without faults")
            failed = True

        for title, fault in faults(stack, env, procs, args.fault_seconds):
            tally.reset()
            fault_started = time.monotonic()
            fault()
            caught_up = wait_caught_up(env, timeout=180)
            phase = tally.reset()
            answered.extend(phase.answered)
            report(title, phase, time.monotonic() - fault_started)
            if caught_up is None:
                print("  NOT caught up within 180 s (deliveries, evidence entries): " + repr(backlog(env)))
                failed = True
            else:
                print(f"  caught up (deliveries and evidence) {caught_up:.1f} s after the fault ended")

        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        wait_caught_up(env, timeout=120)
        problems = final_checks(stack, answered, registered)
        print(f"\n{len(answered)} answered calls, {operator.done} publications through the admin, "
              f"{len(registered)} lists confirmed by every region")
        for problem in problems:
            print(f"  LOST OR DUPLICATED: {problem}")
        if not problems:
            print("  nothing lost or duplicated: publications at every node once each, one call record per answered "
                  "call, the evidence log contiguous with one entry per served call and verified, every confirmation kept")
        failed = failed or bool(problems)
        return 1 if failed else 0
    finally:
        redis = procs.pop("redis")
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
        stack.close()
        redis.terminate()
        redis.wait(timeout=10)
        os.environ["CELERY_BROKER_URL"] = ""


def fetch_sample_file(stack: _stack.Stack) -> tuple[str, str]:
    """One certificate file from the chain, for the verification calls (12.1.6 then its download)."""
    hub_public = sm2.PrivateKey.from_hex(stack.hub_private_hex).public_key
    with EnvelopeClient(Peer(stack.hub_url, hub_public, name="hub"), account_id=_stack.APP_ID,
                        private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=30) as client:
        head = {"accessToken": stack.access_token}
        found = client.call(SEARCH, {**_stack.search_params(), "trustedToken": stack.trusted_token}, head=head)
        item = found.data["dataList"][0]
        link = client.call(FILE_BY_ID, {**_stack.search_params(), "certificateID": item["certificateID"]}, head=head)
    first = link.data["dataList"][0]
    body = httpx.get(first["fileUrl"], timeout=30).content
    return base64.b64encode(body).decode(), first["fileFormat"]


def faults(stack: _stack.Stack, env: dict[str, str], procs: dict[str, subprocess.Popen], seconds: float):
    """Each fault as (title, a function causing it and ending it), run under the load in turn."""

    def kill_worker() -> None:
        os.killpg(procs["worker"].pid, signal.SIGKILL)
        procs["worker"].wait(timeout=10)
        time.sleep(seconds)
        procs["worker"] = celery("worker", env, stack.workdir / "worker.log", "-P", "threads", "-c", "4",
                                 "--without-gossip", "--without-mingle", "-Q", env.get("CELERY_TASK_DEFAULT_QUEUE", "ysj"))

    def stop_redis() -> None:
        # Stopped, not paused: the drill's Redis keeps nothing on disk, so queued tasks are lost and
        # the outbox's sweeper must find what they were for.
        procs["redis"].terminate()
        procs["redis"].wait(timeout=10)
        time.sleep(seconds)
        port = int(env["CELERY_BROKER_URL"].rsplit(":", 1)[1].split("/")[0])
        procs["redis"] = start_redis(port, stack.workdir)

    def stop_node() -> None:
        node = stack.nodes["ZJ"]
        node.proc.send_signal(signal.SIGTERM)
        try:
            node.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # threads still in calls: stopped the hard way
            node.proc.kill()
            node.proc.wait(timeout=10)
        time.sleep(seconds)
        node_env = dict(os.environ)
        node_env.update({"NODE_REGION": "ZJ", "NODE_DATA_DIR": str(node.data_dir), "NODE_PRIVATE_KEY": node.private_hex,
                         "NODE_HUB_PUBLIC_KEY": sm2.PrivateKey.from_hex(stack.hub_private_hex).public_key.hex(),
                         "NODE_DRILLS": "1", "NODE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)})
        node_env.pop("DATABASE_URL", None)
        node_env.pop("CELERY_BROKER_URL", None)
        node.proc = subprocess.Popen([sys.executable, "-m", "regional_node", "serve", "--port", str(node.port),
                                      "--threads", "32"], cwd=ROOT, env=node_env, stdout=subprocess.DEVNULL)
        _stack.wait_http(node.url + "/healthz", proc=node.proc)

    def kill_connections() -> None:
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        for _ in range(3):
            sql(env, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                     "AND pid <> pg_backend_pid()")
            time.sleep(seconds / 3)

    return [
        ("Fault: the Celery worker killed (SIGKILL), restarted after the fault", kill_worker),
        ("Fault: Redis stopped (its queued tasks lost), started again after the fault", stop_redis),
        ("Fault: regional node ZJ stopped, restarted after the fault", stop_node),
        ("Fault: the hub's database connections killed (three times)", kill_connections),
    ]


if __name__ == "__main__":
    sys.exit(main())
