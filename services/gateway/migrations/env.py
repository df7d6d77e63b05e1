from gateway.apikeys import models as apikey_models  # noqa: F401  (registers the tables on the metadata)
from gateway.audit import models as audit_models  # noqa: F401
from gateway.models_base import metadata
from hotline_shared.migrations import run_env

run_env(metadata)
