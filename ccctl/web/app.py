"""The FastAPI application: the API routers, the agent page, and one mapping from ccctl's typed
errors to HTTP statuses (as the CLI maps them to exit codes in one place)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from ccctl import __version__
from ccctl.errors import CcError, Conflict, Forbidden, FreeSwitchError, InvalidInput, NotFound, NotSignedIn
from ccctl.web.boards import Boards
from ccctl.web.feed import Feed
from ccctl.web.routers import agents, calls, customers, recordings, session, supervision

STATIC = Path(__file__).parent / "static"
STATUS = [(NotSignedIn, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (InvalidInput, 422)]
STATUS += [(FreeSwitchError, 502)]


def status_of(exc: CcError) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 400)


def create_app(services, *, feed: Feed | None = None) -> FastAPI:
    """The web service over SERVICES. FEED (the daemon's events) is started with the app."""
    feed = feed or Feed(services)
    boards = Boards(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        feed.start()
        yield
        feed.stop()
        boards.stop()

    app = FastAPI(
        title="ccctl",
        version=__version__,
        description="The call-center appliance's API: the operations of `ccctl`, checked by tenant and role.",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services
    csp = (
        f"default-src 'self'; connect-src 'self' wss://*:{services.settings.sip_wss_port}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    app.state.feed = feed
    app.state.boards = boards

    @app.exception_handler(CcError)
    async def _error(request: Request, exc: CcError):
        return JSONResponse({"error": exc.id, "message": exc.message}, status_code=status_of(exc))

    for r in (session, calls, customers, recordings, agents, supervision):
        app.include_router(r.router)
    app.mount("/agent", StaticFiles(directory=STATIC, html=True), name="agent")

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/agent/")

    @app.get("/supervisor/", include_in_schema=False)
    def supervisor_page():
        return FileResponse(STATIC / "supervisor.html")

    # Pages, scripts (SIP.js is most of the page's weight) and API answers go gzipped to a
    # browser that takes it; the event streams are not (GZipMiddleware leaves
    # text/event-stream alone: a pop must not wait in a compressor's buffer).
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        # Everything the pages use comes from this box: no other origin may be loaded or frame
        # them; the WebRTC phone may also open FreeSWITCH's secure WebSocket (its own port).
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
