"""`python -m console.manage serve`: the console has no database, migrations or worker."""

from __future__ import annotations

import typer
import uvicorn

cli = typer.Typer(help="console service management", no_args_is_help=True)


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8004, workers: int = 1) -> None:
    """Serve the console's pages."""
    uvicorn.run("console.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@cli.command()
def version() -> None:
    """Print the console's version (typer needs a second command to keep `serve` a subcommand)."""
    typer.echo("hotline-console 0.1.0")


if __name__ == "__main__":
    cli()
