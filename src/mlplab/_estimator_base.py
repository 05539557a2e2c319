"""Shared machinery of :class:`~mlplab.MLPClassifier` and :class:`~mlplab.MLPRegressor`.

:class:`BaseMLP` holds what both estimators share: the declarative parameter
constraints, building the :class:`~mlplab.network.Sequential` (kept as ``network_``),
driving a :class:`~mlplab.training.Trainer` with scikit-learn's training semantics
(stopping rule, ``"adaptive"`` rate, early stopping on a held-out split, warm start,
``partial_fit``), and saving to mlplab's safe file format. The two subclasses only say
how targets are encoded, which loss and output activation to use, and how network
outputs turn into predictions and scores.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import activations as _activations
from . import initializers as _initializers
from . import losses as _losses
from . import schedules as _schedules
from .callbacks import Callback
from .io import load_tree, save_tree
from .layers import Activation as ActivationLayer
from .layers import Dense
from .network import Sequential, mlp
from .training import Trainer

__all__ = ["BaseMLP"]

#: The solvers that take mini-batch steps (everything but L-BFGS).
STOCHASTIC_SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam")
_SKLEARN_RATES = ("constant", "invscaling", "adaptive")
_EXTRA_RATES = ("step", "exponential", "linear", "cosine")
#: Hidden activations for which kernel_initializer="auto" draws scikit-learn's weights.
_SKLEARN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
#: scikit-learn's names of the output activations, by catalog name.
_OUT_NAMES = {"sigmoid": "logistic", "exponential": "exp"}
#: Version of the estimator layout inside the file (the container has its own).
_ESTIMATOR_FORMAT = 1


class BaseMLP(BaseEstimator):
    """Base class of mlplab's scikit-learn estimators; not for direct use.

    See :class:`~mlplab.MLPClassifier` for the parameters.
    """

    #: Whether the targets are class labels (classifier) rather than numbers.
    _LABELS: bool = False

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [
            StrOptions(set(_activations.names(include_aliases=True))),
            _activations.Activation,
            list,
            tuple,
        ],
        "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [
            StrOptions({*_SKLEARN_RATES, *_EXTRA_RATES}),
            _schedules.Schedule,
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
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

    def _default_output_activation(self) -> str:
        raise NotImplementedError

    def _make_loss(self) -> _losses.Loss:
        raise NotImplementedError

    def _score_outputs(self, Y: np.ndarray, out: np.ndarray, w: np.ndarray | None) -> float:
        """scikit-learn's score (accuracy or R²) of network outputs against encoded targets."""
        raise NotImplementedError

    def _prepare_sample_weight(self, y: Any, sample_weight: Any, n: int) -> np.ndarray | None:
        return _check_weights(sample_weight, n)

    # -- fitting -----------------------------------------------------------------------
    def _validate_X_y(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, Any]:
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not self._LABELS,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        return _dense(X), y

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, Any] | None = None,
        incremental: bool = False,
    ) -> BaseMLP:
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "network_") or (not self.warm_start and not incremental)
        X, y = self._validate_X_y(X, y, reset=first_pass)
        hidden = self._hidden_sizes()
        if not first_pass:
            old = [layer.units for layer in self.network_.layers if isinstance(layer, Dense)]
            if old[:-1] != hidden:
                raise ValueError(
                    f"hidden_layer_sizes is {hidden} but the fitted network has {old[:-1]}: "
                    "warm_start and partial_fit continue the same network"
                )
            X = X.astype(self.network_.dtype, copy=False)
        Y = self._encode_targets(y, reset=first_pass, incremental=incremental)
        sample_weight = self._prepare_sample_weight(y, sample_weight, X.shape[0])
        val = None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a tuple (X_val, y_val)")
            X_val = validate_data(
                self,
                validation_data[0],
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
            Y_val = self._encode_validation(validation_data[1], X_val.shape[0], Y.shape[1])
            val = (_dense(X_val), Y_val, None)

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        init_seed, train_seed, split_seed = np.random.SeedSequence(seed).spawn(3)
        if first_pass:
            self.network_ = self._build_network(
                X.shape[1], hidden, Y.shape[1], X.dtype, np.random.default_rng(init_seed)
            )
            self._init_fit_state()
            self._optimizer_state = None
        net = self.network_
        X = X.astype(net.dtype, copy=False)
        Y = Y.astype(net.dtype, copy=False)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(net.dtype, copy=False)
        stochastic = self.solver in STOCHASTIC_SOLVERS
        if stochastic and self.early_stopping and val is None:
            X, Y, sample_weight, val = self._split_validation(X, Y, y, sample_weight, split_seed)
        if val is not None:
            val = (val[0].astype(net.dtype, copy=False), val[1].astype(net.dtype), val[2])

        trainer, stopper, diagnostics = self._make_trainer(
            net, X.shape[0], incremental, first_pass, val, train_seed
        )
        n_init = self.n_init if first_pass and not incremental else 1
        history = trainer.fit(
            net,
            X,
            Y,
            sample_weight=sample_weight,
            validation_data=None if val is None else (val[0], val[1]),
            n_init=n_init,
        )
        self._record(trainer, history, stopper, diagnostics, X.shape[0], Y, sample_weight)
        if stochastic and not incremental and self.n_iter_ == self.max_iter:
            if not stopper.stopped_for(history) and not history.diverged:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        return self

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (Integral, np.integer)):
                raise ValueError(f"hidden_layer_sizes must hold integers, got {s!r}")
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _hidden_activations(self, n_hidden: int) -> list[Any]:
        act = self.activation
        if isinstance(act, (list, tuple)):
            if len(act) != n_hidden:
                raise ValueError(
                    f"activation has {len(act)} entries but there are {n_hidden} hidden layers"
                )
            acts = list(act)
        else:
            acts = [act] * n_hidden
        for i, a in enumerate(acts):
            if not isinstance(a, (str, _activations.Activation)):
                raise TypeError(
                    f"activation[{i}] must be an activation name or object, got {type(a).__name__}"
                )
            _activations.get(a)  # unknown names fail here, with the list of valid ones
        return acts

    def _build_network(
        self,
        n_features: int,
        hidden: list[int],
        n_outputs: int,
        dtype: Any,
        rng: np.random.Generator,
    ) -> Sequential:
        acts = self._hidden_activations(len(hidden))
        out = self.output_activation
        out_fn = _activations.get(self._default_output_activation() if out == "auto" else out)
        bias = 0.0 if isinstance(self.bias, str) else float(self.bias)
        if not math.isfinite(bias):
            raise ValueError(f"bias must be finite, got {self.bias!r}")
        if isinstance(self.dropout, (list, tuple)) and len(self.dropout) != len(hidden):
            raise ValueError(
                f"dropout has {len(self.dropout)} entries but there are {len(hidden)} hidden layers"
            )
        net = mlp(
            [n_features, *hidden, n_outputs],
            hidden_activation=acts,
            output_activation=out_fn,
            kernel_initializer=self.kernel_initializer,
            bias=bias,
            batch_norm=bool(self.batch_norm),
            dropout=list(self.dropout) if isinstance(self.dropout, tuple) else self.dropout,
            dtype=dtype,
            random_state=rng,
        )
        if self.kernel_initializer == "auto":
            self._sklearn_init(net, acts, rng)
        return net

    def _sklearn_init(self, net: Sequential, acts: list[Any], rng: np.random.Generator) -> None:
        """scikit-learn's draw for layers whose activation is one of its four.

        Weights (and, with ``bias="auto"``, biases) uniform in ±sqrt(f / (fan_in +
        fan_out)), f = 2 after a logistic unit and 6 otherwise (Glorot & Bengio). Layers
        after another catalog activation keep the initializer it recommends (He for the
        ReLU family, LeCun for SELU...) and zero biases.
        """
        names = [_activations.get(a).name for a in acts]
        dense = [layer for layer in net.layers if isinstance(layer, Dense)]
        for i, layer in enumerate(dense):
            # The output layer follows scikit-learn's rule of the (last) hidden activation.
            name = names[min(i, len(names) - 1)] if names else "identity"
            if name not in _SKLEARN_ACTIVATIONS:
                continue
            W, b = layer.params
            bound = math.sqrt((2.0 if name == "sigmoid" else 6.0) / (W.shape[0] + W.shape[1]))
            W[...] = rng.uniform(-bound, bound, W.shape)
            if self.bias == "auto":
                b[...] = rng.uniform(-bound, bound, b.shape)

    def _init_fit_state(self) -> None:
        """The attributes scikit-learn sets on the first pass."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = self.network_.n_outputs
        self.n_layers_ = len(self._hidden_sizes()) + 2
        last = self.network_.layers[-1]
        name = last.function.name if isinstance(last, ActivationLayer) else "identity"
        self.out_activation_ = _OUT_NAMES.get(name, name)
        self.validation_loss_curve_ = None
        self._stop_state = {"count": 0, "best_params": None, "best_buffers": None}
        for attr in (
            "loss_",
            "diagnostics_",
            "loss_curve_",
            "best_loss_",
            "validation_scores_",
            "best_validation_score_",
        ):
            self.__dict__.pop(attr, None)
        if self.solver not in STOCHASTIC_SOLVERS:
            # As scikit-learn: L-BFGS has no loss curve, best loss or validation scores.
            return
        self.loss_curve_ = []
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _split_validation(self, X, Y, y, sample_weight, split_seed):
        # Stratified for single-output classification, as scikit-learn does.
        single = self._LABELS and self._y_type in ("binary", "multiclass")
        stratify = np.asarray(y) if single else None
        random_state = int(split_seed.generate_state(1)[0] % np.iinfo(np.int32).max)
        arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
        parts = train_test_split(
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_tr, X_val, Y_tr, Y_val = parts[:4]
        w_tr, w_val = (parts[4], parts[5]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        for part, w in (("validation split", w_val), ("training split", w_tr)):
            if w is not None and not w.sum() > 0:
                raise ValueError(
                    f"early_stopping=True: the sample weights of the {part} "
                    f"({len(w)} of {len(sample_weight)} samples, validation_fraction="
                    f"{self.validation_fraction}) are all zero, so it cannot be "
                    "scored or trained on. Give more samples a non-zero sample_weight, "
                    "change validation_fraction, or pass validation_data."
                )
        return X_tr, Y_tr, w_tr, (X_val, Y_val, w_val)

    def _make_optimizer(self, net: Sequential, incremental: bool) -> tuple[Any, Any, str]:
        """The optimizer, the trainer's learning_rate and what the schedule counts."""
        lr0 = float(self.learning_rate_init)
        rate = self.learning_rate
        schedule: Any = None
        unit = "epoch"
        if isinstance(rate, _schedules.Schedule):
            schedule = rate
        elif rate in _EXTRA_RATES:
            n = int(self.max_iter)
            schedule = {
                "step": lambda: _schedules.StepDecay(lr0, step_size=max(1, n // 3), gamma=0.1),
                "exponential": lambda: _schedules.ExponentialDecay(lr0, gamma=0.01 ** (1 / n)),
                "linear": lambda: _schedules.LinearDecay(lr0, final_lr=lr0 / 100, decay_steps=n),
                "cosine": lambda: _schedules.Cosine(lr0, period=n, min_lr=lr0 / 100),
            }[rate]()
        elif rate == "invscaling" and self.solver == "sgd":
            # scikit-learn: lr_init / (t + 1) ** power_t, t = samples seen before the
            # epoch; a fit (not partial_fit) starts a fresh optimizer at lr_init.
            fresh = None if incremental else int(getattr(self, "t_", 0))
            schedule = _InverseScaling(lr0, float(self.power_t), fresh)
            unit = "sample"
        from . import optimizers as _optimizers

        solver = self.solver
        if solver == "lbfgs":
            return _optimizers.get("lbfgs"), None, unit
        if solver == "sgd":
            momentum = float(self.momentum)
            opt = _optimizers.SGD(
                lr0, momentum=momentum, nesterov=bool(self.nesterovs_momentum) and momentum > 0
            )
        elif solver in ("adam", "adamw"):
            kwargs = {"beta_1": float(self.beta_1), "beta_2": float(self.beta_2)}
            kwargs["eps"] = float(self.epsilon)
            if solver == "adam":
                opt = _optimizers.Adam(lr0, **kwargs)
            else:
                opt = _optimizers.AdamW(
                    lr0, **kwargs, weight_decay=float(self.weight_decay), decay=net.regularized
                )
        elif solver == "nadam":
            opt = _optimizers.Nadam(
                lr0, beta_1=float(self.beta_1), beta_2=float(self.beta_2), eps=float(self.epsilon)
            )
        elif solver == "rmsprop":
            opt = _optimizers.RMSProp(lr0, eps=float(self.epsilon))
        else:
            opt = _optimizers.AdaGrad(lr0)
        return opt, schedule, unit

    def _make_trainer(self, net, n_samples, incremental, first_pass, val, train_seed):
        optimizer, schedule, unit = self._make_optimizer(net, incremental)
        stochastic = self.solver in STOCHASTIC_SOLVERS
        adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
        stopper = _SklearnStopping(
            early_stopping=stochastic and self.early_stopping,
            tol=float(self.tol),
            n_iter_no_change=self.n_iter_no_change,
            adaptive=adaptive,
            state=self._stop_state,
            enabled=stochastic,
            optimizer_state=None if first_pass or not incremental else self._optimizer_state,
            samples_seen=int(self.t_),
            verbose=bool(self.verbose),
        )
        callbacks: list[Callback] = [stopper]
        for i, cb in enumerate(self.callbacks or ()):
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks[{i}] must be an mlplab Callback, got {cb!r}")
            callbacks.append(cb)
        diagnostics = None
        if self.diagnostics:
            from .diagnostics import Diagnostics  # written alongside; imported when asked

            diagnostics = Diagnostics()
            callbacks.append(diagnostics)
        if self.batch_size == "auto":
            batch = min(200, n_samples)
        else:
            if self.batch_size > n_samples and stochastic:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to "
                    "be clipped",
                    stacklevel=4,
                )
            batch = min(int(self.batch_size), n_samples)
        w_val = None if val is None else val[2]
        metric = None
        if val is not None:

            def metric(Y_true: np.ndarray, out: np.ndarray) -> float:
                return self._score_outputs(Y_true, out, w_val)

        trainer = Trainer(
            self._make_loss(),
            optimizer,
            learning_rate=schedule,
            schedule_unit=unit,
            epochs=1 if incremental else int(self.max_iter),
            batch_size=batch,
            shuffle=bool(self.shuffle),
            l2=float(self.alpha),
            l1=float(self.l1),
            weight_decay=0.0 if self.solver in ("adamw", "lbfgs") else float(self.weight_decay),
            clip_value=self.clip_value,
            clip_norm=self.clip_norm,
            callbacks=callbacks,
            metric=metric,
            divergence_factor=float(self.divergence_factor),
            divergence_patience=int(self.divergence_patience),
            max_fun=int(self.max_fun),
            tol=float(self.tol),
            random_state=np.random.default_rng(train_seed),
        )
        return trainer, stopper, diagnostics

    def _record(self, trainer, history, stopper, diagnostics, n_train, Y, sample_weight):
        """Copy what the kept run did into scikit-learn's fitted attributes."""
        losses = [float(v) for v in history["loss"]]
        if self.solver == "lbfgs":
            result = history.optimize_result
            self.n_iter_ = min(int(result.nit), int(self.max_iter))
            self.loss_ = float(result.fun)
            if result.status != 0:
                # scikit-learn's warning (sklearn.utils.optimize._check_optimize_result)
                # for every stop that is not convergence: max_iter, max_fun, line search.
                message = result.message
                if isinstance(message, bytes):
                    message = message.decode()
                text = (
                    f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                    f"(status={result.status}):\n{message}\n"
                )
                if self.n_iter_ == self.max_iter:
                    text += (
                        "\nIncrease the number of iterations to improve the convergence "
                        f"(max_iter={self.max_iter})."
                    )
                text += (
                    "\nYou might also want to scale the data as shown in:\n"
                    "    https://scikit-learn.org/stable/modules/preprocessing.html"
                )
                warnings.warn(text, ConvergenceWarning, stacklevel=4)
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
            state = stopper.final_state(history)
            if history.diverged and not self.early_stopping:
                state["best_loss"] = self.loss_
            self._stop_state = state
            if self.early_stopping:
                self.best_validation_score_ = state["best_score"]
            else:
                self.best_loss_ = state["best_loss"]
            opt = trainer.last_run.optimizer  # the kept run's own copy
            self._optimizer_state = {
                "state": opt.state_dict(),
                "learning_rate": float(opt.learning_rate)
                if isinstance(opt.learning_rate, (int, float))
                else None,
            }
            if history.diverged:
                # Moments and rate of a diverged run are no start for the next
                # partial_fit: it begins a fresh optimizer from the weights kept.
                self._optimizer_state = None
        if history.records and "val_loss" in history.records[0]:
            scores = [float(v) for v in history["val_score"]]
            val_losses = [float(v) for v in history["val_loss"]]
            if self.validation_loss_curve_ is None:
                self.validation_loss_curve_ = []
            self.validation_loss_curve_.extend(val_losses)
            if getattr(self, "validation_scores_", None) is None:
                self.validation_scores_ = []
            if not (self.early_stopping and self.solver in STOCHASTIC_SOLVERS):
                self.validation_scores_.extend(scores)
                finite = [s for s in self.validation_scores_ if not math.isnan(s)]
                self.best_validation_score_ = max(finite) if finite else None
            else:
                self.validation_scores_.extend(scores)
        if diagnostics is not None:
            # With n_init > 1 the diagnostics hold one list per run: keep the kept run's.
            runs = getattr(diagnostics, "runs", None)
            index = stopper.run_index(history)
            kept = runs[index] if runs and len(runs) == len(stopper._runs) else None
            self.diagnostics_ = kept if kept is not None else diagnostics.records

    # -- prediction ----------------------------------------------------------------------
    def _network_output(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "network_")
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
        )
        X = _dense(X).astype(self.network_.dtype, copy=False)
        return self.network_.predict(X)

    # -- sklearn-compatible views of the network ---------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of the Dense layers; ``coefs_[i]`` has shape (n_in, n_out)."""
        if "network_" not in self.__dict__:
            raise AttributeError("coefs_ exists once the estimator is fitted")
        return [layer.params[0] for layer in self.network_.layers if isinstance(layer, Dense)]

    @coefs_.setter
    def coefs_(self, values: list[np.ndarray]) -> None:
        self._set_dense(values, 0, "coefs_")

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors of the Dense layers; ``intercepts_[i]`` has shape (n_out,)."""
        if "network_" not in self.__dict__:
            raise AttributeError("intercepts_ exists once the estimator is fitted")
        return [layer.params[1] for layer in self.network_.layers if isinstance(layer, Dense)]

    @intercepts_.setter
    def intercepts_(self, values: list[np.ndarray]) -> None:
        self._set_dense(values, 1, "intercepts_")

    def _set_dense(self, values: list[np.ndarray], index: int, name: str) -> None:
        if "network_" not in self.__dict__:
            raise AttributeError(f"{name} can only be set on a fitted estimator")
        dense = [layer for layer in self.network_.layers if isinstance(layer, Dense)]
        values = list(values)
        if len(values) != len(dense):
            raise ValueError(f"{name} needs {len(dense)} arrays, got {len(values)}")
        for i, (layer, v) in enumerate(zip(dense, values, strict=True)):
            v = np.asarray(v)
            if v.shape != layer.params[index].shape:
                raise ValueError(f"{name}[{i}] must have shape {layer.params[index].shape}")
        for layer, v in zip(dense, values, strict=True):
            layer.params[index][...] = v

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- saving --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted estimator to `path` in mlplab's safe file format.

        Arrays go to an ``.npz`` archive read back with ``allow_pickle=False``; the
        parameters and fitted scalars go to JSON with a format version and a SHA-256
        checksum (:mod:`mlplab.io`). The write is atomic. Load with :func:`mlplab.load`.

        Parameters
        ----------
        path : str or path-like
            Destination file; its folder must exist.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        TypeError
            If a parameter cannot be stored as data (a callback, a RandomState, an
            activation or schedule that is not in mlplab's catalog...).
        """
        check_is_fitted(self, "network_")
        params = {}
        for key, value in self.get_params(deep=False).items():
            try:
                params[key] = _encode(value)
            except TypeError as exc:
                raise TypeError(
                    f"cannot save parameter {key}={value!r}: {exc}. Only data can go in an "
                    f"mlplab file; set it to a plain value first, e.g. "
                    f"est.set_params({key}=None)"
                ) from None
        fitted: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key in ("network_",) or not key.endswith("_") or key.startswith("__"):
                continue
            fitted[key] = _encode_fitted(key, value)
        net = self.network_
        tree = {
            "estimator_format": _ESTIMATOR_FORMAT,
            "params": params,
            "fitted": fitted,
            "private": {
                "y_type": getattr(self, "_y_type", None),
                "stop_state": _encode_fitted("stop", self._stop_state),
                "optimizer_state": _encode_fitted("opt", self._optimizer_state),
            },
            "network": {
                "dtype": np.dtype(net.dtype).name,
                "n_inputs": net.n_inputs,
                "hidden": [layer.units for layer in net.layers if isinstance(layer, Dense)][:-1],
                "n_outputs": net.n_outputs,
                "params": [p.copy() for p in net.params],
                "buffers": {k: v.copy() for k, v in net.buffers().items()},
            },
        }
        return save_tree(path, tree, kind=type(self).__name__)

    @classmethod
    def _from_tree(cls, tree: dict[str, Any]) -> BaseMLP:
        from .io import ModelFileError

        try:
            version = tree["estimator_format"]
            if not isinstance(version, int) or version > _ESTIMATOR_FORMAT:
                raise ModelFileError(
                    f"the estimator was saved in layout version {version}, newer than this "
                    f"mlplab reads ({_ESTIMATOR_FORMAT}): upgrade mlplab"
                )
            params = {k: _decode(v) for k, v in tree["params"].items()}
            est = cls(**params)
            for key, value in tree["fitted"].items():
                setattr(est, key, _decode_fitted(key, value))
            private = tree["private"]
            est._y_type = private["y_type"]
            est._stop_state = _decode_fitted("stop", private["stop_state"])
            est._optimizer_state = _decode_fitted("opt", private["optimizer_state"])
            spec = tree["network"]
            sizes = [spec["n_inputs"], *spec["hidden"], spec["n_outputs"]]
            if not all(type(d) is int and d >= 1 for d in sizes):
                raise ModelFileError(f"the saved layer sizes {sizes} are not all integers >= 1")
            saved = spec["params"]
            if not isinstance(saved, list) or not all(isinstance(a, np.ndarray) for a in saved):
                raise ModelFileError("the saved weights are not a list of arrays")
            # Refuse before allocating: the architecture the file declares must need
            # exactly as many numbers as the file holds (Dense weights and biases, and
            # batch norm's gamma and beta per hidden layer).
            declared = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
            if est.batch_norm:
                declared += 2 * sum(sizes[1:-1])
            held = sum(a.size for a in saved)
            if declared != held:
                raise ModelFileError(
                    f"the file declares a network of {declared} parameters (layer sizes "
                    f"{sizes}) but holds {held}: it is corrupted or was edited"
                )
            net = est._build_network(
                sizes[0], sizes[1:-1], sizes[-1], np.dtype(spec["dtype"]), np.random.default_rng(0)
            )
            if len(saved) != len(net.params) or any(
                np.shape(s) != p.shape for s, p in zip(saved, net.params, strict=True)
            ):
                raise ModelFileError("the saved weights do not match the saved architecture")
            for p, s in zip(net.params, saved, strict=True):
                p[...] = s
            net.set_buffers({k: np.asarray(v) for k, v in spec["buffers"].items()})
            est.network_ = net
        except ModelFileError:
            raise
        except Exception as exc:  # whatever an edited tree trips over, it is malformed
            raise ModelFileError(f"the model file's content is malformed: {exc!r}") from exc
        return est


