"""The training loop: batch, stochastic and mini-batch gradient descent, and L-BFGS.

:class:`Trainer` is the configuration (loss, optimizer, schedule, batching,
regularization, clipping, callbacks); it never changes while it trains. Each run of it
on a :class:`~mlplab.network.Sequential` is a :class:`TrainingRun`: the network, this
run's copies of the optimizer and schedule, the random generators, the counters, the
history, the divergence guard. Callbacks receive the run.

:meth:`Trainer.fit` is ``start``, ``run`` and ``finish`` of one run (of the best of
``n_init``). A program that shows training as it goes (the playground) drives a run
itself, an epoch or a few batches at a time, with the same rules::

    run = trainer.start(network, X, y)
    while not run.done:
        run.run_epoch()          # or run.run_steps(10), then draw
    history = run.finish()

How each step is computed, the fast path or the reference path, is decided once per
run in one place, :meth:`FitPlan.choose`. Everything random comes from one seed: the
same `random_state` gives bit-identical weights on the same machine.
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

from . import _kernels
from . import losses as _losses
from . import optimizers as _optimizers
from . import schedules as _schedules
from ._validation import (
    check_int,
    check_non_negative,
    check_optional_positive,
    check_positive,
    check_sample_weight,
)
from ._warnings import user_stacklevel
from .callbacks import Callback, ProgressBar
from .io import load_tree, save_tree
from .layers import BatchNorm
from .network import BLOCK_ELEMENTS, Sequential, StepPlan

__all__ = [
    "NON_FINITE_WEIGHTS",
    "Divergence",
    "DivergenceWarning",
    "FitPlan",
    "History",
    "RunStart",
    "Trainer",
    "TrainingRun",
    "clip_gradients",
]

_SCHEDULE_UNITS = ("epoch", "step", "sample")

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
    does not count, so a finite, improving fit is never stopped. The run then keeps
    weights whose loss is finite and measured (see :class:`Trainer`). The rule sees
    the epochs of one run, i.e. one ``fit`` call: an estimator's ``partial_fit`` call
    is a run of one epoch, where only tests 1 and 2 can apply. L-BFGS, whose line
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
        self.patience = check_int(patience, "divergence_patience")
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
        if len(pairs) == 1:  # one flat array (no batch norm): the test of every epoch
            flat, zeros = pairs[0]
            return lambda: not math.isfinite(flat.dot(zeros))

        def diverged() -> bool:
            return not all(math.isfinite(a.dot(zeros)) for a, zeros in pairs)

        return diverged

    def __repr__(self) -> str:
        return f"Divergence(factor={self.factor!r}, patience={self.patience!r})"


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
    records : list of dict
        One dict per epoch, in order.
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
        """Number of epochs recorded."""
        return len(self.records)


@dataclass(frozen=True)
class RunStart:
    """Where a run starts counting from when it continues earlier training.

    An estimator's ``partial_fit`` is one run of one epoch that goes on with the
    optimizer of the call before; a program that changes the configuration between
    epochs (a new learning rate, batch size, penalty) finishes its run and starts one of
    a new trainer from the same network, going on from the old run's counters. This
    carries what goes on.

    Attributes
    ----------
    optimizer : dict or None
        An ``Optimizer.state_dict()`` to load into the run's optimizer before its first
        step (moments, step count); None starts it afresh.
    schedule : dict or None
        A ``Schedule.state_dict()`` for the run's schedule (a reduced plateau rate).
    samples_seen : int
        Training samples seen before this run (what ``schedule_unit="sample"`` counts).
    epoch, step : int
        Epochs and steps done before this run: the schedule's counter goes on from
        them, the history numbers epochs from `epoch`, and the run ends at the
        trainer's ``epochs`` counted from 0.
    """

    optimizer: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    samples_seen: int = 0
    epoch: int = 0
    step: int = 0


@dataclass(frozen=True)
class FitPlan:
    """How every step of a run is computed: decided once, by :meth:`choose`.

    Attributes
    ----------
    step : StepPlan
        The network's step (:meth:`Sequential.step_plan`): fused loss, in-place
        activations, the unit-rows shortcut, or the checked reference step.
    packed : bool
        The optimizer updates all parameters with one call per operation on their flat
        array (:meth:`~mlplab.optimizers.Optimizer.pack`) instead of array by array.
    kernels : bool
        The compiled kernels run the elementwise work (:mod:`mlplab._kernels`): the
        fused layer steps and loss of :attr:`step`, the optimizer's update in one pass,
        the batch gather.
    small : mlplab._kernels._small.SmallNetwork or None
        The whole-step kernel of a small network (with `kernels`): every batch of an
        epoch in one call, when nothing else acts between the steps (see
        :func:`_small_steps`). Its results agree with the others' to rounding.
    """

    step: StepPlan
    packed: bool
    kernels: bool = False
    small: Any = None

    @classmethod
    def choose(
        cls,
        network: Sequential,
        loss: _losses.Loss,
        optimizer: Any,
        callbacks: Sequence[Callback],
        y: np.ndarray,
        *,
        fast: bool = True,
        batch_size: int | None = None,
    ) -> FitPlan:
        """The one place where the fast path is chosen, from what each party declares.

        * In-place activations, unless a callback declares
          :attr:`~mlplab.callbacks.Callback.reads_layer_values` (callbacks that do not
          say are assumed to read them).
        * The loss's unit-rows shortcut, when it has one
          (:attr:`~mlplab.losses.Loss.unit_rows_shortcut`) and every row of `y` sums to
          exactly 1 (checked here, once per run).
        * Packed optimizer updates, when the optimizer's rule is elementwise and the
          network's parameters and gradients tile one flat array each.
        * The compiled kernels (:mod:`mlplab._kernels`) for the elementwise work, unless
          ``MLPLAB_JIT=0`` (read now, see :func:`mlplab._kernels.enabled`); with the
          same bits as without them; for a small network (:func:`_small_network`),
          the whole-step kernel, which agrees with them to rounding.

        With ``fast=False`` none of these: every step is the validated
        :meth:`Sequential.loss_and_gradients` and the optimizer's per-array rule (the
        reference path, which gives the same weights).

        Parameters
        ----------
        network : Sequential
            The built network the run trains.
        loss : Loss
            The training loss.
        optimizer : Optimizer
            The run's optimizer (its state already loaded, if any).
        callbacks : sequence of Callback
            The run's callbacks.
        y : ndarray of shape (n_samples, n_outputs)
            The training targets.
        fast : bool
            Take the fast path where allowed.
        batch_size : int, optional
            Rows per batch (None: all), for the choice of the whole-step kernel.

        Returns
        -------
        FitPlan
        """
        if not fast:
            return cls(network.step_plan(loss, checked=True), packed=False)
        inplace = not any(cb.reads_layer_values for cb in callbacks)
        unit_rows = (
            network.fused_output(loss)
            and loss.unit_rows_shortcut
            and bool(np.all(np.add.reduce(y, axis=1) == 1))
        )
        kernels = _kernels.enabled()
        step = network.step_plan(
            loss, inplace_activations=inplace, unit_rows=unit_rows, kernels=kernels
        )
        params = network.params
        packed = isinstance(optimizer, _optimizers.Optimizer) and optimizer.pack(
            params, step.grads, compiled=kernels
        )
        small = _small_network(network, loss, optimizer, batch_size) if packed and kernels else None
        return cls(step, packed, kernels, small)


class Trainer:
    """Trains a network by gradient descent or L-BFGS: the configuration of a training.

    Parameters
    ----------
    loss : str or Loss
        From :mod:`mlplab.losses`; fused with the output activation where possible.
    optimizer : str or Optimizer
        ``"sgd"``, ``"adam"``... or an instance from :mod:`mlplab.optimizers` (each run
        trains a copy of it); ``"lbfgs"`` trains full batch through scipy.
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
        Decoupled decay ``W ← W − lr · weight_decay · W`` of the weights (not biases)
        at each step, before the optimizer's update
        (:func:`mlplab.optimizers.decay_weights`, as :class:`~mlplab.optimizers.AdamW`).
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
    random_state : int, Generator, RandomState or None
        Seeds the shuffles, the training-time randomness and, with ``n_init > 1``, the
        re-initializations. A legacy ``numpy.random.RandomState`` draws the epochs'
        orders as scikit-learn's MLP does (each epoch shuffles the last epoch's order
        again with it, so the same RandomState gives scikit-learn's batches); the rest
        is then seeded from a copy of it, leaving its stream to the orders.
    fast : bool
        Take the fast path where the network, loss and callbacks allow it
        (:meth:`FitPlan.choose`); False trains through the reference path, the
        validated ``loss_and_gradients`` and the optimizer's per-array rule. Both give
        the same weights.

    Attributes
    ----------
    last_run : TrainingRun or None
        The run the last :meth:`fit` kept (or the last one :meth:`start` began).

    Notes
    -----
    When a run diverges (:class:`Divergence`) it stops with a
    :class:`DivergenceWarning`, and the network gets the weights (and batch-norm
    statistics) that have the lowest training loss among those at the start of the
    diverged epoch, at the start of the epoch before it, at the end of the epoch with
    the lowest loss and at the start of the run, measured again on the whole training
    set in inference mode (``History.final_loss``); weights whose forward pass
    overflows do not count. A callback that puts back weights of its own at the end
    (:class:`~mlplab.callbacks.EarlyStopping` with ``restore_best_weights``, as the
    estimators' early stopping does) still has the last word, and the warning says so
    (:meth:`~mlplab.callbacks.Callback.weights_put_back`); ``final_loss`` is measured
    after it. The copies are taken once per epoch, not per step. When
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
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        fast: bool = True,
    ) -> None:
        self.loss = _losses.get(loss)
        self.optimizer = optimizer if not isinstance(optimizer, str) else _optimizers.get(optimizer)
        self.lbfgs = isinstance(self.optimizer, _optimizers.LBFGS)
        if learning_rate is None:
            self.schedule = None
        elif isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool):
            self.schedule = _schedules.get(check_positive(learning_rate, "learning_rate"))
        else:
            self.schedule = _schedules.get(learning_rate)
        if schedule_unit not in _SCHEDULE_UNITS:
            raise ValueError(
                f"schedule_unit must be one of {_SCHEDULE_UNITS}, got {schedule_unit!r}"
            )
        self.schedule_unit = schedule_unit
        self.epochs = check_int(epochs, "epochs")
        self.batch_size = None if batch_size is None else check_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.l2 = check_non_negative(l2, "l2")
        self.l1 = check_non_negative(l1, "l1")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        self.clip_value = check_optional_positive(clip_value, "clip_value")
        self.clip_norm = check_optional_positive(clip_norm, "clip_norm")
        self.clip_global_norm = check_optional_positive(clip_global_norm, "clip_global_norm")
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks[{i}] must be a Callback, got {type(cb).__name__}")
        if verbose and not any(isinstance(cb, ProgressBar) for cb in callbacks):
            callbacks.append(ProgressBar())
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        self.metric = metric
        self.divergence = Divergence(divergence_factor, divergence_patience)
        self.max_fun = check_int(max_fun, "max_fun")
        self.tol = check_non_negative(tol, "tol")
        self.random_state = random_state
        self.fast = bool(fast)
        self.last_run: TrainingRun | None = None

    # -- training ---------------------------------------------------------------------
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
        start: RunStart | None = None,
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
            Non-negative weights of the samples, not all zero.
        validation_data : (X_val, y_val), optional
            Scored after every epoch (``val_loss``, and ``val_score`` with a metric).
        n_init : int
            Train from this many independent random initializations and keep the run
            whose final weights (those the run returns, after callbacks such as early
            stopping restored theirs) have the lowest validation loss, or training
            loss without validation data; both measured in inference mode. The
            callbacks then hold the state they had at the end of that run.
        resume_from : path, optional
            A file written by :class:`~mlplab.callbacks.Checkpoint`: continue that run.
        start : RunStart, optional
            Continue earlier training: the optimizer state, schedule state and sample
            count to start from.

        Returns
        -------
        History

        Raises
        ------
        ValueError
            If a run ends with no weights whose training loss is finite
            (:data:`NON_FINITE_WEIGHTS`), or L-BFGS cannot start from a finite loss.
        """
        n_init = check_int(n_init, "n_init")
        if n_init != 1 and (resume_from is not None or start is not None):
            raise ValueError("resume_from and start cannot be combined with n_init > 1")
        data = _TrainingData.check(network, X, y, sample_weight, validation_data)
        self._check_batch_norm(network, data.X.shape[0])
        seeds = np.random.SeedSequence(_entropy(self.random_state))
        if n_init == 1:
            run = TrainingRun(self, network, data, seeds, 0, resume_from, start)
            self.last_run = run
            try:
                return run.run()
            finally:
                run._release()
        best: tuple[float, Any, dict[str, Any], list[dict[str, Any]], TrainingRun] | None = None
        for index, child in enumerate(seeds.spawn(n_init)):
            network.random_state = np.random.default_rng(child.spawn(1)[0])
            network.build(network.n_inputs)
            run = TrainingRun(self, network, data, child, index, None, None)
            self.last_run = run
            try:
                run.run()
                score = run.ranking_loss()
            finally:
                run._release()
            if best is None or score < best[0]:
                weights = [p.copy() for p in network.params]
                buffers = {k: v.copy() for k, v in network.buffers().items()}
                states = [cb.state_dict() for cb in self.callbacks]
                best = (score, weights, buffers, states, run)
        assert best is not None
        _, weights, buffers, states, run = best
        for p, saved in zip(network.params, weights, strict=True):
            p[...] = saved
        network.set_buffers(buffers)
        for cb, state in zip(self.callbacks, states, strict=True):
            cb.load_state_dict(state)
        self.last_run = run
        return run.history

    def start(
        self,
        network: Sequential,
        X: np.ndarray,
        y: np.ndarray,
        *,
        sample_weight: np.ndarray | None = None,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        resume_from: str | os.PathLike[str] | None = None,
        start: RunStart | None = None,
    ) -> TrainingRun:
        """Begin one run and return it, untrained: the incremental way to train.

        The run's callbacks have had ``on_train_begin``. Drive it with
        :meth:`TrainingRun.run_epoch` or :meth:`TrainingRun.run_steps` as long as
        :attr:`TrainingRun.done` is False (pause between calls as long as you like),
        then call :meth:`TrainingRun.finish`. ``fit(network, X, y)`` is the same with
        every epoch run at once. The arguments are those of :meth:`fit`.

        Returns
        -------
        TrainingRun
        """
        data = _TrainingData.check(network, X, y, sample_weight, validation_data)
        self._check_batch_norm(network, data.X.shape[0])
        seeds = np.random.SeedSequence(_entropy(self.random_state))
        self.last_run = TrainingRun(self, network, data, seeds, 0, resume_from, start)
        return self.last_run

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write the full training state of :attr:`last_run` (see :class:`TrainingRun`)."""
        if self.last_run is None:
            raise RuntimeError("there is no run to checkpoint: call fit or start first")
        self.last_run.save_checkpoint(path)

    # -- what the last run did (read-only) ----------------------------------------------
    @property
    def history(self) -> History | None:
        """The :class:`History` of :attr:`last_run`."""
        return None if self.last_run is None else self.last_run.history

    @property
    def epoch(self) -> int:
        """Epochs completed by :attr:`last_run`."""
        return 0 if self.last_run is None else self.last_run.epoch

    @property
    def step(self) -> int:
        """Optimizer steps taken by :attr:`last_run`."""
        return 0 if self.last_run is None else self.last_run.step

    @property
    def stop_reason(self) -> str | None:
        """Why :attr:`last_run` stopped early, if it did."""
        return None if self.last_run is None else self.last_run.stop_reason

    @property
    def lbfgs_result(self) -> Any:
        """SciPy's result of :attr:`last_run`, for L-BFGS."""
        return None if self.last_run is None else self.last_run.history.optimize_result

    # -- checks -------------------------------------------------------------------------
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


