from dispatch.models import metadata
from hotline_shared.migrations import run_env

run_env(metadata)
