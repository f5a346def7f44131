"""Reads that tolerate a little lag from a PostgreSQL streaming replica (docs/deploy.md).

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` database alias. Nothing reads from it
unless a page asks: dashboards, registers and searches run inside ``reading_from_replica()`` (a
context manager and a decorator), and within it ``ReplicaRouter`` sends their ORM reads to the
replica. Everything else, every write, every ``select_for_update``, the sessions and the cache
stay on the primary, so a page that shows what its user just wrote reads it back there. Without
a replica the block changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
# Read on the primary even inside the block: a session just written or a cache entry just set must be seen.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_cache"})
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """The ORM reads of the block go to the replica when there is one (usable as ``@reading_from_replica()``)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """``replica`` for reads inside ``reading_from_replica()``; the primary (``default``) for everything else."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _reading_from_replica.get() and replica_configured() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
