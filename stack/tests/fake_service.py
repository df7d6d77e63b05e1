"""Stands in for `python -m <service>.manage ...` so the Stack's supervision can be tested on its own.

Usage (through a wrapper that plays the interpreter): fake_service.py -m intake.manage serve --host H --port P
Behaviour knobs come from env vars: FAKE_FAIL=<svc>:<command>, FAKE_READY_AFTER=<seconds>,
FAKE_IGNORE_SIGTERM=<process-name>, FAKE_MARKERS=<dir> (migrate/seed leave a file there).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    assert args[0] == "-m", args
    service = args[1].split(".")[0]
    command = args[2]
    rest = args[3:]
    if os.environ.get("FAKE_FAIL") == f"{service}:{command}":
        print(f"{service}: {command} failed on purpose", flush=True)
        return 3
    markers = os.environ.get("FAKE_MARKERS")
    if command in ("migrate", "seed"):
        if markers:
            Path(markers, f"{service}.{command}{'.demo' if '--demo' in rest else ''}").write_text(
                os.environ[f"{service.upper()}_DATABASE_URL"]
            )
        print(f"{service}: {command} done", flush=True)
        return 0
    name = f"{service}-{'api' if command == 'serve' else 'worker'}"
    if os.environ.get("FAKE_IGNORE_SIGTERM") == name:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.environ.get("FAKE_SPAWN_GRANDCHILD") == name:
        import subprocess

        child = subprocess.Popen(["sleep", "300"])
        Path(os.environ["FAKE_MARKERS"], f"{name}.grandchild").write_text(str(child.pid))
    if command == "worker":
        print(f"{service} worker running", flush=True)
        while True:
            time.sleep(1)
    assert command == "serve"
    port = int(rest[rest.index("--port") + 1])
    host = rest[rest.index("--host") + 1]
    started = time.monotonic()
    ready_after = float(os.environ.get("FAKE_READY_AFTER", "0"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/readyz" and time.monotonic() - started < ready_after:
                self.send_response(503)
                self.end_headers()
                return
            if self.path not in ("/readyz", "/healthz"):
                self.send_response(404)
                self.end_headers()
                return
            prefix = f"{service.upper()}_"
            body = json.dumps(
                {
                    "service": service,
                    "pid": os.getpid(),
                    "env": {k: v for k, v in os.environ.items() if k.startswith(prefix)},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            print(f"{service}: " + format % args, flush=True)

    server = ThreadingHTTPServer((host, port), Handler)
    if os.environ.get("FAKE_IGNORE_SIGTERM") != name:
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"WARNING: {service} fake api listening on {port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
