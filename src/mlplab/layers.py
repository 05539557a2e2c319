"""Layers: Dense, Activation, PReLU, Maxout, BatchNorm, Dropout, and the recurrent SimpleRNN.

Every layer follows one small protocol so that :class:`mlplab.network.Sequential` can chain
them:

- ``build(n_in, rng, dtype) -> n_out`` creates the parameters;
- ``forward(x, training) -> y`` on a mini-batch ``x`` of shape (n_samples, n_in), or of
  shape (n_samples, n_steps, n_in) for :class:`SimpleRNN`, which takes sequences;
- ``backward(grad) -> grad_in`` takes dLoss/dy, fills ``grads`` (one array per entry of
  ``params``, same shapes) and returns dLoss/dx. ``need_input_grad = False`` lets the first
  layer skip the product that would compute dLoss/dx.

Layers keep what backward needs from the last training forward pass, and reuse their output
and gradient buffers across mini-batches of the same size: a hot training loop allocates
almost nothing. Buffers are only reused in training mode, so inference results are never
overwritten behind the caller's back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as _activations
from . import initializers as _initializers
from ._validation import check_int, check_positive, check_rate, check_real
from .activations import Activation as ActivationFunction


class Layer:
    """Base class: a layer with no parameters that passes its input through."""

    #: Names of the parameter arrays, parallel to ``params``.
    param_names: tuple[str, ...] = ()
    #: Which parameter arrays an L1/L2 penalty applies to (weights, not biases).
    regularized: tuple[bool, ...] = ()

    def __init__(self) -> None:
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.need_input_grad = True
        self.n_in: int | None = None
        self.n_out: int | None = None

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        """Create parameters for inputs of width `n_in`; return the output width."""
        self.n_in = self.n_out = n_in
        self.dtype = np.dtype(dtype)
        return n_in

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Output for a batch `x` of shape (n_samples, n_in)."""
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Gradient with respect to the input, given `grad` = dLoss/d(output)."""
        return grad

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer."""
        return {}

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-trainable state that belongs to the model (e.g. running averages)."""
        return {}

    def set_buffers(self, values: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`buffers` returned."""

    def reseed(self, rng: np.random.Generator) -> None:
        """Use `rng` for any randomness while training (dropout masks, rrelu slopes)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A scratch array kept between calls of the same shape (reused, not zeroed)."""
        buf = self.__dict__.get(name)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape, dtype=self.dtype)
            setattr(self, name, buf)
        return buf


class Dense(Layer):
    """Fully connected layer, ``u = x @ W + b``.

    Parameters
    ----------
    units : int
        Number of units (output width), at least 1.
    kernel_initializer : str or Initializer
        How ``W`` of shape (n_in, units) starts; see :mod:`mlplab.initializers`.
    bias : float
        Initial value of every bias (0 by default; the course suggests a small positive
        value such as 0.01 for ReLU units).
    """

    param_names = ("weight", "bias")
    regularized = (True, False)

    def __init__(
        self, units: int, kernel_initializer: Any = "glorot_uniform", bias: float = 0.0
    ) -> None:
        super().__init__()
        self.units = check_int(units, "units")
        self.kernel_initializer = kernel_initializer
        self.bias = check_real(bias, "bias")

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        self.n_in, self.n_out, self.dtype = n_in, self.units, np.dtype(dtype)
        init = _initializers.get(self.kernel_initializer)
        W = np.asarray(init((n_in, self.units), rng, dtype=self.dtype), dtype=self.dtype)
        b = np.full(self.units, self.bias, dtype=self.dtype)
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        return self.units

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        W, b = self.params
        if not training:
            return x @ W + b
        self._x = x
        out = self._buffer("_out", (x.shape[0], self.units))
        np.matmul(x, W, out=out)
        out += b
        return out

    @property
    def last_output(self) -> np.ndarray | None:
        """``x @ W + b`` of the last training-mode forward pass (for diagnostics), or None.

        A fit with no observing callback may overwrite it with the next activation's output.
        """
        return getattr(self, "_out", None)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        W = self.params[0]
        np.matmul(self._x.T, grad, out=self.grads[0])
        np.add.reduce(grad, axis=0, out=self.grads[1])  # np.sum without its wrapper
        if not self.need_input_grad:
            return grad
        out = self._buffer("_gin", (grad.shape[0], self.n_in))
        return np.matmul(grad, W.T, out=out)

    def get_config(self) -> dict[str, Any]:
        init = self.kernel_initializer
        return {
            "units": self.units,
            "kernel_initializer": init if isinstance(init, str) else repr(init),
            "bias": self.bias,
        }


