"""Ownership enforced by the database (issue 27 item 9): insert-only history and raw files on every
database; on PostgreSQL also the group roles, grants and row-level security of ``lablog/roles.py``.

A later migration that adds a column to ``pellets`` must grant UPDATE on it to the member role, and one
that rebuilds ``pellet_history`` or ``raw_files`` (SQLite batch mode) must recreate the triggers.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
from sqlalchemy import text

from pressbook.lab.lablog.roles import FIXED_COLUMNS, group_roles, quote

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INSERT_ONLY = ("pellet_history", "raw_files")
POLICIES = {  # name -> (table, command, role: "member"/"admin", USING, WITH CHECK)
    "pellets_read": ("pellets", "SELECT", "member", "true", None),
    "pellets_add_own": ("pellets", "INSERT", "member", None, "owner = current_user"),
    "pellets_change_own": ("pellets", "UPDATE", "member", "owner = current_user", "owner = current_user"),
    "pellets_admin": ("pellets", "ALL", "admin", "true", "true"),
    "history_read": ("pellet_history", "SELECT", "member", "true", None),
    "history_add_own": ("pellet_history", "INSERT", "member", None,
                        "who = current_user AND pellet_id IN (SELECT id FROM pellets WHERE owner = current_user)"),
    "history_admin": ("pellet_history", "INSERT", "admin", None, "true"),
    "raw_read": ("raw_files", "SELECT", "member", "true", None),
    "raw_add_own": ("raw_files", "INSERT", "member", None,
                    "added_by = current_user AND pellet_id IN (SELECT id FROM pellets WHERE owner = current_user)"),
    "raw_admin": ("raw_files", "INSERT", "admin", None, "true"),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql(bind)
    else:
        for table in INSERT_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: rows are never changed or "
                           "removed'); END")


def _postgresql(bind) -> None:
    member, admin = group_roles(bind.execute(text("SELECT current_database()")).scalar_one())
    roles = {"member": quote(bind, member), "admin": quote(bind, admin)}
    for name in (member, admin):
        if not bind.execute(text("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :r)"), {"r": name}).scalar():
            bind.exec_driver_sql(f"CREATE ROLE {quote(bind, name)} NOLOGIN")
    sql = bind.exec_driver_sql
    sql(f"GRANT {roles['member']} TO {roles['admin']}")
    sql("REVOKE ALL ON pellets, pellet_history, raw_files, alembic_version FROM PUBLIC")
    sql(f"GRANT SELECT ON pellets, pellet_history, raw_files, alembic_version TO {roles['member']}")
    sql(f"GRANT INSERT ON pellets, pellet_history, raw_files TO {roles['member']}")
    columns = [r[0] for r in bind.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'pellets' "
        "AND table_schema = current_schema() ORDER BY ordinal_position"))]
    changeable = ", ".join(quote(bind, c) for c in columns if c not in FIXED_COLUMNS)
    sql(f"GRANT UPDATE ({changeable}) ON pellets TO {roles['member']}")
    for table in ("pellets", "pellet_history", "raw_files"):
        seq = bind.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
        sql(f"GRANT USAGE ON SEQUENCE {seq} TO {roles['member']}")
        sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for name, (table, command, role, using, check) in POLICIES.items():
        sql(f"CREATE POLICY {name} ON {table} FOR {command} TO {roles[role]}"
            + (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else ""))
    sql("CREATE FUNCTION pellet_log_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is insert-only: rows are never changed or removed', "
        "ERRCODE = 'insufficient_privilege'; END $$")
    for table in INSERT_ONLY:
        sql(f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pellet_log_insert_only()")
        sql(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pellet_log_insert_only()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for table in INSERT_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
        return
    for table in INSERT_ONLY:
        op.execute(f"DROP TRIGGER {table}_insert_only ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION pellet_log_insert_only()")
    for name, (table, *_rest) in POLICIES.items():
        op.execute(f"DROP POLICY {name} ON {table}")
    for table in ("pellets", "pellet_history", "raw_files"):
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    member, _admin = group_roles(bind.execute(text("SELECT current_database()")).scalar_one())
    op.execute(f"REVOKE ALL ON pellets, pellet_history, raw_files, alembic_version FROM {quote(bind, member)}")
