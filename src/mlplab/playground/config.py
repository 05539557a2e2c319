"""A playground run's configuration: every field checked, and what it means for the engine.

:class:`Config` is what the page's URL holds. :meth:`Config.from_dict` checks every field
of a request (types, names, ranges, sizes, and the fields that only make sense together)
and raises :class:`ConfigError`, which carries a machine-readable ``code`` and the
``field`` at fault so that the page can translate the message and show it at the control.

:func:`training_arguments` turns a config into the arguments of mlplab's
:class:`~mlplab.training.Trainer` (optimizer, schedule, batch size, penalties): the
session trains with them, and the exported Python code prints them, so the two cannot
drift apart.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .. import activations as _activations
from .. import initializers as _initializers
from . import data

# -- limits ---------------------------------------------------------------------------------
MAX_SAMPLES = 2000
MIN_SAMPLES = 50
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 16
MAX_BATCH = 500
#: Largest absolute value a weight or bias may be given by hand.
MAX_EDIT = 100.0

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
#: Names of :func:`mlplab.schedules.from_name`, the one set of schedule constants.
SCHEDULES = ("constant", "step", "exponential", "invscaling", "linear", "cosine")
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")

#: Fields whose change keeps the weights and the data (applied on the fly).
HOT_FIELDS = frozenset(
    {"learning_rate", "schedule", "decay_epochs", "regularization", "reg_rate"}
    | {"batch_size", "optimizer", "momentum"}
)
#: Hot fields whose change starts the optimizer afresh (its state belongs to the old one).
NEW_OPTIMIZER_FIELDS = frozenset({"optimizer", "momentum"})
#: Fields whose change draws the data again (and makes new points or targets).
DATA_FIELDS = frozenset(
    {"dataset", "problem", "n_classes", "n_samples", "noise", "train_ratio", "seed"}
)


@functools.cache
def _activation_names() -> tuple[str, ...]:
    return tuple(_activations.names())


def activation_names() -> list[str]:
    """Every activation of the catalog (all build without parameters)."""
    return list(_activation_names())


@functools.cache
def _initializer_names() -> tuple[str, ...]:
    out = ["auto"]
    for name in _initializers.names():
        try:
            _initializers.get(name)
        except (TypeError, ValueError):
            continue
        out.append(name)
    return tuple(out)


def initializer_names() -> list[str]:
    """``"auto"`` then the initializers that need no parameters."""
    return list(_initializer_names())


class ConfigError(ValueError):
    """A request is invalid; the message says which field and why.

    Parameters
    ----------
    message : str
        In English, for people and logs.
    code : str
        What went wrong, for the page's translations (``"out_of_range"``, ...).
    field : str, optional
        The configuration field at fault.
    **params
        Values the message mentions (``min``, ``max``, ``value``...), JSON-ready.
    """

    def __init__(self, message: str, code: str = "invalid", field: str | None = None, **params):
        super().__init__(message)
        self.code = code
        self.field = field
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the error answer."""
        return {"error": str(self), "code": self.code, "field": self.field, "params": self.params}


# -- checks of one field ----------------------------------------------------------------------
class HugeNumber(float):
    """A JSON integer too long for any field (Python will not even parse 5000 digits).

    It is an infinity of the number's sign, so every range check refuses it, and it
    remembers how many digits it had for the message.
    """

    digits: int

    def __new__(cls, text: str) -> HugeNumber:
        obj = super().__new__(cls, -math.inf if text.startswith("-") else math.inf)
        obj.digits = len(text.lstrip("-"))
        return obj


def _shown(v: Any) -> str:
    """A short, safe rendering of a rejected value for a message."""
    if isinstance(v, HugeNumber):
        return f"a {v.digits}-digit number"
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    text = repr(v) if not isinstance(v, int) or abs(v) < 10**30 else f"a {len(str(v))}-digit number"
    return text if len(text) <= 40 else text[:37] + "..."


def _refused(key: str, expected: str, code: str, v: Any, **params: Any) -> ConfigError:
    return ConfigError(
        f"{key} must be {expected}, got {_shown(v)}", code, key, value=_shown(v), **params
    )


def as_int(v: Any, key: str, lo: int, hi: int) -> int:
    """`v` as an int in [lo, hi], or :class:`ConfigError` naming `key`.

    JSON numbers arrive as int or float (1e400 and NaN as float): both are accepted
    when they hold a whole number in range.
    """
    fraction = isinstance(v, float) and math.isfinite(v) and not v.is_integer()
    if isinstance(v, bool) or not isinstance(v, (int, float)) or fraction:
        raise _refused(key, "an integer", "not_integer", v)
    if not (isinstance(v, int) or math.isfinite(v)) or not lo <= v <= hi:
        raise _refused(key, f"an integer between {lo} and {hi}", "out_of_range", v, min=lo, max=hi)
    return int(v)


