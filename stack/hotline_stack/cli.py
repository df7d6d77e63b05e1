"""`hotline`: start the whole stack on this machine (`hotline up`), migrate, seed, check status."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import httpx
import redis
import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from .config import DEFAULT_PORT_BASE, SERVICES, WORKER_SERVICES, Ports, StackConfig
from .keys import ApiKey, KeysFileError, default_keys_file
from .postgres import database_url, drop_database, ensure_database
from .procinfo import pid_alive
from .stack import Stack, StackError, parse_name
from .supervise import LogSummary, Supervisor

app = typer.Typer(
    help="The 12345 hotline pipeline on this machine: Valkey, four services, their workers, demo data.",
    no_args_is_help=True,
    add_completion=False,
)

console = Console(highlight=False)
if not console.is_terminal:
    # Piped output (CI logs, tests) must not wrap URLs and API keys mid-token.
    console.width = max(console.width, 160)

PROCESS_COLOURS = {
    "gateway-api": "magenta",
    "intake-api": "cyan",
    "intake-worker": "cyan",
    "dispatch-api": "green",
    "dispatch-worker": "green",
    "feedback-api": "yellow",
    "feedback-worker": "yellow",
    "redis": "red",
}

DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="HOTLINE_DATA_DIR", help="SQLite files, Redis data, logs, secret.")
]
PortBase = Annotated[
    int,
    typer.Option(
        "--port-base",
        envvar="HOTLINE_PORT_BASE",
        help="gateway on BASE, intake BASE+1, dispatch BASE+2, feedback BASE+3, Valkey BASE+9.",
    ),
]
RedisUrl = Annotated[
    str | None,
    typer.Option("--redis-url", envvar="REDIS_URL", help="Use this Redis instead of starting the embedded Valkey."),
]
PostgresUrl = Annotated[
    str | None,
    typer.Option(
        "--postgres-url",
        envvar="HOTLINE_POSTGRES_URL",
        help="A PostgreSQL server (postgresql+asyncpg://user:pw@host:5432/postgres); each service gets "
        "its own database hotline_<service>, created when missing. Default: SQLite files in the data folder.",
    ),
]


def parse_duration(text: str) -> float:
    """'0', '3600', '90m', '36h', '3d', '-2h' -> seconds."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not m:
        raise typer.BadParameter(f"{text!r} is not a duration like 3600, 90m, 36h or 3d")
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return float(m.group(1)) * factor


DbPrefix = Annotated[
    str,
    typer.Option(
        "--db-prefix", envvar="HOTLINE_DB_PREFIX", help="With --postgres-url: databases are <prefix>_<service>."
    ),
]


def postgres_databases(postgres_url: str | None, prefix: str = "hotline") -> dict[str, str]:
    if not postgres_url:
        return {}
    return {svc: database_url(postgres_url, f"{prefix}_{svc}") for svc in SERVICES}


def build_config(
    *,
    data_dir: Path,
    port_base: int = DEFAULT_PORT_BASE,
    redis_port: int | None = None,
    redis_url: str | None = None,
    postgres_url: str | None = None,
    host: str = "127.0.0.1",
    clock_offset: float = 0.0,
    api_keys_file: Path | None = None,
    log_json: bool = False,
    db_prefix: str = "hotline",
    api_replicas: int = 1,
    worker_replicas: int = 1,
) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        ports=Ports.from_base(port_base, redis=redis_port),
        host=host,
        redis_url=redis_url or None,
        database_urls=postgres_databases(postgres_url, db_prefix),
        api_keys_file=(api_keys_file or default_keys_file()).resolve(),
        clock_offset_seconds=clock_offset,
        log_json=log_json,
        # Another interpreter (venv) for the service processes; default: the one running hotline.
        python=os.environ.get("HOTLINE_PYTHON", ""),
        api_replicas=api_replicas,
        worker_replicas=worker_replicas,
    )