# -- scikit-learn's stopping rule as a callback ------------------------------------------------
class _SklearnStopping(Callback):
    """scikit-learn's ``n_iter_no_change`` rule, its ``"adaptive"`` rate and early stopping.

    After each epoch the monitored value (training loss, or the validation score with
    early stopping) is compared with the best so far; more than `n_iter_no_change`
    epochs without an improvement by `tol` either divide SGD's rate by 5 (adaptive, while
    it is above 1e-6) or stop. With early stopping the weights of the best validation
    score are kept and put back at the end. The state carries over warm starts and
    ``partial_fit`` calls as scikit-learn's does.
    """

    order = -10  # before user callbacks, so they see the decision of this epoch

    def __init__(
        self,
        *,
        early_stopping: bool,
        tol: float,
        n_iter_no_change: float,
        adaptive: bool,
        state: dict[str, Any],
        enabled: bool,
        optimizer_state: dict[str, Any] | None,
        samples_seen: int,
        verbose: bool = False,
    ) -> None:
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.adaptive = adaptive
        self.initial = state
        self.enabled = enabled
        self.optimizer_state = optimizer_state
        self.samples_seen = samples_seen
        self._runs: list[tuple[Any, dict[str, Any], bool]] = []

    def on_train_begin(self, trainer: Trainer) -> None:
        init = self.initial
        self.count = init.get("count", 0)
        self.best_loss = init.get("best_loss", math.inf)
        self.best_score = init.get("best_score", -math.inf)
        self.best_params = init.get("best_params")
        self.best_buffers = init.get("best_buffers")
        if self.early_stopping and self.best_params is None:
            # scikit-learn starts from the initial weights as "best".
            self.best_params = [p.copy() for p in trainer.network.params]
            self.best_buffers = {k: v.copy() for k, v in trainer.network.buffers().items()}
        self.stopped = False
        if not self.enabled:
            return
        # partial_fit continues scikit-learn's optimizer: moments, step count, rate and
        # the sample count of "invscaling" carry over from the previous call.
        if self.optimizer_state is not None:
            trainer.optimizer.load_state_dict(self.optimizer_state["state"])
            if self.optimizer_state["learning_rate"] is not None:
                trainer.optimizer.learning_rate = self.optimizer_state["learning_rate"]
        trainer.samples_seen = self.samples_seen

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.verbose:
            # scikit-learn's lines, numbered within this fit (or partial_fit) call.
            print(f"Iteration {logs['epoch'] + 1}, loss = {logs['loss']:.8f}")
            if "val_score" in logs:
                print(f"Validation score: {logs['val_score']:f}")
        if not self.enabled:
            return
        if self.early_stopping:
            score = logs["val_score"]
            self.count = self.count + 1 if score < self.best_score + self.tol else 0
            if score > self.best_score:
                self.best_score = score
                self.best_params = [p.copy() for p in trainer.network.params]
                self.best_buffers = {k: v.copy() for k, v in trainer.network.buffers().items()}
            what = "Validation score"
        else:
            loss = logs["loss"]
            self.count = self.count + 1 if loss > self.best_loss - self.tol else 0
            self.best_loss = min(self.best_loss, loss)
            what = "Training loss"
        if self.count > self.n_iter_no_change:
            message = (
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            lr = getattr(trainer.optimizer, "learning_rate", None)
            if self.adaptive and isinstance(lr, float) and lr > 1e-6:
                trainer.optimizer.learning_rate = lr / 5.0
                self.count = 0
                self._say(f"{message} Setting learning rate to {lr / 5.0:f}")
                return
            too_small = " Learning rate too small." if self.adaptive else ""
            self._say(f"{message}{too_small} Stopping.")
            self.stopped = True
            trainer.stop_training = True
            trainer.stop_reason = message

    def _say(self, line: str) -> None:
        if self.verbose:
            print(line)

    def on_train_end(self, trainer: Trainer) -> None:
        if self.enabled and self.early_stopping and self.best_params is not None:
            for p, best in zip(trainer.network.params, self.best_params, strict=True):
                p[...] = best
            trainer.network.set_buffers(self.best_buffers or {})
        state = {
            "count": self.count,
            "best_loss": self.best_loss,
            "best_score": self.best_score,
            "best_params": self.best_params,
            "best_buffers": self.best_buffers,
        }
        self._runs.append((trainer.history, state, self.stopped))

    def _run_of(self, history: Any) -> tuple[Any, dict[str, Any], bool]:
        for run in self._runs:
            if run[0] is history:
                return run
        return self._runs[-1]

    def run_index(self, history: Any) -> int:
        """Index, among the runs of this fit, of the run whose history the trainer kept."""
        for i, run in enumerate(self._runs):
            if run[0] is history:
                return i
        return len(self._runs) - 1

    def final_state(self, history: Any) -> dict[str, Any]:
        """The state at the end of the run the trainer kept (n_init may run several)."""
        return dict(self._run_of(history)[1])

    def stopped_for(self, history: Any) -> bool:
        return bool(self._run_of(history)[2])


class _InverseScaling(_schedules.InverseTime):
    """scikit-learn's "invscaling": ``lr / (t + 1) ** power_t``, but `lr` at `fresh_at`.

    A fit starts scikit-learn's optimizer afresh at ``learning_rate_init`` while its
    sample count ``t_`` goes on from an earlier (warm-started) fit; ``fresh_at`` is that
    count, so the first epoch of the fit uses the initial rate.
    """

    def __init__(self, lr: float, power_t: float, fresh_at: int | None) -> None:
        super().__init__(lr, power_t)
        self.fresh_at = fresh_at

    def _rate(self, t: int) -> float:
        return self.lr if t == self.fresh_at else super()._rate(t)


# -- helpers ---------------------------------------------------------------------------------
def _dense(X: Any) -> np.ndarray:
    """Sparse input is densified once: the engine multiplies dense arrays."""
    if sp.issparse(X):
        return X.toarray()
    return np.asarray(X)


def _check_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n,)}!")
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if not w.sum() > 0:
        raise ValueError("sample_weight must not be all zero")
    return w