class Activation(Layer):
    """Applies an activation function from :mod:`mlplab.activations`, elementwise or row-wise.

    Parameters
    ----------
    activation : str or mlplab.activations.Activation
        Name (with parameters in `params`) or instance.
    **params
        Parameters of the named activation, e.g. ``Activation("elu", alpha=0.5)``.
    """

    def __init__(self, activation: str | ActivationFunction = "relu", **params: Any) -> None:
        super().__init__()
        self.function = _activations.get(activation, **params)
        self._rng = np.random.default_rng(0)

    def reseed(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return self.function(x)
        y = self.function.forward_train(x, self._rng)
        self._x, self._y = x, y
        return y

    def _forward_train_inplace(self, x: np.ndarray) -> np.ndarray:
        """Training forward that may overwrite `x`, a scratch buffer nobody reads again.

        Used by :meth:`Sequential._train_forward_steps` only. When the function does work in
        place its backward pass needs only the output, so the input is not kept.
        """
        y = self.function.forward_train_inplace(x, self._rng)
        self._x, self._y = (None if y is x else x), y
        return y

    @property
    def last_output(self) -> np.ndarray | None:
        """Output of the last training-mode forward pass (for diagnostics)."""
        return getattr(self, "_y", None)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        # vjp_train may overwrite grad: it is this layer's own copy from the next layer.
        return self.function.vjp_train(self._x, self._y, grad)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.function.name, **self.function.get_config()}


class PReLU(Layer):
    """Parametric ReLU with a learnable negative slope (He et al. 2015).

    ``y = x`` for x > 0, ``alpha * x`` otherwise; at 0 the derivative is alpha
    (the same convention as relu'(0) = 0).

    Parameters
    ----------
    alpha : float
        Initial slope (0.25, as PyTorch).
    shared : bool
        One slope for the whole layer (True) or one per unit (False).
    """

    param_names = ("alpha",)
    regularized = (False,)

    def __init__(self, alpha: float = 0.25, shared: bool = False) -> None:
        super().__init__()
        self.alpha = check_real(alpha, "alpha")
        self.shared = bool(shared)

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        super().build(n_in, rng, dtype)
        a = np.full(1 if self.shared else n_in, self.alpha, dtype=self.dtype)
        self.params, self.grads = [a], [np.zeros_like(a)]
        return n_in

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = self.params[0]
        y = np.where(x > 0, x, a * x)
        if training:
            self._x = x
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, a = self._x, self.params[0]
        neg = x <= 0
        dalpha = np.where(neg, x * grad, 0).sum(axis=0)
        self.grads[0][...] = dalpha.sum(keepdims=True) if self.shared else dalpha
        return np.where(neg, a * grad, grad)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "shared": self.shared}


