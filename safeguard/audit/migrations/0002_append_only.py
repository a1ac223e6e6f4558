"""The audit log is append-only: the database itself refuses UPDATE and DELETE on its rows."""

from django.db import migrations

GENESIS = "0" * 64

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]

POSTGRES = [
    """CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_event_no_update_delete ON audit_auditevent",
    "DROP FUNCTION audit_event_refuse_change()",
]


def create_triggers(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
