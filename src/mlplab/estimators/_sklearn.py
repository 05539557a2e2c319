"""scikit-learn's training rules, in one place, for mlplab's MLP estimators.

What makes :class:`~mlplab.MLPClassifier` and :class:`~mlplab.MLPRegressor` train as
scikit-learn's ``sklearn.neural_network`` estimators do, given the same parameters:

* the solvers and the optimizer each name builds (:func:`make_optimizer`);
* the ``learning_rate`` names: scikit-learn's "constant", "invscaling" and "adaptive"
  (which, as there, only apply to ``solver="sgd"``), and mlplab's decays from
  :func:`mlplab.schedules.from_name` (:func:`make_schedule`);
* the ``n_iter_no_change``/``tol`` rule on the training loss or, with early stopping,
  on the validation score, with early stopping's best weights (:class:`Stopping`, an
  :class:`~mlplab.callbacks.EarlyStopping` with scikit-learn's conventions; the
  "adaptive" rate is :class:`~mlplab.schedules.ReduceOnPlateau`, the same rule);
* the lines of ``verbose=True`` (:class:`VerboseLines`);
* the trainer those make of the estimator's parameters (:func:`make_trainer`);
* ``batch_size="auto"`` and its clipping (:func:`batch_size`), the stratified
  early-stopping split (:func:`split_validation`), the uniform Glorot weights drawn
  after its four activations (:func:`draw_glorot_weights`), and the convergence
  warnings (:func:`warn_not_converged`, :func:`warn_lbfgs`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .. import optimizers as _optimizers
from .. import schedules as _schedules
from .._warnings import user_stacklevel
from ..callbacks import Callback, EarlyStopping, RunState
from ..layers import Dense
from ..network import Sequential
from ..training import Trainer

#: The solvers that take mini-batch steps: every step-wise optimizer of the registry.
STOCHASTIC_SOLVERS = tuple(_optimizers.stepwise_names())
#: Every solver name the estimators accept.
SOLVERS = ("lbfgs", *STOCHASTIC_SOLVERS)
#: scikit-learn's learning_rate names (they apply to solver="sgd" only, as there).
SKLEARN_RATES = ("constant", "invscaling", "adaptive")
#: Hidden activations after which kernel_initializer="auto" draws scikit-learn's weights.
SKLEARN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
#: scikit-learn's smallest rate for "adaptive": at or below it a due reduction stops.
ADAPTIVE_MIN_LR = 1e-6


def make_optimizer(est: Any, regularized: list[bool], lr: float | None = None) -> Any:
    """The optimizer of ``est.solver``, with the estimator's hyperparameters.

    Parameters
    ----------
    est : BaseMLP
        The estimator (its parameters are read).
    regularized : list of bool
        For each parameter array of the network, whether it is a weight (AdamW decays
        weights, not biases).
    lr : float, optional
        The rate to start from instead of ``learning_rate_init`` (a ``partial_fit``
        call goes on with the rate of the call before).

    Returns
    -------
    Optimizer or LBFGS
    """
    solver = est.solver
    if solver == "lbfgs":
        return _optimizers.get("lbfgs")
    lr0 = float(est.learning_rate_init) if lr is None else float(lr)
    moments = {"beta_1": float(est.beta_1), "beta_2": float(est.beta_2), "eps": float(est.epsilon)}
    if solver == "sgd":
        momentum = float(est.momentum)
        nesterov = bool(est.nesterovs_momentum) and momentum > 0
        return _optimizers.SGD(lr0, momentum=momentum, nesterov=nesterov)
    if solver == "adam" or solver == "nadam":
        return _optimizers.get(solver, learning_rate=lr0, **moments)
    if solver == "adamw":
        decay = float(est.weight_decay)
        return _optimizers.AdamW(lr0, **moments, weight_decay=decay, decay=regularized)
    if solver == "rmsprop":
        return _optimizers.RMSProp(lr0, eps=float(est.epsilon))
    return _optimizers.AdaGrad(lr0)


def make_schedule(est: Any, *, incremental: bool, samples_seen: int) -> tuple[Any, str]:
    """The trainer's ``learning_rate`` and ``schedule_unit`` for ``est.learning_rate``.

    Parameters
    ----------
    est : BaseMLP
        The estimator.
    incremental : bool
        A ``partial_fit`` call (its optimizer goes on from the call before).
    samples_seen : int
        ``t_``, the training samples seen by earlier fits.

    Returns
    -------
    schedule : Schedule or None
        None: the optimizer's own constant rate.
    unit : {"epoch", "sample"}
        What the schedule counts.
    """
    rate, lr0 = est.learning_rate, float(est.learning_rate_init)
    if isinstance(rate, _schedules.Schedule):
        return rate, "epoch"
    if rate in _schedules.DECAYS:
        return _schedules.from_name(rate, lr0, int(est.max_iter)), "epoch"
    if est.solver != "sgd" or rate == "constant":
        return None, "epoch"
    if rate == "invscaling":
        # lr_init / (t + 1) ** power_t, t the samples seen before the epoch; a fit (not
        # partial_fit) starts a fresh optimizer at lr_init.
        return InverseScaling(lr0, float(est.power_t), None if incremental else samples_seen), (
            "sample"
        )
    early = bool(est.early_stopping)
    return (
        _schedules.ReduceOnPlateau(
            lr0,
            factor=0.2,
            patience=est.n_iter_no_change,
            tol=float(est.tol),
            min_lr=ADAPTIVE_MIN_LR,
            mode="max" if early else "min",
            monitor="val_score" if early else "loss",
        ),
        "epoch",
    )


class InverseScaling(_schedules.InverseTime):
    """scikit-learn's "invscaling": ``lr / (t + 1) ** power_t``, but `lr` at `fresh_at`.

    A fit starts scikit-learn's optimizer afresh at ``learning_rate_init`` while its
    sample count ``t_`` goes on from an earlier (warm-started) fit; ``fresh_at`` is that
    count, so the first epoch of the fit uses the initial rate.

    Parameters
    ----------
    lr : float
        ``learning_rate_init``, ``> 0``.
    power_t : float
        The exponent, ``>= 0``.
    fresh_at : int or None
        The sample count at which the rate is `lr` (None: nowhere but at 0).
    """

    def __init__(self, lr: float, power_t: float, fresh_at: int | None) -> None:
        super().__init__(lr, power_t)
        self.fresh_at = fresh_at

    def _rate(self, t: int) -> float:
        return self.lr if t == self.fresh_at else super()._rate(t)


class Stopping(EarlyStopping):
    """scikit-learn's ``n_iter_no_change`` rule, as an early stopping with its conventions.

    The monitored value is the training loss, or the validation score with
    ``early_stopping``; more than `n_iter_no_change` epochs in a row without an
    improvement by `tol` stop the fit. With early stopping the best weights start as the
    weights the fit starts from, follow each better score and are put back at the end.
    The state carries over warm starts and ``partial_fit`` calls through `state`, as
    scikit-learn's does. With the "adaptive" rate the same rule lowers the rate instead
    (:class:`~mlplab.schedules.ReduceOnPlateau`, the run's schedule): this callback
    then only keeps the best values and weights, says what the schedule did, and the
    schedule stops the fit once the rate is too small.

    Parameters
    ----------
    early_stopping : bool
        Monitor the validation score (and keep the best weights) instead of the loss.
    tol : float
        The improvement that counts, ``>= 0``.
    n_iter_no_change : int or float
        Epochs without improvement tolerated, ``>= 1`` or ``inf``.
    adaptive : bool
        The run's schedule is the "adaptive" rate.
    verbose : bool
        Print scikit-learn's messages when the rule fires.
    state : dict, optional
        What :meth:`state_dict` returned at the end of the previous call.
    """

    order = -10  # before user callbacks, so they see the decision of this epoch

    def __init__(
        self,
        *,
        early_stopping: bool,
        tol: float,
        n_iter_no_change: float,
        adaptive: bool,
        verbose: bool = False,
        state: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            "val_score" if early_stopping else "loss",
            patience=n_iter_no_change + 1,  # "more than n_iter_no_change"
            min_delta=tol,
            restore_best_weights=early_stopping,
        )
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.adaptive = adaptive
        self.verbose = verbose
        self.initial = state

    def on_train_begin(self, run: RunState) -> None:
        super().on_train_begin(run)
        if self.initial is not None:
            self.load_state_dict(self.initial)
        if self.early_stopping and self.best_weights is None:
            self.keep_weights(run.network)  # scikit-learn starts from the initial weights
        self._reductions = 0

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        if not self.adaptive:
            super().on_epoch_end(run, logs)
            return
        self._track(run, logs)
        schedule = run.schedule
        if schedule.num_reductions > self._reductions:
            self._reductions = schedule.num_reductions
            self.plateau.bad_epochs = schedule.num_bad_epochs  # 0: the count starts again
            self._say(f"{self._message()} Setting learning rate to {schedule.current_lr:f}")
        elif schedule.stop:
            self._say(f"{self._message()} Learning rate too small. Stopping.")
            run.stop_reason = self._message()

    def _exhausted(self, run: RunState) -> None:
        self._say(f"{self._message()} Stopping.")
        run.stop_training = True
        run.stop_reason = self._message()

    def _message(self) -> str:
        what = "Validation score" if self.early_stopping else "Training loss"
        return (
            f"{what} did not improve more than tol={self.min_delta:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )

    def _say(self, line: str) -> None:
        if self.verbose:
            print(line)

    def state_dict(self) -> dict[str, Any]:
        # The layout the estimators have always saved in their files.
        loss = not self.early_stopping
        return {
            "count": self.plateau.bad_epochs,
            "best_loss": self.plateau.best if loss else math.inf,
            "best_score": -math.inf if loss else self.plateau.best,
            "best_params": self.best_weights,
            "best_buffers": self.best_buffers,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.plateau.bad_epochs = int(state.get("count", 0))
        key = "best_score" if self.early_stopping else "best_loss"
        self.plateau.best = float(state.get(key, self.plateau.best))
        params = state.get("best_params")
        self.best_weights = None if params is None else [np.array(p) for p in params]
        buffers = state.get("best_buffers")
        self.best_buffers = None if buffers is None else dict(buffers)


def stop_state(est: Any) -> dict[str, Any] | None:
    """The stopping rule's state the next stochastic call goes on from, or None.

    The previous call's :meth:`Stopping.state_dict`, with scikit-learn's own attributes
    read back over it: ``best_loss_`` (or ``best_validation_score_`` with early
    stopping) and ``_no_improvement_count`` are that state in scikit-learn, and code
    written against it sets them between calls.

    Parameters
    ----------
    est : fitted estimator

    Returns
    -------
    dict or None
        None before a first stochastic call.
    """
    state = est._stop_state
    if state is None:
        return None
    state = dict(state)
    count = est.__dict__.get("_no_improvement_count")
    if count is not None:
        state["count"] = int(count)
    key, attr = (
        ("best_score", "best_validation_score_")
        if est.early_stopping
        else ("best_loss", "best_loss_")
    )
    best = est.__dict__.get(attr)
    if best is not None:
        state[key] = float(best)
    return state


def adaptive_state(stop_state: dict[str, Any], early_stopping: bool, lr: float) -> dict[str, Any]:
    """The "adaptive" schedule's state that goes on from a previous call's rule.

    scikit-learn's rate and its ``n_iter_no_change`` rule share one count and one best
    value; :meth:`Stopping.state_dict` keeps them between calls.

    Parameters
    ----------
    stop_state : dict
        What :meth:`Stopping.state_dict` returned at the end of the previous call.
    early_stopping : bool
        Whether the rule monitors the validation score.
    lr : float
        The rate to go on from.

    Returns
    -------
    dict
        A :meth:`~mlplab.schedules.ReduceOnPlateau.state_dict`.
    """
    key, default = ("best_score", -math.inf) if early_stopping else ("best_loss", math.inf)
    return {
        "current_lr": float(lr),
        "best": float(stop_state.get(key, default)),
        "num_bad_epochs": int(stop_state.get("count", 0)),
        "num_reductions": 0,
        "stop": False,
    }


class VerboseLines(Callback):
    """scikit-learn's ``verbose`` lines after each epoch (each L-BFGS iteration too).

    ``Iteration 3, loss = 0.41325000``, numbered within the fit (or ``partial_fit``)
    call, and ``Validation score: 0.966667`` when there is a validation set.
    """

    order = -20  # before Stopping, whose messages follow the epoch's line
    reads_layer_values = False

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        print(f"Iteration {logs['epoch'] + 1}, loss = {logs['loss']:.8f}")
        if "val_score" in logs:
            print(f"Validation score: {logs['val_score']:f}")


def make_trainer(
    est: Any,
    n_samples: int,
    incremental: bool,
    validation: list[Any] | None,
    random_state: np.random.RandomState,
) -> tuple[Trainer, Stopping | None, Any]:
    """The trainer of one fit call: the estimator's parameters, scikit-learn's rules.

    Parameters
    ----------
    est : BaseMLP
        The estimator, with its ``network_`` built.
    n_samples : int
        Training rows of this call.
    incremental : bool
        A ``partial_fit`` call: one epoch, going on with the optimizer's rate.
    validation : list or None
        ``[X_val, Y_val, w_val]`` when there is a validation set.
    random_state : numpy.random.RandomState
        scikit-learn's stream of this fit: it draws the epochs' orders as scikit-learn
        does (:class:`~mlplab.training.Trainer`), and seeds the rest from a copy.

    Returns
    -------
    trainer : Trainer
    stopper : Stopping or None
        scikit-learn's stopping rule (stochastic solvers only).
    diagnostics : Diagnostics or None
        With ``diagnostics=True``.
    """
    stochastic = est.solver in STOCHASTIC_SOLVERS
    opt_state = est._optimizer_state if incremental else None
    lr = None if opt_state is None else opt_state.get("learning_rate")
    optimizer = make_optimizer(est, est.network_.regularized, lr)
    schedule, unit = make_schedule(est, incremental=incremental, samples_seen=int(est.t_))
    # verbose="live" plots instead of printing (mlplab.live.LivePlot, added below).
    live = isinstance(est.verbose, str) and est.verbose == "live"
    lines = bool(est.verbose) and not live
    callbacks: list[Callback] = [VerboseLines()] if lines else []
    stopper = None
    if stochastic:
        stopper = Stopping(
            early_stopping=bool(est.early_stopping),
            tol=float(est.tol),
            n_iter_no_change=est.n_iter_no_change,
            adaptive=isinstance(schedule, _schedules.ReduceOnPlateau),
            verbose=lines,
            state=stop_state(est),
        )
        callbacks.append(stopper)
    for i, cb in enumerate(est.callbacks or ()):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] must be an mlplab Callback, got {cb!r}")
        callbacks.append(cb)
    diagnostics = None
    if est.diagnostics:
        from ..diagnostics import Diagnostics  # written alongside; imported when asked

        diagnostics = Diagnostics()
        callbacks.append(diagnostics)
    if live:
        from ..live import LivePlot

        score = "accuracy" if est._LABELS else "R²"
        callbacks.append(LivePlot(diagnostics=bool(est.diagnostics), score_name=score))
    metric = None
    if validation is not None:
        w_val = validation[2]

        def metric(Y_true: np.ndarray, out: np.ndarray) -> float:
            return est._score_outputs(Y_true, out, w_val)

    trainer = Trainer(
        est._make_loss(),
        optimizer,
        learning_rate=schedule,
        schedule_unit=unit,
        epochs=1 if incremental else int(est.max_iter),
        batch_size=batch_size(est, n_samples, stochastic),
        shuffle=bool(est.shuffle),
        l2=float(est.alpha),
        l1=float(est.l1),
        # AdamW decays by itself (and L-BFGS does not take steps).
        weight_decay=0.0 if est.solver in ("adamw", "lbfgs") else float(est.weight_decay),
        clip_value=est.clip_value,
        clip_norm=est.clip_norm,
        callbacks=callbacks,
        metric=metric,
        divergence_factor=float(est.divergence_factor),
        divergence_patience=int(est.divergence_patience),
        max_fun=int(est.max_fun),
        tol=float(est.tol),
        random_state=random_state,
    )
    return trainer, stopper, diagnostics


def batch_size(est: Any, n_samples: int, stochastic: bool) -> int:
    """Rows per step: ``"auto"`` is ``min(200, n)``, and a larger size is clipped (warned)."""
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples and stochastic:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=user_stacklevel(),
        )
    return min(int(est.batch_size), n_samples)


def split_validation(
    arrays: list[np.ndarray | None],
    labels: bool,
    fraction: float,
    random_state: np.random.RandomState,
) -> tuple[list[Any], list[Any]]:
    """scikit-learn's early-stopping split of `arrays` (X, Y, weights or None).

    The rows are drawn as scikit-learn draws them: ``train_test_split`` from the fit's
    RandomState (after the initial weights), stratified when the encoded target is one
    column of labels (a binary classifier; scikit-learn's multiclass targets are one
    column per class and its split does not stratify them), on the same boolean labels.

    Parameters
    ----------
    arrays : list of ndarray or None
        Row-aligned arrays to split: X, the encoded targets, then the weights or None
        (a None stays None on both sides).
    labels : bool
        The targets are classes (the classifier).
    fraction : float
        ``validation_fraction``.
    random_state : numpy.random.RandomState
        scikit-learn's stream of this fit, advanced by the split.

    Returns
    -------
    train, validation : list
        The parts of each array, in order.
    """
    Y = arrays[1]
    stratify = Y.astype(bool) if labels and Y.shape[1] == 1 else None
    present = [a for a in arrays if a is not None]
    parts = iter(
        train_test_split(*present, random_state=random_state, test_size=fraction, stratify=stratify)
    )
    train, val = [], []
    for a in arrays:
        pair = (None, None) if a is None else (next(parts), next(parts))
        train.append(pair[0])
        val.append(pair[1])
    if val[0].shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    return train, val


def draw_glorot_weights(net: Sequential, names: list[str], rng: Any, biases: bool) -> None:
    """scikit-learn's draw for the Dense layers after its four activations.

    Weights (and, with `biases`, biases) uniform in ±sqrt(f / (fan_in + fan_out)),
    f = 2 after a logistic unit and 6 otherwise (Glorot & Bengio). Layers after
    another catalog activation keep the initializer it recommends (He for the ReLU
    family, LeCun for SELU...) and zero biases.

    Parameters
    ----------
    net : Sequential
        The built network, changed in place.
    names : list of str
        The catalog names of the hidden activations, one per hidden layer.
    rng : numpy.random.RandomState or Generator
        Draws the weights, each layer's weights then its biases, as scikit-learn does
        from its RandomState.
    biases : bool
        Draw the biases too (``bias="auto"``).
    """
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    for i, layer in enumerate(dense):
        # The output layer follows scikit-learn's rule of the (last) hidden activation.
        name = names[min(i, len(names) - 1)] if names else "identity"
        if name not in SKLEARN_ACTIVATIONS:
            continue
        W, b = layer.params
        bound = math.sqrt((2.0 if name == "sigmoid" else 6.0) / (W.shape[0] + W.shape[1]))
        W[...] = rng.uniform(-bound, bound, W.shape)
        if biases:
            b[...] = rng.uniform(-bound, bound, b.shape)


@dataclass(frozen=True)
class OptimizerView:
    """scikit-learn's ``_optimizer`` after a stochastic fit, as code that reads it sees it.

    Attributes
    ----------
    learning_rate : float
        The rate scikit-learn's optimizer object holds at the end of the same fit:
        SGD's rate for the next epoch (``learning_rate_init / (t_ + 1) ** power_t``
        with "invscaling", the reduced rate with "adaptive"); Adam's bias-corrected
        rate of its last step, ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
    """

    learning_rate: float


def optimizer_view(est: Any, run: Any) -> OptimizerView:
    """The :class:`OptimizerView` of `run`, the training run of `est`'s last fit."""
    rate, t = float(run.current_lr), int(run.optimizer.t)
    if est.solver == "adam" and t > 0:
        rate *= math.sqrt(1.0 - est.beta_2**t) / (1.0 - est.beta_1**t)
    return OptimizerView(rate)


