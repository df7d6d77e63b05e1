"""GeoReport v2 onto the hotline: services from the topic catalogue, requests through intake, reads from feedback.

The adapter owns no data. A posted request is registered by intake like a case from any other
channel (the same validation, duplicate linking and auto-dispatch), signed as the Open311 client;
reads come from feedback's public read model, masked there as on every public page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from hotline_shared.client_times import in_range
from hotline_shared.clock import SHANGHAI, Clock
from hotline_shared.errors import AppError, BadRequest, NotFound
from hotline_shared.identity import Identity
from starlette.datastructures import State

from ..errors import BadGateway
from . import upstream

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this adapter's behaviour (not the catalogue) last changed: the discovery document's changeset.
CHANGESET = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
DEFAULT_WINDOW = timedelta(days=90)
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
DEFAULT_CATEGORY = "help"
MAX_MEDIA_URL = 500

CATEGORIES = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
    "other": "其他",
}
URGENCIES = {"normal": "一般", "urgent": "紧急（危及人身财产安全）", "utilities": "水电气热停供"}

_TOKEN_SIG = 12


# --- services ---------------------------------------------------------------------------------


async def _topics(state: State, identity: Identity) -> dict[str, dict[str, Any]]:
    response = await upstream.call(state, "intake", "GET", "/api/v1/catalog/topics", identity=identity)
    _check(response.status_code, "intake")
    return {t["code"]: t for t in response.json()["topics"]}


def _chain(topics: dict[str, dict[str, Any]], code: str) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    current: dict[str, Any] | None = topics.get(code)
    while current is not None and len(chain) < 5:
        chain.insert(0, current)
        parent = current.get("parent_code")
        current = topics.get(parent) if parent else None
    return chain


def _service(topics: dict[str, dict[str, Any]], topic: dict[str, Any]) -> dict[str, Any]:
    chain = _chain(topics, topic["code"])
    return {
        "service_code": topic["code"],
        "service_name": topic["name"],
        "description": topic["full_name"],
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(t["name"] for t in chain),
        "group": chain[0]["name"],
    }


async def services(state: State, *, identity: Identity) -> list[dict[str, Any]]:
    topics = await _topics(state, identity)
    return [_service(topics, t) for t in topics.values() if t["selectable"]]


def _values(table: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "name": v} for k, v in table.items()]


async def service_definition(state: State, *, identity: Identity, service_code: str) -> dict[str, Any]:
    topics = await _topics(state, identity)
    topic = topics.get(service_code)
    if topic is None or not topic["selectable"]:
        raise NotFound(f"没有这项服务 service_code={service_code!r} / service_code not found; see services.json.")
    # Every topic needs the request type (it sets the deadline), and urgency makes a 24-hour case.
    attributes = [
        {
            "variable": True,
            "code": "category",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": f"诉求类型，默认 {DEFAULT_CATEGORY}（{CATEGORIES[DEFAULT_CATEGORY]}）",
            "order": 1,
            "description": "诉求类型 / request type",
            "values": _values(CATEGORIES),
        },
        {
            "variable": True,
            "code": "urgency",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "紧急程度，默认 normal（一般）",
            "order": 2,
            "description": "紧急程度 / urgency",
            "values": _values(URGENCIES),
        },
    ]
    return {"service_code": topic["code"], "attributes": attributes}


# --- posting a request ------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    case_no: str
    token: str
    notice: str


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name) or []
    value = values[0].strip() if values else ""
    return value or None


def _number(fields: dict[str, list[str]], name: str, low: float, high: float) -> float | None:
    raw = _one(fields, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"{name} 必须是 {low} 到 {high} 之间的十进制度数 / {name} must be decimal degrees.")
    return value


async def _area_chain(state: State, identity: Identity) -> dict[str, dict[str, Any]]:
    response = await upstream.call(state, "intake", "GET", "/api/v1/catalog/areas", identity=identity)
    _check(response.status_code, "intake")
    return {a["code"]: a for a in response.json()["areas"]}


def _location_of(areas: dict[str, dict[str, Any]], code: str) -> dict[str, str]:
    location: dict[str, str] = {}
    current: dict[str, Any] | None = areas.get(code)
    while current is not None and len(location) < 3:
        location[f"{current['level']}_code"] = current["code"]
        parent = current.get("parent_code")
        current = areas.get(parent) if parent else None
    return location


def _area_in_text(areas: dict[str, dict[str, Any]], text: str) -> str | None:
    """The most specific area whose name (and its parents', where named) appears in a free address."""
    best: tuple[int, int, str] | None = None
    rank = {"community": 3, "street": 2, "district": 1}
    for area in areas.values():
        if area["name"] and area["name"] in text:
            candidate = (rank.get(area["level"], 0), len(area["name"]), area["code"])
            if best is None or candidate > best:
                best = candidate
    return best[2] if best else None


def _media_url(fields: dict[str, list[str]]) -> str | None:
    url = _one(fields, "media_url")
    if url is None:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_MEDIA_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"media_url 必须是不超过 {MAX_MEDIA_URL} 字符的 http(s) 地址 / media_url must be a URL.")
    return url


