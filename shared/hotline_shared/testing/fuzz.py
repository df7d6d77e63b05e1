"""OpenAPI fuzzing support: fuzzed cases grounded in the seeded database.

Schemathesis alone invents every id, so nearly all requests end in 404 or "unknown code" and
the code behind them is never reached. Grounding swaps some generated values for real ones
(a case number that exists, a topic from the catalogue, a consistent area chain) while the rest
of the request stays fuzzed, so both the lookups and the work after them get exercised.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

F = TypeVar("F", bound=Callable[..., Any])


RANDOM_ENV = "HOTLINE_FUZZ_RANDOM"


def fuzz_settings(env_var: str, default: int) -> Callable[[F], F]:
    """Bounded, reproducible runs: the same examples every time; more only through `env_var`.

    `HOTLINE_FUZZ_RANDOM=1` draws fresh examples each run (a hunt; hypothesis prints the seed of a
    failure so it can be replayed with `--hypothesis-seed`).
    """
    decorate: Callable[[F], F] = settings(
        max_examples=int(os.environ.get(env_var, str(default))),
        deadline=None,
        derandomize=os.environ.get(RANDOM_ENV, "") not in ("1", "true", "yes"),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    return decorate


@dataclass(frozen=True)
class Grounding:
    """What the seeded database holds, for `ground` to draw from.

    `values`: real ids and codes by the parameter or JSON field name the API uses for them.
    `bodies`: by operation label ("POST /api/v1/cases"), request bodies the service accepts.
    """

    values: Mapping[str, Sequence[Any]]
    bodies: Mapping[str, Sequence[Any]] = field(default_factory=dict)


AS_GENERATED, REAL_IDS, ONE_FUZZED_FIELD = "as generated", "real ids", "valid body, one fuzzed field"


def ground(case: Any, operation: str, grounding: Grounding, data: st.DataObject) -> str:
    """Make a generated case more realistic, in one of three ways drawn per example; returns which.

    - as generated: untouched, so the schema's whole range (and invalid input) still arrives;
    - real ids: each parameter or body field named in `grounding.values` gets, with an even
      chance, a real value (a known dict is merged into a generated one, so `location` gets a
      real area chain but keeps its fuzzed address; a generated list gets a list of real values);
    - valid body, one fuzzed field: a body the service accepts (its ids varied among the real
      ones) with one leaf of the generated body put in, and real ids in the path and query, so
      the work after validation is reached with one odd value in it.
    """
    templates = grounding.bodies.get(operation, ())
    modes = [AS_GENERATED, REAL_IDS] + ([ONE_FUZZED_FIELD] if templates and isinstance(case.body, dict) else [])
    mode = data.draw(st.sampled_from(modes), label="grounding")
    if mode == AS_GENERATED:
        return mode
    always = mode == ONE_FUZZED_FIELD
    for container in (case.path_parameters, case.query):
        if container:
            _ground(container, grounding.values, data, always=always)
    if mode == ONE_FUZZED_FIELD:
        body = copy.deepcopy(data.draw(st.sampled_from(list(templates)), label="valid body"))
        _ground(body, grounding.values, data, always=False)
        leaves = list(_leaves(case.body))
        if leaves:
            path, _ = data.draw(st.sampled_from(leaves), label="fuzzed field")
            body = _put(body, case.body, path)
        case.body = body
    elif isinstance(case.body, dict | list):
        _ground(case.body, grounding.values, data, always=False)
    return mode


def _ground(values: Any, known: Mapping[str, Sequence[Any]], data: st.DataObject, *, always: bool) -> None:
    items = list(values.items()) if isinstance(values, dict) else []
    for name, value in items:
        if name in known and (always or data.draw(st.booleans(), label=f"ground {name}")):
            values[name] = _real(value, known[name], data)
        elif isinstance(value, dict | list):
            _ground(value, known, data, always=always)
    if isinstance(values, list):
        for item in values:
            if isinstance(item, dict | list):
                _ground(item, known, data, always=always)


def _real(generated: Any, choices: Sequence[Any], data: st.DataObject) -> Any:
    pick = st.sampled_from(list(choices))
    if isinstance(generated, list):
        return data.draw(st.lists(pick, max_size=3))
    chosen = data.draw(pick)
    if isinstance(generated, dict) and isinstance(chosen, dict):
        return {**generated, **chosen}
    return chosen


Path = tuple[str | int, ...]


def _leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif path:
        yield path, value


def _put(body: Any, generated: Any, path: Path) -> Any:
    """`body` with the generated value at `path` put in; from the first step where the two differ
    in shape (a list where the template has an object), the generated subtree is taken whole."""
    if not path:
        return generated
    step, rest = path[0], path[1:]
    if isinstance(body, dict) and isinstance(step, str):
        body[step] = _put(body.get(step), generated[step], rest)
        return body
    if isinstance(body, list) and isinstance(step, int) and step < len(body):
        body[step] = _put(body[step], generated[step], rest)
        return body
    return generated


def fuzz_checks() -> list[Any]:
    """What every fuzzed answer must satisfy: no 5xx, and only the statuses and content types the
    operation declares (problem+json errors, see `hotline_shared.openapi_errors`)."""
    from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance

    return [not_a_server_error, status_code_conformance, content_type_conformance]
