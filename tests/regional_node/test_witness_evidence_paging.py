"""The node's evidence check reads the call log from its watermark, not from the first call.

A real node (its own process and database: SQLite, and PostgreSQL when the suite runs on it)
witnesses a tree served by ``FakeHub`` (``test_witness_evidence``); the check runs in the node's
own Django (``python -m regional_node shell``) against the hub's endpoints over HTTP. The history
of calls already checked is written straight into the node's database, as earlier runs leave it
(served calls confirmed, the watermark after them).

- The queries of a run do not depend on how many calls were checked before: the same count with
  100 and 5,000 confirmed calls, and the call log is read from the watermark by its primary key.
- A call the hub keeps failing on (the fake hub answers it HTTP 502: an injected fault) and a
  flood of calls the log does not hold never keep the new calls from being proved.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import sqlite3
import uuid
from urllib.parse import urlsplit

import pytest

from ysj_protocol import envelope

from ..keys import hub_key
from ..regional import make_node
from .test_witness_evidence import FakeHub, witness_size

HISTORIES = (100, 5000)


class FailingHub(FakeHub):
    """``FakeHub``, plus entries it cannot serve: HTTP 502 for the request digests in ``failing``."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()
        hub = self
        base = self.server.RequestHandlerClass

        class Handler(base):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                opened = envelope.open_request(json.loads(raw), hub_key())
                if opened.params.get("requestDigest") in hub.failing:
                    hub.entry_calls += 1
                    self._send(502, b"bad gateway", "text/plain")
                    return
                self.rfile = io.BytesIO(raw)
                super().do_POST()

        self.server.RequestHandlerClass = Handler

    def log_call(self, request_digest: str, response_digest: str) -> None:
        """Log a served call by its digests, as the hub logs the calls it makes."""
        fields = {
            "direction": "made",
            "endpoint": "/api/v1/certificates/search",
            "requestDigest": request_digest,
            "responseDigest": response_digest,
            "region": "SH",
        }
        self.tree.append(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())


def digests() -> list[str]:
    return [secrets.token_hex(32), secrets.token_hex(32)]


@pytest.fixture(scope="module")
def hub():
    hub = FailingHub()
    hub.start()
    yield hub
    hub.stop()


def _postgres_database(url: str):
    """A database of the node's own on the suite's PostgreSQL server: (its URL, a function dropping it)."""
    import psycopg

    name = f"ysj_check_node_{uuid.uuid4().hex[:8]}"
    server = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlsplit(url)._replace(path=f"/{name}").geturl(), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def node(request, tmp_path, node_template, hub):
    """A node of its own per test, witnessing ``hub``'s log from an empty tree."""
    extra = {"NODE_HUB_URL": hub.url, "NODE_DRILLS": "0"}
    drop = None
    if request.param == "postgresql":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgres"):
            pytest.skip("the suite runs on SQLite: no PostgreSQL server to give the node")
        extra["NODE_DATABASE_URL"], drop = _postgres_database(url)
    node = make_node("SH", node_template, tmp_path / "node", **extra)
    if drop is not None:
        node.manage("migrate", "--noinput", "-v", "0")
    node.start()
    try:
        yield node
    finally:
        node.stop()
        if drop is not None:
            drop()


def witness_all(node, hub: FailingHub) -> None:
    """The node witnesses the whole tree (through its real add-checkpoint, from what it cosigned)."""
    cosigned = json.loads(node.manage("shell", "--no-imports", "-c", COSIGNED_SIZE).strip().splitlines()[-1])
    if cosigned != len(hub.tree.leaves):
        witness_size(node, hub, cosigned, len(hub.tree.leaves))


def run_script(node, script: str, data: object) -> object:
    output = node.manage("shell", "--no-imports", "-c", script.replace("__DATA__", repr(json.dumps(data))))
    return json.loads(output.strip().splitlines()[-1])


COSIGNED_SIZE = r"""
import json
from regional_node.witness.models import WitnessedLog
log = WitnessedLog.objects.first()
print(json.dumps(log.size if log and log.size is not None else 0))
"""

