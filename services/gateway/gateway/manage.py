"""`python -m gateway.manage migrate|makemigration|seed|serve|keys ...`."""

from hotline_shared.manage import make_cli

from .apikeys.cli import keys_cli, seed
from .config import MIGRATIONS_DIR, GatewaySettings

cli = make_cli(
    service="gateway",
    settings_factory=GatewaySettings,
    migrations_dir=MIGRATIONS_DIR,
    app_factory="gateway.main:create_app",
    default_port=8000,
    seeder=seed,
)
cli.add_typer(keys_cli, name="keys")

if __name__ == "__main__":
    cli()