def as_float(v: Any, key: str, lo: float, hi: float) -> float:
    """`v` as a finite float in [lo, hi], or :class:`ConfigError` naming `key`."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _refused(key, "a number", "not_number", v)
    # Exact for huge integers too (no float conversion).
    ok = lo <= v <= hi if isinstance(v, int) else math.isfinite(v) and lo <= v <= hi
    if not ok:
        raise _refused(
            key, f"a number between {lo:g} and {hi:g}", "out_of_range", v, min=lo, max=hi
        )
    return float(v)


def as_choice(v: Any, key: str, choices: Any) -> str:
    """`v` if it is one of the names `choices`, else :class:`ConfigError` naming `key`."""
    if not isinstance(v, str) or v not in choices:
        shown = ", ".join(list(choices)[:12]) + ("..." if len(choices) > 12 else "")
        raise ConfigError(
            f"{key} must be one of {shown}; got {_shown(v)}", "not_choice", key, value=_shown(v)
        )
    return v


def as_bool(v: Any, key: str) -> bool:
    """`v` if it is a JSON boolean, else :class:`ConfigError` naming `key`."""
    if not isinstance(v, bool):
        raise _refused(key, "true or false", "not_bool", v)
    return v


# -- the configuration ------------------------------------------------------------------------
@dataclass
class Config:
    """Everything that defines a playground run; all of it lives in the page's URL.

    The same config (seed included) gives the same data and the same initial weights.
    ``problem`` is the model's problem type, independent of the data set: ``"auto"``
    (only in requests) means the data set's own. ``decay_epochs`` is the horizon of the
    learning-rate schedule (:func:`mlplab.schedules.from_name`).
    """

    dataset: str = "circle"
    problem: str = "classification"
    n_classes: int = 2
    n_samples: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    batch_size: int = 10
    seed: int = 1
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activations: list[str] = field(default_factory=lambda: ["tanh", "tanh"])
    optimizer: str = "sgd"
    momentum: float = 0.9
    learning_rate: float = 0.03
    schedule: str = "constant"
    decay_epochs: int = 100
    initializer: str = "auto"
    regularization: str = "none"
    reg_rate: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False

    @classmethod
    def from_dict(cls, values: Any) -> Config:
        """Validate a JSON object (missing keys take their defaults; unknown keys are errors).

        A missing ``problem`` (or ``"auto"``) is the data set's own problem.

        Raises
        ------
        ConfigError
        """
        if not isinstance(values, dict):
            raise ConfigError("the configuration must be a JSON object", "not_object")
        unknown = sorted(str(k) for k in set(values) - {f.name for f in fields(cls)})
        if unknown:
            shown = ", ".join(_shown(k) for k in unknown[:5])
            raise ConfigError(
                f"unknown configuration keys: {shown}", "unknown_keys", None, keys=shown
            )
        d = {**asdict(cls()), "problem": "auto", **values}
        dataset = as_choice(d["dataset"], "dataset", (*data.DATASETS, "upload"))
        problem = as_choice(d["problem"], "problem", (*PROBLEMS, "auto"))
        out = cls(
            dataset=dataset,
            problem=data.natural_problem(dataset) if problem == "auto" else problem,
            n_classes=_classes(dataset, d["n_classes"]),
            n_samples=as_int(d["n_samples"], "n_samples", MIN_SAMPLES, MAX_SAMPLES),
            noise=as_float(d["noise"], "noise", 0.0, 0.5),
            train_ratio=as_float(d["train_ratio"], "train_ratio", 0.1, 0.9),
            batch_size=as_int(d["batch_size"], "batch_size", 1, MAX_BATCH),
            seed=as_int(d["seed"], "seed", 0, 2**31 - 1),
            features=_features(d["features"]),
            hidden=_hidden(d["hidden"]),
            activations=_activations_of(d["activations"], d["hidden"]),
            optimizer=as_choice(d["optimizer"], "optimizer", OPTIMIZERS),
            momentum=as_float(d["momentum"], "momentum", 0.0, 0.999),
            learning_rate=as_float(d["learning_rate"], "learning_rate", 1e-6, 10.0),
            schedule=as_choice(d["schedule"], "schedule", SCHEDULES),
            decay_epochs=as_int(d["decay_epochs"], "decay_epochs", 1, 100_000),
            initializer=as_choice(d["initializer"], "initializer", _initializer_names()),
            regularization=as_choice(d["regularization"], "regularization", REGULARIZATIONS),
            reg_rate=as_float(d["reg_rate"], "reg_rate", 0.0, 10.0),
            dropout=as_float(d["dropout"], "dropout", 0.0, 0.9),
            batch_norm=as_bool(d["batch_norm"], "batch_norm"),
        )
        if out.batch_norm and out.batch_size < 2:
            # A batch of one point has no spread: batch norm would output beta and the
            # network would learn nothing.
            raise ConfigError(
                "batch norm needs batches of at least 2 points (a single point has no "
                "batch statistics): raise the batch size or turn batch norm off",
                "batch_norm_batch_size",
                "batch_norm",
                fields=["batch_norm", "batch_size"],
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values."""
        return asdict(self)


