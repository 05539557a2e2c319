"""The feed-forward network: a stack of layers with forward and backward passes.

Backpropagation follows the course's recursion of sensitivities on whole mini-batches:
the output sensitivity δ^M = dLoss/du^M comes from the loss (fused with the output
activation where that is simpler and stable, e.g. softmax + cross-entropy gives p − y),
then each layer turns δ^m into its parameter gradients (dW^m = (y^{m−1})ᵀ δ^m,
db^m = Σ_n δ^m) and into δ^{m−1} = F′(u^{m−1}) ⊙ (δ^m (W^m)ᵀ).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations as _activations
from . import initializers as _initializers
from . import losses as _losses
from ._validation import check_float_dtype, check_int, check_matrix
from .layers import Activation, BatchNorm, Dense, Dropout, Layer, SimpleRNN
from .summary import SummaryMixin

#: About how many numbers one block of rows may hold in its widest layer, where the
#: network works through a large data set a block at a time: 1 MiB of float32 per
#: layer, and still hundreds of rows per matrix product for layers of a few hundred.
BLOCK_ELEMENTS = 1 << 18


@dataclass(frozen=True)
class StepPlan:
    """How :meth:`Sequential.train_step` runs, fixed once for a fit (:meth:`Sequential.step_plan`).

    Attributes
    ----------
    loss : Loss
        The training loss.
    fused : bool
        The output activation is fused with the loss: the step works from the logits.
    inplace_activations : bool
        Activations after Dense layers overwrite the Dense output in place.
    unit_rows : bool
        The targets' rows sum to exactly 1 (the loss's shortcut for it is taken).
    checked : bool
        The reference path: each step is the validated :meth:`Sequential.loss_and_gradients`.
    forward : tuple of callable
        The training-mode forward of each layer run by the step, first to last.
    backward : tuple of callable
        The backward of those layers, last to first.
    grads : list of ndarray
        The network's gradient arrays, which the step fills.
    kernels : bool
        Compiled kernels run the elementwise work (:mod:`mlplab._kernels`): a Dense
        layer and the activation after it are one fused step, and the fused loss is
        `loss_step`.
    loss_step : callable
        ``loss_step(y, out, sample_weight) -> (value, dLoss/dout)`` on the last output
        (the logits when `fused`): the loss's NumPy form, or its kernel, which also
        adds the last Dense layer's bias and fills its gradient when that layer makes
        the logits.
    """

    loss: _losses.Loss
    fused: bool
    inplace_activations: bool
    unit_rows: bool
    checked: bool
    forward: tuple[Callable[[np.ndarray], np.ndarray], ...]
    backward: tuple[Callable[[np.ndarray], np.ndarray], ...]
    grads: list[np.ndarray]
    kernels: bool
    loss_step: Callable[..., tuple[float, np.ndarray]]


class Sequential(SummaryMixin):
    """A network that applies its layers one after the other.

    Parameters
    ----------
    layers : sequence of Layer
        The layers, first to last. An :class:`~mlplab.layers.Activation` at the end is
        the output activation. A network whose first layer is a
        :class:`~mlplab.layers.SimpleRNN` takes sequences, X of shape (n_samples,
        n_steps, n_inputs), and its output is 2-D: the last recurrent layer returns its
        last state (``return_sequences=False``), e.g. to a Dense head.
    n_inputs : int, optional
        Width of the input (features per step for sequences); when given the network
        is built at once.
    dtype : {float32, float64}
        Dtype of every parameter and of the computation. Inputs must have it too.
    random_state : int, numpy.random.Generator or None
        Seeds the initial weights and the randomness used while training (dropout).

    Attributes
    ----------
    params : list of ndarray
        Every trainable array, in layer order (e.g. W1, b1, W2, b2).
    grads : list of ndarray
        Their gradients after :meth:`backward`, same shapes.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        n_inputs: int | None = None,
        *,
        dtype: Any = np.float64,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")
        if not layers:
            raise ValueError("layers must contain at least one layer")
        _check_sequence_flow(layers)
        self.layers = layers
        self.dtype = check_float_dtype(dtype)
        self.random_state = random_state
        self.n_inputs: int | None = None
        if n_inputs is not None:
            self.build(n_inputs)

    # -- construction -------------------------------------------------------------
    def build(self, n_inputs: int) -> Sequential:
        """Create every parameter for inputs of width `n_inputs` (re-initializes)."""
        self.n_inputs = check_int(n_inputs, "n_inputs")
        rng = np.random.default_rng(self.random_state)
        width = self.n_inputs
        for layer in self.layers:
            width = layer.build(width, rng, self.dtype)
        self.n_outputs = width
        # The first layer with parameters never needs dLoss/dX: skip that product.
        first = next((i for i, layer in enumerate(self.layers) if layer.params), None)
        for i, layer in enumerate(self.layers):
            layer.need_input_grad = first is None or i > first
        self._pack_storage()
        self.reseed(rng)
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        # An unpickled network's arrays are separate again: tile them once more, so
        # that a copy trains on the same paths (and bits) as the original.
        self.__dict__.update(state)
        if getattr(self, "n_inputs", None) is not None:
            self._pack_storage()

    def _pack_storage(self) -> None:
        """Make every parameter (and every gradient) a view into one flat array.

        The arrays keep their shapes, values and order; only their memory becomes
        contiguous. Optimizers and the trainer detect this layout and then update,
        snapshot or check all parameters with one NumPy call each instead of one per
        array, which dominates the cost of a step for small networks. Nothing relies on
        it: code that replaces a layer's arrays simply gets the per-array path.
        """
        for attr in ("params", "grads"):
            arrays = [a for layer in self.layers for a in getattr(layer, attr)]
            if not arrays:
                continue
            flat = np.empty(sum(a.size for a in arrays), dtype=self.dtype)
            start = 0
            for layer in self.layers:
                views = []
                for a in getattr(layer, attr):
                    view = flat[start : start + a.size].reshape(a.shape)
                    view[...] = a
                    views.append(view)
                    start += a.size
                setattr(layer, attr, views)

    def reseed(self, random_state: int | np.random.Generator | None) -> None:
        """Reset the generator that dropout and rrelu draw from while training."""
        rng = np.random.default_rng(random_state)
        self.rng = rng
        for layer in self.layers:
            layer.reseed(rng)

    @property
    def params(self) -> list[np.ndarray]:
        """Every trainable array, in layer order (a new list of the layers' own arrays)."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """The gradient array of each of :attr:`params`, same order and shapes."""
        return [g for layer in self.layers for g in layer.grads]

    @property
    def regularized(self) -> list[bool]:
        """For each array in :attr:`params`, whether L1/L2 penalties apply to it."""
        return [r for layer in self.layers for r in layer.regularized]

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        """``("3.weight", W)`` pairs: layer index and parameter name."""
        return [
            (f"{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in zip(layer.param_names, layer.params, strict=True)
        ]

    @property
    def n_params(self) -> int:
        """Number of trainable numbers."""
        return sum(p.size for p in self.params)

    def pack(self) -> np.ndarray:
        """All parameters as one flat vector (a copy), in :attr:`params` order."""
        return np.concatenate([p.ravel() for p in self.params]) if self.params else np.empty(0)

    def pack_grads(self) -> np.ndarray:
        """All gradients as one flat vector, parallel to :meth:`pack`."""
        return np.concatenate([g.ravel() for g in self.grads]) if self.grads else np.empty(0)

    def unpack(self, vector: np.ndarray) -> None:
        """Copy a flat vector (as from :meth:`pack`) into the parameters, in place."""
        vector = np.asarray(vector)
        if vector.shape != (self.n_params,):
            raise ValueError(f"vector must have shape ({self.n_params},), got {vector.shape}")
        start = 0
        for p in self.params:
            p.ravel()[...] = vector[start : start + p.size]
            start += p.size

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-trainable state (batch-norm running averages), keyed ``"i.name"``."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.buffers().items()
        }

    def set_buffers(self, values: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`buffers` returned."""
        for i, layer in enumerate(self.layers):
            own = {k.split(".", 1)[1]: v for k, v in values.items() if k.split(".")[0] == str(i)}
            if own:
                layer.set_buffers(own)

    # -- passes ----------------------------------------------------------------------
    def _check_built(self) -> None:
        if self.n_inputs is None:
            raise RuntimeError("the network is not built: call build(n_inputs) first")

    def check_input(self, X: Any, argname: str = "X", finite: bool = True) -> np.ndarray:
        """`X` checked against the network's input: 2-D, or 3-D sequences for an RNN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs) or (n_samples, n_steps, n_inputs)
            The input; sequences for a network that starts with a SimpleRNN.
        argname : str
            Name used in error messages.
        finite : bool
            Refuse NaN and inf.

        Returns
        -------
        ndarray
            `X` itself (never copied or cast).
        """
        shape = {"n_features": self.n_inputs, "sequences": takes_sequences(self)}
        return check_matrix(X, argname, dtype=self.dtype, finite=finite, **shape)

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Network output for `X` of shape (n_samples, n_inputs).

        A network that starts with a recurrent layer takes `X` of shape (n_samples,
        n_steps, n_inputs).

        In training mode, layers keep what :meth:`backward` needs, dropout is on and
        batch norm uses batch statistics. Returns shape (n_samples, n_outputs).
        """
        self._check_built()
        X = self.check_input(X, "X")
        return self._forward(X, training, len(self.layers))

    def _forward(self, X: np.ndarray, training: bool, stop: int) -> np.ndarray:
        out = X
        for layer in self.layers[:stop]:
            out = layer.forward(out, training)
        return out

    def step_plan(
        self,
        loss: str | _losses.Loss,
        *,
        inplace_activations: bool = False,
        unit_rows: bool = False,
        checked: bool = False,
        kernels: bool = False,
    ) -> StepPlan:
        """What :meth:`train_step` needs, fixed for a whole fit (the trainer makes it once).

        Parameters
        ----------
        loss : str or Loss
            The training loss; fused with the output activation where it can be.
        inplace_activations : bool
            Let an activation that follows a Dense layer overwrite that layer's output
            (its own scratch buffer, which nothing else reads) when its backward pass
            needs only its output: one allocation and one pass over memory less per
            step. The pre-activations are then gone, so only ask for it when nothing
            reads the layers' training-mode values during the fit.
        unit_rows : bool
            Every row of the targets sums to exactly 1: a loss may skip work whose
            result that makes exact (:class:`~mlplab.losses.CategoricalCrossentropy`).
        checked : bool
            The reference path: every step is :meth:`loss_and_gradients` with its input
            checks, and nothing of the above.
        kernels : bool
            With `inplace_activations`, run the elementwise work through the compiled
            kernels (:mod:`mlplab._kernels`), with the same bits: a Dense layer and an
            activation after it that has a kernel become one fused step, and a fused
            loss that has one also adds the last Dense layer's bias.

        Returns
        -------
        StepPlan
        """
        self._check_built()
        loss = _losses.get(loss)
        fused = self.fused_output(loss)
        stop = len(self.layers) - 1 if fused else len(self.layers)
        inplace = inplace_activations and not checked
        unit_rows = unit_rows and fused and not checked
        layers, kernels = self.layers[:stop], inplace and kernels
        forward, backward, loss_step = (
            _kernel_steps(layers, loss, fused, unit_rows, self.dtype)
            if kernels
            else (*_layer_steps(layers, inplace), None)
        )
        loss_step = loss_step or _numpy_loss_step(loss, fused, unit_rows)
        return StepPlan(
            loss=loss,
            fused=fused,
            inplace_activations=inplace,
            unit_rows=unit_rows,
            checked=checked,
            forward=forward,
            backward=backward,
            grads=self.grads,
            kernels=kernels,
            loss_step=loss_step,
        )

    def train_step(
        self,
        X: np.ndarray,
        y: np.ndarray,
        plan: StepPlan,
        sample_weight: np.ndarray | None = None,
        l2: float = 0.0,
        l1: float = 0.0,
    ) -> tuple[float, list[np.ndarray]]:
        """One forward and backward pass on a batch, the way `plan` says.

        The same numbers as ``loss_and_gradients(X, y, plan.loss, sample_weight=...,
        l2=l2, l1=l1)``: the trainer validates its data once per fit, so unless the plan
        is ``checked`` the per-batch checks are skipped, and what depends only on the
        fit comes from `plan` (:meth:`step_plan`).

        Parameters
        ----------
        X : ndarray of shape (n_batch, n_inputs)
        y : ndarray of shape (n_batch, n_outputs)
        plan : StepPlan
            From :meth:`step_plan` on this network.
        sample_weight : ndarray of shape (n_batch,), optional
        l2, l1 : float
            Penalties, as in :meth:`loss_and_gradients`.

        Returns
        -------
        loss : float
            Data loss plus penalties.
        grads : list of ndarray
            :attr:`grads`, filled in place.
        """
        loss = plan.loss
        if plan.checked:
            return self.loss_and_gradients(
                X, y, loss, sample_weight=sample_weight, l2=l2, l1=l1, check_input=True
            )
        out = X
        for f in plan.forward:
            out = f(out)
        value, delta = plan.loss_step(y, out, sample_weight)
        for b in plan.backward:
            delta = b(delta)
        value = float(value)
        if l2 or l1:
            value = self._add_penalties(value, X, sample_weight, l2, l1, plan.grads)
        return value, plan.grads

    def _add_penalties(
        self,
        value: float,
        X: np.ndarray,
        sample_weight: np.ndarray | None,
        l2: float,
        l1: float,
        grads: list[np.ndarray] | None,
    ) -> float:
        """Add the L2/L1 penalties on weights to `value` (and to `grads` in place, if given)."""
        n = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        for i, (p, reg) in enumerate(zip(self.params, self.regularized, strict=True)):
            if not reg:
                continue
            if l2:
                value += 0.5 * l2 * float(np.vdot(p, p)) / n
                if grads is not None:
                    grads[i] += (l2 / n) * p
            if l1:
                value += l1 * float(np.abs(p).sum()) / n
                if grads is not None:
                    grads[i] += (l1 / n) * np.sign(p)
        return value

    def inference_loss(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: str | _losses.Loss,
        sample_weight: np.ndarray | None = None,
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        block_elements: int = BLOCK_ELEMENTS,
    ) -> float:
        """The training loss of the current weights on (X, y), in inference mode.

        Computed as training computes it (from the logits where the loss is fused with
        the output activation, with the L1/L2 penalties) but without dropout and with
        batch norm's running statistics, a block of rows at a time: the hidden layers'
        values of one block at most ever exist. Rows of weight 0 do not count. Inputs
        are not validated (the trainer validated them once).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_inputs)
        y : ndarray of shape (n_samples, n_outputs)
        loss : str or Loss
        sample_weight : ndarray of shape (n_samples,), optional
        l2, l1 : float
            Penalties, as in :meth:`loss_and_gradients`.
        block_elements : int
            About how many numbers one block's widest layer may hold.

        Returns
        -------
        float
        """
        loss = _losses.get(loss)
        fused = self.fused_output(loss)
        stop = len(self.layers) - 1 if fused else len(self.layers)
        n = X.shape[0]
        total = 0.0
        for part in self._row_blocks(X, block_elements):
            w = None if sample_weight is None else sample_weight[part]
            weight = part.stop - part.start if w is None else float(np.sum(w))
            if weight == 0:
                continue  # rows of weight 0 do not count (and have no mean)
            out = self._forward(X[part], False, stop)
            if fused:
                value = loss.value_from_logits(y[part], out, w)
            else:
                value = loss(y[part], out, w)
            total += float(value) * weight
        value = total / (n if sample_weight is None else float(np.sum(sample_weight)))
        if l2 or l1:
            value = self._add_penalties(value, X, sample_weight, l2, l1, None)
        return value

    def _row_blocks(self, X: np.ndarray, block_elements: int) -> list[slice]:
        """Slices of X's rows whose widest layer holds about `block_elements` numbers."""
        # Values per row on the way; a recurrent layer keeps n_steps of them (issue 14).
        steps = X.shape[1] if X.ndim == 3 else 1
        widest = max(
            [math.prod(X.shape[1:]), *(steps * (layer.n_out or 0) for layer in self.layers)]
        )
        rows = max(1, block_elements // widest)
        n = X.shape[0]
        return [slice(start, min(n, start + rows)) for start in range(0, n, rows)]

    def backward(self, grad: np.ndarray, start: int | None = None) -> None:
        """Backpropagate dLoss/d(output) through the layers, filling :attr:`grads`.

        Must follow a ``forward(..., training=True)``. With `start`, the pass begins
        below layer index `start` (used when the loss is fused with the output layer).
        """
        stop = len(self.layers) if start is None else start
        for layer in reversed(self.layers[:stop]):
            grad = layer.backward(grad)

    def fused_output(self, loss: _losses.Loss) -> bool:
        """Whether the last layer is the activation `loss` fuses with (softmax, sigmoid...).

        The training step and :meth:`inference_loss` then work from the logits, the
        last Dense layer's output, through the loss's fused form.
        """
        last = self.layers[-1]
        return (
            loss.fused_activation is not None
            and isinstance(last, Activation)
            and last.function.name == loss.fused_activation
            and last.function.get_config() == {}
        )

    def loss_and_gradients(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: str | _losses.Loss,
        *,
        sample_weight: np.ndarray | None = None,
        l2: float = 0.0,
        l1: float = 0.0,
        check_input: bool = True,
    ) -> tuple[float, list[np.ndarray]]:
        """Loss on a batch and the gradient of every parameter, in one forward/backward pass.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_inputs)
            Or (n_samples, n_steps, n_inputs) for a network that starts with a SimpleRNN.
        y : ndarray of shape (n_samples, n_outputs)
            Targets in the network's output space (one-hot rows for softmax outputs).
        loss : str or Loss
            From :mod:`mlplab.losses`.
        sample_weight : ndarray of shape (n_samples,), optional
        l2 : float
            Penalty ``0.5 * l2 * sum(W**2) / n`` on weights (not biases), with n the
            number of samples (or sum of sample weights): scikit-learn's ``alpha``.
        l1 : float
            Penalty ``l1 * sum(|W|) / n`` on weights.
        check_input : bool
            Validate X and y (the training loop checks once per fit and skips this).

        Returns
        -------
        loss : float
            Data loss plus penalties.
        grads : list of ndarray
            :attr:`grads` (the network's own arrays, overwritten by the next call).
        """
        self._check_built()
        loss = _losses.get(loss)
        if check_input:
            X = self.check_input(X, "X")
            y = np.asarray(y)
            if y.ndim != 2 or y.shape != (X.shape[0], self.n_outputs):
                raise ValueError(
                    f"y must have shape {(X.shape[0], self.n_outputs)} (n_samples, n_outputs), "
                    f"got {y.shape}"
                )
        if not check_input:
            # The training loop's path (L-BFGS calls it too): data validated once per fit.
            return self.train_step(X, y, self.step_plan(loss), sample_weight, l2, l1)
        fused = self.fused_output(loss)
        stop = len(self.layers) - 1 if fused else len(self.layers)
        z = self._forward(X, True, stop)
        if fused:
            value = loss.value_from_logits(y, z, sample_weight)
            delta = loss.gradient_from_logits(y, z, sample_weight)
        else:
            value = loss(y, z, sample_weight)
            delta = loss.gradient(y, z, sample_weight)
        self.backward(delta, start=stop)
        value = float(value)
        if l2 or l1:
            value = self._add_penalties(value, X, sample_weight, l2, l1, self.grads)
        return value, self.grads

    def predict(
        self, X: np.ndarray, *, block_elements: int | None = None, check_input: bool = True
    ) -> np.ndarray:
        """Inference-mode output for `X`; same as ``forward(X, training=False)``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_inputs)
        block_elements : int, optional
            Compute a block of rows at a time, each block's widest layer holding about
            this many numbers, into one output array: memory for the hidden layers of
            one block instead of all rows (the same numbers row by row).
        check_input : bool
            Validate X (the trainer, which validated its data once, skips this).

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        self._check_built()
        if check_input:
            X = self.check_input(X, "X")
        n = len(self.layers)
        if block_elements is None:
            return self._forward(X, False, n)
        blocks = self._row_blocks(X, block_elements)
        if len(blocks) == 1:
            return self._forward(X, False, n)
        out = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
        for part in blocks:
            out[part] = self._forward(X[part], False, n)
        return out

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n], n_inputs={self.n_inputs}, dtype={self.dtype})"


def mlp(
    layer_sizes: Sequence[int],
    hidden_activation: Any = "relu",
    output_activation: Any = "identity",
    *,
    kernel_initializer: Any = "auto",
    bias: float = 0.0,
    batch_norm: bool = False,
    dropout: float | Sequence[float] = 0.0,
    dtype: Any = np.float64,
    random_state: int | np.random.Generator | None = None,
) -> Sequential:
    """Build the usual multilayer perceptron.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from input to output, e.g. ``(2, 2, 1)`` for the course's 2-2-1 network.
    hidden_activation : str, Activation, or a sequence with one per hidden layer
    output_activation : str or Activation
        Applied after the last Dense layer ("identity", "sigmoid", "softmax"...).
    kernel_initializer : str or Initializer
        ``"auto"`` picks what each layer's activation recommends (He for the ReLU family,
        Glorot for sigmoid/tanh/softmax/identity, LeCun for SELU).
    bias : float
        Initial bias of hidden units (output biases start at 0).
    batch_norm : bool
        Insert batch normalization between each hidden Dense layer and its activation.
    dropout : float or sequence of float
        Dropout rate after each hidden layer (one value, or one per hidden layer).
    dtype, random_state
        As for :class:`Sequential`.
    """
    sizes = [check_int(s, f"layer_sizes[{i}]") for i, s in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least input and output sizes, got {sizes}")
    n_hidden = len(sizes) - 2
    hidden = _per_layer(hidden_activation, n_hidden, "hidden_activation")
    rates = _per_layer(dropout, n_hidden, "dropout")
    layers: list[Layer] = []
    for units, act, rate in zip(sizes[1:-1], hidden, rates, strict=True):
        function = _activations.get(act)
        init = (
            _initializers.for_activation(function)
            if kernel_initializer == "auto"
            else (kernel_initializer)
        )
        layers.append(Dense(units, init, bias=bias))
        if batch_norm:
            layers.append(BatchNorm())
        layers.append(Activation(function))
        if rate:
            layers.append(Dropout(rate))
    out_fn = _activations.get(output_activation)
    init = (
        _initializers.for_activation(out_fn)
        if kernel_initializer == "auto"
        else (kernel_initializer)
    )
    layers.append(Dense(sizes[-1], init))
    if out_fn.name != "identity":
        layers.append(Activation(out_fn))
    return Sequential(layers, sizes[0], dtype=dtype, random_state=random_state)


# -- recurrent networks (issue 14) ---------------------------------------------------------
# Everything Sequential needs for sequences: which networks take 3-D input, and which layer
# orders make sense. The passes themselves need nothing special (SimpleRNN turns
# sequences into a 2-D state; the Trainer gathers mini-batches along axis 0).


def takes_sequences(network: Sequential) -> bool:
    """Whether `network` takes sequences, X of shape (n_samples, n_steps, n_inputs)."""
    return isinstance(network.layers[0], SimpleRNN)


def _check_sequence_flow(layers: list[Layer]) -> None:
    """Refuse layer orders that would hand sequences to a layer that cannot take them.

    A SimpleRNN takes sequences: it must come first, or after a SimpleRNN with
    ``return_sequences=True`` (with only Dropout or elementwise Activation layers in
    between, which act on every step alike). The network's output must be 2-D, since
    losses and targets are (n_samples, n_outputs).
    """
    sequences = False  # whether the current layer's input is a sequence
    for i, layer in enumerate(layers):
        if isinstance(layer, SimpleRNN):
            if i and not sequences:
                raise ValueError(
                    f"layers[{i}] is a SimpleRNN, which takes sequences, but layers[{i - 1}] "
                    "outputs one row per sample: a SimpleRNN must be the first layer or "
                    "follow a SimpleRNN with return_sequences=True"
                )
            sequences = layer.return_sequences
        elif sequences and not (
            isinstance(layer, Dropout)
            or (isinstance(layer, Activation) and layer.function.elementwise)
        ):
            raise ValueError(
                f"layers[{i}] ({type(layer).__name__}) would receive sequences of shape "
                "(n_samples, n_steps, units) from a SimpleRNN with return_sequences=True; "
                "only another SimpleRNN (or Dropout / an elementwise Activation) can follow "
                "it. Use return_sequences=False on the last SimpleRNN for a Dense head"
            )
    if sequences:
        raise ValueError(
            "the network would output sequences: set return_sequences=False on the last "
            "SimpleRNN (the losses and the Trainer take outputs of shape "
            "(n_samples, n_outputs))"
        )


def _numpy_loss_step(
    loss: _losses.Loss, fused: bool, unit_rows: bool
) -> Callable[..., tuple[float, np.ndarray]]:
    """The loss's value and dLoss/d(last output) in NumPy, for :attr:`StepPlan.loss_step`."""
    if fused:
        return functools.partial(
            _fused_unchecked, loss._value_and_gradient_from_logits_unchecked, unit_rows
        )
    return loss._value_and_gradient_unchecked


