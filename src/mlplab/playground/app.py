"""The playground's web server: a Starlette app serving the page and a small JSON API.

Every browser tab makes up a session id (kept in its ``sessionStorage``) and talks to
``/api/session/{id}/...``. Training runs on the server, in one background task that
gives each playing session a slice of time per tick and yields to the event loop between
ticks, so polling stays responsive. Every request is validated: a bad one gets a 422
answer with ``{"error": message}``.

Endpoints
---------
``GET /``                                   the page
``GET /api/catalog``                        names and limits for the controls
``POST /api/session/{id}/config``           JSON config: create the session or apply it
``GET /api/session/{id}/state``             what the page draws (``thumbs``, ``data_version``)
``POST /api/session/{id}/control``          ``{"action": "play"|"pause"|"step"|"reset"}``
``POST /api/session/{id}/upload``           a CSV (x1, x2, label) as the request body
``GET /api/session/{id}/export/model``      the trained network in mlplab's file format
``GET /api/session/{id}/export/code``       a Python snippet rebuilding the configuration
``DELETE /api/session/{id}``                forget the session
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import _data
from .export import python_snippet, save_model
from .session import (
    HOT_FIELDS,
    MAX_BATCH,
    MAX_HIDDEN_LAYERS,
    MAX_SAMPLES,
    MAX_UNITS,
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULES,
    Config,
    ConfigError,
    TrainingSession,
    activation_names,
    initializer_names,
)

STATIC = Path(__file__).parent / "static"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_BODY = 256 * 1024  # bytes: configs are tiny, CSV uploads small


class ApiError(Exception):
    """Answered as ``{"error": message}`` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SessionManager:
    """Per-tab sessions with a cap on their number.

    Parameters
    ----------
    max_sessions : int
        At most this many sessions; a new one evicts the longest-idle session when that
        has been idle for `idle_timeout` seconds, else it is refused (503).
    idle_timeout : float
        Seconds without requests after which a session may be evicted.
    watch_timeout : float
        A playing session that nobody polled for this long is paused (a closed tab).
    """

    def __init__(
        self, max_sessions: int = 16, idle_timeout: float = 300.0, watch_timeout: float = 15.0
    ) -> None:
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.watch_timeout = watch_timeout
        self.sessions: dict[str, TrainingSession] = {}

    def get(self, sid: str) -> TrainingSession:
        """The session `sid`, marked as seen; 404 when unknown."""
        session = self.sessions.get(sid)
        if session is None:
            raise ApiError(404, f"unknown session {sid!r}: post a configuration first")
        session.last_seen = time.monotonic()
        return session

    def configure(self, sid: str, config: Config) -> TrainingSession:
        """Create session `sid` from `config`, or apply `config` to it."""
        session = self.sessions.get(sid)
        if session is not None:
            session.last_seen = time.monotonic()
            session.apply(config)
            return session
        if len(self.sessions) >= self.max_sessions:
            self._evict()
        session = TrainingSession(config)
        self.sessions[sid] = session
        return session

    def _evict(self) -> None:
        now = time.monotonic()
        sid, oldest = min(self.sessions.items(), key=lambda kv: kv[1].last_seen)
        if now - oldest.last_seen < self.idle_timeout:
            raise ApiError(
                503, f"too many open playgrounds ({self.max_sessions}): close a tab and retry"
            )
        del self.sessions[sid]

    def playing(self) -> list[TrainingSession]:
        """Sessions to train now (pausing those nobody watches)."""
        now = time.monotonic()
        out = []
        for s in self.sessions.values():
            if s.playing and now - s.last_seen > self.watch_timeout:
                s.playing = False
            elif s.playing:
                out.append(s)
        return out


async def _train_loop(manager: SessionManager, tick: float) -> None:
    """Give every playing session a share of `tick` seconds of training, then yield."""
    while True:
        playing = manager.playing()
        if not playing:
            await asyncio.sleep(0.02)
            continue
        share = tick / len(playing)
        for session in playing:
            session.train_for(share)
        await asyncio.sleep(0.004)


def _sid(request: Request) -> str:
    sid = request.path_params["sid"]
    if not _SESSION_ID.match(sid):
        raise ApiError(422, "the session id must be 8 to 64 letters, digits, '-' or '_'")
    return sid


