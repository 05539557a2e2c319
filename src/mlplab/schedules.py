"""Learning-rate schedules: the rate to use at step ``t``.

A schedule is a plain object with ``rate(t) -> float`` (also ``schedule(t)``), where
``t`` counts from 0. The schedule does not know what ``t`` counts: the trainer decides
whether it is optimizer steps, epochs or samples seen (scikit-learn's ``invscaling``
counts samples seen). Look one up with :func:`get` (``get("step", lr=0.1, step_size=30)``;
a bare float gives a :class:`Constant`) and list them with :func:`names`.

:class:`ReduceOnPlateau` (scikit-learn's ``"adaptive"``) is the one stateful member: the
trainer calls ``update(metric)`` once per epoch and reads ``stop``; its state survives a
checkpoint through ``state_dict()`` / ``load_state_dict()``. Its rule, "no improvement
by ``tol`` for more than ``patience`` epochs", is :class:`Plateau`, which early stopping
(:class:`mlplab.callbacks.EarlyStopping`, the estimators' ``n_iter_no_change``) applies
too.

:func:`from_name` builds the schedules that the estimators' ``learning_rate``, the
command line's ``--schedule`` and the playground name, with one set of constants: a
decay over a horizon (``max_iter`` epochs for the estimators).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from mlplab._registry import Configurable, Registry
from mlplab._validation import (
    check_bool,
    check_in_range,
    check_int,
    check_non_negative,
    check_option,
    check_positive,
    check_real,
)

__all__ = [
    "Constant",
    "Cosine",
    "ExponentialDecay",
    "InverseTime",
    "LinearDecay",
    "Plateau",
    "ReduceOnPlateau",
    "Schedule",
    "StepDecay",
    "Warmup",
    "from_name",
    "get",
    "names",
]


# -- base class -----------------------------------------------------------------------------
class Schedule(Configurable):
    """A learning rate as a function of a step count ``t >= 0``.

    Subclasses implement :meth:`_rate`; :meth:`rate` checks ``t`` first. Stateful
    schedules also override :meth:`update`, :attr:`stop`, :meth:`state_dict` and
    :meth:`load_state_dict`. A subclass that sets its own ``name`` (and ``aliases``,
    other names) registers as it is defined: :func:`get` then accepts those names.
    """

    def rate(self, t: int) -> float:
        """Learning rate at step `t` (an integer ``>= 0``)."""
        return self._rate(check_int(t, "t", minimum=0))

    def __call__(self, t: int) -> float:
        """Same as :meth:`rate`."""
        return self._rate(check_int(t, "t", minimum=0))

    def update(self, metric: float) -> None:
        """Report the monitored value at the end of an epoch; a no-op unless stateful."""

    @property
    def stop(self) -> bool:
        """Whether the schedule asks training to stop; always False unless stateful."""
        return False

    @property
    def monitor(self) -> str | None:
        """Which value of an epoch's record the trainer passes to :meth:`update`.

        None (every schedule but :class:`ReduceOnPlateau`) lets the trainer choose:
        ``"val_loss"`` with validation data, else ``"loss"``.
        """
        return None

    def state_dict(self) -> dict[str, Any]:
        """Mutable state as a flat dict of ints, floats and bools (empty if stateless)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if state:
            raise ValueError(f"{type(self).__name__} has no state, got keys {sorted(state)}")

    def _rate(self, t: int) -> float:
        raise NotImplementedError


# Filled by each subclass that names itself, as it is defined (Schedule.__init_subclass__).
REGISTRY: Registry[Schedule] = Registry(
    "schedule", Schedule, accepts="a name, a number, a Schedule instance or a Schedule subclass"
)
Schedule._registry = REGISTRY


# -- members --------------------------------------------------------------------------------
class Constant(Schedule):
    """The same rate at every step.

    Parameters
    ----------
    lr : float
        The learning rate, ``> 0``; the default is scikit-learn's ``learning_rate_init``.
    """

    name = "constant"

    def __init__(self, lr: float = 0.001) -> None:
        self.lr = check_positive(lr, "lr")

    def _rate(self, t: int) -> float:
        return self.lr