#: Served calls written as the node's call log writes them, the history as earlier runs leave it.
COMMON = r"""
import datetime as dt
import json
import secrets

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regional_node.exchange.models import CallLog
from regional_node.witness import checking
from regional_node.witness.models import CallCheck, CallCheckState, CallCheckWatermark

DATA = json.loads(__DATA__)
NOW = timezone.now()


def served(request_digest, response_digest):
    return CallLog(
        direction="in", account_id=settings.NODE_HUB_ACCOUNT_ID, endpoint="/api/v1/certificates/search",
        http_status=200, status_code="0", latency_ms=1.0, request_digest=request_digest,
        response_digest=response_digest,
    )


def last_id():
    return CallLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def add_calls(pairs, *, age):
    first = last_id()
    CallLog.objects.bulk_create([served(r, s) for r, s in pairs], batch_size=500)
    CallLog.objects.filter(id__gt=first).update(created_at=NOW - age)
    return list(CallLog.objects.filter(id__gt=first).order_by("id").values_list("id", flat=True))


def checked_history(count):
    # Served calls that earlier runs confirmed, and the watermark they left after them.
    old = NOW - dt.timedelta(days=3)
    ids = add_calls([(secrets.token_hex(32), secrets.token_hex(32)) for _ in range(count)], age=dt.timedelta(days=3))
    CallCheck.objects.bulk_create(
        [
            CallCheck(call_id=i, state=CallCheckState.CONFIRMED, index=0, checkpoint_size=1, attempts=1,
                      checked_at=old, confirmed_at=old)
            for i in ids
        ],
        batch_size=500,
    )
    CallCheckWatermark.objects.update_or_create(key=CallCheckWatermark.SERVED_CALLS, defaults={"through_id": ids[-1]})
    return ids[-1]
"""

FLAT = (
    COMMON
    + r"""
out = []
for history, new in DATA:
    watermark = checked_history(history - CallCheck.objects.filter(state="confirmed").count())
    add_calls(new, age=dt.timedelta(minutes=5))
    if connection.vendor == "postgresql":  # the statistics autovacuum keeps in production
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE node_exchange_calllog, node_witness_callcheck")
    with CaptureQueriesContext(connection) as queries:
        result = checking.check_calls(now=NOW)
    sqls = [q["sql"] for q in queries.captured_queries]
    reads = [s for s in sqls if s.startswith("SELECT") and 'FROM "node_exchange_calllog"' in s]
    due = [s for s in sqls if s.startswith("SELECT") and '"next_check_at" <=' in s]
    plans = {}
    selects = [s for s in sqls if s.startswith("SELECT")]
    for name, sql in [("log", reads[0]), ("due", due[0])] + list(enumerate(selects)):
        with connection.cursor() as cursor:
            cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql)
            plans[name] = " ".join(str(row) for row in cursor.fetchall())
    out.append({
        "confirmed_before": CallCheck.objects.filter(state="confirmed").count() - result.confirmed,
        "watermark": watermark,
        "through": result.through_id,
        "confirmed": result.confirmed,
        "queries": len(sqls),
        "reads": reads,
        "plans": plans,
        "vendor": connection.vendor,
    })
print(json.dumps(out))
"""
)


def reads_whole(plans: dict[str, str]) -> bool:
    """Whether a statement's plan reads the call log or the checks whole (they grow with the history)."""
    return any(
        re.search(rf"(SCAN|Seq Scan on) {table}\b", plan)
        for plan in plans.values()
        for table in ("node_exchange_calllog", "node_witness_callcheck")
    )


