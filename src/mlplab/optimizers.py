"""Optimizers that update a list of parameter arrays in place.

Every step-wise optimizer (:class:`Optimizer`) has the same interface::

    opt = get("adam", learning_rate=1e-3)
    opt.step(params, grads)            # params[i] -= ... in place, for every i
    opt.step(params, grads, lr=0.01)   # the trainer passes the scheduled rate

Its state (velocities, moments) is created on the first step with the shapes and dtypes
of the parameters, so float32 parameters keep float32 state and stay float32. ``opt.t``
counts the steps taken; ``state_dict()`` / ``load_state_dict()`` checkpoint it.

:class:`LBFGS` is not step-wise: it minimises a function of one flat vector with
SciPy's L-BFGS-B. It shares the registry but not the base class:
``isinstance(opt, Optimizer)`` tells the two kinds apart.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mlplab._registry import Configurable, Registry
from mlplab._validation import check_bool, check_in_range, check_int, check_positive, check_rate
from mlplab.schedules import Schedule

if TYPE_CHECKING:
    import scipy.optimize

__all__ = [
    "LBFGS",
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Nadam",
    "Optimizer",
    "RMSProp",
    "get",
    "names",
]


def _packed_base(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The 1-D array that `arrays` tile exactly, in order, as C-contiguous views; or None.

    That is the layout :class:`~mlplab.network.Sequential` gives its parameters and
    gradients: an elementwise update of the whole list is then one NumPy call on the
    flat array, with the same result entry by entry.
    """
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    address = base.__array_interface__["data"][0]
    for a in arrays:
        if (
            a.base is not base
            or a.dtype != base.dtype
            or not a.flags.c_contiguous
            or a.__array_interface__["data"][0] != address
        ):
            return None
        address += a.nbytes
    if address != base.__array_interface__["data"][0] + base.nbytes:
        return None
    return base


