"""What :class:`~mlplab.MLPClassifier` and :class:`~mlplab.MLPRegressor` share.

:class:`BaseMLP` validates the parameters (declaratively), builds the
:class:`~mlplab.network.Sequential` (kept as ``network_``), trains it with a
:class:`~mlplab.training.Trainer` configured by scikit-learn's rules
(``_sklearn``), copies what the run did into scikit-learn's fitted attributes and
saves itself (``_persistence``). The subclasses only say how targets are encoded,
which loss and output activation to use, and how network outputs turn into predictions
and scores.
"""

from __future__ import annotations

import copy
import math
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import activations as _activations
from .. import initializers as _initializers
from .. import losses as _losses
from .. import schedules as _schedules
from .._validation import check_sample_weight
from .._warnings import user_stacklevel
from ..layers import Activation as ActivationLayer
from ..layers import Dense
from ..training import History, RunStart, Trainer
from . import _network, _persistence, _sklearn, _summary

__all__ = ["BaseMLP", "stochastic_only"]

#: scikit-learn's names of the output activations, by catalog name.
_OUT_NAMES = {"sigmoid": "logistic", "exponential": "exp"}


class _DenseParams:
    """scikit-learn's view of one parameter of every Dense layer of ``network_``.

    Reading gives the network's own arrays (parameter `index` of each Dense layer, in
    order); assigning a list copies into them after checking its length and shapes.

    Before the first fit, a list assigned is kept as given (so that its items can still
    be set one by one) and becomes the starting weights of the first ``partial_fit``,
    or of a ``fit`` with ``warm_start=True``: scikit-learn's way to start from chosen
    weights (its ``fit`` without warm start draws new ones, and so does mlplab's).
    """

    def __init__(self, index: int) -> None:
        self.index = index

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.preset = f"_preset_{name}"

    def _layers(self, est: BaseMLP) -> list[Dense]:
        if "network_" not in est.__dict__:
            raise AttributeError(f"{self.name} exists once the estimator is fitted")
        return [layer for layer in est.network_.layers if isinstance(layer, Dense)]

    def __get__(self, est: BaseMLP | None, owner: type | None = None) -> Any:
        if est is None:
            return self
        if "network_" not in est.__dict__ and self.preset in est.__dict__:
            return est.__dict__[self.preset]
        return [layer.params[self.index] for layer in self._layers(est)]

    def __set__(self, est: BaseMLP, values: list[np.ndarray]) -> None:
        if "network_" not in est.__dict__:
            est.__dict__[self.preset] = values if isinstance(values, list) else list(values)
            return
        dense, name, index = self._layers(est), self.name, self.index
        values = list(values)
        if len(values) != len(dense):
            raise ValueError(f"{name} needs {len(dense)} arrays, got {len(values)}")
        for i, (layer, v) in enumerate(zip(dense, values, strict=True)):
            if np.shape(v) != layer.params[index].shape:
                raise ValueError(f"{name}[{i}] must have shape {layer.params[index].shape}")
        for layer, v in zip(dense, values, strict=True):
            layer.params[index][...] = v