def say(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {escape(message)}")


def print_log_line(name: str, line: str) -> None:
    colour = PROCESS_COLOURS.get(name) or PROCESS_COLOURS.get("-".join(parse_name(name)[:2]), "white")
    console.print(f"[{colour}]{name:>15}[/{colour}] | {escape(line)}", soft_wrap=True)


def keys_table(keys: list[ApiKey]) -> Table:
    table = Table(title="Demo API keys (send as: Authorization: Bearer <key>)", title_justify="left")
    table.add_column("role", style="bold")
    table.add_column("name")
    table.add_column("scope")
    table.add_column("key", no_wrap=True, style="green")
    for k in keys:
        table.add_row(k.role, k.name, k.scope or "-", k.key)
    return table


def print_banner(stack: Stack) -> None:
    cfg = stack.config
    gw = stack.gateway_url
    lines = [
        f"Gateway:   {gw}",
        f"API docs:  {gw}/docs",
        f"Console:   {stack.console_url}  (sign in with a key below)",
        "Services:  " + ", ".join(f"{s} {stack.config.url(s)}" for s in SERVICES if s != "gateway"),
        f"Redis:     {stack.redis_url}" + (" (embedded Valkey)" if stack.redis is not None else ""),
        f"Data:      {cfg.data_dir}",
        f"Logs:      {cfg.logs_dir}",
    ]
    if stack.clock_offset_seconds:
        lines.append(f"Clock:     shifted by {stack.clock_offset_seconds:+.0f}s (demo time travel)")
    console.print(Panel("\n".join(escape(line) for line in lines), title="hotline stack is up", expand=False))
    console.print(keys_table(stack.api_keys))
    operator = next((k.key for k in stack.api_keys if k.role == "operator"), "<operator key>")
    console.print(
        "Try:  " + escape(f'curl -s -H "Authorization: Bearer {operator}" {gw}/api/v1/catalog/topics'),
        soft_wrap=True,
    )
    station = next((k.key for k in stack.api_keys if k.role == "station"), "<station key>")
    console.print(
        "Client: "
        + escape(f"./dev client --url {gw} --api-key {operator} case list   (or `batch template`, `overdue`, --help)"),
        soft_wrap=True,
    )
    console.print(
        "        " + escape(f"export HOTLINE_CLIENT_URL={gw} HOTLINE_CLIENT_API_KEY={station}; ./dev client batch -h"),
        soft_wrap=True,
    )
    console.print("Press Ctrl-C to stop everything.")


class _Terminate(Exception):
    """SIGTERM/SIGHUP: leave the wait loop the same way Ctrl-C does."""


def _raise_terminate(signum: int, _frame: FrameType | None) -> None:
    raise _Terminate(signal.Signals(signum).name)


def _emergency_kill(stack: Stack) -> None:
    procs = list(stack.processes.values())
    if stack.redis is not None:
        procs.append(stack.redis.process)
    for p in procs:
        p.signal(signal.SIGKILL)


@app.command()
def up(
    data_dir: DataDir = Path(".data"),
    port_base: PortBase = DEFAULT_PORT_BASE,
    redis_port: Annotated[int | None, typer.Option(help="Port of the embedded Valkey (default BASE+9).")] = None,
    redis_url: RedisUrl = None,
    postgres_url: PostgresUrl = None,
    db_prefix: DbPrefix = "hotline",
    reset: Annotated[bool, typer.Option("--reset", help="Wipe the data folder first: a fresh, empty stack.")] = False,
    demo: Annotated[bool, typer.Option(help="Load demo data (units, routing rules, sample cases).")] = True,
    clock_offset: Annotated[
        str, typer.Option(help="Demo time travel: shift every service's clock, e.g. 3d, -2h, 3600.")
    ] = "0",
    api_keys_file: Annotated[
        Path | None, typer.Option(envvar="HOTLINE_API_KEYS_FILE", help="Default: demo/api_keys.yaml.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Echo every log line, not just warnings.")] = False,
    log_json: Annotated[bool, typer.Option(help="JSON log lines (as in production).")] = False,
    ready_timeout: Annotated[float, typer.Option(help="Seconds to wait for every /readyz.")] = 120.0,
    replicas: Annotated[
        int | None,
        typer.Option(
            "--replicas",
            min=1,
            help="Copies of every API and every worker (the APIs behind a local round-robin balancer).",
        ),
    ] = None,
    api_replicas: Annotated[
        int | None, typer.Option("--api-replicas", min=1, help="Copies of every API; default --replicas or 1.")
    ] = None,
    worker_replicas: Annotated[
        int | None, typer.Option("--worker-replicas", min=1, help="Copies of every worker; default --replicas or 1.")
    ] = None,
) -> None:
    """Start Valkey, migrate and seed every service, run the 4 APIs and 3 workers until Ctrl-C."""
    try:
        cfg = build_config(
            data_dir=data_dir,
            port_base=port_base,
            redis_port=redis_port,
            redis_url=redis_url,
            postgres_url=postgres_url,
            clock_offset=parse_duration(clock_offset),
            api_keys_file=api_keys_file,
            log_json=log_json,
            db_prefix=db_prefix,
            api_replicas=api_replicas or replicas or 1,
            worker_replicas=worker_replicas or replicas or 1,
        )
    except (StackError, KeysFileError, ValueError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None

    stack = Stack(cfg, reporter=say)
    previous = {s: signal.signal(s, _raise_terminate) for s in (signal.SIGTERM, signal.SIGHUP)}
    # A shell starts background jobs with SIGINT ignored, and Python keeps it that way; `kill -INT`
    # (what Ctrl-C sends) must still stop the stack.
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    logs = LogSummary(
        lambda: [(n, cfg.logs_dir / f"{n}.log") for n in (*stack.process_names, "redis")],
        print_log_line,
        verbose=verbose,
    )
    exit_code = 0
    try:
        say(f"starting the hotline stack in {cfg.data_dir}")
        stack.prepare(reset=reset)
        if postgres_url:
            for svc in SERVICES:
                name = f"{db_prefix}_{svc}"
                if reset:
                    drop_database(postgres_url, name)
                if ensure_database(postgres_url, name):
                    say(f"created database {name}")
        if reset and redis_url:
            say("note: --reset does not touch an external Redis (--redis-url)")
        logs.start()
        stack.start(demo=demo, ready_timeout=ready_timeout)
        print_banner(stack)
        supervisor = Supervisor(stack, say)
        while True:
            time.sleep(0.5)
            supervisor.tick()
    except (KeyboardInterrupt, _Terminate) as exc:
        say(f"{'Ctrl-C' if isinstance(exc, KeyboardInterrupt) else exc}: stopping")
    except (StackError, KeysFileError, ValueError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        exit_code = 1
    finally:
        try:
            stack.stop()
        except (KeyboardInterrupt, _Terminate):
            _emergency_kill(stack)
        logs.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    if exit_code == 0:
        say("stopped")
    raise typer.Exit(exit_code)


def _setup_only(
    *,
    data_dir: Path,
    postgres_url: str | None,
    db_prefix: str,
    services: list[str] | None,
    seed: bool,
    demo: bool,
) -> None:
    unknown = set(services or []) - set(SERVICES)
    if unknown:
        raise typer.BadParameter(f"unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}")
    cfg = build_config(data_dir=data_dir, postgres_url=postgres_url, db_prefix=db_prefix)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    if postgres_url:
        for svc in services or SERVICES:
            ensure_database(postgres_url, f"{db_prefix}_{svc}")
    stack = Stack(cfg, reporter=say)
    try:
        stack.migrate(seed=seed, demo=demo, services=services or SERVICES)
    except StackError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    finally:
        stack.spawner.close()


@app.command()
def migrate(
    data_dir: DataDir = Path(".data"),
    postgres_url: PostgresUrl = None,
    db_prefix: DbPrefix = "hotline",
    service: Annotated[list[str] | None, typer.Option("--service", "-s", help="Only these services.")] = None,
) -> None:
    """Apply every service's database migrations (idempotent)."""
    _setup_only(
        data_dir=data_dir, postgres_url=postgres_url, db_prefix=db_prefix, services=service, seed=False, demo=False
    )


@app.command()
def seed(
    data_dir: DataDir = Path(".data"),
    postgres_url: PostgresUrl = None,
    db_prefix: DbPrefix = "hotline",
    demo: Annotated[bool, typer.Option(help="Also load demo data.")] = True,
    service: Annotated[list[str] | None, typer.Option("--service", "-s", help="Only these services.")] = None,
) -> None:
    """Migrate, then load reference (and demo) data into every service (idempotent)."""
    _setup_only(
        data_dir=data_dir, postgres_url=postgres_url, db_prefix=db_prefix, services=service, seed=True, demo=demo
    )


@app.command()
def status(data_dir: DataDir = Path(".data")) -> None:
    """Is the stack in this data folder running, and is every part of it ready?"""
    state_file = data_dir.resolve() / "stack.json"
    try:
        state: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        console.print(f"not running: no stack state in {data_dir.resolve()} (start it with `hotline up`)")
        raise typer.Exit(1) from None
    if not pid_alive(state.get("pid")):
        console.print(f"not running: `hotline up` (pid {state.get('pid')}) is gone; its state file is stale")
        raise typer.Exit(1)
    table = Table(title=f"hotline stack (supervisor pid {state['pid']}, data {state['data_dir']})")
    table.add_column("process")
    table.add_column("pid")
    table.add_column("state")
    table.add_column("url")
    healthy = True
    for name, pid in state["processes"].items():
        alive = pid_alive(pid)
        is_api = name != "redis" and parse_name(name)[1] == "api"
        url = ""
        if is_api:
            url = state.get("replica_urls", {}).get(name) or state["urls"].get(parse_name(name)[0], "")
        if name == "redis":
            url = state["redis_url"]
        verdict = "running" if alive else "DOWN"
        if alive and is_api:
            try:
                r = httpx.get(f"{url}/readyz", timeout=3)
                verdict = "ready" if r.status_code == 200 else f"not ready ({r.status_code}): {r.text[:80]}"
            except httpx.HTTPError as exc:
                verdict = f"not answering ({type(exc).__name__})"
        elif alive and name == "redis":
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                verdict = "ready" if client.ping() else "not answering"
            except redis.exceptions.RedisError as exc:
                verdict = f"not answering ({type(exc).__name__})"
            finally:
                client.close()
        healthy = healthy and verdict in ("ready", "running")
        style = "green" if verdict in ("ready", "running") else "red"
        table.add_row(name, str(pid), f"[{style}]{escape(verdict)}[/{style}]", url)
    console.print(table)
    console.print(f"Gateway: {state['gateway_url']}  (docs: {state['gateway_url']}/docs)")
    if not healthy:
        raise typer.Exit(1)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    no_args_is_help=True,
)
def manage(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="intake, dispatch, feedback or gateway")],
    data_dir: DataDir = Path(".data"),
    port_base: PortBase = DEFAULT_PORT_BASE,
    redis_url: RedisUrl = None,
    postgres_url: PostgresUrl = None,
    db_prefix: DbPrefix = "hotline",
) -> None:
    """Run `python -m SERVICE.manage ARGS...` with the stack's settings, e.g.
    `hotline manage dispatch dlq list` (options for hotline itself go before SERVICE)."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
    cfg = build_config(
        data_dir=data_dir, port_base=port_base, redis_url=redis_url, postgres_url=postgres_url, db_prefix=db_prefix
    )
    with contextlib.suppress(OSError, ValueError, KeyError):
        # A running stack knows its Redis (it may have been started with another --port-base).
        state = json.loads(cfg.state_file.read_text(encoding="utf-8"))
        if not redis_url:
            cfg = build_config(
                data_dir=data_dir,
                port_base=port_base,
                redis_url=state["redis_url"],
                postgres_url=postgres_url,
                db_prefix=db_prefix,
            )
    raise typer.Exit(_run_manage(cfg, service, ctx.args))


def _run_manage(cfg: StackConfig, service: str, args: list[str]) -> int:
    argv = [cfg.python or sys.executable, "-m", f"{service}.manage", *args]
    return subprocess.call(argv, env=cfg.child_env())


@app.command()
def replay(
    service: Annotated[
        str, typer.Option("--service", help="The producer whose events go out again: intake, dispatch or feedback")
    ],
    since: Annotated[
        str, typer.Option("--since", help="A time (2026-11-23T09:30, Asia/Shanghai) or a span ago (90m, 2h)")
    ],
    data_dir: DataDir = Path(".data"),
    port_base: PortBase = DEFAULT_PORT_BASE,
    postgres_url: PostgresUrl = None,
    db_prefix: DbPrefix = "hotline",
) -> None:
    """Publish again every event SERVICE wrote since T (after Redis lost data; see docs/runbook.md).

    Consumers skip events they already handled, so a generous T is safe.
    """
    if service not in WORKER_SERVICES:
        raise typer.BadParameter(
            f"{service!r} publishes no events; one of {', '.join(WORKER_SERVICES)}", param_hint="--service"
        )
    cfg = build_config(
        data_dir=data_dir, port_base=port_base, redis_url=None, postgres_url=postgres_url, db_prefix=db_prefix
    )
    raise typer.Exit(_run_manage(cfg, service, ["outbox", "replay", "--since", since]))


@app.command()
def keys(
    api_keys_file: Annotated[
        Path | None, typer.Option(envvar="HOTLINE_API_KEYS_FILE", help="Default: demo/api_keys.yaml.")
    ] = None,
) -> None:
    """Print the demo API keys."""
    from .keys import load_keys

    try:
        console.print(keys_table(load_keys((api_keys_file or default_keys_file()).resolve())))
    except KeysFileError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