class StepDecay(Schedule):
    """Multiply the rate by `gamma` every `step_size` steps: ``lr * gamma ** (t // step_size)``.

    Parameters
    ----------
    lr : float
        Initial rate, ``> 0``.
    step_size : int
        Steps between two decays, ``>= 1``.
    gamma : float
        Decay factor, in ``(0, 1]``.
    """

    name = "step"

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = check_positive(lr, "lr")
        self.step_size = check_int(step_size, "step_size")
        self.gamma = check_in_range(gamma, "gamma", 0.0, 1.0, low_open=True)

    def _rate(self, t: int) -> float:
        return self.lr * self.gamma ** (t // self.step_size)


class ExponentialDecay(StepDecay):
    """Multiply the rate by `gamma` at every step: ``lr * gamma ** t``.

    A :class:`StepDecay` whose steps are one unit of ``t`` long.

    Parameters
    ----------
    lr : float
        Initial rate, ``> 0``.
    gamma : float
        Decay factor per unit of ``t``, in ``(0, 1]``.
    """

    name = "exponential"

    def __init__(self, lr: float, gamma: float) -> None:
        super().__init__(lr, 1, gamma)


class InverseTime(Schedule):
    """Inverse scaling: ``lr / (t + 1) ** power_t``.

    This is scikit-learn's ``learning_rate="invscaling"``, where ``t`` counts the
    training samples seen so far (the trainer picks what ``t`` counts).

    Parameters
    ----------
    lr : float
        Initial rate, ``> 0``; the default is scikit-learn's ``learning_rate_init``.
    power_t : float
        Exponent, ``>= 0`` (0 gives a constant rate).
    """

    name = "invscaling"
    aliases = ("inverse_time",)

    def __init__(self, lr: float = 0.001, power_t: float = 0.5) -> None:
        self.lr = check_positive(lr, "lr")
        self.power_t = check_positive(power_t, "power_t", allow_zero=True)

    def _rate(self, t: int) -> float:
        return self.lr / (t + 1) ** self.power_t


class LinearDecay(Schedule):
    """Linear interpolation from `lr` to `final_lr` over `decay_steps`, then constant.

    ``α_t = (1 − t/τ)·α₀ + (t/τ)·α_τ`` for ``t < τ`` and ``α_τ`` afterwards, with
    ``α₀ = lr``, ``α_τ = final_lr`` and ``τ = decay_steps``.

    Parameters
    ----------
    lr : float
        Initial rate, ``> 0``.
    final_lr : float
        Rate from step `decay_steps` on, ``>= 0``.
    decay_steps : int
        Length ``τ`` of the decay, ``>= 1``.
    """

    name = "linear"

    def __init__(self, lr: float, final_lr: float, decay_steps: int) -> None:
        self.lr = check_positive(lr, "lr")
        self.final_lr = check_positive(final_lr, "final_lr", allow_zero=True)
        self.decay_steps = check_int(decay_steps, "decay_steps")

    def _rate(self, t: int) -> float:
        if t >= self.decay_steps:
            return self.final_lr
        frac = t / self.decay_steps
        return (1.0 - frac) * self.lr + frac * self.final_lr


class Cosine(Schedule):
    """Cosine annealing from `lr` to `min_lr`, optionally with warm restarts (SGDR).

    Within a cycle of length ``T`` started at step ``s``:
    ``min_lr + (lr − min_lr)·(1 + cos(π (t − s)/T))/2``.

    Without restarts there is a single cycle of length `period` and the rate stays at
    `min_lr` from ``t = period`` on. With restarts (Loshchilov & Hutter 2016) the rate
    jumps back to `lr` at the end of each cycle, and each cycle is `period_mult` times
    longer than the one before: cycles start at ``0, P, P + P·m, P + P·m + P·m², ...``
    (lengths may be fractional when `period_mult` is not an integer).

    Parameters
    ----------
    lr : float
        Rate at the start of each cycle, ``> 0``.
    period : int
        Length of the first (or only) cycle, ``>= 1``.
    min_lr : float
        Rate at the end of a cycle, in ``[0, lr]``.
    restarts : bool
        Whether to restart after each cycle.
    period_mult : float
        Growth factor of the cycle length, ``>= 1``; only used with restarts.
    """

    name = "cosine"

    def __init__(
        self,
        lr: float,
        period: int,
        min_lr: float = 0.0,
        restarts: bool = False,
        period_mult: float = 1.0,
    ) -> None:
        self.lr = check_positive(lr, "lr")
        self.period = check_int(period, "period")
        self.min_lr = check_in_range(min_lr, "min_lr", 0.0, self.lr)
        self.restarts = check_bool(restarts, "restarts")
        self.period_mult = check_real(period_mult, "period_mult")
        if self.period_mult < 1.0:
            raise ValueError(f"period_mult must be >= 1, got {self.period_mult!r}")

    def _rate(self, t: int) -> float:
        start, length = 0.0, float(self.period)
        if not self.restarts:
            if t >= self.period:
                return self.min_lr
        elif self.period_mult == 1.0:
            start = float(t - t % self.period)
        else:
            # Cycle lengths grow geometrically, so this loop runs O(log t) times.
            while t >= start + length:
                start += length
                length *= self.period_mult
        cos = math.cos(math.pi * (t - start) / length)
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + cos)


