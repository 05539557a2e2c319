"""The sessions a playground server holds, and the worker threads that train them.

:class:`SessionManager` keeps one :class:`~mlplab.playground.session.TrainingSession` per
browser tab, at most ``max_sessions`` of them: a new tab evicts the least recently polled
one (an idle one first), and a session nobody polls for ``idle_timeout`` seconds is
forgotten. :class:`TrainingPool` trains the playing sessions in worker threads, a slice
of a few milliseconds each in turn, so that every playing tab gets the same share of
time whatever its network costs, and the server's event loop never trains.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time

from .config import Config
from .session import TrainingSession

logger = logging.getLogger("mlplab.playground")


class TrainingPool:
    """Worker threads that train playing sessions, a slice each in turn.

    Round robin over a queue in which each playing session appears at most once: with
    ``n`` playing sessions each gets one slice in ``n``, whatever its network costs. NumPy
    releases the GIL inside its products, so more than one worker helps big batches; for
    the tiny networks of the playground the interpreter is the bottleneck and one worker
    leaves the most room for the web requests.

    Parameters
    ----------
    workers : int
        Threads.
    slice_seconds : float
        Training time a session gets per turn.
    watch_timeout : float
        A playing session nobody polled for this long pauses.
    """

    def __init__(self, workers: int = 1, slice_seconds: float = 0.02, watch_timeout: float = 10.0):
        self.workers = workers
        self.slice_seconds = slice_seconds
        self.watch_timeout = watch_timeout
        self._ready: collections.deque[TrainingSession] = collections.deque()
        self._queued: set[int] = set()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def start(self) -> None:
        """Start the worker threads (no-op when they run)."""
        with self._cond:
            if self._threads:
                return
            self._stopping = False
            for i in range(self.workers):
                t = threading.Thread(target=self._work, name=f"playground-trainer-{i}", daemon=True)
                t.start()
                self._threads.append(t)

    def stop(self) -> None:
        """Stop the worker threads and forget the queue."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads, self._threads = self._threads, []
        for t in threads:
            t.join(timeout=5)
        self._ready.clear()
        self._queued.clear()

    def wake(self, session: TrainingSession) -> None:
        """Queue a session that has started playing (no-op if it is queued or running)."""
        self.start()
        with self._cond:
            if id(session) not in self._queued:
                self._queued.add(id(session))
                self._ready.append(session)
                self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                session = self._ready.popleft()
            more = False
            try:
                more = session.train_slice(self.slice_seconds, self.watch_timeout)
            except Exception:  # a bug must not kill the worker: pause that session
                logger.exception("training a playground session failed")
                with contextlib.suppress(Exception):
                    session.playing = False
                    session.notice = {"code": "internal", "epoch": session.epoch}
            with self._cond:
                if more and not self._stopping:
                    self._ready.append(session)
                    self._cond.notify()
                else:
                    self._queued.discard(id(session))


class SessionManager:
    """Per-tab sessions with a cap on their number.

    Parameters
    ----------
    max_sessions : int
        At most this many sessions. A new one evicts the least recently seen session,
        preferring those that nobody has polled for `watch_timeout` seconds: a new tab
        always gets in.
    idle_timeout : float
        A session nobody has polled for this many seconds is forgotten.
    pool : TrainingPool
    """

    def __init__(self, max_sessions: int, idle_timeout: float, pool: TrainingPool) -> None:
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.pool = pool
        self.sessions: dict[str, TrainingSession] = {}
        self._lock = threading.Lock()

    def get(self, sid: str) -> TrainingSession | None:
        """The session `sid`, marked as seen; None when there is none."""
        session = self.sessions.get(sid)
        if session is not None:
            session.last_seen = time.monotonic()
        return session

    def configure(self, sid: str, config: Config) -> TrainingSession:
        """Create session `sid` from `config`, or apply `config` to it."""
        session = self.sessions.get(sid)
        if session is not None:
            session.last_seen = time.monotonic()
            session.apply(config)
            return session
        session = TrainingSession(config)  # raises ConfigError before anything is evicted
        with self._lock:
            self._forget_idle()
            while len(self.sessions) >= self.max_sessions:
                self._evict_one()
            self.sessions[sid] = session
        return session

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for sid, s in list(self.sessions.items()):
            if now - s.last_seen > self.idle_timeout:
                self._drop(sid)

    def _evict_one(self) -> None:
        now = time.monotonic()
        watch = self.pool.watch_timeout

        def order(item: tuple[str, TrainingSession]) -> tuple[bool, float]:
            s = item[1]
            return (now - s.last_seen <= watch, s.last_seen)

        sid, _ = min(self.sessions.items(), key=order)
        self._drop(sid)

    def _drop(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            session.playing = False

    def delete(self, sid: str) -> None:
        """Forget session `sid` (no-op when there is none)."""
        with self._lock:
            self._drop(sid)
