"""The import journal: FILE.journal.jsonl next to the spreadsheet, one line per answered row.

Written (and fsynced) after every chunk the server answered, so a cut connection, a crash or
Ctrl-C loses at most the chunk in flight, and that chunk is resent under the same client_refs,
which the server recognises (`replayed`) instead of registering the cases again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO


@dataclass
class Entry:
    ref: str
    row_no: int
    ok: bool
    case_no: str | None = None
    status: str | None = None
    duplicate_of: str | None = None
    replayed: bool = False
    errors: list[str] = field(default_factory=list)


def journal_path(sheet: Path) -> Path:
    return sheet.with_name(sheet.name + ".journal.jsonl")


def errors_path(sheet: Path) -> Path:
    return sheet.with_name(sheet.stem + ".errors.xlsx")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    data = json.loads(line)
                    entry = Entry(**data)
                except (ValueError, TypeError):
                    # A line torn by a crash mid-write: that chunk is simply resent.
                    continue
                self.entries[entry.ref] = entry
        self._file: IO[str] | None = None

    def done(self, ref: str) -> Entry | None:
        return self.entries.get(ref)

    def record(self, entries: list[Entry]) -> None:
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        for entry in entries:
            self.entries[entry.ref] = entry
            self._file.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