def loss_grad_lbfgs(
    est: Any,
    packed_coef_inter: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    activations: Any,
    deltas: Any,
    coef_grads: list[Any],
    intercept_grads: list[Any],
) -> tuple[float, np.ndarray]:
    """scikit-learn's L-BFGS objective at the packed weights, which become the network's.

    ``BaseMLP._loss_grad_lbfgs``, scikit-learn's private method of the same signature.

    Parameters
    ----------
    est : BaseMLP
        A fitted estimator; its network's Dense weights are set from `packed_coef_inter`.
    packed_coef_inter : ndarray of shape (n_weights,)
        scikit-learn's packing: every ``coefs_[i]`` raveled, then every
        ``intercepts_[i]``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
        Encoded targets (one-hot or 0/1 columns for a classifier).
    sample_weight : ndarray of shape (n_samples,) or None
    activations, deltas : any
        scikit-learn's work arrays; not used.
    coef_grads, intercept_grads : list
        Filled with the gradients, one array per Dense layer (as scikit-learn does).

    Returns
    -------
    loss : float
        The data loss plus the penalties.
    grad : ndarray of shape (n_weights,)
        Its gradient, packed as `packed_coef_inter`.
    """
    net = est.network_
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    order = [layer.params[0] for layer in dense] + [layer.params[1] for layer in dense]
    theta = np.asarray(packed_coef_inter, dtype=np.float64)
    size = sum(p.size for p in order)
    if theta.shape != (size,):
        raise ValueError(f"packed_coef_inter must have shape ({size},)")
    offset = 0
    for p in order:
        p[...] = theta[offset : offset + p.size].reshape(p.shape)
        offset += p.size
    X, y = (np.asarray(a, dtype=net.dtype) for a in (X, y))
    value, _ = net.loss_and_gradients(
        X, y.reshape(len(y), -1), est._make_loss(), sample_weight=sample_weight,
        l2=float(est.alpha), l1=float(est.l1),
    )  # fmt: skip
    # the Dense layers' own gradient arrays, which loss_and_gradients filled
    coef_grads[:] = [layer.grads[0] for layer in dense]
    intercept_grads[:] = [layer.grads[1] for layer in dense]
    grad = np.concatenate([g.ravel() for g in coef_grads + intercept_grads])
    return value, grad.astype(np.float64, copy=False)


def warn_not_converged(max_iter: int) -> None:
    """scikit-learn's warning when a stochastic fit used every epoch without stopping."""
    warnings.warn(
        f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and the "
        "optimization hasn't converged yet.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )


def warn_lbfgs(result: Any, n_iter: int, max_iter: int) -> None:
    """scikit-learn's warning for every L-BFGS stop that is not convergence.

    Its ``sklearn.utils.optimize._check_optimize_result``: max_iter, max_fun, a failed
    line search.
    """
    if result.status == 0:
        return
    message = result.message
    if isinstance(message, bytes):
        message = message.decode()
    text = (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={result.status}):\n{message}\n"
    )
    if n_iter == max_iter:
        text += (
            f"\nIncrease the number of iterations to improve the convergence (max_iter={max_iter})."
        )
    text += (
        "\nYou might also want to scale the data as shown in:\n"
        "    https://scikit-learn.org/stable/modules/preprocessing.html"
    )
    warnings.warn(text, ConvergenceWarning, stacklevel=user_stacklevel())
