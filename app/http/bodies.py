"""What request body each route takes: the declaration a route's body-reading dependency
carries, and how the body guard finds it for a request before the route runs."""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, compile_path
from starlette.types import Scope

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class BodyPolicy:
    """`media_types`: what the body may be (`type/*+suffix` matches a structured suffix), or
    None when the endpoint checks that itself. `max_bytes`: None for the app's setting.
    `streamed`: the route reads the body itself, chunk by chunk (app.http.uploads), so the
    guard neither buffers nor checks it."""

    media_types: tuple[str, ...] | None
    max_bytes: int | None = None
    streamed: bool = False

    def accepts(self, content_type: str) -> bool:
        if self.media_types is None:
            return True
        media_type = media_type_of(content_type)
        return any(_matches(media_type, pattern) for pattern in self.media_types)


# What every route takes unless its dependencies declare otherwise.
JSON_BODY = BodyPolicy(media_types=("application/json", "application/*+json"))


def media_type_of(content_type: str) -> str:
    """`text/CSV; charset=utf-8` -> `text/csv`."""
    return content_type.split(";", 1)[0].strip().lower()


def _matches(media_type: str, pattern: str) -> bool:
    kind, _, suffix = pattern.partition("/*")
    if suffix:
        return media_type.startswith(kind + "/") and media_type.endswith(suffix)
    return media_type == pattern


def _declarations(dependant: Dependant) -> list[Any]:
    call: Any = dependant.call
    found = [call] if isinstance(getattr(call, "body_policy", None), BodyPolicy) else []
    for child in dependant.dependencies:
        found.extend(_declarations(child))
    return found


# Kept on the route itself, as app.http.deps keeps its query names (tests build many apps).
_STREAMED = "_qi_streams_body"


def streams_body(route: object) -> bool:
    """Whether `route` (the request's APIRoute) takes its body through a streamed declaration
    (app.http.uploads), worked out once a route."""
    if not isinstance(route, APIRoute):
        return False
    found: bool | None = getattr(route, _STREAMED, None)
    if found is None:
        policies = (call.body_policy for call in _declarations(route.dependant))
        found = any(policy.streamed for policy in policies)
        setattr(route, _STREAMED, found)
    return found


@dataclass(frozen=True)
class DeclaredRoute:
    """An API route as the router sees it (prefixes and router dependencies included), and
    the one dependency that declares its body (an object with a `body_policy`), if any."""

    path_format: str
    path_regex: re.Pattern[str]
    methods: frozenset[str]
    declaration: Any | None

    @property
    def policy(self) -> BodyPolicy:
        return JSON_BODY if self.declaration is None else self.declaration.body_policy


def declared_routes(routes: Sequence[BaseRoute]) -> list[DeclaredRoute]:
    """Every API route, in the order the router tries them. Two different declarations on one
    route are a programming error: app.main calls this when it builds the app, so it fails
    there rather than on a request.

    It reads each route as declared (its dependant is built once, when the module defines
    it) under the prefixes it was included with. FastAPI's `iter_route_contexts` gives the
    same list, but builds every route afresh for each app: 170 ms an app, most of the
    test suite's time (tests/http/test_uploads.py checks that both lists agree)."""
    declared = []
    for path_format, route in _api_routes(routes, prefix=""):
        found = {id(call): call for call in _declarations(route.dependant)}
        if len({call.body_policy for call in found.values()}) > 1:
            raise RuntimeError(f"{path_format} declares more than one request body")
        path_regex, _, _ = compile_path(path_format)
        declared.append(
            DeclaredRoute(
                path_format=path_format,
                path_regex=path_regex,
                methods=frozenset(route.methods or ()),
                declaration=next(iter(found.values()), None),
            )
        )
    return declared


def _api_routes(routes: Sequence[BaseRoute], prefix: str) -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path_format, route
        # An included router (FastAPI >= 0.160 keeps it whole rather than copying its routes).
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(included.routes, prefix + getattr(context, "prefix", ""))


class BodyPolicies:
    """The policy of the route a request will reach, found as the router will find it (the
    first route whose path and method match), before routing: the guard runs first, so that
    a refused body never reaches an endpoint. None when no route serves the path and method:
    the router then answers 404 or 405 without reading the body, whatever it is. The routes
    are read at the first request, once the app has all of them."""

    def __init__(self) -> None:
        self._routes: list[DeclaredRoute] | None = None

    def for_request(self, scope: Scope) -> BodyPolicy | None:
        if self._routes is None:
            routes = getattr(scope.get("app"), "routes", [])
            self._routes = [
                route for route in declared_routes(routes) if route.methods & BODY_METHODS
            ]
        root_path: str = scope.get("root_path", "")
        path: str = scope["path"]
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        method = scope["method"]
        for route in self._routes:
            if method in route.methods and route.path_regex.match(path):
                return route.policy
        return None