class Maxout(Layer):
    """Maxout units (Goodfellow et al. 2013): the max over `pieces` affine functions.

    ``y_j = max_k (x @ W[:, j, k] + b[j, k])``; the gradient flows to the piece that
    attains the maximum (the first one on ties).

    Parameters
    ----------
    units : int
        Number of output units.
    pieces : int
        Affine pieces per unit, at least 2.
    kernel_initializer : str or Initializer
        Initializer of ``W``; fans are (n_in, units), as for a Dense layer of `units`.
    """

    param_names = ("weight", "bias")
    regularized = (True, False)

    def __init__(self, units: int, pieces: int = 2, kernel_initializer: Any = "glorot_uniform"):
        super().__init__()
        self.units = check_int(units, "units")
        self.pieces = check_int(pieces, "pieces", minimum=2)
        self.kernel_initializer = kernel_initializer

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        self.n_in, self.n_out, self.dtype = n_in, self.units, np.dtype(dtype)
        init = _initializers.get(self.kernel_initializer)
        shape = (n_in, self.units * self.pieces)
        W = np.asarray(init(shape, rng, dtype=self.dtype, fans=(n_in, self.units)), self.dtype)
        b = np.zeros(self.units * self.pieces, dtype=self.dtype)
        self.params, self.grads = [W, b], [np.zeros_like(W), np.zeros_like(b)]
        return self.units

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        W, b = self.params
        z = (x @ W + b).reshape(x.shape[0], self.units, self.pieces)
        k = np.argmax(z, axis=2)
        y = np.take_along_axis(z, k[:, :, None], axis=2)[:, :, 0]
        if training:
            self._x, self._k = x, k
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        n = grad.shape[0]
        dz = np.zeros((n, self.units, self.pieces), dtype=grad.dtype)
        np.put_along_axis(dz, self._k[:, :, None], grad[:, :, None], axis=2)
        dz = dz.reshape(n, -1)
        W = self.params[0]
        np.matmul(self._x.T, dz, out=self.grads[0])
        np.sum(dz, axis=0, out=self.grads[1])
        return dz @ W.T if self.need_input_grad else grad

    def get_config(self) -> dict[str, Any]:
        init = self.kernel_initializer
        return {
            "units": self.units,
            "pieces": self.pieces,
            "kernel_initializer": init if isinstance(init, str) else repr(init),
        }


class BatchNorm(Layer):
    """Batch normalization (Ioffe & Szegedy 2015) over the batch axis.

    While training, each unit is standardized with the batch mean and (biased)
    variance, then scaled by ``gamma`` and shifted by ``beta``; running averages
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance, as
    PyTorch) are used outside training. As in PyTorch, a training batch needs at least
    two rows: one row has variance 0 and nothing to normalize against, and would drag
    the running variance towards 0 (:class:`~mlplab.training.Trainer` folds a last
    single row into the batch before it).

    Parameters
    ----------
    momentum : float
        Weight of the new batch in the running averages, in (0, 1].
    eps : float
        Added to the variance for stability, > 0.
    """

    param_names = ("gamma", "beta")
    regularized = (False, False)

    def __init__(self, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum = check_positive(momentum, "momentum")
        if self.momentum > 1:
            raise ValueError(f"momentum must be in (0, 1], got {momentum}")
        self.eps = check_positive(eps, "eps")

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        super().build(n_in, rng, dtype)
        self.params = [np.ones(n_in, dtype=self.dtype), np.zeros(n_in, dtype=self.dtype)]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.running_mean = np.zeros(n_in, dtype=self.dtype)
        self.running_var = np.ones(n_in, dtype=self.dtype)
        return n_in

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        gamma, beta = self.params
        if not training:
            scale = gamma / np.sqrt(self.running_var + self.eps)
            return (x - self.running_mean) * scale + beta
        n = x.shape[0]
        if n < 2:
            raise ValueError(
                f"BatchNorm needs more than 1 row per batch while training, got {n}: the "
                "variance of one row is 0, so it cannot be normalized"
            )
        mean = x.mean(axis=0)
        xc = x - mean
        var = np.mean(xc * xc, axis=0)
        inv_std = 1 / np.sqrt(var + self.eps)
        xhat = xc * inv_std
        self._xhat, self._inv_std = xhat, inv_std
        m = self.momentum
        self.running_mean *= 1 - m
        self.running_mean += m * mean
        unbiased = var * (n / (n - 1))
        self.running_var *= 1 - m
        self.running_var += m * unbiased
        return xhat * gamma + beta

    def backward(self, grad: np.ndarray) -> np.ndarray:
        gamma = self.params[0]
        xhat = self._xhat
        np.sum(grad * xhat, axis=0, out=self.grads[0])
        np.sum(grad, axis=0, out=self.grads[1])
        # d/dx of gamma * xhat: (g - mean(g) - xhat * mean(g * xhat)) * gamma / std
        dxhat = grad * gamma
        return (dxhat - dxhat.mean(axis=0) - xhat * np.mean(dxhat * xhat, axis=0)) * self._inv_std

    def buffers(self) -> dict[str, np.ndarray]:
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def set_buffers(self, values: dict[str, np.ndarray]) -> None:
        self.running_mean[...] = values["running_mean"]
        self.running_var[...] = values["running_var"]

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "eps": self.eps}


