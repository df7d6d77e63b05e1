"""Charts for the wall screen: 红黑榜, each unit's figures, the 12-month trend and the current lights."""

from __future__ import annotations

import asyncio
import calendar
import json
import re
from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from hotline_shared.identity import Role

from ..gateway_api import ApiError
from ..sessions.schemas import ConsoleSession
from .deps import api_for, api_refusal, role_page
from .render import PageError, render

router = APIRouter()

SupervisorPage = Annotated[ConsoleSession, role_page(Role.supervisor)]
MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def _months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


@router.get("/charts", response_class=HTMLResponse, summary="Rankings, unit figures, trend and lights")
async def charts(request: Request, session: SupervisorPage) -> Response:
    today = request.app.state.clock.now().date()
    asked = request.query_params.get("month") or f"{today:%Y-%m}"
    m = MONTH.match(asked)
    if m is None:
        raise PageError(422, "月份格式不正确", "月份应写作 YYYY-MM，例如 2026-11。")
    year, month = int(m.group(1)), int(m.group(2))
    api = api_for(request, session)
    months = _months_back(year, month, 12)
    try:
        rankings, overdue, near_due, *summaries = await asyncio.gather(
            api.get("/api/v1/supervision/rankings", {"month": asked}),
            api.get("/api/v1/supervision/overdue", {"limit": 200}),
            api.get("/api/v1/supervision/near-due", {"limit": 200}),
            *(
                api.get(
                    "/api/v1/reports/summary",
                    {"from": date(y, mo, 1).isoformat(), "to": date(y, mo, calendar.monthrange(y, mo)[1]).isoformat()},
                )
                for y, mo in months
            ),
        )
    except ApiError as exc:
        raise api_refusal(exc) from exc
    data = _chart_data(rankings, overdue["items"], near_due["items"], months, summaries)
    return render(
        request,
        "charts.html",
        {
            "month": asked,
            "rankings": rankings,
            "chart_json": json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        },
    )


def _chart_data(
    rankings: dict[str, Any],
    overdue: list[dict[str, Any]],
    near_due: list[dict[str, Any]],
    months: list[tuple[int, int]],
    summaries: list[dict[str, Any]],
) -> dict[str, Any]:
    def pct(v: float | None) -> float | None:
        return None if v is None else round(v * 100, 1)

    def lights_by(field: str) -> dict[str, Any]:
        red = Counter(r.get(field) or "未知" for r in overdue)
        yellow = Counter(r.get(field) or "未知" for r in near_due)
        keys = sorted(set(red) | set(yellow), key=lambda k: -(red[k] + yellow[k]))
        return {"keys": keys, "red": [red[k] for k in keys], "yellow": [yellow[k] for k in keys]}

    units = rankings.get("units", [])
    return {
        "top": [{"name": u["unit_name"] or u["unit_id"], "score": u["score"]} for u in rankings.get("top", [])],
        "bottom": [{"name": u["unit_name"] or u["unit_id"], "score": u["score"]} for u in rankings.get("bottom", [])],
        "units": {
            "names": [u["unit_name"] or u["unit_id"] for u in units],
            "volume": [u["volume"] for u in units],
            "reply_on_time": [pct(u["reply_on_time_rate"]) for u in units],
            "satisfaction": [pct(u["satisfaction_rate"]) for u in units],
            "score": [u["score"] for u in units],
        },
        "trend": {
            "months": [f"{y}-{mo:02d}" for y, mo in months],
            "volume": [s["figures"]["total"] for s in summaries],
            "on_time_reply": [pct(s["rates"]["on_time_reply"]) for s in summaries],
            "satisfaction": [pct(s["rates"]["satisfaction"]) for s in summaries],
        },
        "lights_by_unit": lights_by("unit_name"),
        "lights_by_area": lights_by("district_code"),
    }
