"""The whole embedded stack as one object: Valkey, migrations, seeds, 4 APIs and 3 workers.

Used by `hotline up` and by the cross-service tests, so both exercise exactly the same startup.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
from hotline_shared.ports import free_ports, port_in_use
from sqlalchemy.engine import make_url

from .balancer import Balancer, Pool
from .config import SERVICES, WORKER_SERVICES, StackConfig
from .keys import ApiKey, load_keys
from .processes import ManagedProcess, Spawner, rotate_log, run_once, stop_all
from .redis_server import ValkeyServer, wait_for_redis

Reporter = Callable[[str], None]


class StackError(RuntimeError):
    """The stack could not do what was asked; the message says what to look at."""


def api_name(service: str, replica: int = 1) -> str:
    return f"{service}-api" if replica == 1 else f"{service}-api-{replica}"


def worker_name(service: str, replica: int = 1) -> str:
    return f"{service}-worker" if replica == 1 else f"{service}-worker-{replica}"


CONSOLE = "console"


def parse_name(name: str) -> tuple[str, str, int]:
    """`intake-api` -> (intake, api, 1); `dispatch-worker-2` -> (dispatch, worker, 2)."""
    service, kind, *rest = name.split("-")
    return service, kind, int(rest[0]) if rest else 1


def process_names(api_replicas: int = 1, worker_replicas: int = 1) -> tuple[str, ...]:
    """Every process of a stack; replica 1 keeps the plain name, so one copy of each looks as it always did.

    The console runs once whatever the replica count: its sessions live in Redis and it serves desks,
    not the case load.
    """
    apis = [api_name(s, i) for s in SERVICES for i in range(1, api_replicas + 1)]
    workers = [worker_name(s, i) for s in WORKER_SERVICES for i in range(1, worker_replicas + 1)]
    return (*apis, *workers, api_name(CONSOLE))


PROCESS_NAMES = process_names()


def wipe_data_dir(data_dir: Path) -> None:
    """Delete what the stack keeps in `data_dir`, except the lock file (its holder is the caller).

    Refuses a folder holding anything the stack did not create, so a mistyped --data-dir cannot
    wipe someone's home.
    """
    data_dir = data_dir.resolve()
    if not data_dir.exists():
        return
    ours = {"logs", "redis", "identity_secret", "stack.json", "stack.tmp", "stack.lock"}
    foreign = sorted(
        p.name
        for p in data_dir.iterdir()
        if p.name not in ours and not p.name.endswith((".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal"))
    )
    if foreign:
        raise StackError(
            f"refusing to wipe {data_dir}: it holds files the stack did not create "
            f"({', '.join(foreign[:5])}); remove them yourself or pick another --data-dir"
        )
    for entry in data_dir.iterdir():
        if entry.name == "stack.lock":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


class Stack:
    def __init__(self, config: StackConfig, *, reporter: Reporter | None = None) -> None:
        self.config = config
        self.report: Reporter = reporter or (lambda _msg: None)
        self.redis: ValkeyServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self._spawner: Spawner | None = None
        self._lock: IO[str] | None = None
        self._clock_offset = config.clock_offset_seconds
        self._keys: list[ApiKey] | None = None
        self._prepared = False
        self.started = False
        # With --api-replicas > 1: each replica's own port, and the balancer on the service's port.
        self.replica_ports: dict[str, int] = {}
        self.balancer: Balancer | None = None

    @property
    def process_names(self) -> tuple[str, ...]:
        return process_names(self.config.api_replicas, self.config.worker_replicas)

    def replicas(self, service: str, kind: str = "api") -> list[str]:
        """The names of a service's running copies, e.g. `replicas("intake", "worker")`."""
        return [n for n in self.process_names if parse_name(n)[:2] == (service, kind)]

    def process_url(self, name: str) -> str:
        """Where one API process listens: its own port behind the balancer, or the service's port."""
        service = parse_name(name)[0]
        if name in self.replica_ports:
            return f"http://{self.config.host}:{self.replica_ports[name]}"
        return self.config.url(service)

    # -- what the stack offers -------------------------------------------------------------
    @property
    def urls(self) -> dict[str, str]:
        return {svc: self.config.url(svc) for svc in SERVICES}

    @property
    def gateway_url(self) -> str:
        return self.config.url("gateway")

    @property
    def console_url(self) -> str:
        """The console as people reach it: through the gateway."""
        return f"{self.gateway_url}/console/"

    @property
    def redis_url(self) -> str:
        return self.config.effective_redis_url()

    @property
    def identity_secret(self) -> str:
        return self.config.identity_secret()

    @property
    def clock_offset_seconds(self) -> float:
        return self._clock_offset

    @property
    def api_keys(self) -> list[ApiKey]:
        if self._keys is None:
            self._keys = load_keys(self.config.api_keys_file)
        return self._keys

    def api_key(self, role_or_name: str) -> str:
        """The first demo key with that role (`"unit"`), or the key of that exact name."""
        for k in self.api_keys:
            if role_or_name in (k.name, k.role):
                return k.key
        raise KeyError(f"no demo API key with role or name {role_or_name!r}")

    def auth(self, role_or_name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key(role_or_name)}"}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(
        self, *, migrate: bool = True, seed: bool = True, demo: bool = True, ready_timeout: float = 120.0
    ) -> None:
        """Everything `hotline up` does before it waits for Ctrl-C. Stops what it started on failure."""
        try:
            self.prepare()
            self.start_redis()
            if migrate:
                self.migrate(seed=seed, demo=demo)
            self.start_processes()
            self.start_balancer()
            self.wait_ready(timeout=ready_timeout)
            self.started = True
            self.write_state()
        except BaseException:
            self.stop()
            raise

    def prepare(self, *, reset: bool = False) -> None:
        """Take the data folder (lock), optionally wipe it, check keys and ports, rotate logs."""
        if self._prepared:
            return
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        if reset:
            wipe_data_dir(cfg.data_dir)
            self.report(f"wiped {cfg.data_dir}")
        cfg.logs_dir.mkdir(exist_ok=True)
        self.api_keys  # noqa: B018 - fail now, before anything starts, if the keys file is broken
        cfg.identity_secret()
        busy = [
            f"{port} ({name})"
            for name, port in self._listening_ports().items()
            if port_in_use(cfg.host if name != "redis" else "127.0.0.1", port)
        ]
        if busy:
            raise StackError(
                f"port(s) already in use: {', '.join(busy)}. Stop whatever holds them, or move the "
                "stack with --port-base."
            )
        for name in (*self.process_names, "redis"):
            rotate_log(cfg.logs_dir / f"{name}.log")
        if cfg.api_replicas > 1 and not self.replica_ports:
            apis = [n for n in self.process_names if parse_name(n)[1] == "api" and parse_name(n)[0] != CONSOLE]
            self.replica_ports = dict(zip(apis, free_ports(len(apis)), strict=True))
        if self._spawner is None:
            self._spawner = Spawner()
        self._prepared = True

    def _listening_ports(self) -> dict[str, int]:
        ports = {api_name(s): self.config.ports.of(s) for s in (*SERVICES, CONSOLE)}
        if self.config.redis_url is None:
            ports["redis"] = self.config.ports.redis
        return ports

    def _acquire_lock(self) -> None:
        if self._lock is not None:
            return
        f = self.config.lock_file.open("a+", encoding="utf-8")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            f.close()
            raise StackError(
                f"another hotline stack (pid {holder}) is using {self.config.data_dir}; "
                "stop it first or use another --data-dir"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._lock = f

    def _release_lock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    @property
    def spawner(self) -> Spawner:
        if self._spawner is None:
            self._spawner = Spawner()
        return self._spawner

    def start_redis(self, timeout: float = 30.0) -> None:
        if self.config.redis_url is not None:
            self.report(f"using Redis at {self.config.redis_url}")
            wait_for_redis(self.config.redis_url, timeout=timeout)
            return
        log = self.config.logs_dir / "redis.log"
        self.redis = ValkeyServer(
            data_dir=self.config.redis_dir, port=self.config.ports.redis, log_path=log, spawner=self.spawner
        )
        self.report(f"starting Valkey on port {self.config.ports.redis} (data in {self.config.redis_dir})")
        self.redis.start(timeout=timeout)

    def _manage(self, service: str, *args: str) -> list[str]:
        return [self.config.python or sys.executable, "-m", f"{service}.manage", *args]

    def migrate(self, *, seed: bool = True, demo: bool = True, services: Sequence[str] = SERVICES) -> None:
        """`migrate` then `seed [--demo]` for each service, the services in parallel."""
        env = self.config.child_env(clock_offset=self._clock_offset)
        logs = self.config.logs_dir
        logs.mkdir(parents=True, exist_ok=True)

        def one(service: str) -> None:
            steps: list[tuple[str, ...]] = [("migrate",)]
            if seed:
                steps.append(("seed", "--demo") if demo else ("seed",))
            for step in steps:
                code, out = run_once(
                    self._manage(service, *step), env=env, log_path=logs / f"{service}-setup.log", spawner=self.spawner
                )
                if code != 0:
                    tail = "\n".join(out.strip().splitlines()[-15:])
                    raise StackError(f"{service}: `{' '.join(step)}` failed (exit {code}):\n{tail}")
                summary = out.strip().splitlines()[-1] if out.strip() else f"{service}: {step[0]} done"
                self.report(summary)

        with ThreadPoolExecutor(max_workers=len(services)) as pool:
            futures = [pool.submit(one, svc) for svc in services]
            errors = [str(f.exception()) for f in futures if f.exception() is not None]
        if errors:
            raise StackError("\n".join(errors))

    def _process(self, name: str) -> ManagedProcess:
        if name not in self.processes:
            service, kind, _replica = parse_name(name)
            if kind == "api":
                port = self.replica_ports.get(name, self.config.ports.of(service))
                argv = self._manage(service, "serve", "--host", self.config.host, "--port", str(port))
            else:
                argv = self._manage(service, "worker")
            self.processes[name] = ManagedProcess(
                name,
                argv,
                env=self.config.child_env(clock_offset=self._clock_offset),
                log_path=self.config.logs_dir / f"{name}.log",
                spawner=self.spawner,
            )
        return self.processes[name]

    def start_processes(self, names: Iterable[str] | None = None) -> None:
        names = list(self.process_names if names is None else names)
        for name in names:
            self._process(name).start()
        self.report("started " + ", ".join(f"{n} (pid {self.processes[n].pid})" for n in names))

    def start_balancer(self) -> None:
        """With API replicas: one round-robin pool per service on the service's own port."""
        if not self.replica_ports or self.balancer is not None:
            return
        host = self.config.host
        pools = [
            Pool(
                name=svc,
                listen=(host, self.config.ports.of(svc)),
                upstreams=[(host, self.replica_ports[n]) for n in self.replicas(svc, "api")],
            )
            for svc in SERVICES
        ]
        self.balancer = Balancer(pools)
        self.balancer.start()
        self.report(
            f"local balancer: {self.config.api_replicas} replicas of each API behind "
            + ", ".join(f"{p.name} :{p.listen[1]}" for p in pools)
        )

    def ready(self, service: str, timeout: float = 2.0) -> tuple[bool, str]:
        """Whether `/readyz` answers 200, and what it said: a service (on its port) or one API process."""
        url = self.process_url(service) if service in self.processes else self.config.url(service)
        try:
            r = httpx.get(f"{url}/readyz", timeout=timeout)
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        return r.status_code == 200, r.text[:300]

    def wait_ready(self, names: Iterable[str] | None = None, timeout: float = 120.0) -> None:
        """Wait until every API answers `/readyz` 200 and every worker is still running."""
        names = list(names or self.processes)
        apis = [n for n in names if parse_name(n)[1] == "api"]
        pending = set(apis)
        deadline = time.monotonic() + timeout
        next_note = time.monotonic() + 15
        last: dict[str, str] = {}
        while pending:
            for name in sorted(pending):
                proc = self.processes[name]
                if not proc.alive():
                    raise StackError(self._died_message(proc))
                ok, detail = self.ready(name if name in self.replica_ports else parse_name(name)[0])
                last[name] = detail
                if ok:
                    pending.discard(name)
            if not pending:
                break
            now = time.monotonic()
            if now >= next_note:
                waited = now - (deadline - timeout)
                self.report(f"waiting for {', '.join(sorted(pending))} to be ready ({waited:.0f}s)")
                next_note = now + 15
            if now > deadline:
                detail = "; ".join(f"{n}: {last.get(n, '?')}" for n in sorted(pending))
                raise StackError(
                    f"not ready after {timeout:.0f}s: {detail}. Logs: {self.config.logs_dir}\n"
                    + "\n".join(f"--- {n}\n{self.processes[n].tail(10)}" for n in sorted(pending))
                )
            time.sleep(0.2)
        for name in names:
            if not self.processes[name].alive():
                raise StackError(self._died_message(self.processes[name]))

    @staticmethod
    def _died_message(proc: ManagedProcess) -> str:
        return f"{proc.name} exited with code {proc.exit_code()}; last lines of {proc.log_path}:\n{proc.tail(20)}"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop in dependency order: gateway, service APIs, workers, then Redis."""
        stages = [
            [*self.replicas("gateway"), api_name(CONSOLE)],
            [n for s in WORKER_SERVICES for n in self.replicas(s, "api")],
            [n for s in WORKER_SERVICES for n in self.replicas(s, "worker")],
        ]
        for stage in stages:
            procs = [self.processes[n] for n in stage if n in self.processes]
            if procs:
                stop_all(procs, timeout=timeout)
        if self.balancer is not None:
            self.balancer.stop()
            self.balancer = None
        if self.redis is not None:
            self.redis.stop(timeout=timeout)
        # Only now: the spawner thread's exit would SIGTERM every child (PR_SET_PDEATHSIG).
        if self._spawner is not None:
            self._spawner.close()
            self._spawner = None
        self.started = False
        self._prepared = False
        if self._lock is not None:  # the state file is ours only while we hold the lock
            with contextlib.suppress(OSError):
                self.config.state_file.unlink()
        self._release_lock()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- faults and maintenance (tests, demos) -----------------------------------------------------
    def _expand(self, name: str) -> list[str]:
        if name in self.processes:
            return [name]
        if name in SERVICES:
            return [n for n in self.process_names if parse_name(n)[0] == name and n in self.processes]
        raise KeyError(f"unknown process {name!r}; known: {', '.join(sorted(self.processes))}, redis")

    def kill(self, name: str) -> None:
        """SIGKILL a process as a crash would: `intake-api`, `intake-worker`, `intake` (both) or `redis`."""
        if name == "redis":
            if self.redis is None:
                raise StackError("Redis is external; the stack cannot kill it")
            self.redis.kill()
            return
        for n in self._expand(name):
            self.processes[n].kill()
        self.write_state()

    def restart(self, name: str, *, timeout: float = 60.0) -> None:
        """Stop (gracefully) and start again, then wait until ready. Also revives a killed process."""
        if name == "redis":
            self.redis_restart(kill=False)
            return
        names = self._expand(name)
        for n in names:
            proc = self.processes[n]
            proc.env = self.config.child_env(clock_offset=self._clock_offset)
            proc.restart()
        self.wait_ready(names, timeout=timeout)
        self.write_state()

    def redis_restart(self, *, kill: bool = True, down_for: float = 0.0, wipe: bool = False) -> None:
        """Crash (or stop) the embedded Valkey and bring it back on the same port with its data
        (or, with `wipe`, without it)."""
        if self.redis is None:
            raise StackError("Redis is external; the stack cannot restart it")
        self.redis.restart(kill=kill, down_for=down_for, wipe=wipe)
        self.write_state()

    def dead(self) -> list[ManagedProcess]:
        """Processes that were started and have exited since."""
        procs = list(self.processes.values())
        if self.redis is not None:
            procs.append(self.redis.process)
        return [p for p in procs if p.proc is not None and not p.alive()]

    def ensure_running(self, timeout: float = 60.0) -> None:
        """Revive anything killed (Redis first) and wait until the whole stack is ready again."""
        if self.redis is not None and not self.redis.process.alive():
            self.redis.start()
        revived = [p.name for p in self.dead() if p.name != "redis"]
        for n in revived:
            self.processes[n].restarts += 1
            self.processes[n].start()
        self.wait_ready(timeout=timeout)
        if revived:
            self.write_state()

    def set_clock_offset(self, seconds: float, *, timeout: float = 60.0) -> None:
        """Demo time travel: restart every service with `<P>_CLOCK_OFFSET_SECONDS` = seconds."""
        self._clock_offset = float(seconds)
        for proc in self.processes.values():
            proc.env = self.config.child_env(clock_offset=self._clock_offset)
        stop_all(list(self.processes.values()))
        for proc in self.processes.values():
            proc.start()
        self.wait_ready(timeout=timeout)
        self.write_state()

    # -- state for `hotline status` ------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        procs = {n: p.pid for n, p in self.processes.items()}
        if self.redis is not None:
            procs["redis"] = self.redis.process.pid
        return {
            "pid": os.getpid(),
            "data_dir": str(self.config.data_dir),
            "gateway_url": self.gateway_url,
            "console_url": self.console_url,
            # `hotline status` checks every API process, the console included, at its own address.
            "urls": {**self.urls, CONSOLE: self.config.url(CONSOLE)},
            "redis_url": self.redis_url,
            "embedded_redis": self.redis is not None,
            "databases": {
                s: make_url(self.config.database_url(s)).render_as_string(hide_password=True) for s in SERVICES
            },
            "clock_offset_seconds": self._clock_offset,
            "processes": procs,
            "replica_urls": {n: self.process_url(n) for n in self.replica_ports},
            "api_keys_file": str(self.config.api_keys_file),
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def write_state(self) -> None:
        if not self.config.data_dir.exists():
            return
        tmp = self.config.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state(), indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.config.state_file)
