"""The playground's web server: a Starlette app serving the page and a small JSON API.

Every page load makes up a random session id and talks to
``/api/session/{id}/...``.

Safe to leave running
---------------------
:class:`SecurityMiddleware` answers before any route: a ``Host`` that is not one of the
names the server is bound to gets 421 (400 when missing or malformed), which defeats DNS
rebinding; a request from another origin (its ``Origin``, or for requests that change
something its ``Referer``) gets 403; a POST whose body is not ``application/json`` gets
415 (so no form or ``no-cors`` request of another page reaches the API); every answer
carries a same-origin Content-Security-Policy with ``frame-ancestors 'none'``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``. Every error is
``{"error": message, "code": code, "field": field, "params": {...}}`` with a 4xx status:
``code`` is what the page translates.

Training off the event loop
---------------------------
A :class:`~mlplab.playground.pool.TrainingPool` runs playing sessions in worker threads,
each session a slice of a few milliseconds at a time, in turn (a fair share each).
Everything that touches a session runs in a thread too, so the event loop only moves
bytes; the state a page polls is drawn from the session's last snapshot and never waits
for training. A playing session that nobody has polled for ``watch_timeout`` seconds (a
closed or hidden tab) pauses.

Endpoints
---------
``GET /``                                   the page
``GET /api/catalog``                        names and limits for the controls
``POST /api/session/{id}/config``           JSON config: create the session or apply it
``GET /api/session/{id}/state``             what the page draws (``thumbs``, ``data_version``,
                                            ``revision``, ``hover=layer,unit``)
``POST /api/session/{id}/control``          ``{"action": "play"|"pause"|"step"|"reset"}``
``POST /api/session/{id}/edit``             ``{"kind": "weight"|"bias", "layer", "source",
                                            "target", "value"}``
``POST /api/session/{id}/upload``           ``{"csv": text, "name": file name}``
``GET /api/session/{id}/export/model``      the trained network in mlplab's file format
``GET /api/session/{id}/export/code``       a Python script rebuilding the configuration
``DELETE /api/session/{id}``                forget the session
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from . import data
from .config import (
    HOT_FIELDS,
    MAX_BATCH,
    MAX_EDIT,
    MAX_HIDDEN_LAYERS,
    MAX_SAMPLES,
    MAX_UNITS,
    OPTIMIZERS,
    PROBLEMS,
    REGULARIZATIONS,
    SCHEDULES,
    Config,
    ConfigError,
    HugeNumber,
    activation_names,
    initializer_names,
)
from .export import python_snippet, save_model
from .pool import SessionManager, TrainingPool
from .rendering import HEATMAP_SIZE, dumps
from .session import REQUESTS, TrainingSession

logger = logging.getLogger("mlplab.playground")

STATIC = Path(__file__).parent / "static"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_BODY = 256 * 1024  # bytes: configs are tiny, CSV uploads small
#: The names a loopback server answers to.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

#: Sent with every answer. Everything is served by the server itself: no inline script or
#: style, no frames, no plugins.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _error_body(message: str, code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": message, "code": code, "field": None, "params": params or {}}


class ApiError(Exception):
    """Answered as ``{"error": message, "code": code, ...}`` with `status`.

    Parameters
    ----------
    status : int
        The HTTP status (4xx).
    message : str
        In English, for people and logs.
    code : str
        What went wrong, for the page's translations.
    **params
        Values the message mentions, JSON-ready.
    """

    def __init__(self, status: int, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the error answer."""
        return _error_body(self.message, self.code, self.params)


def _error_response(status: int, message: str, code: str) -> JSONResponse:
    body = _error_body(message, code)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


