"""The training loop: batch, stochastic and mini-batch gradient descent, and L-BFGS.

:class:`Trainer` holds the configuration (loss, optimizer, schedule, batching,
regularization, clipping, callbacks) and :meth:`Trainer.fit` runs it on a
:class:`~mlplab.network.Sequential`. Everything random comes from one seed: the same
`random_state` gives bit-identical weights on the same machine.
"""

from __future__ import annotations

import copy
import itertools
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
from .callbacks import Callback, Checkpoint, CSVLogger, EarlyStopping, JSONLogger, ProgressBar
from .io import load_tree, save_tree
from .layers import BatchNorm
from .network import Sequential

_SCHEDULE_UNITS = ("epoch", "step", "sample")

# Callbacks known never to look at the layers' training-mode values (pre-activations...):
# with only these, activations may work in place during a fit (Sequential._train_forward_steps).
_BLIND_CALLBACKS = (EarlyStopping, Checkpoint, ProgressBar, CSVLogger, JSONLogger)

# Rows of X checked for NaN/inf at a time: bounds the temporary of the check to a few
# MiB instead of a boolean copy of the whole data set.
_FINITE_CHECK_ELEMENTS = 1 << 22


#: scikit-learn's error when training leaves no weights with a finite loss to return.
NON_FINITE_WEIGHTS = (
    "Solver produced non-finite parameter weights. The input data may contain large "
    "values and need to be preprocessed."
)


class DivergenceWarning(UserWarning):
    """Training diverged; weights with a finite, measured loss were kept (see Divergence)."""


class Divergence:
    """When a run of the stochastic solvers has diverged: the one place this is decided.

    A run diverges when

    1. a mini-batch loss is NaN or infinite;
    2. after an epoch, a weight or a batch-norm statistic is NaN or infinite (a
       non-finite gradient makes the weights non-finite at its step, so it is caught
       here or by the next batch's loss);
    3. the epoch loss has blown up and keeps growing: it has been above `factor` times
       the lowest loss of the epochs before it (when that is positive) for at least
       `patience` consecutive epochs, and it is not lower than at the first of them.

    Batch losses are never compared with one another: they legitimately vary by orders
    of magnitude (heavy-tailed targets, unshuffled data). A finite epoch loss within
    `factor` of the best ends a streak, and a blown-up loss that is coming back down
    does not count, so a finite, improving fit is never stopped. The trainer then
    keeps weights whose loss is finite and measured (see :class:`Trainer`). The rule
    sees the epochs of one run, i.e. one ``fit`` call: an estimator's ``partial_fit``
    call is a run of one epoch, where only tests 1 and 2 can apply. L-BFGS, whose line
    search only accepts points with a finite loss, does not use this rule.

    Parameters
    ----------
    factor : float
        How far above the best epoch loss an epoch counts as blown up, > 1;
        ``math.inf`` turns test 3 off (tests 1 and 2 always apply).
    patience : int
        Blown-up epochs in a row before test 3 can fire, >= 1.

    Attributes
    ----------
    best : float
        Lowest epoch loss of the run so far (inf before the first epoch).
    streak : int
        Blown-up epochs in a row up to the last one.
    """

    def __init__(self, factor: float = 1e4, patience: int = 3) -> None:
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 1:
            raise ValueError(f"divergence_factor must be a number > 1, got {factor!r}")
        self.factor = float(factor)
        self.patience = _positive_int(patience, "divergence_patience")
        self.reset()

    def reset(self, losses: Sequence[float] = ()) -> None:
        """Start a run; a resumed run replays the epoch `losses` it had recorded."""
        self.best = math.inf
        self.streak = 0
        self._streak_start = math.inf
        for loss in losses:
            self.epoch_diverged(loss)

    def epoch_diverged(self, loss: float) -> bool:
        """Record one epoch's loss; whether the run has now diverged (tests 1 and 3)."""
        if not math.isfinite(loss):
            return True
        if 0 < self.best and loss > self.factor * self.best:
            if self.streak == 0:
                self._streak_start = loss
            self.streak += 1
        else:
            self.streak = 0
        self.best = min(self.best, loss)
        return self.streak >= self.patience and loss >= self._streak_start

    @staticmethod
    def arrays_test(arrays: Sequence[np.ndarray]) -> Callable[[], bool]:
        """Test 2, prepared once per run: a function telling whether `arrays` hold NaN or inf.

        ``x · 0`` is 0 for every finite x and NaN for an infinite or NaN one, so one dot
        product with zeros per array answers (exactly), and for small networks several
        times faster than ``np.isfinite(a).all()``. The arrays must stay the same
        objects (the network's own parameter and buffer arrays do during a run).
        """
        pairs = [(a.reshape(-1), np.zeros(a.size, dtype=a.dtype)) for a in arrays]

        def diverged() -> bool:
            return not all(math.isfinite(a.dot(zeros)) for a, zeros in pairs)

        return diverged

    def __repr__(self) -> str:
        return f"Divergence(factor={self.factor!r}, patience={self.patience!r})"