class Warmup(Schedule):
    """Linear warm-up in front of another schedule.

    For ``t < warmup_steps`` the rate ramps linearly from
    ``start_factor * r0`` to ``r0``, where ``r0 = schedule.rate(0)``:
    ``r0 * (start_factor + (1 − start_factor) * t / warmup_steps)``.
    From ``t = warmup_steps`` on the rate is ``schedule.rate(t − warmup_steps)``: the
    inner schedule is *shifted* so that it starts at its own beginning when the warm-up
    ends, and the ramp ends exactly where the inner schedule starts.

    :meth:`update`, :attr:`stop` and the state are those of the inner schedule, so a
    warm-up in front of :class:`ReduceOnPlateau` works.

    Parameters
    ----------
    schedule : Schedule, str or float
        The schedule after the warm-up; anything :func:`get` accepts.
    warmup_steps : int
        Length of the ramp, ``>= 1``.
    start_factor : float
        Fraction of ``schedule.rate(0)`` at ``t = 0``, in ``[0, 1]``. With 0 the first
        step has rate 0.
    """

    name = "warmup"

    def __init__(
        self, schedule: Schedule | str | float, warmup_steps: int, start_factor: float = 0.0
    ) -> None:
        self.schedule = get(schedule)
        self.warmup_steps = check_int(warmup_steps, "warmup_steps")
        self.start_factor = check_in_range(start_factor, "start_factor", 0.0, 1.0)

    def _rate(self, t: int) -> float:
        if t >= self.warmup_steps:
            return self.schedule._rate(t - self.warmup_steps)
        frac = t / self.warmup_steps
        return self.schedule._rate(0) * (self.start_factor + (1.0 - self.start_factor) * frac)

    def update(self, metric: float) -> None:
        self.schedule.update(metric)

    @property
    def stop(self) -> bool:
        return self.schedule.stop

    @property
    def monitor(self) -> str | None:
        return self.schedule.monitor

    def state_dict(self) -> dict[str, Any]:
        return {f"schedule.{k}": v for k, v in self.schedule.state_dict().items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        bad = [k for k in state if not k.startswith("schedule.")]
        if bad:
            raise ValueError(f"unexpected keys in Warmup state: {sorted(bad)}")
        self.schedule.load_state_dict({k[len("schedule.") :]: v for k, v in state.items()})


class Plateau:
    """The rule "no improvement by `tol` for more than `patience` epochs", written once.

    :class:`ReduceOnPlateau`, :class:`mlplab.callbacks.EarlyStopping` and the
    estimators' ``n_iter_no_change`` rule all call :meth:`update` once per epoch with the
    monitored value and act when :attr:`exhausted`.

    An epoch does not improve when ``value > best - tol`` (``mode="min"``) or
    ``value < best + tol`` (``mode="max"``); a NaN never improves. The best value
    follows every strict improvement, even one smaller than `tol` (scikit-learn's and
    PyTorch's convention), while the count of epochs without improvement only resets on
    an improvement of at least `tol`.

    Parameters
    ----------
    mode : {"min", "max"}
        Whether lower (a loss) or higher (a score) is better.
    tol : float
        Smallest change that counts as an improvement, ``>= 0``.
    patience : int or math.inf
        Epochs without improvement tolerated, ``>= 0``: :attr:`exhausted` turns True on
        the ``patience + 1``-th in a row. ``math.inf`` never exhausts.

    Attributes
    ----------
    best : float
        Best value so far (inf, or -inf for "max", before the first).
    bad_epochs : int
        Epochs without improvement in a row, up to the last one.
    """

    def __init__(self, mode: str = "min", tol: float = 0.0, patience: float = 10) -> None:
        self.mode = check_option(mode, "mode", ("min", "max"))
        self.tol = check_non_negative(tol, "tol")
        self.patience = (
            patience if patience == math.inf else check_int(patience, "patience", minimum=0)
        )
        self.reset()

    def reset(self) -> None:
        """Forget every value seen."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.bad_epochs = 0

    def update(self, value: float) -> bool:
        """Record one epoch's value; return whether it is a new best.

        Parameters
        ----------
        value : float
            The monitored value of the epoch.

        Returns
        -------
        bool
            True when `value` is strictly better than every value before it.
        """
        value = float(value)
        if self.mode == "min":
            bad = not value <= self.best - self.tol
            better = value < self.best
        else:
            bad = not value >= self.best + self.tol
            better = value > self.best
        self.bad_epochs = self.bad_epochs + 1 if bad else 0
        if better:
            self.best = value
        return better

    @property
    def exhausted(self) -> bool:
        """Whether more than `patience` epochs in a row did not improve."""
        return self.bad_epochs > self.patience

    def __repr__(self) -> str:
        return f"Plateau(mode={self.mode!r}, tol={self.tol!r}, patience={self.patience!r})"


class AppliesPlateau:
    """Base of the objects that apply a :class:`Plateau`, kept as their ``plateau``.

    Shows its best value as ``best`` (the name Keras and PyTorch give it); each class
    names the count of epochs without improvement as its own peers do.
    """

    plateau: Plateau

    @property
    def best(self) -> float:
        """Best monitored value so far."""
        return self.plateau.best


class ReduceOnPlateau(AppliesPlateau, Schedule):
    """Reduce the rate when the monitored value stops improving (scikit-learn's "adaptive").

    Call :meth:`update` once per epoch with the monitored value: the training loss
    (``mode="min"``) or a validation score (``mode="max"``); the rule that decides
    whether an epoch improved is :class:`Plateau`'s.

    When the count of consecutive epochs without improvement exceeds `patience` (so on
    the ``patience + 1``-th such epoch, as in scikit-learn's ``n_iter_no_change`` and
    PyTorch's ``ReduceLROnPlateau``) the counter resets and either

    * the rate is already ``<= min_lr``: :attr:`stop` becomes True and the rate is kept;
    * otherwise the rate is multiplied by `factor` (divided by 5 with the default).

    With the defaults this reproduces scikit-learn's ``MLPClassifier(solver="sgd",
    learning_rate="adaptive")``, which divides by 5 and stops once the rate is
    ``<= 1e-6``. :meth:`rate` ignores ``t`` and returns the current rate.

    Parameters
    ----------
    lr : float
        Initial rate, ``> 0``; the default is scikit-learn's ``learning_rate_init``.
    factor : float
        Multiplier applied at each reduction, in ``(0, 1)``.
    patience : int or math.inf
        Epochs without improvement tolerated before a reduction, ``>= 1``; ``math.inf``
        never reduces (scikit-learn's ``n_iter_no_change=np.inf``).
    tol : float
        Minimum change that counts as an improvement, ``>= 0``.
    min_lr : float
        Rate at or below which a due reduction stops training instead, ``>= 0``.
    mode : {"min", "max"}
        Whether lower (a loss) or higher (a score) is better.
    monitor : {"loss", "val_loss", "val_score"} or None
        Which value of each epoch's record the trainer passes to :meth:`update`; None
        is ``"val_loss"`` with validation data and ``"loss"`` without.

    Attributes
    ----------
    current_lr : float
        The rate now.
    plateau : Plateau
        The rule applied; :attr:`best` and :attr:`num_bad_epochs` are its own.
    best : float
        Best monitored value so far.
    num_bad_epochs : int
        Epochs without improvement in a row.
    num_reductions : int
        Reductions made so far.
    """

    name = "adaptive"
    aliases = ("plateau",)

    def __init__(
        self,
        lr: float = 0.001,
        factor: float = 0.2,
        patience: float = 10,
        tol: float = 1e-4,
        min_lr: float = 1e-6,
        mode: str = "min",
        monitor: str | None = None,
    ) -> None:
        self.lr = check_positive(lr, "lr")
        self.factor = check_in_range(factor, "factor", 0.0, 1.0, low_open=True, high_open=True)
        self.patience = patience if patience == math.inf else check_int(patience, "patience")
        self.tol = check_positive(tol, "tol", allow_zero=True)
        self.min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
        self.mode = check_option(mode, "mode", ("min", "max"))
        if monitor is not None:
            check_option(monitor, "monitor", MONITORS)
        self._monitor = monitor
        self._reset_state()

    def _reset_state(self) -> None:
        self.current_lr = self.lr
        self.plateau = Plateau(self.mode, self.tol, self.patience)
        self.num_reductions = 0
        self._stop = False

    @property
    def num_bad_epochs(self) -> int:
        """Epochs without improvement in a row (0 after a reduction)."""
        return self.plateau.bad_epochs

    @property
    def monitor(self) -> str | None:
        return self._monitor

    def _rate(self, t: int) -> float:
        return self.current_lr

    def update(self, metric: float) -> None:
        """Record the monitored value of one epoch and reduce the rate if due."""
        plateau = self.plateau
        plateau.update(metric)
        if plateau.exhausted:
            plateau.bad_epochs = 0
            if self.current_lr <= self.min_lr:
                self._stop = True
            else:
                # Divide by 1/factor (exactly 5.0 for 0.2) to match scikit-learn's
                # `learning_rate /= 5` bit for bit.
                self.current_lr /= 1.0 / self.factor
                self.num_reductions += 1

    @property
    def stop(self) -> bool:
        """True once a reduction fell due while the rate was already ``<= min_lr``."""
        return self._stop

    def state_dict(self) -> dict[str, Any]:
        return {
            "current_lr": self.current_lr,
            "best": self.best,
            "num_bad_epochs": self.num_bad_epochs,
            "num_reductions": self.num_reductions,
            "stop": self._stop,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        expected = {"current_lr", "best", "num_bad_epochs", "num_reductions", "stop"}
        if set(state) != expected:
            raise ValueError(
                f"ReduceOnPlateau state must have keys {sorted(expected)}, got {sorted(state)}"
            )
        # float()/int()/bool() also accept the 0-d arrays that np.savez/np.load return.
        self.current_lr = float(state["current_lr"])
        self.plateau.best = float(state["best"])
        self.plateau.bad_epochs = int(state["num_bad_epochs"])
        self.num_reductions = int(state["num_reductions"])
        self._stop = bool(state["stop"])


#: The values of an epoch's record that a plateau rule may monitor.
MONITORS = ("loss", "val_loss", "val_score")

#: Names of :func:`from_name`'s schedules that decay over a horizon.
DECAYS = ("step", "exponential", "linear", "cosine")


def from_name(name: str, lr: float, horizon: int) -> Schedule:
    """The schedule called `name` by the estimators, the command line and the playground.

    One set of constants for everything that names a schedule: each starts at `lr`, and
    the decays reach 1% of it over `horizon` units of ``t`` (the estimators: ``max_iter``
    epochs).

    ================  ==========================================================
    ``"constant"``    :class:`Constant`: `lr` throughout
    ``"step"``        :class:`StepDecay`: ×0.1 every ``max(1, horizon // 3)``
    ``"exponential"`` :class:`ExponentialDecay`: ``gamma = 0.01 ** (1 / horizon)``
    ``"linear"``      :class:`LinearDecay`: to ``lr / 100`` at `horizon`
    ``"cosine"``      :class:`Cosine`: to ``lr / 100`` at `horizon`, no restarts
    ``"invscaling"``  :class:`InverseTime`: ``lr / (t + 1) ** 0.5``
    ``"adaptive"``    :class:`ReduceOnPlateau` with scikit-learn's defaults
    ================  ==========================================================

    Parameters
    ----------
    name : str
        One of the names above (registry spellings and aliases are accepted).
    lr : float
        Initial rate, ``> 0``.
    horizon : int
        Length of the decay in units of ``t``, ``>= 1``; unused by the last three.

    Returns
    -------
    Schedule

    Raises
    ------
    ValueError
        For another name (listing these), a rate ``<= 0`` or a horizon ``< 1``.
    """
    horizon = check_int(horizon, "horizon")
    lr = check_positive(lr, "lr")
    key = REGISTRY.lookup(name).name if name in REGISTRY else name
    if key == "constant":
        return Constant(lr)
    if key == "step":
        return StepDecay(lr, step_size=max(1, horizon // 3), gamma=0.1)
    if key == "exponential":
        return ExponentialDecay(lr, gamma=0.01 ** (1 / horizon))
    if key == "linear":
        return LinearDecay(lr, final_lr=lr / 100, decay_steps=horizon)
    if key == "cosine":
        return Cosine(lr, period=horizon, min_lr=lr / 100)
    if key == "invscaling":
        return InverseTime(lr)
    if key == "adaptive":
        return ReduceOnPlateau(lr)
    valid = ", ".join(map(repr, ("constant", *DECAYS, "invscaling", "adaptive")))
    raise ValueError(f"unknown schedule name {name!r} for from_name; valid names: {valid}")


# -- registry -------------------------------------------------------------------------------
def names(*, include_aliases: bool = False) -> list[str]:
    """Canonical names of every registered schedule (sorted), optionally with aliases."""
    return REGISTRY.names(include_aliases=include_aliases)


def get(schedule: str | float | Schedule | type[Schedule], /, **params: Any) -> Schedule:
    """Look up a schedule by name (or alias), wrap a float, or pass an instance through.

    Parameters
    ----------
    schedule : str, float, Schedule or Schedule subclass
        A registered name or alias (case-insensitive, ``-`` and ``_`` alike), a number
        (gives ``Constant(number)``), a :class:`Schedule` instance (returned as is) or
        a subclass (instantiated with `params`). None is refused.
    **params
        Parameters of the schedule, e.g. ``get("step", lr=0.1, step_size=10)``.

    Raises
    ------
    ValueError
        For an unknown name: the message lists the valid names and the closest one.
    TypeError
        For anything else, for `params` given with an instance or a number, and for
        parameters the schedule does not take.
    """
    if isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
        if params:
            raise TypeError("params cannot be given with a constant learning rate")
        return Constant(schedule)
    return REGISTRY.get(schedule, **params)