def _attribute(fields: dict[str, list[str]], code: str, allowed: dict[str, str], default: str) -> str:
    value = _one(fields, f"attribute[{code}]")
    if value is None:
        return default
    if value not in allowed:
        keys = ", ".join(allowed)
        raise BadRequest(f"attribute[{code}] 取值应为 {keys} 之一 / attribute[{code}] must be one of {keys}.")
    return value


def make_token(case_no: str, secret: str) -> str:
    sig = hmac.new(secret.encode(), f"open311-token:{case_no}".encode(), hashlib.sha256).digest()
    raw = case_no.encode() + b"." + sig[:_TOKEN_SIG]
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_token(token: str, secret: str) -> str | None:
    """The case number a token was issued for; None for anything we did not issue."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,120}", token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    case_no, _, _sig = raw.partition(b".")
    try:
        text = case_no.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if hmac.compare_digest(make_token(text, secret), token) else None


async def post_request(
    state: State, *, identity: Identity, fields: dict[str, list[str]], idempotency_key: str | None
) -> Posted:
    service_code = _one(fields, "service_code")
    if service_code is None:
        raise BadRequest("缺少 service_code / service_code is required; see services.json.")
    lat = _number(fields, "lat", -90, 90)
    lon = _number(fields, "long", -180, 180)
    if (lat is None) != (lon is None):
        raise BadRequest("lat 和 long 须同时提供 / send lat and long together.")
    address_string = _one(fields, "address_string")
    address_id = _one(fields, "address_id")
    if lat is None and address_string is None and address_id is None:
        raise BadRequest(
            "缺少位置：请提供 lat/long、address_string 或 address_id 之一 / "
            "a location is required: lat and long, address_string or address_id."
        )
    topics = await _topics(state, identity)
    topic = topics.get(service_code)
    if topic is None or not topic["selectable"]:
        raise BadRequest(f"没有这项服务 service_code={service_code!r} / service_code not found; see services.json.")

    areas = await _area_chain(state, identity)
    location: dict[str, Any] = {}
    if address_id is not None:
        if address_id not in areas or not areas[address_id]["active"]:
            raise BadRequest(
                f"address_id {address_id!r} 不是本市的区、街道或社区编码 / address_id must be an area code "
                "from GET /api/v1/catalog/areas."
            )
        location |= _location_of(areas, address_id)
    if address_string is not None:
        location["address"] = address_string[:200]
        if address_id is None and (found := _area_in_text(areas, address_string)):
            location |= _location_of(areas, found)
    if lat is not None:
        location |= {"lat": lat, "lon": lon}

    description = _one(fields, "description") or ""
    media_url = _media_url(fields)
    if media_url is not None:
        description = f"{description}\n附图：{media_url}"
    name = "".join(filter(None, (_one(fields, "last_name"), _one(fields, "first_name")))) or None
    body = {
        "channel": "open311",
        "category": _attribute(fields, "category", CATEGORIES, DEFAULT_CATEGORY),
        "urgency": _attribute(fields, "urgency", URGENCIES, "normal"),
        "topic_code": service_code,
        "description": description,
        "caller": {"name": name[:50] if name else None, "phone": _one(fields, "phone")},
        "location": location,
    }
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    response = await upstream.call(
        state, "intake", "POST", "/api/v1/cases", identity=identity, json=body, headers=headers
    )
    if response.status_code != 201:
        raise _refusal(response)
    accepted = response.json()
    case_no = accepted["case_no"]
    notice = f"已受理，工单号 {case_no}，查询码 {accepted['lookup_code']}，可在 /track 查询办理进度。"
    if accepted.get("duplicate_of"):
        notice = f"{notice}与工单 {accepted['duplicate_of']} 为相同诉求，已合并办理。"
    return Posted(case_no=case_no, token=make_token(case_no, state.settings.identity_secret), notice=notice)


NO_DISTRICT = "无法确定所在的区：请提供 address_id（区、街道或社区编码）或含街道、社区名称的 address_string"
_FIELD_NAMES = {
    "body.location.district_code": "address_id",
    "body.location.street_code": "address_id",
    "body.location.community_code": "address_id",
    "body.location.address": "address_string",
    "body.location.lat": "lat",
    "body.location.lon": "long",
    "body.caller.phone": "phone",
    "body.caller.name": "last_name/first_name",
    "body.description": "description",
    "body.topic_code": "service_code",
}


def _refusal(response: Any) -> AppError:
    """Intake's problem, told in the client's own parameter names."""
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    status = response.status_code
    if status in (400, 422):
        parts = []
        for error in problem.get("errors") or []:
            field = _FIELD_NAMES.get(str(error.get("field")), str(error.get("field", "")).removeprefix("body."))
            if field == "address_id" and "district" in str(error.get("field")):
                parts.append(NO_DISTRICT)
            parts.append(f"{field}: {error.get('message')}")
        return BadRequest("；".join(parts) or str(problem.get("detail") or "请求无效 / invalid request"))
    detail = str(problem.get("detail") or f"the service answered {status}")
    if not 400 <= status < 500:
        return BadGateway(detail)
    error = AppError(detail)
    error.status = status
    return error


# --- reading requests -------------------------------------------------------------------------


def parse_w3c(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(
            f"{name} 格式错误，应为 W3C 日期时间，如 2026-11-23T09:30:00+08:00 / {name} must be a W3C "
            "date-time such as 2026-11-23T09:30:00+08:00 or 2026-11-23T01:30:00Z."
        ) from exc
    if parsed.tzinfo is None:
        raise BadRequest(f"{name} 须带时区，如 +08:00 或 Z / {name} needs a time zone offset (+08:00 or Z).")
    if not in_range(parsed):
        raise BadRequest(f"{name} 须在 2000 至 2099 年之间 / {name} must lie between 2000 and 2099.")
    return parsed


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def list_requests(
    state: State, *, identity: Identity, query: dict[str, str], clock: Clock
) -> list[dict[str, Any]]:
    ids = _list(query.get("service_request_id"))
    statuses = _list(query.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise BadRequest("status 取值为 open 或 closed（可用逗号分隔） / status must be open, closed or both.")
    start = parse_w3c(query["start_date"], "start_date") if query.get("start_date") else None
    end = parse_w3c(query["end_date"], "end_date") if query.get("end_date") else None
    if start is not None and end is not None and start > end:
        raise BadRequest("start_date 晚于 end_date / start_date is after end_date.")
    if not ids:
        # The specification's default: the last 90 days; a wider range must be asked in pieces.
        if end is None:
            end = start + DEFAULT_WINDOW if start is not None else clock.now()
        if start is None:
            start = end - DEFAULT_WINDOW
        if end - start > MAX_WINDOW:
            raise BadRequest("查询时间跨度不能超过 90 天 / start_date to end_date may span at most 90 days.")
    if len(ids) > 100:
        raise BadRequest("service_request_id 一次最多 100 个 / at most 100 service_request_id values.")
    params = {"limit": str(MAX_RESULTS)}
    if ids:
        params["service_request_id"] = ",".join(ids)
    if query.get("service_code"):
        params["service_code"] = query["service_code"]
    if statuses:
        params["status"] = ",".join(statuses)
    if start is not None:
        params["start_date"] = start.isoformat()
    if end is not None:
        params["end_date"] = end.isoformat()
    response = await upstream.call(
        state, "feedback", "GET", "/api/v1/public/open311/requests", identity=identity, params=params
    )
    if response.status_code != 200:
        raise _refusal(response)
    return [_request(r) for r in response.json()["items"]]


async def get_request(state: State, *, identity: Identity, service_request_id: str) -> dict[str, Any]:
    if not re.fullmatch(r"[0-9A-Za-z-]{1,40}", service_request_id):
        raise NotFound(f"没有公开的服务请求 {service_request_id} / service_request_id not found.")
    response = await upstream.call(
        state, "feedback", "GET", f"/api/v1/public/open311/requests/{service_request_id}", identity=identity
    )
    if response.status_code == 404:
        raise NotFound(f"没有公开的服务请求 {service_request_id} / service_request_id not found.")
    if response.status_code != 200:
        raise _refusal(response)
    return _request(response.json())


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _request(item: dict[str, Any]) -> dict[str, Any]:
    """The specification's field list, in its order; lat/long, zipcode and media_url stay empty because an
    exact position or a citizen's photo is personal data on a public feed."""
    return {
        "service_request_id": item["service_request_id"],
        "status": item["status"],
        "status_notes": item["status_notes"],
        "service_name": item["service_name"],
        "service_code": item["service_code"],
        "description": item["description"],
        "agency_responsible": item["agency_responsible"],
        "service_notice": item["service_notice"],
        "requested_datetime": _time(item["requested_datetime"]),
        "updated_datetime": _time(item["updated_datetime"]),
        "expected_datetime": _time(item["expected_datetime"]),
        "address": item["address"],
        "address_id": item["address_id"],
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _check(status: int, service: str) -> None:
    if status != 200:
        raise BadGateway(f"{service} answered {status}; try again shortly.")
