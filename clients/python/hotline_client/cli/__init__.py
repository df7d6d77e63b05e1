"""`hotline-client`: the hotline API from a terminal (operators, stations, units, supervisors)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import ConnectionFailed, ProblemError
from . import batch, cases, orders, supervision
from .common import REFUSED, SERVER_ERROR, UNREACHABLE, Options, err

app = typer.Typer(
    name="hotline-client",
    help="12345 热线接口客户端：登记工单、批量导入、承办、回访、督办。--json 输出供脚本使用。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option(help="网关地址（或 HOTLINE_CLIENT_URL / 配置文件）")] = None,
    api_key: Annotated[str | None, typer.Option(help="API 密钥（或 HOTLINE_CLIENT_API_KEY）")] = None,
    token: Annotated[str | None, typer.Option(help="OIDC 访问令牌，代替 API 密钥（或 HOTLINE_CLIENT_TOKEN）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON，供脚本处理")] = False,
) -> None:
    ctx.obj = Options(url=url, api_key=api_key, token=token, as_json=as_json)


cases.register(app)
batch.register(app)
orders.register(app)
supervision.register(app)


def main() -> None:
    try:
        app()
    except ProblemError as exc:
        err.print(f"[red]{exc.status} {escape(exc.title)}[/red]：{escape(exc.detail)}")
        for problem in exc.errors:
            err.print(f"  [bold]{escape(problem.field)}[/bold]：{escape(problem.message)}")
        sys.exit(SERVER_ERROR if exc.status >= 500 else REFUSED)
    except ConnectionFailed as exc:
        err.print(f"[red]网络错误：[/red]{escape(str(exc))}")
        sys.exit(UNREACHABLE)
