from hotline_shared.migrations import run_env
from intake import models  # noqa: F401  (registers every table on the metadata)
from intake.models_base import metadata

run_env(metadata)