# -- security ---------------------------------------------------------------------------------
_HOST = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>\d{1,5}))?$"
)


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``Host`` header value -> (lower-case name without brackets, port), or None if malformed."""
    m = _HOST.match(value.strip())
    if m is None:
        return None
    name = (m.group("v6") or m.group("name")).lower().rstrip(".")
    port = int(m.group("port")) if m.group("port") else None
    if not name or (port is not None and not 0 < port < 65536):
        return None
    return name, port


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, or None when it has none (``null``, garbage)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower().rstrip("."), port or default


class SecurityMiddleware:
    """Host, origin and content-type checks, and security headers on every answer.

    Parameters
    ----------
    app : ASGI app
    allowed_hosts : iterable of str
        Host names (or addresses) the server answers to, any port.
    """

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.lower().strip("[]").rstrip(".") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
            await send(message)

        refusal = self._check(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        REQUESTS.active += 1  # the training threads hand over the interpreter more often
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            REQUESTS.active -= 1

    def _check(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        method = scope["method"]
        host_value = headers.get("host")
        if host_value is None:
            return _error_response(400, "the request has no Host header", "bad_host")
        host = _split_host(host_value)
        if host is None:
            return _error_response(400, "the Host header is malformed", "bad_host")
        if host[0] not in self.allowed:
            # A page of another site that made its name resolve to this machine (DNS
            # rebinding) arrives with that site's name.
            return _error_response(
                421,
                f"this server does not answer to the host name {host[0][:60]!r}; "
                f"use {sorted(self.allowed)[0]}",
                "unknown_host",
            )
        scheme = scope.get("scheme", "http")
        own = (scheme, host[0], host[1] or (443 if scheme == "https" else 80))
        origin = headers.get("origin")
        referer = headers.get("referer")
        # Browsers send Origin with every cross-origin request and with every POST; a
        # plain navigation (a link from a notebook) has a Referer only, which is fine for
        # reading the page but not for changing anything.
        if origin is not None:
            if _origin_of(origin) != own:
                return _error_response(
                    403, "requests from other web pages are refused", "cross_origin"
                )
        elif method in self.UNSAFE and referer is not None and _origin_of(referer) != own:
            return _error_response(403, "requests from other web pages are refused", "cross_origin")
        if method == "POST":
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return _error_response(
                    415, "the body must be JSON sent as application/json", "content_type"
                )
        return None


# -- requests -------------------------------------------------------------------------------------
def _sid(request: Request) -> str:
    sid = request.path_params["sid"]
    if not _SESSION_ID.match(sid):
        raise ApiError(
            422, "the session id must be 8 to 64 letters, digits, '-' or '_'", "bad_session_id"
        )
    return sid


async def _body(request: Request) -> bytes:
    too_large = ApiError(
        413,
        f"request body too large (at most {MAX_BODY // 1024} KiB)",
        "too_large",
        max=MAX_BODY,
    )
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or len(length) > 12 or int(length) > MAX_BODY):
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_int(text: str) -> int | float:
    # Python refuses to turn more than 4300 digits into an int; no field needs 20.
    return HugeNumber(text) if len(text) > 40 else int(text)


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body; :class:`ApiError` (422) for anything that is not JSON.

    NaN, Infinity and numbers like 1e400 become float NaN and infinities, which every
    field's validation refuses with a message naming the field.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "the body must be UTF-8 JSON", "bad_json") from None
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise ApiError(422, f"the body must be JSON: {exc}", "bad_json") from None
    except RecursionError:
        raise ApiError(422, "the JSON is nested too deeply", "json_too_deep") from None


async def _json(request: Request) -> Any:
    return parse_json(await _body(request))


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(422, f"{name} must be a non-negative integer", "bad_query", name=name)
    return int(raw)


def _hover_param(request: Request) -> tuple[int, int] | None:
    raw = request.query_params.get("hover")
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 3 for p in parts):
        raise ApiError(
            422, "hover must be layer,unit (two small integers)", "bad_query", name="hover"
        )
    return int(parts[0]), int(parts[1])


class _Json(Response):
    """A JSON answer (bytes are sent as they are), never cached."""

    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200) -> None:
        body = content if isinstance(content, bytes) else dumps(content)
        super().__init__(body, status_code, headers={"Cache-Control": "no-store"})


def _attachment(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _manager(request: Request) -> SessionManager:
    return request.app.state.manager


def _session(request: Request) -> TrainingSession:
    """The request's session (its id checked), marked as seen; 404 when unknown."""
    sid = _sid(request)
    session = _manager(request).get(sid)
    if session is None:
        raise ApiError(
            404, f"unknown session {sid!r}: post a configuration first", "unknown_session"
        )
    return session


# -- routes -----------------------------------------------------------------------------------
async def index(request: Request) -> Response:
    """``GET /``: the page."""
    html = request.app.state.index_html
    return Response(html, media_type="text/html", headers={"Cache-Control": "no-store"})


