"""`batch template` and `batch import FILE`: a station's spreadsheet into cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..batch.importer import DEFAULT_CHUNK, MAX_CHUNK, ImportReport, run_import
from ..batch.sheet import SheetError, write_template
from ..errors import ConnectionFailed
from .common import INTERRUPTED, OK, ROWS_REFUSED, UNREACHABLE, console, err, fail, options, print_json

batch_app = typer.Typer(help="社区服务站批量导入（Excel/CSV，中文表头）", no_args_is_help=True)

EXAMPLE = (
    "DHM-2026-0101",
    "社区服务站",
    "建议",
    "CG-SZSS-LDGZ",
    "路灯不亮",
    "多福巷胡同北侧路灯坏了一个月，晚上很黑，建议尽快修复。",
    "刘志强",
    "18800005555",
    "否",
    "D01",
    "D01-S01",
    "D01-S01-C01",
    "",
    "",
    "一般",
)


class BarSink:
    """The rich progress bar: rows sent, rate, time left, and the accepted/refused tally."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.accepted = 0
        self.refused = 0

    def started(self, *, total: int, to_send: int) -> None:
        self.task = self.progress.add_task("导入", total=to_send, accepted=0, refused=0)

    def chunk_done(self, *, sent: int, accepted: int, refused: int) -> None:
        self.accepted += accepted
        self.refused += refused
        if self.task is not None:
            self.progress.update(self.task, advance=sent, accepted=self.accepted, refused=self.refused)


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("- 行/秒" if speed is None else f"{speed:.0f} 行/秒", style="cyan")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]{task.fields[accepted]}[/green] 成功"),
        TextColumn("[red]{task.fields[refused]}[/red] 退回"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _summary(report: ImportReport) -> dict[str, object]:
    return {
        "rows": report.total,
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "refused": report.refused_total,
        "refused_locally": report.refused_local,
        "refused_by_server": report.refused_server,
        "sent_this_run": report.sent,
        "from_journal": report.from_journal,
        "replayed": report.replayed,
        "unanswered": report.unanswered,
        "errors_file": str(report.errors_file) if report.errors_file else None,
        "journal": str(report.journal_file),
    }


@batch_app.command("template")
def template(
    path: Annotated[Path, typer.Argument(help="要生成的 .xlsx 文件")] = Path("民情批量导入模板.xlsx"),
) -> None:
    """生成带中文表头和示例行的导入模板。"""
    if path.suffix.lower() != ".xlsx":
        raise fail("模板文件名要以 .xlsx 结尾")
    write_template(path, example=EXAMPLE)
    console.print(f"已生成模板：{escape(str(path))}（黄色为必填列，第2行是填写说明，可保留）")


@batch_app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help=".xlsx 或 .csv 文件")],
    chunk: Annotated[int, typer.Option(min=1, max=MAX_CHUNK, help="每次提交的行数")] = DEFAULT_CHUNK,
    channel: Annotated[str, typer.Option(help="渠道列为空时用的渠道")] = "station",
) -> None:
    """导入文件：先对照事项目录和区域目录检查，再分批提交；中断后重新运行同一命令即可续传，不会重复登记。"""
    opts = options(ctx)
    try:
        with opts.client() as client, _progress() as bar:
            report = run_import(
                client=client,
                path=path,
                chunk_size=chunk,
                progress=None if opts.as_json else BarSink(bar),
                channel=channel,
            )
    except SheetError as exc:
        raise fail(str(exc)) from exc
    except ConnectionFailed as exc:
        err.print(f"[red]网络中断：[/red]{escape(str(exc))}")
        err.print("已提交并得到答复的行都记在日志里；网络恢复后重新运行同一命令，会从中断处继续，不会重复登记。")
        raise typer.Exit(UNREACHABLE) from exc
    except KeyboardInterrupt:
        err.print("\n已中断。已完成的行都记在日志里；重新运行同一命令会从中断处继续，不会重复登记。")
        raise typer.Exit(INTERRUPTED) from None
    if opts.as_json:
        print_json(_summary(report))
    else:
        console.print(
            f"共 {report.total} 行：[green]成功 {report.accepted}[/green]"
            f"（其中重复件 {report.duplicates}，本次提交 {report.sent} 行，日志中已有 {report.from_journal} 行），"
            f"[red]退回 {report.refused_total}[/red]（本地检查 {report.refused_local}，服务器 {report.refused_server}）"
        )
        for row, messages in report.refused[:10]:
            console.print(f"  第 {row.row_no} 行：{escape('；'.join(messages))}")
        if len(report.refused) > 10:
            console.print(f"  ……还有 {len(report.refused) - 10} 行")
        if report.unanswered:
            console.print(f"[yellow]{report.unanswered} 行服务器仍在处理，请稍后重新运行同一命令。[/yellow]")
        if report.errors_file:
            console.print(f"退回的行及原因见 {escape(str(report.errors_file))}，改好后可直接导入该文件。")
    raise typer.Exit(ROWS_REFUSED if report.refused else OK)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
