"""The PostgreSQL helpers CI and developers rely on: `.ci/postgres.sh` and the production init script."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from hotline_shared.ports import free_ports
from hotline_stack.postgres import database_url, drop_database, ensure_database

REPO = Path(__file__).resolve().parents[1]
HAVE_POSTGRES = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))

pytestmark = pytest.mark.skipif(
    not HAVE_POSTGRES and not os.environ.get("CI"),
    reason="PostgreSQL server binaries not installed (apt-get install postgresql); CI installs them",
)


def pg_script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".ci" / "postgres.sh"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _server() -> Iterator[tuple[dict[str, str], int]]:
    # Not under pytest's tmp_path: as root the server runs as `postgres`, which cannot enter it.
    folder = tempfile.mkdtemp(prefix="hotline-pg-test-")
    (port,) = free_ports(1)
    env = {"HOTLINE_PG_DIR": folder, "HOTLINE_PG_PORT": str(port)}
    started = pg_script("start", env=env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == (
        f"export HOTLINE_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    )
    yield env, port
    pg_script("destroy", env=env)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_server() -> Iterator[tuple[dict[str, str], int]]:
    yield from _server()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[dict[str, str], int]]:
    yield from _server()


async def query(port: int, sql: str, *, user: str = "postgres", database: str = "postgres") -> list[asyncpg.Record]:
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user=user, database=database, timeout=10)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def test_postgres_script_starts_stops_and_keeps_data_until_destroyed(own_server: tuple[dict[str, str], int]) -> None:
    env, port = own_server
    assert pg_script("status", env=env).returncode == 0
    asyncio.run(query(port, "CREATE TABLE kept (n int)"))
    asyncio.run(query(port, "INSERT INTO kept VALUES (42)"))
    rows = asyncio.run(query(port, "SHOW listen_addresses"))
    assert rows[0][0] == "127.0.0.1"

    again = pg_script("start", env=env)  # idempotent while running
    assert again.returncode == 0
    assert "already running" in again.stderr

    assert pg_script("stop", env=env).returncode == 0
    assert pg_script("status", env=env).returncode == 1
    with pytest.raises(OSError):
        asyncio.run(query(port, "SELECT 1"))

    assert pg_script("start", env=env).returncode == 0
    assert asyncio.run(query(port, "SELECT n FROM kept"))[0]["n"] == 42

    assert pg_script("destroy", env=env).returncode == 0
    assert not Path(env["HOTLINE_PG_DIR"]).exists()


def test_init_script_creates_one_private_database_per_service(
    server: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    _env, port = server
    password = tmp_path / "db_password"
    password.write_text("a-long-service-password-0123456789")
    script_env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(port),
        "POSTGRES_USER": "postgres",
        "HOTLINE_DB_PASSWORD_FILE": str(password),
    }
    script = str(REPO / "deploy" / "postgres" / "init-databases.sh")
    for _ in range(2):  # a second run (container restarted before init finished) changes nothing
        result = subprocess.run([script], env=script_env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    owners = {
        r["datname"]: r["owner"]
        for r in asyncio.run(
            query(port, "SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname <> 'postgres'")
        )
    }
    for svc in ("intake", "dispatch", "feedback", "gateway"):
        assert owners[svc] == svc
    asyncio.run(query(port, "CREATE TABLE cases (n int)", user="intake", database="intake"))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(query(port, "SELECT 1", user="intake", database="dispatch"))


def test_init_script_refuses_a_weak_password(server: tuple[dict[str, str], int], tmp_path: Path) -> None:
    _env, port = server
    password = tmp_path / "db_password"
    password.write_text("short")
    result = subprocess.run(
        [str(REPO / "deploy" / "postgres" / "init-databases.sh")],
        env={**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(port), "HOTLINE_DB_PASSWORD_FILE": str(password)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "at least 16 characters" in result.stderr


def test_ensure_database_creates_a_missing_database_once_and_drop_removes_it(
    server: tuple[dict[str, str], int],
) -> None:
    # `hotline up --postgres-url` on a fresh server and the e2e `stack` fixture both start here;
    # CREATE DATABASE returns no rows, and asking it for a scalar used to crash both.
    _env, port = server
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    assert ensure_database(url, "e2e_created_once") is True
    assert ensure_database(url, "e2e_created_once") is False
    rows = asyncio.run(query(port, "SELECT 1 AS n", database="e2e_created_once"))
    assert rows[0]["n"] == 1
    assert database_url(url, "e2e_created_once").endswith("/e2e_created_once")
    drop_database(url, "e2e_created_once")
    names = {r["datname"] for r in asyncio.run(query(port, "SELECT datname FROM pg_database"))}
    assert "e2e_created_once" not in names
