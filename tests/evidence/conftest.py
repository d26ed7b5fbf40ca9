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
