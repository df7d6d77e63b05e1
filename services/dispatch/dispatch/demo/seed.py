"""`python -m dispatch.manage seed [--demo]`: default policies always, demo units and rules on request.

Idempotent: anything already there (same unit id, same rule or policy key) is left as the admin
may have edited it.
"""

from __future__ import annotations

from hotline_shared.app import make_clock
from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncSession

from ..policies import repository as policies_repo
from ..policies import service as policies
from ..policies.defaults import DEFAULT_POLICIES
from ..policies.models import TimeLimitPolicy
from ..routing import repository as routing_repo
from ..routing.models import ANY, RoutingRule
from ..units.models import Unit
from .data import RULES, UNITS

SEEDER = "seed"


async def seed_policies(session: AsyncSession, clock: Clock) -> int:
    added = 0
    for data in DEFAULT_POLICIES:
        keys = {
            "category": data.category.value if data.category else ANY,
            "topic": data.topic_code or ANY,
            "urgency": data.urgency.value if data.urgency else ANY,
        }
        if await policies_repo.by_key(session, **keys) is not None:
            continue
        now = clock.now()
        policy = TimeLimitPolicy(version=1, created_at=now, updated_at=now, updated_by=SEEDER)
        policies.apply(policy, data)
        session.add(policy)
        added += 1
    await session.flush()
    return added


async def seed_demo(session: AsyncSession, clock: Clock) -> tuple[int, int]:
    now = clock.now()
    units = 0
    for spec in UNITS:
        if await session.get(Unit, spec["unit_id"]) is None:
            session.add(Unit(**{"district_code": None, "active": True, **spec}, created_at=now, updated_at=now))
            units += 1
    await session.flush()
    rules = 0
    for topic, level, area, lead, co in RULES:
        if await routing_repo.by_key(session, topic_key=topic or ANY, area_key=area or ANY) is not None:
            continue
        session.add(
            RoutingRule(
                topic_key=topic or ANY,
                area_level=level,
                area_key=area or ANY,
                lead_unit_id=lead,
                co_unit_ids=co,
                created_at=now,
                updated_at=now,
                updated_by=SEEDER,
            )
        )
        rules += 1
    await session.flush()
    return units, rules


async def seed(settings: ServiceSettings, demo: bool) -> str:
    clock = make_clock(settings)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            added = await seed_policies(session, clock)
            message = f"{added} default policies added"
            if demo:
                units, rules = await seed_demo(session, clock)
                message += f", {units} demo units and {rules} demo routing rules added"
    finally:
        await db.dispose()
    return message
