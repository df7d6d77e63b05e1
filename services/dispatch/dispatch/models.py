"""Import every model so the MetaData is complete (migrations' env.py imports this)."""

from .cases.models import DispatchCase
from .catalog.models import CatalogArea, CatalogTopic
from .evaluation.models import Bulletin, BulletinEntry, Crossing, Fact, Point, Rule
from .extensions.models import Extension
from .models_base import metadata
from .orders.models import WorkOrder
from .pauses.models import Pause
from .policies.models import TimeLimitPolicy
from .routing.models import RoutingRule
from .state import ServiceState
from .supervision.models import Outcome, SupervisedOrder, UnitMonth, Urge
from .timeline.models import TimelineEntry
from .units.models import Unit
from .workcalendar.models import CalendarOverride, CalendarRecompute, CalendarYear

__all__ = [
    "Bulletin",
    "BulletinEntry",
    "CalendarOverride",
    "CalendarRecompute",
    "CalendarYear",
    "CatalogArea",
    "CatalogTopic",
    "Crossing",
    "DispatchCase",
    "Extension",
    "Fact",
    "Outcome",
    "Pause",
    "Point",
    "RoutingRule",
    "Rule",
    "ServiceState",
    "SupervisedOrder",
    "TimeLimitPolicy",
    "TimelineEntry",
    "Unit",
    "UnitMonth",
    "Urge",
    "WorkOrder",
    "metadata",
]
