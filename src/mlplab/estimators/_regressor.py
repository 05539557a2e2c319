"""The multilayer perceptron regressor, a drop-in for scikit-learn's ``MLPRegressor``."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import xlogy
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d

from .. import losses as _losses
from ._base import BaseMLP, stochastic_only
from ._persistence import savable

__all__ = ["MLPRegressor"]


class _HalfPoissonDeviance(_losses.Poisson):
    """scikit-learn's Poisson loss: half deviance, summed over outputs.

    mlplab's Poisson loss drops the term ``y log y − y``, which depends on y alone;
    adding it back makes ``loss_`` the value scikit-learn reports. The gradient is the
    same ``exp(z) − y`` per output.
    """

    def _per_sample(self, y, p):
        return np.sum(p - y * np.log(p) + xlogy(y, y) - y, axis=1)

    def _gradient(self, y, p):
        return 1 - y / p

    def _per_sample_from_logits(self, y, z):
        return np.sum(np.exp(z) - y * z + xlogy(y, y) - y, axis=1)

    def _gradient_from_logits(self, y, z):
        return np.exp(z) - y


@savable
class MLPRegressor(RegressorMixin, BaseMLP):
    """Multilayer perceptron regressor, a drop-in for scikit-learn's MLPRegressor.

    Trains a network with half the squared error (scikit-learn's loss), the half
    Poisson deviance with an exponential output, or a robust loss.

    Sparse X is accepted and converted to a dense array once per fit or predict call,
    which costs ``n_samples × n_features`` floats of memory. float32 X gives a float32
    network and float32 predictions; any other X is computed in float64.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber'} or Loss, \
default='squared_error'
        'squared_error' is scikit-learn's: half the squared error averaged over the
        samples and outputs (``0.5 * mean((y - p)²)``), stepping along the gradient of
        its sum over the outputs as scikit-learn does; 'poisson' the half Poisson
        deviance with an exp output (y >= 0), summed over the outputs. mlplab adds the mean
        absolute error, the Huber loss (delta=1) and any :class:`~mlplab.losses.Loss`.
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

    Attributes
    ----------
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
    >>> from sklearn.datasets import load_diabetes
    >>> from mlplab import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(loss="huber", max_iter=50, random_state=0).fit(X, y / 100)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseMLP._parameter_constraints,
        "loss": [
            StrOptions({"squared_error", "poisson", "absolute_error", "huber"}),
            _losses.Loss,
        ],
    }

    def __init__(
        self,
        loss: Any = "squared_error",
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
        callbacks: list | None = None,
        diagnostics: bool = False,
    ) -> None:
        self.loss = loss
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
        self.callbacks = callbacks
        self.diagnostics = diagnostics

    @available_if(stochastic_only)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y), continuing the network and the optimizer's state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, None, incremental=True)

    def _is_poisson(self) -> bool:
        return self.loss == "poisson" or isinstance(self.loss, _losses.Poisson)

    def _encode_targets(self, y: Any, *, reset: bool, incremental: bool) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if self._is_poisson() and (Y < 0).any():
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        if not reset and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs but the estimator was fitted with {self.n_outputs_}"
            )
        self._y_type = "continuous"
        return Y.astype(np.float64, copy=False)

    def _encode_validation(self, y_val: Any, n: int, n_outputs: int) -> np.ndarray:
        # n_outputs comes from this fit's targets: n_outputs_ is not set before a first fit.
        Y = np.asarray(y_val, dtype=np.float64)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if Y.shape != (n, n_outputs):
            raise ValueError(f"y_val must have shape {(n, n_outputs)}, got {Y.shape}")
        return Y

    def _default_output_activation(self) -> str:
        return "exponential" if self._is_poisson() else "identity"

    def _make_loss(self) -> _losses.Loss:
        loss = self.loss
        if isinstance(loss, _losses.Loss):
            return loss
        n_outputs = getattr(self, "n_outputs_", 1)
        return {
            # scikit-learn's value (the mean over outputs) and steps (the gradient of
            # their sum); with one output the plain loss.
            "squared_error": lambda: (
                _losses._MeanValueSummedGradient(n_outputs)
                if n_outputs > 1
                else _losses.SquaredError(factor=0.5)
            ),
            "poisson": _HalfPoissonDeviance,
            "absolute_error": _losses.AbsoluteError,
            "huber": _losses.Huber,
        }[loss]()

    def _score_outputs(self, Y: np.ndarray, out: np.ndarray, w: np.ndarray | None) -> float:
        if not np.isfinite(out).all():
            return float("nan")
        return float(r2_score(Y, out, sample_weight=w))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            float32 for a float32 model.
        """
        out = self._network_output(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
