"""Handling units: `orders inbox|show|sign|contact|reply|return`, `extension request`, `pause request`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from .. import calls
from .. import models as m
from .common import options, show, table, take, when

orders_app = typer.Typer(help="承办单位：待办、签收、联系、答复、退单", no_args_is_help=True)
extension_app = typer.Typer(help="延期申请", no_args_is_help=True)
pause_app = typer.Typer(help="挂起申请", no_args_is_help=True)

ORDER_STATUS = {
    "dispatched": "待签收",
    "signed": "已签收",
    "contacted": "已联系",
    "awaiting_callback": "待回访",
    "reopened": "重办",
    "returned": "已退单",
    "closed": "已办结",
}
LIGHTS = {"red": "red", "yellow": "yellow", "green": "green"}


def time_left(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "-"
    hours = (due - now).total_seconds() / 3600
    if hours < 0:
        return f"超期 {-hours:.1f} 小时"
    return f"{hours / 24:.1f} 天" if hours >= 48 else f"{hours:.1f} 小时"


def next_due(order: m.OrderSummary) -> datetime | None:
    if order.status == "dispatched":
        return order.sign_due_at
    if order.status in ("signed", "reopened"):
        return order.contact_due_at or order.reply_due_at
    return order.reply_due_at


@orders_app.command("inbox")
def inbox(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="dispatched/signed/contacted/...；默认所有未办结")] = None,
    light: Annotated[str | None, typer.Option(help="green/yellow/red")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """本单位的待办工单，附剩余时间，按最急的在前。"""
    opts = options(ctx)
    with opts.client() as client:
        orders = client.iterate(calls.list_orders(limit=min(limit, 200), status=status, light=light))
        # Without a status filter the inbox is what still needs the unit: finished orders are left out.
        open_ = (o for o in orders if status is not None or o.status not in ("closed", "returned", "awaiting_callback"))
        found = take(open_, limit)
    now = datetime.now(UTC)
    far = datetime.max.replace(tzinfo=UTC)
    found.sort(key=lambda o: next_due(o) or far)
    rows = [
        (
            o.order_id,
            o.case_no,
            ORDER_STATUS.get(o.status, o.status),
            o.case.topic_name or o.case.topic_code,
            when(next_due(o)),
            time_left(next_due(o), now),
            o.light,
        )
        for o in found
    ]
    show(
        opts,
        found,
        lambda: table(
            f"待办（{len(found)}）",
            ("工单", "工单号", "状态", "事项", "期限", "剩余", "灯"),
            rows,
            style_of=lambda r: LIGHTS.get(str(r[6])) if r[6] != "green" else None,
        ),
    )


def _order_line(order: m.OrderDetail) -> str:
    return (
        f"{escape(order.order_id)}（{escape(order.case_no)}）：{ORDER_STATUS.get(order.status, order.status)}，"
        f"答复期限 {when(order.reply_due_at)}，可进行：{'、'.join(order.allowed_actions) or '-'}"
    )


@orders_app.command("show")
def show_order(ctx: typer.Context, order_id: str) -> None:
    """一个工单的期限和可进行的操作。"""
    opts = options(ctx)
    with opts.client() as client:
        order = client.send(calls.get_order(order_id))
    show(opts, order, lambda: _order_line(order))


def _act(ctx: typer.Context, order_id: str, action: str, body: m.Request | None = None) -> None:
    opts = options(ctx)
    with opts.client() as client:
        order = client.send(calls.order_action(order_id, action, body))
    show(opts, order, lambda: _order_line(order))


@orders_app.command("sign")
def sign(ctx: typer.Context, order_id: str) -> None:
    """签收。"""
    _act(ctx, order_id, "sign")


@orders_app.command("contact")
def contact(
    ctx: typer.Context, order_id: str, note: Annotated[str | None, typer.Option(help="联系情况")] = None
) -> None:
    """记录已先行联系群众。"""
    _act(ctx, order_id, "contact", m.ContactIn(note=note))


@orders_app.command("reply")
def reply(
    ctx: typer.Context,
    order_id: str,
    result: Annotated[str, typer.Option(help="办理结果")],
    solved: Annotated[bool, typer.Option("--solved/--not-solved", help="是否解决")],
) -> None:
    """答复（办结）。"""
    _act(ctx, order_id, "reply", m.ReplyIn(result=result, solved=solved))


@orders_app.command("return")
def return_(
    ctx: typer.Context,
    order_id: str,
    reason: Annotated[str, typer.Option(help="退单理由")],
    suggest: Annotated[str | None, typer.Option(help="建议的承办单位编号")] = None,
) -> None:
    """退单（派错了）。"""
    _act(ctx, order_id, "return", m.ReturnIn(reason=reason, suggested_unit_id=suggest))


@extension_app.command("request")
def extension_request(
    ctx: typer.Context,
    order_id: str,
    days: Annotated[int, typer.Option(min=1, help="申请延长的工作日数")],
    reason: Annotated[str, typer.Option(help="理由")],
) -> None:
    """申请延期，由督办员审批。"""
    opts = options(ctx)
    with opts.client() as client:
        ext = client.send(calls.request_extension(order_id, m.ExtensionIn(working_days=days, reason=reason)))
    show(opts, ext, lambda: f"延期申请 {ext.extension_id}：{ext.status}，现期限 {when(ext.reply_due_at_before)}")


@extension_app.command("decide")
def extension_decide(
    ctx: typer.Context,
    extension_id: int,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="批准或驳回")],
    note: Annotated[str | None, typer.Option(help="审批意见")] = None,
) -> None:
    """审批延期申请（督办员）。"""
    opts = options(ctx)
    with opts.client() as client:
        ext = client.send(calls.decide_extension(extension_id, m.DecisionIn(approve=approve, note=note)))
    show(
        opts,
        ext,
        lambda: (
            f"延期申请 {ext.extension_id}：{ext.status}，期限 {when(ext.reply_due_at_before)} → "
            f"{when(ext.reply_due_at_after)}"
        ),
    )


@pause_app.command("request")
def pause_request(
    ctx: typer.Context,
    order_id: str,
    reason: Annotated[str, typer.Option(help="理由")],
    kind: Annotated[str, typer.Option(help="citizen_unreachable/third_party/other")] = "other",
) -> None:
    """申请挂起（联系不上群众或需第三方处理），由督办员审批。"""
    opts = options(ctx)
    with opts.client() as client:
        pause = client.send(calls.request_pause(order_id, m.PauseIn.model_validate({"reason": reason, "kind": kind})))
    show(opts, pause, lambda: f"挂起申请 {pause.pause_id}：{pause.status}")


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")
    app.add_typer(extension_app, name="extension")
    app.add_typer(pause_app, name="pause")
