"""The training loop: batch, stochastic and mini-batch gradient descent, and L-BFGS.

:class:`Trainer` holds the configuration (loss, optimizer, schedule, batching,
regularization, clipping, callbacks) and :meth:`Trainer.fit` runs it on a
:class:`~mlplab.network.Sequential`. Everything random comes from one seed: the same
`random_state` gives bit-identical weights on the same machine.
"""

from __future__ import annotations

import copy
import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import losses as _losses
from . import optimizers as _optimizers
from . import schedules as _schedules
from ._validation import check_matrix
from .callbacks import Callback, Checkpoint, CSVLogger, EarlyStopping, JSONLogger, ProgressBar
from .io import load_tree, save_tree
from .network import Sequential

_SCHEDULE_UNITS = ("epoch", "step", "sample")

# Callbacks known never to look at the layers' training-mode values (pre-activations...):
# with only these, activations may work in place during a fit (Sequential._train_forward_steps).
_BLIND_CALLBACKS = (EarlyStopping, Checkpoint, ProgressBar, CSVLogger, JSONLogger)

# Rows of X checked for NaN/inf at a time: bounds the temporary of the check to a few
# MiB instead of a boolean copy of the whole data set.
_FINITE_CHECK_ELEMENTS = 1 << 22


class DivergenceWarning(UserWarning):
    """Training diverged (NaN, inf or exploding loss); the last finite weights were kept."""


