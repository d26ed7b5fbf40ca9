"""Files holding secrets or personal data are readable by their owner only (mode 600).

The hub's and the regional nodes' SQLite databases hold identity numbers (protected, but with
their digests) and the call records; key files hold SM2 private keys. Each is created with
mode 600 whatever the umask, and an existing looser file is tightened.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import private_file, write_private_key_file

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """A umask that would make new files world-readable, as on many servers (022) and worse."""
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_private_file_is_created_owner_only(tmp_path, open_umask):
    path = private_file(tmp_path / "sub" / "data.sqlite3")
    assert path.exists() and path.stat().st_size == 0
    assert mode(path) == 0o600


def test_private_file_tightens_an_existing_file_and_keeps_its_content(tmp_path):
    path = tmp_path / "data.sqlite3"
    path.write_bytes(b"existing")
    path.chmod(0o644)
    private_file(path)
    assert mode(path) == 0o600
    assert path.read_bytes() == b"existing"


def test_rewritten_key_file_is_tightened(tmp_path, open_umask):
    path = tmp_path / "keys" / "hub.key"
    path.parent.mkdir()
    path.write_text("old\n")
    path.chmod(0o644)
    write_private_key_file(path, sm2.PrivateKey.generate())
    assert mode(path) == 0o600
    write_private_key_file(tmp_path / "keys" / "new.key", sm2.PrivateKey.generate())
    assert mode(tmp_path / "keys" / "new.key") == 0o600


def _connect(settings_module: str, env: dict[str, str]) -> None:
    """Open the project's default database in a fresh process under a permissive umask."""
    code = (
        "import os, django; os.umask(0); django.setup();"
        "from django.db import connection; connection.ensure_connection();"
        "cursor = connection.cursor(); cursor.execute('CREATE TABLE t (x integer)');"
        "cursor.execute('INSERT INTO t VALUES (1)'); connection.close()"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NODE_DATABASE_URL"))}
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_hub_sqlite_database_is_owner_only(tmp_path):
    _connect("ysj_portal.settings", {"YSJ_VAR_DIR": str(tmp_path), "DEBUG": "1"})
    database = tmp_path / "ysj_portal.sqlite3"
    assert database.stat().st_size > 0
    assert mode(database) == 0o600


def test_node_sqlite_database_and_its_wal_are_owner_only(tmp_path):
    data = tmp_path / "sh"
    _connect("regional_node.settings", {"NODE_DATA_DIR": str(data), "NODE_REGION": "SH", "NODE_DEBUG": "1"})
    database = data / "node.sqlite3"
    assert database.stat().st_size > 0
    assert mode(database) == 0o600
    # SQLite gives the journal files the database's mode; the WAL may have been checkpointed away.
    for extra in (data / "node.sqlite3-wal", data / "node.sqlite3-shm"):
        if extra.exists():
            assert mode(extra) == 0o600
