"""Events from intake: new cases to route, and the topic catalogue / area tree."""

from __future__ import annotations

import structlog
from hotline_shared.events import EventEnvelope, Handler
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository as cases_repo
from ..cases import service as cases
from ..cases.schemas import CaseView
from ..catalog import service as catalog
from ..dispatching import service as dispatching
from ..runtime import Runtime

log = structlog.get_logger("consumers.intake")


def handlers(rt: Runtime) -> dict[str, Handler]:
    async def case_received(session: AsyncSession, envelope: EventEnvelope) -> None:
        view = CaseView.model_validate(envelope.payload)
        if await cases_repo.get(session, view.case_no) is not None:
            # The same case announced under another event id (e.g. intake's relay replayed a row).
            log.info("case_already_known", case_no=view.case_no)
            return
        case = await cases.store(session, view=view, now=rt.clock.now())
        await dispatching.auto_dispatch(session, rt, case=case)

    async def nothing_to_dispatch(session: AsyncSession, envelope: EventEnvelope) -> None:
        # Duplicates are linked to an open case and direct answers are closed at intake: no order.
        log.debug("not_dispatched", case_no=envelope.case_no, event_type=envelope.type)

    async def catalog_updated(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.apply_update(session, payload=envelope.payload)

    return {
        "case.received": case_received,
        "case.duplicated": nothing_to_dispatch,
        "case.closed_at_intake": nothing_to_dispatch,
        "catalog.updated": catalog_updated,
    }
