"""Callbacks: hooks a training run calls at its start, around each step, after each epoch.

Every hook receives the run (:class:`RunState`, in practice a
:class:`mlplab.training.TrainingRun`): the network, the optimizer, the history, the
counters. A callback may stop training by setting ``run.stop_training = True`` (with
``run.stop_reason``). Callbacks that carry state between epochs expose
``state_dict``/``load_state_dict`` so that a run resumed from a checkpoint continues
exactly as an uninterrupted one, and so that the trainer can put back the state of the
run it kept among ``n_init`` restarts.

A callback also declares what it reads: :attr:`Callback.reads_layer_values` says whether
it looks at the layers' training-mode values that the trainer's fast path overwrites in
place when no callback does (the pre-activations of in-place activations).
And one that puts weights of its own back at the end of a run (early stopping) says
so in :meth:`Callback.weights_put_back`, which a diverged run's warning quotes.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._validation import check_int, check_non_negative, check_option
from .io import atomic_write
from .schedules import MONITORS, AppliesPlateau, Plateau

if TYPE_CHECKING:
    from .losses import Loss
    from .network import Sequential

__all__ = [
    "CSVLogger",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "JSONLogger",
    "ProgressBar",
    "RunState",
]


class RunState(Protocol):
    """What a callback may read and set on the training run that calls it.

    :class:`mlplab.training.TrainingRun` implements it; the names are those callbacks
    have always used.

    Attributes
    ----------
    network : Sequential
        The network being trained (its weights change in place).
    optimizer : Optimizer or LBFGS
        This run's own copy of the trainer's optimizer.
    schedule : Schedule or None
        This run's own copy of the trainer's schedule.
    loss : Loss
        The training loss.
    history : History
        The epochs recorded so far (:class:`mlplab.training.History`).
    epoch, step, samples_seen : int
        Epochs completed, optimizer steps taken, training samples seen before the
        current epoch.
    epochs : int
        The most epochs this run may train.
    n_samples : int
        Rows of the training data.
    batch_size : int or None
        Rows per step (None: the full batch).
    has_validation : bool
        Whether validation data is scored after each epoch.
    grads : list of ndarray
        The gradients of the last step (after penalties and clipping).
    index : int
        Which of the trainer's ``n_init`` restarts this run is, from 0.
    stop_training : bool
        Set it to True to end the run after the current epoch.
    stop_reason : str or None
        Why the run stops; set it with ``stop_training``.
    """

    network: Sequential
    optimizer: Any
    schedule: Any
    loss: Loss
    history: Any
    epoch: int
    step: int
    samples_seen: int
    epochs: int
    n_samples: int
    batch_size: int | None
    has_validation: bool
    grads: list[np.ndarray]
    index: int
    stop_training: bool
    stop_reason: str | None

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write the run's whole state to `path` (see :class:`Checkpoint`)."""


