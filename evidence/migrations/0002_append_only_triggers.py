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


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in TABLES:
            no_update, no_delete = trigger_names(table)
            schema_editor.execute(
                f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            no_update, no_delete = trigger_names(table)
            schema_editor.execute(
                f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'evidence log is append-only: UPDATE refused'); END"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'evidence log is append-only: DELETE refused'); END"
            )
    else:  # pragma: no cover - the project runs on these two only
        raise RuntimeError(f"no append-only triggers for database {vendor}")


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        no_update, no_delete = trigger_names(table)
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {no_update} ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {no_delete} ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {no_update}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {no_delete}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS evidence_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
