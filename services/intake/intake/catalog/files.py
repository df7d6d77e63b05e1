"""Read and check the operator-editable catalogue files (topics.csv, areas.csv).

A file with a problem is refused as a whole, with every problem named by file and line, so a
half-edited catalogue never reaches the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline_shared.errors import ValidationFailed, field_error

TOPICS_FILE = "topics.csv"
AREAS_FILE = "areas.csv"
AREA_LEVELS = ("district", "street", "community")
MAX_TOPIC_LEVEL = 3
_CODE_RE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否"}


@dataclass(frozen=True)
class TopicRow:
    code: str
    name: str
    parent_code: str | None
    level: int
    active: bool
    position: int


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    active: bool
    position: int


@dataclass(frozen=True)
class CatalogFiles:
    topics: list[TopicRow]
    areas: list[AreaRow]
    checksum: str


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """CSV rows with their line numbers; lines starting with '#' are comments."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.lstrip().startswith("#")]
    lines = [(n, line) for n, line in lines if line.strip()]
    if not lines:
        return []
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    out = []
    for (number, _), row in zip(lines[1:], reader, strict=False):
        out.append((number, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}))
    return out


def _flag(value: str) -> bool | None:
    lowered = value.lower() if value else "true"
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _need_columns(text: str, file: str, columns: set[str], errors: list[dict[str, Any]]) -> bool:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            header = {c.strip() for c in next(csv.reader([line]))}
            missing = columns - header
            if missing:
                errors.append(field_error([file, "header"], f"缺少列 / missing columns: {', '.join(sorted(missing))}"))
                return False
            return True
    errors.append(field_error([file], "文件为空 / the file is empty"))
    return False


def parse_topics(text: str, errors: list[dict[str, Any]]) -> list[TopicRow]:
    if not _need_columns(text, TOPICS_FILE, {"code", "name", "parent_code", "active"}, errors):
        return []
    raw: dict[str, tuple[int, dict[str, str]]] = {}
    for number, row in _rows(text):
        where = f"{TOPICS_FILE}:{number}"
        code = row.get("code", "")
        if not _CODE_RE.fullmatch(code) or len(code) > 40:
            errors.append(field_error([where, "code"], f"事项编码无效 / invalid topic code {code!r} (A-Z, 0-9, '-')"))
            continue
        if code in raw:
            errors.append(field_error([where, "code"], f"事项编码重复 / duplicate topic code {code}"))
            continue
        raw[code] = (number, row)
    topics: list[TopicRow] = []
    for position, (code, (number, row)) in enumerate(raw.items()):
        where = f"{TOPICS_FILE}:{number}"
        name, parent = row.get("name", ""), row.get("parent_code") or None
        active = _flag(row.get("active", ""))
        if not name or len(name) > 100:
            errors.append(field_error([where, "name"], "名称必填且不超过100字 / name is required, at most 100 chars"))
        if active is None:
            errors.append(field_error([where, "active"], "active 只能是 true 或 false / active must be true or false"))
        level = 1
        seen = {code}
        cursor = parent
        while cursor is not None:
            if cursor not in raw:
                errors.append(field_error([where, "parent_code"], f"上级事项不存在 / unknown parent topic {cursor}"))
                break
            if cursor in seen:
                errors.append(field_error([where, "parent_code"], "事项层级出现循环 / the topic tree has a cycle"))
                break
            seen.add(cursor)
            level += 1
            cursor = raw[cursor][1].get("parent_code") or None
        if level > MAX_TOPIC_LEVEL:
            errors.append(field_error([where, "parent_code"], "事项目录最多三级 / the catalogue has at most 3 levels"))
        topics.append(TopicRow(code, name, parent, level, bool(active), position))
    return topics


def parse_areas(text: str, errors: list[dict[str, Any]]) -> list[AreaRow]:
    if not _need_columns(text, AREAS_FILE, {"code", "name", "level", "parent_code", "active"}, errors):
        return []
    rows: dict[str, tuple[int, dict[str, str]]] = {}
    for number, row in _rows(text):
        where = f"{AREAS_FILE}:{number}"
        code = row.get("code", "")
        if not _CODE_RE.fullmatch(code) or len(code) > 20:
            errors.append(field_error([where, "code"], f"区域编码无效 / invalid area code {code!r} (A-Z, 0-9, '-')"))
            continue
        if code in rows:
            errors.append(field_error([where, "code"], f"区域编码重复 / duplicate area code {code}"))
            continue
        rows[code] = (number, row)
    areas: list[AreaRow] = []
    for position, (code, (number, row)) in enumerate(rows.items()):
        where = f"{AREAS_FILE}:{number}"
        name, level, parent = row.get("name", ""), row.get("level", ""), row.get("parent_code") or None
        active = _flag(row.get("active", ""))
        if not name or len(name) > 100:
            errors.append(field_error([where, "name"], "名称必填且不超过100字 / name is required, at most 100 chars"))
        if active is None:
            errors.append(field_error([where, "active"], "active 只能是 true 或 false / active must be true or false"))
        if level not in AREA_LEVELS:
            errors.append(field_error([where, "level"], "level 只能是 district、street 或 community"))
        elif level == "district":
            if parent is not None:
                errors.append(field_error([where, "parent_code"], "区没有上级 / a district has no parent"))
        else:
            expected = AREA_LEVELS[AREA_LEVELS.index(level) - 1]
            parent_row = rows.get(parent or "")
            if parent_row is None:
                errors.append(field_error([where, "parent_code"], f"上级区域不存在 / unknown parent area {parent}"))
            elif parent_row[1].get("level") != expected:
                errors.append(
                    field_error(
                        [where, "parent_code"], f"{level} 的上级必须是 {expected} / parent must be a {expected}"
                    )
                )
        areas.append(AreaRow(code, name, level, parent, bool(active), position))
    return areas


def read_catalog(directory: Path) -> CatalogFiles:
    errors: list[dict[str, Any]] = []
    texts: dict[str, str] = {}
    for file in (TOPICS_FILE, AREAS_FILE):
        path = directory / file
        try:
            texts[file] = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(field_error([file], f"无法读取 / cannot read {path}: {type(exc).__name__}"))
            texts[file] = ""
    if errors:
        raise ValidationFailed("The catalogue files cannot be read.", errors=errors)
    topics = parse_topics(texts[TOPICS_FILE], errors)
    areas = parse_areas(texts[AREAS_FILE], errors)
    if errors:
        raise ValidationFailed(
            f"The catalogue files have {len(errors)} problem(s); nothing was loaded. Fix them and reload.",
            errors=errors,
        )
    digest = hashlib.sha256()
    for t in topics:
        digest.update(repr((t.code, t.name, t.parent_code, t.level, t.active, t.position)).encode())
    for a in areas:
        digest.update(repr((a.code, a.name, a.level, a.parent_code, a.active, a.position)).encode())
    return CatalogFiles(topics=topics, areas=areas, checksum=digest.hexdigest())
