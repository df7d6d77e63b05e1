"""Which supervised orders a caller may see or urge.

A unit sees its own orders only. A supervisor whose API key carries an `area_code` (a district,
street or community of the area tree) sees that area only; other supervisors and admins see all.
The limit is applied as one more filter on an indexed column, so a limited list is as fast as an
unlimited one, and a filter that asks for somewhere else at the same level is refused rather than
quietly answered with the caller's own area.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hotline_shared.errors import Forbidden
from hotline_shared.identity import Identity, Role
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog import service as catalog
from .models import SupervisedOrder
from .repository import Filters

# Area level → the column of supervision_orders (and the Filters field) that holds it.
AREA_FIELDS = {"district": "district_code", "street": "street_code", "community": "community_code"}


@dataclass(frozen=True)
class Scope:
    unit_id: str | None = None
    area_field: str | None = None  # one of AREA_FIELDS' values
    area_code: str | None = None

    def allows(self, row: SupervisedOrder) -> bool:
        if self.unit_id is not None and row.unit_id != self.unit_id:
            return False
        return self.area_field is None or getattr(row, self.area_field) == self.area_code

    def narrow(self, filters: Filters) -> Filters:
        """``filters`` limited to the scope; asking for another unit or area is a 403."""
        if self.unit_id is not None:
            if filters.unit_id is not None and filters.unit_id != self.unit_id:
                raise Forbidden("A unit can only look at its own orders.")
            filters = replace(filters, unit_id=self.unit_id)
        if self.area_field is not None:
            asked = getattr(filters, self.area_field)
            if asked is not None and asked != self.area_code:
                raise Forbidden(f"Your access is limited to area {self.area_code}.")
            filters = replace(filters, **{self.area_field: self.area_code})
        return filters


async def scope_of(session: AsyncSession, identity: Identity) -> Scope:
    if identity.role is Role.unit:
        if identity.unit_id is None:
            raise Forbidden("This unit key names no unit; ask an administrator to reissue it.")
        return Scope(unit_id=identity.unit_id)
    if identity.role is not Role.supervisor or identity.area_code is None:
        return Scope()
    area = await catalog.area(session, identity.area_code)
    field = AREA_FIELDS.get(area.level) if area is not None else None
    if field is None:
        # Fail closed: an area supervision cannot match must not widen into the whole city.
        raise Forbidden(
            f"Your key is limited to area {identity.area_code}, which is not a district, street or community "
            "of the area tree; ask an administrator to correct the key."
        )
    return Scope(area_field=field, area_code=identity.area_code)


def check(scope: Scope, row: SupervisedOrder) -> None:
    if not scope.allows(row):
        if scope.unit_id is not None:
            raise Forbidden("A unit can only look at its own orders.")
        raise Forbidden(f"Order {row.order_id} is outside your area {scope.area_code}.")