@dataclass(frozen=True)
class _TrainingData:
    """A fit's data, validated once: every run of the fit reads it as it is."""

    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    validation: tuple[np.ndarray, np.ndarray] | None

    @classmethod
    def check(
        cls,
        network: Sequential,
        X: Any,
        y: Any,
        sample_weight: Any,
        validation_data: Any,
    ) -> _TrainingData:
        if network.n_inputs is None:
            raise RuntimeError("the network is not built: call network.build(n_inputs) first")
        X, y = _check_pair(network, X, y, "X", "y")
        sample_weight = check_sample_weight(sample_weight, X.shape[0], dtype=network.dtype)
        validation = None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a tuple (X_val, y_val)")
            validation = _check_pair(network, *validation_data, "X_val", "y_val")
        return cls(X, y, sample_weight, validation)


def _check_pair(
    network: Sequential, X: Any, y: Any, xname: str, yname: str
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets in the network's dtype and shapes, finite; X is never copied."""
    # The network knows its input's shape: (n_samples, n_inputs), or 3-D sequences
    # (n_samples, n_steps, n_inputs) when it starts with a SimpleRNN (issue 14).
    X = network.check_input(X, xname, finite=False)
    # The NaN/inf check, a block of rows at a time (bounded temporary).
    rows = max(1, BLOCK_ELEMENTS // max(1, math.prod(X.shape[1:])))
    for start in range(0, X.shape[0], rows):
        if not np.isfinite(X[start : start + rows]).all():
            raise ValueError(f"{xname} contains NaN or infinity")
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
    return X, y.astype(network.dtype, copy=False)


class TrainingRun:
    """One run of a :class:`Trainer` on a network: everything that changes while it trains.

    Made by :meth:`Trainer.start` (and by :meth:`Trainer.fit`, once per restart); this
    is what callbacks receive. The trainer's configuration is read, never written.

    Attributes
    ----------
    trainer : Trainer
        The configuration.
    divergence : Divergence
        This run's divergence rule, with its record of the epochs.
    plan : FitPlan or None
        How each step is computed (None for L-BFGS).
    network, optimizer, schedule, loss, history, epoch, step, samples_seen, epochs
        As :class:`~mlplab.callbacks.RunState` describes them, with the other
        attributes a callback reads: ``n_samples``, ``batch_size``,
        ``has_validation``, ``grads``, ``index``, ``stop_training`` and
        ``stop_reason``.
    """

    def __init__(
        self,
        trainer: Trainer,
        network: Sequential,
        data: _TrainingData,
        seeds: np.random.SeedSequence,
        index: int,
        resume_from: str | os.PathLike[str] | None,
        start: RunStart | None,
    ) -> None:
        self.trainer = trainer
        self.network = network
        self.loss = trainer.loss
        self.epochs = trainer.epochs
        self.batch_size = trainer.batch_size
        self.n_samples = data.X.shape[0]
        self.has_validation = data.validation is not None
        self.index = index
        self.callbacks = trainer.callbacks
        self._data = data
        shuffle_seed, train_seed = seeds.spawn(2)
        legacy = isinstance(trainer.random_state, np.random.RandomState)
        self._shuffle_rng = trainer.random_state if legacy else np.random.default_rng(shuffle_seed)
        self._order: np.ndarray | None = None
        network.reseed(np.random.default_rng(train_seed))
        self.optimizer = copy.deepcopy(trainer.optimizer)
        self.optimizer.reset()
        self.schedule = copy.deepcopy(trainer.schedule)
        self._monitor = _monitored_key(self.schedule, self.has_validation, trainer.metric)
        self.history = History()
        self.stop_training = False
        self.stop_reason: str | None = None
        self.epoch = self.step = self.samples_seen = 0
        self.grads: list[np.ndarray] = []
        self.divergence = Divergence(trainer.divergence.factor, trainer.divergence.patience)
        self._kept = _KeptWeights(network)
        self._finished = False
        self._epoch_open = False
        if start is not None:
            if start.optimizer is not None:
                self.optimizer.load_state_dict(start.optimizer)
            if start.schedule is not None and self.schedule is not None:
                self.schedule.load_state_dict(start.schedule)
            self.samples_seen = int(start.samples_seen)
            self.epoch, self.step = int(start.epoch), int(start.step)
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if resume_from is not None:
            _resume(self, load_tree(resume_from, kind="checkpoint")[1])
        else:
            self._kept.initial.save(0)
        self.plan: FitPlan | None = None
        if not trainer.lbfgs:
            self._batches = _batches(data, self.batch_size, trainer.shuffle, network)
            self.plan = FitPlan.choose(
                network,
                self.loss,
                self.optimizer,
                self.callbacks,
                data.y,
                fast=trainer.fast,
                batch_size=max(b - a for a, b, *_ in self._batches),
            )
            # What every step reads, fixed for the run: for tiny networks the loop's
            # Python overhead is the cost of training. network.params builds a new list
            # on every access; per-batch hooks cost a call per step: only those that act.
            self._params = network.params
            self._decay = network.regularized if trainer.weight_decay else None
            self._begin = [cb for cb in self.callbacks if _overrides(cb, "on_batch_begin")]
            self._end = [cb for cb in self.callbacks if _overrides(cb, "on_batch_end")]
            self._clipping = (trainer.clip_value, trainer.clip_norm, trainer.clip_global_norm)
            # The whole-step kernel runs the batches when nothing acts between its steps.
            self._small = self.plan.small is not None and not (
                self._begin
                or self._end
                or self._clipping != (None, None, None)
                or trainer.schedule_unit == "step"
                or trainer.l1
                or self._decay is not None
                or data.sample_weight is not None
            )
            self._bounds = np.array([(a, b) for a, b, *_ in self._batches], dtype=np.int64)
            self._rows = [b - a for a, b, *_ in self._batches]

    # -- driving the run ----------------------------------------------------------------
    @property
    def done(self) -> bool:
        """Whether the run has no epoch left to train (the maximum reached, or stopped)."""
        return not self._epoch_open and (self.stop_training or self.epoch >= self.epochs)

    def run(self) -> History:
        """Train every epoch left, then :meth:`finish`; return the :class:`History`."""
        self._check_can_train(lbfgs_ok=True)
        if self.trainer.lbfgs:
            _fit_lbfgs(self, self._data)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                while not self.done:
                    self._train_epoch()
        return self.finish()

    def run_epoch(self) -> dict[str, float] | None:
        """Train to the end of an epoch: the rest of the one under way, or a new one.

        Returns
        -------
        dict or None
            The epoch's record (as appended to :attr:`history`); None when the run was
            already done, or diverged within the epoch (:attr:`stop_reason` says so).
        """
        self._check_can_train()
        if self.done:
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            return self._train_epoch()

    def run_steps(self, steps: int) -> int:
        """Take up to `steps` optimizer steps, ending and beginning epochs on the way.

        An epoch that ends within them is recorded, scored and shown to the
        callbacks exactly as in :meth:`run`; one that is under way when they end goes
        on at the next call. The weights after any sequence of calls are those a
        :meth:`run` gives at the same step.

        Parameters
        ----------
        steps : int
            The most steps to take, ``>= 1``.

        Returns
        -------
        int
            Steps taken: fewer than `steps` when the run ended (:attr:`done`).
        """
        steps = check_int(steps, "steps")
        self._check_can_train()
        first = self.step
        with np.errstate(over="ignore", invalid="ignore"):
            while self.step - first < steps and not self.done:
                if not self._epoch_open:
                    self._open_epoch()
                left = len(self._batches) - self._next
                if not self._steps(min(left, steps - (self.step - first))):
                    break
                if self._next == len(self._batches):
                    self._close_epoch()
        return self.step - first

    def finish(self) -> History:
        """End the run: the callbacks' ``on_train_end``, and the kept weights' loss.

        An epoch under way (:meth:`run_steps`) is left unrecorded. Calling it again
        returns the same history.

        Returns
        -------
        History

        Raises
        ------
        ValueError
            When the run diverged and no weights with a finite loss were left
            (:data:`NON_FINITE_WEIGHTS`).
        """
        if self._finished:
            return self.history
        self._finished = True
        self._epoch_open = False
        for cb in self.callbacks:
            cb.on_train_end(self)
        self.history.stop_reason = self.stop_reason
        if self.history.diverged:
            # Callbacks may have put back other weights (early stopping): describe those.
            self.history.final_loss = self.measure()
            if not math.isfinite(self.history.final_loss):
                raise ValueError(NON_FINITE_WEIGHTS)
        return self.history

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write the full training state (weights, optimizer, schedule, generators...).

        ``Trainer.fit(..., resume_from=path)`` continues it bit for bit; written by
        :class:`~mlplab.callbacks.Checkpoint` at the end of an epoch.
        """
        save_tree(path, _checkpoint_state(self), kind="checkpoint")

    def measure(self, validation: bool = False) -> float:
        """Loss of the network's current weights, in inference mode.

        The training loss with its penalties on the training data, or the plain loss on
        the validation data; inf when it is not finite, or when the forward pass
        overflows anywhere on the way (weights that predict could not use without NaN or
        overflow warnings).

        Parameters
        ----------
        validation : bool
            Measure on the validation data instead (which the run must have).

        Returns
        -------
        float
        """
        data, tr = self._data, self.trainer
        if data is None:
            raise RuntimeError("the fit that made this run is over and let its data go")
        if validation:
            if data.validation is None:
                raise ValueError("this run has no validation data")
            X, y, w, l2, l1 = *data.validation, None, 0.0, 0.0
        else:
            X, y, w, l2, l1 = data.X, data.y, data.sample_weight, tr.l2, tr.l1
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                value = self.network.inference_loss(X, y, self.loss, w, l2=l2, l1=l1)
        except (FloatingPointError, ValueError):  # overflow, or outside the loss's domain
            return math.inf
        return value if math.isfinite(value) else math.inf

    def _release(self) -> None:
        """Let go of the data and the buffers once a fit is done with the run.

        The trainer keeps its last run (:attr:`Trainer.last_run`) and the run its
        trainer: without this, the training matrices would live on until the garbage
        collector breaks that cycle, not when their last user lets them go.
        """
        self._data = None
        self._batches = []
        self._kept = None

    def ranking_loss(self) -> float:
        """What ranks this run among restarts: the validation loss, else the training loss."""
        if self.has_validation:
            return self.measure(validation=True)
        if self.history.final_loss is None:
            self.history.final_loss = self.measure()
        return self.history.final_loss

    # -- one epoch ----------------------------------------------------------------------
    def _check_can_train(self, lbfgs_ok: bool = False) -> None:
        if self._finished:
            raise RuntimeError("this run is finished: start a new one to train further")
        if self.trainer.lbfgs and not lbfgs_ok:
            raise TypeError("L-BFGS runs as a whole: use run(), or Trainer.fit")

    def _train_epoch(self) -> dict[str, float] | None:
        if not self._epoch_open:
            self._open_epoch()
        if not self._steps(len(self._batches) - self._next):
            return None
        return self._close_epoch()

    def _open_epoch(self) -> None:
        self._epoch_time = time.perf_counter()
        kept = self._kept
        kept.start, kept.before = kept.before, kept.start
        kept.start.save(self.epoch)
        self._order = _epoch_order(
            self._shuffle_rng, self._order, self.n_samples, self.trainer.shuffle
        )
        self._lr = self._rate()
        self._total = 0.0
        self._next = 0
        self._epoch_open = True

    def _steps(self, count: int) -> bool:
        """The next `count` batches of the epoch; False when the run diverged in them."""
        if self._small:
            return _small_steps(self, count)
        tr, data = self.trainer, self._data
        X, y, sample_weight = data.X, data.y, data.sample_weight
        opt, order, params, flags = self.optimizer, self._order, self._params, self._decay
        train_step, step_plan, l2, l1 = self.network.train_step, self.plan.step, tr.l2, tr.l1
        begin, end, clipping = self._begin, self._end, self._clipping
        clip = clipping != (None, None, None)
        rate_per_step = tr.schedule_unit == "step"
        lr, total, finite = self._lr, self._total, math.isfinite
        first = self._next
        gather = _gather_kernel() if self.plan.kernels and X.ndim == y.ndim == 2 else None
        for start, stop, Xb, yb, wb in self._batches[first : first + count]:
            if order is not None:
                idx = order[start:stop]
                # mode="clip" lets NumPy write straight into the buffer (the indices
                # are a permutation, always in range); "raise" would buffer.
                if gather is not None:
                    gather(X, y, idx, Xb, yb)
                else:
                    X.take(idx, axis=0, out=Xb, mode="clip")
                    y.take(idx, axis=0, out=yb, mode="clip")
                if sample_weight is not None:
                    wb = sample_weight[idx]
            if rate_per_step:
                lr = self._rate()
            value, grads = train_step(Xb, yb, step_plan, wb, l2, l1)
            # scikit-learn's epoch loss: batch losses weighted by their numbers of rows.
            total += value * (stop - start)
            if not finite(value):  # Divergence, test 1
                self._lr, self._total = lr, total
                record = {"epoch": self.epoch, "loss": total / stop}
                self._record_epoch(record, lr, self._epoch_time, measured=False)
                self._diverged(f"the loss reached {value} in epoch {self.epoch}", start == 0)
                return False
            if clip:
                clip_gradients(grads, *clipping)
            self.grads = grads
            for cb in begin:
                cb.on_batch_begin(self)
            if flags is not None:
                step_lr = lr if lr is not None else opt.current_lr
                _optimizers.decay_weights(params, flags, step_lr, tr.weight_decay)
            opt.step(params, grads, lr)
            self.step += 1
            for cb in end:
                cb.on_batch_end(self)
        self._lr, self._total = lr, total
        self._next = first + count
        return True

    def _close_epoch(self) -> dict[str, float]:
        self._epoch_open = False
        n = self.n_samples
        self.samples_seen += n
        record = {"epoch": self.epoch, "loss": self._total / n}
        broken = self._kept.not_finite()  # Divergence, test 2
        self._record_epoch(record, self._lr, self._epoch_time, measured=not broken)
        if broken:
            self._diverged(f"the weights became NaN or infinite in epoch {self.epoch}", False)
            return record
        divergence = self.divergence
        improved = record["loss"] < divergence.best
        if divergence.epoch_diverged(record["loss"]):  # test 3
            self._diverged(
                f"the epoch loss stayed above {divergence.factor:g} × the best epoch loss "
                f"({divergence.best:.4g}) for {divergence.streak} epochs and reached "
                f"{record['loss']:.4g}",
                False,
            )
            return record
        if improved:
            self._kept.best.save(self.epoch)
        self._end_epoch(record)
        return record

    def _record_epoch(
        self, record: dict[str, float], lr: float | None, start_time: float, measured: bool = True
    ) -> None:
        """Complete an epoch's record (rate, validation, time) and append it to the history."""
        record["lr"] = float(lr) if lr is not None else _optimizer_rate(self.optimizer)
        metric = self.trainer.metric
        if self.has_validation:
            if measured:
                X_val, y_val = self._data.validation
                # A block of rows at a time: the hidden layers of the whole validation
                # set never exist at once.
                out = self.network.predict(X_val, block_elements=BLOCK_ELEMENTS, check_input=False)
                record["val_loss"] = float(self.loss(y_val, out))
                if metric is not None:
                    record["val_score"] = float(metric(y_val, out))
            else:
                record["val_loss"] = math.nan
                if metric is not None:
                    record["val_score"] = math.nan
        record["seconds"] = time.perf_counter() - start_time
        self.history.records.append(record)

    def _end_epoch(self, record: dict[str, float]) -> None:
        """Schedule and callbacks after an epoch recorded in the history."""
        if self.schedule is not None:
            self.schedule.update(record[self._monitor])
            if self.schedule.stop:
                self.stop_training = True
                self.stop_reason = "the learning rate fell below the schedule's minimum"
        self.epoch += 1
        for cb in self.callbacks:
            cb.on_epoch_end(self, record)

    def _diverged(self, what: str, first_batch: bool) -> None:
        """Stop the run and put back the kept weights (see the :class:`Trainer` notes)."""
        self.stop_training = True
        self._epoch_open = False
        self.history.diverged = True
        kept, kept_loss = self._kept.choose(self.measure, first_batch)
        if kept is None:
            # Nothing finite to return: finish() raises NON_FINITE_WEIGHTS, leaving the
            # network as the run found it.
            self.stop_reason = f"training diverged: {what}, and no weights had a finite loss"
            return
        self.stop_reason = _divergence_message(what, kept.label, kept_loss, self.callbacks)
        warnings.warn(self.stop_reason, DivergenceWarning, stacklevel=user_stacklevel())

    # -- helpers ------------------------------------------------------------------------
    @property
    def current_lr(self) -> float:
        """The rate of the next step: the schedule's at the run's counters, else the optimizer's."""
        rate = self._rate()
        return self.optimizer.current_lr if rate is None else rate

    def _rate(self) -> float | None:
        if self.schedule is None:
            return None
        unit = self.trainer.schedule_unit
        t = self.epoch if unit == "epoch" else self.step if unit == "step" else self.samples_seen
        return float(self.schedule.rate(t))


class _Snapshot:
    """A copy of a network's parameters and buffers, in arrays allocated once per run.

    `what` describes the moment saved, e.g. ``"the start of epoch {}"``, filled with the
    epoch number given to :meth:`save` (only when a message needs it).
    """

    def __init__(self, params: list[np.ndarray], buffers: dict[str, np.ndarray], what: str):
        # When the parameters tile one flat array (Sequential._pack_storage), one copy
        # of it replaces one per array: that is what keeps snapshots cheap for tiny
        # networks. Buffers are the layers' own arrays (BatchNorm's running averages).
        flat = _optimizers.packed_base(params)
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


class _KeptWeights:
    """The weights a diverged run can go back to, and the finiteness test of the live ones.

    Those the run started from, the start of this epoch and of the one before (two
    copies that swap roles each epoch) and the end of the best epoch.
    """

    _NAMES = ("initial", "start", "best")  # what a checkpoint saves (see _checkpoint_state)

    def __init__(self, network: Sequential) -> None:
        # network.params builds a new list on every access: take it once per run.
        params, buffers = network.params, network.buffers()
        # What the epoch-end finiteness test reads: the flat array that the parameters
        # tile (one NumPy call) when they do, and the batch-norm statistics.
        flat = _optimizers.packed_base(params)
        tested = [flat] if flat is not None else list(params)
        self.not_finite = Divergence.arrays_test(tested + list(buffers.values()))
        self.initial = _Snapshot(params, buffers, "the start of the run")
        self.start = _Snapshot(params, buffers, "the start of epoch {}")
        self.before = _Snapshot(params, buffers, "the start of epoch {}")
        self.best = _Snapshot(params, buffers, "the end of epoch {} (the lowest loss)")

    def choose(
        self, measure: Callable[[], float], first_batch: bool
    ) -> tuple[_Snapshot | None, float]:
        """Restore the copy with the lowest measured loss and return it with that loss.

        A first batch that is not finite condemns the weights the epoch started from.
        When no copy has a finite loss, the network gets the weights it started the run
        with, and None is returned.
        """
        candidates = [self.before, self.best, self.initial]
        if not first_batch:
            candidates.insert(0, self.start)
        kept, kept_loss = None, math.inf
        for snap in candidates:
            if not snap.valid:
                continue
            snap.restore()
            value = measure()
            if value < kept_loss:
                kept, kept_loss = snap, value
        if kept is None:
            (self.initial if self.initial.valid else self.start).restore()
        else:
            kept.restore()
        return kept, kept_loss

    def state(self) -> dict[str, Any]:
        return {name: getattr(self, name).state() for name in self._NAMES}

    def load(self, state: dict[str, Any]) -> None:
        for name in self._NAMES:
            getattr(self, name).load(state.get(name))


def _checkpoint_state(run: TrainingRun) -> dict[str, Any]:
    """Everything a checkpoint holds: an uninterrupted run and a resumed one agree bit for bit."""
    net = run.network
    return {
        "epoch": run.epoch,
        "step": run.step,
        "samples_seen": run.samples_seen,
        "params": [p.copy() for p in net.params],
        "buffers": {k: v.copy() for k, v in net.buffers().items()},
        "optimizer": run.optimizer.state_dict(),
        "schedule": None if run.schedule is None else run.schedule.state_dict(),
        "shuffle_rng": _rng_state(run._shuffle_rng),
        "order": run._order,
        "train_rng": net.rng.bit_generator.state,
        "history": run.history.records,
        "callbacks": [cb.state_dict() for cb in run.callbacks],
        # Saved at an epoch's end: the next epoch's "before" is this epoch's start.
        "divergence_snapshots": run._kept.state(),
    }


def _resume(run: TrainingRun, state: dict[str, Any]) -> None:
    """Put a run back where :func:`_checkpoint_state` saw it."""
    net = run.network
    saved = state["params"]
    if len(saved) != len(net.params) or any(
        s.shape != p.shape for s, p in zip(saved, net.params, strict=True)
    ):
        raise ValueError("the checkpoint does not match this network's parameter shapes")
    for p, s in zip(net.params, saved, strict=True):
        p[...] = s
    net.set_buffers(state["buffers"])
    run.optimizer.load_state_dict(state["optimizer"])
    if run.schedule is not None and state["schedule"] is not None:
        run.schedule.load_state_dict(state["schedule"])
    _set_rng_state(run._shuffle_rng, state["shuffle_rng"])
    run._order = state.get("order")  # a RandomState's next order builds on it
    net.rng.bit_generator.state = state["train_rng"]
    run.epoch = state["epoch"]
    run.step = state["step"]
    run.samples_seen = state["samples_seen"]
    run.history.records = [dict(r) for r in state["history"]]
    run.divergence.reset([r["loss"] for r in run.history.records])
    run._kept.load(state.get("divergence_snapshots", {}))  # absent from older checkpoints
    if len(state["callbacks"]) != len(run.callbacks):
        raise ValueError("the checkpoint was written with a different list of callbacks")
    for cb, cb_state in zip(run.callbacks, state["callbacks"], strict=True):
        cb.load_state_dict(cb_state)


def _fit_lbfgs(run: TrainingRun, data: _TrainingData) -> None:
    """Train `run` full batch with SciPy's L-BFGS-B, an iteration per recorded epoch."""
    network, tr = run.network, run.trainer
    X, y, sample_weight = data.X, data.y, data.sample_weight
    theta0 = network.pack().astype(np.float64)
    start_time = [time.perf_counter()]
    # The last point evaluated: SciPy's first call is the start, checked below, and its
    # iteration callback gets the point of the last accepted evaluation.
    last: dict[str, Any] = {"x": None}

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        network.unpack(theta.astype(network.dtype, copy=False))
        if last["x"] is not None and np.array_equal(theta, last["x"]):
            return last["value"], last["grad"].copy()
        with np.errstate(over="ignore", invalid="ignore"):
            value, _ = network.loss_and_gradients(
                X, y, run.loss, sample_weight=sample_weight, l2=tr.l2, l1=tr.l1, check_input=False
            )
        if not math.isfinite(value):
            # Tell the line search this point is unusable rather than crash it.
            return math.inf, np.zeros_like(theta)
        grad = network.pack_grads().astype(np.float64)
        last.update(x=theta.copy(), value=value, grad=grad.copy())
        return value, grad

    def callback(theta: np.ndarray) -> bool | None:
        value, _ = fun(theta)
        record = {"epoch": run.epoch, "loss": value}
        run._record_epoch(record, None, start_time[0])
        run._end_epoch(record)
        start_time[0] = time.perf_counter()
        return run.stop_training or None

    value, _ = fun(theta0)
    if not math.isfinite(value):
        raise ValueError(
            "L-BFGS cannot start: the training loss at the initial weights is not "
            "finite. The input data may contain large values and need to be "
            "preprocessed."
        )
    result = run.optimizer.minimize(
        fun, theta0, max_iter=tr.epochs, max_fun=tr.max_fun, tol=tr.tol, callback=callback
    )
    network.unpack(result.x.astype(network.dtype, copy=False))
    _refresh_batch_norm(network, X)
    run.history.optimize_result = result
    if not run.stop_reason:
        run.stop_reason = str(result.message)


def clip_gradients(
    grads: list[np.ndarray],
    value: float | None = None,
    norm: float | None = None,
    global_norm: float | None = None,
) -> None:
    """Clip gradients in place, as :class:`Trainer`'s ``clip_*`` options do, in this order.

    Parameters
    ----------
    grads : list of ndarray
        The gradient arrays, changed in place.
    value : float, optional
        Clip every entry to ``[-value, value]``.
    norm : float, optional
        Rescale each array whose L2 norm exceeds it to that norm.
    global_norm : float, optional
        Rescale all arrays together when their joint L2 norm exceeds it.
    """
    if value is not None:
        for g in grads:
            np.clip(g, -value, value, out=g)
    if norm is not None:
        for g in grads:
            size = float(np.sqrt(np.vdot(g, g)))
            if size > norm:
                g *= norm / size
    if global_norm is not None:
        size = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
        if size > global_norm:
            for g in grads:
                g *= global_norm / size


def _monitored_key(schedule: Any, has_validation: bool, metric: Any) -> str:
    """The value of an epoch's record that the schedule's ``update`` gets."""
    key = None if schedule is None else schedule.monitor
    if key is None:
        return "val_loss" if has_validation else "loss"
    if key != "loss" and not has_validation:
        raise ValueError(f"the schedule monitors {key!r}, which needs validation_data")
    if key == "val_score" and metric is None:
        raise ValueError("the schedule monitors 'val_score', which needs a metric")
    return key


def _divergence_message(
    what: str, kept: str, kept_loss: float, callbacks: Sequence[Callback]
) -> str:
    """A diverged run's stop reason: what broke, the weights restored, what to try."""
    # A callback that puts back weights of its own at the end (early stopping) has the
    # last word: say so, or the warning would describe weights the fit discards.
    later = [w for cb in callbacks if (w := cb.weights_put_back()) is not None]
    then = f", and then {later[-1]}" if later else ""
    return (
        f"training diverged: {what}. The weights of {kept} were restored (training loss "
        f"{kept_loss:.6g}){then}. Try a lower learning rate, gradient clipping "
        "(clip_norm / clip_global_norm), or standardized inputs."
    )


def _gather_kernel() -> Callable[..., None]:
    """The compiled batch gather (:mod:`mlplab._kernels._batches`)."""
    from ._kernels._batches import gather

    return gather


def _small_network(
    network: Sequential, loss: _losses.Loss, optimizer: Any, batch_size: int | None
) -> Any:
    """The whole-step kernel for `network`, or None where it does not apply or pay.

    For networks :func:`mlplab.network.small_step_layout` accepts, trained by an
    optimizer with a packed kernel (:func:`mlplab.optimizers.packed_kernel`), when a
    batch is small work (``n_params × batch_size`` at most ``MAX_WORK``: beyond it
    BLAS's products are faster than the kernel's loops).
    """
    from ._kernels import _small
    from .network import small_step_layout

    kernel = _optimizers.packed_kernel(optimizer)
    if kernel is None or not batch_size or network.n_params * batch_size > _small.MAX_WORK:
        return None
    layout = small_step_layout(network, loss)
    if layout is None:
        return None
    params, grads = network.params, network.grads
    flat_w, flat_g = _optimizers.packed_base(params), _optimizers.packed_base(grads)
    if flat_g is None:
        return None
    return _small.SmallNetwork(*layout, flat_w, flat_g, kernel, batch_size)


def _small_steps(run: TrainingRun, count: int) -> bool:
    """:meth:`TrainingRun._steps` through the whole-step kernel (``run.plan.small``).

    The same sequence as the loop there: per batch its loss (weighted by its rows in
    the epoch's total), the divergence test, the optimizer's step; the kernel stops at
    a non-finite batch loss, before that step.
    """
    first, data, opt, bounds = run._next, run._data, run.optimizer, run._bounds
    if first or count < len(bounds):
        bounds = bounds[first : first + count]
    consts = _optimizers.step_constants(opt, run._lr, count)
    done, values = run.plan.small.run(data.X, data.y, run._order, bounds, consts, run.trainer.l2)
    opt.t += done
    run.step += done
    run.grads = run.plan.step.grads
    total, rows = run._total, run._rows
    for i, value in enumerate(values.tolist()[: done + 1]):
        total += value * rows[first + i]
    run._total = total
    if done < count:  # Divergence, test 1
        start, stop = int(bounds[done, 0]), int(bounds[done, 1])
        record = {"epoch": run.epoch, "loss": total / stop}
        run._record_epoch(record, run._lr, run._epoch_time, measured=False)
        run._diverged(f"the loss reached {values[done]} in epoch {run.epoch}", start == 0)
        return False
    run._next = first + count
    return True


def _batches(
    data: _TrainingData, batch_size: int | None, shuffle: bool, network: Sequential
) -> list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray | None]]:
    """The batches of every epoch, fixed for the run: (start, stop, X rows, y rows, weights).

    Views are made once. Unshuffled batches are views of X; shuffled ones are gathered
    into reused buffers (take with out=): no allocation per step, and X itself is never
    copied. Batch norm never trains on one row: a last batch of one row joins the batch
    before it.
    """
    X, y, w = data.X, data.y, data.sample_weight
    n = X.shape[0]
    batch = n if batch_size is None else min(batch_size, n)
    edges = [*range(0, n, batch), n]
    if _has_batch_norm(network) and len(edges) > 2 and edges[-1] - edges[-2] == 1:
        del edges[-2]
    pairs = list(itertools.pairwise(edges))
    if not shuffle:
        return [(a, b, X[a:b], y[a:b], None if w is None else w[a:b]) for a, b in pairs]
    rows = max(b - a for a, b in pairs)
    X_buf = np.empty((rows, *X.shape[1:]), dtype=X.dtype)
    y_buf = np.empty((rows, *y.shape[1:]), dtype=y.dtype)
    return [(a, b, X_buf[: b - a], y_buf[: b - a], None) for a, b in pairs]


