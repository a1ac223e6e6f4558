"""Browser-test fixtures: a real Safeguard server (gunicorn on a fresh database of its own: SQLite, or
PostgreSQL when the test run is on PostgreSQL) and Debian's Chromium.

The server runs as a subprocess with the production settings module (``safeguard.settings``), not
pytest-django's ``live_server``: the audit table's triggers refuse DELETE, so Django's flush between
tests would fail. Nothing here touches the test process's database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
GUNICORN = VENV_BIN / "gunicorn"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every seeded demo user gets this password (the validators want at least 12 characters).
DEMO_PASSWORD = "browser-test-Pa55word"
STARTUP_ATTEMPTS = 120
STARTUP_INTERVAL = 0.25


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SAFEGUARD_ENV"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "safeguard.settings",
            "SAFEGUARD_SQLITE_PATH": str(tmp / "db.sqlite3"),
            "SAFEGUARD_VAR_DIR": str(tmp / "var"),
            "SAFEGUARD_REQUIRE_MFA": "1",
            "SAFEGUARD_MANIFEST_STATIC": "0",
            "SAFEGUARD_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(STARTUP_ATTEMPTS):
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # only ever http://127.0.0.1
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(STARTUP_INTERVAL)
    pytest.fail(f"gunicorn did not answer {url} in time:\n{log.read_text()}")


def in_server(env: dict[str, str], module: str, call: str, *, timeout: int = 600) -> dict[str, Any]:
    """Run ``call`` (a function of ``module`` that prints one line of JSON) against the server's database,
    the way a test arranges data the server will show."""
    done = subprocess.run(
        [str(PYTHON), "manage.py", "shell", "--command", f"import {module} as arranging; arranging.{call}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{call} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@contextmanager
def fresh_database(tmp: Path) -> Iterator[dict[str, str]]:
    """The server's environment on a database of its own: SQLite in ``tmp``, or, when the test run is on
    PostgreSQL, a new database on the same server, dropped afterwards. Migrated and seeded."""
    env = server_env(tmp)
    url = os.environ.get("DATABASE_URL", "")
    name = ""
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        name = f"safeguard_browser_{uuid.uuid4().hex[:12]}"
        admin_url = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--password", DEMO_PASSWORD, "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        yield env
    finally:
        if name:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def serving(tmp: Path, env: dict[str, str]) -> Iterator[str]:
    """gunicorn on a free port over ``env``'s database; yields the base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(GUNICORN), "safeguard.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers=1", "--threads=4"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(f"{base_url}/login/", process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a freshly migrated and seeded Safeguard served by gunicorn."""
    tmp = tmp_path_factory.mktemp("safeguard-server")
    with fresh_database(tmp) as env, serving(tmp, env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies), addressed relative to the server."""
    context: BrowserContext = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
