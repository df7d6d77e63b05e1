"""What every child is told (env vars), the identity secret, and the demo API keys file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hotline_stack.config import SERVICES, Ports, StackConfig
from hotline_stack.keys import ROLES, KeysFileError, default_keys_file, load_keys

REPO = Path(__file__).resolve().parents[2]


def test_port_base_moves_the_whole_stack() -> None:
    ports = Ports.from_base(9100)
    assert (ports.gateway, ports.intake, ports.dispatch, ports.feedback, ports.redis) == (9100, 9101, 9102, 9103, 9109)
    assert Ports.from_base(8000).gateway == 8000
    assert Ports.from_base(8000, redis=6390).redis == 6390


def test_every_service_gets_its_own_prefixed_settings(tmp_path: Path) -> None:
    cfg = StackConfig(data_dir=tmp_path / "d", ports=Ports.from_base(9000), clock_offset_seconds=86400)
    env = cfg.child_env(base={"PATH": "/usr/bin"})
    for svc in SERVICES:
        p = svc.upper() + "_"
        assert env[p + "ENV"] == "dev"
        assert env[p + "DATABASE_URL"] == f"sqlite+aiosqlite:///{(tmp_path / 'd').resolve()}/{svc}.sqlite3"
        assert env[p + "REDIS_URL"] == "redis://127.0.0.1:9009/0"
        assert env[p + "LOG_JSON"] == "false"
        assert float(env[p + "CLOCK_OFFSET_SECONDS"]) == 86400
    secrets = {env[s.upper() + "_IDENTITY_SECRET"] for s in SERVICES}
    assert len(secrets) == 1, "gateway and services must share one identity secret"
    assert env["GATEWAY_INTAKE_URL"] == "http://127.0.0.1:9001"
    assert env["GATEWAY_DISPATCH_URL"] == "http://127.0.0.1:9002"
    assert env["GATEWAY_FEEDBACK_URL"] == "http://127.0.0.1:9003"
    assert Path(env["GATEWAY_API_KEYS_FILE"]).is_file()
    assert env["PATH"] == "/usr/bin"


def test_external_redis_and_postgres_urls_are_passed_through(tmp_path: Path) -> None:
    pg = "postgresql+asyncpg://hotline:pw@db.internal:5432/hotline_dispatch"
    cfg = StackConfig(data_dir=tmp_path, redis_url="redis://cache:6379/2", database_urls={"dispatch": pg})
    env = cfg.child_env(base={})
    assert env["DISPATCH_DATABASE_URL"] == pg
    assert env["INTAKE_DATABASE_URL"].startswith("sqlite+aiosqlite:///")
    assert {env[s.upper() + "_REDIS_URL"] for s in SERVICES} == {"redis://cache:6379/2"}
    with pytest.raises(ValueError, match="unknown service"):
        StackConfig(data_dir=tmp_path, database_urls={"billing": pg})


def test_identity_secret_is_generated_once_private_and_stable(tmp_path: Path) -> None:
    cfg = StackConfig(data_dir=tmp_path / "d")
    first = cfg.identity_secret()
    assert len(first) >= 32
    assert stat.S_IMODE(cfg.secret_file.stat().st_mode) == 0o600
    assert StackConfig(data_dir=tmp_path / "d").identity_secret() == first
    assert StackConfig(data_dir=tmp_path / "other").identity_secret() != first


def test_demo_keys_cover_every_role_and_the_demo_units_and_stations() -> None:
    keys = load_keys(default_keys_file())
    assert default_keys_file() == REPO / "demo" / "api_keys.yaml"
    assert {k.role for k in keys} == set(ROLES)
    assert {k.unit_id for k in keys if k.role == "unit"} == {"U-CG-001", "U-RS-001"}
    stations = {k.station_id for k in keys if k.role == "station"}
    assert "S-JD-01" in stations
    assert len(stations) == 2
    assert len({k.key for k in keys}) == len(keys)
    assert all(k.key.startswith("hk_") and len(k.key) >= 32 for k in keys)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "non-empty list"),
        ("- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa}", "'role' is required"),
        ("- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: mayor}", "not one of operator"),
        ("- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: unit}", "needs unit_id"),
        ("- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: station}", "needs station_id"),
        ("- {name: a, key: short, role: admin}", "too short"),
        ("- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: admin, colour: red}", "unknown field"),
        (
            "- {name: a, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: admin}\n"
            "- {name: b, key: hk_aaaaaaaaaaaaaaaaaaaaaaaa, role: operator}",
            "entry 2: key is used twice",
        ),
        ("- [unclosed", "not valid YAML"),
    ],
)
def test_a_broken_keys_file_is_refused_with_a_pointed_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(content)
    with pytest.raises(KeysFileError, match=message):
        load_keys(path)


def test_missing_keys_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(KeysFileError, match=r"nope\.yaml"):
        load_keys(tmp_path / "nope.yaml")
