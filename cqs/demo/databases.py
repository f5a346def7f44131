"""Side databases on the platform's PostgreSQL server (``cqs_bench``, ``cqs_scale``), for measuring.

Used before Django is set up (the caller rewrites ``DATABASE_URL`` with the URL returned here),
so this module imports nothing from Django or the platform at load time.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid database name: {name!r}")
    return name


def sibling_database_url(name: str) -> str:
    """``DATABASE_URL`` (or the embedded server's owner's URL) with the database name replaced by ``name``."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        from config.embedded_db import owner_url

        base = owner_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{_check(name)}"))


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _name_of(url: str) -> str:
    return _check(urlsplit(url).path.lstrip("/"))


def ensure_database(url: str) -> bool:
    """Create the database of ``url`` if it does not exist; True when it was created."""
    import psycopg

    name = _name_of(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None:
            return False
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return True


def drop_database(url: str) -> None:
    import psycopg

    name = _name_of(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
