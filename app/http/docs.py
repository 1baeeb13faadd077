"""The interactive docs, /docs and /redoc, with their scripts served from an installed package."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# fastapi-offline ships Swagger UI 5 (which renders OpenAPI 3.1) and ReDoc 2 as static files:
# the docs then load nothing from a CDN, so they work on networks that block the internet.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
# Under /docs, so the docs' own Content-Security-Policy covers them (app/http/middleware.py).
ASSETS_URL = f"{DOCS_URL}/assets"
OAUTH2_REDIRECT_URL = f"{DOCS_URL}/oauth2-redirect"


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve /docs and /redoc, and the files they load, from this server only."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    favicon = f"{ASSETS_URL}/favicon.png"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=favicon,
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
