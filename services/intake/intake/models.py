"""Import every model module so the MetaData is complete (migrations, tests)."""

from .cases import models as cases_models
from .catalog import models as catalog_models
from .idempotency import models as idempotency_models
from .photos import models as photos_models
from .verification import models as verification_models

__all__ = ["cases_models", "catalog_models", "idempotency_models", "photos_models", "verification_models"]
