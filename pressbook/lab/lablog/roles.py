"""Who may do what in a PostgreSQL pellet log, enforced by the database (migration 0004).

Each person connects with their own database role (``pressbook log grant ana`` creates it). The roles of
one log's database are members of its group role ``<database>_pellet_member``; lab admins are also members
of ``<database>_pellet_admin``. The database itself then enforces, whatever SQL a member sends:

- everyone reads every pellet; a member inserts pellets only as their owner (``owner = current_user``) and
  updates only their own (row-level security); an admin updates any (soft delete, restore);
- nobody deletes a pellet (no DELETE grant: delete is soft) nor changes its ``id``, ``uid``, ``owner`` or
  ``created_at`` (column grants);
- the history and the raw files are insert-only for everyone (no UPDATE/DELETE grant, and a trigger that
  refuses UPDATE and DELETE even for the tables' owner); a member adds history and files only to their own
  pellets and under their own name, an admin to any pellet (an imported package keeps its people).

The role that created the tables (the one that runs the migrations, e.g. ``postgres``) owns them and is
not held to row-level security: it is the database administrator, not a lab member. SQLite has no roles:
a SQLite log is one person's file (single-user); only the insert-only triggers apply there.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

#: columns a member or admin may never change (the record's identity and who owns it)
FIXED_COLUMNS = ("id", "uid", "owner", "created_at")
#: a role name `pressbook log grant` accepts: a JupyterHub-style user name
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_.@-]{0,62}$")


def group_roles(database: str) -> tuple[str, str]:
    """The (member, admin) group role names of the log in ``database`` (at most 63 bytes each)."""
    stem = database[:63 - len("_pellet_member")]
    return f"{stem}_pellet_member", f"{stem}_pellet_admin"


def quote(conn: Connection, name: str) -> str:
    """``name`` as a quoted SQL identifier (roles, columns with capitals such as ``pressure_MPa``)."""
    return conn.dialect.identifier_preparer.quote_identifier(name)


def identity(conn: Connection) -> dict:
    """Who this connection is: ``user`` (the role), ``enforced`` (True when the database holds the role to
    the rules above: a member that neither owns the tables nor bypasses row-level security) and ``admin``."""
    member, admin = group_roles(conn.execute(text("SELECT current_database()")).scalar_one())
    row = conn.execute(text(
        "SELECT current_user AS user, r.rolsuper OR r.rolbypassrls AS bypass, "
        "pg_has_role(current_user, c.relowner, 'USAGE') AS owns, "
        "EXISTS (SELECT FROM pg_roles WHERE rolname = :m) AND pg_has_role(current_user, :m, 'USAGE') AS member, "
        "EXISTS (SELECT FROM pg_roles WHERE rolname = :a) AND pg_has_role(current_user, :a, 'USAGE') AS admin "
        "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'pellets'::regclass"),
        {"m": member, "a": admin}).mappings().one()
    enforced = bool(row["member"] and not row["bypass"] and not row["owns"])
    return {"user": row["user"], "enforced": enforced, "admin": bool(row["admin"])}


def grant(engine: Engine, user: str, *, admin: bool = False, password: str | None = None,
          login_password: bool = True) -> str | None:
    """Create the database role ``user`` (if new) and make it a member (``admin``: also an admin) of this
    log. A new role gets ``password`` or, when none is given and ``login_password`` is set, a random one;
    returns the password set (None when none was). Needs a connection that may create roles (CREATEROLE)."""
    if not ROLE_NAME.match(user or ""):
        from ...errors import InvalidInputError

        raise InvalidInputError("user", user, "a user name of 1 to 63 lower-case letters, digits, _ . @ - "
                                "(starting with a letter or _)")
    with engine.begin() as conn:
        member, admin_role = group_roles(conn.execute(text("SELECT current_database()")).scalar_one())
        role = quote(conn, user)
        exists = conn.execute(text("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :u)"), {"u": user}).scalar()
        if not exists:
            password = password or (secrets.token_urlsafe(18) if login_password else None)
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        if password:
            # a literal: ALTER ROLE takes no bound parameters (standard_conforming_strings: only ' is doubled)
            literal = "'" + password.replace("'", "''") + "'"
            conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {literal}")
        conn.exec_driver_sql(f"GRANT {quote(conn, member)} TO {role}")
        if admin:
            conn.exec_driver_sql(f"GRANT {quote(conn, admin_role)} TO {role}")
        else:
            conn.exec_driver_sql(f"REVOKE {quote(conn, admin_role)} FROM {role}")
    return password


def revoke(engine: Engine, user: str) -> None:
    """Take ``user``'s membership (and admin) of this log away; the role and its pellets stay."""
    with engine.begin() as conn:
        member, admin_role = group_roles(conn.execute(text("SELECT current_database()")).scalar_one())
        role = quote(conn, user)
        for group in (admin_role, member):
            conn.exec_driver_sql(f"REVOKE {quote(conn, group)} FROM {role}")
