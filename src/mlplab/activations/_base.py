"""Base class, metadata and registry of the activation catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mlplab._registry import EqualByConfig, Registry
from mlplab._validation import check_float_array


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


class Activation(EqualByConfig):
    """An activation function with its exact derivative.

    Subclasses implement :meth:`_forward` and :meth:`_derivative` on a float array
    (and :meth:`vjp` when the function is not elementwise). Calling the object,
    :meth:`derivative` and :meth:`vjp` check the input and keep its dtype: float32
    in gives float32 out.

    A subclass that sets ``name`` (and optionally ``aliases``) registers under it, so
    :func:`mlplab.activations.get` finds it; a catalog class takes its ``info`` from the
    catalog's facts table (``mlplab.activations._facts.FACTS``), by that name.

    Class attributes
    ----------------
    info : ActivationInfo
        Its facts: formula, range, shape properties, recommended initializer.
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

    info: ClassVar[ActivationInfo]
    elementwise: ClassVar[bool] = True
    output_derivative: ClassVar[bool] = False
    stochastic: ClassVar[bool] = False
    kinks: tuple[float, ...] = ()

    # -- public API -------------------------------------------------------------
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Value of the function, elementwise (or row-wise), same shape and dtype as `x`."""
        return self._forward(check_float_array(x, "x"))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """Exact derivative with respect to the input `x`, same shape and dtype.

        For row-wise functions (softmax...) this is the diagonal of the Jacobian;
        use :meth:`vjp` to backpropagate through them.
        """
        return self._derivative(check_float_array(x, "x"))

    def derivative_from_output(self, y: np.ndarray) -> np.ndarray:
        """Derivative computed from the output ``y = f(x)``; only where exact."""
        if not self.output_derivative:
            raise NotImplementedError(
                f"{self.name}'s derivative is not a function of its output; use derivative(x)"
            )
        return self._derivative_from_output(check_float_array(y, "y"))

    def vjp(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Vector-Jacobian product ``grad @ J(x)`` (row by row), shape of `x`."""
        x = check_float_array(x, "x")
        grad = check_float_array(grad, "grad")
        if grad.shape != x.shape:
            raise ValueError(f"grad must have the shape of x {x.shape}, got {grad.shape}")
        return self._vjp(x, grad)

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

    def _kernel(self) -> tuple[str, tuple[float, ...]] | None:
        """The compiled family that runs this function on the fast path, or None.

        A family of :mod:`mlplab._kernels._activations` and its parameters: a Dense
        layer followed by this activation then runs its bias add and the activation in
        one kernel, and the backward pass with the bias gradient in another, with the
        bits of the NumPy methods here. Only a class that defines this itself gets a
        kernel: a subclass that computes differently keeps the NumPy path.
        """
        return None

    # -- to implement -------------------------------------------------------------
    def _forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative_from_output(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _vjp(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return grad * self._derivative(x)


# Filled by each subclass that names itself, as it is defined (Activation.__init_subclass__).
REGISTRY: Registry[Activation] = Registry("activation", Activation, default="identity")
Activation._registry = REGISTRY


def names(*, include_aliases: bool = False) -> list[str]:
    """Names of the registered activations, sorted, as :func:`get` accepts them.

    With ``include_aliases=True`` the aliases (``"linear"``, ``"logistic"``...) are listed
    too; see :meth:`mlplab._registry.Registry.names`.
    """
    return REGISTRY.names(include_aliases=include_aliases)


def get(activation: str | Activation | type[Activation] | None = None, **params: Any) -> Activation:
    """An :class:`Activation` by name, from a subclass, or the instance given.

    Parameters
    ----------
    activation : str, Activation, Activation subclass or None, default None
        A name from :func:`names` or an alias (``"logistic"`` is sigmoid), an instance,
        a subclass, or None for the identity.
    **params
        The activation's parameters, e.g. ``get("leaky_relu", negative_slope=0.2)``.

    Returns
    -------
    Activation
        Called on an array, the function's value; ``.derivative(x)`` and ``.vjp(x, g)``
        backpropagate through it, and ``.info`` holds its facts.

    See Also
    --------
    mlplab._registry.Registry.get : What every catalog's ``get()`` accepts, and the
        ValueError (unknown name, with the closest one) and TypeError it raises.
    """
    return REGISTRY.get(activation, **params)
