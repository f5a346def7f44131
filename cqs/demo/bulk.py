"""What the bulk loaders of ``cqs_scale`` share: figures, the superuser test and dropping indexes during a load."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection


def thousands(value: float) -> str:
    """1.234.567: Vietnamese thousands separators."""
    return f"{value:,.0f}".replace(",", ".")


def is_superuser() -> bool:
    """Whether the connection may skip foreign-key triggers (``session_replication_role``) while copying."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        row = cursor.fetchone()
    return bool(row and row[0] == "on")


def indexes_drop(tables: Sequence[str], *, stdout: Any) -> list[tuple[str, str]]:
    """Drop the secondary indexes of ``tables`` (not primary keys, not unique ones); their (name, definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT x.indisprimary AND NOT x.indisunique
            """,
            [list(tables)],
        )
        dropped = [(str(name), str(definition)) for name, definition in cursor.fetchall()]
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    stdout.write(f"    bỏ tạm {len(dropped)} chỉ mục phụ trong khi nạp\n")
    return dropped


def indexes_rebuild(
    dropped: list[tuple[str, str]], tables: Sequence[str], *, stdout: Any, work_mem: str = "512MB"
) -> float:
    """Build the dropped indexes again (one sorted build each), ANALYZE ``tables``; the seconds it took."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        if dropped:
            cursor.execute(f"SET maintenance_work_mem = '{work_mem}'")
            for _name, definition in dropped:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            stdout.write(f"    dựng lại {len(dropped)} chỉ mục: {time.monotonic() - started:.0f} s\n")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    return time.monotonic() - started