# Parameter values are stored as tagged JSON so that tuples, dicts with non-string keys
# and catalog objects come back as they went in; nothing is ever imported or executed.
_CATALOGS = {
    "activation": (_activations.Activation, _activations.get),
    "initializer": (_initializers.Initializer, _initializers.get),
    "schedule": (_schedules.Schedule, _schedules.get),
    "loss": (_losses.Loss, _losses.get),
}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (Integral, np.integer)):
        return int(value)
    if isinstance(value, (Real, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__ndarray__": value.tolist()}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    for kind, (base, get) in _CATALOGS.items():
        if isinstance(value, base):
            name = getattr(value, "name", "")
            config = value.get_config()
            try:
                rebuilt = get(name, **config) if name else None
            except Exception:  # any failure means: not rebuildable
                rebuilt = None
            if rebuilt is None or type(rebuilt) is not type(value):
                raise TypeError(f"{type(value).__name__} is not a registered mlplab {kind}")
            return {
                "__object__": kind,
                "name": name,
                "config": {k: _encode(v) for k, v in config.items()},
            }
    raise TypeError(f"a {type(value).__name__} cannot be stored as data")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__ndarray__" in value:
        return np.asarray(value["__ndarray__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__object__" in value:
        kind = value["__object__"]
        if kind not in _CATALOGS:
            raise ValueError(f"unknown object kind {kind!r}")
        get = _CATALOGS[kind][1]
        return get(str(value["name"]), **{k: _decode(v) for k, v in value["config"].items()})
    raise ValueError(f"unexpected entry {sorted(value)!r}")


def _encode_fitted(key: str, value: Any) -> Any:
    """Fitted attributes: arrays stay arrays; label arrays become tagged lists."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return value
        return {"__labels__": [_plain(v) for v in value.tolist()], "kind": value.dtype.kind}
    if isinstance(value, dict):
        return {"__map__": {str(k): _encode_fitted(k, v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encode_fitted(key, v) for v in value]
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store fitted attribute {key} of type {type(value).__name__}")


def _decode_fitted(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        if "__labels__" in value:
            labels = value["__labels__"]
            if value["kind"] == "U":
                return np.asarray(labels, dtype=str)
            return np.asarray(labels, dtype=object)
        if "__map__" in value:
            return {k: _decode_fitted(k, v) for k, v in value["__map__"].items()}
        raise ValueError(f"unexpected entry in fitted attribute {key}")
    if isinstance(value, list):
        return [_decode_fitted(key, v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a class label of type {type(value).__name__}")


def load(path: str | os.PathLike[str]) -> BaseEstimator:
    """Load an estimator written by ``MLPClassifier.save`` / ``MLPRegressor.save``.

    The file is read with ``allow_pickle=False`` and verified (format, version,
    checksum) before anything is rebuilt: a file cannot execute code.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    MLPClassifier, MLPRegressor or BernoulliRBM
        The fitted estimator; it predicts exactly as the one saved.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    mlplab.io.ModelFileError
        If the file is truncated, corrupted, edited, from a newer format version or does
        not hold an mlplab estimator.
    """
    from .estimators import MLPClassifier, MLPRegressor
    from .io import ModelFileError
    from .rbm import BernoulliRBM

    kind, tree = load_tree(path)
    classes = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
    classes["BernoulliRBM"] = BernoulliRBM
    if kind not in classes:
        raise ModelFileError(f"{path} holds a {kind!r}, not an mlplab estimator")
    if not isinstance(tree, dict):
        raise ModelFileError(f"{path}: the model file's content is malformed")
    return classes[kind]._from_tree(tree)