async def _body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise ApiError(413, f"request body too large (at most {MAX_BODY // 1024} KiB)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, f"request body too large (at most {MAX_BODY // 1024} KiB)")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await _body(request))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(422, f"the body must be JSON: {exc}") from None


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(422, f"{name} must be a non-negative integer")
    return int(raw)


def create_app(
    max_sessions: int = 16,
    idle_timeout: float = 300.0,
    watch_timeout: float = 15.0,
    tick: float = 0.03,
) -> Starlette:
    """Build the playground's ASGI app.

    Parameters
    ----------
    max_sessions : int
        Cap on concurrent sessions (browser tabs).
    idle_timeout : float
        Seconds after which an idle session may be evicted to make room.
    watch_timeout : float
        Seconds without polling after which a playing session pauses.
    tick : float
        Seconds of training per round of the background loop, shared by playing sessions.

    Returns
    -------
    starlette.applications.Starlette
    """
    manager = SessionManager(max_sessions, idle_timeout, watch_timeout)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def catalog(request: Request) -> Response:
        return JSONResponse(
            {
                "datasets": list(_data.DATASETS),
                "regression_datasets": list(_data.REGRESSION_DATASETS),
                "features": {k: label for k, (label, _) in _data.FEATURES.items()},
                "activations": activation_names(),
                "initializers": initializer_names(),
                "optimizers": list(OPTIMIZERS),
                "schedules": list(SCHEDULES),
                "regularizations": list(REGULARIZATIONS),
                "hot_fields": sorted(HOT_FIELDS),
                "defaults": Config().to_dict(),
                "limits": {
                    "max_samples": MAX_SAMPLES,
                    "max_hidden_layers": MAX_HIDDEN_LAYERS,
                    "max_units": MAX_UNITS,
                    "max_batch": MAX_BATCH,
                    "max_body": MAX_BODY,
                },
            }
        )

    async def configure(request: Request) -> Response:
        sid = _sid(request)
        config = Config.from_dict(await _json(request))
        session = manager.configure(sid, config)
        return JSONResponse(session.state(data_version=None))

    async def state(request: Request) -> Response:
        sid = _sid(request)
        thumbs = request.query_params.get("thumbs", "1")
        if thumbs not in ("0", "1"):
            raise ApiError(422, "thumbs must be 0 or 1")
        version = _int_param(request, "data_version")
        session = manager.get(sid)
        return JSONResponse(session.state(thumbnails=thumbs == "1", data_version=version))

    async def control(request: Request) -> Response:
        sid = _sid(request)
        body = await _json(request)
        action = body.get("action") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) != {"action"}:
            raise ApiError(422, 'the body must be {"action": "play"|"pause"|"step"|"reset"}')
        session = manager.get(sid)
        if action == "play":
            session.notice = None
            session.playing = True
        elif action == "pause":
            session.playing = False
        elif action == "step":
            session.step()
        elif action == "reset":
            session.reset()
        else:
            raise ApiError(422, f"unknown action {action!r}: play, pause, step or reset")
        return JSONResponse(session.state(thumbnails=False, data_version=session.data_version))

    async def upload(request: Request) -> Response:
        sid = _sid(request)
        session = manager.get(sid)
        try:
            text = (await _body(request)).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(422, "the CSV must be UTF-8 text") from None
        try:
            X, y, problem = _data.parse_csv(text, MAX_SAMPLES)
        except ValueError as exc:
            raise ApiError(422, f"bad CSV: {exc}") from None
        session.set_upload(X, y, problem)
        return JSONResponse(session.state(data_version=None))

    async def export_model(request: Request) -> Response:
        session = manager.get(_sid(request))
        with tempfile.TemporaryDirectory(prefix="mlplab-playground-") as tmp:
            path = save_model(session, Path(tmp) / "model.npz")
            data = path.read_bytes()
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="playground-model.npz"'},
        )

    async def export_code(request: Request) -> Response:
        session = manager.get(_sid(request))
        return PlainTextResponse(
            python_snippet(session.config, session.problem),
            media_type="text/x-python",
            headers={"Content-Disposition": 'attachment; filename="playground_model.py"'},
        )

    async def delete(request: Request) -> Response:
        manager.sessions.pop(_sid(request), None)
        return JSONResponse({"deleted": True})

    async def api_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ConfigError):
            return JSONResponse({"error": str(exc)}, status_code=422)
        assert isinstance(exc, ApiError)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_train_loop(manager, tick))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    base = "/api/session/{sid}"
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/api/catalog", catalog),
            Route(base + "/config", configure, methods=["POST"]),
            Route(base + "/state", state),
            Route(base + "/control", control, methods=["POST"]),
            Route(base + "/upload", upload, methods=["POST"]),
            Route(base + "/export/model", export_model),
            Route(base + "/export/code", export_code),
            Route(base, delete, methods=["DELETE"]),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={ApiError: api_error, ConfigError: api_error},
        lifespan=lifespan,
    )
    app.state.manager = manager
    return app