def test_a_run_issues_the_same_queries_whatever_the_history(node, hub):
    phases = []
    for history in HISTORIES:
        new = [digests() for _ in range(3)]
        for request_digest, response_digest in new:
            hub.log_call(request_digest, response_digest)
        phases.append([history, new])
    witness_all(node, hub)

    small, large = run_script(node, FLAT, phases)

    assert (small["confirmed_before"], large["confirmed_before"]) == HISTORIES
    assert small["confirmed"] == large["confirmed"] == 3
    assert small["queries"] == large["queries"], (small["queries"], large["queries"])
    for run in (small, large):
        # The call log is read once, from the watermark (never from the first call) by its key.
        assert len(run["reads"]) == 1, run["reads"]
        assert f'"node_exchange_calllog"."id" > {run["watermark"]}' in run["reads"][0]
        assert run["through"] > run["watermark"]
    if small["vendor"] == "sqlite":
        for run in (small, large):
            assert "INTEGER PRIMARY KEY (rowid>?)" in run["plans"]["log"], run["plans"]
            assert "node_callcheck_due" in run["plans"]["due"], run["plans"]
            assert not reads_whole(run["plans"]), run["plans"]
    else:  # PostgreSQL reads a table of a hundred rows whole, rightly: the plans at 5,000
        assert "node_exchange_calllog_pkey" in large["plans"]["log"], large["plans"]
        assert "node_callcheck_due" in large["plans"]["due"], large["plans"]
        assert not reads_whole(large["plans"]), large["plans"]


STARVE = (
    COMMON
    + r"""
def state(call_id):
    check = CallCheck.objects.filter(call_id=call_id).first()
    if check is None:
        return None
    return {
        "state": check.state, "attempts": check.attempts, "detail": check.detail,
        "wait": (check.next_check_at - check.checked_at).total_seconds() if check.next_check_at else None,
    }


def run(at):
    result = checking.check_calls(now=at)
    return {
        "checked": result.checked, "confirmed": result.confirmed, "absent": result.absent,
        "stopped": result.stopped, "through": result.through_id,
    }


out = {}
# Calls the hub never logged, served two hours ago (missing), and one served three days ago.
unlogged = add_calls(DATA["unlogged"], age=dt.timedelta(hours=2))
too_old = add_calls([DATA["too_old"]], age=dt.timedelta(days=3))[0]
out["first"] = run(NOW)
# Then a call the hub fails on, every time it is asked, followed by three new calls it logged.
broken = add_calls([DATA["broken"]], age=dt.timedelta(minutes=5))[0]
new = add_calls(DATA["new"], age=dt.timedelta(minutes=5))
later = NOW + dt.timedelta(seconds=61)
out["stopped_at_broken"] = run(later)
out["broken_after_one"] = state(broken)
out["broken_id"] = broken
out["next_run"] = run(later)
out["new"] = [state(i) for i in new]
# An hour on, the broken call and the unlogged ones are all due again; three more new calls.
newer = add_calls(DATA["newer"], age=dt.timedelta(minutes=5))
out["hour_later"] = run(NOW + dt.timedelta(hours=1))
out["newer"] = [state(i) for i in newer]
out["broken"] = state(broken)
out["unlogged"] = [state(i) for i in unlogged]
out["too_old"] = state(too_old)
out["missing"] = checking.summary(now=NOW + dt.timedelta(hours=1)).missing
print(json.dumps(out))
"""
)


def test_an_old_call_that_keeps_failing_does_not_stop_newer_calls(node, hub):
    data = {
        "unlogged": [digests() for _ in range(150)],
        "too_old": digests(),
        "broken": digests(),
        "new": [digests() for _ in range(3)],
        "newer": [digests() for _ in range(3)],
    }
    hub.failing.add(data["broken"][0])
    for request_digest, response_digest in data["new"] + data["newer"]:
        hub.log_call(request_digest, response_digest)
    witness_all(node, hub)

    out = run_script(node, STARVE, data)

    # The first run asks for every unlogged call once; the one served days ago is given up at once.
    assert out["first"]["absent"] == 151
    assert out["too_old"]["attempts"] == 1 and out["too_old"]["wait"] is None
    assert out["too_old"]["detail"].endswith("不再查找）")
    # The hub fails on the call: the run stops there, but the call is put back with a delay and
    # the watermark moves past it ...
    assert "无法访问融合共享服务系统" in out["stopped_at_broken"]["stopped"]
    assert out["stopped_at_broken"]["through"] == out["broken_id"]
    assert out["broken_after_one"]["attempts"] == 1 and out["broken_after_one"]["wait"] == 60
    # ... so the next run proves the new calls, and takes only its share of the unlogged ones.
    assert out["next_run"]["confirmed"] == 3
    assert out["next_run"]["absent"] == 100
    assert [s["state"] for s in out["new"]] == ["confirmed"] * 3
    # An hour later everything old is due again: the newer calls are proved all the same, and the
    # broken call, still failing, waits longer each time.
    assert out["hour_later"]["confirmed"] == 3
    assert [s["state"] for s in out["newer"]] == ["confirmed"] * 3
    assert out["broken"]["state"] == "absent" and out["broken"]["attempts"] == 2
    assert out["broken"]["wait"] == 120
    # Not found again: asked with a doubling delay (60 s, then 120 s), never given up yet.
    waits = sorted({s["wait"] for s in out["unlogged"]})
    assert set(waits) <= {60.0, 120.0} and 120.0 in waits
    assert all(s["state"] == "absent" for s in out["unlogged"])
    # The admin's counts are unchanged in meaning: every unlogged call and the broken one are missing.
    assert out["missing"] == 150 + 1 + 1


