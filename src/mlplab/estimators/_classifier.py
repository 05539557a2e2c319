"""The multilayer perceptron classifier, a drop-in for scikit-learn's ``MLPClassifier``."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from .. import losses as _losses
from .._validation import check_sample_weight
from ..activations import sigmoid, softmax
from ._base import BaseMLP, stochastic_only
from ._persistence import savable

__all__ = ["MLPClassifier"]


# scikit-learn computes its log-loss from the output probabilities, clipped to
# [eps, 1 - eps]; mlplab's losses compute it from the logits, exactly. The two agree
# until a probability saturates (a logit beyond about ±17 in float64): there
# scikit-learn's value stops growing at -log(eps), and 1 - p is rounded to a multiple of
# eps/2. L-BFGS's line search tries such points and decides on the value, so with
# 'lbfgs' the classifier computes the value as scikit-learn does and takes its path
# (the stochastic solvers keep the compiled exact form: their steps do not depend on the
# value). The gradient stays p - y from the logits, which is scikit-learn's too.
class _LogLoss(_losses.CategoricalCrossentropy):
    """scikit-learn's log-loss of a softmax output: the value from clipped probabilities.

    The gradient from the logits is :class:`~mlplab.losses.CategoricalCrossentropy`'s,
    ``softmax(z) - y``. Not compiled (no ``_kernel_step``).
    """

    def _per_sample_from_logits(self, y, z):
        return self._per_sample(y, softmax(z))

    def _fused_value_and_gradient(self, y, z, w, unit_rows=False):
        p = softmax(z)
        value = _losses._reduce(self._per_sample(y, p), w)
        if not unit_rows:
            p *= np.sum(y, axis=1, keepdims=True)
        p -= y
        return value, _losses._scale(p, w)


class _BinaryLogLoss(_losses.BinaryCrossentropy):
    """scikit-learn's log-loss of sigmoid outputs: the value from clipped probabilities.

    The gradient from the logits is :class:`~mlplab.losses.BinaryCrossentropy`'s,
    ``sigmoid(z) - y``. Not compiled (no ``_kernel_step``).
    """

    def _per_sample_from_logits(self, y, z):
        return self._per_sample(y, sigmoid(z))


@savable
class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multilayer perceptron classifier, a drop-in for scikit-learn's MLPClassifier.

    Trains a network with the log-loss (softmax cross-entropy for multiclass, sigmoid
    binary cross-entropy for binary and multilabel problems).

    Sparse X is accepted and converted to a dense array once per fit or predict call,
    which costs ``n_samples × n_features`` floats of memory. float32 X gives a float32
    network and float32 probabilities; any other X is computed in float64.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        Width of each hidden layer.
    activation : str, Activation or list of them, default='relu'
        Hidden activation: scikit-learn's 'identity', 'logistic', 'tanh', 'relu', or any
        name of :mod:`mlplab.activations` ('elu', 'gelu', 'swish', 'mish',
        'leaky_relu'...), an activation object (``activations.get("elu", alpha=0.5)``),
        or a list with one per hidden layer.
    solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'adagrad', 'adamw', 'nadam'}, default='adam'
        Weight optimizer. 'lbfgs' trains full batch (SciPy's L-BFGS-B); the others take
        mini-batch steps.
    alpha : float, default=0.0001
        L2 penalty ``0.5 * alpha * ||W||² / n_batch`` on the weights (not biases).
    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``. Ignored by 'lbfgs'.
    learning_rate : str or Schedule, default='constant'
        'constant', 'invscaling' (``learning_rate_init / (t + 1) ** power_t`` with t the
        samples seen) and 'adaptive' (divide by 5 after ``n_iter_no_change`` epochs
        without improvement, stop below 1e-6) behave as in scikit-learn and, as there,
        only apply to ``solver='sgd'``. mlplab adds, for every stochastic solver, 'step'
        (×0.1 every ``max_iter // 3`` epochs), 'exponential' (to 1% at ``max_iter``),
        'linear' and 'cosine' (from ``learning_rate_init`` to 1% of it over
        ``max_iter`` epochs), or any :class:`~mlplab.schedules.Schedule` (its t counts
        epochs).
    learning_rate_init : float, default=0.001
        Initial learning rate of the stochastic solvers.
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or of iterations ('lbfgs').
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffles, dropout and the early-stopping split.
    tol : float, default=1e-4
        Improvement that counts for ``n_iter_no_change``; gradient tolerance of 'lbfgs'.
    verbose : bool, int or "live", default=False
        Print scikit-learn's progress lines to standard output: ``Iteration 3, loss =
        0.41325000`` after each epoch (each L-BFGS iteration too), ``Validation score:
        0.966667`` when there is a validation set, and why training stopped. ``"live"``
        (mlplab): in a notebook, a figure of the loss and validation curves redrawn as
        training goes (with the diagnostics panels when ``diagnostics=True``), a progress
        bar in a terminal; see :class:`mlplab.live.LivePlot`.
    warm_start : bool, default=False
        Continue from the fitted network on the next ``fit``.
    momentum : float, default=0.9
        SGD momentum, in [0, 1).
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with SGD.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for a
        binary classifier, as scikit-learn), score it each epoch and stop when the
        score has not improved by ``tol`` for ``n_iter_no_change`` epochs; the best
        weights are restored. With ``fit(..., validation_data=...)`` that set is
        scored instead of a split.
        Stochastic solvers only.
    validation_fraction : float, default=0.1
        Share of the training data held out by ``early_stopping``.
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decays of 'adam', 'adamw' and 'nadam'.
    epsilon : float, default=1e-8
        Numerical stability term of 'adam', 'adamw', 'nadam' and 'rmsprop'.
    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement by ``tol`` before stopping (or, with 'adaptive',
        before the rate is divided by 5).
    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
    output_activation : str or Activation, default='auto'
        'auto' picks scikit-learn's output: softmax (multiclass), logistic (binary and
        multilabel), identity (regression) or exp (Poisson regression).
    kernel_initializer : str or Initializer, default='auto'
        'auto' draws scikit-learn's uniform Glorot weights after its four activations
        and the initializer the catalog recommends after the others (He for the ReLU
        family, LeCun for SELU); or any name/object of :mod:`mlplab.initializers`.
    bias : 'auto' or float, default='auto'
        Initial biases: 'auto' draws them as scikit-learn does where it draws the
        weights and 0 elsewhere; a number sets every hidden bias (output biases 0).
    batch_norm : bool, default=False
        Batch normalization between each hidden Dense layer and its activation.
    dropout : float or list of float, default=0.0
        Dropout rate after each hidden layer, or one rate per hidden layer.
    l1 : float, default=0.0
        L1 penalty ``l1 * |W|₁ / n_batch`` on the weights.
    weight_decay : float, default=0.0
        Decoupled weight decay ``W ← W − lr · weight_decay · W`` after each step
        (stochastic solvers; with 'adamw' it is AdamW's decay).
    clip_norm : float or None, default=None
        Rescale each gradient array whose L2 norm exceeds it.
    clip_value : float or None, default=None
        Clip every gradient entry to ``[-clip_value, clip_value]``.
    n_init : int, default=1
        Train from this many random initializations and keep the run whose returned
        weights have the lowest validation loss (or training loss without a validation
        set), measured on those weights. Fresh fits only.
    divergence_factor : float, default=1e4
        A stochastic fit stops with a ``DivergenceWarning`` when a batch loss or a
        weight becomes NaN or infinite, or when its epoch loss has stayed above
        ``divergence_factor`` times the best epoch loss before it for
        ``divergence_patience`` epochs in a row without coming back down (``np.inf``
        turns this last test off). It then keeps the weights with the lowest training
        loss among those at the start of the last two epochs, at the end of the best
        epoch and at the start; if none has a finite loss, fit raises scikit-learn's
        ``ValueError`` ("Solver produced non-finite parameter weights...").
        See :class:`mlplab.training.Divergence`.
    divergence_patience : int, default=3
        Epochs in a row above ``divergence_factor`` × the best epoch loss that count as
        a divergence when the loss is not coming back down.
    callbacks : list of Callback or None, default=None
        :mod:`mlplab.callbacks` hooks run by the trainer (e.g. ``EarlyStopping``,
        ``CSVLogger``). They are not saved by :meth:`save`.
    diagnostics : bool, default=False
        Record per-layer training diagnostics (:class:`mlplab.diagnostics.Diagnostics`)
        in ``diagnostics_``.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights; 'balanced' uses
        ``n_samples / (n_classes * bincount(y))`` (computed on each batch's labels in
        ``partial_fit``). Single-output targets only.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, 0..n_labels-1).
    loss_ : float
        Loss at the end of training (with the L2 penalty): the last epoch's average,
        or, after a divergence, the training loss of the weights kept.
    best_loss_ : float or None
        Lowest training loss (after a divergence, that of the weights kept); None with
        early stopping. Stochastic solvers only (as in scikit-learn, 'lbfgs' does not
        set it, nor ``loss_curve_``, ``validation_scores_`` and
        ``best_validation_score_``).
    loss_curve_ : list of float
        Training loss of each epoch, as measured (NaN or inf for an epoch that
        diverged).
    validation_scores_ : list of float or None
        Score (accuracy or R²) of each epoch on the validation set, when there is one
        (the ``early_stopping`` split or ``validation_data``).
    validation_loss_curve_ : list of float or None
        Loss of each epoch on the validation set, when there is one.
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    t_ : int
        Training samples seen by the stochastic solvers.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_units_i, n_units_{i+1}): weights of Dense layer i.
        They are the network's own arrays; assigning to ``coefs_`` copies into them.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape (n_units_{i+1},): biases of Dense layer i.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X had string column names.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last fit.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of network outputs.
    out_activation_ : str
        Output activation ('softmax', 'logistic', 'identity', 'exp' or a catalog name).
    network_ : Sequential
        The trained :class:`~mlplab.network.Sequential`.
    diagnostics_ : list of dict
        Per-layer diagnostics, with ``diagnostics=True``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mlplab import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(activation="elu", max_iter=500, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _LABELS = True
    _parameter_constraints: ClassVar[dict] = {
        **BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: Any = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool | int | str = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        output_activation: Any = "auto",
        kernel_initializer: Any = "auto",
        bias: str | float = "auto",
        batch_norm: bool = False,
        dropout: float | list[float] = 0.0,
        l1: float = 0.0,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        n_init: int = 1,
        divergence_factor: float = 1e4,
        divergence_patience: int = 3,
        class_weight: dict | str | None = None,
        callbacks: list | None = None,
        diagnostics: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.output_activation = output_activation
        self.kernel_initializer = kernel_initializer
        self.bias = bias
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.l1 = l1
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.n_init = n_init
        self.divergence_factor = divergence_factor
        self.divergence_patience = divergence_patience
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.diagnostics = diagnostics

    # -- fitting ------------------------------------------------------------------------
    @available_if(stochastic_only)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over (X, y), continuing the network and the optimizer's state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            Every class of all the calls; required on the first call, and y need not
            hold all of them.

        Returns
        -------
        self
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            if type_of_target(y).startswith("multilabel"):
                self._y_type = "multilabel-indicator"
                self.classes_ = np.arange(np.shape(y)[1])
            else:
                self.classes_ = unique_labels(np.asarray(classes))
                self._y_type = "multiclass" if len(self.classes_) > 2 else "binary"
        elif classes is not None and not np.array_equal(
            unique_labels(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                f"was: {self.classes_!r}"
            )
        return self._fit(X, y, sample_weight, None, incremental=True)

    def _encode_targets(self, y: Any, *, reset: bool, incremental: bool) -> np.ndarray:
        check_classification_targets(y)
        y_type = type_of_target(y)
        if y_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"MLPClassifier supports binary, multiclass and multilabel-indicator targets, "
                f"got {y_type}: multioutput targets need one classifier per output"
            )
        if y_type != "multilabel-indicator":
            y = column_or_1d(y, warn=True)
        define = not hasattr(self, "classes_") or (not self.warm_start and not incremental)
        if define:
            if y_type == "multilabel-indicator":
                self.classes_ = np.arange(y.shape[1])
                self._y_type = y_type
            else:
                self.classes_ = unique_labels(y)
                self._y_type = "multiclass" if len(self.classes_) > 2 else "binary"
        else:
            labels = unique_labels(y) if y_type != "multilabel-indicator" else None
            if (y_type == "multilabel-indicator") != (self._y_type == "multilabel-indicator"):
                raise ValueError(
                    f"y is {y_type} but the estimator was fitted on {self._y_type} targets"
                )
            if labels is not None and self.warm_start and not incremental:
                if set(labels) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {labels}"
                    )
            elif labels is not None and len(np.setdiff1d(labels, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
        return self._one_hot(y)

    def _one_hot(self, y: np.ndarray) -> np.ndarray:
        if self._y_type == "multilabel-indicator":
            y = np.asarray(y)
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels but the estimator was fitted with "
                    f"{len(self.classes_)}"
                )
            return y.astype(np.float64)
        if self._y_type == "binary":
            if len(self.classes_) == 1:
                # scikit-learn trains a single class towards the negative output.
                return np.zeros((len(y), 1))
            return (y == self.classes_[1]).astype(np.float64).reshape(-1, 1)
        Y = np.zeros((len(y), len(self.classes_)))
        Y[np.arange(len(y)), np.searchsorted(self.classes_, y)] = 1.0
        return Y

    def _encode_validation(self, y_val: Any, n: int, n_outputs: int) -> np.ndarray:
        if self._y_type != "multilabel-indicator":
            y_val = column_or_1d(y_val)
            unseen = np.setdiff1d(unique_labels(y_val), self.classes_)
            if len(unseen):
                raise ValueError(f"validation_data holds classes not in y: {unseen}")
        if len(y_val) != n:
            raise ValueError(f"X_val has {n} samples but y_val has {len(y_val)}")
        return self._one_hot(np.asarray(y_val))

    def _prepare_sample_weight(self, y: Any, sample_weight: Any, n: int) -> np.ndarray | None:
        w = check_sample_weight(sample_weight, n, allow_scalar=True)
        if self.class_weight is None:
            return w
        if self._y_type == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets")
        cw = compute_sample_weight(self.class_weight, column_or_1d(y))
        return cw if w is None else w * cw

    def _default_output_activation(self) -> str:
        return "softmax" if self._y_type == "multiclass" else "sigmoid"

    def _make_loss(self) -> _losses.Loss:
        multiclass = self._y_type == "multiclass"
        if self.solver == "lbfgs":
            return _LogLoss() if multiclass else _BinaryLogLoss()
        return _losses.CategoricalCrossentropy() if multiclass else _losses.BinaryCrossentropy()

    def _correct(self, Y: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Per sample, whether the decoded prediction equals the encoded target."""
        if self._y_type == "multiclass":
            return np.argmax(out, axis=1) == np.argmax(Y, axis=1)
        return np.all((out > 0.5) == (Y > 0.5), axis=1)

    def _score_outputs(self, Y: np.ndarray, out: np.ndarray, w: np.ndarray | None) -> float:
        if not np.isfinite(out).all():
            return float("nan")
        return float(np.average(self._correct(Y, out), weights=w))

    # -- prediction ----------------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; a 0/1 indicator matrix for multilabel problems.
        """
        out = self._network_output(X)
        if self._y_type == "multilabel-indicator":
            return (out > 0.5).astype(int)
        if self._y_type == "binary":
            if len(self.classes_) == 1:
                return np.repeat(self.classes_, out.shape[0])
            return self.classes_[(out[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_`` (float32 for a float32 model). For a
            model fitted on a single class, one column of ones.
        """
        out = self._network_output(X)
        if self._y_type != "multiclass":
            # Logistic outputs are kept inside [eps, 1 - eps], the range the log-loss is
            # trained on: a saturated unit then never claims certainty (0 or 1).
            eps = np.finfo(out.dtype).eps
            out = np.clip(out, eps, 1 - eps)
        if self._y_type == "binary":
            if len(self.classes_) == 1:
                return np.ones_like(out)
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (``-inf`` where a probability is 0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
