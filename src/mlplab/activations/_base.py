"""Base class, metadata and registry of the activation catalog."""

from __future__ import annotations

import difflib
import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


@dataclass(frozen=True)
class ActivationInfo:
    """Facts about an activation that plots, docs and the command line show.

    Attributes
    ----------
    formula : str
        The function in LaTeX, e.g. ``r"\\max(0, x)"``.
    output_range : str
        The range of values, e.g. ``"[0, inf)"``.
    zero_centred : bool
        Whether outputs are centred on zero (odd-like around the origin).
    monotonic : bool
        Whether the function is non-decreasing everywhere.
    smooth : bool
        Whether the function is continuously differentiable everywhere.
    saturates : str
        Which side's derivative tends to zero: ``"none"``, ``"left"``, ``"right"``
        or ``"both"``.
    bounded : bool
        Whether the output is bounded on both sides.
    initializer : str
        The weight initializer this activation recommends: ``"he"``, ``"glorot"``
        or ``"lecun"``.
    reference : str
        Where the function comes from, e.g. ``"Clevert et al. 2015"``.
    """

    formula: str
    output_range: str
    zero_centred: bool
    monotonic: bool
    smooth: bool
    saturates: str
    bounded: bool
    initializer: str
    reference: str

    def __post_init__(self) -> None:
        if self.saturates not in {"none", "left", "right", "both"}:
            raise ValueError(f"saturates must be none/left/right/both, got {self.saturates!r}")
        if self.initializer not in {"he", "glorot", "lecun"}:
            raise ValueError(f"initializer must be he/glorot/lecun, got {self.initializer!r}")


_REGISTRY: dict[str, type[Activation]] = {}
_ALIASES: dict[str, str] = {}


