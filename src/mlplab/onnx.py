"""Export networks and fitted estimators to ONNX.

:func:`to_onnx` translates a :class:`~mlplab.network.Sequential` into an
``onnx.ModelProto`` that computes the network's inference output
(:meth:`~mlplab.network.Sequential.predict`); :func:`export_onnx` writes a network or a
fitted estimator to a file. Run the file with onnxruntime::

    import onnxruntime as ort
    session = ort.InferenceSession("model.onnx")
    proba, = session.run(["output"], {"X": X.astype(np.float32)})

Every layer and every activation of the catalog is translated with standard ONNX
operators (default opset 17). Activations are composed from primitives in the same
order of operations as mlplab's NumPy code (the overflow-free sigmoid and softplus,
``expm1``/``log1p`` through Kahan's and Goldberg's accurate forms, series near 0...), so
exported models agree with mlplab to float rounding. Dropout is omitted (identity at
inference), batch normalization uses the running statistics, and rrelu uses its mean
slope, as in inference mode. An activation without a translation (a user-defined
subclass) raises ``ValueError`` naming it.

Dtypes: the graph computes in the network's dtype unless ``dtype`` says otherwise
(parameters are then cast). :func:`export_onnx` exports estimators in float32, the dtype
ONNX runtimes support best; pass ``dtype=np.float64`` to keep double precision. Float64
graphs are valid ONNX, but onnxruntime's CPU provider has no double kernel for ``Erf``
and ``Atan``, so float64 graphs with ``gelu`` (exact form) or ``arctan`` do not run there.

Known differences: row-wise activations (softmax, log_softmax, softmin, sparsemax) do not
reproduce mlplab's limits for rows containing ±inf; NaN inputs may propagate differently.

onnx (and onnxruntime to run the models) are an optional extra:
``pip install "mlplab[onnx]"``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import activations as _act
from .activations import _elementwise as _ew
from .activations import _elementwise_modern as _modern
from .estimators import BernoulliRBM
from .layers import Activation, BatchNorm, Dense, Dropout, Layer, Maxout, PReLU
from .network import Sequential

__all__ = ["UnsupportedActivationError", "export_onnx", "supported_activations", "to_onnx"]

#: Opset used unless told otherwise: supported by onnxruntime >= 1.13.
DEFAULT_OPSET = 17
_MIN_OPSET = 13  # Softmax/LogSoftmax over the last axis only, ReduceSum axes as input


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'exporting to ONNX needs the optional onnx extra: pip install "mlplab[onnx]"'
        ) from exc
    return onnx


class UnsupportedActivationError(ValueError):
    """Raised when a network holds activations that have no ONNX translation."""


# -- graph builder -------------------------------------------------------------------------
class _Graph:
    """Accumulates nodes and initializers; every helper returns the output's name."""

    def __init__(self, onnx: Any, dtype: np.dtype, opset: int) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = dtype
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0
        self._consts: dict[tuple[Any, ...], str] = {}

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def const(self, value: Any, dtype: Any = None) -> str:
        """An initializer holding `value` (in the graph's dtype unless `dtype` is given)."""
        arr = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if arr.size <= 8 and key in self._consts:  # share small constants (0, 1, 6...)
            return self._consts[key]
        name = self._name("c")
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name))
        if arr.size <= 8:
            self._consts[key] = name
        return name

    def op(self, op_type: str, *inputs: str, n_outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (a list when `n_outputs` > 1)."""
        outputs = [self._name(op_type.lower()) for _ in range(n_outputs)]
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outputs, **attrs))
        return outputs[0] if n_outputs == 1 else outputs

    # -- small conveniences: `b` may be a tensor name or a Python number --------------------
    def _operand(self, b: str | float) -> str:
        return b if isinstance(b, str) else self.const(b)

    def add(self, a: str, b: str | float) -> str:
        return self.op("Add", a, self._operand(b))

    def sub(self, a: str | float, b: str | float) -> str:
        return self.op("Sub", self._operand(a), self._operand(b))

    def mul(self, a: str, b: str | float) -> str:
        return self.op("Mul", a, self._operand(b))

    def div(self, a: str | float, b: str | float) -> str:
        return self.op("Div", self._operand(a), self._operand(b))

    def where(self, cond: str, a: str | float, b: str | float) -> str:
        return self.op("Where", cond, self._operand(a), self._operand(b))

    def gt(self, a: str, b: str | float) -> str:
        return self.op("Greater", a, self._operand(b))

    def eq(self, a: str, b: str | float) -> str:
        return self.op("Equal", a, self._operand(b))

    def clip(self, x: str, lo: float, hi: float) -> str:
        return self.op("Clip", x, self.const(lo), self.const(hi))

    def cast(self, x: str, dtype: Any) -> str:
        to = self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return self.op("Cast", x, to=to)

    def reduce(self, op_type: str, x: str, axis: int, keepdims: int = 1) -> str:
        """ReduceMax/ReduceSum over one axis (axes became an input in opsets 13/18)."""
        axes_as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if axes_as_input:
            return self.op(op_type, x, self.const([axis], np.int64), keepdims=keepdims)
        return self.op(op_type, x, axes=[axis], keepdims=keepdims)


# -- numerical building blocks (mirror mlplab.activations' NumPy code) ---------------------
def _mul_decay(g: _Graph, x: str, s: str) -> str:
    """``x * s``, and 0 where ``s == 0`` (so ±inf * 0 gives 0, as mlplab)."""
    return g.where(g.eq(s, 0.0), 0.0, g.mul(x, s))


def _sigmoid(g: _Graph, x: str) -> str:
    """Overflow-free logistic: z = exp(-|x|); 1/(1+z) for x >= 0, z/(1+z) otherwise."""
    z = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    d = g.add(z, 1.0)
    return g.where(g.op("GreaterOrEqual", x, g.const(0.0)), g.div(1.0, d), g.div(z, d))


def _expm1(g: _Graph, x: str) -> str:
    """``exp(x) - 1`` without cancellation near 0 (Kahan: (u - 1) x / log u, u = e^x)."""
    u = g.op("Exp", x)
    um1 = g.sub(u, 1.0)
    accurate = g.div(g.mul(um1, x), g.op("Log", u))
    return g.where(g.eq(u, 1.0), x, g.where(g.eq(um1, -1.0), -1.0, accurate))


def _log1p(g: _Graph, y: str) -> str:
    """``log(1 + y)`` for y >= 0 without losing small y (Goldberg: y log u / (u - 1))."""
    u = g.add(y, 1.0)
    accurate = g.mul(g.op("Log", u), g.div(y, g.sub(u, 1.0)))
    return g.where(g.eq(u, 1.0), y, accurate)


def _softplus(g: _Graph, x: str) -> str:
    """Overflow-free ``log(1 + e^x) = log1p(e^{-|x|}) + max(x, 0)``."""
    e = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    return g.add(_log1p(g, e), g.op("Relu", x))


def _hypot(g: _Graph, x: str, c: float) -> str:
    """``sqrt(x^2 + c^2)`` for a constant c >= 0, scaled so that x^2 cannot overflow."""
    a = g.op("Abs", x)
    m = g.op("Max", a, g.const(c))
    safe_m = g.where(g.eq(m, 0.0), 1.0, m)
    ra, rc = g.div(a, safe_m), g.div(c, safe_m)
    r = g.mul(g.op("Sqrt", g.add(g.mul(ra, ra), g.mul(rc, rc))), m)
    return r


def _not_finite(g: _Graph, x: str) -> str:
    return g.op("Or", g.op("IsInf", x), g.op("IsNaN", x))


def _elu(g: _Graph, x: str, alpha: float) -> str:
    neg = g.mul(_expm1(g, g.op("Min", x, g.const(0.0))), alpha)
    return g.where(g.gt(x, 0.0), x, neg)


def _sloped(g: _Graph, x: str, slope: float) -> str:
    """``max(x, 0) + slope * min(x, 0)`` (mlplab's leaky form)."""
    pos = g.op("Relu", x)
    if slope == 0:
        return pos
    return g.add(pos, g.mul(g.op("Min", x, g.const(0.0)), slope))


# -- activation translations ---------------------------------------------------------------
# Each takes (graph, input name, activation, width) and returns the output name.
_Converter = Callable[[_Graph, str, Any, int], str]
# (graph, output, width) -> (new output, new width, extra outputs (name, elem type, shape))
_Head = Callable[[_Graph, str, int], tuple[str, int, list[tuple[str, Any, list[Any]]]]]


def _tanhshrink(g: _Graph, x: str, fn: Any, width: int) -> str:
    cutoff = _ew._TANHSHRINK_SERIES_CUTOFF[np.dtype(g.dtype)]
    small = g.op("Less", g.op("Abs", x), g.const(cutoff))
    xs = g.where(small, x, 0.0)
    x2 = g.mul(xs, xs)
    coeffs = _ew._TANHSHRINK_SERIES
    series = g.const(coeffs[-1])
    for c in reversed(coeffs[:-1]):  # Horner in x^2, as mlplab
        series = g.add(g.mul(series, x2), c)
    series = g.mul(series, g.mul(xs, x2))
    return g.where(small, series, g.sub(x, g.op("Tanh", x)))


def _softplus_act(g: _Graph, x: str, fn: Any, width: int) -> str:
    bx = g.mul(x, fn.beta)
    return g.where(g.gt(bx, fn.threshold), x, g.div(_softplus(g, bx), fn.beta))


def _gelu(g: _Graph, x: str, fn: Any, width: int) -> str:
    if fn.approximate == "tanh":
        xc = g.clip(x, -_ew._SQUARE_CLIP, _ew._SQUARE_CLIP)
        x2 = g.mul(xc, xc)
        two_u = g.mul(
            g.mul(xc, 2 * _modern._SQRT_2_OVER_PI), g.add(g.mul(x2, _modern._GELU_TANH_COEF), 1.0)
        )
        return _mul_decay(g, x, _sigmoid(g, two_u))
    # Φ(x) = (1 + erf(x/√2)) / 2 (ONNX has no erfc: absolute error ~eps in the left tail)
    cdf = g.mul(g.add(g.op("Erf", g.mul(x, _modern._INV_SQRT2)), 1.0), 0.5)
    return _mul_decay(g, x, cdf)


def _squareplus(g: _Graph, x: str, fn: Any, width: int) -> str:
    r = _hypot(g, x, math.sqrt(fn.b))
    pos = g.op("GreaterOrEqual", x, g.const(0.0))
    denom = g.mul(g.sub(r, g.op("Min", x, g.const(0.0))), 2.0)
    neg = g.where(pos, 0.0, g.div(fn.b, denom))
    return g.where(pos, g.div(g.add(g.op("Relu", x), r), 2.0), neg)


def _sinc(g: _Graph, x: str, fn: Any, width: int) -> str:
    bad = _not_finite(g, x)
    xs = g.where(bad, 0.0, x)
    nonzero = g.op("Not", g.eq(xs, 0.0))
    out = g.where(nonzero, g.div(g.op("Sin", xs), xs), 1.0)
    return g.where(bad, 0.0, out)


def _bent_identity(g: _Graph, x: str, fn: Any, width: int) -> str:
    bad = _not_finite(g, x)
    xf = g.where(bad, 0.0, x)
    h = _hypot(g, xf, 1.0)
    value = g.add(g.div(g.mul(xf, g.div(xf, g.add(h, 1.0))), 2.0), xf)
    return g.where(bad, x, value)


def _softsign(g: _Graph, x: str, fn: Any, width: int) -> str:
    value = g.div(x, g.add(g.op("Abs", x), 1.0))
    return g.where(g.op("IsInf", x), g.op("Sign", x), value)


def _sparsemax(g: _Graph, x: str, fn: Any, width: int) -> str:
    # sort each row decreasingly, find the support size k(z) and the threshold tau
    z, _ = g.op("TopK", x, g.const([width], np.int64), n_outputs=2, axis=-1, largest=1, sorted=1)
    cumsum = g.op("CumSum", z, g.const(-1, np.int64))
    k = g.const(np.arange(1, width + 1))
    in_support = g.gt(g.add(g.mul(z, k), 1.0), cumsum)  # 1 + k z_k > z_1 + ... + z_k
    size = g.reduce("ReduceSum", g.cast(in_support, np.int64), axis=-1)
    top = g.op("GatherElements", cumsum, g.sub(size, g.const(1, np.int64)), axis=-1)
    tau = g.div(g.sub(top, 1.0), g.cast(size, g.dtype))
    return g.op("Relu", g.sub(x, tau))


def _shrink(soft: bool) -> _Converter:
    def convert(g: _Graph, x: str, fn: Any, width: int) -> str:
        lam = fn.lambd
        if not soft:
            return g.where(g.gt(g.op("Abs", x), lam), x, 0.0)
        inner = g.where(g.op("Less", x, g.const(-lam)), g.add(x, lam), 0.0)
        return g.where(g.gt(x, lam), g.sub(x, lam), inner)

    return convert


_CONVERTERS: dict[type, _Converter] = {
    _act.Identity: lambda g, x, fn, w: g.op("Identity", x),
    _act.Step: lambda g, x, fn, w: g.cast(g.gt(x, 0.0), g.dtype),
    _act.Sigmoid: lambda g, x, fn, w: _sigmoid(g, x),
    _act.HardSigmoid: lambda g, x, fn, w: g.div(g.clip(g.add(x, 3.0), 0.0, 6.0), 6.0),
    _act.LogSigmoid: lambda g, x, fn, w: g.op("Neg", _softplus(g, g.op("Neg", x))),
    _act.Tanh: lambda g, x, fn, w: g.op("Tanh", x),
    _act.HardTanh: lambda g, x, fn, w: g.clip(x, fn.min_val, fn.max_val),
    _act.Tanhshrink: _tanhshrink,
    _act.Softsign: _softsign,
    _act.Arctan: lambda g, x, fn, w: g.op("Atan", x),
    _act.ReLU: lambda g, x, fn, w: g.op("Relu", x),
    _act.ReLU6: lambda g, x, fn, w: g.clip(x, 0.0, 6.0),
    _act.LeakyReLU: lambda g, x, fn, w: _sloped(g, x, fn.slope),
    _act.FixedPReLU: lambda g, x, fn, w: _sloped(g, x, fn.slope),
    # at inference rrelu is a leaky ReLU with the mean slope (lower + upper) / 2
    _act.RReLU: lambda g, x, fn, w: _sloped(g, x, fn.slope),
    _act.Threshold: lambda g, x, fn, w: g.where(g.gt(x, fn.threshold), x, fn.value),
    _act.Softplus: _softplus_act,
    _act.ELU: lambda g, x, fn, w: _elu(g, x, fn.alpha),
    _act.SELU: lambda g, x, fn, w: g.mul(_elu(g, x, fn.alpha), fn.scale),
    _act.CELU: lambda g, x, fn, w: g.where(
        g.gt(x, 0.0), x, g.mul(_expm1(g, g.div(g.op("Min", x, g.const(0.0)), fn.alpha)), fn.alpha)
    ),
    _act.GELU: _gelu,
    _act.Swish: lambda g, x, fn, w: _mul_decay(g, x, _sigmoid(g, g.mul(x, fn.beta))),
    _act.SiLU: lambda g, x, fn, w: _mul_decay(g, x, _sigmoid(g, x)),
    _act.HardSwish: lambda g, x, fn, w: _mul_decay(
        g, x, g.div(g.clip(g.add(x, 3.0), 0.0, 6.0), 6.0)
    ),
    _act.Mish: lambda g, x, fn, w: _mul_decay(g, x, g.op("Tanh", _softplus(g, x))),
    _act.Squareplus: _squareplus,
    _act.Exponential: lambda g, x, fn, w: g.op("Exp", x),
    _act.Gaussian: lambda g, x, fn, w: g.op(
        "Exp",
        g.op(
            "Neg",
            g.mul(
                g.clip(x, -_ew._SQUARE_CLIP, _ew._SQUARE_CLIP),
                g.clip(x, -_ew._SQUARE_CLIP, _ew._SQUARE_CLIP),
            ),
        ),
    ),
    _act.Sinusoid: lambda g, x, fn, w: g.op("Sin", x),
    _act.Sinc: _sinc,
    _act.BentIdentity: _bent_identity,
    _act.Softshrink: _shrink(soft=True),
    _act.Hardshrink: _shrink(soft=False),
    _act.Softmax: lambda g, x, fn, w: g.op("Softmax", x, axis=-1),
    _act.LogSoftmax: lambda g, x, fn, w: g.op("LogSoftmax", x, axis=-1),
    _act.Softmin: lambda g, x, fn, w: g.op("Softmax", g.op("Neg", x), axis=-1),
    _act.Sparsemax: _sparsemax,
}


def supported_activations() -> list[str]:
    """Registry names of the activations that :func:`to_onnx` can translate (sorted)."""
    return sorted(cls.name for cls in _CONVERTERS)


# -- layers --------------------------------------------------------------------------------
def _describe(fn: Any) -> str:
    cls = type(fn)
    return f"{fn.name!r} ({cls.__module__}.{cls.__qualname__})" if fn.name else repr(fn)


def _unsupported(network: Sequential) -> list[str]:
    """Every activation of the network that has no translation, described."""
    # exact classes only: a user's subclass may change the function, so it is refused
    return [
        _describe(layer.function)
        for layer in network.layers
        if isinstance(layer, Activation) and type(layer.function) not in _CONVERTERS
    ]


def _convert_layer(g: _Graph, layer: Layer, x: str, width: int, index: int) -> tuple[str, int]:
    """Append the nodes of one layer; return its output name and width."""
    dtype = g.dtype
    if type(layer) is Dense:
        W, b = (p.astype(dtype) for p in layer.params)
        return g.add(g.op("MatMul", x, g.const(W)), g.const(b)), layer.units
    if type(layer) is Activation:
        return _CONVERTERS[type(layer.function)](g, x, layer.function, width), width
    if type(layer) is PReLU:
        return g.op("PRelu", x, g.const(layer.params[0].astype(dtype))), width
    if type(layer) is Maxout:
        W, b = (p.astype(dtype) for p in layer.params)
        z = g.add(g.op("MatMul", x, g.const(W)), g.const(b))
        z = g.op("Reshape", z, g.const([-1, layer.units, layer.pieces], np.int64))
        return g.reduce("ReduceMax", z, axis=2, keepdims=0), layer.units
    if type(layer) is BatchNorm:
        gamma, beta = layer.params
        # the same expression as BatchNorm.forward in inference mode, folded in the
        # network's own dtype, then cast
        scale = gamma / np.sqrt(layer.running_var + layer.eps)
        centred = g.sub(x, g.const(layer.running_mean.astype(dtype)))
        return g.add(
            g.mul(centred, g.const(scale.astype(dtype))), g.const(beta.astype(dtype))
        ), width
    if type(layer) in (Dropout, Layer):
        return x, width  # identity at inference
    raise ValueError(
        f"layer {index} ({type(layer).__name__}) has no ONNX translation; supported layers: "
        "Dense, Activation, PReLU, Maxout, BatchNorm, Dropout"
    )


def _check_opset(onnx: Any, opset: int) -> int:
    latest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise TypeError(f"opset must be an int, got {type(opset).__name__}")
    if not _MIN_OPSET <= opset <= latest:
        raise ValueError(f"opset must be in [{_MIN_OPSET}, {latest}], got {opset}")
    return int(opset)


def _check_dtype(dtype: Any, network: Sequential) -> np.dtype:
    dt = network.dtype if dtype is None else np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _build(
    network: Sequential,
    *,
    opset: int,
    input_name: str,
    output_name: str,
    dtype: Any,
    graph_name: str,
    head: _Head | None = None,
) -> Any:
    """Graph of `network`; `head` may rewrite its output and add outputs (classifiers)."""
    onnx = _import_onnx()
    if not isinstance(network, Sequential):
        raise TypeError(f"network must be a Sequential, got {type(network).__name__}")
    if network.n_inputs is None:
        raise ValueError("the network is not built: call build(n_inputs) first")
    opset = _check_opset(onnx, opset)
    dt = _check_dtype(dtype, network)
    if input_name == output_name:
        raise ValueError(f"input_name and output_name must differ, both are {input_name!r}")
    missing = _unsupported(network)
    if missing:
        raise UnsupportedActivationError(
            f"cannot export to ONNX: no ONNX translation for activation(s) "
            f"{', '.join(missing)}. Supported: {', '.join(supported_activations())}"
        )

    g = _Graph(onnx, dt, opset)
    x, width = input_name, network.n_inputs
    for i, layer in enumerate(network.layers):
        x, width = _convert_layer(g, layer, x, width, i)
    extra: list[tuple[str, Any, list[Any]]] = []
    if head is not None:
        x, width, extra = head(g, x, width)
    elem = onnx.helper.np_dtype_to_tensor_dtype(dt)
    # name the final tensor `output_name` (an Identity keeps every node's output unique)
    g.nodes.append(onnx.helper.make_node("Identity", [x], [output_name]))
    outputs = [onnx.helper.make_tensor_value_info(output_name, elem, ["N", width])]
    outputs += [onnx.helper.make_tensor_value_info(name, t, shape) for name, t, shape in extra]
    inputs = [onnx.helper.make_tensor_value_info(input_name, elem, ["N", network.n_inputs])]
    return _model(onnx, g, graph_name, inputs, outputs, opset)


def _model(onnx: Any, g: _Graph, name: str, inputs: list, outputs: list, opset: int) -> Any:
    """The checked ONNX model of graph `g`'s nodes, produced by this mlplab version."""
    from ._version import __version__

    graph = onnx.helper.make_graph(g.nodes, name, inputs, outputs, g.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    model = onnx.helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="mlplab",
        producer_version=__version__,
        ir_version=onnx.helper.find_min_ir_version_for(opsets),
    )
    onnx.checker.check_model(model)
    return model


def to_onnx(
    network: Sequential,
    *,
    opset: int = DEFAULT_OPSET,
    input_name: str = "X",
    output_name: str = "output",
    dtype: Any = None,
) -> Any:
    """Translate a built network into an ONNX model of its inference output.

    Parameters
    ----------
    network : Sequential
        A built network. Its layers may be Dense, Activation (any activation of the
        catalog), PReLU, Maxout, BatchNorm (running statistics) and Dropout (omitted).
    opset : int, default 17
        ONNX opset of the default domain, from 13 to the installed onnx's latest.
    input_name, output_name : str
        Names of the graph's input, shape ``(N, n_inputs)``, and output, shape
        ``(N, n_outputs)``; N is dynamic.
    dtype : {None, float32, float64}
        Dtype of the graph's input, parameters and computation; None keeps the
        network's. Casting a float64 network to float32 rounds its parameters.

    Returns
    -------
    onnx.ModelProto
        A checked model (``onnx.checker.check_model``).

    Raises
    ------
    UnsupportedActivationError
        (a ValueError) when an activation has no translation; the message names every
        such activation. Only the catalog's own classes are translated: a subclass
        may change the function, so it is refused.
    ValueError
        For a layer type without translation, an unbuilt network, an opset out of
        range or a dtype other than float32/float64.
    ImportError
        When onnx is not installed (``pip install "mlplab[onnx]"``).
    """
    return _build(
        network,
        opset=opset,
        input_name=input_name,
        output_name=output_name,
        dtype=dtype,
        graph_name="mlplab_sequential",
    )


# -- estimators and files ------------------------------------------------------------------
def _classes_tensor(classes: np.ndarray) -> np.ndarray:
    """`classes_` as an array ONNX can hold (int64, float, bool or str)."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        return classes.astype(np.int64)
    if classes.dtype.kind in "fb":
        return classes
    if classes.dtype.kind in "UO":
        if not all(isinstance(c, str) for c in classes.tolist()):
            raise ValueError("classes_ of mixed or non-string objects cannot be exported")
        return classes.astype(object)
    raise ValueError(f"classes_ of dtype {classes.dtype} cannot be exported to ONNX")


def _estimator_network(estimator: Any) -> Sequential:
    network = getattr(estimator, "network_", None)
    if network is None:
        raise ValueError(
            f"{type(estimator).__name__} is not fitted (it has no network_): call fit first"
        )
    if not isinstance(network, Sequential):
        raise TypeError(f"network_ must be a Sequential, got {type(network).__name__}")
    return network


def _classifier_head(classes: Any, network: Sequential, label_name: str, onnx: Any) -> _Head:
    """Probabilities and labels as the estimator's predict_proba and predict give them.

    - one output unit and two classes (binary, sigmoid output): the probabilities are
      ``[1 - p, p]`` and the label is ``classes_[p > 0.5]``;
    - several sigmoid units (multilabel): the probabilities are the network's output
      and the label is the indicator matrix ``p > 0.5`` (int64);
    - otherwise (softmax): the label is ``classes_[argmax(p)]`` (first maximum on ties).
    """
    n_out = network.n_outputs
    last = network.layers[-1]
    sigmoid_out = isinstance(last, Activation) and type(last.function) is _act.Sigmoid
    multilabel = sigmoid_out and n_out > 1
    labels = None if multilabel else _classes_tensor(classes)
    if labels is not None:
        expected = 2 if n_out == 1 else n_out
        if labels.ndim != 1 or len(labels) != expected:
            raise ValueError(
                f"classes_ must be 1-D with {expected} classes for a network with {n_out} "
                f"output(s), got shape {labels.shape}"
            )

    def head(g: _Graph, p: str, width: int) -> tuple[str, int, list[tuple[str, Any, list[Any]]]]:
        if multilabel:
            label = g.cast(g.gt(p, 0.5), np.int64)
            g.nodes.append(onnx.helper.make_node("Identity", [label], [label_name]))
            return p, width, [(label_name, onnx.TensorProto.INT64, ["N", width])]
        if n_out == 1:
            index = g.op("Squeeze", g.cast(g.gt(p, 0.5), np.int64), g.const([1], np.int64))
            p, width = g.op("Concat", g.sub(1.0, p), p, axis=1), 2
        else:
            index = g.op("ArgMax", p, axis=1, keepdims=0)
        if labels.dtype == object:
            table = g._name("classes")
            tensor = onnx.helper.make_tensor(
                table, onnx.TensorProto.STRING, [len(labels)], [c.encode() for c in labels]
            )
            g.initializers.append(tensor)
            elem = onnx.TensorProto.STRING
        else:
            table = g.const(labels, labels.dtype)
            elem = onnx.helper.np_dtype_to_tensor_dtype(labels.dtype)
        g.nodes.append(onnx.helper.make_node("Gather", [table, index], [label_name], axis=0))
        return p, width, [(label_name, elem, ["N"])]

    return head


def _rbm_transform(
    rbm: BernoulliRBM, *, opset: int, input_name: str, output_name: str, dtype: Any
) -> Any:
    """Graph of ``BernoulliRBM.transform``: ``sigmoid(X @ components_.T + intercept_hidden_)``."""
    onnx = _import_onnx()
    if not hasattr(rbm, "components_"):
        raise ValueError("BernoulliRBM is not fitted (it has no components_): call fit first")
    opset = _check_opset(onnx, opset)
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    if input_name == output_name:
        raise ValueError(f"input_name and output_name must differ, both are {input_name!r}")
    n_components, n_features = rbm.components_.shape
    g = _Graph(onnx, dt, opset)
    weights = g.const(np.ascontiguousarray(rbm.components_.T))
    z = g.add(g.op("MatMul", input_name, weights), g.const(rbm.intercept_hidden_))
    g.nodes.append(onnx.helper.make_node("Identity", [_sigmoid(g, z)], [output_name]))
    elem = onnx.helper.np_dtype_to_tensor_dtype(dt)
    inputs = [onnx.helper.make_tensor_value_info(input_name, elem, ["N", n_features])]
    outputs = [onnx.helper.make_tensor_value_info(output_name, elem, ["N", n_components])]
    return _model(onnx, g, "mlplab_BernoulliRBM", inputs, outputs, opset)


def export_onnx(
    model: Any,
    path: str | os.PathLike[str],
    *,
    opset: int = DEFAULT_OPSET,
    input_name: str = "X",
    output_name: str = "output",
    label_name: str = "label",
    dtype: Any = None,
) -> Path:
    """Write a network or a fitted estimator to an ONNX file.

    Parameters
    ----------
    model : Sequential or fitted estimator
        A built :class:`~mlplab.network.Sequential`, or a fitted estimator: any object
        with a ``network_`` attribute holding its Sequential (``MLPClassifier``,
        ``MLPRegressor``). An estimator with ``classes_`` is a classifier. A fitted
        :class:`~mlplab.BernoulliRBM` exports its ``transform``: input (N, n_features),
        output the hidden probabilities (N, n_components).
    path : str or path-like
        Destination file, written atomically (a temporary file in the same folder,
        then ``os.replace``): readers never see a partial model.
    opset, input_name, output_name
        As for :func:`to_onnx`.
    label_name : str, default "label"
        Classifiers only: name of a second output, the predicted labels as ``predict``
        gives them: ``classes_[argmax(probabilities)]`` of shape (N,) (int64 for integer
        classes, string for string classes; the first maximum wins ties),
        ``classes_[p > 0.5]`` for a binary network with one sigmoid output, and the
        int64 indicator matrix ``p > 0.5`` of shape (N, n_labels) for multilabel
        networks (several sigmoid outputs).
    dtype : {None, float32, float64}
        Graph dtype. None means the network's dtype for a Sequential and **float32**
        for an estimator (parameters are cast; feed ``X.astype(np.float32)``).

    Returns
    -------
    pathlib.Path
        The written file.

    Notes
    -----
    The graph's main output is the network's output: class probabilities (one column
    per class of ``classes_``, as ``predict_proba``; a binary network's single sigmoid
    unit p becomes the two columns ``[1 - p, p]``) for classifiers, and predictions of
    shape (N, n_outputs) for regressors (also for one target, where ``predict`` returns
    shape (N,)). Input preprocessing done outside the network is not part of the graph.
    """
    onnx = _import_onnx()
    head = None
    if isinstance(model, BernoulliRBM):  # no Sequential inside: a graph of its own
        proto = _rbm_transform(
            model, opset=opset, input_name=input_name, output_name=output_name, dtype=dtype
        )
        return _write_model(proto, path)
    if isinstance(model, Sequential):
        network, graph_name = model, "mlplab_sequential"
    else:
        network = _estimator_network(model)
        graph_name = f"mlplab_{type(model).__name__}"
        dtype = np.float32 if dtype is None else dtype
        classes = getattr(model, "classes_", None)
        if classes is not None:
            if label_name in (input_name, output_name):
                raise ValueError(f"label_name {label_name!r} clashes with another name")
            head = _classifier_head(classes, network, label_name, onnx)
    proto = _build(
        network,
        opset=opset,
        input_name=input_name,
        output_name=output_name,
        dtype=dtype,
        graph_name=graph_name,
        head=head,
    )
    return _write_model(proto, path)


def _write_model(proto: Any, path: str | os.PathLike[str]) -> Path:
    """Write `proto` to `path` atomically (a temporary file, then ``os.replace``)."""
    from .io import atomic_write

    path = Path(path)
    data = proto.SerializeToString()
    with atomic_write(path) as fh:
        fh.write(data)
    return path
