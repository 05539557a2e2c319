"""Reproducible experiments that check the course's claims about MLPs.

Each experiment is a small module registered by name. :func:`run` executes one, seeded,
and writes ``out_dir/<name>/report.md`` with its figures and a table of its numbers,
stating whether the claim held in this run. ``quick=True`` runs a reduced version in
seconds (for tests); the default gives the numbers quoted in the docs.

>>> from mlplab import experiments
>>> experiments.names()  # doctest: +ELLIPSIS
['activation-race', 'dead-relu', ...]
>>> result = experiments.run("xor", "runs/lab", quick=True)  # doctest: +SKIP
>>> result.held, result.summary  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ._base import REGISTRY, Experiment, ExperimentResult, Outcome
from ._report import write_report

# Experiment name -> module that registers it (imported on first use).
_MODULES = {
    "xor": "xor",
    "universal-approximation": "universal_approximation",
    "digits-grid": "digits_grid",
    "vanishing-gradients": "vanishing_gradients",
    "exploding-gradients": "exploding_gradients",
    "dead-relu": "dead_relu",
    "initialization": "initialization",
    "activation-race": "activation_race",
    "optimizers": "optimizers",
    "zero-centred": "zero_centred",
    "learning-rate-schedules": "schedules",
    "rbm-features": "rbm_features",
    "vanishing-through-time": "vanishing_through_time",
    "memory": "memory",
}

__all__ = ["Experiment", "ExperimentResult", "Outcome", "get", "names", "run"]


def names() -> list[str]:
    """Names of the experiments, sorted."""
    return sorted(_MODULES)


def get(name: str) -> Experiment:
    """The registered :class:`Experiment` called `name`.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in _MODULES:
        raise ValueError(f"unknown experiment {name!r}; valid names: {', '.join(names())}")
    if key not in REGISTRY:
        importlib.import_module(f"{__name__}.{_MODULES[key]}")
    return REGISTRY[key]


def run(
    name: str,
    out_dir: str | os.PathLike[str] = "runs/experiments",
    quick: bool = False,
    seed: int = 0,
) -> ExperimentResult:
    """Run one experiment and write its report.

    Parameters
    ----------
    name : str
        A name from :func:`names`.
    out_dir : path
        The report and figures go to ``out_dir/<name>/``.
    quick : bool
        Reduced sizes so that the experiment takes seconds (for tests and previews).
    seed : int
        Seeds every random draw; the same seed gives the same numbers on one machine.

    Returns
    -------
    ExperimentResult
    """
    experiment = get(name)
    folder = Path(out_dir) / experiment.name
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    # Some experiments diverge on purpose (huge weights, huge learning rates): the
    # warnings are recorded and listed in the report instead of being raised.
    # The networks are small: one BLAS thread is much faster than several contending ones.
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(all="warn", under="ignore"),
        threadpool_limits(limits=1, user_api="blas"),
    ):
        warnings.simplefilter("always")
        outcome = experiment.function(folder, quick, seed)
    seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    for w in caught:
        key = f"{w.category.__name__}: {str(w.message).splitlines()[0][:120]}"
        counts[key] = counts.get(key, 0) + 1
    result = ExperimentResult(
        name=experiment.name,
        title=experiment.title,
        claim=experiment.claim,
        held=bool(outcome.held),
        summary=outcome.summary,
        table=outcome.table,
        figures=[Path(f) for f in outcome.figures],
        report_path=folder / "report.md",
        quick=quick,
        seed=seed,
        seconds=seconds,
        data=outcome.data,
        notes=outcome.notes,
        extra_tables=outcome.extra_tables,
        warnings=counts,
    )
    write_report(result)
    return result
