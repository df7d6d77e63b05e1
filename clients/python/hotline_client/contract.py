"""What this client relies on in the gateway's OpenAPI, and a check of a live document against it.

`USES` lists each operation the client calls, with the model it sends and the model it reads.
`mismatches(document)` answers the differences that would break this client: a field it uses
that is gone or renamed, a type it cannot read (or the server no longer accepts), a new required
request field it does not send. Fields and endpoints the client does not use never count, so the
API may grow freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from . import models as m
from .calls import Page


@dataclass(frozen=True)
class Use:
    method: str
    path: str
    status: str  # the success answer read
    answer: type[BaseModel] | None
    body: type[BaseModel] | None = None


USES: tuple[Use, ...] = (
    Use("post", "/api/v1/cases", "201", m.CaseAccepted, m.CaseCreate),
    Use("post", "/api/v1/cases/batch", "200", m.BatchResult, m.BatchRequest),
    Use("get", "/api/v1/cases", "200", Page[m.CaseSummary]),
    Use("get", "/api/v1/cases/{case_no}", "200", m.CaseRecord),
    Use("get", "/api/v1/catalog/topics", "200", m.TopicList),
    Use("get", "/api/v1/catalog/areas", "200", m.AreaList),
    Use("get", "/api/v1/orders", "200", Page[m.OrderSummary]),
    Use("get", "/api/v1/orders/{order_id}", "200", m.OrderDetail),
    Use("post", "/api/v1/orders/{order_id}/sign", "200", m.OrderDetail),
    Use("post", "/api/v1/orders/{order_id}/contact", "200", m.OrderDetail, m.ContactIn),
    Use("post", "/api/v1/orders/{order_id}/reply", "200", m.OrderDetail, m.ReplyIn),
    Use("post", "/api/v1/orders/{order_id}/return", "200", m.OrderDetail, m.ReturnIn),
    Use("post", "/api/v1/orders/{order_id}/extensions", "201", m.Extension, m.ExtensionIn),
    Use("post", "/api/v1/extensions/{extension_id}/decision", "200", m.ExtensionDecided, m.DecisionIn),
    Use("post", "/api/v1/orders/{order_id}/pauses", "201", m.Pause, m.PauseIn),
    Use("post", "/api/v1/cases/{case_no}/dispatch", "200", None, m.DispatchIn),
    Use("get", "/api/v1/supervision/overdue", "200", Page[m.OverdueRow]),
    Use("get", "/api/v1/supervision/near-due", "200", Page[m.NearDueRow]),
    Use("post", "/api/v1/supervision/urges", "201", m.Urge, m.UrgeIn),
    Use("get", "/api/v1/supervision/rankings", "200", m.Rankings),
    Use("get", "/api/v1/callbacks", "200", Page[m.CallbackItem]),
    Use("post", "/api/v1/callbacks/{case_no}", "201", m.CallbackResult, m.CallbackIn),
    Use("get", "/api/v1/cases/{case_no}/timeline", "200", m.StaffTimeline),
)

JSON = "application/json"


class _Resolver:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def __call__(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in node and seen < 50:
            target: Any = self.root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
            seen += 1
        return node


def _variants(node: dict[str, Any], resolve: _Resolver) -> list[dict[str, Any]]:
    node = resolve(node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [v for sub in node[key] for v in _variants(sub, resolve)]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _variants(node["allOf"][0], resolve)
    return [node]


def _types(variants: list[dict[str, Any]]) -> set[str] | None:
    """JSON types a schema admits; None for 'anything' (no type stated)."""
    out: set[str] = set()
    for v in variants:
        t = v.get("type")
        if t is None:
            if "enum" in v or "const" in v:
                out.add("string")
                continue
            if "properties" in v:
                out.add("object")
                continue
            return None
        out.update(t if isinstance(t, list) else [t])
    return out


def _covers(wide: set[str] | None, narrow: set[str] | None) -> bool:
    """Every type in `narrow` is admitted by `wide` (an integer is a number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _enum(variants: list[dict[str, Any]]) -> set[Any] | None:
    values: set[Any] = set()
    for v in variants:
        if "enum" in v:
            values.update(v["enum"])
        elif "const" in v:
            values.add(v["const"])
        elif v.get("type") != "null":
            return None
    return values


def _compare(
    mine: dict[str, Any], mine_r: _Resolver, live: dict[str, Any], live_r: _Resolver, where: str, *, sending: bool
) -> list[str]:
    out: list[str] = []
    mv, lv = _variants(mine, mine_r), _variants(live, live_r)
    mt, lt = _types(mv), _types(lv)
    ok = _covers(lt, mt) if sending else _covers(mt, lt)
    if not ok:
        direction = "the server does not accept" if sending else "the client cannot read"
        out.append(f"{where}: type {sorted(mt or ['any'])} here, {sorted(lt or ['any'])} live ({direction} it)")
        return out
    if sending:
        my_enum, live_enum = _enum(mv), _enum(lv)
        if my_enum is not None and live_enum is not None and not my_enum <= live_enum:
            out.append(f"{where}: values {sorted(my_enum - live_enum)} are no longer accepted")
    m_obj = next((v for v in mv if "properties" in v), None)
    l_obj = next((v for v in lv if "properties" in v), None)
    if m_obj is not None and l_obj is not None:
        live_props = l_obj["properties"]
        for name, sub in m_obj["properties"].items():
            if name not in live_props:
                out.append(f"{where}.{name}: used by the client, missing from the live API (renamed or removed?)")
            else:
                out += _compare(sub, mine_r, live_props[name], live_r, f"{where}.{name}", sending=sending)
        if sending:
            for name in l_obj.get("required", []):
                if name not in m_obj["properties"]:
                    out.append(f"{where}.{name}: required by the live API, never sent by the client")
    m_items = next((v["items"] for v in mv if v.get("type") == "array" and "items" in v), None)
    l_items = next((v["items"] for v in lv if v.get("type") == "array" and "items" in v), None)
    if m_items is not None and l_items is not None:
        out += _compare(m_items, mine_r, l_items, live_r, f"{where}[]", sending=sending)
    return out


def _model_schema(model: type[BaseModel], *, sending: bool) -> tuple[dict[str, Any], _Resolver]:
    schema = model.model_json_schema(mode="serialization" if sending else "validation")
    return schema, _Resolver(schema)


def mismatches(document: dict[str, Any]) -> list[str]:
    """Everything in the live merged OpenAPI `document` that would break this client."""
    live_r = _Resolver(document)
    out: list[str] = []
    for use in USES:
        where = f"{use.method.upper()} {use.path}"
        operation = document.get("paths", {}).get(use.path, {}).get(use.method)
        if operation is None:
            out.append(f"{where}: the live API has no such operation")
            continue
        if use.body is not None:
            live = operation.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema")
            if live is None:
                out.append(f"{where}: the live API takes no JSON body")
            else:
                mine, mine_r = _model_schema(use.body, sending=True)
                out += _compare(mine, mine_r, live, live_r, f"{where} body", sending=True)
        if use.answer is not None:
            answer = operation.get("responses", {}).get(use.status)
            live = (answer or {}).get("content", {}).get(JSON, {}).get("schema")
            if live is None:
                out.append(f"{where}: no {use.status} JSON answer in the live API")
            else:
                mine, mine_r = _model_schema(use.answer, sending=False)
                out += _compare(mine, mine_r, live, live_r, f"{where} -> {use.status}", sending=False)
    return out
