"""mlplab's playground: a local web page for training small MLPs on 2-D data, live.

Start it with ``mlplab playground`` (or ``python -m mlplab.playground``); see
:func:`mlplab.playground.cli.main`. The server needs the ``playground`` extra
(``pip install "mlplab[playground]"``: Starlette and uvicorn).
"""

from .export import load_model, python_snippet, save_model
from .session import Config, ConfigError, TrainingSession

__all__ = [
    "Config",
    "ConfigError",
    "TrainingSession",
    "create_app",
    "load_model",
    "python_snippet",
    "save_model",
]


def create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Build the ASGI app; see :func:`mlplab.playground.app.create_app` (needs Starlette)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
