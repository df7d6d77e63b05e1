"""The production path, checked without a Docker engine: docker-compose.yml, the Dockerfile and
the container entry point must wire every service the way deploy/README.md says."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hotline_shared.settings import PLACEHOLDER_SECRETS

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "dispatch", "feedback", "gateway")
WORKER_SERVICES = ("intake", "dispatch", "feedback")
REQUIRED_SETTINGS = ("ENV", "DATABASE_URL", "REDIS_URL", "IDENTITY_SECRET", "LOG_JSON", "CLOCK_OFFSET_SECONDS")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def processes(svc: str) -> list[str]:
    names = [f"{svc}-migrate", f"{svc}-api"]
    if svc in WORKER_SERVICES:
        names.append(f"{svc}-worker")
    return names


def test_every_service_has_a_migrate_job_an_api_and_a_worker_where_it_has_one(services: dict[str, Any]) -> None:
    expected = {"postgres", "redis", "edge"} | {p for svc in SERVICES for p in processes(svc)}
    assert set(services) == expected
    assert "gateway-worker" not in services, "the gateway has no worker"
    for svc in WORKER_SERVICES:
        assert services[f"{svc}-worker"]["command"] == ["worker"]
    for svc in SERVICES:
        assert services[f"{svc}-api"]["command"] == ["api"]
        assert services[f"{svc}-migrate"]["command"] == ["migrate"]
        assert services[f"{svc}-migrate"]["restart"] == "no"


def test_every_process_gets_all_its_settings_for_prod(services: dict[str, Any]) -> None:
    databases = set()
    for svc in SERVICES:
        prefix = svc.upper() + "_"
        for name in processes(svc):
            env = env_of(services[name])
            for setting in REQUIRED_SETTINGS:
                key = prefix + setting
                assert key in env or key + "_FILE" in env, f"{name} lacks {key}"
            assert env[prefix + "ENV"] == "prod", name
            assert env[prefix + "LOG_JSON"] == "true", name
            assert float(env[prefix + "CLOCK_OFFSET_SECONDS"]) == 0, f"{name}: no time travel in production"
            url = env[prefix + "DATABASE_URL"]
            m = re.fullmatch(r"postgresql\+asyncpg://(\w+)@postgres:5432/(\w+)", url)
            assert m, f"{name}: {url} is not a password-less asyncpg URL on the postgres service"
            assert m.group(1) == m.group(2) == svc, f"{name} must use its own role and database"
            databases.add(m.group(2))
            assert env[prefix + "REDIS_URL"].startswith("redis://redis:6379/"), name
            # nothing of another service's settings leaks in
            others = [k for k in env if k.split("_")[0].lower() in SERVICES and not k.startswith(prefix)]
            assert others == [], f"{name} has {others}"
    assert databases == set(SERVICES)


def test_gateway_knows_every_service_and_reads_real_keys_from_a_secret(services: dict[str, Any]) -> None:
    env = env_of(services["gateway-api"])
    for svc in WORKER_SERVICES:
        url = env[f"GATEWAY_{svc.upper()}_URL"]
        host, port = re.fullmatch(r"http://([\w-]+):(\d+)", url).groups()  # type: ignore[union-attr]
        assert host == f"{svc}-api"
        assert host in services
        assert port == "8000"
    keys_file = env["GATEWAY_API_KEYS_FILE"]
    assert keys_file.startswith("/run/secrets/"), "production keys come from a secret, not demo/api_keys.yaml"
    assert keys_file.removeprefix("/run/secrets/") in services["gateway-api"]["secrets"]


def test_no_secret_value_is_written_in_the_compose_file(compose: dict[str, Any], services: dict[str, Any]) -> None:
    for name, service in services.items():
        env = env_of(service)
        for key, value in env.items():
            assert value.strip().lower() not in PLACEHOLDER_SECRETS, f"{name}.{key} is a placeholder"
            for var, default in INTERPOLATION.findall(value):
                if re.search(r"SECRET|PASSWORD|KEY", var):
                    assert not default, f"{name}.{key}: ${{{var}}} must not have a default value"
            if re.search(r"SECRET|PASSWORD", key):
                assert key.endswith("_FILE"), f"{name}.{key} must come from a secret file"
                secret = value.removeprefix("/run/secrets/")
                assert value.startswith("/run/secrets/"), f"{name}.{key}={value}"
                assert secret in service.get("secrets", []), f"{name} reads secret {secret} but does not mount it"
                assert secret in compose["secrets"]
            assert not re.search(r"://[^/@:]+:[^/@]+@", value), f"{name}.{key} has a password in a URL"
    for secret in compose["secrets"].values():
        path = secret["file"]
        assert path.startswith("${HOTLINE_SECRETS_DIR:-./deploy/secrets}/"), path
    tracked = subprocess.run(
        ["git", "ls-files", "deploy/secrets"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(tracked) in ([], ["deploy/secrets/.gitignore", "deploy/secrets/README.md"])


def test_identity_secret_is_the_same_secret_for_all_four(services: dict[str, Any]) -> None:
    sources = {env_of(services[f"{svc}-api"])[f"{svc.upper()}_IDENTITY_SECRET_FILE"] for svc in SERVICES}
    assert sources == {"/run/secrets/identity_secret"}


def test_apis_have_readyz_health_checks_and_workers_do_not_pretend(services: dict[str, Any]) -> None:
    for svc in SERVICES:
        check = services[f"{svc}-api"]["healthcheck"]
        test = " ".join(check["test"])
        assert "http://127.0.0.1:8000/readyz" in test
        assert check["retries"] >= 1
    for svc in WORKER_SERVICES:
        assert "healthcheck" not in services[f"{svc}-worker"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_migrations_run_before_any_api_or_worker_and_after_the_database(services: dict[str, Any]) -> None:
    for svc in SERVICES:
        migrate = services[f"{svc}-migrate"]
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        for name in processes(svc)[1:]:
            deps = services[name]["depends_on"]
            assert deps[f"{svc}-migrate"]["condition"] == "service_completed_successfully", name
            assert deps["redis"]["condition"] == "service_healthy", name
            assert deps["postgres"]["condition"] == "service_healthy", name
    gateway_deps = services["gateway-api"]["depends_on"]
    for svc in WORKER_SERVICES:
        assert gateway_deps[f"{svc}-api"]["condition"] == "service_healthy"
    assert services["edge"]["depends_on"]["gateway-api"]["condition"] == "service_healthy"


def test_replicas_are_set_from_the_environment(services: dict[str, Any]) -> None:
    for svc in SERVICES:
        for name in processes(svc)[1:]:
            replicas = str(services[name]["deploy"]["replicas"])
            m = INTERPOLATION.fullmatch(replicas)
            assert m, f"{name}: replicas must come from an env var, got {replicas}"
            assert m.group(1).startswith(svc.upper())
            assert m.group(1).endswith("REPLICAS")
            assert int(m.group(2)) >= 2, f"{name}: at least 2 replicas by default"
        assert "container_name" not in services[f"{svc}-api"], "a fixed name forbids replicas"
        assert "ports" not in services[f"{svc}-api"], "only the edge is published"


def test_redis_is_durable_and_postgres_creates_the_service_databases(services: dict[str, Any]) -> None:
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "always"
    pg = services["postgres"]
    mounts = [v for v in pg["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounts
    source = mounts[0].split(":")[0]
    assert (REPO / source).is_file()
    assert set(env_of(pg)["HOTLINE_DATABASES"].split()) == set(SERVICES)


def test_images_are_built_from_the_one_dockerfile_per_service(services: dict[str, Any]) -> None:
    for svc in SERVICES:
        for name in processes(svc):
            build = services[name]["build"]
            assert build["dockerfile"] == "deploy/Dockerfile"
            assert build["args"]["SERVICE"] == svc
            assert f"/{svc}:" in services[name]["image"]
    assert (REPO / "deploy" / "nginx.conf").is_file()


def test_dockerfile_copies_every_workspace_member_and_uses_the_lock() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    for member in members:
        assert f"COPY {member}/pyproject.toml" in dockerfile, f"uv needs {member}/pyproject.toml to read the lock"
    assert "ARG SERVICE" in dockerfile
    assert re.search(r"uv sync --frozen --no-dev .*--package \"hotline-\$\{SERVICE\}\"", dockerfile)
    assert "COPY services/${SERVICE}/ services/${SERVICE}/" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE), "containers must not run as root"


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """A `python` that prints what it was asked to run and the settings it would see."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "python"
    script.write_text('#!/bin/sh\necho "ARGS: $*"\nenv | grep -E "^(INTAKE_|GATEWAY_|PGPASSWORD)" | sort\n')
    script.chmod(0o755)
    return bindir