class _Snapshot:
    """A copy of a network's parameters and buffers, in arrays allocated once per run.

    `what` describes the moment saved, e.g. ``"the start of epoch {}"``, filled with the
    epoch number given to :meth:`save` (only when a message needs it).
    """

    def __init__(self, params: list[np.ndarray], buffers: dict[str, np.ndarray], what: str):
        # When the parameters tile one flat array (Sequential._pack_storage), one copy
        # of it replaces one per array: that is what keeps snapshots cheap for tiny
        # networks. Buffers are the layers' own arrays (BatchNorm's running averages).
        flat = _optimizers._packed_base(params)
        self._live = ([flat] if flat is not None else list(params)) + list(buffers.values())
        self._copies = [a.copy() for a in self._live]
        self._pairs = list(zip(self._copies, self._live, strict=True))
        self.what = what
        self.epoch = -1  # -1: nothing saved yet

    @property
    def valid(self) -> bool:
        return self.epoch >= 0

    @property
    def label(self) -> str:
        return self.what.format(self.epoch)

    def save(self, epoch: int) -> None:
        for copy_, live in self._pairs:
            np.copyto(copy_, live)
        self.epoch = epoch

    def restore(self) -> None:
        for copy_, live in self._pairs:
            np.copyto(live, copy_)

    def state(self) -> dict[str, Any] | None:
        if not self.valid:
            return None
        return {"epoch": self.epoch, "arrays": [c.copy() for c in self._copies]}

    def load(self, state: dict[str, Any] | None) -> None:
        self.epoch = -1
        if state is None:
            return
        arrays = state["arrays"]
        if len(arrays) != len(self._copies) or any(
            np.shape(a) != c.shape for a, c in zip(arrays, self._copies, strict=True)
        ):
            raise ValueError("the checkpoint does not match this network's parameter shapes")
        for copy_, saved in zip(self._copies, arrays, strict=True):
            copy_[...] = saved
        self.epoch = int(state["epoch"])


