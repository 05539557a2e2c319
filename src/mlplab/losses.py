"""Loss functions with their exact gradients, and fused forms from logits.

Look one up with :func:`get` (``get("huber", delta=0.5)``) and list them with
:func:`names`. Every loss ``loss`` gives

* ``loss(y_true, y_pred, sample_weight=None)``: the weighted mean over samples of the
  per-sample loss, ``sum_i w_i l_i / sum_i w_i`` (the plain mean without weights);
* ``loss.gradient(y_true, y_pred, sample_weight=None)``: its exact derivative with
  respect to `y_pred`;
* when ``loss.fused_activation`` is not None, ``loss.value_from_logits(y_true, z)`` and
  ``loss.gradient_from_logits(y_true, z)``: the same loss composed with that output
  activation, ``loss(y_true, act(z))``, in a simpler, numerically stable form.

`y_true` and `y_pred` are 2-D arrays ``(n_samples, n_outputs)`` of the same shape; nothing
is ever broadcast. `y_pred` must be float32 or float64 and sets the dtype of the results;
`y_true` may hold integer or boolean labels.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from mlplab._registry import EqualByConfig, Registry
from mlplab._validation import check_float_array, check_positive, check_sample_weight
from mlplab.activations import sigmoid, softmax

__all__ = [
    "AbsoluteError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Hinge",
    "Huber",
    "Loss",
    "Poisson",
    "SquaredError",
    "get",
    "names",
]


class Loss(EqualByConfig):
    """A loss between targets and predictions, with its exact gradient.

    Subclasses implement :meth:`_per_sample` (shape ``(n_samples,)``) and
    :meth:`_gradient` (the derivative of each sample's loss, shape of `y_pred`), and,
    when `fused_activation` is set, :meth:`_per_sample_from_logits` and
    :meth:`_gradient_from_logits`. The public methods check the inputs and apply the
    sample weights.

    Class attributes
    ----------------
    name : str
        Canonical registry name.
    aliases : tuple of str
        Other names that :func:`mlplab.losses.get` accepts.
    fused_activation : str or None
        Name of the output activation whose composition with this loss has a simpler,
        numerically stable form (``"sigmoid"`` for binary cross-entropy...).
    unit_rows_shortcut : bool
        Whether the fused form has a shortcut for targets whose rows sum to exactly 1,
        which the trainer takes after checking them once per run
        (:class:`CategoricalCrossentropy`). A subclass that writes its own fused form
        has none unless it says so.
    """

    fused_activation: ClassVar[str | None] = None
    unit_rows_shortcut: ClassVar[bool] = False
    _declared_by: ClassVar[dict[str, str]] = {"unit_rows_shortcut": "_fused_value_and_gradient"}

    # -- public API -------------------------------------------------------------
    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        """Weighted mean over samples of the per-sample loss.

        Parameters
        ----------
        y_true : array of shape (n_samples, n_outputs)
            Targets; float, integer or boolean.
        y_pred : float array of shape (n_samples, n_outputs)
            Predictions (after the output activation).
        sample_weight : array of shape (n_samples,) or None
            Non-negative weights, not all zero; None weighs samples equally.

        Returns
        -------
        float
            ``sum_i w_i l_i / sum_i w_i``.
        """
        y, p, w = self._check(y_true, y_pred, sample_weight, "y_pred")
        self._check_pred(p)
        return _reduce(self._per_sample(y, p), w)

    def gradient(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """Exact derivative of ``self(y_true, y_pred, sample_weight)`` with respect to `y_pred`.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs), dtype of `y_pred`
        """
        y, p, w = self._check(y_true, y_pred, sample_weight, "y_pred")
        self._check_pred(p)
        return _scale(self._gradient(y, p), w)

    def value_from_logits(
        self, y_true: np.ndarray, z: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        """``self(y_true, act(z), sample_weight)`` for ``act = fused_activation``, stably.

        Parameters
        ----------
        y_true : array of shape (n_samples, n_outputs)
        z : float array of shape (n_samples, n_outputs)
            Pre-activations (logits) of the output layer.
        sample_weight : array of shape (n_samples,) or None
        """
        self._require_fused()
        y, z, w = self._check(y_true, z, sample_weight, "z")
        return _reduce(self._per_sample_from_logits(y, z), w)

    def gradient_from_logits(
        self, y_true: np.ndarray, z: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """Exact derivative of :meth:`value_from_logits` with respect to `z`.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs), dtype of `z`
        """
        self._require_fused()
        y, z, w = self._check(y_true, z, sample_weight, "z")
        return _scale(self._gradient_from_logits(y, z), w)

    # -- fast path for the training loop ------------------------------------------------
    # The trainer validates its whole data set once per fit, so checking every
    # mini-batch again (shapes, dtypes, finiteness, weights) costs time for nothing:
    # :meth:`Sequential.loss_and_gradients` with ``check_input=False`` calls these
    # instead. They give exactly the value and gradient of the public methods; only the
    # generic checks are skipped (the loss-specific ones on targets and predictions, and
    # "all weights zero" in a batch, still raise as before).
    def _value_and_gradient_unchecked(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None
    ) -> tuple[float, np.ndarray]:
        """``(self(y, p, w), self.gradient(y, p, w))`` for inputs already validated."""
        y = y_true.astype(y_pred.dtype, copy=False)
        w = _weights_unchecked(sample_weight, y_pred.dtype)
        self._check_true(y)
        self._check_pred(y_pred)
        return _reduce(self._per_sample(y, y_pred), w), _scale(self._gradient(y, y_pred), w)

    def _value_and_gradient_from_logits_unchecked(
        self,
        y_true: np.ndarray,
        z: np.ndarray,
        sample_weight: np.ndarray | None,
        unit_rows: bool = False,
    ) -> tuple[float, np.ndarray]:
        """``(value_from_logits, gradient_from_logits)`` for inputs already validated.

        `unit_rows`: the caller has checked that every row of `y_true` sums to exactly 1
        (in `z`'s dtype); a loss may use it to skip work whose result it makes exact.
        """
        self._require_fused()
        y = y_true.astype(z.dtype, copy=False)
        w = _weights_unchecked(sample_weight, z.dtype)
        self._check_true(y)
        if unit_rows:
            return self._fused_value_and_gradient(y, z, w, unit_rows=True)
        return self._fused_value_and_gradient(y, z, w)

    def _fused_value_and_gradient(
        self, y: np.ndarray, z: np.ndarray, w: np.ndarray | None, unit_rows: bool = False
    ) -> tuple[float, np.ndarray]:
        """Value and gradient from logits; subclasses may share work between the two."""
        return (
            _reduce(self._per_sample_from_logits(y, z), w),
            _scale(self._gradient_from_logits(y, z), w),
        )

    # -- checks -----------------------------------------------------------------------
    def _require_fused(self) -> None:
        if self.fused_activation is None:
            raise NotImplementedError(f"{self.name} has no fused form from logits")

    def _check(
        self, y_true: Any, y_pred: Any, sample_weight: Any, pred_name: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        p = check_float_array(y_pred, pred_name)
        y = np.asarray(y_true)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"y_true must hold numbers, got dtype {y.dtype}")
        for arr, argname in ((y, "y_true"), (p, pred_name)):
            if arr.ndim != 2:
                raise ValueError(
                    f"{argname} must be 2-D (n_samples, n_outputs), got shape {arr.shape}; "
                    f"use {argname}.reshape(-1, 1) for a single output"
                )
        if y.shape != p.shape:
            raise ValueError(
                f"y_true and {pred_name} must have the same shape, "
                f"got y_true {y.shape} and {pred_name} {p.shape}"
            )
        y = y.astype(p.dtype, copy=False)
        if not np.all(np.isfinite(y)):
            raise ValueError("y_true contains NaN or infinity")
        self._check_true(y)
        return y, p, _check_weights(sample_weight, p.shape[0], p.dtype)

    def _check_true(self, y: np.ndarray) -> None:
        """Loss-specific checks of the targets."""

    def _check_pred(self, p: np.ndarray) -> None:
        """Loss-specific checks of the predictions (not of logits)."""

    # -- to implement -------------------------------------------------------------
    def _per_sample(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _per_sample_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _gradient_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError


# Filled by each subclass that names itself, as it is defined (Loss.__init_subclass__).
REGISTRY: Registry[Loss] = Registry("loss", Loss)
Loss._registry = REGISTRY


def _check_weights(sample_weight: Any, n_samples: int, dtype: np.dtype) -> np.ndarray | None:
    """Normalized weights ``w / sum(w)`` in `dtype`, or None for equal weights."""
    w = check_sample_weight(sample_weight, n_samples)
    return None if w is None else (w / w.sum()).astype(dtype)


def _weights_unchecked(sample_weight: np.ndarray | None, dtype: np.dtype) -> np.ndarray | None:
    """What :func:`_check_weights` returns, for weights the trainer already validated."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight).astype(np.float64)
    total = w.sum()
    if total <= 0:
        raise ValueError("sample_weight must not be all zero")
    return (w / total).astype(dtype)


# From this many rows (batch size), CategoricalCrossentropy takes row maxima column-wise.
_COLUMN_MAX_MIN_ROWS = 32


def _reduce(per_sample: np.ndarray, w: np.ndarray | None) -> float:
    if w is None:
        # Exactly np.mean of the 1-D array (its pairwise sum, divided by an intp count
        # and cast back to the array's dtype) without the Python wrapper around it.
        # (float64 division of the exact sum; float32 rounds the quotient back, as
        # np.mean does for float32 arrays).
        mean = float(np.add.reduce(per_sample)) / per_sample.shape[0]
        return float(np.float32(mean)) if per_sample.dtype == np.float32 else mean
    return float(np.dot(w, per_sample))


def _scale(grad: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Derivative of the reduced loss from the per-sample derivatives, in place."""
    if w is None:
        grad *= grad.dtype.type(1.0 / grad.shape[0])
    else:
        grad *= w[:, None]
    return grad


def _clip_probability(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`p` clipped to [eps, 1 - eps] and the mask where the clip is inactive (slope 1)."""
    eps = np.finfo(p.dtype).eps
    pc = np.clip(p, eps, 1 - eps)
    return pc, (p >= eps) & (p <= 1 - eps)


# -- regression ---------------------------------------------------------------------


class SquaredError(Loss):
    """Per sample, ``factor * mean_k (y_k - p_k)²``.

    ``factor=1`` is the usual mean squared error (PyTorch's ``MSELoss``, Keras). The
    loss scikit-learn's ``MLPRegressor`` reports is ``factor=0.5`` (half the squared
    error, whose gradient is ``p - y`` with one output).
    """

    name = "squared_error"
    aliases = ("mse", "mean_squared_error")

    def __init__(self, factor: float = 1.0) -> None:
        self.factor = check_positive(factor, "factor")

    def _per_sample(self, y, p):
        return self.factor * np.mean((y - p) ** 2, axis=1)

    def _gradient(self, y, p):
        return (2 * self.factor / p.shape[1]) * (p - y)


class _MeanValueSummedGradient(SquaredError):
    """scikit-learn's ``MLPRegressor`` loss: half the squared error, stepped along its sum.

    Per sample the value is ``0.5 * mean_k (y_k - p_k)²``, but the gradient is that of
    the sum over the `k` outputs, ``p - y``: `k` times the value's own gradient
    (scikit-learn issue 8349). With one output it is ``SquaredError(factor=0.5)``.
    Private (not in the registry): only the estimators use it, to report and stop on
    scikit-learn's value while taking its steps.

    Parameters
    ----------
    n_outputs : int
        Number of outputs `k`.
    """

    def __init__(self, n_outputs: int = 1) -> None:
        super().__init__(factor=0.5 * n_outputs)  # the gradient: (p - y) per output
        self.n_outputs = n_outputs

    def _per_sample(self, y, p):
        return 0.5 * np.mean((y - p) ** 2, axis=1)


class AbsoluteError(Loss):
    """Per sample, ``mean_k |y_k - p_k|``.

    Subgradient at ``p == y``: 0 (``sign(p - y)``).
    """

    name = "absolute_error"
    aliases = ("mae", "mean_absolute_error")

    def _per_sample(self, y, p):
        return np.mean(np.abs(y - p), axis=1)

    def _gradient(self, y, p):
        return np.sign(p - y) / p.dtype.type(p.shape[1])


class Huber(Loss):
    """Per sample, mean over outputs of the Huber function of ``r = p - y``.

    ``r²/2`` where ``|r| <= delta``, ``delta (|r| - delta/2)`` beyond: quadratic near
    zero, linear (robust to outliers) far away. ``delta=1`` is PyTorch's default. The
    derivative is ``clip(r, -delta, delta)``.
    """

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_positive(delta, "delta")

    def _per_sample(self, y, p):
        a = np.abs(p - y)
        d = self.delta
        return np.mean(np.where(a <= d, 0.5 * a * a, d * (a - 0.5 * d)), axis=1)

    def _gradient(self, y, p):
        return np.clip(p - y, -self.delta, self.delta) / p.dtype.type(p.shape[1])


class Poisson(Loss):
    """Per sample, ``mean_k (p_k - y_k log p_k)``, the Poisson negative log-likelihood.

    It is scikit-learn's half Poisson deviance up to a term in `y` alone, so it has the
    same minimiser and gradient. Requires ``y >= 0`` and ``p > 0``. Fused with the
    exponential output ``p = exp(z)``: ``mean_k (exp(z_k) - y_k z_k)``, gradient
    ``exp(z) - y``.
    """

    name = "poisson"
    fused_activation = "exponential"

    def _check_true(self, y):
        if np.any(y < 0):
            raise ValueError("y_true must be >= 0 for the poisson loss")

    def _check_pred(self, p):
        if not np.all(p > 0):
            raise ValueError("y_pred must be > 0 for the poisson loss")

    def _per_sample(self, y, p):
        return np.mean(p - y * np.log(p), axis=1)

    def _gradient(self, y, p):
        return (1 - y / p) / p.dtype.type(p.shape[1])

    def _per_sample_from_logits(self, y, z):
        return np.mean(np.exp(z) - y * z, axis=1)

    def _gradient_from_logits(self, y, z):
        return (np.exp(z) - y) / z.dtype.type(z.shape[1])


# -- classification ---------------------------------------------------------------


class BinaryCrossentropy(Loss):
    """Per sample, ``-sum_k [y_k log p_k + (1 - y_k) log(1 - p_k)]``.

    Summed over outputs (not averaged), as scikit-learn's ``binary_log_loss``, so with
    several independent labels each counts fully. `p` is clipped to ``[eps, 1 - eps]``
    (``eps = np.finfo(dtype).eps``), so the value is finite at p = 0 and p = 1; the
    gradient is the exact derivative of the clipped value (0 where the clip is active).
    Fused with the sigmoid: ``sum_k softplus(z_k) - y_k z_k``, gradient ``sigmoid(z) - y``,
    finite for any finite `z`.
    """

    name = "binary_crossentropy"
    aliases = ("bce", "binary_log_loss")
    fused_activation = "sigmoid"

    def _per_sample(self, y, p):
        pc, _ = _clip_probability(p)
        return -np.sum(y * np.log(pc) + (1 - y) * np.log1p(-pc), axis=1)

    def _gradient(self, y, p):
        pc, active = _clip_probability(p)
        return np.where(active, (pc - y) / (pc * (1 - pc)), 0).astype(p.dtype, copy=False)

    def _per_sample_from_logits(self, y, z):
        # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}), never overflows
        softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        return np.sum(softplus - y * z, axis=1)

    def _gradient_from_logits(self, y, z):
        return sigmoid(z) - y

    def _kernel_step(self, bias, bias_grad, unit_rows, dtype):
        return _CompiledFusedLoss(self, "sigmoid", bias, bias_grad, unit_rows, dtype)


class CategoricalCrossentropy(Loss):
    """Per sample, ``-sum_k y_k log p_k`` (one-hot or probability targets).

    `p` is clipped to ``[eps, 1 - eps]`` as in :class:`BinaryCrossentropy`. Fused with
    the softmax over outputs through a stable log-softmax; the gradient from logits is
    ``softmax(z) * sum_k y_k - y``, i.e. ``softmax(z) - y`` when rows of `y` sum to 1.
    """

    name = "categorical_crossentropy"
    aliases = ("cross_entropy", "log_loss")
    fused_activation = "softmax"
    unit_rows_shortcut = True

    def _per_sample(self, y, p):
        pc, _ = _clip_probability(p)
        return -np.sum(y * np.log(pc), axis=1)

    def _gradient(self, y, p):
        pc, active = _clip_probability(p)
        return np.where(active, -y / pc, 0).astype(p.dtype, copy=False)

    def _per_sample_from_logits(self, y, z):
        m = np.max(z, axis=1, keepdims=True)
        log_softmax = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
        return -np.sum(y * log_softmax, axis=1)

    def _gradient_from_logits(self, y, z):
        return softmax(z) * np.sum(y, axis=1, keepdims=True) - y

    def _fused_value_and_gradient(self, y, z, w, unit_rows=False):
        # One exp(z - max) serves both the log-softmax of the value and the softmax of
        # the gradient; every operation is the one the two separate methods do, in the
        # same order, so the results are identical bit for bit. Two exact shortcuts:
        # the per-sample values are reduced before their sign is flipped (rounding to
        # nearest is symmetric, so -sum(x) == sum(-x) and -dot(w, x) == dot(w, -x)), and
        # with `unit_rows` (every row of y sums to exactly 1, checked once per fit by
        # the Trainer) the softmax is not multiplied by those sums (x * 1.0 == x).
        if z.shape[0] >= _COLUMN_MAX_MIN_ROWS:
            # The row maxima as elementwise maxima of the columns of a transposed copy:
            # NumPy reduces a few entries per row slowly, and a maximum does not depend
            # on the order it is taken in (up to which of +0.0 and -0.0 wins a tie, which
            # can only flip the sign of a loss that is exactly zero).
            m = np.maximum.reduce(z.T.copy(), axis=0)[:, None]
        else:
            m = np.maximum.reduce(z, axis=1, keepdims=True)  # np.max without its wrapper
        zm = np.subtract(z, m)
        e = np.exp(zm)
        s = np.add.reduce(e, axis=1, keepdims=True)
        zm -= np.log(s)  # log-softmax
        zm *= y
        log_likelihood = np.add.reduce(zm, axis=1)
        e /= s  # softmax
        if not unit_rows:
            e *= np.add.reduce(y, axis=1, keepdims=True)
        e -= y
        value = -_reduce(log_likelihood, w)
        if not math.isfinite(value):
            # A row whose max is ±inf makes the value NaN here; softmax then takes the
            # row's limit instead, so redo both the separate ways (NaN logits too).
            return super()._fused_value_and_gradient(y, z, w)
        return value, _scale(e, w)

    def _kernel_step(self, bias, bias_grad, unit_rows, dtype):
        return _CompiledFusedLoss(self, "softmax", bias, bias_grad, unit_rows, dtype)


class Hinge(Loss):
    """Per sample, ``mean_k max(0, 1 - t_k p_k)`` with ``t = ±1`` (binary/multilabel).

    Labels are {0, 1} (mapped to t = 2y - 1) or {-1, 1}; the choice is made on the whole
    `y_true` array (any -1 means {-1, 1}). `p` is a real score, e.g. the output of an
    identity output layer. Subgradient at the kink ``t p == 1``: 0.
    """

    name = "hinge"

    def _check_true(self, y):
        signed = np.any(y == -1)
        valid = np.isin(y, (-1, 1) if signed else (0, 1))
        if not np.all(valid):
            raise ValueError("y_true must hold labels in {0, 1} or in {-1, 1} for the hinge loss")

    @staticmethod
    def _signs(y):
        return y if np.any(y == -1) else 2 * y - 1

    def _per_sample(self, y, p):
        t = self._signs(y)
        return np.mean(np.maximum(0, 1 - t * p), axis=1)

    def _gradient(self, y, p):
        t = self._signs(y)
        return np.where(t * p < 1, -t, 0).astype(p.dtype, copy=False) / p.dtype.type(p.shape[1])


# -- the fast path's compiled form ---------------------------------------------------------
class _CompiledFusedLoss:
    """A cross-entropy from logits through its kernels (:mod:`mlplab._kernels._losses`).

    Called as ``step(y, logits, sample_weight) -> (value, dLoss/dlogits)`` for inputs
    the trainer validated, it gives the bits of
    ``loss._value_and_gradient_from_logits_unchecked(y, z, sample_weight, unit_rows)``,
    where ``z`` is `logits` plus `bias` when a bias is given: it then adds the bias of
    the Dense layer that made the logits (in place, as that layer would) and fills
    `bias_grad`, that layer's bias gradient. A loss's ``_kernel_step`` hook makes one
    (only the class that defines the hook itself gets it).
    """

    def __init__(
        self,
        loss: Loss,
        kind: str,
        bias: np.ndarray | None,
        bias_grad: np.ndarray | None,
        unit_rows: bool,
        dtype: np.dtype,
    ) -> None:
        from mlplab._kernels import _activations, _losses

        self.loss, self.kind, self.unit_rows = loss, kind, bool(unit_rows)
        empty = np.empty(0, dtype=dtype)
        self.bias = empty if bias is None else bias
        self.bias_grad = empty if bias_grad is None else bias_grad
        self._kernels = _losses
        self._sums_columns = _activations.sums_columns
        self._buffers: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}

    def _arrays(self, shape: tuple[int, int], dtype: np.dtype) -> tuple[np.ndarray, ...]:
        arrays = self._buffers.get(shape)
        if arrays is None:
            n = shape[0]
            two = (np.empty(shape, dtype), np.empty(shape, dtype))
            rows = (np.empty(n, dtype), np.empty(n, dtype), np.empty(n, dtype))
            arrays = (*two, *rows, np.array([1.0 / n], dtype=dtype))
            if len(self._buffers) > 4:
                self._buffers.clear()
            self._buffers[shape] = arrays
        return arrays

    def __call__(
        self, y: np.ndarray, z: np.ndarray, sample_weight: np.ndarray | None
    ) -> tuple[float, np.ndarray]:
        a, e, s, log_s, per_row, inv_n = self._arrays(z.shape, z.dtype)
        w = _weights_unchecked(sample_weight, z.dtype)
        scale = inv_n if w is None else w
        k = self._kernels
        # Rows NumPy sums in halves, or soft targets whose rows are not contiguous (NumPy
        # then sums y's rows in another order than the kernels'): the loss's own form.
        if z.shape[1] > k.MAX_COLUMNS or not (self.unit_rows or y.flags.c_contiguous):
            if self.bias.size:
                z += self.bias
            value, e = self.loss._value_and_gradient_from_logits_unchecked(
                y, z, sample_weight, self.unit_rows
            )
            if self.bias_grad.size:
                np.add.reduce(e, axis=0, out=self.bias_grad)
            return value, e
        if self.kind == "softmax":
            k.softmax_prepare(z, self.bias, a)
            np.exp(a, out=e)
            k.softmax_sums(e, s)  # np.add.reduce(e, axis=1, out=s), its bits
            np.log(s, out=log_s)
            k.softmax_rows(a, e, y, s, log_s, scale, self.unit_rows, self.bias_grad, per_row)
        else:
            k.sigmoid_prepare(z, self.bias, e)
            np.exp(e, out=e)
            np.log1p(e, out=a)
            k.sigmoid_rows(z, e, a, y, scale, self.bias_grad, per_row)
        total = np.add.reduce(per_row)
        value = _mean_of_sum(total, z.shape[0], z.dtype) if w is None else float(np.dot(w, per_row))
        summed = self._sums_columns(e)  # the kernels summed the bias gradient as NumPy does
        if self.kind == "softmax":
            value = -value
            if not math.isfinite(value):  # as CategoricalCrossentropy does: the separate forms
                value, e = Loss._fused_value_and_gradient(self.loss, y, z, w)
                summed = False
        if self.bias_grad.size and not summed:  # the Dense layer's bias gradient, its very call
            np.add.reduce(e, axis=0, out=self.bias_grad)
        return value, e


def _mean_of_sum(total: float, n: int, dtype: np.dtype) -> float:
    """What :func:`_reduce` gives without weights, from the pairwise sum `total`."""
    mean = float(total) / n
    return float(np.float32(mean)) if dtype == np.float32 else mean


# -- registry ------------------------------------------------------------------------


def names(*, include_aliases: bool = False) -> list[str]:
    """Names of the registered losses, sorted, as :func:`get` accepts them.

    With ``include_aliases=True`` the aliases (``"mse"``...) are listed too; see
    :meth:`mlplab._registry.Registry.names`.
    """
    return REGISTRY.names(include_aliases=include_aliases)


def get(loss: str | Loss | type[Loss], **params: Any) -> Loss:
    """A :class:`Loss` by name, from a subclass, or the instance given.

    Parameters
    ----------
    loss : str, Loss or Loss subclass
        A name from :func:`names` or an alias, an instance or a subclass. None is
        refused: a network needs an explicit loss.
    **params
        The loss's parameters, e.g. ``get("huber", delta=0.5)``.

    Returns
    -------
    Loss
        ``loss(y_true, y_pred, sample_weight)`` is the weighted mean loss over samples
        and ``loss.gradient(...)`` its exact derivative with respect to `y_pred`.

    See Also
    --------
    mlplab._registry.Registry.get : What every catalog's ``get()`` accepts, and the
        ValueError (unknown name, with the closest one) and TypeError it raises.
    """
    return REGISTRY.get(loss, **params)
