"""Who may call what. Every route depends on one of these (the signed gateway identity)."""

from typing import Annotated

from hotline_shared.identity import STAFF_ROLES, Identity, IdentityDep, Role, require_roles

Anyone = IdentityDep  # public routes: the gateway signs role "public" for anonymous callers
Staff = Annotated[Identity, require_roles(*STAFF_ROLES)]
Admin = Annotated[Identity, require_roles(Role.admin)]
Supervisor = Annotated[Identity, require_roles(Role.supervisor)]
Dispatcher = Annotated[Identity, require_roles(Role.operator, Role.supervisor, Role.admin)]
OrderReader = Annotated[Identity, require_roles(Role.unit, Role.operator, Role.supervisor, Role.admin)]
UnitUser = Annotated[Identity, require_roles(Role.unit)]
UnitOrSupervisor = Annotated[Identity, require_roles(Role.unit, Role.supervisor)]