@dataclass
class History:
    """What happened in each epoch: one dict per epoch.

    Keys: ``epoch`` (from 0), ``loss`` (training loss with penalties, averaged over the
    epoch's batches weighted by their numbers of rows, as scikit-learn does), ``lr``,
    ``seconds``, and ``val_loss`` / ``val_score`` when validation data was given. An
    epoch that diverged is recorded with what was measured: a NaN or infinite
    ``loss``, and NaN validation values when they could not be measured.

    Attributes
    ----------
    stop_reason : str or None
        Why training ended before the maximum number of epochs, if it did.
    diverged : bool
        Whether the run diverged (:class:`Divergence`).
    final_loss : float or None
        Training loss (with penalties, inference mode) of the weights the run ended
        with; measured when the run diverged or restarts were ranked, else None.
    optimize_result : scipy.optimize.OptimizeResult or None
        SciPy's result, for L-BFGS runs.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    stop_reason: str | None = None
    diverged: bool = False
    final_loss: float | None = None
    optimize_result: Any = None

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
        The last, partial batch of an epoch is used as it is, except that a network
        with batch normalization never trains on a one-row batch: a last batch of one
        row joins the batch before it, and ``batch_size=1`` is refused.
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
    divergence_factor, divergence_patience : float, int
        The knobs of :class:`Divergence`: a run also diverges when its epoch loss has
        stayed above `divergence_factor` times the best epoch loss before it for
        `divergence_patience` epochs in a row without coming back down (``math.inf``
        turns this test off). NaN or infinite losses and weights always end a run.
    max_fun, tol
        L-BFGS only: maximum loss evaluations and tolerance.
    random_state : int, Generator or None
        Seeds the shuffles, the training-time randomness and, with ``n_init > 1``, the
        re-initializations.

    Notes
    -----
    When a run diverges (:class:`Divergence`) it stops with a
    :class:`DivergenceWarning`, and the network gets the weights (and batch-norm
    statistics) that have the lowest training loss among those at the start of the
    diverged epoch, at the start of the epoch before it, at the end of the epoch with
    the lowest loss and at the start of the run, measured again on the whole training
    set in inference mode (``History.final_loss``); weights whose forward pass
    overflows do not count. The copies are taken once per epoch, not per step. When
    none of them has a finite loss, as when not even the first steps stay finite,
    ``fit`` raises scikit-learn's ``ValueError("Solver produced non-finite parameter
    weights...")``; L-BFGS raises a ValueError when the loss at its starting point is
    not finite.
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
        divergence_patience: int = 3,
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
        self.divergence = Divergence(divergence_factor, divergence_patience)
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
            Float array of the network's dtype, or of shape (n_samples, n_steps,
            n_inputs) for a network that starts with a SimpleRNN. It is never copied:
            mini-batches are gathered from it (along axis 0) one at a time.
        y : ndarray of shape (n_samples, n_outputs)
            Targets in the network's output space.
        sample_weight : ndarray of shape (n_samples,), optional
        validation_data : (X_val, y_val), optional
            Scored after every epoch (``val_loss``, and ``val_score`` with a metric).
        n_init : int
            Train from this many independent random initializations and keep the run
            whose final weights (those the run returns, after callbacks such as early
            stopping restored theirs) have the lowest validation loss, or training
            loss without validation data; both measured in inference mode.
        resume_from : path, optional
            A file written by :class:`~mlplab.callbacks.Checkpoint`: continue that run.

        Returns
        -------
        History

        Raises
        ------
        ValueError
            If a run ends with no weights whose training loss is finite
            (:data:`NON_FINITE_WEIGHTS`), or L-BFGS cannot start from a finite loss.
        """
        n_init = _positive_int(n_init, "n_init")
        if resume_from is not None and n_init != 1:
            raise ValueError("resume_from cannot be combined with n_init > 1")
        X, y, sample_weight = self._check_data(network, X, y, sample_weight, "X", "y")
        self._check_batch_norm(network, X.shape[0])
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
            if self.has_validation:
                score = self._measure(network, *self._validation, None, penalties=False)
            else:
                if history.final_loss is None:
                    history.final_loss = self._measure(network, X, y, sample_weight)
                score = history.final_loss
            if best is None or score < best[0]:
                weights = [p.copy() for p in network.params]
                buffers = {k: v.copy() for k, v in network.buffers().items()}
                best = (score, weights, buffers, history)
        assert best is not None
        for p, saved in zip(network.params, best[1], strict=True):
            p[...] = saved
        network.set_buffers(best[2])
        self.history = best[3]
        self.lbfgs_result = best[3].optimize_result
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
        self.divergence.reset()
        # network.params builds a new list on every access: take it once per run.
        self._params = network.params
        buffers = network.buffers()
        # What the epoch-end finiteness test reads: the flat array that the parameters
        # tile (one NumPy call) when they do, and the batch-norm statistics.
        flat = _optimizers._packed_base(self._params)
        tested = [flat] if flat is not None else list(self._params)
        self._not_finite = Divergence.arrays_test(tested + list(buffers.values()))
        # Weights a divergence can go back to (see the class notes): those the run
        # started from, the start of this epoch and of the one before (two copies that
        # swap roles each epoch) and the end of the best epoch.
        self._initial = _Snapshot(self._params, buffers, "the start of the run")
        self._start = _Snapshot(self._params, buffers, "the start of epoch {}")
        self._before = _Snapshot(self._params, buffers, "the start of epoch {}")
        self._best = _Snapshot(self._params, buffers, "the end of epoch {} (the lowest loss)")
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if resume_from is not None:
            self._load_state_dict(load_tree(resume_from, kind="checkpoint")[1])
        else:
            self._initial.save(0)
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
        self.history.stop_reason = self.stop_reason
        if self.history.diverged:
            # Callbacks may have put back other weights (early stopping): describe those.
            self.history.final_loss = self._measure(network, X, y, sample_weight)
            if not math.isfinite(self.history.final_loss):
                raise ValueError(NON_FINITE_WEIGHTS)
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
        # The batches of every epoch, fixed for the fit: (start, stop, X rows, y rows,
        # weights) with views made once. Unshuffled batches are views of X; shuffled
        # ones are gathered into reused buffers (take with out=): no allocation per
        # step, and X itself is never copied.
        edges = _batch_edges(n, batch, _has_batch_norm(network))
        rows = max(b - a for a, b in itertools.pairwise(edges))
        if self.shuffle:
            X_buf = np.empty((rows, *X.shape[1:]), dtype=X.dtype)
            y_buf = np.empty((rows, *y.shape[1:]), dtype=y.dtype)
            batches = [
                (a, b, X_buf[: b - a], y_buf[: b - a], None) for a, b in itertools.pairwise(edges)
            ]
        else:
            batches = [
                (a, b, X[a:b], y[a:b], None if sample_weight is None else sample_weight[a:b])
                for a, b in itertools.pairwise(edges)
            ]
        finite = math.isfinite
        while self.epoch < self.epochs and not self.stop_training:
            start_time = time.perf_counter()
            self._start, self._before = self._before, self._start
            self._start.save(self.epoch)
            order = self._shuffle_rng.permutation(n) if self.shuffle else None
            lr = self._rate()
            total = 0.0
            for start, stop, Xb, yb, wb in batches:
                if order is not None:
                    idx = order[start:stop]
                    # mode="clip" lets NumPy write straight into the buffer (the indices
                    # are a permutation, always in range); "raise" would buffer.
                    X.take(idx, axis=0, out=Xb, mode="clip")
                    y.take(idx, axis=0, out=yb, mode="clip")
                    if sample_weight is not None:
                        wb = sample_weight[idx]
                if rate_per_step:
                    lr = self._rate()
                value, grads = fit_step(Xb, yb, loss, wb, plan, unit_rows, l2, l1)
                # scikit-learn's epoch loss: batch losses weighted by their numbers of rows.
                total += value * (stop - start)
                if not finite(value):  # Divergence, test 1
                    record = {"epoch": self.epoch, "loss": total / stop}
                    self._record_epoch(network, record, lr, start_time, measured=False)
                    self._diverged(
                        network,
                        X,
                        y,
                        sample_weight,
                        f"the loss reached {value} in epoch {self.epoch}",
                        batch_index=start,
                    )
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
            self.samples_seen += n
            record = {"epoch": self.epoch, "loss": total / n}
            broken = self._not_finite()  # Divergence, test 2
            self._record_epoch(network, record, lr, start_time, measured=not broken)
            if broken:
                what = f"the weights became NaN or infinite in epoch {self.epoch}"
                self._diverged(network, X, y, sample_weight, what, batch_index=None)
                return
            improved = record["loss"] < self.divergence.best
            if self.divergence.epoch_diverged(record["loss"]):  # test 3
                what = (
                    f"the epoch loss stayed above {self.divergence.factor:g} × the best "
                    f"epoch loss ({self.divergence.best:.4g}) for "
                    f"{self.divergence.streak} epochs and reached {record['loss']:.4g}"
                )
                self._diverged(network, X, y, sample_weight, what, batch_index=None)
                return
            if improved:
                self._best.save(self.epoch)
            self._end_epoch(record)

    def _record_epoch(self, network, record, lr, start_time, measured: bool = True) -> None:
        """Complete an epoch's record (rate, validation, time) and append it to the history."""
        record["lr"] = float(lr) if lr is not None else _optimizer_rate(self.optimizer)
        if self.has_validation:
            if measured:
                X_val, y_val = self._validation
                out = network._forward(X_val, False, len(network.layers))
                record["val_loss"] = float(self.loss(y_val, out))
                if self.metric is not None:
                    record["val_score"] = float(self.metric(y_val, out))
            else:
                record["val_loss"] = math.nan
                if self.metric is not None:
                    record["val_score"] = math.nan
        record["seconds"] = time.perf_counter() - start_time
        self.history.records.append(record)

    def _end_epoch(self, record) -> None:
        """Schedule and callbacks after an epoch recorded in the history."""
        if self._schedule is not None:
            self._schedule.update(record["val_loss"] if self.has_validation else record["loss"])
            if self._schedule.stop:
                self.stop_training = True
                self.stop_reason = "the learning rate fell below the schedule's minimum"
        self.epoch += 1
        for cb in self.callbacks:
            cb.on_epoch_end(self, record)

    def _diverged(self, network, X, y, sample_weight, what: str, batch_index: int | None) -> None:
        """Stop the run and put back the kept weights (see the class notes)."""
        self.stop_training = True
        self.history.diverged = True
        # A first batch that is not finite condemns the weights the epoch started from.
        candidates = [self._start, self._before, self._best, self._initial]
        if batch_index == 0:
            candidates.remove(self._start)
        kept, kept_loss = None, math.inf
        for snap in candidates:
            if not snap.valid:
                continue
            snap.restore()
            value = self._measure(network, X, y, sample_weight)
            if value < kept_loss:
                kept, kept_loss = snap, value
        if kept is None:
            # Nothing finite to return: Trainer._run raises NON_FINITE_WEIGHTS, leaving
            # the network as the run found it.
            (self._initial if self._initial.valid else self._start).restore()
            self.stop_reason = f"training diverged: {what}, and no weights had a finite loss"
            return
        kept.restore()
        self.stop_reason = (
            f"training diverged: {what}. The weights of {kept.label} were restored "
            f"(training loss {kept_loss:.6g}). Try a lower learning rate, gradient "
            "clipping (clip_norm / clip_global_norm), or standardized inputs."
        )
        warnings.warn(self.stop_reason, DivergenceWarning, stacklevel=5)

    def _measure(self, network, X, y, sample_weight, penalties: bool = True) -> float:
        """Loss of the network's current weights on (X, y), in inference mode.

        The training loss, with the L1/L2 penalties when `penalties`, computed from the
        logits where the loss is fused with the output (as in training), a block of
        rows at a time. inf when it is not finite, or when the forward pass overflows
        anywhere on the way (weights that predict could not use without NaN or
        overflow warnings).
        """
        loss = self.loss
        fused = network._fused_output(loss)
        stop = len(network.layers) - 1 if fused else len(network.layers)
        # Values per row on the way; a recurrent layer keeps n_steps of them (issue 14).
        steps = X.shape[1] if X.ndim == 3 else 1
        widest = max(
            [math.prod(X.shape[1:]), *(steps * (layer.n_out or 0) for layer in network.layers)]
        )
        rows = max(1, _FINITE_CHECK_ELEMENTS // widest)
        n = X.shape[0]
        total = 0.0
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                for start in range(0, n, rows):
                    part = slice(start, start + rows)
                    w = None if sample_weight is None else sample_weight[part]
                    weight = min(n, start + rows) - start if w is None else float(np.sum(w))
                    if weight == 0:
                        continue  # rows of weight 0 do not count (and have no mean)
                    out = network._forward(X[part], False, stop)
                    if fused:
                        value = loss.value_from_logits(y[part], out, w)
                    else:
                        value = loss(y[part], out, w)
                    total += float(value) * weight
                value = total / (n if sample_weight is None else float(np.sum(sample_weight)))
                if penalties and (self.l2 or self.l1):
                    # The penalty of Sequential._add_penalties (which also adds to the
                    # gradient arrays: scratch space that nothing reads after this).
                    value = network._add_penalties(value, X, sample_weight, self.l2, self.l1)
        except (FloatingPointError, ValueError):  # overflow, or outside the loss's domain
            return math.inf
        return value if math.isfinite(value) else math.inf

    def _fit_lbfgs(self, network, X, y, sample_weight) -> None:
        theta0 = network.pack().astype(np.float64)
        start_time = [time.perf_counter()]
        # The last point evaluated: SciPy's first call is the start, checked below,
        # and its iteration callback gets the point of the last accepted evaluation.
        last: dict[str, Any] = {"x": None}

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            network.unpack(theta.astype(network.dtype, copy=False))
            if last["x"] is not None and np.array_equal(theta, last["x"]):
                return last["value"], last["grad"].copy()
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
            grad = network.pack_grads().astype(np.float64)
            last.update(x=theta.copy(), value=value, grad=grad.copy())
            return value, grad

        def callback(theta: np.ndarray) -> bool | None:
            value, _ = fun(theta)
            record = {"epoch": self.epoch, "loss": value}
            self._record_epoch(network, record, None, start_time[0])
            self._end_epoch(record)
            start_time[0] = time.perf_counter()
            return self.stop_training or None

        value, _ = fun(theta0)
        if not math.isfinite(value):
            raise ValueError(
                "L-BFGS cannot start: the training loss at the initial weights is not "
                "finite. The input data may contain large values and need to be "
                "preprocessed."
            )
        result = self.optimizer.minimize(
            fun,
            theta0,
            max_iter=self.epochs,
            max_fun=self.max_fun,
            tol=self.tol,
            callback=callback,
        )
        network.unpack(result.x.astype(network.dtype, copy=False))
        _refresh_batch_norm(network, X)
        self.lbfgs_result = result
        self.history.optimize_result = result
        if not self.stop_reason:
            self.stop_reason = str(result.message)

    # -- helpers ------------------------------------------------------------------------
    def _rate(self) -> float | None:
        if self._schedule is None:
            return None
        unit = self.schedule_unit
        t = self.epoch if unit == "epoch" else self.step if unit == "step" else self.samples_seen
        return float(self._schedule.rate(t))

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

    def _check_batch_norm(self, network: Sequential, n: int) -> None:
        """Batch norm cannot learn from a batch of one row: refuse fits that would need one."""
        if not _has_batch_norm(network):
            return
        if n < 2:
            raise ValueError(
                "a network with batch normalization needs at least 2 samples to train, "
                f"got {n} sample"
            )
        if self.batch_size == 1 and not self.lbfgs:
            raise ValueError(
                "batch_size=1 cannot train a network with batch normalization "
                "(batch_norm=True): a batch of one row has variance 0, so it cannot be "
                "normalized and the running statistics would learn nothing from it. "
                "Use batch_size >= 2."
            )

    def _check_data(self, network, X, y, sample_weight, xname, yname):
        if network.n_inputs is None:
            raise RuntimeError("the network is not built: call network.build(n_inputs) first")
        # The network knows its input's shape: (n_samples, n_inputs), or 3-D sequences
        # (n_samples, n_steps, n_inputs) when it starts with a SimpleRNN (issue 14).
        X = network._check_input(X, xname, finite=False)
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
            "params": [p.copy() for p in net.params],
            "buffers": {k: v.copy() for k, v in net.buffers().items()},
            "optimizer": self.optimizer.state_dict(),
            "schedule": None if self._schedule is None else self._schedule.state_dict(),
            "shuffle_rng": self._shuffle_rng.bit_generator.state,
            "train_rng": net.rng.bit_generator.state,
            "history": self.history.records,
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            # Saved at an epoch's end: the next epoch's "before" is this epoch's start.
            "divergence_snapshots": {
                name: getattr(self, f"_{name}").state() for name in ("initial", "start", "best")
            },
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
        self.history.records = [dict(r) for r in state["history"]]
        self.divergence.reset([r["loss"] for r in self.history.records])
        snapshots = state.get("divergence_snapshots", {})  # absent from older checkpoints
        for name in ("initial", "start", "best"):
            getattr(self, f"_{name}").load(snapshots.get(name))
        if len(state["callbacks"]) != len(self.callbacks):
            raise ValueError("the checkpoint was written with a different list of callbacks")
        for cb, cb_state in zip(self.callbacks, state["callbacks"], strict=True):
            cb.load_state_dict(cb_state)


def _check_finite_by_blocks(X: np.ndarray, argname: str) -> None:
    """check_matrix's NaN/inf check, a block of rows at a time (bounded temporary)."""
    rows = max(1, _FINITE_CHECK_ELEMENTS // max(1, math.prod(X.shape[1:])))  # 2-D or 3-D X
    for start in range(0, X.shape[0], rows):
        if not np.isfinite(X[start : start + rows]).all():
            raise ValueError(f"{argname} contains NaN or infinity")


def _has_batch_norm(network: Sequential) -> bool:
    return any(isinstance(layer, BatchNorm) for layer in network.layers)


def _batch_edges(n: int, batch: int, no_single_row: bool) -> list[int]:
    """Row indices where the batches of an epoch start, then `n`.

    With `no_single_row` (batch norm) a last batch of one row joins the batch before it.
    """
    edges = [*range(0, n, batch), n]
    if no_single_row and len(edges) > 2 and edges[-1] - edges[-2] == 1:
        del edges[-2]
    return edges


def _refresh_batch_norm(network: Sequential, X: np.ndarray) -> None:
    """Set every BatchNorm's running statistics from one training pass over all of X.

    L-BFGS evaluates the loss at many trial points of its line searches; the running
    averages those evaluations leave mix them all. One full-batch pass at the final
    weights with momentum 1 replaces them by the statistics of the training data
    (mean and unbiased variance of each layer's input).
    """
    layers = [layer for layer in network.layers if isinstance(layer, BatchNorm)]
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 1.0
        with np.errstate(over="ignore", invalid="ignore"):
            network._forward(X, True, len(network.layers))
    finally:
        for layer, m in zip(layers, momenta, strict=True):
            layer.momentum = m


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
