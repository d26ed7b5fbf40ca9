import contextlib
import importlib

import httpx
import pytest
from django.db import connection

_triggers = importlib.import_module("evidence.migrations.0002_append_only_triggers")


def set_triggers(enabled: bool) -> None:
    """Create or drop the append-only triggers, as an operator with the schema's rights could."""
    statements = (_triggers.create_statements if enabled else _triggers.drop_statements)(connection.vendor)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def wipe_log() -> None:
    """Empty the append-only tables (triggers dropped for the moment), so a transactional test's flush can."""
    set_triggers(False)
    try:
        with connection.cursor() as cursor:
            for table in ("evidence_cosignature", "evidence_checkpoint", "evidence_treenode", "evidence_evidenceentry"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    finally:
        set_triggers(True)


@pytest.fixture
def clean_log():
    """For tests on a live server (transactional): the log's rows are removed afterwards."""
    yield
    wipe_log()


@pytest.fixture
def http(live_server, clean_log):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_test_refuse_insert() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence entry not written (a database failure, caused for the test)';
END;
$$ LANGUAGE plpgsql;
"""


@contextlib.contextmanager
def entries_fail():
    """Make every write of a pending entry fail in the database itself (a trigger refusing the insert).

    It stands in for a database failure at the moment the entry is written.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_REFUSE_FUNCTION)
            cursor.execute("CREATE TRIGGER evidence_test_refuse BEFORE INSERT ON evidence_pendingentry "
                           "FOR EACH ROW EXECUTE FUNCTION evidence_test_refuse_insert()")
        else:
            cursor.execute("CREATE TRIGGER evidence_test_refuse BEFORE INSERT ON evidence_pendingentry "
                           "BEGIN SELECT RAISE(ABORT, 'evidence entry not written (caused for the test)'); END")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP TRIGGER IF EXISTS evidence_test_refuse ON evidence_pendingentry")
                cursor.execute("DROP FUNCTION IF EXISTS evidence_test_refuse_insert()")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS evidence_test_refuse")


@pytest.fixture
def witnesses(live_regions, regional_nodes):
    """The live nodes with no witnessed state: each test's log is a new log to them."""
    for node in regional_nodes:
        try:
            node.manage("witness_reset", "--reason", "test: a new log", "--forget")
        except RuntimeError as exc:  # a node that never witnessed has nothing to reset
            assert "没有日志" in str(exc)
    return live_regions
