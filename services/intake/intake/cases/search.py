"""Staff search over the register, the same on SQLite and PostgreSQL.

Text search: `cases.search_text` holds title + description in one normalised form (NFKC,
case-folded, single spaces). A query is normalised the same way and split on spaces; every term
must occur as a substring (LIKE '%term%', wildcards escaped). Substring matching suits Chinese,
which has no spaces between words, and needs no extension on either database. The other
filters (dates, district, topic, status) are indexed and narrow the rows LIKE has to scan; at
national scale a bigram table or pg_trgm would replace the LIKE, behind this same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline_shared.client_times import client_time
from hotline_shared.errors import ValidationFailed, field_error
from hotline_shared.identity import Identity, Role
from hotline_shared.pagination import decode_cursor, encode_cursor
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog.snapshot import CatalogSnapshot
from . import repository
from .models import Case
from .schemas import CasePage, CaseSummary
from .service import station_of
from .text import like_pattern, search_form

MAX_TERMS = 8


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    category: str | None = None
    topic_code: str | None = None
    district_code: str | None = None
    channel: str | None = None
    urgency: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    q: str | None = None


def _aware(value: datetime, name: str) -> datetime:
    # A time without offset is read as Beijing time, which is what an operator means.
    return client_time(value, loc=["query", name], naive_as_shanghai=True)


async def search_cases(
    session: AsyncSession,
    *,
    filters: CaseFilters,
    identity: Identity,
    catalog: CatalogSnapshot,
    limit: int,
    cursor: str | None,
) -> CasePage:
    query = select(Case)
    if identity.role == Role.station:
        query = query.where(Case.registered_station_id == station_of(identity))
    for column, value in (
        (Case.status, filters.status),
        (Case.category, filters.category),
        (Case.topic_code, filters.topic_code),
        (Case.district_code, filters.district_code),
        (Case.channel, filters.channel),
        (Case.urgency, filters.urgency),
    ):
        if value is not None:
            query = query.where(column == value)
    start = _aware(filters.received_from, "from") if filters.received_from else None
    end = _aware(filters.received_to, "to") if filters.received_to else None
    if start and end and start > end:
        raise ValidationFailed(
            "`from` is after `to`.", errors=[field_error(["query", "from"], "from must not be after to")]
        )
    if start:
        query = query.where(Case.received_at >= start)
    if end:
        query = query.where(Case.received_at < end)
    if filters.q:
        terms = [t for t in search_form(filters.q).split(" ") if t]
        if len(terms) > MAX_TERMS:
            raise ValidationFailed(
                "Too many search words.", errors=[field_error(["query", "q"], f"at most {MAX_TERMS} words")]
            )
        for term in terms:
            query = query.where(Case.search_text.like(like_pattern(term), escape="\\"))
    if cursor:
        after = decode_cursor(cursor, ("case_no",))
        if not isinstance(after["case_no"], str):
            raise ValidationFailed(
                "The cursor is not valid.", errors=[field_error(["query", "cursor"], "not a cursor")]
            )
        query = query.where(Case.case_no < after["case_no"])
    rows = list(await repository.page(session, query, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(
        items=[
            CaseSummary(
                case_no=c.case_no,
                status=c.status,
                channel=c.channel,
                category=c.category,
                topic_code=c.topic_code,
                topic_name=catalog.topic_full_name(c.topic_code),
                urgency=c.urgency,
                title=c.title,
                district_code=c.district_code,
                street_code=c.street_code,
                community_code=c.community_code,
                confidential=c.confidential,
                received_at=c.received_at,
                demand_count=c.demand_count,
                duplicate_of=c.duplicate_of,
            )
            for c in rows
        ],
        next_cursor=encode_cursor({"case_no": rows[-1].case_no}) if more and rows else None,
    )
