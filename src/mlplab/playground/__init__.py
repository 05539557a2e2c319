"""mlplab's playground: a local web page for training small MLPs on 2-D data, live.

Start it with ``mlplab playground`` (or ``python -m mlplab.playground``); see
:func:`mlplab.playground.cli.main`. The server needs the ``playground`` extra
(``pip install "mlplab[playground]"``: Starlette and uvicorn).

The modules, from the data up:

- :mod:`~mlplab.playground.data`: the 2-D data sets, input features, CSV uploads, and
  the train/test split and targets a network trains on;
- :mod:`~mlplab.playground.config`: a run's configuration, every field checked, and what
  it means for the engine (the arguments of ``mlp`` and of the ``Trainer``);
- :mod:`~mlplab.playground.session`: one tab's session, which trains its network by
  driving a :class:`~mlplab.training.TrainingRun`;
- :mod:`~mlplab.playground.rendering`: what the page draws from a session's snapshots;
- :mod:`~mlplab.playground.export`: the model file and the Python script;
- :mod:`~mlplab.playground.pool`: the sessions of a server and the threads that train
  them;
- :mod:`~mlplab.playground.app`: the web server, its routes and its security middleware;
- :mod:`~mlplab.playground.cli`: the ``mlplab playground`` command.
"""

from .config import Config, ConfigError
from .export import load_model, python_snippet, save_model
from .session import TrainingSession

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