class Activation:
    """An activation function with its exact derivative.

    Subclasses implement :meth:`_forward` and :meth:`_derivative` on a float array
    (and :meth:`vjp` when the function is not elementwise). Calling the object,
    :meth:`derivative` and :meth:`vjp` check the input and keep its dtype: float32
    in gives float32 out.

    Class attributes
    ----------------
    name : str
        Canonical registry name.
    aliases : tuple of str
        Other names that :func:`mlplab.activations.get` accepts.
    info : ActivationInfo
        Metadata.
    elementwise : bool
        False for functions of a whole row (softmax, sparsemax...).
    output_derivative : bool
        True when the derivative is an exact function of the output alone
        (sigmoid, tanh, relu...), so backpropagation need not keep the input.
    stochastic : bool
        True when the function draws random numbers while training (rrelu).
    kinks : tuple of float
        Points where the function is not differentiable (or jumps); the derivative
        there follows PyTorch's convention, given in each class docstring. The
        class attribute holds the kinks of the default parameters; an instance
        whose parameters move them (shrink's ``lambd``...) sets its own.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    info: ClassVar[ActivationInfo]
    elementwise: ClassVar[bool] = True
    output_derivative: ClassVar[bool] = False
    stochastic: ClassVar[bool] = False
    kinks: tuple[float, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only classes that name themselves register: a user's subclass of ReLU that
        # merely tweaks it inherits the name and must not clash with ReLU.
        if not cls.__dict__.get("name"):
            return
        aliases = cls.__dict__.get("aliases", ())
        for key in (cls.name, *aliases):
            if key in _REGISTRY or key in _ALIASES:
                raise RuntimeError(f"activation name {key!r} registered twice")
        _REGISTRY[cls.name] = cls
        for alias in aliases:
            _ALIASES[alias] = cls.name

    # -- public API -------------------------------------------------------------
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Value of the function, elementwise (or row-wise), same shape and dtype as `x`."""
        return self._forward(_as_float(x, "x"))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """Exact derivative with respect to the input `x`, same shape and dtype.

        For row-wise functions (softmax...) this is the diagonal of the Jacobian;
        use :meth:`vjp` to backpropagate through them.
        """
        return self._derivative(_as_float(x, "x"))

    def derivative_from_output(self, y: np.ndarray) -> np.ndarray:
        """Derivative computed from the output ``y = f(x)``; only where exact."""
        if not self.output_derivative:
            raise NotImplementedError(
                f"{self.name}'s derivative is not a function of its output; use derivative(x)"
            )
        return self._derivative_from_output(_as_float(y, "y"))

    def vjp(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Vector-Jacobian product ``grad @ J(x)`` (row by row), shape of `x`."""
        x = _as_float(x, "x")
        grad = _as_float(grad, "grad")
        if grad.shape != x.shape:
            raise ValueError(f"grad must have the shape of x {x.shape}, got {grad.shape}")
        return self._vjp(x, grad)

    def get_config(self) -> dict[str, Any]:
        """Parameters that rebuild this activation with ``get(name, **config)``."""
        return {}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))

    # -- training-time hooks used by layers --------------------------------------
    def forward_train(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Value while training; differs from ``__call__`` only for stochastic functions."""
        return self._forward(x)

    def forward_train_inplace(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """:meth:`forward_train` that may overwrite `x` with the result and return it.

        Only for a caller that owns `x` (a layer's scratch output) and will not need it
        again. Functions whose backward pass needs only the output (relu, tanh...)
        override this to save an allocation and a pass over memory; the default simply
        calls :meth:`forward_train` and leaves `x` alone, which is always correct.
        """
        return self.forward_train(x, rng)

    def vjp_train(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Backpropagate through the last :meth:`forward_train` call.

        `x` is the input and `y` the output of that call. The default uses the
        cheapest exact form; `grad` may be overwritten.
        """
        if self.output_derivative:
            grad *= self._derivative_from_output(y)
            return grad
        return self._vjp(x, grad)

    # -- to implement -------------------------------------------------------------
    def _forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative_from_output(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _vjp(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return grad * self._derivative(x)


def _as_float(x: Any, argname: str) -> np.ndarray:
    """Return `x` as a float32/float64 array without changing a float dtype.

    Integer and boolean arrays are refused rather than silently cast.
    """
    arr = np.asarray(x)
    if arr.dtype == np.float32 or arr.dtype == np.float64:
        return arr
    if arr.dtype.kind == "f":  # float16, longdouble: compute in float64
        return arr.astype(np.float64)
    raise TypeError(
        f"{argname} must be a float32 or float64 array, got dtype {arr.dtype}; "
        f"convert it explicitly, e.g. {argname}.astype(np.float64)"
    )


def check_positive(value: float, argname: str, *, allow_zero: bool = False) -> float:
    """Validate a real hyperparameter that must be positive (or non-negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argname} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{argname} must be a finite number {bound}, got {value!r}")
    return value


def check_real(value: float, argname: str) -> float:
    """Validate a finite real hyperparameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argname} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{argname} must be finite, got {value!r}")
    return value


def names(*, include_aliases: bool = False) -> list[str]:
    """Canonical names of every registered activation (sorted), optionally with aliases."""
    out = sorted(_REGISTRY)
    if include_aliases:
        out = sorted([*out, *_ALIASES])
    return out


def get(activation: str | Activation | None = None, **params: Any) -> Activation:
    """Look up an activation by name (or alias), or pass an instance through.

    Parameters
    ----------
    activation : str, Activation or None
        A registered name or alias (case-insensitive, ``-`` and ``_`` alike), an
        :class:`Activation` instance (returned as is), or None for identity.
    **params
        Parameters of the activation, e.g. ``get("leaky_relu", negative_slope=0.2)``.

    Raises
    ------
    ValueError
        For an unknown name: the message lists the valid names and the closest one.
    TypeError
        For anything that is neither a name nor an Activation.
    """
    if activation is None:
        activation = "identity"
    if isinstance(activation, Activation):
        if params:
            raise TypeError("params can only be given with an activation name, not an instance")
        return activation
    if isinstance(activation, type) and issubclass(activation, Activation):
        return activation(**params)
    if not isinstance(activation, str):
        raise TypeError(
            f"activation must be a name or an Activation instance, got {type(activation).__name__}"
        )
    key = activation.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        valid = names(include_aliases=True)
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"unknown activation {activation!r}.{hint} Valid names: {', '.join(valid)}"
        )
    cls = _REGISTRY[key]
    _check_params(cls, params)
    return cls(**params)


def _check_params(cls: type[Activation], params: dict[str, Any]) -> None:
    """Refuse unknown parameters with a message naming them and the accepted ones."""
    accepted = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    unknown = [k for k in params if k not in accepted]
    if unknown:
        valid = ", ".join(accepted) or "none"
        raise TypeError(
            f"{cls.name} got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"it accepts: {valid}"
        )
