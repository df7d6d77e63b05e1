"""`python -m dispatch.manage migrate|makemigration|seed|worker|serve`."""

from hotline_shared.manage import make_cli

from .config import MIGRATIONS_DIR, DispatchSettings
from .demo.seed import seed
from .supervision.cli import cli as supervision_cli
from .worker import build

cli = make_cli(
    service="dispatch",
    settings_factory=DispatchSettings,
    migrations_dir=MIGRATIONS_DIR,
    app_factory="dispatch.main:create_app",
    default_port=8002,
    worker_builder=build,
    seeder=seed,
)
cli.add_typer(supervision_cli, name="supervision")

if __name__ == "__main__":
    cli()
