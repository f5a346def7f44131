"""The two database roles (docs/audit.md): the owner of the tables, and the role the platform runs as.

The owner (``settings.CQS_DATABASE_OWNER``, from ``DATABASE_OWNER_URL`` or the embedded server's
superuser) creates the tables and runs migrations. The platform's web and worker processes
connect as the application's role (``DATABASE_URL``), which owns nothing: it reads and writes
the rows of every table, but may only add rows to the audit log (no UPDATE, DELETE or TRUNCATE)
and, owning no table, can neither drop nor disable the append-only trigger.

The functions that talk SQL take a DB-API cursor and import nothing from Django, so that
``config.embedded_db`` can create the role before Django's settings exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# What the application's role may do with the audit tables (every other table: SELECT, INSERT, UPDATE, DELETE).
AUDIT_TABLE_PRIVILEGES = {"core_auditevent": "SELECT, INSERT", "core_audithead": "SELECT, INSERT, UPDATE"}
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
# The application's user of each connection while ``owner_connection`` has put the owner in its place.
_APP_USERS: dict[str, str] = {}


def _quoted(role: str) -> str:
    if not _ROLE_NAME.match(role):
        raise ValueError(f"Tên vai trò cơ sở dữ liệu không hợp lệ: {role!r}")
    return f'"{role}"'


def role_ensure(cursor: Any, role: str, *, password: str | None) -> None:
    """Create the application's role if it is missing (a login that owns nothing and may create nothing)."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        try:
            cursor.execute(f"CREATE ROLE {_quoted(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        except Exception:  # another process starting at the same moment may have created it (autocommit)
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise
    if password is not None:
        cursor.execute(f"ALTER ROLE {_quoted(role)} PASSWORD %s", [password])


def role_grants(cursor: Any, role: str) -> None:
    """Give the application's role its rights on every table, sequence and function of the current schema.

    The functions include the background worker's (``procrastinate_*``, which the queue's rows are
    written through); PostgreSQL grants them to every role by default, a hardened server may not.
    """
    name = _quoted(role)
    cursor.execute("SELECT current_schema()")
    schema = _quoted(str(cursor.fetchone()[0]))
    cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {name}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}")
    cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {name}")
    cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {name}")
    for table, privileges in AUDIT_TABLE_PRIVILEGES.items():
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is not None:
            cursor.execute(f"REVOKE ALL ON {table} FROM {name}")
            cursor.execute(f"GRANT {privileges} ON {table} TO {name}")


def may_create_roles(cursor: Any) -> bool:
    cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def role_is_restricted(cursor: Any) -> bool:
    """Whether the connected role is not a superuser and does not own the audit log."""
    cursor.execute(
        "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_roles r, pg_class c "
        "WHERE r.rolname = current_user AND c.oid = to_regclass('core_auditevent')"
    )
    row = cursor.fetchone()
    return row is not None and not row[0]


def app_role_name(alias: str = "default") -> str | None:
    """The application's role when it is not the owner (None: one role does both)."""
    from django.conf import settings

    owner = settings.CQS_DATABASE_OWNER
    user = _APP_USERS.get(alias) or settings.DATABASES[alias]["USER"]
    if not owner or not user or owner["USER"] == user:
        return None
    return str(user)


@contextmanager
def owner_connection(alias: str = "default") -> Iterator[None]:
    """The connection ``alias`` logged in as the owner for the block (migrations), then as before.

    The database name stays: in the tests it is the test database.
    """
    from django.conf import settings
    from django.db import connections

    owner = settings.CQS_DATABASE_OWNER
    connection = connections[alias]
    if not owner or all(connection.settings_dict.get(key) == owner.get(key) for key in _CREDENTIALS):
        yield
        return
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in _CREDENTIALS})
    _APP_USERS[alias] = str(saved["USER"] or "")
    try:
        yield
    finally:
        _APP_USERS.pop(alias, None)
        connection.close()
        connection.settings_dict.update(saved)
