"""Run a station import: check every row, send what is new in chunks, journal each answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .. import calls
from ..client import HotlineClient
from ..models import BatchItemResult
from .columns import header_for
from .journal import Entry, Journal, errors_path, journal_path
from .rows import Catalogue, Checked, check_row
from .sheet import SheetRow, read_sheet, write_errors

DEFAULT_CHUNK = 100
MAX_CHUNK = 500  # the gateway's limit for one batch
RESEND_PASSES = 3


class ProgressSink(Protocol):
    def started(self, *, total: int, to_send: int) -> None: ...

    def chunk_done(self, *, sent: int, accepted: int, refused: int) -> None: ...


@dataclass
class ImportReport:
    total: int = 0
    accepted: int = 0  # rows that are a case now (this run or an earlier one)
    duplicates: int = 0  # of those, linked to an earlier case as 重复件
    replayed: int = 0  # answered "already registered" by the server: an earlier run had sent them
    from_journal: int = 0  # not sent this run: the journal already held their answer
    sent: int = 0
    unanswered: int = 0  # still "busy" on the server after every pass: the next run sends them
    refused_local: int = 0
    refused_server: int = 0
    refused: list[tuple[SheetRow, list[str]]] = field(default_factory=list)
    errors_file: Path | None = None
    journal_file: Path | None = None

    @property
    def refused_total(self) -> int:
        return self.refused_local + self.refused_server


def server_messages(result: BatchItemResult) -> list[str]:
    problem = result.problem
    if problem is None:
        return ["服务器拒绝了这一行，但没有说明原因"]
    if problem.errors:
        return [f"「{header_for(e.get('field', ''))}」{e.get('message', '')}" for e in problem.errors]
    return [f"{problem.title}：{problem.detail}"]


def is_busy(result: BatchItemResult) -> bool:
    """The server had this client_ref in flight (a retry overtook the first post): ask again, later."""
    problem = result.problem
    return not result.ok and problem is not None and problem.status == 409 and "retry shortly" in problem.detail


def _entry(item_ref: str, row: SheetRow, result: BatchItemResult) -> Entry:
    if result.ok and result.case is not None:
        return Entry(
            ref=item_ref,
            row_no=row.row_no,
            ok=True,
            case_no=result.case.case_no,
            status=result.case.status,
            duplicate_of=result.case.duplicate_of,
            replayed=result.replayed,
        )
    return Entry(ref=item_ref, row_no=row.row_no, ok=False, errors=server_messages(result))


def _same_rows(checked: Sequence[Checked]) -> list[Checked]:
    """A row repeated in the file is a copy-paste slip: the later copy is refused, not merged."""
    seen: dict[str, int] = {}
    out: list[Checked] = []
    for c in checked:
        if c.item is None:
            out.append(c)
            continue
        first = seen.setdefault(c.item.client_ref, c.row.row_no)
        if first != c.row.row_no:
            out.append(Checked(c.row, None, [f"与第 {first} 行的编号或内容完全相同，同一诉求只需登记一次"]))
        else:
            out.append(c)
    return out


def _send_chunk(
    client: HotlineClient, chunk: list[Checked], journal: Journal, report: ImportReport, progress: ProgressSink | None
) -> list[Checked]:
    """Post one chunk and journal its answers; the rows the server called busy come back to resend."""
    items = [c.item for c in chunk if c.item is not None]
    answer = client.send(calls.create_batch(items))
    entries: list[Entry] = []
    busy: list[Checked] = []
    for item, c, result in zip(items, chunk, answer.results, strict=True):
        if is_busy(result):
            busy.append(c)
        else:
            entries.append(_entry(item.client_ref, c.row, result))
    journal.record(entries)
    report.sent += len(entries)
    if progress is not None:
        refused = sum(1 for e in entries if not e.ok)
        progress.chunk_done(sent=len(entries), accepted=len(entries) - refused, refused=refused)
    return busy


def run_import(
    *,
    client: HotlineClient,
    path: Path,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressSink | None = None,
    channel: str = "station",
) -> ImportReport:
    """Import `path`; safe to call again after any interruption (see journal.py).

    Raises ConnectionFailed / ProblemError when the gateway cannot take the batch at all; the
    journal then holds every chunk answered so far.
    """
    chunk_size = max(1, min(chunk_size, MAX_CHUNK))
    sheet = read_sheet(path)
    catalogue = Catalogue.from_answers(client.send(calls.topics()), client.send(calls.areas()))
    checked = _same_rows([check_row(row, catalogue, default_channel=channel) for row in sheet.rows])
    journal = Journal(journal_path(path))
    report = ImportReport(total=len(checked), journal_file=journal.path)

    pending: list[Checked] = []
    for c in checked:
        if c.item is None:
            report.refused_local += 1
        elif journal.done(c.item.client_ref) is None:
            pending.append(c)
        else:
            report.from_journal += 1
    if progress is not None:
        progress.started(total=len(checked), to_send=len(pending))

    try:
        for attempt in range(RESEND_PASSES):
            busy: list[Checked] = []
            for start in range(0, len(pending), chunk_size):
                busy += _send_chunk(client, pending[start : start + chunk_size], journal, report, progress)
            if not busy:
                break
            pending = busy
            time.sleep(1.0 + attempt)
        else:
            report.unanswered = len(busy)
    finally:
        journal.close()

    for c in checked:
        if c.item is None:
            report.refused.append((c.row, c.errors))
            continue
        entry = journal.done(c.item.client_ref)
        if entry is None:
            continue
        if entry.ok:
            report.accepted += 1
            report.duplicates += entry.status == "duplicate"
            report.replayed += entry.replayed
        else:
            report.refused_server += 1
            report.refused.append((c.row, entry.errors))
    report.refused.sort(key=lambda pair: pair[0].row_no)
    target = errors_path(path)
    if report.refused:
        write_errors(target, sheet.headers, report.refused)
        report.errors_file = target
    elif target.exists():
        target.unlink()  # a fixed file must not keep an old list of errors beside it
    return report