def run_entrypoint(bindir: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(REPO / "deploy" / "entrypoint.sh"), *args],
        env={"PATH": f"{bindir}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_entrypoint_reads_secret_files_into_settings(fake_python: Path, tmp_path: Path) -> None:
    secret = tmp_path / "identity_secret"
    secret.write_text("s3cr3t-" + "x" * 40 + "\n")
    password = tmp_path / "db_password"
    password.write_text("pw-from-secret")
    result = run_entrypoint(
        fake_python,
        ["api"],
        {
            "SERVICE": "intake",
            "INTAKE_IDENTITY_SECRET_FILE": str(secret),
            "PGPASSWORD_FILE": str(password),
            "GATEWAY_API_KEYS_FILE": "/run/secrets/api_keys",
        },
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ARGS: -m intake.manage serve --host 0.0.0.0 --port 8000 --workers 1"
    assert f"INTAKE_IDENTITY_SECRET=s3cr3t-{'x' * 40}" in lines
    assert "PGPASSWORD=pw-from-secret" in lines
    assert not any(line.startswith("INTAKE_IDENTITY_SECRET_FILE=") for line in lines)
    # a file-valued setting that is not a secret is left alone
    assert "GATEWAY_API_KEYS_FILE=/run/secrets/api_keys" in lines
    assert not any(line.startswith("GATEWAY_API_KEYS=") for line in lines)


def test_entrypoint_runs_worker_and_migrate_then_seed(fake_python: Path) -> None:
    worker = run_entrypoint(fake_python, ["worker"], {"SERVICE": "dispatch"})
    assert worker.stdout.splitlines()[0] == "ARGS: -m dispatch.manage worker"
    migrate = run_entrypoint(fake_python, ["migrate"], {"SERVICE": "feedback"})
    args = [line for line in migrate.stdout.splitlines() if line.startswith("ARGS:")]
    assert args == ["ARGS: -m feedback.manage migrate", "ARGS: -m feedback.manage seed"]


def test_entrypoint_refuses_a_missing_secret_file(fake_python: Path, tmp_path: Path) -> None:
    result = run_entrypoint(
        fake_python, ["api"], {"SERVICE": "intake", "INTAKE_IDENTITY_SECRET_FILE": str(tmp_path / "absent")}
    )
    assert result.returncode == 1
    assert "INTAKE_IDENTITY_SECRET_FILE" in result.stderr
    assert "ARGS" not in result.stdout