def _has_batch_norm(network: Sequential) -> bool:
    return any(isinstance(layer, BatchNorm) for layer in network.layers)


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
            network.forward(X, training=True)
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


def _epoch_order(
    rng: np.random.Generator | np.random.RandomState,
    last: np.ndarray | None,
    n_samples: int,
    shuffle: bool,
) -> np.ndarray | None:
    """The rows of the next epoch, in order (None: as they are).

    A Generator draws a fresh permutation; a RandomState reorders the last epoch's
    order with its own permutation, which is scikit-learn's ``shuffle(sample_idx)``.
    """
    if not shuffle:
        return None
    if isinstance(rng, np.random.RandomState):
        return (np.arange(n_samples) if last is None else last)[rng.permutation(n_samples)]
    return rng.permutation(n_samples)


def _rng_state(rng: np.random.Generator | np.random.RandomState) -> dict[str, Any]:
    """The state of a shuffle generator, as its ``set_state``/``state`` takes it back."""
    if isinstance(rng, np.random.RandomState):
        return rng.get_state(legacy=False)
    return rng.bit_generator.state


def _set_rng_state(rng: np.random.Generator | np.random.RandomState, state: dict[str, Any]) -> None:
    """Put a shuffle generator back in a state :func:`_rng_state` took."""
    if isinstance(rng, np.random.RandomState):
        rng.set_state(state)
    else:
        rng.bit_generator.state = state


def _entropy(random_state: int | np.random.Generator | np.random.RandomState | None) -> int | None:
    """A SeedSequence entropy from an int seed, a Generator (drawn from it) or None.

    A RandomState gives a draw from a copy of it: its own stream is left to the
    epochs' orders (:func:`_epoch_order`).
    """
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, np.random.RandomState):
        return int(copy.deepcopy(random_state).randint(2**63 - 1, dtype=np.int64))
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    raise TypeError(
        f"random_state must be an int, a Generator, a RandomState or None, got {random_state!r}"
    )
