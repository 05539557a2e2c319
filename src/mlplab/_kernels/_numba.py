"""Numba, imported once with mlplab's settings, and the decorators the kernels use.

Importing this module imports Numba; :mod:`mlplab._kernels` imports it only when a fit
first needs a kernel. Before the import:

* **Cache.** Kernels are compiled with ``cache=True``. Numba keeps them next to these
  sources; where that folder is read-only (a system-wide install) and the user has not
  set ``NUMBA_CACHE_DIR``, it is set to ``mlplab/numba`` in the user's cache folder, so
  that the compilation is paid once per machine rather than once per process. (When
  Numba was imported before mlplab, its own fallback, a user folder as well, applies.)
  Where no folder at all can be written, kernels compile without a cache.
* **Threads.** Kernels that run in parallel (``prange``, only above a size where it pays)
  use Numba's ``workqueue`` threading layer unless ``NUMBA_THREADING_LAYER`` says
  otherwise. Its threads sleep between kernels, where OpenMP's spin for a while: on two
  cores, a spinning OpenMP thread would take the core the next matrix product's second
  OpenBLAS thread needs. ``workqueue`` does not take two parallel launches at once, so
  every parallel launch holds :data:`PARALLEL_LOCK`. They use as many threads as BLAS may
  (see :func:`parallel_threads`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "PARALLEL_LOCK",
    "jit",
    "jit_inline",
    "jit_parallel",
    "numba",
    "parallel_threads",
    "prange",
    "run_parallel",
]


def _user_cache_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mlplab" / "numba"


def _writable(folder: Path) -> bool:
    """Whether files can be created in `folder` (made if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


def _configure() -> None:
    """Settings that must be in the environment before Numba is imported."""
    if "numba" in sys.modules:
        return  # imported by someone else first: its settings stand
    if not os.environ.get("NUMBA_CACHE_DIR") and not _writable(
        Path(__file__).resolve().parent / "__pycache__"
    ):
        user = _user_cache_dir()
        if _writable(user):
            os.environ["NUMBA_CACHE_DIR"] = str(user)
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")


_configure()

import numba  # noqa: E402
from numba import prange  # noqa: E402

# error_model="numpy": x / 0 gives inf or NaN, as in NumPy, instead of raising.
# nogil: the playground's and Dask's worker threads train side by side.
_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}


def _compile(fn: Callable[..., Any], **options: Any) -> Any:
    try:
        dispatcher = numba.njit(fn, **_OPTIONS, **options)
    except RuntimeError:  # "cannot cache function": no folder can be written
        return numba.njit(fn, **{**_OPTIONS, "cache": False}, **options)
    _drop_stale_cache(dispatcher)
    return dispatcher


def _sources_digest() -> str:
    folder = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_CHECKED: set[str] = set()


def _drop_stale_cache(dispatcher: Any) -> None:
    """Forget cached kernels compiled from other sources of this package, once per folder.

    Numba checks that a kernel's own source file has not changed since it was cached,
    but not the files of the kernels it calls (:mod:`mlplab._kernels._losses` calls helpers of
    :mod:`mlplab._kernels._activations`): a cache from other sources could run old code. The cache
    folder holds a digest of all the sources here; when it differs, this package's
    entries in that folder are removed (they compile again, once).
    """
    folder = Path(dispatcher._cache._cache_path)
    if str(folder) in _CHECKED:
        return
    _CHECKED.add(str(folder))
    digest = _sources_digest()
    stamp = folder / "mlplab-kernels.sha256"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    modules = tuple(f"{p.stem}." for p in Path(__file__).resolve().parent.glob("*.py"))
    try:
        for entry in folder.iterdir():
            if entry.name.startswith(modules) and entry.suffix in (".nbi", ".nbc"):
                entry.unlink(missing_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass  # another process got there first, or the folder went read-only


def jit(fn: Callable[..., Any]) -> Any:
    """``numba.njit`` with mlplab's options; compiled lazily, per argument types."""
    return _compile(fn)


def jit_inline(fn: Callable[..., Any]) -> Any:
    """:func:`jit` inlined into its callers by Numba (no call, compiled in each caller)."""
    return _compile(fn, inline="always")


def jit_parallel(fn: Callable[..., Any]) -> Any:
    """:func:`jit` with ``parallel=True``; call it through :func:`run_parallel`."""
    return _compile(fn, parallel=True)


#: Held by every parallel launch (the workqueue layer takes one at a time).
PARALLEL_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def parallel_threads() -> int:
    """Threads for parallel kernels: as many as BLAS may use now, at most Numba's own.

    Read from threadpoolctl, so that ``threadpool_limits(1)`` or ``OPENBLAS_NUM_THREADS``
    holds for the kernels too and the two never run more threads than the other allows.

    Returns
    -------
    int
    """
    limits = [lib.num_threads for lib in _blas_controller().select(user_api="blas").lib_controllers]
    most = numba.config.NUMBA_NUM_THREADS
    return max(1, min([most, *limits]))


def run_parallel(kernel: Any, threads: int, *args: Any) -> Any:
    """Call a :func:`jit_parallel` kernel on `threads` threads, one launch at a time."""
    with PARALLEL_LOCK:
        if numba.get_num_threads() != threads:
            numba.set_num_threads(threads)
        return kernel(*args)
