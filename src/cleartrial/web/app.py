"""The FastAPI application: pages, their JSON twins and the versioned API.

``create_app(db_path)`` builds it; ``cleartrial serve`` runs it under uvicorn. Pages are
server-rendered and work without JavaScript; htmx (vendored, ``static/htmx.min.js``) only
makes the search form update results in place.

Privacy shapes a few choices here:

* uvicorn's access log is off (it would write every query string: a person's location, age,
  condition). :class:`_PrivacyLog` logs method, path without query, status and time.
* No cookies, no third-party anything: the Content-Security-Policy allows only this origin.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import InvalidQuery, UnknownPlace
from ..store import Store

log = logging.getLogger("cleartrial.web")

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATE_DIR = Path(__file__).parent / "templates"

# Everything from this origin only; no inline scripts or styles (the SVG map and charts use
# presentation attributes, which CSP does not treat as inline style).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _Stores:
    """One read-only SQLite connection per server thread.

    FastAPI runs plain ``def`` handlers in a thread pool; a connection per thread keeps
    reads concurrent (WAL) without sharing a cursor between threads.
    """

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.path, readonly=True)
        return store


class _PrivacyLog:
    """Security headers on every response, and an access log without query strings."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] not in dict(_SECURITY_HEADERS)]
                message["headers"] = headers + _SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # scope["path"] never includes the query string; that is the point.
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000)


def create_app(db_path: str | Path) -> FastAPI:
    db_path = str(db_path)
    if db_path != ":memory:" and not Path(db_path).exists():
        raise FileNotFoundError(db_path)
    # Open once read-write so that an older database is migrated before readers arrive.
    Store(db_path).close()

    app = FastAPI(
        title="cleartrial",
        version=__version__,
        description=(
            "Find clinical trials and understand them. Every page has a JSON twin "
            "(`/search.json`, `/trials/{nct_id}.json`, `/about.json`); `/api/v1/` is the "
            "versioned API. Nothing a person sends is stored. Errors are JSON: "
            '`{"error": {"status": 400, "message": "..."}}`.'
        ),
        docs_url=None,  # the interactive docs page loads scripts from a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.stores = _Stores(db_path)
    app.add_middleware(_PrivacyLog)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from . import api, drug_routes, pages  # noqa: E402  (routes need the app's state helpers)

    app.include_router(api.router)
    app.include_router(pages.router)
    drug_routes.install(app)  # drug safety: FDA service, section, its twin, /api/v1/drugs
    _install_error_handlers(app)
    return app


def wants_json(request: Request) -> bool:
    p = request.url.path
    return p.startswith("/api/") or p.endswith(".json")


def json_error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, **extra}}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    from .pages import error_page

    @app.exception_handler(InvalidQuery)
    @app.exception_handler(UnknownPlace)
    async def _bad_query(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return json_error(400, str(exc))
        return error_page(request, 400, "We could not run that search", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message = "; ".join(_describe_validation(e) for e in exc.errors()) or "The request is not valid."
        if wants_json(request):
            return json_error(422, message)
        return error_page(request, 400, "Something in the address is not right", message)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # Runs in Starlette's outermost middleware, which re-raises the exception afterwards
        # so the server still logs the traceback. A JSON client gets the documented error
        # shape rather than a text/plain body it cannot parse; pages keep Starlette's answer.
        if wants_json(request):
            return json_error(500, "Something went wrong on our side. Please try again later.")
        return PlainTextResponse("Internal Server Error", status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        if exc.status_code == 405:
            message = "This address does not accept that kind of request."
        if wants_json(request):
            return json_error(exc.status_code, message)
        title = "Page not found" if exc.status_code == 404 else "Something went wrong"
        return error_page(request, exc.status_code, title, message, headers=getattr(exc, "headers", None))


def _describe_validation(err: dict) -> str:
    """ "The query parameter near: String should have at most 200 characters" (FastAPI says
    only "String should have…"; the message must say which value to change)."""
    loc = [str(p) for p in err.get("loc", ())]
    kinds = {"path": "The address part", "query": "The query parameter", "header": "The header"}
    kind = kinds.get(loc[0]) if loc else None
    name = ".".join(loc[1:]) or "request"
    msg = err.get("msg") or "is not valid"
    return f"{kind} {name}: {msg}" if kind else f"{name}: {msg}"
