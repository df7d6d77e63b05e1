"""Operators and stations: `case new|show|timeline|list|topics`, `dispatch`, `callbacks`, `callback`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.prompt import Prompt

from .. import calls
from .. import models as m
from ..batch.columns import CATEGORIES, URGENCIES
from .common import console, fail, options, show, table, take, when
from .pickers import pick, pick_area, pick_topic

case_app = typer.Typer(help="工单：登记、查看、时间线、查询", no_args_is_help=True)
callbacks_app = typer.Typer(help="回访（话务员）", no_args_is_help=True)

CATEGORY_NAMES = {v: k for k, v in CATEGORIES.items()}
URGENCY_NAMES = {v: k for k, v in URGENCIES.items()}
STATUS_NAMES = {"received": "已受理", "duplicate": "重复件", "closed": "已办结"}


def _word(value: str, words: dict[str, str], what: str) -> str:
    if value in words:
        return words[value]
    if value in words.values():
        return value
    raise fail(f"--{what} “{value}” 无效，可用：{'、'.join(words)}")


@case_app.command("new")
def new(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="咨询/求助/投诉/举报/建议/表扬/其他")] = None,
    topic: Annotated[str | None, typer.Option(help="事项编码；不给则从目录中选择")] = None,
    description: Annotated[str | None, typer.Option(help="诉求内容（至少5个字）")] = None,
    title: Annotated[str | None, typer.Option(help="标题")] = None,
    name: Annotated[str | None, typer.Option(help="来电人姓名")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话")] = None,
    confidential: Annotated[bool, typer.Option(help="来电人要求保密")] = False,
    district: Annotated[str | None, typer.Option(help="区编码")] = None,
    street: Annotated[str | None, typer.Option(help="街道编码")] = None,
    community: Annotated[str | None, typer.Option(help="社区编码")] = None,
    address: Annotated[str | None, typer.Option(help="详细地址")] = None,
    urgency: Annotated[str, typer.Option(help="一般/紧急/水电气热")] = "一般",
    channel: Annotated[str, typer.Option(help="phone/station/web/app/mailbox/open311")] = "phone",
    idempotency_key: Annotated[str | None, typer.Option(help="重试时用同一个键，不会重复登记")] = None,
) -> None:
    """登记一个工单；缺少的项会逐一询问（事项和区域可从目录中选择）。"""
    opts = options(ctx)
    with opts.client() as client:
        if category is None:
            category = pick("诉求类型", [(v, k) for k, v in CATEGORIES.items()])
        if topic is None:
            topic = pick_topic(client.send(calls.topics()))
        location: dict[str, Any] = {"district_code": district, "street_code": street, "community_code": community}
        if not any(location.values()):
            location = dict(pick_area(client.send(calls.areas())))
        if description is None:
            description = Prompt.ask("诉求内容", console=console)
        if name is None and phone is None:
            name = Prompt.ask("来电人姓名（可空）", default="", show_default=False, console=console) or None
            phone = Prompt.ask("联系电话（可空）", default="", show_default=False, console=console) or None
        body = m.CaseCreate.model_validate(
            {
                "channel": channel,
                "category": _word(category or "", CATEGORIES, "category"),
                "topic_code": topic,
                "description": description,
                "title": title,
                "caller": {"name": name, "phone": phone, "confidential": confidential},
                "location": {**location, "address": address},
                "urgency": _word(urgency, URGENCIES, "urgency"),
            }
        )
        accepted = client.send(calls.create_case(body, idempotency_key=idempotency_key))
    show(
        opts,
        accepted,
        lambda: (
            f"已登记 [bold]{accepted.case_no}[/bold]（{STATUS_NAMES.get(accepted.status, accepted.status)}），"
            f"提取码 [bold]{accepted.lookup_code}[/bold]"
            + (f"，与 {accepted.duplicate_of} 重复" if accepted.duplicate_of else "")
        ),
    )


@case_app.command("show")
def show_case(ctx: typer.Context, case_no: str) -> None:
    """工单详情。"""
    opts = options(ctx)
    with opts.client() as client:
        record = client.send(calls.get_case(case_no))
    rows = [
        ("工单号", record.case_no),
        ("状态", STATUS_NAMES.get(record.status, record.status)),
        ("类型", CATEGORY_NAMES.get(record.category, record.category)),
        ("事项", f"{record.topic_name or ''} {record.topic_code}"),
        ("紧急程度", URGENCY_NAMES.get(record.urgency, record.urgency)),
        ("受理时间", when(record.received_at)),
        ("诉求次数", record.demand_count),
        ("重复于", record.duplicate_of),
        ("内容", record.description),
    ]
    show(opts, record, lambda: table(f"工单 {record.case_no}", ("项目", "内容"), rows))


@case_app.command("timeline")
def timeline(ctx: typer.Context, case_no: str) -> None:
    """全程留痕：每一步、谁做的、什么时候。"""
    opts = options(ctx)
    with opts.client() as client:
        line = client.send(calls.timeline(case_no))
    rows = [(when(e.at), e.type, e.actor) for e in line.timeline]
    show(opts, line, lambda: table(f"{line.case_no} 时间线（{line.status}）", ("时间", "事件", "操作人"), rows))


@case_app.command("list")
def list_cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="received/duplicate/closed")] = None,
    category: Annotated[str | None, typer.Option(help="诉求类型")] = None,
    topic: Annotated[str | None, typer.Option(help="事项编码")] = None,
    district: Annotated[str | None, typer.Option(help="区编码")] = None,
    q: Annotated[str | None, typer.Option(help="全文搜索")] = None,
    since: Annotated[datetime | None, typer.Option("--from", help="受理时间起，如 2026-11-01")] = None,
    until: Annotated[datetime | None, typer.Option("--to", help="受理时间止")] = None,
    limit: Annotated[int, typer.Option(min=1, help="最多显示几条")] = 50,
) -> None:
    """查询工单（自动翻页）。"""
    opts = options(ctx)
    filters = {
        "status": status,
        "category": _word(category, CATEGORIES, "category") if category else None,
        "topic_code": topic,
        "district_code": district,
        "q": q,
        "from": since,
        "to": until,
    }
    with opts.client() as client:
        found = take(client.iterate(calls.list_cases(limit=min(limit, 200), **filters)), limit)
    rows = [
        (
            c.case_no,
            STATUS_NAMES.get(c.status, c.status),
            CATEGORY_NAMES.get(c.category, c.category),
            c.topic_name or c.topic_code,
            when(c.received_at),
            c.title,
        )
        for c in found
    ]
    show(
        opts, found, lambda: table(f"工单（{len(found)} 条）", ("工单号", "状态", "类型", "事项", "受理", "标题"), rows)
    )


@case_app.command("topics")
def topics(ctx: typer.Context, q: Annotated[str | None, typer.Argument(help="按名称或编码筛选")] = None) -> None:
    """事项目录中可选的末级事项。"""
    opts = options(ctx)
    with opts.client() as client:
        found = [t for t in client.send(calls.topics()).topics if t.selectable]
    if q:
        found = [t for t in found if q in t.full_name or q.upper() in t.code]
    show(opts, found, lambda: table("事项目录", ("编码", "事项"), [(t.code, t.full_name) for t in found]))


@callbacks_app.command("due")
def callbacks_due(ctx: typer.Context, limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """待回访的工单（含来电人电话，供回拨）。"""
    opts = options(ctx)
    with opts.client() as client:
        items = take(client.iterate(calls.callbacks_due(limit=min(limit, 200))), limit)
    rows = [
        (
            c.case_no,
            c.unit_name,
            when(c.due_at),
            "逾期" if c.overdue else "",
            c.caller_name,
            c.caller_phone,
            c.reply_result,
        )
        for c in items
    ]
    show(
        opts,
        items,
        lambda: table(
            "待回访",
            ("工单号", "承办单位", "回访期限", "", "来电人", "电话", "答复"),
            rows,
            style_of=lambda r: "red" if r[3] else None,
        ),
    )


@callbacks_app.command("record")
def callback_record(
    ctx: typer.Context,
    case_no: str,
    satisfaction: Annotated[
        str | None, typer.Option(help="满意/基本满意/不满意；联系不上则不填并加 --unreachable")
    ] = None,
    solved: Annotated[bool | None, typer.Option("--solved/--not-solved", help="问题是否解决")] = None,
    comment: Annotated[str | None, typer.Option(help="群众意见")] = None,
    unit_at_fault: Annotated[
        bool | None, typer.Option("--unit-at-fault/--not-unit-at-fault", help="不满意是否因承办单位")
    ] = None,
    unreachable: Annotated[bool, typer.Option(help="这次没联系上")] = False,
) -> None:
    """记录一次回访。"""
    opts = options(ctx)
    words = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "unsatisfied"}
    if not unreachable and satisfaction is None:
        raise fail("请给出 --satisfaction（满意/基本满意/不满意），或用 --unreachable 记录未联系上")
    body = m.CallbackIn.model_validate(
        {
            "outcome": "unreachable" if unreachable else "rated",
            "satisfaction": _word(satisfaction, words, "satisfaction") if satisfaction else None,
            "solved": solved,
            "comment": comment,
            "unit_at_fault": unit_at_fault,
        }
    )
    with opts.client() as client:
        result = client.send(calls.record_callback(case_no, body))
    show(
        opts,
        result,
        lambda: (
            f"已记录回访：{escape(result.case_no)} 现为 {escape(result.status)}" + ("，已办结" if result.closed else "")
        ),
    )


def dispatch(
    ctx: typer.Context,
    case_no: str,
    unit: Annotated[str, typer.Option(help="主办单位编号，如 U-CG-001")],
    co_unit: Annotated[list[str] | None, typer.Option(help="协办单位，可多次给出")] = None,
    designate: Annotated[bool, typer.Option(help="指定承办（不可退单）")] = False,
) -> None:
    """人工派单或重新派单（话务员）。"""
    opts = options(ctx)
    body = m.DispatchIn(unit_id=unit, co_unit_ids=co_unit or [], designate=designate)
    with opts.client() as client:
        answer = client.send(calls.dispatch_case(case_no, body))
    show(opts, answer, lambda: f"已派单：{escape(case_no)} → {escape(unit)}")


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    app.add_typer(callbacks_app, name="callbacks")
    app.add_typer(callbacks_app, name="callback", hidden=True)  # `callback record` reads naturally too
    app.command("dispatch")(dispatch)
