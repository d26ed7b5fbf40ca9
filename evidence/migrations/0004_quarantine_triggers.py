"""The quarantine of unreadable pending entries is append-only as the log is: triggers refuse UPDATE
and DELETE on its two tables, on PostgreSQL and SQLite. PostgreSQL's function is its own, so that
dropping the log's triggers (0002's ``drop_statements``) leaves these in place."""

from django.db import migrations

TABLES = ("evidence_quarantinedentry", "evidence_quarantinerelease")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_quarantine_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence quarantine is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
"""


def trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def create_statements(vendor: str) -> list[str]:
    statements = [POSTGRES_FUNCTION] if vendor == "postgresql" else []
    for table in TABLES:
        for name, event in zip(trigger_names(table), ("UPDATE", "DELETE"), strict=True):
            if vendor == "postgresql":
                statements.append(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION evidence_quarantine_refuse_change()"
                )
            elif vendor == "sqlite":
                statements.append(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'evidence log is append-only: {event} refused'); END"
                )
            else:  # pragma: no cover - the project runs on these two only
                raise RuntimeError(f"no append-only triggers for database {vendor}")
    return statements


def drop_statements(vendor: str) -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        if vendor == "postgresql"
        else f"DROP TRIGGER IF EXISTS {name}"
        for table in TABLES
        for name in trigger_names(table)
    ]
    if vendor == "postgresql":
        statements.append("DROP FUNCTION IF EXISTS evidence_quarantine_refuse_change()")
    return statements


def create(apps, schema_editor):
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_quarantine_cosignature_key")]

    operations = [migrations.RunPython(create, drop)]
