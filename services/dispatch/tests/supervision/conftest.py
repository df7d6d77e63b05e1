from __future__ import annotations

import pytest
from dispatch.config import DispatchSettings
from dispatch.supervision.config import SupervisionSettings


@pytest.fixture
def settings(settings: DispatchSettings) -> DispatchSettings:
    # A test month has a handful of orders per unit: rank every unit that has one.
    return settings.model_copy(update={"supervision": SupervisionSettings(ranking_min_volume=1)})
