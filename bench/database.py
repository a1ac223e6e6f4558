"""A throwaway database for one benchmark run: SQLite in a temporary directory, or a fresh PostgreSQL
database created on the server named by DATABASE_URL and dropped at the end.

``prepare`` must run before ``django.setup()``: settings read the environment once, at import.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Target:
    engine: str  # "sqlite" or "postgresql"
    url: str  # the bench database's URL (PostgreSQL) or file path (SQLite)
    server_url: str = ""  # PostgreSQL: where to connect to create and drop the database
    name: str = ""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def throwaway(tmp: Path, *, postgres: bool, server_url: str) -> Iterator[Target]:
    """Point the settings at a new empty database; drop it afterwards (SQLite goes with ``tmp``)."""
    os.environ["SAFEGUARD_VAR_DIR"] = str(tmp / "var")
    if not postgres:
        os.environ.pop("DATABASE_URL", None)
        path = tmp / "bench.sqlite3"
        os.environ["SAFEGUARD_SQLITE_PATH"] = str(path)
        yield Target(engine="sqlite", url=str(path))
        return

    import psycopg

    name = f"safeguard_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_url, name)
    os.environ["DATABASE_URL"] = url
    try:
        yield Target(engine="postgresql", url=url, server_url=server_url, name=name)
    finally:
        with contextlib.suppress(Exception):  # Django may never have been set up
            from django.db import connections

            connections.close_all()
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(target: Target) -> str:
    """One line naming the database engine and the machine. Call after ``django.setup()``."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW synchronous_commit")
            sync = cursor.fetchone()[0]
            where = urlsplit(target.url)
            db = f"PostgreSQL {version} (database {target.name} on {where.hostname}:{where.port or 5432}, "
            db += f"synchronous_commit={sync})"
        else:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(cursor.fetchone()[0], "?")
            db = f"SQLite {sqlite3.sqlite_version} (journal_mode={mode}, synchronous={sync}, file {target.url})"
    import django

    machine = (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )
    return f"database: {db}\nmachine:  {machine}"
