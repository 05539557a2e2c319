"""Where mlplab's warnings point: the user's line, not a frame inside a library."""

from __future__ import annotations

import os
import sys

__all__ = ["user_stacklevel"]


def user_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside mlplab, scikit-learn and joblib.

    For the function that calls :func:`warnings.warn`. A fit reaches its warnings through
    a depth that depends on the path (estimator or trainer, ``fit`` or ``partial_fit``, a
    scikit-learn ``Pipeline`` or search around it, the incremental run or the whole-epoch
    kernel); the warning should name the user's line, whichever it was.

    Returns
    -------
    int
        1 for the caller's own frame, plus one per frame of mlplab, scikit-learn or joblib
        above it (the outermost frame's level where every frame is a library's).
    """
    # Python 3.12's warnings.warn(skip_file_prefixes=...) does this walk; 3.10 and 3.11 have not.
    # As imported, not resolved: a frame's co_filename is its module's __file__ (through
    # a symlinked environment too, where a resolved path would match no frame).
    folders = [os.path.dirname(__file__)]
    # scikit-learn's fit wrapper, Pipeline and searches, and joblib, which a search's
    # fits run through (in this process where n_jobs=1).
    for name in ("sklearn", "joblib"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            folders.append(os.path.dirname(module.__file__))
    libraries = tuple(f"{folder}{os.sep}" for folder in folders)
    frame, level = sys._getframe(1), 1  # the caller's frame is stacklevel 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(libraries):
        frame, level = frame.f_back, level + 1
    return level