def _fused_unchecked(
    method: Callable[..., tuple[float, np.ndarray]],
    unit_rows: bool,
    y: np.ndarray,
    z: np.ndarray,
    sample_weight: np.ndarray | None,
) -> tuple[float, np.ndarray]:
    return method(y, z, sample_weight, unit_rows)


def _layer_steps(layers: list[Layer], inplace: bool) -> tuple[tuple, tuple]:
    """The training forward and backward of `layers` (NumPy), for :meth:`Sequential.step_plan`."""
    forward: list[Callable[[np.ndarray], np.ndarray]] = []
    previous = None
    for layer in layers:
        if inplace and type(layer) is Activation and type(previous) is Dense:
            forward.append(layer._forward_train_inplace)
        else:
            forward.append(functools.partial(layer.forward, training=True))
        previous = layer
    return tuple(forward), tuple(layer.backward for layer in reversed(layers))


def _kernel_steps(
    layers: list[Layer], loss: _losses.Loss, fused: bool, unit_rows: bool, dtype: np.dtype
) -> tuple[tuple, tuple, Callable[..., tuple[float, np.ndarray]] | None]:
    """:func:`_layer_steps` with in-place activations through the compiled kernels.

    A Dense layer and an activation after it that has a kernel become one fused step
    (:class:`mlplab._kernels._layers.DenseActivation`); when the fused loss has a
    kernel, the last Dense layer leaves its bias add and bias gradient to it; batch
    normalization runs its kernels (:class:`mlplab._kernels._batchnorm.BatchNormStep`),
    fused with the activation after it as Dense is (its beta as the bias), or followed
    by that activation in place when it has no kernel. Returns the forward steps, the
    backward steps (last layer first) and the loss's step.
    """
    from ._kernels import _layers as fused_layers
    from ._kernels._activations import Family
    from ._kernels._batchnorm import BatchNormStep

    loss_kernel = fused and "_kernel_step" in type(loss).__dict__
    forward, backward = [], []
    i = 0
    while i < len(layers):
        layer, after = layers[i], layers[i + 1] if i + 1 < len(layers) else None
        spec = _activation_kernel(after) if type(layer) is Dense else None
        if spec is not None:
            step = fused_layers.DenseActivation(layer, after, Family(*spec))
            forward.append(step.forward)
            backward.append(step.backward)
            i += 2
            continue
        if loss_kernel and after is None and type(layer) is Dense:
            step = fused_layers.DenseLogits(layer)
            forward.append(step.forward)
            backward.append(step.backward)
        elif type(layer) is BatchNorm:
            spec = _activation_kernel(after)
            step = BatchNormStep(layer, *((after, Family(*spec)) if spec else ()))
            forward.append(step.forward)
            backward.append(step.backward)
            i += 2 if spec else 1
            continue
        elif i and type(layer) is Activation and type(layers[i - 1]) in (Dense, BatchNorm):
            # the layer before owns its output buffer, which nothing reads again
            forward.append(layer._forward_train_inplace)
            backward.append(layer.backward)
        else:
            forward.append(functools.partial(layer.forward, training=True))
            backward.append(layer.backward)
        i += 1
    loss_step = None
    if loss_kernel:
        last = layers[-1] if layers else None
        logits = type(last) is Dense
        bias = last.params[1] if logits else None
        bias_grad = last.grads[1] if logits else None
        loss_step = loss._kernel_step(bias, bias_grad, unit_rows, dtype)
    return tuple(forward), tuple(reversed(backward)), loss_step