async def catalog(request: Request) -> Response:
    """``GET /api/catalog``: names, defaults and limits for the controls."""
    return _Json(request.app.state.catalog)


async def configure(request: Request) -> Response:
    """``POST /api/session/{id}/config``: create the session, or apply the config to it."""
    sid = _sid(request)
    config = Config.from_dict(await _json(request))
    manager = _manager(request)

    def work() -> bytes:
        return manager.configure(sid, config).state_json(data_version=None)

    return _Json(await run_in_threadpool(work))


async def state(request: Request) -> Response:
    """``GET /api/session/{id}/state``: what the page draws."""
    _sid(request)
    thumbs = request.query_params.get("thumbs", "1")
    if thumbs not in ("0", "1"):
        raise ApiError(422, "thumbs must be 0 or 1", "bad_query", name="thumbs")
    version = _int_param(request, "data_version")
    revision = _int_param(request, "revision")
    hover = _hover_param(request)
    session = _session(request)
    return _Json(
        await run_in_threadpool(session.state_json, thumbs == "1", version, hover, revision)
    )


ACTIONS = ("play", "pause", "step", "reset")


async def control(request: Request) -> Response:
    """``POST /api/session/{id}/control``: ``{"action": "play"|"pause"|"step"|"reset"}``."""
    _sid(request)
    body = await _json(request)
    if not isinstance(body, dict) or set(body) != {"action"}:
        raise ApiError(
            422, 'the body must be {"action": "play"|"pause"|"step"|"reset"}', "bad_action"
        )
    action = body["action"]
    if action not in ACTIONS:
        raise ApiError(
            422, f"unknown action {str(action)[:20]!r}: play, pause, step or reset", "bad_action"
        )
    session = _session(request)
    pool = request.app.state.pool

    def work() -> bytes:
        getattr(session, action)()
        if action == "play":
            pool.wake(session)
        return session.state_json(data_version=session.data_version)

    return _Json(await run_in_threadpool(work))


async def edit(request: Request) -> Response:
    """``POST /api/session/{id}/edit``: set one weight or bias."""
    _sid(request)
    body = await _json(request)
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object", "not_object")
    keys = {"weight": {"kind", "layer", "source", "target", "value"}}
    keys["bias"] = {"kind", "layer", "target", "value"}
    kind = body.get("kind")
    if kind not in keys or set(body) != keys[kind]:
        raise ApiError(
            422,
            'the body must be {"kind": "weight", "layer", "source", "target", "value"} '
            'or {"kind": "bias", "layer", "target", "value"}',
            "bad_edit",
        )
    session = _session(request)

    def work() -> bytes:
        session.edit(kind, body["layer"], body.get("source"), body["target"], body["value"])
        return session.state_json(data_version=session.data_version)

    return _Json(await run_in_threadpool(work))


async def upload(request: Request) -> Response:
    """``POST /api/session/{id}/upload``: ``{"csv": text, "name": file name}``."""
    _sid(request)
    body = await _json(request)
    if (
        not isinstance(body, dict)
        or not set(body) <= {"csv", "name"}
        or not isinstance(body.get("csv"), str)
        or not isinstance(body.get("name", ""), str)
    ):
        raise ApiError(422, 'the body must be {"csv": text, "name": file name}', "bad_upload")
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", body.get("name", ""))[-80:].strip()
    session = _session(request)

    def work() -> bytes:
        try:
            X, y, problem = data.parse_csv(body["csv"], MAX_SAMPLES)
        except data.CsvError as exc:
            error = ApiError(422, f"bad CSV: {exc}", "bad_csv")
            error.params = {"code": exc.code, **exc.params}
            raise error from None
        session.set_upload(X, y, problem, name)
        return session.state_json(data_version=None)

    return _Json(await run_in_threadpool(work))


async def export_model(request: Request) -> Response:
    """``GET /api/session/{id}/export/model``: the network in mlplab's file format."""
    session = _session(request)

    def work() -> bytes:
        with session.lock, tempfile.TemporaryDirectory(prefix="mlplab-playground-") as tmp:
            return save_model(session, Path(tmp) / "model.npz").read_bytes()

    body = await run_in_threadpool(work)
    return _attachment(body, "application/octet-stream", "playground-model.npz")


