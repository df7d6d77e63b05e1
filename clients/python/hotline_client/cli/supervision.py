"""Supervisors: `overdue`, `near-due` (red/yellow in colour), `urge`, `rankings`, `export`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from .. import calls
from .. import models as m
from ..calls import Call, Page
from .common import fail, options, show, table, take, when

Row = TypeVar("Row", bound=m.SupervisedRow)

URGE_LEVELS = {"催办": "remind", "督办": "supervise", "挂牌督办": "listed"}
KIND_NAMES = {"sign": "签收", "contact": "联系", "reply": "答复"}

Unit = Annotated[str | None, typer.Option(help="承办单位编号")]
District = Annotated[str | None, typer.Option(help="区编码")]
Topic = Annotated[str | None, typer.Option(help="事项编码")]
Category = Annotated[str | None, typer.Option(help="诉求类型（英文值，如 complaint）")]
UrgencyOpt = Annotated[str | None, typer.Option(help="normal/urgent/utilities")]
AsOf = Annotated[datetime | None, typer.Option(help="以某时刻为准（可为将来），默认现在")]
Limit = Annotated[int, typer.Option(min=1, help="最多显示几条")]


def _filters(
    unit: str | None, district: str | None, topic: str | None, category: str | None, urgency: str | None
) -> dict[str, Any]:
    return {"unit_id": unit, "district_code": district, "topic_code": topic, "category": category, "urgency": urgency}


def _rows(ctx: typer.Context, call: Call[Page[Row]], limit: int, title: str, last: str) -> None:
    """Overdue and near-due alike: one line per order, red when late, yellow when near."""
    opts = options(ctx)
    with opts.client() as client:
        found = take(client.iterate(call), limit)
    rows = [
        (r.order_id, r.case_no, r.unit_name or r.unit_id, KIND_NAMES.get(r.deadline_kind, r.deadline_kind),
         when(r.due_at), f"{getattr(r, last):.1f}", r.urge_level, r.light)
        for r in found
    ]  # fmt: skip
    columns = (
        "工单",
        "工单号",
        "承办单位",
        "环节",
        "期限",
        "超期小时" if last == "hours_late" else "剩余小时",
        "督办",
        "灯",
    )
    show(
        opts,
        found,
        lambda: table(
            f"{title}（{len(found)}）", columns, rows, style_of=lambda r: "red" if r[7] == "red" else "yellow"
        ),
    )


def overdue(
    ctx: typer.Context,
    unit: Unit = None,
    district: District = None,
    topic: Topic = None,
    category: Category = None,
    urgency: UrgencyOpt = None,
    min_hours_late: Annotated[float | None, typer.Option(help="至少超期几小时")] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
) -> None:
    """超期工单（红灯），最晚的在前。"""
    filters = _filters(unit, district, topic, category, urgency)
    call = calls.overdue(limit=min(limit, 200), min_hours_late=min_hours_late, as_of=as_of, **filters)
    _rows(ctx, call, limit, "超期工单", "hours_late")


def near_due(
    ctx: typer.Context,
    within_hours: Annotated[float | None, typer.Option(help="几小时内到期")] = None,
    unit: Unit = None,
    district: District = None,
    topic: Topic = None,
    category: Category = None,
    urgency: UrgencyOpt = None,
    as_of: AsOf = None,
    limit: Limit = 100,
) -> None:
    """临期工单（黄灯）。"""
    filters = _filters(unit, district, topic, category, urgency)
    call = calls.near_due(limit=min(limit, 200), within_hours=within_hours, as_of=as_of, **filters)
    _rows(ctx, call, limit, "临期工单", "hours_left")


def urge(
    ctx: typer.Context,
    order_id: str,
    level: Annotated[str, typer.Option(help="催办/督办/挂牌督办（或 remind/supervise/listed）")] = "催办",
    note: Annotated[str | None, typer.Option(help="督办意见")] = None,
) -> None:
    """对一个工单催办或督办。"""
    opts = options(ctx)
    code = URGE_LEVELS.get(level, level)
    if code not in URGE_LEVELS.values():
        raise fail(f"--level “{level}” 无效，可用：{'、'.join(URGE_LEVELS)}")
    with opts.client() as client:
        done = client.send(calls.urge(m.UrgeIn.model_validate({"order_id": order_id, "level": code, "note": note})))
    show(opts, done, lambda: f"已{level}：{escape(done.order_id)}（{escape(done.case_no)}），编号 {done.urge_id}")


def rankings(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="月份 YYYY-MM")],
) -> None:
    """月度各单位指标与红黑榜。"""
    opts = options(ctx)
    with opts.client() as client:
        ranks = client.send(calls.rankings(month))

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v * 100:.1f}%" if v <= 1 else f"{v:.1f}%"

    def render() -> Any:
        top = {u.unit_id for u in ranks.top}
        bottom = {u.unit_id for u in ranks.bottom}
        rows = [
            (
                u.rank,
                u.unit_name or u.unit_id,
                u.volume,
                pct(u.sign_on_time_rate),
                pct(u.reply_on_time_rate),
                pct(u.satisfaction_rate),
                "-" if u.score is None else f"{u.score:.1f}",
                "红榜" if u.unit_id in top else "黑榜" if u.unit_id in bottom else "",
            )
            for u in ranks.units
        ]
        return table(
            f"{ranks.month} 单位排名",
            ("名次", "单位", "件数", "及时签收", "按时办结", "满意率", "得分", ""),
            rows,
            style_of=lambda r: "green" if r[7] == "红榜" else "red" if r[7] == "黑榜" else None,
        )

    show(opts, ranks, render)


class ExportKind(StrEnum):
    overdue = "overdue"
    rankings = "rankings"


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


def export(
    ctx: typer.Context,
    kind: Annotated[ExportKind, typer.Argument(help="overdue（超期清单）或 rankings（月度指标）")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="保存到；默认按内容命名")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="xlsx 或 csv")] = ExportFormat.xlsx,
    month: Annotated[str | None, typer.Option(help="rankings 的月份 YYYY-MM")] = None,
    unit: Unit = None,
    district: District = None,
    min_hours_late: Annotated[float | None, typer.Option(help="overdue：至少超期几小时")] = None,
) -> None:
    """导出超期清单或月度指标为 Excel / CSV。"""
    opts = options(ctx)
    if kind is ExportKind.rankings:
        if not month:
            raise fail("导出 rankings 需要 --month YYYY-MM")
        call = calls.export_rankings(month, fmt=fmt.value)
        default = Path(f"ranking-{month}.{fmt.value}")
    else:
        call = calls.export_overdue(fmt=fmt.value, unit_id=unit, district_code=district, min_hours_late=min_hours_late)
        default = Path(f"overdue-{datetime.now():%Y%m%d-%H%M}.{fmt.value}")
    with opts.client() as client:
        data = client.send(call)
    target = output or default
    target.write_bytes(data)
    show(opts, {"file": str(target), "bytes": len(data)}, lambda: f"已保存 {escape(str(target))}（{len(data)} 字节）")


def register(app: typer.Typer) -> None:
    app.command("overdue")(overdue)
    app.command("near-due")(near_due)
    app.command("urge")(urge)
    app.command("rankings")(rankings)
    app.command("export")(export)
