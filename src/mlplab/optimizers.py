"""Optimizers that update a list of parameter arrays in place.

Every step-wise optimizer (:class:`Optimizer`) has the same interface::

    opt = get("adam", learning_rate=1e-3)
    opt.step(params, grads)            # params[i] -= ... in place, for every i
    opt.step(params, grads, lr=0.01)   # the trainer passes the scheduled rate

Its state (velocities, moments) is created on the first step with the shapes and dtypes
of the parameters, so float32 parameters keep float32 state and stay float32. ``opt.t``
counts the steps taken; ``state_dict()`` / ``load_state_dict()`` checkpoint it.

Each optimizer writes its update rule once, for one array (:meth:`Optimizer._rule`);
:meth:`Optimizer.step` applies it to every array of the list. The rules are
elementwise, so when the parameters and the gradients each tile one flat array (the
layout :class:`~mlplab.network.Sequential` gives them), the same rule run once on the
two flat arrays gives the same numbers in one NumPy call per operation instead of one
per array: :meth:`Optimizer.pack` opts in to that.

Decoupled weight decay (:func:`decay_weights`) shrinks the weights before the rule, in
:class:`AdamW` and in the :class:`~mlplab.training.Trainer`'s ``weight_decay`` alike.

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
    "decay_weights",
    "get",
    "names",
    "packed_base",
    "stepwise_names",
]


def packed_base(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The 1-D array that `arrays` tile exactly, in order, as C-contiguous views; or None.

    That is the layout :class:`~mlplab.network.Sequential` gives its parameters and
    gradients: an elementwise operation on the whole list is then one NumPy call on the
    flat array, with the same result entry by entry.

    Parameters
    ----------
    arrays : sequence of ndarray
        Arrays of any shapes.

    Returns
    -------
    ndarray of shape (sum of the sizes,) or None
        The array whose memory the arrays share, or None when they do not tile one.
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


def decay_weights(
    params: Sequence[np.ndarray], decay: Sequence[bool] | None, lr: float, weight_decay: float
) -> None:
    """Decoupled weight decay: ``w ← w − lr · weight_decay · w``, in place.

    Loshchilov & Hutter's decay, applied before the optimizer's rule of the same step
    (their algorithm and PyTorch's ``AdamW``), with the step's rate ``lr``.

    Parameters
    ----------
    params : sequence of ndarray
        The parameter arrays.
    decay : sequence of bool or None
        One flag per array: whether it decays (a trainer passes True for weights and
        False for biases); None decays every array.
    lr : float
        The learning rate of the step.
    weight_decay : float
        The coefficient ``λ``, ``>= 0``.
    """
    shrink = 1.0 - lr * weight_decay
    if shrink == 1.0:
        return
    for i, w in enumerate(params):
        if decay is None or decay[i]:
            w *= shrink


def _over_root(num: np.ndarray, den: np.ndarray, eps: float, out: np.ndarray) -> None:
    """``out = num / (√den + eps)``, in place (`out` may be `den`): the adaptive rules' step."""
    np.sqrt(den, out=out)
    out += eps
    np.divide(num, out, out=out)


class Optimizer(Configurable):
    """Base class of the step-wise optimizers.

    A subclass lists its per-parameter state arrays in :attr:`slots`, the number of
    scratch arrays its rule needs in ``n_scratch``, and writes its update once, for one
    array, in :meth:`_rule` (with the per-step constants of :meth:`_constants`).

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
    n_scratch : int
        Scratch arrays of the parameter's shape that :meth:`_rule` works in.
    elementwise : bool
        Whether :meth:`_rule` treats every entry alike, so that it may run once on the
        flat arrays of :meth:`pack`. A subclass that writes its own rule is not, unless
        it says so.
    """

    n_scratch: ClassVar[int] = 1
    elementwise: ClassVar[bool] = True
    _declared_by: ClassVar[dict[str, str]] = {"elementwise": "_rule"}

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
        if packed is not None and packed.holds(params, grads):
            # The arrays given to pack(), already checked: one rule call on their flat
            # arrays (elementwise rules give identical numbers this way).
            if lr is None:
                lr = self.current_lr
            elif not (type(lr) is float and 0.0 <= lr < math.inf):
                lr = check_positive(lr, "lr", allow_zero=True)  # anything unusual: full check
            self.t += 1
            self._before_rule(params, lr)
            packed.rule(self._constants(lr), *packed.rule_arrays)
            return
        lr = self.current_lr if lr is None else check_positive(lr, "lr", allow_zero=True)
        self._prepare(params, grads)
        self.t += 1
        self._before_rule(params, lr)
        c, rule = self._constants(lr), self._rule
        for w, g, state, scratch in zip(params, grads, self._arrays, self._scratch, strict=True):
            rule(c, w, g, state, scratch)

    def pack(
        self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], *, compiled: bool = False
    ) -> bool:
        """Opt in to the packed fast path of :meth:`step` for these arrays.

        When `params` and `grads` each tile one flat array (:func:`packed_base`) and the
        rule is :attr:`elementwise`, the state moves into flat arrays too (the per-array
        state becomes views of them, so :meth:`state_dict` reads the same values), and
        every later ``step(params, grads)`` with these very arrays runs the rule once on
        the flat arrays, with the same numbers. :meth:`reset` and
        :meth:`load_state_dict` end it.

        Parameters
        ----------
        params, grads : list of ndarray
            As for :meth:`step`; validated here, and the state is created if needed.
        compiled : bool
            Run the rule as its compiled kernel (:mod:`mlplab._kernels._optimizers`: one
            pass, the same bits), when this very class declares one (:meth:`_kernel`);
            a subclass that does not declare its own keeps the NumPy rule.

        Returns
        -------
        bool
            Whether the fast path is on; when False, :meth:`step` works array by array.
        """
        self._prepare(params, grads)
        self._packed = None
        flat_w, flat_g = packed_base(params), packed_base(grads)
        if (
            not self.elementwise
            or flat_w is None
            or flat_g is None
            or flat_w.dtype != flat_g.dtype
            or any(a.dtype != flat_w.dtype for arrays in self._state.values() for a in arrays)
        ):
            return False  # e.g. float64 state loaded for float32 parameters: keep its arithmetic
        flat_state = []
        for slot in self.slots:
            arrays = self._state[slot]
            flat = np.concatenate([a.ravel() for a in arrays])
            start = 0
            for i, a in enumerate(arrays):
                arrays[i] = flat[start : start + a.size].reshape(a.shape)
                start += a.size
            flat_state.append(flat)
        self._index_state()
        flat_scratch = tuple(np.empty_like(flat_w) for _ in range(self.n_scratch))
        rule, kernel = self._rule, None
        if compiled and "_kernel" in type(self).__dict__:
            kind, constants = self._kernel()
            rule = _compiled_rule(kind, constants, flat_state, flat_w.dtype, flat_w.size)
            empty = np.empty(0, dtype=flat_w.dtype)
            kernel = (kind, constants, *[*flat_state, empty, empty, empty][:3])
        self._packed = _Packed(
            list(params), list(grads), flat_w, flat_g, flat_state, flat_scratch, rule
        )
        self._packed.kernel = kernel
        return True

    def reset(self) -> None:
        """Forget the state, the step count and :meth:`pack` (a schedule's state is kept)."""
        self.t = 0
        self._state: dict[str, list[np.ndarray]] = {}
        self._shapes: tuple[tuple[int, ...], ...] | None = None
        # Per parameter array: its state arrays in slot order, and its scratch arrays.
        self._arrays: list[tuple[np.ndarray, ...]] = []
        self._scratch: list[tuple[np.ndarray, ...]] | None = None
        self._packed: _Packed | None = None

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
            self._index_state()

    # -- the machinery around the rule ------------------------------------------------
    def _prepare(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Check the arrays of a step and create what the rule works in, once."""
        if len(params) != len(grads):
            raise ValueError(f"got {len(params)} parameter arrays but {len(grads)} gradients")
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape}, params[{i}] {p.shape}")
        if self._scratch is None:
            # First step since creation, reset() or load_state_dict().
            self._check_params(params)
        if self._shapes is None:
            self._shapes = tuple(p.shape for p in params)
            self._state = {slot: [self._initial(slot, p) for p in params] for slot in self.slots}
            self._index_state()
        elif self._shapes != tuple(p.shape for p in params):
            raise ValueError(
                "params do not match the shapes this optimizer's state was created for "
                f"{self._shapes}; call reset() to optimise a new set of parameters"
            )
        if self._scratch is None:
            self._scratch = [tuple(np.empty_like(p) for _ in range(self.n_scratch)) for p in params]

    def _index_state(self) -> None:
        """Each parameter array's state arrays, in :attr:`slots` order, for :meth:`_rule`."""
        n = len(self._shapes or ())
        self._arrays = [tuple(self._state[slot][i] for slot in self.slots) for i in range(n)]

    def _check_params(self, params: Sequence[np.ndarray]) -> None:
        """Checks on the parameter list, run once before the first step (and after a load)."""
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"params[{i}] must be a float32 or float64 ndarray, got "
                    f"{type(p).__name__} {getattr(p, 'dtype', '')}".rstrip()
                )

    def _initial(self, slot: str, p: np.ndarray) -> np.ndarray:
        """Initial value of one state array; zeros unless a subclass says otherwise."""
        return np.zeros_like(p)

    def _before_rule(self, params: Sequence[np.ndarray], lr: float) -> None:
        """What a step does to the whole list before the rule; nothing unless a subclass says."""

    # -- to implement -----------------------------------------------------------------
    def _constants(self, lr: float) -> Any:
        """What the rule of step :attr:`t` needs beyond the arrays, computed once per step."""
        return lr

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        """The compiled form of :meth:`_rule`: its kind and its constants from ``c``.

        Only a class that defines this itself gets the kernel (see :meth:`pack`). The
        kind is one of the codes of :mod:`mlplab._kernels._optimizers`; the function
        turns what :meth:`_constants` returned for a step into the constants that kind
        takes, as Python floats (the kernel gets them rounded to the parameters' dtype,
        as NumPy rounds a Python float that meets an array).
        """
        raise NotImplementedError

    def _rule(
        self,
        c: Any,
        w: np.ndarray,
        g: np.ndarray,
        state: Sequence[np.ndarray],
        scratch: Sequence[np.ndarray],
    ) -> None:
        """Update one parameter array `w` in place from its gradient `g`.

        Parameters
        ----------
        c
            What :meth:`_constants` returned for this step.
        w, g : ndarray of the same shape
            The parameters (updated in place) and their gradient.
        state : sequence of ndarray
            This array's state arrays, in :attr:`slots` order, updated in place.
        scratch : sequence of ndarray
            ``n_scratch`` arrays of `w`'s shape to work in.
        """
        raise NotImplementedError


