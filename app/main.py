"""The application factory: settings, database, middleware, error handlers and routers."""

from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.accounts.router import me_router
from app.accounts.router import router as accounts_router
from app.applications.router import router as applications_router
from app.attendance.router import router as attendance_router
from app.audit_events.router import router as audit_router
from app.auth import keys
from app.auth.jwks import JwksCache
from app.auth.router import keys_router
from app.auth.router import router as auth_router
from app.change_ideas.router import router as change_ideas_router
from app.charts.router import router as charts_router
from app.clients.router import router as clients_router
from app.collaboratives.router import router as collaboratives_router
from app.config import Settings, get_settings
from app.data_points.router import router as data_points_router
from app.db import make_engine, make_sessionmaker
from app.equality.router import router as equality_router
from app.http import health
from app.http.bodies import declared_routes
from app.http.deps import known_query_only
from app.http.docs import install_docs
from app.http.idempotency import install_idempotency
from app.http.middleware import BodyGuard, CatchAll, HeadAsGet, SecurityHeaders
from app.http.openapi import build_openapi
from app.http.problems import install_problem_handlers
from app.http.ratelimit import RateLimiter
from app.imports.router import router as imports_router
from app.measures.router import router as measures_router
from app.meetings.router import router as meetings_router
from app.members.router import router as members_router
from app.memberships.router import router as memberships_router
from app.migrate import head_revision
from app.organisations.router import router as organisations_router
from app.pdsa_cycles.router import router as pdsa_cycles_router
from app.progress.router import router as progress_router
from app.rebases.router import router as rebases_router
from app.reports.router import router as reports_router
from app.survey_results.router import router as survey_results_router
from app.surveys.router import router as surveys_router
from app.teams.router import router as teams_router
from app.timeline.router import router as timeline_router
from app.workforce.router import router as workforce_router

API_PREFIX = "/api/v1"

DESCRIPTION = """\
Runs a regional NHS quality-improvement collaborative on staff wellbeing, mental health and
retention: organisations, teams and their members, shared measures and their data, and the
collaborative's meetings.

Every `/api/v1` route except `POST /api/v1/auth/token` and `POST /api/v1/auth/revoke` (OAuth 2.0,
form-encoded, with RFC 6749 errors) needs `Authorization: Bearer <token>`.
Errors are RFC 9457 `application/problem+json`. Lists are cursor-paginated
(`?limit=`, `?cursor=`). Every resource has a `version` and an `ETag`; `PATCH` and `DELETE`
need `If-Match` (428 without it, 412 when stale). JSON bodies are limited to 1 MiB.
"""

API_ROUTERS = [
    auth_router,
    organisations_router,
    collaboratives_router,
    teams_router,
    applications_router,
    memberships_router,
    members_router,
    equality_router,
    measures_router,
    data_points_router,
    rebases_router,
    meetings_router,
    attendance_router,
    progress_router,
    change_ideas_router,
    pdsa_cycles_router,
    timeline_router,
    reports_router,
    charts_router,
    surveys_router,
    survey_results_router,
    imports_router,
    workforce_router,
    me_router,
    accounts_router,
    clients_router,
    audit_router,
]


def operation_id(route: APIRoute) -> str:
    """Readable operation ids, unique across the spec: `create_team` (a test checks)."""
    return route.name


def create_app(
    settings: Settings | None = None,
    session_factory: sessionmaker[Session] | None = None,
    http_transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    """Build the app; tests pass their settings and a session factory bound to a test database."""
    settings = settings or get_settings()
    if session_factory is None:
        engine = make_engine(settings.database_url, limits=settings.database_limits())
        session_factory = make_sessionmaker(engine)
        # Kept so whoever made the app can dispose of its connections.
        app_engine: Engine | None = engine
    else:
        app_engine = None
    production = settings.env == "production"
    app = FastAPI(
        title="qi-collaborative",
        version="0.1.0",
        description=DESCRIPTION,
        generate_unique_id_function=operation_id,
        # Served by app/docs.py from a package rather than FastAPI's CDN links.
        docs_url=None,
        redoc_url=None,
        # `/teams/` is 404, not a 307 to an absolute http:// URL (wrong behind TLS termination).
        redirect_slashes=False,
        servers=[{"url": "/", "description": "This service (paths are relative to it)"}],
        license_info={"name": "MIT", "identifier": "MIT"},
        dependencies=[Depends(known_query_only)],
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory
    app.state.engine = app_engine
    app.state.chart_limiter = RateLimiter(settings.chart_requests_per_minute)
    app.state.head_revision = head_revision()
    app.state.key_store = keys.KeyStore(settings.data_dir, settings.signing_keys_check_seconds)
    app.state.trusted_issuers = {
        trusted.issuer: (trusted, JwksCache(trusted.jwks_url, trusted.algorithm, http_transport))
        for trusted in settings.trusted_issuers
    }
    install_problem_handlers(app)
    # Added first, so it sits innermost: right around the routes and their handlers.
    app.add_middleware(CatchAll)
    # Around CatchAll, so a request that ended in a 500 releases its Idempotency-Key.
    install_idempotency(app)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_json_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Retry-After", "Idempotent-Replayed"],
        )
    if settings.forwarded_allow_ips:
        # Outermost, so everything after it (sign-in limits, the audit trail) sees the client
        # address a trusted proxy reports; anyone else's X-Forwarded-For is ignored.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    if not production:
        install_docs(app, app.openapi_url or "/openapi.json")
    app.include_router(health.router)
    app.include_router(keys_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    # A route whose dependencies declare two different bodies fails here, not on a request.
    declared_routes(app.routes)
    app.openapi = lambda: _cached_openapi(app)  # type: ignore[method-assign]
    return app


def _cached_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        app.openapi_schema = build_openapi(app)
    return app.openapi_schema
