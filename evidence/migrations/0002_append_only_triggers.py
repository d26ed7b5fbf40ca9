"""Triggers refusing UPDATE and DELETE on the append-only tables, on PostgreSQL and SQLite.

The models refuse too (``evidence.models.AppendOnlyModel``); the triggers also stop raw SQL and
other programs using the database. ``verify_evidence`` is what detects a change made by someone
who dropped them. TRUNCATE is left to the database's privileges (Django's test runner empties
tables with it): the hub's database role should not own these tables in production.
"""

from django.db import migrations

#: The append-only tables: the log, its tree, its checkpoints and their cosignatures.
TABLES = ("evidence_evidenceentry", "evidence_treenode", "evidence_checkpoint", "evidence_cosignature")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
"""


def trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def create_statements(vendor: str) -> list[str]:
    """The SQL creating the triggers on ``vendor`` (also used by the tests that drop and restore them)."""
    statements = []
    if vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION)
        for table in TABLES:
            for name, event in zip(trigger_names(table), ("UPDATE", "DELETE"), strict=True):
                statements.append(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()"
                )
    elif vendor == "sqlite":
        for table in TABLES:
            for name, event in zip(trigger_names(table), ("UPDATE", "DELETE"), strict=True):
                statements.append(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'evidence log is append-only: {event} refused'); END"
                )
    else:  # pragma: no cover - the project runs on these two only
        raise RuntimeError(f"no append-only triggers for database {vendor}")
    return statements


def drop_statements(vendor: str) -> list[str]:
    statements = []
    for table in TABLES:
        for name in trigger_names(table):
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}" if vendor == "postgresql"
                              else f"DROP TRIGGER IF EXISTS {name}")
    if vendor == "postgresql":
        statements.append("DROP FUNCTION IF EXISTS evidence_refuse_change()")
    return statements


def create(apps, schema_editor):
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