class Optimizer(Configurable):
    """Base class of the step-wise optimizers.

    Subclasses list their per-parameter state arrays in ``slots``, the number of
    scratch buffers they need in ``n_scratch``, and implement :meth:`_update`.

    Parameters
    ----------
    learning_rate : float or Schedule
        The rate, ``> 0``, or a :class:`~mlplab.schedules.Schedule`; then a step
        without an explicit ``lr`` uses ``learning_rate.rate(self.t)``.

    Attributes
    ----------
    t : int
        Number of steps taken.

    Class attributes
    ----------------
    name : str
        Canonical registry name.
    aliases : tuple of str
        Other names that :func:`get` accepts.
    """

    n_scratch: ClassVar[int] = 1
    # State slots that the fast path may store as the rows of one 2-D array.
    _paired_slots: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only a class that sets its own name registers: a user's subclass of SGD
        # inherits "sgd" and must not clash with it.
        if cls.__dict__.get("name"):
            REGISTRY.register(cls)

    def __init__(self, learning_rate: float | Schedule = 0.01) -> None:
        if not isinstance(learning_rate, Schedule):
            learning_rate = check_positive(learning_rate, "learning_rate")
        self.learning_rate = learning_rate
        self.reset()

    # -- public API -------------------------------------------------------------------
    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the per-parameter state arrays, e.g. ``("m", "v")`` for Adam."""
        return ()

    @property
    def current_lr(self) -> float:
        """The rate the next :meth:`step` without ``lr`` will use."""
        if isinstance(self.learning_rate, Schedule):
            return self.learning_rate.rate(self.t)
        return self.learning_rate

    def step(
        self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float | None = None
    ) -> None:
        """Update every ``params[i]`` in place from ``grads[i]``.

        Parameters
        ----------
        params : list of ndarray
            float32 or float64 arrays, modified in place (never rebound).
        grads : list of ndarray
            Gradients, one per parameter array and of its shape.
        lr : float, optional
            Rate for this step, ``>= 0``; default :attr:`current_lr`.
        """
        packed = self._packed
        if (
            packed is not None
            and len(params) == len(packed[0])
            and all(map(operator.is_, params, packed[0]))
            and all(map(operator.is_, grads, packed[1]))
        ):
            # Fast path: the very arrays of the previous step, already checked, tiling
            # one flat array each: one call per operation for all of them (see
            # _packed_base). Elementwise updates give identical results this way.
            if lr is None:
                lr = self.current_lr
            elif not (type(lr) is float and 0.0 <= lr < math.inf):
                lr = check_positive(lr, "lr", allow_zero=True)  # anything unusual: full check
            self.t += 1
            self._packed_update(packed, lr)
            return
        if len(params) != len(grads):
            raise ValueError(f"got {len(params)} parameter arrays but {len(grads)} gradients")
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape}, params[{i}] {p.shape}")
        lr = self.current_lr if lr is None else check_positive(lr, "lr", allow_zero=True)
        if self._scratch is None:
            # First step since creation, reset() or load_state_dict().
            self._check_params(params)
        if self._shapes is None:
            self._init_state(params)
        elif self._shapes != tuple(p.shape for p in params):
            raise ValueError(
                "params do not match the shapes this optimizer's state was created for "
                f"{self._shapes}; call reset() to optimise a new set of parameters"
            )
        if self._scratch is None:
            self._scratch = [[np.empty_like(p) for p in params] for _ in range(self.n_scratch)]
        self.t += 1
        self._update(params, grads, lr)
        tried = self._pack_tried
        if tried is None or not (
            len(params) == len(tried[0])
            and all(map(operator.is_, params, tried[0]))
            and all(map(operator.is_, grads, tried[1]))
        ):
            self._try_pack(params, grads)

    def _packed_update(self, packed: tuple[Any, ...], lr: float) -> None:
        """:meth:`_update` on the flat arrays of the fast path (see :meth:`_try_pack`)."""
        state, scratch = self._state, self._scratch
        self._state, self._scratch = packed[2], packed[3]
        try:
            self._update([packed[4]], [packed[5]], lr)
        finally:
            self._state, self._scratch = state, scratch

    def _try_pack(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Prepare the fast path of :meth:`step` when params and grads are packed.

        Only for the update rules of this module that treat every entry alike (not
        AdamW's per-array decay flags, nor a subclass's own rule). The state arrays
        are moved into flat arrays too, and the per-array lists become views of them,
        so :meth:`state_dict` and the per-array path see the same values.
        """
        self._packed = None
        self._pack_tried = (list(params), list(grads))  # do not retry every step
        if type(self)._update not in _PACKABLE_UPDATES:
            return
        flat_p, flat_g = _packed_base(params), _packed_base(grads)
        if flat_p is None or flat_g is None or flat_p.dtype != flat_g.dtype:
            return
        if any(a.dtype != flat_p.dtype for arrays in self._state.values() for a in arrays):
            return  # e.g. float64 state loaded for float32 parameters: keep its arithmetic
        flat_state = {}
        # Slots updated by the same operations (Adam's m and v) become the two rows of
        # one array, so that each such operation is one NumPy call for both. That only
        # pays for small networks, where a step's cost is its number of NumPy calls; for
        # large ones it costs an extra pass over memory.
        paired = self._paired_slots
        if flat_p.size > _PAIR_MAX_SIZE or not all(slot in self._state for slot in paired):
            paired = ()
        pair = np.empty((len(paired), flat_p.size), dtype=flat_p.dtype) if paired else None
        for slot, arrays in self._state.items():
            if slot in paired:
                flat = pair[paired.index(slot)]
                np.concatenate([a.ravel() for a in arrays], out=flat)
            else:
                flat = np.concatenate([a.ravel() for a in arrays])
            views, start = [], 0
            for a in arrays:
                views.append(flat[start : start + a.size].reshape(a.shape))
                start += a.size
            arrays[:] = views
            flat_state[slot] = [flat]
        flat_scratch = [[np.empty_like(flat_p)] for _ in range(self.n_scratch)]
        self._packed = (list(params), list(grads), flat_state, flat_scratch, flat_p, flat_g)
        self._pair = pair

    def reset(self) -> None:
        """Forget the state and the step count (a schedule's own state is kept)."""
        self.t = 0
        self._state: dict[str, list[np.ndarray]] = {}
        self._shapes: tuple[tuple[int, ...], ...] | None = None
        self._scratch: list[list[np.ndarray]] | None = None
        # (params, grads, flat state, flat scratch, flat params, flat grads) of step's
        # fast path, or None; see _try_pack.
        self._packed: tuple[Any, ...] | None = None
        self._pack_tried: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        # The 2-D array whose rows are the flat arrays of _paired_slots, or None.
        self._pair: np.ndarray | None = None
        self._pair_scratch: tuple[Any, ...] | None = None

    def state_dict(self) -> dict[str, Any]:
        """Copy of the state as a flat dict, ready for ``np.savez(path, **d)``.

        Keys: ``"t"``; ``"<slot>.<i>"`` for state array `i` of each slot (once a step has
        run); ``"schedule.<key>"`` for the state of a stateful schedule.
        """
        out: dict[str, Any] = {"t": self.t}
        for slot, arrays in self._state.items():
            for i, a in enumerate(arrays):
                out[f"{slot}.{i}"] = a.copy()
        if isinstance(self.learning_rate, Schedule):
            for k, v in self.learning_rate.state_dict().items():
                out[f"schedule.{k}"] = v
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (also the 0-d arrays that ``np.load`` gives)."""
        state = dict(state)
        if "t" not in state:
            raise ValueError("state has no 't' entry")
        t = int(state.pop("t"))
        sched = {
            k[len("schedule.") :]: state.pop(k) for k in list(state) if k.startswith("schedule.")
        }
        arrays: dict[str, dict[int, np.ndarray]] = {slot: {} for slot in self.slots}
        for key, value in state.items():
            slot, _, idx = key.rpartition(".")
            if slot not in arrays or not idx.isdigit():
                raise ValueError(
                    f"unexpected key {key!r} in {type(self).__name__} state; "
                    f"expected 't' and '<slot>.<i>' with slot in {list(self.slots)}"
                )
            arrays[slot][int(idx)] = np.array(value, copy=True)
        counts = {len(v) for v in arrays.values()}
        if len(counts) > 1:
            raise ValueError(f"state slots hold different numbers of arrays: {counts}")
        n = counts.pop() if counts else 0
        new_state: dict[str, list[np.ndarray]] = {}
        for slot, by_idx in arrays.items():
            if sorted(by_idx) != list(range(n)):
                raise ValueError(f"state slot {slot!r} must hold arrays 0..{n - 1}")
            new_state[slot] = [by_idx[i] for i in range(n)]
        shapes = None
        if new_state:
            lists = list(new_state.values())
            shapes = tuple(a.shape for a in lists[0])
            if any(tuple(a.shape for a in arrs) != shapes for arrs in lists):
                raise ValueError("state slots hold arrays of different shapes")
            if n == 0:
                shapes = None
        if sched:
            if not isinstance(self.learning_rate, Schedule):
                raise ValueError("state holds schedule entries but learning_rate is a number")
            self.learning_rate.load_state_dict(sched)
        self.reset()
        self.t = t
        if shapes is not None:
            self._state, self._shapes = new_state, shapes

    def get_config(self) -> dict[str, Any]:
        """Hyperparameters that rebuild this optimizer with ``get(name, **config)``."""
        return {"learning_rate": self.learning_rate}

    # -- to implement -----------------------------------------------------------------
    def _check_params(self, params: Sequence[np.ndarray]) -> None:
        """Checks on the parameter list, run once before the first step (and after a load)."""
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"params[{i}] must be a float32 or float64 ndarray, got "
                    f"{type(p).__name__} {getattr(p, 'dtype', '')}".rstrip()
                )

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self._shapes = tuple(p.shape for p in params)
        self._state = {slot: [self._initial(slot, p) for p in params] for slot in self.slots}

    def _initial(self, slot: str, p: np.ndarray) -> np.ndarray:
        """Initial value of one state array; zeros unless a subclass says otherwise."""
        return np.zeros_like(p)

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        raise NotImplementedError


# Filled by each subclass that names itself, as it is defined (Optimizer.__init_subclass__),
# and by LBFGS, which is registered by hand below its class.
REGISTRY: Registry[Optimizer | LBFGS] = Registry(
    "optimizer",
    Optimizer,
    accepts="a name, an Optimizer or LBFGS instance, or one of their classes",
)


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    With ``momentum == 0``: ``w ← w − α g``. Otherwise, with ``μ = momentum``,
    ``d = dampening``:

    ``convention="classical"`` (scikit-learn's form; the same trajectory as PyTorch's
    ``v ← μv + g, w ← w − αv`` for a constant rate)::

        v ← μ v − α (1 − d) g
        w ← w + v                      (plain)
        w ← w + μ v − α (1 − d) g      (Nesterov, with the updated v)

    ``convention="average"`` (the course's moving average of the gradients; PyTorch
    with ``dampening = momentum``, except that the velocity starts at 0 rather than at
    the first gradient)::

        v ← μ v + (1 − μ) g
        w ← w − α v                    (plain)
        w ← w − α (μ v + (1 − μ) g)    (Nesterov look-ahead, with the updated v)

    Under "average" the dampening is fixed at μ, so `dampening` must stay 0. Nesterov
    needs ``momentum > 0`` and no dampening.

    Parameters
    ----------
    learning_rate : float or Schedule
        Rate, ``> 0``.
    momentum : float
        In ``[0, 1)``.
    dampening : float
        In ``[0, 1]``; classical convention only.
    nesterov : bool
        Use Nesterov's look-ahead.
    convention : {"classical", "average"}
        Which momentum formula, see above.
    """

    name = "sgd"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        convention: str = "classical",
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = check_rate(momentum, "momentum")
        self.dampening = check_in_range(dampening, "dampening", 0.0, 1.0)
        self.nesterov = check_bool(nesterov, "nesterov")
        if convention not in ("classical", "average"):
            raise ValueError(f"convention must be 'classical' or 'average', got {convention!r}")
        self.convention = convention
        if convention == "average" and self.dampening != 0.0:
            raise ValueError(
                "dampening must be 0 with convention='average', which already damps by momentum"
            )
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")

    @property
    def slots(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum > 0.0 else ()

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        (tmp,) = self._scratch
        mu = self.momentum
        if mu == 0.0:
            for w, g, s in zip(params, grads, tmp, strict=True):
                np.multiply(g, lr, out=s)
                w -= s
            return
        vel = self._state["velocity"]
        if self.convention == "classical":
            c = lr * (1.0 - self.dampening)
            for w, g, v, s in zip(params, grads, vel, tmp, strict=True):
                v *= mu
                np.multiply(g, c, out=s)
                v -= s
                if self.nesterov:
                    w -= s
                    np.multiply(v, mu, out=s)
                w += s if self.nesterov else v
        else:
            for w, g, v, s in zip(params, grads, vel, tmp, strict=True):
                v *= mu
                np.multiply(g, 1.0 - mu, out=s)
                v += s
                if self.nesterov:
                    np.multiply(g, lr * (1.0 - mu), out=s)
                    w -= s
                    np.multiply(v, lr * mu, out=s)
                else:
                    np.multiply(v, lr, out=s)
                w -= s

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "convention": self.convention,
        }


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011): ``G ← G + g²``, ``w ← w − α g / (√G + ε)``.

    Parameters
    ----------
    learning_rate : float or Schedule
        Rate, ``> 0``.
    eps : float
        Added to the denominator, ``> 0``.
    initial_accumulator_value : float
        Starting value of ``G``, ``>= 0``.
    """

    name = "adagrad"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.01,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
    ) -> None:
        super().__init__(learning_rate)
        self.eps = check_positive(eps, "eps")
        self.initial_accumulator_value = check_positive(
            initial_accumulator_value, "initial_accumulator_value", allow_zero=True
        )

    @property
    def slots(self) -> tuple[str, ...]:
        return ("sum_sq",)

    def _check_params(self, params: Sequence[np.ndarray]) -> None:
        """Extra checks on the parameter list, run once before the first step."""

    def _initial(self, slot: str, p: np.ndarray) -> np.ndarray:
        return np.full_like(p, self.initial_accumulator_value)

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        (tmp,) = self._scratch
        for w, g, acc, s in zip(params, grads, self._state["sum_sq"], tmp, strict=True):
            np.multiply(g, g, out=s)
            acc += s
            np.sqrt(acc, out=s)
            s += self.eps
            np.divide(g, s, out=s)
            s *= lr
            w -= s

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "eps": self.eps,
            "initial_accumulator_value": self.initial_accumulator_value,
        }


class RMSProp(Optimizer):
    """RMSProp (Hinton 2012) with optional centring and momentum.

    ``v ← ρ v + (1 − ρ) g²``; the denominator is ``d = √v + ε``, or when centred
    ``d = √(v − ḡ²) + ε`` with ``ḡ ← ρ ḡ + (1 − ρ) g`` (clipped at 0 under the root
    against rounding). Then ``w ← w − α g / d``, or with momentum ``μ``:
    ``b ← μ b + g / d``, ``w ← w − α b`` (PyTorch's formulation).

    Parameters
    ----------
    learning_rate : float or Schedule
        Rate, ``> 0``.
    rho : float
        Decay of the moving averages, in ``[0, 1)``.
    eps : float
        Added to the denominator, ``> 0``.
    momentum : float
        In ``[0, 1)``.
    centered : bool
        Divide by an estimate of the standard deviation instead of the RMS.
    """

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        rho: float = 0.9,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_rate(rho, "rho")
        self.eps = check_positive(eps, "eps")
        self.momentum = check_rate(momentum, "momentum")
        self.centered = check_bool(centered, "centered")

    @property
    def slots(self) -> tuple[str, ...]:
        out = ("square_avg",)
        if self.centered:
            out += ("grad_avg",)
        if self.momentum > 0.0:
            out += ("momentum_buffer",)
        return out

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        (tmp,) = self._scratch
        rho, mu, n = self.rho, self.momentum, len(params)
        sq = self._state["square_avg"]
        gavg = self._state.get("grad_avg", [None] * n)
        buf = self._state.get("momentum_buffer", [None] * n)
        for w, g, v, ga, b, s in zip(params, grads, sq, gavg, buf, tmp, strict=True):
            np.multiply(g, g, out=s)
            s *= 1.0 - rho
            v *= rho
            v += s
            if ga is not None:
                ga *= rho
                np.multiply(g, 1.0 - rho, out=s)
                ga += s
                np.multiply(ga, ga, out=s)
                np.subtract(v, s, out=s)
                np.maximum(s, 0.0, out=s)
                np.sqrt(s, out=s)
            else:
                np.sqrt(v, out=s)
            s += self.eps
            np.divide(g, s, out=s)
            if b is not None:
                b *= mu
                b += s
                np.multiply(b, lr, out=s)
            else:
                s *= lr
            w -= s

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "eps": self.eps,
            "momentum": self.momentum,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in scikit-learn's form, optionally AMSGrad.

    At step ``t`` (from 1)::

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        α_t = α √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        w ← w − α_t m / (√v + ε)

    This is exactly scikit-learn's ``AdamOptimizer`` update. It is the paper's
    bias-corrected update ``α m̂ / (√v̂ + ε′)`` except for where ε sits: here ε is added
    to ``√v`` before the bias correction, i.e. the paper's rule with
    ``ε′ = ε / √(1 − β₂ᵗ)`` (since ``√v̂ = √v / √(1 − β₂ᵗ)``).
    With ``amsgrad=True`` (Reddi et al. 2018) ``v`` in the denominator is replaced by its
    running maximum ``v_max ← max(v_max, v)``.

    Parameters
    ----------
    learning_rate : float or Schedule
        Rate, ``> 0``.
    beta_1, beta_2 : float
        Decay of the first and second moment estimates, in ``[0, 1)``.
    eps : float
        Added to the denominator, ``> 0``.
    amsgrad : bool
        Use the AMSGrad variant.
    """

    name = "adam"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_rate(beta_1, "beta_1")
        self.beta_2 = check_rate(beta_2, "beta_2")
        self.eps = check_positive(eps, "eps")
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    _paired_slots = ("m", "v")

    @property
    def slots(self) -> tuple[str, ...]:
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _packed_update(self, packed: tuple[Any, ...], lr: float) -> None:
        # The rule of _update with m and v as the rows of one array (Optimizer._try_pack):
        # ``m *= β₁; v *= β₂`` is one broadcast multiply, and so are the two products by
        # (1 − β); each entry goes through the same operations with the same constants
        # (cast to the array's dtype as the Python floats are), so the results are the
        # same bit for bit, in 10 NumPy calls instead of 12.
        mv = self._pair
        if mv is None or self.amsgrad:
            super()._packed_update(packed, lr)
            return
        b1, b2, t = self.beta_1, self.beta_2, self.t
        cached = self._pair_scratch
        if cached is None or cached[0] != (b1, b2) or cached[1].shape != mv.shape:
            dtype = mv.dtype
            keep = np.array([[b1], [b2]], dtype=dtype)
            new = np.array([[1.0 - b1], [1.0 - b2]], dtype=dtype)
            s2 = np.empty_like(mv)
            cached = ((b1, b2), s2, s2[0], s2[1], keep, new, mv[0], mv[1])
            self._pair_scratch = cached
        _, s2, s, s_1, keep, new, m, v = cached
        w, g = packed[4], packed[5]
        lr_t = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        mv *= keep
        np.copyto(s, g)
        np.multiply(g, g, out=s_1)
        s2 *= new
        mv += s2
        np.sqrt(v, out=s)
        s += self.eps
        np.divide(m, s, out=s)
        s *= lr_t
        w -= s

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        (tmp,) = self._scratch
        b1, b2, t = self.beta_1, self.beta_2, self.t
        lr_t = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        ms, vs = self._state["m"], self._state["v"]
        vmax = self._state.get("v_max", vs)
        for w, g, m, v, vm, s in zip(params, grads, ms, vs, vmax, tmp, strict=True):
            m *= b1
            np.multiply(g, 1.0 - b1, out=s)
            m += s
            v *= b2
            np.multiply(g, g, out=s)
            s *= 1.0 - b2
            v += s
            if vm is not v:
                np.maximum(vm, v, out=vm)
            np.sqrt(vm, out=s)
            s += self.eps
            np.divide(m, s, out=s)
            s *= lr_t
            w -= s

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    Each step first shrinks the decayed arrays, ``w ← w − α λ w`` with the step's rate
    ``α`` (not the bias-corrected ``α_t``), then applies the :class:`Adam` update with
    the gradient of the loss alone.

    Parameters
    ----------
    learning_rate, beta_1, beta_2, eps, amsgrad
        As in :class:`Adam`.
    weight_decay : float
        Decay coefficient ``λ``, ``>= 0``.
    decay : list of bool, optional
        Which parameter arrays decay, one flag per array (a trainer passes True for
        weights and False for biases); default all.
    """

    name = "adamw"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        amsgrad: bool = False,
        weight_decay: float = 0.01,
        decay: Sequence[bool] | None = None,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, eps, amsgrad)
        self.weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.decay = None if decay is None else [check_bool(d, "decay[i]") for d in decay]

    def _check_params(self, params: Sequence[np.ndarray]) -> None:
        super()._check_params(params)
        if self.decay is not None and len(self.decay) != len(params):
            raise ValueError(f"decay has {len(self.decay)} flags for {len(params)} arrays")

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        shrink = 1.0 - lr * self.weight_decay
        if shrink != 1.0:
            for i, w in enumerate(params):
                if self.decay is None or self.decay[i]:
                    w *= shrink
        super()._update(params, grads, lr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight_decay": self.weight_decay, "decay": self.decay}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016), with a constant β₁.

    This is Dozat's rule without the momentum warm-up schedule ``μ_t``. At step ``t``
    (from 1), with ``m`` and ``v`` updated as in :class:`Adam`::

        m̂ = β₁ m / (1 − β₁^{t+1}) + (1 − β₁) g / (1 − β₁ᵗ)
        v̂ = v / (1 − β₂ᵗ)
        w ← w − α m̂ / (√v̂ + ε)

    Parameters
    ----------
    learning_rate : float or Schedule
        Rate, ``> 0``.
    beta_1, beta_2 : float
        Decay of the moment estimates, in ``[0, 1)``.
    eps : float
        Added to the denominator, ``> 0``.
    """

    name = "nadam"
    n_scratch = 2

    def __init__(
        self,
        learning_rate: float | Schedule = 0.002,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_rate(beta_1, "beta_1")
        self.beta_2 = check_rate(beta_2, "beta_2")
        self.eps = check_positive(eps, "eps")

    @property
    def slots(self) -> tuple[str, ...]:
        return ("m", "v")

    def _update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        tmp, num = self._scratch
        b1, b2, t = self.beta_1, self.beta_2, self.t
        c_m = b1 / (1.0 - b1 ** (t + 1))
        c_g = (1.0 - b1) / (1.0 - b1**t)
        c_v = 1.0 / (1.0 - b2**t)
        for w, g, m, v, s, u in zip(
            params, grads, self._state["m"], self._state["v"], tmp, num, strict=True
        ):
            m *= b1
            np.multiply(g, 1.0 - b1, out=s)
            m += s
            v *= b2
            np.multiply(g, g, out=s)
            s *= 1.0 - b2
            v += s
            np.multiply(m, c_m, out=u)
            np.multiply(g, c_g, out=s)
            u += s
            np.multiply(v, c_v, out=s)
            np.sqrt(s, out=s)
            s += self.eps
            np.divide(u, s, out=u)
            u *= lr
            w -= u

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
        }


class LBFGS(Configurable):
    """Limited-memory BFGS through :func:`scipy.optimize.minimize` (method L-BFGS-B).

    Not step-wise (not an :class:`Optimizer`, no ``step``): :meth:`minimize` runs the whole
    optimisation of a function of one flat float64 vector, as scikit-learn's
    ``solver="lbfgs"`` does. The constructor sets the defaults that :meth:`minimize`
    uses when an argument is left out.

    Parameters
    ----------
    max_iter : int
        Maximum number of iterations, ``>= 1``.
    max_fun : int
        Maximum number of function evaluations, ``>= 1``.
    tol : float
        Stop when the largest component of the projected gradient is ``<= tol``
        (SciPy's ``gtol``), ``>= 0``.
    m : int
        Number of correction pairs kept (SciPy's ``maxcor``), ``>= 1``.

    Attributes
    ----------
    n_iter_, n_fun_ : int
        Iterations and function evaluations of the last run.
    success_ : bool
        Whether the last run converged.
    message_ : str
        SciPy's message for the last run.
    """

    name = "lbfgs"
    aliases = ("l_bfgs",)

    def __init__(
        self, max_iter: int = 200, max_fun: int = 15000, tol: float = 1e-4, m: int = 10
    ) -> None:
        self.max_iter = check_int(max_iter, "max_iter")
        self.max_fun = check_int(max_fun, "max_fun")
        self.tol = check_positive(tol, "tol", allow_zero=True)
        self.m = check_int(m, "m")
        self.n_iter_: int | None = None
        self.n_fun_: int | None = None
        self.success_: bool | None = None
        self.message_: str | None = None

    def minimize(
        self,
        fun_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
        x0: np.ndarray,
        *,
        max_iter: int | None = None,
        max_fun: int | None = None,
        tol: float | None = None,
        m: int | None = None,
        callback: Callable[[np.ndarray], bool | None] | None = None,
    ) -> scipy.optimize.OptimizeResult:
        """Minimise ``fun_and_grad`` starting from `x0`.

        Parameters
        ----------
        fun_and_grad : callable
            ``x -> (f(x), ∇f(x))`` for a flat float64 vector ``x``.
        x0 : ndarray
            Starting point; flattened and copied to float64 (never modified).
        max_iter, max_fun, tol, m : optional
            Override the constructor's settings for this run.
        callback : callable, optional
            ``callback(x)`` after each iteration with a copy of the current point;
            returning True stops the run (SciPy then reports that the callback raised
            StopIteration, and ``success_`` is False).

        Returns
        -------
        scipy.optimize.OptimizeResult
            SciPy's result (``x``, ``fun``, ``jac``, ``nit``, ``nfev``, ``success``,
            ``message``...). The counts, success flag and message are also stored on
            the optimizer as ``n_iter_``, ``n_fun_``, ``success_`` and ``message_``.
        """
        # scipy.optimize pulls in much of SciPy (sparse, linalg...): load it only for L-BFGS.
        import scipy.optimize

        max_iter = self.max_iter if max_iter is None else check_int(max_iter, "max_iter")
        max_fun = self.max_fun if max_fun is None else check_int(max_fun, "max_fun")
        tol = self.tol if tol is None else check_positive(tol, "tol", allow_zero=True)
        m = self.m if m is None else check_int(m, "m")
        x0 = np.array(x0, dtype=np.float64).ravel()
        wrapped = None
        if callback is not None:

            def wrapped(xk: np.ndarray) -> None:
                # SciPy ignores a callback's return value; StopIteration is how it stops.
                if callback(xk.copy()):
                    raise StopIteration

        result = scipy.optimize.minimize(
            fun_and_grad,
            x0,
            method="L-BFGS-B",
            jac=True,
            callback=wrapped,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol, "maxcor": m},
        )
        self.n_iter_ = int(result.nit)
        self.n_fun_ = int(result.nfev)
        self.success_ = bool(result.success)
        msg = result.message
        self.message_ = msg.decode() if isinstance(msg, bytes) else str(msg)
        return result

    def reset(self) -> None:
        """Forget what the last run reported."""
        self.n_iter_ = self.n_fun_ = self.success_ = self.message_ = None

    def state_dict(self) -> dict[str, Any]:
        """Always empty.

        SciPy keeps the curvature pairs internal, so a resumed run starts L-BFGS afresh
        from the saved point.
        """
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Accept the empty state of :meth:`state_dict`."""
        if state:
            raise ValueError(f"LBFGS has no state, got keys {sorted(state)}")

    def get_config(self) -> dict[str, Any]:
        """Settings that rebuild this optimizer with ``get("lbfgs", **config)``."""
        return {"max_iter": self.max_iter, "max_fun": self.max_fun, "tol": self.tol, "m": self.m}


REGISTRY.register(LBFGS)

# Update rules that treat every entry of every array alike: they may run once on packed
# flat arrays (Optimizer._try_pack).
# Largest number of parameters for which Optimizer._try_pack pairs state slots.
_PAIR_MAX_SIZE = 1 << 14

_PACKABLE_UPDATES = frozenset(
    {SGD._update, AdaGrad._update, RMSProp._update, Adam._update, Nadam._update}
)


# -- registry -------------------------------------------------------------------------------
def names(*, include_aliases: bool = False) -> list[str]:
    """Canonical names of every registered optimizer (sorted), optionally with aliases."""
    return REGISTRY.names(include_aliases=include_aliases)


def get(
    optimizer: str | Optimizer | LBFGS | type[Optimizer] | type[LBFGS], /, **params: Any
) -> Optimizer | LBFGS:
    """Look up an optimizer by name (or alias), or pass an instance through.

    Parameters
    ----------
    optimizer : str, Optimizer, LBFGS or one of their classes
        A registered name or alias (case-insensitive, ``-`` and ``_`` alike), an
        instance (returned as is) or a class (instantiated with `params`). None is
        refused.
    **params
        Hyperparameters, e.g. ``get("sgd", learning_rate=0.1, momentum=0.9)``.

    Raises
    ------
    ValueError
        For an unknown name: the message lists the valid names and the closest one.
    TypeError
        For anything else, for `params` given with an instance, and for
        hyperparameters the optimizer does not take.
    """
    return REGISTRY.get(optimizer, **params)