class Callback:
    """Base class; every hook does nothing.

    Class attributes
    ----------------
    order : int
        Callbacks run in increasing order after each epoch (checkpoints last).
    reads_layer_values : bool
        Whether the callback reads the layers' training-mode values that the fast
        path overwrites. While no callback of a fit does, the trainer's fast path lets
        activations overwrite their input in place: a Dense layer's output
        (``Dense.last_output``) becomes the activation's, and an in-place activation
        keeps no input (``Activation._x`` is None). Activation outputs
        (``Activation.last_output``) and the inputs the activations keep stay intact
        until the next step, which is all :class:`~mlplab.diagnostics.Diagnostics`
        reads. True by default: a callback written without knowing this may read them,
        and then must see them intact, so only a callback that says False gives the
        fast path up to nobody. Every callback of this module says False.
    """

    order: int = 0
    reads_layer_values: bool = True

    def on_train_begin(self, run: RunState) -> None:
        """Called once before the first epoch of each run (each restart of n_init)."""

    def on_batch_begin(self, run: RunState) -> None:
        """Called before each optimizer step (only for callbacks that override it)."""

    def on_batch_end(self, run: RunState) -> None:
        """Called after each optimizer step (only for callbacks that override it).

        ``run.grads`` holds the gradients of that step, and, for a callback that reads
        layer values, the network's layers keep that batch's training-mode values (e.g.
        ``Activation.last_output``).
        """

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        """Called after each epoch with that epoch's record of the history."""

    def on_train_end(self, run: RunState) -> None:
        """Called once after the last epoch of each run."""

    def weights_put_back(self) -> str | None:
        """The weights :meth:`on_train_end` will put in the network, in words, or None.

        None (the default) for a callback that leaves the weights as they are. A run
        that diverges names them in its warning: they replace the weights its guard
        restored.
        """
        return None

    def state_dict(self) -> dict[str, Any]:
        """What the callback carries between epochs (empty by default)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


class EarlyStopping(AppliesPlateau, Callback):
    """Stop when a monitored quantity stops improving, optionally restoring the best weights.

    Parameters
    ----------
    monitor : {"val_loss", "val_score", "loss"}
        Validation loss or score (needs validation data), or the training loss.
    patience : int or math.inf
        Epochs without an improvement of at least `min_delta` before stopping
        (``math.inf``: never stop, only keep the best weights).
    min_delta : float
        Smallest change that counts as an improvement.
    restore_best_weights : bool
        On stopping (or at the end), put back the weights of the best epoch seen.

    Attributes
    ----------
    plateau : Plateau
        The rule applied; :attr:`best` and :attr:`wait` are its own.
    best : float
        Best value of the monitored quantity so far.
    best_epoch : int
        Epoch of that value (-1 before the first).
    wait : int
        Epochs without improvement in a row.

    Notes
    -----
    The rule is :class:`mlplab.schedules.Plateau`'s: as scikit-learn's MLP, the best
    value and weights follow every strict improvement, while the patience counter only
    resets on an improvement of at least `min_delta`.
    """

    reads_layer_values = False

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        self.monitor = check_option(monitor, "monitor", MONITORS)
        self.patience = patience if patience == math.inf else check_int(patience, "patience")
        self.min_delta = check_non_negative(min_delta, "min_delta")
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _rule(self) -> Plateau:
        """The rule applied: stop on the `patience`-th epoch in a row without improvement."""
        mode = "max" if self.monitor == "val_score" else "min"
        return Plateau(mode, self.min_delta, self.patience - 1)

    def _reset(self) -> None:
        self.plateau = self._rule()
        self.best_epoch = -1
        self.best_weights: list[np.ndarray] | None = None
        self.best_buffers: dict[str, np.ndarray] | None = None

    @property
    def wait(self) -> int:
        """Epochs without an improvement of at least `min_delta`, in a row."""
        return self.plateau.bad_epochs

    def on_train_begin(self, run: RunState) -> None:
        if self.monitor != "loss" and not run.has_validation:
            raise ValueError(f"EarlyStopping(monitor={self.monitor!r}) needs validation_data")
        self._reset()

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        self._track(run, logs)
        if self.plateau.exhausted:
            self._exhausted(run)

    def _track(self, run: RunState, logs: dict[str, float]) -> None:
        """Apply the rule to the epoch's value; keep the weights of a new best."""
        if self.plateau.update(logs[self.monitor]):
            self.best_epoch = int(logs["epoch"])
            if self.restore_best_weights:
                self.keep_weights(run.network)

    def _exhausted(self, run: RunState) -> None:
        """The patience ran out: stop."""
        run.stop_training = True
        run.stop_reason = (
            f"early stopping: {self.monitor} did not improve by {self.min_delta} "
            f"for {self.patience} epochs (best at epoch {self.best_epoch})"
        )

    def keep_weights(self, network: Sequential) -> None:
        """Copy the network's weights and buffers as the best ones."""
        self.best_weights = [p.copy() for p in network.params]
        self.best_buffers = {k: v.copy() for k, v in network.buffers().items()}

    def weights_put_back(self) -> str | None:
        if not self.restore_best_weights or self.best_weights is None:
            return None
        if self.best_epoch < 0:  # kept before the first epoch (scikit-learn's rule does)
            return "early stopping put back the weights the run started from"
        return (
            f"early stopping put back those of its best epoch, {self.best_epoch} "
            f"({self.monitor} {self.best:.6g})"
        )

    def on_train_end(self, run: RunState) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            for p, best in zip(run.network.params, self.best_weights, strict=True):
                p[...] = best
            run.network.set_buffers(self.best_buffers or {})

    def state_dict(self) -> dict[str, Any]:
        # "best" is stored as a value to minimise (a score negated), as it always was.
        sign = -1.0 if self.plateau.mode == "max" else 1.0
        return {
            "best": sign * self.plateau.best,
            "best_epoch": self.best_epoch,
            "wait": self.plateau.bad_epochs,
            "best_weights": self.best_weights,
            "best_buffers": self.best_buffers,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        sign = -1.0 if self.plateau.mode == "max" else 1.0
        self.plateau.best = sign * float(state["best"])
        self.plateau.bad_epochs = int(state["wait"])
        self.best_epoch = int(state["best_epoch"])
        weights = state["best_weights"]
        self.best_weights = None if weights is None else [np.array(w) for w in weights]
        buffers = state["best_buffers"]
        self.best_buffers = (
            None if buffers is None else {k: np.array(v) for k, v in buffers.items()}
        )


class Checkpoint(Callback):
    """Write the whole training state every `every` epochs, atomically.

    ``Trainer.fit(..., resume_from=path)`` continues from the file and gives bit for bit
    the weights an uninterrupted run would have given.

    Parameters
    ----------
    path : str or path-like
        File to (over)write; its folder must exist.
    every : int
        Write after every `every`-th epoch (and never a half-written file).
    """

    order = 100
    reads_layer_values = False

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        self.every = check_int(every, "every")
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"path's folder {str(self.path.parent)!r} does not exist")

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        if (logs["epoch"] + 1) % self.every == 0:
            run.save_checkpoint(self.path)


class ProgressBar(Callback):
    """A tqdm progress bar over epochs showing the latest losses.

    Shown only when asked for (``verbose=True`` in the trainer adds it) and when the
    stream is a terminal, unless ``force=True``.
    """

    reads_layer_values = False

    def __init__(self, stream: Any = None, force: bool = False) -> None:
        self.stream = stream
        self.force = force
        self._bar = None

    def on_train_begin(self, run: RunState) -> None:
        from tqdm.auto import tqdm

        stream = self.stream if self.stream is not None else sys.stderr
        enabled = self.force or (hasattr(stream, "isatty") and stream.isatty())
        self._bar = tqdm(
            total=run.epochs, file=stream, disable=not enabled, unit="epoch", leave=False
        )

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        if self._bar is not None:
            shown = {
                k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "val_loss", "val_score")
            }
            self._bar.set_postfix(shown, refresh=False)
            self._bar.update(1)

    def on_train_end(self, run: RunState) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class CSVLogger(Callback):
    """Append each epoch's record to a CSV file (header written once per file)."""

    reads_layer_values = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(logs))
            if new:
                writer.writeheader()
            writer.writerow(logs)


class JSONLogger(Callback):
    """Rewrite a JSON file with the whole history after each epoch (atomically)."""

    reads_layer_values = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        text = json.dumps({"history": run.history.records}, indent=1)
        # Like every file mlplab writes: atomic, and with the permissions the umask gives.
        with atomic_write(self.path) as fh:
            fh.write(text.encode())