def _classes(dataset: str, value: Any) -> int:
    """The number of classes: 2 to 8 for an upload (its data decide), 2 to 4 for the
    sets that take it, and 2 for the others (nothing to change)."""
    k = as_int(value, "n_classes", 2, 8)
    if dataset in data.MULTICLASS_DATASETS:
        return as_int(k, "n_classes", 2, 4)
    return k if dataset == "upload" else 2


def _features(feats: Any) -> list[str]:
    if not isinstance(feats, list) or not feats:
        raise ConfigError("features must be a non-empty list", "features_empty", "features")
    for f in feats:
        if not isinstance(f, str) or f not in data.FEATURES:
            raise ConfigError(
                f"unknown feature {_shown(f)}; choose from {', '.join(data.FEATURES)}",
                "unknown_feature",
                "features",
                value=_shown(f),
            )
    if len(set(feats)) != len(feats):
        raise ConfigError("features must not repeat", "features_repeat", "features")
    return [f for f in data.FEATURES if f in feats]  # canonical order


def _hidden(hidden: Any) -> list[int]:
    if not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError(
            f"hidden must be a list of at most {MAX_HIDDEN_LAYERS} layer sizes",
            "hidden_list",
            "hidden",
            max=MAX_HIDDEN_LAYERS,
        )
    return [as_int(h, "hidden", 1, MAX_UNITS) for h in hidden]


def _activations_of(acts: Any, hidden: list[Any]) -> list[str]:
    if not isinstance(acts, list) or len(acts) != len(hidden):
        raise ConfigError(
            "activations must be a list with one name per hidden layer",
            "activations_list",
            "activations",
        )
    names = _activation_names()
    return [as_choice(a, "activations", names) for a in acts]


# -- what the configuration means for the engine ----------------------------------------------
def network_arguments(config: Config, n_outputs: int, output_activation: str) -> dict[str, Any]:
    """The arguments of :func:`mlplab.network.mlp` for `config` (all but ``random_state``).

    Parameters
    ----------
    config : Config
    n_outputs : int
        Output units (:func:`mlplab.playground.data.output_for`).
    output_activation : str
        The output activation that goes with the problem and the loss.
    """
    return {
        "layer_sizes": [len(config.features), *config.hidden, n_outputs],
        "hidden_activation": list(config.activations),
        "output_activation": output_activation,
        "kernel_initializer": config.initializer,
        "batch_norm": config.batch_norm,
        "dropout": config.dropout,
    }


def training_arguments(config: Config) -> dict[str, Any]:
    """The :class:`~mlplab.training.Trainer` settings of `config`, as plain values.

    Returns
    -------
    dict
        ``optimizer``: (registry name, keyword arguments) for
        :func:`mlplab.optimizers.get`, with exactly the momentum asked for (Nesterov's
        look-ahead with momentum 0 is plain SGD, which mlplab's SGD wants spelled
        without ``nesterov``); ``schedule``: (name, rate, horizon) for
        :func:`mlplab.schedules.from_name`, the horizon in epochs being the config's
        ``decay_epochs``; ``batch_size``; ``l1`` and ``l2``: the penalties.
    """
    lr, mom = config.learning_rate, config.momentum
    kwargs: dict[str, Any] = {"learning_rate": lr}
    name = config.optimizer
    if name in ("momentum", "nesterov"):
        kwargs["momentum"] = mom
        if name == "nesterov" and mom > 0:
            kwargs["nesterov"] = True
        name = "sgd"
    reg, rate = config.regularization, config.reg_rate
    return {
        "optimizer": (name, kwargs),
        "schedule": (config.schedule, lr, config.decay_epochs),
        "batch_size": config.batch_size,
        "l1": rate if reg == "l1" else 0.0,
        "l2": rate if reg == "l2" else 0.0,
    }
