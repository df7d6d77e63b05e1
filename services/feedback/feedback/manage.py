"""`python -m feedback.manage migrate|makemigration|seed|worker|serve`."""

from hotline_shared.manage import make_cli

from .config import MIGRATIONS_DIR, FeedbackSettings
from .worker import build

cli = make_cli(
    service="feedback",
    settings_factory=FeedbackSettings,
    migrations_dir=MIGRATIONS_DIR,
    app_factory="feedback.main:create_app",
    default_port=8003,
    worker_builder=build,
)

if __name__ == "__main__":
    cli()