class _Packed:
    """The arrays given to :meth:`Optimizer.pack`, the flat arrays and the rule run on them."""

    __slots__ = ("grads", "kernel", "params", "rule", "rule_arrays")

    def __init__(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        flat_params: np.ndarray,
        flat_grads: np.ndarray,
        flat_state: list[np.ndarray],
        flat_scratch: tuple[np.ndarray, ...],
        rule: Callable[..., None],
    ) -> None:
        self.params = params
        self.grads = grads
        self.rule = rule  # Optimizer._rule, or its kernel (_compiled_rule)
        # The arguments of Optimizer._rule after its constants: (w, g, state, scratch).
        self.rule_arrays = (flat_params, flat_grads, flat_state, flat_scratch)

    def holds(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> bool:
        """Whether `params` and `grads` are the very arrays that were packed."""
        return (
            len(params) == len(self.params)
            and all(map(operator.is_, params, self.params))
            and all(map(operator.is_, grads, self.grads))
        )


def packed_kernel(optimizer: Optimizer) -> tuple[Any, ...] | None:
    """The compiled update of a packed optimizer: ``(kind, constants, s0, s1, s2)``, or None.

    None unless :meth:`Optimizer.pack` was called with ``compiled=True`` for a class
    with a kernel whose step does nothing before its rule (AdamW's decay does).
    """
    packed = optimizer._packed
    if packed is None or packed.kernel is None:
        return None
    if type(optimizer)._before_rule is not Optimizer._before_rule:
        return None
    return packed.kernel


def step_constants(optimizer: Optimizer, lr: float | None, count: int) -> np.ndarray:
    """The kernel constants of the next `count` steps, as :meth:`Optimizer.step` makes them.

    Leaves ``Optimizer.t`` as it was: the caller adds the steps it did.

    Returns
    -------
    ndarray of shape (count, n_constants), of the parameters' dtype
    """
    kernel = optimizer._packed.kernel
    constants, t0, rows = kernel[1], optimizer.t, []
    try:
        for j in range(count):
            optimizer.t = t0 + j
            rate = optimizer.current_lr if lr is None else lr
            optimizer.t += 1
            rows.append(constants(optimizer._constants(rate)))
    finally:
        optimizer.t = t0
    return np.array(rows, dtype=kernel[2].dtype).reshape(count, -1)


def _compiled_rule(
    kind: int,
    constants: Callable[[Any], Sequence[float]],
    flat_state: list[np.ndarray],
    dtype: np.dtype,
    size: int,
) -> Callable[..., None]:
    """A rule with :meth:`Optimizer._rule`'s signature that runs the kernel `kind`.

    Large arrays are updated on several threads (as many as BLAS may use when the run
    starts).
    """
    from mlplab._kernels import _numba
    from mlplab._kernels import _optimizers as kernels

    empty = np.empty(0, dtype=dtype)
    s0, s1, s2 = [*flat_state, empty, empty, empty][:3]
    threads = _numba.parallel_threads() if size >= kernels.PARALLEL_MIN else 1

    # Only this rule's family compiles (kernels.kernel), serial or parallel, not both.
    if threads > 1:
        parallel = kernels.kernel(kind, parallel=True)

        def rule(c: Any, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
            k = np.array(constants(c), dtype=dtype)
            _numba.run_parallel(parallel, threads, kind, w, g, s0, s1, s2, k)

    else:
        update = kernels.kernel(kind)

        def rule(c: Any, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
            update(kind, w, g, s0, s1, s2, np.array(constants(c), dtype=dtype))

    return rule


# Filled by each subclass that names itself, as it is defined (Optimizer.__init_subclass__),
# and by LBFGS, which is registered by hand below its class.
REGISTRY: Registry[Optimizer | LBFGS] = Registry(
    "optimizer",
    Optimizer,
    accepts="a name, an Optimizer or LBFGS instance, or one of their classes",
)
Optimizer._registry = REGISTRY


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
    elementwise = True

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

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        from mlplab._kernels import _optimizers as k

        mu = self.momentum
        if mu == 0.0:
            return k.SGD, lambda lr: (lr,)
        if self.convention == "classical":
            kind = k.SGD_NESTEROV if self.nesterov else k.SGD_MOMENTUM
            return kind, lambda lr: (mu, lr * (1.0 - self.dampening))
        if self.nesterov:
            return k.SGD_AVERAGE_NESTEROV, lambda lr: (mu, 1.0 - mu, lr * (1.0 - mu), lr * mu)
        return k.SGD_AVERAGE, lambda lr: (mu, 1.0 - mu, lr)

    def _rule(self, lr: float, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
        (s,) = scratch
        mu = self.momentum
        if mu == 0.0:
            np.multiply(g, lr, out=s)
            w -= s
            return
        (v,) = state
        if self.convention == "classical":
            v *= mu
            np.multiply(g, lr * (1.0 - self.dampening), out=s)
            v -= s
            if self.nesterov:
                w -= s
                np.multiply(v, mu, out=s)
                w += s
            else:
                w += v
            return
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
    elementwise = True

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

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        from mlplab._kernels import _optimizers as k

        return k.ADAGRAD, lambda lr: (self.eps, lr)

    def _initial(self, slot: str, p: np.ndarray) -> np.ndarray:
        return np.full_like(p, self.initial_accumulator_value)

    def _rule(self, lr: float, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
        (acc,), (s,) = state, scratch
        np.multiply(g, g, out=s)
        acc += s
        _over_root(g, acc, self.eps, s)
        s *= lr
        w -= s


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
    elementwise = True

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

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        from mlplab._kernels import _optimizers as k

        rho, eps, mu = self.rho, self.eps, self.momentum
        if mu > 0.0:
            kind = k.RMSPROP_CENTERED_MOMENTUM if self.centered else k.RMSPROP_MOMENTUM
            return kind, lambda lr: (rho, 1.0 - rho, eps, lr, mu)
        kind = k.RMSPROP_CENTERED if self.centered else k.RMSPROP
        return kind, lambda lr: (rho, 1.0 - rho, eps, lr)

    def _rule(self, lr: float, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
        (s,) = scratch
        rho, mu = self.rho, self.momentum
        v = state[0]
        ga = state[1] if self.centered else None
        b = state[-1] if mu > 0.0 else None
        np.multiply(g, g, out=s)
        s *= 1.0 - rho
        v *= rho
        v += s
        den = v
        if ga is not None:
            ga *= rho
            np.multiply(g, 1.0 - rho, out=s)
            ga += s
            np.multiply(ga, ga, out=s)
            np.subtract(v, s, out=s)
            np.maximum(s, 0.0, out=s)
            den = s  # v − ḡ², clipped at 0
        _over_root(g, den, self.eps, s)
        if b is not None:
            b *= mu
            b += s
            np.multiply(b, lr, out=s)
        else:
            s *= lr
        w -= s


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
    elementwise = True

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

    @property
    def slots(self) -> tuple[str, ...]:
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        from mlplab._kernels import _optimizers as k

        b1, b2, eps = self.beta_1, self.beta_2, self.eps
        kind = k.AMSGRAD if self.amsgrad else k.ADAM
        return kind, lambda lr_t: (b1, 1.0 - b1, b2, 1.0 - b2, eps, lr_t)

    def _constants(self, lr: float) -> float:
        # The bias-corrected rate α_t of step t.
        b1, b2, t = self.beta_1, self.beta_2, self.t
        return lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)

    def _moments(self, m: np.ndarray, v: np.ndarray, g: np.ndarray, s: np.ndarray) -> None:
        """``m ← β₁ m + (1 − β₁) g`` and ``v ← β₂ v + (1 − β₂) g²`` in place (`s`: scratch)."""
        b1, b2 = self.beta_1, self.beta_2
        m *= b1
        np.multiply(g, 1.0 - b1, out=s)
        m += s
        v *= b2
        np.multiply(g, g, out=s)
        s *= 1.0 - b2
        v += s

    def _rule(self, lr_t: float, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
        (s,) = scratch
        m, v = state[0], state[1]
        self._moments(m, v, g, s)
        den = v
        if self.amsgrad:
            den = state[2]  # v_max ← max(v_max, v)
            np.maximum(den, v, out=den)
        _over_root(m, den, self.eps, s)
        s *= lr_t
        w -= s


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

    def _before_rule(self, params: Sequence[np.ndarray], lr: float) -> None:
        decay_weights(params, self.decay, lr, self.weight_decay)

    _kernel = Adam._kernel  # the rule is Adam's (the decay comes before it, in NumPy)


class Nadam(Adam):
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
    elementwise = True
    n_scratch = 2

    def __init__(
        self,
        learning_rate: float | Schedule = 0.002,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, eps)

    def _constants(self, lr: float) -> tuple[float, float, float, float]:
        b1, b2, t = self.beta_1, self.beta_2, self.t
        return b1 / (1.0 - b1 ** (t + 1)), (1.0 - b1) / (1.0 - b1**t), 1.0 / (1.0 - b2**t), lr

    def _kernel(self) -> tuple[int, Callable[[Any], Sequence[float]]]:
        from mlplab._kernels import _optimizers as k

        b1, b2, eps = self.beta_1, self.beta_2, self.eps
        return k.NADAM, lambda c: (b1, 1.0 - b1, b2, 1.0 - b2, eps, *c)

    def _rule(self, c: Any, w: np.ndarray, g: np.ndarray, state: Any, scratch: Any) -> None:
        c_m, c_g, c_v, lr = c
        (m, v), (s, u) = state, scratch
        self._moments(m, v, g, s)
        np.multiply(m, c_m, out=u)
        np.multiply(g, c_g, out=s)
        u += s
        np.multiply(v, c_v, out=s)
        _over_root(u, s, self.eps, s)
        s *= lr
        w -= s


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


REGISTRY.register(LBFGS)


# -- registry -------------------------------------------------------------------------------
def names(*, include_aliases: bool = False) -> list[str]:
    """Canonical names of every registered optimizer (sorted), optionally with aliases."""
    return REGISTRY.names(include_aliases=include_aliases)


def stepwise_names() -> list[str]:
    """Canonical names of the step-wise optimizers (every one but L-BFGS), sorted.

    These are the solvers that train on mini-batches: the estimators' and the command
    line's stochastic solvers.
    """
    return [n for n in names() if issubclass(REGISTRY.lookup(n), Optimizer)]


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