async def export_code(request: Request) -> Response:
    """``GET /api/session/{id}/export/code``: a Python script that trains the same way."""
    session = _session(request)

    def work() -> str:
        with session.lock:
            config, prepared, epochs = session.config, session.data, session.epoch
        return python_snippet(
            config,
            natural_problem=prepared.natural,
            upload_name=prepared.upload_name or "",
            epochs=epochs or config.decay_epochs,
        )

    body = await run_in_threadpool(work)
    return _attachment(body, "text/x-python; charset=utf-8", "playground_model.py")


async def delete(request: Request) -> Response:
    """``DELETE /api/session/{id}``: forget the session."""
    _manager(request).delete(_sid(request))
    return _Json({"deleted": True})


# -- errors -----------------------------------------------------------------------------------
async def _api_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ConfigError):
        return _Json(exc.to_dict(), status_code=422)
    assert isinstance(exc, ApiError)
    return _Json(exc.to_dict(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _Json(_error_body(str(exc.detail), code), status_code=exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    logger.error("playground request failed", exc_info=exc)
    return _Json(_error_body("internal error", "internal"), status_code=500)


def _catalog(max_sessions: int, idle_timeout: float, watch_timeout: float) -> dict[str, Any]:
    """What ``GET /api/catalog`` answers: names, defaults and limits for the controls."""
    return {
        "datasets": list(data.DATASETS),
        "regression_datasets": list(data.REGRESSION_DATASETS),
        "multiclass_datasets": list(data.MULTICLASS_DATASETS),
        "problems": list(PROBLEMS),
        "features": {k: label for k, (label, _) in data.FEATURES.items()},
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
            "max_edit": MAX_EDIT,
            "heatmap_size": HEATMAP_SIZE,
            "max_sessions": max_sessions,
            "watch_timeout": watch_timeout,
            "idle_timeout": idle_timeout,
        },
    }


def create_app(
    max_sessions: int = 16,
    idle_timeout: float = 1800.0,
    watch_timeout: float = 10.0,
    workers: int = 1,
    slice_seconds: float = 0.02,
    allowed_hosts: Iterable[str] = (),
) -> Starlette:
    """Build the playground's ASGI app.

    Parameters
    ----------
    max_sessions : int
        Cap on concurrent sessions (browser tabs); a new tab evicts the least recently
        polled one (an idle one first).
    idle_timeout : float
        Seconds without polling after which a session is forgotten.
    watch_timeout : float
        Seconds without polling after which a playing session pauses.
    workers : int
        Training threads.
    slice_seconds : float
        Training time a playing session gets per turn.
    allowed_hosts : iterable of str
        Host names the server answers to besides 127.0.0.1, localhost and [::1] (the
        ``--host`` it listens on, a name for a classroom network).

    Returns
    -------
    starlette.applications.Starlette
    """
    pool = TrainingPool(workers, slice_seconds, watch_timeout)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The playground's products are small (at most 16 units, 10 000 grid points):
        # BLAS threads cost more to wake than they save, 10x on a busy 2-core machine,
        # and the server's own threads already share the cores.
        limits = threadpool_limits(limits=1, user_api="blas")
        pool.start()
        try:
            yield
        finally:
            pool.stop()
            limits.restore_original_limits()

    base = "/api/session/{sid}"
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/api/catalog", catalog),
            Route(base + "/config", configure, methods=["POST"]),
            Route(base + "/state", state),
            Route(base + "/control", control, methods=["POST"]),
            Route(base + "/edit", edit, methods=["POST"]),
            Route(base + "/upload", upload, methods=["POST"]),
            Route(base + "/export/model", export_model),
            Route(base + "/export/code", export_code),
            Route(base, delete, methods=["DELETE"]),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={
            ApiError: _api_error,
            ConfigError: _api_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        lifespan=lifespan,
    )
    app.add_middleware(SecurityMiddleware, allowed_hosts=[*LOOPBACK_HOSTS, *allowed_hosts])
    app.state.pool = pool
    app.state.manager = SessionManager(max_sessions, idle_timeout, pool)
    app.state.index_html = (STATIC / "index.html").read_bytes()
    app.state.catalog = _catalog(max_sessions, idle_timeout, watch_timeout)
    return app
