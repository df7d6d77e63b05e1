"""What every sub-command shares: the client from the global options, output as a table or JSON,
and the exit codes scripts can rely on."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..client import HotlineClient
from ..config import load_settings

# Exit codes (also in the README): scripts branch on these, keep them stable.
OK = 0
ROWS_REFUSED = 1  # a batch finished but some rows are in the errors file
USAGE = 2  # bad arguments or an unreadable file (typer uses 2 too)
REFUSED = 3  # the server answered 4xx: fix the request
UNREACHABLE = 4  # network down after every retry: run the same command again
SERVER_ERROR = 5  # the server failed (5xx)
INTERRUPTED = 130  # Ctrl-C

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@dataclass
class Options:
    url: str | None
    api_key: str | None
    token: str | None
    as_json: bool

    def client(self) -> HotlineClient:
        return HotlineClient(load_settings(url=self.url, api_key=self.api_key, token=self.token))


def options(ctx: typer.Context) -> Options:
    opts = ctx.find_root().obj
    assert isinstance(opts, Options)
    return opts


T = TypeVar("T")


def take(items: Iterable[T], limit: int) -> list[T]:
    """The first `limit` items of a paged list: stop following next_cursor once there are enough."""
    return list(itertools.islice(items, limit))


def dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def print_json(value: Any) -> None:
    # Plain print, not rich: a script piping to jq needs exactly one JSON document, unwrapped.
    print(json.dumps(dump(value), ensure_ascii=False, indent=2))


def when(value: Any) -> str:
    if value is None:
        return "-"
    return value.strftime("%m-%d %H:%M") if hasattr(value, "strftime") else str(value)


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    style_of: Callable[[Sequence[Any]], str | None] | None = None,
) -> Table:
    out = Table(title=title, title_justify="left")
    for name in columns:
        out.add_column(name)
    for row in rows:
        out.add_row(*(escape(str(c)) if c is not None else "-" for c in row), style=style_of(row) if style_of else None)
    return out


def show(opts: Options, value: Any, render: Callable[[], Any]) -> None:
    if opts.as_json:
        print_json(value)
    else:
        console.print(render())


def fail(message: str, code: int = USAGE) -> typer.Exit:
    err.print(f"[red]错误：[/red]{escape(message)}")
    return typer.Exit(code)