class BaseMLP(_persistence.Savable, _summary.SummaryMixin, BaseEstimator):
    """Base class of mlplab's scikit-learn MLP estimators; not for direct use.

    See :class:`~mlplab.MLPClassifier` for the parameters.
    """

    #: Whether the targets are class labels (classifier) rather than numbers.
    _LABELS: ClassVar[bool] = False

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [
            StrOptions(set(_activations.names(include_aliases=True))),
            _activations.Activation,
            list,
            tuple,
        ],
        "solver": [StrOptions(set(_sklearn.SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [
            StrOptions({*_sklearn.SKLEARN_RATES, *_schedules.DECAYS}),
            _schedules.Schedule,
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        # "live": mlplab's live plot of the curves in a notebook (a progress bar elsewhere).
        "verbose": ["verbose", StrOptions({"live"})],
        "warm_start": ["boolean"],
        # mlplab's SGD needs momentum < 1 (scikit-learn accepts 1, which never damps).
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        # -- beyond scikit-learn --
        "output_activation": [
            StrOptions({"auto", *_activations.names(include_aliases=True)}),
            _activations.Activation,
        ],
        "kernel_initializer": [
            StrOptions({"auto", *_initializers.names(include_aliases=True)}),
            _initializers.Initializer,
        ],
        "bias": [StrOptions({"auto"}), Interval(Real, None, None, closed="neither")],
        "batch_norm": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "l1": [Interval(Real, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "divergence_factor": [
            Interval(Real, 1, None, closed="neither"),
            Options(Real, {np.inf}),
        ],
        "divergence_patience": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, tuple, None],
        "diagnostics": ["boolean"],
    }

    # -- to implement in the subclasses -------------------------------------------------
    def _encode_targets(self, y: Any, *, reset: bool, incremental: bool) -> np.ndarray:
        """Validate the targets and return them as a 2-D float array (n_samples, n_outputs)."""
        raise NotImplementedError

    def _encode_validation(self, y_val: Any, n: int, n_outputs: int) -> np.ndarray:
        """The targets of ``validation_data``, encoded as :meth:`_encode_targets` does."""
        raise NotImplementedError

    def _default_output_activation(self) -> str:
        raise NotImplementedError

    def _make_loss(self) -> _losses.Loss:
        raise NotImplementedError

    def _score_outputs(self, Y: np.ndarray, out: np.ndarray, w: np.ndarray | None) -> float:
        """scikit-learn's score (accuracy or R²) of network outputs against encoded targets."""
        raise NotImplementedError

    def _prepare_sample_weight(self, y: Any, sample_weight: Any, n: int) -> np.ndarray | None:
        return check_sample_weight(sample_weight, n, allow_scalar=True)

    # -- fitting -----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        validation_data: tuple[Any, Any] | None = None,
    ) -> Self:
        """Fit the network to X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The classifier's class labels, or a 0/1 indicator matrix of shape
            (n_samples, n_labels) for multilabel problems; the regressor's targets.
        sample_weight : array-like of shape (n_samples,), default=None
        validation_data : (X_val, y_val), default=None
            Scored after each epoch: ``validation_loss_curve_`` and
            ``validation_scores_`` (accuracy for the classifier, R² for the
            regressor); with ``early_stopping`` it replaces the held-out split.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def _fit(
        self, X: Any, y: Any, sample_weight: Any, validation_data: Any, *, incremental: bool
    ) -> BaseMLP:
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "network_") or (not self.warm_start and not incremental)
        X = self._input(X, y, reset=first_pass)
        y = self._y
        hidden = _network.hidden_sizes(self)
        if not first_pass:
            _network.check_same_network(self, hidden)
        Y = self._encode_targets(y, reset=first_pass, incremental=incremental)
        w = self._prepare_sample_weight(y, sample_weight, X.shape[0])
        val = self._validation_set(validation_data, Y.shape[1])
        # scikit-learn's stream: its Glorot weights, then its split, drawn in its order
        # from the object it would use, so the same random_state gives the same start.
        # mlplab's own streams are seeded from a copy, leaving that order untouched.
        sk_rng = check_random_state(self.random_state)
        init_seed = np.random.SeedSequence(int(copy.deepcopy(sk_rng).randint(2**31 - 1)))
        presets = _take_presets(self, keep=incremental or self.warm_start)
        if first_pass:
            self.network_ = _network.build_network(
                self, X.shape[1], hidden, Y.shape[1], X.dtype, init_seed, sk_rng
            )
            self._init_fit_state()
            for name, values in presets.items():
                setattr(self, name, values)  # checked against the network's shapes
        dtype = self.network_.dtype
        X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
        w = None if w is None else w.astype(dtype, copy=False)
        stochastic = self.solver in _sklearn.STOCHASTIC_SOLVERS
        if stochastic and self.early_stopping and val is None:
            (X, Y, w), val = _sklearn.split_validation(
                [X, Y, w], self._LABELS, self.validation_fraction, sk_rng
            )
            _check_split_weights(w, val[2], self.validation_fraction)
        if val is not None:
            val = [val[0].astype(dtype, copy=False), val[1].astype(dtype), val[2]]
        trainer, stopper, diagnostics = _sklearn.make_trainer(
            self, X.shape[0], incremental, val, sk_rng
        )
        history = trainer.fit(
            self.network_,
            X,
            Y,
            sample_weight=w,
            validation_data=None if val is None else (val[0], val[1]),
            n_init=self.n_init if first_pass and not incremental and not presets else 1,
            start=self._run_start(trainer, stopper, incremental),
        )
        self._record(trainer, history, stopper, diagnostics, X.shape[0])
        if stochastic and not incremental and self.n_iter_ == self.max_iter:
            if history.stop_reason is None and not history.diverged:
                _sklearn.warn_not_converged(self.max_iter)
        return self

    #: scikit-learn's private L-BFGS objective, for code written against it.
    _loss_grad_lbfgs = _sklearn.loss_grad_lbfgs

    def _input(self, X: Any, y: Any, reset: bool) -> np.ndarray:
        X, self._y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not self._LABELS,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        X = _dense(X)
        if not reset:
            X = X.astype(self.network_.dtype, copy=False)
        return X

    def _validation_set(self, validation_data: Any, n_outputs: int) -> list[Any] | None:
        if validation_data is None:
            return None
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        X_val = self._more_input(validation_data[0])
        Y_val = self._encode_validation(validation_data[1], X_val.shape[0], n_outputs)
        return [X_val, Y_val, None]

    def _more_input(self, X: Any) -> np.ndarray:
        """Samples after the training X (validation, prediction): same features, dense."""
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
        )
        return _dense(X)

    def _init_fit_state(self) -> None:
        """The attributes scikit-learn sets on the first pass."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = self.network_.n_outputs
        self.n_layers_ = len(_network.hidden_sizes(self)) + 2
        last = self.network_.layers[-1]
        name = last.function.name if isinstance(last, ActivationLayer) else "identity"
        self.out_activation_ = _OUT_NAMES.get(name, name)
        self.validation_loss_curve_ = None
        self._stop_state: dict[str, Any] | None = None
        self._optimizer_state: dict[str, Any] | None = None
        # The last fit's results, and scikit-learn's private names a stochastic fit sets.
        for attr in (
            "loss_", "diagnostics_", "loss_curve_", "best_loss_", "validation_scores_",
            "best_validation_score_", "_optimizer", "_no_improvement_count",
        ):  # fmt: skip
            self.__dict__.pop(attr, None)
        if self.solver not in _sklearn.STOCHASTIC_SOLVERS:
            # As scikit-learn: L-BFGS has no loss curve, best loss or validation scores.
            return
        self.loss_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.best_loss_ = None if self.early_stopping else np.inf

    def _run_start(
        self, trainer: Trainer, stopper: _sklearn.Stopping | None, incremental: bool
    ) -> RunStart | None:
        """Where this call's run starts: scikit-learn's optimizer goes on across calls.

        ``partial_fit`` continues the moments, step count and rate of the call before;
        every stochastic fit continues the sample count ``t_`` (what "invscaling"
        counts), and the "adaptive" rate's count and best value (a fresh fit restarts
        its rate at ``learning_rate_init``).
        """
        if stopper is None:
            return None
        opt_state = self._optimizer_state if incremental else None
        schedule = None
        state = _sklearn.stop_state(self)
        if isinstance(trainer.schedule, _schedules.ReduceOnPlateau) and state:
            lr = None if opt_state is None else opt_state.get("learning_rate")
            lr = float(self.learning_rate_init) if lr is None else lr
            schedule = _sklearn.adaptive_state(state, bool(self.early_stopping), lr)
        if opt_state is None and schedule is None and not self.t_:
            return None  # a first fit: nothing goes on
        return RunStart(
            optimizer=None if opt_state is None else opt_state["state"],
            schedule=schedule,
            samples_seen=int(self.t_),
        )

    def _record(
        self,
        trainer: Trainer,
        history: History,
        stopper: _sklearn.Stopping | None,
        diagnostics: Any,
        n_train: int,
    ) -> None:
        """Copy what the kept run did into scikit-learn's fitted attributes."""
        losses = [float(v) for v in history["loss"]]
        if stopper is None:  # L-BFGS
            result = history.optimize_result
            self.n_iter_ = min(int(result.nit), int(self.max_iter))
            self.loss_ = float(result.fun)
            _sklearn.warn_lbfgs(result, self.n_iter_, int(self.max_iter))
        else:
            self.n_iter_ = len(losses)
            self.t_ += n_train * len(losses)
            # loss_curve_ records what was measured (a diverged epoch's NaN too); after
            # a divergence loss_ and best_loss_ describe the weights kept.
            self.loss_curve_.extend(losses)
            if history.diverged:
                self.loss_ = history.final_loss
            elif losses:
                self.loss_ = losses[-1]
            state = stopper.state_dict()
            if history.diverged and not self.early_stopping:
                state["best_loss"] = self.loss_
            self._stop_state = state
            # scikit-learn's private counters, which code written against it reads.
            self._no_improvement_count = int(state["count"])
            self._optimizer = _sklearn.optimizer_view(self, trainer.last_run)
            if self.early_stopping:
                self.best_validation_score_ = state["best_score"]
            else:
                self.best_loss_ = state["best_loss"]
            run = trainer.last_run
            rate = run.optimizer.learning_rate
            if isinstance(run.schedule, _schedules.ReduceOnPlateau):
                rate = run.schedule.current_lr
            # Moments and rate of a diverged run are no start for the next partial_fit:
            # it begins a fresh optimizer from the weights kept.
            self._optimizer_state = (
                None
                if history.diverged
                else {
                    "state": run.optimizer.state_dict(),
                    "learning_rate": float(rate) if isinstance(rate, (int, float)) else None,
                }
            )
        if history.records and "val_loss" in history.records[0]:
            self._record_validation(history)
        if diagnostics is not None:
            self.diagnostics_ = diagnostics.records  # the kept run's (n_init > 1)

    def _record_validation(self, history: History) -> None:
        scores = [float(v) for v in history["val_score"]]
        if self.validation_loss_curve_ is None:
            self.validation_loss_curve_ = []
        self.validation_loss_curve_.extend(float(v) for v in history["val_loss"])
        if getattr(self, "validation_scores_", None) is None:
            self.validation_scores_ = []
        self.validation_scores_.extend(scores)
        if not (self.early_stopping and self.solver in _sklearn.STOCHASTIC_SOLVERS):
            finite = [s for s in self.validation_scores_ if not math.isnan(s)]
            self.best_validation_score_ = max(finite) if finite else None

    # -- prediction ----------------------------------------------------------------------
    def _network_output(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "network_")
        X = self._more_input(X)
        return self.network_.predict(X.astype(self.network_.dtype, copy=False))

    # -- scikit-learn's views of the network ----------------------------------------------
    #: Weight matrices of the Dense layers; ``coefs_[i]`` has shape (n_in, n_out).
    coefs_ = _DenseParams(0)
    #: Bias vectors of the Dense layers; ``intercepts_[i]`` has shape (n_out,).
    intercepts_ = _DenseParams(1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- saving --------------------------------------------------------------------------
    def _to_tree(self) -> dict[str, Any]:
        return _persistence.mlp_tree(self)

    @classmethod
    def _from_tree(cls, tree: dict[str, Any]) -> BaseMLP:
        return _persistence.mlp_from_tree(cls, tree)


def stochastic_only(est: BaseMLP) -> bool:
    """``partial_fit`` exists for the stochastic solvers only (scikit-learn's rule)."""
    if est.solver not in _sklearn.STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {est.solver} is "
            "not stochastic."
        )
    return True


def _dense(X: Any) -> np.ndarray:
    """Sparse input is densified once: the engine multiplies dense arrays."""
    if sp.issparse(X):
        return X.toarray()
    return np.asarray(X)


def _take_presets(est: BaseMLP, keep: bool) -> dict[str, list[Any]]:
    """``coefs_`` and ``intercepts_`` assigned before the first fit (see
    :class:`_DenseParams`), removed from the estimator; empty unless `keep`."""
    presets = {
        name: est.__dict__.pop(getattr(type(est), name).preset)
        for name in ("coefs_", "intercepts_")
        if getattr(type(est), name).preset in est.__dict__
    }
    if presets and not keep:
        warnings.warn(
            f"{' and '.join(presets)} set before fitting are not used by fit() without "
            "warm_start=True (as in scikit-learn, it draws new weights); use "
            "warm_start=True or partial_fit to start from them",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return {}
    return presets


def _check_split_weights(w_train: Any, w_val: Any, fraction: float) -> None:
    """Both sides of the early-stopping split need a sample weight above zero."""
    for part, w in (("validation split", w_val), ("training split", w_train)):
        if w is not None and not w.sum() > 0:
            n = len(w_train) + len(w_val)
            raise ValueError(
                f"early_stopping=True: the sample weights of the {part} "
                f"({len(w)} of {n} samples, validation_fraction={fraction}) are all zero, "
                "so it cannot be scored or trained on. Give more samples a non-zero "
                "sample_weight, change validation_fraction, or pass validation_data."
            )
