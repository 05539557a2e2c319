"""The registry and the result types shared by every experiment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Outcome:
    """What an experiment function returns; :func:`mlplab.experiments.run` completes it.

    Attributes
    ----------
    held : bool
        Whether the claim held in this run, by the criterion stated in `notes`.
    summary : str
        One sentence with the key numbers.
    table : list of dict
        Rows of the report's table (same keys in every row).
    figures : list of Path
        PNG files written in the experiment's folder.
    data : dict
        Raw numbers for programmatic checks (tests, notebooks).
    notes : list of str
        Paragraphs for the report: setup, criterion, caveats.
    extra_tables : dict of str to list of dict
        Further tables for the report, by heading.
    """

    held: bool
    summary: str
    table: list[dict[str, Any]]
    figures: list[Path] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class ExperimentResult:
    """The result of :func:`mlplab.experiments.run`.

    Attributes
    ----------
    name, title, claim : str
        Which experiment, and the claim it tests.
    held : bool
        Whether the claim held in this run.
    summary : str
        One sentence with the numbers.
    table : list of dict
        The numbers, one dict per row.
    figures : list of Path
        The PNG figures written.
    report_path : Path
        The Markdown report.
    quick : bool
        Whether this was the quick (reduced) mode.
    seed : int
    seconds : float
        Wall-clock time of the run.
    data : dict
        Raw numbers (see each experiment's module).
    notes : list of str
    extra_tables : dict of str to list of dict
        Further tables of the report, by heading.
    warnings : dict
        Warnings raised during the run and how often (divergence is expected in some).
    """

    name: str
    title: str
    claim: str
    held: bool
    summary: str
    table: list[dict[str, Any]]
    figures: list[Path]
    report_path: Path
    quick: bool = False
    seed: int = 0
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)


ExperimentFunction = Callable[[Path, bool, int], Outcome]


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: ``function(folder, quick, seed) -> Outcome``."""

    name: str
    title: str
    claim: str
    function: ExperimentFunction


REGISTRY: dict[str, Experiment] = {}


def register(
    name: str, title: str, claim: str
) -> Callable[[ExperimentFunction], ExperimentFunction]:
    """Decorator that registers ``function(folder, quick, seed) -> Outcome`` as `name`."""

    def decorate(function: ExperimentFunction) -> ExperimentFunction:
        REGISTRY[name] = Experiment(name, title, claim, function)
        return function

    return decorate
