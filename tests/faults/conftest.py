from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def postgresql(transactional_db) -> None:
    """Skip on SQLite: these faults (killed server connections) exist only with a database server."""
    if connection.vendor != "postgresql":
        pytest.skip("需要 PostgreSQL（设置 DATABASE_URL）：SQLite 没有可被终止的服务器连接")