class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014): off outside training.

    While training each unit is zeroed with probability `rate` and the survivors
    are scaled by 1 / (1 - rate), so inference needs no rescaling.

    Parameters
    ----------
    rate : float
        Probability of dropping a unit, in [0, 1).
    """

    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.rate = check_rate(rate, "rate")
        self._rng = np.random.default_rng(0)

    def reseed(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        mask = self._rng.random(x.shape, dtype=x.dtype) < keep
        self._mask = mask.astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self._mask is None:
            return grad
        return grad * self._mask

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}


# -- recurrent layers -----------------------------------------------------------------------


class SimpleRNN(Layer):
    r"""Elman recurrent layer: :math:`h_t = f(x_t W_x + h_{t-1} W_h + b)`, with :math:`h_0 = 0`.

    The input is a batch of sequences of shape (n_samples, n_steps, n_features); the
    output is the last state :math:`h_T`, of shape (n_samples, units), or every state,
    of shape (n_samples, n_steps, units), with `return_sequences`. Parameters, in this
    order: ``W_x`` of shape (n_features, units), ``W_h`` of shape (units, units) and
    ``b`` of shape (units,). The course (``001_…``): connections that feed back give the
    network memory, for tasks with temporal dependencies.

    :meth:`backward` is backpropagation through time. With :math:`\delta_t = \partial
    L / \partial a_t` for the pre-activation :math:`a_t` and :math:`g_t` the gradient
    the next layer sends to :math:`h_t` (zero for t < T without `return_sequences`),

    .. math::

        \delta_t = (g_t + \delta_{t+1} W_h^\top) \odot f'(a_t), \quad
        \partial L / \partial W_x = \sum_t x_t^\top \delta_t, \quad
        \partial L / \partial W_h = \sum_t h_{t-1}^\top \delta_t, \quad
        \partial L / \partial b = \sum_t \delta_t,

    and :math:`\partial L / \partial x_t = \delta_t W_x^\top`. Exact by default.

    **Truncation** (``bptt_steps = k``): the gradient of each output travels back
    through at most k steps. The error of the output at step t (the last step only,
    without `return_sequences`) reaches the pre-activations of steps t, t − 1, …,
    t − k + 1 and no further: in the term of that output, the state
    :math:`h_{t-k}` is treated as a constant (it still multiplies ``W_h`` in step
    t − k + 1, so ``W_h`` gets :math:`h_{t-k}^\top \delta_{t-k+1}`). Inputs older than
    k steps before every output get a zero gradient. ``bptt_steps = 1`` learns from
    each step's input and previous state with no credit through time; k ≥ n_steps is
    exact BPTT. This is Williams and Peng's (1990) BPTT(k) window for each output, not
    the cheaper "split the sequence into chunks of k" scheme; with `return_sequences`
    it costs k vectorized passes over the sequence. A truncated gradient is not the
    gradient of the loss, so :func:`mlplab.gradient_check.gradient_check` reports
    differences for it by design.

    Parameters
    ----------
    units : int
        Size of the state h, at least 1.
    activation : str or mlplab.activations.Activation
        Any elementwise activation of the catalog (tanh by default, as Keras); its own
        ``forward_train`` and ``vjp_train`` are used, so stochastic ones (rrelu) draw a
        fresh slope per step and entry while training.
    return_sequences : bool
        Output every state (n_samples, n_steps, units) instead of the last one. The next
        layer must then take sequences (another SimpleRNN).
    bptt_steps : int or None
        Truncation length k of backpropagation through time (see above); None is exact.
    kernel_initializer : str or Initializer
        How ``W_x`` starts (Glorot uniform, as Keras).
    recurrent_initializer : str or Initializer
        How ``W_h`` starts: ``"orthogonal"`` (as Keras: every singular value 1, so the
        linear part of a step neither grows nor shrinks the state).
    bias : float
        Initial value of every bias (0).

    Attributes
    ----------
    initial_state_gradient : ndarray of shape (n_samples, units)
        After :meth:`backward`: ∂Loss/∂h₀, the gradient that reaches the (zero) state
        before the first step (what the vanishing-gradient experiment measures).
    """

    param_names = ("weight_x", "weight_h", "bias")
    regularized = (True, True, False)

    def __init__(
        self,
        units: int,
        activation: str | ActivationFunction = "tanh",
        return_sequences: bool = False,
        bptt_steps: int | None = None,
        *,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias: float = 0.0,
    ) -> None:
        super().__init__()
        self.units = check_int(units, "units")
        self.function = _activations.get(activation)
        if not self.function.elementwise:
            raise ValueError(
                f"SimpleRNN needs an elementwise activation, got {self.function.name!r} "
                "(a function of the whole row)"
            )
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise TypeError(f"return_sequences must be True or False, got {return_sequences!r}")
        self.return_sequences = bool(return_sequences)
        self.bptt_steps = None if bptt_steps is None else check_int(bptt_steps, "bptt_steps")
        # Look the initializers up now: a bad name fails here, not at build time.
        _initializers.get(kernel_initializer, activation=self.function)
        _initializers.get(recurrent_initializer, activation=self.function)
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias = check_real(bias, "bias")
        self._rng = np.random.default_rng(0)

    def build(self, n_in: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        self.n_in, self.n_out, self.dtype = n_in, self.units, np.dtype(dtype)
        u = self.units
        init_x = _initializers.get(self.kernel_initializer, activation=self.function)
        init_h = _initializers.get(self.recurrent_initializer, activation=self.function)
        Wx = np.asarray(init_x((n_in, u), rng, dtype=self.dtype), dtype=self.dtype)
        Wh = np.asarray(init_h((u, u), rng, dtype=self.dtype), dtype=self.dtype)
        b = np.full(u, self.bias, dtype=self.dtype)
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        return u

    def reseed(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def _check(self, x: np.ndarray) -> None:
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ValueError(
                f"SimpleRNN takes input of shape (n_samples, n_steps, {self.n_in}), got {x.shape}"
            )

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """States for `x` of shape (n_samples, n_steps, n_features).

        Returns shape (n_samples, units), or (n_samples, n_steps, units) with
        `return_sequences`.
        """
        self._check(x)
        Wx, Wh, b = self.params
        f = self.function
        n, T, _ = x.shape
        # Time-major (n_steps, n_samples, ·) arrays: each step is one contiguous block.
        # Every input's contribution x_t W_x + b is computed at once, before the loop.
        if not training:
            a = np.matmul(x.transpose(1, 0, 2), Wx)
            a += b
            states = np.empty_like(a) if self.return_sequences else None
            h = f(a[0])  # h_0 = 0: the first step has no recurrent term
            for t in range(T):
                if t:
                    a[t] += h @ Wh
                    h = f(a[t])
                if states is not None:
                    states[t] = h
            return h if states is None else states.transpose(1, 0, 2)
        xt = self._buffer("_xt", (T, n, self.n_in))
        np.copyto(xt, x.transpose(1, 0, 2))
        A = self._buffer("_a", (T, n, self.units))
        np.matmul(xt, Wx, out=A)
        A += b
        H = self._buffer("_h", (T, n, self.units))
        # A stochastic activation (rrelu) draws new noise at every call, so its local
        # derivative f'(a_t) is taken at once, step by step; deterministic ones are
        # differentiated in backward from a_t and h_t.
        D = self._buffer("_d", (T, n, self.units)) if f.stochastic else None
        rec = self._buffer("_rec", (n, self.units))
        for t in range(T):
            if t:
                A[t] += np.matmul(H[t - 1], Wh, out=rec)
            H[t] = f.forward_train(A[t], self._rng)
            if D is not None:
                D[t] = 1
                D[t] = f.vjp_train(A[t], H[t], D[t])
        self._D = D
        return H.transpose(1, 0, 2) if self.return_sequences else H[T - 1]

    def _step_vjp(self, t: int, g: np.ndarray) -> np.ndarray:
        """``g ⊙ f'(a_t)`` written into `g` (a step of a buffer, overwritten), returned.

        The activation's own ``vjp_train`` at step t, or the derivative kept by the
        forward pass for a stochastic one. Work is done one step at a time on purpose:
        temporaries the size of a whole sequence cost more than the arithmetic.
        """
        if self._D is not None:
            g *= self._D[t]
            return g
        out = self.function.vjp_train(self._a[t], self._h[t], g)
        if out is not g:
            g[...] = out
        return g

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Backpropagation through time; `grad` is dLoss/d(output), of the output's shape.

        Fills :attr:`grads` and returns dLoss/dx, shape (n_samples, n_steps, n_features)
        (zero for steps that no output reaches under truncation).
        """
        Wx, Wh, _ = self.params
        T, n, u = self._a.shape
        dA = self._buffer("_da", (T, n, u))  # δ_t, time-major
        k = T if self.bptt_steps is None else min(self.bptt_steps, T)
        first = 0  # earliest step any gradient reaches
        if not self.return_sequences:
            # One output, at the last step: δ flows back from step T through k steps.
            first = T - k
            np.copyto(dA[T - 1], grad)
            for t in range(T - 1, first - 1, -1):
                self._step_vjp(t, dA[t])
                if t > first:
                    np.matmul(dA[t], Wh.T, out=dA[t - 1])
            dA[:first] = 0
        elif k == T:
            # Exact, an output at every step: one backward recursion over the sum.
            np.copyto(dA, grad.transpose(1, 0, 2))
            carry = self._buffer("_carry", (n, u))
            for t in range(T - 1, -1, -1):
                if t < T - 1:
                    dA[t] += carry
                self._step_vjp(t, dA[t])
                if t:
                    np.matmul(dA[t], Wh.T, out=carry)
        else:
            self._truncated_sequence_backward(grad, k, dA)
        dA_used = dA[first:].reshape(-1, u)
        np.matmul(self._xt[first:].reshape(-1, self.n_in).T, dA_used, out=self.grads[0])
        # W_h meets h_{t-1} at step t; h_0 = 0 adds nothing at the first step.
        start = max(first, 1)
        np.matmul(
            self._h[start - 1 : T - 1].reshape(-1, u).T,
            dA[start:].reshape(-1, u),
            out=self.grads[1],
        )
        np.add.reduce(dA_used, axis=0, out=self.grads[2])
        if not self.need_input_grad:
            return grad
        gin = self._buffer("_gin", self._xt.shape)
        np.matmul(dA, Wx.T, out=gin)
        return gin.transpose(1, 0, 2)

    def _truncated_sequence_backward(self, grad: np.ndarray, k: int, dA: np.ndarray) -> None:
        """δ for an output at every step, each output's error reaching back k steps.

        Every output's window is handled at once, one lag j = 0 .. k − 1 at a time:
        ``R[s]`` is the signal of the output at step s + j arriving at step s, alive for
        the steps s that are at least j before the end. Each lag is one multiplication
        by the local derivatives and one product with W_hᵀ over the whole sequence.
        """
        Wh = self.params[1]
        T = dA.shape[0]
        D = self._D
        if D is None:  # f'(a_t) for every step, read k times below
            D = self._buffer("_d", dA.shape)
            for t in range(T):
                D[t] = 1
                self._step_vjp(t, D[t])
        R = self._buffer("_r", dA.shape)
        delta = self._buffer("_delta", dA.shape)
        np.multiply(grad.transpose(1, 0, 2), D, out=dA)  # lag 0: each output's own step
        np.matmul(dA[1:], Wh.T, out=R[: T - 1])
        for j in range(1, k):
            live = T - j
            np.multiply(R[:live], D[:live], out=delta[:live])
            dA[:live] += delta[:live]
            if j < k - 1:
                np.matmul(delta[1:live], Wh.T, out=R[: live - 1])

    @property
    def initial_state_gradient(self) -> np.ndarray | None:
        """∂Loss/∂h₀ of the last :meth:`backward`, shape (n_samples, units), or None."""
        dA = getattr(self, "_da", None)
        return None if dA is None else dA[0] @ self.params[1].T

    def get_config(self) -> dict[str, Any]:
        def name(obj: Any) -> Any:
            return obj if isinstance(obj, str) else repr(obj)

        f = self.function
        return {
            "units": self.units,
            "activation": f.name if not f.get_config() else repr(f),
            "return_sequences": self.return_sequences,
            "bptt_steps": self.bptt_steps,
            "kernel_initializer": name(self.kernel_initializer),
            "recurrent_initializer": name(self.recurrent_initializer),
            "bias": self.bias,
        }
