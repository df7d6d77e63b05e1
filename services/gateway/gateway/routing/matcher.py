"""Find the table entry for a request: 404 for an unknown path, 405 for a known path and wrong method."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hotline_shared.errors import NotFound

from ..errors import MethodNotAllowed
from .table import ROUTES, Route

# `{name}` is one path segment; `{name:path}` the rest of the path (an app mounted under a prefix).
_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)(:path)?\}")


@dataclass(frozen=True)
class Matched:
    route: Route
    params: dict[str, str]


def _compile(template: str) -> re.Pattern[str]:
    pattern = ""
    last = 0
    for m in _PARAM.finditer(template):
        value = ".*" if m.group(2) else "[^/]+"
        pattern += re.escape(template[last : m.start()]) + f"(?P<{m.group(1)}>{value})"
        last = m.end()
    return re.compile("^" + pattern + re.escape(template[last:]) + "$")


def _specificity(route: Route) -> tuple[int, int]:
    # A literal segment beats a parameter: /calendar/deadline must not be read as /calendar/{year}.
    segments = route.path.strip("/").split("/")
    return (-sum(1 for s in segments if not s.startswith("{")), -len(segments))


class RouteMatcher:
    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        ordered = sorted(routes, key=_specificity)
        self._compiled = [(route, _compile(route.path)) for route in ordered]

    def match(self, method: str, path: str) -> Matched:
        wanted = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for route, pattern in self._compiled:
            m = pattern.match(path)
            if m is None:
                continue
            if route.method == wanted:
                return Matched(route, m.groupdict())
            allowed.append(route.method)
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            raise MethodNotAllowed(f"{method} is not allowed on {path}; allowed: {allow}.", headers={"Allow": allow})
        raise NotFound(f"No such resource: {path}. See /docs for the API.")
