"""Station batches: every item is its own unit of work.

Each item is registered in its own transaction, so one bad item cannot sink the others, a large
batch never holds the day's case-number row for long, and a batch cut off halfway (network,
restart) is completed by simply resending it: items already registered are recognised by their
client_ref and answered from the idempotency record.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.errors import TYPE_BASE, AppError, ValidationFailed, field_error
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity
from pydantic import ValidationError

from ..cases import service as cases
from ..cases.schemas import BatchCaseItem, BatchItemResult, BatchProblem, BatchResult
from ..catalog.snapshot import CatalogCache


def _problem(exc: AppError) -> BatchProblem:
    return BatchProblem(
        type=TYPE_BASE + exc.slug,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        errors=[{k: str(v) for k, v in e.items()} for e in exc.errors],
    )


def _schema_problem(exc: ValidationError, index: int) -> ValidationFailed:
    errors = [
        field_error(
            ["body", "items", index, *[str(p) for p in e.get("loc", ())]], str(e.get("msg")), str(e.get("type"))
        )
        for e in exc.errors()
    ]
    return ValidationFailed(
        f"Item {index} has invalid fields: " + ", ".join(e["field"] for e in errors[:5]), errors=errors
    )


async def register_batch(
    *,
    db: Database,
    items: list[BatchCaseItem | dict[str, Any]],
    identity: Identity,
    outbox: Outbox,
    clock: Clock,
    catalog: CatalogCache,
    duplicate_window: timedelta,
) -> BatchResult:
    results: list[BatchItemResult] = []
    for index, raw in enumerate(items):
        ref = raw.client_ref if isinstance(raw, BatchCaseItem) else _echoable_ref(raw.get("client_ref"))
        try:
            item = raw if isinstance(raw, BatchCaseItem) else _parse(raw, index)
            async with db.transaction() as session:
                registration = await cases.register_case(
                    session,
                    data=item,
                    identity=identity,
                    outbox=outbox,
                    clock=clock,
                    catalog=catalog,
                    duplicate_window=duplicate_window,
                    idempotency_key=item.client_ref,
                    prefix=("body", "items", index),
                )
        except AppError as exc:
            results.append(BatchItemResult(index=index, client_ref=ref, ok=False, problem=_problem(exc)))
            continue
        results.append(
            BatchItemResult(
                index=index, client_ref=ref, ok=True, replayed=registration.replayed, case=registration.accepted
            )
        )
    accepted = sum(1 for r in results if r.ok)
    return BatchResult(accepted=accepted, failed=len(results) - accepted, results=results)


def _echoable_ref(value: Any) -> str | None:
    """The client_ref of an item that failed the schema, if it can be sent back as it came.

    A lone surrogate ("\\ud800" in the JSON) parses but cannot be written out as UTF-8, and
    echoing it would fail the whole batch; the item's problem names the field and `index`
    still says which item it was.
    """
    if not isinstance(value, str) or any("\ud800" <= ch <= "\udfff" for ch in value):
        return None
    return value


def _parse(raw: dict[str, Any], index: int) -> BatchCaseItem:
    try:
        return BatchCaseItem.model_validate(raw)
    except ValidationError as exc:
        raise _schema_problem(exc, index) from exc
