"""verify_evidence over a log edited with raw SQL after dropping the triggers, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from evidence.verify import verify_log
from ysj_protocol.tlog.hashing import leaf_hash

from .conftest import set_triggers
from .factories import log_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    log_of(20, batches=3)  # checkpoints at 7, 14 and 20
    set_triggers(False)
    yield
    set_triggers(True)


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _verify() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_evidence", stdout=io.StringIO(), stderr=io.StringIO())
    return str(caught.value)


def test_an_intact_log_verifies(log) -> None:
    out = io.StringIO()
    call_command("verify_evidence", stdout=out)
    assert "存证日志完好" in out.getvalue() and "20 个条目、3 个检查点" in out.getvalue()


def test_an_edited_leaf_is_named(log) -> None:
    leaf = bytes(_row(9)).replace(b'"BIZ-9"', b'"BIZ-X"')
    _sql('UPDATE evidence_evidenceentry SET leaf = %s WHERE "index" = 9', [leaf])
    message = _verify()
    assert "first problem at entry 9" in message and "条目 9 被篡改" in message


def test_an_edited_leaf_with_its_hash_recomputed_is_found_by_its_subtree(log) -> None:
    leaf = bytes(_row(9)).replace(b'"BIZ-9"', b'"BIZ-X"')
    _sql('UPDATE evidence_evidenceentry SET leaf = %s, leaf_hash = %s, biz_num = %s WHERE "index" = 9',
         [leaf, leaf_hash(leaf), "BIZ-X"])
    message = _verify()
    assert "first problem at entry 8" in message and "条目 8–9" in message


def test_an_edited_column_is_named(log) -> None:
    _sql('UPDATE evidence_evidenceentry SET region = %s WHERE "index" = 12', ["ZJ"])
    assert "条目 12 的字段 region 与叶子数据不符" in _verify()


def test_a_deleted_entry_is_named(log) -> None:
    _sql('DELETE FROM evidence_evidenceentry WHERE "index" = 5')
    message = _verify()
    assert "first problem at entry 5" in message and "条目 5 缺失" in message


def test_deleted_last_entries_are_named(log) -> None:
    _sql('DELETE FROM evidence_evidenceentry WHERE "index" >= 17')
    message = _verify()
    assert "first problem at entry 17" in message and "条目 17 起被删除" in message


def test_two_swapped_entries_are_found(log) -> None:
    _sql('UPDATE evidence_evidenceentry SET "index" = -1 WHERE "index" = 3')
    _sql('UPDATE evidence_evidenceentry SET "index" = 3 WHERE "index" = 10')
    _sql('UPDATE evidence_evidenceentry SET "index" = 10 WHERE "index" = -1')
    message = _verify()
    assert "first problem at entry 2" in message and "条目 2–3 中有条目被改动或调换" in message


def test_an_edited_checkpoint_root_is_found(log) -> None:
    _sql("UPDATE evidence_checkpoint SET root = %s WHERE size = 14", [bytes(32)])
    report = verify_log()
    messages = [problem.message for problem in report.problems]
    assert any("检查点 14 的条目数或根哈希与其签名文本不符" in m for m in messages)
    assert any("前 14 个条目的根哈希与检查点不符" in m for m in messages)


def test_a_forged_checkpoint_signature_is_found(log) -> None:
    from evidence.models import Checkpoint

    checkpoint = Checkpoint.objects.get(size=7)
    body = checkpoint.note.split("\n\n")[0] + "\n"
    forged = body + "\n" + checkpoint.note.split("\n\n")[1].replace("A", "B", 1).replace("a", "b", 1)
    _sql("UPDATE evidence_checkpoint SET note = %s WHERE size = 7", [forged])
    assert any("检查点 7 的本系统签名验证失败" in p.message or "无法解析" in p.message for p in verify_log().problems)


def _row(index: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute('SELECT leaf FROM evidence_evidenceentry WHERE "index" = %s', [index])
        return bytes(cursor.fetchone()[0])