def small_step_layout(network: Sequential, loss: _losses.Loss) -> tuple[Any, ...] | None:
    """What :class:`mlplab._kernels._small.SmallNetwork` needs to run `network`'s steps.

    Only for networks that kernel runs (see :mod:`mlplab._kernels._small`): packed
    parameters, at most ``MAX_PARAMS`` of them, Dense layers with biases each followed
    by an activation it knows (the last one: none, or the fused output of the softmax
    or sigmoid cross-entropy), and the squared error of a linear output or one of
    those cross-entropies.

    Returns
    -------
    tuple of (layout, codes, slopes, (loss code, factor)) or None
    """
    from ._kernels import _small
    from .optimizers import packed_base

    params = network.params
    if network.n_params > _small.MAX_PARAMS or packed_base(params) is None:
        return None
    fused = network.fused_output(loss)
    layers = network.layers[:-1] if fused else network.layers
    if type(loss) is _losses.CategoricalCrossentropy and fused:
        spec = (_small.SOFTMAX_CE, 1.0)
    elif type(loss) is _losses.BinaryCrossentropy and fused:
        spec = (_small.SIGMOID_CE, 1.0)
    elif type(loss) is _losses.SquaredError and not fused:
        spec = (_small.SQUARED, loss.factor)
    elif type(loss) is _losses._MeanValueSummedGradient and not fused:
        spec = (_small.SQUARED_SUMMED, loss.factor)
    else:
        return None
    rows, codes, slopes, offset, i = [], [], [], 0, 0
    while i < len(layers):
        dense = layers[i]
        if type(dense) is not Dense or len(dense.params) != 2:
            return None
        kernel = _activation_kernel(layers[i + 1]) if i + 1 < len(layers) else ("identity", ())
        if kernel is None or kernel[0] not in _small.FAMILIES:
            return None
        slope = kernel[1][0] if kernel[0] == "sloped" else 0.0
        if slope < 0:
            return None
        W, b = dense.params
        rows.append((offset, offset + W.size, W.shape[0], W.shape[1], dense.regularized[0]))
        codes.append(_small.FAMILIES[kernel[0]])
        slopes.append(slope)
        offset += W.size + b.size
        i += 2
    if not codes or codes[-1] != _small.IDENTITY:  # the loss's gradient is for the logits
        return None
    layout = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return layout, np.array(codes, dtype=np.int64), np.array(slopes), spec


def _activation_kernel(layer: Layer | None) -> tuple[str, tuple[float, ...]] | None:
    """The kernel family of an Activation layer's function, when its class declares one."""
    if type(layer) is not Activation:
        return None
    function = layer.function
    return function._kernel() if "_kernel" in type(function).__dict__ else None


def _per_layer(value: Any, n: int, argname: str) -> list[Any]:
    """One value per hidden layer from a single value or a list of length n."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{argname} has {len(value)} entries but there are {n} hidden layers")
        return list(value)
    return [value] * n
