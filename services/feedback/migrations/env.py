from feedback.cases import models as _cases  # noqa: F401  (registers the tables on the metadata)
from feedback.idempotency import models as _idempotency  # noqa: F401
from feedback.models_base import metadata
from feedback.notifications import models as _notifications  # noqa: F401
from feedback.photos import models as _photos  # noqa: F401
from hotline_shared.migrations import run_env

run_env(metadata)
