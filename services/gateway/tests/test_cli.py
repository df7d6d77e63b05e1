"""`python -m gateway.manage keys ...` and `seed --demo`, run against a real migrated database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from gateway.apikeys.models import ApiKey
from gateway.apikeys.tokens import hash_key
from gateway.config import DEMO_API_KEYS_FILE, MIGRATIONS_DIR
from gateway.manage import cli
from hotline_shared.db import Database
from hotline_shared.testing import DatabaseFactory
from sqlalchemy import select
from typer.testing import CliRunner


@pytest.fixture
def env(database_factory: DatabaseFactory, tmp_path: Path) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": database_factory.new("gateway", MIGRATIONS_DIR), "GATEWAY_ENV": "test"}


def stored_keys(url: str) -> dict[str, ApiKey]:
    async def go() -> dict[str, ApiKey]:
        db = Database(url)
        try:
            async with db.transaction() as session:
                return {k.name: k for k in (await session.scalars(select(ApiKey))).all()}
        finally:
            await db.dispose()

    return asyncio.run(go())


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_keys_create_list_rotate_revoke(env: dict[str, str]) -> None:
    out = run(env, "keys", "create", "--name", "unit-cg", "--role", "unit", "--unit-id", "U-CG-001")
    secret = re.search(r"key:\s+(hk_\S+)", out)
    assert secret is not None
    stored = stored_keys(env["GATEWAY_DATABASE_URL"])["unit-cg"]
    assert stored.key_hash == hash_key(secret.group(1))
    assert stored.source == "cli"

    listing = run(env, "keys", "list")
    assert "unit-cg" in listing
    assert "U-CG-001" in listing
    assert secret.group(1) not in listing

    out = run(env, "keys", "rotate", "unit-cg")
    rotated = re.search(r"key:\s+(hk_\S+)", out)
    assert rotated is not None
    assert rotated.group(1) != secret.group(1)
    assert stored_keys(env["GATEWAY_DATABASE_URL"])["unit-cg"].key_hash == hash_key(rotated.group(1))

    assert "revoked unit-cg" in run(env, "keys", "revoke", "unit-cg")
    assert stored_keys(env["GATEWAY_DATABASE_URL"])["unit-cg"].revoked_at is not None
    assert "revoked" in run(env, "keys", "list", "--status", "revoked")


def test_keys_create_refuses_a_unit_key_without_unit(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["keys", "create", "--name", "u", "--role", "unit"], env=env)
    assert result.exit_code == 1
    assert "unit_id" in result.output
    assert stored_keys(env["GATEWAY_DATABASE_URL"]) == {}


def test_seed_demo_loads_the_file_idempotently_and_keeps_revocations(env: dict[str, str], tmp_path: Path) -> None:
    seed_file = tmp_path / "keys.yaml"
    seed_file.write_text(
        "- {name: 话务员 demo, key: hk_demo_operator_0123456789abcdef, role: operator}\n"
        "- {name: 城管 (U-CG-001), key: hk_demo_unit_0123456789abcdef, role: unit, unit_id: U-CG-001}\n",
        encoding="utf-8",
    )
    env = {**env, "GATEWAY_API_KEYS_FILE": str(seed_file)}
    assert "2 created" in run(env, "seed", "--demo")
    assert "2 unchanged" in run(env, "seed", "--demo")
    keys = stored_keys(env["GATEWAY_DATABASE_URL"])
    assert keys["话务员 demo"].key_hash == hash_key("hk_demo_operator_0123456789abcdef")
    assert keys["城管 (U-CG-001)"].unit_id == "U-CG-001"

    run(env, "keys", "revoke", "话务员 demo")
    out = run(env, "seed", "--demo")
    assert "1 kept revoked" in out
    assert "1 unchanged" in out
    assert stored_keys(env["GATEWAY_DATABASE_URL"])["话务员 demo"].revoked_at is not None


def test_seed_refuses_a_bad_entry(env: dict[str, str], tmp_path: Path) -> None:
    seed_file = tmp_path / "keys.yaml"
    seed_file.write_text("- {name: x, key: short, role: operator}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["seed", "--demo"], env={**env, "GATEWAY_API_KEYS_FILE": str(seed_file)})
    assert result.exit_code == 1
    assert "at least 16 characters" in result.output
    assert stored_keys(env["GATEWAY_DATABASE_URL"]) == {}


def test_the_shipped_demo_key_file_loads(env: dict[str, str]) -> None:
    assert DEMO_API_KEYS_FILE.is_file(), "demo/api_keys.yaml is what `hotline up` hands out"
    out = run(env, "seed", "--demo")
    keys = stored_keys(env["GATEWAY_DATABASE_URL"])
    assert f"{len(keys)} created" in out
    roles = {k.role for k in keys.values()}
    assert {"operator", "station", "unit", "supervisor", "admin"} <= roles