GIVE_UP = (
    COMMON
    + r"""
call = add_calls([DATA], age=dt.timedelta(days=3))[0]
checking.check_calls(now=NOW)
check = CallCheck.objects.get(call_id=call)
print(json.dumps({"state": check.state, "due": check.next_check_at is not None, "detail": check.detail}))
"""
)

RECHECK = (
    COMMON
    + r"""
requeued = checking.recheck_given_up(now=NOW)
result = checking.check_calls(now=NOW)
check = CallCheck.objects.get(call__request_digest=DATA[0])
again = checking.recheck_given_up(now=NOW)
print(json.dumps({"requeued": requeued, "confirmed": result.confirmed, "state": check.state, "again": again}))
"""
)


def test_a_call_given_up_on_is_looked_for_again_when_the_operator_asks(node, hub):
    """The hub's log lacked a call for days (given up); once it is there, ``--recheck-given-up``
    (``recheck_given_up``) has the next run find and confirm it; finished checks are not requeued."""
    request_digest, response_digest = digests()
    hub.log_call(*digests())  # another call, so that there is a checkpoint to witness
    witness_all(node, hub)
    gave_up = run_script(node, GIVE_UP, [request_digest, response_digest])
    assert gave_up["state"] == "absent" and not gave_up["due"] and gave_up["detail"].endswith("不再查找）")

    hub.log_call(request_digest, response_digest)  # the hub's log repaired
    witness_all(node, hub)
    out = run_script(node, RECHECK, [request_digest, response_digest])
    assert out == {"requeued": 1, "confirmed": 1, "state": "confirmed", "again": 0}


def test_the_migration_starts_after_the_calls_already_checked(tmp_path, node_template):
    """A node upgraded with checks on record: the open ones join the retry queue, and the watermark
    starts after the last call checked, so the first run does not read the history."""
    node = make_node("SH", node_template, tmp_path / "node")
    node.manage("migrate", "node_witness", "0002", "--noinput", "-v", "0")
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3")) as connection, connection:
        for _ in range(4):
            connection.execute(
                "INSERT INTO node_exchange_calllog (created_at, direction, account_id, endpoint, http_status,"
                " status_code, latency_ms, biz_num, request_id, request_digest, response_digest, error)"
                " VALUES ('2026-01-01 08:00:00', 'in', 'ysj-hub', '/api/v1/certificates/search', 200, '0', 1,"
                " '', '', ?, ?, '')",
                digests(),
            )
        for call_id, state in ((1, "confirmed"), (2, "absent"), (3, "unwitnessed"), (4, "mismatch")):
            connection.execute(
                'INSERT INTO node_witness_callcheck (call_id, state, "index", checkpoint_size, leaf_hash, detail,'
                " attempts, checked_at, confirmed_at) VALUES (?, ?, NULL, NULL, '', '', 1, '2026-01-01 09:00:00', NULL)",
                (call_id, state),
            )
    node.manage("migrate", "--noinput", "-v", "0")
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3")) as connection:
        queued = dict(
            connection.execute("SELECT call_id, next_check_at FROM node_witness_callcheck").fetchall()
        )
        (through,) = connection.execute("SELECT through_id FROM node_witness_callcheckwatermark").fetchone()
    assert queued == {1: None, 2: "2026-01-01 09:01:00", 3: "2026-01-01 09:01:00", 4: None}
    assert through == 4
