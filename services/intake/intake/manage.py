"""`python -m intake.manage migrate|makemigration|seed [--demo]|worker|serve`."""

from hotline_shared.manage import make_cli

from .config import MIGRATIONS_DIR, IntakeSettings
from .seed import seed
from .worker import build

cli = make_cli(
    service="intake",
    settings_factory=IntakeSettings,
    migrations_dir=MIGRATIONS_DIR,
    app_factory="intake.main:create_app",
    default_port=8001,
    worker_builder=build,
    seeder=seed,
)

if __name__ == "__main__":
    cli()