@dataclass
class History:
    """What happened in each epoch: one dict per epoch.

    Keys: ``epoch`` (from 0), ``loss`` (training loss with penalties, averaged over the
    epoch's batches as scikit-learn does), ``lr``, ``seconds``, and ``val_loss`` /
    ``val_score`` when validation data was given.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    stop_reason: str | None = None
    diverged: bool = False

    def __getitem__(self, key: str) -> list[float]:
        """The column `key` over epochs, e.g. ``history["loss"]``."""
        return [r[key] for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def epochs(self) -> int:
        return len(self.records)


class Trainer:
    """Trains a network by gradient descent or L-BFGS.

    Parameters
    ----------
    loss : str or Loss
        From :mod:`mlplab.losses`; fused with the output activation where possible.
    optimizer : str or Optimizer
        ``"sgd"``, ``"adam"``... or an instance from :mod:`mlplab.optimizers`;
        ``"lbfgs"`` trains full batch through scipy.
    learning_rate : float, str, Schedule or None
        A constant rate, a schedule (object or name from :mod:`mlplab.schedules`), or
        None for the optimizer's own default rate.
    schedule_unit : {"epoch", "step", "sample"}
        What the schedule's counter t counts: epochs completed, optimizer steps taken,
        or samples seen before the current epoch (scikit-learn's ``invscaling``).
    epochs : int
        Maximum number of epochs (L-BFGS: maximum iterations).
    batch_size : int or None
        Samples per step: 1 is stochastic gradient descent, None the full batch.
        The last, partial batch of an epoch is used as it is.
    shuffle : bool
        Draw a new order of the samples each epoch (seeded).
    l2, l1 : float
        Penalties on weights (not biases), scikit-learn's convention: ``0.5 * l2 *
        ||W||² / n_batch`` and ``l1 * |W|₁ / n_batch``.
    weight_decay : float
        Decoupled decay ``W ← W − lr · weight_decay · W`` after each step (weights only).
    clip_value : float, optional
        Clip every gradient entry to [−clip_value, clip_value].
    clip_norm : float, optional
        Rescale each gradient array whose L2 norm exceeds clip_norm.
    clip_global_norm : float, optional
        Rescale all gradients together when their joint L2 norm exceeds it.
    callbacks : sequence of Callback
        See :mod:`mlplab.callbacks`.
    metric : callable, optional
        ``metric(y_true, y_output) -> float``, higher is better; with validation data it
        gives ``val_score`` each epoch.
    verbose : bool
        Show a progress bar (only on a terminal).
    divergence_factor : float
        The run is declared diverged when a batch loss is NaN or inf, or exceeds this
        factor times the first batch's loss.
    max_fun, tol
        L-BFGS only: maximum loss evaluations and tolerance.
    random_state : int, Generator or None
        Seeds the shuffles, the training-time randomness and, with ``n_init > 1``, the
        re-initializations.
    """

    def __init__(
        self,
        loss: str | _losses.Loss,
        optimizer: str | Any = "adam",
        *,
        learning_rate: float | str | Any | None = None,
        schedule_unit: str = "epoch",
        epochs: int = 200,
        batch_size: int | None = 32,
        shuffle: bool = True,
        l2: float = 0.0,
        l1: float = 0.0,
        weight_decay: float = 0.0,
        clip_value: float | None = None,
        clip_norm: float | None = None,
        clip_global_norm: float | None = None,
        callbacks: Sequence[Callback] = (),
        metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
        verbose: bool = False,
        divergence_factor: float = 1e4,
        max_fun: int = 15000,
        tol: float = 1e-4,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.loss = _losses.get(loss)
        self.optimizer = optimizer if not isinstance(optimizer, str) else _optimizers.get(optimizer)
        self.lbfgs = isinstance(self.optimizer, _optimizers.LBFGS)
        if learning_rate is None:
            self.schedule = None
        elif isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool):
            self.schedule = _schedules.get(float(learning_rate))
        else:
            self.schedule = _schedules.get(learning_rate)
        if schedule_unit not in _SCHEDULE_UNITS:
            raise ValueError(
                f"schedule_unit must be one of {_SCHEDULE_UNITS}, got {schedule_unit!r}"
            )
        self.schedule_unit = schedule_unit
        self.epochs = _positive_int(epochs, "epochs")
        self.batch_size = None if batch_size is None else _positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.l2 = _non_negative(l2, "l2")
        self.l1 = _non_negative(l1, "l1")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.clip_value = _optional_positive(clip_value, "clip_value")
        self.clip_norm = _optional_positive(clip_norm, "clip_norm")
        self.clip_global_norm = _optional_positive(clip_global_norm, "clip_global_norm")
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks[{i}] must be a Callback, got {type(cb).__name__}")
        if verbose and not any(isinstance(cb, ProgressBar) for cb in callbacks):
            callbacks.append(ProgressBar())
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        self.metric = metric
        if not divergence_factor > 1:
            raise ValueError(f"divergence_factor must be > 1, got {divergence_factor!r}")
        self.divergence_factor = float(divergence_factor)
        self.max_fun = _positive_int(max_fun, "max_fun")
        self.tol = _non_negative(tol, "tol")
        self.random_state = random_state

    # -- public -----------------------------------------------------------------------
    def fit(
        self,
        network: Sequential,
        X: np.ndarray,
        y: np.ndarray,
        *,
        sample_weight: np.ndarray | None = None,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        n_init: int = 1,
        resume_from: str | os.PathLike[str] | None = None,
    ) -> History:
        """Train `network` on (X, y) and return the :class:`History` of the kept run.

        Parameters
        ----------
        network : Sequential
            A built network; trained in place.
        X : ndarray of shape (n_samples, n_inputs)
            Float array of the network's dtype. It is never copied: mini-batches are
            gathered from it one at a time.
        y : ndarray of shape (n_samples, n_outputs)
            Targets in the network's output space.
        sample_weight : ndarray of shape (n_samples,), optional
        validation_data : (X_val, y_val), optional
            Scored after every epoch (``val_loss``, and ``val_score`` with a metric).
        n_init : int
            Train from this many independent random initializations and keep the run
            with the lowest final validation loss (training loss without validation).
        resume_from : path, optional
            A file written by :class:`~mlplab.callbacks.Checkpoint`: continue that run.

        Returns
        -------
        History
        """
        n_init = _positive_int(n_init, "n_init")
        if resume_from is not None and n_init != 1:
            raise ValueError("resume_from cannot be combined with n_init > 1")
        X, y, sample_weight = self._check_data(network, X, y, sample_weight, "X", "y")
        self.has_validation = validation_data is not None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a tuple (X_val, y_val)")
            X_val, y_val, _ = self._check_data(
                network, validation_data[0], validation_data[1], None, "X_val", "y_val"
            )
            self._validation = (X_val, y_val)
        self.network = network
        self.n_samples = X.shape[0]
        seeds = np.random.SeedSequence(_entropy(self.random_state))
        if n_init == 1:
            return self._run(network, X, y, sample_weight, seeds, resume_from, rebuild=False)
        best: tuple[float, list[np.ndarray], dict[str, np.ndarray], History] | None = None
        for child in seeds.spawn(n_init):
            network.random_state = np.random.default_rng(child.spawn(1)[0])
            network.build(network.n_inputs)
            history = self._run(network, X, y, sample_weight, child, None, rebuild=True)
            key = "val_loss" if self.has_validation else "loss"
            final = min(history[key]) if history.records else math.inf
            if best is None or final < best[0]:
                snapshot = [p.copy() for p in network.params]
                buffers = {k: v.copy() for k, v in network.buffers().items()}
                best = (final, snapshot, buffers, history)
        assert best is not None
        for p, saved in zip(network.params, best[1], strict=True):
            p[...] = saved
        network.set_buffers(best[2])
        self.history = best[3]
        return best[3]

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write the full training state (weights, optimizer, schedule, generators...)."""
        save_tree(path, self._state_dict(), kind="checkpoint")

    # -- the loop -----------------------------------------------------------------------
    def _run(self, network, X, y, sample_weight, seeds, resume_from, rebuild) -> History:
        shuffle_seed, train_seed = seeds.spawn(2)
        self._shuffle_rng = np.random.default_rng(shuffle_seed)
        network.reseed(np.random.default_rng(train_seed))
        self.optimizer = copy.deepcopy(self.optimizer)
        self.optimizer.reset()
        self._schedule = copy.deepcopy(self.schedule)
        self.history = History()
        self.stop_training = False
        self.stop_reason: str | None = None
        self.step = 0
        self.samples_seen = 0
        self.epoch = 0
        self._first_batch_loss: float | None = None
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if resume_from is not None:
            self._load_state_dict(load_tree(resume_from, kind="checkpoint")[1])
        # network.params builds a new list on every access: take it once per run. When the
        # parameters are views of one flat array (Sequential._pack_storage), the epoch-end
        # finiteness check and snapshot are one NumPy call each.
        self._params = network.params
        self._flat_params = _optimizers._packed_base(self._params)
        if self._flat_params is not None:
            self._good_flat = self._flat_params.copy()
            self._good_params = _views_like(self._good_flat, self._params)
        else:
            self._good_flat = None
            self._good_params = [p.copy() for p in self._params]
        self._good_buffers = {k: v.copy() for k, v in network.buffers().items()}
        if self.lbfgs:
            self._fit_lbfgs(network, X, y, sample_weight)
        else:
            # Nothing may read pre-activations during the fit unless a callback could.
            network._inplace_activations = all(
                type(cb) in _BLIND_CALLBACKS for cb in self.callbacks
            )
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    self._fit_stochastic(network, X, y, sample_weight)
            finally:
                network._inplace_activations = False
        for cb in self.callbacks:
            cb.on_train_end(self)
        if not all(np.isfinite(p).all() for p in network.params):
            self._diverged(network, "the weights became NaN or infinite")
        self.history.stop_reason = self.stop_reason
        return self.history

    def _fit_stochastic(self, network, X, y, sample_weight) -> None:
        n = X.shape[0]
        batch = n if self.batch_size is None else min(self.batch_size, n)
        params = self._params
        decay = [r for r in network.regularized] if self.weight_decay else None
        loss, opt = self.loss, self.optimizer
        # Per-batch hooks cost a Python call per step: only call those that do something.
        begin = [cb for cb in self.callbacks if _overrides(cb, "on_batch_begin")]
        end = [cb for cb in self.callbacks if _overrides(cb, "on_batch_end")]
        # Hoisted out of the batch loop: for tiny networks the loop's Python overhead is
        # the cost of training.
        rate_per_step = self.schedule_unit == "step"
        clip = not (self.clip_value is None and self.clip_norm is None)
        clip = clip or self.clip_global_norm is not None
        l2, l1 = self.l2, self.l1
        # A step is Sequential._fit_step: the work that depends only on the fit (fused
        # output? which layers work in place? the gradient list) is done once here, and so
        # is the check that every target row sums to exactly 1.
        plan = network._fit_plan(loss)
        unit_rows = (
            plan[0]
            and type(loss)._fused_value_and_gradient
            is _losses.CategoricalCrossentropy._fused_value_and_gradient
            and bool(np.all(np.add.reduce(y, axis=1) == 1))
        )
        fit_step = network._fit_step
        starts = range(0, n, batch)
        if self.shuffle:
            # Shuffled batches are gathered into two reused buffers (take with out=):
            # no allocation per step, and X itself is never copied.
            X_buf = np.empty((batch, *X.shape[1:]), dtype=X.dtype)
            y_buf = np.empty((batch, *y.shape[1:]), dtype=y.dtype)
        while self.epoch < self.epochs and not self.stop_training:
            start_time = time.perf_counter()
            order = self._shuffle_rng.permutation(n) if self.shuffle else None
            lr = self._rate()
            total = 0.0
            for start in starts:
                stop = min(start + batch, n)
                if order is None:
                    Xb, yb = X[start:stop], y[start:stop]
                    wb = None if sample_weight is None else sample_weight[start:stop]
                else:
                    idx = order[start:stop]
                    if stop - start == batch:
                        Xo, yo = X_buf, y_buf
                    else:
                        Xo, yo = X_buf[: stop - start], y_buf[: stop - start]
                    # mode="clip" lets NumPy write straight into `out` (the indices are a
                    # permutation, always in range); "raise" would buffer.
                    Xb = X.take(idx, axis=0, out=Xo, mode="clip")
                    yb = y.take(idx, axis=0, out=yo, mode="clip")
                    wb = None if sample_weight is None else sample_weight[idx]
                if rate_per_step:
                    lr = self._rate()
                value, grads = fit_step(Xb, yb, loss, wb, plan, unit_rows, l2, l1)
                if self._exploded(value):
                    self._diverged(network, f"the loss reached {value:.3g} in epoch {self.epoch}")
                    return
                if clip:
                    self._clip(grads)
                self.grads = grads
                for cb in begin:
                    cb.on_batch_begin(self)
                opt.step(params, grads, lr)
                if decay is not None:
                    step_lr = lr if lr is not None else _optimizer_rate(opt)
                    for p, d in zip(params, decay, strict=True):
                        if d:
                            p *= 1 - step_lr * self.weight_decay
                self.step += 1
                for cb in end:
                    cb.on_batch_end(self)
                total += value * ((stop - start) if wb is None else float(np.sum(wb)))
            self.samples_seen += n
            denom = n if sample_weight is None else float(np.sum(sample_weight))
            record = {"epoch": self.epoch, "loss": total / denom}
            if not self._end_epoch(network, record, lr, start_time):
                return

    def _end_epoch(self, network, record, lr, start_time) -> bool:
        """Validation, history, schedule and callbacks after an epoch; False if diverged."""
        flat = self._flat_params
        finite = (
            np.isfinite(flat).all()
            if flat is not None
            else all(np.isfinite(p).all() for p in self._params)
        )
        if not finite:
            self._diverged(network, f"the weights became NaN or infinite in epoch {self.epoch}")
            return False
        record["lr"] = float(lr) if lr is not None else _optimizer_rate(self.optimizer)
        if self.has_validation:
            X_val, y_val = self._validation
            out = network._forward(X_val, False, len(network.layers))
            record["val_loss"] = float(self.loss(y_val, out))
            if self.metric is not None:
                record["val_score"] = float(self.metric(y_val, out))
        record["seconds"] = time.perf_counter() - start_time
        self.history.records.append(record)
        # Snapshot for a later divergence into the arrays allocated once per run.
        if flat is not None:
            np.copyto(self._good_flat, flat)
        else:
            for good, p in zip(self._good_params, self._params, strict=True):
                np.copyto(good, p)
        if self._good_buffers:
            for k, v in network.buffers().items():
                np.copyto(self._good_buffers[k], v)
        if self._schedule is not None:
            self._schedule.update(record["val_loss"] if self.has_validation else record["loss"])
            if self._schedule.stop:
                self.stop_training = True
                self.stop_reason = "the learning rate fell below the schedule's minimum"
        self.epoch += 1
        for cb in self.callbacks:
            cb.on_epoch_end(self, record)
        return True

    def _fit_lbfgs(self, network, X, y, sample_weight) -> None:
        theta0 = network.pack().astype(np.float64)
        start_time = [time.perf_counter()]

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            network.unpack(theta.astype(network.dtype, copy=False))
            with np.errstate(over="ignore", invalid="ignore"):
                value, _ = network.loss_and_gradients(
                    X,
                    y,
                    self.loss,
                    sample_weight=sample_weight,
                    l2=self.l2,
                    l1=self.l1,
                    check_input=False,
                )
            if not math.isfinite(value):
                # Tell the line search this point is unusable rather than crash it.
                return math.inf, np.zeros_like(theta)
            return value, network.pack_grads().astype(np.float64)

        def callback(theta: np.ndarray) -> bool | None:
            network.unpack(theta.astype(network.dtype, copy=False))
            value, _ = fun(theta)
            network.unpack(theta.astype(network.dtype, copy=False))
            record = {"epoch": self.epoch, "loss": value}
            self._end_epoch(network, record, None, start_time[0])
            start_time[0] = time.perf_counter()
            return self.stop_training or None

        result = self.optimizer.minimize(
            fun,
            theta0,
            max_iter=self.epochs,
            max_fun=self.max_fun,
            tol=self.tol,
            callback=callback,
        )
        network.unpack(result.x.astype(network.dtype, copy=False))
        self.lbfgs_result = result
        if not self.stop_reason:
            self.stop_reason = str(result.message)

    # -- helpers ------------------------------------------------------------------------
    def _rate(self) -> float | None:
        if self._schedule is None:
            return None
        unit = self.schedule_unit
        t = self.epoch if unit == "epoch" else self.step if unit == "step" else self.samples_seen
        return float(self._schedule.rate(t))

    def _exploded(self, value: float) -> bool:
        if not math.isfinite(value):
            return True
        if self._first_batch_loss is None:
            self._first_batch_loss = max(value, 1e-12)
            return False
        return value > self.divergence_factor * self._first_batch_loss

    def _diverged(self, network: Sequential, what: str) -> None:
        for p, good in zip(network.params, self._good_params, strict=True):
            p[...] = good
        network.set_buffers(self._good_buffers)
        self.stop_training = True
        self.history.diverged = True
        self.stop_reason = (
            f"training diverged: {what}. The weights of the last finite epoch were restored. "
            "Try a lower learning rate, gradient clipping (clip_norm / clip_global_norm), "
            "or standardized inputs."
        )
        warnings.warn(self.stop_reason, DivergenceWarning, stacklevel=4)

    def _clip(self, grads: list[np.ndarray]) -> None:
        if self.clip_value is not None:
            for g in grads:
                np.clip(g, -self.clip_value, self.clip_value, out=g)
        if self.clip_norm is not None:
            for g in grads:
                norm = float(np.sqrt(np.vdot(g, g)))
                if norm > self.clip_norm:
                    g *= self.clip_norm / norm
        if self.clip_global_norm is not None:
            norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if norm > self.clip_global_norm:
                for g in grads:
                    g *= self.clip_global_norm / norm

    def _check_data(self, network, X, y, sample_weight, xname, yname):
        if network.n_inputs is None:
            raise RuntimeError("the network is not built: call network.build(n_inputs) first")
        X = check_matrix(X, xname, n_features=network.n_inputs, dtype=network.dtype, finite=False)
        _check_finite_by_blocks(X, xname)
        y = np.asarray(y)
        if y.dtype.kind not in "fiub":
            raise TypeError(f"{yname} must be numeric, got dtype {y.dtype}")
        if y.shape != (X.shape[0], network.n_outputs):
            raise ValueError(
                f"{yname} must have shape {(X.shape[0], network.n_outputs)} "
                f"(n_samples, n_outputs), got {y.shape}"
            )
        if not np.isfinite(y).all():
            raise ValueError(f"{yname} contains NaN or infinity")
        if y.dtype != network.dtype:
            y = y.astype(network.dtype)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=network.dtype)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight must have shape ({X.shape[0]},), got {sample_weight.shape}"
                )
            if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
                raise ValueError("sample_weight must be finite and non-negative")
            if not sample_weight.sum() > 0:
                raise ValueError("sample_weight must not be all zero")
        return X, y, sample_weight

    def _state_dict(self) -> dict[str, Any]:
        net = self.network
        return {
            "epoch": self.epoch,
            "step": self.step,
            "samples_seen": self.samples_seen,
            "first_batch_loss": self._first_batch_loss,
            "params": [p.copy() for p in net.params],
            "buffers": {k: v.copy() for k, v in net.buffers().items()},
            "optimizer": self.optimizer.state_dict(),
            "schedule": None if self._schedule is None else self._schedule.state_dict(),
            "shuffle_rng": self._shuffle_rng.bit_generator.state,
            "train_rng": net.rng.bit_generator.state,
            "history": self.history.records,
            "callbacks": [cb.state_dict() for cb in self.callbacks],
        }

    def _load_state_dict(self, state: dict[str, Any]) -> None:
        net = self.network
        saved = state["params"]
        if len(saved) != len(net.params) or any(
            s.shape != p.shape for s, p in zip(saved, net.params, strict=True)
        ):
            raise ValueError("the checkpoint does not match this network's parameter shapes")
        for p, s in zip(net.params, saved, strict=True):
            p[...] = s
        net.set_buffers(state["buffers"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self._schedule is not None and state["schedule"] is not None:
            self._schedule.load_state_dict(state["schedule"])
        self._shuffle_rng.bit_generator.state = state["shuffle_rng"]
        net.rng.bit_generator.state = state["train_rng"]
        self.epoch = state["epoch"]
        self.step = state["step"]
        self.samples_seen = state["samples_seen"]
        self._first_batch_loss = state["first_batch_loss"]
        self.history.records = [dict(r) for r in state["history"]]
        if len(state["callbacks"]) != len(self.callbacks):
            raise ValueError("the checkpoint was written with a different list of callbacks")
        for cb, cb_state in zip(self.callbacks, state["callbacks"], strict=True):
            cb.load_state_dict(cb_state)


def _check_finite_by_blocks(X: np.ndarray, argname: str) -> None:
    """check_matrix's NaN/inf check, a block of rows at a time (bounded temporary)."""
    rows = max(1, _FINITE_CHECK_ELEMENTS // max(1, X.shape[1]))
    for start in range(0, X.shape[0], rows):
        if not np.isfinite(X[start : start + rows]).all():
            raise ValueError(f"{argname} contains NaN or infinity")


def _views_like(flat: np.ndarray, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Views of `flat` with the shapes of `arrays`, one after the other."""
    views, start = [], 0
    for a in arrays:
        views.append(flat[start : start + a.size].reshape(a.shape))
        start += a.size
    return views


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _optimizer_rate(optimizer: Any) -> float:
    lr = getattr(optimizer, "learning_rate", math.nan)
    if hasattr(lr, "rate"):
        return float(lr.rate(optimizer.t))
    return float(lr)


def _entropy(random_state: int | np.random.Generator | None) -> int | None:
    """A SeedSequence entropy from an int seed, a Generator (drawn from it) or None."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    raise TypeError(f"random_state must be an int, a Generator or None, got {random_state!r}")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _non_negative(value: Any, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value >= 0)
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _optional_positive(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise ValueError(f"{name} must be a finite number > 0 or None, got {value!r}")
    return float(value)
