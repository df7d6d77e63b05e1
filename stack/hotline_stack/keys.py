"""The demo API keys file (`demo/api_keys.yaml`): find it, read it, check it makes sense."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ROLES = ("operator", "station", "unit", "supervisor", "admin", "open311")
KEYS_FILE_ENV = "HOTLINE_API_KEYS_FILE"


class KeysFileError(ValueError):
    pass


@dataclass(frozen=True)
class ApiKey:
    name: str
    key: str
    role: str
    unit_id: str | None = None
    station_id: str | None = None
    area_code: str | None = None

    @property
    def scope(self) -> str:
        parts = [
            f"{label} {value}"
            for label, value in (("unit", self.unit_id), ("station", self.station_id), ("area", self.area_code))
            if value
        ]
        return ", ".join(parts)


def repo_root() -> Path:
    """The checkout this package runs from (it is installed editable from `stack/`)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "demo" / "api_keys.yaml").exists() and (parent / "services").is_dir():
            return parent
    return Path.cwd()


def default_keys_file() -> Path:
    override = os.environ.get(KEYS_FILE_ENV)
    if override:
        return Path(override).resolve()
    return repo_root() / "demo" / "api_keys.yaml"


def load_keys(path: Path) -> list[ApiKey]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeysFileError(f"cannot read API keys file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise KeysFileError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise KeysFileError(f"{path} must be a non-empty list of {{name, key, role, ...}} entries")
    keys: list[ApiKey] = []
    seen_keys: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        where = f"{path}, entry {i}"
        if not isinstance(entry, dict):
            raise KeysFileError(f"{where}: expected a mapping, got {type(entry).__name__}")
        unknown = set(entry) - {"name", "key", "role", "unit_id", "station_id", "area_code"}
        if unknown:
            raise KeysFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        for field in ("name", "key", "role"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise KeysFileError(f"{where}: '{field}' is required")
        if entry["role"] not in ROLES:
            raise KeysFileError(f"{where}: role {entry['role']!r} is not one of {', '.join(ROLES)}")
        if entry["role"] == "unit" and not entry.get("unit_id"):
            raise KeysFileError(f"{where}: a unit key needs unit_id")
        if entry["role"] == "station" and not entry.get("station_id"):
            raise KeysFileError(f"{where}: a station key needs station_id")
        if len(entry["key"]) < 20:
            raise KeysFileError(f"{where}: key is too short to be guess-proof (20+ characters)")
        if entry["key"] in seen_keys:
            raise KeysFileError(f"{where}: key is used twice")
        seen_keys.add(entry["key"])
        keys.append(
            ApiKey(
                name=entry["name"],
                key=entry["key"],
                role=entry["role"],
                unit_id=entry.get("unit_id"),
                station_id=entry.get("station_id"),
                area_code=entry.get("area_code"),
            )
        )
    return keys
