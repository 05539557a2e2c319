"""Callbacks: hooks the trainer calls at the start, after each epoch and at the end.

A callback may stop training by setting ``trainer.stop_training = True`` (with
``trainer.stop_reason``). Callbacks that carry state between epochs expose
``state_dict``/``load_state_dict`` so that a run resumed from a checkpoint continues
exactly as an uninterrupted one.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .io import _create_temporary

if TYPE_CHECKING:
    from .training import Trainer

_MONITORS = {"loss": "min", "val_loss": "min", "val_score": "max"}


class Callback:
    """Base class; every hook does nothing."""

    #: Callbacks run in increasing order after each epoch (checkpoints last).
    order: int = 0

    def on_train_begin(self, trainer: Trainer) -> None:
        """Called once before the first epoch of each run (each restart of n_init)."""

    def on_batch_begin(self, trainer: Trainer) -> None:
        """Called before each optimizer step (only for callbacks that override it)."""

    def on_batch_end(self, trainer: Trainer) -> None:
        """Called after each optimizer step (only for callbacks that override it).

        ``trainer.grads`` holds the gradients of that step, and the network's layers
        keep that batch's training-mode values (e.g. ``Activation.last_output``).
        """

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        """Called after each epoch with that epoch's record of the history."""

    def on_train_end(self, trainer: Trainer) -> None:
        """Called once after the last epoch of each run."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


class EarlyStopping(Callback):
    """Stop when a monitored quantity stops improving, optionally restoring the best weights.

    Parameters
    ----------
    monitor : {"val_loss", "val_score", "loss"}
        Validation loss or score (needs validation data), or the training loss.
    patience : int
        Epochs without an improvement of at least `min_delta` before stopping.
    min_delta : float
        Smallest change that counts as an improvement.
    restore_best_weights : bool
        On stopping (or at the end), put back the weights of the best epoch seen.

    Notes
    -----
    As scikit-learn's MLP, the best value and weights follow every strict improvement,
    while the patience counter only resets on an improvement of at least `min_delta`.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        if monitor not in _MONITORS:
            raise ValueError(f"monitor must be one of {sorted(_MONITORS)}, got {monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}")
        if not (isinstance(min_delta, (int, float)) and min_delta >= 0):
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.restore_best_weights = restore_best_weights
        self._sign = 1.0 if _MONITORS[monitor] == "min" else -1.0

    def on_train_begin(self, trainer: Trainer) -> None:
        if self.monitor != "loss" and not trainer.has_validation:
            raise ValueError(f"EarlyStopping(monitor={self.monitor!r}) needs validation_data")
        self.best = math.inf
        self.best_epoch = -1
        self.wait = 0
        self.best_weights: list[np.ndarray] | None = None
        self.best_buffers: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        value = self._sign * logs[self.monitor]
        if value > self.best - self.min_delta:
            self.wait += 1
        else:
            self.wait = 0
        if value < self.best:
            self.best = value
            self.best_epoch = logs["epoch"]
            if self.restore_best_weights:
                self.best_weights = [p.copy() for p in trainer.network.params]
                self.best_buffers = {k: v.copy() for k, v in trainer.network.buffers().items()}
        if self.wait >= self.patience:
            trainer.stop_training = True
            trainer.stop_reason = (
                f"early stopping: {self.monitor} did not improve by {self.min_delta} "
                f"for {self.patience} epochs (best at epoch {self.best_epoch})"
            )

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            for p, best in zip(trainer.network.params, self.best_weights, strict=True):
                p[...] = best
            trainer.network.set_buffers(self.best_buffers or {})

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_weights": self.best_weights,
            "best_buffers": self.best_buffers,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]
        self.best_epoch = state["best_epoch"]
        self.wait = state["wait"]
        self.best_weights = (
            [np.array(w) for w in state["best_weights"]]
            if state["best_weights"] is not None
            else None
        )
        self.best_buffers = state["best_buffers"]


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

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"path's folder {str(self.path.parent)!r} does not exist")
        self.every = every

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if (logs["epoch"] + 1) % self.every == 0:
            trainer.save_checkpoint(self.path)


class ProgressBar(Callback):
    """A tqdm progress bar over epochs showing the latest losses.

    Shown only when asked for (``verbose=True`` in the trainer adds it) and when the
    stream is a terminal, unless ``force=True``.
    """

    def __init__(self, stream: Any = None, force: bool = False) -> None:
        self.stream = stream
        self.force = force
        self._bar = None

    def on_train_begin(self, trainer: Trainer) -> None:
        from tqdm.auto import tqdm

        stream = self.stream if self.stream is not None else sys.stderr
        enabled = self.force or (hasattr(stream, "isatty") and stream.isatty())
        self._bar = tqdm(
            total=trainer.epochs, file=stream, disable=not enabled, unit="epoch", leave=False
        )

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self._bar is not None:
            shown = {
                k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "val_loss", "val_score")
            }
            self._bar.set_postfix(shown, refresh=False)
            self._bar.update(1)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class CSVLogger(Callback):
    """Append each epoch's record to a CSV file (header written once per file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(logs))
            if new:
                writer.writeheader()
            writer.writerow(logs)


class JSONLogger(Callback):
    """Rewrite a JSON file with the whole history after each epoch (atomically)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        text = json.dumps({"history": trainer.history.records}, indent=1)
        # Like every file mlplab writes: atomic, and with the permissions the umask gives.
        fh, tmp = _create_temporary(self.path.parent, self.path.name)
        try:
            with fh:
                fh.write(text.encode())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
